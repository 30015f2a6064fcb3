/*
 * The bench guest's fixed workload: WL_BYTES of xorshift64 output, then
 * CRC-32 over them WL_PASSES times. CPU-bound, no traps: under a hypervisor
 * it must take as many instructions as bare. The same on every
 * architecture; defined here, in the one file that includes it (each
 * arch's main.c), so that the compiler sees it as the aarch64 figures were
 * first measured (docs/performance.md).
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define WL_BYTES		(4ul << 20)
#define WL_PASSES		4
#define WL_ALIGN		(1ul << 20)

extern char _end[];			/* linker.ld */

static uint32_t crc_table[256];

static inline void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static inline uint32_t workload(uint64_t *buf)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < WL_BYTES / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = x;
	}
	for (unsigned int pass = 0; pass < WL_PASSES; pass++) {
		const uint8_t *p = (const uint8_t *)buf;
		for (size_t i = 0; i < WL_BYTES; i++)
			crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	}
	return ~crc;
}

/* Where the buffer goes: the first WL_ALIGN boundary above the image with
 * WL_BYTES clear of [avoid, avoid_end) (what the loader put there: a device
 * tree), inside RAM [ram_lo, ram_hi); NULL if there is no room. Each
 * architecture's main.c says where its RAM is (workload_dt.h: from the
 * device tree). */
static inline uint64_t *workload_place(uint64_t ram_lo, uint64_t ram_hi, uint64_t avoid, uint64_t avoid_end)
{
	uint64_t start = ((uint64_t)(uintptr_t)_end + WL_ALIGN - 1) & ~(WL_ALIGN - 1);

	if (avoid < start + WL_BYTES && avoid_end > start)
		start = (avoid_end + WL_ALIGN - 1) & ~(WL_ALIGN - 1);
	if (start < ram_lo || start + WL_BYTES > ram_hi)
		return NULL;
	return (uint64_t *)(uintptr_t)start;
}

#endif
