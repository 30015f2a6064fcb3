/*
 * The partition's virtual local APICs, xAPIC MMIO (Intel SDM vol. 3, 10.4-
 * 10.8; AMD APM vol. 2, 16.3-16.4): each vCPU sees its own at 0xfee00000.
 * ID and version, TPR and PPR, EOI, LDR and DFR, SVR, ISR/TMR/IRR, the LVT
 * entries, the timer (one-shot and periodic, on the bus clock of the
 * board's local APICs divided as TDCR says) and the ICR: a FIXED IPI sets
 * the vector in the target's IRR, INIT then STARTUP starts a vCPU of the
 * same partition on its own pinned pCPU in real mode at vector << 12
 * (core_vcpu_on, as PSCI CPU_ON does). An IPI naming an APIC id outside
 * the partition reaches nobody. x2APIC mode (MSRs, 32-bit ids) and the
 * TSC-deadline timer too. svm.c injects what vlapic_pending gives.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "vlapic.h"

static struct vlapic vlapics[TESSERA_NR_VCPUS];

static struct vlapic *of(const struct vcpu_config *vc)
{
	return &vlapics[vc - tessera_vcpus];
}

void vlapic_reset(struct vlapic *l, uint32_t apic_id)
{
	*l = (struct vlapic){ 0 };     /* INIT, NMI, blocking: none pending */
	l->id = apic_id << 24;
	l->svr = 0xff;
	l->dfr = 0xffffffffu;
	l->deadline = VLAPIC_NEVER;
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		l->lvt[i] = APIC_LVT_MASKED;
}

/* The highest vector in service, or -1 (the ISR is the owner's alone). */
static int highest_isr(const struct vlapic *l)
{
	for (int w = 7; w >= 0; w--)
		if (l->isr[w])
			return w * 32 + 31 - __builtin_clz(l->isr[w]);
	return -1;
}

/* The highest vector in the IRR, or -1: only in the words irr_words names
 * (every exit asks, and most find it 0). A vector whose setter has not
 * marked its word yet is found after the kick that setter sends. */
static int highest_irr(const struct vlapic *l)
{
	uint32_t words = __atomic_load_n(&l->irr_words, __ATOMIC_SEQ_CST);

	while (words) {
		unsigned w = 31u - (unsigned)__builtin_clz(words);
		uint32_t bits = __atomic_load_n(&l->irr[w], __ATOMIC_SEQ_CST);
		if (bits)
			return (int)(w * 32 + 31 - (unsigned)__builtin_clz(bits));
		words &= ~(1u << w);
	}
	return -1;
}

/* PPR: the TPR, or the class of the highest interrupt in service if higher.
 * Every exit asks (vlapic_pending): the class is kept, not searched for. */
static uint32_t ppr(const struct vlapic *l)
{
	return (l->tpr & 0xf0u) >= l->isr_class ? l->tpr & 0xffu : l->isr_class;
}

static void set_irr(struct vlapic *l, unsigned vector)
{
	__atomic_fetch_or(&l->irr[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&l->irr_words, 1u << (vector / 32), __ATOMIC_SEQ_CST);
}

/* Does destination `dest` name the vCPU with APIC id `id`, local APIC
 * target (Intel SDM vol. 3, 10.6.2)? Physical: its id, or the broadcast
 * (0xff; x2APIC 0xffffffff). Logical, xAPIC: by the target's LDR and DFR,
 * the flat model (a bit of LDR[31:24]) or the cluster model (LDR[31:28]
 * the cluster, equal to dest[7:4]; a bit of LDR[27:24] in dest[3:0]);
 * 0xff names all. Logical, x2APIC: clusters of 16, id >> 4 in dest[31:16]
 * and a bit for id & 15 in dest[15:0]. The sender's mode says which
 * format dest is in. */
static bool names(uint32_t icr_lo, uint32_t dest, bool x2apic, const struct vlapic *target, uint32_t id)
{
	if (x2apic) {
		if (dest == 0xffffffffu)
			return true;
		if (icr_lo & APIC_ICR_LOGICAL)
			return dest >> 16 == id >> 4 && (dest & (1u << (id & 15u))) != 0;
		return dest == id;
	}
	if (dest == 0xffu)
		return true;
	if (!(icr_lo & APIC_ICR_LOGICAL))
		return dest == id;
	uint32_t ldr = target->ldr >> 24;
	if ((target->dfr & APIC_DFR_FLAT) == APIC_DFR_FLAT)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xfu) != 0;
}

