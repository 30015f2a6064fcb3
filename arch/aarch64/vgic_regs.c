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

/* bits_access kicks a partition's vCPUs through a 64-bit mask, and reads a
 * register's 32 INTIDs from one array: GICD_TYPER counts them by 32. */
_Static_assert(NR_INTIDS % 32 == 0, "INTIDs in whole registers");
_Static_assert(TESSERA_NR_PCPUS <= 64, "a partition has at most 64 vCPUs");

/* GICD_ISENABLER<n> (and ICENABLER<n>, GICR_ISENABLER0) as the guest reads
 * them: a word per register, each v->enabled of its 32 INTIDs, which the
 * flush reads, published whole at the end of each register write or
 * reset, under the partition's lock. A read is then one load without the
 * lock, of a value the register held at an instant (vgic_enable_read). */
static uint32_t spi_enables[TESSERA_NR_VMS][NR_SPIS / 32];
static uint32_t private_enables[TESSERA_NR_VCPUS];

/* The enable word of INTIDs first..first+31 (first a multiple of 32) as
 * global vCPU vcpu of partition vm sees them, or NULL past GICD_TYPER's. */
static uint32_t *enable_word(unsigned vm, unsigned vcpu, unsigned first)
{
	if (first < NR_PRIVATE)
		return &private_enables[vcpu];
	if (first < NR_INTIDS)
		return &spi_enables[vm][(first - NR_PRIVATE) / 32];
	return 0;
}

/* Publish the enable flags of INTIDs first..first+31 as their word. */
static void enables_publish(unsigned vm, unsigned vcpu, unsigned first)
{
	const struct virq *v = virq_of(vm, vcpu, first);
	uint32_t word = 0;

	/* a register's INTIDs are all private or all SPIs: one array */
#pragma GCC unroll 32
	for (unsigned b = 0; b < 32; b++)
		word |= (uint32_t)v[b].enabled << b;
	__atomic_store_n(enable_word(vm, vcpu, first), word, __ATOMIC_RELAXED);
}


