/* The virtual local APIC (vlapic.c): registers by the SDM's names. */
#ifndef ARCH_X86_64_VLAPIC_H
#define ARCH_X86_64_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/core.h>
#include <tessera/tables.h>

#define APIC_ID                 0x020u
#define APIC_VERSION            0x030u
#define APIC_TPR                0x080u
#define APIC_PPR                0x0a0u
#define APIC_EOI                0x0b0u
#define APIC_LDR                0x0d0u
#define APIC_DFR                0x0e0u
#define APIC_SVR                0x0f0u
#define APIC_ISR                0x100u  /* 8 registers, 0x10 apart */
#define APIC_TMR                0x180u
#define APIC_IRR                0x200u
#define APIC_ESR                0x280u
#define APIC_ICR_LO             0x300u
#define APIC_ICR_HI             0x310u
#define APIC_LVT_TIMER          0x320u  /* then thermal, PMC, LINT0, LINT1, error */
#define APIC_LVT_ERROR          0x370u
#define APIC_TIMER_INIT         0x380u
#define APIC_TIMER_CUR          0x390u
#define APIC_TIMER_DIV          0x3e0u

#define VLAPIC_NR_LVT           6u
#define APIC_VERSION_VALUE      0x00050014u     /* version 0x14, 6 LVT entries */
#define APIC_LVT_MASKED         (1u << 16)
#define APIC_LVT_TIMER_MODE     (3u << 17)
#define APIC_LVT_PERIODIC       (1u << 17)      /* timer mode 01 */
#define APIC_LVT_TSC_DEADLINE   (2u << 17)      /* timer mode 10: IA32_TSC_DEADLINE */
#define APIC_SVR_ENABLE         (1u << 8)
#define APIC_DFR_FLAT           0xf0000000u     /* DFR model 1111b: flat; 0000b: cluster */

#define APIC_ICR_DELIVERY_MASK  (7u << 8)
#define APIC_DELIVERY_FIXED     (0u << 8)
#define APIC_DELIVERY_LOWEST    (1u << 8)       /* lowest priority: one of the destinations */
#define APIC_DELIVERY_NMI       (4u << 8)
#define APIC_DELIVERY_INIT      (5u << 8)
#define APIC_DELIVERY_STARTUP   (6u << 8)
#define APIC_ICR_LOGICAL        (1u << 11)
#define APIC_ICR_LEVEL_ASSERT   (1u << 14)
#define APIC_ICR_TRIGGER_LEVEL  (1u << 15)
#define APIC_ICR_SHORTHAND_SHIFT 18
#define APIC_SHORTHAND_SELF     1u
#define APIC_SHORTHAND_ALL      2u
#define APIC_SHORTHAND_ALL_BUT_SELF 3u

#define VLAPIC_NEVER            (~0ull)

/* x2APIC mode (Intel SDM vol. 3, 10.12): the registers as MSRs 0x800 +
 * offset / 16; IA32_APIC_BASE's EN and EXTD; the TSC-deadline MSR. */
#define MSR_IA32_APIC_BASE      0x01bu
#define MSR_IA32_TSC_DEADLINE   0x6e0u
#define MSR_X2APIC_FIRST        0x800u
#define MSR_X2APIC_LAST         0x8ffu
#define MSR_X2APIC_ICR          0x830u
#define MSR_X2APIC_SELF_IPI     0x83fu
#define APIC_BASE_ADDR          0xfee00000u
#define APIC_BASE_BSP           (1u << 8)
#define APIC_BASE_EXTD          (1u << 10)      /* x2APIC mode */
#define APIC_BASE_EN            (1u << 11)

struct vlapic {
	uint32_t id, tpr, ldr, dfr, svr, esr, icr_lo, icr_hi, timer_init, timer_div;
	uint32_t lvt[VLAPIC_NR_LVT];
	uint32_t irr[8];        /* set by any pCPU (atomic OR), taken by the owner */
	uint32_t irr_words;     /* bit w: irr[w] may be non-zero (set after it; cleared by the owner, who looks again) */
	uint32_t isr[8];        /* the owner's only */
	uint32_t isr_class;     /* the highest in-service vector's class (& 0xf0; 0: none), PPR's: kept by ack and EOI */
	uint32_t tmr[8];        /* level-triggered vectors: their EOI goes to the I/O APIC */
	uint64_t deadline;      /* the timer's next expiry (x86_now() time), or VLAPIC_NEVER */
	uint64_t period;        /* periodic mode: its length in the same time */
	bool wait_for_sipi;     /* an INIT arrived: the next STARTUP starts the vCPU */
	bool init_pending;      /* ... while it ran: its pCPU puts it in wait-for-SIPI */
	bool sipi_start;        /* it was (re)started by a STARTUP: in real mode, even vCPU 0 */
	bool nmi_pending;       /* an NMI IPI or I/O APIC NMI, not injected yet */
	/* The vCPU's NMI blocking (APM vol. 2, 15.21.4 and 8.4.1): set when
	 * an NMI is injected, until the handler's IRET has completed (its
	 * intercept, then one single step: vevent.c). Kept with the APIC
	 * state because it travels with the vCPU as that does. */
	bool nmi_blocked;
	bool iret_stepping;     /* IRET seen, its single step under way */
	uint16_t vm;            /* its partition (tessera_vms[]) */
	bool x2apic;            /* IA32_APIC_BASE.EXTD: x2APIC mode */
};

