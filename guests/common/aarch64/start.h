/*
 * The contract between guests/common/start.S and a guest's C code: stacks,
 * the identity map's RAM block, the exception frame, the functions each
 * side provides.
 */
#ifndef GUEST_START_H
#define GUEST_START_H

/* Per-vCPU stacks are reserved for this many; a guest's Makefile may say fewer. */
#ifndef MAX_VCPUS
#define MAX_VCPUS	8
#endif
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Guest RAM as far as we rely on it: the 1 GiB Normal block of the identity map. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL
/* The identity map covers [0, IDMAP_END): loads anywhere below it translate at stage 1. */
#define IDMAP_END	0x100000000UL
/* QEMU virt's PL011, until the device tree says otherwise. */
#define UART_DEFAULT_BASE	0x09000000UL

/*
 * Exception vector indexes (offset / 0x80) of exceptions taken from EL1
 * while on SP_EL1, which is how all our code runs.
 */
#define VECTOR_SYNC_EL1_SPX	4
#define VECTOR_IRQ_EL1_SPX	5

/*
 * Exception frame built by start.S: x0-x18, x29, x30, a pad to 16 bytes,
 * then two words for the guest's vector hook (START_VECTOR_HOOK, start.S).
 */
#define EXC_FRAME_SIZE	(24 * 8)
#define EXC_FRAME_HOOK	(22 * 8)	/* offset of the hook's two words */

#ifdef __ASSEMBLER__
/*
 * A table of EL1 exception vectors: 16 entries of 0x80 bytes (the caller
 * aligns it to 2 KiB). Each entry makes an exception frame on the current
 * stack, saves x0/x1 there, runs 'hook' (a macro invocation, or nothing: it
 * may use x0, x1 and the frame), then passes its index to exception_entry
 * in x0.
 */
.macro	vector_table hook:vararg
	.irp	idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	0x80
	sub	sp, sp, #EXC_FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	\hook
	mov	x0, #\idx
	b	exception_entry
	.endr
.endm

#else /* !__ASSEMBLER__ */
#include <stdint.h>

struct exc_frame {
	uint64_t x[19];		/* x0-x18 */
	uint64_t x29, x30, pad;
	uint64_t hook[2];	/* START_VECTOR_HOOK's, if it stores any */
};

/* start.S */
void secondary_entry(void);	/* PSCI CPU_ON entry point, x0 = context_id = vCPU index */

/* The guest's C code, called from start.S */
void boot_main(uintptr_t dtb);
void secondary_main(unsigned long vcpu);	/* optional: one-vCPU guests park */
/*
 * Any EL1 exception; frame holds the interrupted x0-x18, x29, x30. If it
 * returns (an IRQ, or an expected fault it dealt with after moving
 * ELR_EL1), start.S restores the registers and ERETs.
 */
void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame);
#endif

#endif
