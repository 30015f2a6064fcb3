/* Physical CPUs (harts), firmware (SBI) calls, the exit device, locks,
 * idle and the timers (riscv64). */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "csr.h"
#include "plic.h"
#include "vplic.h"

#define SBI_EXT_TIME    0x54494D45
#define SBI_EXT_IPI     0x735049
#define SBI_EXT_HSM     0x48534D
#define SBI_EXT_SRST    0x53525354
#define SBI_HSM_HART_START  0
#define SBI_HSM_HART_STOP   1
#define SBI_SRST_SHUTDOWN   0
#define SBI_SRST_COLD_REBOOT 1

/* The SiFive test device: FAIL | status << 16 ends QEMU with that status. */
#define TEST_FAIL       0x3333u
#define NEVER           (~0ull)
#define FAR_AHEAD       (1ull << 61)

/* One stack per physical CPU; boot.S points sp below the PCPU_AREA at its top. */
uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE]
	__attribute__((section(".bss.stacks"), aligned(16)));     /* not cleared: tessera.ld.j2 */

void secondary_entry(void);

bool have_sstc;

/* Per vCPU: what others asked of it (done by its pCPU while it runs
 * there). Per pCPU: its timers (host time). */
static volatile uint32_t requests[TESSERA_NR_VCPUS];
static uint64_t hyp_deadline[TESSERA_NR_PCPUS];
static uint64_t guest_deadline[TESSERA_NR_PCPUS];       /* without Sstc only */

bool arch_pcpu_start(unsigned pcpu)
{
	struct sbiret r = firmware_sbi(SBI_EXT_HSM, SBI_HSM_HART_START, tessera_pcpus[pcpu].hw_id,
				       (uintptr_t)secondary_entry, pcpu);
	if (r.error != 0)
		log_error("tessera: firmware refused hart_start of pcpu %u (SBI error %ld)\n", pcpu, r.error);
	return r.error == 0;
}

