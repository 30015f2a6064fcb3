/*
 * SBI for guests (RISC-V SBI 2.0), implemented by Tessera, never passed on
 * to the firmware: BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy
 * console. Harts are named by their virtual hart ids, and only the
 * caller's partition's exist for it. The power logic is the core's
 * (src/power.c, src/health.c), exactly as PSCI uses it on aarch64; this
 * file speaks the ABI. Any other extension or function: NOT_SUPPORTED.
 */
#include <tessera/core.h>
#include "arch.h"
#include "sbi.h"

#define SBI_SPEC_VERSION        0x02000000      /* 2.0: major in bits 30:24 */
/* No SBI implementation ID is registered for Tessera: "TESS". */
#define SBI_IMPL_ID             0x54455353
#define SBI_IMPL_VERSION        0x00010000

/* Longest DBCN write or read done at once; the caller is told how much was. */
#define DBCN_MAX                256u
#define MASK_BASE_ALL           (~0ul)          /* hart_mask_base -1: every hart */

static struct sbiret ok(long value)
{
	return (struct sbiret){ SBI_SUCCESS, value };
}

static struct sbiret error(long e)
{
	return (struct sbiret){ e, 0 };
}

static bool implemented(unsigned long ext)
{
	switch (ext) {
	case SBI_EXT_LEGACY_PUTCHAR: case SBI_EXT_LEGACY_GETCHAR:
	case SBI_EXT_BASE: case SBI_EXT_TIME: case SBI_EXT_IPI: case SBI_EXT_RFENCE:
	case SBI_EXT_HSM: case SBI_EXT_SRST: case SBI_EXT_DBCN:
		return true;
	default:
		return false;
	}
}

static struct sbiret base(unsigned long fid, unsigned long a0)
{
	switch (fid) {
	case SBI_BASE_GET_SPEC_VERSION: return ok(SBI_SPEC_VERSION);
	case SBI_BASE_GET_IMPL_ID:      return ok(SBI_IMPL_ID);
	case SBI_BASE_GET_IMPL_VERSION: return ok(SBI_IMPL_VERSION);
	case SBI_BASE_PROBE_EXTENSION:  return ok(implemented(a0) ? 1 : 0);
	case SBI_BASE_GET_MVENDORID:    /* 0: not given (the guest's CPU is virtual) */
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:
		return ok(0);
	default:
		return error(SBI_ERR_NOT_SUPPORTED);
	}
}

/*
 * The vCPUs a hart mask names (bit i: hart id base + i; base -1: every
 * hart of the partition), as a mask of vCPU indexes inside the partition.
 * False if a named hart is none of the partition's: the call does nothing.
 */
static bool harts_of(unsigned long mask, unsigned long mask_base, uint64_t *vcpus)
{
	const struct vm_config *vm = core_this_vm();

	*vcpus = 0;
	if (mask_base == MASK_BASE_ALL) {
		*vcpus = vm->nr_vcpus >= 64 ? ~0ull : (1ull << vm->nr_vcpus) - 1;
		return true;
	}
	for (unsigned i = 0; mask; i++, mask >>= 1) {          /* up to its highest set bit */
		if (!(mask & 1))
			continue;
		if (mask_base + i < mask_base)
			return false;                   /* the id wrapped around */
		const struct vcpu_config *v = core_vcpu_of(mask_base + i);
		if (!v)
			return false;
		*vcpus |= 1ull << v->index;
	}
	return true;
}

/* Ask each vCPU for req (itself: done here at once); fences wait until
 * done, as the caller may rely on them when the call returns. */
static struct sbiret to_harts(unsigned long mask, unsigned long mask_base, uint32_t req)
{
	const struct vm_config *vm = core_this_vm();
	const struct vcpu_config *self = core_this_vcpu();
	uint64_t vcpus;

