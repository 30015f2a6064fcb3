/*
 * Just enough GICv3 for the probe (after guests/ticker/gic.h): its own
 * distributor and redistributors by MMIO, the CPU interface by ICC_* system
 * registers (under a hypervisor these reach the virtual CPU interface).
 */
#ifndef PROBE_GIC_H
#define PROBE_GIC_H

#include <stdint.h>

#define INTID_SPURIOUS_FIRST	1020	/* 1020-1023: no interrupt */
#define GICR_FRAME		0x20000	/* one redistributor: RD_base + SGI_base */
#define GICR_SGI		0x10000	/* SGI_base within a frame */

/* Where the device tree says the GIC is: distributor, redistributor region. */
void gic_set_bases(uint64_t gicd, uint64_t gicr, uint64_t gicr_size);

/* Enable the distributor (ARE | EnableGrp1). */
void gic_dist_enable(void);

/* The redistributor (RD_base) whose GICR_TYPER affinity is mpidr, or 0. */
uint64_t gic_find_redist(uint64_t mpidr);

/*
 * Wake redistributor rd, make its SGIs/PPIs Group 1 and enable exactly the
 * INTIDs 0-31 set in mask. Returns 0, or -1 if it stays asleep.
 */
int gic_redist_enable(uint64_t rd, uint32_t mask);

/* CPU interface: system registers on, priority mask open, Group 1 on. */
void gic_cpu_init(void);

/* Acknowledge (ICC_IAR1_EL1) and end (ICC_EOIR1_EL1) an interrupt. */
uint32_t gic_ack(void);
void gic_eoi(uint32_t iar);

#endif
