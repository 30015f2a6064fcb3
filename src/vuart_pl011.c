/*
 * Emulated PL011 (Arm PrimeCell UART r1p5, DDI 0183). Transmit reaches the
 * shared console at once, so the transmit FIFO is always empty; there is no
 * input yet, so the receive FIFO is always empty. That is all a polling
 * driver (ArceOS, early Linux, bare-metal) needs; interrupt-driven operation
 * comes with the virtual GIC.
 */
#include "vuart_pl011.h"
#include "console.h"

#define UARTDR      0x000
#define UARTRSR     0x004
#define UARTFR      0x018
#define UARTILPR    0x020
#define UARTIBRD    0x024
#define UARTFBRD    0x028
#define UARTLCR_H   0x02c
#define UARTCR      0x030
#define UARTIFLS    0x034
#define UARTIMSC    0x038
#define UARTRIS     0x03c
#define UARTMIS     0x040
#define UARTICR     0x044
#define UARTDMACR   0x048
#define UARTPERIPHID0 0xfe0

#define FR_RXFE     (1u << 4)       /* receive FIFO empty */
#define FR_TXFE     (1u << 7)       /* transmit FIFO empty */
#define RIS_TXRIS   (1u << 5)       /* transmit FIFO at or below its level */
#define CR_RESET    0x300           /* TXE | RXE */
#define IFLS_RESET  0x12            /* both FIFOs half full */

/* UARTPeriphID0..3 then UARTPCellID0..3: a PL011 r1p5 */
static const uint8_t id_regs[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static uint32_t read_reg(struct vuart_pl011 *u, uint64_t off)
{
	switch (off) {
	case UARTFR:    return FR_TXFE | FR_RXFE;
	case UARTILPR:  return u->ilpr;
	case UARTIBRD:  return u->ibrd;
	case UARTFBRD:  return u->fbrd;
	case UARTLCR_H: return u->lcr_h;
	case UARTCR:    return u->cr;
	case UARTIFLS:  return u->ifls;
	case UARTIMSC:  return u->imsc;
	case UARTRIS:   return RIS_TXRIS;
	case UARTMIS:   return RIS_TXRIS & u->imsc;
	case UARTDMACR: return u->dmacr;
	default:
		if (off >= UARTPERIPHID0 && off < UARTPERIPHID0 + 4 * sizeof(id_regs))
			return id_regs[(off - UARTPERIPHID0) / 4];
		return 0;       /* UARTDR with nothing received, UARTRSR, reserved */
	}
}

static void write_reg(struct vuart_pl011 *u, unsigned vm, uint64_t off, uint32_t v)
{
	switch (off) {
	case UARTDR:    console_guest_putc(vm, (char)(v & 0xff)); break;
	case UARTILPR:  u->ilpr = v & 0xff; break;
	case UARTIBRD:  u->ibrd = v & 0xffff; break;
	case UARTFBRD:  u->fbrd = v & 0x3f; break;
	case UARTLCR_H: u->lcr_h = v & 0xff; break;
	case UARTCR:    u->cr = v & 0xff87; break;
	case UARTIFLS:  u->ifls = v & 0x3f; break;
	case UARTIMSC:  u->imsc = v & 0x7ff; break;
	case UARTDMACR: u->dmacr = v & 0x7; break;
	default:        break;  /* UARTRSR/ECR, UARTICR, read-only and reserved: ignored */
	}
}

bool vuart_pl011_access(struct vuart_pl011 *u, unsigned vm, uint64_t off, unsigned size,
			bool write, uint64_t *value)
{
	if (!u->ready) {
		u->cr = CR_RESET;
		u->ifls = IFLS_RESET;
		u->ready = true;
	}
	/* Registers are 32 bits wide; drivers also use byte access to UARTDR. */
	if (off >= 0x1000 || (size != 4 && !(size == 1 && off == UARTDR)) || off % size)
		return false;
	if (write)
		write_reg(u, vm, off, (uint32_t)*value);
	else
		*value = read_reg(u, off);
	return true;
}
