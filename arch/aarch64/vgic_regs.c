/*
 * Virtual GICv3 register emulation (Arm IHI 0069): each partition's
 * distributor and its vCPUs' redistributors, as the guest reads and writes
 * them. Pure state: no system registers, so the host unit tests build it
 * (tests/unit/test_vgic.c). Delivery through list registers is vgic.c's.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "vgic.h"
#include "vgic_state.h"

#define IIDR_ARM        0x43b           /* JEP106 code of Arm: implementer */
#define PIDR2_GICV3     0x3b            /* ArchRev 3 */
#define TYPER_IDBITS_10 (9u << 19)      /* INTIDs 0-1023 */
#define GICR_TYPER_LAST (1ull << 4)
#define IROUTER_IRM     (1ull << 31)


/* Partition m's interrupt state as at reset: nothing enabled or pending,
 * SPIs routed to its vCPU 0. The caller holds no vGIC lock. */
static void reset_vm(unsigned m)
{
	const struct vm_config *vm = &tessera_vms[m];
	struct vgic_vm *g = &vgic_vms[m];

	arch_spin_lock(&g->lock);
	g->ctlr = 0;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vgic_vcpu *c = &vgic_vcpus[vm->first_vcpu + i];
		*c = (struct vgic_vcpu){ .waker = WAKER_PSLEEP };
		for (unsigned n = 0; n < NR_PRIVATE; n++) {
			c->priv[n].edge = n < 16;       /* SGIs are edge-triggered */
			c->priv[n].hw = GUEST_PPIS & (1u << n);    /* the pCPU's own, forwarded */
		}
	}
	for (unsigned i = 0; i < vm->nr_irqs; i++) {
		unsigned intid = vm->irqs[i].intid;
		struct virq *v = &g->spi[intid - NR_PRIVATE];
		*v = (struct virq){ .owned = true, .hw = vm->irqs[i].hw, .edge = vm->irqs[i].edge };
		g->irouter[intid - NR_PRIVATE] = vcpu_of(m, 0)->vmpidr;
		if (v->hw) {
			gic_spi_enable(intid, false);
			gic_spi_route(intid, vcpu_of(m, 0)->pcpu);
		}
	}
	arch_spin_unlock(&g->lock);
}

void vgic_regs_init(void)
{
	for (unsigned m = 0; m < TESSERA_NR_VMS; m++)
		reset_vm(m);
}

void vgic_vm_reset(unsigned vm)
{
	reset_vm(vm);
}

enum bit_reg { ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER };

static bool bit_read(const struct virq *v, enum bit_reg reg)
{
	switch (reg) {
	case ISENABLER: case ICENABLER: return v->enabled;
	case ISPENDR: case ICPENDR:     return v->pending || v->level;
	default:                        return v->in_lr;   /* active or pending in the CPU interface */
	}
}

static void bit_write(unsigned vcpu, struct virq *v, unsigned intid, enum bit_reg reg)
{
	switch (reg) {
	case ISENABLER:
		v->enabled = true;
		if (v->hw && intid >= NR_PRIVATE)
			gic_spi_enable(intid, true);
		break;
	case ICENABLER:
		v->enabled = false;
		if (v->hw && intid >= NR_PRIVATE)
			gic_spi_enable(intid, false);
		break;
	case ISPENDR:
		if (!v->hw)
			v->pending = true;
		break;
	case ICPENDR:
		v->pending = false;
		if (intid < 16)
			vgic_vcpus[vcpu].sgi_sources[intid] = 0;
		break;
	default:        /* active state belongs to the CPU interface: ignored */
		break;
	}
}

/* A 32-bit set/clear register covering INTIDs first..first+31. */
static void bits_access(unsigned vm, unsigned vcpu, unsigned first, enum bit_reg reg,
			bool write, uint64_t *value)
{
	uint32_t out = 0;
	bool changed = false;
	for (unsigned b = 0; b < 32; b++) {
		struct virq *v = virq_of(vm, vcpu, first + b);
		if (!v)
			continue;
		if (!write)
			out |= (uint32_t)bit_read(v, reg) << b;
		else if ((*value >> b) & 1) {
			bit_write(vcpu, v, first + b, reg);
			changed = true;
		}
	}
	if (!write)
		*value = out;
	else if (changed)       /* something may now be deliverable */
		for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus; i++)
			vgic_notify_all(vcpu_of(vm, i));
}

