/*
 * The probe's raw SMCCC calls: every register an SMCCC call may use, in and
 * out, so that the probe sees whatever a call changed; and x18-x29, which
 * an SMC64/HVC64 call must preserve (SMCCC, DEN 0028: the hypervisor's
 * trap may save only what its C code changes, and must still keep these).
 * x30 holds r across the call (SMCCC preserves it too; were it lost, the
 * results would not land in r).
 */
#include "probe.h"

/* void name(uint64_t r[SMCCC_REGS]): x0-x29 from r, the call instruction, x0-x29 back into r. */
	.macro	SMCCC_REGS_AT base, op
	\op	x0, x1, [\base, #16 * 0]
	\op	x2, x3, [\base, #16 * 1]
	\op	x4, x5, [\base, #16 * 2]
	\op	x6, x7, [\base, #16 * 3]
	\op	x8, x9, [\base, #16 * 4]
	\op	x10, x11, [\base, #16 * 5]
	\op	x12, x13, [\base, #16 * 6]
	\op	x14, x15, [\base, #16 * 7]
	\op	x16, x17, [\base, #16 * 8]
	\op	x18, x19, [\base, #16 * 9]
	\op	x20, x21, [\base, #16 * 10]
	\op	x22, x23, [\base, #16 * 11]
	\op	x24, x25, [\base, #16 * 12]
	\op	x26, x27, [\base, #16 * 13]
	\op	x28, x29, [\base, #16 * 14]
	.endm

	.macro	SMCCC_CALL name, insn, imm
	.globl	\name
\name:
	stp	x29, x30, [sp, #-96]!		/* the C caller's x19-x29 and return */
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mov	x30, x0
	SMCCC_REGS_AT x30, ldp
	\insn	#\imm
	SMCCC_REGS_AT x30, stp
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret
	.endm

	.text
	SMCCC_CALL smccc_hvc, hvc, 0
	SMCCC_CALL smccc_smc, smc, 0
	SMCCC_CALL smccc_hvc_imm, hvc, 0x5a5a
	SMCCC_CALL smccc_smc_imm, smc, 0xa5a5
