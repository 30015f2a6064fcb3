/*
 * bench, riscv64: the measured loops. Each runs n (a0) iterations of
 *     1: mv a7, t1; li a6, 0; <operation>; addi t0, t0, -1; bnez t0, 1b
 * with t1 = arg (a1) and a2 = addr, and loop_empty the same without the
 * operation: their difference is the operation's cost. The counter is in
 * t0 because an SBI call returns in a0 and a1 and keeps every other
 * register.
 */
#include "bench.h"

	.text

.macro	bench_loop name, op:vararg
	.globl	\name
	.type	\name, %function
	.balign	4
\name:
	mv	t0, a0
	mv	t1, a1
1:	mv	a7, t1
	li	a6, 0
	\op
	addi	t0, t0, -1
	bnez	t0, 1b
	ret
	.size	\name, . - \name
.endm

	bench_loop	loop_empty
	bench_loop	loop_nop, nop
	bench_loop	loop_ecall, ecall			/* a7 = arg: an SBI extension, FID 0 */
	bench_loop	loop_lbu, lbu t2, 0(a2)			/* an emulated device's byte register */

/*
 * edge_sample(out): EDGE_PAIRS pairs (instret, time) read back to back into
 * out[2k], out[2k + 1]: five instructions a pair, so a tick of time (100
 * instructions at 10 MHz under -icount shift=0) has an edge among them,
 * placed to within a pair.
 */
	.globl	edge_sample
	.type	edge_sample, %function
	.balign	4
edge_sample:
	.rept	EDGE_PAIRS
	rdinstret	t0
	rdtime	t1
	sd	t0, 0(a0)
	sd	t1, 8(a0)
	addi	a0, a0, 16
	.endr
	ret
	.size	edge_sample, . - edge_sample
