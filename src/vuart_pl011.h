/* An emulated Arm PrimeCell UART (PL011) as seen by one partition. */
#ifndef SRC_VUART_PL011_H
#define SRC_VUART_PL011_H

#include <stdbool.h>
#include <stdint.h>

struct vuart_pl011 {
	uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr, ilpr;
	bool ready;                     /* registers at their reset values */
};

/* A guest access at byte offset off. Returns false for an access the device
 * does not accept (not 32-bit aligned within the register window). */
bool vuart_pl011_access(struct vuart_pl011 *u, unsigned vm, uint64_t off, unsigned size,
			bool write, uint64_t *value);

#endif
