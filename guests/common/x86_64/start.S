/*
 * x86_64 guest entry (see start.h): the multiboot header, 32-bit entry,
 * long mode on an identity map, the APs' real-mode start code, stacks.
 */
#include "start.h"

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003

	.section .text.head, "ax"
	.code32
	.balign	4
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.global	_start
_start:
	cli
	mov	%ebx, %esi			/* the multiboot information */
	/* Clear .bss (page tables, stacks) on the boot vCPU only. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	cld
	rep stosb
	/* The identity map: PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs of 2 MiB pages. */
	mov	$pdpt, %eax
	or	$3, %eax
	mov	%eax, pml4
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$12, %eax
	add	$pd, %eax
	or	$3, %eax
	mov	%eax, pdpt(, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jb	1b
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax			/* P, RW, PS */
	mov	%eax, pd(, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax			/* the top bits of the 2 MiB page number */
	mov	%eax, pd + 4(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	2b
	mov	$1, %edi
	jmp	long_mode_on

	.global	ap_entry32
ap_entry32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%edi, %edi

long_mode_on:
	lgdt	gdt_ptr
	mov	%cr4, %eax
	or	$(1 << 5), %eax			/* PAE */
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax		/* PG, PE */
	mov	%eax, %cr0
	ljmp	$0x08, $long_mode

	.code64
long_mode:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$1, %eax
	cpuid
	shr	$24, %ebx			/* our APIC id; the ids are 0..n-1 */
	cmp	$MAX_VCPUS, %ebx
	jae	park
	lea	1(%rbx), %rax
	shl	$STACK_SHIFT, %rax
	lea	stacks(%rip), %rsp
	add	%rax, %rsp
	test	%edi, %edi
	jz	3f
	mov	%esi, %edi
	call	boot_main
	jmp	park
3:	mov	%rbx, %rdi
	mov	%rbx, %rsi
	call	secondary_main
park:
	cli
	hlt
	jmp	park

/* void ap_start_install(void): the real-mode code below, to AP_START. */
	.global	ap_start_install
ap_start_install:
	lea	ap_start(%rip), %rsi
	mov	$AP_START, %edi
	mov	$(ap_start_end - ap_start), %ecx
	cld
	rep movsb
	ret

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
	.quad	0x00cf9a000000ffff		/* 0x18: 32-bit code */
gdt_end:
	.balign	8
	.word	0
gdt_ptr:
	.word	gdt_end - gdt - 1
	.quad	gdt

/* Entered in real mode at CS = AP_START >> 4, IP = 0; copied there first. */
	.balign	16
	.code16
ap_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	(ap_gdt_ptr - ap_start)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x18, $ap_entry32
	.balign	8
ap_gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_start_end:
	.code64

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4 * 4096
	.balign	16
stacks:	.skip	MAX_VCPUS * STACK_SIZE
	.section .note.GNU-stack, "", @progbits
