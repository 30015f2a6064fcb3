/* Time partitioning, internal to the core (src/schedule.c). */
#ifndef SRC_SCHEDULE_H
#define SRC_SCHEDULE_H

#include <tessera/core.h>

/* Is pCPU pcpu shared by a schedule? Without TESSERA_SCHEDULED, a constant
 * false: callers' schedule branches compile away. */
static inline bool sched_shared(unsigned pcpu)
{
#if TESSERA_SCHEDULED
	return core_pcpu_shared(pcpu);
#else
	(void)pcpu;
	return false;
#endif
}

/* After boot, on a shared pCPU: run its schedule for ever. run_limit: this
 * pCPU keeps the run-time limit (TESSERA_RUN_TIME_MS), if there is one. */
_Noreturn void sched_run(unsigned pcpu, bool run_limit);

/* The hypervisor timer expired on a shared pCPU: false if it was the
 * run-time limit, which the caller enforces. */
bool sched_timer_expired(void);

/* This pCPU has nothing to run until its slot ends. */
_Noreturn void sched_idle(void);

#endif
