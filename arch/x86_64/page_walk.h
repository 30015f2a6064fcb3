/* The guest's own paging, walked in its memory (AMD64 APM vol. 2, 5.3):
 * which guest-physical address a linear address of the guest is. */
#ifndef ARCH_X86_64_PAGE_WALK_H
#define ARCH_X86_64_PAGE_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/tables.h>

/* The bits that choose the walk (EFER.LMA: x86.h) and an entry's bits
 * it reads (AMD64 APM vol. 2, 3.1 and 5.3). */
#define CR0_PG          (1ull << 31)
#define CR4_PSE         (1ull << 4)
#define CR4_PAE         (1ull << 5)
#define CR4_LA57        (1ull << 12)
#define PTE_P           1ull
#define PTE_PS          0x80ull                 /* in a directory entry: it maps a large page */
#define PTE_ADDR        0x000ffffffffff000ull   /* bits 51:12 */

/* The registers that choose and root the walk, as the guest has them. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* The guest-physical address of linear address la in partition vm, by
 * paging p: none (CR0.PG = 0), 32-bit legacy (with 4 MiB pages under
 * CR4.PSE), PAE, or long mode's 4 or 5 levels (CR4.LA57). False if an
 * entry on the way is not present or not in the partition's memory. */
bool x86_page_walk(const struct vm_config *vm, const struct x86_paging *p, uint64_t la, uint64_t *gpa);

#endif
