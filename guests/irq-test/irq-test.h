/* irq-test: definitions shared by start.S and the C files. */
#ifndef IRQ_TEST_H
#define IRQ_TEST_H

#define MAX_VCPUS	8		/* per-vCPU stacks are reserved for this many */
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Guest RAM as far as we rely on it: the 1 GiB Normal block of the identity map. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL

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

/* main.c, called from start.S */
void boot_main(uintptr_t dtb);
void secondary_main(unsigned long vcpu);
/*
 * Any EL1 exception. Returns only for one it has dealt with (an IRQ);
 * start.S then restores the registers and ERETs.
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

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]): this is
 * the form PSCI, the device tree /cpus reg and ICC_SGI1R_EL1 use. */
#define MPIDR_AFF_MASK	0xff00ffffffUL
static inline uint64_t read_mpidr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & MPIDR_AFF_MASK;
}

/* The generic timer, EL1 virtual view. */
static inline uint64_t cntvct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
}

static inline uint64_t cntfrq(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

#define CNTV_CTL_ENABLE		(1u << 0)
#define CNTV_CTL_IMASK		(1u << 1)
#define CNTV_CTL_ISTATUS	(1u << 2)

static inline void cntv_arm(uint64_t ticks)
{
	__asm__ volatile("msr cntv_tval_el0, %0\n\t"
			 "msr cntv_ctl_el0, %1\n\t"
			 "isb" : : "r"(ticks), "r"((uint64_t)CNTV_CTL_ENABLE) : "memory");
}

static inline void cntv_stop(void)
{
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
}

/* This vCPU's index, kept in TPIDR_EL1 (set once at start, read by the IRQ handler). */
static inline unsigned int this_vcpu(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (unsigned int)v;
}

static inline void set_this_vcpu(unsigned int i)
{
	__asm__ volatile("msr tpidr_el1, %0" : : "r"((uint64_t)i) : "memory");
}
#endif

#endif
