/*
 * smp-hello, x86_64: the boot vCPU learns the vCPU count from CPUID (leaf
 * 1, EBX[23:16]), starts the others by INIT-SIPI-SIPI through its local
 * APIC (APIC ids 0..n-1, start page AP_START), each checks its APIC id
 * (CPUID against the local APIC's ID register, an MMIO read) and reports,
 * all meet. Then interrupts: the boot vCPU sends each other vCPU a fixed
 * IPI (each waits for it in HLT and acknowledges it with an EOI), and runs
 * its local APIC timer one-shot, then periodic. With "echo=1" on its
 * command line it then reads a typed line through its UART's receive
 * interrupt (routed by the I/O APIC) and says it back. With "beats=<n>"
 * (and "period=<TSC ticks>", default 20000000) it then beats n times, a
 * line each (the partition beside a Linux one shows it keeps its CPUs and
 * console while Linux boots). With "timer_waits=<n>" it first waits n
 * times in HLT for a one-shot timer armed with a count from 1 up, so that
 * it expires anywhere between the arming and the HLT (after STI). The boot
 * vCPU powers off through ACPI. The same image
 * boots bare on QEMU's q35 (-kernel). Its console is COM1 (0x3f8), or the
 * port a "console=0x2f8" word of the multiboot command line names (COM2,
 * where the ArceOS hypervisor's second x86 guest prints).
 */
#include <stdatomic.h>

#include "apic.h"
#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "trap.h"
#include "uart.h"

#define VEC_IPI		IRQ_FIRST
#define VEC_TIMER	(IRQ_FIRST + 1)
#define VEC_UART	(IRQ_FIRST + 2)

static atomic_uint arrived;
static unsigned int failures;
static atomic_uint ipis[MAX_VCPUS];	/* by APIC id */
static atomic_uint ticks;
static uint16_t uart_port = 0x3f8;
static char typed[80];
static atomic_uint typed_len, typed_done, uart_irqs;

/* The UART's receive interrupt: its line is up while a byte waits
 * (level-triggered at the I/O APIC), so every byte is read here. */
static void uart_rx(void)
{
	atomic_fetch_add(&uart_irqs, 1);
	while (inb(uart_port + 5) & 1u) {	/* LSR.DR */
		char c = (char)inb(uart_port);
		unsigned n = atomic_load(&typed_len);
		if (c == '\r' || c == '\n')
			atomic_store(&typed_done, 1);
		else if (n + 1 < sizeof(typed) && !atomic_load(&typed_done))
			typed[atomic_fetch_add(&typed_len, 1)] = c;
	}
}

static void on_irq(unsigned vector)
{
	uint32_t r[4];

	cpuid(1, r);
	if (vector == VEC_IPI && (r[1] >> 24) < MAX_VCPUS)
		atomic_fetch_add(&ipis[r[1] >> 24], 1);
	else if (vector == VEC_TIMER)
		atomic_fetch_add(&ticks, 1);
	else if (vector == VEC_UART)
		uart_rx();
	lapic_write(LAPIC_EOI, 0);
}

static void check(const char *what, int ok)
{
	if (!ok)
		failures++;
	say("smp-hello: %s %s\n", what, ok ? "ok" : "failed");
}

/* Fixed IPIs to every other vCPU, then the local APIC timer. */
static void interrupts(unsigned int n)
{
	int ok = 1;

	for (uint32_t id = 1; id < n && id < MAX_VCPUS; id++) {
		icr_send(id, VEC_IPI);
		ok &= irq_wait(&ipis[id], 1, 0);
	}
	check("ipi to each vcpu", ok);

	lapic_write(LAPIC_TIMER_DIV, 0xb);		/* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot */
	lapic_write(LAPIC_TIMER_INIT, 2000000);
	uint32_t c1 = lapic_read(LAPIC_TIMER_CUR), c2 = lapic_read(LAPIC_TIMER_CUR);
	check("apic timer counts down", c1 <= 2000000 && c2 <= c1);
	check("apic timer one-shot", irq_wait(&ticks, 1, 1));
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, 1000000);
	check("apic timer periodic", irq_wait(&ticks, 5, 1));
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

