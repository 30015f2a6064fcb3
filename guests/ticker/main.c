/*
 * ticker: a bare-metal guest that beats on the EL1 virtual timer and, when
 * asked to, misbehaves: a load for checking that partitions stay isolated.
 *
 * Words of /chosen/bootargs it understands (others are ignored):
 *   name=<s>       its name in the start line (default "ticker")
 *   beats=<n>      beats before it powers off (default 20; 0 = forever)
 *   period_ms=<n>  time between beats (default 50)
 *   fault=<kind>   after=<n> beats (default 5), misbehave:
 *     panic       PSCI SYSTEM_RESET
 *     warm-reset  PSCI SYSTEM_RESET2 with reset_type 0, SYSTEM_WARM_RESET
 *     abort-loop  VBAR_EL1 and a load both outside its RAM: every exception
 *                 faults again, forever (each one a stage-2 fault under a
 *                 hypervisor)
 *     spin        all interrupts masked, a branch to itself, forever; with
 *                 spin_ms=<n>, reading the counter for n ms, then power off
 *     off         PSCI CPU_OFF of its only running vCPU
 *     wild-write  a store just past its RAM; the synchronous external abort
 *                 it expects is reported and the beats go on
 *   virtio=<addr>  a virtio-mmio transport of its own: at start, read its
 *                 MagicValue, Version and DeviceID
 *   windows=<n> frame_us=<f> at_us=<s> bound_us=<b>  instead of beating:
 *                 the window probe. Its vCPU shares a CPU by a cyclic
 *                 schedule (major frame f us, its window from s us into
 *                 each frame; frames start at multiples of f in the physical
 *                 count, so its partition needs virtual_counter = "physical").
 *                 It spins reading the counter with interrupts masked; a
 *                 gap in the count is a window it did not have, and the
 *                 first read after it the start of its next window: each of
 *                 n window starts must be at most b us after the table's
 *                 time. Then it powers off.
 *   peek=<addr>, poke=<addr>  (up to 4 of each) after=<n> beats, a 32-bit
 *                 load from, or a store of 0 to, an address it must not
 *                 reach (another partition's device): each must abort, and
 *                 the beats go on
 *
 * Output:
 *   ticker: start <name>
 *   ticker: boot <n>
 *   ticker: counter 0x<count> at start, the physical count | offset from the physical count
 *   ticker: PMU and debug registers as after reset (pmu yes|no)  (fault=panic or warm-reset)
 *   ticker: beat <i> t=<ms>                     (virtual time since start)
 *   ticker: done beats=<n> max_gap_ms=<g>       (then PSCI SYSTEM_OFF)
 *   ticker: <fault kind>, ticker: abort at 0x<addr>
 *   ticker: its state kept across <n> windows (TPIDR_EL0, V31, DBGBVR0_EL1)
 *   ticker: window starts after the table's time: earliest <e> ns, latest <l> ns over <n> windows
 *   ticker: windows <n> started within <b> us of the table (latest <t> ns)
 *   ticker: virtio 0x<addr> magic 0x<m> version <v> device <d>
 *   ticker: read 0x<addr>: abort, ticker: write 0x<addr>: abort
 * Anything wrong prints a line with "ticker: error".
 *
 * Only the vCPU it is entered on runs; it never starts the others. It waits
 * in WFI for the timer interrupt (the PPI of the DTB's timer node, through
 * the GICv3 the DTB names).
 */
#include <stddef.h>

#include "args.h"
#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "exception.h"
#include "gic.h"
#include "psci.h"
#include "reset_state.h"
#include "timer.h"
#include "uart.h"
#include "window.h"

/* In .data, so it lives in the image (see the boot line in main). */
static volatile unsigned image_boots = 1;

extern char _image_start[];		/* linker.ld */

static const struct dt_range *own_ram;	/* the /memory range holding our image */

static uint64_t freq;			/* CNTFRQ_EL0, counter ticks per second */
static uint64_t period;			/* in counter ticks */
static uint64_t next_beat;		/* CNTV_CVAL_EL0: when the timer fires next */

/* Written by the IRQ handler, read by the main loop with IRQs masked. */
static volatile unsigned long ticks;	/* timer interrupts taken */
static volatile uint64_t tick_at;	/* counter when the last one was taken */

