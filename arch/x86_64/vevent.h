/* The vCPU's INIT, NMIs and CR8 around VMRUN (vevent.c). */
#ifndef ARCH_X86_64_VEVENT_H
#define ARCH_X86_64_VEVENT_H

#include "svm.h"

/* Before VMRUN: an INIT taken (does not return then), CR8 from the TPR,
 * a pending NMI injected unless NMIs are blocked or another event goes in. */
void events_before_vmrun(struct svm_vcpu *s);
/* After the #VMEXIT: the TPR from the guest's CR8. */
void events_after_vmexit(struct svm_vcpu *s);
/* The IRET and #DB intercepts that end NMI blocking. */
void iret_exit(struct svm_vcpu *s);
void db_exit(struct svm_vcpu *s);

#endif
