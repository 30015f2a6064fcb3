/*
 * Tessera's own hypercalls, in the SMCCC range of vendor-specific hypervisor
 * services (Owning Entity Number 6): over HVC (or a trapped SMC) on aarch64,
 * over VMMCALL on x86_64; the ABI is in docs/hypercalls.md. The function id,
 * its first argument and the result, whatever registers carry them.
 */
#include <tessera/core.h>

#define TESSERA_HC_VERSION      0xc6000000u     /* -> 0x00010000 (1.0) */
#define TESSERA_HC_DOORBELL     0xc6000001u     /* x1 = channel id -> 0 */

#define HC_SUCCESS              0
#define HC_NOT_SUPPORTED        (-1)            /* SMCCC: unknown function */
#define HC_INVALID_PARAMETERS   (-2)            /* not a channel of the caller */

#define TESSERA_HC_ABI_1_0      0x10000

bool tessera_hypercall(uint32_t fn, uint64_t a1, long *ret)
{
	switch (fn) {
	case TESSERA_HC_VERSION:
		*ret = TESSERA_HC_ABI_1_0;
		return true;
	case TESSERA_HC_DOORBELL:
		*ret = core_doorbell(a1) ? HC_SUCCESS : HC_INVALID_PARAMETERS;
		return true;
	default:
		return false;
	}
}
