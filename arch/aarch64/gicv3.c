/*
 * The physical GICv3. The hypervisor owns it: its own kick SGI, the
 * maintenance and virtual timer PPIs of each CPU, the console UART's SPI,
 * and the SPIs of passthrough devices, each routed to the pCPU of the vCPU
 * the guest targets. EOImode = 1: EOIR only drops the running priority, so
 * an interrupt forwarded to a guest stays active until the guest
 * deactivates it (list register HW bit).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "gic.h"
#include "sysreg.h"

#if defined(CONFIG_GIC_V3)

#define GICD_CTLR           0x0000
#define GICD_CTLR_ENGRP1    (1u << 1)
#define GICD_CTLR_ARE       (1u << 4)
#define GICD_CTLR_RWP       (1u << 31)
#define GICD_IGROUPR        0x0080
#define GICD_ISENABLER      0x0100
#define GICD_ICENABLER      0x0180
#define GICD_ISPENDR        0x0200
#define GICD_ICPENDR        0x0280
#define GICD_ISACTIVER      0x0300
#define GICD_ICACTIVER      0x0380
#define GICD_IPRIORITYR     0x0400
#define GICD_IROUTER        0x6000

#define GICR_FRAME          0x20000     /* RD_base + SGI_base per CPU */
#define GICR_TYPER          0x0008
#define GICR_TYPER_LAST     (1ull << 4)
#define GICR_WAKER          0x0014
#define GICR_WAKER_PSLEEP   (1u << 1)
#define GICR_WAKER_CASLEEP  (1u << 2)
#define GICR_SGI            0x10000
#define GICR_IGROUPR0       (GICR_SGI + 0x0080)
#define GICR_ISENABLER0     (GICR_SGI + 0x0100)
#define GICR_ICENABLER0     (GICR_SGI + 0x0180)
#define GICR_IPRIORITYR     (GICR_SGI + 0x0400)

#define ICC_SRE_SRE         (1u << 0)
#define ICC_SRE_ENABLE      (1u << 3)
#define ICC_CTLR_EOIMODE    (1u << 1)
#define PRIO_DEFAULT        0xa0

static uint64_t redistributor[TESSERA_NR_PCPUS];    /* RD_base of each pCPU */
static uint64_t sgi_target[TESSERA_NR_PCPUS];      /* its ICC_SGI1R_EL1 but for the INTID */

#define mmio32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define mmio64(addr) (*(volatile uint64_t *)(uintptr_t)(addr))
#define mmio8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

