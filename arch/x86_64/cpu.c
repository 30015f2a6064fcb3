/* Physical CPUs (INIT-SIPI-SIPI), interrupts (the IDT, the local APIC's
 * kicks and timer), the exit device, locks, idle and the console (x86_64). */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "vioapic.h"
#include "vlapic.h"
#include "x86.h"

/* The 8259 PICs' data ports: masked for good (SeaBIOS leaves the PIT on
 * vector 8, which would look like a #DF). */
#define PIC1_DATA               0x21u
#define PIC2_DATA               0xa1u
/* ICH9's reset control register: 0x06 = a hard reset. */
#define PORT_RESET_CONTROL      0xcf9u
#define RESET_HARD              0x06u
/* ACPI PM1a_CNT: SLP_EN with SLP_TYP 0, which QEMU's q35 takes for S5 (off). */
#define PM1A_CNT                4u
#define PM1_SLP_EN              (1u << 13)
/* How long a power-off or reset request may take before it counts as failed. */
#define POWER_SETTLE_US         2000000u

#define UART_THR                0u
#define UART_RBR                0u
#define UART_IER                1u
#define UART_MCR                4u
#define UART_LSR                5u
#define UART_LSR_DR             (1u << 0)
#define UART_LSR_THRE           (1u << 5)
#define UART_IER_ERBFI          (1u << 0)
#define UART_MCR_DTR_RTS_OUT2   0x0bu   /* OUT2 gates the UART's line to the interrupt controller */

/* The local APIC timer counts its input clock divided by 16 (TDCR 0x3). */
#define TIMER_DIVIDE_16         0x3u
#define TIMER_DIVISOR           16u
#define NEVER                   (~0ull)
/* The TSC is measured against the local APIC timer over this long at boot. */
#define CALIBRATE_US            2000u

/* One stack per physical CPU; boot.S points rsp at its top. The pCPU
 * index follows from rsp, which no guest can change. */
uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE]
	__attribute__((section(".bss.stacks"), aligned(16)));     /* not cleared: tessera.ld.j2 */

/* 256 gates of 16 bytes; filled once by the boot CPU. */
static uint64_t idt[256][2] __attribute__((aligned(16)));
static volatile uint32_t kicked[TESSERA_NR_PCPUS];

/* Time is the TSC (constant rate, the same on every CPU of the board);
 * tsc_per_ms comes from the boot CPU's calibration. Each pCPU's one local
 * APIC timer serves two deadlines: the hypervisor's (arch_timer_start) and
 * its vCPU's (the guest's local APIC timer, vlapic.c): the earlier one. */
static uint64_t tsc_per_ms;
static uint64_t hyp_deadline[TESSERA_NR_PCPUS];
static uint64_t guest_deadline[TESSERA_NR_PCPUS];
/* The hypervisor timer expired since the last arch_wait (TESSERA_SCHEDULED). */
static uint32_t hyp_expired[TESSERA_NR_PCPUS];

/* --- the local APIC: IPIs and the timer --- */

static void icr_send(uint32_t apic_id, uint32_t icr)
{
	while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY)
		__asm__ volatile("pause");
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr);
}

void udelay(unsigned us)
{
	uint64_t start = rdtsc(), length = tsc_per_ms * us / 1000u;

	while (rdtsc() - start < length)
		__asm__ volatile("pause");
}

/* INIT, then STARTUP twice (Intel SDM vol. 3, 8.4.4.1; the AMD APM's
 * "Startup IPI"): the AP starts in real mode at TRAMPOLINE_PA. The core
 * waits for it to arrive (CONFIG_PCPU_START_TIMEOUT_MS). */
bool arch_pcpu_start(unsigned pcpu)
{
	uint32_t apic_id = (uint32_t)tessera_pcpus[pcpu].hw_id;
	uint8_t *page = (uint8_t *)(uintptr_t)TRAMPOLINE_PA;

	uintptr_t size = (uintptr_t)trampoline_end - (uintptr_t)trampoline_start;

	for (uintptr_t i = 0; i < size; i++)
		page[i] = trampoline_start[i];
	icr_send(apic_id, ICR_DELIVERY_INIT | ICR_ASSERT);
	udelay(10000);
	for (unsigned i = 0; i < 2; i++) {
		icr_send(apic_id, ICR_DELIVERY_STARTUP | ICR_ASSERT | (TRAMPOLINE_PA >> 12));
		udelay(200);
	}
	return true;
}

_Noreturn void arch_pcpu_off(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* A failed run: isa-debug-exit ends QEMU with status (0 << 1) | 1 = 1. */
static void exit_report_failure(void)
{
#if defined(TESSERA_EXIT_PORT)
	outb(TESSERA_EXIT_PORT, 0);
#endif
}

_Noreturn void arch_system_off(bool failed)
{
	if (failed)
		exit_report_failure();
#if defined(TESSERA_ACPI_PM_PORT)
	outw(TESSERA_ACPI_PM_PORT + PM1A_CNT, PM1_SLP_EN);
#endif
	udelay(POWER_SETTLE_US);        /* the chipset acts a little later (QEMU: its main loop) */
	panic("ACPI power-off did not take");
}

_Noreturn void arch_system_reset(bool failed)
{
	if (failed)
		exit_report_failure();
	outb(PORT_RESET_CONTROL, RESET_HARD);
	udelay(POWER_SETTLE_US);
	panic("reset through port 0xcf9 did not take");
}

void arch_kick(unsigned pcpu)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);        /* our state changes are visible first */
	icr_send((uint32_t)tessera_pcpus[pcpu].hw_id, VECTOR_KICK);
}

