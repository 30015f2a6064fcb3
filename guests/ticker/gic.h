/*
 * Just enough GICv3 for ticker to take one PPI: distributor and
 * redistributor by MMIO, the CPU interface by ICC_* system registers (under
 * a hypervisor these reach the virtual CPU interface).
 */
#ifndef TICKER_GIC_H
#define TICKER_GIC_H

#include <stdint.h>

#define INTID_SPURIOUS_FIRST	1020	/* 1020-1023: no interrupt */
#define INTID_VTIMER		27	/* PPI 11: EL1 virtual timer */

/* Where the device tree says the GIC is: distributor, redistributor region. */
void gic_set_bases(uint64_t gicd, uint64_t gicr, uint64_t gicr_size);

/* Enable the distributor (ARE | EnableGrp1). */
void gic_dist_enable(void);

/* The redistributor (RD_base) whose GICR_TYPER affinity is mpidr, or 0. */
uint64_t gic_find_redist(uint64_t mpidr);

/*
 * Wake redistributor rd, make its SGIs/PPIs Group 1 and enable only intid.
 * Returns 0, or -1 if it stays asleep.
 */
int gic_redist_enable_one(uint64_t rd, unsigned int intid);

/* CPU interface: system registers on, priority mask open, Group 1 on. */
void gic_cpu_init(void);

/* Acknowledge (ICC_IAR1_EL1) and end (ICC_EOIR1_EL1) an interrupt. */
uint32_t gic_ack(void);
void gic_eoi(uint32_t iar);

#endif
