/*
 * Entry code of the guests under guests/: boot and secondary entry points,
 * per-vCPU stacks, the EL1 identity map + MMU enable and exception vectors
 * (IRQs included). The C side's part is in start.h.
 *
 * Boot contract (arm64 Linux boot protocol): loaded at 0x40080000, entered
 * at EL1 with MMU and caches off, DAIF masked, x0 = DTB physical address.
 */
#include "start.h"

/*
 * Hooks: a guest whose Makefile sets START_HOOKS (a header of its own,
 * included before this file) may define these as assembler macro
 * invocations; they are empty otherwise. bench uses them for its time
 * stamps, which must come at fixed instructions of the boot and of every
 * exception entry.
 *   START_ENTRY_HOOK   the first instructions of the boot entry point. It
 *                      may leave values in x1-x17: nothing here touches
 *                      them until after START_MMU_ON_HOOK.
 *   START_MMU_ON_HOOK  on the boot vCPU, right after the MMU and caches
 *                      are on, before .bss is cleared.
 *   START_VECTOR_HOOK  in every entry of the vectors el1_setup installs
 *                      (see vector_table in start.h).
 */
#ifndef START_ENTRY_HOOK
#define START_ENTRY_HOOK
#endif
#ifndef START_MMU_ON_HOOK
#define START_MMU_ON_HOOK
#endif
#ifndef START_VECTOR_HOOK
#define START_VECTOR_HOOK
#endif

/* MAIR_EL1: Attr0 = Device-nGnRE, Attr1 = Normal, inner/outer write-back RW-allocate */
#define MAIR_ATTR_DEVICE_nGnRE	0x04
#define MAIR_ATTR_NORMAL_WB	0xff
#define ATTR_IDX_DEVICE		0
#define ATTR_IDX_NORMAL		1
#define MAIR_VALUE	(MAIR_ATTR_DEVICE_nGnRE << (8 * ATTR_IDX_DEVICE) | \
			 MAIR_ATTR_NORMAL_WB << (8 * ATTR_IDX_NORMAL))

/*
 * TCR_EL1: TTBR0 covers 4 GiB (T0SZ = 32), 4K granule, so the walk starts at
 * level 1 with 1 GiB blocks. Walks are cacheable and inner shareable, like
 * the memory they describe. TTBR1 walks are disabled (EPD1): no upper half.
 * IPS = 0 (32-bit PA) covers everything we map.
 */
#define TCR_T0SZ(n)		((n) << 0)
#define TCR_IRGN0_WBWA		(1 << 8)
#define TCR_ORGN0_WBWA		(1 << 10)
#define TCR_SH0_INNER		(3 << 12)
#define TCR_TG0_4K		(0 << 14)
#define TCR_EPD1		(1 << 23)
#define TCR_TG1_4K		(2 << 30)	/* TG1 has its own encoding; 0 is reserved */
#define TCR_VALUE	(TCR_T0SZ(32) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | \
			 TCR_TG0_4K | TCR_EPD1 | TCR_TG1_4K)

/* Level 1 block descriptor fields (VMSAv8-64, stage 1) */
#define PTE_BLOCK		0x1
#define PTE_ATTRINDX(i)		((i) << 2)
#define PTE_AP_RW_EL1		(0 << 6)
#define PTE_SH_INNER		(3 << 8)
#define PTE_AF			(1 << 10)	/* set, or the first access faults */
#define PTE_PXN			(1 << 53)
#define PTE_UXN			(1 << 54)

/* [0, 1G): MMIO (GIC, UART, ...). Never executable: no speculative fetches from devices. */
#define PTE_DEVICE	(PTE_BLOCK | PTE_ATTRINDX(ATTR_IDX_DEVICE) | PTE_AP_RW_EL1 | PTE_AF | \
			 PTE_PXN | PTE_UXN)
/* [1G, 2G): RAM. Normal cacheable, so LDAXR/STXR work on it everywhere. */
#define PTE_NORMAL	(PTE_BLOCK | PTE_ATTRINDX(ATTR_IDX_NORMAL) | PTE_AP_RW_EL1 | \
			 PTE_SH_INNER | PTE_AF | PTE_UXN)

/*
 * SCTLR_EL1: written whole, as the boot state of the other bits is unknown.
 * RES1 bits of ARMv8.0 (11, 20, 22, 23, 28, 29), plus M (MMU), C (data
 * cache), SA (SP alignment check) and I (instruction cache). A = 0: no
 * alignment faults on Normal memory. EE = 0: little-endian.
 */
#define SCTLR_M		(1 << 0)
#define SCTLR_C		(1 << 2)
#define SCTLR_SA	(1 << 3)
#define SCTLR_I		(1 << 12)
#define SCTLR_RES1	((1 << 11) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 28) | (1 << 29))
#define SCTLR_VALUE	(SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I)

