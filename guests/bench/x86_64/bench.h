/* bench, x86_64: the loops (bench_asm.S) and the instruction clock. */
#ifndef BENCH_H
#define BENCH_H

#include "start.h"

#ifndef __ASSEMBLER__
#include <stdint.h>

/* n iterations of an operation (see bench_asm.S). */
void loop_empty(uint64_t n, uint64_t arg, uint64_t addr);
void loop_nop(uint64_t n, uint64_t arg, uint64_t addr);
void loop_vmmcall(uint64_t n, uint64_t fn, uint64_t addr);
void loop_cpuid(uint64_t n, uint64_t leaf, uint64_t addr);
void loop_mov32(uint64_t n, uint64_t arg, uint64_t addr);
void loop_inb(uint64_t n, uint64_t arg, uint64_t port);
/* The TSC read by the instruction just before the one that writes count
 * to the 32-bit register at addr (the local APIC timer's initial count). */
uint64_t write32_stamped(uint64_t addr, uint32_t count);

extern char _end[];

/*
 * The instruction clock: the TSC, which QEMU -icount derives from its
 * virtual clock (shift=0: 1 ns per instruction of any CPU, the
 * hypervisor's included; AMD SVM adds the VMCB's TSC offset, which Tessera
 * leaves 0), so it counts every instruction of the machine since reset,
 * whoever runs it.
 */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}
#endif

#endif
