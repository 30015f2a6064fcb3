/* The vGIC (arch/aarch64/vgic*.c) on the host, with the fake GIC of
 * fake_gic.c: a binary of its own, since the core's tests fake the
 * arch_irq_* calls that vgic.c implements. Built twice, for a GICv3 and
 * (UNIT_GIC_V2) a GICv2; each suite is for one of them or both. */
#include "../check.h"

extern const struct test delivery_tests[], regs_tests[];
static const struct test *const suites[] = { delivery_tests, regs_tests };

int main(void)
{
	return run_suites(suites, sizeof(suites) / sizeof(suites[0]));
}