bool take_kick(void)
{
	return __atomic_exchange_n(&kicked[arch_pcpu_id()], 0, __ATOMIC_SEQ_CST) != 0;
}

void arch_wait(void)
{
	/* A hypervisor timer expiry taken before the wait (at svm_run's STGI,
	 * before the exit's handling came here) was an edge the core has not
	 * acted on yet: return at once, as a level-triggered timer (aarch64's)
	 * would wake the wait. */
	if (TESSERA_SCHEDULED && __atomic_exchange_n(&hyp_expired[arch_pcpu_id()], 0, __ATOMIC_SEQ_CST))
		return;
	/* STI's one-instruction shadow: an interrupt pending before it is
	 * taken after HLT has begun, and wakes it; none is lost. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (TESSERA_SCHEDULED)
		__atomic_store_n(&hyp_expired[arch_pcpu_id()], 0, __ATOMIC_SEQ_CST);   /* this wait saw it */
}

uint64_t x86_now(void)
{
	return rdtsc();
}

uint64_t x86_bus_ticks_to_time(uint64_t ticks)
{
	return ticks * tsc_per_ms / (tessera_board.lapic_timer_hz / 1000u);
}

uint64_t x86_time_to_bus_ticks(uint64_t time)
{
	return time * (tessera_board.lapic_timer_hz / 1000u) / tsc_per_ms;
}

uint64_t x86_tsc_khz(void)
{
	return tsc_per_ms;
}

uint64_t x86_tsc_scaled(uint64_t tsc, uint32_t hz)
{
	/* Whole seconds and the rest apart: a TSC running for days times a
	 * clock of MHz is past 2^64, the rest (under a second's count) is not. */
	uint64_t per_s = tsc_per_ms * 1000u;

	return tsc / per_s * hz + tsc % per_s * hz / per_s;
}

/* The local APIC timer, one-shot, at the earlier deadline. A deadline
 * past or too far for the 32-bit count fires at once or at the count's
 * end (then the next interrupt programs the rest). */
static void timer_program(void)
{
	unsigned p = arch_pcpu_id();
	uint64_t next = hyp_deadline[p] < guest_deadline[p] ? hyp_deadline[p] : guest_deadline[p];

	if (next == NEVER) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	uint64_t now = rdtsc(), ticks = next > now ? x86_time_to_bus_ticks(next - now) / TIMER_DIVISOR : 0;
	lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_INIT, ticks == 0 ? 1u : ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks);
}

void arch_timer_start(unsigned ms)
{
	arch_timer_at(rdtsc() + tsc_per_ms * ms);
}

void arch_timer_at(uint64_t at)
{
	hyp_deadline[arch_pcpu_id()] = at;
	timer_program();
}

#if TESSERA_SCHEDULED
/* A shared pCPU's schedule counts in TSC ticks, the time everything here
 * keeps (its guests' local APIC timers too). */
uint64_t arch_counter(void)
{
	return rdtsc();
}

uint64_t arch_counter_hz(void)
{
	return tsc_per_ms * 1000u;
}
#endif

void arch_timer_stop(void)
{
	hyp_deadline[arch_pcpu_id()] = NEVER;
	timer_program();
}

void guest_timer_set(uint64_t deadline)
{
	guest_deadline[arch_pcpu_id()] = deadline;
	timer_program();
}

/* The timer interrupt: whichever deadlines passed. The guest's goes to
 * the local APIC of the vCPU the pCPU runs now (an interrupt for it,
 * injected at its next entry; on a shared pCPU, switch.c keeps a
 * switched-out vCPU's deadline out of guest_deadline). */
static void timer_interrupt(void)
{
	unsigned p = arch_pcpu_id();
	uint64_t now = rdtsc();
	bool hyp = hyp_deadline[p] <= now;

	if (hyp)
		hyp_deadline[p] = NEVER;
	if (guest_deadline[p] <= now) {
		guest_deadline[p] = NEVER;
		if (core_pcpu_vcpu[p] >= 0)
			vlapic_timer_expired(&tessera_vcpus[core_pcpu_vcpu[p]]);  /* may set it again */
	}
	timer_program();
	if (hyp) {
		if (TESSERA_SCHEDULED)
			__atomic_store_n(&hyp_expired[p], 1, __ATOMIC_SEQ_CST);
		core_timer_expired();
	}
}

/* A reading of the local APIC timer's count and the TSC at the same moment:
 * the count read between two TSC reads, of three tries the one whose TSC
 * reads lie closest (a host that deschedules QEMU between them would
 * otherwise skew the rate; under load, by a factor of three was seen). */
