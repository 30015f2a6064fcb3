/*
 * Just enough GICv3 for chan-demo: one SPI (the inbox doorbell) and one PPI
 * (the virtual timer, for a reply that never comes). Distributor and
 * redistributor by MMIO, the CPU interface by ICC_* system registers (under
 * a hypervisor these reach the virtual CPU interface).
 */
#ifndef CHAN_GIC_H
#define CHAN_GIC_H

#include <stdint.h>

#define INTID_SPURIOUS_FIRST	1020	/* 1020-1023: no interrupt */
#define INTID_VTIMER		27	/* PPI 11: EL1 virtual timer */
#define INTID_SPI_FIRST		32
#define INTID_SPI_LAST		1019

/* Where the device tree says the GIC is: distributor, redistributor region. */
void gic_set_bases(uint64_t gicd, uint64_t gicr, uint64_t gicr_size);

/* Enable the distributor (ARE | EnableGrp1). */
void gic_dist_enable(void);

/*
 * SPI intid: edge-triggered, Group 1, a priority, routed to the CPU whose
 * MPIDR affinity is mpidr, then enabled (GICD_ICFGR, IGROUPR, IPRIORITYR,
 * IROUTER, ISENABLER). Returns 0, or -1 if the distributor does not keep
 * it enabled (an INTID the GIC does not have for us).
 */
int gic_spi_enable_edge(unsigned int intid, uint64_t mpidr);

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
