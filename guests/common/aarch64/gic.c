/*
 * GICv3 (Arm IHI 0069) for the guests under guests/.
 *
 * MMIO goes through single LDR/STR instructions written in assembly: a
 * hypervisor emulating the distributor and redistributors replays the
 * access from the syndrome, which only describes plain loads and stores
 * (no pairs, no writeback) - the compiler is free to pick those for a
 * volatile pointer access.
 */
#include "gic.h"

#include "cpu.h"

/* Distributor */
#define GICD_CTLR		0x0000
#define GICD_CTLR_RWP		(1u << 31)
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ICPENDR		0x0280
#define GICD_IPRIORITYR		0x0400
#define GICD_ICFGR		0x0c00
#define GICD_IROUTER		0x6000
#define GICD_PIDR2		0xffe8

/* Redistributor: RD_base frame, then the SGI_base frame (GICR_FRAME, GICR_SGI in gic.h) */
#define GICR_TYPER		0x0008
#define GICR_TYPER_LAST		(1ull << 4)
#define GICR_WAKER		0x0014
#define GICR_WAKER_PSLEEP	(1u << 1)
#define GICR_WAKER_CASLEEP	(1u << 2)
#define GICR_IGROUPR0		(GICR_SGI + 0x0080)
#define GICR_ISENABLER0		(GICR_SGI + 0x0100)
#define GICR_ICENABLER0		(GICR_SGI + 0x0180)
#define GICR_ISPENDR0		(GICR_SGI + 0x0200)
#define GICR_IPRIORITYR		(GICR_SGI + 0x0400)

/* Bounded polls of a device register (not of another CPU: no WFE needed). */
#define POLL_LIMIT		100000

/* System registers by encoding: older assemblers lack the GICv3 names. */
#define ICC_PMR_EL1		S3_0_C4_C6_0
#define ICC_IAR1_EL1		S3_0_C12_C12_0
#define ICC_EOIR1_EL1		S3_0_C12_C12_1
#define ICC_BPR1_EL1		S3_0_C12_C12_3
#define ICC_SRE_EL1		S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1		S3_0_C12_C12_7
#define ICC_SGI1R_EL1		S3_0_C12_C11_5

#define ICC_SRE_SRE		(1u << 0)

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

