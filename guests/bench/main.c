/*
 * bench: measures what a hypervisor costs a bare-metal guest, made to run
 * under QEMU -icount shift=0 (one instruction = 1 ns of virtual time), so
 * that every figure is a count of instructions and repeats exactly.
 * The same image boots bare under QEMU (-kernel) and under Tessera; the
 * difference between the two runs is the hypervisor's.
 *
 * Two clocks:
 *   - the generic counter (CNTVCT_EL0, CNTPCT_EL0), shared by all CPUs:
 *     one tick is 1e9 / CNTFRQ ns, 16 instructions at QEMU's 62.5 MHz;
 *   - the PMU cycle counter (PMCCNTR_EL0), per CPU: QEMU derives it from
 *     the same virtual clock, 1 GHz, so under -icount shift=0 it counts
 *     one per instruction of any CPU (EL2 included when PMCCFILTR_EL0.NSH).
 *     A calibration against the shared counter's tick edge (edge_ns) turns
 *     it into the machine's instruction clock, comparable across CPUs.
 * The instruction clock an instruction reads counts every instruction
 * executed since reset, itself included (QEMU charges an instruction before
 * it runs): bare, the first counter read at _start + 4 reads 8 (QEMU's
 * 6-instruction boot stub, the branch at _start, the read).
 * Figures are printed as "BENCH name=<figure> key=value ..." lines for
 * scripts/bench.py; docs/performance.md says what each one means.
 *
 * vCPU 1 only answers SGIs; while vCPU 0 measures anything else it sleeps
 * in WFI, so that the instruction clock counts vCPU 0's work alone (under
 * -icount all CPUs share one clock, run in turn on one host thread).
 *
 * With the word "boot-only" in /chosen/bootargs it prints the boot figures
 * and powers off (one vCPU is enough): for a boot of several partitions,
 * each one a bench guest (configs/bench-pair.toml).
 */
#include <stdatomic.h>
#include <stddef.h>

#include "bench.h"
#include "bootargs.h"
#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "exception.h"
#include "gic.h"
#include "pmu.h"
#include "psci.h"
#include "report.h"
#include "timer.h"
#include "uart.h"
#include "workload_dt.h"

#define ITERS			1000	/* every averaged figure */
#define WARMUP			16	/* iterations of the cross-CPU tests not counted */
#define TIMER_DELAY		64	/* ticks from arming the timer to its deadline */

#define SGI_PING		1	/* vCPU 0 -> vCPU 1 */
#define SGI_PONG		2	/* vCPU 1 -> vCPU 0 */
#define ENABLED_INTIDS		(1u << SGI_PING | 1u << SGI_PONG | 1u << dt.vtimer_intid)

/* What the MMIO figures touch */
#define GICD_ISENABLER1		0x0104	/* enable bits of INTIDs 32-63 */
#define GICD_IPRIORITYR		0x0400	/* one byte per INTID */
#define CONSOLE_SPI		33	/* the console's interrupt: the partition owns it */
#define UARTFR			0x018	/* PL011 flag register */
#define VIRTIO_MAGIC		0x000	/* virtio-mmio MagicValue, "virt" */

static uint64_t freq;			/* CNTFRQ_EL0 */
static uint64_t ns_per_tick;		/* 1e9 / freq if whole, else 0 (no exact clock) */
static bool pmu;			/* PMCCNTR is ours, counting EL1 and EL2 */
static int64_t ns_off[MAX_VCPUS];	/* instruction clock = PMCCNTR + ns_off, per vCPU */

static atomic_uint secondary_ready;
static atomic_uint stop_responder;

/* Probing an instruction that may be undefined here: the sync handler
 * skips it and counts. */
static volatile bool probing;
static volatile unsigned int probe_faults;

/* Interrupt stamps, written by the handlers (each by one vCPU only). */
static volatile uint64_t timer_vct, timer_pmc;
static atomic_uint timer_fired;
static volatile uint64_t ping_vct, ping_pmc;	/* vCPU 1, at its handler's entry */
static atomic_uint ping_count;
static atomic_bool pong_mode;			/* vCPU 1 answers each ping */
/*
 * vCPU 0's MPIDR, where vCPU 1's handler sends the pong: a copy of
 * dt.cpu_id[0] in this file's data, so that the handler (part of the timed
 * round trip) loads it in one instruction; dt, in dt.c, takes two.
 */
