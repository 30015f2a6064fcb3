/* Expected and unexpected synchronous exceptions (exception.h). */
#include "exception.h"

#include <stdatomic.h>

#include "cpu.h"
#include "psci.h"
#include "start.h"
#include "timer.h"
#include "uart.h"

bool expected_fault_take(struct expected_fault *f, unsigned long vector, unsigned long esr,
			 unsigned long elr, unsigned long far)
{
	if (vector != VECTOR_SYNC_EL1_SPX || !f->armed)
		return false;
	f->armed = false;
	f->esr = esr;
	f->elr = elr;
	f->far = far;
	f->taken = true;
	write_sysreg(elr_el1, elr + 4);		/* step over it */
	return true;
}

void __attribute__((noreturn)) exception_fatal(const char *who, unsigned long vector, unsigned long esr,
			       unsigned long elr, unsigned long far)
{
	static atomic_uint reported;

	if (!atomic_exchange_explicit(&reported, 1, memory_order_relaxed)) {
		uart_printf("%sunexpected exception: vector 0x%lx esr 0x%lx elr 0x%lx far 0x%lx\n",
			    who, vector * 0x80, esr, elr, far);
		psci_power_off(who);
	}
	vtimer_stop();
	cpu_halt();
}
