/*
 * Time partitioning on aarch64: switching the vCPU of a shared pCPU at a
 * window boundary (src/schedule.c decides when). A vCPU leaves its window
 * only through an interrupt trap (the EL2 timer), so its general-purpose
 * registers are the trap frame at the top of this pCPU's stack; everything
 * else a guest at EL1 can see or rely on is kept here: its EL1 system
 * registers, FP/SIMD, PMU, breakpoint and watchpoint registers, the EL1
 * timers and CNTVOFF_EL2, its virtual CPU
 * interface (list registers, VMCR, active priorities) and the active state
 * of its timer and PMU PPIs at the physical GIC, its stage-2 root and VMID
 * (VTTBR_EL2) and virtual MPIDR. The vGIC's own software state
 * (vgic_vcpus[]) is per vCPU already.
 *
 * TLBs and caches: entries of the EL1&0 regime are tagged with the VMID,
 * and each partition has its own, so switching partitions needs no TLB
 * maintenance; two vCPUs of one partition share a VMID, and a guest's
 * local (non-broadcast) TLB and instruction-cache maintenance on one of
 * them must also hold for the other: the local TLB entries of the VMID and
 * the instruction cache are invalidated when they meet on a pCPU. Data
 * caches are physically addressed: no maintenance is needed for isolation.
 *
 * Built only where some pCPU is shared (TESSERA_SCHEDULED).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "sysreg.h"
#include "vgic.h"

#if TESSERA_SCHEDULED

extern uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE];
_Noreturn void frame_launch(const struct frame *f, uint8_t *stack_top);
_Noreturn void stack_call(void (*fn)(void), uint8_t *stack_top);

/* FP/SIMD: V0-V31, FPCR, FPSR (fpsimd.S). */
struct fpsimd {
	uint64_t v[64];
	uint64_t fpcr, fpsr;
};
void fpsimd_save(struct fpsimd *f);
void fpsimd_load(const struct fpsimd *f);

/* The EL1 (and EL0) system registers a guest owns, switched as they are. */
#define EL1_REGS(X) X(actlr_el1) X(cpacr_el1) X(ttbr0_el1) X(ttbr1_el1) \
	X(esr_el1) X(afsr0_el1) X(afsr1_el1) X(far_el1) X(mair_el1) X(amair_el1) X(vbar_el1) \
	X(contextidr_el1) X(tpidr_el0) X(tpidrro_el0) X(tpidr_el1) X(cntkctl_el1) X(par_el1) \
	X(sp_el0) X(sp_el1) X(elr_el1) X(spsr_el1) X(csselr_el1) X(mdscr_el1)
/* Those written only when the next vCPU's value differs. Writing an equal
 * value changes nothing architecturally, but QEMU answers every write of
 * either with a flush of its whole TLB (target/arm/helper.c: sctlr_write,
 * vmsa_tcr_el12_write), which would stand in for the VMID flush of
 * vmid_meets and hide a missing one from configs/tlb-shared.toml's check. */
#define EL1_REGS_KEPT_IF_EQUAL(X) X(sctlr_el1) X(tcr_el1)
#define EL1_INDEX(r) EL1_##r,
enum el1_reg { EL1_REGS(EL1_INDEX) EL1_REGS_KEPT_IF_EQUAL(EL1_INDEX) NR_EL1 };

/* Self-hosted debug: breakpoint and watchpoint value/control registers,
 * named by constant only (as the list registers). ID_AA64DFR0_EL1.BRPs
 * [15:12] and WRPs [23:20] say how many, minus one. */
#define DBG_CASES(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
	op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)
#define DBG_MAX 16

struct debug {
	uint64_t bvr[DBG_MAX], bcr[DBG_MAX], wvr[DBG_MAX], wcr[DBG_MAX];
};

static void debug_save(struct debug *d)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned brps = (unsigned)((dfr0 >> 12) & 0xf) + 1, wrps = (unsigned)((dfr0 >> 20) & 0xf) + 1;

	for (unsigned n = 0; n < brps; n++) {
		switch (n) {
#define SAVE_BP(i) case i: d->bvr[i] = read_sysreg(dbgbvr##i##_el1); d->bcr[i] = read_sysreg(dbgbcr##i##_el1); break;
		DBG_CASES(SAVE_BP)
		default: break;
		}
	}
	for (unsigned n = 0; n < wrps; n++) {
		switch (n) {
#define SAVE_WP(i) case i: d->wvr[i] = read_sysreg(dbgwvr##i##_el1); d->wcr[i] = read_sysreg(dbgwcr##i##_el1); break;
		DBG_CASES(SAVE_WP)
		default: break;
		}
	}
}

