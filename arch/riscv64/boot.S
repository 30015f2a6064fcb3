/*
 * HS-mode entry, the trap vector and the way back into the guest.
 *
 * OpenSBI (fw_dynamic) enters _start on the boot hart, whichever it picked,
 * with the MMU off, a0 = its hart id and a1 = QEMU's device tree (not
 * used: everything comes from the generated tables). Other harts arrive at
 * secondary_entry from SBI HSM hart_start with a0 = hart id, a1 = their
 * pCPU index. Each turns on the MMU with the generated Sv39 table, takes
 * its stack and enters the core in C; tp holds the pCPU index in HS mode.
 *
 * sscratch is 0 while the hypervisor runs and the top of this pCPU's stack
 * (its PCPU_AREA, holding the pCPU index) while its guest runs: the trap
 * vector tells a trap from the guest from one of its own by it.
 */
#include <layout.h>
#include "frame.h"

#define SATP_VALUE ((8 << 60) | (TESSERA_HYP_PT_ROOT >> 12))	/* Sv39 */

	.section .text.boot, "ax"
	.global	_start
_start:
	/* Which physical CPU are we? Look our hart id up in the generated table. */
	la	t0, tessera_pcpu_hw_id
	li	s1, 0
	li	t2, TESSERA_NR_PCPUS
1:	bgeu	s1, t2, unknown_cpu
	slli	t1, s1, 3
	add	t1, t1, t0
	ld	t1, 0(t1)
	beq	t1, a0, 2f
	addi	s1, s1, 1
	j	1b
2:	call	hs_mmu_on
	/* Clear .bss (the stacks are not in it) once. */
	la	t0, __bss_start
	la	t1, __bss_end
3:	bgeu	t0, t1, 4f
	sd	zero, 0(t0)
	sd	zero, 8(t0)
	addi	t0, t0, 16
	j	3b
4:	fence	rw, rw
	call	set_stack
	mv	a0, s1
	tail	core_boot_main

	.global	secondary_entry
secondary_entry:
	mv	s1, a1
	call	hs_mmu_on
	call	set_stack
	mv	a0, s1
	tail	core_cpu_main

/* A hart the board description does not know: never touch shared state. */
unknown_cpu:
	csrw	sie, zero
1:	wfi
	j	1b

/* sp = this CPU's stack top minus its PCPU_AREA, which holds the pCPU index
 * (s1); tp = the pCPU index; sscratch = 0 (the hypervisor runs). */
set_stack:
	la	t0, tessera_stacks
	addi	t1, s1, 1
	li	t2, CONFIG_STACK_SIZE
	mul	t1, t1, t2
	add	sp, t0, t1
	addi	sp, sp, -PCPU_AREA
	sd	s1, 0(sp)
	mv	tp, s1
	csrw	sscratch, zero
	ret

/* Sv39 translation with the generator's table; the trap vector. */
hs_mmu_on:
	la	t0, trap_vector
	csrw	stvec, t0
	csrw	sie, zero
	csrci	sstatus, 2			/* SIE: never set in HS mode */
	li	t0, SATP_VALUE
	sfence.vma
	csrw	satp, t0
	sfence.vma
	fence.i
	ret

/* The registers a C call may change (ra, t0-t6, a0-a7) and the ones it
 * keeps (s0-s11), saved to or loaded from a struct frame at sp (x2, sp
 * itself, and x0 are handled apart). */
#define CALLER_SAVED	1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
#define CALLEE_SAVED	8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
.macro	frame_regs op, regs:vararg
	.irp	r, \regs
	\op	x\r, \r * 8(sp)
	.endr
.endm

	.text
/*
 * The trap vector (direct mode). From the guest: switch to this pCPU's
 * stack, save the registers in a struct frame, arch_trap_guest(frame),
 * restore them. An SBI call (ECALL from VS) saves only the registers a C
 * call may change: the C code keeps s0-s11 itself, and no SBI call reads
 * or writes them, switches its vCPU out or needs them later (one that stops
 * or restarts the vCPU abandons the frame). Every other trap saves all and
 * leaves by guest_return, since an emulated load may write any register and
 * a window boundary switches the vCPU out. From HS mode itself (a probe
 * instruction that faulted, or a hypervisor bug): save a frame on the
 * current stack and call arch_trap_hyp, which returns only for a probe.
 */
#define CAUSE_VS_ECALL	10

/* After the registers: the guest's sp and sepc into the frame, this pCPU's
 * index into tp, and the frame as arch_trap_guest's argument. */
