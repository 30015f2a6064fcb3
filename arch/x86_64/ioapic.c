/*
 * The board's I/O APIC, which the hypervisor drives: every pin masked but
 * its console's (the 16550's receive interrupt, on core_console_pcpu(),
 * for the core's console input) and the pins of physical devices a
 * partition owns, each mirroring its guest's entry in the partition's
 * virtual I/O APIC (mask, trigger mode) on the pinned pCPU of the vCPU the
 * guest's entry names (its first, for several). A pin interrupts on host vector IOAPIC_VECTOR_BASE + pin; a
 * level pin is masked from its interrupt until the guest's EOI
 * (vioapic_eoi), so the device's next request waits in the I/O APIC, as
 * on the other architectures' interrupt controllers.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "vioapic.h"
#include "vlapic.h"
#include "x86.h"

#define NO_VM   0xffffu

/* Per pin: the partition owning it (NO_VM: none; the console's is the
 * hypervisor's), whether its guest made it level-triggered, and the pCPU
 * it interrupts. */
static uint16_t owner[IOAPIC_PINS];
static bool level_pin[IOAPIC_PINS];
static uint16_t pin_pcpu[IOAPIC_PINS];
static spinlock_t lock;         /* IOREGSEL then IOWIN: one access at a time */

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(tessera_board.ioapic_base + IOAPIC_IOREGSEL) = reg;
	*(volatile uint32_t *)(uintptr_t)(tessera_board.ioapic_base + IOAPIC_IOWIN) = v;
}

/* Entry of pin: its host vector, physical destination pcpu's APIC id. */
static void program(unsigned pin, unsigned pcpu, bool level, bool masked)
{
	uint64_t e = (IOAPIC_VECTOR_BASE + pin) | (level ? IOREDTBL_TRIGGER_LEVEL : 0) |
		     (masked ? IOREDTBL_MASK : 0) | tessera_pcpus[pcpu].hw_id << IOREDTBL_DEST_SHIFT;

	arch_spin_lock(&lock);
	ioapic_write(IOAPIC_REDTBL + 2 * pin, (uint32_t)IOREDTBL_MASK);    /* masked while it changes */
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, (uint32_t)(e >> 32));
	ioapic_write(IOAPIC_REDTBL + 2 * pin, (uint32_t)e);
	arch_spin_unlock(&lock);
}

void ioapic_init(void)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		owner[pin] = NO_VM;
		program(pin, 0, false, true);
	}
	for (unsigned vm = 0; vm < TESSERA_NR_VMS; vm++)
		for (unsigned i = 0; i < tessera_vms[vm].nr_irqs; i++)
			if (tessera_vms[vm].irqs[i].hw && tessera_vms[vm].irqs[i].irq < IOAPIC_PINS)
				owner[tessera_vms[vm].irqs[i].irq] = (uint16_t)vm;
	/* The 16550's line is up while it has a byte (and IER asks for it):
	 * level-triggered, so that none is missed. */
	program(tessera_board.uart_irq, core_console_pcpu(), true, false);
}

void ioapic_mirror(unsigned vm, unsigned pin, uint64_t entry, bool busy)
{
	bool level = (entry & IOREDTBL_TRIGGER_LEVEL) != 0;
	unsigned pcpu = vlapic_first_named(vm, (uint32_t)(entry & IOREDTBL_DESTMOD),
					   (uint32_t)(entry >> IOREDTBL_DEST_SHIFT))->pcpu;

	__atomic_store_n(&level_pin[pin], level, __ATOMIC_RELEASE);
	__atomic_store_n(&pin_pcpu[pin], (uint16_t)pcpu, __ATOMIC_RELEASE);
	program(pin, pcpu, level, busy || (entry & IOREDTBL_MASK));
}

bool ioapic_interrupt(unsigned vector)
{
	unsigned pin = vector - IOAPIC_VECTOR_BASE;

	if (vector < IOAPIC_VECTOR_BASE || pin >= IOAPIC_PINS)
		return false;
	if (pin == tessera_board.uart_irq) {
		core_console_rx();
		lapic_write(LAPIC_EOI, 0);
		return true;
	}
	unsigned vm = owner[pin];
	if (vm == NO_VM) {
		lapic_write(LAPIC_EOI, 0);      /* not routed: a stale one */
		return true;
	}
	bool level = __atomic_load_n(&level_pin[pin], __ATOMIC_ACQUIRE);
	if (level)      /* held back until its guest's EOI */
		program(pin, __atomic_load_n(&pin_pcpu[pin], __ATOMIC_ACQUIRE), true, true);
	lapic_write(LAPIC_EOI, 0);
	vioapic_hw_irq(vm, pin);
	return true;
}
