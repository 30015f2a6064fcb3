/* Virtual GICv3 state shared by the list-register side (vgic.c) and the
 * register emulation (vgic_regs.c). Internal to arch/aarch64. */
#ifndef ARCH_AARCH64_VGIC_STATE_H
#define ARCH_AARCH64_VGIC_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/arch.h>
#include <tessera/tables.h>

#include "gic.h"        /* the physical GIC, for SPIs backed by hardware */
#include "vgic.h"       /* vgic_flush_due */

#define NR_PRIVATE      32
#define NR_SPIS         TESSERA_VGIC_NR_SPIS
#define NR_INTIDS       (NR_PRIVATE + NR_SPIS)
#define NEWS_WORDS      ((NR_INTIDS + 63) / 64)
#define MAX_LRS         16

/* GICD_CTLR, single security state (DS = 1) */
#define CTLR_ENGRP0     (1u << 0)
#define CTLR_ENGRP1     (1u << 1)
#define CTLR_ARE        (1u << 4)
#define CTLR_DS         (1u << 6)
#define WAKER_PSLEEP    (1u << 1)
#define WAKER_CASLEEP   (1u << 2)

#define NO_TARGET       0xffff  /* an SPI routed to no vCPU of the partition */

/* One virtual interrupt. Its pending and active state lives in the list
 * register while it is in one (on its vCPU's pCPU, which alone can read
 * it); lr_state is that state as that pCPU last saw it, and lr_set /
 * lr_clear are changes the registers asked for and that pCPU makes at its
 * next flush. An interrupt with hw is a physical one forwarded with the
 * HW bit: its pending state is the physical GIC's (for a level line, the
 * line), "pending" here meaning acknowledged at the physical GIC and held
 * until a list register takes it. */
struct virq {
	uint8_t priority;
	uint8_t targets;        /* GICv2 ITARGETSR as written (CPU mask) */
	uint16_t target;        /* vCPU index in the partition it goes to, or NO_TARGET */
	bool enabled;
	bool group1;            /* GICv3 IGROUPR (GICv2: always, Group 0 is its only group) */
	bool pending;           /* pending, not in a list register */
	bool active;            /* active, not in a list register (GICD_ISACTIVER) */
	bool latched;           /* hw level: made pending by GICD_ISPENDR, not by its line */
	bool stale;             /* hw, pending: held since an earlier look, its line may be gone */
	bool in_lr;             /* in a list register of its vCPU's pCPU */
	uint8_t lr_state;       /* LR_STATE_* there, at that pCPU's last look */
	uint8_t lr_set, lr_clear;
	bool level;             /* emulated level-sensitive line asserted */
	bool edge;              /* GICD_ICFGR: edge-triggered */
	bool hw;                /* physical INTID of the same number behind it */
	bool owned;             /* SPIs: the partition's devices or channels raise it */
};

struct vgic_vm {
	spinlock_t lock;
	uint32_t ctlr;
	struct virq spi[NR_SPIS];
	uint64_t irouter[NR_SPIS];
};

struct vgic_vcpu {
	struct virq priv[NR_PRIVATE];
	uint32_t waker;
	/* List registers holding our INTIDs, as the last flush left them: one
	 * the guest has since completed stays counted until the next flush
	 * (news or a maintenance interrupt), which frees it before loading. */
	uint32_t lr_used;
	uint32_t lr_recheck;                    /* of those, hardware levels not yet taken */
	uint16_t lr_intid[MAX_LRS];
	uint8_t sgi_sources[16];                /* GICv2: pending SGIs by source vCPU */
	/* INTIDs that may have become deliverable (or pending again behind a
	 * list register) since its last flush, which looks at these only. */
	uint64_t news[NEWS_WORDS];
};

extern struct vgic_vm vgic_vms[TESSERA_NR_VMS];
extern struct vgic_vcpu vgic_vcpus[TESSERA_NR_VCPUS];

/* The interrupt intid as a vCPU (c) of a partition (g) sees it: every
 * INTID below NR_INTIDS (GICD_TYPER's range) exists, only the ones a
 * device or channel of the partition raises are connected. NULL above. */
static inline struct virq *virq_in(struct vgic_vm *g, struct vgic_vcpu *c, unsigned intid)
{
	if (intid < NR_PRIVATE)
		return &c->priv[intid];
	if (intid < NR_INTIDS)
		return &g->spi[intid - NR_PRIVATE];
	return 0;
}

/* The same by partition and vCPU (global index) number. */
static inline struct virq *virq_of(unsigned vm, unsigned vcpu, unsigned intid)
{
	return virq_in(&vgic_vms[vm], &vgic_vcpus[vcpu], intid);
}

