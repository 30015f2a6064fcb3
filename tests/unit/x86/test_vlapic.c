/* The virtual local APIC (arch/x86_64/vlapic.c) on the core, in the fake
 * x86 system of fake_system.c here: partition a has vCPUs of APIC ids 0x0
 * (pCPU 0) and 0x1 (pCPU 1), partition b one of APIC id 0x0 (pCPU 3). Every
 * vCPU but each partition's first starts powered off. */
#include <tessera/core.h>
#include "../../../arch/x86_64/vlapic.h"
#include "../../../src/power.h"
#include "../check.h"
#include "../fake_arch.h"
#include "fake_x86.h"

static void cpu0_main(void) { power_pcpu_run(0); }
static void cpu1_main(void) { power_pcpu_run(1); }
static void cpu3_main(void) { power_pcpu_run(3); }

/* Each partition's first vCPU in its guest, a's second waiting (off). */
static void boot(void)
{
	power_init();
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST);
	CHECK_EQ(on_pcpu(1, cpu1_main), WOULD_WAIT);
	CHECK_EQ(on_pcpu(3, cpu3_main), ENTERED_GUEST);
	fake_reset();
	for (unsigned v = 0; v < TESSERA_NR_VCPUS; v++)
		vlapic_vcpu_start(&tessera_vcpus[v]);
}

static uint32_t rd(unsigned v, unsigned off)
{
	uint64_t value = 0xdead;

	CHECK(vlapic_mmio(&tessera_vcpus[v], off, 4, false, &value));
	return (uint32_t)value;
}

TEST(registers_out_of_reset)
{
	boot();
	CHECK_EQ(rd(0, APIC_ID), 0x0);
	CHECK_EQ(rd(2, APIC_ID), 0x0);
	CHECK_EQ(rd(1, APIC_ID), 0x1u << 24);
	CHECK_EQ(rd(0, APIC_VERSION), APIC_VERSION_VALUE);
	CHECK_EQ(rd(0, APIC_LVT_TIMER), APIC_LVT_MASKED);
	CHECK_EQ(rd(0, APIC_LVT_ERROR), APIC_LVT_MASKED);
	CHECK_EQ(rd(0, APIC_SVR), 0xff);
	lapic_wr(0, APIC_ID, 0x7u << 24);             /* the id is the configuration's */
	CHECK_EQ(rd(0, APIC_ID), 0x0);
	lapic_wr(0, APIC_TPR, 0x20);
	CHECK_EQ(rd(0, APIC_TPR), 0x20);
	uint64_t value;
	CHECK(!vlapic_mmio(&tessera_vcpus[0], APIC_TPR + 1, 1, false, &value));  /* not a register access */
	CHECK(!vlapic_mmio(&tessera_vcpus[0], APIC_TPR, 8, false, &value));
}

TEST(init_then_startup_starts_the_vcpu_at_vector_times_4k)
{
	enum power_state st;

	boot();
	fake_pcpu = 0;
	/* STARTUP without INIT first: ignored, as on hardware */
	lapic_ipi(0, 0, APIC_SHORTHAND_ALL_BUT_SELF << APIC_ICR_SHORTHAND_SHIFT | APIC_DELIVERY_STARTUP | 0x12);
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_OFF);
	lapic_ipi(0, 0, APIC_SHORTHAND_ALL_BUT_SELF << APIC_ICR_SHORTHAND_SHIFT | APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_OFF);
	CHECK_EQ(fake_kicks[1], 1);             /* the INIT: its pCPU looks (the vCPU is off: nothing to reset) */
	lapic_ipi(0, 0, APIC_SHORTHAND_ALL_BUT_SELF << APIC_ICR_SHORTHAND_SHIFT | APIC_DELIVERY_STARTUP | 0x12);
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_ON_PENDING);
	CHECK_EQ(fake_kicks[1], 2);             /* its pCPU, woken to enter it */
	CHECK_EQ(fake_kicks[3], 0);             /* b's vCPU: another partition */
	/* the second STARTUP of the pair: the vCPU waits for none any more */
	lapic_ipi(0, 0, APIC_SHORTHAND_ALL_BUT_SELF << APIC_ICR_SHORTHAND_SHIFT | APIC_DELIVERY_STARTUP | 0x12);
	CHECK_EQ(fake_kicks[1], 2);
}

