/* The x86_64 guests' local APIC and I/O APIC (apic.h). */
#include "apic.h"
#include "cpu.h"
#include "start.h"

#define IOAPIC_BASE	0xfec00000UL
#define IOAPIC_REDTBL	0x10

void pic_mask(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

uint32_t cpuid_apic_id(void)
{
	uint32_t r[4];

	cpuid(1, r);
	return r[1] >> 24;
}

int irq_wait(atomic_uint *counter, unsigned int want, int halt)
{
	for (unsigned int i = 0; i < IRQ_WAIT_LIMIT && atomic_load(counter) < want; i++) {
		if (halt)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else	/* two instructions with interrupts on: STI's shadow covers one */
			__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	}
	return atomic_load(counter) >= want;
}

void icr_send(uint32_t dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY)
		cpu_relax();
}

void start_aps(unsigned int n, atomic_uint *arrived)
{
	ap_start_install();
	for (uint32_t id = 1; id < n && id < MAX_VCPUS; id++) {
		icr_send(id, ICR_INIT | ICR_ASSERT);
		icr_send(id, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
		icr_send(id, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
		while (atomic_load_explicit(arrived, memory_order_acquire) < id + 1)
			cpu_relax();
	}
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

void ioapic_route(unsigned int pin, unsigned int vector, uint32_t dest, uint32_t trigger)
{
	ioapic_write(IOAPIC_REDTBL + 2 * pin, IOREDTBL_MASK);
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, dest << 24);
	ioapic_write(IOAPIC_REDTBL + 2 * pin, trigger | vector);
}

void ioapic_mask(unsigned int pin)
{
	ioapic_write(IOAPIC_REDTBL + 2 * pin, IOREDTBL_MASK);
}
