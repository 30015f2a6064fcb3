/* chan-demo: what its C files share. */
#ifndef CHAN_H
#define CHAN_H

#include <stddef.h>
#include <stdint.h>

long tessera_hvc(unsigned long fn, unsigned long a1);	/* always HVC */

/* crc32.c: CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). Start with
 * crc = 0; feed the result of one call into the next to continue. */
void crc32_init(void);
uint32_t crc32_update(uint32_t crc, const volatile uint8_t *p, size_t len);

#endif
