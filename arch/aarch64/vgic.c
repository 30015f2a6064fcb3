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
#include "gic.h"
#include "vgic.h"
#include "vgic_state.h"


#if defined(CONFIG_GIC_V2)
#define IS_GICV2 true
#else
#define IS_GICV2 false
#endif

struct vgic_vm vgic_vms[TESSERA_NR_VMS];
struct vgic_vcpu vgic_vcpus[TESSERA_NR_VCPUS];
uint8_t vgic_flush_due[TESSERA_NR_VCPUS];
static unsigned nr_lrs;

/* --- lookup --- */

/* The vCPU an interrupt is delivered to, or NULL (an SPI routed nowhere). */
static const struct vcpu_config *target_of(unsigned vm, unsigned vcpu, unsigned intid)
{
	if (intid < NR_PRIVATE)
		return &tessera_vcpus[vcpu];
	unsigned target = vgic_vms[vm].spi[intid - NR_PRIVATE].target;
	return target == NO_TARGET ? 0 : vcpu_of(vm, target);
}


void vgic_init(void)
{
	nr_lrs = gich_nr_lrs();
	if (nr_lrs > MAX_LRS)
		nr_lrs = MAX_LRS;
	vgic_regs_init();
}

/* --- delivery --- */

/* May a pending interrupt be signalled to its vCPU: enabled, its group on. */
static bool may_signal(const struct vgic_vm *g, const struct virq *v)
{
	return v->enabled && (g->ctlr & (v->group1 ? CTLR_ENGRP1 : CTLR_ENGRP0));
}

/* A hardware interrupt acknowledged at the physical GIC (held, or pending
 * in a list register) that the guest has not taken yet: is it still
 * pending? An edge stays pending until taken; a level only while its line
 * is asserted (or GICD_ISPENDR latched it), which the physical GIC's
 * pending bit shows even while the interrupt is active there. */
static bool hw_still_pending(unsigned pcpu, unsigned intid, const struct virq *v)
{
	return v->edge || v->latched || gic_irq_pending(pcpu, intid);
}

/* Take a hardware interrupt the guest will not be given back: its
 * physical one is active since we acknowledged it, make it inactive. */
static void hw_release(unsigned pcpu, unsigned intid, struct virq *v)
{
	v->pending = false;
	gic_irq_set_active(pcpu, intid, false);
}

/* What stays of v when the guest and the registers are done with its list
 * register: a level line still up is pending again. */
static void lr_gone(struct virq *v)
{
	if (v->lr_state & LR_STATE_PENDING)
		v->latched = false;     /* taken or cleared */
	if (!v->edge && !v->hw && v->level)
		v->pending = true;
	v->lr_state = 0;
}

/* The list register n of this pCPU, holding intid, brought together with
 * the vGIC's view: what the guest did with it (acknowledged, completed),
 * what the registers asked for (lr_set / lr_clear), and a pending-only one
 * that may no longer be signalled (disabled, its group off) goes back to
 * waiting, or (a hardware level line that dropped) away. empty: the CPU
 * interface says it holds nothing and needs no write to be reused
 * (ICH_ELRSR_EL2), which spares reading it; the common case, a register
 * the guest completed with nothing asked of it since, ends there. Returns
 * its state. */
static unsigned sync_lr(const struct vgic_vm *g, unsigned n, unsigned intid, struct virq *v, bool empty)
{
	bool asked = v->lr_set | v->lr_clear;
	if (empty && !asked) {
		lr_gone(v);
		return 0;
	}
	unsigned was = empty ? 0 : gich_lr_state(n), now = was;

	if (asked) {
		if (was)
			now = (was & ~(unsigned)v->lr_clear) | v->lr_set;
		else if (v->lr_set & LR_STATE_ACTIVE)
			v->active = true;       /* completed before the change came: later */
		if (v->hw && now == (LR_STATE_PENDING | LR_STATE_ACTIVE))
			now = LR_STATE_ACTIVE;  /* no such state with HW: the line brings it back */
		v->lr_set = v->lr_clear = 0;
	}
	if (now == LR_STATE_PENDING) {
		if (v->hw && !hw_still_pending(arch_pcpu_id(), intid, v)) {
			now = 0;
		} else if (!may_signal(g, v)) {
			now = 0;
			v->pending = true;      /* a hardware one stays held */
			v->stale = v->hw;
		}
	}
	if (now != was || (!now && !empty))
		gich_lr_set_state(n, now);      /* invalid: also clears its EOI maintenance status */
	if (was && !now && v->hw && !v->pending)
		gic_irq_set_active(arch_pcpu_id(), intid, false);      /* we, not the guest, ended it */
	if (!now) {
		lr_gone(v);
		return 0;
	}
	if ((v->lr_state & LR_STATE_PENDING) && !(now & LR_STATE_PENDING))
		v->latched = false;     /* taken or cleared */
	v->lr_state = (uint8_t)now;
	return now;
}

