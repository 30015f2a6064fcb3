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
 *     abort-loop  VBAR_EL1 and a load both outside its RAM: every exception
 *                 faults again, forever (each one a stage-2 fault under a
 *                 hypervisor)
 *     spin        all interrupts masked, a branch to itself, forever
 *     off         PSCI CPU_OFF of its only running vCPU
 *     wild-write  a store just past its RAM; the synchronous external abort
 *                 it expects is reported and the beats go on
 *
 * Output:
 *   ticker: start <name>
 *   ticker: boot <n>
 *   ticker: PMU and debug registers as after reset (pmu yes|no)  (fault=panic)
 *   ticker: beat <i> t=<ms>                     (virtual time since start)
 *   ticker: done beats=<n> max_gap_ms=<g>       (then PSCI SYSTEM_OFF)
 *   ticker: <fault kind>, ticker: abort at 0x<addr>
 * Anything wrong prints a line with "ticker: error".
 *
 * Only the vCPU it is entered on runs; it never starts the others. It waits
 * in WFI for the timer interrupt (PPI 27 through the GICv3 the DTB names).
 */
#include <stddef.h>

#include "fdt.h"
#include "gic.h"
#include "ticker.h"

/* In .data, so it lives in the image (see the boot line in main). */
static volatile unsigned image_boots = 1;
#include "uart.h"

/* PSCI function IDs (Arm DEN 0022) */
#define PSCI_CPU_OFF		0x84000002UL
#define PSCI_SYSTEM_OFF		0x84000008UL
#define PSCI_SYSTEM_RESET	0x84000009UL

/* ESR_EL1 */
#define ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define EC_DABT_CUR		0x25	/* data abort taken without a change of EL */
#define ESR_DFSC(esr)		((esr) & 0x3f)
#define DFSC_SEA		0x10	/* synchronous external abort */
#define ESR_FNV			(1u << 10)	/* FAR not valid */

enum fault { FAULT_NONE, FAULT_PANIC, FAULT_ABORT_LOOP, FAULT_SPIN, FAULT_OFF, FAULT_WILD_WRITE };
static const char *const fault_names[] = {
	[FAULT_PANIC] = "panic",
	[FAULT_ABORT_LOOP] = "abort-loop",
	[FAULT_SPIN] = "spin",
	[FAULT_OFF] = "off",
	[FAULT_WILD_WRITE] = "wild-write",
};

extern char _image_start[];		/* linker.ld */

/* What the device tree told us. */
static struct {
	const char *bootargs;		/* NULL if /chosen has none */
	uint32_t bootargs_len;
	bool have_uart;
	uint64_t uart_base;
	bool psci_smc;
	bool have_gic;
	uint64_t gicd, gicr, gicr_size;
	bool have_ram;
	uint64_t ram_base, ram_end;	/* the /memory range holding our image */
} dt;

bool psci_use_smc;			/* read by psci_call in start.S */

/* What the bootargs asked for. */
static struct {
	char name[32];
	unsigned long beats, period_ms, after;
	enum fault fault;
} cfg = { .name = "ticker", .beats = 20, .period_ms = 50, .after = 5 };

static uint64_t freq;			/* CNTFRQ_EL0, counter ticks per second */
static uint64_t period;			/* in counter ticks */
static uint64_t next_beat;		/* CNTV_CVAL_EL0: when the timer fires next */

/* Written by the IRQ handler, read by the main loop with IRQs masked. */
static volatile unsigned long ticks;	/* timer interrupts taken */
static volatile uint64_t tick_at;	/* counter when the last one was taken */

static volatile bool wild_write_pending;	/* the abort we asked for may come */

static uint64_t ticks_to_ms(uint64_t t)
{
	return t / freq * 1000 + t % freq * 1000 / freq;
}

/* --- the device tree --- */

