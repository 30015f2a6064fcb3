/* The physical GIC and the arch calls arch/aarch64/vgic.c makes, on the
 * host: list registers the tests read and play the guest's part in. */
#include <string.h>
#include <tessera/arch.h>
#include <tessera/core.h>
#include "fake_gic.h"

struct fake_lr fake_lrs[TESSERA_NR_PCPUS][FAKE_LRS];
unsigned fake_loads[TESSERA_NR_PCPUS][FAKE_INTIDS];
bool fake_underflow_irq[TESSERA_NR_PCPUS];
unsigned fake_pcpu;
unsigned fake_kicks[TESSERA_NR_PCPUS];

#define LR(n) fake_lrs[fake_pcpu][n]

unsigned gich_nr_lrs(void) { return FAKE_LRS; }
bool gich_lr_free(unsigned n) { return !LR(n).valid; }
bool gich_lr_pending(unsigned n) { return LR(n).valid && !LR(n).active; }
void gich_lr_request_eoi_irq(unsigned n) { LR(n).eoi_irq = true; }
void gich_lr_clear(unsigned n) { memset(&LR(n), 0, sizeof(LR(n))); }
void gich_enable(bool underflow_irq) { fake_underflow_irq[fake_pcpu] = underflow_irq; }
void gich_reset(void) { memset(fake_lrs[fake_pcpu], 0, sizeof(fake_lrs[fake_pcpu])); }

void gich_lr_load(unsigned n, unsigned intid, bool hw, uint8_t priority, unsigned source,
		  bool eoi_irq)
{
	(void)priority;
	(void)source;
	LR(n) = (struct fake_lr){ .valid = true, .intid = intid, .hw = hw, .eoi_irq = eoi_irq };
	fake_loads[fake_pcpu][intid]++;
}

void gic_deactivate_private(unsigned intid) { (void)intid; }
void gic_spi_route(unsigned intid, unsigned pcpu) { (void)intid; (void)pcpu; }
void gic_spi_enable(unsigned intid, bool on) { (void)intid; (void)on; }

unsigned arch_pcpu_id(void) { return fake_pcpu; }
void arch_kick(unsigned pcpu) { fake_kicks[pcpu]++; }
void arch_spin_lock(spinlock_t *lock) { lock->locked = 1; }
void arch_spin_unlock(spinlock_t *lock) { lock->locked = 0; }

const struct vcpu_config *core_this_vcpu(void)
{
	return &tessera_vcpus[tessera_pcpus[fake_pcpu].vcpu];
}

bool fake_guest_acks(unsigned pcpu, unsigned intid)
{
	for (unsigned n = 0; n < FAKE_LRS; n++) {
		struct fake_lr *lr = &fake_lrs[pcpu][n];
		if (lr->valid && lr->intid == intid && !lr->active) {
			lr->active = true;
			return true;
		}
	}
	return false;
}

bool fake_guest_eois(unsigned pcpu, unsigned intid)
{
	for (unsigned n = 0; n < FAKE_LRS; n++) {
		struct fake_lr *lr = &fake_lrs[pcpu][n];
		if (lr->valid && lr->intid == intid && lr->active) {
			lr->valid = false;      /* the hardware leaves it invalid */
			return true;
		}
	}
	return false;
}

unsigned fake_lrs_holding(unsigned pcpu, unsigned intid)
{
	unsigned count = 0;
	for (unsigned n = 0; n < FAKE_LRS; n++)
		count += fake_lrs[pcpu][n].valid && fake_lrs[pcpu][n].intid == intid;
	return count;
}
