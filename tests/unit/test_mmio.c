/* Dispatch of unmapped guest accesses (src/mmio.c). */
#include <string.h>
#include <tessera/core.h>
#include "check.h"
#include "fake_arch.h"

static bool handled;
static uint64_t addr, value;
static void do_read(void) { handled = core_mmio(addr, 4, false, &value); }
static void do_fault(void) { handled = core_guest_fault("data abort", 0x48000000, 0x40080010); }

TEST(emulated_uart_is_found_by_guest_address)
{
	addr = 0x9000018;                       /* UARTFR */
	on_pcpu(3, do_read);
	CHECK(handled);
	CHECK_EQ(value, 0x90);
	addr = 0x9001000;                       /* just past the device */
	on_pcpu(3, do_read);
	CHECK(!handled);
	addr = 0x8ffffff;
	on_pcpu(0, do_read);
	CHECK(!handled);
}

TEST(faults_are_injected_and_reported_a_bounded_number_of_times)
{
	fake_reset();
	for (int i = 0; i < 10; i++) {
		on_pcpu(1, do_fault);
		CHECK(handled);
	}
	CHECK(strstr(fake_console, "tessera: vm a vcpu 1: data abort at 0x48000000 (pc 0x40080010), "
				   "injected into the guest"));
	unsigned lines = 0;
	for (const char *p = fake_console; (p = strchr(p, '\n')); p++)
		lines++;
	CHECK_EQ(lines, 4);
	CHECK(strstr(fake_console, "(further faults not reported)"));
}

static void do_write_imsc(void) { value = 1 << 4; handled = core_mmio(0x9000038, 4, true, &value); }

/* Keys typed on the physical console, taken by its receive interrupt. */
static void type(const char *keys)
{
	while (*keys)
		fake_rx.typed[fake_rx.len++] = *keys++;
	core_console_rx();
}

TEST(console_input_goes_to_the_focused_partition_and_raises_its_irq)
{
	fake_reset();
	on_pcpu(3, do_write_imsc);              /* vm b unmasks RX */
	CHECK(handled);
	type("a");                              /* focus starts at vm a */
	CHECK_EQ(fake_irq.vm, 0);
	CHECK(!fake_irq.level);                 /* vm a did not unmask RX */
	type("\x1dn");                          /* Ctrl-] n: next partition */
	CHECK(strstr(fake_console, "tessera: console input goes to vm b"));
	type("z");
	CHECK_EQ(fake_irq.vm, 1);
	CHECK_EQ(fake_irq.intid, 33);
	CHECK(fake_irq.level);
	addr = 0x9000000;                       /* vm b reads it */
	on_pcpu(3, do_read);
	CHECK_EQ(value, 'z');
	CHECK(!fake_irq.level);                 /* FIFO empty: line down */
	type("\x1d" "0");                       /* Ctrl-] 0: back to vm a */
	CHECK(strstr(fake_console, "tessera: console input goes to vm a"));
}

/* The escape key's other uses: Ctrl-] twice sends one Ctrl-], a partition
 * number the system does not have or any other key is dropped. */
TEST(console_escape_twice_sends_it_other_keys_are_dropped)
{
	fake_reset();
	type("\x1d\x1d\x1d" "7\x1dxq");          /* there are 2 partitions */
	CHECK(!strstr(fake_console, "console input goes to"));
	addr = 0x9000000;                       /* vm a's UARTDR */
	on_pcpu(0, do_read);
	CHECK_EQ(value, 0x1d);
	on_pcpu(0, do_read);
	CHECK_EQ(value, 'q');
	addr = 0x9000018;                       /* UARTFR: RXFE, nothing more */
	on_pcpu(0, do_read);
	CHECK(value & 0x10);
}

/* More typed than the focused partition's FIFO holds: the rest waits
 * (the receive interrupt off) and comes, in order, as the guest reads;
 * once nothing waits, the receive interrupt is on again. A Ctrl-] pair
 * that arrives while the FIFO is full is one Ctrl-], not lost. */
TEST(console_input_waits_for_room_with_the_receive_interrupt_off)
{
	fake_reset();
	for (unsigned i = 0; i < 40; i++)
		fake_rx.typed[fake_rx.len++] = (char)('a' + i % 26);
	type("\x1d\x1d");
	CHECK(!fake_rx.irq_on && fake_rx.switches == 1);
	CHECK(fake_rx.next < fake_rx.len);      /* not all read from the UART */
	addr = 0x9000000;                       /* vm a reads them all */
	for (unsigned i = 0; i < 40; i++) {
		on_pcpu(0, do_read);
		CHECK_EQ(value, 'a' + i % 26);
	}
	on_pcpu(0, do_read);
	CHECK_EQ(value, 0x1d);
	CHECK(fake_rx.irq_on && fake_rx.switches == 2);
	CHECK_EQ(fake_rx.next, fake_rx.len);
	addr = 0x9000018;                       /* UARTFR: RXFE, nothing more */
	on_pcpu(0, do_read);
	CHECK(value & 0x10);
}

/* A passthrough device that shares its page (src/mmio.c forward_access):
 * the guest's access, same size and offset, on the device; nothing that
 * would reach past it, nor an access of another partition. */
extern uint64_t fake_transport[0x200 / 8];
static unsigned size;
static bool write;
static void do_access(void) { handled = core_mmio(addr, size, write, &value); }

static bool access_on(unsigned pcpu, uint64_t a, unsigned sz, bool wr, uint64_t v)
{
	addr = a;
	size = sz;
	write = wr;
	value = v;
	on_pcpu(pcpu, do_access);
	return handled;
}

