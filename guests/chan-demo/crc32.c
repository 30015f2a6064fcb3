/*
 * CRC-32 as in IEEE 802.3 and zlib: polynomial 0x04c11db7, bit-reflected
 * (0xedb88320), initial value and final XOR all ones. Table-driven, one
 * byte at a time; the table is computed at start (it lives in .bss).
 * Check value: crc32_update(0, "123456789", 9) == 0xcbf43926.
 */
#include "chan.h"

#define CRC32_POLY_REFLECTED	0xedb88320u

static uint32_t table[256];

void crc32_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? CRC32_POLY_REFLECTED ^ (c >> 1) : c >> 1;
		table[n] = c;
	}
}

uint32_t crc32_update(uint32_t crc, const volatile uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
