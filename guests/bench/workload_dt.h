/*
 * The workload buffer's place on a machine described by a device tree
 * (aarch64, riscv64): inside the first /memory range and below RAM_END
 * (start.h: what the guest maps), clear of the tree itself.
 */
#ifndef BENCH_WORKLOAD_DT_H
#define BENCH_WORKLOAD_DT_H

#include "dt.h"
#include "start.h"
#include "workload.h"

static inline uint32_t dtb_size(uintptr_t dtb)
{
	const uint8_t *b = (const uint8_t *)dtb;

	return (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
}

static inline uint64_t *workload_buffer(uintptr_t dtb)
{
	uint64_t lo = dt.nmem ? dt.mem[0].base : 0, hi = RAM_END;

	if (dt.nmem && dt.mem[0].end < hi)
		hi = dt.mem[0].end;
	return workload_place(lo, hi, dtb, dtb + dtb_size(dtb));
}

#endif