static uint64_t pong_mpidr;
static volatile uint64_t pong_vct, pong_pmc;	/* vCPU 0, at its handler's entry */
static atomic_uint pong_count;
static volatile uint32_t other_irqs;

/* --- output --- */

static void __attribute__((noreturn)) power_off(void)
{
	irq_mask();
	psci_system_off();
	cpu_park();
}

/*
 * One figure: "BENCH name=N iters=I ticks=avg ticks_total=T [insns=avg
 * insns_total=S] [el1_insns_total=E]". have_el1: E was measured (the
 * counter not counting EL2), so S - E is what EL2 executed.
 */
static void report(const char *name, uint64_t iters, int64_t ticks, bool have_insns, int64_t insns,
		   bool have_el1, int64_t el1_insns)
{
	console_lock();
	uart_printf("BENCH name=%s iters=%lu ticks=", name, (unsigned long)iters);
	put_avg(ticks, iters);
	uart_printf(" ticks_total=%ld", (long)ticks);
	if (have_insns) {
		uart_printf(" insns=");
		put_avg(insns, iters);
		uart_printf(" insns_total=%ld", (long)insns);
	}
	if (have_el1)
		uart_printf(" el1_insns_total=%ld", (long)el1_insns);
	uart_putc('\n');
	console_unlock();
}

/* --- the device tree --- */

/* The lowest virtio-mmio transport of the tree (bare: QEMU's first of 32;
 * under Tessera: the one configs/bench.toml gives, at the same address). */
static uint64_t virtio_base;

static void scan_virtio(void *ctx, const struct fdt_node *n)
{
	uint32_t len;
	const void *v = fdt_prop(n, "compatible", &len);

	(void)ctx;
	if (!v || !fdt_stringlist_contains(v, len, "virtio,mmio"))
		return;
	v = fdt_prop(n, "reg", &len);
	if (v && n->addr_cells && len >= 4 * n->addr_cells) {
		uint64_t base = fdt_read_cells(v, n->addr_cells);
		if (!virtio_base || base < virtio_base)
			virtio_base = base;
	}
}

/* --- clocks --- */

/*
 * r[0..EDGE_READS-1]: CNTPCT read by consecutive instructions. Under
 * -icount shift=0 the k-th read happens at instruction clock t0 + k and
 * returns floor((t0 + k) / ns_per_tick); at the first read that differs
 * from the one before, t0 + k is a multiple of ns_per_tick: r[k] *
 * ns_per_tick. Returns t0 (the instruction clock of read 0), or -1 if the
 * reads do not look like that (no icount, or a tick longer than
 * EDGE_READS - 1 instructions).
 */
static int64_t edge_ns(const uint64_t *r)
{
	int64_t t0 = -1;

	if (!ns_per_tick)
		return -1;
	for (unsigned int k = 1; k < EDGE_READS; k++) {
		if (r[k] == r[k - 1])
			continue;
		if (r[k] != r[k - 1] + 1)
			return -1;
		int64_t t = (int64_t)(r[k] * ns_per_tick) - k;
		if (t0 >= 0 && t != t0)
			return -1;	/* a second edge must agree with the first */
		t0 = t;
	}
	return t0;
}

/* CNTPCT - CNTVCT: CNTVOFF_EL2 as the hypervisor set it (0 bare). Exact
 * when no tick passes during the three reads; without -icount a tick (16 ns
 * at 62.5 MHz) may always pass, and then it is off by one or so. */
static uint64_t virtual_offset(void)
{
	uint64_t p1, v, p2;

	for (unsigned int tries = 0; tries < 1000; tries++) {
		p1 = cntpct();
		v = cntvct();
		p2 = cntpct();
		if (p1 == p2)
			break;
	}
	return p1 - v;
}

static void pmu_enable(void)
{
	__asm__ volatile("msr pmcr_el0, %0\n\t"
			 "msr pmcntenset_el0, %1\n\t"
			 "msr pmccfiltr_el0, %2\n\t"
			 "isb"
			 : : "r"((uint64_t)(PMCR_E | PMCR_C)), "r"((uint64_t)PMCNTEN_C),
			     "r"((uint64_t)PMCCFILTR_NSH) : "memory");
}

/* Count EL2 (the hypervisor) in PMCCNTR or not. */
static void pmu_count_el2(bool on)
{
	__asm__ volatile("msr pmccfiltr_el0, %0\n\tisb"
			 : : "r"((uint64_t)(on ? PMCCFILTR_NSH : 0)) : "memory");
}

