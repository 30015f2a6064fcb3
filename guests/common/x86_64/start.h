/*
 * The contract between guests/common/x86_64/start.S and a guest's C code.
 *
 * Boot contract (multiboot v1, as QEMU's -kernel loader and Tessera give
 * it; ArceOS's x86_64 build uses it too): the flat image is loaded at
 * 1 MiB and entered in 32-bit protected mode, paging off, EAX = 0x2BADB002,
 * EBX = the multiboot information. start.S enters long mode on an identity
 * map of the first 4 GiB (2 MiB pages). Other vCPUs start in real mode at
 * AP_START (vector AP_START >> 12 of the STARTUP IPI) and reach C the same
 * way.
 */
#ifndef GUEST_START_H
#define GUEST_START_H

#ifndef MAX_VCPUS
#define MAX_VCPUS	8
#endif
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Where start.S copies its real-mode start code: below the multiboot
 * information QEMU (and Tessera) put at 0x9000-0x9fff. */
#define AP_START	0x7000

/* COM1, until told otherwise. */
#define UART_DEFAULT_BASE	0x3f8UL

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The guest's C code, called from start.S. */
void boot_main(uint32_t multiboot_info);
void secondary_main(unsigned long vcpu, unsigned long apic_id);	/* vcpu = its APIC id's index */

/* start.S: copy the real-mode start code to AP_START. */
void ap_start_install(void);
#endif

#endif
