/*
 * What a guest's #VMEXIT means: CPUID (filtered), HLT, port I/O (its
 * virtual 16550 through the core, its power-off ports, all else denied),
 * MSRs, VMMCALL (Tessera's hypercalls), a triple fault, SVM instructions,
 * and nested page faults (emulated MMIO).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "svm.h"
#include "insn.h"
#include "msr.h"
#include "vevent.h"
#include "vlapic.h"
#include "x86.h"

/* PSCI function ids, kept on x86 so that a guest powers off the same way
 * (docs/hypercalls.md): VMMCALL with the id in RAX, arguments in RBX,
 * RCX, RDX; the result in RAX. */
#define PSCI_CPU_OFF            0x84000002u
#define PSCI_SYSTEM_OFF         0x84000008u
#define PSCI_SYSTEM_RESET       0x84000009u
#define HC_NOT_SUPPORTED        (-1)

/* The partition's power ports, as on QEMU's q35 (its own, emulated; the
 * ACPI PM1a_CNT's power-off is acpi_pm.c's): the reset control register
 * (the FADT's RESET_REG: gen/tessera_gen/x86_linux.py), the 8042 keyboard
 * controller's command port (only its reset pulse), and the isa-debug-exit
 * test device. Linux's reboot tries the first, then the 8042, then (with
 * reboot=pci) 0xcf9 directly, then a triple fault: each restarts only the
 * partition, by its restart policy. */
#define GUEST_RESET_CONTROL     TESSERA_GUEST_RESET_PORT     /* 0xcf9 */
#define GUEST_RESET_CPU         (1u << 2)       /* RST_CNT.RST_CPU: a write with it set resets */
#define GUEST_KBC_COMMAND       0x64u
#define GUEST_KBC_PULSE_RESET   0xfeu           /* pulse output port bit 0: the CPU's reset line */
#define GUEST_DEBUG_EXIT        0xf4u

#define CPUID1_ECX_MONITOR      (1u << 3)
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_OSXSAVE      (1u << 27)      /* reflects CR4.OSXSAVE: the guest's, not the host's */
#define CR4_OSXSAVE             (1ull << 18)
#define CPUID1_ECX_HYPERVISOR   (1u << 31)
#define CPUID1_EDX_HTT          (1u << 28)
/* Machine checks and MTRRs (leaf 1 EDX, and AMD's copy in 0x80000001 EDX):
 * a partition has neither (no MCG/MCi or MTRR MSRs: RDMSR gives #GP); its
 * memory types are its PAT's. Offered, Linux reads MCG_STATUS and panics on
 * the #GP ("MCA architectural violation"). */
#define CPUID_EDX_MCE_MTRR_MCA  (1u << 7 | 1u << 12 | 1u << 14)
#define CPUID81_ECX_SVM         (1u << 2)

/* CR4 bits a guest may set: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR
 * OSXMMEXCPT UMIP (0-11), FSGSBASE PCIDE OSXSAVE (16-18), SMEP SMAP (20,
 * 21). Not VMXE, SMXE, LA57, PKE and the reserved ones. */
#define CR4_GUEST_BITS          0x370fffull

uint64_t gpr_read(struct svm_vcpu *s, unsigned n)
{
	return n == RAX ? VMCB64(&s->vmcb, VMCB_RAX) : n == RSP ? VMCB64(&s->vmcb, VMCB_RSP) : s->regs.gpr[n & 15u];
}

void gpr_write(struct svm_vcpu *s, unsigned n, uint64_t v)
{
	if (n == RAX)
		VMCB64(&s->vmcb, VMCB_RAX) = v;
	else if (n == RSP)
		VMCB64(&s->vmcb, VMCB_RSP) = v;
	else
		s->regs.gpr[n & 15u] = v;
}

/* The guest goes on after the intercepted instruction (len bytes). An
 * interrupt shadow (of an STI or MOV SS just before) covered only that
 * instruction: it ends with it. */
void skip_insn(struct svm_vcpu *s, unsigned len)
{
	VMCB64(&s->vmcb, VMCB_RIP) += len;
	VMCB64(&s->vmcb, VMCB_INTERRUPT_SHADOW) &= ~INTERRUPT_SHADOW;
}

/* A fault the guest caused: inject vector (a #GP or #UD) unless the
 * partition's policy stops it. */
static void guest_fault(struct svm_vcpu *s, const char *what, uint64_t addr, unsigned vector)
{
	if (core_guest_fault(what, addr, VMCB64(&s->vmcb, VMCB_RIP)))
		inject_exception(s, vector, vector == X86_GP, 0);
}

/* CPUID as the host answers it, but what the partition really has: the
 * hypervisor bit, no SVM, no MONITOR (not emulated), OSXSAVE as its own
 * CR4 has it (the host's is set on a shared pCPU: switch.c), the x2APIC and the
 * TSC-deadline timer (its local APIC's), its vCPU count and this vCPU's
 * virtual APIC id. */
