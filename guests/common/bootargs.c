/* Splitting and parsing /chosen/bootargs (bootargs.h). */
#include "bootargs.h"

#include "uart.h"

void bootargs_for_each(const char *s, uint32_t len, void (*fn)(const char *w, size_t wlen))
{
	if (!s)
		return;

	const char *end = s + len;
	while (s < end && *s) {
		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		const char *w = s;
		while (s < end && *s && *s != ' ' && *s != '\t')
			s++;
		fn(w, (size_t)(s - w));
	}
}

const char *bootargs_value(const char *w, size_t wlen, const char *key, size_t *vlen)
{
	size_t k = 0;

	while (key[k] && k < wlen && w[k] == key[k])
		k++;
	if (key[k] || k == wlen || w[k] != '=')
		return NULL;
	*vlen = wlen - k - 1;
	return w + k + 1;
}

bool bootargs_is(const char *s, size_t len, const char *str)
{
	size_t i = 0;

	while (i < len && str[i] && s[i] == str[i])
		i++;
	return i == len && !str[i];
}

bool bootargs_dec(const char *v, size_t vlen, unsigned long *out)
{
	unsigned long n = 0;

	if (vlen == 0 || vlen > 9)	/* 9 digits cannot overflow */
		return false;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	*out = n;
	return true;
}

bool bootargs_hex(const char *v, size_t vlen, uint64_t *out)
{
	uint64_t n = 0;

	if (vlen < 3 || vlen > 18 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X'))
		return false;
	for (size_t i = 2; i < vlen; i++) {
		char c = v[i];
		unsigned int d;
		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		n = n << 4 | d;
	}
	*out = n;
	return true;
}

void bootargs_report(const char *what, const char *w, size_t wlen)
{
	uart_printf("%s\"", what);
	for (size_t i = 0; i < wlen; i++)
		uart_putc(w[i]);
	uart_printf("\"\n");
}
