/*
 * The guest's floating-point registers (F and D: f0-f31, fcsr), kept and
 * loaded by the vCPU switch of a shared hart (switch.c). The hypervisor is
 * built without F/D (arch.mk): only these two functions touch them, with
 * sstatus.FS not Off.
 */
#include <layout.h>     /* TESSERA_SCHEDULED where some hart is shared */
#ifdef TESSERA_SCHEDULED

	.option	push
	.option	arch, +d
	.text

/* fp_save(struct fp_regs *): f0-f31 at 8 * n, fcsr at 8 * 32. */
	.global	fp_save
fp_save:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fsd	f\n, \n * 8(a0)
	.endr
	frcsr	t0
	sd	t0, 32 * 8(a0)
	ret

/* fp_load(const struct fp_regs *) */
	.global	fp_load
fp_load:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fld	f\n, \n * 8(a0)
	.endr
	ld	t0, 32 * 8(a0)
	fscsr	t0
	ret

	.option	pop
#endif
