/*
 * probe entry code: boot and secondary entry points, per-vCPU stacks, the
 * EL1 identity map + MMU enable, exception vectors and the SMCCC calls.
 * Adapted from guests/ticker/start.S.
 *
 * Boot contract (arm64 Linux boot protocol): loaded at 0x40080000, entered
 * at EL1 with MMU and caches off, DAIF masked, x0 = DTB physical address.
 * A secondary vCPU enters secondary_entry (PSCI CPU_ON) with x0 = its index.
 */
#include "probe.h"

/* MAIR_EL1: Attr0 = Device-nGnRE, Attr1 = Normal, inner/outer write-back RW-allocate */
#define MAIR_ATTR_DEVICE_nGnRE	0x04
#define MAIR_ATTR_NORMAL_WB	0xff
#define ATTR_IDX_DEVICE		0
#define ATTR_IDX_NORMAL		1
#define MAIR_VALUE	(MAIR_ATTR_DEVICE_nGnRE << (8 * ATTR_IDX_DEVICE) | \
			 MAIR_ATTR_NORMAL_WB << (8 * ATTR_IDX_NORMAL))

/* TCR_EL1: TTBR0 covers 4 GiB (T0SZ = 32), 4K granule, level 1 start. */
#define TCR_T0SZ(n)		((n) << 0)
#define TCR_IRGN0_WBWA		(1 << 8)
#define TCR_ORGN0_WBWA		(1 << 10)
#define TCR_SH0_INNER		(3 << 12)
#define TCR_TG0_4K		(0 << 14)
#define TCR_EPD1		(1 << 23)
#define TCR_TG1_4K		(2 << 30)
#define TCR_VALUE	(TCR_T0SZ(32) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | \
			 TCR_TG0_4K | TCR_EPD1 | TCR_TG1_4K)

/* Level 1 block descriptor fields (VMSAv8-64, stage 1) */
#define PTE_BLOCK		0x1
#define PTE_ATTRINDX(i)		((i) << 2)
#define PTE_AP_RW_EL1		(0 << 6)
#define PTE_SH_INNER		(3 << 8)
#define PTE_AF			(1 << 10)
#define PTE_PXN			(1 << 53)
#define PTE_UXN			(1 << 54)

/* Everything outside [1G, 2G): Device, never executable. Every address the
 * probe attacks there reaches stage 2 as a plain load or store. */
#define PTE_DEVICE	(PTE_BLOCK | PTE_ATTRINDX(ATTR_IDX_DEVICE) | PTE_AP_RW_EL1 | PTE_AF | \
			 PTE_PXN | PTE_UXN)
/* [1G, 2G): Normal memory, all of it, also past the probe's RAM (there stage 2
 * decides). Executable: the probe runs there. */
#define PTE_NORMAL	(PTE_BLOCK | PTE_ATTRINDX(ATTR_IDX_NORMAL) | PTE_AP_RW_EL1 | \
			 PTE_SH_INNER | PTE_AF | PTE_UXN)

#define SCTLR_M		(1 << 0)
#define SCTLR_C		(1 << 2)
#define SCTLR_SA	(1 << 3)
#define SCTLR_I		(1 << 12)
#define SCTLR_RES1	((1 << 11) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 28) | (1 << 29))
#define SCTLR_VALUE	(SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I)

#define IMAGE_FLAGS		(1 << 1)	/* little-endian, 4K pages */

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary_entry		// code0
	.long	0			// code1
	.quad	0x80000			// text_offset
	.quad	_image_size		// image_size (read back by the probe: see main.c)
	.quad	IMAGE_FLAGS		// flags
	.quad	0, 0, 0			// res2, res3, res4
	.ascii	"ARM\x64"		// magic
	.long	0			// res5

primary_entry:
	mov	x19, x0			// DTB address
	msr	spsel, #1
	adrp	x0, stacks
	add	x0, x0, :lo12:stacks
	add	x0, x0, #STACK_SIZE	// vCPU 0's stack: the first one
	mov	sp, x0
	bl	el1_setup

	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	mov	x0, x19
	bl	boot_main
	b	park

/* PSCI CPU_ON entry of the other vCPUs: x0 = context_id = vCPU index
 * (1 .. NR_CPUS - 1). The stacks live outside .bss: vCPU 0 clears .bss
 * while nobody else runs, and a vCPU started again later must not wipe it. */
	.globl	secondary_entry