static void priority_access(unsigned vm, unsigned vcpu, unsigned first, unsigned size,
			    bool write, uint64_t *value)
{
	uint64_t out = 0;
	for (unsigned b = 0; b < size; b++) {
		struct virq *v = virq_of(vm, vcpu, first + b);
		if (!v)
			continue;
		if (write)
			v->priority = (uint8_t)(*value >> (8 * b)) & 0xf8;   /* 5 priority bits */
		else
			out |= (uint64_t)v->priority << (8 * b);
	}
	if (!write)
		*value = out;
}

/* GICD_ICFGR / GICR_ICFGR: two bits per INTID, bit 1 of each = edge. */
static void config_access(unsigned vm, unsigned vcpu, unsigned first, bool write, uint64_t *value)
{
	uint32_t out = 0;
	for (unsigned b = 0; b < 16; b++) {
		struct virq *v = virq_of(vm, vcpu, first + b);
		if (!v)
			continue;
		if (write && first + b >= 16)   /* SGIs are always edge */
			v->edge = (*value >> (2 * b + 1)) & 1;
		out |= (uint32_t)v->edge << (2 * b + 1);
	}
	if (!write)
		*value = out;
}

static bool outside(enum vgic_frame frame, unsigned first)
{
	return (frame == FRAME_V3_DIST && first < NR_PRIVATE) ||
	       (frame == FRAME_V3_SGI && first >= NR_PRIVATE);
}

bool vgic_common_access(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write,
			uint64_t *value, enum vgic_frame frame)
{
	/* A GICv3 has Group 1 only for guests; a GICv2 without security
	 * extensions has Group 0 only (IGROUPR RAZ/WI). */
	uint32_t groups = frame == FRAME_V2_DIST ? 0 : 0xffffffff;

	if (off >= 0x400 && off < 0x800) {                  /* IPRIORITYR: byte access allowed */
		unsigned first = (unsigned)(off - 0x400);
		if (outside(frame, first))
			return write || (*value = 0, true);
		priority_access(vm, vcpu, first, size, write, value);
		return true;
	}
	if (size != 4)
		return false;
	unsigned first = (unsigned)(off & 0x7f) / 4 * 32;   /* INTID of bit 0 */
	if (off >= 0x80 && off < 0x100) {                   /* IGROUPR */
		if (!write)
			*value = outside(frame, first) ? 0 : groups;
		return true;
	}
	if (off >= 0x100 && off < 0x400) {
		if (outside(frame, first))
			return write || (*value = 0, true);
		enum bit_reg reg = (enum bit_reg)((off - 0x100) / 0x80);
		bits_access(vm, vcpu, first, reg, write, value);
		return true;
	}
	if (off >= 0xc00 && off < 0xd00) {                  /* ICFGR */
		unsigned cfirst = (unsigned)(off - 0xc00) / 4 * 16;
		if (outside(frame, cfirst))
			return write || (*value = 0, true);
		config_access(vm, vcpu, cfirst, write, value);
		return true;
	}
	if (!write)
		*value = 0;                                 /* IGRPMODR, NSACR, reserved */
	return true;
}

#if defined(CONFIG_GIC_V3)
/* --- distributor --- */

static void irouter_write(unsigned vm, unsigned intid, uint64_t value)
{
	struct vgic_vm *g = &vgic_vms[vm];
	struct virq *v = &g->spi[intid - NR_PRIVATE];
	g->irouter[intid - NR_PRIVATE] = value & (0xff00ffffffull | IROUTER_IRM);
	unsigned target = 0;                    /* IRM (any vCPU) or no match: vCPU 0 */
	for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus && !(value & IROUTER_IRM); i++)
		if (vcpu_of(vm, i)->vmpidr == (value & 0xff00ffffffull))
			target = i;
	v->target = (uint16_t)target;
	if (v->hw)
		gic_spi_route(intid, vcpu_of(vm, target)->pcpu);
	if (v->pending)
		vgic_notify(vcpu_of(vm, target), intid);
}

