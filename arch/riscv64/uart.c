/* The hypervisor's console: a 16550A (ns16550a, byte registers), polled
 * for output. Input (for the partition holding the console focus) is
 * polled when a guest touches an emulated device, until its interrupt
 * comes through the PLIC. */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"

#define UART_RBR    0
#define UART_THR    0
#define UART_LSR    5
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

int console_rx_getc(void)
{
	if (!(uart()[UART_LSR] & LSR_DR))
		return -1;
	return uart()[UART_RBR];
}

/* One hart at a time: two that both saw LSR.DR would read RBR twice. */
static spinlock_t rx_lock;
/* A byte read that the focus partition had no room for: offered first
 * next time (what is still in the UART waits there, and QEMU's behind it). */
static int held = -1;

void console_rx_poll(void)
{
	if (held < 0 && !(uart()[UART_LSR] & LSR_DR))
		return;
	arch_spin_lock(&rx_lock);
	for (int c = held >= 0 ? held : console_rx_getc(); c >= 0; c = console_rx_getc()) {
		held = c;
		if (!core_console_input((char)c))
			break;
		held = -1;
	}
	arch_spin_unlock(&rx_lock);
}
