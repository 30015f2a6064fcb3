/* The virtual GICv3's distributor and redistributor registers
 * (arch/aarch64/vgic_regs.c), as a guest reads and writes them. */
#include <string.h>
#include "../../arch/aarch64/vgic.h"
#include "../../arch/aarch64/vgic_state.h"
#include "check.h"
#include "fake_arch.h"

/* Storage normally in vgic.c (the list-register side, not built here). */
struct vgic_vm vgic_vms[TESSERA_NR_VMS];
struct vgic_vcpu vgic_vcpus[TESSERA_NR_VCPUS];

/* The physical GIC calls, recorded. */
static unsigned routed_intid, routed_pcpu, enabled_intid;
static bool enabled_on;
void gic_spi_route(unsigned intid, unsigned pcpu) { routed_intid = intid; routed_pcpu = pcpu; }
void gic_spi_enable(unsigned intid, bool on) { enabled_intid = intid; enabled_on = on; }

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
	vgic_regs_init();
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

TEST(enable_and_pending_only_for_owned_spis)
{
	setup();
	dist_w(VM_A, 0x104, 4, 0xffffffff);             /* ISENABLER1: INTIDs 32-63 */
	CHECK_EQ(dist(VM_A, 0x104, 4), 1u << 1);        /* only 33 exists in vm a */
	CHECK_EQ(dist(VM_A, 0x184, 4), 1u << 1);        /* ICENABLER reads the same */
	dist_w(VM_A, 0x184, 4, 1u << 1);
	CHECK_EQ(dist(VM_A, 0x104, 4), 0);
	dist_w(VM_A, 0x204, 4, 1u << 1 | 1u << 16);     /* ISPENDR1: 33 and (not ours) 48 */
	CHECK_EQ(dist(VM_A, 0x204, 4), 1u << 1);
	CHECK_EQ(dist(VM_B, 0x204, 4), 0);              /* vm b's 33 is its own */
	dist_w(VM_A, 0x284, 4, 1u << 1);                /* ICPENDR1 */
	CHECK_EQ(dist(VM_A, 0x204, 4), 0);
	dist_w(VM_A, 0x304, 4, 1u << 1);                /* ISACTIVER: ignored */
	CHECK_EQ(dist(VM_A, 0x304, 4), 0);
	CHECK_EQ(dist(VM_A, 0x100, 4), 0);              /* SGIs/PPIs live in the redistributor */
}

TEST(hardware_spi_enable_and_routing_reach_the_physical_gic)
{
	setup();
	CHECK_EQ(routed_intid, 48);                     /* at init: to vm b's vCPU 0 pCPU */
	CHECK_EQ(routed_pcpu, 3);
	dist_w(VM_B, 0x104, 4, 1u << 16);
	CHECK_EQ(enabled_intid, 48);
	CHECK(enabled_on);
	dist_w(VM_B, 0x184, 4, 1u << 16);
	CHECK(!enabled_on);
	dist_w(VM_B, 0x204, 4, 1u << 16);               /* no software pending for hardware SPIs */
	CHECK_EQ(dist(VM_B, 0x204, 4), 0);
}

TEST(priorities_byte_and_word)
{
	setup();
	dist_w(VM_A, 0x421, 1, 0xff);                   /* IPRIORITYR byte of INTID 33 */
	CHECK_EQ(dist(VM_A, 0x420, 4), 0xf8u << 8);     /* 5 priority bits */
	dist_w(VM_A, 0x420, 4, 0x11223344);
	CHECK_EQ(dist(VM_A, 0x420, 4), 0x30u << 8);     /* only 33 exists: byte 1 */
	CHECK_EQ(dist(VM_A, 0x421, 1), 0x30);
	dist_w(VM_A, 0x400, 4, 0xffffffff);             /* private: RAZ/WI here */
	CHECK_EQ(dist(VM_A, 0x400, 4), 0);
}

TEST(configuration_edge_or_level)
{
	setup();
	dist_w(VM_A, 0xc08, 4, 0xffffffff);             /* ICFGR2: INTIDs 32-47 */
	CHECK_EQ(dist(VM_A, 0xc08, 4), 1u << 3);        /* 33 edge */
	dist_w(VM_A, 0xc08, 4, 0);
	CHECK_EQ(dist(VM_A, 0xc08, 4), 0);
	CHECK_EQ(redist(VM_A, 0x10000 + 0xc00, 4), 0xaaaaaaaa);     /* SGIs: edge, fixed */
	redist_w(VM_A, 0x10000 + 0xc00, 4, 0);
	CHECK_EQ(redist(VM_A, 0x10000 + 0xc00, 4), 0xaaaaaaaa);
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
	dist_w(VM_A, 0x6000 + 8 * 33, 8, 0x7);          /* no such vCPU: the first */
	CHECK_EQ(vgic_vms[VM_A].spi[1].target, 0);
	dist_w(VM_B, 0x6000 + 8 * 48, 8, 0x0);
	CHECK_EQ(routed_intid, 48);                     /* the hardware follows */
	CHECK_EQ(dist(VM_A, 0x6000 + 8 * 48, 8), 0);    /* not vm a's */
}

TEST(reserved_offsets_and_bad_sizes)
{
	setup();
	uint64_t v = 0;
	CHECK_EQ(dist(VM_A, 0x10, 4), 0);               /* STATUSR */
	CHECK_EQ(dist(VM_A, 0xe00, 4), 0);              /* NSACR */
	CHECK_EQ(dist(VM_A, 0x80, 4), 0);               /* IGROUPR0: RAZ with affinity routing */
	CHECK_EQ(dist(VM_A, 0x84, 4), 0xffffffff);      /* IGROUPR1: all Group 1 */
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
	CHECK_EQ(fake_kicks[1], 1);
	uint64_t v = 0;
	CHECK(!vgic_redist_access(VM_B, 0x20000, 4, false, &v));   /* vm b has one vCPU */
}

const struct test vgic_tests[] = {
	{ "vgic: identification and GICD_CTLR", identification_and_control },
	{ "vgic: enable/pending only for the partition's SPIs", enable_and_pending_only_for_owned_spis },
	{ "vgic: hardware SPI enable and routing reach the GIC",
	  hardware_spi_enable_and_routing_reach_the_physical_gic },
	{ "vgic: priorities, byte and word access", priorities_byte_and_word },
	{ "vgic: configuration, edge or level", configuration_edge_or_level },
	{ "vgic: IROUTER routes by virtual affinity", routing_by_virtual_affinity },
	{ "vgic: reserved offsets and bad sizes", reserved_offsets_and_bad_sizes },
	{ "vgic: redistributors, one frame per vCPU", redistributors_one_frame_per_vcpu },
	{ 0, 0 },
};
