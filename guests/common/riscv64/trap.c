/* Expected and unexpected traps (trap.h). */
#include "trap.h"

#include <stdatomic.h>

#include "cpu.h"
#include "sbi.h"
#include "uart.h"

bool expected_fault_take(struct expected_fault *f, struct trap_frame *frame)
{
	if ((frame->scause & CAUSE_INTERRUPT) || !f->armed)
		return false;
	f->armed = false;
	f->scause = frame->scause;
	f->sepc = frame->sepc;
	f->stval = frame->stval;
	f->taken = true;
	/* Step over it: a 16-bit instruction has its low bits other than 11. */
	uint16_t low = *(volatile uint16_t *)frame->sepc;
	frame->sepc += (low & 3) == 3 ? 4 : 2;
	return true;
}

void __attribute__((noreturn)) trap_fatal(const char *who, const struct trap_frame *f)
{
	static atomic_uint reported;

	if (!atomic_exchange_explicit(&reported, 1, memory_order_relaxed)) {
		uart_printf("%sunexpected trap: scause 0x%lx sepc 0x%lx stval 0x%lx\n", who,
			    (unsigned long)f->scause, (unsigned long)f->sepc, (unsigned long)f->stval);
		sbi_power_off(who);
	}
	cpu_halt();
}