static void do_cpuid(struct svm_vcpu *s)
{
	uint32_t leaf = (uint32_t)VMCB64(&s->vmcb, VMCB_RAX), sub = (uint32_t)s->regs.gpr[RCX], r[4];
	uint32_t id = (uint32_t)s->vc->virt_id, n = s->vm->nr_vcpus;

	cpuid(leaf, sub, r);
	switch (leaf) {
	case 0x1:
		r[1] = (r[1] & 0xffffu) | id << 24 | (n & 0xffu) << 16;
		r[2] = (r[2] & ~(CPUID1_ECX_MONITOR | CPUID1_ECX_OSXSAVE)) | CPUID1_ECX_X2APIC |
		       CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_HYPERVISOR |
		       ((VMCB64(&s->vmcb, VMCB_CR4) & CR4_OSXSAVE) ? CPUID1_ECX_OSXSAVE : 0u);
		r[3] = (n > 1 ? r[3] | CPUID1_EDX_HTT : r[3] & ~CPUID1_EDX_HTT) & ~CPUID_EDX_MCE_MTRR_MCA;
		break;
	case 0xb:               /* x2APIC topology: one thread per core, n cores */
		r[0] = sub == 1 ? 8u : 0u;
		r[1] = sub == 0 ? 1u : sub == 1 ? n : 0u;
		r[2] = sub < 2 ? (sub + 1) << 8 | sub : sub;
		r[3] = id;
		break;
	case 0x40000000u:       /* hypervisor vendor: "TesseraTessr"; leaves up to 0x40000010 */
		r[0] = 0x40000010u;
		r[1] = 0x73736554u;
		r[2] = 0x54617265u;
		r[3] = 0x72737365u;
		break;
	case 0x40000010u:       /* timing, as other hypervisors give it: TSC and APIC timer in kHz */
		r[0] = (uint32_t)x86_tsc_khz();
		r[1] = (uint32_t)(tessera_board.lapic_timer_hz / 1000u);
		r[2] = r[3] = 0;
		break;
	case 0x80000001u:
		r[2] &= ~CPUID81_ECX_SVM;
		r[3] &= ~CPUID_EDX_MCE_MTRR_MCA;
		break;
	case 0x80000008u:       /* NC: cores - 1; ApicIdCoreIdSize: 8 bits */
		r[2] = (r[2] & ~0xf0ffu) | 8u << 12 | ((n - 1) & 0xffu);
		break;
	case 0x8000000au:       /* SVM features: none */
	case 0x8000001eu:       /* extended APIC id and topology */
		r[0] = leaf == 0x8000001eu ? id : 0;
		r[1] = r[2] = r[3] = 0;
		break;
	default:
		if (leaf >= 0x40000000u && leaf < 0x80000000u)
			r[0] = r[1] = r[2] = r[3] = 0;
		break;
	}
	VMCB64(&s->vmcb, VMCB_RAX) = r[0];
	s->regs.gpr[RBX] = r[1];
	s->regs.gpr[RCX] = r[2];
	s->regs.gpr[RDX] = r[3];
	skip_insn(s, 2);
}

/* A port the partition's own power interface owns: returns true if handled. */
static bool power_port(uint16_t port, uint32_t value)
{
	if (port == GUEST_DEBUG_EXIT)
		core_vm_stop("isa-debug-exit");
	if (port == GUEST_RESET_CONTROL && (value & GUEST_RESET_CPU))
		core_vm_reset("reset through port 0xcf9");
	if (port == GUEST_KBC_COMMAND && (value & 0xffu) == GUEST_KBC_PULSE_RESET)
		core_vm_reset("reset through the keyboard controller");
	return port == GUEST_RESET_CONTROL || port == GUEST_KBC_COMMAND;
}

/* Reads of those ports: the reset control register holds no request, the
 * 8042's status says both buffers are empty (its input buffer empty is what
 * Linux waits for before the reset command). */
static bool power_port_read(uint16_t port, uint64_t *value)
{
	if (port != GUEST_RESET_CONTROL && port != GUEST_KBC_COMMAND)
		return false;
	*value = 0;
	return true;
}

void ioio_port(uint16_t port, unsigned size, bool in, uint64_t *value)
{
	if (in) {
		if (!acpi_pm_read(port, value) && !power_port_read(port, value) &&
		    !core_mmio(X86_IO_PORT(port), size, false, value))
			*value = ~0ull;
	} else if (!power_port(port, (uint32_t)*value) && !acpi_pm_write(port, *value)) {
		(void)core_mmio(X86_IO_PORT(port), size, true, value);
	}
}

