/* vCPU and partition power state, internal to the core. */
#ifndef SRC_POWER_H
#define SRC_POWER_H

#include <tessera/core.h>

/* Initial power state of every vCPU; the boot CPU calls it first. */
void power_init(void);

/* Park this pCPU until its vCPU is to run, then run it. */
_Noreturn void vcpu_run_when_on(void);

#endif
