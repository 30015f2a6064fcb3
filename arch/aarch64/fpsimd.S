/*
 * FP/SIMD registers of a vCPU switched out of a shared pCPU (switch.c):
 * fpsimd_save(struct fpsimd *), fpsimd_load(const struct fpsimd *), with
 * V0-V31 then FPCR, FPSR. The hypervisor's C never touches them
 * (-mgeneral-regs-only), so they hold the guest's from trap to return.
 */
#include "layout.h"      /* TESSERA_SCHEDULED where some pCPU is shared */
#ifdef TESSERA_SCHEDULED
	.arch	armv8-a+fp+simd
	.text

	.global fpsimd_save
fpsimd_save:
	stp	q0, q1, [x0, #32 * 0]
	stp	q2, q3, [x0, #32 * 1]
	stp	q4, q5, [x0, #32 * 2]
	stp	q6, q7, [x0, #32 * 3]
	stp	q8, q9, [x0, #32 * 4]
	stp	q10, q11, [x0, #32 * 5]
	stp	q12, q13, [x0, #32 * 6]
	stp	q14, q15, [x0, #32 * 7]
	stp	q16, q17, [x0, #32 * 8]
	stp	q18, q19, [x0, #32 * 9]
	stp	q20, q21, [x0, #32 * 10]
	stp	q22, q23, [x0, #32 * 11]
	stp	q24, q25, [x0, #32 * 12]
	stp	q26, q27, [x0, #32 * 13]
	stp	q28, q29, [x0, #32 * 14]
	stp	q30, q31, [x0, #32 * 15]
	mrs	x1, fpcr
	mrs	x2, fpsr
	add	x0, x0, #32 * 16
	stp	x1, x2, [x0]
	ret

	.global fpsimd_load
fpsimd_load:
	ldp	q0, q1, [x0, #32 * 0]
	ldp	q2, q3, [x0, #32 * 1]
	ldp	q4, q5, [x0, #32 * 2]
	ldp	q6, q7, [x0, #32 * 3]
	ldp	q8, q9, [x0, #32 * 4]
	ldp	q10, q11, [x0, #32 * 5]
	ldp	q12, q13, [x0, #32 * 6]
	ldp	q14, q15, [x0, #32 * 7]
	ldp	q16, q17, [x0, #32 * 8]
	ldp	q18, q19, [x0, #32 * 9]
	ldp	q20, q21, [x0, #32 * 10]
	ldp	q22, q23, [x0, #32 * 11]
	ldp	q24, q25, [x0, #32 * 12]
	ldp	q26, q27, [x0, #32 * 13]
	ldp	q28, q29, [x0, #32 * 14]
	ldp	q30, q31, [x0, #32 * 15]
	add	x0, x0, #32 * 16
	ldp	x1, x2, [x0]
	msr	fpcr, x1
	msr	fpsr, x2
	ret
#endif