/* A hardware level interrupt pending in list register n: its line may
 * drop before the guest takes it, so every return looks (FLUSH_LRS). */
static void recheck_lr(struct vgic_vcpu *c, unsigned n, const struct virq *v, unsigned state)
{
	if (v->hw && !v->edge && state == LR_STATE_PENDING)
		c->lr_recheck |= 1u << n;
	else
		c->lr_recheck &= ~(1u << n);
}

/* Free the list registers the guest and the registers are done with; an
 * interrupt pending (or made active) outside one goes into look. */
static void sync_lrs(struct vgic_vm *g, struct vgic_vcpu *c, uint64_t look[NEWS_WORDS])
{
	uint32_t empty = gich_empty_lrs(), freed = 0;
	for (uint32_t used = c->lr_used; used; used &= used - 1) {
		unsigned n = (unsigned)__builtin_ctz(used);
		unsigned intid = c->lr_intid[n];
		struct virq *v = virq_in(g, c, intid);         /* loaded ones exist */
		if (!v)
			continue;
		unsigned state = sync_lr(g, n, intid, v, (empty >> n) & 1);
		if (state) {
			recheck_lr(c, n, v, state);
			continue;
		}
		freed |= 1u << n;
		v->in_lr = false;
		if (v->pending || v->active)
			look[intid / 64] |= 1ull << (intid % 64);
	}
	c->lr_used &= ~freed;
	c->lr_recheck &= ~freed;
}

static bool load_lr(struct vgic_vcpu *c, unsigned intid, struct virq *v, unsigned state)
{
	unsigned n = (unsigned)__builtin_ctz(~c->lr_used);     /* the lowest free one */
	if (n < nr_lrs) {
		unsigned source = 0;
		if (intid < 16 && (state & LR_STATE_PENDING)) {   /* GICv2 SGIs name their source */
			uint8_t *src = &c->sgi_sources[intid];
			source = (unsigned)__builtin_ctz(*src | 0x100u) & 7;
			*src &= (uint8_t)~(1u << source);
		}
		if (state & LR_STATE_PENDING)
			v->pending = intid < 16 && c->sgi_sources[intid];
		v->active = v->stale = false;
		/* A level line is to be re-checked, another source's SGI loaded,
		 * when the guest is done: ask for a maintenance interrupt then. */
		gich_lr_load(n, ich_lr_value(intid, state, v->priority, v->hw, v->group1, source,
					     !v->edge || v->pending));
		recheck_lr(c, n, v, state);
		c->lr_used |= 1u << n;
		c->lr_intid[n] = (uint16_t)intid;
		v->in_lr = true;
		v->lr_state = (uint8_t)state;
		return true;
	}
	return false;
}

/* An interrupt became pending again while its list register still holds
 * it. Still pending there (not yet acknowledged): the two are one, as on
 * the hardware, except GICv2 SGIs from another source. Active: have the
 * guest's EOI of that one bring us back to load this one. */
static void pend_behind(struct vgic_vcpu *c, unsigned intid, struct virq *v)
{
	for (uint32_t used = c->lr_used; used; used &= used - 1) {
		unsigned n = (unsigned)__builtin_ctz(used);
		if (c->lr_intid[n] != intid)
			continue;
		bool other_source = intid < 16 && IS_GICV2;
		if ((gich_lr_state(n) & LR_STATE_PENDING) && !other_source) {
			v->pending = false;
			if (intid < 16)
				c->sgi_sources[intid] = 0;
		} else {
			gich_lr_request_eoi_irq(n);
		}
	}
}

/* One interrupt with news for this pCPU's vCPU, outside a list register
 * or pending behind one: load it if there is anything to show the guest.
 * Returns false when no list register was free. */
