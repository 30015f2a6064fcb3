/*
 * AMD SVM: each pCPU's host save area, its vCPU's VMCB, entering a guest
 * and the #VMEXIT loop. A guest runs until an intercept; what it may not do
 * becomes a fault in the guest (core_guest_fault), never a hypervisor crash.
 * QEMU emulates no NRIPS: the guest's RIP is advanced here by the length of
 * the intercepted instruction (CPUID and RDMSR/WRMSR 2 bytes, HLT 1,
 * VMMCALL 3; an IOIO exit gives the next RIP in EXITINFO2).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "insn.h"
#include "svm.h"
#include "msr.h"
#include "vevent.h"
#include "vlapic.h"
#include "vmcb.h"
#include "x86.h"

/* Each pCPU's host save area (VM_HSAVE_PA); each vCPU's VMCB and the
 * registers VMRUN does not keep there (a pCPU shared by a schedule runs
 * several: switch.c). */
static uint8_t hsave[TESSERA_NR_PCPUS][4096] __attribute__((aligned(4096)));
static struct svm_vcpu svm_vcpus[TESSERA_NR_VCPUS];

/* The I/O permission map of a partition that owns no ports, and the MSR
 * permission map (8 KiB) of one that owns no MSRs: every bit set, so each
 * port and MSR access is intercepted and emulated, denied, or answered
 * with #GP (svm_exit.c, msr.c). A partition that owns ports or MSRs has
 * its generated maps (tessera_x86_iopm, tessera_x86_msrpm), with their
 * bits clear. */
const uint8_t x86_iopm_deny_all[X86_IOPM_SIZE] __attribute__((aligned(4096))) = { [0 ... X86_IOPM_SIZE - 1] = 0xff };
const uint8_t x86_msrpm_deny_all[X86_MSRPM_SIZE] __attribute__((aligned(4096))) = { [0 ... X86_MSRPM_SIZE - 1] = 0xff };

struct svm_vcpu *svm_vcpu_of(unsigned vcpu)
{
	return &svm_vcpus[vcpu];
}

struct svm_vcpu *this_vcpu(void)
{
	return &svm_vcpus[core_this_vcpu_index()];
}

void svm_init_cpu(void)
{
	uint32_t r[4];

	cpuid(0x80000001u, 0, r);
	if (!(r[2] & (1u << 2)))
		panic("this CPU has no SVM (run QEMU with -cpu EPYC)");
	cpuid(0x8000000au, 0, r);
	if (!(r[3] & 1u))
		panic("this CPU's SVM has no nested paging (run QEMU with -cpu EPYC)");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)hsave[arch_pcpu_id()]);
	if (TESSERA_SCHEDULED && core_pcpu_shared(arch_pcpu_id()))
		switch_init_cpu();
}

void inject_exception(struct svm_vcpu *s, unsigned vector, bool has_error, uint32_t error)
{
	VMCB64(&s->vmcb, VMCB_EVENTINJ) = vector | EVENT_TYPE_EXCEPTION | EVENT_VALID |
		(has_error ? EVENT_ERROR_VALID | (uint64_t)error << 32 : 0);
}

static void set_segment(struct vmcb *v, unsigned seg, uint16_t sel, uint16_t attrib, uint32_t limit,
			uint64_t base)
{
	VMCB16(v, seg + SEG_SELECTOR) = sel;
	VMCB16(v, seg + SEG_ATTRIB) = attrib;
	VMCB32(v, seg + SEG_LIMIT) = limit;
	VMCB64(v, seg + SEG_BASE) = base;
}

/* VMCB segment attributes: descriptor bits 40-47 (type, S, DPL, P) in 0-7,
 * bits 52-55 (AVL, L, D/B, G) in 8-11. */
#define ATTR_CODE16     0x09bu  /* present, code, readable, accessed */
#define ATTR_DATA16     0x093u  /* present, data, writable, accessed */
#define ATTR_CODE32     0xc9bu  /* ... with D and G: 32-bit, 4 GiB */
#define ATTR_DATA32     0xc93u
#define ATTR_CODE64     0xa9bu  /* ... with L and G: 64-bit code */
#define ATTR_LDT        0x082u
#define ATTR_TSS_BUSY   0x08bu

