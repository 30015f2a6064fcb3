/* Whole lines from several vCPUs (console.h). */
#include "console.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "cpu.h"
#include "uart.h"

static atomic_uint print_lock;

/*
 * Waiters sleep in WFE until the holder's SEV. Under QEMU -icount vCPUs run
 * round-robin on one thread, so a plain spin would burn the holder's time
 * slice; WFE yields it.
 */
void console_lock(void)
{
	while (atomic_exchange_explicit(&print_lock, 1, memory_order_acquire))
		while (atomic_load_explicit(&print_lock, memory_order_relaxed))
			wfe();
}

void console_unlock(void)
{
	atomic_store_explicit(&print_lock, 0, memory_order_release);
	dsb_sev();
}

void say(const char *fmt, ...)
{
	va_list ap;

	console_lock();
	va_start(ap, fmt);
	uart_vprintf(fmt, ap);
	va_end(ap);
	console_unlock();
}

void say_line(const char *prefix, const char *fmt, va_list ap)
{
	console_lock();
	uart_printf("%s", prefix);
	uart_vprintf(fmt, ap);
	uart_putc('\n');
	console_unlock();
}
