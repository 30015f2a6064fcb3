/*
 * ticker, x86_64: a bare-metal heartbeat for isolation tests. It beats
 * every period (counted in TSC ticks: QEMU's TCG has no fixed TSC rate, so
 * a period is a count, not a time), checks that nothing changed its own
 * memory between beats, and powers its partition off after the last.
 *
 * Command line words (multiboot): name=<s> (default "ticker"), beats=<n>
 * (default 20), period=<TSC ticks> (default 20000000), console=0x<port>.
 *
 * Output: "ticker: start <name>", "ticker: beat <i>", "ticker: done
 * beats=<n>" (then ACPI power-off); "ticker: error ..." if its memory
 * changed under it.
 *
 * On a CPU shared by a cyclic schedule (time partitioning), the words of
 * args.h as on the other architectures; the TSC's rate is measured against
 * the ACPI PM timer (3.579545 MHz, ACPI 6.4 4.8.3.3) first:
 *   windows=, frame_us=, at_us=, bound_us=  the window probe (../window.c)
 *                     with interrupts masked, and marks of its own in
 *                     state only a full vCPU switch keeps, read back at
 *                     the end: "ticker: its state kept across <n> windows
 *                     (FS_BASE, KernelGsBase, DR0, MXCSR, XMM15, YMM15)"
 *                     (YMM15 if the CPU has AVX)
 *   frame_us=         beats of period_ms on its local APIC's TSC-deadline
 *                     timer, waited for in HLT; the same marks must hold at
 *                     each beat; with at_us= and until_us= each beat must
 *                     come inside its windows: "ticker: beats <n> inside
 *                     its windows, state kept"
 *   fault=spin        after `after` beats: interrupts off (CLI), reading
 *                     the TSC for spin_ms, then "ticker: spun <n> ms with
 *                     interrupts masked" and power off
 */
#include <stdbool.h>

#include "apic.h"
#include "args.h"
#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "trap.h"
#include "uart.h"
#include "window.h"

#define VEC_TIMER		IRQ_FIRST
#define PM_TIMER_PORT		0x608u		/* q35's PMBASE 0x600 + 8, as under Tessera */
#define PM_TIMER_HZ		3579545u
#define PM_TIMER_MASK		0xffffffu
#define CALIBRATE_PM_TICKS	(PM_TIMER_HZ / 5u)	/* 200 ms */
#define READ_PAIR_MAX		20000u		/* TSC ticks: a pair of reads not split by a switch */
#define MSR_FS_BASE		0xc0000100u
#define MSR_KERNEL_GS_BASE	0xc0000102u
#define CR4_OSFXSR		(1ul << 9)
#define CR4_OSXSAVE		(1ul << 18)
#define CPUID1_ECX_XSAVE	(1u << 26)
#define CPUID1_ECX_AVX		(1u << 28)
#define XCR0_X87_SSE_AVX	7u

static volatile uint64_t canary[64];

static uint64_t freq;			/* TSC ticks per second */
static volatile unsigned long ticks;	/* timer interrupts taken */
static volatile uint64_t tick_at;	/* the TSC when the last one was taken */
static uint64_t next_beat, period;	/* TSC-deadline timer, in TSC ticks */
static bool have_avx;

/* --- the plain heartbeat (a dedicated CPU) --- */

static void heartbeat(uint32_t multiboot_info)
{
	char name[32];
	unsigned long beats = mb_arg(multiboot_info, "beats", 20);
	unsigned long plain_period = mb_arg(multiboot_info, "period", 20000000);

	mb_str(multiboot_info, "name", name, sizeof(name), "ticker");
	for (unsigned i = 0; i < 64; i++)
		canary[i] = 0x5a5a5a5a00000000ull | i;
	say("ticker: start %s\n", name);
	for (unsigned long b = 1; b <= beats; b++) {
		uint64_t start = rdtsc();
		while (rdtsc() - start < plain_period)
			cpu_relax();
		for (unsigned i = 0; i < 64; i++)
			if (canary[i] != (0x5a5a5a5a00000000ull | i))
				say("ticker: error: its memory changed at word %u\n", i);
		say("ticker: beat %lu\n", b);
	}
	say("ticker: done beats=%lu\n", beats);
	power_off();
}

/* --- time: the TSC's rate --- */

static uint32_t pm_timer(void)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PM_TIMER_PORT));
	return v & PM_TIMER_MASK;
}