TEST(startup_reaches_the_entry_vector_names)
{
	struct vlapic l;

	boot();
	fake_pcpu = 0;
	vlapic_reset(&l, 0x1);
	CHECK_EQ(vlapic_deliver(&l, &tessera_vcpus[1], APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT), POWER_OK);
	CHECK(l.wait_for_sipi);
	/* INIT level de-assert (level-triggered, no assert): nothing changes */
	CHECK_EQ(vlapic_deliver(&l, &tessera_vcpus[1], APIC_DELIVERY_INIT | APIC_ICR_TRIGGER_LEVEL), POWER_OK);
	CHECK(l.wait_for_sipi);
	/* vector 0x0c: the vCPU starts at 0xc000, CS = 0x0c00, IP = 0 */
	CHECK_EQ(vlapic_deliver(&l, &tessera_vcpus[1], APIC_DELIVERY_STARTUP | 0x0c), POWER_OK);
	CHECK(!l.wait_for_sipi);
	CHECK_EQ(vlapic_deliver(&l, &tessera_vcpus[1], APIC_DELIVERY_STARTUP | 0x0c), POWER_ALREADY_ON);
	/* SMI and ExtINT IPIs are not delivered: refused */
	CHECK_EQ(vlapic_deliver(&l, &tessera_vcpus[1], 2u << 8), POWER_DENIED);
	CHECK_EQ(vlapic_deliver(&l, &tessera_vcpus[1], 7u << 8), POWER_DENIED);
}

TEST(an_ipi_outside_the_partition_reaches_nobody)
{
	enum power_state st;

	boot();
	fake_pcpu = 3;                          /* b's only vCPU, APIC id 0x0 */
	/* physical 0x1 (a's second vCPU's id), and the broadcast: none of them b's */
	lapic_ipi(2, 0x1, APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);
	lapic_ipi(2, 0x1, APIC_DELIVERY_STARTUP | 0x40);
	lapic_ipi(2, 0xff, APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);   /* broadcast: only b itself */
	lapic_ipi(2, 0xff, APIC_DELIVERY_STARTUP | 0x40);
	fake_pcpu = 0;
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_OFF);
	CHECK_EQ(fake_kicks[0] + fake_kicks[1], 0);
}

TEST(logical_destinations_match_the_ldr)
{
	enum power_state st;

	boot();
	fake_pcpu = 0;
	lapic_wr(1, APIC_LDR, 0x02u << 24);           /* a's second vCPU: logical bit 1 */
	lapic_ipi(0, 0x01, APIC_ICR_LOGICAL | APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);     /* bit 0: nobody */
	lapic_ipi(0, 0x01, APIC_ICR_LOGICAL | APIC_DELIVERY_STARTUP | 0x12);
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_OFF);
	lapic_ipi(0, 0x02, APIC_ICR_LOGICAL | APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);
	lapic_ipi(0, 0x02, APIC_ICR_LOGICAL | APIC_DELIVERY_STARTUP | 0x12);
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_ON_PENDING);
}