static inline const struct vcpu_config *vcpu_of(unsigned vm, unsigned index)
{
	return &tessera_vcpus[tessera_vms[vm].first_vcpu + index];
}

static inline unsigned vcpu_index(const struct vcpu_config *v)
{
	return (unsigned)(v - tessera_vcpus);
}

/* Make the target's pCPU look at its news (unless that is us: the return
 * to the guest will). The news bits are set first, so a flush that clears
 * FLUSH_NEWS before taking them misses none. */
static inline void vgic_kick(const struct vcpu_config *target)
{
	__atomic_fetch_or(&vgic_flush_due[vcpu_index(target)], FLUSH_NEWS, __ATOMIC_SEQ_CST);
	if (target->pcpu != arch_pcpu_id())
		arch_kick(target->pcpu);
}

/* intid of target has news: its next flush looks at it. */
static inline void vgic_news(const struct vcpu_config *target, unsigned intid)
{
	__atomic_fetch_or(&vgic_vcpus[vcpu_index(target)].news[intid / 64], 1ull << (intid % 64),
			  __ATOMIC_SEQ_CST);
}

/* intid of target may have become deliverable. */
static inline void vgic_notify(const struct vcpu_config *target, unsigned intid)
{
	vgic_news(target, intid);
	vgic_kick(target);
}

/* Any interrupt of the vCPU may have become deliverable (an enable, a
 * routing change, GICD_CTLR): its next flush looks at them all. */
static inline void vgic_news_all(struct vgic_vcpu *c)
{
	for (unsigned w = 0; w < NEWS_WORDS; w++)
		__atomic_store_n(&c->news[w], ~0ull, __ATOMIC_SEQ_CST);
}

static inline void vgic_notify_all(const struct vcpu_config *target)
{
	vgic_news_all(&vgic_vcpus[vcpu_index(target)]);
	vgic_kick(target);
}

/* Every vCPU of partition vm looks at all its interrupts (GICD_CTLR, a
 * group change). */
static inline void vgic_notify_vm(unsigned vm)
{
	for (unsigned i = 0; i < tessera_vms[vm].nr_vcpus; i++)
		vgic_notify_all(vcpu_of(vm, i));
}

/* Switch the physical SPI behind v (intid of partition vm) on or off as
 * its guest enable and routing say; nothing for one without hw. */
void vgic_hw_spi_update(unsigned vm, unsigned intid, const struct virq *v);

/* Send SPI intid of partition vm to vCPU index target (or NO_TARGET); the
 * partition's lock is held. */
void vgic_route_spi(unsigned vm, unsigned intid, unsigned target);

/* An emulated register frame's access, under the partition's lock (the
 * frames' handlers, named *_locked, assume it is held). */
typedef bool vgic_frame_fn(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);
static inline bool vgic_locked_access(vgic_frame_fn *fn, unsigned vm, uint64_t off, unsigned size,
				      bool write, uint64_t *value)
{
	arch_spin_lock(&vgic_vms[vm].lock);
	bool ok = fn(vm, off, size, write, value);
	arch_spin_unlock(&vgic_vms[vm].lock);
	return ok;
}

/* Registers laid out alike in several frames: set/clear bits, priorities,
 * configuration. A GICv3 distributor holds SPIs only, its redistributors'
 * SGI frames the private INTIDs; a GICv2 distributor holds both, the
 * private ones banked per vCPU (vcpu: the accessing one). */
enum vgic_frame { FRAME_V3_DIST, FRAME_V3_SGI, FRAME_V2_DIST };
bool vgic_common_access(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write,
			uint64_t *value, enum vgic_frame frame);
/* Of those, a read of the enable registers, done without the lock; false
 * for any other access (vgic_regs.c). */
bool vgic_enable_read(unsigned vm, unsigned vcpu, uint64_t off, unsigned size, bool write, uint64_t *value,
		      enum vgic_frame frame);

/* The list-register state (LR_STATE_*) of v, INTID intid of global vCPU
 * vcpu, as its registers show it; the partition's lock is held. */
unsigned vgic_lr_view(unsigned vcpu, unsigned intid, const struct virq *v);
/* The vCPU (index in partition vm) whose list register holds SPI intid,
 * or else its target; the partition's lock is held. */
unsigned vgic_spi_holder(unsigned vm, unsigned intid, const struct virq *v);

/* Make SGI intid pending for target, from vCPU index source (GICv2 keeps
 * one per source); the partition's lock is held. */
void vgic_pend_sgi_locked(const struct vcpu_config *target, unsigned intid, unsigned source);

#endif
