/* The virtual I/O APIC (arch/x86_64/vioapic.c) with the virtual local
 * APICs: the register model (IOREGSEL/IOWIN, IOAPICID, IOAPICVER,
 * IOAPICARB, the redirection table), delivery by an entry (vector, mode,
 * destination), level pins' remote IRR and its EOI through the local
 * APIC's TMR, edge pins, a physical device's pin mirrored to the board's
 * I/O APIC, and pins a partition does not own. Partition a owns pin 4 (an
 * emulated device's) and pin 8 (a physical device's); b owns none. */
#include <tessera/core.h>
#include "../../../arch/x86_64/vioapic.h"
#include "../../../arch/x86_64/vlapic.h"
#include "../../../src/power.h"
#include "../check.h"
#include "../fake_arch.h"
#include "fake_x86.h"

static void cpu0_main(void) { power_pcpu_run(0); }

static void boot(void)
{
	power_init();
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST);
	fake_reset();
	fake_x86.mirror_calls = 0;
	fake_pcpu = 0;
	vioapic_init();
	for (unsigned v = 0; v < TESSERA_NR_VCPUS; v++) {
		uint64_t svr = APIC_SVR_ENABLE | 0xff;
		vlapic_vcpu_start(&tessera_vcpus[v]);
		CHECK(vlapic_mmio(&tessera_vcpus[v], APIC_SVR, 4, true, &svr));
	}
}

static uint32_t rd(unsigned vm, uint32_t reg)
{
	uint64_t sel = reg, value = 0xdead;

	CHECK(vioapic_access(vm, IOAPIC_IOREGSEL, 4, true, &sel));
	CHECK(vioapic_access(vm, IOAPIC_IOWIN, 4, false, &value));
	return (uint32_t)value;
}

static void wr(unsigned vm, uint32_t reg, uint32_t v)
{
	uint64_t sel = reg, value = v;

	CHECK(vioapic_access(vm, IOAPIC_IOREGSEL, 4, true, &sel));
	CHECK(vioapic_access(vm, IOAPIC_IOWIN, 4, true, &value));
}

static void entry(unsigned vm, unsigned pin, uint64_t e)
{
	wr(vm, IOAPIC_REDTBL + 2 * pin + 1, (uint32_t)(e >> 32));
	wr(vm, IOAPIC_REDTBL + 2 * pin, (uint32_t)e);
}

static uint64_t entry_of(unsigned vm, unsigned pin)
{
	return (uint64_t)rd(vm, IOAPIC_REDTBL + 2 * pin + 1) << 32 | rd(vm, IOAPIC_REDTBL + 2 * pin);
}

/* The interrupt vCPU v takes now (acknowledged), or -1. */
static int take(unsigned v)
{
	int vec = vlapic_pending(&tessera_vcpus[v]);

	if (vec >= 0)
		vlapic_ack(&tessera_vcpus[v], (unsigned)vec);
	return vec;
}

static void eoi(unsigned v)
{
	uint64_t zero = 0;

	CHECK(vlapic_mmio(&tessera_vcpus[v], APIC_EOI, 4, true, &zero));
}

TEST(registers)
{
	uint64_t value;

	boot();
	CHECK_EQ(rd(0, IOAPIC_VER), 0x00170011);        /* 24 entries, version 0x11 */
	CHECK_EQ(rd(0, IOAPIC_ID), 0);
	wr(0, IOAPIC_ID, 0x0a000000u | 0xff);           /* ID bits 27:24 only */
	CHECK_EQ(rd(0, IOAPIC_ID), 0x0a000000u);
	CHECK_EQ(rd(0, IOAPIC_ARB), 0x0a000000u);
	wr(0, IOAPIC_VER, 0);
	CHECK_EQ(rd(0, IOAPIC_VER), 0x00170011);        /* read-only */
	CHECK_EQ(entry_of(0, 4), IOREDTBL_MASK);        /* out of reset: masked */
	entry(0, 4, 0x03ull << 56 | IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL | IOREDTBL_REMOTE_IRR |
		    IOREDTBL_DELIVS | IOREDTBL_INTPOL | 0x31);
	/* remote IRR and delivery status are read-only */
	CHECK_EQ(entry_of(0, 4), 0x03ull << 56 | IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL | IOREDTBL_INTPOL | 0x31);
	value = 0;
	CHECK(vioapic_access(0, IOAPIC_IOREGSEL, 4, false, &value));
	CHECK_EQ(value, IOAPIC_REDTBL + 8);
	CHECK(!vioapic_access(0, IOAPIC_IOWIN, 1, false, &value));      /* 32-bit registers only */
	/* a pin it does not own: masked, writes ignored; b owns none */
	entry(0, 5, 0x20);
	CHECK_EQ(entry_of(0, 5), IOREDTBL_MASK);
	entry(1, 4, 0x20);
	CHECK_EQ(entry_of(1, 4), IOREDTBL_MASK);
	CHECK_EQ(entry_of(0, 4) & IOREDTBL_VECTOR, 0x31);       /* b's write did not reach a's */
}

