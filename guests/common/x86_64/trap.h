/* Exceptions of the x86_64 guests: an IDT for vectors 0-31, a fault a test
 * provokes on purpose (caught, the code resumes after it), and the report
 * of any other. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

#define TRAP_NONE	0xffffffffu
#define VEC_NMI		2u	/* an NMI goes to irq_handler too (no EOI for it) */
#define VEC_UD		6u
#define VEC_GP		13u
#define VEC_PF		14u

struct trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* Interrupts a guest may use: vectors IRQ_FIRST .. IRQ_FIRST + 15. */
#define IRQ_FIRST	0x40u
#define IRQ_COUNT	16u

/* Load the IDT (each vCPU). */
void trap_init(void);
/* Called for an interrupt (vector IRQ_FIRST..: the guest's; it sends the
 * EOI) and an NMI (VEC_NMI). */
extern void (*irq_handler)(unsigned vector);

/* A provoked fault: trap_resume is where the code goes on if the
 * instruction faults; trap_vector is the vector taken, or TRAP_NONE. */
extern volatile uint64_t trap_resume;
extern volatile uint32_t trap_vector;

/* Run `insn` (asm text, its operands as in the constraints) with a fault
 * caught: true if it faulted (the vector in trap_vector). */
#define TRY_INSN(insn, ...) ({                                                  \
	trap_vector = TRAP_NONE;                                                \
	__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, trap_resume(%%rip)\n\t" \
			 insn "\n1:\tmovq $0, trap_resume(%%rip)"                \
			 __VA_ARGS__);                                          \
	trap_vector != TRAP_NONE; })

#endif
