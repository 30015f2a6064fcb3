/*
 * ticker, riscv64: beats on the supervisor timer (SBI TIME set_timer) and,
 * when asked to, misbehaves, as the aarch64 ticker (../main.c) does: the
 * same bootargs (args.h) and the same lines, with SBI where that has PSCI:
 *   fault=panic       SBI SRST cold reboot
 *   fault=warm-reset  SBI SRST warm reboot
 *   fault=abort-loop  stvec and a load both outside its RAM: every trap
 *                     faults again (each one a guest-page fault under a
 *                     hypervisor)
 *   fault=spin        interrupts off, a jump to itself, forever; with
 *                     spin_ms=<n>, reading time for n ms, then power off
 *   fault=off         SBI HSM hart_stop of its only running hart
 *   fault=wild-write  a store just past its RAM: the store access fault it
 *                     expects is reported ("ticker: abort at 0x<addr>"),
 *                     the beats go on
 *   peek=, poke=      loads and stores that must fault the same way
 *   virtio=           its own virtio-mmio transport, read at start
 *   windows=, frame_us=, at_us=, bound_us=  the window probe (../window.c),
 *                     with marks of its own in sscratch, scounteren and
 *                     f31 read back at the end: "ticker: its state kept
 *                     across <n> windows (sscratch, scounteren, f31)"
 *   frame_us=         beating on a shared hart: the same marks must hold
 *                     at each beat ("ticker: beats <n>, state kept"); with
 *                     at_us= and until_us= each beat must also come inside
 *                     its windows (at_us to until_us of each frame):
 *                     "ticker: beats <n> inside its windows, state kept"
 * Output as ../main.c's, "ticker: counter 0x<time> at start" with the time
 * CSR's value, and with fault=panic or warm-reset "ticker: sscratch as
 * after reset" (reset_state.c). Only the hart it is entered on runs.
 */
#include <stddef.h>

#include "args.h"
#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "reset_state.h"
#include "sbi.h"
#include "trap.h"
#include "uart.h"
#include "window.h"

#define SBI_SRST_WARM_REBOOT	2
#define CAUSE_STIMER		(CAUSE_INTERRUPT | 5)
#define TIMEBASE_DEFAULT	10000000UL	/* QEMU virt's 10 MHz, if /cpus does not say */
#define SSTATUS_FS_INITIAL	(1UL << 13)

/* In .data, so it lives in the image: "boot 1" again after a restart from a pristine image. */
static volatile unsigned image_boots = 1;

extern char _image_start[];		/* linker.ld */

static const struct dt_range *own_ram;	/* the /memory range holding our image */

static uint64_t freq;			/* time CSR ticks per second */
static uint64_t period;			/* in time ticks */
static uint64_t next_beat;		/* the deadline set_timer was given */

/* Written by the trap handler, read by the main loop with interrupts off. */
static volatile unsigned long ticks;	/* timer interrupts taken */
static volatile uint64_t tick_at;	/* time when the last one was taken */

static struct expected_fault wild_write;	/* the fault fault=wild-write asks for */
static struct expected_fault forbidden;		/* the fault a peek or poke expects */

static uint64_t ticks_to_ms(uint64_t t)
{
	return t / freq * 1000 + t % freq * 1000 / freq;
}

static void irq_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static void irq_on(void) { csr_set(sstatus, SSTATUS_SIE); }

static void __attribute__((noreturn)) power_off(void)
{
	sbi_power_off("ticker: error: ");
}

static void timer_stop(void)
{
	csr_clear(sie, SIE_STIE);
	sbi_set_timer(~0ULL);
}

/*
 * A beat is due: the next one is one period later on the fixed schedule;
 * missed beats are skipped, not made up in a burst. A deadline in the
 * future takes the timer's interrupt back.
 */
static void timer_irq(void)
{
	uint64_t now = read_time();

	tick_at = now;
	ticks++;
	do
		next_beat += period;
	while (next_beat <= now);
	sbi_set_timer(next_beat);
}

/* Sleep in WFI until the timer interrupt after 'seen'; its time. */
static uint64_t wait_beat(unsigned long *seen)
{
	uint64_t at;

	for (;;) {
		/* Checked with interrupts off: one arriving after the check
		 * still ends the WFI, and is taken when they are on again. */
		irq_off();
		if (ticks != *seen)
			break;
		wfi();
		irq_on();
	}
	*seen = ticks;
	at = tick_at;
	irq_on();
	return at;
}

/* The fault an access outside the partition must give: a load or store
 * access fault at that address. */