static bool deliver(const struct vgic_vm *g, struct vgic_vcpu *c, unsigned intid, struct virq *v)
{
	if (!v->pending && !v->active)
		return true;
	if (v->in_lr) {
		if (v->pending && !v->hw)
			pend_behind(c, intid, v);
		return true;
	}
	/* Held since an earlier look: its line may have dropped meanwhile. */
	if (v->stale && v->pending && !hw_still_pending(arch_pcpu_id(), intid, v))
		hw_release(arch_pcpu_id(), intid, v);
	bool signal = v->pending && may_signal(g, v);
	v->stale = v->hw && v->pending && !signal;
	unsigned state = (v->active ? LR_STATE_ACTIVE : 0u) | (signal ? LR_STATE_PENDING : 0u);
	return !state || load_lr(c, intid, v, state);
}

/* FLUSH_LRS of vCPU vcpu as its list registers now are. */
static void lrs_to_recheck(unsigned vcpu, const struct vgic_vcpu *c)
{
	bool due = __atomic_load_n(&vgic_flush_due[vcpu], __ATOMIC_RELAXED) & FLUSH_LRS;
	if (c->lr_recheck && !due)
		__atomic_fetch_or(&vgic_flush_due[vcpu], FLUSH_LRS, __ATOMIC_SEQ_CST);
	else if (!c->lr_recheck && due)
		__atomic_fetch_and(&vgic_flush_due[vcpu], (uint8_t)~FLUSH_LRS, __ATOMIC_SEQ_CST);
}

/* An SPI this vCPU's list register held, routed elsewhere meanwhile:
 * once freed, what is left of it is its new target's. Out of line: rare. */
static __attribute__((noinline, cold)) void rerouted(const struct vgic_vm *g, unsigned intid, const struct virq *v)
{
	if (v->target != NO_TARGET && !v->in_lr && (v->pending || v->active))
		vgic_notify(vcpu_of((unsigned)(g - vgic_vms), v->target), intid);
}

/* Under the partition's lock: the list registers of vCPU vcpu (on this
 * pCPU) brought up to date, then the INTIDs of look loaded (or passed on,
 * rerouted). Returns true when some did not fit: FLUSH_NEWS stays due for
 * all of them. */
static bool flush_locked(struct vgic_vm *g, struct vgic_vcpu *c, unsigned vcpu, uint64_t look[NEWS_WORDS])
{
	unsigned index = tessera_vcpus[vcpu].index;     /* in the partition: an SPI's target */
	uint64_t any = 0;
	bool more = false;

	if (c->lr_used)
		sync_lrs(g, c, look);
	for (unsigned w = 0; w < NEWS_WORDS; w++)
		any |= look[w];
	/* Only the INTIDs with news, in ascending order as a full walk would. */
	for (unsigned w = 0; w < NEWS_WORDS && any && !more; w++) {
		for (uint64_t bits = look[w]; bits && !more; bits &= bits - 1) {
			unsigned intid = w * 64 + (unsigned)__builtin_ctzll(bits);
			struct virq *v = virq_in(g, c, intid);
			if (v && (intid < NR_PRIVATE || v->target == index))
				more = !deliver(g, c, intid, v);
			else if (v)
				rerouted(g, intid, v);
		}
	}
	if (more) {             /* the rest when list registers drain */
		vgic_news_all(c);
		__atomic_fetch_or(&vgic_flush_due[vcpu], FLUSH_NEWS, __ATOMIC_SEQ_CST);
	}
	lrs_to_recheck(vcpu, c);
	return more;
}

/* vgic_flush with something to do: news, or a level to look at again. */
void vgic_flush_vcpu(unsigned vcpu)
{
	struct vgic_vcpu *c = &vgic_vcpus[vcpu];
	unsigned vm = tessera_vcpus[vcpu].vm;
	uint64_t look[NEWS_WORDS];

	arch_spin_lock(&vgic_vms[vm].lock);
	__atomic_fetch_and(&vgic_flush_due[vcpu], (uint8_t)~FLUSH_NEWS, __ATOMIC_SEQ_CST);
	for (unsigned w = 0; w < NEWS_WORDS; w++)
		look[w] = __atomic_exchange_n(&c->news[w], 0, __ATOMIC_SEQ_CST);
	bool more = flush_locked(&vgic_vms[vm], c, vcpu, look);
	arch_spin_unlock(&vgic_vms[vm].lock);
	/* Out of list registers: ask for a maintenance interrupt when they drain. */
	gich_enable(more);
}

