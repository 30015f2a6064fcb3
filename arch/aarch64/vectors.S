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
#include "sysreg.h"      /* ESR_EC_SHIFT, EC_HVC64 */

/*
 * A trap's frame in two parts. The caller-saved part, x0-x19 and x30 (x19
 * rides along in the pair with x18, for free): what a C call may change.
 * The rest: x20-x29, which C code keeps itself (AAPCS64), and ELR_EL2 and
 * SPSR_EL2, which stay live in the CPU while EL2 takes no exception (it
 * runs with DAIF masked; an exception at EL2 is a bug and stops, hyp_*).
 * A path that reads or writes a guest register by number among x20-x29
 * (an emulated load or store) needs those in the frame; one that moves the
 * guest's return state (an injected fault) or switches its vCPU out (the
 * frame is copied, switch.c) needs all of it. A path that saved only part
 * leaves the rest of the frame undefined and must neither read nor write
 * it; stopping or restarting the vCPU abandons the frame (frame_launch
 * starts afresh), which is allowed.
 */
.macro save_caller_saved
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
	str	x30, [sp, #FRAME_ELR - 8]
	mov	x0, sp
.endm

/* After save_caller_saved: the rest, x20-x29 and the return state (x2
 * and x3 are free). */
.macro save_x20_x29
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
.endm
.macro save_return_state
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [sp, #FRAME_ELR]
.endm
.macro save_rest
	save_x20_x29
	save_return_state
.endm

/* Every register: a trap from EL2 itself (arch_hyp_fault reads the frame). */
.macro save_frame
	save_caller_saved
	save_rest
.endm

.macro vector handler
	.balign	0x80
	b	\handler
.endm

/* The end of a vector that holds its handler's first part: the assembler
 * stops if that part outgrew the vector's 0x80 bytes (32 instructions). */
.macro vector_end n
	.org	el2_vectors + 0x80 * (\n + 1)
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
	vector_end 7

/*
 * Lower EL, AArch64: a trap from the guest. The synchronous one and the
 * interrupt begin in their vectors (no branch to reach them).
 *
 * A synchronous trap. HVC and trapped SMC (EC 0x16, 0x17: EC >> 1 is 0xb)
 * save only the caller-saved part and go straight to arch_trap_call: it
 * reads x0-x3 and writes x0 and ELR_EL2, nothing else of the frame, and no
 * hypercall switches its vCPU out (only an interrupt trap's window
 * boundary does, arch_trap_irq) or keeps the frame for later (CPU_OFF,
 * SYSTEM_OFF and the resets stop or restart the vCPU and abandon it;
 * CPU_ON of another vCPU, a doorbell, FEATURES... return). The other
 * classes go on in guest_sync_other.
 */
guest_sync:
	save_caller_saved
	mrs	x1, esr_el2
	ubfx	x2, x1, #ESR_EC_SHIFT + 1, #5
	cmp	x2, #EC_HVC64 >> 1
	b.ne	guest_sync_other
	bl	arch_trap_call
	b	guest_return_caller_saved
	vector_end 8

/*
 * An interrupt (a kick, a device's or the guest's timer, the maintenance
 * interrupt, the console). Without time partitioning it never switches the
 * vCPU out and reads no guest register: the caller-saved part is enough
 * (a kick that stops or restarts the vCPU abandons the frame). Where some
 * pCPU is shared, a window boundary saves the whole frame of the vCPU it
 * switches out (arch_vcpu_save): every register must be in it.
 */
guest_irq:
#ifdef TESSERA_SCHEDULED
	save_frame
	bl	arch_trap_irq
	b	guest_return
#else
	save_caller_saved
	bl	arch_trap_irq
	b	guest_return_caller_saved
#endif
	vector_end 9
	vector	guest_fiq
	vector	guest_serror
	vector	hyp_sync	/* lower EL, AArch32: never enabled (HCR_EL2.RW = 1) */
	vector	hyp_irq
	vector	hyp_fiq
	vector	hyp_serror
	vector_end 15

/*
 * Every class but HVC and SMC (x0 = the frame, x1 = ESR_EL2, x2 = EC >> 1).
 * A data abort of an A64 instruction whose syndrome names its
 * register (ISV) goes to arch_trap_mmio without the return state: an
 * emulated device's access writes no register but that one, and its
 * ELR_EL2 step (4) is made in the CPU. With that register one of the
 * caller-saved part, only that part is saved; one of x20-x29 is read or
 * written in the frame, so those ten are saved too, and restored. One no
 * device took needs the rest for its fault (arch_trap_abort: ELR and SPSR
 * move). EC >> 1 is 0x12 for EC 0x24 only here (0x25 is taken from EL2,
 * not through this vector).
 */
guest_sync_other:
	cmp	x2, #EC_DABT_LOW >> 1
	b.ne	1f
	tbz	x1, #ISS_ISV_BIT, 1f
	mrs	x3, spsr_el2
	tbnz	x3, #SPSR_M_AARCH32_BIT, 1f	/* AArch32 EL0: 16-bit T32, IT blocks (data_abort) */
	ubfx	x3, x1, #ISS_SRT_SHIFT, #5
	sub	x3, x3, #20
	cmp	x3, #10
	b.lo	2f				/* SRT 20-29 */
	bl	arch_trap_mmio
	cbnz	w0, guest_return_caller_saved
	save_rest
	b	3f
2:	save_x20_x29
	bl	arch_trap_mmio
	cbnz	w0, guest_return_x20_x29
	save_return_state
3:	mov	x0, sp
	mrs	x1, esr_el2
	bl	arch_trap_abort
	b	guest_return
1:	save_rest
	bl	arch_trap_sync
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
 * with a fresh frame at the top of the stack. guest_return_caller_saved:
 * the caller-saved part only (x20-x29, ELR_EL2 and SPSR_EL2 still hold the
 * guest's values); guest_return_x20_x29: that part and x20-x29. */
	.global guest_return
guest_return:
	ldp	x2, x3, [sp, #FRAME_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
guest_return_x20_x29:
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
guest_return_caller_saved:
	ldr	x30, [sp, #FRAME_ELR - 8]
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
