/* The SBI call and power-off of the guests under guests/ (sbi.h). */
#include "sbi.h"

#include "cpu.h"
#include "uart.h"

/* "memory": the SBI implementation may read or write memory we hand it,
 * e.g. what a hart started with hart_start reads. */
struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
		       unsigned long a2, unsigned long a3)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a3 __asm__("a3") = a3;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){ (long)r_a0, (long)r_a1 };
}

struct sbiret sbi_hart_stop(void)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0);
}

void sbi_power_off(const char *who)
{
	csr_write(sie, 0);
	csr_clear(sstatus, SSTATUS_SIE);
	struct sbiret r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_SHUTDOWN, 0, 0, 0);
	uart_printf("%sSRST shutdown returned %ld\n", who, r.error);
	cpu_halt();
}