static void fault_report(const struct expected_fault *f, const char *what, uint64_t addr, unsigned long cause)
{
	if (f->scause != cause || f->stval != addr)
		uart_printf("ticker: error: %s 0x%lx: scause 0x%lx stval 0x%lx, want scause 0x%lx\n", what,
			    (unsigned long)addr, f->scause, f->stval, cause);
	else if (f == &wild_write)
		uart_printf("ticker: abort at 0x%lx\n", (unsigned long)addr);
	else
		uart_printf("ticker: %s 0x%lx: abort\n", what, (unsigned long)addr);
}

static void store_outside(struct expected_fault *f, const char *what, uint64_t addr)
{
	expected_fault_arm(f);
	__asm__ volatile("sw zero, 0(%0)" : : "r"(addr) : "memory");
	if (!expected_fault_disarm(f))
		uart_printf("ticker: error: %s 0x%lx did not abort\n", what, (unsigned long)addr);
	else
		fault_report(f, what, addr, CAUSE_STORE_ACCESS);
}

static void load_outside(uint64_t addr)
{
	uint32_t value = 0;

	expected_fault_arm(&forbidden);
	__asm__ volatile("lw %0, 0(%1)" : "=r"(value) : "r"(addr) : "memory");
	if (!expected_fault_disarm(&forbidden))
		uart_printf("ticker: error: read 0x%lx did not abort (read 0x%x)\n", (unsigned long)addr, value);
	else
		fault_report(&forbidden, "read", addr, CAUSE_LOAD_ACCESS);
}

static void forbidden_accesses(void)
{
	for (unsigned int i = 0; i < cfg.npeek; i++)
		load_outside(cfg.peek[i]);
	for (unsigned int i = 0; i < cfg.npoke; i++)
		store_outside(&forbidden, "write", cfg.poke[i]);
}

/* Misbehave as cfg.fault says. Only wild-write returns. */
static void misbehave(void)
{
	uint64_t outside = own_ram->end;	/* the first byte after our RAM */
	struct sbiret r;

	uart_printf("ticker: %s\n", fault_names[cfg.fault]);
	if (cfg.fault == FAULT_WILD_WRITE) {
		store_outside(&wild_write, "the write to", outside);
		return;
	}
	timer_stop();
	switch (cfg.fault) {
	case FAULT_PANIC:
		reset_state_dirty();	/* for the next instance to find cleared */
		r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_COLD_REBOOT, 0, 0, 0);
		uart_printf("ticker: error: SRST cold reboot returned %ld\n", r.error);
		break;
	case FAULT_WARM_RESET:
		reset_state_dirty();
		r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_WARM_REBOOT, 0, 0, 0);
		uart_printf("ticker: error: SRST warm reboot returned %ld\n", r.error);
		break;
	case FAULT_ABORT_LOOP:
		/* The trap vector just past our RAM: the load faults, fetching
		 * the vector faults, and so on, each a G-stage fault. */
		__asm__ volatile("csrw stvec, %0\n\t"
				 "ld t0, 0(%0)"
				 : : "r"(outside) : "t0", "memory");
		uart_printf("ticker: error: the load from 0x%lx did not abort\n", (unsigned long)outside);
		break;
	case FAULT_SPIN:
		/* The point of this one: burn the hart, never trap. */
		if (cfg.spin_ms) {
			uint64_t until = read_time() + cfg.spin_ms * freq / 1000;
			irq_off();
			while (read_time() < until)
				;
			uart_printf("ticker: spun %lu ms with interrupts masked\n", cfg.spin_ms);
			power_off();
		}
		__asm__ volatile("csrci sstatus, 2\n"
				 "1:\tj 1b" ::: "memory");
		break;
	case FAULT_OFF:
		irq_off();
		r = sbi_hart_stop();
		uart_printf("ticker: error: hart_stop returned %ld\n", r.error);
		break;
	default:
		break;
	}
	cpu_halt();
}

static uint32_t read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static void virtio_check(void)
{
	uint32_t magic = read32(cfg.virtio);

	uart_printf("ticker: virtio 0x%lx magic 0x%x version %u device %u\n", (unsigned long)cfg.virtio,
		    magic, read32(cfg.virtio + 4), read32(cfg.virtio + 8));
	if (magic != 0x74726976)
		uart_printf("ticker: error: no virtio-mmio transport at 0x%lx\n", (unsigned long)cfg.virtio);
}

/* --- on a shared hart: state only a full vCPU switch keeps, and windows --- */

/* Marks of its own, from its name, in a register of each kind a switch
 * must keep: a VS CSR (sscratch), a supervisor CSR a guest reaches
 * directly (scounteren, 3 bits CY TM IR), an F register (f31). */
struct marks {
	uint64_t sscratch, scounteren, f31;
};

static struct marks marks_wanted(void)
{
	uint64_t h = 0x5a5a;

