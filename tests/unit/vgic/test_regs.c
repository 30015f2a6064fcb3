/* The virtual GICv3's distributor and redistributor registers
 * (arch/aarch64/vgic_regs.c), as a guest reads and writes them, with the
 * fake physical GIC of fake_gic.c. The system is tests/unit/fake_system.c:
 * partition a (vCPUs on pCPUs 0 and 1, SPI 33 emulated), partition b (one
 * vCPU on pCPU 3, SPI 48 of a device). */
#include <string.h>
#include "../../../arch/aarch64/vgic.h"
#include "../../../arch/aarch64/vgic_state.h"
#include "../check.h"
#include "fake_gic.h"

#if defined(CONFIG_GIC_V3)

#define VM_A 0
#define VM_B 1

static uint64_t dist(unsigned vm, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;
	CHECK(vgic_dist_access(vm, off, size, false, &v));
	return v;
}

static void dist_w(unsigned vm, uint64_t off, unsigned size, uint64_t v)
{
	CHECK(vgic_dist_access(vm, off, size, true, &v));
}

static uint64_t redist(unsigned vm, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;
	CHECK(vgic_redist_access(vm, off, size, false, &v));
	return v;
}

static void redist_w(unsigned vm, uint64_t off, unsigned size, uint64_t v)
{
	CHECK(vgic_redist_access(vm, off, size, true, &v));
}

static void setup(void)
{
	fake_pcpu = 0;
	vgic_init();
}

TEST(identification_and_control)
{
	setup();
	CHECK_EQ(dist(VM_A, 0x0, 4), 0x50);             /* ARE | DS, groups off */
	CHECK_EQ(dist(VM_A, 0x4, 4), 9u << 19 | 1);     /* IDbits 10, 64 INTIDs */
	CHECK_EQ(dist(VM_A, 0xffe8, 4), 0x3b);          /* PIDR2: GICv3 */
	dist_w(VM_A, 0x0, 4, 0x2);                      /* EnableGrp1 */
	CHECK_EQ(dist(VM_A, 0x0, 4), 0x52);
	CHECK_EQ(fake_kicks[1], 1);                     /* vCPU 1 of vm a re-checks */
	CHECK_EQ(fake_kicks[3], 0);                     /* vm b untouched */
	CHECK_EQ(dist(VM_B, 0x0, 4), 0x50);
}

/* Every INTID of GICD_TYPER's range has its registers; only the owned
 * ones are connected to a device. */
TEST(every_spi_in_range_has_its_state)
{
	setup();
	dist_w(VM_A, 0x104, 4, 0xffffffff);             /* ISENABLER1: INTIDs 32-63 */
	CHECK_EQ(dist(VM_A, 0x104, 4), 0xffffffff);
	CHECK_EQ(dist(VM_A, 0x184, 4), 0xffffffff);     /* ICENABLER reads the same */
	dist_w(VM_A, 0x184, 4, 1u << 1);
	CHECK_EQ(dist(VM_A, 0x104, 4), ~(1u << 1));
	CHECK_EQ(dist(VM_A, 0x108, 4), 0);              /* past the range: RAZ */
	dist_w(VM_A, 0x204, 4, 1u << 1 | 1u << 16);     /* ISPENDR1: 33 and (unconnected) 48 */
	CHECK_EQ(dist(VM_A, 0x204, 4), 1u << 1 | 1u << 16);
	CHECK_EQ(dist(VM_B, 0x204, 4), 0);              /* vm b's are its own */
	dist_w(VM_A, 0x284, 4, 1u << 1);                /* ICPENDR1 */
	CHECK_EQ(dist(VM_A, 0x204, 4), 1u << 16);
	dist_w(VM_A, 0x304, 4, 1u << 1);                /* ISACTIVER1 */
	CHECK_EQ(dist(VM_A, 0x304, 4), 1u << 1);
	dist_w(VM_A, 0x384, 4, 1u << 1);                /* ICACTIVER1 */
	CHECK_EQ(dist(VM_A, 0x304, 4), 0);
	CHECK_EQ(dist(VM_A, 0x100, 4), 0);              /* SGIs/PPIs live in the redistributor */
}

/* A hardware SPI's enable and routing are the physical one's; its pending
 * state is the physical GIC's, enabled or not. */
