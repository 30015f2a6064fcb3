/*
 * irq-test, riscv64: interrupt delivery as a RISC-V supervisor sees it.
 * Every vCPU in turn: its timer (SBI TIME), an IPI to itself (SBI IPI), and
 * the console UART's transmitter interrupt through its own context of the
 * PLIC (in service until completed, not taken again once its line dropped,
 * held back by the context's threshold); every other vCPU sends the boot
 * vCPU an IPI. The boot vCPU then takes the goldfish RTC's alarm through
 * the PLIC, when the device tree gives it one (a passthrough device under
 * a hypervisor). The same binary runs bare on QEMU: the PLIC contexts are
 * found through the device tree either way.
 *
 * Lines: "irq-test: vcpu N timer ok", "... ipi ok", "... plic uart ok",
 * "irq-test: vcpu B got N ipis", "irq-test: vcpu B rtc (source N) ok" (B:
 * the boot vCPU), then "irq-test: all N vcpus ok" (or "irq-test: check
 * failed: ..."), and SBI SRST shutdown.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "fdt.h"
#include "sbi.h"
#include "trap.h"
#include "uart.h"

/* The PLIC (RISC-V PLIC specification 1.0.0) */
#define PLIC_PRIORITY(irq)	(4UL * (irq))
#define PLIC_PENDING(irq)	(0x1000UL + (irq) / 32 * 4)
#define PLIC_ENABLE(ctx, irq)	(0x2000UL + 0x80UL * (ctx) + (irq) / 32 * 4)
#define PLIC_THRESHOLD(ctx)	(0x200000UL + 0x1000UL * (ctx))
#define PLIC_CLAIM(ctx)		(0x200004UL + 0x1000UL * (ctx))
#define IRQ_S_EXT		9	/* a hart's supervisor external interrupt */
#define SIE_SEIE		(1UL << IRQ_S_EXT)
#define SIP_SSIP		(1UL << 1)
#define CAUSE_S_SOFT		(CAUSE_INTERRUPT | 1)
#define CAUSE_S_TIMER		(CAUSE_INTERRUPT | 5)
#define CAUSE_S_EXT		(CAUSE_INTERRUPT | IRQ_S_EXT)

/* The 16550A: its transmitter-empty interrupt is up while enabled and the
 * transmit holding register is empty (we read no IIR, which would clear it). */
#define UART_IER		1
#define IER_ETBEI		0x02

/* The goldfish RTC (QEMU's hw/rtc/goldfish_rtc.c): nanoseconds. */
#define RTC_TIME_LOW		0x00	/* reading it latches TIME_HIGH */
#define RTC_TIME_HIGH		0x04
#define RTC_ALARM_LOW		0x08	/* writing it arms the alarm */
#define RTC_ALARM_HIGH		0x0c
#define RTC_IRQ_ENABLED		0x10
#define RTC_CLEAR_INTERRUPT	0x1c

#define MS			10000UL	/* time ticks: QEMU virt's timebase is 10 MHz */
#define MAX_CONTEXTS		32

static struct {
	uint64_t plic, rtc;
	unsigned int uart_irq, rtc_irq;
	unsigned int ncontexts;
	uint32_t context_intc[MAX_CONTEXTS], context_irq[MAX_CONTEXTS];	/* interrupts-extended */
	unsigned int intcs;
	uint32_t intc_phandle[MAX_VCPUS];
	uint64_t intc_hart[MAX_VCPUS];	/* the hart whose cpu node holds it */
} hw;

static unsigned int boot;		/* the vCPU OpenSBI or the hypervisor started us on */
static volatile unsigned int turns;	/* vCPUs done (atomic builtins) */
static atomic_uint failures;
static volatile unsigned int ipis_to_boot;	/* IPIs the boot vCPU took from the others */

/* Per vCPU, set by its trap handler. */
static volatile unsigned int timer_taken[MAX_VCPUS], self_ipi[MAX_VCPUS];
static volatile uint64_t timer_when[MAX_VCPUS];
static volatile unsigned int claims[MAX_VCPUS], spurious[MAX_VCPUS], reclaimed[MAX_VCPUS];
static volatile unsigned int rtc_taken;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&failures, 1);
	va_start(ap, fmt);
	say_line("irq-test: check failed: ", fmt, ap);
	va_end(ap);
}

static volatile uint32_t *plic(unsigned long off)
{
	return (volatile uint32_t *)(uintptr_t)(hw.plic + off);
}

static volatile uint32_t *rtc(unsigned long off)
{
	return (volatile uint32_t *)(uintptr_t)(hw.rtc + off);
}

