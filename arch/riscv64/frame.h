/* The guest's general-purpose registers as the trap vector saves them. */
#ifndef ARCH_RISCV64_FRAME_H
#define ARCH_RISCV64_FRAME_H

#define FRAME_SEPC  (32 * 8)
#define FRAME_SIZE  (34 * 8)        /* 16-byte aligned */
/* Above each pCPU's stack: its index (tp in HS mode), then padding. */
#define PCPU_AREA   16

#ifndef __ASSEMBLER__
#include <stdint.h>

struct frame {
	uint64_t x[32];             /* x[0] reads as 0; x[n] = xn (x[2]: the guest's sp) */
	uint64_t sepc;              /* where the guest resumes */
	uint64_t pad;
};

_Static_assert(sizeof(struct frame) == (uint64_t)FRAME_SIZE, "frame layout shared with boot.S");
#endif

#endif