/* Partition m's interrupt state as at reset: nothing enabled, pending or
 * active, every INTID Group 1, SPIs routed to its vCPU 0. The caller holds
 * no vGIC lock. */
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
			c->priv[n] = (struct virq){ .group1 = true, .edge = n < 16,     /* SGIs: edge */
						    .hw = GUEST_PPIS & (1u << n) };     /* the pCPU's own */
		}
	}
	for (unsigned n = 0; n < NR_SPIS; n++) {
		g->spi[n] = (struct virq){ .group1 = true, .targets = 1, .target = 0 };
		g->irouter[n] = vcpu_of(m, 0)->virt_id;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		enables_publish(m, vm->first_vcpu + i, 0);
	for (unsigned first = NR_PRIVATE; first < NR_INTIDS; first += 32)
		enables_publish(m, vm->first_vcpu, first);
	for (unsigned i = 0; i < vm->nr_irqs; i++) {
		unsigned intid = vm->irqs[i].irq;
		struct virq *v = &g->spi[intid - NR_PRIVATE];
		v->owned = true;
		v->hw = vm->irqs[i].hw;
		v->edge = vm->irqs[i].edge;
		if (v->hw) {
			gic_spi_enable(intid, false);
			gic_irq_set_active(0, intid, false);    /* held or in a guest's hands when it stopped */
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

/* The pCPU whose physical GIC holds intid's state for global vCPU vcpu. */
static unsigned pcpu_of(unsigned vm, unsigned vcpu, unsigned intid)
{
	if (intid < NR_PRIVATE)
		return tessera_vcpus[vcpu].pcpu;
	unsigned target = vgic_vms[vm].spi[intid - NR_PRIVATE].target;
	return vcpu_of(vm, target == NO_TARGET ? 0 : target)->pcpu;
}

/* A hardware SPI reaches the physical CPU interface when the guest enabled
 * it and routed it to one of its vCPUs: only then is the physical one on
 * (and, once its vCPU starts, again after it arrived while that was off). */
void vgic_hw_spi_update(unsigned vm, unsigned intid, const struct virq *v)
{
	if (!v->hw || intid < NR_PRIVATE)
		return;
	if (v->target != NO_TARGET)
		gic_spi_route(intid, vcpu_of(vm, v->target)->pcpu);
	gic_spi_enable(intid, v->enabled && v->target != NO_TARGET);
}

void vgic_route_spi(unsigned vm, unsigned intid, unsigned target)
{
	struct virq *v = &vgic_vms[vm].spi[intid - NR_PRIVATE];
	if (v->target == target)
		return;
	v->target = (uint16_t)target;
	vgic_hw_spi_update(vm, intid, v);
	if ((v->pending || v->active) && target != NO_TARGET)
		vgic_notify(vcpu_of(vm, target), intid);
}

enum bit_reg { ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER };

/* Pending and active as GICD_ISPENDR / ISACTIVER show them. A hardware
 * interrupt's pending state is the physical one (for a level line, the
 * line), or for an edge, also one acknowledged and not yet taken. */
static bool bit_read(unsigned vm, unsigned vcpu, unsigned intid, const struct virq *v,
		     enum bit_reg reg)
{
	if (reg == ISENABLER || reg == ICENABLER)
		return v->enabled;
	unsigned lr = v->in_lr ? vgic_lr_view(vcpu, intid, v) : 0;
	switch (reg) {
	case ISPENDR: case ICPENDR:
		if (v->hw)
			return v->latched || gic_irq_pending(pcpu_of(vm, vcpu, intid), intid) ||
			       (v->edge && (v->pending || (lr & LR_STATE_PENDING)));
		return v->pending || (lr & LR_STATE_PENDING) || (!v->edge && v->level);
	default:
		return v->active || (lr & LR_STATE_ACTIVE);
	}
}

/* Change state bits of an interrupt in a list register: its pCPU makes the
 * change at its next flush (this trap's, when that is us). */
static void lr_change(struct virq *v, unsigned set, unsigned clear)
{
	v->lr_set = (uint8_t)((v->lr_set & ~clear) | set);
	v->lr_clear = (uint8_t)((v->lr_clear & ~set) | clear);
}

static void bit_write(unsigned vm, unsigned vcpu, struct virq *v, unsigned intid, enum bit_reg reg)
{
	unsigned pcpu = pcpu_of(vm, vcpu, intid);
	switch (reg) {
	case ISENABLER:
	case ICENABLER:
		v->enabled = reg == ISENABLER;
		vgic_hw_spi_update(vm, intid, v);
		break;
	case ISPENDR:
		if (v->hw) {            /* the physical GIC's: it signals us as for its line */
			gic_irq_set_pending(pcpu, intid, true);
			v->latched = !v->edge;
		} else {
			v->pending = true;
		}
		break;
	case ICPENDR:
		if (v->hw) {
			gic_irq_set_pending(pcpu, intid, false);
			v->latched = false;
			if (v->pending && !v->in_lr) {          /* held: let it go */
				v->pending = false;
				gic_irq_set_active(pcpu, intid, false);
			}
		}
		v->pending = !v->edge && v->level;      /* a level line still up stays pending */
		if (intid < 16)
			vgic_vcpus[vcpu].sgi_sources[intid] = 0;
		if (v->in_lr && !v->pending)
			lr_change(v, 0, LR_STATE_PENDING);
		break;
	case ISACTIVER:
		if (v->in_lr)
			lr_change(v, LR_STATE_ACTIVE, 0);
		else
			v->active = true;
		if (v->hw && !v->in_lr && !v->pending)
			gic_irq_set_active(pcpu, intid, true);  /* quiet until the guest ends it */
		break;
	case ICACTIVER:
		v->active = false;
		if (v->in_lr)
			lr_change(v, 0, LR_STATE_ACTIVE);
		else if (v->hw && !v->pending)
			gic_irq_set_active(pcpu, intid, false);
		break;
	}
}

/* A 32-bit set/clear register covering INTIDs first..first+31. Each vCPU
 * with news is kicked once. */
static void bits_access(unsigned vm, unsigned vcpu, unsigned first, enum bit_reg reg,
			bool write, uint64_t *value)
{
	uint32_t out = 0;
	uint64_t kick = 0;                      /* by vCPU index in the partition */

	if (!write && (reg == ISENABLER || reg == ICENABLER)) {
		const uint32_t *w = enable_word(vm, vcpu, first);
		*value = w ? __atomic_load_n(w, __ATOMIC_RELAXED) : 0;
		return;
	}
	for (unsigned b = 0; b < 32; b++) {
		unsigned intid = first + b;
		struct virq *v = virq_of(vm, vcpu, intid);
		if (!v)
			continue;
		/* The vCPU to tell: a list register's holder first, whose
		 * flush passes a re-routed SPI on once it is done with it. */
		unsigned t = intid < NR_PRIVATE ? tessera_vcpus[vcpu].index : vgic_spi_holder(vm, intid, v);
		if (!write) {
			out |= (uint32_t)bit_read(vm, vcpu, intid, v, reg) << b;
			/* Held in another pCPU's list register, it reads as that
			 * pCPU last looked: have it look again, so that a reader
			 * who polls (Linux's synchronize_irq, until not active)
			 * sees the guest's EOI, which traps nothing. */
			if (v->in_lr && v->lr_state && t != NO_TARGET && vcpu_of(vm, t)->pcpu != arch_pcpu_id())
				kick |= 1ull << t;
		} else if ((*value >> b) & 1) {
			bit_write(vm, vcpu, v, intid, reg);
			if (t != NO_TARGET) {   /* something may now be deliverable, or to take back */
				vgic_news(vcpu_of(vm, t), intid);
				kick |= 1ull << t;
			}
		}
	}
	if (write && (reg == ISENABLER || reg == ICENABLER) && enable_word(vm, vcpu, first))
		enables_publish(vm, vcpu, first);       /* before the kicks: a woken vCPU reads it */
	for (; kick; kick &= kick - 1)
		vgic_kick(vcpu_of(vm, (unsigned)__builtin_ctzll(kick)));
	if (!write)
		*value = out;
}

/* GICD_IGROUPR / GICR_IGROUPR0 (GICv3, DS = 1): a bit per INTID, 1 = Group 1. */
static void group_access(unsigned vm, unsigned vcpu, unsigned first, bool write, uint64_t *value)
{
	uint32_t out = 0;
	for (unsigned b = 0; b < 32; b++) {
		struct virq *v = virq_of(vm, vcpu, first + b);
		if (!v)
			continue;
		if (write && v->group1 != ((*value >> b) & 1)) {
			v->group1 = (*value >> b) & 1;
			vgic_notify_vm(vm);
		}
		out |= (uint32_t)v->group1 << b;
	}
	if (!write)
		*value = out;
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
		/* SGIs are edge, the pCPU's own PPIs level: fixed */
		if (write && first + b >= 16 && !(v->hw && first + b < NR_PRIVATE))
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

/* A read of GICD_ISENABLER<n>/ICENABLER<n> (GICv2: ISENABLER0 banked for
 * the reader, global vCPU vcpu), without the partition's lock: its enable
 * word, one load. False for any other access, which the caller does under
 * the lock. */
bool vgic_enable_read(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write, uint64_t *value,
		      enum vgic_frame frame)
{
	if (write || size != 4 || off < 0x100 || off >= 0x200)
		return false;
	unsigned first = (unsigned)(off & 0x7f) / 4 * 32;
	const uint32_t *w = enable_word(vm, vcpu, first);
	*value = w && !outside(frame, first) ? __atomic_load_n(w, __ATOMIC_RELAXED) : 0;
	return true;
}

/* IPRIORITYR<n> of a frame (off in 0x400-0x7ff), byte access allowed; the
 * partition's lock is held. */
static bool priorities(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write, uint64_t *value,
		       enum vgic_frame frame)
{
	unsigned first = (unsigned)(off - 0x400);
	if (outside(frame, first))
		return write || (*value = 0, true);
	priority_access(vm, vcpu, first, size, write, value);
	return true;
}

bool vgic_common_access(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write,
			uint64_t *value, enum vgic_frame frame)
{
	if (off >= 0x400 && off < 0x800)
		return priorities(vm, vcpu, off, size, write, value, frame);
	if (size != 4)
		return false;
	unsigned first = (unsigned)(off & 0x7f) / 4 * 32;   /* INTID of bit 0 */
	if (off >= 0x80 && off < 0x100) {                   /* IGROUPR */
		/* GICv2 without security extensions: Group 0 only, RAZ/WI */
		if (outside(frame, first) || frame == FRAME_V2_DIST)
			return write || (*value = 0, true);
		group_access(vm, vcpu, first, write, value);
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

/* IRM (any vCPU): vCPU 0; an affinity no vCPU has: nowhere. */
static void irouter_write(unsigned vm, unsigned intid, uint64_t value)
{
	struct vgic_vm *g = &vgic_vms[vm];
	g->irouter[intid - NR_PRIVATE] = value & (0xff00ffffffull | IROUTER_IRM);
	unsigned target = (value & IROUTER_IRM) ? 0 : NO_TARGET;
	for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus && !(value & IROUTER_IRM); i++)
		if (vcpu_of(vm, i)->virt_id == (value & 0xff00ffffffull))
			target = i;
	vgic_route_spi(vm, intid, target);
}

static bool dist_locked(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	struct vgic_vm *g = &vgic_vms[vm];

	if (off >= 0x80 && off < 0xe00)     /* the common ones first (IPRIORITYR comes by dist_priority) */
		return vgic_common_access(vm, tessera_vms[vm].first_vcpu, off, size, write, value,
					  FRAME_V3_DIST);
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
	if (size != 4)
		return false;
	uint64_t v = 0;
	switch (off) {
	case 0x0000:                                            /* GICD_CTLR */
		if (write) {
			g->ctlr = (uint32_t)*value & (CTLR_ENGRP0 | CTLR_ENGRP1);
			vgic_notify_vm(vm);
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

/* GICD_IPRIORITYR<n>: the priorities, without the rest of dist_locked's
 * and vgic_common_access's decoding (every SPI's is written at a guest's
 * boot, and at each request for an interrupt). */
static bool dist_priority(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	return priorities(vm, tessera_vms[vm].first_vcpu, off, size, write, value, FRAME_V3_DIST);
}

/* Out of line, so that the lock-free reads before them save no registers. */
static __attribute__((noinline)) bool dist_access_locked(unsigned vm, uint64_t off, unsigned size, bool write,
							 uint64_t *value)
{
	return vgic_locked_access(dist_locked, vm, off, size, write, value);
}

static __attribute__((noinline)) bool dist_priority_locked(unsigned vm, uint64_t off, unsigned size, bool write,
							   uint64_t *value)
{
	return vgic_locked_access(dist_priority, vm, off, size, write, value);
}

bool vgic_dist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (vgic_enable_read(vm, tessera_vms[vm].first_vcpu, off, size, write, value, FRAME_V3_DIST))
		return true;
	if (off >= 0x400 && off < 0x800)
		return dist_priority_locked(vm, off, size, write, value);
	return dist_access_locked(vm, off, size, write, value);
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
		uint64_t aff = ((vc->virt_id >> 32) & 0xff) << 24 | (vc->virt_id & 0xffffff);
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