void gic_init_boot(void)
{
	uint64_t d = tessera_board.gicd_base;

	/* ICC_SGI1R_EL1: Aff3 [55:48], RS [47:44], Aff2 [39:32], Aff1 [23:16],
	 * TargetList [15:0] (one bit per Aff0 within RS*16); INTID [27:24]. */
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++) {
		uint64_t mpidr = tessera_pcpus[p].hw_id, aff0 = mpidr & 0xff;
		sgi_target[p] = ((mpidr >> 32) & 0xff) << 48 | (aff0 >> 4) << 44 |
				((mpidr >> 16) & 0xff) << 32 | ((mpidr >> 8) & 0xff) << 16 | 1ull << (aff0 & 0xf);
	}
	mmio32(d + GICD_CTLR) = GICD_CTLR_ARE;
	while (mmio32(d + GICD_CTLR) & GICD_CTLR_RWP)
		;
	mmio32(d + GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENGRP1;
	while (mmio32(d + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

static void spi_setup(unsigned intid)
{
	uint64_t d = tessera_board.gicd_base;
	mmio32(d + GICD_IGROUPR + (uint64_t)intid / 32 * 4) |= 1u << (intid % 32);
	mmio8(d + GICD_IPRIORITYR + intid) = PRIO_DEFAULT;
}

void gic_spi_route(unsigned intid, unsigned pcpu)
{
	uint64_t mpidr = tessera_pcpus[pcpu].hw_id;
	spi_setup(intid);
	/* GICD_IROUTER: Aff3 [39:32], Aff2..Aff0 [23:0], IRM = 0 */
	mmio64(tessera_board.gicd_base + GICD_IROUTER + 8 * (uint64_t)intid) = mpidr & 0xff00ffffffull;
}

void gic_spi_enable(unsigned intid, bool on)
{
	uint64_t reg = on ? GICD_ISENABLER : GICD_ICENABLER;
	mmio32(tessera_board.gicd_base + reg + (uint64_t)intid / 32 * 4) = 1u << (intid % 32);
}

/* The register holding intid's bit among the set/clear registers at
 * GICD offset reg (for a PPI: pCPU pcpu's redistributor, whose SGI frame
 * lays them out as GICD's first word). */
static volatile uint32_t *irq_reg(unsigned pcpu, unsigned intid, uint64_t reg)
{
	uint64_t base = intid < 32 ? redistributor[pcpu] + GICR_SGI : tessera_board.gicd_base;
	return (volatile uint32_t *)(uintptr_t)(base + reg + (uint64_t)intid / 32 * 4);
}

bool gic_irq_pending(unsigned pcpu, unsigned intid)
{
	return (*irq_reg(pcpu, intid, GICD_ISPENDR) >> (intid % 32)) & 1;
}

#if TESSERA_SCHEDULED
bool gic_irq_active(unsigned pcpu, unsigned intid)
{
	return (*irq_reg(pcpu, intid, GICD_ISACTIVER) >> (intid % 32)) & 1;
}
#endif

void gic_irq_set_pending(unsigned pcpu, unsigned intid, bool on)
{
	*irq_reg(pcpu, intid, on ? GICD_ISPENDR : GICD_ICPENDR) = 1u << (intid % 32);
}

void gic_irq_set_active(unsigned pcpu, unsigned intid, bool on)
{
	*irq_reg(pcpu, intid, on ? GICD_ISACTIVER : GICD_ICACTIVER) = 1u << (intid % 32);
}

void gic_enable_private(unsigned intid)
{
	uint64_t rd = redistributor[arch_pcpu_id()];
	mmio8(rd + GICR_IPRIORITYR + intid) = PRIO_DEFAULT;
	mmio32(rd + GICR_ISENABLER0) = 1u << intid;
}

void gic_deactivate(unsigned raw)
{
	write_sysreg(ICC_DIR_EL1, raw);
	isb();
}

/* The redistributor whose GICR_TYPER.Affinity_Value is this CPU's MPIDR. */
static uint64_t my_redistributor(void)
{
	uint64_t mpidr = read_sysreg(mpidr_el1);
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));
	uint64_t end = tessera_board.gicr_base + tessera_board.gicr_size;
	for (uint64_t rd = tessera_board.gicr_base; rd < end; rd += GICR_FRAME) {
		uint64_t typer = mmio64(rd + GICR_TYPER);
		if ((uint32_t)(typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	panic("no GIC redistributor for MPIDR %#lx", (unsigned long)mpidr);
}

void gic_init_cpu(void)
{
	uint64_t rd = my_redistributor();
	redistributor[arch_pcpu_id()] = rd;
	mmio32(rd + GICR_WAKER) &= ~GICR_WAKER_PSLEEP;
	while (mmio32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP)
		;
	mmio32(rd + GICR_ICENABLER0) = 0xffffffffu;
	mmio32(rd + GICR_IGROUPR0) = 0xffffffffu;       /* all Group 1 */
	mmio8(rd + GICR_IPRIORITYR + SGI_KICK) = 0x80;
	mmio8(rd + GICR_IPRIORITYR + INTID_MAINTENANCE) = PRIO_DEFAULT;
	for (uint32_t ppis = GUEST_PPIS; ppis; ppis &= ppis - 1)
		mmio8(rd + GICR_IPRIORITYR + (unsigned)__builtin_ctz(ppis)) = PRIO_DEFAULT;
	mmio32(rd + GICR_ISENABLER0) = 1u << SGI_KICK | 1u << INTID_MAINTENANCE | GUEST_PPIS;

	write_sysreg(ICC_SRE_EL2, ICC_SRE_SRE | ICC_SRE_ENABLE);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_CTLR_EL1, ICC_CTLR_EOIMODE);   /* EOIR drops priority, DIR deactivates */
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

void gic_send_sgi(unsigned pcpu, unsigned intid)
{
	write_sysreg(ICC_SGI1R_EL1, sgi_target[pcpu] | (uint64_t)(intid & 0xf) << 24);
	isb();
}

unsigned gic_ack(void)
{
	return (unsigned)(read_sysreg(ICC_IAR1_EL1) & 0xffffff);
}

void gic_eoi(unsigned raw)
{
	write_sysreg(ICC_EOIR1_EL1, raw);
	isb();
}

/* --- the virtual CPU interface: ICH_*_EL2 --- */

/* ICH_HCR_EL2 */
#define ICH_HCR_EN      (1ull << 0)
#define ICH_HCR_UIE     (1ull << 1)

/* ICH_LR<n>_EL2 by number (ich_lr.S). */
uint64_t ich_lr_read(unsigned n);
void ich_lr_write(unsigned n, uint64_t v);

unsigned gich_nr_lrs(void)
{
	return (unsigned)(read_sysreg(ICH_VTR_EL2) & 0x1f) + 1;
}

unsigned gich_lr_state(unsigned n)
{
	return (unsigned)(ich_lr_read(n) >> ICH_LR_STATE_SHIFT) & 3;
}

/* ICH_ELRSR_EL2: an invalid register that asks for no EOI maintenance
 * interrupt (HW = 1 or EOI = 0). */
uint32_t gich_empty_lrs(void)
{
	return (uint32_t)read_sysreg(ICH_ELRSR_EL2);
}

void gich_lr_set_state(unsigned n, unsigned state)
{
	uint64_t lr = state ? ich_lr_read(n) & ~(3ull << ICH_LR_STATE_SHIFT) : 0;
	ich_lr_write(n, lr | (uint64_t)state << ICH_LR_STATE_SHIFT);
}

void gich_lr_load(unsigned n, uint64_t ich_lr)
{
	ich_lr_write(n, ich_lr);
}

void gich_lr_request_eoi_irq(unsigned n)
{
	uint64_t lr = ich_lr_read(n);
	if (!(lr & ICH_LR_HW) && (lr >> ICH_LR_STATE_SHIFT))
		ich_lr_write(n, lr | ICH_LR_EOI);
}

void gich_enable(bool underflow_irq)
{
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN | (underflow_irq ? ICH_HCR_UIE : 0));
	isb();
}

void gich_reset(void)
{
	for (unsigned n = 0; n < gich_nr_lrs() && n < 16; n++)
		ich_lr_write(n, 0);
	write_sysreg(ICH_AP0R0_EL2, 0);
	write_sysreg(ICH_AP1R0_EL2, 0);
	write_sysreg(ICH_VMCR_EL2, 0);
}

void gich_disable(void)
{
	write_sysreg(ICH_HCR_EL2, 0);
	isb();
}

#if TESSERA_SCHEDULED
void gich_save(struct gich_context *c)
{
	c->hcr = read_sysreg(ICH_HCR_EL2);
	gich_disable();
	for (unsigned n = 0; n < gich_nr_lrs() && n < 16; n++)
		c->lr[n] = ich_lr_read(n);
	c->vmcr = read_sysreg(ICH_VMCR_EL2);
	c->apr[0] = read_sysreg(ICH_AP0R0_EL2);
	c->apr[1] = read_sysreg(ICH_AP1R0_EL2);
	gich_reset();
}

void gich_restore(const struct gich_context *c)
{
	for (unsigned n = 0; n < gich_nr_lrs() && n < 16; n++)
		ich_lr_write(n, c->lr[n]);
	write_sysreg(ICH_VMCR_EL2, c->vmcr);
	write_sysreg(ICH_AP0R0_EL2, c->apr[0]);
	write_sysreg(ICH_AP1R0_EL2, c->apr[1]);
	write_sysreg(ICH_HCR_EL2, c->hcr);
	isb();
}
#endif

#endif /* CONFIG_GIC_V3 */
