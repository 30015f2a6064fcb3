/*
 * Polled PL011 output (no initialisation: the transmitter is on out of
 * reset) and a printf-like formatter writing either to the UART or to a
 * buffer. Register accesses are single LDR/STR, which a hypervisor emulating
 * the device can replay from the syndrome. Only vCPU 0 prints.
 */
#include "print.h"

#include <stdbool.h>

#define UARTDR		0x000
#define UARTFR		0x018
#define UARTFR_TXFF	(1u << 5)

static uintptr_t uart_base = UART_DEFAULT_BASE;	/* .data: usable before the DTB */

void uart_set_base(uintptr_t base)
{
	uart_base = base;
}

void uart_putc(char c)
{
	uint32_t fr;

	if (c == '\n')
		uart_putc('\r');
	do
		__asm__ volatile("ldr %w0, [%1]" : "=r"(fr) : "r"(uart_base + UARTFR) : "memory");
	while (fr & UARTFR_TXFF);
	__asm__ volatile("str %w0, [%1]" : : "r"((uint32_t)(unsigned char)c),
			 "r"(uart_base + UARTDR) : "memory");
}

/* Where formatted characters go: the UART (buf == NULL) or a buffer. */
struct sink {
	char *buf;
	size_t len, size;
};

static void put(struct sink *s, char c)
{
	if (!s->buf)
		uart_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len++] = c;
}

static void put_uint(struct sink *s, unsigned long v, unsigned int base)
{
	char tmp[20];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		put(s, tmp[--i]);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(s, *fmt);
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
				put(s, '-');
				put_uint(s, -(unsigned long)v, 10);
			} else {
				put_uint(s, (unsigned long)v, 10);
			}
			break;
		}
		case 'u':
		case 'x':
			put_uint(s, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				 *fmt == 'u' ? 10 : 16);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			for (str = str ? str : "(null)"; *str; str++)
				put(s, *str);
			break;
		}
		case 'c':
			put(s, (char)va_arg(ap, int));
			break;
		case '\0':
			return;
		default:
			if (*fmt != '%')
				put(s, '%');
			put(s, *fmt);
			break;
		}
	}
}

void uart_printf(const char *fmt, ...)
{
	struct sink s = { 0, 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
}

void buf_vprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, 0, size };

	if (!size)
		return;
	format(&s, fmt, ap);
	buf[s.len] = '\0';
}

void buf_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(buf, size, fmt, ap);
	va_end(ap);
}