static inline void write64(uint64_t addr, uint64_t v)
{
	__asm__ volatile("str %0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void write8(uint64_t addr, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

void gic_set_bases(uint64_t gicd, uint64_t gicr, uint64_t gicr_size)
{
	gicd_base = gicd;
	gicr_base = gicr;
	gicr_end = gicr + gicr_size;
}

uint32_t gic_dist_enable(void)
{
	write32(gicd_base + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
	for (unsigned int n = 0; n < POLL_LIMIT && (read32(gicd_base + GICD_CTLR) & GICD_CTLR_RWP); n++)
		;
	return read32(gicd_base + GICD_CTLR);
}

unsigned int gic_arch_rev(void)
{
	return (read32(gicd_base + GICD_PIDR2) >> 4) & 0xf;
}

uint64_t gic_find_redist(uint64_t mpidr, unsigned int *frames)
{
	/* GICR_TYPER.Affinity_Value [63:32] = Aff3.Aff2.Aff1.Aff0 */
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));

	unsigned int walked = 0;
	uint64_t found = 0;

	for (uint64_t rd = gicr_base; rd + GICR_FRAME <= gicr_end; rd += GICR_FRAME) {
		uint64_t typer = read64(rd + GICR_TYPER);
		walked++;
		if ((uint32_t)(typer >> 32) == aff) {
			found = rd;
			break;
		}
		if (typer & GICR_TYPER_LAST)
			break;
	}
	if (frames)
		*frames = walked;
	return found;
}

int gic_redist_init(uint64_t rd, uint32_t enable)
{
	unsigned int n;

	write32(rd + GICR_WAKER, read32(rd + GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	for (n = 0; n < POLL_LIMIT && (read32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP); n++)
		;
	if (n == POLL_LIMIT)
		return -1;

	write32(rd + GICR_ICENABLER0, 0xffffffffu);
	/* Group 1, the group ICC_IAR1_EL1 acknowledges. A virtual GIC may make
	 * them all Group 1 (RAO/WI); a GIC without security extensions resets
	 * them to Group 0, which would come as FIQs. */
	write32(rd + GICR_IGROUPR0, 0xffffffffu);
	for (unsigned int i = 0; i < INTID_NR_PRIVATE; i++)
		if (enable & (1u << i))
			write8(rd + GICR_IPRIORITYR + i, GIC_PRIO_DEFAULT);
	write32(rd + GICR_ISENABLER0, enable);
	return 0;
}

uint32_t gic_redist_enabled(uint64_t rd)
{
	return read32(rd + GICR_ISENABLER0);
}

void gic_redist_set_enabled(uint64_t rd, uint32_t mask, bool on)
{
	write32(rd + (on ? GICR_ISENABLER0 : GICR_ICENABLER0), mask);
}

uint32_t gic_redist_pending(uint64_t rd)
{
	return read32(rd + GICR_ISPENDR0);
}

void gic_cpu_init(void)
{
	write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | ICC_SRE_SRE);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);	/* every priority gets through */
	write_sysreg(ICC_BPR1_EL1, 0);		/* no preemption grouping */
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

uint64_t gic_read_sre(void)
{
	return read_sysreg(ICC_SRE_EL1);
}

uint64_t gic_sgi1r_value(unsigned int intid, uint64_t mpidr)
{
	uint64_t aff0 = mpidr & 0xff;
	/* ICC_SGI1R_EL1: Aff3 [55:48], RS [47:44], Aff2 [39:32], INTID [27:24],
	 * Aff1 [23:16], TargetList [15:0] (bit n = Aff0 RS * 16 + n). IRM = 0. */
	return ((mpidr >> 32) & 0xff) << 48 | (aff0 >> 4) << 44 |
	       ((mpidr >> 16) & 0xff) << 32 | (uint64_t)(intid & 0xf) << 24 |
	       ((mpidr >> 8) & 0xff) << 16 | 1ull << (aff0 & 0xf);
}

void gic_send_sgi(unsigned int intid, uint64_t mpidr)
{
	uint64_t v = gic_sgi1r_value(intid, mpidr);

	/* The SGI must not overtake our earlier stores (the flag it announces). */
	__asm__ volatile("dsb ish" ::: "memory");
	write_sysreg(ICC_SGI1R_EL1, v);
	isb();
}

int gic_spi_enable(unsigned int intid, uint64_t mpidr, bool edge)
{
	uint64_t bit = 1u << (intid % 32);
	uint64_t word = 4 * (intid / 32);		/* one bit per INTID */
	uint64_t cfg = gicd_base + GICD_ICFGR + 4 * (intid / 16);	/* two bits per INTID */
	unsigned int shift = 2 * (intid % 16) + 1;	/* the upper bit: 1 = edge */

	write32(cfg, (read32(cfg) & ~(1u << shift)) | (uint32_t)edge << shift);
	write32(gicd_base + GICD_IGROUPR + word, read32(gicd_base + GICD_IGROUPR + word) | (uint32_t)bit);
	write8(gicd_base + GICD_IPRIORITYR + intid, GIC_PRIO_DEFAULT);
	/* GICD_IROUTER<n>: Aff3 [39:32], Aff2..Aff0 [23:0], IRM (bit 31) clear. */
	write64(gicd_base + GICD_IROUTER + 8 * intid, mpidr & MPIDR_AFF_MASK);
	write32(gicd_base + GICD_ISENABLER + word, (uint32_t)bit);
	return (read32(gicd_base + GICD_ISENABLER + word) & bit) ? 0 : -1;
}

/* The bit of SPI intid in the distributor's set/clear registers at reg. */
static uint64_t spi_reg(uint64_t reg, unsigned int intid)
{
	return gicd_base + reg + 4 * (intid / 32);
}

void gic_spi_set_enabled(unsigned int intid, bool on)
{
	write32(spi_reg(on ? GICD_ISENABLER : GICD_ICENABLER, intid), 1u << (intid % 32));
}

void gic_spi_set_pending(unsigned int intid, bool on)
{
	write32(spi_reg(on ? GICD_ISPENDR : GICD_ICPENDR, intid), 1u << (intid % 32));
}

bool gic_spi_pending(unsigned int intid)
{
	return (read32(spi_reg(GICD_ISPENDR, intid)) >> (intid % 32)) & 1;
}

uint32_t gic_ack(void)
{
	uint32_t iar = (uint32_t)read_sysreg(ICC_IAR1_EL1);
	/* The read must complete before we act on the interrupt (IHI 0069 12.1.7). */
	dsb_sy();
	return iar;
}

void gic_eoi(uint32_t iar)
{
	write_sysreg(ICC_EOIR1_EL1, iar);
	isb();
}

void gic_handle_irqs(void (*handle)(uint32_t intid))
{
	for (;;) {
		uint32_t iar = gic_ack();
		uint32_t intid = iar & ICC_IAR_INTID;
		if (intid >= INTID_SPURIOUS_FIRST)
			return;
		handle(intid);
		gic_eoi(iar);
	}
}
