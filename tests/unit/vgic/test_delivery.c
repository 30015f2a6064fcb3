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

#if defined(CONFIG_GIC_V3)

#define VM_A 0
#define VM_B 1
#define VTIMER TESSERA_INTID_VTIMER
#define ISPENDR0 0x200
#define ICPENDR0 0x280
#define ISACTIVER0 0x300
#define ICACTIVER0 0x380
#define SGI_FRAME(vcpu) ((vcpu) * 0x20000ull + 0x10000)
#define ISENABLER0 0x100
#define ICENABLER0 0x180

static void reg_w(bool dist, uint64_t off, uint64_t v)
{
	CHECK(dist ? vgic_dist_access(VM_A, off, 4, true, &v) : vgic_redist_access(VM_A, off, 4, true, &v));
}

/* A redistributor register of vm a, read by the vCPU on pcpu. */
static uint32_t redist_r(unsigned pcpu, uint64_t off)
{
	uint64_t v = 0;
	fake_pcpu = pcpu;
	CHECK(vgic_redist_access(VM_A, off, 4, false, &v));
	return (uint32_t)v;
}

static void redist_w_on(unsigned pcpu, uint64_t off, uint32_t v)
{
	fake_pcpu = pcpu;
	reg_w(false, off, v);
}

/* A trap on pcpu returns to its guest; a maintenance interrupt the list
 * registers raise is taken too. */
static void flush_on(unsigned pcpu)
{
	fake_pcpu = pcpu;
	vgic_flush();
	if (fake_maintenance(pcpu))
		vgic_maintenance();
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

/* An interrupt goes into a list register at the priority GICR_ or
 * GICD_IPRIORITYR gives it when it is loaded; one already loaded keeps the
 * priority it went in with. */
TEST(an_interrupt_goes_in_at_its_priority)
{
	setup();
	uint64_t v = 0xa7;
	fake_pcpu = 1;
	CHECK(vgic_redist_access(VM_A, SGI_FRAME(1) + 0x405, 1, true, &v));   /* SGI 5's byte: 5 bits */
	sgi_to_vcpu1(5);
	flush_on(1);
	CHECK_EQ(fake_lrs_holding(1, 5), 1);
	CHECK_EQ(fake_lr_priority(1, 5), 0xa0);
	redist_w_on(1, SGI_FRAME(1) + 0x404, 0x4000);  /* the word of SGIs 4-7: SGI 5 at 0x40 */
	CHECK_EQ(fake_lr_priority(1, 5), 0xa0);
	CHECK(fake_guest_acks(1, 5));
	CHECK(fake_guest_eois(1, 5));
	sgi_to_vcpu1(5);
	flush_on(1);
	CHECK_EQ(fake_lrs_holding(1, 5), 1);
	CHECK_EQ(fake_lr_priority(1, 5), 0x40);

	v = 0x38;
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x421, 1, true, &v));      /* SPI 33's byte */
	arch_irq_level(VM_A, 33, true);
	flush_on(0);
	CHECK_EQ(fake_lrs_holding(0, 33), 1);
	CHECK_EQ(fake_lr_priority(0, 33), 0x38);
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
	fake_irq(0, VTIMER)->line = true;
	CHECK(fake_hw_taken(0, VTIMER));
	flush_on(0);
	CHECK_EQ(fake_loads[0][VTIMER], 1);
	CHECK(fake_lrs[0][0].hw && fake_lrs[0][0].intid == VTIMER);
	CHECK_EQ(fake_loads[1][VTIMER], 0);
}

/* The timer fires while the guest has its PPI disabled: held, and pending
 * exactly while the timer's condition holds (its line at the GIC). */
TEST(a_held_timer_interrupt_is_pending_only_while_its_line_is_up)
{
	setup();
	redist_w_on(0, SGI_FRAME(0) + ICENABLER0, 1u << VTIMER);
	fake_irq(0, VTIMER)->line = true;
	CHECK(fake_hw_taken(0, VTIMER));
	flush_on(0);
	CHECK_EQ(fake_loads[0][VTIMER], 0);
	CHECK(redist_r(0, SGI_FRAME(0) + ISPENDR0) & (1u << VTIMER));
	CHECK(redist_r(1, SGI_FRAME(0) + ISPENDR0) & (1u << VTIMER));  /* vCPU 1 sees it too */
	fake_irq(0, VTIMER)->line = false;      /* the guest cleared ENABLE, set IMASK or moved CVAL */
	CHECK(!(redist_r(0, SGI_FRAME(0) + ISPENDR0) & (1u << VTIMER)));
	redist_w_on(0, SGI_FRAME(0) + ISENABLER0, 1u << VTIMER);
	flush_on(0);
	CHECK_EQ(fake_loads[0][VTIMER], 0);     /* never delivered */
	CHECK(!fake_irq(0, VTIMER)->active);    /* and the timer can fire again */
}

