/*
 * EL2 entry. The boot CPU arrives at _start from QEMU (or a bootloader) with
 * the MMU off; other CPUs arrive at secondary_entry from PSCI CPU_ON with
 * x0 = their pCPU index. Each turns on its EL2 MMU with the generated tables,
 * takes its own stack and enters the core in C.
 */
#include <layout.h>

/* MAIR_EL2: attr0 Device-nGnRE, attr1 Normal write-back (gen/pagetable.py) */
#define MAIR_EL2_VALUE  0xff04
/* TCR_EL2: T0SZ=32 (4 GiB VA, walk starts at level 1), 4 KiB granule,
 * inner-shareable write-back walks, PS=40 bits, RES1 bits 23 and 31. */
#define TCR_EL2_VALUE   ((1 << 31) | (1 << 23) | (2 << 16) | (3 << 12) | (1 << 10) | (1 << 8) | 32)
/* SCTLR_EL2: RES1 bits, M (MMU), C (data cache), SA (SP alignment), I (icache) */
#define SCTLR_EL2_VALUE (0x30c50830 | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 12))

	.section .text.boot, "ax"
	.global _start
_start:
	/* Which physical CPU are we? Look our MPIDR up in the generated table. */
	mrs	x1, mpidr_el1
	mov	x2, #0xffffff
	movk	x2, #0xff, lsl #32
	and	x1, x1, x2
	adrp	x3, tessera_pcpu_hw_id
	add	x3, x3, :lo12:tessera_pcpu_hw_id
	mov	x19, #0
1:	cmp	x19, #TESSERA_NR_PCPUS
	b.hs	unknown_cpu
	ldr	x4, [x3, x19, lsl #3]
	cmp	x4, x1
	b.eq	2f
	add	x19, x19, #1
	b	1b
2:	bl	el2_mmu_on

	/* Clear .bss (the stacks are not in it) once, with caches on. */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
3:	cmp	x1, x2
	b.hs	4f
	stp	xzr, xzr, [x1], #16
	b	3b
4:	bl	set_stack
	mov	x0, x19
	b	core_boot_main

	.global secondary_entry
secondary_entry:
	mov	x19, x0
	bl	el2_mmu_on
	bl	set_stack
	mov	x0, x19
	b	core_cpu_main

/* A CPU the board description does not know: never touch shared state. */
unknown_cpu:
	wfe
	b	unknown_cpu

/* sp = top of this CPU's stack; TPIDR_EL2 = pCPU index (x19). */
set_stack:
	adrp	x1, tessera_stacks
	add	x1, x1, :lo12:tessera_stacks
	add	x2, x19, #1
	mov	x3, #CONFIG_STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	msr	tpidr_el2, x19
	ret

/* EL2 stage-1 translation with the generator's tables; vectors. */
el2_mmu_on:
	adrp	x0, el2_vectors
	add	x0, x0, :lo12:el2_vectors
	msr	vbar_el2, x0
	mov	x0, #MAIR_EL2_VALUE
	msr	mair_el2, x0
	ldr	x0, =TCR_EL2_VALUE
	msr	tcr_el2, x0
	ldr	x0, =TESSERA_HYP_PT_ROOT
	msr	ttbr0_el2, x0
	isb
	tlbi	alle2
	dsb	nsh
	isb
	ldr	x0, =SCTLR_EL2_VALUE
	msr	sctlr_el2, x0
	isb
	ic	iallu
	dsb	nsh
	isb
	ret