static volatile uint8_t *uart(void)
{
	return (volatile uint8_t *)(uintptr_t)dt.uart_base;
}

static bool compatible(const struct fdt_node *n, const char *what)
{
	uint32_t len;
	const void *c = fdt_prop(n, "compatible", &len);
	return c && fdt_stringlist_contains(c, len, what);
}

static uint64_t first_reg(const struct fdt_node *n)
{
	uint32_t len;
	const void *reg = fdt_prop(n, "reg", &len);
	return reg && len >= 4 * n->addr_cells ? fdt_read_cells(reg, n->addr_cells) : 0;
}

static unsigned int first_irq(const struct fdt_node *n)
{
	uint32_t len;
	const void *irq = fdt_prop(n, "interrupts", &len);
	return irq && len >= 4 ? (unsigned int)fdt_read_cells(irq, 1) : 0;
}

/* The hart id of a "cpu@<hex>" node name. */
static uint64_t hart_of(const char *name)
{
	uint64_t id = 0;

	while (*name && *name != '@')
		name++;
	while (*name == '@' || (*name >= '0' && *name <= '9') || (*name >= 'a' && *name <= 'f')) {
		if (*name != '@')
			id = id * 16 + (uint64_t)(*name <= '9' ? *name - '0' : *name - 'a' + 10);
		name++;
	}
	return id;
}

static void scan(void *ctx, const struct fdt_node *n)
{
	uint32_t len;
	(void)ctx;

	if (compatible(n, "riscv,cpu-intc") && hw.intcs < MAX_VCPUS) {
		const void *ph = fdt_prop(n, "phandle", &len);
		if (ph && len == 4) {
			hw.intc_phandle[hw.intcs] = (uint32_t)fdt_read_cells(ph, 1);
			hw.intc_hart[hw.intcs++] = hart_of(n->parent);
		}
	} else if (compatible(n, "riscv,plic0") || compatible(n, "sifive,plic-1.0.0")) {
		const uint8_t *ie = fdt_prop(n, "interrupts-extended", &len);
		hw.plic = first_reg(n);
		for (uint32_t i = 0; ie && i + 8 <= len && hw.ncontexts < MAX_CONTEXTS; i += 8) {
			hw.context_intc[hw.ncontexts] = (uint32_t)fdt_read_cells(ie + i, 1);
			hw.context_irq[hw.ncontexts++] = (uint32_t)fdt_read_cells(ie + i + 4, 1);
		}
	} else if (compatible(n, "ns16550a") && !hw.uart_irq) {
		hw.uart_irq = first_irq(n);
	} else if (compatible(n, "google,goldfish-rtc")) {
		hw.rtc = first_reg(n);
		hw.rtc_irq = first_irq(n);
	}
}

/* The PLIC context that raises vCPU vcpu's supervisor external interrupt, or -1. */
static int context_of(unsigned int vcpu)
{
	for (unsigned int i = 0; i < hw.intcs; i++) {
		if (hw.intc_hart[i] != dt.cpu_id[vcpu])
			continue;
		for (unsigned int c = 0; c < hw.ncontexts; c++)
			if (hw.context_intc[c] == hw.intc_phandle[i] && hw.context_irq[c] == IRQ_S_EXT)
				return (int)c;
	}
	return -1;
}

static void enable_source(unsigned int ctx, unsigned int irq, bool on)
{
	uint32_t bit = 1U << (irq % 32);

	if (on)
		*plic(PLIC_ENABLE(ctx, irq)) |= bit;
	else
		*plic(PLIC_ENABLE(ctx, irq)) &= ~bit;
}

/* Take the interrupts pending now (sstatus.SIE is otherwise off). */
static void take_interrupts(void)
{
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
}

/* Wait until *count reaches want or ms pass, taking interrupts: WFI, with
 * the timer set 1 ms ahead each time round so that the wait ends even if
 * nothing else comes. WFI runs with sstatus.SIE off, so an interrupt that
 * arrives after the check stays pending and ends the WFI at once, rather
 * than being taken just before it (and its wake-up lost). */
static bool wait_for(volatile unsigned int *count, unsigned int want, unsigned long ms)
{
	uint64_t start = read_time();

	csr_set(sie, SIE_STIE);
	take_interrupts();
	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < want && read_time() - start < ms * MS) {
		sbi_set_timer(read_time() + MS);
		wfi();
		take_interrupts();
	}
	sbi_set_timer(~0ULL);
	return __atomic_load_n(count, __ATOMIC_ACQUIRE) >= want;
}