/* Does the ICR's destination shorthand (or, without one, its
 * destination) reach vc, whose local APIC is target? */
static bool reaches(uint32_t icr_lo, uint32_t dest, bool x2apic, const struct vlapic *target,
		    const struct vcpu_config *vc, const struct vcpu_config *self)
{
	switch (self ? (icr_lo >> APIC_ICR_SHORTHAND_SHIFT) & 3u : 0u) {
	case APIC_SHORTHAND_SELF:
		return vc == self;
	case APIC_SHORTHAND_ALL:
		return true;
	case APIC_SHORTHAND_ALL_BUT_SELF:
		return vc != self;
	default:
		return names(icr_lo, dest, x2apic, target, (uint32_t)vc->virt_id);
	}
}

/* A FIXED or LOWEST interrupt lands in the IRR; a level-triggered one
 * marks the TMR too, so that its EOI reaches the I/O APIC. */
static enum power_result deliver_vector(struct vlapic *target, const struct vcpu_config *vc, uint32_t icr_lo)
{
	unsigned vector = icr_lo & 0xffu;

	if (vector < 16)
		return POWER_DENIED;    /* illegal vector: the SDM's send-illegal-vector error */
	if (icr_lo & APIC_ICR_TRIGGER_LEVEL)
		__atomic_fetch_or(&target->tmr[vector / 32], 1u << (vector % 32), __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&target->tmr[vector / 32], ~(1u << (vector % 32)), __ATOMIC_RELEASE);
	set_irr(target, vector);
	if (vc->pcpu != arch_pcpu_id())
		arch_kick(vc->pcpu);    /* out of its guest or its HLT: it injects it */
	return POWER_OK;
}

enum power_result vlapic_deliver(struct vlapic *target, const struct vcpu_config *vc, uint32_t icr_lo)
{
	unsigned vector = icr_lo & 0xffu;

	switch (icr_lo & APIC_ICR_DELIVERY_MASK) {
	case APIC_DELIVERY_FIXED:
	case APIC_DELIVERY_LOWEST:
		return deliver_vector(target, vc, icr_lo);
	case APIC_DELIVERY_NMI:
		/* The vector is ignored; its pCPU injects it (vevent.c). */
		__atomic_store_n(&target->nmi_pending, true, __ATOMIC_RELEASE);
		if (vc->pcpu != arch_pcpu_id())
			arch_kick(vc->pcpu);
		return POWER_OK;
	case APIC_DELIVERY_INIT:
		/* INIT level de-assert does nothing. An INIT arms the next
		 * STARTUP; a vCPU running meanwhile is reset to wait for it, as
		 * the processor is (its pCPU leaves the guest: vevent.c). */
		if (!(icr_lo & APIC_ICR_LEVEL_ASSERT) && (icr_lo & APIC_ICR_TRIGGER_LEVEL))
			return POWER_OK;
		__atomic_store_n(&target->wait_for_sipi, true, __ATOMIC_RELEASE);
		__atomic_store_n(&target->init_pending, true, __ATOMIC_RELEASE);
		if (vc->pcpu != arch_pcpu_id())
			arch_kick(vc->pcpu);
		return POWER_OK;
	case APIC_DELIVERY_STARTUP:
		/* Once per INIT: a later one is ignored, as on hardware. */
		if (!__atomic_exchange_n(&target->wait_for_sipi, false, __ATOMIC_ACQ_REL))
			return POWER_ALREADY_ON;
		__atomic_store_n(&target->sipi_start, true, __ATOMIC_RELEASE);
		return core_vcpu_on(vc->virt_id, (uint64_t)vector << 12, 0);
	default:
		return POWER_DENIED;    /* SMI, ExtINT and the reserved modes: not delivered */
	}
}