_Noreturn void arch_pcpu_off(void)
{
	firmware_sbi(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* A failed run: say so through the exit device, which ends QEMU with
 * status 1 at once. A board without one goes on to the plain SBI call. */
static void exit_report_failure(void)
{
#if defined(TESSERA_EXIT_TEST)
	*(volatile uint32_t *)(uintptr_t)TESSERA_EXIT_TEST = TEST_FAIL | 1u << 16;
	__asm__ volatile("fence rw, rw");
#endif
}

_Noreturn void arch_system_off(bool failed)
{
	if (failed)
		exit_report_failure();
	firmware_sbi(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, 0, 0);
	panic("firmware SRST shutdown returned");
}

_Noreturn void arch_system_reset(bool failed)
{
	if (failed)
		exit_report_failure();
	firmware_sbi(SBI_EXT_SRST, 0, SBI_SRST_COLD_REBOOT, 0, 0);
	panic("firmware SRST reboot returned");
}

void arch_kick(unsigned pcpu)
{
	__asm__ volatile("fence rw, rw");       /* our state changes are visible first */
	firmware_sbi(SBI_EXT_IPI, 0, 1, tessera_pcpus[pcpu].hw_id, 0);
}

void vcpu_request(unsigned vcpu, uint32_t req)
{
	__atomic_fetch_or(&requests[vcpu], req, __ATOMIC_SEQ_CST);
	arch_kick(tessera_vcpus[vcpu].pcpu);
}

uint32_t vcpu_take_requests(unsigned vcpu)
{
	return __atomic_exchange_n(&requests[vcpu], 0, __ATOMIC_SEQ_CST);
}

int pcpu_running_vcpu(void)
{
	unsigned p = arch_pcpu_id();

	if (TESSERA_SCHEDULED && core_pcpu_shared(p))
		return switch_running_vcpu();
	return tessera_pcpus[p].vcpu;
}

void pcpu_do_requests(void)
{
	unsigned p = arch_pcpu_id();

	if (TESSERA_SCHEDULED && core_pcpu_shared(p))
		switch_take_requests();         /* several vCPUs' */
	else if (tessera_pcpus[p].vcpu >= 0)    /* else a kick during boot: nothing asked */
		local_request(vcpu_take_requests((unsigned)tessera_pcpus[p].vcpu));
}

void local_request(uint32_t req)
{
	if (req & REQ_VSSIP)
		csr_set(hvip, HVIP_VSSIP);
	if (req & REQ_VSEIP)
		vplic_signal((unsigned)pcpu_running_vcpu());
	if (req & REQ_FENCE_I)
		__asm__ volatile("fence.i" ::: "memory");
	if (req & REQ_VVMA)
		__asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n.option pop" ::: "memory");
}

void vcpu_wait_done(unsigned vcpu)
{
	while (__atomic_load_n(&requests[vcpu], __ATOMIC_SEQ_CST) & (REQ_FENCE_I | REQ_VVMA))
		pcpu_do_requests();     /* the other may be waiting for us too */
}

void arch_wait(void)
{
	/* SIE stays clear in HS mode: WFI still wakes on a pending enabled
	 * interrupt, which is then handled here. A kick sent before the WFI
	 * stays pending (sip.SSIP), so none is lost. */
	__asm__ volatile("fence rw, rw\n\twfi" ::: "memory");
	irq_dispatch(false);
}

static uint64_t now(void)
{
	return csr_read(time);
}

/* A deadline as written to a timer compare register: one further than
 * FAR_AHEAD (7,000 years at 10 MHz) from now becomes now + FAR_AHEAD.
 * QEMU 7.2 turns a compare value near 2^64 ("never") into an expiry at an
 * arbitrary time (its nanoseconds overflow): the spurious timer interrupts
 * that follow would disturb the hart for nothing. */
static uint64_t not_too_far(uint64_t when, uint64_t from)
{
	return when > from && when - from > FAR_AHEAD ? from + FAR_AHEAD : when;
}

/* The hart's one supervisor timer serves the hypervisor's deadline and,
 * without Sstc, the guest's: the earlier of the two. */
static void timer_program(void)
{
	unsigned p = arch_pcpu_id();
	uint64_t next = hyp_deadline[p] < guest_deadline[p] ? hyp_deadline[p] : guest_deadline[p];

	firmware_sbi(SBI_EXT_TIME, 0, not_too_far(next, now()), 0, 0);
}

void arch_timer_start(unsigned ms)
{
	arch_timer_at(now() + tessera_board.timebase_hz * ms / 1000);
}

void arch_timer_at(uint64_t at)
{
	hyp_deadline[arch_pcpu_id()] = at;
	timer_program();
}

void arch_timer_stop(void)
{
	hyp_deadline[arch_pcpu_id()] = NEVER;
	timer_program();
}

#if TESSERA_SCHEDULED
uint64_t arch_counter(void)
{
	return now();
}

uint64_t arch_counter_hz(void)
{
	return tessera_board.timebase_hz;
}

uint64_t guest_timer_take(void)
{
	unsigned p = arch_pcpu_id();
	uint64_t when = guest_deadline[p];

	guest_deadline[p] = NEVER;
	timer_program();
	return when;
}

void guest_timer_give(uint64_t when)
{
	guest_deadline[arch_pcpu_id()] = when;
	timer_program();        /* one already past fires at once */
}
#endif

void guest_timer_set(uint64_t when)
{
	unsigned p = arch_pcpu_id();

	if (have_sstc) {
		/* compared with time + htimedelta */
		csr_write(vstimecmp, not_too_far(when, csr_read(time) + csr_read(htimedelta)));
		return;
	}
	csr_clear(hvip, HVIP_VSTIP);
	/* The guest's time is the hart's plus its partition's htimedelta. */
	guest_deadline[p] = when == NEVER ? NEVER : when - partition_timedelta(core_this_vcpu()->vm);
	timer_program();
}

void timer_interrupt(bool guest)
{
	unsigned p = arch_pcpu_id();
	uint64_t t = now();
	bool expired = hyp_deadline[p] <= t;

	if (expired)
		hyp_deadline[p] = NEVER;
	if (guest_deadline[p] <= t) {
		guest_deadline[p] = NEVER;
		if (guest)
			csr_set(hvip, HVIP_VSTIP);
	}
	timer_program();                        /* takes STIP back */
	if (expired)
		core_timer_expired();
}

void arch_guest_memory_written(uint64_t hpa, uint64_t size)
{
	(void)hpa;
	(void)size;
	/* This hart's instruction fetches; each of the partition's harts does
	 * its own fence.i when its vCPU starts again (vcpu.c). */
	__asm__ volatile("fence.i" ::: "memory");
}

void arch_vm_reset(unsigned vm)
{
	vplic_vm_reset(vm);
}

void arch_spin_lock(spinlock_t *lock)
{
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010");     /* pause */
}

void arch_spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

void arch_init_boot_cpu(void)
{
	have_sstc = probe_stimecmp() == 0;
	plic_init_boot();
	vplic_init();
	arch_console_rx_irq(true);
}

void arch_init_cpu(void)
{
	unsigned p = arch_pcpu_id();

	hyp_deadline[p] = NEVER;
	guest_deadline[p] = NEVER;
	timer_program();
	csr_clear(sip, SIP_SSIP);
	/* Taken while a guest runs (HS interrupts are always enabled then),
	 * and they wake WFI in the hypervisor. */
	csr_write(sie, SIP_SSIP | SIP_STIP);
	plic_init_cpu();
}
