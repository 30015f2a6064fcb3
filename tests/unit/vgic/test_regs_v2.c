/* The virtual GICv2 distributor (arch/aarch64/vgic_regs_v2.c), built with
 * UNIT_GIC_V2, on the system of tests/unit/fake_system.c: partition a with
 * two vCPUs (CPU interfaces 0 and 1 on pCPUs 0 and 1, SPI 33), partition b
 * with one (pCPU 3, SPI 48 of a device). */
#include "../../../arch/aarch64/vgic.h"
#include "../../../arch/aarch64/vgic_state.h"
#include "../check.h"
#include "fake_gic.h"

#if defined(CONFIG_GIC_V2)

#define VM_A 0
#define VM_B 1

/* An access of the vCPU on pcpu to its partition's distributor. */
static uint64_t rd(unsigned pcpu, unsigned vm, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;
	fake_pcpu = pcpu;
	CHECK(vgic_dist_access(vm, off, size, false, &v));
	return v;
}

static void wr(unsigned pcpu, unsigned vm, uint64_t off, unsigned size, uint64_t v)
{
	fake_pcpu = pcpu;
	CHECK(vgic_dist_access(vm, off, size, true, &v));
}

TEST(identification)
{
	vgic_init();
	CHECK_EQ(rd(0, VM_A, 0x4, 4), 1u << 5 | 1);     /* CPUNumber 1 (two CPUs), 64 INTIDs */
	CHECK_EQ(rd(3, VM_B, 0x4, 4), 0u << 5 | 1);
	CHECK_EQ(rd(0, VM_A, 0xfe8, 4), 0x2b);
	wr(0, VM_A, 0x84, 4, 0xffffffff);               /* IGROUPR: no security extensions, RAZ/WI */
	CHECK_EQ(rd(0, VM_A, 0x84, 4), 0);
}

/* Linux's GICv2 driver sets an SPI's affinity a byte at a time. */
TEST(targets_keep_what_was_written)
{
	vgic_init();
	CHECK_EQ(rd(0, VM_A, 0x821, 1), 0x01);          /* reset: CPU 0 */
	wr(0, VM_A, 0x821, 1, 0x02);
	CHECK_EQ(rd(0, VM_A, 0x821, 1), 0x02);
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, 1);
	wr(0, VM_A, 0x821, 1, 0xff);                    /* CPUs it lacks read as zero */
	CHECK_EQ(rd(1, VM_A, 0x821, 1), 0x03);
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, 0);      /* the lowest one named */
	wr(0, VM_A, 0x820, 4, 0x01020001);
	CHECK_EQ(rd(0, VM_A, 0x820, 4), 0x01020001);
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, NO_TARGET);
	CHECK_EQ(rd(0, VM_A, 0x800, 4), 0x01010101);    /* private: the reader's own CPU */
	CHECK_EQ(rd(1, VM_A, 0x81c, 4), 0x02020202);
}

TEST(targets_of_a_uniprocessor_read_as_zero)
{
	vgic_init();
	CHECK_EQ(rd(3, VM_B, 0x800, 4), 0);
	CHECK_EQ(rd(3, VM_B, 0x830, 1), 0);
	wr(3, VM_B, 0x830, 1, 0x01);
	CHECK_EQ(rd(3, VM_B, 0x830, 1), 0);
	CHECK_EQ(vgic_vms[VM_B].spi[16].target, 0);     /* SPIs still go to its CPU */
}

TEST(delivery_follows_the_targets)
{
	vgic_init();
	wr(0, VM_A, 0x0, 4, 1);                         /* GICD_CTLR.Enable */
	wr(0, VM_A, 0x104, 4, 1u << 1);                 /* ISENABLER1: 33 */
	wr(0, VM_A, 0x821, 1, 0x00);                    /* to no CPU */
	arch_irq_level(VM_A, 33, true);
	fake_pcpu = 0;
	vgic_flush();
	fake_pcpu = 1;
	vgic_flush();
	CHECK_EQ(fake_loads[0][33] + fake_loads[1][33], 0);
	wr(0, VM_A, 0x821, 1, 0x02);
	fake_pcpu = 1;
	vgic_flush();
	CHECK_EQ(fake_loads[1][33], 1);
}

TEST(priorities_bytes_and_active_state)
{
	vgic_init();
	wr(0, VM_A, 0x42f, 1, 0xff);                    /* INTID 47, owned by nobody */
	CHECK_EQ(rd(0, VM_A, 0x42c, 4), 0xf8000000);
	wr(0, VM_A, 0x410, 4, 0x80808080);              /* PPIs 16-19: banked per CPU */
	CHECK_EQ(rd(0, VM_A, 0x410, 4), 0x80808080);
	CHECK_EQ(rd(1, VM_A, 0x410, 4), 0);
	wr(0, VM_A, 0x304, 4, 1u << 14);                /* ISACTIVER1: 46 */
	CHECK_EQ(rd(1, VM_A, 0x304, 4), 1u << 14);
	wr(1, VM_A, 0x384, 4, 1u << 14);
	CHECK_EQ(rd(0, VM_A, 0x304, 4), 0);
}

const struct test regs_tests[] = {
	{ "vgic2 regs: identification, groups RAZ/WI", identification },
	{ "vgic2 regs: ITARGETSR keeps what was written, byte by byte", targets_keep_what_was_written },
	{ "vgic2 regs: ITARGETSR of a one-CPU partition reads as zero",
	  targets_of_a_uniprocessor_read_as_zero },
	{ "vgic2 regs: delivery follows ITARGETSR", delivery_follows_the_targets },
	{ "vgic2 regs: priorities by byte, active state", priorities_bytes_and_active_state },
	{ 0, 0 },
};

#endif /* CONFIG_GIC_V2 */