static struct expected_fault wild_write;	/* the abort fault=wild-write asks for */
static struct expected_fault forbidden;		/* the abort a peek or poke expects */

static uint64_t ticks_to_ms(uint64_t t)
{
	return t / freq * 1000 + t % freq * 1000 / freq;
}

/* --- the timer --- */

static void timer_start(uint64_t now)
{
	next_beat = now + period;
	vtimer_arm_at(next_beat);
}

/*
 * A beat is due. The next one is one period later on the fixed schedule;
 * beats missed (we ran late by more than a period) are skipped, not made up
 * in a burst. Moving CVAL into the future drops the timer's line, so this
 * comes before the EOI.
 */
static void timer_irq(void)
{
	uint64_t now = cntvct();

	tick_at = now;
	ticks++;
	do
		next_beat += period;
	while (next_beat <= now);
	write_sysreg(cntv_cval_el0, next_beat);
	isb();
}

/* Sleep in WFI until the timer interrupt after 'seen'; its counter value. */
static uint64_t wait_beat(unsigned long *seen)
{
	uint64_t at;

	for (;;) {
		/* Checked with IRQs masked: one arriving after the check still
		 * ends the WFI, and is taken when we unmask. */
		irq_mask();
		if (ticks != *seen)
			break;
		wfi();
		irq_unmask();
	}
	*seen = ticks;
	at = tick_at;
	irq_unmask();
	return at;
}

/* --- the end, proper or not --- */

static void __attribute__((noreturn)) halt(void)
{
	vtimer_stop();
	cpu_halt();
}

static void __attribute__((noreturn)) power_off(void)
{
	psci_power_off("ticker: error: ");
}

/*
 * Misbehave as cfg.fault says. Only wild-write returns; the others end this
 * vCPU's useful life (or report that they could not).
 */
static void misbehave(void)
{
	const char *kind = fault_names[cfg.fault];
	uint64_t outside = own_ram->end;	/* the first byte after our RAM */
	long ret;

	uart_printf("ticker: %s\n", kind);
	if (cfg.fault == FAULT_WILD_WRITE) {
		expected_fault_arm(&wild_write);
		/* One STR: the exception handler steps over it. */
		__asm__ volatile("str %w0, [%1]" : : "r"(0xdeadbeefu), "r"(outside) : "memory");
		if (!expected_fault_disarm(&wild_write))
			uart_printf("ticker: error: the write to 0x%lx did not abort\n",
				    (unsigned long)outside);
		else if (ESR_EC(wild_write.esr) != ESR_EC_DABT_CUR ||
			 ESR_DFSC(wild_write.esr) != DFSC_SEA)
			uart_printf("ticker: error: not an external abort: esr 0x%lx\n", wild_write.esr);
		else if (wild_write.esr & ESR_FNV)
			uart_printf("ticker: abort at 0x? (FAR not valid)\n");
		else
			uart_printf("ticker: abort at 0x%lx\n", wild_write.far);
		return;
	}

	vtimer_stop();
	switch (cfg.fault) {
	case FAULT_PANIC:
		reset_state_dirty();    /* for the next instance to find cleared */
		ret = psci_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		uart_printf("ticker: error: SYSTEM_RESET returned %ld\n", ret);
		break;
	case FAULT_WARM_RESET:
		reset_state_dirty();
		ret = psci_call(PSCI_SYSTEM_RESET2, PSCI_RESET2_WARM, 0, 0);
		uart_printf("ticker: error: SYSTEM_RESET2 (warm reset) returned %ld\n", ret);
		break;
	case FAULT_ABORT_LOOP:
		/*
		 * Vectors just past our RAM, where our stage 1 maps Normal
		 * executable memory and only stage 2 (a hypervisor's) or the
		 * machine can say no: the load aborts, fetching the vector
		 * aborts, and so on. (A VBAR in our Device/PXN range, such as
		 * 0x1000, would loop on stage-1 faults a hypervisor never sees.)
		 */
		__asm__ volatile("msr daifset, #0xf\n\t"
				 "msr vbar_el1, %0\n\t"
				 "isb\n\t"
				 "ldr x0, [%0]"
				 : : "r"(outside) : "x0", "memory");
		uart_printf("ticker: error: the load from 0x%lx did not abort\n",
			    (unsigned long)outside);
		break;
	case FAULT_SPIN:
		/* The point of this one: burn the CPU, never trap. */
		if (cfg.spin_ms) {
			uint64_t until = cntvct() + cfg.spin_ms * freq / 1000;
			irq_mask();
			while (cntvct() < until)
				;
			uart_printf("ticker: spun %lu ms with interrupts masked\n", cfg.spin_ms);
			power_off();
		}
		__asm__ volatile("msr daifset, #0xf\n"
				 "1:\tb 1b" ::: "memory");
		break;
	case FAULT_OFF:
		irq_mask();
		ret = psci_cpu_off();
		uart_printf("ticker: error: CPU_OFF returned %ld\n", ret);
		break;
	default:
		break;
	}
	halt();
}

