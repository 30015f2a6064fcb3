/*
 * Polled PL011 output for the guests under guests/ (uart.h). No
 * initialisation: whoever booted us (QEMU or the hypervisor) owns the line
 * settings, and the transmitter is on out of reset.
 * Register accesses are single LDR/STR in assembly, which a hypervisor
 * emulating the device can replay from the syndrome.
 */
#include "uart.h"

#define UARTDR		0x000	/* data register */
#define UARTFR		0x018	/* flag register */
#define UARTFR_TXFF	(1u << 5)	/* transmit FIFO full */

/* In .data, not .bss: usable before the DTB is read. */
static uintptr_t uart_base = UART_DEFAULT_BASE;

void uart_set_base(uintptr_t base)
{
	uart_base = base;
}

void uart_putc(char c)
{
	uint32_t fr;

	if (c == '\n')
		uart_putc('\r');	/* serial terminals want CR LF */
	/* Waits on the device draining (not on another CPU). */
	do
		__asm__ volatile("ldr %w0, [%1]" : "=r"(fr) : "r"(uart_base + UARTFR) : "memory");
	while (fr & UARTFR_TXFF);
	__asm__ volatile("str %w0, [%1]" : : "r"((uint32_t)(unsigned char)c),
			 "r"(uart_base + UARTDR) : "memory");
}
