/* The x86_64 port's host tests: its MMIO and string I/O instruction
 * decoder (arch/x86_64/insn.c), its guest page walk (page_walk.c), its virtual local APIC (arch/x86_64/vlapic.c)
 * and I/O APIC (arch/x86_64/vioapic.c) on the core, with the fake arch and
 * system of tests/unit/. */
#include "../check.h"

extern const struct test insn_tests[], string_io_tests[], vlapic_tests[], delivery_tests[], vioapic_tests[],
	page_walk_tests[];
static const struct test *const suites[] = { insn_tests, string_io_tests, vlapic_tests, delivery_tests,
					     vioapic_tests, page_walk_tests };

int main(void)
{
	return run_suites(suites, sizeof(suites) / sizeof(suites[0]));
}
