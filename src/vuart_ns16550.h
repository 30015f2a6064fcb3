/* An emulated 16550A UART (ns16550a) as seen by one partition. */
#ifndef SRC_VUART_NS16550_H
#define SRC_VUART_NS16550_H

#include <stdbool.h>
#include <stdint.h>

#define NS16550_RX_FIFO 16              /* the 16550A's receive FIFO depth */

struct vuart_ns16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	uint8_t rx[NS16550_RX_FIFO];
	uint8_t rx_head, rx_count;
	bool thri;                      /* transmitter-empty interrupt pending */
};

/* A guest access at byte offset off. Registers are bytes (reg-shift 0,
 * reg-io-width 1, as QEMU virt's): false for any other access size. */
bool vuart_ns16550_access(struct vuart_ns16550 *u, unsigned vm, uint64_t off, unsigned size,
			  bool write, uint64_t *value);

#define NS16550_LSR     5
#define NS16550_MSR     6
#define NS16550_SCR     7               /* the last register */

/* Whether a read at off changes nothing and shows at most one field of the
 * UART, so that it may be done without the console's lock (src/mmio.c):
 * LSR (the receive FIFO's count, loaded once), MSR and what lies past the
 * registers (constants). */
static inline bool vuart_ns16550_quiet(uint64_t off)
{
	return off == NS16550_LSR || off == NS16550_MSR || off > NS16550_SCR;
}

/* A byte for the guest to read; false if its receive FIFO is full. */
bool vuart_ns16550_input(struct vuart_ns16550 *u, uint8_t c);

/* The next received byte, taken from the FIFO (as a read of RBR), or -1. */
int vuart_ns16550_getc(struct vuart_ns16550 *u);

/* The level of the UART's interrupt line: an enabled interrupt pending. */
bool vuart_ns16550_irq(const struct vuart_ns16550 *u);

#endif
