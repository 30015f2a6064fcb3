/* Reading the multiboot (v1) information block: flags, mem_upper, cmdline. */
#include "multiboot.h"
#include "uart.h"

#define MBI_FLAG_MEM		(1u << 0)
#define MBI_FLAG_CMDLINE	(1u << 2)

const char *mb_cmdline(uint32_t mbi)
{
	const volatile uint32_t *m = (const volatile uint32_t *)(uintptr_t)mbi;

	if (!mbi || !(m[0] & MBI_FLAG_CMDLINE))
		return "";
	return (const char *)(uintptr_t)m[4];
}

/* The text after "key=" at the start of a word, or 0. */
static const char *value_of(uint32_t mbi, const char *key)
{
	for (const char *p = mb_cmdline(mbi); *p; p++) {
		if (p != mb_cmdline(mbi) && p[-1] != ' ')
			continue;
		unsigned i = 0;
		while (key[i] && p[i] == key[i])
			i++;
		if (!key[i] && p[i] == '=')
			return p + i + 1;
	}
	return 0;
}

unsigned long mb_arg(uint32_t mbi, const char *key, unsigned long dflt)
{
	const char *p = value_of(mbi, key);
	unsigned long v = 0, base = 10;

	if (!p)
		return dflt;
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			return v;
		v = v * base + d;
	}
}

void mb_str(uint32_t mbi, const char *key, char *buf, unsigned size, const char *dflt)
{
	const char *p = value_of(mbi, key);
	unsigned i = 0;

	if (!p)
		p = dflt;
	while (p[i] && p[i] != ' ' && i + 1 < size) {
		buf[i] = p[i];
		i++;
	}
	buf[i] = '\0';
}

uint64_t mb_ram_end(uint32_t mbi)
{
	const volatile uint32_t *m = (const volatile uint32_t *)(uintptr_t)mbi;

	return mbi && (m[0] & MBI_FLAG_MEM) ? 0x100000ull + (uint64_t)m[2] * 1024 : 0;
}

void mb_console(uint32_t mbi)
{
	unsigned long port = mb_arg(mbi, "console", 0);

	if (port)
		uart_set_base(port);
}
