/*
 * Traps from the guest: hypercalls, trapped SMCs, stage-2 aborts (emulated
 * MMIO or a fault), and interrupts (kicks). Nothing a guest does here may
 * crash the hypervisor: what is not handled becomes a fault in the guest.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "sysreg.h"
#include "vgic.h"

/* ESR_EL2.ISS of a trapped MSR/MRS (EC 0x18): the register, as Op0, Op1,
 * CRn, CRm, Op2 packed like the instruction encoding. */
#define SYSREG(op0, op1, crn, crm, op2) ((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
#define ISS_SYSREG(iss) SYSREG(((iss) >> 20) & 3, ((iss) >> 14) & 7, ((iss) >> 10) & 0xf, \
			       ((iss) >> 1) & 0xf, ((iss) >> 17) & 7)
#define ISS_SYS_RT(iss) (((iss) >> 5) & 31)
#define ISS_SYS_READ    1u
#define ICC_SGI1R_EL1_ENC   SYSREG(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1_ENC  SYSREG(3, 0, 12, 11, 6)
#define ICC_SGI0R_EL1_ENC   SYSREG(3, 0, 12, 11, 7)
#define CNTP_TVAL_EL0_ENC   SYSREG(3, 3, 14, 2, 0)
#define CNTP_CTL_EL0_ENC    SYSREG(3, 3, 14, 2, 1)
#define CNTP_CVAL_EL0_ENC   SYSREG(3, 3, 14, 2, 2)

static uint64_t fault_ipa(void)
{
	/* HPFAR_EL2.FIPA [43:4] holds IPA [51:12]; the page offset is FAR's. */
	return ((read_sysreg(hpfar_el2) >> 4) << 12) | (read_sysreg(far_el2) & 0xfff);
}

/* An emulated load or store, as the syndrome describes it (ISV = 1): SAS
 * the size, SRT the register (31: XZR), SSE a sign-extending load, SF a
 * load into an X register. Only f and esr stay live across the device's
 * call; the rest is decoded from esr again, without a branch, after it. */
static inline __attribute__((always_inline)) bool emulate_mmio(struct frame *f, uint64_t esr, uint64_t ipa)
{
	unsigned srt = ISS_SRT(esr);
	bool write = esr & ISS_WNR;
	uint64_t value = 0;

	if (write && srt != 31)
		value = f->x[srt] & (~0ull >> (64 - (8u << ISS_SAS(esr))));
	if (!core_mmio(ipa, 1u << ISS_SAS(esr), write, &value))
		return false;
	/* esr "changes" here: the compiler decodes it again (three bit-field
	 * extractions) rather than keeping its fields in saved registers. */
	__asm__("" : "+r"(esr));
	srt = ISS_SRT(esr);
	if (!(esr & ISS_WNR) && srt != 31) {
		unsigned unused = 64 - (8u << ISS_SAS(esr));   /* bits above the access */
		if (esr & ISS_SSE)
			value = (uint64_t)((int64_t)(value << unused) >> unused);
		f->x[srt] = (esr & ISS_SF) ? value : (uint32_t)value;
	}
	return true;
}

/* The length of the trapped instruction: a data abort may come from an
 * AArch32 EL0 (T32's 16-bit loads and stores); ESR_EL2.IL tells, and is
 * 1 for every A64 instruction and for a data abort without ISV. */
static inline uint64_t insn_len(uint64_t esr)
{
	return 2u + ((esr >> (ESR_IL_BIT - 1)) & 2u);
}

/* AArch32's ITAdvance(), on the IT state in an AArch32 SPSR (IT[1:0] in
 * bits 26:25, IT[7:2] in bits 15:10): the instruction done in a T32 IT
 * block passes its condition on to the next, the last ends the block.
 * Left as it was, the next instruction would run under the wrong one. */
static uint64_t it_advance(uint64_t spsr)
{
	uint64_t it = ((spsr >> 25) & 0x3u) | ((spsr >> 8) & 0xfcu);

	it = (it & 0x7u) ? (it & 0xe0u) | ((it << 1) & 0x1fu) : 0;
	return (spsr & ~(0x3ull << 25 | 0x3full << 10)) | (it & 0x3u) << 25 | (it >> 2) << 10;
}

