/* The emulated PL011 (src/vuart_pl011.c) and per-partition console lines. */
#include <string.h>
#include <tessera/core.h>
#include "../../src/console.h"
#include "../../src/vuart_pl011.h"
#include "check.h"
#include "fake_arch.h"

static struct vuart_pl011 u;

static uint64_t rd(uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeef;
	CHECK(vuart_pl011_access(&u, 0, off, size, false, &v));
	return v;
}

static void wr(unsigned vm, uint64_t off, unsigned size, uint64_t v)
{
	CHECK(vuart_pl011_access(&u, vm, off, size, true, &v));
}

TEST(flag_register_lets_a_polling_driver_write)
{
	uint64_t fr = rd(0x18, 4);
	CHECK_EQ(fr & (1 << 5), 0);             /* TXFF clear: room to write */
	CHECK(fr & (1 << 7));                   /* TXFE */
	CHECK(fr & (1 << 4));                   /* RXFE: nothing to read */
	CHECK_EQ(fr & (1 << 3), 0);             /* not BUSY */
}

TEST(reset_values_and_identification)
{
	CHECK_EQ(rd(0x30, 4), 0x300);           /* UARTCR: TXE | RXE */
	CHECK_EQ(rd(0x34, 4), 0x12);            /* UARTIFLS */
	CHECK_EQ(rd(0xfe0, 4), 0x11);
	CHECK_EQ(rd(0xfe4, 4), 0x10);
	CHECK_EQ(rd(0xfe8, 4) & 0xf, 0x4);      /* designer 0x41, part 0x011 */
	CHECK_EQ(rd(0xff0, 4), 0x0d);
	CHECK_EQ(rd(0xffc, 4), 0xb1);
	CHECK_EQ(rd(0x800, 4), 0);              /* reserved reads as zero */
}

TEST(control_registers_hold_what_is_written)
{
	wr(0, 0x24, 4, 0x1234);                 /* UARTIBRD, 16 bits */
	CHECK_EQ(rd(0x24, 4), 0x1234);
	wr(0, 0x28, 4, 0xff);                   /* UARTFBRD, 6 bits */
	CHECK_EQ(rd(0x28, 4), 0x3f);
	wr(0, 0x2c, 4, 0x70);
	CHECK_EQ(rd(0x2c, 4), 0x70);
	wr(0, 0x38, 4, 0x10);                   /* UARTIMSC */
	CHECK_EQ(rd(0x40, 4), 0);               /* UARTMIS: TX masked... */
	wr(0, 0x38, 4, 0x20);
	CHECK_EQ(rd(0x40, 4), 0x20);            /* ...TXMIS when unmasked */
	wr(0, 0x18, 4, 0);                      /* FR is read-only */
	CHECK(rd(0x18, 4) & (1 << 7));
}

TEST(narrow_accesses_work_bad_ones_are_refused)
{
	uint64_t v = 0;
	CHECK_EQ(rd(0x18, 2), 0x90);                                /* 16-bit, as Linux does */
	CHECK_EQ(rd(0x18, 1), 0x90);
	CHECK_EQ(rd(0x31, 1), 0x03);                                /* upper byte of UARTCR */
	CHECK(!vuart_pl011_access(&u, 0, 0x1000, 4, false, &v));   /* outside */
	CHECK(!vuart_pl011_access(&u, 0, 0x1a, 4, false, &v));     /* unaligned */
	CHECK(!vuart_pl011_access(&u, 0, 0x19, 2, false, &v));     /* unaligned */
	CHECK(!vuart_pl011_access(&u, 0, 0x18, 8, false, &v));     /* 64-bit */
	CHECK(vuart_pl011_access(&u, 0, 0x0, 1, true, &v));        /* byte to DR */
}

TEST(received_bytes_are_read_in_order_and_raise_the_line)
{
	CHECK(!vuart_pl011_irq(&u));
	wr(0, 0x38, 4, 1 << 4 | 1 << 6);                           /* UARTIMSC: RXIM | RTIM */
	CHECK(!vuart_pl011_irq(&u));
	CHECK(vuart_pl011_input(&u, 'o'));
	CHECK(vuart_pl011_input(&u, 'k'));
	CHECK(vuart_pl011_irq(&u));
	CHECK_EQ(rd(0x18, 4) & (1 << 4), 0);                        /* RXFE clear */
	CHECK_EQ(rd(0x40, 4), 0x50);                                /* UARTMIS: RX | RT */
	CHECK_EQ(rd(0x0, 4), 'o');
	CHECK_EQ(rd(0x0, 4), 'k');
	CHECK(rd(0x18, 4) & (1 << 4));                              /* empty again */
	CHECK(!vuart_pl011_irq(&u));
	for (int i = 0; i < VUART_RX_FIFO; i++)
		CHECK(vuart_pl011_input(&u, (uint8_t)i));
	CHECK(!vuart_pl011_input(&u, 'x'));                         /* full: dropped */
	CHECK(rd(0x18, 4) & (1 << 6));                              /* RXFF */
}