/* In a list register, not yet taken, when the timer's condition goes: the
 * next exit takes it back. */
TEST(a_timer_interrupt_not_yet_taken_goes_when_its_line_drops)
{
	setup();
	fake_irq(0, VTIMER)->line = true;
	CHECK(fake_hw_taken(0, VTIMER));
	flush_on(0);
	CHECK_EQ(fake_lr_state(0, VTIMER), LR_STATE_PENDING);
	CHECK(redist_r(0, SGI_FRAME(0) + ISPENDR0) & (1u << VTIMER));
	fake_irq(0, VTIMER)->line = false;
	CHECK(!(redist_r(0, SGI_FRAME(0) + ISPENDR0) & (1u << VTIMER)));
	flush_on(0);
	CHECK_EQ(fake_lr_state(0, VTIMER), 0);
	CHECK(!fake_irq(0, VTIMER)->active);
	fake_irq(0, VTIMER)->line = true;       /* armed again: comes again */
	CHECK(fake_hw_taken(0, VTIMER));
	flush_on(0);
	CHECK_EQ(fake_loads[0][VTIMER], 2);
}

/* A device's level interrupt (vm b's SPI 48 on pCPU 3), cleared at the
 * device by the handler before its EOI: delivered once per assertion,
 * also when it was asserted while it could not be signalled. */
TEST(a_hardware_level_spi_is_delivered_once_per_assertion)
{
	setup();
	uint64_t v = 1u << 16;
	fake_pcpu = 3;
	CHECK(vgic_dist_access(VM_B, 0x104, 4, true, &v));     /* ISENABLER1: 48 */
	v = 0x2;
	CHECK(vgic_dist_access(VM_B, 0x0, 4, true, &v));        /* EnableGrp1 */
	struct fake_irq *p = fake_irq(0, 48);
	p->line = true;
	CHECK(fake_hw_taken(3, 48));
	flush_on(3);
	CHECK(fake_guest_acks(3, 48));
	p->line = false;                        /* the handler clears the device */
	CHECK(fake_guest_eois(3, 48));
	CHECK(!fake_hw_taken(3, 48));
	flush_on(3);
	CHECK_EQ(fake_loads[3][48], 1);
	v = 0;
	CHECK(vgic_dist_access(VM_B, 0x0, 4, true, &v));        /* the distributor off */
	p->line = true;
	CHECK(fake_hw_taken(3, 48));
	flush_on(3);
	p->line = false;                        /* gone before the guest could see it */
	v = 0x2;
	CHECK(vgic_dist_access(VM_B, 0x0, 4, true, &v));
	flush_on(3);
	CHECK_EQ(fake_loads[3][48], 1);
	CHECK(!p->active);
}

TEST(pending_and_active_read_from_the_list_register)
{
	setup();
	sgi_to_vcpu1(5);
	flush_on(1);
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISPENDR0), 1u << 5);        /* its own, live */
	CHECK_EQ(redist_r(0, SGI_FRAME(1) + ISPENDR0), 1u << 5);        /* another vCPU's view */
	CHECK(fake_guest_acks(1, 5));
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISPENDR0), 0);
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISACTIVER0), 1u << 5);
	CHECK(fake_guest_eois(1, 5));
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISACTIVER0), 0);
}

TEST(clear_pending_takes_it_back_from_the_list_register)
{
	setup();
	sgi_to_vcpu1(5);
	flush_on(1);
	redist_w_on(0, SGI_FRAME(1) + ICPENDR0, 1u << 5);               /* from vCPU 0 */
	CHECK_EQ(redist_r(0, SGI_FRAME(1) + ISPENDR0), 0);
	CHECK(fake_kicks[1] > 0);
	flush_on(1);
	CHECK_EQ(fake_lr_state(1, 5), 0);
	CHECK(!fake_guest_acks(1, 5));
}

