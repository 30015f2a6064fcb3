/*
 * Traps from the guest: SBI calls (ECALL from VS), guest page faults
 * (emulated MMIO, decoded from the faulting instruction, or a fault), virtual
 * instructions, and interrupts (kicks, timers). Nothing a guest does here
 * may crash the hypervisor: what is not handled becomes a fault in the guest.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "csr.h"
#include "insn.h"
#include "plic.h"
#include "vplic.h"

extern const char probe_start[], probe_end[];

void inject_exception(struct frame *f, uint64_t cause, uint64_t tval)
{
	uint64_t vs = csr_read(vsstatus);
	bool from_s = csr_read(sstatus) & SSTATUS_SPP;      /* VS (1) or VU (0) */

	vs &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	vs |= (from_s ? SSTATUS_SPP : 0) | ((csr_read(vsstatus) & SSTATUS_SIE) ? SSTATUS_SPIE : 0);
	csr_write(vsstatus, vs);
	csr_write(vsepc, f->sepc);
	csr_write(vscause, cause);
	csr_write(vstval, tval);
	/* Exceptions always go to the base of stvec, vectored or not. */
	f->sepc = csr_read(vstvec) & ~3ull;
	csr_set(sstatus, SSTATUS_SPP);                      /* the guest resumes in VS mode */
}

/* The instruction at the guest's sepc: the transformed one the hart gives
 * in htinst, or fetched with HLVX (as the guest would execute it). */
static bool fetch_mmio_insn(const struct frame *f, struct mmio_insn *in)
{
	uint64_t htinst = csr_read(htinst);

	if (htinst)
		return insn_decode_htinst(htinst, in);
	long lo = guest_fetch16(f->sepc);
	if (lo < 0)
		return false;
	uint32_t insn = (uint32_t)lo;
	if ((insn & 3u) == 3u) {
		long hi = guest_fetch16(f->sepc + 2);
		if (hi < 0)
			return false;
		insn |= (uint32_t)hi << 16;
	}
	return insn_decode_mmio(insn, in);
}

static bool emulate_mmio(struct frame *f, const struct mmio_insn *in, uint64_t gpa)
{
	uint64_t value = in->store ? f->x[in->reg] : 0;
	uint64_t mask = in->size == 8 ? ~0ull : (1ull << (in->size * 8)) - 1;

	value &= mask;
	if (!core_mmio(gpa, in->size, in->store, &value))
		return false;
	if (!in->store && in->reg != 0) {
		value &= mask;
		if (in->sign && in->size < 8 && (value >> (in->size * 8 - 1)) & 1)
			value |= ~mask;
		f->x[in->reg] = value;
	}
	return true;
}

static void guest_page_fault(struct frame *f, uint64_t cause)
{
	uint64_t tval = csr_read(stval);
	uint64_t gpa = csr_read(htval) << 2 | (tval & 3);
	bool store = cause == CAUSE_STORE_GUEST_PAGE_FAULT;
	struct mmio_insn in;

	/* An emulated device, if the instruction is a plain load or store of
	 * the kind that faulted; anything else (undecodable, an atomic, a
	 * floating-point access, nothing there) is an access fault. */
	if (fetch_mmio_insn(f, &in) && in.store == store && emulate_mmio(f, &in, gpa)) {
		core_guest_progress();
		f->sepc += in.len;
		return;
	}
	if (core_guest_fault(store ? "store guest-page fault" : "load guest-page fault", gpa, f->sepc))
		inject_exception(f, store ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS, tval);
}

bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value)
{
	if (d->kind == EMU_VPLIC)
		return vplic_access(vm, off, size, write, value);
	return d->kind == EMU_SYSCON && syscon_access(off, size, write, value);
}

void arch_irq_level(unsigned vm, unsigned irq, bool level)
{
	vplic_set_level(vm, irq, level);
}

void arch_irq_edge(unsigned vm, unsigned irq)
{
	vplic_raise(vm, irq);
}

bool irq_dispatch(bool guest)
{
	uint64_t pending = csr_read(sip);
	bool kicked = false;

	if (pending & SIP_SSIP) {
		csr_clear(sip, SIP_SSIP);
		pcpu_do_requests();
		kicked = true;
	}
	if (pending & SIP_STIP)
		timer_interrupt(guest);
	if (pending & SIP_SEIP)
		plic_dispatch();
	return kicked;
}

void arch_trap_guest(struct frame *f)
{
	uint64_t cause = csr_read(scause);

	if (cause & CAUSE_INTERRUPT) {
		core_guest_progress();
		if (irq_dispatch(true))
			core_kicked();
		if (TESSERA_SCHEDULED)
			core_window_boundary(true);     /* a shared hart's window may have ended */
		return;
	}
	switch (cause) {
	case CAUSE_VS_ECALL:
		core_guest_progress();
		f->sepc += 4;
		sbi_guest_call(f);
		break;
	case CAUSE_LOAD_GUEST_PAGE_FAULT:
	case CAUSE_STORE_GUEST_PAGE_FAULT:
		guest_page_fault(f, cause);
		break;
	case CAUSE_FETCH_GUEST_PAGE_FAULT:
		if (core_guest_fault("instruction guest-page fault", csr_read(htval) << 2, f->sepc))
			inject_exception(f, CAUSE_FETCH_ACCESS, csr_read(stval));
		break;
	case CAUSE_VIRTUAL_INSN:
		/* A hypervisor CSR or instruction, or one a VS guest may not use. */
		if (core_guest_fault("virtual instruction", csr_read(stval), f->sepc))
			inject_exception(f, CAUSE_ILLEGAL_INSN, csr_read(stval));
		break;
	default:
		/* Access faults (the firmware passes them on), anything else not
		 * delegated to VS: given back to the guest as what it was. */
		if (core_guest_fault("exception", cause, f->sepc))
			inject_exception(f, cause, csr_read(stval));
		break;
	}
}

/* A trap in HS mode: a probe instruction that faulted (boot.S), or a
 * hypervisor bug: report it and stop this CPU. */
void arch_trap_hyp(struct frame *f)
{
	uint64_t cause = csr_read(scause);

	if (!(cause & CAUSE_INTERRUPT) && f->sepc >= (uintptr_t)probe_start &&
	    f->sepc < (uintptr_t)probe_end) {
		f->x[10] = (uint64_t)-1;
		f->sepc += 4;
		return;
	}
	panic("trap in HS mode: scause %#lx sepc %#lx stval %#lx ra %#lx sp %#lx",
	      (unsigned long)cause, (unsigned long)f->sepc, (unsigned long)csr_read(stval),
	      (unsigned long)f->x[1], (unsigned long)f->x[2]);
}
