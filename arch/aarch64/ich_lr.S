/*
 * ICH_LR<n>_EL2 by number (GICv3). An MRS or MSR names its register by a
 * constant, so each accessor branches into a table of two-instruction
 * entries, one per list register: five instructions where a switch took
 * ten. n is below 16 (the most ICH_VTR_EL2 reports).
 */
#if defined(CONFIG_GIC_V3)

#define EACH_LR(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
	op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)
#define READ_LR(n)  mrs x0, ICH_LR##n##_EL2 ; ret ;
#define WRITE_LR(n) msr ICH_LR##n##_EL2, x1 ; ret ;

	.text
/* uint64_t ich_lr_read(unsigned n) */
	.global ich_lr_read
ich_lr_read:
	and	x0, x0, #15
	adr	x1, 1f
	add	x1, x1, x0, lsl #3
	br	x1
1:	EACH_LR(READ_LR)

/* void ich_lr_write(unsigned n, uint64_t value) */
	.global ich_lr_write
ich_lr_write:
	and	x0, x0, #15
	adr	x2, 1f
	add	x2, x2, x0, lsl #3
	br	x2
1:	EACH_LR(WRITE_LR)

#endif
