/*
 * PSCI 1.1 for guests (Arm DEN 0022D), over HVC and trapped SMC. The power
 * logic itself is the core's (src/power.c, src/health.c); this file speaks
 * the ABI. Every function PSCI 1.1 makes mandatory is here, and one of the
 * optional ones, SYSTEM_RESET2; PSCI_FEATURES answers for each of them.
 */
#include <tessera/core.h>
#include "arch.h"

#define PSCI_VERSION            0x84000000u
#define PSCI_CPU_SUSPEND_32     0x84000001u
#define PSCI_CPU_SUSPEND_64     0xc4000001u
#define PSCI_CPU_OFF            0x84000002u
#define PSCI_CPU_ON_32          0x84000003u
#define PSCI_CPU_ON_64          0xc4000003u
#define PSCI_AFFINITY_INFO_32   0x84000004u
#define PSCI_AFFINITY_INFO_64   0xc4000004u
#define PSCI_MIGRATE_INFO_TYPE  0x84000006u
#define PSCI_SYSTEM_OFF         0x84000008u
#define PSCI_SYSTEM_RESET       0x84000009u
#define PSCI_FEATURES           0x8400000au
#define PSCI_SYSTEM_RESET2_32   0x84000012u
#define PSCI_SYSTEM_RESET2_64   0xc4000012u

#define PSCI_SUCCESS             0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INVALID_ADDRESS    (-9)

#define PSCI_VERSION_1_1        0x10001         /* major 1 in bits [30:16], minor 1 */
/* MIGRATE_INFO_TYPE: no Trusted OS, migration not required */
#define PSCI_TOS_NOT_PRESENT    2
/*
 * PSCI_FEATURES(CPU_SUSPEND) flags: bit 1 = 0, the original power_state
 * format (not the extended StateID one); bit 0 = 0, platform-coordinated
 * mode only (no OS-initiated mode).
 */
#define CPU_SUSPEND_FEATURES    0
/* SYSTEM_RESET2 reset_type: bit 31 set = vendor-specific (Tessera defines
 * none); clear = architectural, of which only 0 is defined. */
#define RESET2_VENDOR           (1u << 31)
#define RESET2_SYSTEM_WARM_RESET 0u
#define SMC64                   (1u << 30)

/*
 * PSCI_FEATURES: SUCCESS or the feature flags (bit 31 clear) for the
 * functions implemented here, NOT_SUPPORTED for any other id. That
 * includes SMCCC_VERSION (0x80000000), which Tessera does not implement
 * (a caller then assumes SMCCC 1.0), and the ids of other services.
 */
static long features(uint32_t fn)
{
	if (fn == PSCI_CPU_SUSPEND_32 || fn == PSCI_CPU_SUSPEND_64)
		return CPU_SUSPEND_FEATURES;
	switch (fn) {
	case PSCI_VERSION:
	case PSCI_CPU_OFF: case PSCI_CPU_ON_32: case PSCI_CPU_ON_64:
	case PSCI_AFFINITY_INFO_32: case PSCI_AFFINITY_INFO_64:
	case PSCI_MIGRATE_INFO_TYPE: case PSCI_SYSTEM_OFF: case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES: case PSCI_SYSTEM_RESET2_32: case PSCI_SYSTEM_RESET2_64:
		return PSCI_SUCCESS;
	default:
		return PSCI_NOT_SUPPORTED;
	}
}

/*
 * SYSTEM_RESET2: reset_type is 32 bits in both conventions; the cookie
 * means nothing to a warm reset and is ignored. Returns only to refuse.
 */
static long system_reset2(uint32_t reset_type)
{
	if (reset_type & RESET2_VENDOR)
		return PSCI_NOT_SUPPORTED;              /* no vendor-specific resets */
	if (reset_type != RESET2_SYSTEM_WARM_RESET)
		return PSCI_INVALID_PARAMETERS;         /* a reserved architectural type */
	core_vm_reset("SYSTEM_RESET2");             /* warm reset: as SYSTEM_RESET */
}

static long cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	switch (core_vcpu_on(mpidr, entry, context)) {
	case POWER_OK:          return PSCI_SUCCESS;
	case POWER_ALREADY_ON:  return PSCI_ALREADY_ON;
	case POWER_ON_PENDING:  return PSCI_ON_PENDING;
	case POWER_BAD_ADDRESS: return PSCI_INVALID_ADDRESS;
	case POWER_DENIED:      return PSCI_DENIED;
	default:                return PSCI_INVALID_PARAMETERS;
	}
}

static long affinity_info(uint64_t mpidr, uint64_t lowest_level)
{
	enum power_state state;
	if (lowest_level != 0 || !core_vcpu_state(mpidr, &state))
		return PSCI_INVALID_PARAMETERS;
	return (long)state;     /* ON 0, OFF 1, ON_PENDING 2: PSCI's numbering */
}

/* Argument n of the call in f, as its calling convention passes it: SMC64
 * in X registers, SMC32 in W registers (the upper halves are not the
 * caller's). Read only by the functions that take arguments. */
static uint64_t arg(const struct frame *f, unsigned n)
{
	return (f->x[0] & SMC64) ? f->x[n] : (uint32_t)f->x[n];
}

long psci_guest_call(const struct frame *f)
{
	uint32_t fn = (uint32_t)f->x[0];
	long ret;

	switch (fn) {
	case PSCI_VERSION:
		ret = PSCI_VERSION_1_1;
		break;
	case PSCI_FEATURES:
		ret = features((uint32_t)arg(f, 1));
		break;
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		/* Standby that wakes at once: allowed, the caller re-checks why. */
		ret = PSCI_SUCCESS;
		break;
	case PSCI_CPU_OFF:
		core_vcpu_off();
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		ret = cpu_on(arg(f, 1), arg(f, 2), arg(f, 3));
		break;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		ret = affinity_info(arg(f, 1), arg(f, 2));
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		ret = PSCI_TOS_NOT_PRESENT;
		break;
	case PSCI_SYSTEM_OFF:
		core_vm_stop("SYSTEM_OFF");
	case PSCI_SYSTEM_RESET:
		core_vm_reset("SYSTEM_RESET");
	case PSCI_SYSTEM_RESET2_32:
	case PSCI_SYSTEM_RESET2_64:
		ret = system_reset2((uint32_t)arg(f, 1));
		break;
	default:
		if (!tessera_hypercall(fn, arg(f, 1), &ret))
			ret = PSCI_NOT_SUPPORTED;   /* any other SMCCC call */
		break;
	}
	return ret;
}
