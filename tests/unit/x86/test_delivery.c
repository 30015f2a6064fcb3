/* The virtual local APIC's delivery modes and destinations (Intel SDM
 * vol. 3, 10.6; AMD APM vol. 2, 16.5): NMI, lowest priority, logical
 * destinations (xAPIC flat and cluster, x2APIC clusters), shorthands, an
 * INIT to a running vCPU, CR8 as TPR[7:4]. The fake system of
 * fake_system.c: partition a with APIC ids 0x0 (pCPU 0) and 0x1 (pCPU 1),
 * partition b with 0x0 (pCPU 3). */
#include <tessera/core.h>
#include "../../../arch/x86_64/vlapic.h"
#include "../../../src/power.h"
#include "../check.h"
#include "../fake_arch.h"
#include "fake_x86.h"

static void cpu0_main(void) { power_pcpu_run(0); }
static void cpu1_main(void) { power_pcpu_run(1); }
static void cpu3_main(void) { power_pcpu_run(3); }
static void vcpu_off(void) { core_vcpu_off(); }

/* Both of a's vCPUs and b's in their guests, every APIC software-enabled. */
static void boot_all(void)
{
	power_init();
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST);
	CHECK_EQ(on_pcpu(1, cpu1_main), WOULD_WAIT);
	CHECK_EQ(on_pcpu(3, cpu3_main), ENTERED_GUEST);
	fake_pcpu = 0;
	CHECK_EQ(core_vcpu_on(0x1, 0x8000, 0), POWER_OK);
	CHECK_EQ(on_pcpu(1, cpu1_main), ENTERED_GUEST);
	fake_reset();
	fake_pcpu = 0;
	for (unsigned v = 0; v < TESSERA_NR_VCPUS; v++) {
		uint64_t svr = APIC_SVR_ENABLE | 0xff;
		vlapic_vcpu_start(&tessera_vcpus[v]);
		CHECK(vlapic_mmio(&tessera_vcpus[v], APIC_SVR, 4, true, &svr));
	}
}

/* Is vector set in vCPU v's IRR? */
static bool has(unsigned v, unsigned vector)
{
	uint64_t value = 0;

	CHECK(vlapic_mmio(&tessera_vcpus[v], APIC_IRR + (vector / 32) * 0x10, 4, false, &value));
	return (value >> (vector % 32)) & 1u;
}

static void clear_irrs(void)
{
	for (unsigned v = 0; v < TESSERA_NR_VCPUS; v++)
		for (int vec; (vec = vlapic_pending(&tessera_vcpus[v])) >= 0;) {
			vlapic_ack(&tessera_vcpus[v], (unsigned)vec);
			lapic_wr(v, APIC_EOI, 0);
		}
}

TEST(nmi_ipi_is_pending_until_taken_and_wakes_a_halt)
{
	const struct vcpu_config *a1 = &tessera_vcpus[1];

	boot_all();
	CHECK(!vlapic_wakes(a1, false));
	lapic_ipi(0, 0x1, APIC_DELIVERY_NMI);
	CHECK_EQ(fake_kicks[1], 1);
	CHECK(vlapic_wakes(a1, false));         /* an NMI ends HLT whatever RFLAGS.IF */
	CHECK_EQ(vlapic_pending(a1), -1);       /* not a maskable interrupt */
	vlapic_of(a1)->nmi_blocked = true;      /* in its NMI handler: the next waits */
	CHECK(!vlapic_wakes(a1, false));
	vlapic_of(a1)->nmi_blocked = false;
	CHECK(vlapic_take_nmi(a1));
	CHECK(!vlapic_take_nmi(a1));            /* one NMI, taken once */
	CHECK(!vlapic_take_nmi(&tessera_vcpus[0]));
	CHECK(!vlapic_take_nmi(&tessera_vcpus[2]));
}

TEST(lowest_priority_reaches_one_vcpu_of_lowest_tpr)
{
	boot_all();
	lapic_wr(0, APIC_TPR, 0x20);
	lapic_wr(1, APIC_TPR, 0x10);
	lapic_ipi(0, 0xff, APIC_DELIVERY_LOWEST | 0x50);      /* broadcast: both named */
	CHECK(!has(0, 0x50));
	CHECK(has(1, 0x50));
	CHECK(!has(2, 0x50));                           /* never b's */
	clear_irrs();
	lapic_wr(1, APIC_TPR, 0x30);
	lapic_ipi(1, 0xff, APIC_DELIVERY_LOWEST | 0x51);
	CHECK(has(0, 0x51));
	CHECK(!has(1, 0x51));
	clear_irrs();
	lapic_wr(0, APIC_TPR, 0x30);                          /* equal: the first */
	lapic_ipi(1, 0x1, APIC_DELIVERY_LOWEST | 0x52);       /* physical: only vCPU 1 is named */
	CHECK(!has(0, 0x52));
	CHECK(has(1, 0x52));
}

