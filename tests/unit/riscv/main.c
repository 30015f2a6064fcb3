/* The riscv64 port's host tests: its instruction decoder, its virtual PLIC
 * and its SBI for guests (arch/riscv64/sbi.c on the core, with the fake
 * arch of tests/unit/fake_arch.c and fake_riscv.c). A binary of its own: the
 * core's tests build the aarch64 PSCI against the same core. */
#include "../check.h"

extern const struct test insn_tests[], sbi_tests[], vplic_tests[];
static const struct test *const suites[] = { insn_tests, sbi_tests, vplic_tests };

int main(void)
{
	return run_suites(suites, sizeof(suites) / sizeof(suites[0]));
}