/* --- devices: its own virtio-mmio transport, and others' it must not reach --- */

#define VIRTIO_MAGIC		0x000	/* "virt" */
#define VIRTIO_VERSION		0x004
#define VIRTIO_DEVICE_ID	0x008

static uint32_t read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static void virtio_check(void)
{
	uint32_t magic = read32(cfg.virtio + VIRTIO_MAGIC);

	uart_printf("ticker: virtio 0x%lx magic 0x%x version %u device %u\n", (unsigned long)cfg.virtio,
		    magic, read32(cfg.virtio + VIRTIO_VERSION), read32(cfg.virtio + VIRTIO_DEVICE_ID));
	if (magic != 0x74726976)
		uart_printf("ticker: error: no virtio-mmio transport at 0x%lx\n", (unsigned long)cfg.virtio);
}

/* One access that must abort: a synchronous external abort, reported with
 * its address; an access that goes through is a breach. */
static void forbidden_access(uint64_t addr, bool write)
{
	uint32_t value = 0;

	expected_fault_arm(&forbidden);
	if (write)
		__asm__ volatile("str wzr, [%0]" : : "r"(addr) : "memory");
	else
		__asm__ volatile("ldr %w0, [%1]" : "=r"(value) : "r"(addr) : "memory");
	const char *what = write ? "write" : "read";
	if (!expected_fault_disarm(&forbidden))
		uart_printf("ticker: error: %s 0x%lx did not abort (read 0x%x)\n", what, (unsigned long)addr, value);
	else if (ESR_EC(forbidden.esr) != ESR_EC_DABT_CUR || ESR_DFSC(forbidden.esr) != DFSC_SEA)
		uart_printf("ticker: error: %s 0x%lx: not an external abort: esr 0x%lx\n", what,
			    (unsigned long)addr, forbidden.esr);
	else
		uart_printf("ticker: %s 0x%lx: abort\n", what, (unsigned long)addr);
}

static void forbidden_accesses(void)
{
	for (unsigned int i = 0; i < cfg.npeek; i++)
		forbidden_access(cfg.peek[i], false);
	for (unsigned int i = 0; i < cfg.npoke; i++)
		forbidden_access(cfg.poke[i], true);
}

/* --- the window probe (window.c) --- */

static uint64_t probe_count(void)
{
	return cntvct();
}

static void window_probe(void)
{
	const struct window_counter counter = { probe_count, freq };
	struct window_starts starts;
	uint64_t pct_before = cntpct(), vct = cntvct(), pct_after = cntpct();

	if (vct < pct_before || vct > pct_after) {
		uart_printf("ticker: error: the window probe needs the physical count (virtual_counter)\n");
		return;
	}
	/* Guest state that only a full switch keeps: values of its own in a
	 * thread register, an FP/SIMD register and a breakpoint value register
	 * (its control register leaves it disabled), read back at the end. */
	uint64_t mark = 0x5a5a000000000000ull | cfg.at_us * freq / 1000000, bvr = 0x40081234;
	uint64_t back_tpidr, back_v31, back_bvr;
	write_sysreg(tpidr_el0, mark);
	write_sysreg(cpacr_el1, 3ull << 20);		/* CPACR_EL1.FPEN: FP/SIMD not trapped */
	__asm__ volatile("isb" ::: "memory");
	__asm__ volatile(".arch_extension fp\n\tfmov d31, %0" : : "r"(mark) : "memory");
	write_sysreg(dbgbvr0_el1, bvr);
	irq_mask();
	window_probe_measure(&counter, &starts);
	irq_unmask();
	back_tpidr = read_sysreg(tpidr_el0);
	__asm__ volatile(".arch_extension fp\n\tfmov %0, d31" : "=r"(back_v31));
	back_bvr = read_sysreg(dbgbvr0_el1);
	if (back_tpidr == mark && back_v31 == mark && back_bvr == bvr)
		uart_printf("ticker: its state kept across %lu windows (TPIDR_EL0, V31, DBGBVR0_EL1)\n", starts.seen);
	else
		uart_printf("ticker: error: state lost across windows: TPIDR_EL0 0x%lx V31 0x%lx DBGBVR0_EL1 0x%lx\n",
			    (unsigned long)back_tpidr, (unsigned long)back_v31, (unsigned long)back_bvr);
	window_probe_report(&counter, &starts);
}

