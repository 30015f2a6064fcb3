/* The virtual GICv3 of each partition (arch/aarch64 internal). */
#ifndef ARCH_AARCH64_VGIC_H
#define ARCH_AARCH64_VGIC_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/core.h>
#include <tessera/tables.h>

#include "gic.h"

/* Why a vCPU's next return to its guest must flush, one byte per vCPU so
 * that every trap's test (vgic_flush) is a single load. List registers the
 * guest completes need no flush of their own: they are freed by the next
 * flush that has news to load, and an interrupt waiting behind one asks
 * for a maintenance interrupt (vgic_maintenance). */
#define FLUSH_NEWS      1u      /* some bit of its news may be set (any pCPU) */
#define FLUSH_LRS       2u      /* a hardware level interrupt waits in a list
				 * register (its pCPU): its line may have dropped */
extern uint8_t vgic_flush_due[TESSERA_NR_VCPUS];

void vgic_init(void);                           /* boot CPU, before any guest runs */
void vgic_regs_init(void);                      /* its register state part */
void vgic_vm_reset(unsigned vm);                /* a partition restarts */
void vgic_vcpu_reset(void);                     /* this pCPU's vCPU is about to start */
void vgic_flush_vcpu(unsigned vcpu);            /* vgic_flush's work, when due */
void vgic_maintenance(void);                    /* this pCPU's maintenance interrupt */
void vgic_inject_hw(unsigned intid);            /* a physical interrupt for this pCPU's vCPU */
void vgic_inject_spi(unsigned intid);           /* a device's, on a shared pCPU: for its owner */
void vgic_sgi(uint64_t icc_sgi1r);              /* the guest wrote ICC_SGI1R_EL1 */
bool vgic_dist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);
bool vgic_redist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);

/* Before returning to the guest: what became pending into list registers,
 * if one of the reasons why is due. Inline, since every trap asks and the
 * common one has nothing due. */
static inline void vgic_flush_if(uint8_t why)
{
	unsigned v = core_this_vcpu_index();
	if (__atomic_load_n(&vgic_flush_due[v], __ATOMIC_SEQ_CST) & why)
		vgic_flush_vcpu(v);
}

static inline void vgic_flush(void)
{
	vgic_flush_if(FLUSH_NEWS | FLUSH_LRS);
}

/* An interrupt trap's return: news only. The second look at a level
 * (FLUSH_LRS) is for the guest's own traps, which can ask about the state
 * it changed (its timer's registers, then GICR_ISPENDR0); an interrupt
 * trap is not its doing, and the one that has just loaded a level (its
 * acknowledgement was the look) would pay for a whole flush. */
static inline void vgic_flush_news(void)
{
	vgic_flush_if(FLUSH_NEWS);
}

#endif