TEST(hardware_spi_state_is_the_physical_one)
{
	setup();
	struct fake_irq *p = fake_irq(0, 48);
	CHECK_EQ(p->route, 3);                          /* at init: to vm b's vCPU 0 pCPU */
	dist_w(VM_B, 0x104, 4, 1u << 16);
	CHECK(p->enabled);
	dist_w(VM_B, 0x184, 4, 1u << 16);
	CHECK(!p->enabled);
	p->line = true;                                 /* asserted while disabled */
	CHECK_EQ(dist(VM_B, 0x204, 4), 1u << 16);
	p->line = false;
	CHECK_EQ(dist(VM_B, 0x204, 4), 0);
	dist_w(VM_B, 0x204, 4, 1u << 16);               /* ISPENDR sets the physical pending state */
	CHECK(p->latch);
	CHECK_EQ(dist(VM_B, 0x204, 4), 1u << 16);
	dist_w(VM_B, 0x284, 4, 1u << 16);               /* ICPENDR clears it */
	CHECK(!p->latch);
	CHECK_EQ(dist(VM_B, 0x204, 4), 0);
	dist_w(VM_B, 0x304, 4, 1u << 16);               /* ISACTIVER: quiet at the GIC too */
	CHECK(p->active);
	CHECK_EQ(dist(VM_B, 0x304, 4), 1u << 16);
	dist_w(VM_B, 0x384, 4, 1u << 16);
	CHECK(!p->active);
}

TEST(priorities_byte_and_word)
{
	setup();
	dist_w(VM_A, 0x421, 1, 0xff);                   /* IPRIORITYR byte of INTID 33 */
	CHECK_EQ(dist(VM_A, 0x420, 4), 0xf8u << 8);     /* 5 priority bits */
	dist_w(VM_A, 0x420, 4, 0x11223344);             /* every SPI has one, owned or not */
	CHECK_EQ(dist(VM_A, 0x420, 4), 0x10203040);
	CHECK_EQ(dist(VM_A, 0x421, 1), 0x30);
	dist_w(VM_A, 0x43f, 1, 0xff);                   /* INTID 63, the range's last */
	CHECK_EQ(dist(VM_A, 0x43f, 1), 0xf8);
	CHECK_EQ(dist(VM_A, 0x440, 4), 0);              /* past the range */
	dist_w(VM_A, 0x400, 4, 0xffffffff);             /* private: RAZ/WI here */
	CHECK_EQ(dist(VM_A, 0x400, 4), 0);
	redist_w(VM_A, 0x10000 + 0x418, 4, 0xffffffff); /* PPIs 24-27: in the redistributor */
	CHECK_EQ(redist(VM_A, 0x10000 + 0x418, 4), 0xf8f8f8f8);
}

TEST(groups_read_back)
{
	setup();
	CHECK_EQ(dist(VM_A, 0x84, 4), 0xffffffff);      /* IGROUPR1: Group 1 at reset */
	dist_w(VM_A, 0x84, 4, 0x0000ffff);
	CHECK_EQ(dist(VM_A, 0x84, 4), 0x0000ffff);
	redist_w(VM_A, 0x10000 + 0x80, 4, 0xfffffffe);  /* GICR_IGROUPR0 */
	CHECK_EQ(redist(VM_A, 0x10000 + 0x80, 4), 0xfffffffe);
	CHECK_EQ(redist(VM_A, 0x20000 + 0x10000 + 0x80, 4), 0xffffffff);   /* vCPU 1's own */
}

TEST(configuration_edge_or_level)
{
	setup();
	dist_w(VM_A, 0xc08, 4, 0xffffffff);             /* ICFGR2: INTIDs 32-47 */
	CHECK_EQ(dist(VM_A, 0xc08, 4), 0xaaaaaaaa);     /* every SPI of the range */
	dist_w(VM_A, 0xc08, 4, 0);
	CHECK_EQ(dist(VM_A, 0xc08, 4), 0);
	CHECK_EQ(redist(VM_A, 0x10000 + 0xc00, 4), 0xaaaaaaaa);     /* SGIs: edge, fixed */
	redist_w(VM_A, 0x10000 + 0xc00, 4, 0);
	CHECK_EQ(redist(VM_A, 0x10000 + 0xc00, 4), 0xaaaaaaaa);
	redist_w(VM_A, 0x10000 + 0xc04, 4, 0xffffffff);             /* PPIs: the pCPU's own stay level */
	uint32_t own = 1u << (2 * (TESSERA_INTID_VTIMER - 16) + 1) | 1u << (2 * (TESSERA_INTID_PTIMER - 16) + 1) |
		       1u << (2 * (TESSERA_INTID_PMU - 16) + 1);
	CHECK_EQ(redist(VM_A, 0x10000 + 0xc04, 4), 0xaaaaaaaa & ~own);
}