static void timer_and_tsc(uint32_t *count, uint64_t *tsc)
{
	uint64_t best = NEVER;

	for (unsigned i = 0; i < 3u; i++) {
		uint64_t t0 = rdtsc();
		uint32_t c = lapic_read(LAPIC_TIMER_CUR);
		uint64_t t1 = rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*count = c;
			*tsc = t0 + (t1 - t0) / 2u;
		}
	}
}

/* The TSC's rate, against the local APIC timer's known clock (the boot
 * CPU): the TSC's count over the timer's, from readings of both taken
 * together about CALIBRATE_US apart (not from the timer's end, which a
 * descheduled host thread may notice late). */
static void calibrate_tsc(void)
{
	uint64_t ticks = tessera_board.lapic_timer_hz / TIMER_DIVISOR / 1000000u * CALIBRATE_US * 2u;
	uint64_t tsc0 = 0, tsc1 = 0;
	uint32_t count0 = 0, count1 = 0;

	lapic_write(LAPIC_TIMER_DIV, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
	timer_and_tsc(&count0, &tsc0);
	while (lapic_read(LAPIC_TIMER_CUR) > count0 - ticks / 2u)
		__asm__ volatile("pause");
	timer_and_tsc(&count1, &tsc1);
	/* timer ticks per ms: lapic_timer_hz / TIMER_DIVISOR / 1000 */
	tsc_per_ms = (tsc1 - tsc0) * (tessera_board.lapic_timer_hz / TIMER_DIVISOR / 1000u) /
		     (count0 > count1 ? count0 - count1 : 1u);
	if (tsc_per_ms == 0)
		tsc_per_ms = 1;
}

void x86_interrupt(struct irq_frame *f)
{
	switch (f->vector) {
	case VECTOR_KICK:
		__atomic_store_n(&kicked[arch_pcpu_id()], 1, __ATOMIC_SEQ_CST);
		lapic_write(LAPIC_EOI, 0);
		return;
	case VECTOR_TIMER:
		lapic_write(LAPIC_EOI, 0);
		timer_interrupt();
		return;
	case VECTOR_SPURIOUS:
		return;         /* no EOI for a spurious interrupt */
	default:
		if (ioapic_interrupt((unsigned)f->vector))
			return;
		{
			uint64_t cr2;
			__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
			panic("exception %lu (error %#lx) at rip %#lx, cr2 %#lx, rsp %#lx",
			      (unsigned long)f->vector, (unsigned long)f->error, (unsigned long)f->rip,
			      (unsigned long)cr2, (unsigned long)f->rsp);
		}
	}
}

void arch_guest_memory_written(uint64_t hpa, uint64_t size)
{
	(void)hpa;
	(void)size;     /* x86 keeps instruction fetches coherent with stores */
}

void arch_spin_lock(spinlock_t *lock)
{
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
}

void arch_spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

void arch_console_putc(char c)
{
	uint16_t port = tessera_board.uart_port;

	while (!(inb((uint16_t)(port + UART_LSR)) & UART_LSR_THRE))
		;
	outb((uint16_t)(port + UART_THR), (uint8_t)c);
}

/* The receive side, for the core's console input (src/console.c): its
 * receive interrupt comes through the board's I/O APIC (ioapic.c), which
 * calls core_console_rx. */
int arch_console_getc(void)
{
	uint16_t port = tessera_board.uart_port;

	if (!(inb((uint16_t)(port + UART_LSR)) & UART_LSR_DR))
		return -1;
	return inb((uint16_t)(port + UART_RBR));
}

void arch_console_rx_irq(bool on)
{
	outb((uint16_t)(tessera_board.uart_port + UART_MCR), UART_MCR_DTR_RTS_OUT2);
	outb((uint16_t)(tessera_board.uart_port + UART_IER), on ? UART_IER_ERBFI : 0u);
}

/* An interrupt gate: present, DPL 0, type 0xE (64-bit interrupt gate). */
static void idt_set(unsigned vector, void (*entry)(void))
{
	uint64_t a = (uint64_t)(uintptr_t)entry;

	idt[vector][0] = (a & 0xffffu) | (uint64_t)0x08 << 16 | (uint64_t)0x8e00 << 32 |
			 ((a >> 16) & 0xffffu) << 48;
	idt[vector][1] = a >> 32;
}

void arch_init_boot_cpu(void)
{
	for (const struct idt_stub *s = idt_stubs; s->entry; s++)
		idt_set((unsigned)s->vector, s->entry);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	calibrate_tsc();
	rtc_init();
	vioapic_init();
	ioapic_init();
	arch_console_rx_irq(true);
	/* SeaBIOS leaves its "Booting from ROM.." line unfinished: start ours on a line of their own. */
	arch_console_putc('\r');
	arch_console_putc('\n');
}

void arch_init_cpu(void)
{
	struct idt_pointer { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" :: "m"(idtr));
	lapic_write(LAPIC_SVR, 0x100u | VECTOR_SPURIOUS);       /* APIC software enable */
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIVIDE_16);
	hyp_deadline[arch_pcpu_id()] = NEVER;
	guest_deadline[arch_pcpu_id()] = NEVER;
	timer_program();
	svm_init_cpu();
}