TEST(fixed_ipis_wait_in_the_irr_by_priority)
{
	const struct vcpu_config *a1 = &tessera_vcpus[1];

	boot();
	fake_pcpu = 0;
	lapic_wr(1, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	CHECK_EQ(vlapic_pending(a1), -1);
	lapic_ipi(0, 0x1, APIC_DELIVERY_FIXED | 0x40);
	CHECK_EQ(fake_kicks[1], 1);             /* its pCPU leaves the guest or HLT to inject it */
	lapic_ipi(0, 0x1, APIC_DELIVERY_FIXED | 0x52);
	lapic_ipi(0, 0x1, APIC_DELIVERY_FIXED | 0x0f);        /* vectors 0-15 are illegal: not set */
	/* IRR word n (vectors 32n..32n+31) at APIC_IRR + 0x10 n: 0x40 and 0x52 in word 2 */
	CHECK_EQ(rd(1, APIC_IRR + 0x20), 1u << (0x52 - 0x40) | 1u);
	CHECK_EQ(rd(1, APIC_IRR + 0x00), 0);    /* not 0x0f */
	CHECK_EQ(rd(1, APIC_IRR + 0x10), 0);
	CHECK_EQ(vlapic_pending(a1), 0x52);
	vlapic_ack(a1, 0x52);                   /* delivered: in service, out of the IRR */
	CHECK_EQ(rd(1, APIC_ISR + 0x20), 1u << 0x12);
	CHECK_EQ(rd(1, APIC_PPR), 0x50);
	CHECK_EQ(vlapic_pending(a1), -1);       /* 0x40 waits: its class is below 0x52's */
	lapic_wr(1, APIC_EOI, 0);
	CHECK_EQ(rd(1, APIC_ISR + 0x20), 0);
	CHECK_EQ(vlapic_pending(a1), 0x40);
	lapic_wr(1, APIC_TPR, 0x40);                  /* the TPR holds back class 4 too */
	CHECK_EQ(vlapic_pending(a1), -1);
	lapic_wr(1, APIC_TPR, 0x30);
	CHECK_EQ(vlapic_pending(a1), 0x40);
	lapic_wr(1, APIC_SVR, 0xff);                  /* software-disabled: nothing delivered */
	CHECK_EQ(vlapic_pending(a1), -1);
	/* Nested: 0x40 in service, 0x62 over it; each EOI ends the highest,
	 * and the PPR falls back to the class still in service. */
	lapic_wr(1, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	lapic_wr(1, APIC_TPR, 0);
	vlapic_ack(a1, 0x40);
	CHECK_EQ(rd(1, APIC_PPR), 0x40);
	lapic_ipi(0, 0x1, APIC_DELIVERY_FIXED | 0x62);
	CHECK_EQ(vlapic_pending(a1), 0x62);
	vlapic_ack(a1, 0x62);
	CHECK_EQ(rd(1, APIC_PPR), 0x60);
	lapic_ipi(0, 0x1, APIC_DELIVERY_FIXED | 0x45);
	CHECK_EQ(vlapic_pending(a1), -1);       /* class 4 is below the one in service */
	lapic_wr(1, APIC_EOI, 0);
	CHECK_EQ(rd(1, APIC_PPR), 0x40);        /* 0x40 still in service */
	CHECK_EQ(vlapic_pending(a1), -1);       /* 0x45: the same class */
	lapic_wr(1, APIC_EOI, 0);
	CHECK_EQ(rd(1, APIC_PPR), 0);
	CHECK_EQ(vlapic_pending(a1), 0x45);
	/* A word of the IRR emptied by an acknowledgement, then set again:
	 * found again (irr_words marks it anew). */
	vlapic_ack(a1, 0x45);
	lapic_wr(1, APIC_EOI, 0);
	CHECK_EQ(vlapic_pending(a1), -1);
	lapic_ipi(0, 0x1, APIC_DELIVERY_FIXED | 0x47);
	CHECK_EQ(vlapic_pending(a1), 0x47);
	/* nothing reached the other partition */
	CHECK_EQ(rd(2, APIC_IRR + 0x20), 0);
}

TEST(timer_one_shot_periodic_divide_and_mask)
{
	const struct vcpu_config *a0 = &tessera_vcpus[0];

	boot();
	fake_pcpu = 0;
	lapic_wr(0, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	fake_x86.now = 100;
	lapic_wr(0, APIC_TIMER_DIV, 0xb);             /* divide by 1 */
	lapic_wr(0, APIC_LVT_TIMER, 0x41);            /* one-shot, vector 0x41 */
	lapic_wr(0, APIC_TIMER_INIT, 1000);
	CHECK_EQ(fake_x86.timer, 100 + 2000);   /* 1000 bus ticks, 2 time units each */
	fake_x86.now = 1100;
	CHECK_EQ(rd(0, APIC_TIMER_CUR), 500);
	fake_x86.now = 2100;
	vlapic_timer_expired(a0);
	CHECK_EQ(vlapic_pending(a0), 0x41);
	CHECK_EQ(fake_x86.timer, VLAPIC_NEVER);
	CHECK_EQ(rd(0, APIC_TIMER_CUR), 0);
	vlapic_ack(a0, 0x41);
	lapic_wr(0, APIC_EOI, 0);

	fake_x86.now = 0;
	lapic_wr(0, APIC_TIMER_DIV, 0x3);             /* divide by 16 */
	lapic_wr(0, APIC_LVT_TIMER, APIC_LVT_PERIODIC | 0x42);
	lapic_wr(0, APIC_TIMER_INIT, 10);
	CHECK_EQ(fake_x86.timer, 10 * 16 * 2);
	fake_x86.now = 320;
	vlapic_timer_expired(a0);
	CHECK_EQ(vlapic_pending(a0), 0x42);
	CHECK_EQ(fake_x86.timer, 640);          /* periodic: the next period from the last deadline */
	fake_x86.now = 330;
	CHECK_EQ(rd(0, APIC_TIMER_CUR), 9);     /* 310 time units = 155 ticks = 9 counts of 16 */

	lapic_wr(0, APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_LVT_PERIODIC | 0x43);
	vlapic_ack(a0, 0x42);
	lapic_wr(0, APIC_EOI, 0);
	fake_x86.now = 640;
	vlapic_timer_expired(a0);               /* masked: counts on, raises nothing */
	CHECK_EQ(vlapic_pending(a0), -1);
	CHECK_EQ(fake_x86.timer, 960);
	lapic_wr(0, APIC_TIMER_INIT, 0);              /* a count of 0 stops it */
	CHECK_EQ(fake_x86.timer, VLAPIC_NEVER);
	CHECK_EQ(rd(0, APIC_TIMER_CUR), 0);
}

static uint64_t msr_rd(unsigned v, uint32_t msr)
{
	uint64_t value = 0xdead;

	CHECK(vlapic_msr(&tessera_vcpus[v], msr, false, &value));
	return value;
}

static bool msr_wr(unsigned v, uint32_t msr, uint64_t value)
{
	return vlapic_msr(&tessera_vcpus[v], msr, true, &value);
}

TEST(x2apic_mode_and_the_tsc_deadline_timer)
{
	enum power_state st;
	uint64_t value;

	boot();
	fake_pcpu = 0;
	CHECK_EQ(msr_rd(0, MSR_IA32_APIC_BASE), APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_BSP);
	CHECK_EQ(msr_rd(1, MSR_IA32_APIC_BASE), APIC_BASE_ADDR | APIC_BASE_EN);
	CHECK(!vlapic_msr(&tessera_vcpus[0], 0x802, false, &value));    /* x2APIC MSRs: #GP in xAPIC mode */
	CHECK(!msr_wr(0, MSR_IA32_APIC_BASE, 0xfed00000u | APIC_BASE_EN));      /* the base is fixed */
	CHECK(msr_wr(0, MSR_IA32_APIC_BASE, APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD));
	CHECK(!msr_wr(0, MSR_IA32_APIC_BASE, APIC_BASE_ADDR | APIC_BASE_EN));   /* x2APIC -> xAPIC: invalid */
	CHECK_EQ(msr_rd(0, 0x802), 0x0);                        /* the id, 32 bits */
	CHECK_EQ(msr_rd(0, 0x80d), 1u);                         /* LDR: cluster 0, bit 0 */
	CHECK(!msr_wr(0, 0x80d, 2));                            /* read-only */
	CHECK(!vlapic_msr(&tessera_vcpus[0], 0x80e, false, &value));    /* no DFR */
	CHECK(!msr_wr(0, 0x808, 1ull << 32));                   /* TPR: reserved bits */
	CHECK(msr_wr(0, 0x808, 0x20));
	CHECK_EQ(msr_rd(0, 0x808), 0x20);
	/* INIT and STARTUP to APIC id 1 through the 64-bit ICR */
	CHECK(msr_wr(0, 0x830, 1ull << 32 | APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT));
	CHECK(msr_wr(0, 0x830, 1ull << 32 | APIC_DELIVERY_STARTUP | 0x12));
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_ON_PENDING);
	CHECK_EQ(msr_rd(0, 0x830) >> 32, 1);
	/* a fixed IPI to id 0x100 (no such vCPU) reaches nobody; to id 1 it does */
	CHECK(msr_wr(0, 0x830, 0x100ull << 32 | 0x45));
	CHECK(msr_wr(0, 0x830, 1ull << 32 | 0x45));
	lapic_wr(1, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	CHECK_EQ(vlapic_pending(&tessera_vcpus[1]), 0x45);
	/* SELF IPI */
	CHECK(msr_wr(0, 0x83f, 0x46));
	CHECK(!msr_wr(0, 0x83f, 0x06));
	lapic_wr(0, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	CHECK_EQ(vlapic_pending(&tessera_vcpus[0]), 0x46);

	/* TSC-deadline: IA32_TSC_DEADLINE arms it, only in its LVT mode */
	CHECK(msr_wr(0, MSR_IA32_TSC_DEADLINE, 5000));          /* one-shot mode: ignored */
	CHECK_EQ(msr_rd(0, MSR_IA32_TSC_DEADLINE), 0);
	lapic_wr(0, APIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | 0x47);
	fake_x86.timer_calls = 0;
	CHECK(msr_wr(0, MSR_IA32_TSC_DEADLINE, 5000));
	CHECK_EQ(fake_x86.timer, 5000);
	CHECK_EQ(msr_rd(0, MSR_IA32_TSC_DEADLINE), 5000);
	lapic_wr(0, APIC_TIMER_INIT, 100);                            /* the count does nothing in this mode */
	CHECK_EQ(fake_x86.timer, 5000);
	fake_x86.now = 5000;
	vlapic_ack(&tessera_vcpus[0], 0x46);
	lapic_wr(0, APIC_EOI, 0);
	vlapic_timer_expired(&tessera_vcpus[0]);
	CHECK_EQ(vlapic_pending(&tessera_vcpus[0]), 0x47);
	CHECK_EQ(msr_rd(0, MSR_IA32_TSC_DEADLINE), 0);          /* fired: disarmed */
	CHECK(msr_wr(0, MSR_IA32_TSC_DEADLINE, 0));             /* 0 disarms */
	CHECK_EQ(fake_x86.timer, VLAPIC_NEVER);
}

const struct test vlapic_tests[] = {
	{ "vlapic: registers out of reset, the id fixed, register-sized accesses only", registers_out_of_reset },
	{ "vlapic: INIT then STARTUP starts the vCPU, a STARTUP alone or again does nothing",
	  init_then_startup_starts_the_vcpu_at_vector_times_4k },
	{ "vlapic: the INIT/STARTUP state machine, SMI and ExtINT IPIs not delivered",
	  startup_reaches_the_entry_vector_names },
	{ "vlapic: an IPI naming an APIC id outside the partition reaches nobody", an_ipi_outside_the_partition_reaches_nobody },
	{ "vlapic: logical destinations by the LDR", logical_destinations_match_the_ldr },
	{ "vlapic: fixed IPIs in the IRR, delivered by priority (ISR, TPR, PPR), nested EOIs, illegal vectors",
	  fixed_ipis_wait_in_the_irr_by_priority },
	{ "vlapic: the timer one-shot and periodic, TDCR's divide, current count, masked LVT, count 0",
	  timer_one_shot_periodic_divide_and_mask },
	{ "vlapic: x2APIC mode (IA32_APIC_BASE, 32-bit ids, the 64-bit ICR, SELF IPI) and the TSC-deadline timer",
	  x2apic_mode_and_the_tsc_deadline_timer },
	{ 0 },
};