/* A typed line, through the UART's receive interrupt: its I/O APIC pin
 * (COM1's ISA IRQ 4, COM2's 3), level-triggered, to this vCPU. */
static void echo(void)
{
	unsigned pin = uart_port == 0x2f8 ? 3u : 4u;

	ioapic_route(pin, VEC_UART, cpuid_apic_id(), IOREDTBL_LEVEL);
	outb(uart_port + 4, 0x0b);		/* MCR: DTR, RTS, OUT2 (the line to the interrupt controller) */
	outb(uart_port + 1, 0x01);		/* IER: received data available */
	say("smp-hello: type a line\n");
	while (!atomic_load(&typed_done))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	outb(uart_port + 1, 0);
	ioapic_mask(pin);
	typed[atomic_load(&typed_len)] = 0;
	say("smp-hello: got '%s' (%u receive interrupts)\n", typed, atomic_load(&uart_irqs));
}

/* One-shot timers awaited in "sti; hlt": one that expires with interrupts
 * off must be taken after the HLT (STI's shadow), which it then ends. One
 * taken before the HLT would leave it waiting for an interrupt that came. */
static void timer_waits(unsigned long n)
{
	int ok = 1;

	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot */
	for (unsigned long i = 0; i < n && ok; i++) {
		unsigned int before = atomic_load(&ticks);
		lapic_write(LAPIC_TIMER_INIT, 1 + (uint32_t)(i % 1024) * 3);
		ok = irq_wait(&ticks, before + 1, 1);
	}
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	if (!ok)
		failures++;
	say("smp-hello: %lu one-shot timer waits in hlt %s\n", n, ok ? "ok" : "failed");
}

#define MSR_APIC_BASE		0x1b
#define MSR_X2APIC_ID		0x802
#define MSR_X2APIC_ICR		0x830
#define APIC_BASE_EXTD		(1u << 10)

/* Where CPUID offers them: the TSC-deadline timer, then x2APIC mode (the
 * boot vCPU's APIC switched, its id and an IPI to vCPU 1 through MSRs). */
static void x2apic_and_tsc_deadline(unsigned int n)
{
	uint32_t r[4];
	uint64_t t;

	cpuid(1, r);
	if (r[2] & (1u << 24)) {
		unsigned int before = atomic_load(&ticks);
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
		__asm__ volatile("rdtsc" : "=a"(r[0]), "=d"(r[1]));
		t = (uint64_t)r[1] << 32 | r[0];
		wrmsr(MSR_TSC_DEADLINE, t + 2000000);
		check("tsc-deadline timer", irq_wait(&ticks, before + 1, 1));
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	}
	cpuid(1, r);
	if (!(r[2] & (1u << 21)) || n < 2)
		return;
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	check("x2apic mode", (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) && rdmsr(MSR_X2APIC_ID) == 0);
	wrmsr(MSR_X2APIC_ICR, (uint64_t)1 << 32 | VEC_IPI);    /* fixed, to APIC id 1 */
	check("x2apic ipi to vcpu 1", irq_wait(&ipis[1], 2, 0));
}

#define MSR_FS_BASE		0xc0000100
#define UART_LSR		5
#define LSR_THRE_TEMT		0x60	/* an idle transmitter */

/*
 * String port I/O on the console's ports (emulated under Tessera: each
 * INS/OUTS decoded by the hypervisor): REP OUTSB of a line forwards, of
 * one stored backwards with the direction flag set, of one through an FS
 * override with 32-bit addressing (ESI, FS's base from its MSR); REP INSB
 * of the line status register, which must read as an idle transmitter.
 */
