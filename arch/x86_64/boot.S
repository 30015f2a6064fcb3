/*
 * Entry (multiboot v1), long mode, the APs' real-mode trampoline, the
 * interrupt stubs and the way into and out of a guest (VMRUN).
 *
 * QEMU's multiboot loader enters _start on the boot CPU in 32-bit protected
 * mode, paging off, EAX = 0x2BADB002, EBX = its information block (not
 * used: everything comes from the generated tables). The other CPUs come
 * through trampoline_start (copied below 1 MiB, entered in real mode after
 * INIT-SIPI-SIPI) to ap_entry32. Both find their pCPU index by their local
 * APIC id (CPUID 1, EBX[31:24]) in tessera_pcpu_hw_id, turn on long mode
 * with the generated tables (CR3 = TESSERA_HYP_PT_ROOT, read-only: nothing
 * here writes a descriptor), take their stack and enter the core in C.
 */
#include <layout.h>

#define MULTIBOOT_MAGIC         0x1badb002
#define MULTIBOOT_FLAGS         0x00000003      /* page-aligned modules, memory info */

#define CR0_PE                  (1 << 0)
#define CR0_WP                  (1 << 16)
#define CR0_PG                  (1 << 31)
#define CR4_PAE                 (1 << 5)
#define MSR_EFER                0xc0000080
#define EFER_LME_NXE            ((1 << 8) | (1 << 11))

#define SEL_CODE64              0x08
#define SEL_DATA                0x10
#define SEL_CODE32              0x18

	.section .text.boot, "ax"
	.code32
	.balign	4
multiboot_header:
	.long	MULTIBOOT_MAGIC, MULTIBOOT_FLAGS, -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

	.global	_start
_start:
	cli
	mov	$1, %edi			/* the boot CPU */
	jmp	long_mode_on

/* An AP, from the trampoline: 32-bit protected mode, our GDT. */
	.global	ap_entry32
ap_entry32:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%edi, %edi			/* not the boot CPU */

/* EDI: 1 on the boot CPU. Paging on with the generated PML4, then 64-bit. */
long_mode_on:
	lgdt	gdt_ptr
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$TESSERA_HYP_PT_ROOT, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME_NXE, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$SEL_CODE64, $long_mode

	.code64
long_mode:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	/* Which physical CPU are we? Our APIC id in the generated table. */
	mov	$1, %eax
	cpuid
	shr	$24, %ebx
	lea	tessera_pcpu_hw_id(%rip), %rsi
	xor	%ecx, %ecx
1:	cmp	$TESSERA_NR_PCPUS, %ecx
	jae	unknown_cpu
	cmp	%rbx, (%rsi, %rcx, 8)
	je	2f
	inc	%ecx
	jmp	1b
2:	mov	%ecx, %r12d
	test	%edi, %edi
	jz	3f
	/* Clear .bss (the stacks are not in it) once, on the boot CPU. */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	cld
	rep stosb
	mov	$1, %edi
3:	/* rsp = the top of tessera_stacks[pcpu] */
	lea	1(%r12), %rax
	imul	$CONFIG_STACK_SIZE, %rax
	lea	tessera_stacks(%rip), %rsp
	add	%rax, %rsp
	mov	%edi, %eax
	mov	%r12d, %edi
	test	%eax, %eax
	jz	4f
	call	core_boot_main
4:	call	core_cpu_main

/* A CPU the board description does not know: never touch shared state. */
unknown_cpu:
	cli
	hlt
	jmp	unknown_cpu

/*
 * Interrupt and exception entry: each stub pushes an error code (0 where
 * the CPU pushes none) and its vector, then the caller-saved registers, and
 * calls x86_interrupt(frame). The hypervisor never uses a red zone or
 * SSE registers, so nothing else needs saving; no IST, no TSS: every
 * interrupt arrives at CPL 0 on the current stack.
 */
.macro	stub vector, has_error=0
	.balign	16
stub_\vector:
	.if	\has_error == 0
	push	$0
	.endif
	push	$\vector
	jmp	interrupt_common
	.pushsection .rodata.idt_stubs, "a"
	.quad	\vector, stub_\vector
	.popsection
.endm

	.text
	.pushsection .rodata.idt_stubs, "a"
	.balign	8
	.global	idt_stubs
