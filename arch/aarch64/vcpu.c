/* Starting a vCPU on this pCPU: its stage 2, traps and reset EL1 state. */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "sysreg.h"
#include "vgic.h"

extern uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE];
_Noreturn void frame_launch(const struct frame *f, uint8_t *stack_top);

/* The registers a vCPU starts with, built here and copied to the top of
 * the stack by frame_launch (building them there would overwrite the
 * C frames still in use). */
static struct frame start_frame[TESSERA_NR_PCPUS];

/* CNTVOFF_EL2 of each partition, set when its vCPU 0 starts so that its
 * virtual count starts at the configured value (vtime_start, 0 by default)
 * and is the same on all its vCPUs (the others are started later, by vCPU
 * 0); 0 for a partition that keeps the physical count (vtime_physical). */
static uint64_t partition_cntvoff[TESSERA_NR_VMS];

#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | \
		   HCR_BSU_IS | HCR_TSC | HCR_TIDCP | HCR_RW)

#define VTCR_GUEST (VTCR_T0SZ(25) | VTCR_SL0_L1 | VTCR_IRGN0_WBWA | VTCR_ORGN0_WBWA | \
		    VTCR_SH0_INNER | VTCR_PS_40BIT | VTCR_RES1)

/* The vCPU owns its pCPU's PMU and self-hosted debug registers (nothing
 * else runs there): MDCR_EL2 traps none of them and gives it every event
 * counter. They start as out of a reset, so that a restarted partition
 * finds no counter running, no overflow pending, no breakpoint armed. */
static void debug_pmu_reset(void)
{
	uint64_t pmuver = ID_AA64DFR0_PMUVER(read_sysreg(id_aa64dfr0_el1));
	bool pmu = pmuver != 0 && pmuver != 0xf;

	if (pmu) {
		write_sysreg(pmcr_el0, PMCR_P | PMCR_C);        /* E = 0, counters zeroed */
		write_sysreg(pmcntenclr_el0, ~0ULL);
		write_sysreg(pmintenclr_el1, ~0ULL);
		write_sysreg(pmovsclr_el0, ~0ULL);
		write_sysreg(pmuserenr_el0, 0);
		write_sysreg(pmselr_el0, 0);
		write_sysreg(pmccfiltr_el0, 0);
	}
	write_sysreg(mdcr_el2, MDCR_HPMN(pmu ? PMCR_N(read_sysreg(pmcr_el0)) : 0));
	write_sysreg(mdscr_el1, 0);                     /* MDE, KDE, SS off */
	write_sysreg(oslar_el1, OSLAR_OSLK);
}

_Noreturn void arch_vcpu_enter(const struct vm_config *vm, const struct vcpu_config *vcpu,
			       uint64_t entry, uint64_t arg)
{
	ASSERT(vcpu->pcpu == arch_pcpu_id() && vcpu->vm == vm - tessera_vms);
	write_sysreg(vtcr_el2, VTCR_GUEST);
	write_sysreg(vttbr_el2, vm->s2_root | (uint64_t)vm->vmid << VTTBR_VMID_SHIFT);
	write_sysreg(hcr_el2, HCR_GUEST);
	write_sysreg(cptr_el2, CPTR_EL2_RES1);
	/* The counter is free to read; the EL1 physical timer traps (trap.c). */
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN);
	if (vcpu->index == 0 && !vm->vtime_physical)    /* CNTVCT = CNTPCT - CNTVOFF, mod 2^64 */
		partition_cntvoff[vcpu->vm] = read_sysreg(cntpct_el0) - vm->vtime_start;
	write_sysreg(cntvoff_el2, partition_cntvoff[vcpu->vm]);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(vmpidr_el2, MPIDR_RES1 | (vcpu->virt_id & MPIDR_AFF_MASK));

	if (TESSERA_SCHEDULED && core_pcpu_shared(vcpu->pcpu))
		switch_vcpu_entering((unsigned)(vcpu - tessera_vcpus));
	/* The EL1 state a CPU has after reset, as far as a kernel relies on it. */
	write_sysreg(sctlr_el1, SCTLR_EL1_RESET);
	write_sysreg(cpacr_el1, 0);
	write_sysreg(vbar_el1, 0);
	write_sysreg(cntkctl_el1, 0);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	debug_pmu_reset();
	isb();
	vgic_vcpu_reset();
	/* Stale translations of this VMID (a restarted vCPU) must go. */
	__asm__ volatile("tlbi vmalls12e1");
	dsb(nsh);
	__asm__ volatile("ic iallu");
	dsb(nsh);
	isb();

	vgic_flush();
	/* x0 = arg, x1..x3 = 0 as the Linux arm64 boot protocol wants, EL1h
	 * with DAIF masked. */
	unsigned pcpu = arch_pcpu_id();
	struct frame *f = &start_frame[pcpu];
	for (unsigned i = 0; i < 31; i++)
		f->x[i] = 0;
	f->x[0] = arg;
	f->elr = entry;
	f->spsr = SPSR_DAIF | SPSR_M_EL1H;
	frame_launch(f, tessera_stacks[pcpu] + CONFIG_STACK_SIZE);
}