void vlapic_message(unsigned vm, const struct vcpu_config *self, uint32_t icr_lo, uint32_t dest, bool x2apic)
{
	const struct vm_config *c = &tessera_vms[vm];
	bool lowest = (icr_lo & APIC_ICR_DELIVERY_MASK) == APIC_DELIVERY_LOWEST;
	int chosen = -1;

	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		unsigned v = c->first_vcpu + i;
		const struct vcpu_config *vc = &tessera_vcpus[v];
		if (!reaches(icr_lo, dest, x2apic, &vlapics[v], vc, self))
			continue;
		if (lowest) {   /* the named vCPU of lowest priority (TPR); the first of equals */
			if (chosen < 0 || (vlapics[v].tpr & 0xf0u) < (vlapics[chosen].tpr & 0xf0u))
				chosen = (int)v;
			continue;
		}
		enum power_result r = vlapic_deliver(&vlapics[v], vc, icr_lo);
		if (r != POWER_OK && r != POWER_ALREADY_ON)
			log_debug("tessera: vm %s: IPI %#x to apic %#llx not delivered (%d)\n", c->name, icr_lo,
				  (unsigned long long)vc->virt_id, (int)r);
	}
	if (chosen >= 0)
		(void)vlapic_deliver(&vlapics[chosen], &tessera_vcpus[chosen], icr_lo);
}

const struct vcpu_config *vlapic_first_named(unsigned vm, uint32_t icr_lo, uint32_t dest)
{
	const struct vm_config *c = &tessera_vms[vm];

	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		unsigned v = c->first_vcpu + i;
		if (names(icr_lo, dest, false, &vlapics[v], (uint32_t)tessera_vcpus[v].virt_id))
			return &tessera_vcpus[v];
	}
	return &tessera_vcpus[c->first_vcpu];
}

static void icr_write(const struct vcpu_config *self, const struct vlapic *l)
{
	vlapic_message(self->vm, self, l->icr_lo, l->x2apic ? l->icr_hi : l->icr_hi >> 24, l->x2apic);
}

/* TDCR: bits 0, 1 and 3 give divide by 2, 4, ... 128, or 1 (0b111). */
static uint64_t timer_divisor(const struct vlapic *l)
{
	uint32_t v = (l->timer_div & 3u) | ((l->timer_div >> 1) & 4u);

	return v == 7u ? 1u : 2ull << v;
}

/* Writing the initial count (re)starts the timer; 0 stops it (not in
 * TSC-deadline mode, where IA32_TSC_DEADLINE does). */
static void timer_start(struct vlapic *l)
{
	if ((l->lvt[0] & APIC_LVT_TIMER_MODE) == APIC_LVT_TSC_DEADLINE)
		return;
	uint64_t length = x86_bus_ticks_to_time((uint64_t)l->timer_init * timer_divisor(l));

	l->period = (l->lvt[0] & APIC_LVT_PERIODIC) ? length : 0;
	l->deadline = l->timer_init ? x86_now() + length : VLAPIC_NEVER;
	guest_timer_set(l->deadline);
}

static uint32_t timer_current(const struct vlapic *l)
{
	uint64_t now = x86_now();

	if (l->deadline == VLAPIC_NEVER || now >= l->deadline ||
	    (l->lvt[0] & APIC_LVT_TIMER_MODE) == APIC_LVT_TSC_DEADLINE)
		return 0;
	return (uint32_t)(x86_time_to_bus_ticks(l->deadline - now) / timer_divisor(l));
}

void vlapic_timer_expired(const struct vcpu_config *self)
{
	struct vlapic *l = of(self);

	if (l->deadline == VLAPIC_NEVER)
		return;
	if (!(l->lvt[0] & APIC_LVT_MASKED) && (l->svr & APIC_SVR_ENABLE))
		set_irr(l, l->lvt[0] & 0xffu);
	l->deadline = l->period ? l->deadline + l->period : VLAPIC_NEVER;
	guest_timer_set(l->deadline);
}

/* The end of interrupt `vector`: out of service; a level-triggered one's
 * source (the I/O APIC pin of its partition) may raise it again. */
static void eoi(struct vlapic *l, unsigned vector)
{
	uint32_t bit = 1u << (vector % 32);

	l->isr[vector / 32] &= ~bit;
	int isr = highest_isr(l);
	l->isr_class = isr < 0 ? 0 : (uint32_t)isr & 0xf0u;
	if (__atomic_fetch_and(&l->tmr[vector / 32], ~bit, __ATOMIC_ACQ_REL) & bit)
		vioapic_eoi(l->vm, vector);
}

