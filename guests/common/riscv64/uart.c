/*
 * Polled 16550A output for the guests under guests/ (uart.h), as on QEMU
 * virt (reg-shift 0, byte registers). No initialisation: whoever booted us
 * (QEMU or the hypervisor) owns the line settings.
 */
#include "uart.h"

#define UART_THR	0	/* transmit holding register (write) */
#define UART_LSR	5	/* line status register */
#define LSR_THRE	0x20	/* transmit holding register empty */

/* In .data, not .bss: usable before the DTB is read. */
static uintptr_t uart_base = UART_DEFAULT_BASE;

void uart_set_base(uintptr_t base)
{
	uart_base = base;
}

void uart_putc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)uart_base;

	if (c == '\n')
		uart_putc('\r');	/* serial terminals want CR LF */
	while (!(uart[UART_LSR] & LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}
