/*
 * The guest's page tables walked as the processor walks them (AMD64 APM
 * vol. 2, 5.3 and 5.4), for the one thing the hypervisor needs them for:
 * fetching the instruction behind a nested page fault or a string I/O
 * intercept, and that instruction's memory operand. Permissions are not
 * checked: the guest's own fetch or access already passed them.
 */
#include <tessera/core.h>
#include "page_walk.h"
#include "x86.h"

/* An entry (size 4 or 8, naturally aligned) read in one load, as the
 * processor reads it; false if it is outside the partition's memory or
 * not present. */
static bool entry(const struct vm_config *vm, uint64_t gpa, unsigned size, uint64_t *e)
{
	const void *p = core_vm_memory(vm, gpa, size, false);

	if (!p)
		return false;
	*e = size == 8 ? __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED) :
			 __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	return *e & PTE_P;
}

/* 32-bit legacy paging: a directory and a table of 1024 4-byte entries.
 * A directory entry with PS under CR4.PSE maps 4 MiB; its bits 20:13 are
 * physical address bits 39:32 (PSE-36 as AMD64 extends it, APM 5.3.4). */
static bool walk_legacy(const struct vm_config *vm, const struct x86_paging *p, uint32_t la, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (!entry(vm, (p->cr3 & 0xfffff000u) + (la >> 22) * 4ull, 4, &pde))
		return false;
	if ((pde & PTE_PS) && (p->cr4 & CR4_PSE)) {
		*gpa = ((pde >> 13) & 0xffu) << 32 | (pde & 0xffc00000u) | (la & 0x3fffffu);
		return true;
	}
	if (!entry(vm, (pde & 0xfffff000u) + ((la >> 12) & 0x3ffu) * 4ull, 4, &pte))
		return false;
	*gpa = (pte & 0xfffff000u) | (la & 0xfffu);
	return true;
}

/* PAE and long mode: tables of 512 8-byte entries, 9 bits of the linear
 * address each, below a top level that PAE has 4 entries of (CR3 bits
 * 31:5 locate it) and long mode 512 (CR3 bits 51:12). A directory entry
 * with PS maps 2 MiB; in long mode a PDPT entry with PS maps 1 GiB (in
 * PAE's PDPT that bit is reserved: no large page there). */
static bool walk_wide(const struct vm_config *vm, const struct x86_paging *p, uint64_t la, uint64_t *gpa)
{
	bool long_mode = p->efer & EFER_LMA;
	unsigned shift = !long_mode ? 30u : (p->cr4 & CR4_LA57) ? 48u : 39u;
	uint64_t table = long_mode ? p->cr3 & PTE_ADDR : p->cr3 & 0xffffffe0u;

	for (;; shift -= 9) {
		uint64_t e;
		if (!entry(vm, table + ((la >> shift) & 511u) * 8u, 8, &e))
			return false;
		bool large = (e & PTE_PS) && (shift == 21 || (shift == 30 && long_mode));
		if (shift == 12 || large) {
			uint64_t in_page = (1ull << shift) - 1;
			*gpa = (e & PTE_ADDR & ~in_page) | (la & in_page);
			return true;
		}
		table = e & PTE_ADDR;
	}
}

bool x86_page_walk(const struct vm_config *vm, const struct x86_paging *p, uint64_t la, uint64_t *gpa)
{
	if (!(p->efer & EFER_LMA))
		la = (uint32_t)la;      /* outside long mode, linear addresses wrap at 4 GiB */
	if (!(p->cr0 & CR0_PG)) {
		*gpa = la;
		return true;
	}
	if (!(p->cr4 & CR4_PAE))
		return walk_legacy(vm, p, (uint32_t)la, gpa);
	return walk_wide(vm, p, la, gpa);
}
