/* probe, riscv64: what its files share. */
#ifndef PROBE_H
#define PROBE_H

#include "cpu.h"
#include "start.h"

#define NR_CPUS		MAX_VCPUS	/* vCPUs the probe runs (Makefile): index = tp */
#define SYNDROME_NAME	"scause"	/* what attack.c calls the cause of a trap */

static inline unsigned this_cpu(void)
{
	return this_vcpu() % NR_CPUS;
}

#endif
