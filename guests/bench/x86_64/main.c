/*
 * bench, x86_64: what a hypervisor costs a bare-metal guest, as the
 * aarch64 bench (../main.c) measures it, made to run under QEMU -icount
 * shift=0 so that every figure is a count of instructions and repeats
 * exactly. The same image boots bare on QEMU's q35 (SeaBIOS, QEMU's own
 * local APIC and 16550) and under Tessera (the multiboot contract both
 * give, guests/common/x86_64/start.h).
 *
 * One clock: the TSC, the machine's instruction clock under -icount
 * (bench.h). Per-operation figures are instructions of the whole machine
 * per operation, its loop minus the empty loop (bench_asm.S): the null
 * hypercall (VMMCALL TESSERA_HC_VERSION; bare, VMMCALL is undefined),
 * CPUID (intercepted under Tessera, QEMU's own bare), a read of the local
 * APIC's version register (MMIO) and of the 16550's LSR (a port), the
 * local APIC timer one-shot from its deadline to the guest's handler, an
 * IPI round trip to vCPU 1 and back; then the fixed workload (workload.h)
 * and the boot figures (the TSC at the C entry and after the first line).
 * Printed as "BENCH name=<figure> key=value ..." lines for
 * scripts/bench.py; docs/performance.md says what each one means. ticks
 * are the TSC's, the same clock as insns.
 *
 * vCPU 1 only answers IPIs; while vCPU 0 measures anything else it sleeps
 * in HLT, so that the instruction clock counts vCPU 0's work alone.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "bench.h"
#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "report.h"
#include "trap.h"
#include "uart.h"
#include "workload.h"

#define ITERS			1000	/* every averaged figure */
#define WARMUP			16	/* iterations of the timer and IPI tests not counted */
/* Bus ticks (divide by 1) from the timer's start to its deadline: longer
 * than the hypervisor takes for the write that starts it, so that the
 * deadline falls while the guest waits for it. */
#define TIMER_DELAY		50000u

#define VEC_PING		IRQ_FIRST		/* vCPU 0 -> vCPU 1 */
#define VEC_PONG		(IRQ_FIRST + 1)		/* vCPU 1 -> vCPU 0 */
#define VEC_TIMER		(IRQ_FIRST + 2)

#define LAPIC_VERSION		0x030
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_DIV		0x3e0
#define SVR_ENABLE_SPURIOUS_FF	0x1ff
#define TIMER_DIVIDE_1		0xb
#define UART_LSR		5
#define TESSERA_HC_VERSION	0xc6000000u
#define CPUID_VENDOR		0

static atomic_uint secondary_ready;
static atomic_uint stop_responder;

/* Interrupt stamps (the TSC as the handler starts), each by one vCPU. */
static volatile uint64_t timer_stamp;
static atomic_uint timer_fired;
static atomic_bool pong_mode;		/* vCPU 1 answers each ping */
static atomic_uint ping_count;
static volatile uint64_t pong_stamp;
static atomic_uint pong_count;
static volatile uint32_t other_irqs;

/* --- interrupts: the timer and IPIs, stamped first thing --- */

static void ipi_send(uint32_t apic_id, uint32_t vector)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, vector);		/* fixed, physical, no shorthand */
}

static void on_irq(unsigned vector)
{
	uint64_t now = rdtsc();

	if (vector == VEC_TIMER) {
		timer_stamp = now;
		atomic_fetch_add_explicit(&timer_fired, 1, memory_order_release);
	} else if (vector == VEC_PING) {
		if (atomic_load_explicit(&pong_mode, memory_order_relaxed))
			ipi_send(0, VEC_PONG);
		atomic_fetch_add_explicit(&ping_count, 1, memory_order_release);
	} else if (vector == VEC_PONG) {
		pong_stamp = now;
		atomic_fetch_add_explicit(&pong_count, 1, memory_order_release);
	} else {
		other_irqs++;
	}
	lapic_write(LAPIC_EOI, 0);
}

/* Take interrupts until *counter moves from old: interrupts off, HLT, on
 * to take the one that woke us (STI's shadow covers the HLT). */
static void wait_change(atomic_uint *counter, unsigned int old)
{
	while (atomic_load_explicit(counter, memory_order_acquire) == old)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* --- measurements --- */

typedef void loop_fn(uint64_t n, uint64_t arg, uint64_t addr);

/* fn's loop minus the empty loop: what its operation costs, per ITERS. */
static void bench_op(const char *name, loop_fn *fn, uint64_t arg, uint64_t addr)
{
	uint64_t t0 = rdtsc();
	fn(ITERS, arg, addr);
	uint64_t t1 = rdtsc();
	loop_empty(ITERS, arg, addr);
	uint64_t t2 = rdtsc();
	int64_t cost = (int64_t)(t1 - t0) - (int64_t)(t2 - t1);

	report_op(name, ITERS, cost, cost);
}

/* Is VMMCALL there (a hypervisor answers it) or undefined (#UD)? */
static bool vmmcall_answered(void)
{
	uint64_t rax = TESSERA_HC_VERSION;

	return !TRY_INSN("vmmcall", : "+a"(rax) : : "rbx", "rcx", "rdx", "r11", "memory");
}

/*
 * The local APIC timer, one-shot: its initial count written TIMER_DELAY
 * bus ticks ahead, divided by 1; spin with interrupts on (vCPU 1 sleeps:
 * with every CPU asleep the clock would jump); the handler stamps the TSC.
 * The deadline is the write's place on the instruction clock plus the
 * delay (QEMU's local APIC counts its 1 GHz bus clock, one tick per
 * instruction here); the figure is from there to the stamp. Under Tessera
 * the count starts when the hypervisor has decoded the write, later:
 * that is part of what the guest sees.
 */
static void bench_timer(void)
{
	int64_t insns = 0;

	lapic_write(LAPIC_TIMER_DIV, TIMER_DIVIDE_1);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);		/* one-shot, unmasked */
	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		unsigned int fired = atomic_load_explicit(&timer_fired, memory_order_relaxed);
		uint64_t t = write32_stamped(LAPIC_BASE + LAPIC_TIMER_INIT, TIMER_DELAY);
		__asm__ volatile("sti" ::: "memory");
		while (atomic_load_explicit(&timer_fired, memory_order_acquire) == fired)
			cpu_relax();
		__asm__ volatile("cli" ::: "memory");
		if (i >= WARMUP)
			insns += (int64_t)(timer_stamp - (t + 1 + TIMER_DELAY));
	}
	report_op("timer_latency", ITERS, insns, insns);
}

