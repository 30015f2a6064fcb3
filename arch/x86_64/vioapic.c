/*
 * Each partition's virtual I/O APIC at 0xfec00000 (82093AA datasheet):
 * IOREGSEL and IOWIN; IOAPICID, IOAPICVER, IOAPICARB and 24 redirection
 * table entries with mask, vector, delivery mode (fixed, lowest priority,
 * NMI, INIT), destination mode and destination, trigger mode and, for a
 * level-triggered pin, remote IRR: set when the interrupt is delivered,
 * cleared by the EOI of its vector at a local APIC (which has that vector
 * in its TMR: vlapic.c), after which a line still asserted interrupts
 * again.
 *
 * Pins are the partition's own interrupts (struct vm_irq: the ISA IRQ or
 * GSI); the others read as masked and ignore writes, so a partition can
 * neither see nor route another's. An emulated device's pin follows its
 * line (vioapic_set_level). A physical device's pin is taken by the
 * hypervisor from the board's I/O APIC (ioapic.c), which mirrors the
 * guest's entry (mask, trigger mode) and keeps a level pin masked from its
 * interrupt until the guest's EOI: the device's next request waits there.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "vioapic.h"
#include "vlapic.h"

struct vioapic {
	spinlock_t lock;
	uint32_t ioregsel;
	uint32_t id;                    /* IOAPICID bits 27:24, as written */
	uint32_t owned;                 /* the partition's pins (from its vm_irq table) */
	uint32_t hw;                    /* ... of which a physical device raises */
	uint32_t level;                 /* the pins' lines, asserted */
	uint64_t redtbl[IOAPIC_PINS];
};

static struct vioapic vioapics[TESSERA_NR_VMS];

static void reset(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];
	struct vioapic *a = &vioapics[vm];

	a->ioregsel = a->id = a->owned = a->hw = a->level = 0;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		a->redtbl[pin] = IOREDTBL_MASK;
	for (unsigned i = 0; i < c->nr_irqs; i++) {
		if (c->irqs[i].irq >= IOAPIC_PINS)
			continue;       /* the generator gives none */
		a->owned |= 1u << c->irqs[i].irq;
		if (c->irqs[i].hw)
			a->hw |= 1u << c->irqs[i].irq;
	}
}

void vioapic_init(void)
{
	for (unsigned vm = 0; vm < TESSERA_NR_VMS; vm++)
		reset(vm);
}

void vioapic_vm_reset(unsigned vm)
{
	struct vioapic *a = &vioapics[vm];

	arch_spin_lock(&a->lock);
	reset(vm);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		if (a->hw & (1u << pin))
			ioapic_mirror(vm, pin, a->redtbl[pin], false);
	arch_spin_unlock(&a->lock);
}

/* The pin's interrupt message to the partition's local APICs (the lock
 * held). The delivery mode and destination mode bits sit where the ICR
 * has them; the I/O APIC has no STARTUP, SMI or ExtINT to give here. */
static void send(unsigned vm, uint64_t e)
{
	uint32_t icr = (uint32_t)(e & (IOREDTBL_VECTOR | IOREDTBL_DELMOD | IOREDTBL_DESTMOD)) | APIC_ICR_LEVEL_ASSERT;
	uint32_t mode = icr & APIC_ICR_DELIVERY_MASK;

	if (mode != APIC_DELIVERY_FIXED && mode != APIC_DELIVERY_LOWEST && mode != APIC_DELIVERY_NMI &&
	    mode != APIC_DELIVERY_INIT)
		return;
	if (e & IOREDTBL_TRIGGER_LEVEL)
		icr |= APIC_ICR_TRIGGER_LEVEL;
	vlapic_message(vm, 0, icr, (uint32_t)(e >> IOREDTBL_DEST_SHIFT), false);
}

/* A level-triggered pin whose line is asserted, unmasked and not waiting
 * for an EOI is delivered (the lock held). */
static void service(unsigned vm, struct vioapic *a, unsigned pin)
{
	uint64_t *e = &a->redtbl[pin];

	if ((*e & (IOREDTBL_MASK | IOREDTBL_REMOTE_IRR)) || !(*e & IOREDTBL_TRIGGER_LEVEL) ||
	    !(a->level & (1u << pin)))
		return;
	*e |= IOREDTBL_REMOTE_IRR;
	send(vm, *e);
}

/* A line's change (the lock held): an edge pin interrupts on the rising
 * edge if unmasked (a masked one loses it, as the datasheet says). */
static void line(unsigned vm, struct vioapic *a, unsigned pin, bool level)
{
	uint32_t bit = 1u << pin;
	bool rising = level && !(a->level & bit);

	a->level = level ? a->level | bit : a->level & ~bit;
	if (a->redtbl[pin] & IOREDTBL_TRIGGER_LEVEL)
		service(vm, a, pin);
	else if (rising && !(a->redtbl[pin] & IOREDTBL_MASK))
		send(vm, a->redtbl[pin]);
}

static bool owns(unsigned vm, unsigned pin)
{
	return pin < IOAPIC_PINS && (vioapics[vm].owned & (1u << pin));
}

