/*
 * Virtual GICv2 distributor (Arm IHI 0048B), for boards with a GICv2 (what
 * ArceOS expects on QEMU virt). Unlike a GICv3's, it holds the private
 * INTIDs too, banked per vCPU; SPIs are routed by CPU mask (ITARGETSR) and
 * SGIs are sent by writing GICD_SGIR, naming vCPUs by their CPU interface
 * number, which is their index in the partition. The CPU interface is not
 * emulated: the guest's GICC is the hardware's GICV frame (stage 2).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "vgic.h"
#include "vgic_state.h"

#if defined(CONFIG_GIC_V2)

#define GICD_CTLR_ENABLE    (1u << 0)
#define IIDR_ARM            0x43b
#define PIDR2_GICV2         0x2b        /* ArchRev 2 */
#define SGIR_FILTER_LIST    0
#define SGIR_FILTER_OTHERS  1
#define SGIR_FILTER_SELF    2

/* GICD_ITARGETSR: a byte per INTID, a bit per CPU interface (vCPU index).
 * Private ones read as the reader's own CPU; an SPI's keep what was
 * written (CPUs the partition lacks read as zero) and it goes to the
 * lowest CPU named, or nowhere. With one vCPU they are RAZ/WI, as on a
 * uniprocessor GIC, and SPIs go to it. */
static void targets_access(unsigned vm, unsigned self, uint64_t off, unsigned size, bool write,
			   uint64_t *value)
{
	unsigned nr = tessera_vms[vm].nr_vcpus;
	uint8_t cpus = (uint8_t)((1u << nr) - 1);
	uint64_t out = 0;
	for (unsigned b = 0; b < size && nr > 1; b++) {
		unsigned intid = (unsigned)(off - 0x800) + b;
		struct virq *v = virq_of(vm, vcpu_index(vcpu_of(vm, self)), intid);
		if (!v)
			continue;
		if (intid < NR_PRIVATE) {
			out |= (uint64_t)(1u << self) << (8 * b);
			continue;
		}
		if (write) {
			v->targets = (uint8_t)(*value >> (8 * b)) & cpus;
			vgic_route_spi(vm, intid, v->targets ? (unsigned)__builtin_ctz(v->targets) : NO_TARGET);
		}
		out |= (uint64_t)v->targets << (8 * b);
	}
	if (!write)
		*value = out;
}

/* GICD_SGIR: TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0] */
static void sgir_write(unsigned vm, unsigned self, uint32_t r)
{
	unsigned filter = (r >> 24) & 3, intid = r & 0xf;
	uint32_t list = (r >> 16) & 0xff;

	if (filter == SGIR_FILTER_OTHERS)
		list = 0xffu & ~(1u << self);
	else if (filter == SGIR_FILTER_SELF)
		list = 1u << self;
	else if (filter != SGIR_FILTER_LIST)
		return;
	for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus; i++) {
		if (list & (1u << i)) {     /* CPU numbers past the partition's: nobody */
			vgic_pend_sgi_locked(vcpu_of(vm, i), intid, self);
			vgic_notify(vcpu_of(vm, i), intid);
		}
	}
}

/* GICD_SPENDSGIR / GICD_CPENDSGIR: a byte per SGI, a bit per source. */
static void sgi_pending_access(unsigned vcpu, uint64_t off, bool set, bool write, uint64_t *value)
{
	struct vgic_vcpu *c = &vgic_vcpus[vcpu];
	unsigned first = (unsigned)(off & 0xf);
	uint32_t out = 0;
	for (unsigned b = 0; b < 4; b++) {
		unsigned intid = first + b;
		uint8_t bits = (uint8_t)(*value >> (8 * b));
		if (write && set)
			c->sgi_sources[intid] |= bits;
		else if (write)
			c->sgi_sources[intid] &= (uint8_t)~bits;
		c->priv[intid].pending = c->sgi_sources[intid] != 0;
		out |= (uint32_t)c->sgi_sources[intid] << (8 * b);
	}
	if (!write)
		*value = out;
}

static bool dist_locked(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	struct vgic_vm *g = &vgic_vms[vm];
	const struct vcpu_config *self = core_this_vcpu();
	unsigned index = self->index;

	if (off >= 0x800 && off < 0xc00) {                          /* ITARGETSR */
		if (size != 1 && size != 4)
			return false;
		targets_access(vm, index, off, size, write, value);
		return true;
	}
	if (off < 0x80 || off >= 0xf00) {
		if (size != 4)
			return false;
		uint64_t v = 0;
		if (off == 0x000) {                                 /* GICD_CTLR */
			if (write) {
				g->ctlr = (*value & GICD_CTLR_ENABLE) ? CTLR_ENGRP1 : 0;
				vgic_notify_vm(vm);
			}
			v = g->ctlr ? GICD_CTLR_ENABLE : 0;
		} else if (off == 0x004) {                          /* GICD_TYPER */
			v = (uint64_t)(tessera_vms[vm].nr_vcpus - 1) << 5 | (NR_INTIDS / 32 - 1);
		} else if (off == 0x008) {                          /* GICD_IIDR */
			v = IIDR_ARM;
		} else if (off == 0xf00) {                          /* GICD_SGIR, write-only */
			if (write)
				sgir_write(vm, index, (uint32_t)*value);
		} else if (off >= 0xf10 && off < 0xf30) {           /* C/SPENDSGIR */
			sgi_pending_access(vcpu_index(self), off, off >= 0xf20, write, value);
			return true;
		} else if (off == 0xfe8) {                          /* ICPIDR2 */
			v = PIDR2_GICV2;
		}
		if (!write)
			*value = v;
		return true;
	}
	return vgic_common_access(vm, vcpu_index(self), off, size, write, value, FRAME_V2_DIST);
}

/* Out of line, so that the lock-free reads before it save no registers. */
static __attribute__((noinline)) bool dist_access_locked(unsigned vm, uint64_t off, unsigned size, bool write,
							 uint64_t *value)
{
	return vgic_locked_access(dist_locked, vm, off, size, write, value);
}

bool vgic_dist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (vgic_enable_read(vm, core_this_vcpu_index(), off, size, write, value, FRAME_V2_DIST))
		return true;
	return dist_access_locked(vm, off, size, write, value);
}

#endif /* CONFIG_GIC_V2 */
