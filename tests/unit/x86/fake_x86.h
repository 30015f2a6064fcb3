/* The fakes of fake_x86.c: the clock and what the vLAPIC armed. */
#ifndef TESTS_UNIT_X86_FAKE_X86_H
#define TESTS_UNIT_X86_FAKE_X86_H

#include <stdint.h>

extern struct fake_x86 {
	uint64_t now;                   /* x86_now() */
	uint64_t timer;                 /* guest_timer_set() */
	unsigned timer_calls;
} fake_x86;

#endif
