/* The hypervisor's console: a PL011, polled for output, interrupt-driven
 * for input (which goes to the partition holding the console focus). */
#include <tessera/arch.h>
#include "arch.h"

#define UART_DR     0x000
#define UART_FR     0x018
#define UART_IMSC   0x038
#define UART_ICR    0x044
#define FR_RXFE     (1u << 4)       /* receive FIFO empty */
#define FR_TXFF     (1u << 5)       /* transmit FIFO full */
#define INT_RX      (1u << 4)       /* receive */
#define INT_RT      (1u << 6)       /* receive timeout */

static volatile uint32_t *uart(void)
{
	return (volatile uint32_t *)(uintptr_t)tessera_board.uart_base;
}

void arch_console_putc(char c)
{
	while (uart()[UART_FR / 4] & FR_TXFF)
		;
	uart()[UART_DR / 4] = (uint8_t)c;
}

void arch_console_rx_irq(bool on)
{
	if (on)
		uart()[UART_IMSC / 4] |= INT_RX | INT_RT;
	else
		uart()[UART_IMSC / 4] &= ~(INT_RX | INT_RT);
}

int arch_console_getc(void)
{
	if (uart()[UART_FR / 4] & FR_RXFE) {
		uart()[UART_ICR / 4] = INT_RX | INT_RT;
		return -1;
	}
	return (int)(uart()[UART_DR / 4] & 0xff);
}
