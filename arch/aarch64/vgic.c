/*
 * Virtual GICv3 (Arm IHI 0069). Each partition sees a distributor and one
 * redistributor per vCPU, both emulated, that hold only the partition's own
 * interrupts: its vCPUs' SGIs and PPIs and the SPIs its devices raise. The
 * CPU interface is the hardware's virtual one: the guest's ICC_* accesses go
 * to ICV_* registers, and pending interrupts reach it through the list
 * registers (ICH_LR<n>_EL2) of the physical CPU its vCPU is pinned to.
 *
 * State of one virtual interrupt lives in struct virq, under its partition's
 * lock. "pending" means waiting for a list register; once in one, the list
 * register holds the pending/active state until the guest deactivates it.
 * Hardware interrupts (the virtual timer, passthrough SPIs) go in with the HW
 * bit, so the guest's deactivation deactivates the physical interrupt.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "sysreg.h"
#include "vgic.h"

#define NR_PRIVATE      32
#define NR_SPIS         TESSERA_VGIC_NR_SPIS
#define NR_INTIDS       (NR_PRIVATE + NR_SPIS)
#define MAX_LRS         16

/* GICD_CTLR, single security state (DS = 1) */
#define CTLR_ENGRP0     (1u << 0)
#define CTLR_ENGRP1     (1u << 1)
#define CTLR_ARE        (1u << 4)
#define CTLR_DS         (1u << 6)
#define IIDR_ARM        0x43b           /* JEP106 code of Arm: implementer */
#define PIDR2_GICV3     0x3b            /* ArchRev 3 */
#define TYPER_IDBITS_10 (9u << 19)      /* INTIDs 0-1023 */
#define GICR_TYPER_LAST (1ull << 4)
#define WAKER_PSLEEP    (1u << 1)
#define WAKER_CASLEEP   (1u << 2)
#define IROUTER_IRM     (1ull << 31)

/* ICH_LR<n>_EL2 */
#define LR_STATE_SHIFT  62
#define LR_PENDING      (1ull << 62)
#define LR_HW           (1ull << 61)
#define LR_GROUP1       (1ull << 60)
#define LR_PRIO_SHIFT   48
#define LR_PINTID_SHIFT 32
/* ICH_HCR_EL2 */
#define ICH_HCR_EN      (1ull << 0)
#define ICH_HCR_UIE     (1ull << 1)

struct virq {
	uint8_t priority;
	bool enabled;
	bool pending;           /* waiting for a list register */
	bool in_lr;             /* in a list register of its vCPU's pCPU */
	bool level;             /* emulated level-sensitive line asserted */
	bool edge;              /* GICD_ICFGR: edge-triggered */
	bool hw;                /* physical INTID of the same number behind it */
	bool owned;             /* SPIs: the partition owns it */
	uint16_t target;        /* SPIs: vCPU index in the partition */
};

struct vgic_vm {
	spinlock_t lock;
	uint32_t ctlr;
	struct virq spi[NR_SPIS];
	uint64_t irouter[NR_SPIS];
};

struct vgic_vcpu {
	struct virq priv[NR_PRIVATE];
	uint32_t waker;
	uint32_t lr_used;                       /* list registers holding our INTIDs */
	uint16_t lr_intid[MAX_LRS];
};

static struct vgic_vm vgic_vms[TESSERA_NR_VMS];
static struct vgic_vcpu vgic_vcpus[TESSERA_NR_VCPUS];
static unsigned nr_lrs;

/* --- list registers: ICH_LR<n>_EL2 can only be named by a constant --- */

#define LR_CASES(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
	op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)

static uint64_t read_lr(unsigned n)
{
	switch (n) {
#define READ_LR(i) case i: return read_sysreg(ICH_LR##i##_EL2);
	LR_CASES(READ_LR)
	}
	return 0;
}

static void write_lr(unsigned n, uint64_t v)
{
	switch (n) {
#define WRITE_LR(i) case i: write_sysreg(ICH_LR##i##_EL2, v); break;
	LR_CASES(WRITE_LR)
	}
}

/* --- lookup --- */

static unsigned vcpu_index(const struct vcpu_config *v)
{
	return (unsigned)(v - tessera_vcpus);
}

/* The interrupt intid as vCPU vcpu (global index) of partition vm sees it,
 * or NULL if the partition has no such interrupt. */
