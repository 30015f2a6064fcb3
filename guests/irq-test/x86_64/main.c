/*
 * irq-test, x86_64: interrupt delivery as an x86 guest sees it, through its
 * local APIC (xAPIC MMIO) and the I/O APIC at 0xfec00000. The boot vCPU
 * starts the others (INIT-SIPI-SIPI); then each vCPU in turn: its own APIC
 * timer one-shot, periodic and TSC-deadline, an IPI to itself (shorthand
 * self) and a fixed IPI to the boot vCPU. Then the boot vCPU: logical
 * IPIs (flat model: LDR bit = APIC id) to the others, the shorthands all
 * including and all excluding self, a lowest-priority IPI (exactly one
 * vCPU takes it), NMIs to each other vCPU (twice: the second after the
 * first handler's IRET), and the MC146818 RTC's periodic interrupt (IRQ 8)
 * through the I/O APIC, level-triggered: taken, and taken again at once
 * after an EOI that left the RTC's flag unread (the line still up).
 * The same binary runs bare on QEMU's q35 (the ELF32 copy) and under
 * Tessera (configs/x86-irq.toml: the RTC's ports and IRQ 8 passed through).
 *
 * Lines: "irq-test: vcpu N timer one-shot ok", "... periodic ok", "...
 * tsc-deadline ok", "... self ipi ok", "irq-test: logical ipi ok", ...,
 * then "irq-test: all N vcpus ok" (or "irq-test: N checks failed"), and
 * ACPI power-off.
 */
#include <stdatomic.h>

#include "apic.h"
#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "trap.h"
#include "uart.h"

enum { V_TIMER, V_SELF, V_TO_BOOT, V_LOGICAL, V_ALL, V_LOWEST, V_RTC, V_COUNT };
#define VEC(v)		(IRQ_FIRST + (v))
#define RTC_PIN		8u		/* ISA IRQ 8 */
#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_RATE_2HZ	0x0f		/* periodic rate: 32768 Hz >> 14 */
#define RTC_B_PIE	0x40		/* periodic interrupt enable */
#define TIMER_DIV_1	0xb

static atomic_uint arrived, turn, failures;
static atomic_uint taken[MAX_VCPUS][V_COUNT], nmis[MAX_VCPUS];
static atomic_uint rtc_leave_flag;	/* the next RTC interrupt leaves REG_C unread */
static atomic_uint rtc_count, rtc_flag_left;
static volatile uint32_t rtc_left_at, rtc_again_at;	/* APIC timer counts */

static unsigned me(void)
{
	return (lapic_read(LAPIC_ID) >> 24) % MAX_VCPUS;
}

static uint8_t rtc_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static void rtc_write(uint8_t reg, uint8_t v)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, v);
}

/* The RTC's interrupt: reading REG_C ends it (its line goes down), unless
 * this one is to leave it up over the EOI. */
static void rtc_irq(void)
{
	unsigned n = atomic_fetch_add(&rtc_count, 1) + 1;

	if (atomic_exchange(&rtc_leave_flag, 0)) {
		rtc_left_at = lapic_read(LAPIC_TIMER_CUR);
		atomic_store(&rtc_flag_left, n);
		return;
	}
	if (atomic_load(&rtc_flag_left) && !rtc_again_at)
		rtc_again_at = lapic_read(LAPIC_TIMER_CUR);
	(void)rtc_read(RTC_REG_C);
}

static void on_irq(unsigned vector)
{
	if (vector == VEC_NMI) {		/* no EOI for an NMI */
		atomic_fetch_add(&nmis[me()], 1);
		return;
	}
	if (vector - IRQ_FIRST < V_COUNT)
		atomic_fetch_add(&taken[me()][vector - IRQ_FIRST], 1);
	if (vector == VEC(V_RTC))
		rtc_irq();
	lapic_write(LAPIC_EOI, 0);
}

static void check(unsigned vcpu, const char *what, int ok)
{
	if (!ok)
		atomic_fetch_add(&failures, 1);
	if (vcpu < MAX_VCPUS)
		say("irq-test: vcpu %u %s %s\n", vcpu, what, ok ? "ok" : "failed");
	else
		say("irq-test: %s %s\n", what, ok ? "ok" : "failed");
}

/* This vCPU's own timer in each mode, an IPI to itself, one to the boot vCPU. */
static void own_turn(unsigned id)
{
	atomic_uint *t = &taken[id][V_TIMER];
	uint32_t r[4];

	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	lapic_write(LAPIC_LVT_TIMER, VEC(V_TIMER));
	lapic_write(LAPIC_TIMER_INIT, 3000000);
	check(id, "timer one-shot", irq_wait(t, 1, 1));
	lapic_write(LAPIC_LVT_TIMER, VEC(V_TIMER) | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, 1000000);
	check(id, "timer periodic", irq_wait(t, 5, 1));
	lapic_write(LAPIC_LVT_TIMER, VEC(V_TIMER) | LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
	cpuid(1, r);
	if (r[2] & (1u << 24)) {
		unsigned before = atomic_load(t);
		lapic_write(LAPIC_LVT_TIMER, VEC(V_TIMER) | LVT_TSC_DEADLINE);
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + 2000000);
		check(id, "timer tsc-deadline", irq_wait(t, before + 1, 1));
		lapic_write(LAPIC_LVT_TIMER, VEC(V_TIMER) | LVT_MASKED);
	}
	icr_send(0, ICR_SELF | VEC(V_SELF));
	check(id, "self ipi", irq_wait(&taken[id][V_SELF], 1, 0));
	if (id != 0) {		/* taken before the next vCPU sends its own (one IRR bit) */
		icr_send(0, VEC(V_TO_BOOT));
		while (atomic_load(&taken[0][V_TO_BOOT]) < id)
			cpu_relax();
	}
	lapic_write(LAPIC_LDR, (1u << id) << 24);	/* flat model (the DFR out of reset) */
}