/* A data abort done as an emulated device's access. Only a translation
 * fault can be one; the syndrome must describe the access (ISV) for us to
 * replay it. The caller steps ELR past the instruction. */
static inline __attribute__((always_inline)) bool emulated(struct frame *f, uint64_t esr)
{
	if (!FSC_TRANSLATION(ISS_FSC(esr)) || (esr & ISS_S1PTW) || !(esr & ISS_ISV) ||
	    !emulate_mmio(f, esr, fault_ipa()))
		return false;
	core_guest_progress();
	return true;
}

/* A data abort no device took: the guest's fault. */
static void abort_fault(struct frame *f, uint64_t esr)
{
	if (core_guest_fault("data abort", fault_ipa(), f->elr))
		inject_abort(f, 1, read_sysreg(far_el2), esr);
}

/* A data abort with the whole frame: one without ISV, or from an AArch32
 * EL0 (guest_sync_other sends A64 ones with ISV to arch_trap_mmio). Out
 * of line: inlined, its registers cost every other trap of arch_trap_sync
 * (the SGI's) a save and a restore. */
static __attribute__((noinline)) void data_abort(struct frame *f, uint64_t esr)
{
	if (!emulated(f, esr)) {
		abort_fault(f, esr);
		return;
	}
	f->elr += insn_len(read_sysreg(esr_el2));      /* esr need not live across the access */
	if (f->spsr & SPSR_M_AARCH32)
		f->spsr = it_advance(f->spsr);
}

/* The EL1 physical timer, trapped (CNTHCTL_EL2.EL1PCEN = 0) and done here
 * on the guest's behalf: it is the timer of the guest's own pCPU (ArceOS
 * uses it), and its accesses pass under the hypervisor's eyes. */
static bool ptimer_access(unsigned reg, bool read, uint64_t *value)
{
	switch (reg) {
	case CNTP_TVAL_EL0_ENC:
		if (read)
			*value = read_sysreg(cntp_tval_el0) & 0xffffffff;
		else
			write_sysreg(cntp_tval_el0, *value & 0xffffffff);
		return true;
	case CNTP_CTL_EL0_ENC:
		if (read)
			*value = read_sysreg(cntp_ctl_el0);
		else
			write_sysreg(cntp_ctl_el0, *value & 3);     /* ENABLE, IMASK */
		return true;
	case CNTP_CVAL_EL0_ENC:
		if (read)
			*value = read_sysreg(cntp_cval_el0);
		else
			write_sysreg(cntp_cval_el0, *value);
		return true;
	default:
		return false;
	}
}

/* A trapped system register access: the SGI registers (HCR_EL2.IMO traps
 * them), the EL1 physical timer; everything else is undefined for the guest. */
static void sysreg_trap(struct frame *f, uint64_t esr)
{
	unsigned reg = ISS_SYSREG(esr), rt = ISS_SYS_RT(esr);
	bool read = esr & ISS_SYS_READ;
	uint64_t value = rt == 31 ? 0 : f->x[rt];

	if (ptimer_access(reg, read, &value)) {
		core_guest_progress();
		if (read && rt != 31)
			f->x[rt] = value;
		f->elr += 4;
	} else if (!read && (reg == ICC_SGI1R_EL1_ENC || reg == ICC_ASGI1R_EL1_ENC)) {
		core_guest_progress();
		vgic_sgi(value);
		f->elr += 4;
	} else if (!read && reg == ICC_SGI0R_EL1_ENC) {
		f->elr += 4;            /* Group 0 does not exist for guests: ignored */
	} else if (core_guest_fault("trapped system register", esr, f->elr)) {
		inject_undef(f);
	}
}

bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value)
{
	switch (d->kind) {
	case EMU_VGIC_DIST:
		return vgic_dist_access(vm, off, size, write, value);
#if defined(CONFIG_GIC_V3)
	case EMU_VGIC_REDIST:
		return vgic_redist_access(vm, off, size, write, value);
#endif
	default:
		return false;
	}
}