/* --- entry points --- */

static void irq(uint32_t intid)
{
	if (intid == dt.vtimer_intid)
		timer_irq();
	else
		uart_printf("ticker: error: unexpected interrupt %u\n", intid);
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame)
{
	(void)frame;
	if (vector == VECTOR_IRQ_EL1_SPX) {
		gic_handle_irqs(irq);
		return;
	}
	if (!expected_fault_take(&wild_write, vector, esr, elr, far) &&
	    !expected_fault_take(&forbidden, vector, esr, elr, far))
		exception_fatal("ticker: error: ", vector, esr, elr, far);
}

void boot_main(uintptr_t dtb)
{
	/* The virtual count it was started with (a hypervisor's choice, or its
	 * config's), and whether that is the physical count itself. */
	uint64_t pct_before = cntpct(), vct = cntvct(), pct_after = cntpct();
	int err = dt_scan(dtb, NULL, NULL);

	if (err) {
		uart_printf("ticker: error: bad device tree at 0x%lx (error %d)\n",
			    (unsigned long)dtb, err);
		power_off();
	}
	args_parse(dt.bootargs, dt.bootargs_len);

	uart_printf("ticker: start %s\n", cfg.name);
	/* An initialised variable in the image itself: a restart from a
	 * pristine image prints "boot 1" again; a restart that reused the
	 * memory as the last run left it would print "boot 2". */
	uart_printf("ticker: boot %u\n", image_boots++);
	uart_printf("ticker: counter 0x%lx at start, %s\n", (unsigned long)vct,
		    pct_before <= vct && vct <= pct_after ? "the physical count" :
		    "offset from the physical count");
	if (cfg.fault == FAULT_PANIC || cfg.fault == FAULT_WARM_RESET)
		reset_state_check();
	if (cfg.virtio)
		virtio_check();

	freq = cntfrq();
	own_ram = dt_mem_holding((uintptr_t)_image_start);
	if (!dt.have_gic || !own_ram || freq < 1000) {
		uart_printf("ticker: error: need a GICv3 and /memory in the DTB and CNTFRQ_EL0 "
			    "of 1 kHz or more (gic %d memory %d cntfrq %lu)\n",
			    dt.have_gic, own_ram != NULL, (unsigned long)freq);
		power_off();
	}
	period = cfg.period_ms * freq / 1000;

	uint64_t mpidr = read_mpidr();
	gic_set_bases(dt.gicd, dt.gicr, dt.gicr_size);
	gic_dist_enable();
	uint64_t rd = gic_find_redist(mpidr, 0);
	if (!rd || gic_redist_init(rd, 1u << dt.vtimer_intid)) {
		uart_printf("ticker: error: no usable redistributor for mpidr 0x%lx (0x%lx)\n",
			    (unsigned long)mpidr, (unsigned long)rd);
		power_off();
	}
	gic_cpu_init();

	if (cfg.windows) {
		window_probe();
		power_off();
	}

	uint64_t start = cntvct(), last = start, max_gap = 0;
	unsigned long seen = ticks, done = 0;
	timer_start(start);
	irq_unmask();

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
	}
	uart_printf("ticker: done beats=%lu max_gap_ms=%lu\n", done,
		    (unsigned long)ticks_to_ms(max_gap));
	power_off();
}