	if (!harts_of(mask, mask_base, &vcpus))
		return error(SBI_ERR_INVALID_PARAM);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_config *v = &tessera_vcpus[vm->first_vcpu + i];
		if (!(vcpus >> i & 1))
			continue;
		if (v == self) {
			local_request(req);
			continue;
		}
		vcpu_request((unsigned)(v - tessera_vcpus), req);
	}
	if (req != REQ_VSSIP)
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			const struct vcpu_config *v = &tessera_vcpus[vm->first_vcpu + i];
			if (vcpus >> i & 1 && v != self)
				vcpu_wait_done((unsigned)(v - tessera_vcpus));
		}
	return ok(0);
}

static struct sbiret rfence(unsigned long fid, unsigned long mask, unsigned long mask_base)
{
	switch (fid) {
	case SBI_RFENCE_REMOTE_FENCE_I:
		return to_harts(mask, mask_base, REQ_FENCE_I);
	case SBI_RFENCE_REMOTE_SFENCE_VMA:
	case SBI_RFENCE_REMOTE_SFENCE_VMA_ASID:
		/* The whole of the guest's translations: a superset of any range or ASID. */
		return to_harts(mask, mask_base, REQ_VVMA);
	default:
		return error(SBI_ERR_NOT_SUPPORTED);    /* HFENCE: the guest has no H extension */
	}
}

static struct sbiret hart_start(unsigned long hartid, unsigned long entry, unsigned long opaque)
{
	switch (core_vcpu_on(hartid, entry, opaque)) {
	case POWER_OK:          return ok(0);
	case POWER_ALREADY_ON:
	case POWER_ON_PENDING:  return error(SBI_ERR_ALREADY_AVAILABLE);
	case POWER_BAD_ADDRESS: return error(SBI_ERR_INVALID_ADDRESS);
	case POWER_DENIED:      return error(SBI_ERR_FAILED);
	default:                return error(SBI_ERR_INVALID_PARAM);
	}
}

/*
 * HART_SUSPEND: the default retentive suspend returns at once (a wake-up
 * may come at any time, and the caller checks why it woke); the default
 * non-retentive one resumes at once at resume_addr, as from a wake-up, with
 * a0 = hart id and a1 = opaque. Reserved types: INVALID_PARAM; platform
 * types: none here, NOT_SUPPORTED.
 */
static struct sbiret hart_suspend(uint32_t type, unsigned long resume, unsigned long opaque)
{
	if (type == SBI_HSM_SUSPEND_RETENTIVE)
		return ok(0);
	if (type == SBI_HSM_SUSPEND_NON_RETENTIVE) {
		if (!core_guest_executable(resume))
			return error(SBI_ERR_INVALID_ADDRESS);
		vcpu_resume(resume, opaque);
	}
	if ((type > SBI_HSM_SUSPEND_RETENTIVE && type < SBI_HSM_SUSPEND_PLATFORM) ||
	    (type > SBI_HSM_SUSPEND_NON_RETENTIVE && type < SBI_HSM_SUSPEND_NR_PLATFORM))
		return error(SBI_ERR_INVALID_PARAM);
	return error(SBI_ERR_NOT_SUPPORTED);
}

static struct sbiret hsm(unsigned long fid, unsigned long a0, unsigned long a1, unsigned long a2)
{
	enum power_state state;

	switch (fid) {
	case SBI_HSM_HART_START:
		return hart_start(a0, a1, a2);
	case SBI_HSM_HART_STOP:
		core_vcpu_off();
	case SBI_HSM_HART_GET_STATUS:
		if (!core_vcpu_state(a0, &state))
			return error(SBI_ERR_INVALID_PARAM);
		return ok((long)state);     /* STARTED 0, STOPPED 1, START_PENDING 2: the core's numbering */
	case SBI_HSM_HART_SUSPEND:
		return hart_suspend((uint32_t)a0, a1, a2);
	default:
		return error(SBI_ERR_NOT_SUPPORTED);
	}
}

