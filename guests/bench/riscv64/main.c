/*
 * bench, riscv64: what a hypervisor costs a bare-metal guest, as the
 * aarch64 bench (../main.c) measures it, made to run under QEMU -icount
 * shift=0 so that every figure is a count of instructions and repeats
 * exactly. The same image boots bare (OpenSBI answers its SBI calls, QEMU's
 * models its devices) and under Tessera.
 *
 * Two clocks:
 *   - time (the time CSR, QEMU virt's 10 MHz: 100 instructions a tick);
 *   - instret, QEMU's virtual clock in ns under -icount: one per
 *     instruction of any hart in any mode (bench.h). A calibration against
 *     the time CSR's tick edge (calibrate) maps a deadline in time to the
 *     instruction clock.
 * Per-operation figures are instructions of the whole machine per
 * operation, its loop minus the empty loop (bench_asm.S): the null SBI
 * call (BASE get_spec_version), a read of the 16550's LSR, the timer from
 * its deadline to the guest's handler, an IPI round trip to vCPU 1 and
 * back through SBI; then the fixed workload (workload.h) and the boot
 * figures (instret at the C entry and after the first line). Printed as
 * "BENCH name=<figure> key=value ..." lines for scripts/bench.py;
 * docs/performance.md says what each one means. "of which in the
 * hypervisor" has no counterpart here: instret counts every mode.
 *
 * vCPU 1 only answers IPIs; while vCPU 0 measures anything else it sleeps
 * in WFI, so that the instruction clock counts vCPU 0's work alone.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "bench.h"
#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "report.h"
#include "sbi.h"
#include "trap.h"
#include "uart.h"
#include "workload_dt.h"

#define ITERS			1000	/* every averaged figure */
#define WARMUP			16	/* iterations of the timer and IPI tests not counted */
#define TIMER_DELAY		4	/* ticks from arming the timer to its deadline */
#define UART_LSR		5	/* 16550 line status register */
#define TIMEBASE_DEFAULT	10000000UL
#define CAUSE_SSOFT		(CAUSE_INTERRUPT | 1)
#define CAUSE_STIMER		(CAUSE_INTERRUPT | 5)
#define SIP_SSIP		(1UL << 1)

static uint64_t ns_per_tick;		/* instructions (ns) per tick of time */
static int64_t edge_t, edge_i;		/* time edge_t began at instruction clock edge_i */

static atomic_uint secondary_ready;
static atomic_uint stop_responder;

/* Interrupt stamps (instret at trap_handle's entry), each by one vCPU. */
static volatile uint64_t timer_stamp;
static atomic_uint timer_fired;
static atomic_bool pong_mode;		/* vCPU 1 answers each IPI */
static atomic_uint ping_count;
static volatile uint64_t pong_stamp;
static atomic_uint pong_count;
static unsigned long pong_hart;		/* vCPU 0's hart id, where vCPU 1 answers */
static volatile uint32_t other_irqs;

static void irq_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static void irq_on(void) { csr_set(sstatus, SSTATUS_SIE); }

static void __attribute__((noreturn)) power_off(void)
{
	sbi_power_off("bench: FAIL ");
}

/* --- the clocks --- */

/*
 * Where a tick of time begins on the instruction clock: the first pair
 * whose time differs from the pair before read it first; its rdtime ran
 * one instruction after its rdinstret. False without a whole ns_per_tick
 * (no -icount) or an edge.
 */
static bool calibrate(void)
{
	uint64_t s[2 * EDGE_PAIRS];

	edge_sample(s);
	for (unsigned int k = 1; ns_per_tick && k < EDGE_PAIRS; k++) {
		if (s[2 * k + 1] != s[2 * k - 1]) {
			edge_t = (int64_t)s[2 * k + 1];
			edge_i = (int64_t)s[2 * k] + 1;
			return true;
		}
	}
	return false;
}

/* The instruction clock when time reaches t. */
static int64_t insn_clock_at(uint64_t t)
{
	return edge_i + ((int64_t)t - edge_t) * (int64_t)ns_per_tick;
}

/* --- traps: the timer and IPIs, stamped first thing --- */