/*
 * Is the PMU cycle counter there and ours? ID_AA64DFR0_EL1 says whether
 * there is a PMUv3; a hypervisor may still trap the registers
 * (MDCR_EL2.TPM/TPMCR), which we see as an undefined instruction. Then the
 * counter must count, one per instruction under -icount: 16 NOPs between
 * two reads.
 */
static const char *pmu_probe(uint64_t *pmuver)
{
	uint64_t p0, p1;

	*pmuver = pmu_version();
	if (!pmu_v3(*pmuver))
		return "no PMUv3 (ID_AA64DFR0_EL1.PMUVer)";
	probing = true;
	probe_faults = 0;
	pmu_enable();
	__asm__ volatile("isb\n\tmrs %0, pmccntr_el0\n\t"
			 ".rept 16\n\tnop\n\t.endr\n\t"
			 "mrs %1, pmccntr_el0" : "=r"(p0), "=r"(p1) : : "memory");
	probing = false;
	if (probe_faults)
		return "PMU registers trap (undefined instruction)";
	if (p1 == p0)
		return "PMCCNTR_EL0 does not count";
	return NULL;
}

/* This vCPU's ns_off: PMCCNTR read right before an exact counter reading. */
static bool calibrate(unsigned int self)
{
	uint64_t s[1 + EDGE_READS];

	for (unsigned int tries = 0; tries < 4; tries++) {
		edge_sample_pmu(s);
		int64_t t0 = edge_ns(s + 1);
		if (t0 >= 0) {
			ns_off[self] = t0 - 1 - (int64_t)s[0];
			return true;
		}
	}
	return false;
}

/* --- interrupts --- */

/*
 * Its own loop rather than gic_handle_irqs: the frame's stamps go with the
 * first interrupt only, and vCPU 1's pass through here is part of the
 * timed round trip, which an indirect call would lengthen.
 */
static void irq_handle(struct exc_frame *f)
{
	unsigned int self = this_vcpu();
	bool first = true;

	for (;;) {
		uint32_t iar = gic_ack();
		uint32_t intid = iar & 0xffffff;
		if (intid >= INTID_SPURIOUS_FIRST)
			break;
		/* The stamps are the entry's: they time the first interrupt only. */
		if (intid == dt.vtimer_intid) {
			vtimer_stop();
			if (first) {
				timer_vct = f->hook[STAMP_VCT];
				timer_pmc = f->hook[STAMP_PMC];
			}
			atomic_fetch_add_explicit(&timer_fired, 1, memory_order_release);
		} else if (intid == SGI_PING && self == 1) {
			if (atomic_load_explicit(&pong_mode, memory_order_relaxed))
				sgi_send_stamped(gic_sgi1r_value(SGI_PONG, pong_mpidr), false);
			if (first) {
				ping_vct = f->hook[STAMP_VCT];
				ping_pmc = f->hook[STAMP_PMC];
			}
			atomic_fetch_add_explicit(&ping_count, 1, memory_order_release);
		} else if (intid == SGI_PONG && self == 0) {
			if (first) {
				pong_vct = f->hook[STAMP_VCT];
				pong_pmc = f->hook[STAMP_PMC];
			}
			atomic_fetch_add_explicit(&pong_count, 1, memory_order_release);
		} else {
			other_irqs++;
		}
		first = false;
		gic_eoi(iar);
	}
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame)
{
	if (vector == VECTOR_IRQ_EL1_SPX) {
		irq_handle(frame);
		return;
	}
	if (vector == VECTOR_SYNC_EL1_SPX && probing) {
		probe_faults++;
		write_sysreg(elr_el1, elr + 4);
		return;
	}
	exception_fatal("bench: FAIL ", vector, esr, elr, far);
}

static bool gic_this_cpu_init(unsigned int self)
{
	unsigned int frames;
	uint64_t rd = gic_find_redist(dt.cpu_id[self], &frames);

	if (!rd || gic_redist_init(rd, ENABLED_INTIDS))
		return false;
	gic_cpu_init();
	return true;
}

/* --- measurements --- */

typedef void loop_fn(uint64_t n, uint64_t arg, uint64_t addr);

struct sample {
	int64_t ticks, insns;
};

