/* The vCPU as arch/x86_64's SVM code keeps it (svm.c, svm_exit.c). */
#ifndef ARCH_X86_64_SVM_H
#define ARCH_X86_64_SVM_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/tables.h>
#include "insn.h"
#include "vmcb.h"

/* The guest's general registers by the instruction set's numbers. VMRUN
 * keeps RAX and RSP in the VMCB (gpr_read, gpr_write): their slots here
 * are unused. boot.S's svm_run knows this layout (register n at n * 8). */
enum gpr { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
struct guest_regs {
	uint64_t gpr[16];
};

struct svm_vcpu {
	struct vmcb vmcb;
	struct guest_regs regs;
	const struct vm_config *vm;
	const struct vcpu_config *vc;
};

/* The vCPU this pCPU runs now; vCPU vcpu's (an index into tessera_vcpus[]). */
struct svm_vcpu *this_vcpu(void);
struct svm_vcpu *svm_vcpu_of(unsigned vcpu);
/* Inject exception vector (with its error code) on the next VMRUN. */
void inject_exception(struct svm_vcpu *s, unsigned vector, bool has_error, uint32_t error);
/* Handle the #VMEXIT just taken (svm_exit.c). */
void svm_exit(struct svm_vcpu *s);

/* boot.S */
void svm_run(uint64_t vmcb_pa, struct guest_regs *regs);
void svm_vmload(uint64_t vmcb_pa);
void svm_vmsave(uint64_t vmcb_pa);
/* rsp = top (this CPU's stack top), then vcpu_loop(): never returns. */
_Noreturn void vcpu_loop_launch(uint8_t *top);
_Noreturn void vcpu_loop(void);


/* General register n in the instruction set's numbering (0 RAX, 1 RCX, 2
 * RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15). svm_exit.c. */
uint64_t gpr_read(struct svm_vcpu *s, unsigned n);
void gpr_write(struct svm_vcpu *s, unsigned n, uint64_t v);
/* The guest goes on after the intercepted instruction of len bytes. */
void skip_insn(struct svm_vcpu *s, unsigned len);
/* A nested page fault: emulated MMIO, or a fault of the guest. mmio.c. */
void npf_exit(struct svm_vcpu *s);
/* Up to 15 bytes of the instruction at the guest's CS:RIP, fetched as the
 * guest would (its paging); how many it got. mmio.c. */
unsigned guest_fetch_insn(struct svm_vcpu *s, uint8_t *bytes);
/* The guest-physical address of linear address la by the guest's own
 * paging, or false if it does not map it; the mode of its code segment
 * (enum x86_mode, insn.h). mmio.c. */
bool guest_translate(struct svm_vcpu *s, uint64_t la, uint64_t *gpa);
enum x86_mode code_mode(struct svm_vcpu *s);
/* One port access of an intercepted port (an IN: *value is what it
 * reads, all ones if denied; an OUT of *value): the partition's emulated
 * devices and power ports. svm_exit.c. */
void ioio_port(uint16_t port, unsigned size, bool in, uint64_t *value);
/* INS/OUTS, with or without REP: decoded and done element by element.
 * string_io.c. */
void string_io(struct svm_vcpu *s, uint16_t port);

/* Time partitioning (switch.c, TESSERA_SCHEDULED builds): a shared pCPU's
 * own set-up (svm_init_cpu), and a vCPU starting on it (arch_vcpu_enter):
 * none of the previous vCPU's state left in the CPU. */
void switch_init_cpu(void);
void switch_vcpu_entering(unsigned vcpu);

#endif