void trap_handle(struct trap_frame *f)
{
	uint64_t now = rdinstret();

	if (f->scause == CAUSE_STIMER) {
		sbi_set_timer(~0ULL);
		timer_stamp = now;
		atomic_fetch_add_explicit(&timer_fired, 1, memory_order_release);
	} else if (f->scause == CAUSE_SSOFT) {
		csr_clear(sip, SIP_SSIP);
		if (this_vcpu() == 1) {
			if (atomic_load_explicit(&pong_mode, memory_order_relaxed))
				sbi_call(SBI_EXT_IPI, 0, 1, pong_hart, 0, 0);
			atomic_fetch_add_explicit(&ping_count, 1, memory_order_release);
		} else {
			pong_stamp = now;
			atomic_fetch_add_explicit(&pong_count, 1, memory_order_release);
		}
	} else if (f->scause & CAUSE_INTERRUPT) {
		other_irqs++;
	} else {
		trap_fatal("bench: FAIL ", f);
	}
}

/* --- measurements --- */

typedef void loop_fn(uint64_t n, uint64_t arg, uint64_t addr);

struct sample {
	int64_t ticks, insns;
};

static struct sample run_loop(loop_fn *fn, uint64_t n, uint64_t arg, uint64_t addr)
{
	uint64_t t0 = read_time(), i0 = rdinstret();
	fn(n, arg, addr);
	uint64_t i1 = rdinstret(), t1 = read_time();

	return (struct sample){ (int64_t)(t1 - t0), (int64_t)(i1 - i0) };
}

/* fn's loop minus the empty loop: what its operation costs, per ITERS. */
static void bench_op(const char *name, loop_fn *fn, uint64_t arg, uint64_t addr)
{
	struct sample m = run_loop(fn, ITERS, arg, addr);
	struct sample e = run_loop(loop_empty, ITERS, arg, addr);

	report_op(name, ITERS, m.ticks - e.ticks, m.insns - e.insns);
}

/*
 * The timer: set_timer TIMER_DELAY ticks ahead, spin (vCPU 1 sleeps: with
 * every hart asleep the clock would jump), and stamp the handler. Ticks:
 * time there minus the deadline; instructions: from the deadline's to the
 * stamp's. Bare with Sstc the hart raises the interrupt itself; without,
 * OpenSBI does from its M-mode timer; under Tessera with Sstc the hart
 * raises the guest's (vstimecmp), without, Tessera does from its own.
 */
static void bench_timer(void)
{
	int64_t ticks = 0, insns = 0;

	csr_set(sie, SIE_STIE);
	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		irq_off();
		unsigned int fired = atomic_load_explicit(&timer_fired, memory_order_relaxed);
		uint64_t deadline = read_time() + TIMER_DELAY;
		sbi_set_timer(deadline);
		irq_on();
		while (atomic_load_explicit(&timer_fired, memory_order_acquire) == fired)
			;
		if (i < WARMUP)
			continue;
		ticks += (int64_t)((timer_stamp - (uint64_t)edge_i) / ns_per_tick + (uint64_t)edge_t - deadline);
		insns += (int64_t)timer_stamp - insn_clock_at(deadline);
	}
	csr_clear(sie, SIE_STIE);
	report_op("timer_latency", ITERS, ticks, insns);
}

/*
 * IPI round trip: vCPU 0 sends an IPI to vCPU 1 (SBI IPI), whose handler
 * sends one back; from before vCPU 0's ECALL to its handler's stamp. It
 * waits the usual way: interrupts off, WFI, on to take it.
 */
static void bench_ipi_roundtrip(void)
{
	int64_t ticks = 0, insns = 0;

	atomic_store_explicit(&pong_mode, true, memory_order_release);
	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		irq_off();
		unsigned int old = atomic_load_explicit(&pong_count, memory_order_relaxed);
		uint64_t t0 = read_time(), i0 = rdinstret();
		sbi_call(SBI_EXT_IPI, 0, 1, dt.cpu_id[1], 0, 0);
		while (atomic_load_explicit(&pong_count, memory_order_acquire) == old) {
			wfi();
			irq_on();
			irq_off();
		}
		uint64_t t1 = read_time();
		irq_on();
		if (i < WARMUP)
			continue;
		ticks += (int64_t)(t1 - t0);
		insns += (int64_t)(pong_stamp - i0);
	}
	atomic_store_explicit(&pong_mode, false, memory_order_release);
	report_op("ipi_roundtrip", ITERS, ticks, insns);
}

