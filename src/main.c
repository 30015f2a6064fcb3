/*
 * Boot: the boot CPU starts the other CPUs the configuration uses and waits
 * until each has set up its part of the interrupt controller; only then does
 * any guest run, so that the first kick or interrupt routed to a CPU finds
 * it ready, and a CPU the firmware would not start, or that does not arrive
 * within CONFIG_PCPU_START_TIMEOUT_MS, stops its partitions before they
 * begin rather than half-way. Then each CPU runs its one vCPU (src/power.c).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "power.h"
#include "schedule.h"

/* A started CPU's way in: PENDING -> ARRIVED -> READY (set by the CPU), or
 * PENDING -> ABANDONED (by the boot CPU, at the deadline). Both sides move it
 * with a compare-and-swap, so a CPU arriving late never runs a partition
 * that was already stopped for want of it. */
enum arrival { ARRIVAL_PENDING, ARRIVAL_ARRIVED, ARRIVAL_READY, ARRIVAL_ABANDONED };
static unsigned arrival[TESSERA_NR_PCPUS];   /* a word: riscv64 has no byte-wide compare-and-swap */
static bool start_deadline_passed;              /* the boot CPU's timer, during boot */
static bool boot_done;                          /* set by the boot CPU: guests may run */
static unsigned boot_pcpu;
static unsigned run_timer_pcpu = TESSERA_NR_PCPUS;      /* keeps run_time_ms; none yet */

static _Noreturn void run_pcpu(unsigned pcpu)
{
	if (TESSERA_SCHEDULED && sched_shared(pcpu))    /* its timer marks the windows */
		sched_run(pcpu, pcpu == run_timer_pcpu);
	if (TESSERA_RUN_TIME_MS && pcpu == run_timer_pcpu)
		arch_timer_start(TESSERA_RUN_TIME_MS);
	power_pcpu_run(pcpu);
}

void core_timer_expired(void)
{
	if (!__atomic_load_n(&boot_done, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&start_deadline_passed, true, __ATOMIC_RELEASE);
		return;
	}
	if (TESSERA_SCHEDULED && sched_shared(arch_pcpu_id()) && sched_timer_expired())
		return;                 /* a window boundary, not the run-time limit */
	log_info("tessera: run time of %u ms over, powering off\n", (unsigned)TESSERA_RUN_TIME_MS);
	system_end(false);
}

/* Boot CPU: has pCPU p, which the firmware started, come in (and set up its
 * interrupt controller) before the deadline? If not, it never will run. */
static bool pcpu_arrived(unsigned p)
{
	unsigned pending = ARRIVAL_PENDING;

	while (__atomic_load_n(&arrival[p], __ATOMIC_ACQUIRE) == ARRIVAL_PENDING &&
	       !__atomic_load_n(&start_deadline_passed, __ATOMIC_ACQUIRE))
		arch_wait();
	if (__atomic_compare_exchange_n(&arrival[p], &pending, ARRIVAL_ABANDONED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		log_warn("tessera: pcpu %u did not arrive within %u ms of CPU_ON\n", p,
			 (unsigned)CONFIG_PCPU_START_TIMEOUT_MS);
		return false;
	}
	while (__atomic_load_n(&arrival[p], __ATOMIC_ACQUIRE) != ARRIVAL_READY)
		arch_wait();    /* it is running our code: no deadline */
	return true;
}

/* What the system is: partitions, and the CPUs their vCPUs use (fewer than
 * the vCPUs where some share a CPU by a schedule). */
static void log_boot_line(void)
{
	if (TESSERA_SCHEDULED) {
		unsigned used = 0;
		for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++)
			if (tessera_pcpus[p].vcpu >= 0)
				used++;
		log_info("tessera: %u partition%s, %u vCPUs on %u of %u CPUs\n", TESSERA_NR_VMS,
			 TESSERA_NR_VMS == 1 ? "" : "s", TESSERA_NR_VCPUS, used, TESSERA_NR_PCPUS);
	} else {
		log_info("tessera: %u partition%s on %u of %u CPUs\n", TESSERA_NR_VMS,
			 TESSERA_NR_VMS == 1 ? "" : "s", TESSERA_NR_VCPUS, TESSERA_NR_PCPUS);
	}
}

_Noreturn void core_boot_main(unsigned pcpu)
{
	bool started[TESSERA_NR_PCPUS] = { 0 };

	boot_pcpu = pcpu;
	arch_init_boot_cpu();
	arch_init_cpu();                /* before the others can kick it */
	power_init();
	log_boot_line();
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++) {
		if (p == pcpu)
			continue;
		if (tessera_pcpus[p].vcpu >= 0)
			started[p] = arch_pcpu_start(p);
		else
			log_debug("tessera: pcpu %u unused, stays off\n", p);
	}
	arch_timer_start(CONFIG_PCPU_START_TIMEOUT_MS);
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++)
		if (started[p])
			started[p] = pcpu_arrived(p);
	arch_timer_stop();
	/* The run-time limit is kept by the first vCPU's pCPU that runs. */
	for (unsigned v = TESSERA_NR_VCPUS; v-- > 0;)
		if (started[tessera_vcpus[v].pcpu] || tessera_vcpus[v].pcpu == pcpu)
			run_timer_pcpu = tessera_vcpus[v].pcpu;
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++)
		if (p != pcpu && tessera_pcpus[p].vcpu >= 0 && !started[p])
			power_pcpu_missing(p);
	__atomic_store_n(&boot_done, true, __ATOMIC_RELEASE);
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++)
		if (started[p])
			arch_kick(p);
	run_pcpu(pcpu);
}

_Noreturn void core_cpu_main(unsigned pcpu)
{
	unsigned pending = ARRIVAL_PENDING;

	if (!__atomic_compare_exchange_n(&arrival[pcpu], &pending, ARRIVAL_ARRIVED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		log_warn("tessera: pcpu %u arrived after the boot CPU gave up on it, "
			 "turning it off\n", pcpu);
		arch_pcpu_off();
	}
	arch_init_cpu();
	__atomic_store_n(&arrival[pcpu], ARRIVAL_READY, __ATOMIC_RELEASE);
	arch_kick(boot_pcpu);
	while (!__atomic_load_n(&boot_done, __ATOMIC_ACQUIRE))
		arch_wait();
	run_pcpu(pcpu);
}