/*
 * HVC and trapped SMC, from guest_sync (vectors.S) with only the
 * caller-saved part of the frame: x20-x29, elr and spsr are not in f and
 * must not be read or written here (ELR_EL2 and SPSR_EL2 are live in the
 * CPU). Nothing on this path does: PSCI and Tessera's hypercalls read
 * x0-x3 and write x0; none switches the vCPU out (only a window boundary
 * in arch_trap_irq does, and its trap saved the whole frame); CPU_OFF,
 * SYSTEM_OFF and the resets leave for vcpu_run_when_on, abandoning f.
 */
void arch_trap_call(struct frame *f, uint64_t esr)
{
	core_guest_progress();
	/* Of the two classes guest_sync sends here, EC bit 0 (ESR bit 26)
	 * tells the SMC (0x17) from the HVC (0x16). */
	if (esr & (1ull << ESR_EC_SHIFT))       /* SMC trapped by HCR_EL2.TSC: ELR is the SMC */
		write_sysreg(elr_el2, read_sysreg(elr_el2) + 4);
	f->x[0] = (uint64_t)psci_guest_call(f);
	vgic_flush();
}

/*
 * A data abort of an A64 instruction whose syndrome names its register
 * (ISV), from guest_sync_other without the return state: ELR_EL2 and
 * SPSR_EL2 are live in the CPU; x20-x29 are in the frame only when SRT is
 * one of them (else in their registers, which C keeps). An emulated load
 * writes only f->x[SRT]. False when no device took it: guest_sync_other
 * then saves the rest and calls arch_trap_abort, which injects the fault
 * (it moves ELR and SPSR).
 */
bool arch_trap_mmio(struct frame *f, uint64_t esr)
{
	if (!emulated(f, esr))
		return false;
	write_sysreg(elr_el2, read_sysreg(elr_el2) + 4);        /* A64: guest_sync_other tested SPSR.M[4] */
	vgic_flush();
	return true;
}

/* arch_trap_mmio's data abort, which no device took, with the whole frame. */
void arch_trap_abort(struct frame *f, uint64_t esr)
{
	abort_fault(f, esr);
	vgic_flush();
}

/* Every other synchronous trap, with the whole frame; esr is ESR_EL2,
 * which guest_sync read to choose. */
void arch_trap_sync(struct frame *f, uint64_t esr)
{
	switch (ESR_EC(esr)) {
	case EC_DABT_LOW:
		data_abort(f, esr);
		break;
	case EC_IABT_LOW:
		if (core_guest_fault("instruction abort", fault_ipa(), f->elr))
			inject_abort(f, 0, read_sysreg(far_el2), esr);
		break;
	case EC_SYS64:
		sysreg_trap(f, esr);
		break;
	default:
		if (core_guest_fault("undefined instruction", esr, f->elr))
			inject_undef(f);
		break;
	}
	vgic_flush();
}

/* One interrupt per call: another one pending traps again at once (or
 * wakes the caller's next WFI), and the common trap, with one, reads
 * ICC_IAR1_EL1 once. Returns whether it was a kick. */
bool irq_dispatch(bool guest)
{
	unsigned raw = gic_ack();
	unsigned id = raw & INTID_MASK;

	if (id >= INTID_SPURIOUS)
		return false;
	gic_eoi(raw);                           /* priority drop */
	if (id == SGI_KICK) {
		gic_deactivate(raw);
		return true;
	}
	if (id == INTID_MAINTENANCE) {
		if (guest)
			vgic_maintenance();             /* free and refill the list registers */
		else
			gich_disable();
		gic_deactivate(raw);
	} else if (id == INTID_HYPTIMER) {
		write_sysreg(cnthp_ctl_el2, 0);
		if (TESSERA_SCHEDULED)                  /* a schedule's timer fires again and again */
			gic_deactivate(raw);
		core_timer_expired();
	} else if (id == tessera_board.uart_irq) {
		core_console_rx();
		gic_deactivate(raw);
	} else if (TESSERA_SCHEDULED && id >= INTID_SPI_FIRST && core_pcpu_shared(arch_pcpu_id())) {
		vgic_inject_spi(id);                    /* for whichever vCPU here owns it, running or not */
	} else if (guest) {
		vgic_inject_hw(id);                     /* the guest's EOI deactivates it */
	} else {
		/* A vCPU's timer or PMU after it stopped: silence it. A
		 * device's SPI for a vCPU that is off: off at the GIC, where
		 * it stays pending until that vCPU starts (vgic_vcpu_reset),
		 * rather than coming back at once while its line is up. */
		if (id >= INTID_SPI_FIRST)
			gic_spi_enable(id, false);
		if (id == INTID_VTIMER)
			write_sysreg(cntv_ctl_el0, 0);
		if (id == INTID_PTIMER)
			write_sysreg(cntp_ctl_el0, 0);
		if (INTID_PMU && id == INTID_PMU)
			write_sysreg(pmintenclr_el1, ~0ull);
		gic_deactivate(raw);
	}
	return false;
}

