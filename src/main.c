/*
 * Boot: the boot CPU starts the other CPUs the configuration uses; every CPU
 * then loads its one vCPU from the generated tables and waits until that vCPU
 * is to run. CPUs no partition uses are powered off again at once.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "power.h"

_Noreturn void core_boot_main(unsigned pcpu)
{
	arch_init_boot_cpu();
	power_init();
	log_info("tessera: %u partition%s on %u of %u CPUs\n", TESSERA_NR_VMS,
		 TESSERA_NR_VMS == 1 ? "" : "s", TESSERA_NR_VCPUS, TESSERA_NR_PCPUS);
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++) {
		if (p == pcpu)
			continue;
		if (tessera_pcpus[p].vcpu >= 0)
			arch_pcpu_start(p);
		else
			log_debug("tessera: pcpu %u unused, stays off\n", p);
	}
	core_cpu_main(pcpu);
}

_Noreturn void core_cpu_main(unsigned pcpu)
{
	if (tessera_pcpus[pcpu].vcpu < 0) {
		log_debug("tessera: pcpu %u unused, powering it off\n", pcpu);
		arch_pcpu_off();
	}
	arch_init_cpu();
	/* The run-time limit is kept by the pCPU of the first vCPU, which is
	 * always used. */
	if (TESSERA_RUN_TIME_MS && pcpu == tessera_vcpus[0].pcpu)
		arch_run_timer_start(TESSERA_RUN_TIME_MS);
	vcpu_run_when_on();
}