static void debug_load(const struct debug *d)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned brps = (unsigned)((dfr0 >> 12) & 0xf) + 1, wrps = (unsigned)((dfr0 >> 20) & 0xf) + 1;

	for (unsigned n = 0; n < brps; n++) {
		switch (n) {
#define LOAD_BP(i) case i: write_sysreg(dbgbvr##i##_el1, d->bvr[i]); write_sysreg(dbgbcr##i##_el1, d->bcr[i]); break;
		DBG_CASES(LOAD_BP)
		default: break;
		}
	}
	for (unsigned n = 0; n < wrps; n++) {
		switch (n) {
#define LOAD_WP(i) case i: write_sysreg(dbgwvr##i##_el1, d->wvr[i]); write_sysreg(dbgwcr##i##_el1, d->wcr[i]); break;
		DBG_CASES(LOAD_WP)
		default: break;
		}
	}
}

#define PMU_COUNTERS 31

struct pmu {
	uint64_t pmcr, pmselr, cnten, inten, ovs, userenr, ccntr, ccfiltr;
	uint64_t evcntr[PMU_COUNTERS], evtyper[PMU_COUNTERS];
};

struct vcpu_context {
	struct frame frame;             /* x0-x30, ELR_EL2, SPSR_EL2 */
	uint64_t el1[NR_EL1];
	struct fpsimd fp;
	uint64_t cntv_ctl, cntv_cval, cntp_ctl, cntp_cval, cntvoff;
	uint64_t vttbr, vmpidr;
	struct pmu pmu;
	struct debug debug;
	struct gich_context gich;
	uint32_t ppis_active;           /* GUEST_PPIS active at the physical GIC */
};

static struct vcpu_context contexts[TESSERA_NR_VCPUS];

static struct frame *trap_frame(void)
{
	return (struct frame *)(void *)(tessera_stacks[arch_pcpu_id()] + CONFIG_STACK_SIZE - FRAME_SIZE);
}

static unsigned pmu_counters(void)
{
	uint64_t pmuver = ID_AA64DFR0_PMUVER(read_sysreg(id_aa64dfr0_el1));
	if (pmuver == 0 || pmuver == 0xf)
		return 0xff;            /* no PMUv3 */
	return (unsigned)PMCR_N(read_sysreg(pmcr_el0));
}

static void pmu_save(struct pmu *p)
{
	unsigned n = pmu_counters();
	if (n == 0xff)
		return;
	p->pmcr = read_sysreg(pmcr_el0);
	write_sysreg(pmcr_el0, p->pmcr & ~PMCR_E);      /* stop counting: nothing runs on its count */
	isb();
	p->pmselr = read_sysreg(pmselr_el0);
	p->cnten = read_sysreg(pmcntenset_el0);
	p->inten = read_sysreg(pmintenset_el1);
	p->ovs = read_sysreg(pmovsset_el0);
	p->userenr = read_sysreg(pmuserenr_el0);
	p->ccntr = read_sysreg(pmccntr_el0);
	p->ccfiltr = read_sysreg(pmccfiltr_el0);
	for (unsigned i = 0; i < n && i < PMU_COUNTERS; i++) {
		write_sysreg(pmselr_el0, i);
		isb();
		p->evcntr[i] = read_sysreg(pmxevcntr_el0);
		p->evtyper[i] = read_sysreg(pmxevtyper_el0);
	}
	write_sysreg(pmcntenclr_el0, ~0ULL);
	write_sysreg(pmintenclr_el1, ~0ULL);    /* no overflow interrupt for another vCPU */
	write_sysreg(pmovsclr_el0, ~0ULL);
}

static void pmu_load(const struct pmu *p)
{
	unsigned n = pmu_counters();
	if (n == 0xff)
		return;
	for (unsigned i = 0; i < n && i < PMU_COUNTERS; i++) {
		write_sysreg(pmselr_el0, i);
		isb();
		write_sysreg(pmxevtyper_el0, p->evtyper[i]);
		write_sysreg(pmxevcntr_el0, p->evcntr[i]);
	}
	write_sysreg(pmselr_el0, p->pmselr);
	write_sysreg(pmccntr_el0, p->ccntr);
	write_sysreg(pmccfiltr_el0, p->ccfiltr);
	write_sysreg(pmuserenr_el0, p->userenr);
	write_sysreg(pmovsset_el0, p->ovs);
	write_sysreg(pmintenset_el1, p->inten);
	write_sysreg(pmcntenset_el0, p->cnten);
	write_sysreg(pmcr_el0, p->pmcr);
}

