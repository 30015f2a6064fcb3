/*
 * Time partitioning on riscv64: switching the vCPU of a shared hart at a
 * window boundary (src/schedule.c decides when). A vCPU leaves its window
 * only through an interrupt trap (the hypervisor's supervisor timer), so
 * its general-purpose registers are the trap frame at the top of this
 * hart's stack; everything else a guest in VS mode can see or rely on is
 * kept here:
 *
 * - the VS-level CSRs (vsstatus, vsie, vstvec, vsscratch, vsepc, vscause,
 *   vstval, vsatp) and the two supervisor CSRs a VS-mode guest reaches
 *   directly, having no VS copy: scounteren and senvcfg;
 * - where the trap came from: hstatus (SPV, SPVP) and sstatus.SPP, which
 *   decide whether sret goes back to VS or VU mode;
 * - its timer: vstimecmp with Sstc, else the deadline the hart's one
 *   supervisor timer keeps for it (cpu.c), and hvip.VSSIP (and VSTIP
 *   without Sstc) pending; hvip.VSEIP follows its virtual PLIC context,
 *   whose state is all in software (vplic.c);
 * - its G-stage root and VMID (hgatp) and its partition's htimedelta;
 * - the F/D registers, saved only when sstatus.FS says the guest made
 *   them Dirty since they were loaded. The hypervisor leaves sstatus.VS
 *   Off, so a guest has no vector state to keep.
 *
 * A switched-out vCPU leaves vsie 0 behind, so no interrupt of its (a
 * pending VSTIP from its vstimecmp) wakes the hart's WFI in another's
 * window. Requests for it (a virtual IPI, fences: cpu.c) wait for its
 * window, where they are done before it runs.
 *
 * TLBs and caches: VS-stage and G-stage entries are tagged with the VMID,
 * one per partition, so switching partitions needs no fence. Two vCPUs of
 * one partition share a VMID: entries one of them loaded on this hart
 * must not serve the other, whose guest believes it has a hart of its
 * own; when a vCPU resumes after another vCPU of its partition ran here,
 * the VMID's VS-stage entries and the instruction cache are flushed.
 *
 * Built only where some hart is shared (TESSERA_SCHEDULED).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "csr.h"
#include "vplic.h"

#if TESSERA_SCHEDULED

/* f0-f31, fcsr (fp.S) */
struct fp_regs {
	// cppcheck-suppress unusedStructMember ; written and read by fp.S
	uint64_t f[32];
	// cppcheck-suppress unusedStructMember ; written and read by fp.S
	uint64_t fcsr;
};
void fp_save(struct fp_regs *fp);
void fp_load(const struct fp_regs *fp);

/* The guest's CSRs switched as they are. */
#define GUEST_CSRS(X) X(vsstatus) X(vsie) X(vstvec) X(vsscratch) X(vsepc) X(vscause) X(vstval) \
	X(vsatp) X(scounteren) X(senvcfg)
#define CSR_INDEX(r) CSR_##r,
enum guest_csr { GUEST_CSRS(CSR_INDEX) NR_GUEST_CSRS };

struct vcpu_context {
	struct frame frame;             /* x1-x31, sepc */
	uint64_t csr[NR_GUEST_CSRS];
	uint64_t hstatus, spp, hgatp;
	uint64_t timer;                 /* vstimecmp (Sstc), else the deadline in host time */
	uint64_t hvip;                  /* VSSIP, and VSTIP without Sstc */
	struct fp_regs fp;
	uint32_t deferred;              /* requests kept for its window (cpu.c's REQ_*) */
};

static struct vcpu_context contexts[TESSERA_NR_VCPUS];
static int running[TESSERA_NR_PCPUS];           /* index + 1 of the vCPU whose state the hart holds, 0: none */

static uint8_t *stack_top(void)
{
	return tessera_stacks[arch_pcpu_id()] + CONFIG_STACK_SIZE - PCPU_AREA;
}

static uint64_t saved_hvip_bits(void)
{
	/* With Sstc, hvip.VSTIP is left 0 (vcpu.c): vstimecmp drives VSTIP. */
	return HVIP_VSSIP | (have_sstc ? 0 : HVIP_VSTIP);
}

int switch_running_vcpu(void)
{
	return running[arch_pcpu_id()] - 1;
}

void switch_take_requests(void)
{
	unsigned pcpu = arch_pcpu_id();
	const struct pcpu_schedule *s = &tessera_schedules[pcpu];

	for (unsigned i = 0; i < s->nr_vcpus; i++) {
		unsigned v = s->vcpus[i];
		uint32_t req = vcpu_take_requests(v);
		if ((int)v + 1 == running[pcpu])
			local_request(req);
		else
			contexts[v].deferred |= req;    /* done when its window starts */
	}
}

