/*
 * Polled PL011 output, shared by the guests under guests/. No initialisation: whoever booted us (QEMU or the
 * hypervisor) owns the line settings, and the transmitter is on out of reset.
 * Register accesses are single LDR/STR in assembly, which a hypervisor
 * emulating the device can replay from the syndrome.
 */
#include "uart.h"

#include <stdbool.h>

#define UARTDR		0x000	/* data register */
#define UARTFR		0x018	/* flag register */
#define UARTFR_TXFF	(1u << 5)	/* transmit FIFO full */

/* In .data, not .bss: usable before the DTB is read. */
static uintptr_t uart_base = UART_DEFAULT_BASE;

void uart_set_base(uintptr_t base)
{
	uart_base = base;
}

void uart_putc(char c)
{
	uint32_t fr;

	if (c == '\n')
		uart_putc('\r');	/* serial terminals want CR LF */
	/* Waits on the device draining (not on another CPU). */
	do
		__asm__ volatile("ldr %w0, [%1]" : "=r"(fr) : "r"(uart_base + UARTFR) : "memory");
	while (fr & UARTFR_TXFF);
	__asm__ volatile("str %w0, [%1]" : : "r"((uint32_t)(unsigned char)c),
			 "r"(uart_base + UARTDR) : "memory");
}

static void put_str(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

static void put_uint(unsigned long v, unsigned int base)
{
	char buf[20];	/* 2^64 - 1 has 20 decimal digits */
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		uart_putc(buf[--i]);
}

void uart_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			uart_putc(*fmt);
			continue;
		}
		bool is_long = false;
		if (*++fmt == 'l') {
			is_long = true;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
			if (v < 0) {
				uart_putc('-');
				put_uint(-(unsigned long)v, 10);
			} else {
				put_uint((unsigned long)v, 10);
			}
			break;
		}
		case 'u':
		case 'x':
			put_uint(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				 *fmt == 'u' ? 10 : 16);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			put_str(s ? s : "(null)");
			break;
		}
		case 'c':
			uart_putc((char)va_arg(ap, int));
			break;
		case '\0':
			return;
		default:	/* '%%', or an unknown conversion shown as is */
			if (*fmt != '%')
				uart_putc('%');
			uart_putc(*fmt);
			break;
		}
	}
}

void uart_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	uart_vprintf(fmt, ap);
	va_end(ap);
}