secondary_entry:
	mov	x19, x0
	msr	spsel, #1
	cmp	x19, #NR_CPUS
	b.hs	park
	cbz	x19, park
	adrp	x0, stacks
	add	x0, x0, :lo12:stacks
	add	x1, x19, #1
	mov	x2, #STACK_SIZE
	madd	x0, x1, x2, x0		// top of stack x19
	mov	sp, x0
	bl	el1_setup
	mov	x0, x19
	bl	secondary_main
park:
	msr	daifset, #0xf
	wfi
	b	park

	.text
/* Vectors, MAIR, TCR, the identity map, MMU and caches on. Uses x0 only. */
el1_setup:
	adr	x0, vectors
	msr	vbar_el1, x0
	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_VALUE
	msr	tcr_el1, x0
	adrp	x0, idmap_l1
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	ldr	x0, =SCTLR_VALUE
	msr	sctlr_el1, x0
	isb
	ret

/* long psci_call(fn, a1, a2, a3): SMC Calling Convention; conduit from /psci. */
	.globl	psci_call
psci_call:
	adrp	x8, psci_use_smc
	ldrb	w8, [x8, :lo12:psci_use_smc]
	cbnz	w8, 1f
	hvc	#0
	ret
1:	smc	#0
	ret

/*
 * void name(uint64_t r[18]): x0-x17 from r, the call instruction, x0-x17
 * back into r, so that the caller sees every register the call changed.
 */
	.macro	SMCCC_CALL name, insn, imm
	.globl	\name
\name:
	stp	x19, x30, [sp, #-16]!
	mov	x19, x0
	ldp	x0, x1, [x19, #16 * 0]
	ldp	x2, x3, [x19, #16 * 1]
	ldp	x4, x5, [x19, #16 * 2]
	ldp	x6, x7, [x19, #16 * 3]
	ldp	x8, x9, [x19, #16 * 4]
	ldp	x10, x11, [x19, #16 * 5]
	ldp	x12, x13, [x19, #16 * 6]
	ldp	x14, x15, [x19, #16 * 7]
	ldp	x16, x17, [x19, #16 * 8]
	\insn	#\imm
	stp	x0, x1, [x19, #16 * 0]
	stp	x2, x3, [x19, #16 * 1]
	stp	x4, x5, [x19, #16 * 2]
	stp	x6, x7, [x19, #16 * 3]
	stp	x8, x9, [x19, #16 * 4]
	stp	x10, x11, [x19, #16 * 5]
	stp	x12, x13, [x19, #16 * 6]
	stp	x14, x15, [x19, #16 * 7]
	stp	x16, x17, [x19, #16 * 8]
	ldp	x19, x30, [sp], #16
	ret
	.endm

	SMCCC_CALL smccc_hvc, hvc, 0
	SMCCC_CALL smccc_smc, smc, 0
	SMCCC_CALL smccc_hvc_imm, hvc, 0x5a5a
	SMCCC_CALL smccc_smc_imm, smc, 0xa5a5

/* EL1 exception vectors: 16 entries of 0x80 bytes, table 2 KiB aligned. */
	.balign	2048
vectors:
	.irp	idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	0x80
	sub	sp, sp, #EXC_FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	mov	x0, #\idx
	b	exception_entry
	.endr

exception_entry:
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x29, [sp, #16 * 9]
	str	x30, [sp, #16 * 10]
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	bl	exception_handle
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x29, [sp, #16 * 9]
	ldr	x30, [sp, #16 * 10]
	add	sp, sp, #EXC_FRAME_SIZE
	eret

	.ltorg

/* The identity map: one level 1 table, four 1 GiB blocks (4 GiB of TTBR0). */
	.section .rodata
	.balign	4096
idmap_l1:
	.quad	0x00000000 | PTE_DEVICE
	.quad	0x40000000 | PTE_NORMAL
	.quad	0x80000000 | PTE_DEVICE
	.quad	0xc0000000 | PTE_DEVICE

/* Stacks: in .data's segment but not .bss (see secondary_entry). */
	.section .stacks, "aw", %nobits
	.balign	16
	.globl	stacks
stacks:
	.skip	STACK_SIZE * NR_CPUS
