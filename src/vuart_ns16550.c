/*
 * Emulated 16550A UART (National Semiconductor PC16550D; ns16550a in device
 * trees), with byte registers as on QEMU virt. Transmit reaches the shared
 * console at once, so the transmitter is always empty (LSR THRE and TEMT)
 * and its interrupt, when enabled, is raised after each byte and when it is
 * enabled, until IIR reports it; received bytes wait in a 16-byte FIFO and
 * raise the received-data interrupt until read. Polling drivers (bare-metal,
 * U-Boot) and Linux's 8250 driver work with it.
 */
#include "vuart_ns16550.h"
#include "console.h"

#define RBR_THR_DLL 0           /* receive / transmit; divisor low with LCR.DLAB */
#define IER_DLM     1           /* interrupt enable; divisor high with LCR.DLAB */
#define IIR_FCR     2           /* interrupt identification (read) / FIFO control (write) */
#define LCR         3
#define MCR         4
#define LSR         NS16550_LSR
#define MSR         NS16550_MSR
#define SCR         NS16550_SCR

#define IER_ERBFI   0x01u       /* received data available */
#define IER_ETBEI   0x02u       /* transmitter holding register empty */
#define IER_MASK    0x0fu
#define IIR_NONE    0x01u
#define IIR_THRI    0x02u
#define IIR_RDI     0x04u
#define IIR_FIFO    0xc0u       /* FIFOs enabled */
#define FCR_ENABLE  0x01u
#define FCR_CLEAR_RX 0x02u
#define FCR_MASK    0xc9u       /* enable, DMA mode, trigger level */
#define LCR_DLAB    0x80u
#define LSR_DR      0x01u
#define LSR_THRE    0x20u
#define LSR_TEMT    0x40u
#define MCR_MASK    0x1fu
#define MSR_READY   0xb0u       /* DCD, DSR, CTS: a line that is up */

int vuart_ns16550_getc(struct vuart_ns16550 *u)
{
	if (!u->rx_count)
		return -1;
	uint8_t c = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1u) % NS16550_RX_FIFO);
	u->rx_count--;
	return c;
}

static uint8_t read_iir(struct vuart_ns16550 *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0u;

	if ((u->ier & IER_ERBFI) && u->rx_count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_ETBEI) && u->thri) {
		u->thri = false;        /* reading IIR that reports it clears it */
		return fifo | IIR_THRI;
	}
	return fifo | IIR_NONE;
}

/* LCR.DLAB is looked at only where it matters: a quiet read (LSR, MSR)
 * loads nothing but what it shows. */
static uint8_t ns_read(struct vuart_ns16550 *u, uint64_t off)
{
	switch (off) {
	case RBR_THR_DLL: {
		if (u->lcr & LCR_DLAB)
			return u->dll;
		int c = vuart_ns16550_getc(u);
		return c < 0 ? 0u : (uint8_t)c;
	}
	case IER_DLM:   return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case IIR_FCR:   return read_iir(u);
	case LCR:       return u->lcr;
	case MCR:       return u->mcr;
	case LSR:       /* one load: a quiet read's count is one instant's (src/mmio.c) */
		return (uint8_t)(LSR_THRE | LSR_TEMT | (__atomic_load_n(&u->rx_count, __ATOMIC_RELAXED) ? LSR_DR : 0u));
	case MSR:       return MSR_READY;
	case SCR:       return u->scr;
	default:        return 0;       /* past the registers: reads as zero */
	}
}

static void ns_write(struct vuart_ns16550 *u, unsigned vm, uint64_t off, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (off) {
	case RBR_THR_DLL:
		if (dlab) {
			u->dll = v;
		} else {
			console_guest_putc(vm, (char)v);
			u->thri = true;         /* sent at once: empty again */
		}
		break;
	case IER_DLM:
		if (dlab) {
			u->dlm = v;
		} else {
			if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
				u->thri = true; /* enabling it with the transmitter empty raises it */
			u->ier = v & IER_MASK;
		}
		break;
	case IIR_FCR:
		u->fcr = v & FCR_MASK;
		if (v & FCR_CLEAR_RX) {
			u->rx_head = 0;
			u->rx_count = 0;
		}
		break;
	case LCR: u->lcr = v; break;
	case MCR: u->mcr = v & MCR_MASK; break;
	case SCR: u->scr = v; break;
	default: break;         /* LSR, MSR (read-only), past the registers: ignored */
	}
}

bool vuart_ns16550_access(struct vuart_ns16550 *u, unsigned vm, uint64_t off, unsigned size,
			  bool write, uint64_t *value)
{
	if (size != 1u || off >= 0x1000u)
		return false;
	if (write) {
		ns_write(u, vm, off, (uint8_t)*value);
		if (off != RBR_THR_DLL || (u->lcr & LCR_DLAB))
			console_guest_flush(vm);
	} else {
		*value = ns_read(u, off);
	}
	return true;
}

bool vuart_ns16550_input(struct vuart_ns16550 *u, uint8_t c)
{
	if (u->rx_count == NS16550_RX_FIFO)
		return false;
	u->rx[(u->rx_head + u->rx_count) % NS16550_RX_FIFO] = c;
	u->rx_count++;
	return true;
}

bool vuart_ns16550_irq(const struct vuart_ns16550 *u)
{
	return ((u->ier & IER_ERBFI) && u->rx_count) || ((u->ier & IER_ETBEI) && u->thri);
}