idt_stubs:
	.popsection
	.irp	v, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 28, 31
	stub	\v
	.endr
	.irp	v, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
	stub	\v, 1
	.endr
	.irp	v, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47
	stub	\v				/* the I/O APIC's pins (ioapic.c) */
	.endr
	stub	0xf0
	stub	0xf1
	stub	0xff
	.pushsection .rodata.idt_stubs, "a"
	.quad	0, 0
	.popsection

interrupt_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi
	call	x86_interrupt
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp			/* vector, error code */
	iretq

/*
 * void svm_run(uint64_t vmcb_pa, struct guest_regs *regs): run the guest
 * until its next #VMEXIT. The guest's RAX, RSP and RIP live in its VMCB;
 * the other general registers in *regs (struct guest_regs, svm.h: register
 * n at n * 8). GIF is cleared before IF is set, so an
 * interrupt arriving after the last look at pending work is held until
 * VMRUN sets GIF and then exits the guest at once (INTR intercept); after
 * the #VMEXIT, STGI with IF set takes whatever physical interrupts are
 * pending (the kick and timer handlers), and CLI closes the window again.
 */
	.global	svm_run
svm_run:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rsi
	mov	%rdi, %rax
	mov	0x08(%rsi), %rcx
	mov	0x10(%rsi), %rdx
	mov	0x18(%rsi), %rbx
	mov	0x28(%rsi), %rbp
	mov	0x38(%rsi), %rdi
	mov	0x40(%rsi), %r8
	mov	0x48(%rsi), %r9
	mov	0x50(%rsi), %r10
	mov	0x58(%rsi), %r11
	mov	0x60(%rsi), %r12
	mov	0x68(%rsi), %r13
	mov	0x70(%rsi), %r14
	mov	0x78(%rsi), %r15
	mov	0x30(%rsi), %rsi
	clgi
	sti
	vmrun	%rax
	push	%rsi				/* the guest's */
	mov	8(%rsp), %rsi			/* regs */
	mov	%rcx, 0x08(%rsi)
	mov	%rdx, 0x10(%rsi)
	mov	%rbx, 0x18(%rsi)
	mov	%rbp, 0x28(%rsi)
	mov	%rdi, 0x38(%rsi)
	mov	%r8, 0x40(%rsi)
	mov	%r9, 0x48(%rsi)
	mov	%r10, 0x50(%rsi)
	mov	%r11, 0x58(%rsi)
	mov	%r12, 0x60(%rsi)
	mov	%r13, 0x68(%rsi)
	mov	%r14, 0x70(%rsi)
	mov	%r15, 0x78(%rsi)
	pop	%rax
	mov	%rax, 0x30(%rsi)
	pop	%rsi
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	stgi
	cli
	ret

/* vcpu_loop_launch(top): the vCPU's run loop (svm.c) on an empty stack;
 * whatever called this is abandoned. */
	.global	vcpu_loop_launch
vcpu_loop_launch:
	mov	%rdi, %rsp
	call	vcpu_loop
	ud2				/* vcpu_loop never returns */

/* vmload(vmcb_pa): the guest's FS, GS, TR, LDTR and syscall MSRs into the CPU. */
	.global	svm_vmload
svm_vmload:
	mov	%rdi, %rax
	vmload	%rax
	ret

/* vmsave(vmcb_pa): the same state out of the CPU into the VMCB (switch.c). */
	.global	svm_vmsave
svm_vmsave:
	mov	%rdi, %rax
	vmsave	%rax
	ret

/*
 * The GDT (read-only: each descriptor's accessed bit is preset, so the CPU
 * never writes it): 64-bit code, data, 32-bit code (the trampoline's).
 */
	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9b000000ffff		/* 0x08: code, L=1 */
	.quad	0x00cf93000000ffff		/* 0x10: data, 4 GiB */
	.quad	0x00cf9b000000ffff		/* 0x18: code, 32-bit */
gdt_end:
	.balign	8
	.word	0
gdt_ptr:
	.word	gdt_end - gdt - 1
	.quad	gdt

/*
 * The APs' start: copied to TRAMPOLINE_PA (arch.h) by the boot CPU, entered
 * in real mode at CS = TRAMPOLINE_PA >> 4, IP = 0 after the STARTUP IPI.
 * Never executed where it is linked (it is data here).
 */
	.section .rodata
	.global	trampoline_start, trampoline_end
	.balign	16
	.code16
trampoline_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	(tramp_gdt_ptr - trampoline_start)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap_entry32
	.balign	8
tramp_gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt
trampoline_end:
	.code64
	.section .note.GNU-stack, "", @progbits
