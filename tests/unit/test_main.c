/* The core's host tests, with the fake arch (fake_arch.c). */
#include "check.h"

extern const struct test power_tests[], psci_tests[], vuart_tests[], format_tests[], mmio_tests[],
	ns16550_tests[];
static const struct test *const suites[] = { power_tests, psci_tests, vuart_tests, format_tests,
					     mmio_tests, ns16550_tests };

int main(void)
{
	return run_suites(suites, sizeof(suites) / sizeof(suites[0]));
}
