/*
 * Polled console output (the architecture's UART: a PL011 on aarch64, a
 * 16550A on riscv64; <arch>/uart.c), and printf to it or into a buffer
 * (printf.c), shared by the guests under guests/.
 */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "start.h"	/* UART_DEFAULT_BASE: where QEMU virt has its UART */

void uart_set_base(uintptr_t base);
void uart_putc(char c);

/* Minimal printf: %c %s %d %u %x, with an optional 'l' on d/u/x. */
void uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void uart_vprintf(const char *fmt, va_list ap);
/* Into buf (always NUL-terminated, truncated to size - 1 characters). */
void buf_printf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void buf_vprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
