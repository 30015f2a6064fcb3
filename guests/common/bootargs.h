/*
 * /chosen/bootargs for the guests under guests/: words separated by spaces
 * or tabs, a word being "key=value" or a bare flag.
 */
#ifndef GUEST_BOOTARGS_H
#define GUEST_BOOTARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Call fn for every word of the len bytes at s (which end early at a NUL); s may be NULL. */
void bootargs_for_each(const char *s, uint32_t len, void (*fn)(const char *w, size_t wlen));

/* If the word w (wlen bytes) is "key=value": the value, and its length in *vlen. Else NULL. */
const char *bootargs_value(const char *w, size_t wlen, const char *key, size_t *vlen);

/* Are the len bytes at s exactly the string str? */
bool bootargs_is(const char *s, size_t len, const char *str);

/* A decimal number of 1 to 9 digits into *out; false (*out untouched) if it is not one. */
bool bootargs_dec(const char *v, size_t vlen, unsigned long *out);

/* "0x" and 1 to 16 hex digits into *out; false (*out untouched) if it is not that. */
bool bootargs_hex(const char *v, size_t vlen, uint64_t *out);

/* Print what, then the word in double quotes, then a newline: a typo must not pass unseen. */
void bootargs_report(const char *what, const char *w, size_t wlen);

#endif
