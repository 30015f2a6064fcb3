/* vCPU and partition power state, internal to the core. */
#ifndef SRC_POWER_H
#define SRC_POWER_H

#include <tessera/core.h>

/* Initial power state of every vCPU; the boot CPU calls it first. */
void power_init(void);

/* Park this pCPU until its vCPU is to run, then run it. */
_Noreturn void vcpu_run_when_on(void);

/* A shared pCPU's window begins (src/schedule.c): resume its vCPU in the
 * guest where it was switched out, or run it when it is on. */
_Noreturn void power_vcpu_continue(void);

/* After boot: run pCPU pcpu's vCPU when it is on; a pCPU no partition uses
 * is powered off again. */
_Noreturn void power_pcpu_run(unsigned pcpu);

/* Stop every vCPU of partition vm and kick them out of the guest; true for
 * the caller that stopped it (not one that found it stopped already). */
bool power_stop_partition(unsigned vm);

/* Wait until the partition's other vCPUs have left the guest. */
void power_wait_parked(unsigned vm);

/* Start the partition again: its vCPU 0 at its entry, with its DTB. */
void power_start_partition(unsigned vm);

/* Boot, before any guest runs: pCPU pcpu did not start, so the partition
 * of its vCPU cannot run and is stopped. */
void power_pcpu_missing(unsigned pcpu);

/* How a partition ended (src/health.c decides what follows). */
enum end_kind {
	END_OFF,        /* SYSTEM_OFF, or every vCPU off: stays off */
	END_RESET,      /* SYSTEM_RESET: restarts if its policy says so */
	END_FAULT,      /* a fault the policy does not let it survive: ditto */
	END_NO_PCPU,    /* one of its pCPUs did not start: never runs */
};
void partition_ended(unsigned vm, const char *cause, enum end_kind kind);

/* The run failed (a partition stopped other than by SYSTEM_OFF, a
 * hypervisor panic, a machine reset): the first reason is kept, and the
 * machine's end reports it. src/health.c. */
void run_failed(const char *why);

/* The end of the run: every partition stopped, run_time_ms over, or the
 * only partition resetting the machine (reset). Powers off or resets,
 * telling the arch whether the run failed. */
_Noreturn void system_end(bool reset);

#endif
