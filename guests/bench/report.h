/*
 * How the bench guest prints a figure, on every architecture: "BENCH
 * name=<figure> key=value ..." lines for scripts/bench.py (see
 * docs/performance.md). Averages carry two decimals.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>

#include "console.h"
#include "uart.h"

/* total / n with two decimals (total may be negative). */
static inline void put_avg(int64_t total, uint64_t n)
{
	uint64_t a = total < 0 ? -(uint64_t)total : (uint64_t)total;
	uint64_t hundredths = (a * 100 + n / 2) / n;

	uart_printf("%s%lu.%lu%lu", total < 0 ? "-" : "", (unsigned long)(hundredths / 100),
		    (unsigned long)(hundredths / 10 % 10), (unsigned long)(hundredths % 10));
}

/* One figure measured with one clock of instructions (riscv64's instret,
 * x86_64's TSC): "BENCH name=N iters=I ticks=avg ticks_total=T insns=avg
 * insns_total=S". */
static inline void report_op(const char *name, uint64_t iters, int64_t ticks, int64_t insns)
{
	console_lock();
	uart_printf("BENCH name=%s iters=%lu ticks=", name, (unsigned long)iters);
	put_avg(ticks, iters);
	uart_printf(" ticks_total=%ld insns=", (long)ticks);
	put_avg(insns, iters);
	uart_printf(" insns_total=%ld\n", (long)insns);
	console_unlock();
}

#endif