/* The PM timer and the TSC read together: a pair a window switch split
 * (the TSC reads far apart) is read again. */
static void pm_and_tsc(uint32_t *pm, uint64_t *tsc)
{
	for (;;) {
		uint64_t t0 = rdtsc();
		uint32_t p = pm_timer();
		uint64_t t1 = rdtsc();
		if (t1 - t0 < READ_PAIR_MAX) {
			*pm = p;
			*tsc = t0 + (t1 - t0) / 2;
			return;
		}
	}
}

/* The TSC's rate: the hypervisor's own, where it gives it (CPUID leaf
 * 0x40000010, EAX in kHz, behind the "TesseraTessr" signature), so that
 * the window probe places the table's times exactly where the schedule
 * does; else measured against the ACPI PM timer, which is only as close
 * as its reads (a few ppm, bare QEMU). */
static uint64_t tsc_rate(void)
{
	uint32_t pm0, pm1, r[4];
	uint64_t tsc0, tsc1;

	if (tessera_max_leaf() >= 0x40000010u) {
		cpuid(0x40000010u, r);
		if (r[0]) {
			say("ticker: TSC rate from the hypervisor\n");
			return (uint64_t)r[0] * 1000u;
		}
	}
	pm_and_tsc(&pm0, &tsc0);
	do
		pm_and_tsc(&pm1, &tsc1);
	while (((pm1 - pm0) & PM_TIMER_MASK) < CALIBRATE_PM_TICKS);
	return (tsc1 - tsc0) * PM_TIMER_HZ / ((pm1 - pm0) & PM_TIMER_MASK);
}

static uint64_t tsc_read(void)
{
	return rdtsc();
}

/* --- marks: state only a full vCPU switch keeps --- */

struct marks {
	uint64_t fs_base, kernel_gs_base, dr0, xmm15, ymm15_high;
	uint32_t mxcsr;
};

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* SSE on (CR4.OSFXSR), and AVX (CR4.OSXSAVE, XCR0) where the CPU has it. */
static void simd_on(void)
{
	uint32_t r[4];

	cpuid(1, r);
	have_avx = (r[2] & CPUID1_ECX_XSAVE) && (r[2] & CPUID1_ECX_AVX);
	__asm__ volatile("mov %0, %%cr4" :: "r"(read_cr4() | CR4_OSFXSR | (have_avx ? CR4_OSXSAVE : 0)));
	if (have_avx)
		__asm__ volatile("xsetbv" :: "c"(0u), "a"(XCR0_X87_SSE_AVX), "d"(0u));
}

static struct marks marks_wanted(void)
{
	uint64_t h = 0x5a5a;

	for (const char *c = cfg.name; *c; c++)
		h = h * 31 + (unsigned char)*c;
	return (struct marks){
		.fs_base = (h << 12) & 0x7fffffffffffull,		/* canonical */
		.kernel_gs_base = (h << 16 | 0x55) & 0x7fffffffffffull,
		.dr0 = (h << 4) & 0x7fffffffffffull,
		.xmm15 = h << 20 | 0xf3,
		.ymm15_high = h << 8 | 0x3c,
		.mxcsr = 0x1f80u | (uint32_t)(h % 4) << 13,		/* its rounding mode, exceptions masked */
	};
}

static void marks_set(const struct marks *m)
{
	wrmsr(MSR_FS_BASE, m->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, m->kernel_gs_base);
	__asm__ volatile("mov %0, %%dr0" :: "r"(m->dr0));
	__asm__ volatile("ldmxcsr %0" :: "m"(m->mxcsr));
	__asm__ volatile("movq %0, %%xmm15" :: "r"(m->xmm15));
	/* YMM15[255:128] = ymm15_high, through XMM14: the compiler uses no
	 * vector register here (-mgeneral-regs-only), so none is clobbered. */
	if (have_avx)
		__asm__ volatile("movq %0, %%xmm14\n\tvinsertf128 $1, %%xmm14, %%ymm15, %%ymm15" :: "r"(m->ymm15_high));
}

static struct marks marks_now(void)
{
	struct marks m = { 0 };

	m.fs_base = rdmsr(MSR_FS_BASE);
	m.kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	__asm__ volatile("mov %%dr0, %0" : "=r"(m.dr0));
	__asm__ volatile("stmxcsr %0" : "=m"(m.mxcsr));
	__asm__ volatile("movq %%xmm15, %0" : "=r"(m.xmm15));
	if (have_avx)
		__asm__ volatile("vextractf128 $1, %%ymm15, %%xmm14\n\tmovq %%xmm14, %0" : "=r"(m.ymm15_high));
	return m;
}

