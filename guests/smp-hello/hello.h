/* smp-hello: definitions shared by start.S and the C files. */
#ifndef SMP_HELLO_H
#define SMP_HELLO_H

#include "start.h"

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]): this is
 * the form PSCI and the device tree /cpus reg use. */
#define MPIDR_AFF_MASK	0xff00ffffffUL
static inline uint64_t read_mpidr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & MPIDR_AFF_MASK;
}
#endif

#endif
