/* The physical GIC and the arch calls arch/aarch64/vgic*.c make, on the
 * host: list registers and physical interrupt state the tests read and
 * play the guest's and the devices' parts in. */
#include <string.h>
#include <tessera/arch.h>
#include <tessera/core.h>
#include "../../../arch/aarch64/vgic.h"
#include "fake_gic.h"

struct fake_lr fake_lrs[TESSERA_NR_PCPUS][FAKE_LRS];
unsigned fake_loads[TESSERA_NR_PCPUS][FAKE_INTIDS];
bool fake_underflow_irq[TESSERA_NR_PCPUS];
unsigned fake_pcpu;
unsigned fake_kicks[TESSERA_NR_PCPUS];
struct fake_irq fake_phys[TESSERA_NR_PCPUS][FAKE_INTIDS];

#define LR(n) fake_lrs[fake_pcpu][n]

unsigned gich_nr_lrs(void) { return FAKE_LRS; }
unsigned gich_lr_state(unsigned n) { return LR(n).state; }
void gich_lr_request_eoi_irq(unsigned n) { LR(n).eoi_irq = true; }
void gich_enable(bool underflow_irq) { fake_underflow_irq[fake_pcpu] = underflow_irq; }
void gich_reset(void) { memset(fake_lrs[fake_pcpu], 0, sizeof(fake_lrs[fake_pcpu])); }

uint32_t gich_empty_lrs(void)
{
	uint32_t empty = 0;
	for (unsigned n = 0; n < FAKE_LRS; n++)
		if (!LR(n).state && (LR(n).hw || !LR(n).eoi_irq))
			empty |= 1u << n;
	return empty;
}

void gich_lr_set_state(unsigned n, unsigned state)
{
	if (state)
		LR(n).state = state;
	else
		memset(&LR(n), 0, sizeof(LR(n)));
}

void gich_lr_load(unsigned n, uint64_t lr)
{
	unsigned intid = lr & 0x3ff;
	LR(n) = (struct fake_lr){ .state = (unsigned)(lr >> ICH_LR_STATE_SHIFT), .intid = intid,
				  .priority = (unsigned)(lr >> ICH_LR_PRIO_SHIFT) & 0xff,
				  .hw = lr & ICH_LR_HW, .group1 = lr & ICH_LR_GROUP1, .eoi_irq = lr & ICH_LR_EOI };
	fake_loads[fake_pcpu][intid]++;
}

struct fake_irq *fake_irq(unsigned pcpu, unsigned intid)
{
	return &fake_phys[intid < 32 ? pcpu : 0][intid];
}

bool gic_irq_pending(unsigned pcpu, unsigned intid)
{
	const struct fake_irq *p = fake_irq(pcpu, intid);
	return p->line || p->latch;
}

void gic_irq_set_pending(unsigned pcpu, unsigned intid, bool on) { fake_irq(pcpu, intid)->latch = on; }
void gic_irq_set_active(unsigned pcpu, unsigned intid, bool on) { fake_irq(pcpu, intid)->active = on; }
void gic_spi_route(unsigned intid, unsigned pcpu) { fake_irq(0, intid)->route = pcpu; }
void gic_spi_enable(unsigned intid, bool on) { fake_irq(0, intid)->enabled = on; }

unsigned arch_pcpu_id(void) { return fake_pcpu; }
void arch_kick(unsigned pcpu) { fake_kicks[pcpu]++; }
void arch_spin_lock(spinlock_t *lock) { lock->locked = 1; }
void arch_spin_unlock(spinlock_t *lock) { lock->locked = 0; }

/* Each pCPU runs its vCPU of the tables (src/power.c is not linked here). */
int16_t core_pcpu_vcpu[TESSERA_NR_PCPUS];

__attribute__((constructor)) static void fake_pcpu_vcpus(void)
{
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++)
		core_pcpu_vcpu[p] = tessera_pcpus[p].vcpu;
}

bool fake_hw_taken(unsigned pcpu, unsigned intid)
{
	struct fake_irq *p = fake_irq(pcpu, intid);
	bool enabled = intid < 32 || (p->enabled && p->route == pcpu);
	if (!(p->line || p->latch) || p->active || !enabled)
		return false;
	p->active = true;               /* acknowledged; the priority drop alone follows */
	p->latch = false;
	fake_pcpu = pcpu;
	vgic_inject_hw(intid);
	return true;
}

static struct fake_lr *holding(unsigned pcpu, unsigned intid)
{
	for (unsigned n = 0; n < FAKE_LRS; n++)
		if (fake_lrs[pcpu][n].state && fake_lrs[pcpu][n].intid == intid)
			return &fake_lrs[pcpu][n];
	return 0;
}

bool fake_guest_acks(unsigned pcpu, unsigned intid)
{
	struct fake_lr *lr = holding(pcpu, intid);
	if (!lr || lr->state != LR_STATE_PENDING)
		return false;
	lr->state = LR_STATE_ACTIVE;
	return true;
}

bool fake_guest_eois(unsigned pcpu, unsigned intid)
{
	struct fake_lr *lr = holding(pcpu, intid);
	if (!lr || !(lr->state & LR_STATE_ACTIVE))
		return false;
	lr->state &= ~LR_STATE_ACTIVE;          /* the hardware leaves the rest */
	if (lr->hw)
		fake_irq(pcpu, intid)->active = false;
	return true;
}

unsigned fake_lrs_holding(unsigned pcpu, unsigned intid)
{
	unsigned count = 0;
	for (unsigned n = 0; n < FAKE_LRS; n++)
		count += fake_lrs[pcpu][n].state && fake_lrs[pcpu][n].intid == intid;
	return count;
}

unsigned fake_lr_state(unsigned pcpu, unsigned intid)
{
	const struct fake_lr *lr = holding(pcpu, intid);
	return lr ? lr->state : 0;
}

unsigned fake_lr_priority(unsigned pcpu, unsigned intid)
{
	const struct fake_lr *lr = holding(pcpu, intid);
	return lr ? lr->priority : 0;
}

bool fake_maintenance(unsigned pcpu)
{
	unsigned valid = 0;
	bool eoi = false;
	for (unsigned n = 0; n < FAKE_LRS; n++) {
		const struct fake_lr *l = &fake_lrs[pcpu][n];
		valid += l->state != 0;
		eoi |= !l->state && l->eoi_irq && !l->hw;
	}
	return eoi || (fake_underflow_irq[pcpu] && valid <= 1);
}
