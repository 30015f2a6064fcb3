/*
 * The virtual PLIC of each partition (RISC-V PLIC specification 1.0.0).
 *
 * Sources are the partition's own interrupts (struct vm_irq); every other
 * source reads as zero and ignores writes, so a partition can neither see
 * nor touch another's. Its contexts are one supervisor context per vCPU,
 * in vCPU order (the guest's device tree says so); a context whose best
 * eligible source is above its threshold raises its vCPU's hvip.VSEIP.
 *
 * Each source has a gateway as the specification describes: `pending` is
 * a request the gateway sent, `claimed` a request in service. A source in
 * service is not eligible until completed. Emulated devices are
 * level-triggered: pending follows the line until claimed, and completion
 * re-requests if the line is still up. A hardware source arrives already
 * claimed at the physical PLIC (plic.c), which holds the device's next
 * request until the guest completes this one: plic_complete().
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "plic.h"
#include "vplic.h"

#define PRIORITY_MAX    7u      /* 3 priority bits, as QEMU's virt PLIC */

struct vplic {
	spinlock_t lock;
	uint32_t owned[PLIC_WORDS];     /* the partition's sources (from its vm_irq table) */
	uint32_t hw[PLIC_WORDS];        /* ... of which a device raises */
	uint32_t level[PLIC_WORDS];     /* emulated devices' lines */
	uint32_t pending[PLIC_WORDS];
	uint32_t claimed[PLIC_WORDS];
	uint8_t priority[TESSERA_PLIC_SOURCES];
};

struct vplic_context {
	uint32_t enable[PLIC_WORDS];
	uint32_t threshold;
	bool line;                      /* what hvip.VSEIP of its vCPU should be */
};

static struct vplic vplics[TESSERA_NR_VMS];
/* By vCPU index (tessera_vcpus[]): context i of a partition is its vCPU i. */
static struct vplic_context contexts[TESSERA_NR_VCPUS];

static bool bit(const uint32_t *map, unsigned irq)
{
	return (map[irq / 32] >> (irq % 32)) & 1u;
}

static void set_bit(uint32_t *map, unsigned irq, bool on)
{
	if (on)
		map[irq / 32] |= 1u << (irq % 32);
	else
		map[irq / 32] &= ~(1u << (irq % 32));
}

void vplic_init(void)
{
	for (unsigned vm = 0; vm < TESSERA_NR_VMS; vm++) {
		const struct vm_config *c = &tessera_vms[vm];
		for (unsigned i = 0; i < c->nr_irqs; i++) {
			set_bit(vplics[vm].owned, c->irqs[i].irq, true);
			set_bit(vplics[vm].hw, c->irqs[i].irq, c->irqs[i].hw);
		}
	}
}

/* The source context ctx (a vCPU index) would claim now: the highest
 * priority among pending, unclaimed, enabled sources above its threshold
 * (the lowest number among equals); 0 if none. */
static unsigned best(const struct vplic *p, const struct vplic_context *c)
{
	unsigned id = 0, prio = c->threshold;

	for (unsigned w = 0; w < PLIC_WORDS; w++) {
		uint32_t ready = p->pending[w] & ~p->claimed[w] & c->enable[w];
		for (unsigned irq = w * 32; ready; irq++, ready >>= 1) {
			if ((ready & 1u) && p->priority[irq] > prio) {
				prio = p->priority[irq];
				id = irq;
			}
		}
	}
	return id;
}

/* After a change of partition vm's state (its lock held): each context's
 * line, and the vCPUs whose line changed told. */
static void update(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];

	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		unsigned v = c->first_vcpu + i;
		bool line = best(&vplics[vm], &contexts[v]) != 0;
		if (line != contexts[v].line) {
			__atomic_store_n(&contexts[v].line, line, __ATOMIC_RELEASE);
			vplic_signal(v);
		}
	}
}

bool vplic_line(unsigned vcpu)
{
	return __atomic_load_n(&contexts[vcpu].line, __ATOMIC_ACQUIRE);
}

static unsigned claim(struct vplic *p, struct vplic_context *c)
{
	unsigned irq = best(p, c);

	if (irq) {
		set_bit(p->pending, irq, false);
		set_bit(p->claimed, irq, true);
	}
	return irq;
}

/* A completion names a source enabled for the context and in service;
 * anything else is ignored, as the specification says. */
