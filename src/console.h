#ifndef SRC_CONSOLE_H
#define SRC_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>

/* printf-style formatting into buf (always NUL-terminated); returns length */
unsigned format(char *buf, unsigned cap, const char *fmt, va_list ap);

/* One byte a guest of partition vm wrote to its console. */
void console_guest_putc(unsigned vm, char c);

/* The guest has stopped writing for now: print its unfinished line. */
void console_guest_flush(unsigned vm);

/* One byte typed for partition vm (src/mmio.c: into its UART); false if
 * its receive FIFO is full (the byte is not taken). */
bool vuart_input(unsigned vm, char c);

/* A partition read from its UART: input waiting for room goes on (to the
 * partition with the focus, if it has room now). */
void console_room(void);

/* Partition vm restarts: its UART back to reset state. */
void vuart_reset(unsigned vm);

/* Typing CONSOLE_ESCAPE (Ctrl-]) then 'n' gives the console focus to the
 * next partition, then a digit to partition <digit>; Ctrl-] twice types one. */
#define CONSOLE_ESCAPE 0x1d

#endif