/* arm64 Image header flags: little-endian, 4K pages, place near the start of RAM */
#define IMAGE_FLAGS_LE		(0 << 0)
#define IMAGE_FLAGS_PAGE_4K	(1 << 1)
#define IMAGE_FLAGS		(IMAGE_FLAGS_LE | IMAGE_FLAGS_PAGE_4K)

	.section .text.head, "ax"
	.globl	_start
/*
 * arm64 Image header (Linux Documentation/arch/arm64/booting.rst), so that
 * loaders speaking the Linux boot protocol accept the image and place it at
 * RAM base + text_offset. Its first word is a branch, so the first byte of
 * the image is still the entry point for loaders that just jump there.
 */
_start:
	b	primary_entry		// code0
	.long	0			// code1
	.quad	0x80000			// text_offset: we are linked at RAM base + 0x80000
	.quad	_image_size		// image_size: whole footprint, .bss included
	.quad	IMAGE_FLAGS		// flags
	.quad	0, 0, 0			// res2, res3, res4
	.ascii	"ARM\x64"		// magic
	.long	0			// res5: no PE/COFF header

primary_entry:
	START_ENTRY_HOOK
	mov	x19, x0			// DTB address; x19 is callee-saved
	msr	spsel, #1		// run on SP_EL1
	adrp	x0, boot_stack_top
	add	x0, x0, :lo12:boot_stack_top
	mov	sp, x0
	bl	el1_setup
	START_MMU_ON_HOOK

	/*
	 * Clear .bss only now, with the data cache on: every write this vCPU
	 * makes then goes through the cache and no stale lines can hide it.
	 * Nothing is on the stack yet, so clearing it too is harmless.
	 */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16	// the linker script keeps .bss 16-byte aligned
	b	1b
2:
	mov	x0, x19
	bl	boot_main
	b	park

	.text
/*
 * PSCI CPU_ON entry point. x0 = context_id = our vCPU index, MMU off.
 * The boot vCPU wrote everything we read before calling CPU_ON.
 */
	.globl	secondary_entry
secondary_entry:
	mov	x19, x0
	msr	spsel, #1
	cmp	x19, #MAX_VCPUS
	b.hs	park			// no stack for it: nothing safe to do
	adrp	x0, vcpu_stacks
	add	x0, x0, :lo12:vcpu_stacks
	add	x1, x19, #1
	add	x0, x0, x1, lsl #STACK_SHIFT	// top of this vCPU's stack
	mov	sp, x0
	bl	el1_setup
	mov	x0, x19
	bl	secondary_main
/* Nothing left to do, for good: with DAIF masked no handler runs either. */
park:
	msr	daifset, #0xf
	wfi
	b	park

/*
 * Install the vectors and turn on the MMU with the shared identity map and
 * both caches. Leaf function: uses x0 only, no stack. Every vCPU runs it
 * before touching shared data, so all agree on memory attributes.
 */
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
	tlbi	vmalle1			// nothing cached from whoever ran here before
	ic	iallu			// nor stale instructions once the I-cache is on
	dsb	nsh
	isb
	ldr	x0, =SCTLR_VALUE
	msr	sctlr_el1, x0
	isb				// later instructions see the MMU on
	ret

/* EL1 exception vectors: the table must be 2 KiB aligned. */
	.balign	2048
vectors:
	vector_table START_VECTOR_HOOK

/*
 * Save the rest of the registers the AAPCS64 lets exception_handle clobber
 * (x2-x18, x29, x30; x19-x28 it preserves itself) and call it with
 * (vector index, ESR_EL1, ELR_EL1, FAR_EL1, frame). It returns only for an
 * expected exception it has dealt with, after setting ELR_EL1 to where the
 * interrupted code resumes: restore everything and return there. No
 * exception is taken in between, so ELR_EL1 and SPSR_EL1 are still ours.
 * Global: a guest may have vector tables of its own (vector_table).
 */
	.globl	exception_entry
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
	mov	x4, sp
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

/*
 * The identity map: one level 1 table, four 1 GiB entries for the 4 GiB
 * TTBR0 range (IDMAP_END). Static, so the table walker only ever reads what
 * the loader wrote. [2G, 4G) is Device like [0, 1G): nothing there is ours,
 * but the memory isolation check loads from just past the end of RAM, which
 * may lie there, and must reach the stage 2 or the bus rather than fault in
 * our own stage 1. Device memory is never accessed speculatively.
 */
	.section .rodata
	.balign	4096
idmap_l1:
	.quad	0x00000000 | PTE_DEVICE
	.quad	0x40000000 | PTE_NORMAL
	.quad	0x80000000 | PTE_DEVICE
	.quad	0xc0000000 | PTE_DEVICE

	.bss
	.balign	16
boot_stack:
	.skip	STACK_SIZE
boot_stack_top:
/* One stack per secondary, indexed by vCPU index (the boot vCPU's slot is unused). */
vcpu_stacks:
	.skip	STACK_SIZE * MAX_VCPUS

/* A guest with one vCPU has no secondary_main: a vCPU started anyway parks. */
	.text
	.weak	secondary_main
secondary_main:
	b	park