static void scan_node(void *ctx, const struct fdt_node *n)
{
	const void *v;
	uint32_t len;

	(void)ctx;

	if (n->depth == 1 && fdt_name_is(n->name, "chosen")) {
		v = fdt_prop(n, "bootargs", &len);
		if (v && len) {
			dt.bootargs = v;
			dt.bootargs_len = len;
		}
		return;
	}
	if (n->depth == 1 && fdt_name_is(n->name, "psci")) {
		v = fdt_prop(n, "method", &len);
		dt.psci_smc = v && fdt_stringlist_contains(v, len, "smc");
		return;
	}
	if (n->depth == 1 && fdt_name_is(n->name, "memory")) {
		/* reg: (base, size) pairs; we want the one our image is in. */
		uint32_t cells = n->addr_cells + n->size_cells;
		const uint8_t *r = fdt_prop(n, "reg", &len);
		if (!r || !n->addr_cells || !n->size_cells)
			return;
		for (; len >= 4 * cells; r += 4 * cells, len -= 4 * cells) {
			uint64_t base = fdt_read_cells(r, n->addr_cells);
			uint64_t size = fdt_read_cells(r + 4 * n->addr_cells, n->size_cells);
			if ((uintptr_t)_image_start >= base && (uintptr_t)_image_start - base < size) {
				dt.ram_base = base;
				dt.ram_end = base + size;
				dt.have_ram = true;
			}
		}
		return;
	}

	v = fdt_prop(n, "compatible", &len);
	if (!v)
		return;
	if (!dt.have_gic && fdt_stringlist_contains(v, len, "arm,gic-v3")) {
		/* reg: the distributor, then the (first) redistributor region. */
		uint32_t cells = n->addr_cells + n->size_cells;
		const uint8_t *r = fdt_prop(n, "reg", &len);
		if (r && n->addr_cells && n->size_cells && len >= 2 * 4 * cells) {
			dt.gicd = fdt_read_cells(r, n->addr_cells);
			dt.gicr = fdt_read_cells(r + 4 * cells, n->addr_cells);
			dt.gicr_size = fdt_read_cells(r + 4 * (cells + n->addr_cells), n->size_cells);
			dt.have_gic = true;
		}
		return;
	}
	if (!dt.have_uart && fdt_stringlist_contains(v, len, "arm,pl011")) {
		const void *st = fdt_prop(n, "status", &len);
		if (st && !fdt_stringlist_contains(st, len, "okay") &&
		    !fdt_stringlist_contains(st, len, "ok"))
			return;
		v = fdt_prop(n, "reg", &len);
		if (v && n->addr_cells && len >= 4 * n->addr_cells) {
			dt.uart_base = fdt_read_cells(v, n->addr_cells);
			dt.have_uart = true;
		}
	}
}

/* --- the bootargs --- */

/* If the word w (length wlen) is "key=value", the value and its length. */
static const char *word_value(const char *w, size_t wlen, const char *key, size_t *vlen)
{
	size_t k = 0;

	while (key[k] && k < wlen && w[k] == key[k])
		k++;
	if (key[k] || k == wlen || w[k] != '=')
		return NULL;
	*vlen = wlen - k - 1;
	return w + k + 1;
}

static bool value_is(const char *v, size_t vlen, const char *s)
{
	size_t i = 0;

	while (i < vlen && s[i] && v[i] == s[i])
		i++;
	return i == vlen && !s[i];
}

/* A decimal number of at most 9 digits into *out; false if it is not one. */
static bool parse_num(const char *v, size_t vlen, unsigned long *out)
{
	unsigned long n = 0;

	if (vlen == 0 || vlen > 9)
		return false;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	*out = n;
	return true;
}

static void parse_word(const char *w, size_t wlen)
{
	const char *v;
	size_t vlen;
	bool ok = true;

	if ((v = word_value(w, wlen, "name", &vlen))) {
		size_t i;
		for (i = 0; i < vlen && i < sizeof(cfg.name) - 1; i++)
			cfg.name[i] = v[i];
		cfg.name[i] = '\0';
	} else if ((v = word_value(w, wlen, "beats", &vlen))) {
		ok = parse_num(v, vlen, &cfg.beats);
	} else if ((v = word_value(w, wlen, "period_ms", &vlen))) {
		ok = parse_num(v, vlen, &cfg.period_ms) && cfg.period_ms > 0;
		if (!ok)
			cfg.period_ms = 50;
	} else if ((v = word_value(w, wlen, "after", &vlen))) {
		ok = parse_num(v, vlen, &cfg.after);
	} else if ((v = word_value(w, wlen, "fault", &vlen))) {
		ok = false;
		for (unsigned int f = FAULT_NONE + 1; f <= FAULT_WILD_WRITE; f++) {
			if (value_is(v, vlen, fault_names[f])) {
				cfg.fault = (enum fault)f;
				ok = true;
			}
		}
	}
	if (!ok) {	/* say so: a typo must not pass for a quiet run */
		uart_printf("ticker: error: ignoring bad bootargs word \"");
		for (size_t i = 0; i < wlen; i++)
			uart_putc(w[i]);
		uart_printf("\"\n");
	}
}

static void parse_bootargs(void)
{
	const char *s = dt.bootargs, *end = s + dt.bootargs_len;

	if (!s)
		return;
	while (s < end && *s) {
		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		const char *w = s;
		while (s < end && *s && *s != ' ' && *s != '\t')
			s++;
		parse_word(w, (size_t)(s - w));
	}
}

/* --- the timer --- */

static void timer_start(uint64_t now)
{
	next_beat = now + period;
	write_sysreg(cntv_cval_el0, next_beat);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
}

static void timer_stop(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
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
	timer_stop();
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;)
		wfi();
}

static void __attribute__((noreturn)) power_off(void)
{
	timer_stop();
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	long ret = psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	uart_printf("ticker: error: SYSTEM_OFF returned %ld\n", ret);
	halt();
}

/*
 * Misbehave as cfg.fault says. Only wild-write returns; the others end this
 * vCPU's useful life (or report that they could not).
 */
