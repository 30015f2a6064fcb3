/*
 * The physical GICv2 with its virtualization extensions (Arm IHI 0048B):
 * distributor (GICD), CPU interface (GICC) and virtual interface control
 * (GICH), all memory-mapped. The hypervisor owns it as it owns a GICv3 (see
 * gicv3.c): its kick SGI, the timer and maintenance PPIs, the console and
 * passthrough SPIs; EOImode 1 so forwarded interrupts stay active until the
 * guest deactivates them through its list register.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "gic.h"
#include "sysreg.h"

#if defined(CONFIG_GIC_V2)

#define GICD_CTLR           0x000
#define GICD_ISENABLER      0x100
#define GICD_ICENABLER      0x180
#define GICD_ISPENDR        0x200
#define GICD_ICPENDR        0x280
#define GICD_ISACTIVER      0x300
#define GICD_ICACTIVER      0x380
#define GICD_IPRIORITYR     0x400
#define GICD_ITARGETSR      0x800
#define GICD_SGIR           0xf00

#define GICC_CTLR           0x000
#define GICC_PMR            0x004
#define GICC_BPR            0x008
#define GICC_IAR            0x00c
#define GICC_EOIR           0x010
#define GICC_DIR            0x1000
#define GICC_CTLR_ENABLE    (1u << 0)
#define GICC_CTLR_EOIMODE   (1u << 9)   /* EOImodeS: the only one without security extensions */

#define GICH_HCR            0x000
#define GICH_VTR            0x004
#define GICH_VMCR           0x008
#define GICH_ELRSR0         0x030
#define GICH_APR            0x0f0
#define GICH_LR             0x100
#define GICH_HCR_EN         (1u << 0)
#define GICH_HCR_UIE        (1u << 1)
/* GICH_LR<n> */
#define LR_STATE_SHIFT      28
#define LR_HW               (1u << 31)
#define LR_EOI              (1u << 19)  /* HW = 0: maintenance interrupt on EOI */
#define LR_PRIO_SHIFT       23          /* the top 5 bits of the priority */
#define LR_SOURCE_SHIFT     10          /* SGIs: CPUID; HW: physical INTID */

#define PRIO_DEFAULT        0xa0

#define mmio32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define mmio8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))
#define GICD(off) mmio32(tessera_board.gicd_base + (off))
#define GICC(off) mmio32(tessera_board.gicc_base + (off))
#define GICH(off) mmio32(tessera_board.gich_base + (off))

/* Each pCPU's CPU interface as a target mask, which only that CPU can read
 * (GICD_ITARGETSR0 is banked). The core lets no guest run before every
 * started CPU has read its own (src/main.c); 0, nobody, for CPUs not started. */
static uint8_t cpu_mask[TESSERA_NR_PCPUS];

static uint8_t mask_of(unsigned pcpu)
{
	return cpu_mask[pcpu];
}

void gic_init_boot(void)
{
	GICD(GICD_CTLR) = 1;
}

void gic_init_cpu(void)
{
	unsigned me = arch_pcpu_id();
	cpu_mask[me] = mmio8(tessera_board.gicd_base + GICD_ITARGETSR);
	GICD(GICD_ICENABLER) = 0xffffffffu;
	mmio8(tessera_board.gicd_base + GICD_IPRIORITYR + SGI_KICK) = 0x80;
	mmio8(tessera_board.gicd_base + GICD_IPRIORITYR + INTID_MAINTENANCE) = PRIO_DEFAULT;
	for (uint32_t ppis = GUEST_PPIS; ppis; ppis &= ppis - 1)
		mmio8(tessera_board.gicd_base + GICD_IPRIORITYR + (unsigned)__builtin_ctz(ppis)) = PRIO_DEFAULT;
	GICD(GICD_ISENABLER) = 1u << SGI_KICK | 1u << INTID_MAINTENANCE | GUEST_PPIS;
	GICC(GICC_PMR) = 0xff;
	GICC(GICC_BPR) = 0;
	GICC(GICC_CTLR) = GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE;
	GICH(GICH_HCR) = 0;
}

void gic_send_sgi(unsigned pcpu, unsigned intid)
{
	dsb(ish);
	GICD(GICD_SGIR) = (uint32_t)mask_of(pcpu) << 16 | (intid & 0xf);
}

unsigned gic_ack(void)
{
	return GICC(GICC_IAR) & 0x1fff;     /* INTID and, for SGIs, the source CPU */
}

void gic_eoi(unsigned raw)
{
	GICC(GICC_EOIR) = raw;
}

void gic_deactivate(unsigned raw)
{
	GICC(GICC_DIR) = raw;
}

/* SGIs and PPIs are banked: each CPU reaches its own only. */
bool gic_irq_pending(unsigned pcpu, unsigned intid)
{
	(void)pcpu;
	return (GICD(GICD_ISPENDR + intid / 32 * 4) >> (intid % 32)) & 1;
}

#if TESSERA_SCHEDULED
bool gic_irq_active(unsigned pcpu, unsigned intid)
{
	(void)pcpu;
	return (GICD(GICD_ISACTIVER + intid / 32 * 4) >> (intid % 32)) & 1;
}
#endif