/* IN and OUT: the emulated devices on ports (the core's 16550), the power
 * ports; anything else is denied (a read gives all ones, a write is
 * dropped). INS/OUTS: string_io.c. */
static void do_ioio(struct svm_vcpu *s)
{
	uint64_t info = VMCB64(&s->vmcb, VMCB_EXITINFO1);
	uint16_t port = (uint16_t)(info >> IOIO_PORT_SHIFT);
	unsigned size = (info >> IOIO_SZ_SHIFT) & 1u ? 1u : (info >> IOIO_SZ_SHIFT) & 2u ? 2u : 4u;
	uint64_t mask = (1ull << (size * 8)) - 1, value;

	if (info & IOIO_STR) {
		string_io(s, port);
		return;
	}
	core_guest_progress();
	if (info & IOIO_TYPE_IN) {
		ioio_port(port, size, true, &value);
		VMCB64(&s->vmcb, VMCB_RAX) = (VMCB64(&s->vmcb, VMCB_RAX) & ~mask) | (value & mask);
	} else {
		value = VMCB64(&s->vmcb, VMCB_RAX) & mask;
		ioio_port(port, size, false, &value);
	}
	skip_insn(s, (unsigned)(VMCB64(&s->vmcb, VMCB_EXITINFO2) - VMCB64(&s->vmcb, VMCB_RIP)));
}

/* RDMSR/WRMSR: EFER (SVME hidden and kept), PAT, the local APIC's (base,
 * x2APIC registers, TSC deadline: vlapic.c), the MSRs VMRUN leaves live in the CPU (the
 * hypervisor never uses them, so the CPU's value is the guest's), those
 * the partition's config has emulated or denied (msr.c; the ones it owns
 * do not exit), AMD's two that read 0 (msr.c). Any other: #GP, as a CPU
 * without it would give. */
static void do_msr(struct svm_vcpu *s)
{
	bool write = VMCB64(&s->vmcb, VMCB_EXITINFO1) & 1u;
	uint32_t msr = (uint32_t)s->regs.gpr[RCX];
	uint64_t value = (uint32_t)VMCB64(&s->vmcb, VMCB_RAX) | s->regs.gpr[RDX] << 32;
	const uint64_t efer_guest = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

	switch (msr) {
	case MSR_EFER:
		if (write) {
			if (value & ~efer_guest) {
				guest_fault(s, "EFER write of reserved bits", value, X86_GP);
				return;
			}
			VMCB64(&s->vmcb, VMCB_EFER) = value | EFER_SVME;
		}
		value = VMCB64(&s->vmcb, VMCB_EFER) & ~EFER_SVME;
		break;
	case MSR_PAT:
		if (write)
			VMCB64(&s->vmcb, VMCB_G_PAT) = value;
		value = VMCB64(&s->vmcb, VMCB_G_PAT);
		break;
	case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SFMASK:
	case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
		if (write)
			wrmsr(msr, value);
		value = rdmsr(msr);
		break;
	default: {
		/* The config's rules (msr.c) first: an emulated MSR answers,
		 * a denied one gets #GP; the generator names none of the above
		 * or the local APIC's. */
		enum msr_answer answer = x86_msr_config(s->vc, msr, write, &value);
		if (answer == MSR_DENIED) {
			guest_fault(s, "an MSR its config denies", msr, X86_GP);
			return;
		}
		if (answer == MSR_UNNAMED && (!vlapic_has_msr(msr) || !vlapic_msr(s->vc, msr, write, &value)) &&
		    !x86_msr_read_as_zero(msr, &value)) {
			guest_fault(s, write ? "WRMSR of an MSR it does not have" : "RDMSR of an MSR it does not have",
				    msr, X86_GP);
			return;
		}
		break;
	}
	}
	core_guest_progress();
	if (!write) {
		VMCB64(&s->vmcb, VMCB_RAX) = (uint32_t)value;
		s->regs.gpr[RDX] = value >> 32;
	}
	skip_insn(s, 2);
}

/* VMMCALL: PSCI's power functions and Tessera's own (docs/hypercalls.md). */
static void do_vmmcall(struct svm_vcpu *s)
{
	uint32_t fn = (uint32_t)VMCB64(&s->vmcb, VMCB_RAX);
	long ret = HC_NOT_SUPPORTED;

	core_guest_progress();
	skip_insn(s, 3);
	switch (fn) {
	case PSCI_SYSTEM_OFF:
		core_vm_stop("SYSTEM_OFF");
	case PSCI_SYSTEM_RESET:
		core_vm_reset("SYSTEM_RESET");
	case PSCI_CPU_OFF:
		core_vcpu_off();
	default:
		(void)tessera_hypercall(fn, s->regs.gpr[RBX], &ret);
		break;
	}
	VMCB64(&s->vmcb, VMCB_RAX) = (uint64_t)ret;
}