bool vlapic_access(struct vlapic *l, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	uint32_t *reg = 0, v = (uint32_t)*value;

	if (size != 4 || (off & 0xfu) || off >= 0x1000)
		return false;           /* registers are 32-bit, 16-byte aligned */
	switch (off) {
	case APIC_ID:       reg = &l->id; break;
	case APIC_TPR:      reg = &l->tpr; break;
	case APIC_LDR:      reg = &l->ldr; break;
	case APIC_DFR:      reg = &l->dfr; break;
	case APIC_SVR:      reg = &l->svr; break;
	case APIC_ESR:      reg = &l->esr; break;
	case APIC_ICR_LO:   reg = &l->icr_lo; break;
	case APIC_ICR_HI:   reg = &l->icr_hi; break;
	case APIC_TIMER_INIT: reg = &l->timer_init; break;
	case APIC_TIMER_DIV: reg = &l->timer_div; break;
	case APIC_EOI:
		if (write) {            /* the highest in service is done */
			int isr = highest_isr(l);
			if (isr >= 0)
				eoi(l, (unsigned)isr);
		} else {
			*value = 0;
		}
		return true;
	default:
		if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
			reg = &l->lvt[(off - APIC_LVT_TIMER) >> 4];
			break;
		}
		if (write)
			return true;    /* read-only registers: a write does nothing */
		if (off >= APIC_ISR && off < APIC_ISR + 0x80)
			*value = l->isr[(off - APIC_ISR) >> 4];
		else if (off >= APIC_IRR && off < APIC_IRR + 0x80)
			*value = __atomic_load_n(&l->irr[(off - APIC_IRR) >> 4], __ATOMIC_ACQUIRE);
		else if (off >= APIC_TMR && off < APIC_TMR + 0x80)
			*value = __atomic_load_n(&l->tmr[(off - APIC_TMR) >> 4], __ATOMIC_ACQUIRE);
		else if (off == APIC_PPR)
			*value = ppr(l);
		else if (off == APIC_TIMER_CUR)
			*value = timer_current(l);
		else    /* version; APR: 0 */
			*value = off == APIC_VERSION ? APIC_VERSION_VALUE : 0;
		return true;
	}
	if (!write) {
		*value = *reg;
		return true;
	}
	if (off == APIC_ID || off == APIC_ESR)
		return true;    /* fixed here: the id is the partition's configuration */
	*reg = v;
	if (off == APIC_TIMER_INIT)
		timer_start(l);
	return true;
}

bool vlapic_mmio(const struct vcpu_config *self, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	struct vlapic *l = of(self);

	if (!vlapic_access(l, off, size, write, value))
		return false;
	if (write && off == APIC_ICR_LO)
		icr_write(self, l);
	return true;
}

