/*
 * Console output of guests running several vCPUs: whole lines under one
 * lock, so that the vCPUs' lines do not interleave, and the report of an
 * unexpected exception.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>

/* Around several uart_printf calls that make up one line (or lines). */
void console_lock(void);
void console_unlock(void);

/* uart_printf under the lock. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line under the lock: prefix, then fmt formatted, then a newline. */
void say_line(const char *prefix, const char *fmt, va_list ap);

#endif
