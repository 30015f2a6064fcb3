/* ticker: definitions shared by start.S and the C files. */
#ifndef TICKER_H
#define TICKER_H

#include "start.h"

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* System registers by name (or S3_... encoding, which may come from a macro). */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define read_sysreg(reg) ({ \
	uint64_t __v; \
	__asm__ volatile("mrs %0, " STRINGIFY(reg) : "=r"(__v) : : "memory"); \
	__v; })
#define write_sysreg(reg, v) \
	__asm__ volatile("msr " STRINGIFY(reg) ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]). */
#define MPIDR_AFF_MASK	0xff00ffffffUL

/* The generic timer, EL1 virtual view. */
static inline uint64_t cntvct(void)
{
	isb();			/* not read early, out of order */
	return read_sysreg(cntvct_el0);
}

#define CNTV_CTL_ENABLE		(1u << 0)

/* reset_state.c */
void reset_state_dirty(void);
void reset_state_check(void);
#endif

#endif
