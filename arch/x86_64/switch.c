/*
 * Time partitioning on x86_64 (AMD SVM): switching the vCPU of a shared
 * pCPU at a window boundary (src/schedule.c decides when). A vCPU leaves
 * its window only from the run loop (svm.c) after a #VMEXIT, or from its
 * HLT's wait (svm_exit.c): the boundary is the hypervisor's local APIC
 * timer, a physical interrupt the INTR intercept makes exit the guest
 * whatever its RFLAGS.IF (V_INTR_MASKING keeps physical interrupts the
 * host's), so a guest spinning with interrupts masked cannot keep it.
 *
 * What a guest can see or rely on, and where it is kept (AMD64 APM vol. 2,
 * 15.5 VMRUN, 15.5.2 VMSAVE and VMLOAD, 15.16 TLB control, 15.30 TSC):
 *
 * - the VMCB is per vCPU already (svm.c): segment state, CR0/2/3/4, EFER,
 *   RFLAGS, RIP, RSP, RAX, DR6/DR7, G_PAT, V_TPR, the interrupt shadow, an
 *   event being injected, its ASID and nested root; so are the general
 *   registers VMRUN does not keep (struct guest_regs);
 * - the state VMRUN leaves in the CPU, which the hypervisor never uses and
 *   so leaves the guest's between exits: FS, GS, TR, LDTR (with their
 *   hidden bases), KernelGsBase, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS,
 *   _ESP and _EIP: VMSAVE into the vCPU's own VMCB, VMLOAD from the next's;
 * - x87/SSE/AVX (every state component the CPU has) and XCR0: XSAVE and
 *   XRSTOR in standard form, with XCR0 widened to all components for the
 *   two instructions, so that a guest's SSE registers are kept even while
 *   its XCR0 leaves them out (XCR0 governs what XSAVE manages, not what SSE
 *   instructions use). Components its XCR0 disables are stored as in their
 *   initial state, so it never finds another's AVX state by enabling them.
 *   Without XSAVE, FXSAVE/FXRSTOR (x87 and SSE: all such a CPU has);
 * - DR0-DR3 (a guest writes them without an intercept; DR6/DR7 are in the
 *   VMCB) and the MSRs its partition owns (the MSR permission map passes
 *   them to the CPU: its other vCPUs on this pCPU must not see its values);
 * - its local APIC (vlapic.c) is software per vCPU; only its timer's
 *   deadline is also in this pCPU's local APIC timer (cpu.c's
 *   guest_deadline): taken out at the switch, so it never fires in another
 *   vCPU's window. Time is the TSC, which never stops (VMCB TSC_OFFSET 0),
 *   so the deadline keeps counting while the vCPU is out; one that passed
 *   meanwhile is delivered as the vCPU's window starts, before it runs.
 *   IPIs and I/O APIC messages to a switched-out vCPU wait in its IRR (and
 *   an INIT or NMI in its flags) for its window.
 *
 * TLBs: guest and nested translations are tagged with the ASID, one per
 * partition (its VMID), so switching partitions needs no flush. Two vCPUs
 * of one partition share it: when one resumes after another of its
 * partition ran here (core_vmid_met: also across another partition's
 * window, A1, B, A2), TLB_CONTROL flushes the ASID's entries (or the whole
 * TLB where the CPU has no flush-by-ASID, as QEMU's). The VMCB clean bits
 * stay 0: every VMRUN loads all of the VMCB, whichever ran before.
 *
 * Built only where some pCPU is shared (TESSERA_SCHEDULED).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "board.h"
#include "svm.h"
#include "vlapic.h"
#include "vmcb.h"
#include "x86.h"

#if TESSERA_SCHEDULED

#define CR4_OSFXSR              (1ull << 9)
#define CR4_OSXSAVE             (1ull << 18)
#define CPUID1_ECX_XSAVE        (1u << 26)
#define CPUID8A_EDX_FLUSH_BY_ASID (1u << 6)
#define TLB_CONTROL_FLUSH_ASID  3u      /* this guest's (ASID's) entries */