/* SYSTEM_RESET: the caller's partition only, as PSCI SYSTEM_OFF / RESET. */
static struct sbiret srst(unsigned long fid, uint32_t type, uint32_t reason)
{
	if (fid != SBI_SRST_RESET)
		return error(SBI_ERR_NOT_SUPPORTED);
	if (reason > SBI_SRST_REASON_SYSTEM_FAILURE)
		return error(SBI_ERR_INVALID_PARAM);    /* reserved, or platform reasons we have none of */
	switch (type) {
	case SBI_SRST_SHUTDOWN:
		core_vm_stop("SRST shutdown");
	case SBI_SRST_COLD_REBOOT:
		core_vm_reset("SRST cold reboot");
	case SBI_SRST_WARM_REBOOT:
		core_vm_reset("SRST warm reboot");
	default:
		return error(SBI_ERR_INVALID_PARAM);    /* reserved, or a vendor type we have none of */
	}
}

/* DBCN: bytes from or to the caller's memory at guest-physical lo | hi << 64
 * (hi must be 0 on RV64), through its console. */
static struct sbiret dbcn(unsigned long fid, unsigned long a0, unsigned long lo, unsigned long hi)
{
	unsigned long n = a0 < DBCN_MAX ? a0 : DBCN_MAX;

	switch (fid) {
	case SBI_DBCN_WRITE: {
		const char *s = core_guest_memory(lo, n, false);
		if (hi || (!s && n))
			return error(SBI_ERR_INVALID_PARAM);
		for (unsigned long i = 0; i < n; i++)
			core_console_putc(s[i]);
		core_console_flush();
		return ok((long)n);
	}
	case SBI_DBCN_READ: {
		char *s = core_guest_memory(lo, n, true);
		unsigned long got = 0;
		if (hi || (!s && n))
			return error(SBI_ERR_INVALID_PARAM);
		core_console_flush();
		for (int c; got < n && (c = core_console_getc()) >= 0; got++)
			s[got] = (char)c;
		return ok((long)got);
	}
	case SBI_DBCN_WRITE_BYTE:
		core_console_putc((char)a0);
		return ok(0);
	default:
		return error(SBI_ERR_NOT_SUPPORTED);
	}
}

void sbi_guest_call(struct frame *f)
{
	unsigned long ext = f->x[17], fid = f->x[16];
	unsigned long a0 = f->x[10], a1 = f->x[11], a2 = f->x[12];
	struct sbiret r;

	switch (ext) {
	case SBI_EXT_LEGACY_PUTCHAR:    /* legacy: the result in a0 only */
		core_console_putc((char)a0);
		f->x[10] = 0;
		return;
	case SBI_EXT_LEGACY_GETCHAR:
		core_console_flush();
		f->x[10] = (uint64_t)(long)core_console_getc();
		return;
	case SBI_EXT_BASE:
		r = base(fid, a0);
		break;
	case SBI_EXT_TIME:
		if (fid != SBI_TIME_SET_TIMER) {
			r = error(SBI_ERR_NOT_SUPPORTED);
			break;
		}
		guest_timer_set(a0);
		r = ok(0);
		break;
	case SBI_EXT_IPI:
		r = fid == SBI_IPI_SEND_IPI ? to_harts(a0, a1, REQ_VSSIP) : error(SBI_ERR_NOT_SUPPORTED);
		break;
	case SBI_EXT_RFENCE:
		r = rfence(fid, a0, a1);
		break;
	case SBI_EXT_HSM:
		r = hsm(fid, a0, a1, a2);
		break;
	case SBI_EXT_SRST:
		r = srst(fid, (uint32_t)a0, (uint32_t)a1);
		break;
	case SBI_EXT_DBCN:
		r = dbcn(fid, a0, a1, a2);
		break;
	default:
		if (ext < SBI_EXT_BASE) {       /* a legacy one we do not offer: a0 only, a1 kept */
			f->x[10] = (uint64_t)SBI_ERR_NOT_SUPPORTED;
			return;
		}
		r = error(SBI_ERR_NOT_SUPPORTED);
		break;
	}
	f->x[10] = (uint64_t)r.error;
	f->x[11] = (uint64_t)r.value;
}
