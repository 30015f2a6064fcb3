/* PMUv3 registers the guests use (Arm DDI 0487, D13): the bench's cycle
 * counter, the ticker's check that a restart cleared them, irq-test's
 * overflow interrupt. */
#ifndef GUEST_PMU_H
#define GUEST_PMU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

#define ID_AA64DFR0_PMUVER(v)	(((v) >> 8) & 0xf)
#define PMCR_E			(1u << 0)	/* counters enabled */
#define PMCR_C			(1u << 2)	/* reset the cycle counter */
#define PMCR_LC			(1u << 6)	/* the cycle counter overflows at 64 bits */
#define PMCNTEN_C		(1u << 31)	/* the cycle counter (PMCNTEN*, PMINTEN*) */
#define PMCCFILTR_NSH		(1u << 27)	/* count at (Non-secure) EL2 too */
#define PMUSERENR_EN		(1u << 0)	/* EL0 access */

/* ID_AA64DFR0_EL1.PMUVer: 0 is no PMU, 0xf an IMPLEMENTATION DEFINED one. */
static inline uint64_t pmu_version(void)
{
	return ID_AA64DFR0_PMUVER(read_sysreg(id_aa64dfr0_el1));
}

static inline bool pmu_v3(uint64_t version)
{
	return version != 0 && version != 0xf;
}

#endif
