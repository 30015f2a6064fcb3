/*
 * PSCI 1.0 for guests (Arm DEN 0022), over HVC and trapped SMC. The power
 * logic itself is the core's (src/power.c); this file speaks the ABI.
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

#define PSCI_SUCCESS             0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INVALID_ADDRESS    (-9)

#define PSCI_VERSION_1_0        0x10000
/* MIGRATE_INFO_TYPE: no Trusted OS, migration not required */
#define PSCI_TOS_NOT_PRESENT    2
#define SMC64                   (1u << 30)

static bool supported(uint32_t fn)
{
	switch (fn) {
	case PSCI_VERSION: case PSCI_CPU_SUSPEND_32: case PSCI_CPU_SUSPEND_64:
	case PSCI_CPU_OFF: case PSCI_CPU_ON_32: case PSCI_CPU_ON_64:
	case PSCI_AFFINITY_INFO_32: case PSCI_AFFINITY_INFO_64:
	case PSCI_MIGRATE_INFO_TYPE: case PSCI_SYSTEM_OFF: case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return true;
	default:
		return false;
	}
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

void psci_guest_call(struct frame *f)
{
	uint32_t fn = (uint32_t)f->x[0];
	uint64_t a1 = f->x[1], a2 = f->x[2], a3 = f->x[3];
	long ret;

	if (!(fn & SMC64)) {            /* SMC32 calling convention: W registers */
		a1 &= 0xffffffffu;
		a2 &= 0xffffffffu;
		a3 &= 0xffffffffu;
	}
	switch (fn) {
	case PSCI_VERSION:
		ret = PSCI_VERSION_1_0;
		break;
	case PSCI_FEATURES:
		ret = supported((uint32_t)a1) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED;
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
		ret = cpu_on(a1, a2, a3);
		break;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		ret = affinity_info(a1, a2);
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		ret = PSCI_TOS_NOT_PRESENT;
		break;
	case PSCI_SYSTEM_OFF:
		core_vm_stop("SYSTEM_OFF");
	case PSCI_SYSTEM_RESET:
		core_vm_reset();
	default:
		if (!tessera_hypercall(fn, a1, &ret))
			ret = PSCI_NOT_SUPPORTED;   /* any other SMCCC call */
		break;
	}
	f->x[0] = (uint64_t)ret;
}
