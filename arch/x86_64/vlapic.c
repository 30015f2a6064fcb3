/*
 * The partition's virtual local APICs, xAPIC MMIO (Intel SDM vol. 3, 10.4;
 * AMD APM vol. 2, 16.3): each vCPU sees its own at 0xfee00000. What a guest
 * needs to start its vCPUs: the ID and version registers, TPR, SVR, LDR,
 * DFR, the LVT entries (kept, masked out of reset), and the ICR, whose
 * INIT and STARTUP IPIs start a vCPU of the same partition on its own
 * pinned pCPU in real mode at vector << 12 (core_vcpu_on, as PSCI CPU_ON
 * does). An IPI naming an APIC id outside the partition reaches nobody.
 * Fixed and NMI IPIs and the APIC timer are not delivered yet.
 */
#include <tessera/core.h>
#include "vlapic.h"

static struct vlapic vlapics[TESSERA_NR_VCPUS];

void vlapic_reset(struct vlapic *l, uint32_t apic_id)
{
	*l = (struct vlapic){ 0 };
	l->id = apic_id << 24;
	l->svr = 0xff;
	l->dfr = 0xffffffffu;
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		l->lvt[i] = APIC_LVT_MASKED;
}

/* Does a destination of the ICR name the vCPU with APIC id `id`? Physical:
 * its id or the broadcast 0xff; logical (flat model): a bit of its LDR. */
static bool names(uint32_t icr_lo, uint32_t dest, const struct vlapic *target, uint32_t id, bool self)
{
	switch ((icr_lo >> APIC_ICR_SHORTHAND_SHIFT) & 3u) {
	case APIC_SHORTHAND_SELF:
		return self;
	case APIC_SHORTHAND_ALL:
		return true;
	case APIC_SHORTHAND_ALL_BUT_SELF:
		return !self;
	default:
		break;
	}
	if (icr_lo & APIC_ICR_LOGICAL)
		return (dest & (target->ldr >> 24)) != 0;
	return dest == 0xffu || dest == id;
}

/* INIT and STARTUP to one vCPU of the caller's partition. An INIT arms it;
 * the STARTUP after it starts it (once: a later one is ignored, as on
 * hardware, while the vCPU runs). Returns what the core said (for tests). */
enum power_result vlapic_deliver(struct vlapic *target, const struct vcpu_config *vc, uint32_t icr_lo)
{
	switch (icr_lo & APIC_ICR_DELIVERY_MASK) {
	case APIC_DELIVERY_INIT:
		if ((icr_lo & APIC_ICR_LEVEL_ASSERT) || !(icr_lo & APIC_ICR_TRIGGER_LEVEL))
			__atomic_store_n(&target->wait_for_sipi, true, __ATOMIC_RELEASE);
		return POWER_OK;        /* INIT level de-assert: nothing */
	case APIC_DELIVERY_STARTUP:
		if (!__atomic_exchange_n(&target->wait_for_sipi, false, __ATOMIC_ACQ_REL))
			return POWER_ALREADY_ON;
		return core_vcpu_on(vc->virt_id, (uint64_t)(icr_lo & 0xffu) << 12, 0);
	default:
		return POWER_DENIED;    /* fixed, lowest priority, SMI, NMI: not delivered yet */
	}
}

static void icr_write(const struct vcpu_config *self, struct vlapic *l)
{
	const struct vm_config *vm = &tessera_vms[self->vm];
	uint32_t dest = l->icr_hi >> 24;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		unsigned v = vm->first_vcpu + i;
		const struct vcpu_config *vc = &tessera_vcpus[v];
		if (names(l->icr_lo, dest, &vlapics[v], (uint32_t)vc->virt_id, vc == self)) {
			enum power_result r = vlapic_deliver(&vlapics[v], vc, l->icr_lo);
			if (r != POWER_OK && r != POWER_ALREADY_ON)
				log_debug("tessera: vm %s: IPI %#x to apic %#llx not delivered (%d)\n", vm->name,
					  l->icr_lo, (unsigned long long)vc->virt_id, (int)r);
		}
	}
}

bool vlapic_access(struct vlapic *l, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	uint32_t *reg = 0, v = (uint32_t)*value;

	if (size != 4 || (off & 0xfu))
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
	default:
		if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
			reg = &l->lvt[(off - APIC_LVT_TIMER) >> 4];
			break;
		}
		if (!write) {   /* version; ISR, TMR, IRR, PPR, APR, current count: nothing pending */
			*value = off == APIC_VERSION ? APIC_VERSION_VALUE : 0;
			return true;
		}
		return true;    /* EOI and read-only registers: a write does nothing */
	}
	if (!write) {
		*value = *reg;
		return true;
	}
	if (off == APIC_ID || off == APIC_ESR)
		return true;    /* fixed here: the id is the partition's configuration */
	*reg = v;
	return true;
}

bool vlapic_mmio(const struct vcpu_config *self, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	struct vlapic *l = &vlapics[self - tessera_vcpus];

	if (!vlapic_access(l, off, size, write, value))
		return false;
	if (write && off == APIC_ICR_LO)
		icr_write(self, l);
	return true;
}

/* A vCPU starts (again): its local APIC as after RESET, with its id. */
void vlapic_vcpu_start(const struct vcpu_config *vc)
{
	vlapic_reset(&vlapics[vc - tessera_vcpus], (uint32_t)vc->virt_id);
}

void vlapic_vm_reset(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];

	for (unsigned i = 0; i < c->nr_vcpus; i++)
		vlapic_vcpu_start(&tessera_vcpus[c->first_vcpu + i]);
}