	for (const char *c = cfg.name; *c; c++)
		h = h * 31 + (unsigned char)*c;
	return (struct marks){ h << 16 | 0x55, h % 7 + 1, h << 20 | 0xf3 };
}

static void marks_set(const struct marks *m)
{
	csr_write(sscratch, m->sscratch);
	csr_write(scounteren, m->scounteren);
	csr_set(sstatus, SSTATUS_FS_INITIAL);		/* F/D usable */
	__asm__ volatile(".option push\n.option arch, +d\nfmv.d.x f31, %0\n.option pop" : : "r"(m->f31));
}

static bool marks_kept(const struct marks *m)
{
	uint64_t f31;

	__asm__ volatile(".option push\n.option arch, +d\nfmv.x.d %0, f31\n.option pop" : "=r"(f31));
	if (csr_read(sscratch) == m->sscratch && csr_read(scounteren) == m->scounteren && f31 == m->f31)
		return true;
	uart_printf("ticker: error: state lost across windows: sscratch 0x%lx scounteren 0x%lx f31 0x%lx\n",
		    (unsigned long)csr_read(sscratch), (unsigned long)csr_read(scounteren), (unsigned long)f31);
	return false;
}

static uint64_t time_count(void)
{
	return read_time();
}

static struct window_counter our_counter(void)
{
	return (struct window_counter){ time_count, freq };
}

static void window_probe(void)
{
	const struct window_counter c = our_counter();
	const struct marks m = marks_wanted();
	struct window_starts starts;

	marks_set(&m);
	irq_off();
	window_probe_measure(&c, &starts);
	if (marks_kept(&m))
		uart_printf("ticker: its state kept across %lu windows (sscratch, scounteren, f31)\n", starts.seen);
	window_probe_report(&c, &starts);
}

void trap_handle(struct trap_frame *f)
{
	if (f->scause == CAUSE_STIMER) {
		timer_irq();
		return;
	}
	if (!expected_fault_take(&wild_write, f) && !expected_fault_take(&forbidden, f))
		trap_fatal("ticker: error: ", f);
}

void boot_main(uintptr_t dtb, unsigned long hartid)
{
	uint64_t time_at_start = read_time();
	int err = dt_scan(dtb, NULL, NULL);

	(void)hartid;
	if (err) {
		uart_printf("ticker: error: bad device tree at 0x%lx (error %d)\n", (unsigned long)dtb, err);
		power_off();
	}
	args_parse(dt.bootargs, dt.bootargs_len);

	uart_printf("ticker: start %s\n", cfg.name);
	uart_printf("ticker: boot %u\n", image_boots++);
	uart_printf("ticker: counter 0x%lx at start\n", (unsigned long)time_at_start);
	if (cfg.fault == FAULT_PANIC || cfg.fault == FAULT_WARM_RESET)
		reset_state_check();
	if (cfg.virtio)
		virtio_check();

	freq = dt.timebase_hz ? dt.timebase_hz : TIMEBASE_DEFAULT;
	own_ram = dt_mem_holding((uintptr_t)_image_start);
	if (!own_ram) {
		uart_printf("ticker: error: need /memory in the device tree\n");
		power_off();
	}
	period = cfg.period_ms * freq / 1000;
	if (cfg.windows) {
		window_probe();
		power_off();
	}
	const struct window_counter c = our_counter();
	const struct marks m = marks_wanted();
	unsigned long outside = 0, lost = 0;
	bool shared = cfg.frame_us != 0;	/* on a shared hart: marks kept across windows */
	if (shared)
		marks_set(&m);

	uint64_t start = read_time(), last = start, max_gap = 0;
	unsigned long seen = ticks, done = 0;
	next_beat = start + period;
	sbi_set_timer(next_beat);
	csr_set(sie, SIE_STIE);
	irq_on();

	for (;;) {
		if ((cfg.npeek || cfg.npoke) && done == cfg.after)
			forbidden_accesses();
		if (cfg.fault != FAULT_NONE && done == cfg.after) {
			misbehave();		/* returns only for wild-write */
			cfg.fault = FAULT_NONE;
		}
		if (cfg.beats && done == cfg.beats)
			break;
		uint64_t at = wait_beat(&seen);
		done++;
		if (done > 1 && at - last > max_gap)
			max_gap = at - last;
		last = at;
		uart_printf("ticker: beat %lu t=%lu\n", done, (unsigned long)ticks_to_ms(at - start));
		outside += (unsigned long)window_beat_outside(&c, done, at);
		if (shared && !marks_kept(&m))
			lost++;
	}
	timer_stop();
	if (shared)
		window_beats_report(done, outside, lost);
	uart_printf("ticker: done beats=%lu max_gap_ms=%lu\n", done, (unsigned long)ticks_to_ms(max_gap));
	sbi_power_off("ticker: error: ");
}