void vlapic_reset(struct vlapic *l, uint32_t apic_id);
/* A register access at off (4 bytes, 16-aligned); false if not one. */
bool vlapic_access(struct vlapic *l, uint64_t off, unsigned size, bool write, uint64_t *value);
/* An IPI (icr_lo) reaching target, the local APIC of vc. INIT, STARTUP;
 * FIXED and LOWEST set the vector in its IRR (and TMR if level) and kick
 * its pCPU; NMI marks an NMI pending. */
enum power_result vlapic_deliver(struct vlapic *target, const struct vcpu_config *vc, uint32_t icr_lo);
/* An interrupt message in partition vm (an IPI of sender `self`, or an I/O
 * APIC's with self NULL: no shorthand) to the destination `dest` (8 bits,
 * or 32 in x2APIC format): every vCPU of that partition it names gets it;
 * a lowest-priority one the named vCPU of lowest TPR only. */
void vlapic_message(unsigned vm, const struct vcpu_config *self, uint32_t icr_lo, uint32_t dest, bool x2apic);

/* The first vCPU of partition vm an I/O APIC message (8-bit destination,
 * its destination mode in icr_lo) names, or its vCPU 0 if none: where the
 * board's I/O APIC sends a passthrough device's interrupt (ioapic.c). */
const struct vcpu_config *vlapic_first_named(unsigned vm, uint32_t icr_lo, uint32_t dest);

/* The calling vCPU (self) reads or writes its local APIC's register at
 * off; an ICR write sends the IPI. False if off is no register. */
bool vlapic_mmio(const struct vcpu_config *self, uint64_t off, unsigned size, bool write, uint64_t *value);
/* RDMSR (write false) or WRMSR of the calling vCPU: IA32_APIC_BASE,
 * IA32_TSC_DEADLINE and, in x2APIC mode, the x2APIC registers. False: the
 * access gets #GP (an MSR of neither, or not in this mode, a reserved bit). */
bool vlapic_msr(const struct vcpu_config *self, uint32_t msr, bool write, uint64_t *value);
/* Is msr one vlapic_msr answers? */
bool vlapic_has_msr(uint32_t msr);
/* vc starts: its local APIC out of reset (svm.c); every vCPU of partition
 * vm's (it restarts). */
void vlapic_vcpu_start(const struct vcpu_config *vc);
void vlapic_vm_reset(unsigned vm);

/* The interrupt to give the calling vCPU now (the highest in its IRR above
 * its processor priority), or -1; vlapic_ack: it is being delivered. */
int vlapic_pending(const struct vcpu_config *self);
void vlapic_ack(const struct vcpu_config *self, unsigned vector);
/* What else its pCPU must act on (vevent.c), taken: an INIT that arrived
 * while it ran (&l->init_pending: the vCPU goes to wait-for-SIPI), an NMI
 * to inject (&l->nmi_pending). A plain load first: on almost every exit
 * there is nothing, and the locked exchange costs more than the look. */
static inline bool vlapic_take(bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) && __atomic_exchange_n(flag, false, __ATOMIC_ACQ_REL);
}
/* Anything that ends its HLT: an NMI or INIT always, an interrupt if
 * RFLAGS.IF (if_set) lets it in. */
bool vlapic_wakes(const struct vcpu_config *self, bool if_set);
/* Was vc started by a STARTUP IPI (then in real mode, even vCPU 0)? */
bool vlapic_sipi_started(const struct vcpu_config *vc);
/* The vCPU's NMI blocking state (vevent.c). */
struct vlapic *vlapic_of(const struct vcpu_config *vc);
/* TPR bits 7:4 as CR8 shows them, and a CR8 the guest wrote (TPR = CR8 << 4). */
uint32_t vlapic_cr8(const struct vcpu_config *self);
void vlapic_set_cr8(const struct vcpu_config *self, uint32_t cr8);
/* The calling vCPU's timer expired (the pCPU's timer interrupt). */
void vlapic_timer_expired(const struct vcpu_config *self);

/* What vlapic.c needs of the rest of the port (cpu.c; faked by the unit
 * tests): now, in the time guest_timer_set takes; the length of `ticks`
 * of the local APIC's bus clock in that time and back; the calling pCPU's
 * guest timer (VLAPIC_NEVER: none). */
uint64_t x86_now(void);
uint64_t x86_bus_ticks_to_time(uint64_t ticks);
uint64_t x86_time_to_bus_ticks(uint64_t time);
void guest_timer_set(uint64_t deadline);
/* An EOI of a level-triggered vector (its TMR bit set) of partition vm:
 * the I/O APIC's remote IRR of that vector (vioapic.c). */
void vioapic_eoi(unsigned vm, unsigned vector);

#endif
