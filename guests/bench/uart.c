/*
 * Polled PL011 output. No initialisation: whoever booted us (firmware, QEMU
 * or the hypervisor) owns the baud rate and line settings, and we only need
 * the transmitter, which is enabled out of reset.
 */
#include "uart.h"

#include <stdbool.h>

#define UARTDR		0x000	/* data register */
#define UARTFR		0x018	/* flag register */
#define UARTFR_TXFF	(1u << 5)	/* transmit FIFO full */

/* In .data, not .bss: usable before .bss is cleared and before the DTB is read. */
static volatile uint32_t *uart = (volatile uint32_t *)UART_DEFAULT_BASE;

void uart_set_base(uintptr_t base)
{
	uart = (volatile uint32_t *)base;
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');	/* serial terminals want CR LF */
	/* Waits on the device draining, not on another CPU, so no WFE here. */
	while (uart[UARTFR / 4] & UARTFR_TXFF)
		;
	uart[UARTDR / 4] = (uint32_t)(unsigned char)c;
}

static void put_str(const char *s)
{
	if (!s)
		s = "(null)";
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
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			uart_putc((char)va_arg(ap, int));
			break;
		case '%':
			uart_putc('%');
			break;
		case '\0':
			return;
		default:	/* unknown conversion: show it rather than guess */
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