#define EL1_SAVE(r) c->el1[EL1_##r] = read_sysreg(r);
#define EL1_LOAD(r) write_sysreg(r, c->el1[EL1_##r]);
#define EL1_LOAD_IF_CHANGED(r) if (read_sysreg(r) != c->el1[EL1_##r]) { write_sysreg(r, c->el1[EL1_##r]); }

void arch_vcpu_save(unsigned vcpu)
{
	struct vcpu_context *c = &contexts[vcpu];
	unsigned pcpu = arch_pcpu_id();

	c->frame = *trap_frame();
	EL1_REGS(EL1_SAVE)
	EL1_REGS_KEPT_IF_EQUAL(EL1_SAVE)
	fpsimd_save(&c->fp);
	/* Its timers stop here: one that expires meanwhile is pending when
	 * they are loaded again, at its next window. */
	c->cntv_ctl = read_sysreg(cntv_ctl_el0);
	c->cntv_cval = read_sysreg(cntv_cval_el0);
	c->cntp_ctl = read_sysreg(cntp_ctl_el0);
	c->cntp_cval = read_sysreg(cntp_cval_el0);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	c->cntvoff = read_sysreg(cntvoff_el2);
	c->vttbr = read_sysreg(vttbr_el2);
	c->vmpidr = read_sysreg(vmpidr_el2);
	pmu_save(&c->pmu);
	debug_save(&c->debug);
	gich_save(&c->gich);
	/* Its PPIs forwarded with the HW bit and not yet deactivated by it are
	 * active at the GIC, which would hold back the next vCPU's. */
	c->ppis_active = 0;
	for (uint32_t ppis = GUEST_PPIS; ppis; ppis &= ppis - 1) {
		unsigned id = (unsigned)__builtin_ctz(ppis);
		if (gic_irq_active(pcpu, id)) {
			c->ppis_active |= 1u << id;
			gic_irq_set_active(pcpu, id, false);
		}
	}
	isb();
}

/* Two vCPUs of one partition meet on this pCPU (core_vmid_met): what one
 * did to its local TLB and instruction cache must hold for the other too. */
static void vmid_meets(unsigned pcpu, unsigned vcpu)
{
	if (!core_vmid_met(pcpu, vcpu))
		return;
	__asm__ volatile("tlbi vmalle1");       /* the VMID now in VTTBR_EL2 */
	dsb(nsh);
	__asm__ volatile("ic iallu");
	dsb(nsh);
}

_Noreturn void arch_vcpu_resume(unsigned vcpu)
{
	const struct vcpu_context *c = &contexts[vcpu];
	unsigned pcpu = arch_pcpu_id();

	write_sysreg(vttbr_el2, c->vttbr);
	write_sysreg(vmpidr_el2, c->vmpidr);
	write_sysreg(cntvoff_el2, c->cntvoff);
	isb();
	vmid_meets(pcpu, vcpu);
	EL1_REGS(EL1_LOAD)
	EL1_REGS_KEPT_IF_EQUAL(EL1_LOAD_IF_CHANGED)
	fpsimd_load(&c->fp);
	pmu_load(&c->pmu);
	debug_load(&c->debug);
	write_sysreg(cntv_cval_el0, c->cntv_cval);
	write_sysreg(cntp_cval_el0, c->cntp_cval);
	write_sysreg(cntv_ctl_el0, c->cntv_ctl);
	write_sysreg(cntp_ctl_el0, c->cntp_ctl);
	for (uint32_t ppis = c->ppis_active; ppis; ppis &= ppis - 1)
		gic_irq_set_active(pcpu, (unsigned)__builtin_ctz(ppis), true);
	gich_restore(&c->gich);
	isb();
	vgic_flush();           /* what became pending for it outside its window */
	frame_launch(&c->frame, tessera_stacks[pcpu] + CONFIG_STACK_SIZE);
}

void switch_vcpu_entering(unsigned vcpu)
{
	static const struct vcpu_context clean;
	const struct vcpu_context *c = &clean;

	/* A vCPU starting on a shared pCPU finds none of another's state. */
	EL1_REGS(EL1_LOAD)
	EL1_REGS_KEPT_IF_EQUAL(EL1_LOAD_IF_CHANGED)
	fpsimd_load(&c->fp);
	debug_load(&c->debug);          /* no breakpoint or watchpoint armed */
	(void)core_vmid_met(arch_pcpu_id(), vcpu);     /* its start flushes all */
}

_Noreturn void arch_restart_on_empty_stack(void (*fn)(void))
{
	stack_call(fn, tessera_stacks[arch_pcpu_id()] + CONFIG_STACK_SIZE);
}

#endif /* TESSERA_SCHEDULED */