TEST(routing_by_virtual_affinity)
{
	setup();
	dist_w(VM_A, 0x6000 + 8 * 33, 8, 0x100);        /* vCPU 1 of vm a has MPIDR 0x100 */
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, 1);
	CHECK_EQ(dist(VM_A, 0x6000 + 8 * 33, 8), 0x100);
	CHECK_EQ(dist(VM_A, 0x6000 + 8 * 33 + 4, 4), 0);        /* upper half */
	dist_w(VM_A, 0x6000 + 8 * 33, 4, 1u << 31);     /* IRM: any vCPU */
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, 0);
	dist_w(VM_A, 0x6000 + 8 * 33, 8, 0x7);          /* no such vCPU: nowhere */
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, NO_TARGET);
	CHECK_EQ(dist(VM_A, 0x6000 + 8 * 33, 8), 0x7);
	dist_w(VM_B, 0x104, 4, 1u << 16);
	dist_w(VM_B, 0x6000 + 8 * 48, 8, 0x5);          /* a hardware SPI routed nowhere is off */
	CHECK(!fake_irq(0, 48)->enabled);
	dist_w(VM_B, 0x6000 + 8 * 48, 8, 0x0);
	CHECK(fake_irq(0, 48)->enabled);
	CHECK_EQ(fake_irq(0, 48)->route, 3);            /* the hardware follows */
	CHECK_EQ(dist(VM_A, 0x6000 + 8 * 48, 8), 0);    /* vm a's own 48: at its reset value */
}

TEST(reserved_offsets_and_bad_sizes)
{
	setup();
	uint64_t v = 0;
	CHECK_EQ(dist(VM_A, 0x10, 4), 0);               /* STATUSR */
	CHECK_EQ(dist(VM_A, 0xe00, 4), 0);              /* NSACR */
	CHECK_EQ(dist(VM_A, 0x80, 4), 0);               /* IGROUPR0: RAZ with affinity routing */
	CHECK_EQ(dist(VM_A, 0x800, 4), 0);              /* ITARGETSR: RAZ/WI with affinity routing */
	dist_w(VM_A, 0xf00, 4, 0xffffffff);             /* GICD_SGIR (GICv2 only): ignored */
	CHECK(!vgic_dist_access(VM_A, 0x0, 8, false, &v));
	CHECK(!vgic_dist_access(VM_A, 0x104, 2, true, &v));
}

TEST(redistributors_one_frame_per_vcpu)
{
	setup();
	CHECK_EQ(redist(VM_A, 0x8, 8), 0x0ull << 32 | 0 << 8);
	CHECK_EQ(redist(VM_A, 0x20000 + 0x8, 8), 0x100ull << 32 | 1 << 8 | 1 << 4);    /* Last */
	CHECK_EQ(redist(VM_A, 0x20000 + 0xc, 4), 0x100);
	CHECK_EQ(redist(VM_A, 0x14, 4), 0x2);           /* WAKER: asleep */
	redist_w(VM_A, 0x14, 4, 0);
	CHECK_EQ(redist(VM_A, 0x14, 4), 0);
	CHECK_EQ(redist(VM_A, 0xffe8, 4), 0x3b);
	redist_w(VM_A, 0x20000 + 0x10000 + 0x100, 4, 1u << 1 | 1u << 27);    /* vCPU 1: SGI 1, vtimer */
	CHECK_EQ(redist(VM_A, 0x20000 + 0x10000 + 0x100, 4), 1u << 1 | 1u << 27);
	CHECK_EQ(redist(VM_A, 0x10000 + 0x100, 4), 0);  /* vCPU 0 unchanged */
	CHECK_EQ(fake_kicks[1], 1);                     /* once for both */
	uint64_t v = 0;
	CHECK(!vgic_redist_access(VM_B, 0x20000, 4, false, &v));   /* vm b has one vCPU */
}

const struct test regs_tests[] = {
	{ "vgic regs: identification and GICD_CTLR", identification_and_control },
	{ "vgic regs: every SPI of the range has its state", every_spi_in_range_has_its_state },
	{ "vgic regs: a hardware SPI's state is the physical one", hardware_spi_state_is_the_physical_one },
	{ "vgic regs: priorities, byte and word access", priorities_byte_and_word },
	{ "vgic regs: groups read back", groups_read_back },
	{ "vgic regs: configuration, edge or level", configuration_edge_or_level },
	{ "vgic regs: IROUTER routes by virtual affinity", routing_by_virtual_affinity },
	{ "vgic regs: reserved offsets and bad sizes", reserved_offsets_and_bad_sizes },
	{ "vgic regs: redistributors, one frame per vCPU", redistributors_one_frame_per_vcpu },
	{ 0, 0 },
};

#endif /* CONFIG_GIC_V3 */