/* MOV to CR4 (0F 22 /4, a register operand; no decode assists): bits the
 * partition's CPU has are written, any other (VMXE, SMXE: no VMX or SMX
 * here; reserved ones) gets #GP, as on a CPU without them. Unchecked, a
 * reserved bit would make the next VMRUN fail. */
static void cr4_write(struct svm_vcpu *s)
{
	uint8_t b[X86_MAX_INSN];
	unsigned n = guest_fetch_insn(s, b), i = 0, rex = 0;

	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3))
		i++;
	if (i < n && (b[i] & 0xf0u) == 0x40)
		rex = b[i++];
	if (i + 3 > n || b[i] != 0x0f || b[i + 1] != 0x22 || ((b[i + 2] >> 3) & 7u) != 4 || (b[i + 2] >> 6) != 3) {
		guest_fault(s, "CR4 write not decoded", VMCB64(&s->vmcb, VMCB_RIP), X86_GP);
		return;
	}
	uint64_t value = gpr_read(s, (b[i + 2] & 7u) | ((rex & 1u) ? 8u : 0u));
	if (value & ~CR4_GUEST_BITS) {
		guest_fault(s, "CR4 write of bits the CPU lacks", value, X86_GP);
		return;
	}
	core_guest_progress();
	VMCB64(&s->vmcb, VMCB_CR4) = value;
	skip_insn(s, i + 3);
}

/* HLT: the pCPU waits until its vCPU has an interrupt it takes (an IPI,
 * its timer; with RFLAGS.IF clear none wakes it, as on hardware), an NMI
 * or INIT, or a kick (a power change, core_kicked). On a shared pCPU the
 * wait keeps the vCPU's window (nobody else runs in it) and ends with it:
 * the vCPU is switched out still at its HLT, which it executes again in
 * its next window, so leaving the window is no wake-up. */
static void do_hlt(struct svm_vcpu *s)
{
	core_guest_progress();
	while (!vlapic_wakes(s->vc, (VMCB64(&s->vmcb, VMCB_RFLAGS) & RFLAGS_IF) != 0)) {
		if (take_kick()) {
			core_kicked();
		} else {
			arch_wait();
			if (TESSERA_SCHEDULED)
				core_window_boundary(true);
		}
	}
	skip_insn(s, 1);
}

void svm_exit(struct svm_vcpu *s)
{
	uint32_t code = (uint32_t)VMCB64(&s->vmcb, VMCB_EXITCODE);

	/* An event whose delivery the exit interrupted (a #NPF on the guest's
	 * IDT or stack, say) is delivered again, as the CPU would have. */
	uint64_t pending = VMCB64(&s->vmcb, VMCB_EXITINTINFO);
	VMCB64(&s->vmcb, VMCB_EVENTINJ) = (pending & EVENT_VALID) ? pending : 0;
	switch (code) {
	case VMEXIT_VINTR:          /* the guest takes interrupts again: inject_interrupt */
	case VMEXIT_INTR:           /* taken at STGI (boot.S); a kick is seen by the caller */
	case VMEXIT_NMI:
		core_guest_progress();
		break;
	case VMEXIT_CPUID:
		core_guest_progress();
		do_cpuid(s);
		break;
	case VMEXIT_HLT:
		do_hlt(s);
		break;
	case VMEXIT_IOIO:
		do_ioio(s);
		break;
	case VMEXIT_MSR:
		do_msr(s);
		break;
	case VMEXIT_VMMCALL:
		do_vmmcall(s);
		break;
	case VMEXIT_SHUTDOWN:
		/* A triple fault: the vCPU's state is gone, the partition with it. */
		core_vm_fault("triple fault (shutdown)");
	case VMEXIT_INIT:
	case VMEXIT_INVD:
		guest_fault(s, code == VMEXIT_INIT ? "INIT signal" : "INVD", code, X86_GP);
		break;
	case VMEXIT_VMRUN: case VMEXIT_VMLOAD: case VMEXIT_VMSAVE:
	case VMEXIT_STGI: case VMEXIT_CLGI: case VMEXIT_SKINIT: case VMEXIT_INVLPGA:
		guest_fault(s, "SVM instruction", code, X86_UD);
		break;
	case VMEXIT_NPF:
		npf_exit(s);
		break;
	case VMEXIT_IRET:
		iret_exit(s);
		break;
	case VMEXIT_DB:
		db_exit(s);
		break;
	case VMEXIT_CR4_WRITE:
		cr4_write(s);
		break;
	case VMEXIT_INVALID:
		/* The guest made its own state one VMRUN refuses (a combination
		 * of control bits no check here foresaw): its partition ends,
		 * nobody else's. */
		core_vm_fault("guest state VMRUN refuses (VMEXIT_INVALID)");
	default:
		guest_fault(s, "unexpected #VMEXIT", code, X86_GP);
		break;
	}
}