/*
 * IPI round trip: vCPU 0 sends a fixed IPI to vCPU 1 (its ICR, high word
 * then low), whose handler sends one back; from before vCPU 0's first ICR
 * write to its handler's stamp. It waits in HLT.
 */
static void bench_ipi_roundtrip(void)
{
	int64_t insns = 0;

	atomic_store_explicit(&pong_mode, true, memory_order_release);
	for (unsigned int i = 0; i < WARMUP + ITERS; i++) {
		unsigned int old = atomic_load_explicit(&pong_count, memory_order_relaxed);
		uint64_t t0 = rdtsc();
		ipi_send(1, VEC_PING);
		wait_change(&pong_count, old);
		if (i >= WARMUP)
			insns += (int64_t)(pong_stamp - t0);
	}
	atomic_store_explicit(&pong_mode, false, memory_order_release);
	report_op("ipi_roundtrip", ITERS, insns, insns);
}

static void bench_workload(uint32_t mbi)
{
	uint64_t *buf = workload_place(0, mb_ram_end(mbi), 0, 0);

	if (!buf)
		die("no room for the %lu MiB workload buffer in RAM (multiboot mem_upper)", WL_BYTES >> 20);
	crc_init();
	uint64_t t0 = rdtsc();
	uint32_t crc = workload(buf);
	uint64_t t1 = rdtsc();

	report_workload(t1 - t0, t1 - t0, crc);
}

/* --- vCPU 1: answers IPIs until told to stop --- */

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	(void)apic_id;
	if (vcpu != 1)
		return;			/* start.S parks it */
	trap_init();
	lapic_write(LAPIC_SVR, SVR_ENABLE_SPURIOUS_FF);
	atomic_store_explicit(&secondary_ready, 1, memory_order_release);
	ipi_send(0, VEC_PONG);		/* vCPU 0 waits for it in HLT */
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		if (atomic_load_explicit(&stop_responder, memory_order_acquire))
			break;
		__asm__ volatile("sti; hlt" ::: "memory");	/* the IPI that woke us is taken here */
	}
}

/* --- vCPU 0 --- */

void boot_main(uint32_t mbi)
{
	uint64_t entry = rdtsc();

	/* The first line, at once (on COM1): how long it takes to appear is a figure. */
	uart_printf("bench: guest up\n");
	uint64_t first_line = rdtsc();

	mb_console(mbi);
	trap_init();
	irq_handler = on_irq;
	lapic_write(LAPIC_SVR, SVR_ENABLE_SPURIOUS_FF);
	uint32_t r[4];
	cpuid(1, r);
	unsigned int n = (r[3] & (1u << 28)) ? (r[1] >> 16) & 0xff : 1;
	if (r[1] >> 24 != 0 || n < 2)
		die("need 2 vCPUs, booting on APIC id 0 (APIC id 0x%x, %u vCPUs)", r[1] >> 24, n);
	say("BENCH name=info clock=tsc multiboot=0x%x ram_end=0x%lx\n", mbi,
	    (unsigned long)mb_ram_end(mbi));
	say("BENCH name=boot_entry iters=1 ticks_total=%lu insns_total=%lu\n",
	    (unsigned long)entry, (unsigned long)entry);
	say("BENCH name=boot_first_line iters=1 ticks_total=%lu insns_total=%lu\n",
	    (unsigned long)first_line, (unsigned long)first_line);

	/* vCPU 1 (APIC id 1) by INIT-SIPI-SIPI; it wakes us with an IPI. */
	ap_start_install();
	ipi_send(1, ICR_INIT | ICR_ASSERT);
	ipi_send(1, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
	ipi_send(1, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
	while (!atomic_load_explicit(&secondary_ready, memory_order_acquire))
		wait_change(&pong_count, atomic_load_explicit(&pong_count, memory_order_relaxed));

	/* Each operation alone (vCPU 1 asleep). */
	bench_op("nop", loop_nop, 0, 0);
	if (vmmcall_answered())
		bench_op("vmmcall", loop_vmmcall, TESSERA_HC_VERSION, 0);
	else
		say("BENCH name=vmmcall unavailable=\"VMMCALL is an undefined instruction here\"\n");
	bench_op("cpuid", loop_cpuid, CPUID_VENDOR, 0);
	bench_op("mmio_lapic_read", loop_mov32, 0, LAPIC_BASE + LAPIC_VERSION);
	bench_op("pio_uart_read", loop_inb, 0, UART_DEFAULT_BASE + UART_LSR);
	bench_timer();
	bench_ipi_roundtrip();
	bench_workload(mbi);

	atomic_store_explicit(&stop_responder, 1, memory_order_release);
	ipi_send(1, VEC_PING);
	say("BENCH name=end other_irqs=%u\n", other_irqs);
	say("bench: done\n");
	power_off();
}