bool vlapic_has_msr(uint32_t msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

/* IA32_APIC_BASE: the base stays 0xfee00000 and the APIC enabled; EXTD
 * switches xAPIC to x2APIC mode, and back only through disabling, which
 * is not offered (#GP, as a transition the SDM calls invalid). */
static bool apic_base(const struct vcpu_config *self, struct vlapic *l, bool write, uint64_t *value)
{
	uint64_t now = APIC_BASE_ADDR | APIC_BASE_EN | (l->x2apic ? APIC_BASE_EXTD : 0) |
		       (self->index == 0 ? APIC_BASE_BSP : 0);

	if (!write) {
		*value = now;
		return true;
	}
	if ((*value & ~(uint64_t)APIC_BASE_BSP) != (APIC_BASE_ADDR | APIC_BASE_EN) &&
	    (*value & ~(uint64_t)APIC_BASE_BSP) != (APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD))
		return false;
	if (l->x2apic && !(*value & APIC_BASE_EXTD))
		return false;
	if (!l->x2apic && (*value & APIC_BASE_EXTD)) {
		l->x2apic = true;
		/* x2APIC's LDR follows from the id: cluster, bit in it */
		l->ldr = (uint32_t)(self->virt_id >> 4) << 16 | 1u << (self->virt_id & 15u);
	}
	return true;
}

bool vlapic_msr(const struct vcpu_config *self, uint32_t msr, bool write, uint64_t *value)
{
	struct vlapic *l = of(self);
	uint64_t v32;

	if (msr == MSR_IA32_APIC_BASE)
		return apic_base(self, l, write, value);
	if (msr == MSR_IA32_TSC_DEADLINE) {     /* the guest's TSC is the host's (no offset) */
		bool mode = (l->lvt[0] & APIC_LVT_TIMER_MODE) == APIC_LVT_TSC_DEADLINE;
		if (!write) {
			*value = mode && l->deadline != VLAPIC_NEVER ? l->deadline : 0;
		} else if (mode) {      /* outside its mode a write is ignored */
			l->period = 0;
			l->deadline = *value ? *value : VLAPIC_NEVER;
			guest_timer_set(l->deadline);
		}
		return true;
	}
	if (!l->x2apic || msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return false;
	uint64_t off = (uint64_t)(msr - MSR_X2APIC_FIRST) << 4;
	switch (msr) {
	case MSR_X2APIC_ICR:            /* one 64-bit register: destination in 63:32 */
		if (!write) {
			*value = (uint64_t)l->icr_hi << 32 | l->icr_lo;
			return true;
		}
		l->icr_hi = (uint32_t)(*value >> 32);
		l->icr_lo = (uint32_t)*value;
		icr_write(self, l);
		return true;
	case MSR_X2APIC_SELF_IPI:
		if (!write || (*value & ~0xffull) || (*value & 0xffu) < 16)
			return false;
		set_irr(l, (unsigned)(*value & 0xffu));
		return true;
	case MSR_X2APIC_FIRST + (APIC_ID >> 4):
		if (write)
			return false;
		*value = self->virt_id;
		return true;
	case MSR_X2APIC_FIRST + (APIC_LDR >> 4):
		if (write)
			return false;   /* read-only in x2APIC mode */
		*value = l->ldr;
		return true;
	case MSR_X2APIC_FIRST + (APIC_DFR >> 4):
	case MSR_X2APIC_FIRST + (APIC_ICR_HI >> 4):
		return false;           /* no such register in x2APIC mode */
	default:
		if (write && (*value >> 32))
			return false;   /* reserved bits */
		v32 = *value;
		if (!vlapic_access(l, off, 4, write, &v32))
			return false;
		if (!write)
			*value = v32;
		return true;
	}
}

int vlapic_pending(const struct vcpu_config *self)
{
	const struct vlapic *l = of(self);
	int v = highest_irr(l);

	if (v < 0 || !(l->svr & APIC_SVR_ENABLE) || ((uint32_t)v & 0xf0u) <= (ppr(l) & 0xf0u))
		return -1;
	return v;
}

void vlapic_ack(const struct vcpu_config *self, unsigned vector)
{
	struct vlapic *l = of(self);
	unsigned w = vector / 32;

	if (!__atomic_and_fetch(&l->irr[w], ~(1u << (vector % 32)), __ATOMIC_SEQ_CST)) {
		__atomic_fetch_and(&l->irr_words, ~(1u << w), __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&l->irr[w], __ATOMIC_SEQ_CST))     /* set meanwhile: its mark may be gone */
			__atomic_fetch_or(&l->irr_words, 1u << w, __ATOMIC_SEQ_CST);
	}
	l->isr[vector / 32] |= 1u << (vector % 32);
	if ((vector & 0xf0u) > l->isr_class)
		l->isr_class = vector & 0xf0u;
}

bool vlapic_wakes(const struct vcpu_config *self, bool if_set)
{
	const struct vlapic *l = of(self);

	return __atomic_load_n(&l->init_pending, __ATOMIC_ACQUIRE) ||
	       (__atomic_load_n(&l->nmi_pending, __ATOMIC_ACQUIRE) && !l->nmi_blocked) ||
	       (if_set && vlapic_pending(self) >= 0);
}

bool vlapic_sipi_started(const struct vcpu_config *vc)
{
	return __atomic_load_n(&of(vc)->sipi_start, __ATOMIC_ACQUIRE);
}

struct vlapic *vlapic_of(const struct vcpu_config *vc)
{
	return of(vc);
}

/* CR8 is TPR[7:4] (APM vol. 2, 16.6.1); a write of CR8 clears TPR[3:0]. */
uint32_t vlapic_cr8(const struct vcpu_config *self)
{
	return (of(self)->tpr >> 4) & 0xfu;
}

void vlapic_set_cr8(const struct vcpu_config *self, uint32_t cr8)
{
	struct vlapic *l = of(self);

	if (((l->tpr >> 4) & 0xfu) != (cr8 & 0xfu))
		l->tpr = (cr8 & 0xfu) << 4;
}

void vlapic_vcpu_start(const struct vcpu_config *vc)
{
	vlapic_reset(of(vc), (uint32_t)vc->virt_id);
	of(vc)->vm = vc->vm;
	if (vc->pcpu == arch_pcpu_id())
		guest_timer_set(VLAPIC_NEVER);
}

void vlapic_vm_reset(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];

	for (unsigned i = 0; i < c->nr_vcpus; i++)
		vlapic_vcpu_start(&tessera_vcpus[c->first_vcpu + i]);
}
