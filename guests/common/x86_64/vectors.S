/* The x86_64 guests' exception and interrupt entry: vectors 0-31 and
 * 0x40-0x4f, each pushing an error
 * code (0 where the CPU pushes none) and its number, then the caller-saved
 * registers, then trap_handle(frame) (trap.c). */
.macro	stub vector, has_error=0
	.balign	16
stub_\vector:
	.if	\has_error == 0
	push	$0
	.endif
	push	$\vector
	jmp	trap_common
	.pushsection .rodata.trap_stubs, "a"
	.quad	stub_\vector
	.popsection
.endm

	.pushsection .rodata.trap_stubs, "a"
	.balign	8
	.global	trap_stubs
trap_stubs:
	.popsection
	.text
	.irp	v, 0, 1, 2, 3, 4, 5, 6, 7
	stub	\v
	.endr
	stub	8, 1
	stub	9
	.irp	v, 10, 11, 12, 13, 14
	stub	\v, 1
	.endr
	.irp	v, 15, 16
	stub	\v
	.endr
	stub	17, 1
	.irp	v, 18, 19, 20
	stub	\v
	.endr
	stub	21, 1
	.irp	v, 22, 23, 24, 25, 26, 27, 28
	stub	\v
	.endr
	stub	29, 1
	stub	30, 1
	stub	31
	/* interrupts: vectors 0x40-0x4f (trap.h IRQ_FIRST) */
	.irp	v, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f
	stub	\v
	.endr

trap_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi
	call	trap_handle
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
