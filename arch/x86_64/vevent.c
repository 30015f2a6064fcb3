/*
 * What the vCPU's local APIC holds for it besides maskable interrupts,
 * made VMCB state around each VMRUN (AMD64 APM vol. 2, 15.20-15.21):
 *
 * - An INIT that arrived while it ran: the vCPU goes to wait-for-SIPI
 *   (powered off in the core; its next STARTUP starts it in real mode).
 * - NMIs: injected through EVENTINJ (type NMI, vector 2). The processor
 *   blocks further NMIs until the handler's IRET has completed; an
 *   injected NMI does not set that blocking in a guest, so it is kept
 *   here: blocked on injection, the IRET intercepted, then one single
 *   step (RFLAGS.TF, #DB intercepted) so that the IRET has finished
 *   before the next NMI goes in (QEMU has no NRIPS to say where it ends).
 * - CR8: with V_INTR_MASKING the guest's MOV to and from CR8 use the
 *   VMCB's V_TPR, which is its local APIC's TPR[7:4]: copied in before
 *   VMRUN, and back after the exit, so both always agree.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "svm.h"
#include "vevent.h"
#include "vlapic.h"
#include "x86.h"

#define RFLAGS_TF       (1ull << 8)
#define DR6_BS          (1ull << 14)    /* the #DB came from a single step */

void events_before_vmrun(struct svm_vcpu *s)
{
	struct vmcb *v = &s->vmcb;
	struct vlapic *l = vlapic_of(s->vc);

	if (vlapic_take_init(s->vc))
		core_vcpu_off();        /* wait-for-SIPI; STARTUP turns it on again */
	VMCB64(v, VMCB_VINTR) = (VMCB64(v, VMCB_VINTR) & ~V_TPR_MASK) | vlapic_cr8(s->vc);
	if (l->nmi_blocked || (VMCB64(v, VMCB_EVENTINJ) & EVENT_VALID) || !vlapic_take_nmi(s->vc))
		return;
	VMCB64(v, VMCB_EVENTINJ) = X86_NMI | EVENT_TYPE_NMI | EVENT_VALID;
	l->nmi_blocked = true;
	VMCB32(v, VMCB_INTERCEPT_MISC1) |= INTERCEPT_IRET;
}

void events_after_vmexit(struct svm_vcpu *s)
{
	vlapic_set_cr8(s->vc, (uint32_t)(VMCB64(&s->vmcb, VMCB_VINTR) & V_TPR_MASK));
}

/* The intercept comes before the IRET executes: step over it. */
void iret_exit(struct svm_vcpu *s)
{
	struct vlapic *l = vlapic_of(s->vc);

	core_guest_progress();
	VMCB32(&s->vmcb, VMCB_INTERCEPT_MISC1) &= ~INTERCEPT_IRET;
	VMCB32(&s->vmcb, VMCB_INTERCEPT_EXC) |= 1u << X86_DB;
	VMCB64(&s->vmcb, VMCB_RFLAGS) |= RFLAGS_TF;     /* the IRET loads the guest's own RFLAGS */
	l->iret_stepping = true;
}

/* A #DB: the step after the IRET (NMIs unblocked), or the guest's own
 * (reflected; the intercept is on only while stepping). */
void db_exit(struct svm_vcpu *s)
{
	struct vlapic *l = vlapic_of(s->vc);

	core_guest_progress();
	if (l->iret_stepping && (VMCB64(&s->vmcb, VMCB_DR6) & DR6_BS)) {
		l->iret_stepping = false;
		l->nmi_blocked = false;
		VMCB64(&s->vmcb, VMCB_DR6) &= ~DR6_BS;
		VMCB32(&s->vmcb, VMCB_INTERCEPT_EXC) &= ~(1u << X86_DB);
		return;
	}
	inject_exception(s, X86_DB, false, 0);
}
