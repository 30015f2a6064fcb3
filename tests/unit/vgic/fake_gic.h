/* List registers on the host (fake_gic.c): the vGIC loads them, the tests
 * act as the guest (acknowledge: pending -> active; EOI: the register is
 * free again, as the hardware leaves it). */
#ifndef TESTS_UNIT_VGIC_FAKE_GIC_H
#define TESTS_UNIT_VGIC_FAKE_GIC_H

#include <stdbool.h>
#include "layout.h"

#define FAKE_LRS 4      /* as QEMU's GICv3 CPU interface */
#define FAKE_INTIDS (32 + TESSERA_VGIC_NR_SPIS)

/* Per pCPU: its list registers, how often each INTID was loaded, and
 * whether the last gich_enable asked for the underflow interrupt. */
extern struct fake_lr { bool valid, active, hw, eoi_irq; unsigned intid; }
	fake_lrs[TESSERA_NR_PCPUS][FAKE_LRS];
extern unsigned fake_loads[TESSERA_NR_PCPUS][FAKE_INTIDS];
extern bool fake_underflow_irq[TESSERA_NR_PCPUS];
extern unsigned fake_pcpu;              /* arch_pcpu_id() */
extern unsigned fake_kicks[TESSERA_NR_PCPUS];

/* The guest on pcpu acknowledges / EOIs intid; false if no register has it
 * in that state. */
bool fake_guest_acks(unsigned pcpu, unsigned intid);
bool fake_guest_eois(unsigned pcpu, unsigned intid);
unsigned fake_lrs_holding(unsigned pcpu, unsigned intid);

#endif