TEST(set_and_clear_active)
{
	setup();
	redist_w_on(0, SGI_FRAME(0) + ISACTIVER0, 1u << 7);
	CHECK_EQ(redist_r(0, SGI_FRAME(0) + ISACTIVER0), 1u << 7);
	flush_on(0);
	CHECK_EQ(fake_lr_state(0, 7), LR_STATE_ACTIVE);
	CHECK_EQ(redist_r(0, SGI_FRAME(0) + ISPENDR0), 0);
	redist_w_on(0, SGI_FRAME(0) + ICACTIVER0, 1u << 7);
	CHECK_EQ(redist_r(0, SGI_FRAME(0) + ISACTIVER0), 0);
	flush_on(0);
	CHECK_EQ(fake_lr_state(0, 7), 0);
	sgi_to_vcpu1(6);                        /* an active one pending again: both */
	flush_on(1);
	CHECK(fake_guest_acks(1, 6));
	redist_w_on(1, SGI_FRAME(1) + ISPENDR0, 1u << 6);
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISPENDR0) & redist_r(1, SGI_FRAME(1) + ISACTIVER0), 1u << 6);
}

TEST(a_disabled_interrupt_leaves_its_list_register)
{
	setup();
	sgi_to_vcpu1(5);
	flush_on(1);
	redist_w_on(1, SGI_FRAME(1) + ICENABLER0, 1u << 5);
	flush_on(1);
	CHECK_EQ(fake_lr_state(1, 5), 0);
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISPENDR0), 1u << 5);        /* still pending */
	redist_w_on(1, SGI_FRAME(1) + ISENABLER0, 1u << 5);
	flush_on(1);
	CHECK_EQ(fake_loads[1][5], 2);
}

/* IGROUPR decides which GICD_CTLR enable applies, and the list
 * register's group (Group 0 comes as a virtual FIQ). */
TEST(a_group_0_interrupt_waits_for_its_group_and_goes_in_as_group_0)
{
	setup();                                /* GICD_CTLR: EnableGrp1 only */
	redist_w_on(1, SGI_FRAME(1) + 0x80, ~(1u << 5));        /* GICR_IGROUPR0: SGI 5 Group 0 */
	sgi_to_vcpu1(5);
	flush_on(1);
	CHECK_EQ(fake_loads[1][5], 0);
	fake_pcpu = 0;
	reg_w(true, 0x0, 0x3);                  /* EnableGrp0 too */
	flush_on(1);
	CHECK_EQ(fake_loads[1][5], 1);
	CHECK(fake_lr_state(1, 5) == LR_STATE_PENDING && !fake_lrs[1][0].group1);
	sgi_to_vcpu1(6);                        /* Group 1, as at reset */
	flush_on(1);
	CHECK(fake_lrs[1][1].intid == 6 && fake_lrs[1][1].group1);
}

