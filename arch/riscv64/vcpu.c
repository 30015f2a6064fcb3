/* Starting a vCPU on this hart: its G-stage, traps, time and reset VS state. */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "csr.h"
#include "vplic.h"

/* The registers a vCPU starts with, built here and copied to the top of
 * the stack by frame_launch. */
static struct frame start_frame[TESSERA_NR_PCPUS];

/* htimedelta of each partition, set when its vCPU 0 starts so that its
 * time starts at the configured value (vtime_start, 0 by default) and is
 * the same on all its vCPUs; 0 for one that keeps the physical time. */
static uint64_t partition_htimedelta[TESSERA_NR_VMS];

/* Exceptions the guest handles itself (hedeleg): instruction misaligned,
 * illegal instruction, breakpoint, ECALL from VU, and its own page faults.
 * ECALL from VS (SBI), guest page faults, virtual instructions and access
 * faults come to the hypervisor. */
#define HEDELEG_GUEST ((1ull << CAUSE_MISALIGNED_FETCH) | (1ull << CAUSE_ILLEGAL_INSN) | \
		       (1ull << CAUSE_BREAKPOINT) | (1ull << CAUSE_USER_ECALL) | \
		       (1ull << CAUSE_FETCH_PAGE_FAULT) | (1ull << CAUSE_LOAD_PAGE_FAULT) | \
		       (1ull << CAUSE_STORE_PAGE_FAULT))
/* Its interrupts: software (virtual IPIs), timer and external, as S-level ones. */
#define HIDELEG_GUEST (HVIP_VSSIP | HVIP_VSTIP | HVIP_VSEIP)
/* cycle, time, instret readable in VS mode */
#define HCOUNTEREN_GUEST 0x7u

uint64_t partition_timedelta(unsigned vm)
{
	return partition_htimedelta[vm];
}

static _Noreturn void enter(const struct vm_config *vm, const struct vcpu_config *vcpu,
			    uint64_t entry, uint64_t arg)
{
	unsigned pcpu = arch_pcpu_id();

	csr_write(hedeleg, HEDELEG_GUEST);
	csr_write(hideleg, HIDELEG_GUEST);
	csr_write(hcounteren, HCOUNTEREN_GUEST);
	csr_write(henvcfg, have_sstc ? HENVCFG_STCE : 0);
	csr_write(htimedelta, partition_htimedelta[vcpu->vm]);
	csr_write(hgatp, HGATP_MODE_SV39X4 | (uint64_t)vm->vmid << HGATP_VMID_SHIFT | vm->s2_root >> 12);
	/* Stale translations of this VMID (a restarted vCPU), and instructions
	 * of a rewritten image, must go. */
	__asm__ volatile(".option push\n.option arch, +h\n"
			 "hfence.gvma zero, zero\nhfence.vvma zero, zero\n.option pop\n"
			 "fence.i" ::: "memory");

	/* The VS state a hart has out of reset, as far as a kernel relies on it. */
	csr_write(vsstatus, 0);
	csr_write(vsie, 0);
	csr_write(vstvec, 0);
	csr_write(vsscratch, 0);
	csr_write(vsepc, 0);
	csr_write(vscause, 0);
	csr_write(vstval, 0);
	csr_write(vsatp, 0);
	if (TESSERA_SCHEDULED && core_pcpu_shared(vcpu->pcpu))
		switch_vcpu_entering((unsigned)(vcpu - tessera_vcpus));
	/* Its virtual PLIC context's line, as the partition's PLIC has it. */
	csr_clear(hvip, HVIP_VSSIP | HVIP_VSEIP);
	if (vplic_line((unsigned)(vcpu - tessera_vcpus)))
		csr_set(hvip, HVIP_VSEIP);
	guest_timer_set(~0ull);         /* no timer; clears hvip.VSTIP without Sstc */

	/* sret goes to VS mode (SPV, SPP); HLVX reads as VS (SPVP); 64-bit VS. */
	csr_write(hstatus, HSTATUS_VSXL_64 | HSTATUS_SPV | HSTATUS_SPVP);
	csr_clear(sstatus, SSTATUS_SPIE | SSTATUS_FS_MASK);
	csr_set(sstatus, SSTATUS_SPP | SSTATUS_FS_INITIAL);  /* the guest's FP registers usable */

	/* a0 = hart id, a1 = arg (the device tree, hart_start's opaque) */
	struct frame *f = &start_frame[pcpu];
	for (unsigned i = 0; i < 32; i++)
		f->x[i] = 0;
	f->x[10] = vcpu->virt_id;
	f->x[11] = arg;
	f->sepc = entry;
	frame_launch(f, tessera_stacks[pcpu] + CONFIG_STACK_SIZE - PCPU_AREA);
}

_Noreturn void arch_vcpu_enter(const struct vm_config *vm, const struct vcpu_config *vcpu,
			       uint64_t entry, uint64_t arg)
{
	ASSERT(vcpu->pcpu == arch_pcpu_id() && vcpu->vm == vm - tessera_vms);
	if (vcpu->index == 0)       /* time = the hart's time + htimedelta, mod 2^64 */
		partition_htimedelta[vcpu->vm] = vm->vtime_physical ? 0 : vm->vtime_start - csr_read(time);
	enter(vm, vcpu, entry, arg);
}

_Noreturn void vcpu_resume(uint64_t entry, uint64_t arg)
{
	enter(core_this_vm(), core_this_vcpu(), entry, arg);
}