/* The XSAVE area (standard form): the legacy region's FCW and MXCSR, the
 * header's XSTATE_BV (Intel SDM vol. 1, 13.4; the APM's "XSAVE area"). */
#define FPU_AREA_SIZE           4096u   /* up to AVX-512 and PKRU; CPUID 0xD says */
#define FPU_FCW                 0u
#define FPU_MXCSR               24u
#define FPU_XSTATE_BV           512u
#define FCW_RESET               0x037fu
#define MXCSR_RESET             0x1f80u
#define XCR0_RESET              1u      /* x87 only */
#define XCR0_ALWAYS_KEPT        3u      /* x87 and SSE: usable whatever XCR0 says */

/* At most this many owned MSRs per partition with a vCPU on a shared CPU
 * (the generator refuses more: SWITCHED_OWNED_MSRS, gen/tessera_gen/schedule.py). */
#define OWNED_MSRS              16u

struct fpu_area {
	uint8_t bytes[FPU_AREA_SIZE];
} __attribute__((aligned(64)));

struct vcpu_context {
	struct fpu_area fpu;
	uint64_t xcr0;
	uint64_t dr[4];
	uint64_t owned[OWNED_MSRS];
};

static struct vcpu_context contexts[TESSERA_NR_VCPUS];
static struct fpu_area clean_fpu;       /* out of reset */
static bool have_xsave, have_flush_by_asid;
static uint64_t xcr0_all;               /* every state component the CPU has */

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory");
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0u));
	return (uint64_t)hi << 32 | lo;
}

static void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" :: "c"(0u), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static uint64_t *xstate_bv(struct fpu_area *a)
{
	return (uint64_t *)(void *)&a->bytes[FPU_XSTATE_BV];
}

/* The guest's FPU state out of the CPU, its XCR0 with it. */
static void fpu_save(struct vcpu_context *c)
{
	if (!have_xsave) {
		__asm__ volatile("fxsave64 %0" : "=m"(c->fpu));
		return;
	}
	c->xcr0 = xgetbv0();
	xsetbv0(xcr0_all);
	__asm__ volatile("xsave64 %0" : "=m"(c->fpu) : "a"((uint32_t)xcr0_all), "d"((uint32_t)(xcr0_all >> 32)));
	*xstate_bv(&c->fpu) &= c->xcr0 | XCR0_ALWAYS_KEPT;
}

static void fpu_load(const struct fpu_area *a, uint64_t xcr0)
{
	if (!have_xsave) {
		__asm__ volatile("fxrstor64 %0" :: "m"(*a));
		return;
	}
	xsetbv0(xcr0_all);
	__asm__ volatile("xrstor64 %0" :: "m"(*a), "a"((uint32_t)xcr0_all), "d"((uint32_t)(xcr0_all >> 32)));
	xsetbv0(xcr0);
}

static void dr_save(uint64_t dr[4])
{
	uint64_t d0, d1, d2, d3;

	__asm__ volatile("mov %%dr0, %0" : "=r"(d0));
	__asm__ volatile("mov %%dr1, %0" : "=r"(d1));
	__asm__ volatile("mov %%dr2, %0" : "=r"(d2));
	__asm__ volatile("mov %%dr3, %0" : "=r"(d3));
	dr[0] = d0;
	dr[1] = d1;
	dr[2] = d2;
	dr[3] = d3;
}

static void dr_load(const uint64_t dr[4])
{
	__asm__ volatile("mov %0, %%dr0" :: "r"(dr[0]));
	__asm__ volatile("mov %0, %%dr1" :: "r"(dr[1]));
	__asm__ volatile("mov %0, %%dr2" :: "r"(dr[2]));
	__asm__ volatile("mov %0, %%dr3" :: "r"(dr[3]));
}

/* The MSRs vCPU vcpu's partition owns: kept (save) or loaded. */
static void owned_msrs(unsigned vcpu, bool save)
{
	const struct x86_msr_rules *r = &tessera_x86_msr_rules[tessera_vcpus[vcpu].vm];
	uint64_t *v = contexts[vcpu].owned;
	unsigned n = 0;

	for (unsigned i = 0; i < r->nr_rules && n < OWNED_MSRS; i++) {
		if (r->rule[i].policy != (uint8_t)X86_MSR_OWNED)
			continue;
		if (save)
			v[n] = rdmsr(r->rule[i].msr);
		else
			wrmsr(r->rule[i].msr, v[n]);
		n++;
	}
}

