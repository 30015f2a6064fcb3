/*
 * The shared physical console: the hypervisor's log lines and every
 * partition's virtual UART output. Lines never interleave mid-line: the log
 * formats a whole line before it takes the lock, and with several partitions
 * each partition's output is collected per line and printed with its name.
 */
#include <stdarg.h>
#include <tessera/arch.h>
#include <tessera/core.h>
#include "console.h"
#include "power.h"

static spinlock_t console_lock;
static int open_line = -1;      /* partition whose unfinished line was printed last */

/* Whatever is printed next starts on a line of its own. */
static void end_open_line(void)
{
	if (open_line >= 0) {
		arch_console_putc('\r');
		arch_console_putc('\n');
		open_line = -1;
	}
}

static void put_raw(char c)
{
	if (c == '\n')
		arch_console_putc('\r');
	arch_console_putc(c);
}

/* --- a small printf: %s %c %d %u %x %p %%, with l/ll, '#', '0' and width --- */

struct out {
	char *buf;
	unsigned len, cap;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
}

static void emit_num(struct out *o, unsigned long long v, unsigned base, bool neg,
		     bool alt, char pad, unsigned width)
{
	char tmp[24];
	unsigned n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	unsigned len = n + (neg ? 1 : 0) + (alt ? 2 : 0);
	if (pad == ' ')
		for (; len < width; len++)
			emit(o, ' ');
	if (neg)
		emit(o, '-');
	if (alt) {
		emit(o, '0');
		emit(o, 'x');
	}
	for (; len < width; len++)
		emit(o, '0');
	while (n)
		emit(o, tmp[--n]);
}

// NOLINTNEXTLINE(readability-non-const-parameter): written through o.buf
unsigned format(char *buf, unsigned cap, const char *fmt, va_list ap)
{
	struct out o = { buf, 0, cap };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		bool alt = false;
		char pad = ' ';
		unsigned width = 0, longs = 0;
		for (fmt++; *fmt == '#' || *fmt == '0'; fmt++) {
			if (*fmt == '#')
				alt = true;
			else
				pad = '0';
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (unsigned)(*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			longs++;
		unsigned long long u;
		long long s;
		switch (*fmt) {
		case 'd':
			s = longs ? va_arg(ap, long long) : va_arg(ap, int);
			emit_num(&o, s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s,
				 10, s < 0, false, pad, width);
			break;
		case 'u':
		case 'x':
			u = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			emit_num(&o, u, *fmt == 'u' ? 10 : 16, false, alt && u, pad, width);
			break;
		case 'p':
			emit_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, true, pad, width);
			break;
		case 's':
			for (const char *str = va_arg(ap, const char *); *str; str++)
				emit(&o, *str);
			break;
		case 'c':
			emit(&o, (char)va_arg(ap, int));
			break;
		case '\0':
			fmt--;
			break;
		default:
			emit(&o, *fmt);
			break;
		}
	}
	o.buf[o.len] = '\0';
	return o.len;
}

void log_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	unsigned n = format(line, sizeof(line), fmt, ap);
	va_end(ap);
	arch_spin_lock(&console_lock);
	end_open_line();
	for (unsigned i = 0; i < n; i++)
		put_raw(line[i]);
	arch_spin_unlock(&console_lock);
}