void vioapic_set_level(unsigned vm, unsigned pin, bool level)
{
	struct vioapic *a = &vioapics[vm];

	if (!owns(vm, pin))
		return;
	arch_spin_lock(&a->lock);
	line(vm, a, pin, level);
	arch_spin_unlock(&a->lock);
}

/* A pulse: up, then down. */
void vioapic_edge(unsigned vm, unsigned pin)
{
	struct vioapic *a = &vioapics[vm];

	if (!owns(vm, pin))
		return;
	arch_spin_lock(&a->lock);
	line(vm, a, pin, false);
	line(vm, a, pin, true);
	line(vm, a, pin, false);
	arch_spin_unlock(&a->lock);
}

/* The physical pin interrupted: an edge; or, level, its line is up until
 * the guest's EOI (the physical pin is masked till then: ioapic.c). */
void vioapic_hw_irq(unsigned vm, unsigned pin)
{
	struct vioapic *a = &vioapics[vm];

	if (!owns(vm, pin))
		return;
	arch_spin_lock(&a->lock);
	if (a->redtbl[pin] & IOREDTBL_TRIGGER_LEVEL) {
		line(vm, a, pin, true);
	} else {
		line(vm, a, pin, false);
		line(vm, a, pin, true);
		line(vm, a, pin, false);
	}
	arch_spin_unlock(&a->lock);
}

void vioapic_eoi(unsigned vm, unsigned vector)
{
	struct vioapic *a = &vioapics[vm];

	arch_spin_lock(&a->lock);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t *e = &a->redtbl[pin];
		if (!(*e & IOREDTBL_REMOTE_IRR) || (*e & IOREDTBL_VECTOR) != vector)
			continue;
		*e &= ~IOREDTBL_REMOTE_IRR;
		if (a->hw & (1u << pin)) {
			/* whether the device still asserts it, the board's
			 * I/O APIC tells: unmasked again, it interrupts again */
			a->level &= ~(1u << pin);
			ioapic_mirror(vm, pin, *e, false);
		} else {
			service(vm, a, pin);    /* still asserted: again */
		}
	}
	arch_spin_unlock(&a->lock);
}

/* A write of half an entry: the read-only bits kept; an entry made edge
 * forgets its remote IRR. Unmasked with its line asserted, it delivers. */
static void redtbl_write(unsigned vm, struct vioapic *a, unsigned pin, bool high, uint32_t v)
{
	uint64_t *e = &a->redtbl[pin];
	uint64_t mask = high ? 0xffffffff00000000ull : 0xffffffffull;
	uint64_t value = high ? (uint64_t)v << 32 : v;

	*e = (*e & ~(mask & IOREDTBL_WRITABLE)) | (value & mask & IOREDTBL_WRITABLE);
	if (!(*e & IOREDTBL_TRIGGER_LEVEL))
		*e &= ~IOREDTBL_REMOTE_IRR;
	if (a->hw & (1u << pin))
		ioapic_mirror(vm, pin, *e, (*e & IOREDTBL_REMOTE_IRR) != 0);
	service(vm, a, pin);
}

/* IOWIN: the register IOREGSEL selects (the lock held). */
static void window(unsigned vm, struct vioapic *a, bool write, uint64_t *value)
{
	uint32_t reg = a->ioregsel;

	if (reg >= IOAPIC_REDTBL && reg < IOAPIC_REDTBL + 2 * IOAPIC_PINS) {
		unsigned pin = (reg - IOAPIC_REDTBL) / 2;
		bool high = reg & 1u;
		if (!(a->owned & (1u << pin))) {        /* not its pin: masked, for good */
			if (!write)
				*value = high ? 0 : (uint32_t)IOREDTBL_MASK;
		} else if (write) {
			redtbl_write(vm, a, pin, high, (uint32_t)*value);
		} else {
			*value = (uint32_t)(a->redtbl[pin] >> (high ? 32 : 0));
		}
		return;
	}
	switch (reg) {
	case IOAPIC_ID:
		if (write)
			a->id = (uint32_t)*value & 0x0f000000u;
		else
			*value = a->id;
		break;
	case IOAPIC_VER:
		if (!write)
			*value = IOAPIC_VER_VALUE;
		break;
	case IOAPIC_ARB:
		if (!write)
			*value = a->id;
		break;
	default:
		if (!write)
			*value = 0;     /* no register: reads 0, writes do nothing */
		break;
	}
}

bool vioapic_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	struct vioapic *a = &vioapics[vm];

	if (size != 4 || (off & 3u))
		return false;           /* 32-bit registers only */
	arch_spin_lock(&a->lock);
	if (off == IOAPIC_IOREGSEL) {
		if (write)
			a->ioregsel = (uint32_t)*value & 0xffu;
		else
			*value = a->ioregsel;
	} else if (off == IOAPIC_IOWIN) {
		window(vm, a, write, value);
	} else if (!write) {
		*value = 0;             /* the rest of the page: nothing there */
	}
	arch_spin_unlock(&a->lock);
	return true;
}
