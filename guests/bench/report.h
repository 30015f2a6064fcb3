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
#include "workload.h"

/* Each port's way to end the run (its main.c, or x86_64's cpu.h). */
static void __attribute__((noreturn)) power_off(void);

/* A failed run: one "bench: FAIL" line, then off. */
static inline void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_line("bench: FAIL ", fmt, ap);
	va_end(ap);
	power_off();
}

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

/* The workload's figure (riscv64, x86_64; aarch64's may lack insns). */
static inline void report_workload(uint64_t ticks, uint64_t insns, uint32_t crc)
{
	console_lock();
	uart_printf("BENCH name=workload iters=1 ticks_total=%lu insns_total=%lu bytes=%lu passes=%u crc=0x%x\n",
		    (unsigned long)ticks, (unsigned long)insns, WL_BYTES, WL_PASSES, crc);
	console_unlock();
}

#endif
