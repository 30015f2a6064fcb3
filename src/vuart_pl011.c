/*
 * Emulated PL011 (Arm PrimeCell UART r1p5, DDI 0183). Transmit reaches the
 * shared console at once, so the transmit FIFO is always empty and its
 * interrupt (TXRIS) always raised; received bytes wait in a 32-byte FIFO
 * and raise RXRIS and RTRIS until read. The interrupt line is UARTMIS != 0,
 * level-sensitive, as on the real part. Both polling drivers (ArceOS,
 * bare-metal) and interrupt-driven ones (Linux's amba-pl011) work.
 */
#include "vuart_pl011.h"
#include "console.h"

#define UARTDR      0x000
#define UARTRSR     PL011_UARTRSR
#define UARTFR      PL011_UARTFR
#define UARTILPR    0x020
#define UARTIBRD    0x024
#define UARTFBRD    0x028
#define UARTLCR_H   0x02c
#define UARTCR      0x030
#define UARTIFLS    0x034
#define UARTIMSC    0x038
#define UARTRIS     PL011_UARTRIS
#define UARTMIS     0x040
#define UARTICR     0x044
#define UARTDMACR   PL011_UARTDMACR
#define UARTPERIPHID0 0xfe0

#define FR_RXFE     (1u << 4)       /* receive FIFO empty */
#define FR_RXFF     (1u << 6)       /* receive FIFO full */
#define FR_TXFE     (1u << 7)       /* transmit FIFO empty */
#define RIS_RXRIS   (1u << 4)       /* receive FIFO at or above its level */
#define RIS_TXRIS   (1u << 5)       /* transmit FIFO at or below its level */
#define RIS_RTRIS   (1u << 6)       /* receive timeout: data waiting */
#define CR_RESET    0x300           /* TXE | RXE */
#define IFLS_RESET  0x12            /* both FIFOs half full */

/* UARTPeriphID0..3 then UARTPCellID0..3: a PL011 r1p5 */
static const uint8_t id_regs[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* UARTRIS; one load of the count, so that a quiet read (src/mmio.c) shows
 * one instant's. */
static uint32_t raw_status(const struct vuart_pl011 *u)
{
	return RIS_TXRIS | (__atomic_load_n(&u->rx_count, __ATOMIC_RELAXED) ? RIS_RXRIS | RIS_RTRIS : 0);
}

int vuart_pl011_getc(struct vuart_pl011 *u)
{
	if (!u->rx_count)
		return -1;
	uint8_t c = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % VUART_RX_FIFO);
	u->rx_count--;
	return c;
}

static uint32_t read_reg(struct vuart_pl011 *u, uint64_t off)
{
	switch (off) {
	case UARTDR: {
		int c = vuart_pl011_getc(u);
		return c < 0 ? 0u : (uint32_t)c;
	}
	case UARTFR: {
		/* one load: a quiet read's count is one instant's (src/mmio.c) */
		uint8_t n = __atomic_load_n(&u->rx_count, __ATOMIC_RELAXED);
		return FR_TXFE | (n ? 0 : FR_RXFE) | (n == VUART_RX_FIFO ? FR_RXFF : 0);
	}
	case UARTILPR:  return u->ilpr;
	case UARTIBRD:  return u->ibrd;
	case UARTFBRD:  return u->fbrd;
	case UARTLCR_H: return u->lcr_h;
	case UARTCR:    return u->cr;
	case UARTIFLS:  return u->ifls;
	case UARTIMSC:  return u->imsc;
	case UARTRIS:   return raw_status(u);
	case UARTMIS:   return raw_status(u) & u->imsc;
	case UARTDMACR: return u->dmacr;
	default:
		if (off >= UARTPERIPHID0 && off < UARTPERIPHID0 + 4 * sizeof(id_regs))
			return id_regs[(off - UARTPERIPHID0) / 4];
		return 0;       /* UARTRSR (no errors), reserved */
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

/* Under the console's lock; a quiet read (below) sees ready only after
 * the registers it may show hold their reset values. */
static void reset_once(struct vuart_pl011 *u)
{
	if (!u->ready) {
		u->cr = CR_RESET;
		u->ifls = IFLS_RESET;
		__atomic_store_n(&u->ready, true, __ATOMIC_RELEASE);
	}
}

bool vuart_pl011_access(struct vuart_pl011 *u, unsigned vm, uint64_t off, unsigned size,
			bool write, uint64_t *value)
{
	reset_once(u);
	/* Registers are 32 bits wide at word offsets; drivers also use 8- and
	 * 16-bit accesses (Linux's amba-pl011 uses 16-bit ones by default). */
	if (off >= 0x1000 || (size != 1 && size != 2 && size != 4) || (off & (size - 1u)))
		return false;
	unsigned shift = (unsigned)(off % 4) * 8;
	if (write) {
		if (shift == 0)
			write_reg(u, vm, off, (uint32_t)*value);
		/* Writing a control register (Linux masking its transmit
		 * interrupt) ends a burst of output. */
		if (off != UARTDR)
			console_guest_flush(vm);
	} else {
		uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
		*value = (read_reg(u, off - off % 4) >> shift) & mask;
	}
	return true;
}

bool vuart_pl011_input(struct vuart_pl011 *u, uint8_t c)
{
	reset_once(u);
	if (u->rx_count == VUART_RX_FIFO)
		return false;
	u->rx[(u->rx_head + u->rx_count) % VUART_RX_FIFO] = c;
	u->rx_count++;
	return true;
}

bool vuart_pl011_irq(struct vuart_pl011 *u)
{
	return (raw_status(u) & u->imsc) != 0;
}
