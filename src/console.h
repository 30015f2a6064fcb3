#ifndef SRC_CONSOLE_H
#define SRC_CONSOLE_H

#include <stdarg.h>

/* printf-style formatting into buf (always NUL-terminated); returns length */
unsigned format(char *buf, unsigned cap, const char *fmt, va_list ap);

/* One byte a guest of partition vm wrote to its console. */
void console_guest_putc(unsigned vm, char c);

#endif