#define CSR_SAVE(r) c->csr[CSR_##r] = csr_read(r);
#define CSR_LOAD(r) csr_write(r, c->csr[CSR_##r]);

void arch_vcpu_save(unsigned vcpu)
{
	struct vcpu_context *c = &contexts[vcpu];
	uint64_t sstatus = csr_read(sstatus);

	c->frame = *(const struct frame *)(const void *)(stack_top() - sizeof(struct frame));
	GUEST_CSRS(CSR_SAVE)
	c->hstatus = csr_read(hstatus);
	c->spp = sstatus & SSTATUS_SPP;
	c->hgatp = csr_read(hgatp);
	if ((sstatus & SSTATUS_FS_MASK) == SSTATUS_FS_DIRTY)
		fp_save(&c->fp);        /* else what it holds is what was loaded */
	/* Its timer stops here: one that expires meanwhile is pending when it
	 * is loaded again, at its next window. */
	c->timer = have_sstc ? csr_read(vstimecmp) : guest_timer_take();
	c->hvip = csr_read(hvip) & saved_hvip_bits();
	csr_clear(hvip, HVIP_VSSIP | HVIP_VSTIP | HVIP_VSEIP);
	csr_write(vsie, 0);
	running[arch_pcpu_id()] = 0;
}

/* vCPU vcpu runs on this hart after another vCPU of its partition did:
 * what that one left in the TLB (under the VMID now in hgatp) and the
 * instruction cache must not serve this one. */
static void vmid_meets(unsigned pcpu, unsigned vcpu)
{
	if (!core_vmid_met(pcpu, vcpu))
		return;
	__asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n.option pop\n"
			 "fence.i" ::: "memory");
}

/* The F/D registers loaded; sstatus.FS Clean, so that a guest that does
 * not write them is not saved at its window's end. */
static void fp_restore(const struct fp_regs *fp)
{
	csr_set(sstatus, SSTATUS_FS_INITIAL);           /* not Off: the loads may run */
	fp_load(fp);
	csr_clear(sstatus, SSTATUS_FS_MASK);
	csr_set(sstatus, SSTATUS_FS_CLEAN);
}

_Noreturn void arch_vcpu_resume(unsigned vcpu)
{
	struct vcpu_context *c = &contexts[vcpu];
	unsigned pcpu = arch_pcpu_id();

	csr_write(hgatp, c->hgatp);
	csr_write(htimedelta, partition_timedelta(tessera_vcpus[vcpu].vm));
	csr_write(hstatus, c->hstatus);
	vmid_meets(pcpu, vcpu);
	GUEST_CSRS(CSR_LOAD)
	csr_clear(sstatus, SSTATUS_SPP);
	csr_set(sstatus, c->spp);
	fp_restore(&c->fp);
	/* vstimecmp is compared with time + htimedelta, loaded above */
	if (have_sstc)
		csr_write(vstimecmp, c->timer);
	else
		guest_timer_give(c->timer);
	csr_set(hvip, c->hvip);
	if (vplic_line(vcpu))
		csr_set(hvip, HVIP_VSEIP);
	running[pcpu] = (int)vcpu + 1;
	/* What was asked of it outside its window (IPIs, fences), now. */
	uint32_t deferred = c->deferred;
	c->deferred = 0;
	local_request(deferred | vcpu_take_requests(vcpu));
	frame_launch(&c->frame, stack_top());
}

void switch_vcpu_entering(unsigned vcpu)
{
	static const struct vcpu_context clean;
	const struct vcpu_context *c = &clean;
	unsigned pcpu = arch_pcpu_id();

	/* A vCPU starting on a shared hart finds none of another's state
	 * (arch_vcpu_enter resets the VS CSRs, hvip and the timer). */
	GUEST_CSRS(CSR_LOAD)
	fp_restore(&c->fp);
	contexts[vcpu].deferred = 0;    /* its start flushes everything anyway */
	running[pcpu] = (int)vcpu + 1;
	(void)core_vmid_met(pcpu, vcpu);        /* its start flushes all */
}

_Noreturn void arch_restart_on_empty_stack(void (*fn)(void))
{
	__asm__ volatile("mv sp, %0\n\tjr %1" : : "r"(stack_top()), "r"(fn) : "memory");
	__builtin_unreachable();
}

#endif /* TESSERA_SCHEDULED */