void arch_trap_irq(struct frame *f)
{
	(void)f;
	core_guest_progress();
	if (irq_dispatch(true))
		core_kicked();
	if (TESSERA_SCHEDULED)
		core_window_boundary(true);     /* a shared pCPU's window may have ended */
	vgic_flush_news();
}

void arch_trap_serror(struct frame *f)
{
	(void)f;
	core_vm_fault("SError");
}

/* Enter the guest's EL1 exception vector as if the CPU had taken the
 * exception itself: the syndrome goes to ESR_EL1, the return state to
 * ELR_EL1/SPSR_EL1, PSTATE becomes EL1h with DAIF masked. The vector is
 * VBAR_EL1 + 0x000 from EL1t, + 0x200 from EL1h, + 0x400 from an AArch64
 * EL0 and + 0x600 from an AArch32 one (usr mode, whose M[3:0] is 0). */
static void enter_el1_vector(struct frame *f, uint64_t esr_el1)
{
	uint64_t mode = f->spsr & SPSR_M_MASK;
	uint64_t offset = (f->spsr & SPSR_M_AARCH32) ? 0x600 : mode == SPSR_M_EL0T ? 0x400 :
			  mode == SPSR_M_EL1T ? 0x000 : 0x200;

	write_sysreg(esr_el1, esr_el1);
	write_sysreg(elr_el1, f->elr);
	write_sysreg(spsr_el1, f->spsr);
	f->elr = read_sysreg(vbar_el1) + offset;
	f->spsr = SPSR_DAIF | SPSR_M_EL1H;
}

void inject_abort(struct frame *f, int is_data, uint64_t far, uint64_t esr)
{
	bool from_el0 = (f->spsr & SPSR_M_MASK) == SPSR_M_EL0T;
	uint64_t ec = is_data ? (from_el0 ? EC_DABT_LOW : EC_DABT_CUR)
			      : (from_el0 ? EC_IABT_LOW : EC_IABT_CUR);
	uint64_t iss = FSC_SYNC_EXTERNAL | (is_data ? (esr & ISS_WNR) : 0);

	write_sysreg(far_el1, far);
	enter_el1_vector(f, ec << ESR_EC_SHIFT | ESR_IL | iss);
}

void inject_undef(struct frame *f)
{
	// cppcheck-suppress badBitmaskCheck ; EC_UNKNOWN is 0, named for the reader
	enter_el1_vector(f, (uint64_t)EC_UNKNOWN << ESR_EC_SHIFT | ESR_IL);
}

static const char *const hyp_fault_kind[] = { "synchronous", "IRQ", "FIQ", "SError" };

/* An exception at EL2: a hypervisor bug (or a machine without the exit
 * device's bus, exit.c). Report it and stop this CPU. */
_Noreturn void arch_hyp_fault(struct frame *f, unsigned kind)
{
	exit_fault();
	panic("%s exception at EL2: ESR %#lx ELR %#lx FAR %#lx x0 %#lx x30 %#lx",
	      hyp_fault_kind[kind & 3], (unsigned long)read_sysreg(esr_el2),
	      (unsigned long)f->elr, (unsigned long)read_sysreg(far_el2),
	      (unsigned long)f->x[0], (unsigned long)f->x[30]);
}