/* The guest completed a list register that asked for it (EOI), or they
 * drained (underflow): flush whether or not news are due. */
void vgic_maintenance(void)
{
	vgic_flush_vcpu(core_this_vcpu_index());
}

/* The list-register state of an interrupt as the registers show it: live
 * when its list register is this pCPU's, else as its pCPU last saw it;
 * with the changes asked for and not yet made. */
unsigned vgic_lr_view(unsigned vcpu, unsigned intid, const struct virq *v)
{
	if (!v->in_lr)
		return 0;
	unsigned state = v->lr_state;
	const struct vgic_vcpu *c = &vgic_vcpus[vcpu];
	if (tessera_vcpus[vcpu].pcpu == arch_pcpu_id() &&
	    (!TESSERA_SCHEDULED || core_this_vcpu() == &tessera_vcpus[vcpu]))   /* not switched out */
		for (uint32_t used = c->lr_used; used; used &= used - 1)
			if (c->lr_intid[__builtin_ctz(used)] == intid)
				state = gich_lr_state((unsigned)__builtin_ctz(used));
	return (state & ~(unsigned)v->lr_clear) | v->lr_set;
}

/* The vCPU (index in partition vm) whose list register holds SPI intid:
 * its target, unless the guest routed it elsewhere since it went in (the
 * old target keeps it until the guest is done with it there). Looked up,
 * not kept, as only another vCPU's access to its registers asks. */
unsigned vgic_spi_holder(unsigned vm, unsigned intid, const struct virq *v)
{
	for (unsigned i = 0; v->in_lr && i < tessera_vms[vm].nr_vcpus; i++) {
		const struct vgic_vcpu *c = &vgic_vcpus[vcpu_index(vcpu_of(vm, i))];
		for (uint32_t used = c->lr_used; used; used &= used - 1)
			if (c->lr_intid[__builtin_ctz(used)] == intid)
				return i;
	}
	return v->target;
}

void vgic_vcpu_reset(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	struct vgic_vcpu *c = &vgic_vcpus[vcpu_index(vc)];

	arch_spin_lock(&vgic_vms[vc->vm].lock);
	gich_reset();
	for (uint32_t used = c->lr_used; used; used &= used - 1) {   /* what they held is gone */
		struct virq *v = virq_of(vc->vm, vcpu_index(vc), c->lr_intid[__builtin_ctz(used)]);
		if (v) {
			v->in_lr = false;
			v->lr_state = v->lr_set = v->lr_clear = 0;
		}
	}
	c->lr_used = c->lr_recheck = 0;
	/* Device SPIs that arrived for it while it was off were switched off at
	 * the GIC (irq_dispatch): pending there, they come now. */
	const struct vm_config *vm = &tessera_vms[vc->vm];
	for (unsigned i = 0; i < vm->nr_irqs; i++) {
		unsigned intid = vm->irqs[i].irq;
		const struct virq *v = &vgic_vms[vc->vm].spi[intid - NR_PRIVATE];
		if (v->hw && v->target == vc->index)
			vgic_hw_spi_update(vc->vm, intid, v);
	}
	vgic_news_all(c);                       /* SGIs may wait from before it started */
	__atomic_store_n(&vgic_flush_due[vcpu_index(vc)], FLUSH_NEWS, __ATOMIC_SEQ_CST);   /* no LRs */
	for (uint32_t ppis = GUEST_PPIS; ppis; ppis &= ppis - 1) {
		struct virq *v = &c->priv[__builtin_ctz(ppis)];
		v->pending = v->active = v->latched = false;
	}
	arch_spin_unlock(&vgic_vms[vc->vm].lock);
	for (uint32_t ppis = GUEST_PPIS; ppis; ppis &= ppis - 1)   /* left active by an earlier run */
		gic_irq_set_active(arch_pcpu_id(), (unsigned)__builtin_ctz(ppis), false);
	gich_enable(false);
}

/* Straight into a list register when it is for this pCPU's vCPU (a timer,
 * the PMU, a device's SPI routed here), in the flush's own way but without
 * news to pass through: its physical interrupt was acknowledged just now,
 * so its line needs no second look before the guest runs. */