static bool dist_locked(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	struct vgic_vm *g = &vgic_vms[vm];

	if (off >= 0x6100 && off < 0x6000 + 8 * NR_INTIDS) {        /* IROUTER<n> */
		unsigned intid = (unsigned)(off - 0x6000) / 8;
		if (!virq_of(vm, 0, intid) || (size != 8 && size != 4))
			return write || (*value = 0, true);
		uint64_t cur = g->irouter[intid - NR_PRIVATE];
		unsigned shift = (off & 4) ? 32 : 0;
		if (!write) {
			*value = size == 8 ? cur : (cur >> shift) & 0xffffffff;
		} else {
			uint64_t mask = size == 8 ? ~0ull : 0xffffffffull << shift;
			irouter_write(vm, intid, (cur & ~mask) | ((*value << shift) & mask));
		}
		return true;
	}
	if (off >= 0x80 && off < 0xe00)
		return vgic_common_access(vm, tessera_vms[vm].first_vcpu, off, size, write, value,
					  FRAME_V3_DIST);
	if (size != 4)
		return false;
	uint64_t v = 0;
	switch (off) {
	case 0x0000:                                            /* GICD_CTLR */
		if (write) {
			g->ctlr = (uint32_t)*value & (CTLR_ENGRP0 | CTLR_ENGRP1);
			for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus; i++)
				vgic_notify_all(vcpu_of(vm, i));
		}
		v = g->ctlr | CTLR_ARE | CTLR_DS;
		break;
	case 0x0004:                                            /* GICD_TYPER */
		v = TYPER_IDBITS_10 | (NR_INTIDS / 32 - 1);
		break;
	case 0x0008:                                            /* GICD_IIDR */
		v = IIDR_ARM;
		break;
	case 0xffe8:                                            /* GICD_PIDR2 */
		v = PIDR2_GICV3;
		break;
	default:                                                /* TYPER2, STATUSR, SGIR, IDs: RAZ/WI */
		break;
	}
	if (!write)
		*value = v;
	return true;
}

bool vgic_dist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	return vgic_locked_access(dist_locked, vm, off, size, write, value);
}

/* --- redistributors: frame i (RD_base, then SGI_base) is vCPU i's --- */

#define GICR_FRAME      0x20000
#define GICR_SGI_BASE   0x10000

static bool redist_locked(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	unsigned index = (unsigned)(off / GICR_FRAME);
	if (index >= tessera_vms[vm].nr_vcpus)
		return false;
	const struct vcpu_config *vc = vcpu_of(vm, index);
	struct vgic_vcpu *c = &vgic_vcpus[vcpu_index(vc)];
	uint64_t fo = off % GICR_FRAME;
	if (fo >= GICR_SGI_BASE)
		return vgic_common_access(vm, vcpu_index(vc), fo - GICR_SGI_BASE, size, write, value,
					  FRAME_V3_SGI);

	if (fo == 0x0008 || fo == 0x000c) {                     /* GICR_TYPER, 64-bit */
		uint64_t aff = ((vc->vmpidr >> 32) & 0xff) << 24 | (vc->vmpidr & 0xffffff);
		uint64_t typer = aff << 32 | (uint64_t)index << 8 |
				 (index + 1 == tessera_vms[vm].nr_vcpus ? GICR_TYPER_LAST : 0);
		if (write)
			return true;
		*value = size == 8 ? typer : (typer >> (fo == 0xc ? 32 : 0)) & 0xffffffff;
		return size == 8 || size == 4;
	}
	if (size != 4)
		return false;
	uint64_t v = 0;
	switch (fo) {
	case 0x0004:                                            /* GICR_IIDR */
		v = IIDR_ARM;
		break;
	case 0x0014:                                            /* GICR_WAKER */
		if (write)
			c->waker = (*value & WAKER_PSLEEP) ? WAKER_PSLEEP | WAKER_CASLEEP : 0;
		v = c->waker;
		break;
	case 0xffe8:                                            /* GICR_PIDR2 */
		v = PIDR2_GICV3;
		break;
	default:                                                /* CTLR (no LPIs), STATUSR, ...: RAZ/WI */
		break;
	}
	if (!write)
		*value = v;
	return true;
}

bool vgic_redist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	return vgic_locked_access(redist_locked, vm, off, size, write, value);
}

#endif /* CONFIG_GIC_V3 */