/* wait_for's own deadline, 1 ms ahead, must bring the interrupt, not before it. */
static void timer_check(unsigned int self)
{
	uint64_t start = read_time();

	if (!wait_for(&timer_taken[self], timer_taken[self] + 1, 1000))
		fail("vcpu %u: no timer interrupt", self);
	else if (timer_when[self] < start + MS)
		fail("vcpu %u: the timer interrupt came %lu ticks early", self,
		     (unsigned long)(start + MS - timer_when[self]));
	else
		say("irq-test: vcpu %u timer ok\n", self);
}

static void send_ipi(unsigned int to)
{
	/* hart mask: bit 0 = the base hart */
	struct sbiret r = sbi_call(SBI_EXT_IPI, 0, 1, dt.cpu_id[to], 0, 0);
	if (r.error)
		fail("send_ipi to vcpu %u: error %ld", to, r.error);
}

static void ipi_check(unsigned int self)
{
	csr_set(sie, SIE_SSIE);
	send_ipi(self);
	if (wait_for(&self_ipi[self], 1, 1000))
		say("irq-test: vcpu %u ipi ok\n", self);
	else
		fail("vcpu %u: its own IPI not taken", self);
	csr_clear(sie, SIE_SSIE);
	if (self != boot)
		send_ipi(boot);
}

/*
 * The UART's transmitter interrupt at this vCPU's own PLIC context: taken
 * once (the handler drops the line, then completes), not again after; held
 * back, pending, by the context's threshold, and taken when it is lowered.
 * (That a line still up is requested again after its completion is the
 * virtual PLIC's unit tests' to prove: QEMU's own PLIC requests again only
 * when the device next drives its line, so a guest cannot rely on it.)
 */
static void plic_uart_check(unsigned int self, int ctx)
{
	unsigned int irq = hw.uart_irq;
	uint32_t bit = 1U << (irq % 32);

	if (ctx < 0 || !hw.plic || !irq) {
		fail("vcpu %u: no PLIC context or UART source (%u) in the device tree", self, irq);
		return;
	}
	*plic(PLIC_PRIORITY(irq)) = 1;
	*plic(PLIC_THRESHOLD(ctx)) = 0;
	enable_source((unsigned int)ctx, irq, true);
	csr_set(sie, SIE_SEIE);

	uart()[UART_IER] = IER_ETBEI;
	wait_for(&claims[self], 1, 1000);
	wait_for(&claims[self], 2, 20);		/* its line is down now: nothing more */
	if (claims[self] != 1)
		fail("vcpu %u: the UART interrupt taken %u times, want 1", self, claims[self]);
	if (*plic(PLIC_PENDING(irq)) & bit)
		fail("vcpu %u: source %u pending after its line dropped", self, irq);

	*plic(PLIC_THRESHOLD(ctx)) = 1;		/* = its priority: held back */
	uart()[UART_IER] = IER_ETBEI;
	wait_for(&claims[self], 2, 20);
	if (claims[self] != 1 || !(*plic(PLIC_PENDING(irq)) & bit))
		fail("vcpu %u: at the threshold: taken (%u) or not pending", self, claims[self]);
	*plic(PLIC_THRESHOLD(ctx)) = 0;
	if (!wait_for(&claims[self], 2, 1000))
		fail("vcpu %u: below the threshold again: not taken", self);

	uart()[UART_IER] = 0;
	enable_source((unsigned int)ctx, irq, false);
	csr_clear(sie, SIE_SEIE);
	if (spurious[self] || reclaimed[self])
		fail("vcpu %u: %u interrupts with nothing to claim, %u claims of a source in service",
		     self, spurious[self], reclaimed[self]);
	else if (claims[self] == 2)
		say("irq-test: vcpu %u plic uart ok\n", self);
}