void switch_init_cpu(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	have_xsave = (r[2] & CPUID1_ECX_XSAVE) != 0;
	cpuid(0x8000000au, 0, r);
	have_flush_by_asid = (r[3] & CPUID8A_EDX_FLUSH_BY_ASID) != 0;
	/* FXSAVE keeps XMM only with OSFXSR; XSAVE and XSETBV need OSXSAVE.
	 * The guest has its own CR4 (VMCB); CPUID shows it its own OSXSAVE
	 * (svm_exit.c), not this one. */
	write_cr4(read_cr4() | CR4_OSFXSR | (have_xsave ? CR4_OSXSAVE : 0));
	if (have_xsave) {
		cpuid(0xd, 0, r);
		xcr0_all = (uint64_t)r[3] << 32 | r[0];
		if (r[2] > FPU_AREA_SIZE)
			panic("XSAVE area of %u bytes is over the %u switch.c keeps", (unsigned)r[2], FPU_AREA_SIZE);
	}
	*(uint16_t *)(void *)&clean_fpu.bytes[FPU_FCW] = FCW_RESET;
	*(uint32_t *)(void *)&clean_fpu.bytes[FPU_MXCSR] = MXCSR_RESET;
}

void arch_vcpu_save(unsigned vcpu)
{
	struct vcpu_context *c = &contexts[vcpu];

	svm_vmsave((uint64_t)(uintptr_t)&svm_vcpu_of(vcpu)->vmcb);
	fpu_save(c);
	dr_save(c->dr);
	owned_msrs(vcpu, true);
	/* Its local APIC timer's deadline stays in its vlapic, counting on. */
	guest_timer_set(VLAPIC_NEVER);
}

/* Its timer's deadline back in this pCPU's timer; one that passed while it
 * was out expires now, so the interrupt is there when it first runs. */
static void timer_resume(const struct vcpu_config *vc)
{
	uint64_t deadline = vlapic_of(vc)->deadline;

	if (deadline <= x86_now())
		vlapic_timer_expired(vc);
	else
		guest_timer_set(deadline);
}

_Noreturn void arch_vcpu_resume(unsigned vcpu)
{
	const struct vcpu_context *c = &contexts[vcpu];
	struct svm_vcpu *s = svm_vcpu_of(vcpu);
	unsigned pcpu = arch_pcpu_id();

	svm_vmload((uint64_t)(uintptr_t)&s->vmcb);
	fpu_load(&c->fpu, c->xcr0);
	dr_load(c->dr);
	owned_msrs(vcpu, false);
	if (core_vmid_met(pcpu, vcpu))
		VMCB8(&s->vmcb, VMCB_TLB_CONTROL) = have_flush_by_asid ? TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL;
	timer_resume(&tessera_vcpus[vcpu]);
	vcpu_loop_launch(tessera_stacks[pcpu] + CONFIG_STACK_SIZE);
}

void switch_vcpu_entering(unsigned vcpu)
{
	static const uint64_t no_dr[4];

	/* A vCPU starting on a shared pCPU finds none of another's state: FPU
	 * and XCR0 as after reset, DR0-DR3 clear (its VMCB, VMLOADed by
	 * arch_vcpu_enter, has the rest; reset_state flushes the TLB). */
	fpu_load(&clean_fpu, XCR0_RESET);
	dr_load(no_dr);
	(void)core_vmid_met(arch_pcpu_id(), vcpu);
}

_Noreturn void arch_restart_on_empty_stack(void (*fn)(void))
{
	__asm__ volatile("mov %0, %%rsp\n\tcall *%1\n\tud2"
			 :: "r"(tessera_stacks[arch_pcpu_id()] + CONFIG_STACK_SIZE), "r"(fn) : "memory");
	__builtin_unreachable();
}

#endif /* TESSERA_SCHEDULED */
