/*
 * What the guests under guests/ do with synchronous exceptions besides
 * their interrupts: take one they provoked on purpose (an access the
 * hypervisor must refuse) and go on after it, or report anything else once
 * and stop.
 */
#ifndef GUEST_EXCEPTION_H
#define GUEST_EXCEPTION_H

#include <stdbool.h>

/*
 * An exception a guest expects from its next instruction: armed just before
 * it; the handler records the syndrome and resumes after the (4-byte)
 * instruction. One per arming: a second exception is an unexpected one.
 */
struct expected_fault {
	volatile bool armed;
	volatile bool taken;
	volatile unsigned long esr, elr, far;
};

static inline void expected_fault_arm(struct expected_fault *f)
{
	f->taken = false;
	f->armed = true;
	__asm__ volatile("" ::: "memory");
}

/* After the instruction: was the exception taken? Disarms in any case. */
static inline bool expected_fault_disarm(struct expected_fault *f)
{
	__asm__ volatile("" ::: "memory");
	f->armed = false;
	return f->taken;
}

/* For exception_handle: true if this was f's exception (now recorded and
 * stepped over), false if f is not armed or it is not a synchronous one. */
bool expected_fault_take(struct expected_fault *f, unsigned long vector, unsigned long esr,
			 unsigned long elr, unsigned long far);

/*
 * Anything else is a bug (the guest's or the hypervisor's): the first vCPU
 * here prints "<who>unexpected exception: vector 0x<offset> esr ... elr ...
 * far ..." (without the console lock: it may hold it) and powers the
 * machine off; every vCPU then stops for good. Only the first reports, as
 * powering off may trap too (a broken PSCI conduit does).
 */
void __attribute__((noreturn)) exception_fatal(const char *who, unsigned long vector, unsigned long esr,
			       unsigned long elr, unsigned long far);

#endif