TEST(level_pin_remote_irr_and_eoi)
{
	boot();
	vioapic_set_level(0, 4, true);                  /* masked: waits */
	CHECK_EQ(take(1), -1);
	entry(0, 4, 0x01ull << 56 | IOREDTBL_TRIGGER_LEVEL | 0x41);     /* to APIC id 1, unmasked */
	CHECK_EQ(entry_of(0, 4) & IOREDTBL_REMOTE_IRR, IOREDTBL_REMOTE_IRR);
	CHECK_EQ(take(0), -1);
	CHECK_EQ(take(1), 0x41);
	uint64_t tmr = 0;
	CHECK(vlapic_mmio(&tessera_vcpus[1], APIC_TMR + 0x20, 4, false, &tmr));
	CHECK_EQ(tmr, 1u << 1);                         /* level: in the TMR */
	CHECK_EQ(take(1), -1);                          /* remote IRR: not again before the EOI */
	eoi(1);
	CHECK_EQ(entry_of(0, 4) & IOREDTBL_REMOTE_IRR, IOREDTBL_REMOTE_IRR);    /* still asserted: again */
	CHECK_EQ(take(1), 0x41);
	vioapic_set_level(0, 4, false);
	eoi(1);
	CHECK_EQ(entry_of(0, 4) & IOREDTBL_REMOTE_IRR, 0);
	CHECK_EQ(take(1), -1);
	/* b's line 4 is no line of a's */
	vioapic_set_level(1, 4, true);
	CHECK_EQ(take(0), -1);
	CHECK_EQ(take(1), -1);
	CHECK_EQ(take(2), -1);
}

TEST(edge_pin_and_delivery_modes)
{
	boot();
	entry(0, 4, 0x00ull << 56 | 0x42);              /* edge, physical APIC id 0 */
	vioapic_set_level(0, 4, true);
	vioapic_set_level(0, 4, true);                  /* no new edge */
	CHECK_EQ(take(0), 0x42);
	eoi(0);
	CHECK_EQ(take(0), -1);
	CHECK_EQ(entry_of(0, 4) & IOREDTBL_REMOTE_IRR, 0);
	vioapic_set_level(0, 4, false);
	vioapic_edge(0, 4);                             /* a pulse */
	CHECK_EQ(take(0), 0x42);
	eoi(0);
	/* logical destination, flat: LDR bit 1 is vCPU 1 */
	uint64_t ldr = 0x02u << 24;
	CHECK(vlapic_mmio(&tessera_vcpus[1], APIC_LDR, 4, true, &ldr));
	entry(0, 4, 0x02ull << 56 | IOREDTBL_DESTMOD | 0x43);
	vioapic_edge(0, 4);
	CHECK_EQ(take(0), -1);
	CHECK_EQ(take(1), 0x43);
	eoi(1);
	/* NMI */
	entry(0, 4, 0x01ull << 56 | APIC_DELIVERY_NMI);
	vioapic_edge(0, 4);
	CHECK(vlapic_take_nmi(&tessera_vcpus[1]));
	CHECK(!vlapic_take_nmi(&tessera_vcpus[0]));
	/* lowest priority over the broadcast: one of them */
	entry(0, 4, 0xffull << 56 | APIC_DELIVERY_LOWEST | 0x44);
	vioapic_edge(0, 4);
	CHECK_EQ((take(0) == 0x44) + (take(1) == 0x44), 1);
}

TEST(physical_pin_mirrored_and_held_until_eoi)
{
	boot();
	entry(0, 8, 0x00ull << 56 | IOREDTBL_TRIGGER_LEVEL | 0x48);
	CHECK(fake_x86.mirror_calls >= 1);              /* the board's pin follows the guest's entry */
	CHECK_EQ(fake_x86.mirror_pin, 8);
	CHECK_EQ(fake_x86.mirror_entry & (IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL), IOREDTBL_TRIGGER_LEVEL);
	CHECK(!fake_x86.mirror_busy);
	vioapic_hw_irq(0, 8);                           /* the device interrupted (board pin now masked) */
	CHECK_EQ(take(0), 0x48);
	unsigned calls = fake_x86.mirror_calls;
	eoi(0);
	CHECK_EQ(fake_x86.mirror_calls, calls + 1);     /* the board's pin unmasked again ... */
	CHECK(!fake_x86.mirror_busy);
	CHECK_EQ(fake_x86.mirror_entry & IOREDTBL_MASK, 0);
	CHECK_EQ(take(0), -1);                          /* ... and only the device says if it is still up */
	entry(0, 8, IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL | 0x48);
	CHECK_EQ(fake_x86.mirror_entry & IOREDTBL_MASK, IOREDTBL_MASK);
	/* an emulated pin is never the board's */
	calls = fake_x86.mirror_calls;
	entry(0, 4, 0x41);
	CHECK_EQ(fake_x86.mirror_calls, calls);
}

const struct test vioapic_tests[] = {
	{ "vioapic: registers (IOREGSEL/IOWIN, ID, VER, ARB, read-only bits), pins of other partitions masked",
	  registers },
	{ "vioapic: a level pin delivers once until the EOI (TMR, remote IRR), again while still asserted",
	  level_pin_remote_irr_and_eoi },
	{ "vioapic: edge pins, logical destinations, NMI and lowest-priority entries", edge_pin_and_delivery_modes },
	{ "vioapic: a physical device's pin mirrored on the board's I/O APIC, held until the guest's EOI",
	  physical_pin_mirrored_and_held_until_eoi },
	{ 0 },
};