static bool marks_kept(const struct marks *want)
{
	struct marks m = marks_now();

	if (m.fs_base == want->fs_base && m.kernel_gs_base == want->kernel_gs_base && m.dr0 == want->dr0 &&
	    m.mxcsr == want->mxcsr && m.xmm15 == want->xmm15 && (!have_avx || m.ymm15_high == want->ymm15_high))
		return true;
	say("ticker: error: state lost across windows: FS_BASE 0x%lx KernelGsBase 0x%lx DR0 0x%lx MXCSR 0x%x "
	    "XMM15 0x%lx YMM15[191:128] 0x%lx\n", (unsigned long)m.fs_base, (unsigned long)m.kernel_gs_base,
	    (unsigned long)m.dr0, m.mxcsr, (unsigned long)m.xmm15, (unsigned long)m.ymm15_high);
	return false;
}

static const char *marks_names(void)
{
	return have_avx ? "FS_BASE, KernelGsBase, DR0, MXCSR, XMM15, YMM15" : "FS_BASE, KernelGsBase, DR0, MXCSR, XMM15";
}

/* --- on a shared CPU --- */

static void window_probe(void)
{
	const struct window_counter c = { tsc_read, freq };
	const struct marks m = marks_wanted();
	struct window_starts starts;

	marks_set(&m);
	__asm__ volatile("cli");
	window_probe_measure(&c, &starts);
	if (marks_kept(&m))
		say("ticker: its state kept across %lu windows (%s)\n", starts.seen, marks_names());
	window_probe_report(&c, &starts);
}

/* The TSC-deadline timer's interrupt: the next beat one period on, missed
 * ones skipped. */
static void on_irq(unsigned vector)
{
	uint64_t now = rdtsc();

	if (vector != VEC_TIMER)
		return;
	tick_at = now;
	ticks++;
	do
		next_beat += period;
	while (next_beat <= now);
	wrmsr(MSR_TSC_DEADLINE, next_beat);
	lapic_write(LAPIC_EOI, 0);
}

/* Halt until the timer interrupt after *seen; its time. */
static uint64_t wait_beat(unsigned long *seen)
{
	while (ticks == *seen)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	*seen = ticks;
	return tick_at;
}

static void __attribute__((noreturn)) spin(void)
{
	uint64_t until = rdtsc() + cfg.spin_ms * freq / 1000;

	say("ticker: %s\n", fault_names[FAULT_SPIN]);
	__asm__ volatile("cli");
	while (rdtsc() < until)
		;
	say("ticker: spun %lu ms with interrupts masked\n", cfg.spin_ms);
	power_off();
}

static void __attribute__((noreturn)) shared_cpu(void)
{
	const struct window_counter c = { tsc_read, freq };
	const struct marks m = marks_wanted();
	unsigned long seen = 0, done = 0, outside = 0, lost = 0;

	if (cfg.windows) {
		window_probe();
		power_off();
	}
	marks_set(&m);
	trap_init();
	irq_handler = on_irq;
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
	period = cfg.period_ms * freq / 1000;
	next_beat = rdtsc() + period;
	wrmsr(MSR_TSC_DEADLINE, next_beat);
	while (!cfg.beats || done < cfg.beats) {
		if (cfg.fault == FAULT_SPIN && done == cfg.after)
			spin();
		uint64_t at = wait_beat(&seen);
		done++;
		say("ticker: beat %lu\n", done);
		outside += (unsigned long)window_beat_outside(&c, done, at);
		if (!marks_kept(&m))
			lost++;
	}
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	window_beats_report(done, outside, lost);
	power_off();
}

void boot_main(uint32_t multiboot_info)
{
	const char *line = mb_cmdline(multiboot_info);
	uint32_t len = 0;

	mb_console(multiboot_info);
	while (line[len])
		len++;
	args_parse(line, len);
	if (!cfg.frame_us && cfg.fault != FAULT_SPIN)
		heartbeat(multiboot_info);
	say("ticker: start %s\n", cfg.name);
	simd_on();
	freq = tsc_rate();
	say("ticker: TSC at %lu kHz\n", (unsigned long)(freq / 1000));
	shared_cpu();
}

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	(void)vcpu;
	(void)apic_id;
	for (;;)
		__asm__ volatile("cli; hlt");
}