static struct virq *virq_of(unsigned vm, unsigned vcpu, unsigned intid)
{
	if (intid < NR_PRIVATE)
		return &vgic_vcpus[vcpu].priv[intid];
	if (intid < NR_INTIDS && vgic_vms[vm].spi[intid - NR_PRIVATE].owned)
		return &vgic_vms[vm].spi[intid - NR_PRIVATE];
	return 0;
}

static const struct vcpu_config *vcpu_of(unsigned vm, unsigned index)
{
	return &tessera_vcpus[tessera_vms[vm].first_vcpu + index];
}

/* The vCPU an interrupt is delivered to. */
static const struct vcpu_config *target_of(unsigned vm, unsigned vcpu, unsigned intid)
{
	if (intid < NR_PRIVATE)
		return &tessera_vcpus[vcpu];
	return vcpu_of(vm, vgic_vms[vm].spi[intid - NR_PRIVATE].target);
}

/* Make the target's pCPU look at its interrupts (unless that is us: the
 * return to the guest will). */
static void notify(const struct vcpu_config *target)
{
	if (target->pcpu != arch_pcpu_id())
		arch_kick(target->pcpu);
}

void vgic_init(void)
{
	uint32_t vtr = (uint32_t)read_sysreg(ICH_VTR_EL2);
	nr_lrs = (vtr & 0x1f) + 1;
	if (nr_lrs > MAX_LRS)
		nr_lrs = MAX_LRS;

	for (unsigned v = 0; v < TESSERA_NR_VCPUS; v++) {
		for (unsigned i = 0; i < NR_PRIVATE; i++)
			vgic_vcpus[v].priv[i].edge = i < 16;    /* SGIs are edge-triggered */
		vgic_vcpus[v].priv[INTID_VTIMER].hw = true;
		vgic_vcpus[v].waker = WAKER_PSLEEP;
	}
	for (unsigned m = 0; m < TESSERA_NR_VMS; m++) {
		const struct vm_config *vm = &tessera_vms[m];
		for (unsigned i = 0; i < vm->nr_irqs; i++) {
			unsigned intid = vm->irqs[i].intid;
			struct virq *v = &vgic_vms[m].spi[intid - NR_PRIVATE];
			v->owned = true;
			v->hw = vm->irqs[i].hw;
			vgic_vms[m].irouter[intid - NR_PRIVATE] = vcpu_of(m, 0)->vmpidr;
			if (v->hw)
				gic_spi_route(intid, vcpu_of(m, 0)->pcpu);
		}
	}
}

/* --- delivery --- */

static bool deliverable(unsigned vm, const struct virq *v)
{
	return v->pending && v->enabled && !v->in_lr && (vgic_vms[vm].ctlr & CTLR_ENGRP1);
}

/* Free the list registers the guest is done with. */
static void sync_lrs(unsigned vm, unsigned vcpu)
{
	struct vgic_vcpu *c = &vgic_vcpus[vcpu];
	for (unsigned n = 0; n < nr_lrs; n++) {
		if (!(c->lr_used & (1u << n)) || (read_lr(n) >> LR_STATE_SHIFT) != 0)
			continue;
		c->lr_used &= ~(1u << n);
		struct virq *v = virq_of(vm, vcpu, c->lr_intid[n]);
		if (!v)
			continue;
		v->in_lr = false;
		if (!v->edge && !v->hw && v->level)
			v->pending = true;      /* the line is still up: again */
	}
}

static bool load_lr(struct vgic_vcpu *c, unsigned intid, struct virq *v)
{
	for (unsigned n = 0; n < nr_lrs; n++) {
		if (c->lr_used & (1u << n))
			continue;
		uint64_t lr = LR_PENDING | LR_GROUP1 | (uint64_t)v->priority << LR_PRIO_SHIFT | intid;
		if (v->hw)
			lr |= LR_HW | (uint64_t)intid << LR_PINTID_SHIFT;
		write_lr(n, lr);
		c->lr_used |= 1u << n;
		c->lr_intid[n] = (uint16_t)intid;
		v->pending = false;
		v->in_lr = true;
		return true;
	}
	return false;
}