TEST(an_spi_routed_nowhere_waits)
{
	setup();
	uint64_t v = 0x7;                       /* no vCPU of vm a has affinity 0x7 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	arch_irq_level(VM_A, 33, true);
	flush_on(0);
	flush_on(1);
	CHECK_EQ(fake_loads[0][33] + fake_loads[1][33], 0);
	v = 0x100;
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	flush_on(1);
	CHECK_EQ(fake_loads[1][33], 1);
}

/* An SPI re-routed while the old target's list register holds it (Linux
 * moves an interrupt's affinity whenever it likes): not loaded twice, and
 * once the old target is done with it, its level line, still up, brings
 * it to the new target. */
TEST(an_spi_rerouted_from_a_list_register_follows_its_route)
{
	setup();
	uint64_t v = 0x100;                     /* GICD_IROUTER33: vCPU 1 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	arch_irq_level(VM_A, 33, true);
	flush_on(1);
	CHECK_EQ(fake_loads[1][33], 1);
	CHECK(fake_guest_acks(1, 33));
	v = 0x0;                                /* now vCPU 0 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	flush_on(0);
	CHECK_EQ(fake_loads[0][33], 0);         /* active on vCPU 1 still */
	CHECK(fake_guest_eois(1, 33));
	flush_on(1);
	CHECK_EQ(fake_loads[1][33], 1);         /* not back on the old target */
	flush_on(0);
	CHECK_EQ(fake_loads[0][33], 1);
	CHECK_EQ(fake_lr_state(0, 33), LR_STATE_PENDING);
}

/* A hardware interrupt for the vCPU of the pCPU that took it goes into a
 * list register at once; one the guest completed needs no flush of its
 * own (only a level not yet taken makes every return look again), and the
 * next delivery reuses its register. */
TEST(the_timer_goes_straight_in_and_its_register_is_reused)
{
	setup();
	fake_irq(0, VTIMER)->line = true;
	CHECK(fake_hw_taken(0, VTIMER));
	CHECK_EQ(fake_lr_state(0, VTIMER), LR_STATE_PENDING);   /* before any flush */
	CHECK_EQ(vgic_flush_due[0], FLUSH_LRS);                 /* a level not yet taken */
	CHECK(fake_guest_acks(0, VTIMER));
	flush_on(0);
	CHECK_EQ(vgic_flush_due[0], 0);                         /* active: nothing to look at */
	fake_irq(0, VTIMER)->line = false;                      /* the handler moves CVAL on */
	CHECK(fake_guest_eois(0, VTIMER));
	CHECK_EQ(vgic_flush_due[0], 0);                         /* completed: still nothing */
	fake_irq(0, VTIMER)->line = true;
	CHECK(fake_hw_taken(0, VTIMER));
	CHECK_EQ(fake_loads[0][VTIMER], 2);
	CHECK_EQ(fake_lrs_holding(0, VTIMER), 1);
	CHECK_EQ(fake_lrs[0][0].intid, VTIMER);                 /* the same register */
}

/* An SGI the guest completed stays in its list register, unseen, until a
 * flush with news: the trap that sends one pays no flush for its own. */
TEST(a_completed_sgi_needs_no_flush_until_the_next_one)
{
	setup();
	sgi_to_vcpu1(3);
	flush_on(1);
	CHECK(fake_guest_acks(1, 3));
	CHECK(fake_guest_eois(1, 3));
	CHECK_EQ(vgic_flush_due[1], 0);
	sgi_to_vcpu1(3);
	CHECK_EQ(vgic_flush_due[1], FLUSH_NEWS);
	flush_on(1);
	CHECK_EQ(fake_loads[1][3], 2);
	CHECK_EQ(fake_lrs_holding(1, 3), 1);
	CHECK_EQ(fake_lrs[1][0].intid, 3);
}

/* Another vCPU polling an interrupt's active state (Linux's synchronize_irq
 * reads GICD_ISACTIVER until it clears) sees the guest's EOI, which traps
 * nothing, once the holder's pCPU has looked again: the read asks it to. */
TEST(a_remote_reader_sees_a_completed_interrupt_end)
{
	setup();
	sgi_to_vcpu1(5);
	flush_on(1);
	CHECK(fake_guest_acks(1, 5));
	sgi_to_vcpu1(6);
	flush_on(1);                                    /* vCPU 1's pCPU saw 5 active */
	CHECK(fake_guest_eois(1, 5));
	memset(fake_kicks, 0, sizeof(fake_kicks));
	redist_r(0, SGI_FRAME(1) + ISACTIVER0);
	CHECK(fake_kicks[1] > 0);
	flush_on(1);
	CHECK_EQ(redist_r(0, SGI_FRAME(1) + ISACTIVER0) & (1u << 5), 0);
	CHECK_EQ(redist_r(1, SGI_FRAME(1) + ISACTIVER0) & (1u << 5), 0);
}

/* The same for an SPI routed elsewhere while active in its old target's
 * list register: the read asks that pCPU, which holds it, to look again
 * (not the new target's, which has nothing to see). */
TEST(a_remote_reader_of_a_rerouted_spi_asks_its_holder)
{
	setup();
	uint64_t v = 0x100, active;             /* GICD_IROUTER33: vCPU 1 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	arch_irq_edge(VM_A, 33);
	flush_on(1);
	CHECK(fake_guest_acks(1, 33));
	sgi_to_vcpu1(6);
	flush_on(1);                            /* vCPU 1's pCPU saw 33 active */
	v = 0x0;                                /* now vCPU 0 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	CHECK(fake_guest_eois(1, 33));
	memset(fake_kicks, 0, sizeof(fake_kicks));
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x304, 4, false, &active));       /* GICD_ISACTIVER1 */
	CHECK(fake_kicks[1] > 0);
	flush_on(1);
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x304, 4, false, &active));
	CHECK_EQ(active & (1u << 1), 0);
}