static void bench_workload(uintptr_t dtb)
{
	uint64_t *buf = workload_buffer(dtb);

	if (!buf)
		die("no room for the %lu MiB workload buffer in /memory", WL_BYTES >> 20);
	crc_init();
	uint64_t t0 = read_time(), i0 = rdinstret();
	uint32_t crc = workload(buf);
	uint64_t i1 = rdinstret(), t1 = read_time();

	report_workload(t1 - t0, i1 - i0, crc);
}

/* --- vCPU 1: answers IPIs until told to stop --- */

void secondary_main(unsigned long vcpu, unsigned long hartid)
{
	(void)hartid;
	if (vcpu != 1)
		cpu_halt();
	csr_set(sie, SIE_SSIE);
	atomic_store_explicit(&secondary_ready, 1, memory_order_release);
	sbi_call(SBI_EXT_IPI, 0, 1, pong_hart, 0, 0);	/* vCPU 0 waits for it in WFI */
	for (;;) {
		irq_off();
		if (atomic_load_explicit(&stop_responder, memory_order_acquire))
			break;
		wfi();
		irq_on();	/* the IPI that woke us is taken here */
	}
	cpu_halt();
}

/* --- vCPU 0 --- */

void boot_main(uintptr_t dtb, unsigned long hartid)
{
	uint64_t entry = rdinstret();

	/* The first line, at once: how long it takes to appear is a figure. */
	uart_printf("bench: guest up\n");
	uint64_t first_line = rdinstret();

	if (dt_scan(dtb, NULL, NULL) != 0)
		die("bad device tree at 0x%lx", (unsigned long)dtb);
	int self = dt_vcpu_index(hartid);
	if (self != 0 || dt.ncpus < 2)
		die("need 2 harts in /cpus, booting on the first (hart 0x%lx, %u harts)",
		    hartid, dt.ncpus);
	set_this_vcpu(0);
	pong_hart = hartid;
	uint64_t timebase = dt.timebase_hz ? dt.timebase_hz : TIMEBASE_DEFAULT;
	ns_per_tick = 1000000000ul % timebase == 0 ? 1000000000ul / timebase : 0;
	bool exact = calibrate();

	say("BENCH name=info timebase=%lu ns_per_tick=%lu exact_clock=%u dtb=0x%lx\n",
	    (unsigned long)timebase, (unsigned long)ns_per_tick, exact, (unsigned long)dtb);
	say("BENCH name=boot_entry iters=1 ticks_total=0 insns_total=%lu\n", (unsigned long)entry);
	say("BENCH name=boot_first_line iters=1 ticks_total=0 insns_total=%lu\n", (unsigned long)first_line);
	if (!exact)
		die("no tick edge of time in %u reads: not under -icount shift=0?", EDGE_PAIRS);

	csr_set(sie, SIE_SSIE);
	struct sbiret r = sbi_hart_start(dt.cpu_id[1], (uintptr_t)secondary_entry, 1);
	if (r.error != SBI_SUCCESS)
		die("hart_start(0x%lx) returned %ld", (unsigned long)dt.cpu_id[1], r.error);
	/* Wait in WFI, not spinning: under -icount QEMU runs one hart at a
	 * time and would give vCPU 1 its turn only after 100 ms of ours. */
	irq_off();
	while (!atomic_load_explicit(&secondary_ready, memory_order_acquire)) {
		wfi();
		irq_on();
		irq_off();
	}
	irq_on();

	/* Each operation alone (vCPU 1 asleep). */
	bench_op("nop", loop_nop, 0, 0);
	bench_op("sbi", loop_ecall, SBI_EXT_BASE, 0);
	bench_op("mmio_uart_read", loop_lbu, 0, (dt.have_uart ? dt.uart_base : UART_DEFAULT_BASE) + UART_LSR);
	calibrate();
	bench_timer();
	bench_ipi_roundtrip();
	bench_workload(dtb);

	atomic_store_explicit(&stop_responder, 1, memory_order_release);
	sbi_call(SBI_EXT_IPI, 0, 1, dt.cpu_id[1], 0, 0);
	say("BENCH name=end other_irqs=%u\n", other_irqs);
	say("bench: done\n");
	power_off();
}
