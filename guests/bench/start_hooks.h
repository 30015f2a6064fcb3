/*
 * bench's hooks into guests/common/start.S (START_HOOKS in its Makefile):
 * a boot time stamp taken by the very first instructions, and vectors that
 * time-stamp their entry. main.c counts on where each stamp is taken.
 */
#include "bench.h"

/*
 * The first thing we do: read the physical counter (it counts from the
 * machine's reset) 17 times in a row. Under QEMU -icount shift=0 one
 * instruction is 1 ns and a tick 16 ns, so the reads hold a tick edge, and
 * where it falls gives the instruction count since reset exactly (main.c).
 * They stay in x1-x17 until the MMU is on, then go to boot_pct.
 */
.macro	boot_stamp_take
	.irp	r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17
	mrs	x\r, cntpct_el0
	.endr
.endm

.macro	boot_stamp_save
	adrp	x18, boot_pct
	add	x18, x18, :lo12:boot_pct
	stp	x1, x2, [x18, #8 * 0]
	stp	x3, x4, [x18, #8 * 2]
	stp	x5, x6, [x18, #8 * 4]
	stp	x7, x8, [x18, #8 * 6]
	stp	x9, x10, [x18, #8 * 8]
	stp	x11, x12, [x18, #8 * 10]
	stp	x13, x14, [x18, #8 * 12]
	stp	x15, x16, [x18, #8 * 14]
	str	x17, [x18, #8 * 16]
.endm

/*
 * In each vector, right after the frame is made and x0/x1 saved: stamp the
 * frame with CNTVCT (the vector's 3rd instruction) and, with pmu, PMCCNTR
 * (its 4th), else 0. Without pmu no PMU register is touched: it may not be
 * ours to use.
 */
.macro	vector_stamp pmu
	mrs	x0, cntvct_el0
	.if \pmu
	mrs	x1, pmccntr_el0
	.else
	mov	x1, #0
	.endif
	stp	x0, x1, [sp, #FRAME_STAMP_VCT]
.endm

#define START_ENTRY_HOOK	boot_stamp_take
#define START_MMU_ON_HOOK	boot_stamp_save
#define START_VECTOR_HOOK	vector_stamp 0