/* The boot vCPU's IPIs to the others, in every destination form. */
static void ipis(unsigned n)
{
	uint32_t others = ((1u << n) - 1) & ~1u;
	int ok = 1;

	check(~0u, "ipis to the boot vcpu", irq_wait(&taken[0][V_TO_BOOT], n - 1, 0));
	icr_send(others, ICR_LOGICAL | VEC(V_LOGICAL));
	for (unsigned id = 1; id < n; id++)
		ok &= irq_wait(&taken[id][V_LOGICAL], 1, 0);
	check(~0u, "logical ipi", ok && !atomic_load(&taken[0][V_LOGICAL]));
	icr_send(0, ICR_ALL | VEC(V_ALL));
	ok = irq_wait(&taken[0][V_ALL], 1, 0);
	for (unsigned id = 1; id < n; id++)
		ok &= irq_wait(&taken[id][V_ALL], 1, 0);
	icr_send(0, ICR_ALL_BUT_SELF | VEC(V_ALL));	/* once the first is taken everywhere */
	for (unsigned id = 1; id < n; id++)
		ok &= irq_wait(&taken[id][V_ALL], 2, 0);
	for (unsigned i = 0; i < 100000; i++)
		cpu_relax();
	check(~0u, "shorthands all and all-but-self", ok && atomic_load(&taken[0][V_ALL]) == 1);
	icr_send(others, ICR_LOGICAL | ICR_LOWEST | VEC(V_LOWEST));
	unsigned got = 0;
	for (unsigned i = 0; i < IRQ_WAIT_LIMIT / 100 && !got; i++)
		for (unsigned id = 0; id < n; id++)
			got += atomic_load(&taken[id][V_LOWEST]);
	for (unsigned i = 0; i < 1000000; i++)
		cpu_relax();
	got = 0;
	for (unsigned id = 0; id < n; id++)
		got += atomic_load(&taken[id][V_LOWEST]);
	check(~0u, "lowest priority to one vcpu", got == 1 && !atomic_load(&taken[0][V_LOWEST]));
	ok = 1;
	for (unsigned id = 1; id < n; id++) {
		icr_send(id, ICR_NMI);
		ok &= irq_wait(&nmis[id], 1, 0);
		icr_send(id, ICR_NMI);		/* after the first one's IRET */
		ok &= irq_wait(&nmis[id], 2, 0);
	}
	check(~0u, "nmi to each vcpu, twice", ok && !atomic_load(&nmis[0]));
}

/* The RTC's periodic interrupt through the I/O APIC, level-triggered. */
static void rtc(void)
{
	(void)rtc_read(RTC_REG_C);
	ioapic_route(RTC_PIN, VEC(V_RTC), 0, IOREDTBL_LEVEL);
	rtc_write(RTC_REG_A, (uint8_t)((rtc_read(RTC_REG_A) & 0xf0) | RTC_RATE_2HZ));
	rtc_write(RTC_REG_B, rtc_read(RTC_REG_B) | RTC_B_PIE);
	check(~0u, "rtc periodic interrupt (io apic pin 8)", irq_wait(&rtc_count, 2, 1));
	/* the next one leaves REG_C unread over its EOI: the line stays up,
	 * and the interrupt comes again at once, long before the next period */
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	lapic_write(LAPIC_LVT_TIMER, VEC(V_TIMER) | LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	unsigned before = atomic_load(&rtc_count);
	atomic_store(&rtc_leave_flag, 1);
	int again = irq_wait(&rtc_count, before + 2, 1) && rtc_again_at;
	uint32_t ns = rtc_left_at - rtc_again_at;	/* the count runs down at 1 GHz */
	check(~0u, "rtc level re-trigger after an eoi", again && ns < 100000000u);
	rtc_write(RTC_REG_B, rtc_read(RTC_REG_B) & (uint8_t)~RTC_B_PIE);
	(void)rtc_read(RTC_REG_C);
	ioapic_mask(RTC_PIN);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void boot_main(uint32_t multiboot_info)
{
	uint32_t r[4];

	mb_console(multiboot_info);
	trap_init();
	pic_mask();
	irq_handler = on_irq;
	lapic_write(LAPIC_SVR, 0x1ff);
	cpuid(1, r);
	unsigned n = (r[3] & (1u << 28)) ? (r[1] >> 16) & 0xff : 1;
	if (n > MAX_VCPUS)
		n = MAX_VCPUS;
	say("irq-test: %u vcpus\n", n);
	atomic_store(&arrived, 1);
	start_aps(n, &arrived);
	own_turn(0);
	atomic_store(&turn, 1);
	irq_wait(&turn, n, 0);
	if (n > 1)
		ipis(n);
	rtc();
	if (atomic_load(&failures))
		say("irq-test: %u checks failed\n", atomic_load(&failures));
	else
		say("irq-test: all %u vcpus ok\n", n);
	power_off();
}

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	(void)vcpu;
	trap_init();
	lapic_write(LAPIC_SVR, 0x1ff);
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&turn) != apic_id)		/* one vCPU at a time */
		cpu_relax();
	own_turn((unsigned)apic_id);
	atomic_fetch_add(&turn, 1);
	for (;;)		/* the boot vCPU's IPIs and NMIs */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}