static struct sample run_loop(loop_fn *fn, uint64_t n, uint64_t arg, uint64_t addr)
{
	uint64_t t0 = cntvct(), p0 = pmu ? pmccntr() : 0;
	fn(n, arg, addr);
	uint64_t p1 = pmu ? pmccntr() : 0, t1 = cntvct();

	return (struct sample){ (int64_t)(t1 - t0), (int64_t)(p1 - p0) };
}

/* fn's loop minus the empty loop: what its operation costs, per run of ITERS. */
static struct sample op_cost(loop_fn *fn, uint64_t arg, uint64_t addr)
{
	struct sample m = run_loop(fn, ITERS, arg, addr);
	struct sample e = run_loop(loop_empty, ITERS, arg, addr);

	return (struct sample){ m.ticks - e.ticks, m.insns - e.insns };
}

/* A figure of one operation on vCPU 0: with the hypervisor counted, then
 * (PMU only) without, for the EL1/EL2 split. */
static void bench_op(const char *name, loop_fn *fn, uint64_t arg, uint64_t addr)
{
	struct sample s = op_cost(fn, arg, addr);
	struct sample el1 = { 0, 0 };

	if (pmu) {
		pmu_count_el2(false);
		el1 = op_cost(fn, arg, addr);
		pmu_count_el2(true);
	}
	report(name, ITERS, s.ticks, pmu, s.insns, pmu, el1.insns);
}

/*
 * Virtual timer latency: arm CNTV_CVAL_EL0 TIMER_DELAY ticks ahead, spin
 * (never WFI: vCPU 1 sleeps, and with every CPU asleep QEMU's clock would
 * follow the host's, or jump with sleep=off), and stamp the handler's
 * entry. Ticks: CNTVCT there minus CVAL. Instructions: those executed
 * after the deadline (instruction clock (CVAL + CNTVOFF) * ns_per_tick) and
 * before the vector's first one; 0 on bare QEMU.
 */
static void bench_timer(void)
{
	uint64_t voff = virtual_offset();
	int64_t ticks = 0, insns = 0;

	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		irq_mask();
		unsigned int fired = atomic_load_explicit(&timer_fired, memory_order_relaxed);
		uint64_t cval = cntvct() + TIMER_DELAY;
		__asm__ volatile("msr cntv_cval_el0, %0\n\t"
				 "msr cntv_ctl_el0, %1\n\t"
				 "isb" : : "r"(cval), "r"(1ul) : "memory");
		irq_unmask();
		while (atomic_load_explicit(&timer_fired, memory_order_acquire) == fired)
			;
		if (i < WARMUP)
			continue;
		ticks += (int64_t)(timer_vct - cval);
		if (pmu)	/* clock through the vector's first instruction - clock at the deadline - 1 */
			insns += (int64_t)timer_pmc + ns_off[0] - VECTOR_STAMP_INSNS -
				 (int64_t)((cval + voff) * ns_per_tick) - 1;
	}
	report("timer_latency", ITERS, ticks, pmu, insns, false, 0);
}

/*
 * SGI from vCPU 0 to vCPU 1: the instructions from the one that writes
 * ICC_SGI1R_EL1 (included) to the first of vCPU 1's vector (excluded), on
 * both vCPUs: QEMU runs them in turn, so vCPU 0's own instructions until
 * it waits count too. It waits in WFE (a yield in QEMU: vCPU 1 runs).
 */
static void bench_sgi_latency(void)
{
	uint64_t v = gic_sgi1r_value(SGI_PING, dt.cpu_id[1]);
	int64_t ticks = 0, insns = 0;

	atomic_store_explicit(&pong_mode, false, memory_order_relaxed);
	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		unsigned int old = atomic_load_explicit(&ping_count, memory_order_relaxed);
		uint64_t t0 = cntvct();
		uint64_t p0 = sgi_send_stamped(v, pmu);
		while (atomic_load_explicit(&ping_count, memory_order_acquire) == old)
			wfe();
		if (i < WARMUP)
			continue;
		ticks += (int64_t)(ping_vct - t0);
		if (pmu)	/* vector's first instruction - the write - 1 */
			insns += ((int64_t)ping_pmc + ns_off[1] - VECTOR_STAMP_INSNS) -
				 ((int64_t)p0 + ns_off[0] + 1) - 1;
	}
	report("sgi_latency", ITERS, ticks, pmu, insns, false, 0);
}

