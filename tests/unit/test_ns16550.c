/* The emulated 16550A (src/vuart_ns16550.c): what polling and interrupt
 * driven drivers rely on, and the partition's console through it. */
#include <string.h>
#include <tessera/core.h>
#include "../../src/vuart_ns16550.h"
#include "check.h"
#include "fake_arch.h"

#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define LSR 5
#define SCR 7

static struct vuart_ns16550 u;

static uint64_t rd(uint64_t off)
{
	uint64_t v = 0xdeadbeef;
	CHECK(vuart_ns16550_access(&u, 0, off, 1, false, &v));
	return v;
}

static void wr(uint64_t off, uint64_t v)
{
	CHECK(vuart_ns16550_access(&u, 0, off, 1, true, &v));
}

TEST(a_polling_driver_writes_and_reads)
{
	CHECK_EQ(rd(LSR), 0x60);                /* THRE, TEMT; no data ready */
	wr(THR, 'h');
	wr(THR, 'i');
	wr(THR, '\n');
	CHECK(strstr(fake_console, "[a] hi\r\n"));
	CHECK(vuart_ns16550_input(&u, 'k'));
	CHECK_EQ(rd(LSR), 0x61);                /* data ready */
	CHECK_EQ(rd(THR), 'k');
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(rd(THR), 0);                   /* nothing more */
}

TEST(registers_hold_what_is_written_divisor_behind_dlab)
{
	wr(SCR, 0x5a);
	CHECK_EQ(rd(SCR), 0x5a);
	wr(LCR, 0x83);                          /* DLAB, 8 bits */
	wr(0, 0x01);                            /* DLL, not a byte sent */
	wr(1, 0x02);                            /* DLM, not IER */
	CHECK_EQ(rd(0), 0x01);
	CHECK_EQ(rd(1), 0x02);
	CHECK_EQ(fake_console_len, 0);
	wr(LCR, 0x03);
	CHECK_EQ(rd(IER), 0);
	wr(IER, 0xff);
	CHECK_EQ(rd(IER), 0x0f);
	CHECK_EQ(rd(0x40), 0);                  /* past the registers */
}

TEST(interrupts_received_data_and_transmitter_empty)
{
	CHECK(!vuart_ns16550_irq(&u));
	CHECK_EQ(rd(IIR), 0x01);                /* none pending */
	wr(FCR, 0x01);                          /* FIFOs on: IIR bits 7:6 */
	CHECK_EQ(rd(IIR), 0xc1);
	wr(IER, 0x02);                          /* ETBEI: the transmitter is empty */
	CHECK(vuart_ns16550_irq(&u));
	CHECK_EQ(rd(IIR), 0xc2);                /* reported, and so cleared */
	CHECK(!vuart_ns16550_irq(&u));
	wr(THR, 'x');                           /* sent at once: empty again */
	CHECK(vuart_ns16550_irq(&u));
	wr(IER, 0x01);                          /* received data only */
	CHECK(!vuart_ns16550_irq(&u));
	CHECK(vuart_ns16550_input(&u, 'a'));
	CHECK(vuart_ns16550_irq(&u));
	CHECK_EQ(rd(IIR), 0xc4);
	CHECK_EQ(rd(THR), 'a');
	CHECK(!vuart_ns16550_irq(&u));
}

TEST(fifo_of_16_and_its_clearing)
{
	for (int i = 0; i < 16; i++)
		CHECK(vuart_ns16550_input(&u, (uint8_t)('a' + i)));
	CHECK(!vuart_ns16550_input(&u, 'z'));   /* full: dropped */
	CHECK_EQ(rd(THR), 'a');
	CHECK_EQ(vuart_ns16550_getc(&u), 'b');
	wr(FCR, 0x03);                          /* clear the receive FIFO */
	CHECK_EQ(rd(LSR) & 1, 0);
	CHECK_EQ(vuart_ns16550_getc(&u), -1);
}

TEST(only_byte_accesses)
{
	uint64_t v = 0;
	CHECK(!vuart_ns16550_access(&u, 0, 0, 4, false, &v));
	CHECK(!vuart_ns16550_access(&u, 0, 4, 2, true, &v));
	CHECK(!vuart_ns16550_access(&u, 0, 0x1000, 1, false, &v));
}

const struct test ns16550_tests[] = {
	{ "ns16550: a polling driver writes and reads", a_polling_driver_writes_and_reads },
	{ "ns16550: registers, the divisor behind DLAB", registers_hold_what_is_written_divisor_behind_dlab },
	{ "ns16550: received-data and transmitter-empty interrupts, IIR",
	  interrupts_received_data_and_transmitter_empty },
	{ "ns16550: a 16-byte receive FIFO, cleared by FCR", fifo_of_16_and_its_clearing },
	{ "ns16550: byte accesses only", only_byte_accesses },
	{ 0, 0 },
};
