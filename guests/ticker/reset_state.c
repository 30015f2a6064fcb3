/*
 * The PMU and self-hosted debug state a restarted partition must not
 * inherit: with fault=panic the ticker leaves it set before SYSTEM_RESET,
 * and checks it is clear when it starts, as a CPU out of reset has it.
 */
#include <stdbool.h>

#include "cpu.h"
#include "pmu.h"
#include "reset_state.h"
#include "uart.h"

#define MDSCR_SS		(1u << 0)	/* software step */
#define MDSCR_KDE		(1u << 13)	/* debug exceptions at EL1 */
#define MDSCR_MDE		(1u << 15)	/* breakpoints and watchpoints */

static bool have_pmu(void)
{
	return pmu_v3(pmu_version());
}

void reset_state_dirty(void)
{
	if (have_pmu()) {
		write_sysreg(pmcntenset_el0, PMCNTEN_C);
		write_sysreg(pmintenset_el1, PMCNTEN_C);
		write_sysreg(pmuserenr_el0, PMUSERENR_EN);
		write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_E);
	}
	write_sysreg(mdscr_el1, MDSCR_MDE);
	isb();
}

static bool clear(const char *reg, uint64_t value)
{
	if (value)
		uart_printf("ticker: error: %s = 0x%lx at start, not as after reset\n", reg,
			    (unsigned long)value);
	return !value;
}

void reset_state_check(void)
{
	bool ok = clear("MDSCR_EL1 (SS, KDE, MDE)",
			read_sysreg(mdscr_el1) & (MDSCR_SS | MDSCR_KDE | MDSCR_MDE));
	if (have_pmu()) {
		ok &= clear("PMCR_EL0.E", read_sysreg(pmcr_el0) & PMCR_E);
		ok &= clear("PMCNTENSET_EL0", read_sysreg(pmcntenset_el0));
		ok &= clear("PMINTENSET_EL1", read_sysreg(pmintenset_el1));
		ok &= clear("PMUSERENR_EL0", read_sysreg(pmuserenr_el0));
	}
	if (ok)
		uart_printf("ticker: PMU and debug registers as after reset (pmu %s)\n",
			    have_pmu() ? "yes" : "no");
}
