/* The PSCI call and power-off of the guests under guests/ (psci.h). */
#include "psci.h"

#include "dt.h"
#include "timer.h"
#include "uart.h"

/*
 * SMCCC lets the callee clobber x4-x17 (all caller-saved in AAPCS64 anyway)
 * and preserves the rest; "memory": the firmware or hypervisor may read or
 * write memory we hand it, e.g. what a CPU started with CPU_ON reads.
 */
#define SMCCC_CALL(insn, x0, x1, x2, x3) \
	__asm__ volatile(insn : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : \
			 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", \
			 "x14", "x15", "x16", "x17", "memory")

long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long x0 __asm__("x0") = fn;
	register unsigned long x1 __asm__("x1") = a1;
	register unsigned long x2 __asm__("x2") = a2;
	register unsigned long x3 __asm__("x3") = a3;

	if (dt.psci_smc)
		SMCCC_CALL("smc #0", x0, x1, x2, x3);
	else
		SMCCC_CALL("hvc #0", x0, x1, x2, x3);
	return (long)x0;
}

void psci_power_off(const char *who)
{
	vtimer_stop();
	daif_mask_all();
	long ret = psci_system_off();
	uart_printf("%sSYSTEM_OFF returned %ld\n", who, ret);
	cpu_halt();
}
