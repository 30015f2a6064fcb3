/*
 * The supervisor state a restarted partition must not inherit: with
 * fault=panic or warm-reset the ticker leaves sscratch set before SBI SRST
 * reboot, and checks it is clear when it starts again, as on a hart out of
 * reset (start.S writes sie and stvec itself, so they would prove nothing;
 * sscratch it never touches).
 */
#include <stdbool.h>

#include "cpu.h"
#include "reset_state.h"
#include "uart.h"

#define SCRATCH_DIRTY	0x5ca7c4ull

void reset_state_dirty(void)
{
	csr_write(sscratch, SCRATCH_DIRTY);
}

void reset_state_check(void)
{
	uint64_t scratch = csr_read(sscratch);

	if (scratch)
		uart_printf("ticker: error: sscratch 0x%lx at start, not as after reset\n",
			    (unsigned long)scratch);
	else
		uart_printf("ticker: sscratch as after reset\n");
}