_Noreturn void panic(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	run_failed("the hypervisor panicked");
	va_start(ap, fmt);
	format(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_printf("tessera: PANIC on pcpu %u: %s\n", arch_pcpu_id(), line);
	for (;;)
		arch_wait();
}

/* --- input: to the partition holding the focus --- */

static unsigned focus;                  /* partition receiving console input */
static bool escaped;                    /* CONSOLE_ESCAPE was the last byte */

static void set_focus(unsigned vm)
{
	focus = vm;
	log_printf("tessera: console input goes to vm %s\n", tessera_vms[vm].name);
}

/* One byte typed: false if the partition with the input focus has no room
 * for it now (its UART's receive FIFO is full). */
static bool console_input(char c)
{
	if (escaped) {
		escaped = false;
		if (c == 'n')
			// cppcheck-suppress moduloofone ; TESSERA_NR_VMS is generated: 1 only in some configs
			set_focus((focus + 1) % TESSERA_NR_VMS);
		else if (c >= '0' && c < (char)('0' + TESSERA_NR_VMS))
			set_focus((unsigned)(c - '0'));
		else if (c == CONSOLE_ESCAPE && !vuart_input(focus, c))
			escaped = true;         /* not taken: the pair comes again */
		return !escaped;
	}
	if (c == CONSOLE_ESCAPE) {
		escaped = true;
		return true;
	}
	return vuart_input(focus, c);
}

/*
 * The physical console is read only as far as the partition with the
 * focus takes what comes: a byte it has no room for waits here, with the
 * receive interrupt off (the rest waits in the UART, and QEMU's input
 * behind it), until the partition reads from its UART (console_room).
 */
static spinlock_t rx_lock;
static int held = -1;                   /* read, not taken yet */
static bool rx_off;                     /* the receive interrupt is off */

static void rx_drain(void)
{
	for (int c = held >= 0 ? held : arch_console_getc(); c >= 0; c = arch_console_getc()) {
		held = c;
		if (!console_input((char)c)) {
			if (!rx_off)
				arch_console_rx_irq(false);
			__atomic_store_n(&rx_off, true, __ATOMIC_RELEASE);
			return;
		}
		held = -1;
	}
	if (rx_off)
		arch_console_rx_irq(true);
	__atomic_store_n(&rx_off, false, __ATOMIC_RELEASE);
}

unsigned core_console_pcpu(void)
{
	return tessera_vcpus[0].pcpu;
}

void core_console_rx(void)
{
	arch_spin_lock(&rx_lock);
	rx_drain();
	arch_spin_unlock(&rx_lock);
}

void console_room(void)
{
	if (!__atomic_load_n(&rx_off, __ATOMIC_ACQUIRE))
		return;
	arch_spin_lock(&rx_lock);
	if (rx_off)
		rx_drain();
	arch_spin_unlock(&rx_lock);
}

/* --- guest output --- */

#if defined(CONFIG_VUART)
/*
 * Guest output is collected per partition and printed a line at a time, so
 * that neither another partition nor the hypervisor's log splits a line.
 * A line without its end yet (a shell prompt) is printed when the guest
 * shows it has finished writing (console_guest_flush); if anything else is
 * printed before the line ends, that output starts on a line of its own.
 */
static struct {
	char buf[CONFIG_CONSOLE_LINE_MAX];
	unsigned len;
} lines[TESSERA_NR_VMS];

static void print_line(unsigned vm, bool end)
{
#if defined(CONFIG_CONSOLE_PREFIX)
	const bool prefix = TESSERA_NR_VMS > 1;
#else
	const bool prefix = false;
#endif
	if (open_line != (int)vm) {
		end_open_line();
		if (prefix) {
			put_raw('[');
			for (const char *s = tessera_vms[vm].name; *s; s++)
				put_raw(*s);
			put_raw(']');
			put_raw(' ');
		}
	}
	for (unsigned i = 0; i < lines[vm].len; i++)
		arch_console_putc(lines[vm].buf[i]);
	lines[vm].len = 0;
	if (end)
		put_raw('\n');
	open_line = end ? -1 : (int)vm;
}

/* What of a guest's output reaches the shared console: printable ASCII and
 * tab. Control bytes (backspace, carriage return, escape sequences, other
 * line breaks) and non-ASCII bytes (UTF-8's NEL and other C1 controls) could
 * move the cursor or start a line that looks like another partition's or
 * the hypervisor's: they are shown as '.'. */
static char shown(char c)
{
	unsigned char u = (unsigned char)c;
	if ((u >= 0x20 && u < 0x7f) || c == '\t')
		return c;
	return '.';     /* (not a conditional: its int result would narrow to a signed char on x86) */
}

void console_guest_putc(unsigned vm, char c)
{
	arch_spin_lock(&console_lock);
	if (c == '\n') {
		print_line(vm, true);
	} else if (c != '\r') {
		c = shown(c);
		lines[vm].buf[lines[vm].len++] = c;
		if (lines[vm].len == CONFIG_CONSOLE_LINE_MAX)
			print_line(vm, false);
	}
	arch_spin_unlock(&console_lock);
}

void console_guest_flush(unsigned vm)
{
	arch_spin_lock(&console_lock);
	if (lines[vm].len)
		print_line(vm, false);
	arch_spin_unlock(&console_lock);
}
#endif
