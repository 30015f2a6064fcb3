/* An emulated Arm PrimeCell UART (PL011) as seen by one partition. */
#ifndef SRC_VUART_PL011_H
#define SRC_VUART_PL011_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_RX_FIFO 32                /* the PL011's receive FIFO depth */

struct vuart_pl011 {
	uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr, ilpr;
	uint8_t rx[VUART_RX_FIFO];
	uint8_t rx_head, rx_count;
	bool ready;                     /* registers at their reset values */
};

/* A guest access at byte offset off. Returns false for an access the device
 * does not accept (not naturally aligned, wider than 32 bits, outside). */
bool vuart_pl011_access(struct vuart_pl011 *u, unsigned vm, uint64_t off, unsigned size,
			bool write, uint64_t *value);

#define PL011_UARTRSR   0x004
#define PL011_UARTFR    0x018
#define PL011_UARTRIS   0x03c
#define PL011_UARTDMACR 0x048           /* the last register before the IDs */

/* Whether a read at off changes nothing and shows at most one field of the
 * UART, so that it may be done without the console's lock (src/mmio.c):
 * UARTFR and UARTRIS (the receive FIFO's count, loaded once), UARTRSR, the
 * ID registers and reserved words (constants). Not before the first access
 * has put the registers at their reset values (ready, stored last). */
static inline bool vuart_pl011_quiet(const struct vuart_pl011 *u, uint64_t off)
{
	uint64_t reg = off & ~3ull;
	return (reg == PL011_UARTFR || reg == PL011_UARTRIS || reg == PL011_UARTRSR ||
		(reg > PL011_UARTDMACR && reg < 0x1000)) && __atomic_load_n(&u->ready, __ATOMIC_ACQUIRE);
}

/* A byte for the guest to read; false if its receive FIFO is full. */
bool vuart_pl011_input(struct vuart_pl011 *u, uint8_t c);

/* The next received byte, taken from the FIFO (as a read of UARTDR), or -1. */
int vuart_pl011_getc(struct vuart_pl011 *u);

/* The level of the UART's interrupt line: UARTMIS != 0. */
bool vuart_pl011_irq(struct vuart_pl011 *u);

#endif
