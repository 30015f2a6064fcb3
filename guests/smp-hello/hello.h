/* smp-hello: definitions shared by start.S and the C files. */
#ifndef SMP_HELLO_H
#define SMP_HELLO_H

#define MAX_VCPUS	8		/* per-vCPU stacks are reserved for this many */
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Guest RAM as far as we rely on it: the 1 GiB Normal block of the identity map. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL
/* The identity map covers [0, IDMAP_END): loads anywhere below it translate at stage 1. */
#define IDMAP_END	0x100000000UL

/*
 * Exception vector index (offset / 0x80) of a synchronous exception taken
 * from EL1 while on SP_EL1, which is how all our code runs.
 */
#define VECTOR_SYNC_EL1_SPX	4

/* Exception frame built by start.S: x0-x18, x29, x30, padded to 16 bytes. */
#define EXC_FRAME_SIZE	(22 * 8)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* start.S */
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
void secondary_entry(void);	/* PSCI CPU_ON entry point, x0 = context_id */
extern bool psci_use_smc;	/* conduit for psci_call: false = HVC, true = SMC */

/* main.c, called from start.S */
void boot_main(uintptr_t dtb);
void secondary_main(unsigned long vcpu);
/*
 * Any EL1 exception. Returns only for an expected one it has dealt with
 * (ELR_EL1 adjusted); start.S then restores the registers and ERETs.
 */
void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far);

static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* DSB first so the store that waiters are watching is visible before they wake. */
static inline void dsb_sev(void) { __asm__ volatile("dsb ish\n\tsev" ::: "memory"); }

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]): this is
 * the form PSCI and the device tree /cpus reg use. */
#define MPIDR_AFF_MASK	0xff00ffffffUL
static inline uint64_t read_mpidr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & MPIDR_AFF_MASK;
}
#endif

#endif
