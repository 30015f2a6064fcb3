/*
 * EL2 exception vectors. Traps from the guest (lower EL, AArch64) save its
 * general-purpose registers in a struct frame on this CPU's stack, call C,
 * restore and return. The guest's EL1 system registers stay live in the CPU:
 * a pCPU that runs one vCPU never switches them; a shared pCPU switches
 * them at window boundaries only (switch.c).
 * Exceptions taken from EL2 itself are hypervisor bugs: report and stop.
 */
#include "frame.h"
#include "layout.h"      /* TESSERA_SCHEDULED where some pCPU is shared */

.macro save_frame
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	mrs	x21, elr_el2
	mrs	x22, spsr_el2
	stp	x30, x21, [sp, #FRAME_ELR - 8]
	str	x22, [sp, #FRAME_SPSR]
	mov	x0, sp
.endm

.macro vector handler
	.balign	0x80
	b	\handler
.endm

	.text
	.balign	0x800
	.global el2_vectors
el2_vectors:
	vector	hyp_sync	/* current EL, SP_EL0 */
	vector	hyp_irq
	vector	hyp_fiq
	vector	hyp_serror
	vector	hyp_sync	/* current EL, SP_ELx */
	vector	hyp_irq
	vector	hyp_fiq
	vector	hyp_serror
	vector	guest_sync	/* lower EL, AArch64 */
	vector	guest_irq
	vector	guest_fiq
	vector	guest_serror
	vector	hyp_sync	/* lower EL, AArch32: never enabled (HCR_EL2.RW = 1) */
	vector	hyp_irq
	vector	hyp_fiq
	vector	hyp_serror

guest_sync:
	save_frame
	bl	arch_trap_sync
	b	guest_return
guest_irq:
	save_frame
	bl	arch_trap_irq
	b	guest_return
guest_fiq:
	save_frame
	bl	arch_trap_irq
	b	guest_return
guest_serror:
	save_frame
	bl	arch_trap_serror
	b	guest_return

/* Restore the frame at sp and enter the guest. arch_vcpu_enter jumps here
 * with a fresh frame at the top of the stack. */
	.global guest_return
guest_return:
	ldr	x22, [sp, #FRAME_SPSR]
	ldp	x30, x21, [sp, #FRAME_ELR - 8]
	msr	elr_el2, x21
	msr	spsr_el2, x22
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	add	sp, sp, #FRAME_SIZE
	eret

/* frame_launch(frame, stack_top): enter a guest with the registers in
 * *frame, leaving this CPU's stack empty but for a copy of them (the C
 * frames below are abandoned: the next trap starts afresh). */
	.global frame_launch
frame_launch:
	sub	sp, x1, #FRAME_SIZE
	mov	x2, sp
	mov	x3, #FRAME_SIZE
1:	ldp	x4, x5, [x0], #16
	stp	x4, x5, [x2], #16
	subs	x3, x3, #16
	b.ne	1b
	b	guest_return

#ifdef TESSERA_SCHEDULED
/* stack_call(fn, stack_top): call fn on this CPU's stack emptied (a
 * shared pCPU starting a window, switch.c); fn never returns. */
	.global stack_call
stack_call:
	mov	sp, x1
	br	x0
#endif

hyp_sync:
	save_frame
	mov	x1, #0
	b	arch_hyp_fault
hyp_irq:
	save_frame
	mov	x1, #1
	b	arch_hyp_fault
hyp_fiq:
	save_frame
	mov	x1, #2
	b	arch_hyp_fault
hyp_serror:
	save_frame
	mov	x1, #3
	b	arch_hyp_fault

/* long firmware_smc(fn, a1, a2, a3): an SMC to the firmware (PSCI). */
	.global firmware_smc
firmware_smc:
	smc	#0
	ret
