/* What an interrupt or exception taken by the hypervisor leaves on its
 * stack (boot.S's stubs: the CPU's SS, RSP, RFLAGS, CS, RIP, the error code
 * and vector, nine caller-saved registers): struct irq_frame in arch.h, and
 * what scripts/check.sh adds to a stack for each one. */
#ifndef ARCH_X86_64_FRAME_H
#define ARCH_X86_64_FRAME_H

#define FRAME_SIZE (16 * 8)

#endif
