/* bench: definitions shared by its assembly and C files. */
#ifndef BENCH_H
#define BENCH_H

#include "start.h"

/*
 * The two words of the exception frame for START_VECTOR_HOOK (start.S):
 * the stamps the vector takes before anything else, CNTVCT and PMCCNTR (0
 * when the PMU is not used).
 */
#define STAMP_VCT		0
#define STAMP_PMC		1
#define FRAME_STAMP_VCT		(EXC_FRAME_HOOK + 8 * STAMP_VCT)
/* PMCCNTR is read by the vector's 4th instruction: sub, stp, mrs, mrs. */
#define VECTOR_STAMP_INSNS	3

/* Counter reads in a row for an exact clock reading (bench_asm.S, start_hooks.h). */
#define EDGE_READS	17

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* bench_asm.S */
extern uint64_t boot_pct[EDGE_READS];	/* CNTPCT read 17 times in a row at entry */
void vectors_use_pmu(void);		/* VBAR_EL1 = the vectors that stamp PMCCNTR too */
extern char _end[];

/* bench_asm.S: the measured loops. Each runs n iterations of
 *     1: mov x0, <arg>; <operation>; subs; b.ne 1b
 * and loop_empty the same without the operation. */
void loop_empty(uint64_t n, uint64_t arg, uint64_t addr);
void loop_hvc(uint64_t n, uint64_t fn, uint64_t unused);
void loop_smc(uint64_t n, uint64_t fn, uint64_t unused);
void loop_ldr32(uint64_t n, uint64_t unused, uint64_t addr);
void loop_strb(uint64_t n, uint64_t value, uint64_t addr);
void loop_nop(uint64_t n, uint64_t unused, uint64_t addr);
/* One SGI (ICC_SGI1R_EL1 value v); returns PMCCNTR read by the instruction
 * just before the write (0 if !pmu). */
uint64_t sgi_send_stamped(uint64_t v, bool pmu);
/* EDGE_READS reads of CNTPCT in a row into out[1..]; out[0] = PMCCNTR read
 * just before them (edge_sample_pmu) or 0 (edge_sample). */
void edge_sample(uint64_t *out);
void edge_sample_pmu(uint64_t *out);

static inline uint64_t pmccntr(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, pmccntr_el0" : "=r"(v) :: "memory");
	return v;
}
#endif

#endif