.macro	enter_hypervisor
	csrrw	t0, sscratch, zero	/* the guest's sp; the hypervisor runs now */
	sd	t0, 2 * 8(sp)
	sd	zero, 0(sp)
	csrr	t0, sepc
	sd	t0, FRAME_SEPC(sp)
	ld	tp, FRAME_SIZE(sp)	/* the pCPU index, in the PCPU_AREA */
	mv	a0, sp
.endm

/* Back to the guest: sepc, sscratch, then the registers named. */
.macro	leave_hypervisor regs:vararg
	ld	t0, FRAME_SEPC(sp)
	csrw	sepc, t0
	addi	t0, sp, FRAME_SIZE
	csrw	sscratch, t0		/* the PCPU_AREA: the next trap is the guest's */
	frame_regs ld, \regs
	ld	x2, 2 * 8(sp)
	sret
.endm

	.balign	4
trap_vector:
	csrrw	sp, sscratch, sp
	beqz	sp, hyp_trap
	addi	sp, sp, -FRAME_SIZE
	frame_regs sd, CALLER_SAVED
	csrr	t0, scause
	li	t1, CAUSE_VS_ECALL
	bne	t0, t1, trap_full
	enter_hypervisor
	call	arch_trap_guest
	leave_hypervisor CALLER_SAVED

trap_full:
	frame_regs sd, CALLEE_SAVED
	enter_hypervisor
	call	arch_trap_guest
	/* fall through */

/* Restore the frame at sp and enter the guest. */
	.global	guest_return
guest_return:
	leave_hypervisor CALLER_SAVED, CALLEE_SAVED

hyp_trap:
	csrrw	sp, sscratch, zero	/* our own sp back; sscratch 0 again */
	addi	sp, sp, -FRAME_SIZE
	frame_regs sd, CALLER_SAVED
	addi	t0, sp, FRAME_SIZE
	sd	t0, 2 * 8(sp)
	sd	zero, 0(sp)
	csrr	t0, sepc
	sd	t0, FRAME_SEPC(sp)
	mv	a0, sp
	call	arch_trap_hyp		/* callee-saved x8, x9, x18-x27 it keeps itself */
	ld	t0, FRAME_SEPC(sp)
	csrw	sepc, t0
	frame_regs ld, CALLER_SAVED
	addi	sp, sp, FRAME_SIZE
	sret

/* frame_launch(frame, pcpu_area): enter a guest with the registers in
 * *frame, leaving this CPU's stack empty but for a copy of them (the C
 * frames below are abandoned: the next trap starts afresh). */
	.global	frame_launch
frame_launch:
	addi	sp, a1, -FRAME_SIZE
	mv	t0, sp
	li	t1, FRAME_SIZE
1:	ld	t2, 0(a0)
	sd	t2, 0(t0)
	addi	a0, a0, 8
	addi	t0, t0, 8
	addi	t1, t1, -8
	bnez	t1, 1b
	j	guest_return

/* struct sbiret firmware_sbi(ext, fid, a0, a1, a2): an SBI call to OpenSBI. */
	.global	firmware_sbi
firmware_sbi:
	mv	a7, a0
	mv	a6, a1
	mv	a0, a2
	mv	a1, a3
	mv	a2, a4
	ecall
	ret

/*
 * Instructions that may fault, on purpose (arch_trap_hyp knows them by
 * address: probe_start..probe_end, each 4 bytes): a fault sets a0 to -1
 * and resumes after the instruction. The trap taken in HS mode rewrites
 * hstatus.SPV and sstatus.SPP, which still say where the guest's own trap
 * came from and so where the next sret goes: each probe puts them back.
 */
	.option	push
	.option	norvc
	.option	arch, +h
	.global	probe_start, probe_end
	.balign	4
probe_start:
/* long guest_fetch16(addr): hlvx.hu at the guest's addr, zero-extended. */
	.global	guest_fetch16
guest_fetch16:
	csrr	t0, hstatus
	csrr	t1, sstatus
	hlvx.hu	a0, (a0)
	csrw	hstatus, t0
	csrw	sstatus, t1
	ret
/* long probe_stimecmp(void): does the hart have Sstc? */
	.global	probe_stimecmp
probe_stimecmp:
	csrr	t1, sstatus
	li	a0, 0
	csrr	t0, stimecmp
	csrw	sstatus, t1
	ret
probe_end:
	.option	pop
