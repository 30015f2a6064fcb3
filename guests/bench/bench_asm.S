/*
 * The measured code, in assembly so that the instruction counts are fixed
 * by this file and not by the compiler; the vectors that stamp PMCCNTR
 * too; where the boot stamp goes.
 */
#include "start_hooks.h"

#define ICC_SGI1R_EL1	S3_0_C12_C11_5

/*
 * void NAME(uint64_t n, uint64_t arg, uint64_t addr): n iterations of
 *     1: mov x0, arg ; OP ; subs ; b.ne 1b
 * (arg in x20, addr in x21). loop_empty has no OP, so that
 * (NAME - loop_empty) / n is what OP costs, its own instruction included.
 * x0 is reloaded every time because a PSCI call returns its result there;
 * the counter sits in a callee-saved register for the same reason (SMCCC
 * 1.0 lets the callee clobber x4-x17).
 */
.macro	bench_loop name, op:vararg
	.globl	\name
	.balign	64
\name:
	stp	x19, x20, [sp, #-32]!
	str	x21, [sp, #16]
	mov	x19, x0
	mov	x20, x1
	mov	x21, x2
	cbz	x19, 2f
1:	mov	x0, x20
	\op
	subs	x19, x19, #1
	b.ne	1b
2:	ldr	x21, [sp, #16]
	ldp	x19, x20, [sp], #32
	ret
.endm

	.text
	bench_loop loop_empty
	bench_loop loop_nop, nop
	bench_loop loop_hvc, hvc #0
	bench_loop loop_smc, smc #0
	bench_loop loop_ldr32, ldr w1, [x21]
	bench_loop loop_strb, strb w20, [x21]

/*
 * uint64_t sgi_send_stamped(uint64_t v, bool pmu): write v to ICC_SGI1R_EL1.
 * With pmu, PMCCNTR is read by the instruction right before the write and
 * returned, so the write itself happens one instruction later.
 */
	.globl	sgi_send_stamped
	.balign	64
sgi_send_stamped:
	dsb	ish			// the flags the SGI announces are visible first
	cbz	w1, 1f
	mrs	x1, pmccntr_el0
	msr	ICC_SGI1R_EL1, x0
	isb
	mov	x0, x1
	ret
1:	msr	ICC_SGI1R_EL1, x0
	isb
	mov	x0, #0
	ret

/*
 * void edge_sample[_pmu](uint64_t out[1 + EDGE_READS]): out[0] = PMCCNTR
 * (or 0), then EDGE_READS reads of CNTPCT, each the instruction right after
 * the one before. main.c finds the tick edge among them.
 */
.macro	edge_reads
	.irp	r, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18
	mrs	x\r, cntpct_el0
	.endr
	stp	x1, x2, [x0, #8 * 0]
	stp	x3, x4, [x0, #8 * 2]
	stp	x5, x6, [x0, #8 * 4]
	stp	x7, x8, [x0, #8 * 6]
	stp	x9, x10, [x0, #8 * 8]
	stp	x11, x12, [x0, #8 * 10]
	stp	x13, x14, [x0, #8 * 12]
	stp	x15, x16, [x0, #8 * 14]
	stp	x17, x18, [x0, #8 * 16]
	ret
.endm

	.globl	edge_sample_pmu
	.balign	64
edge_sample_pmu:
	isb
	mrs	x1, pmccntr_el0
	edge_reads

	.globl	edge_sample
	.balign	64
edge_sample:
	isb
	mov	x1, #0
	edge_reads

/*
 * The vectors for when the PMU is ours: the same as start.S's (whose hook
 * stamps 0 for PMCCNTR) but with PMCCNTR. vectors_use_pmu switches to them.
 */
	.balign	2048
vectors_pmu:
	vector_table vector_stamp 1

	.globl	vectors_use_pmu
vectors_use_pmu:
	adr	x0, vectors_pmu
	msr	vbar_el1, x0
	isb
	ret

/* In .data, not .bss: written before start.S clears .bss. */
	.data
	.balign	8
	.globl	boot_pct
boot_pct:
	.skip	8 * EDGE_READS