void gic_irq_set_pending(unsigned pcpu, unsigned intid, bool on)
{
	(void)pcpu;
	GICD((on ? GICD_ISPENDR : GICD_ICPENDR) + intid / 32 * 4) = 1u << (intid % 32);
}

void gic_irq_set_active(unsigned pcpu, unsigned intid, bool on)
{
	(void)pcpu;
	GICD((on ? GICD_ISACTIVER : GICD_ICACTIVER) + intid / 32 * 4) = 1u << (intid % 32);
}

void gic_enable_private(unsigned intid)
{
	mmio8(tessera_board.gicd_base + GICD_IPRIORITYR + intid) = PRIO_DEFAULT;
	GICD(GICD_ISENABLER) = 1u << intid;     /* banked: this CPU's */
}

void gic_spi_route(unsigned intid, unsigned pcpu)
{
	mmio8(tessera_board.gicd_base + GICD_IPRIORITYR + intid) = PRIO_DEFAULT;
	mmio8(tessera_board.gicd_base + GICD_ITARGETSR + intid) = mask_of(pcpu);
}

void gic_spi_enable(unsigned intid, bool on)
{
	GICD((on ? GICD_ISENABLER : GICD_ICENABLER) + intid / 32 * 4) = 1u << (intid % 32);
}

/* --- the virtual CPU interface: GICH --- */

unsigned gich_nr_lrs(void)
{
	return (GICH(GICH_VTR) & 0x3f) + 1;
}

unsigned gich_lr_state(unsigned n)
{
	return (GICH(GICH_LR + 4 * n) >> LR_STATE_SHIFT) & 3;
}

/* GICH_ELRSR0: an invalid register that asks for no EOI maintenance
 * interrupt (HW = 1 or EOI = 0); at most 32 list registers, of which we
 * use 16. */
uint32_t gich_empty_lrs(void)
{
	return GICH(GICH_ELRSR0);
}

void gich_lr_set_state(unsigned n, unsigned state)
{
	uint32_t lr = state ? GICH(GICH_LR + 4 * n) & ~(3u << LR_STATE_SHIFT) : 0;
	GICH(GICH_LR + 4 * n) = lr | state << LR_STATE_SHIFT;
}

/* From ICH_LR<n>_EL2's layout. Without security extensions every
 * interrupt is Group 0: its group bit is unused. */
void gich_lr_load(unsigned n, uint64_t ich_lr)
{
	uint32_t intid = ich_lr & 0x3ff, other = (ich_lr >> ICH_LR_PINTID_SHIFT) & 0x3ff;
	uint32_t lr = (uint32_t)(ich_lr >> ICH_LR_STATE_SHIFT) << LR_STATE_SHIFT |
		      (uint32_t)((ich_lr >> ICH_LR_PRIO_SHIFT) & 0xf8) << (LR_PRIO_SHIFT - 3) | intid;
	if (ich_lr & ICH_LR_HW)
		lr |= LR_HW | other << LR_SOURCE_SHIFT;
	else
		lr |= (other & 7) << LR_SOURCE_SHIFT | ((ich_lr & ICH_LR_EOI) ? LR_EOI : 0);
	GICH(GICH_LR + 4 * n) = lr;
}

void gich_lr_request_eoi_irq(unsigned n)
{
	uint32_t lr = GICH(GICH_LR + 4 * n);
	if (!(lr & LR_HW) && ((lr >> LR_STATE_SHIFT) & 3))
		GICH(GICH_LR + 4 * n) = lr | LR_EOI;
}

void gich_enable(bool underflow_irq)
{
	GICH(GICH_HCR) = GICH_HCR_EN | (underflow_irq ? GICH_HCR_UIE : 0);
}

void gich_reset(void)
{
	for (unsigned n = 0; n < gich_nr_lrs(); n++)
		gich_lr_set_state(n, 0);
	GICH(GICH_APR) = 0;
	GICH(GICH_VMCR) = 0;
}

void gich_disable(void)
{
	GICH(GICH_HCR) = 0;
}

#if TESSERA_SCHEDULED
void gich_save(struct gich_context *c)
{
	c->hcr = GICH(GICH_HCR);
	gich_disable();
	for (unsigned n = 0; n < gich_nr_lrs() && n < 16; n++)
		c->lr[n] = GICH(GICH_LR + 4 * n);
	c->vmcr = GICH(GICH_VMCR);
	c->apr[0] = GICH(GICH_APR);
	gich_reset();
}

void gich_restore(const struct gich_context *c)
{
	for (unsigned n = 0; n < gich_nr_lrs() && n < 16; n++)
		GICH(GICH_LR + 4 * n) = (uint32_t)c->lr[n];
	GICH(GICH_VMCR) = (uint32_t)c->vmcr;
	GICH(GICH_APR) = (uint32_t)c->apr[0];
	GICH(GICH_HCR) = (uint32_t)c->hcr;
}
#endif

#endif /* CONFIG_GIC_V2 */