TEST(logical_flat_and_cluster_models)
{
	boot_all();
	/* flat (DFR 0xffffffff out of reset): a bit of LDR[31:24] each */
	lapic_wr(0, APIC_LDR, 0x01u << 24);
	lapic_wr(1, APIC_LDR, 0x02u << 24);
	lapic_ipi(0, 0x02, APIC_ICR_LOGICAL | 0x40);
	CHECK(!has(0, 0x40) && has(1, 0x40));
	lapic_ipi(0, 0x03, APIC_ICR_LOGICAL | 0x41);
	CHECK(has(0, 0x41) && has(1, 0x41));
	lapic_ipi(0, 0x04, APIC_ICR_LOGICAL | 0x42);
	CHECK(!has(0, 0x42) && !has(1, 0x42) && !has(2, 0x42));
	clear_irrs();
	/* cluster: LDR[31:28] the cluster, LDR[27:24] a bit in it */
	lapic_wr(0, APIC_DFR, 0x0fffffffu);
	lapic_wr(1, APIC_DFR, 0x0fffffffu);
	lapic_wr(0, APIC_LDR, 0x11u << 24);           /* cluster 1, bit 0 */
	lapic_wr(1, APIC_LDR, 0x22u << 24);           /* cluster 2, bit 1 */
	lapic_ipi(0, 0x22, APIC_ICR_LOGICAL | 0x43);
	CHECK(!has(0, 0x43) && has(1, 0x43));
	lapic_ipi(0, 0x13, APIC_ICR_LOGICAL | 0x44);  /* cluster 1, bits 0 and 1 */
	CHECK(has(0, 0x44) && !has(1, 0x44));
	lapic_ipi(0, 0x12, APIC_ICR_LOGICAL | 0x45);  /* cluster 1, bit 1: nobody */
	CHECK(!has(0, 0x45) && !has(1, 0x45));
	lapic_ipi(0, 0xff, APIC_ICR_LOGICAL | 0x46);  /* the broadcast */
	CHECK(has(0, 0x46) && has(1, 0x46) && !has(2, 0x46));
}

TEST(x2apic_logical_clusters_and_broadcast)
{
	boot_all();
	for (unsigned v = 0; v < 2; v++) {
		uint64_t base = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD;
		CHECK(vlapic_msr(&tessera_vcpus[v], MSR_IA32_APIC_BASE, true, &base));
	}
	uint64_t icr = (uint64_t)2 << 32 | APIC_ICR_LOGICAL | 0x47;    /* cluster 0, bit 1: id 1 */
	CHECK(vlapic_msr(&tessera_vcpus[0], MSR_X2APIC_ICR, true, &icr));
	CHECK(!has(0, 0x47) && has(1, 0x47));
	icr = (uint64_t)(1u << 16 | 2u) << 32 | APIC_ICR_LOGICAL | 0x48;       /* cluster 1: nobody here */
	CHECK(vlapic_msr(&tessera_vcpus[0], MSR_X2APIC_ICR, true, &icr));
	CHECK(!has(0, 0x48) && !has(1, 0x48));
	icr = (uint64_t)0xffffffffu << 32 | APIC_ICR_LOGICAL | 0x49;
	CHECK(vlapic_msr(&tessera_vcpus[1], MSR_X2APIC_ICR, true, &icr));
	CHECK(has(0, 0x49) && has(1, 0x49) && !has(2, 0x49));
}

TEST(shorthands_stay_in_the_partition)
{
	boot_all();
	lapic_ipi(1, 0x0, APIC_SHORTHAND_SELF << APIC_ICR_SHORTHAND_SHIFT | 0x60);
	CHECK(!has(0, 0x60) && has(1, 0x60) && !has(2, 0x60));
	lapic_ipi(1, 0x0, APIC_SHORTHAND_ALL << APIC_ICR_SHORTHAND_SHIFT | 0x61);
	CHECK(has(0, 0x61) && has(1, 0x61) && !has(2, 0x61));
	lapic_ipi(1, 0x0, APIC_SHORTHAND_ALL_BUT_SELF << APIC_ICR_SHORTHAND_SHIFT | 0x62);
	CHECK(has(0, 0x62) && !has(1, 0x62) && !has(2, 0x62));
	/* from b: all its partition has is itself */
	fake_pcpu = 3;
	lapic_ipi(2, 0x0, APIC_SHORTHAND_ALL << APIC_ICR_SHORTHAND_SHIFT | 0x63);
	CHECK(!has(0, 0x63) && !has(1, 0x63) && has(2, 0x63));
	lapic_ipi(2, 0x0, APIC_SHORTHAND_ALL_BUT_SELF << APIC_ICR_SHORTHAND_SHIFT | APIC_DELIVERY_NMI);
	CHECK(!vlapic_take_nmi(&tessera_vcpus[0]) && !vlapic_take_nmi(&tessera_vcpus[1]));
	CHECK(!vlapic_take_nmi(&tessera_vcpus[2]));
}