TEST(forwarded_device_gets_the_same_access)
{
	memset(fake_transport, 0, sizeof(fake_transport));
	fake_transport[0] = 0x0000000274726976ull;      /* MagicValue "virt", Version 2 */
	CHECK(access_on(3, 0xa003e00, 4, false, 0));    /* vm b (pCPU 3) reads MagicValue */
	CHECK_EQ(value, 0x74726976);
	CHECK(access_on(3, 0xa003e04, 4, false, 0));
	CHECK_EQ(value, 2);
	CHECK(access_on(3, 0xa003e00, 8, false, 0));
	CHECK_EQ(value, 0x0000000274726976ull);
	CHECK(access_on(3, 0xa003e70, 4, true, 0xf));   /* Status */
	CHECK_EQ(fake_transport[0x70 / 8], 0xf);
	CHECK(access_on(3, 0xa003f01, 1, true, 0xab));  /* config space, a byte */
	CHECK_EQ(fake_transport[0x100 / 8], 0xab00);
	CHECK(access_on(3, 0xa003f02, 2, true, 0x1234));
	CHECK_EQ(fake_transport[0x100 / 8], 0x1234ab00);
	CHECK(access_on(3, 0xa003f01, 1, false, 0));
	CHECK_EQ(value, 0xab);
	CHECK(access_on(3, 0xa003ff8, 8, true, 0x1122334455667788ull));   /* its last 8 bytes */
	CHECK_EQ(fake_transport[0x1f8 / 8], 0x1122334455667788ull);
}

TEST(forwarded_device_refuses_what_would_reach_past_it)
{
	memset(fake_transport, 0, sizeof(fake_transport));
	CHECK(!access_on(3, 0xa003e02, 4, false, 0));   /* unaligned */
	CHECK(!access_on(3, 0xa003e04, 8, true, 1));
	CHECK(!access_on(3, 0xa003e01, 2, true, 1));
	CHECK(!access_on(3, 0xa003dfc, 4, false, 0));   /* the transport below: not b's */
	CHECK(!access_on(3, 0xa004000, 4, true, 1));    /* the one above */
	CHECK(!access_on(0, 0xa003e00, 4, false, 0));   /* vm a (pCPU 0) owns none */
	CHECK(!access_on(1, 0xa003e70, 4, true, 1));
	for (unsigned i = 0; i < 0x200 / 8; i++)
		CHECK_EQ(fake_transport[i], 0);
}

/* b's five ranges (fake_system.c): each is found from its first byte to
 * its last, by its own device; the gaps between and around them are no
 * one's. */
TEST(each_of_several_ranges_is_found_and_no_gap_is)
{
	extern uint64_t fake_transports[3][0x200 / 8];
	for (unsigned i = 0; i < 3; i++) {
		uint64_t base = 0xa003000 + 0x400 * i;
		fake_transports[i][0] = 0x100 + i;
		fake_transports[i][0x1f8 / 8] = (0x200ull + i) << 32;      /* its last word */
		CHECK(access_on(3, base, 4, false, 0));
		CHECK_EQ(value, 0x100 + i);
		CHECK(access_on(3, base + 0x1fc, 4, false, 0));
		CHECK_EQ(value, 0x200 + i);
		CHECK(!access_on(3, base - 4, 4, false, 0));
		CHECK(!access_on(3, base + 0x200, 4, false, 0));
	}
	CHECK(access_on(3, 0x9000018, 4, false, 0));    /* the UART, first in the table */
	CHECK(access_on(3, 0xa003ffc, 4, false, 0));    /* the last range's last word */
	CHECK(!access_on(3, 0x8fffffc, 4, false, 0));   /* below the first */
	CHECK(!access_on(3, 0xa004000, 4, false, 0));   /* above the last */
}

static bool rang;
static uint64_t ring_id;
static void do_ring(void) { rang = core_doorbell(ring_id); }

TEST(doorbell_reaches_only_the_declared_peer)
{
	ring_id = 5;
	on_pcpu(0, do_ring);                    /* vm a rings channel 5 */
	CHECK(rang);
	CHECK_EQ(fake_edge.calls, 1);
	CHECK_EQ(fake_edge.vm, 1);
	CHECK_EQ(fake_edge.intid, 40);
	ring_id = 6;                            /* not a's channel */
	on_pcpu(0, do_ring);
	CHECK(!rang);
	ring_id = 5;                            /* b has no channel table at all */
	on_pcpu(3, do_ring);
	CHECK(!rang);
	CHECK_EQ(fake_edge.calls, 1);
}

const struct test mmio_tests[] = {
	{ "mmio: emulated UART found by guest address", emulated_uart_is_found_by_guest_address },
	{ "mmio: faults injected, reported a bounded number of times",
	  faults_are_injected_and_reported_a_bounded_number_of_times },
	{ "channel: a doorbell reaches only the declared peer", doorbell_reaches_only_the_declared_peer },
	{ "mmio: a forwarded device gets the guest's access, same size and offset",
	  forwarded_device_gets_the_same_access },
	{ "mmio: a forwarded device refuses unaligned accesses and other partitions",
	  forwarded_device_refuses_what_would_reach_past_it },
	{ "mmio: each of several sorted ranges is found, no gap between them is",
	  each_of_several_ranges_is_found_and_no_gap_is },
	{ "console: input goes to the focused partition, raises its irq",
	  console_input_goes_to_the_focused_partition_and_raises_its_irq },
	{ "console: input waits for room with the receive interrupt off",
	  console_input_waits_for_room_with_the_receive_interrupt_off },
	{ "console: Ctrl-] twice sends one, other keys after it are dropped",
	  console_escape_twice_sends_it_other_keys_are_dropped },
	{ 0, 0 },
};
