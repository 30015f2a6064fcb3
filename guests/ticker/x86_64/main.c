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
 */
#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "uart.h"

static volatile uint64_t canary[64];

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

void boot_main(uint32_t multiboot_info)
{
	char name[32];
	unsigned long beats = mb_arg(multiboot_info, "beats", 20);
	unsigned long period = mb_arg(multiboot_info, "period", 20000000);

	mb_console(multiboot_info);
	mb_str(multiboot_info, "name", name, sizeof(name), "ticker");
	for (unsigned i = 0; i < 64; i++)
		canary[i] = 0x5a5a5a5a00000000ull | i;
	say("ticker: start %s\n", name);
	for (unsigned long b = 1; b <= beats; b++) {
		uint64_t start = rdtsc();
		while (rdtsc() - start < period)
			cpu_relax();
		for (unsigned i = 0; i < 64; i++)
			if (canary[i] != (0x5a5a5a5a00000000ull | i))
				say("ticker: error: its memory changed at word %u\n", i);
		say("ticker: beat %lu\n", b);
	}
	say("ticker: done beats=%lu\n", beats);
	power_off();
}

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	(void)vcpu;
	(void)apic_id;
	for (;;)
		__asm__ volatile("cli; hlt");
}
