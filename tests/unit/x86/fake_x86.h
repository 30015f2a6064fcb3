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

#endif
