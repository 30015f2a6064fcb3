/*
 * The generic timer as EL1 sees it: the system counter, and the EL1
 * virtual timer (its interrupt: dt.vtimer_intid, from the device tree).
 */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include <stdint.h>

#include "cpu.h"

/* The ISB keeps a counter read from being done early, out of program order. */
static inline uint64_t cntvct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t cntpct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(v) : : "memory");
	return v;
}

/* CNTFRQ_EL0: counter ticks per second. */
static inline uint64_t cntfrq(void)
{
	return read_sysreg(cntfrq_el0);
}

/* CNTV_CTL_EL0 and CNTP_CTL_EL0 */
#define CNT_CTL_ENABLE		(1u << 0)
#define CNT_CTL_IMASK		(1u << 1)	/* interrupt masked */
#define CNT_CTL_ISTATUS		(1u << 2)	/* condition met */

/* Fire once CNTVCT_EL0 reaches cval (CNTV_CVAL_EL0). */
static inline void vtimer_arm_at(uint64_t cval)
{
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, CNT_CTL_ENABLE);
	isb();
}

/* Fire 'ticks' counter ticks from now (CNTV_TVAL_EL0). */
static inline void vtimer_arm_in(uint64_t ticks)
{
	write_sysreg(cntv_tval_el0, ticks);
	write_sysreg(cntv_ctl_el0, CNT_CTL_ENABLE);
	isb();
}

/* Disabled, its interrupt line drops. */
static inline void vtimer_stop(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

#endif
