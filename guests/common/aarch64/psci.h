/*
 * PSCI (Arm DEN 0022) as the guests under guests/ call it: over HVC or SMC,
 * whichever the device tree's /psci method names (dt.psci_smc, which
 * dt_scan sets).
 */
#ifndef GUEST_PSCI_H
#define GUEST_PSCI_H

#include <stdbool.h>
#include <stdint.h>

/* Function IDs: 0x84... SMC32, 0xC4... SMC64 (the 64-bit arguments) */
#define PSCI_VERSION		0x84000000UL
#define PSCI_CPU_SUSPEND_32	0x84000001UL
#define PSCI_CPU_SUSPEND	0xC4000001UL
#define PSCI_CPU_OFF		0x84000002UL
#define PSCI_CPU_ON_32		0x84000003UL
#define PSCI_CPU_ON		0xC4000003UL
#define PSCI_AFFINITY_INFO_32	0x84000004UL
#define PSCI_AFFINITY_INFO	0xC4000004UL
#define PSCI_MIGRATE_32		0x84000005UL
#define PSCI_MIGRATE_INFO_TYPE	0x84000006UL
#define PSCI_SYSTEM_OFF		0x84000008UL
#define PSCI_SYSTEM_RESET	0x84000009UL
#define PSCI_FEATURES		0x8400000AUL
#define PSCI_SYSTEM_RESET2_32	0x84000012UL	/* PSCI 1.1, optional */
#define PSCI_SYSTEM_RESET2	0xC4000012UL

/* SYSTEM_RESET2 reset_type: bit 31 = vendor-specific; architectural 0 = warm reset */
#define PSCI_RESET2_VENDOR	0x80000000UL
#define PSCI_RESET2_WARM	0

/* Return codes */
#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMETERS	(-2)
#define PSCI_ALREADY_ON		(-4)

#define PSCI_AFF_ON		0	/* AFFINITY_INFO: the affinity instance is on */
#define PSCI_AFF_OFF		1	/* ... is off */
#define PSCI_MIGRATE_NOT_NEEDED	2	/* MIGRATE_INFO_TYPE: no trusted OS to migrate */

/* SMC Calling Convention: function ID and arguments in x0-x3, result in x0. */
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);

/* Start the CPU with affinity mpidr at entry (MMU off), x0 = context_id. */
static inline long psci_cpu_on(uint64_t mpidr, uintptr_t entry, unsigned long context_id)
{
	return psci_call(PSCI_CPU_ON, mpidr, entry, context_id);
}

/* These two return only if they failed. */
static inline long psci_cpu_off(void)
{
	return psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

static inline long psci_system_off(void)
{
	return psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}

/* PSCI_AFF_ON, PSCI_AFF_OFF, ... or an error. */
static inline long psci_affinity_info(uint64_t mpidr)
{
	return psci_call(PSCI_AFFINITY_INFO, mpidr, 0, 0);
}

/*
 * Power off with this vCPU quiet first (virtual timer stopped, everything
 * masked), so that nothing of ours runs while it happens. Should SYSTEM_OFF
 * return, print "<who>SYSTEM_OFF returned <code>" and halt.
 */
void __attribute__((noreturn)) psci_power_off(const char *who);

#endif
