/*
 * GICv3 driver for the guests under guests/: distributor and redistributor by MMIO, the CPU
 * interface by ICC_* system registers (under a hypervisor these reach the
 * virtual CPU interface, and ICC_SGI1R_EL1 writes trap).
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define ICC_IAR_INTID		0xffffff	/* ICC_IAR1_EL1: the INTID field */
#define INTID_SPURIOUS_FIRST	1020	/* 1020-1023: no interrupt */
#define INTID_NR_PRIVATE	32	/* SGIs 0-15, PPIs 16-31 */
#define INTID_SPI_FIRST		32
#define INTID_SPI_LAST		1019

#define GICR_FRAME		0x20000	/* one redistributor: RD_base + SGI_base */
#define GICR_SGI		0x10000	/* SGI_base within a frame */

#define GIC_PRIO_DEFAULT	0xa0

/* GICD_CTLR, as a guest without security extensions (or the Non-secure side) sees it */
#define GICD_CTLR_ENGRP1	(1u << 1)
#define GICD_CTLR_ARE		(1u << 4)

/* Where the device tree says the GIC is. */
void gic_set_bases(uint64_t gicd, uint64_t gicr, uint64_t gicr_size);

/* Enable the distributor (ARE | EnableGrp1). Returns GICD_CTLR as read back. */
uint32_t gic_dist_enable(void);

/* GICD_PIDR2.ArchRev: 3 for GICv3. */
unsigned int gic_arch_rev(void);

/*
 * The redistributor (RD_base) whose GICR_TYPER affinity is mpidr, found by
 * walking the frames from the region base up to the Last frame or the end
 * of the region; 0 if none. *frames (if not NULL) gets the number of
 * frames walked.
 */
uint64_t gic_find_redist(uint64_t mpidr, unsigned int *frames);

/*
 * Wake the redistributor rd, disable all its SGIs/PPIs and make them
 * Group 1, then give the INTIDs in 'enable' (bit n = INTID n) priority
 * GIC_PRIO_DEFAULT and enable them. Pending state is left alone. Returns 0, or -1 if ChildrenAsleep never cleared.
 */
int gic_redist_init(uint64_t rd, uint32_t enable);

/* GICR_ISENABLER0 of rd, as read back. */
uint32_t gic_redist_enabled(uint64_t rd);

/* Enable (GICR_ISENABLER0) or disable (GICR_ICENABLER0) the INTIDs in mask. */
void gic_redist_set_enabled(uint64_t rd, uint32_t mask, bool on);

/* GICR_ISPENDR0 of rd: its SGIs and PPIs that are pending. */
uint32_t gic_redist_pending(uint64_t rd);

/* CPU interface: system registers on, priority mask open, Group 1 on. */
void gic_cpu_init(void);

/* ICC_SRE_EL1 read back (bit 0: SRE). */
uint64_t gic_read_sre(void);

/* The ICC_SGI1R_EL1 value naming SGI intid for the one CPU with affinity mpidr. */
uint64_t gic_sgi1r_value(unsigned int intid, uint64_t mpidr);

/* Send SGI intid to the one CPU with affinity mpidr (ICC_SGI1R_EL1). */
void gic_send_sgi(unsigned int intid, uint64_t mpidr);

/* Make SPI intid edge-triggered (or level-sensitive), Group 1, routed to
 * mpidr and enabled in the distributor; 0, or -1 if the enable does not
 * read back. */
int gic_spi_enable(unsigned int intid, uint64_t mpidr, bool edge);

/* SPI intid: enable or disable it (GICD_ISENABLER / ICENABLER), set or
 * clear its pending state (GICD_ISPENDR / ICPENDR), read that state. */
void gic_spi_set_enabled(unsigned int intid, bool on);
void gic_spi_set_pending(unsigned int intid, bool on);
bool gic_spi_pending(unsigned int intid);

/* Acknowledge the highest priority pending Group 1 interrupt: ICC_IAR1_EL1. */
uint32_t gic_ack(void);

/* End it (priority drop and, with EOImode 0, deactivation): ICC_EOIR1_EL1. */
void gic_eoi(uint32_t iar);

/*
 * An IRQ exception: acknowledge every pending interrupt in turn and call
 * handle(intid) for it before ending it (so that e.g. a level-triggered
 * line the handler drops is not signalled again), until none is left.
 */
void gic_handle_irqs(void (*handle)(uint32_t intid));

#endif
