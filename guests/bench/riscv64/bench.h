/* bench, riscv64: the loops (bench_asm.S) and the instruction clock. */
#ifndef BENCH_H
#define BENCH_H

#include "start.h"

/* Pairs of (instret, time) edge_sample reads back to back: 5 instructions
 * a pair, 40 pairs, so at least one edge of a 100-instruction tick. */
#define EDGE_PAIRS	40

#ifndef __ASSEMBLER__
#include <stdint.h>

/* n iterations of an operation (see bench_asm.S). */
void loop_empty(uint64_t n, uint64_t arg, uint64_t addr);
void loop_nop(uint64_t n, uint64_t arg, uint64_t addr);
void loop_ecall(uint64_t n, uint64_t ext, uint64_t addr);
void loop_lbu(uint64_t n, uint64_t arg, uint64_t addr);
void edge_sample(uint64_t out[2 * EDGE_PAIRS]);

extern char _end[];

/*
 * The instruction clock: instret, which QEMU -icount derives from its
 * virtual clock (shift=0: 1 ns per instruction of any hart, M and HS mode
 * included), so it counts every instruction of the machine since reset,
 * whoever runs it; readable in S and VS mode (mcounteren, hcounteren.IR).
 */
static inline uint64_t rdinstret(void)
{
	uint64_t v;
	__asm__ volatile("rdinstret %0" : "=r"(v) :: "memory");
	return v;
}
#endif

#endif