/* The goldfish RTC's alarm, a device's interrupt (passed through). */
static void rtc_check(int ctx)
{
	if (!hw.rtc || !hw.rtc_irq || ctx < 0)
		return;
	*plic(PLIC_PRIORITY(hw.rtc_irq)) = 1;
	enable_source((unsigned int)ctx, hw.rtc_irq, true);
	csr_set(sie, SIE_SEIE);
	uint64_t now = *rtc(RTC_TIME_LOW);
	now |= (uint64_t)*rtc(RTC_TIME_HIGH) << 32;
	uint64_t alarm = now + 2000000;		/* 2 ms */
	*rtc(RTC_IRQ_ENABLED) = 1;
	*rtc(RTC_ALARM_HIGH) = (uint32_t)(alarm >> 32);
	*rtc(RTC_ALARM_LOW) = (uint32_t)alarm;
	bool taken = wait_for(&rtc_taken, 1, 1000);
	wait_for(&rtc_taken, 2, 20);		/* once only */
	*rtc(RTC_IRQ_ENABLED) = 0;
	enable_source((unsigned int)ctx, hw.rtc_irq, false);
	csr_clear(sie, SIE_SEIE);
	if (!taken || rtc_taken != 1)
		fail("rtc alarm (source %u) taken %u times, want 1", hw.rtc_irq, rtc_taken);
	else
		say("irq-test: vcpu %u rtc (source %u) ok\n", boot, hw.rtc_irq);
}

static void run_turn(unsigned int self)
{
	timer_check(self);
	ipi_check(self);
	plic_uart_check(self, context_of(self));
	__atomic_fetch_add(&turns, 1, __ATOMIC_RELEASE);
}

void boot_main(uintptr_t dtb, unsigned long hartid)
{
	if (dt_scan(dtb, scan, NULL)) {
		say("irq-test: bad device tree at 0x%lx\n", (unsigned long)dtb);
		sbi_power_off("irq-test: ");
	}
	int self = dt_vcpu_index(hartid);
	if (self < 0) {
		say("irq-test: boot hart 0x%lx is not in /cpus\n", hartid);
		sbi_power_off("irq-test: ");
	}
	boot = (unsigned int)self;
	set_this_vcpu(boot);
	run_turn(boot);
	/* The others, one at a time (started for their turn, stopping after
	 * it), each sending us an IPI. */
	csr_set(sie, SIE_SSIE);
	for (unsigned int i = 0; i < dt.ncpus; i++) {
		unsigned int done = turns;
		if (i == boot)
			continue;
		if (sbi_hart_start(dt.cpu_id[i], (uintptr_t)secondary_entry, i).error)
			fail("hart_start of vcpu %u failed", i);
		else if (!wait_for(&turns, done + 1, 10000))
			fail("vcpu %u did not finish its turn", i);
	}
	wait_for(&ipis_to_boot, dt.ncpus - 1, 1000);
	csr_clear(sie, SIE_SSIE);
	if (ipis_to_boot != dt.ncpus - 1)
		fail("vcpu %u got %u IPIs from the others, want %u", boot, ipis_to_boot, dt.ncpus - 1);
	else
		say("irq-test: vcpu %u got %u ipis\n", boot, ipis_to_boot);
	rtc_check(context_of(boot));
	if (turns == dt.ncpus && !atomic_load(&failures))
		say("irq-test: all %u vcpus ok\n", dt.ncpus);
	sbi_power_off("irq-test: ");
}

void secondary_main(unsigned long vcpu, unsigned long hartid)
{
	(void)hartid;
	run_turn((unsigned int)vcpu);
	sbi_hart_stop();
	cpu_halt();
}

static void external_interrupt(unsigned int self, int ctx)
{
	bool any = false;

	for (unsigned int irq = *plic(PLIC_CLAIM(ctx)); ; irq = *plic(PLIC_CLAIM(ctx)), any = true) {
		if (irq == 0) {
			if (!any)
				spurious[self]++;
			return;
		}
		/* In service: not offered again until completed, line up or not. */
		if (*plic(PLIC_CLAIM(ctx)) != 0)
			reclaimed[self]++;
		if (irq == hw.uart_irq) {
			claims[self]++;
			uart()[UART_IER] = 0;		/* the line drops */
		} else if (irq == hw.rtc_irq) {
			rtc_taken++;
			*rtc(RTC_CLEAR_INTERRUPT) = 1;
		}
		*plic(PLIC_CLAIM(ctx)) = irq;
	}
}

void trap_handle(struct trap_frame *f)
{
	unsigned int self = this_vcpu();

	if (f->scause == CAUSE_S_TIMER) {
		timer_when[self] = read_time();
		timer_taken[self]++;
		sbi_set_timer(~0ULL);
	} else if (f->scause == CAUSE_S_SOFT) {
		csr_clear(sip, SIP_SSIP);
		if (self == boot && __atomic_load_n(&turns, __ATOMIC_ACQUIRE) > 0)
			ipis_to_boot++;
		else
			self_ipi[self]++;
	} else if (f->scause == CAUSE_S_EXT) {
		external_interrupt(self, context_of(self));
	} else {
		trap_fatal("irq-test: ", f);
	}
}