/* And a write: GICD_ICACTIVER from another vCPU ends it in the list
 * register of the vCPU that holds it. */
TEST(a_rerouted_spi_deactivated_by_another_vcpu_leaves_its_holder)
{
	setup();
	uint64_t v = 0x100;                     /* GICD_IROUTER33: vCPU 1 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	arch_irq_edge(VM_A, 33);
	flush_on(1);
	CHECK(fake_guest_acks(1, 33));
	v = 0x0;                                /* now vCPU 0 */
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x6000 + 8 * 33, 8, true, &v));
	memset(fake_kicks, 0, sizeof(fake_kicks));
	v = 1u << 1;
	fake_pcpu = 0;
	CHECK(vgic_dist_access(VM_A, 0x384, 4, true, &v));             /* GICD_ICACTIVER1 */
	CHECK(fake_kicks[1] > 0);
	flush_on(1);
	CHECK_EQ(fake_lr_state(1, 33), 0);
}

const struct test delivery_tests[] = {
	{ "vgic delivery: an SGI reaches its target once", an_sgi_reaches_its_target_once },
	{ "vgic delivery: an interrupt goes in at the priority its register gives",
	  an_interrupt_goes_in_at_its_priority },
	{ "vgic delivery: a remote reader sees a completed interrupt end",
	  a_remote_reader_sees_a_completed_interrupt_end },
	{ "vgic delivery: a remote reader of a re-routed SPI asks its holder",
	  a_remote_reader_of_a_rerouted_spi_asks_its_holder },
	{ "vgic delivery: a re-routed SPI deactivated by another vCPU leaves its holder",
	  a_rerouted_spi_deactivated_by_another_vcpu_leaves_its_holder },
	{ "vgic delivery: a disabled SGI waits, goes in once enabled",
	  a_disabled_sgi_waits_and_goes_in_once_enabled },
	{ "vgic delivery: more pending than list registers follow as they drain",
	  more_pending_than_list_registers_follow_as_they_drain },
	{ "vgic delivery: an SGI sent again while active comes again after EOI",
	  an_sgi_sent_again_while_active_comes_again_after_eoi },
	{ "vgic delivery: a level line comes again until it drops",
	  a_level_line_comes_again_until_it_drops },
	{ "vgic delivery: a hardware PPI goes in with the HW bit", a_hardware_ppi_goes_in_with_the_hw_bit },
	{ "vgic delivery: a held timer interrupt is pending only while its line is up",
	  a_held_timer_interrupt_is_pending_only_while_its_line_is_up },
	{ "vgic delivery: a timer interrupt not yet taken goes when its line drops",
	  a_timer_interrupt_not_yet_taken_goes_when_its_line_drops },
	{ "vgic delivery: a hardware level SPI is delivered once per assertion",
	  a_hardware_level_spi_is_delivered_once_per_assertion },
	{ "vgic delivery: pending and active read from the list register",
	  pending_and_active_read_from_the_list_register },
	{ "vgic delivery: clearing pending takes it back from the list register",
	  clear_pending_takes_it_back_from_the_list_register },
	{ "vgic delivery: active set and cleared through the registers", set_and_clear_active },
	{ "vgic delivery: a disabled interrupt leaves its list register",
	  a_disabled_interrupt_leaves_its_list_register },
	{ "vgic delivery: a Group 0 interrupt waits for its group, goes in as Group 0",
	  a_group_0_interrupt_waits_for_its_group_and_goes_in_as_group_0 },
	{ "vgic delivery: an SPI routed nowhere waits", an_spi_routed_nowhere_waits },
	{ "vgic delivery: an SPI re-routed from a list register follows its route",
	  an_spi_rerouted_from_a_list_register_follows_its_route },
	{ "vgic delivery: the timer goes straight in, its register reused",
	  the_timer_goes_straight_in_and_its_register_is_reused },
	{ "vgic delivery: a completed SGI needs no flush until the next one",
	  a_completed_sgi_needs_no_flush_until_the_next_one },
	{ 0, 0 },
};

#else
const struct test delivery_tests[] = { { 0, 0 } };
#endif /* CONFIG_GIC_V3 */
