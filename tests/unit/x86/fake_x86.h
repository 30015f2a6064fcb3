/* The fakes of fake_x86.c: the clock and what the vLAPIC armed. */
#ifndef TESTS_UNIT_X86_FAKE_X86_H
#define TESTS_UNIT_X86_FAKE_X86_H

#include <stdbool.h>
#include <stdint.h>

extern struct fake_x86 {
	uint64_t now;                   /* x86_now() */
	uint64_t timer;                 /* guest_timer_set() */
	unsigned timer_calls;
	unsigned mirror_vm, mirror_pin, mirror_calls;   /* ioapic_mirror() */
	uint64_t mirror_entry;
	bool mirror_busy;
} fake_x86;

/* vCPU v's write of its local APIC's register off; an IPI of vCPU from
 * (ICR high, then low). */
void lapic_wr(unsigned v, unsigned off, uint32_t x);
void lapic_ipi(unsigned from, uint32_t dest, uint32_t icr_lo);

#endif
