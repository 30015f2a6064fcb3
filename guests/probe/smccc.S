/*
 * The probe's raw SMCCC calls: every register an SMCCC call may use, in and
 * out, so that the probe sees whatever a call changed.
 */
#include "probe.h"

/* void name(uint64_t r[SMCCC_REGS]): x0-x17 from r, the call instruction, x0-x17 back into r. */
	.macro	SMCCC_CALL name, insn, imm
	.globl	\name
\name:
	stp	x19, x30, [sp, #-16]!
	mov	x19, x0
	ldp	x0, x1, [x19, #16 * 0]
	ldp	x2, x3, [x19, #16 * 1]
	ldp	x4, x5, [x19, #16 * 2]
	ldp	x6, x7, [x19, #16 * 3]
	ldp	x8, x9, [x19, #16 * 4]
	ldp	x10, x11, [x19, #16 * 5]
	ldp	x12, x13, [x19, #16 * 6]
	ldp	x14, x15, [x19, #16 * 7]
	ldp	x16, x17, [x19, #16 * 8]
	\insn	#\imm
	stp	x0, x1, [x19, #16 * 0]
	stp	x2, x3, [x19, #16 * 1]
	stp	x4, x5, [x19, #16 * 2]
	stp	x6, x7, [x19, #16 * 3]
	stp	x8, x9, [x19, #16 * 4]
	stp	x10, x11, [x19, #16 * 5]
	stp	x12, x13, [x19, #16 * 6]
	stp	x14, x15, [x19, #16 * 7]
	stp	x16, x17, [x19, #16 * 8]
	ldp	x19, x30, [sp], #16
	ret
	.endm

	.text
	SMCCC_CALL smccc_hvc, hvc, 0
	SMCCC_CALL smccc_smc, smc, 0
	SMCCC_CALL smccc_hvc_imm, hvc, 0x5a5a
	SMCCC_CALL smccc_smc_imm, smc, 0xa5a5
