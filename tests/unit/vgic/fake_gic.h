/* The physical GIC on the host (fake_gic.c): list registers the vGIC
 * loads and the tests act on as the guest (acknowledge: pending -> active;
 * EOI: active ends, and with HW the physical interrupt's active state too),
 * and the physical state of the interrupts forwarded with the HW bit. */
#ifndef TESTS_UNIT_VGIC_FAKE_GIC_H
#define TESTS_UNIT_VGIC_FAKE_GIC_H

#include <stdbool.h>
#include "layout.h"

#define FAKE_LRS 4      /* as QEMU's GICv3 CPU interface */
#define FAKE_INTIDS (32 + TESSERA_VGIC_NR_SPIS)

/* Per pCPU: its list registers (state: LR_STATE_* bits, 0 = free), how
 * often each INTID was loaded, whether the last gich_enable asked for the
 * underflow interrupt. */
extern struct fake_lr { unsigned state, intid, priority; bool hw, group1, eoi_irq; }
	fake_lrs[TESSERA_NR_PCPUS][FAKE_LRS];
extern unsigned fake_loads[TESSERA_NR_PCPUS][FAKE_INTIDS];
extern bool fake_underflow_irq[TESSERA_NR_PCPUS];
extern unsigned fake_pcpu;              /* arch_pcpu_id() */
extern unsigned fake_kicks[TESSERA_NR_PCPUS];

/* The physical GIC: per INTID (PPIs per pCPU; SPIs under pCPU 0) its
 * input line, its latched pending state (GICD_ISPENDR), active state;
 * SPIs' enable and the pCPU they are routed to. */
struct fake_irq { bool line, latch, active, enabled; unsigned route; };
extern struct fake_irq fake_phys[TESSERA_NR_PCPUS][FAKE_INTIDS];
struct fake_irq *fake_irq(unsigned pcpu, unsigned intid);

/* The physical interrupt intid of pcpu is signalled (pending, not active,
 * enabled: PPIs always are) and the hypervisor takes it on that pCPU:
 * acknowledged (active) and handed to the vGIC. False if not signalled. */
bool fake_hw_taken(unsigned pcpu, unsigned intid);

/* The guest on pcpu acknowledges / EOIs intid; false if no register has it
 * in that state. */
bool fake_guest_acks(unsigned pcpu, unsigned intid);
bool fake_guest_eois(unsigned pcpu, unsigned intid);
unsigned fake_lrs_holding(unsigned pcpu, unsigned intid);
/* The CPU interface of pcpu asserts its maintenance interrupt: a list
 * register completed with EOI asked for, or the underflow one asked for
 * and at most one register valid. */
bool fake_maintenance(unsigned pcpu);
unsigned fake_lr_state(unsigned pcpu, unsigned intid);      /* 0: in none */
unsigned fake_lr_priority(unsigned pcpu, unsigned intid);   /* of the register holding it */

#endif
