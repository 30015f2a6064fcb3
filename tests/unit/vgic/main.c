/* The vGIC's delivery to list registers (arch/aarch64/vgic.c), on the host
 * with fake list registers: a binary of its own, since the core's tests
 * fake the arch_irq_* calls that vgic.c implements. */
#include "../check.h"

extern const struct test delivery_tests[];
static const struct test *const suites[] = { delivery_tests };

int main(void)
{
	return run_suites(suites, sizeof(suites) / sizeof(suites[0]));
}