TEST(transmit_interrupt_follows_its_mask)
{
	wr(0, 0x38, 4, 1 << 5);                                     /* TXIM */
	CHECK(vuart_pl011_irq(&u));                                 /* FIFO always empty */
	wr(0, 0x38, 4, 0);
	CHECK(!vuart_pl011_irq(&u));
}

static void say(unsigned vm, const char *s)
{
	for (; *s; s++)
		wr(vm, 0, 4, (unsigned char)*s);
}

TEST(lines_of_several_partitions_never_interleave)
{
	fake_reset();
	say(0, "hel");
	say(1, "other\r\n");
	say(0, "lo\n");
	CHECK(strcmp(fake_console, "[b] other\r\n[a] hello\r\n") == 0);
}

TEST(long_line_is_flushed_when_the_buffer_fills)
{
	fake_reset();
	say(1, "0123456789abcdefXY\n");             /* CONFIG_CONSOLE_LINE_MAX 16 */
	CHECK(strcmp(fake_console, "[b] 0123456789abcdefXY\r\n") == 0);
}

static void log_line(void) { log_printf("tessera: event\n"); }

TEST(hypervisor_log_never_splits_a_guest_line)
{
	fake_reset();
	say(0, "half");
	on_pcpu(0, log_line);
	say(0, " line\n");
	CHECK(strcmp(fake_console, "tessera: event\r\n[a] half line\r\n") == 0);
}

/* Partition b (pCPU 3) polls its console's UARTFR, as its guest would:
 * through the core (src/mmio.c), which counts the reads. */
static void poll_fr(void)
{
	uint64_t fr;
	CHECK(core_mmio(0x9000018, 4, false, &fr));
}

TEST(unfinished_line_shows_when_the_guest_waits)
{
	fake_reset();
	vuart_reset(1);                             /* no reads counted yet */
	say(1, "/ # ");
	CHECK(strcmp(fake_console, "") == 0);
	for (int i = 0; i < 15; i++)                /* polling for input */
		on_pcpu(3, poll_fr);
	CHECK(strcmp(fake_console, "") == 0);       /* not yet waiting */
	on_pcpu(3, poll_fr);
	CHECK(strcmp(fake_console, "[b] / # ") == 0);
	on_pcpu(0, log_line);                       /* starts on a line of its own */
	CHECK(strcmp(fake_console, "[b] / # \r\ntessera: event\r\n") == 0);
	say(1, "x");
	wr(1, 0x38, 4, 0);                          /* a control write: flushed too */
	CHECK(strcmp(fake_console, "[b] / # \r\ntessera: event\r\n[b] x") == 0);
}

TEST(guest_cannot_forge_lines_or_move_the_cursor)
{
	fake_reset();
	say(1, "a\x0b[a] forged\x1b[2K\xc2\x85tab\tok\n");
	CHECK(strcmp(fake_console, "[b] a.[a] forged.[2K..tab\tok\r\n") == 0);
}

const struct test vuart_tests[] = {
	{ "vuart: flag register lets a polling driver write", flag_register_lets_a_polling_driver_write },
	{ "vuart: reset values and identification registers", reset_values_and_identification },
	{ "vuart: control registers hold what is written", control_registers_hold_what_is_written },
	{ "vuart: 8/16-bit accesses work, bad ones are refused", narrow_accesses_work_bad_ones_are_refused },
	{ "vuart: received bytes read in order, raise the line", received_bytes_are_read_in_order_and_raise_the_line },
	{ "vuart: transmit interrupt follows its mask", transmit_interrupt_follows_its_mask },
	{ "console: lines of several partitions never interleave", lines_of_several_partitions_never_interleave },
	{ "console: a long line is flushed when the buffer fills", long_line_is_flushed_when_the_buffer_fills },
	{ "console: the hypervisor's log never splits a guest line", hypervisor_log_never_splits_a_guest_line },
	{ "console: an unfinished line shows when the guest waits", unfinished_line_shows_when_the_guest_waits },
	{ "console: a guest cannot forge lines or move the cursor", guest_cannot_forge_lines_or_move_the_cursor },
	{ 0, 0 },
};
