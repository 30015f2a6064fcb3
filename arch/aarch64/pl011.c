/* The hypervisor's console: a polled PL011. */
#include <tessera/arch.h>

#define UART_DR     0x000
#define UART_FR     0x018
#define FR_TXFF     (1u << 5)       /* transmit FIFO full */

void arch_console_putc(char c)
{
	volatile uint32_t *base = (volatile uint32_t *)(uintptr_t)tessera_board.uart_base;
	while (base[UART_FR / 4] & FR_TXFF)
		;
	base[UART_DR / 4] = (uint8_t)c;
}
