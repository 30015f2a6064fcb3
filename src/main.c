/*
 * Boot: the boot CPU starts the other CPUs the configuration uses and waits
 * until each has set up its part of the interrupt controller; only then does
 * any guest run, so that the first kick or interrupt routed to a CPU finds
 * it ready, and a CPU the firmware would not start stops its partitions
 * before they begin rather than half-way. Then each CPU runs its one vCPU
 * (src/power.c).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "power.h"

static bool pcpu_ready[TESSERA_NR_PCPUS];       /* set by each started CPU */
static bool boot_done;                          /* set by the boot CPU: guests may run */
static unsigned boot_pcpu;
static unsigned run_timer_pcpu = TESSERA_NR_PCPUS;      /* keeps run_time_ms; none yet */

static _Noreturn void run_pcpu(unsigned pcpu)
{
	if (TESSERA_RUN_TIME_MS && pcpu == run_timer_pcpu)
		arch_run_timer_start(TESSERA_RUN_TIME_MS);
	power_pcpu_run(pcpu);
}

_Noreturn void core_boot_main(unsigned pcpu)
{
	bool started[TESSERA_NR_PCPUS] = { 0 };

	boot_pcpu = pcpu;
	arch_init_boot_cpu();
	arch_init_cpu();                /* before the others can kick it */
	power_init();
	log_info("tessera: %u partition%s on %u of %u CPUs\n", TESSERA_NR_VMS,
		 TESSERA_NR_VMS == 1 ? "" : "s", TESSERA_NR_VCPUS, TESSERA_NR_PCPUS);
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++) {
		if (p == pcpu)
			continue;
		if (tessera_pcpus[p].vcpu >= 0)
			started[p] = arch_pcpu_start(p);
		else
			log_debug("tessera: pcpu %u unused, stays off\n", p);
	}
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++)
		while (started[p] && !__atomic_load_n(&pcpu_ready[p], __ATOMIC_ACQUIRE))
			arch_wait();
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
	arch_init_cpu();
	__atomic_store_n(&pcpu_ready[pcpu], true, __ATOMIC_RELEASE);
	arch_kick(boot_pcpu);
	while (!__atomic_load_n(&boot_done, __ATOMIC_ACQUIRE))
		arch_wait();
	run_pcpu(pcpu);
}