TEST(init_resets_a_running_vcpu_to_wait_for_sipi)
{
	const struct vcpu_config *a1 = &tessera_vcpus[1];
	enum power_state st;

	boot_all();
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_ON);
	lapic_ipi(0, 0x1, APIC_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);
	CHECK_EQ(fake_kicks[1], 1);             /* out of its guest */
	CHECK(vlapic_wakes(a1, false));         /* out of HLT too */
	CHECK(vlapic_take_init(a1));            /* its pCPU takes it ... */
	CHECK_EQ(on_pcpu(1, vcpu_off), WOULD_WAIT);     /* ... and parks it (vevent.c) */
	fake_pcpu = 0;
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_OFF);
	CHECK(!vlapic_sipi_started(a1));
	lapic_ipi(0, 0x1, APIC_DELIVERY_STARTUP | 0x09);
	CHECK(core_vcpu_state(0x1, &st) && st == POWER_STATE_ON_PENDING);
	CHECK(vlapic_sipi_started(a1));
	CHECK_EQ(on_pcpu(1, cpu1_main), ENTERED_GUEST);
	CHECK_EQ(fake_entered.entry, 0x9000);
	/* INIT level de-assert: nothing */
	fake_pcpu = 0;
	lapic_ipi(0, 0x1, APIC_DELIVERY_INIT | APIC_ICR_TRIGGER_LEVEL);
	CHECK(!vlapic_take_init(a1));
}

TEST(cr8_is_tpr_bits_7_to_4)
{
	const struct vcpu_config *a0 = &tessera_vcpus[0];
	uint64_t tpr = 0;

	boot_all();
	lapic_wr(0, APIC_TPR, 0x35);
	CHECK_EQ(vlapic_cr8(a0), 3);
	vlapic_set_cr8(a0, 3);                  /* unchanged CR8: TPR[3:0] stay */
	CHECK(vlapic_mmio(a0, APIC_TPR, 4, false, &tpr));
	CHECK_EQ(tpr, 0x35);
	vlapic_set_cr8(a0, 5);                  /* MOV to CR8: TPR = CR8 << 4 */
	CHECK(vlapic_mmio(a0, APIC_TPR, 4, false, &tpr));
	CHECK_EQ(tpr, 0x50);
	lapic_ipi(0, 0x0, APIC_SHORTHAND_SELF << APIC_ICR_SHORTHAND_SHIFT | 0x55);
	CHECK_EQ(vlapic_pending(a0), -1);       /* held back by the CR8 the guest wrote */
	vlapic_set_cr8(a0, 4);
	CHECK_EQ(vlapic_pending(a0), 0x55);
}

TEST(an_io_apic_destination_names_its_first_vcpu)
{
	boot_all();
	lapic_wr(1, APIC_LDR, 0x02u << 24);
	CHECK_EQ(vlapic_first_named(0, 0, 0x1)->virt_id, 0x1);         /* physical */
	CHECK(vlapic_first_named(0, APIC_ICR_LOGICAL, 0x02) == &tessera_vcpus[1]);
	CHECK(vlapic_first_named(0, 0, 0x7) == &tessera_vcpus[0]);      /* nobody: vCPU 0 */
	CHECK(vlapic_first_named(1, 0, 0x1) == &tessera_vcpus[2]);      /* b's only */
}

const struct test delivery_tests[] = {
	{ "vlapic: an NMI IPI is pending until injected once, wakes HLT, waits while NMIs are blocked",
	  nmi_ipi_is_pending_until_taken_and_wakes_a_halt },
	{ "vlapic: lowest priority reaches the one named vCPU of lowest TPR", lowest_priority_reaches_one_vcpu_of_lowest_tpr },
	{ "vlapic: logical destinations, xAPIC flat and cluster models (DFR), the broadcast",
	  logical_flat_and_cluster_models },
	{ "vlapic: x2APIC logical destinations (cluster << 16 | bit) and the broadcast", x2apic_logical_clusters_and_broadcast },
	{ "vlapic: shorthands self, all, all but self, never beyond the partition", shorthands_stay_in_the_partition },
	{ "vlapic: INIT resets a running vCPU to wait-for-SIPI, STARTUP restarts it in real mode",
	  init_resets_a_running_vcpu_to_wait_for_sipi },
	{ "vlapic: CR8 is TPR[7:4], written back as TPR = CR8 << 4", cr8_is_tpr_bits_7_to_4 },
	{ "vlapic: the vCPU an I/O APIC destination names first (or vCPU 0), in its partition only",
	  an_io_apic_destination_names_its_first_vcpu },
	{ 0 },
};
