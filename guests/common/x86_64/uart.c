/*
 * Polled 16550 output on I/O ports for the x86_64 guests under guests/
 * (uart.h): COM1 (0x3f8) unless uart_set_base names another (COM2, 0x2f8).
 * No initialisation: whoever booted us owns the line settings.
 */
#include "cpu.h"
#include "uart.h"

#define UART_THR	0	/* transmit holding register (write) */
#define UART_LSR	5	/* line status register */
#define LSR_THRE	0x20	/* transmit holding register empty */

static uintptr_t uart_base = UART_DEFAULT_BASE;

void uart_set_base(uintptr_t base)
{
	uart_base = base;
}

void uart_putc(char c)
{
	uint16_t port = (uint16_t)uart_base;

	if (c == '\n')
		uart_putc('\r');
	while (!(inb(port + UART_LSR) & LSR_THRE))
		;
	outb(port + UART_THR, (uint8_t)c);
}