/*
 * SGI ping/pong: vCPU 0 sends SGI 1, vCPU 1's handler sends SGI 2 back;
 * from vCPU 0's ICC_SGI1R_EL1 write (included) to the first instruction of
 * its vector for SGI 2 (excluded). It waits the usual way: IRQs masked,
 * WFI, unmask to take it.
 */
static void bench_sgi_roundtrip(void)
{
	uint64_t v = gic_sgi1r_value(SGI_PING, dt.cpu_id[1]);
	int64_t ticks = 0, insns = 0;

	atomic_store_explicit(&pong_mode, true, memory_order_release);
	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		irq_mask();
		unsigned int old = atomic_load_explicit(&pong_count, memory_order_relaxed);
		uint64_t t0 = cntvct();
		uint64_t p0 = sgi_send_stamped(v, pmu);
		while (atomic_load_explicit(&pong_count, memory_order_acquire) == old) {
			wfi();
			irq_unmask();
			irq_mask();
		}
		irq_unmask();
		if (i < WARMUP)
			continue;
		ticks += (int64_t)(pong_vct - t0);
		if (pmu)
			insns += ((int64_t)pong_pmc - VECTOR_STAMP_INSNS) - ((int64_t)p0 + 1) - 1;
	}
	atomic_store_explicit(&pong_mode, false, memory_order_release);
	report("sgi_roundtrip", ITERS, ticks, pmu, insns, false, 0);
}

/* --- the fixed workload --- */

static void bench_workload(uintptr_t dtb)
{
	uint64_t *buf = workload_buffer(dtb);

	if (!buf)
		die("no room for the %lu MiB workload buffer in /memory", WL_BYTES >> 20);
	crc_init();
	uint64_t t0 = cntvct(), p0 = pmu ? pmccntr() : 0;
	uint32_t crc = workload(buf);
	uint64_t p1 = pmu ? pmccntr() : 0, t1 = cntvct();

	console_lock();
	uart_printf("BENCH name=workload iters=1 ticks_total=%lu", (unsigned long)(t1 - t0));
	if (pmu)
		uart_printf(" insns_total=%lu", (unsigned long)(p1 - p0));
	uart_printf(" bytes=%lu passes=%u crc=0x%x\n", WL_BYTES, WL_PASSES, crc);
	console_unlock();
}

/* --- vCPU 1: answers SGIs until told to stop --- */

void secondary_main(unsigned long vcpu)
{
	if (vcpu != 1) {
		for (;;)
			wfi();
	}
	set_this_vcpu(1);
	if (!gic_this_cpu_init(1))
		die("vcpu 1: no redistributor for mpidr 0x%lx", (unsigned long)dt.cpu_id[1]);
	if (pmu) {
		pmu_enable();
		if (!calibrate(1))
			die("vcpu 1: no tick edge in %u counter reads", EDGE_READS);
		vectors_use_pmu();
	}
	atomic_store_explicit(&secondary_ready, 1, memory_order_release);
	dsb_sev();
	for (;;) {
		irq_mask();
		if (atomic_load_explicit(&stop_responder, memory_order_acquire))
			break;
		wfi();
		irq_unmask();	/* the SGI that woke us is taken here */
	}
	for (;;)
		wfi();
}

/* --- vCPU 0 --- */

static bool boot_only;

static void parse_word(const char *w, size_t wlen)
{
	if (bootargs_is(w, wlen, "boot-only"))
		boot_only = true;
}

