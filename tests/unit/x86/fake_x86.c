/* What arch/x86_64/vlapic.c needs of the rest of its port (cpu.c), faked
 * for the host: a clock the tests set, 1 time unit per bus tick times 2
 * (so conversions are visible), and the guest timer it arms. */
#include "../../../arch/x86_64/vioapic.h"
#include "../../../arch/x86_64/vlapic.h"
#include "../check.h"
#include "fake_x86.h"

struct fake_x86 fake_x86;

uint64_t x86_now(void) { return fake_x86.now; }
uint64_t x86_bus_ticks_to_time(uint64_t ticks) { return ticks * 2; }
uint64_t x86_time_to_bus_ticks(uint64_t time) { return time / 2; }

void guest_timer_set(uint64_t deadline)
{
	fake_x86.timer = deadline;
	fake_x86.timer_calls++;
}

/* The board's I/O APIC (ioapic.c): what the virtual one last asked of a
 * physical device's pin. */
void ioapic_mirror(unsigned vm, unsigned pin, uint64_t entry, bool busy)
{
	fake_x86.mirror_vm = vm;
	fake_x86.mirror_pin = pin;
	fake_x86.mirror_entry = entry;
	fake_x86.mirror_busy = busy;
	fake_x86.mirror_calls++;
}

void lapic_wr(unsigned v, unsigned off, uint32_t x)
{
	uint64_t value = x;

	CHECK(vlapic_mmio(&tessera_vcpus[v], off, 4, true, &value));
}

void lapic_ipi(unsigned from, uint32_t dest, uint32_t icr_lo)
{
	lapic_wr(from, APIC_ICR_HI, dest << 24);
	lapic_wr(from, APIC_ICR_LO, icr_lo);
}
