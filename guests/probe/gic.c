/*
 * GICv3 (Arm IHI 0069) for the probe's own use, after guests/ticker/gic.c.
 * MMIO goes through single LDR/STR instructions: a hypervisor emulating the
 * distributor and redistributors replays the access from the syndrome.
 */
#include "gic.h"
#include "probe.h"

#define GICD_CTLR		0x0000
#define GICD_CTLR_ENGRP1	(1u << 1)
#define GICD_CTLR_ARE		(1u << 4)
#define GICD_CTLR_RWP		(1u << 31)

#define GICR_TYPER		0x0008
#define GICR_TYPER_LAST		(1ull << 4)
#define GICR_WAKER		0x0014
#define GICR_WAKER_PSLEEP	(1u << 1)
#define GICR_WAKER_CASLEEP	(1u << 2)
#define GICR_IGROUPR0		(GICR_SGI + 0x0080)
#define GICR_ISENABLER0		(GICR_SGI + 0x0100)
#define GICR_ICENABLER0		(GICR_SGI + 0x0180)
#define GICR_IPRIORITYR		(GICR_SGI + 0x0400)

#define GIC_PRIO		0xa0
#define POLL_LIMIT		100000

#define ICC_PMR_EL1		S3_0_C4_C6_0
#define ICC_IAR1_EL1		S3_0_C12_C12_0
#define ICC_EOIR1_EL1		S3_0_C12_C12_1
#define ICC_BPR1_EL1		S3_0_C12_C12_3
#define ICC_SRE_EL1		S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1		S3_0_C12_C12_7

static uint64_t gicd_base, gicr_base, gicr_end;

static inline uint32_t read32(uint64_t addr)
{
	uint32_t v;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint64_t read64(uint64_t addr)
{
	uint64_t v;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

void gic_set_bases(uint64_t gicd, uint64_t gicr, uint64_t gicr_size)
{
	gicd_base = gicd;
	gicr_base = gicr;
	gicr_end = gicr + gicr_size;
}

void gic_dist_enable(void)
{
	write32(gicd_base + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
	for (unsigned int n = 0; n < POLL_LIMIT && (read32(gicd_base + GICD_CTLR) & GICD_CTLR_RWP); n++)
		;
}

uint64_t gic_find_redist(uint64_t mpidr)
{
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));

	for (uint64_t rd = gicr_base; rd + GICR_FRAME <= gicr_end; rd += GICR_FRAME) {
		uint64_t typer = read64(rd + GICR_TYPER);
		if ((uint32_t)(typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return 0;
}

int gic_redist_enable(uint64_t rd, uint32_t mask)
{
	unsigned int n;

	write32(rd + GICR_WAKER, read32(rd + GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	for (n = 0; n < POLL_LIMIT && (read32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP); n++)
		;
	if (n == POLL_LIMIT)
		return -1;

	write32(rd + GICR_ICENABLER0, 0xffffffffu);
	write32(rd + GICR_IGROUPR0, 0xffffffffu);
	for (unsigned int i = 0; i < 32; i += 4)	/* four priorities per word */
		write32(rd + GICR_IPRIORITYR + i, GIC_PRIO * 0x01010101u);
	write32(rd + GICR_ISENABLER0, mask);
	return 0;
}

void gic_cpu_init(void)
{
	write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | 1);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

uint32_t gic_ack(void)
{
	uint32_t iar = (uint32_t)read_sysreg(ICC_IAR1_EL1);
	dsb();
	return iar;
}

void gic_eoi(uint32_t iar)
{
	write_sysreg(ICC_EOIR1_EL1, iar);
	isb();
}
