/*
 * Entry code of the guests under guests/, riscv64: boot and secondary entry
 * points, per-vCPU stacks, the trap vector. The C side's part is in
 * start.h. No MMU: the guests run on physical (guest-physical) addresses.
 */
#include "start.h"

	.section .text.head, "ax"
	.globl	_start
_start:
	/* a0 = hart id, a1 = DTB */
	csrw	sie, zero		/* nothing interrupts us unless we ask */
	csrci	sstatus, 2		/* SIE */
	mv	s0, a0
	mv	s1, a1
	la	sp, boot_stack_top
	la	t0, trap_vector
	csrw	stvec, t0
	li	tp, -1			/* this_vcpu(): unknown until boot_main reads /cpus */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	sd	zero, 8(t0)		/* the linker script keeps .bss 16-byte aligned */
	addi	t0, t0, 16
	j	1b
2:	fence	rw, rw
	mv	a0, s1
	mv	a1, s0
	call	boot_main
	j	park

	.text
/*
 * SBI HSM hart_start entry point: a0 = hart id, a1 = opaque = our vCPU
 * index, MMU off. The boot vCPU wrote everything we read before hart_start.
 */
	.globl	secondary_entry
secondary_entry:
	csrw	sie, zero
	li	t0, MAX_VCPUS
	bgeu	a1, t0, park		/* no stack for it: nothing safe to do */
	la	sp, vcpu_stacks
	addi	t1, a1, 1
	slli	t1, t1, STACK_SHIFT
	add	sp, sp, t1		/* top of this vCPU's stack */
	la	t0, trap_vector
	csrw	stvec, t0
	mv	tp, a1
	mv	s0, a0
	mv	a0, a1
	mv	a1, s0
	call	secondary_main
/* Nothing left to do, for good: with every interrupt disabled nothing runs. */
park:
	csrw	sie, zero
	csrci	sstatus, 2
1:	wfi
	j	1b

/*
 * The trap vector (direct mode: 4-byte aligned). Every register is saved in
 * a struct trap_frame on the current stack, trap_handle is called with it,
 * and everything is restored with sepc from the frame (the handler moves it
 * past an instruction it dealt with).
 */
	.balign	4
trap_vector:
	addi	sp, sp, -TRAP_FRAME_SIZE
	sd	x1, 0(sp)
	sd	x3, 16(sp)
	sd	x4, 24(sp)
	sd	x5, 32(sp)
	sd	x6, 40(sp)
	sd	x7, 48(sp)
	sd	x8, 56(sp)
	sd	x9, 64(sp)
	sd	x10, 72(sp)
	sd	x11, 80(sp)
	sd	x12, 88(sp)
	sd	x13, 96(sp)
	sd	x14, 104(sp)
	sd	x15, 112(sp)
	sd	x16, 120(sp)
	sd	x17, 128(sp)
	sd	x18, 136(sp)
	sd	x19, 144(sp)
	sd	x20, 152(sp)
	sd	x21, 160(sp)
	sd	x22, 168(sp)
	sd	x23, 176(sp)
	sd	x24, 184(sp)
	sd	x25, 192(sp)
	sd	x26, 200(sp)
	sd	x27, 208(sp)
	sd	x28, 216(sp)
	sd	x29, 224(sp)
	sd	x30, 232(sp)
	sd	x31, 240(sp)
	addi	t0, sp, TRAP_FRAME_SIZE
	sd	t0, 8(sp)		/* the interrupted sp */
	csrr	t0, sepc
	sd	t0, 248(sp)
	csrr	t0, scause
	sd	t0, 256(sp)
	csrr	t0, stval
	sd	t0, 264(sp)
	mv	a0, sp
	call	trap_handle
	ld	t0, 248(sp)
	csrw	sepc, t0
	ld	x1, 0(sp)
	ld	x3, 16(sp)
	ld	x4, 24(sp)
	ld	x5, 32(sp)
	ld	x6, 40(sp)
	ld	x7, 48(sp)
	ld	x8, 56(sp)
	ld	x9, 64(sp)
	ld	x10, 72(sp)
	ld	x11, 80(sp)
	ld	x12, 88(sp)
	ld	x13, 96(sp)
	ld	x14, 104(sp)
	ld	x15, 112(sp)
	ld	x16, 120(sp)
	ld	x17, 128(sp)
	ld	x18, 136(sp)
	ld	x19, 144(sp)
	ld	x20, 152(sp)
	ld	x21, 160(sp)
	ld	x22, 168(sp)
	ld	x23, 176(sp)
	ld	x24, 184(sp)
	ld	x25, 192(sp)
	ld	x26, 200(sp)
	ld	x27, 208(sp)
	ld	x28, 216(sp)
	ld	x29, 224(sp)
	ld	x30, 232(sp)
	ld	x31, 240(sp)
	addi	sp, sp, TRAP_FRAME_SIZE
	sret

	.bss
	.balign	16
boot_stack:
	.skip	STACK_SIZE
boot_stack_top:
/* One stack per secondary, indexed by vCPU index (the boot vCPU has its own above). */
vcpu_stacks:
	.skip	STACK_SIZE * MAX_VCPUS

/* A guest with one vCPU has no secondary_main: a vCPU started anyway parks. */
	.text
	.weak	secondary_main
secondary_main:
	j	park
