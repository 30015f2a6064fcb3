/* The probe's reporting and its memory attacks, on both architectures (attack.h). */
#include <stdarg.h>

#include "attack.h"
#include "dt.h"
#include "probe.h"
#include "uart.h"

extern char _image_start[], _end[];	/* linker.ld */

uintptr_t dtb_addr;

bool in_own_ram(uint64_t a)
{
	return dt_mem_holding(a) != NULL;
}

static bool in_own_image(uint64_t a)
{
	return a >= (uintptr_t)_image_start && a < (uintptr_t)_end;
}

static unsigned n_attacks, n_breaches;
static char attack_name[128];

void attack(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(attack_name, sizeof(attack_name), fmt, ap);
	va_end(ap);
}

void outcome(const char *fmt, ...)
{
	char out[128];
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	n_attacks++;
	if (out[0] == 'B' && out[1] == 'R' && out[2] == 'E')	/* "BREACH ..." */
		n_breaches++;
	uart_printf("probe: %s: %s\n", attack_name, out);
}

void refused(enum res r, enum res expected, bool read, uint64_t v)
{
	if (r == expected)
		outcome("fault");
	else if (r == R_OK && read)
		outcome("BREACH read 0x%lx", (unsigned long)v);
	else if (r == R_OK)
		outcome("BREACH write accepted");
	else
		outcome("fault of another kind: " SYNDROME_NAME " 0x%lx", (unsigned long)last_syndrome());
}

void attack_summary(void)
{
	uart_printf("probe: %u attacks, %u breaches\n", n_attacks, n_breaches);
}

/*
 * Read, then write, 64 bits at a. Outside the probe's RAM both must fault.
 * Inside it (the hypervisor's host addresses are guest addresses of the
 * probe's RAM too) the access must reach the probe's own memory: what is
 * read there must be what the probe knows is there, and a write must read
 * back (then the old value is put back). The image is not written.
 */
void mem_attack(const char *what, uint64_t a)
{
	uint64_t v;
	enum res r;

	if (!in_own_ram(a)) {
		attack("read %s 0x%lx", what, (unsigned long)a);
		refused(try_read64(a, &v), R_ACCESS, true, v);
		attack("write %s 0x%lx", what, (unsigned long)a);
		r = try_write64(a, PATTERN);
		refused(r, R_ACCESS, false, 0);
		return;
	}

	attack("read %s 0x%lx", what, (unsigned long)a);
	r = try_read64(a, &v);
	if (r != R_OK)
		outcome("fault in own RAM: " SYNDROME_NAME " 0x%lx", (unsigned long)last_syndrome());
	else if (a == dtb_addr)
		OUTCOME_IF((uint32_t)v == FDT_MAGIC_LE, "own-ram (the probe's device tree)",
			   "BREACH not the probe's device tree: 0x%lx", (unsigned long)v);
	else if (in_own_image(a))
		outcome("own-ram (the probe's image)");
	else
		outcome("own-ram");

	attack("write %s 0x%lx", what, (unsigned long)a);
	if (in_own_image(a)) {
		outcome("own-ram (the probe's image, not written)");
		return;
	}
	uint64_t back = 0;
	r = try_write64(a, PATTERN);
	if (r == R_OK)
		r = try_read64(a, &back);
	try_write64(a, v);
	if (r != R_OK)
		outcome("fault in own RAM: " SYNDROME_NAME " 0x%lx", (unsigned long)last_syndrome());
	else if (back != PATTERN)
		outcome("own-ram, but read back 0x%lx", (unsigned long)back);
	else
		outcome("own-ram");
}

void straddle_attack(uint64_t end)
{
	uint64_t v;

	attack("read 8 bytes straddling the end of own RAM 0x%lx", (unsigned long)(end - 4));
	refused(try_read64(end - 4, &v), R_ACCESS, true, v);
}
