/* irq-test: definitions shared by start.S and the C files. */
#ifndef IRQ_TEST_H
#define IRQ_TEST_H

#include "start.h"

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

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