void boot_main(uintptr_t dtb)
{
	uint64_t line[1 + EDGE_READS];

	set_this_vcpu(0);
	/* The first line, at once: how long it takes to appear is a figure. */
	uart_printf("bench: guest up\n");
	edge_sample(line);

	if (dt_scan(dtb, scan_virtio, NULL) != 0)
		die("bad device tree at 0x%lx", (unsigned long)dtb);
	bootargs_for_each(dt.bootargs, dt.bootargs_len, parse_word);
	if (dt.ncpus < 2 && !boot_only)
		die("need 2 vcpus, /cpus lists %u", dt.ncpus);
	if (!dt.have_gic)
		die("no arm,gic-v3 node");
	pong_mpidr = dt.cpu_id[0];

	freq = cntfrq();
	ns_per_tick = freq && 1000000000ul % freq == 0 ? 1000000000ul / freq : 0;

	/* Boot: instruction clock at our first instruction (_start, a branch,
	 * one before the first counter read) and after the first line. */
	int64_t entry_ns = edge_ns(boot_pct), line_ns = edge_ns(line + 1);
	bool exact = entry_ns >= 0 && line_ns >= 0;
	uint64_t pmuver;
	const char *no_pmu = pmu_probe(&pmuver);
	pmu = no_pmu == NULL && exact;

	console_lock();
	uart_printf("BENCH name=info cntfrq=%lu ns_per_tick=%lu exact_clock=%u pmuver=%lu pmu=%u "
		    "psci=%s dtb=0x%lx", (unsigned long)freq, (unsigned long)ns_per_tick,
		    exact, (unsigned long)pmuver, pmu, dt.psci_smc ? "smc" : "hvc",
		    (unsigned long)dtb);
	if (no_pmu)
		uart_printf(" pmu_why=\"%s\"", no_pmu);
	uart_printf(" cntvoff=%ld\n", (long)virtual_offset());
	console_unlock();

	console_lock();
	uart_printf("BENCH name=boot_entry iters=1 ticks_total=%lu", (unsigned long)boot_pct[0]);
	if (exact)	/* before _start, the instruction before the first read */
		uart_printf(" insns_total=%ld", (long)(entry_ns - 2));
	uart_printf("\nBENCH name=boot_first_line iters=1 ticks_total=%lu", (unsigned long)line[1]);
	if (exact)	/* before the first read after the line */
		uart_printf(" insns_total=%ld", (long)(line_ns - 1));
	uart_putc('\n');
	console_unlock();
	if (boot_only) {
		say("bench: done\n");
		power_off();
	}

	gic_set_bases(dt.gicd, dt.gicr, dt.gicr_size);
	gic_dist_enable();
	if (!gic_this_cpu_init(0))
		die("vcpu 0: no redistributor for mpidr 0x%lx", (unsigned long)dt.cpu_id[0]);

	if (pmu) {
		if (!calibrate(0))
			die("vcpu 0: no tick edge in %u counter reads", EDGE_READS);
		vectors_use_pmu();
	}

	long ret = psci_cpu_on(dt.cpu_id[1], (uintptr_t)secondary_entry, 1);
	if (ret != PSCI_SUCCESS)
		die("CPU_ON(0x%lx) returned %ld", (unsigned long)dt.cpu_id[1], ret);
	while (!atomic_load_explicit(&secondary_ready, memory_order_acquire))
		wfe();

	/* Is SMC a call here? Bare QEMU without EL3 makes it undefined. */
	probing = true;
	probe_faults = 0;
	loop_smc(1, PSCI_VERSION, 0);
	probing = false;
	bool smc_ok = probe_faults == 0;

	/* Each operation alone (vCPU 1 asleep). */
	bench_op("nop", loop_nop, 0, 0);
	bench_op("hvc", loop_hvc, PSCI_VERSION, 0);
	if (smc_ok)
		bench_op("smc", loop_smc, PSCI_VERSION, 0);
	else
		say("BENCH name=smc unavailable=\"SMC is an undefined instruction here\"\n");
	bench_op("mmio_gicd_read", loop_ldr32, 0, dt.gicd + GICD_ISENABLER1);
	bench_op("mmio_gicd_write", loop_strb, GIC_PRIO_DEFAULT,
		 dt.gicd + GICD_IPRIORITYR + CONSOLE_SPI);
	bench_op("mmio_uart_read", loop_ldr32, 0,
		 (dt.have_uart ? dt.uart_base : UART_DEFAULT_BASE) + UARTFR);
	if (virtio_base)
		bench_op("mmio_virtio_read", loop_ldr32, 0, virtio_base + VIRTIO_MAGIC);
	else
		say("BENCH name=mmio_virtio_read unavailable=\"no virtio,mmio node in the device tree\"\n");

	if (pmu)	/* the EL2 split above stopped the counter at EL2 for a while */
		calibrate(0);
	bench_timer();
	bench_sgi_latency();
	bench_sgi_roundtrip();

	/* Clock check: instructions per tick, over a long stretch. */
	bench_workload(dtb);

	atomic_store_explicit(&stop_responder, 1, memory_order_release);
	sgi_send_stamped(gic_sgi1r_value(SGI_PING, dt.cpu_id[1]), false);
	say("BENCH name=end other_irqs=%u\n", other_irqs);
	say("bench: done\n");
	power_off();
}