static void misbehave(void)
{
	const char *kind = fault_names[cfg.fault];
	uint64_t outside = dt.ram_end;	/* the first byte after our RAM */
	long ret;

	uart_printf("ticker: %s\n", kind);
	if (cfg.fault == FAULT_WILD_WRITE) {
		wild_write_pending = true;
		/* One STR: the abort handler steps over it. */
		__asm__ volatile("str %w0, [%1]" : : "r"(0xdeadbeefu), "r"(outside) : "memory");
		if (wild_write_pending) {
			wild_write_pending = false;
			uart_printf("ticker: error: the write to 0x%lx did not abort\n",
				    (unsigned long)outside);
		}
		return;
	}

	timer_stop();
	switch (cfg.fault) {
	case FAULT_PANIC:
		reset_state_dirty();    /* for the next instance to find cleared */
		ret = psci_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		uart_printf("ticker: error: SYSTEM_RESET returned %ld\n", ret);
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
		__asm__ volatile("msr daifset, #0xf\n"
				 "1:\tb 1b" ::: "memory");
		break;
	case FAULT_OFF:
		irq_mask();
		ret = psci_call(PSCI_CPU_OFF, 0, 0, 0);
		uart_printf("ticker: error: CPU_OFF returned %ld\n", ret);
		break;
	default:
		break;
	}
	halt();
}

/* --- entry points --- */

static void handle_irqs(void)
{
	for (;;) {
		uint32_t iar = gic_ack();
		uint32_t intid = iar & 0xffffff;
		if (intid >= INTID_SPURIOUS_FIRST)
			return;
		if (intid == INTID_VTIMER)
			timer_irq();
		else
			uart_printf("ticker: error: unexpected interrupt %u\n", intid);
		gic_eoi(iar);
	}
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far)
{
	static bool reported;

	if (vector == VECTOR_IRQ_EL1_SPX) {
		handle_irqs();
		return;
	}
	if (vector == VECTOR_SYNC_EL1_SPX && wild_write_pending && ESR_EC(esr) == EC_DABT_CUR) {
		wild_write_pending = false;
		if (esr & ESR_FNV)
			uart_printf("ticker: abort at 0x? (FAR not valid)\n");
		else
			uart_printf("ticker: abort at 0x%lx\n", far);
		if (ESR_DFSC(esr) != DFSC_SEA)
			uart_printf("ticker: error: not an external abort: esr 0x%lx\n", esr);
		write_sysreg(elr_el1, elr + 4);		/* step over the store */
		return;
	}
	/* Anything else is a bug (ours or the hypervisor's): say so and stop. */
	if (!reported) {	/* once: SYSTEM_OFF may fault too */
		reported = true;
		uart_printf("ticker: error: unexpected exception: vector 0x%lx esr 0x%lx "
			    "elr 0x%lx far 0x%lx\n", vector * 0x80, esr, elr, far);
		power_off();
	}
	halt();
}

void boot_main(uintptr_t dtb)
{
	int err;

	/* Only read the DTB where the identity map has Normal memory. */
	if (dtb < RAM_BASE || dtb >= RAM_END)
		err = -FDT_ERR_SIZE;
	else
		err = fdt_walk((const void *)dtb, (uint32_t)(RAM_END - dtb), scan_node, NULL);
	if (dt.have_uart)
		uart_set_base(dt.uart_base);
	psci_use_smc = dt.psci_smc;
	if (err) {
		uart_printf("ticker: error: bad device tree at 0x%lx (error %d)\n",
			    (unsigned long)dtb, err);
		power_off();
	}
	parse_bootargs();

	uart_printf("ticker: start %s\n", cfg.name);
	/* An initialised variable in the image itself: a restart from a
	 * pristine image prints "boot 1" again; a restart that reused the
	 * memory as the last run left it would print "boot 2". */
	uart_printf("ticker: boot %u\n", image_boots++);
	if (cfg.fault == FAULT_PANIC)
		reset_state_check();

	freq = read_sysreg(cntfrq_el0);
	if (!dt.have_gic || !dt.have_ram || freq < 1000) {
		uart_printf("ticker: error: need a GICv3 and /memory in the DTB and CNTFRQ_EL0 "
			    "of 1 kHz or more (gic %d memory %d cntfrq %lu)\n",
			    dt.have_gic, dt.have_ram, (unsigned long)freq);
		power_off();
	}
	period = cfg.period_ms * freq / 1000;

	uint64_t mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	gic_set_bases(dt.gicd, dt.gicr, dt.gicr_size);
	gic_dist_enable();
	uint64_t rd = gic_find_redist(mpidr, 0);
	if (!rd || gic_redist_init(rd, 1u << INTID_VTIMER)) {
		uart_printf("ticker: error: no usable redistributor for mpidr 0x%lx (0x%lx)\n",
			    (unsigned long)mpidr, (unsigned long)rd);
		power_off();
	}
	gic_cpu_init();

	uint64_t start = cntvct(), last = start, max_gap = 0;
	unsigned long seen = ticks, done = 0;
	timer_start(start);
	irq_unmask();

	for (;;) {
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
