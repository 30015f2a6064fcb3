/* Physical CPUs, firmware power calls, locks and idle (aarch64). */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "sysreg.h"
#include "vgic.h"

/* PSCI function ids the hypervisor calls on the firmware */
#define PSCI_CPU_OFF        0x84000002u
#define PSCI_CPU_ON_64      0xc4000003u
#define PSCI_SYSTEM_OFF     0x84000008u
#define PSCI_SYSTEM_RESET   0x84000009u

/* One stack per physical CPU; boot.S points sp at the top of its own. */
uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE]
	__attribute__((section(".bss.stacks"), aligned(16)));     /* not cleared: tessera.ld.j2 */

void secondary_entry(void);

bool arch_pcpu_start(unsigned pcpu)
{
	/* Affinity fields only: QEMU rejects an MPIDR with bit 31 set. */
	long ret = firmware_smc(PSCI_CPU_ON_64, tessera_pcpus[pcpu].hw_id & MPIDR_AFF_MASK,
				(uint64_t)(uintptr_t)secondary_entry, pcpu);
	if (ret != 0)
		log_error("tessera: firmware refused CPU_ON of pcpu %u (PSCI error %ld)\n", pcpu, ret);
	return ret == 0;
}

_Noreturn void arch_pcpu_off(void)
{
	firmware_smc(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

_Noreturn void arch_system_off(bool failed)
{
	if (failed)
		exit_report_failure(PSCI_SYSTEM_OFF);
	firmware_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
	panic("firmware SYSTEM_OFF returned");
}

_Noreturn void arch_system_reset(bool failed)
{
	if (failed)
		exit_report_failure(PSCI_SYSTEM_RESET);
	firmware_smc(PSCI_SYSTEM_RESET, 0, 0, 0);
	panic("firmware SYSTEM_RESET returned");
}

void arch_kick(unsigned pcpu)
{
	dsb(ish);       /* our state changes are visible before the SGI */
	gic_send_sgi(pcpu, SGI_KICK);
}

void arch_wait(void)
{
	/* IRQs stay masked at EL2: WFI still wakes on a pending interrupt,
	 * which is then handled here. A kick sent before the WFI stays
	 * pending, so none is lost. */
	dsb(sy);
	__asm__ volatile("wfi");
	irq_dispatch(false);
}

void arch_timer_start(unsigned ms)
{
	uint64_t ticks = read_sysreg(cntfrq_el0) * ms / 1000;
	arch_timer_at(read_sysreg(cntpct_el0) + ticks);
}

void arch_timer_at(uint64_t at)
{
	write_sysreg(cnthp_cval_el2, at);
	write_sysreg(cnthp_ctl_el2, 1);         /* ENABLE, not masked */
	gic_enable_private(INTID_HYPTIMER);
}

#if TESSERA_SCHEDULED
uint64_t arch_counter(void)
{
	isb();                  /* not read ahead of what came before */
	return read_sysreg(cntpct_el0);
}

uint64_t arch_counter_hz(void)
{
	return read_sysreg(cntfrq_el0);
}
#endif

void arch_timer_stop(void)
{
	/* The timer's interrupt is level-sensitive: disabling the timer also
	 * withdraws an interrupt that is pending but not yet taken. */
	write_sysreg(cnthp_ctl_el2, 0);
}

void arch_guest_memory_written(uint64_t hpa, uint64_t size)
{
	/* Clean the data cache to the point of unification, then invalidate
	 * the instruction caches (the Arm ARM's self-modifying code sequence). */
	for (uint64_t a = hpa & ~63ull; a < hpa + size; a += 64)
		__asm__ volatile("dc cvau, %0" :: "r"(a) : "memory");
	dsb(ish);
	__asm__ volatile("ic ialluis");
	dsb(ish);
	isb();
}

void arch_vm_reset(unsigned vm)
{
	vgic_vm_reset(vm);
}

void arch_spin_lock(spinlock_t *lock)
{
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			__asm__ volatile("wfe");
}

void arch_spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	dsb(ish);
	__asm__ volatile("sev");
}

void arch_init_boot_cpu(void)
{
	gic_init_boot();
	vgic_init();
	arch_console_rx_irq(true);
}

void arch_init_cpu(void)
{
	gic_init_cpu();
	/* Console input arrives on the pCPU of the first partition's vCPU 0,
	 * routed from there: a GICv2 target is known only to its own CPU. */
	if (arch_pcpu_id() == core_console_pcpu()) {
		gic_spi_route(tessera_board.uart_irq, arch_pcpu_id());
		gic_spi_enable(tessera_board.uart_irq, true);
	}
}
