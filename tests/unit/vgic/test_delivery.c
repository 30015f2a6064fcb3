/* arch/aarch64/vgic.c's delivery: what reaches the list registers, and when
 * (fake_gic.c plays the hardware and the guest). The system is the one of
 * tests/unit/fake_system.c: partition a with vCPU 0 on pCPU 0 (MPIDR 0x0)
 * and vCPU 1 on pCPU 1 (0x100), owning SPI 33 (an emulated level line);
 * partition b with one vCPU on pCPU 3. */
#include <string.h>
#include <tessera/arch.h>
#include "../../../arch/aarch64/vgic.h"
#include "../check.h"
#include "fake_gic.h"

#define VM_A 0
#define SGI_FRAME(vcpu) ((vcpu) * 0x20000ull + 0x10000)
#define ISENABLER0 0x100
#define ICENABLER0 0x180

static void reg_w(bool dist, uint64_t off, uint64_t v)
{
	CHECK(dist ? vgic_dist_access(VM_A, off, 4, true, &v) : vgic_redist_access(VM_A, off, 4, true, &v));
}

static void flush_on(unsigned pcpu)
{
	fake_pcpu = pcpu;
	vgic_flush();
}

/* Both vCPUs of a started, its distributor on, every SGI and PPI enabled on
 * both, SPI 33 enabled; nothing pending yet. */
static void setup(void)
{
	vgic_init();
	for (unsigned p = 0; p < 4; p++) {
		fake_pcpu = p;
		if (p != 2)
			vgic_vcpu_reset();
	}
	fake_pcpu = 0;
	reg_w(true, 0x0, 0x2);                          /* GICD_CTLR.EnableGrp1 */
	reg_w(false, SGI_FRAME(0) + ISENABLER0, 0xffffffff);
	reg_w(false, SGI_FRAME(1) + ISENABLER0, 0xffffffff);
	reg_w(true, 0x104, 1u << 1);                    /* GICD_ISENABLER1: SPI 33 */
	flush_on(0);
	flush_on(1);
	memset(fake_kicks, 0, sizeof(fake_kicks));
}

/* ICC_SGI1R_EL1 from vCPU 0 (pCPU 0) naming vCPU 1 (Aff1 = 1, Aff0 = 0). */
static void sgi_to_vcpu1(unsigned intid)
{
	fake_pcpu = 0;
	vgic_sgi((uint64_t)intid << 24 | 1u << 16 | 1u);
}

TEST(an_sgi_reaches_its_target_once)
{
	setup();
	sgi_to_vcpu1(5);
	CHECK_EQ(fake_kicks[1], 1);                     /* its pCPU is told */
	flush_on(0);
	CHECK_EQ(fake_loads[0][5], 0);                  /* not the sender's */
	flush_on(1);
	CHECK_EQ(fake_lrs_holding(1, 5), 1);
	flush_on(1);
	CHECK_EQ(fake_loads[1][5], 1);                  /* a second flush adds nothing */
	CHECK_EQ(fake_loads[3][5], 0);                  /* nor does partition b see it */
}

TEST(a_disabled_sgi_waits_and_goes_in_once_enabled)
{
	setup();
	reg_w(false, SGI_FRAME(1) + ICENABLER0, 1u << 6);
	sgi_to_vcpu1(6);
	flush_on(1);
	CHECK_EQ(fake_loads[1][6], 0);
	fake_pcpu = 1;
	reg_w(false, SGI_FRAME(1) + ISENABLER0, 1u << 6);
	flush_on(1);
	CHECK_EQ(fake_loads[1][6], 1);
}

TEST(more_pending_than_list_registers_follow_as_they_drain)
{
	setup();
	for (unsigned i = 1; i <= 6; i++)
		sgi_to_vcpu1(i);
	flush_on(1);
	unsigned loaded = 0;
	for (unsigned i = 1; i <= 6; i++)
		loaded += fake_loads[1][i];
	CHECK_EQ(loaded, FAKE_LRS);
	CHECK(fake_underflow_irq[1]);                   /* told when they drain */
	for (unsigned i = 1; i <= 6; i++)
		if (fake_guest_acks(1, i))
			CHECK(fake_guest_eois(1, i));
	flush_on(1);                                    /* the maintenance interrupt's */
	for (unsigned i = 1; i <= 6; i++)
		CHECK_EQ(fake_loads[1][i], 1);          /* each exactly once */
	CHECK(!fake_underflow_irq[1]);
}

TEST(an_sgi_sent_again_while_active_comes_again_after_eoi)
{
	setup();
	sgi_to_vcpu1(2);
	flush_on(1);
	CHECK(fake_guest_acks(1, 2));
	sgi_to_vcpu1(2);
	flush_on(1);
	CHECK_EQ(fake_loads[1][2], 1);                  /* still active: waits behind it */
	CHECK(fake_guest_eois(1, 2));
	flush_on(1);
	CHECK_EQ(fake_loads[1][2], 2);
	CHECK(fake_guest_acks(1, 2));
	CHECK(fake_guest_eois(1, 2));
	flush_on(1);
	CHECK_EQ(fake_loads[1][2], 2);                  /* and not a third time */
}

TEST(a_level_line_comes_again_until_it_drops)
{
	setup();
	fake_pcpu = 0;
	arch_irq_level(VM_A, 33, true);
	flush_on(0);
	CHECK_EQ(fake_loads[0][33], 1);
	CHECK(fake_guest_acks(0, 33));
	CHECK(fake_guest_eois(0, 33));                  /* the line is still up */
	flush_on(0);
	CHECK_EQ(fake_loads[0][33], 2);
	arch_irq_level(VM_A, 33, false);
	CHECK(fake_guest_acks(0, 33));
	CHECK(fake_guest_eois(0, 33));
	flush_on(0);
	CHECK_EQ(fake_loads[0][33], 2);
}

TEST(a_hardware_ppi_goes_in_with_the_hw_bit)
{
	setup();
	fake_pcpu = 0;
	vgic_inject_hw(TESSERA_INTID_VTIMER);
	flush_on(0);
	CHECK_EQ(fake_loads[0][TESSERA_INTID_VTIMER], 1);
	CHECK(fake_lrs[0][0].hw && fake_lrs[0][0].intid == TESSERA_INTID_VTIMER);
	CHECK_EQ(fake_loads[1][TESSERA_INTID_VTIMER], 0);
}

const struct test delivery_tests[] = {
	{ "vgic delivery: an SGI reaches its target once", an_sgi_reaches_its_target_once },
	{ "vgic delivery: a disabled SGI waits, goes in once enabled",
	  a_disabled_sgi_waits_and_goes_in_once_enabled },
	{ "vgic delivery: more pending than list registers follow as they drain",
	  more_pending_than_list_registers_follow_as_they_drain },
	{ "vgic delivery: an SGI sent again while active comes again after EOI",
	  an_sgi_sent_again_while_active_comes_again_after_eoi },
	{ "vgic delivery: a level line comes again until it drops",
	  a_level_line_comes_again_until_it_drops },
	{ "vgic delivery: a hardware PPI goes in with the HW bit", a_hardware_ppi_goes_in_with_the_hw_bit },
	{ 0, 0 },
};