static void complete(struct vplic *p, const struct vplic_context *c, unsigned irq)
{
	if (irq >= TESSERA_PLIC_SOURCES || !bit(c->enable, irq) || !bit(p->claimed, irq))
		return;
	set_bit(p->claimed, irq, false);
	if (bit(p->hw, irq))
		plic_complete(irq);
	else
		set_bit(p->pending, irq, bit(p->level, irq));
}

/* A register of context ctx of the partition (threshold, claim/complete). */
static void context_access(struct vplic *p, struct vplic_context *c, uint64_t reg, bool write,
			   uint64_t *value)
{
	if (reg == PLIC_THRESHOLD) {
		if (write)
			c->threshold = *value & PRIORITY_MAX;
		else
			*value = c->threshold;
	} else if (reg == PLIC_CLAIM) {
		if (write)
			complete(p, c, (unsigned)*value);
		else
			*value = claim(p, c);
	}
}

static void registers(unsigned vm, uint64_t off, bool write, uint64_t *value)
{
	const struct vm_config *cfg = &tessera_vms[vm];
	struct vplic *p = &vplics[vm];

	if (off < PLIC_PENDING) {
		unsigned irq = (unsigned)(off / 4);
		if (irq < TESSERA_PLIC_SOURCES && bit(p->owned, irq)) {
			if (write)
				p->priority[irq] = (uint8_t)(*value & PRIORITY_MAX);
			else
				*value = p->priority[irq];
		}
	} else if (off < PLIC_ENABLE) {
		unsigned w = (unsigned)((off - PLIC_PENDING) / 4);
		if (!write && w < PLIC_WORDS)           /* read-only */
			*value = p->pending[w] & p->owned[w];
	} else if (off < PLIC_CONTEXT) {
		unsigned ctx = (unsigned)((off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
		unsigned w = (unsigned)((off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4);
		if (ctx < cfg->nr_vcpus && w < PLIC_WORDS) {
			uint32_t *en = &contexts[cfg->first_vcpu + ctx].enable[w];
			if (write)
				*en = (uint32_t)*value & p->owned[w];
			else
				*value = *en;
		}
	} else {
		unsigned ctx = (unsigned)((off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
		if (ctx < cfg->nr_vcpus)
			context_access(p, &contexts[cfg->first_vcpu + ctx], off % PLIC_CONTEXT_STRIDE, write, value);
	}
}

/* Partition vm's PLIC, locked, if it owns source irq (the core and
 * plic.c raise only those); NULL otherwise. */
static struct vplic *lock_source(unsigned vm, unsigned irq)
{
	struct vplic *p = &vplics[vm];

	if (irq >= TESSERA_PLIC_SOURCES || !bit(p->owned, irq))
		return 0;
	arch_spin_lock(&p->lock);
	return p;
}

static void unlock_updated(unsigned vm)
{
	update(vm);
	arch_spin_unlock(&vplics[vm].lock);
}

bool vplic_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (size != 4 || off % 4)
		return false;           /* the PLIC's registers are 32-bit words */
	if (!write)
		*value = 0;             /* reserved and foreign registers read as zero */
	arch_spin_lock(&vplics[vm].lock);
	registers(vm, off, write, value);
	unlock_updated(vm);
	return true;
}

void vplic_set_level(unsigned vm, unsigned irq, bool level)
{
	struct vplic *p = lock_source(vm, irq);

	if (p) {
		set_bit(p->level, irq, level);
		set_bit(p->pending, irq, level);        /* held by the gateway while claimed */
		unlock_updated(vm);
	}
}

void vplic_raise(unsigned vm, unsigned irq)
{
	struct vplic *p = lock_source(vm, irq);

	if (p) {
		set_bit(p->pending, irq, true);
		unlock_updated(vm);
	}
}

void vplic_vm_reset(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];
	struct vplic *p = &vplics[vm];

	arch_spin_lock(&p->lock);
	for (unsigned irq = 0; irq < TESSERA_PLIC_SOURCES; irq++)
		if (bit(p->hw, irq) && (bit(p->pending, irq) || bit(p->claimed, irq)))
			plic_complete(irq);     /* held at the physical PLIC for us */
	for (unsigned w = 0; w < PLIC_WORDS; w++)
		p->level[w] = p->pending[w] = p->claimed[w] = 0;
	for (unsigned irq = 0; irq < TESSERA_PLIC_SOURCES; irq++)
		p->priority[irq] = 0;
	for (unsigned i = 0; i < c->nr_vcpus; i++)
		contexts[c->first_vcpu + i] = (struct vplic_context){ 0 };
	arch_spin_unlock(&p->lock);
}
