/*
 * bench, x86_64: the measured loops. Each runs n (rdi) iterations of
 *     1: mov %rsi, %rax; xor %ecx, %ecx; <operation>; dec %r8; jnz 1b
 * with rsi = arg (a hypercall or CPUID leaf in RAX, a subleaf of 0 in
 * RCX) and r10 = rdx = addr (an address, or a port in DX), and loop_empty
 * the same without the operation: their difference is the operation's
 * cost. VMMCALL returns in RAX, CPUID in RAX-RDX: the counter is in r8 and
 * RBX (callee-saved) is kept on the stack.
 */
#include "bench.h"

	.text

.macro	bench_loop name, op:vararg
	.globl	\name
	.type	\name, @function
	.balign	16
\name:
	push	%rbx
	mov	%rdi, %r8
	mov	%rdx, %r10
1:	mov	%rsi, %rax
	xor	%ecx, %ecx
	\op
	dec	%r8
	jnz	1b
	pop	%rbx
	ret
	.size	\name, . - \name
.endm

	bench_loop	loop_empty
	bench_loop	loop_nop, nop
	bench_loop	loop_vmmcall, vmmcall		/* RAX = arg: a hypercall */
	bench_loop	loop_cpuid, cpuid		/* RAX = arg: a leaf */
	bench_loop	loop_mov32, movl (%r10), %eax	/* an emulated device's register */
	bench_loop	loop_inb, inb %dx, %al		/* DX = the port */

/* write32_stamped(addr, value): RDTSC, then at once the write. */
	.globl	write32_stamped
	.type	write32_stamped, @function
	.balign	16
write32_stamped:
	rdtsc
	movl	%esi, (%rdi)
	shl	$32, %rdx
	or	%rdx, %rax
	ret
	.size	write32_stamped, . - write32_stamped

	.section .note.GNU-stack, "", @progbits