void vgic_inject_hw(unsigned intid)
{
	unsigned vcpu = core_this_vcpu_index();
	const struct vcpu_config *vc = &tessera_vcpus[vcpu];
	struct vgic_vm *g = &vgic_vms[vc->vm];
	struct vgic_vcpu *c = &vgic_vcpus[vcpu];
	struct virq *v = virq_in(g, c, intid);

	if (!v)
		return;
	arch_spin_lock(&g->lock);
	v->pending = true;      /* acknowledged just now: its line is up */
	v->stale = false;
	const struct vcpu_config *target = target_of(vc->vm, vcpu, intid);
	if (target == vc) {
		uint64_t look[NEWS_WORDS] = { 0 };
		look[intid / 64] = 1ull << (intid % 64);
		(void)flush_locked(g, c, vcpu, look);   /* did not fit: FLUSH_NEWS */
	}
	arch_spin_unlock(&g->lock);
	if (target && target != vc)
		vgic_notify(target, intid);
}

#if TESSERA_SCHEDULED
/* A shared pCPU runs several partitions' vCPUs, and a device's SPI routed
 * here may be for one outside its window: made pending for the partition
 * that owns it, it waits for its vCPU's window (its flush). */
void vgic_inject_spi(unsigned intid)
{
	for (unsigned vm = 0; vm < TESSERA_NR_VMS; vm++) {
		struct virq *v = virq_of(vm, 0, intid);
		arch_spin_lock(&vgic_vms[vm].lock);
		bool ours = v && v->hw;
		if (ours) {
			v->pending = true;      /* acknowledged just now: its line is up */
			v->stale = false;
		}
		const struct vcpu_config *target = ours ? target_of(vm, 0, intid) : 0;
		arch_spin_unlock(&vgic_vms[vm].lock);
		if (target)
			vgic_notify(target, intid);
		if (ours)
			return;
	}
	gic_spi_enable(intid, false);   /* nobody's: silence it */
	gic_deactivate(intid);
}
#endif

void arch_irq_level(unsigned vm, unsigned irq, bool level)
{
	if (irq < NR_PRIVATE || irq >= NR_INTIDS)
		return;
	struct vgic_vm *g = &vgic_vms[vm];
	struct virq *v = &g->spi[irq - NR_PRIVATE];
	const struct vcpu_config *target;
	bool news = false;

	arch_spin_lock(&g->lock);
	if (v->owned && level != v->level) {
		v->level = level;
		news = true;
		if (level && !v->in_lr) {
			v->pending = true;
		} else if (!level && !v->edge) {        /* a level that dropped is no longer pending */
			v->pending = false;
			if (v->in_lr)
				v->lr_clear |= LR_STATE_PENDING;
		}
	}
	target = target_of(vm, 0, irq);
	arch_spin_unlock(&g->lock);
	if (news && target)
		vgic_notify(target, irq);
}

void arch_irq_edge(unsigned vm, unsigned irq)
{
	if (irq < NR_PRIVATE || irq >= NR_INTIDS)
		return;
	struct vgic_vm *g = &vgic_vms[vm];
	struct virq *v = &g->spi[irq - NR_PRIVATE];

	arch_spin_lock(&g->lock);
	bool owned = v->owned;
	if (owned)
		v->pending = true;
	const struct vcpu_config *target = target_of(vm, 0, irq);
	arch_spin_unlock(&g->lock);
	if (owned && target)
		vgic_notify(target, irq);
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

	uint64_t named = 0;             /* by vCPU index: at most 64 (the generator's limit) */

	arch_spin_lock(&vgic_vms[self->vm].lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_config *t = vcpu_of(self->vm, i);
		uint64_t aff0 = t->virt_id & 0xff;
		if (all_but_self ? t != self :
		    ((t->virt_id & ~0xffull) == aff321 && aff0 >> 4 == rs && (r >> (aff0 & 0xf)) & 1)) {
			vgic_pend_sgi_locked(t, intid, 0);
			named |= 1ull << i;
		}
	}
	arch_spin_unlock(&vgic_vms[self->vm].lock);
	for (; named; named &= named - 1)       /* kicked outside the lock, which they take */
		vgic_notify(vcpu_of(self->vm, (unsigned)__builtin_ctzll(named)), intid);
}

void vgic_pend_sgi_locked(const struct vcpu_config *target, unsigned intid, unsigned source)
{
	struct vgic_vcpu *c = &vgic_vcpus[vcpu_index(target)];
	c->sgi_sources[intid] |= (uint8_t)(1u << source);
	c->priv[intid].pending = true;
}
