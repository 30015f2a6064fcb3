/* The multiboot information an x86_64 guest is entered with (EBX): its
 * command line's words, which pick the console port and the test's knobs. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

/* The number after "key=" on the command line (0x... hex, else decimal),
 * or dflt when the word is missing. */
unsigned long mb_arg(uint32_t multiboot_info, const char *key, unsigned long dflt);
/* The word after "key=" copied into buf (NUL-terminated), or dflt. */
void mb_str(uint32_t multiboot_info, const char *key, char *buf, unsigned size, const char *dflt);
/* RAM from 1 MiB up (mem_upper), in bytes: where the partition's RAM ends. */
uint64_t mb_ram_end(uint32_t multiboot_info);
/* The whole command line ("" if none). */
const char *mb_cmdline(uint32_t multiboot_info);
/* Print on the port "console=0x..." names (default COM1). */
void mb_console(uint32_t multiboot_info);

#endif
