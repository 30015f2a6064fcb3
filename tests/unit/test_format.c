/* The hypervisor's printf (src/console.c). */
#include <stdarg.h>
#include <string.h>
#include "../../src/console.h"
#include "check.h"

static char out[64];

static const char *fmt_cap(unsigned cap, const char *f, ...)
{
	va_list ap;
	memset(out, 'z', sizeof(out));
	va_start(ap, f);
	format(out, cap, f, ap);
	va_end(ap);
	return out;
}

#define fmt(...) fmt_cap(sizeof(out), __VA_ARGS__)

TEST(conversions)
{
	CHECK(!strcmp(fmt("%d %d %u", -42, 0, 4000000000u), "-42 0 4000000000"));
	CHECK(!strcmp(fmt("%x %#x %#x", 0xbeefu, 0x10u, 0u), "beef 0x10 0"));
	CHECK(!strcmp(fmt("0x%llx %lld", 0xff00ffffffull, -5ll), "0xff00ffffff -5"));
	CHECK(!strcmp(fmt("%08x|%4u|%s|%c|%%", 0xabcu, 7u, "vm", 'x'), "00000abc|   7|vm|x|%"));
}

TEST(output_bounded_by_the_buffer)
{
	CHECK(!strcmp(fmt_cap(8, "%s", "0123456789"), "0123456"));
	CHECK_EQ(out[8], 'z');                  /* nothing written past cap */
}

const struct test format_tests[] = {
	{ "format: conversions, flags and widths", conversions },
	{ "format: output bounded by the buffer", output_bounded_by_the_buffer },
	{ 0, 0 },
};
