/* chan-demo: definitions shared by start.S and the C files. */
#ifndef CHAN_H
#define CHAN_H

#include "start.h"

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

long tessera_hvc(unsigned long fn, unsigned long a1);	/* always HVC */

/* crc32.c: CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). Start with
 * crc = 0; feed the result of one call into the next to continue. */
void crc32_init(void);
uint32_t crc32_update(uint32_t crc, const volatile uint8_t *p, size_t len);

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
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]). */
#define MPIDR_AFF_MASK	0xff00ffffffUL

/* The generic timer, EL1 virtual view. */
static inline uint64_t cntvct(void)
{
	isb();			/* not read early, out of order */
	return read_sysreg(cntvct_el0);
}

#define CNTV_CTL_ENABLE		(1u << 0)
#endif

#endif