#define MULTIBOOT_EAX   0x2badb002u
#define CR0_PE          (1ull << 0)
#define CR0_ET          (1ull << 4)
#define CR0_NE          (1ull << 5)
#define CR0_PG          (1ull << 31)
#define CR4_PAE         (1ull << 5)
#define PAT_DEFAULT     0x0007040600070406ull

/* v in decimal and a NUL at to (room for 10 digits: the generator left it). */
static void write_decimal(char *to, uint64_t v)
{
	char digits[10];
	unsigned n = 0;

	do {
		digits[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0 && n < sizeof(digits));
	while (n > 0)
		*to++ = digits[--n];
	*to = '\0';
}

/* vCPU 0 of a Linux partition as the 64-bit boot protocol wants it
 * (Documentation/x86/boot.rst): long mode on the generated identity page
 * tables, the generated GDT loaded, CS = __BOOT_CS (0x10, 64-bit), the data
 * segments __BOOT_DS (0x18: reset_state), interrupts off, RSI = the zero
 * page at arg. */
static void linux64_state(struct svm_vcpu *s, const struct x86_boot *b, uint64_t arg)
{
	struct vmcb *v = &s->vmcb;

	VMCB16(v, VMCB_CS + SEG_ATTRIB) = ATTR_CODE64;
	VMCB64(v, VMCB_CR0) = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	VMCB64(v, VMCB_CR3) = b->cr3;
	VMCB64(v, VMCB_CR4) = CR4_PAE;
	VMCB64(v, VMCB_RAX) = 0;                /* no multiboot magic or information */
	s->regs.gpr[RBX] = 0;
	s->regs.gpr[RSI] = arg;
	write_decimal((char *)(uintptr_t)b->tsc_khz_at, x86_tsc_khz());
}

/* The guest-visible state out of reset, then: vCPU 0 as QEMU's multiboot
 * loader leaves a kernel (32-bit protected mode, flat segments, paging off,
 * EAX = 0x2BADB002, EBX = the multiboot information at arg) or, in a
 * partition booting a bzImage, as Linux's 64-bit boot protocol says; any other
 * vCPU, or vCPU 0 after an INIT, as a STARTUP IPI leaves an AP (real mode,
 * CS = entry >> 4, IP = 0). */
static void reset_state(struct svm_vcpu *s, const struct vm_config *vm, const struct vcpu_config *vc,
			uint64_t entry, uint64_t arg)
{
	struct vmcb *v = &s->vmcb;

	for (unsigned i = 0; i < sizeof(v->bytes); i++)
		v->bytes[i] = 0;
	for (unsigned i = 0; i < 16; i++)
		s->regs.gpr[i] = 0;

	VMCB32(v, VMCB_INTERCEPT_CR) = INTERCEPT_CR4_WRITE;
	VMCB32(v, VMCB_INTERCEPT_MISC1) = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_INIT | INTERCEPT_CPUID |
					  INTERCEPT_INVD | INTERCEPT_INVLPGA | INTERCEPT_HLT | INTERCEPT_IOIO_PROT |
					  INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN;
	VMCB32(v, VMCB_INTERCEPT_MISC2) = INTERCEPT_SVM_INSNS | INTERCEPT_VMMCALL;
	VMCB64(v, VMCB_IOPM_BASE_PA) = (uint64_t)(uintptr_t)tessera_x86_iopm[vc->vm];
	VMCB64(v, VMCB_MSRPM_BASE_PA) = (uint64_t)(uintptr_t)tessera_x86_msrpm[vc->vm];
	VMCB32(v, VMCB_GUEST_ASID) = vm->vmid;
	VMCB8(v, VMCB_TLB_CONTROL) = TLB_CONTROL_FLUSH_ALL;     /* a restarted partition's stale entries */
	/* Physical interrupts stay the host's (its RFLAGS.IF) while the guest runs. */
	VMCB64(v, VMCB_VINTR) = V_INTR_MASKING;
	VMCB64(v, VMCB_NP_ENABLE) = 1;
	VMCB64(v, VMCB_N_CR3) = vm->s2_root;

	const struct x86_boot *boot = &tessera_x86_boot[vc->vm];
	bool linux64 = vc->index == 0 && !vlapic_sipi_started(vc) && boot->cr3 != 0;

	if (vc->index == 0 && !vlapic_sipi_started(vc)) {
		set_segment(v, VMCB_CS, 0x10, ATTR_CODE32, 0xffffffffu, 0);
		set_segment(v, VMCB_DS, 0x18, ATTR_DATA32, 0xffffffffu, 0);
		set_segment(v, VMCB_ES, 0x18, ATTR_DATA32, 0xffffffffu, 0);
		set_segment(v, VMCB_SS, 0x18, ATTR_DATA32, 0xffffffffu, 0);
		set_segment(v, VMCB_FS, 0x18, ATTR_DATA32, 0xffffffffu, 0);
		set_segment(v, VMCB_GS, 0x18, ATTR_DATA32, 0xffffffffu, 0);
		VMCB64(v, VMCB_CR0) = CR0_PE | CR0_ET;
		VMCB64(v, VMCB_RIP) = entry;
		VMCB64(v, VMCB_RAX) = MULTIBOOT_EAX;
		s->regs.gpr[RBX] = arg;
		if (linux64)
			linux64_state(s, boot, arg);
	} else {
		set_segment(v, VMCB_CS, (uint16_t)(entry >> 4), ATTR_CODE16, 0xffffu, entry & ~0xfull);
		set_segment(v, VMCB_DS, 0, ATTR_DATA16, 0xffffu, 0);
		set_segment(v, VMCB_ES, 0, ATTR_DATA16, 0xffffu, 0);
		set_segment(v, VMCB_SS, 0, ATTR_DATA16, 0xffffu, 0);
		set_segment(v, VMCB_FS, 0, ATTR_DATA16, 0xffffu, 0);
		set_segment(v, VMCB_GS, 0, ATTR_DATA16, 0xffffu, 0);
		VMCB64(v, VMCB_CR0) = CR0_ET;
		VMCB64(v, VMCB_RIP) = entry & 0xfu;
		s->regs.gpr[RDX] = arg;
	}
	set_segment(v, VMCB_GDTR, 0, 0, linux64 ? boot->gdt_limit : 0xffffu, linux64 ? boot->gdt : 0);
	set_segment(v, VMCB_IDTR, 0, 0, 0x3ffu, 0);
	set_segment(v, VMCB_LDTR, 0, ATTR_LDT, 0xffffu, 0);
	set_segment(v, VMCB_TR, 0, ATTR_TSS_BUSY, 0xffffu, 0);
	/* SVME: VMRUN requires it; the guest reads it clear. */
	VMCB64(v, VMCB_EFER) = EFER_SVME | (linux64 ? EFER_LME | EFER_LMA : 0);
	VMCB64(v, VMCB_RFLAGS) = 2;
	VMCB64(v, VMCB_DR6) = 0xffff0ff0u;
	VMCB64(v, VMCB_DR7) = 0x400u;
	VMCB64(v, VMCB_G_PAT) = PAT_DEFAULT;
	s->vm = vm;
	s->vc = vc;
}

/* The guest's next instruction is HLT. */
static bool at_hlt(struct svm_vcpu *s)
{
	uint8_t insn[X86_MAX_INSN];

	return guest_fetch_insn(s, insn) > 0 && insn[0] == X86_HLT;
}

/*
 * An interrupt comes to a guest that has just set RFLAGS.IF (the VINTR
 * exit) or sits in an interrupt shadow, and its next instruction is HLT:
 * the HLT is done first (stepped over), and the interrupt, injected after
 * it, is what ends it, as on a CPU: after "sti; hlt" the interrupt is
 * taken only once the HLT has begun. QEMU (before 9.1) takes V_IRQ inside
 * STI's shadow, and does not load the VMCB's shadow at VMRUN: injected
 * before the HLT, the interrupt would return into it and the guest would
 * wait for one that has come (a one-shot timer: for ever). Stepping over a
 * HLT that a CPU would have begun before the interrupt is right whenever
 * an interrupt ends a HLT, on hardware too.
 */
static bool hlt_ends_with(struct svm_vcpu *s, bool shadow)
{
	if (!(shadow || VMCB32(&s->vmcb, VMCB_EXITCODE) == VMEXIT_VINTR) || !at_hlt(s))
		return false;
	skip_insn(s, 1);
	return true;
}

/* The vCPU's local APIC has an interrupt for it: injected now if the guest
 * takes interrupts (RFLAGS.IF, no interrupt shadow, or one at a HLT, which
 * is stepped over: hlt_ends_with) and no other event is being injected;
 * else a virtual interrupt request (V_IRQ, TPR ignored: vlapic.c decided
 * priority) with the VINTR intercept, which exits as soon as the guest can
 * take it, to inject it then. */
static void inject_interrupt(struct svm_vcpu *s)
{
	struct vmcb *v = &s->vmcb;
	int vector = vlapic_pending(s->vc);

	VMCB64(v, VMCB_VINTR) &= ~(V_IRQ | V_IGN_TPR);
	VMCB32(v, VMCB_INTERCEPT_MISC1) &= ~INTERCEPT_VINTR;
	if (vector < 0)
		return;
	if (!(VMCB64(v, VMCB_EVENTINJ) & EVENT_VALID) && (VMCB64(v, VMCB_RFLAGS) & RFLAGS_IF)) {
		bool shadow = (VMCB64(v, VMCB_INTERRUPT_SHADOW) & INTERRUPT_SHADOW) != 0;
		bool after_hlt = hlt_ends_with(s, shadow);      /* the HLT stepped over */
		if (after_hlt || !shadow) {
			vlapic_ack(s->vc, (unsigned)vector);
			VMCB64(v, VMCB_EVENTINJ) = (unsigned)vector | EVENT_TYPE_INTR | EVENT_VALID;
			return;
		}
	}
	VMCB64(v, VMCB_VINTR) = (VMCB64(v, VMCB_VINTR) & ~(0xffull << V_INTR_VECTOR_SHIFT)) | V_IRQ | V_IGN_TPR |
				(uint64_t)vector << V_INTR_VECTOR_SHIFT;
	VMCB32(v, VMCB_INTERCEPT_MISC1) |= INTERCEPT_VINTR;
}

_Noreturn void arch_vcpu_enter(const struct vm_config *vm, const struct vcpu_config *vcpu,
			       uint64_t entry, uint64_t arg)
{
	struct svm_vcpu *s = this_vcpu();
	uint64_t pa = (uint64_t)(uintptr_t)&s->vmcb;

	ASSERT(vcpu->pcpu == arch_pcpu_id() && vcpu->vm == vm - tessera_vms);
	reset_state(s, vm, vcpu, entry, arg);
	vlapic_vcpu_start(vcpu);
	x86_msr_vcpu_reset(vcpu);
	if (TESSERA_SCHEDULED && core_pcpu_shared(vcpu->pcpu))
		switch_vcpu_entering((unsigned)(vcpu - tessera_vcpus));
	/* FS, GS, TR, LDTR, KernelGsBase and the SYSCALL MSRs are not switched
	 * by VMRUN: load the guest's once. The hypervisor never uses them, so
	 * they stay the guest's (no VMSAVE/VMLOAD on each exit). */
	svm_vmload(pa);
	/* The run loop starts on an empty stack: a vCPU that starts again
	 * (restarted, or turned off and on) comes back here through the core
	 * from inside the loop, and the frames below are not needed. */
	vcpu_loop_launch(tessera_stacks[arch_pcpu_id()] + CONFIG_STACK_SIZE);
}

/* VMRUN, the #VMEXIT's handling, a kick's: until the vCPU stops (the core
 * never returns then). Entered from vcpu_loop_launch (boot.S). */
_Noreturn void vcpu_loop(void)
{
	struct svm_vcpu *s = this_vcpu();
	uint64_t pa = (uint64_t)(uintptr_t)&s->vmcb;

	for (;;) {
		events_before_vmrun(s);
		inject_interrupt(s);
		svm_run(pa, &s->regs);
		events_after_vmexit(s);
		VMCB8(&s->vmcb, VMCB_TLB_CONTROL) = 0;
		svm_exit(s);
		if (take_kick())
			core_kicked();
		if (TESSERA_SCHEDULED)
			core_window_boundary(true);     /* a shared pCPU's window may have ended */
	}
}