void vgic_flush(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	unsigned vm = vc->vm, vcpu = vcpu_index(vc);
	struct vgic_vcpu *c = &vgic_vcpus[vcpu];
	bool more = false;

	arch_spin_lock(&vgic_vms[vm].lock);
	sync_lrs(vm, vcpu);
	for (unsigned intid = 0; intid < NR_INTIDS && !more; intid++) {
		struct virq *v = virq_of(vm, vcpu, intid);
		if (!v || !deliverable(vm, v) || target_of(vm, vcpu, intid) != vc)
			continue;
		more = !load_lr(c, intid, v);
	}
	arch_spin_unlock(&vgic_vms[vm].lock);
	/* Out of list registers: ask for a maintenance interrupt when they drain. */
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN | (more ? ICH_HCR_UIE : 0));
}

void vgic_vcpu_reset(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	struct vgic_vcpu *c = &vgic_vcpus[vcpu_index(vc)];

	arch_spin_lock(&vgic_vms[vc->vm].lock);
	for (unsigned n = 0; n < nr_lrs; n++)
		write_lr(n, 0);
	for (unsigned intid = 0; intid < NR_INTIDS; intid++) {
		struct virq *v = virq_of(vc->vm, vcpu_index(vc), intid);
		if (v && target_of(vc->vm, vcpu_index(vc), intid) == vc)
			v->in_lr = false;
	}
	c->lr_used = 0;
	c->priv[INTID_VTIMER].pending = false;
	arch_spin_unlock(&vgic_vms[vc->vm].lock);
	gic_deactivate_private(INTID_VTIMER);   /* left active by an earlier run */
	write_sysreg(ICH_AP0R0_EL2, 0);
	write_sysreg(ICH_AP1R0_EL2, 0);
	write_sysreg(ICH_VMCR_EL2, 0);
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN);
	isb();
}

void vgic_inject_hw(unsigned intid)
{
	const struct vcpu_config *vc = core_this_vcpu();
	arch_spin_lock(&vgic_vms[vc->vm].lock);
	struct virq *v = virq_of(vc->vm, vcpu_index(vc), intid);
	const struct vcpu_config *target = v ? target_of(vc->vm, vcpu_index(vc), intid) : 0;
	if (v)
		v->pending = true;
	arch_spin_unlock(&vgic_vms[vc->vm].lock);
	if (target)
		notify(target);
}

void arch_irq_level(unsigned vm, unsigned intid, bool level)
{
	if (intid < NR_PRIVATE || intid >= NR_INTIDS)
		return;
	struct vgic_vm *g = &vgic_vms[vm];
	struct virq *v = &g->spi[intid - NR_PRIVATE];
	const struct vcpu_config *target;
	bool raise;

	arch_spin_lock(&g->lock);
	raise = v->owned && level && !v->level;
	if (v->owned) {
		v->level = level;
		if (raise && !v->in_lr)
			v->pending = true;
		else if (!level && !v->edge)
			v->pending = false;             /* a level that dropped is no longer pending */
	}
	target = vcpu_of(vm, v->target);
	arch_spin_unlock(&g->lock);
	if (raise)
		notify(target);
}

/* ICC_SGI1R_EL1: Aff3 [55:48], IRM [40], Aff2 [39:32], INTID [27:24],
 * Aff1 [23:16], RS [47:44], TargetList [15:0]. Only vCPUs of the sender's
 * own partition can be named: any other affinity matches nothing. */
void vgic_sgi(uint64_t r)
{
	const struct vcpu_config *self = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[self->vm];
	unsigned intid = (r >> 24) & 0xf;
	bool all_but_self = (r >> 40) & 1;
	uint64_t aff321 = ((r >> 48) & 0xff) << 32 | ((r >> 32) & 0xff) << 16 | ((r >> 16) & 0xff) << 8;
	unsigned rs = (r >> 44) & 0xf;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_config *t = vcpu_of(self->vm, i);
		uint64_t aff0 = t->vmpidr & 0xff;
		bool named = all_but_self ? t != self :
			((t->vmpidr & ~0xffull) == aff321 && aff0 >> 4 == rs && (r >> (aff0 & 0xf)) & 1);
		if (!named)
			continue;
		arch_spin_lock(&vgic_vms[self->vm].lock);
		vgic_vcpus[vcpu_index(t)].priv[intid].pending = true;
		arch_spin_unlock(&vgic_vms[self->vm].lock);
		notify(t);
	}
}

/* --- register emulation, shared by distributor and redistributors --- */

enum bit_reg { ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER };

static bool bit_read(const struct virq *v, enum bit_reg reg)
{
	switch (reg) {
	case ISENABLER: case ICENABLER: return v->enabled;
	case ISPENDR: case ICPENDR:     return v->pending || v->level;
	default:                        return v->in_lr;   /* active or pending in the CPU interface */
	}
}

static void bit_write(unsigned vm, struct virq *v, unsigned intid, enum bit_reg reg)
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
		break;
	default:        /* active state belongs to the CPU interface: ignored */
		break;
	}
	(void)vm;
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
			bit_write(vm, v, first + b, reg);
			changed = true;
		}
	}
	if (!write)
		*value = out;
	else if (changed)       /* something may now be deliverable */
		for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus; i++)
			notify(vcpu_of(vm, i));
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

/* Registers both frames have at the same offsets (GICD for SPIs, the SGI
 * frame of GICR for SGIs/PPIs). first = the INTID of the frame's bit 0. */
static bool common_access(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write,
			  uint64_t *value, bool is_dist)
{
	unsigned n = (unsigned)(off & 0x7f) / 4;           /* register index in a block */
	if (off >= 0x400 && off < 0x800) {                  /* IPRIORITYR: byte access allowed */
		unsigned first = (unsigned)(off - 0x400);
		if ((is_dist && first < NR_PRIVATE) || (!is_dist && first >= NR_PRIVATE))
			return write || (*value = 0, true);
		priority_access(vm, vcpu, first, size, write, value);
		return true;
	}
	if (size != 4)
		return false;
	unsigned first = n * 32;
	if ((is_dist && first < NR_PRIVATE) || (!is_dist && first >= NR_PRIVATE)) {
		if (off >= 0x80 && off < 0x400) {           /* the other frame's INTIDs: RAZ/WI */
			if (!write)
				*value = off < 0x100 ? 0xffffffff : 0;
			return true;
		}
	}
	if (off >= 0x80 && off < 0x100) {                   /* IGROUPR: all Group 1 */
		if (!write)
			*value = 0xffffffff;
		return true;
	}
	if (off >= 0x100 && off < 0x400) {
		enum bit_reg reg = (enum bit_reg)((off - 0x100) / 0x80);
		bits_access(vm, vcpu, first, reg, write, value);
		return true;
	}
	if (off >= 0xc00 && off < 0xd00) {                  /* ICFGR */
		unsigned cfirst = (unsigned)(off - 0xc00) / 4 * 16;
		if ((is_dist && cfirst < NR_PRIVATE) || (!is_dist && cfirst >= NR_PRIVATE))
			return write || (*value = 0, true);
		config_access(vm, vcpu, cfirst, write, value);
		return true;
	}
	if (!write)
		*value = 0;                                 /* IGRPMODR, NSACR, reserved */
	return true;
}

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
		return common_access(vm, tessera_vms[vm].first_vcpu, off, size, write, value, true);
	if (size != 4)
		return false;
	uint64_t v = 0;
	switch (off) {
	case 0x0000:                                            /* GICD_CTLR */
		if (write) {
			g->ctlr = (uint32_t)*value & (CTLR_ENGRP0 | CTLR_ENGRP1);
			for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus; i++)
				notify(vcpu_of(vm, i));
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
	arch_spin_lock(&vgic_vms[vm].lock);
	bool ok = dist_locked(vm, off, size, write, value);
	arch_spin_unlock(&vgic_vms[vm].lock);
	return ok;
}

/* --- redistributors: frame i (RD_base, then SGI_base) is vCPU i's --- */

#define GICR_FRAME      0x20000
#define GICR_SGI_BASE   0x10000

static bool redist_locked(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	unsigned index = (unsigned)(off / GICR_FRAME);
	const struct vcpu_config *vc = vcpu_of(vm, index);
	struct vgic_vcpu *c = &vgic_vcpus[vcpu_index(vc)];
	uint64_t fo = off % GICR_FRAME;

	if (index >= tessera_vms[vm].nr_vcpus)
		return false;
	if (fo >= GICR_SGI_BASE)
		return common_access(vm, vcpu_index(vc), fo - GICR_SGI_BASE, size, write, value, false);

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
	arch_spin_lock(&vgic_vms[vm].lock);
	bool ok = redist_locked(vm, off, size, write, value);
	arch_spin_unlock(&vgic_vms[vm].lock);
	return ok;
}