static void string_port_io(uint16_t port)
{
	static const char fwd[] = "smp-hello: rep outsb ok\r\n";
	static const char back[] = "\n\rko sdrawkcab bstuo per :olleh-pms";
	static const char fs_line[] = "smp-hello: rep outsb with fs and addr32 ok\r\n";
	uint8_t lsr[4] = { 0 };
	const void *src = fwd;
	void *dst = lsr;
	uint64_t n = sizeof(fwd) - 1;

	console_lock();
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(port) : "memory");
	src = back + sizeof(back) - 2;
	n = sizeof(back) - 1;
	__asm__ volatile("std; rep outsb; cld" : "+S"(src), "+c"(n) : "d"(port) : "memory");
	wrmsr(MSR_FS_BASE, (uint64_t)(uintptr_t)fs_line - 0x100);
	uint32_t esi = 0x100, ecx = sizeof(fs_line) - 1;
	__asm__ volatile("addr32 rep outsb %%fs:(%%esi), (%%dx)" : "+S"(esi), "+c"(ecx) : "d"(port) : "memory");
	wrmsr(MSR_FS_BASE, 0);
	console_unlock();
	n = sizeof(lsr);
	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(port + UART_LSR) : "memory");
	int ok = n == 0 && dst == lsr + sizeof(lsr);
	for (unsigned i = 0; i < sizeof(lsr); i++)
		ok &= (lsr[i] & LSR_THRE_TEMT) == LSR_THRE_TEMT;
	check("rep insb of the line status", ok);
}

/* Each vCPU: its APIC id as CPUID and its local APIC's ID register say. */
static void report(unsigned long vcpu, uint32_t apic_id)
{
	uint32_t reg = lapic_read(LAPIC_ID) >> 24;

	if (reg != apic_id) {
		say("smp-hello: vcpu %lu: local APIC ID register says 0x%x, CPUID 0x%x\n", vcpu, reg, apic_id);
		failures++;
	}
	say("smp-hello: vcpu %lu up (apic 0x%x)\n", vcpu, apic_id);
	atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel);
}

void boot_main(uint32_t multiboot_info)
{
	uint32_t r[4];

	mb_console(multiboot_info);
	trap_init();
	pic_mask();
	irq_handler = on_irq;
	lapic_write(0x0f0, 0x1ff);	/* SVR: the local APIC enabled, spurious vector 0xff */
	cpuid(1, r);
	unsigned int n = (r[3] & (1u << 28)) ? (r[1] >> 16) & 0xff : 1;
	say("smp-hello: %u vcpus (multiboot info at 0x%x)\n", n, multiboot_info);
	/* Under Tessera (its vendor leaf: "TesseraTessr") SVM must be hidden;
	 * bare, QEMU's CPU may well offer it. */
	int under_tessera = tessera_max_leaf() != 0;
	cpuid(0x80000001u, r);
	if (under_tessera && (r[2] & (1u << 2))) {
		say("smp-hello: CPUID offers SVM\n");
		failures++;
	}
	report(0, cpuid_apic_id());
	uart_port = (uint16_t)mb_arg(multiboot_info, "console", UART_DEFAULT_BASE);
	string_port_io(uart_port);
	start_aps(n, &arrived);
	interrupts(n);
	if (mb_arg(multiboot_info, "echo", 0))
		echo();
	unsigned long waits = mb_arg(multiboot_info, "timer_waits", 0);
	if (waits)
		timer_waits(waits);
	x2apic_and_tsc_deadline(n);
	if (failures)
		say("smp-hello: %u checks failed\n", failures);
	else
		say("smp-hello: all %u vcpus up\n", n);
	unsigned long beats = mb_arg(multiboot_info, "beats", 0), period = mb_arg(multiboot_info, "period", 20000000);
	for (unsigned long b = 1; b <= beats; b++) {
		uint64_t start = rdtsc();
		while (rdtsc() - start < period)
			cpu_relax();
		say("smp-hello: beat %lu\n", b);
	}
	power_off();
}

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	trap_init();
	lapic_write(0x0f0, 0x1ff);
	report(vcpu, (uint32_t)apic_id);
	for (;;)		/* the boot vCPU's IPI wakes it; on_irq counts it */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}
