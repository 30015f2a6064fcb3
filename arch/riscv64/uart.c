/* The hypervisor's console: a 16550A (ns16550a, byte registers), polled
 * for output; input (for the partition holding the console focus) comes
 * with its receive interrupt, through the PLIC (plic.c). */
#include <tessera/arch.h>
#include "arch.h"

#define UART_RBR    0
#define UART_THR    0
#define UART_IER    1
#define UART_LSR    5
#define IER_ERBFI   0x01u   /* received data available interrupt */
#define LSR_DR      0x01u   /* data ready */
#define LSR_THRE    0x20u   /* transmit holding register empty */

static volatile uint8_t *uart(void)
{
	return (volatile uint8_t *)(uintptr_t)tessera_board.uart_base;
}

void arch_console_putc(char c)
{
	while (!(uart()[UART_LSR] & LSR_THRE))
		;
	uart()[UART_THR] = (uint8_t)c;
}

int arch_console_getc(void)
{
	if (!(uart()[UART_LSR] & LSR_DR))
		return -1;
	return uart()[UART_RBR];
}

void arch_console_rx_irq(bool on)
{
	uart()[UART_IER] = on ? IER_ERBFI : 0;
}
