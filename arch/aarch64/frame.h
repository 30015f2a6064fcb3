/* The guest's general-purpose registers as the EL2 vectors save them. */
#ifndef ARCH_AARCH64_FRAME_H
#define ARCH_AARCH64_FRAME_H

#define FRAME_ELR   (31 * 8)
#define FRAME_SPSR  (32 * 8)
#define FRAME_SIZE  (34 * 8)        /* 16-byte aligned */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct frame {
	uint64_t x[31];             /* x0..x30 */
	uint64_t elr;               /* ELR_EL2: where the guest resumes */
	uint64_t spsr;              /* SPSR_EL2: the guest's PSTATE */
	uint64_t pad;
};

_Static_assert(sizeof(struct frame) == (uint64_t)FRAME_SIZE, "frame layout shared with vectors.S");
#endif

#endif
