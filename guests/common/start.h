/*
 * The contract between guests/common/start.S and a guest's C code: stacks,
 * the identity map's RAM block, the exception frame, and the functions each
 * side provides.
 */
#ifndef GUEST_START_H
#define GUEST_START_H

#define MAX_VCPUS	8		/* per-vCPU stacks are reserved for this many */
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Guest RAM as far as we rely on it: the 1 GiB Normal block of the identity map. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL
/* The identity map covers [0, IDMAP_END): loads anywhere below it translate at stage 1. */
#define IDMAP_END	0x100000000UL

/*
 * Exception vector indexes (offset / 0x80) of exceptions taken from EL1
 * while on SP_EL1, which is how all our code runs.
 */
#define VECTOR_SYNC_EL1_SPX	4
#define VECTOR_IRQ_EL1_SPX	5

/* Exception frame built by start.S: x0-x18, x29, x30, padded to 16 bytes. */
#define EXC_FRAME_SIZE	(22 * 8)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* start.S */
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
void secondary_entry(void);	/* PSCI CPU_ON entry point, x0 = context_id */
extern bool psci_use_smc;	/* conduit for psci_call: false = HVC, true = SMC */

/* The guest's C code, called from start.S */
void boot_main(uintptr_t dtb);
void secondary_main(unsigned long vcpu);	/* optional: one-vCPU guests park */
/*
 * Any EL1 exception. If it returns (an IRQ, or an expected fault it dealt
 * with after moving ELR_EL1), start.S restores the registers and ERETs.
 */
void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far);

static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
/* DSB first so the store that waiters are watching is visible before they wake. */
static inline void dsb_sev(void) { __asm__ volatile("dsb ish\n\tsev" ::: "memory"); }
/* PSTATE.I: the "memory" clobber makes the compiler reload what an IRQ may change. */
static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
#endif

#endif
