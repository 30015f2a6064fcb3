/*
 * The physical GIC as the rest of arch/aarch64 uses it: gicv3.c or gicv2.c
 * implements it, whichever the board has (CONFIG_GIC_V3 / CONFIG_GIC_V2).
 */
#ifndef ARCH_AARCH64_GIC_H
#define ARCH_AARCH64_GIC_H

#include <stdbool.h>
#include <stdint.h>
#include "layout.h"     /* generated: the board's PPIs */

#define SGI_KICK            0       /* the hypervisor's own SGI, never a guest's */
/* PPIs the board's device tree names (the generator's layout.h): */
#define INTID_HYPTIMER      TESSERA_INTID_HYPTIMER      /* EL2 physical timer (the run-time limit) */
#define INTID_MAINTENANCE   TESSERA_INTID_MAINTENANCE   /* list registers need attention */
#define INTID_VTIMER        TESSERA_INTID_VTIMER        /* EL1 virtual timer */
#define INTID_PTIMER        TESSERA_INTID_PTIMER        /* EL1 physical timer */
#define INTID_PMU           TESSERA_INTID_PMU           /* PMU overflow; 0: the board has none */
/* The PPIs of a pCPU that belong to its vCPU, forwarded with the HW bit:
 * the EL1 timers and the PMU's overflow interrupt (the vCPU owns both). */
#define GUEST_PPIS          (1u << INTID_VTIMER | 1u << INTID_PTIMER | \
			     (INTID_PMU ? 1u << INTID_PMU : 0u))
#define INTID_SPI_FIRST     32      /* below: SGIs and PPIs, a pCPU's own */
#define INTID_MASK          0x3ff   /* INTID bits of an acknowledge value */
#define INTID_SPURIOUS      1020    /* and above: nothing to acknowledge */

void gic_init_boot(void);
void gic_init_cpu(void);
void gic_send_sgi(unsigned pcpu, unsigned intid);
/* Acknowledge: the raw value, INTID in bits [9:0] (GICv2 SGIs also carry
 * their source); give the same value to gic_eoi and gic_deactivate. */
unsigned gic_ack(void);
void gic_eoi(unsigned raw);                     /* priority drop only (EOImode 1) */
void gic_deactivate(unsigned raw);
void gic_enable_private(unsigned intid);        /* an SGI/PPI of this pCPU */
void gic_spi_route(unsigned intid, unsigned pcpu);
void gic_spi_enable(unsigned intid, bool on);
/* State of an interrupt forwarded with the HW bit at the physical GIC: an
 * SPI, or a PPI of pCPU pcpu (GICv2: this pCPU only, its PPIs are banked).
 * A level-sensitive interrupt reads pending while its line is asserted,
 * whether or not it is active or enabled. */
bool gic_irq_pending(unsigned pcpu, unsigned intid);
void gic_irq_set_pending(unsigned pcpu, unsigned intid, bool on);
void gic_irq_set_active(unsigned pcpu, unsigned intid, bool on);

/* This pCPU's virtual CPU interface: list registers and control. A list
 * register's state is a set of LR_STATE_* bits; 0 (invalid): the guest is
 * done with it, or it is free. */
#define LR_STATE_PENDING    1u
#define LR_STATE_ACTIVE     2u
/* A list register to load, in ICH_LR<n>_EL2's layout whatever the GIC
 * (GICv2's gich_lr_load converts it to GICH_LR<n>'s), built inline where
 * the vGIC loads one. */
#define ICH_LR_STATE_SHIFT  62
#define ICH_LR_HW           (1ull << 61)        /* pINTID behind it: the guest's deactivation is its */
#define ICH_LR_GROUP1       (1ull << 60)        /* GICv3: Group 1 (IRQ), else Group 0 (FIQ) */
#define ICH_LR_PRIO_SHIFT   48
#define ICH_LR_EOI          (1ull << 41)        /* HW = 0: a maintenance interrupt on the guest's EOI */
#define ICH_LR_PINTID_SHIFT 32                  /* HW = 1 */
#define ICH_LR_SOURCE_SHIFT 32                  /* HW = 0: a GICv2 SGI's source CPU, 3 bits (0 on GICv3: RES0) */
static inline uint64_t ich_lr_value(unsigned intid, unsigned state, unsigned priority, bool hw, bool group1,
				    unsigned source, bool eoi_irq)
{
	uint64_t lr = (uint64_t)state << ICH_LR_STATE_SHIFT | (uint64_t)priority << ICH_LR_PRIO_SHIFT | intid;
	if (group1)
		lr |= ICH_LR_GROUP1;
	if (hw)
		lr |= ICH_LR_HW | (uint64_t)intid << ICH_LR_PINTID_SHIFT;
	else
		lr |= (uint64_t)source << ICH_LR_SOURCE_SHIFT | (eoi_irq ? ICH_LR_EOI : 0);
	return lr;
}
/* A vCPU's virtual CPU interface while another vCPU has its pCPU (time
 * partitioning): list registers, control, VMCR, active priorities.
 * gich_save leaves the interface reset and off. */
struct gich_context {
	uint64_t lr[16];
	uint64_t hcr, vmcr, apr[2];     /* GICv3: ICH_AP0R0, ICH_AP1R0; GICv2: GICH_APR */
};
void gich_save(struct gich_context *c);
void gich_restore(const struct gich_context *c);
bool gic_irq_active(unsigned pcpu, unsigned intid);    /* at the physical GIC, as gic_irq_pending */
unsigned gich_nr_lrs(void);
unsigned gich_lr_state(unsigned n);
uint32_t gich_empty_lrs(void);                 /* bit n: LR n holds nothing, needs no write to reuse */
void gich_lr_set_state(unsigned n, unsigned state);     /* keeps the rest; 0 frees it */
void gich_lr_load(unsigned n, uint64_t ich_lr);          /* an ich_lr_value */
void gich_lr_request_eoi_irq(unsigned n);       /* eoi_irq, for one already loaded */
void gich_enable(bool underflow_irq);           /* on; maintenance IRQ when LRs drain */
void gich_reset(void);                          /* all list registers, priorities, VMCR */
void gich_disable(void);

#endif
