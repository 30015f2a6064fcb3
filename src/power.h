/* vCPU and partition power state, internal to the core. */
#ifndef SRC_POWER_H
#define SRC_POWER_H

#include <tessera/core.h>

/* Mark vCPU v ON_PENDING if it is its partition's boot vCPU. */
void power_boot_vcpu(unsigned v);

/* Park this pCPU until its vCPU is to run, then run it. */
_Noreturn void vcpu_run_when_on(void);

#endif
