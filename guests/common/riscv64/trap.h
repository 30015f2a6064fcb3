/*
 * What the riscv64 guests under guests/ do with traps: take one they
 * provoked on purpose (an access the hypervisor must refuse) and go on
 * after it, or report anything else once and stop.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdbool.h>

#include "start.h"

/*
 * A trap a guest expects from its next instruction: armed just before it;
 * the handler records the cause and resumes after the instruction (2 or 4
 * bytes, as its encoding says). One per arming.
 */
struct expected_fault {
	volatile bool armed;
	volatile bool taken;
	volatile unsigned long scause, sepc, stval;
};

static inline void expected_fault_arm(struct expected_fault *f)
{
	f->taken = false;
	f->armed = true;
	__asm__ volatile("" ::: "memory");
}

/* After the instruction: was the trap taken? Disarms in any case. */
static inline bool expected_fault_disarm(struct expected_fault *f)
{
	__asm__ volatile("" ::: "memory");
	f->armed = false;
	return f->taken;
}

/* For trap_handle: true if this was f's trap (now recorded and stepped
 * over), false if f is not armed or it is an interrupt. */
bool expected_fault_take(struct expected_fault *f, struct trap_frame *frame);

/*
 * Anything else is a bug: the first vCPU here prints "<who>unexpected trap:
 * scause ... sepc ... stval ..." and powers the machine off; every vCPU
 * then stops for good.
 */
void __attribute__((noreturn)) trap_fatal(const char *who, const struct trap_frame *f);

#endif
