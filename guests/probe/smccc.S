/*
 * The probe's raw SMCCC calls (and, at the end, trapped accesses): every
 * register an SMCCC call may use, in and out, so that the probe sees
 * whatever a call changed; and x18-x29, which
 * an SMC64/HVC64 call must preserve (SMCCC, DEN 0028: the hypervisor's
 * trap may save only what its C code changes, and must still keep these).
 * x30 holds r across the call (SMCCC preserves it too; were it lost, the
 * results would not land in r).
 */
#include "probe.h"

/* x0-x29 to or from r at base (op: ldp or stp). */
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

/* void name(uint64_t r[SMCCC_REGS]): x0-x29 from r, up to four
 * instructions (each quoted), x0-x29 back into r. */
	.macro	REGS_AROUND name, i1, i2, i3, i4
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
	\i1
	\i2
	\i3
	\i4
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
	REGS_AROUND smccc_hvc, "hvc #0"
	REGS_AROUND smccc_smc, "smc #0"
	REGS_AROUND smccc_hvc_imm, "hvc #0x5a5a"
	REGS_AROUND smccc_smc_imm, "smc #0xa5a5"

/*
 * mmio_load_x5, mmio_load_x25: one 32-bit load from an emulated register
 * (its address in x6, resp. x26) into x5, resp. x25. The hypervisor
 * emulates a load into x0-x19 with only the registers a C call may change
 * saved, and one into x20-x29 with all of them; either way only the
 * destination may change.
 */
	REGS_AROUND mmio_load_x5, "ldr w5, [x6]"
	REGS_AROUND mmio_load_x25, "ldr w25, [x26]"

/*
 * cval_x26_x5, cval_x6_x25: CNTP_CVAL_EL0, which the hypervisor traps and
 * does for the guest, written from one part of its trap frame and read
 * back into the other, with the timer off (CNTP_CTL_EL0 from XZR).
 */
	REGS_AROUND cval_x26_x5, "msr cntp_ctl_el0, xzr", "msr cntp_cval_el0, x26", "mrs x5, cntp_cval_el0"
	REGS_AROUND cval_x6_x25, "msr cntp_ctl_el0, xzr", "msr cntp_cval_el0, x6", "mrs x25, cntp_cval_el0"

/*
 * irq_wait: with junk in every register, wait until the EL1 virtual
 * timer's interrupt has been taken: the hypervisor takes it first (its
 * IRQ vector saves only the caller-saved part), then the probe's handler,
 * whose vtimer_stop clears CNTV_CTL_EL0.ENABLE and so ends the wait. x30
 * is the loop's scratch, kept on the stack meanwhile.
 */
	REGS_AROUND irq_wait, "str x30, [sp, #-16]!", "1: mrs x30, cntv_ctl_el0", "tbnz x30, #0, 1b", \
		"ldr x30, [sp], #16"
