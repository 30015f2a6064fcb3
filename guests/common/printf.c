/*
 * A printf-like formatter writing to the console UART or to a buffer,
 * shared by the guests under guests/ (uart.h). The UART itself is the
 * architecture's: uart_putc in <arch>/uart.c.
 */
#include "uart.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Where formatted characters go: the UART (buf NULL) or a buffer of size
 * bytes, len of them used. The formatter is inlined into each caller below
 * with its sink known, so the UART's copy tests nothing per character.
 */
struct sink {
	char *buf;
	size_t len, size;
};

#define INLINE static inline __attribute__((always_inline))

INLINE void put(struct sink *s, char c)
{
	if (!s->buf)
		uart_putc(c);
	else if (s->len + 1 < s->size)	/* room for the NUL */
		s->buf[s->len++] = c;
}

INLINE void put_str(struct sink *s, const char *str)
{
	while (*str)
		put(s, *str++);
}

INLINE void put_uint(struct sink *s, unsigned long v, unsigned int base)
{
	char digits[20];	/* 2^64 - 1 has 20 decimal digits */
	int i = 0;

	do {
		digits[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		put(s, digits[--i]);
}

INLINE void format(struct sink *s, const char *fmt, va_list ap)
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
			put_str(s, str ? str : "(null)");
			break;
		}
		case 'c':
			put(s, (char)va_arg(ap, int));
			break;
		case '\0':
			return;
		default:	/* '%%', or an unknown conversion shown as is */
			if (*fmt != '%')
				put(s, '%');
			put(s, *fmt);
			break;
		}
	}
}

void uart_vprintf(const char *fmt, va_list ap)
{
	struct sink s = { NULL, 0, 0 };

	format(&s, fmt, ap);
}

void uart_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	uart_vprintf(fmt, ap);
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
