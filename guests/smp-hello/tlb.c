/*
 * The per-vCPU TLB check (bootargs tlb_ms=N): every vCPU maps the same
 * virtual page, TLB_VA, to a page of its own, through translation tables
 * of its own, with global entries (nG = 0) and the same ASID, and reads it
 * for N ms of the counter. It uses local TLB maintenance only (TLBI
 * VMALLE1, no broadcast): the architecture keeps TLB entries per PE, and
 * a PE's TLB holds only entries from walks of its own tables once it has
 * invalidated its own, so each vCPU must read its own page every time. On
 * physical CPUs of their own that is always so; vCPUs of one partition
 * that share a physical CPU share its TLB under one VMID, and read
 * another vCPU's page there unless the hypervisor flushes the VMID's
 * entries when they meet (the A1, B, A2 windows of configs/tlb-shared.toml).
 */
#include <stdint.h>

#include "console.h"
#include "cpu.h"
#include "start.h"
#include "tlb.h"

#define TLB_VA		0xc0000000UL	/* [3G, 4G): Device in the shared identity map, unused */
#define TLB_MARK(i)	(0x7eb0000000000000UL | (i))

/* VMSAv8-64 stage 1, 4K granule */
#define DESC_TABLE	0x3UL
#define DESC_PAGE	0x3UL
#define DESC_NORMAL	((1UL << 2) | (3UL << 8) | (1UL << 10))	/* AttrIndx 1 (Normal), inner shareable, AF */
#define DESC_XN		((1UL << 53) | (1UL << 54))		/* PXN, UXN */
#define ENTRIES		512

struct tlb_tables {
	uint64_t l1[ENTRIES], l2[ENTRIES], l3[ENTRIES];
	uint64_t page[ENTRIES];
};
static struct tlb_tables tables[MAX_VCPUS] __attribute__((aligned(4096)));

/* TTBR0_EL1 to ttbr, then forget what this PE cached: local maintenance only. */
static void use_tables(uint64_t ttbr)
{
	write_sysreg(ttbr0_el1, ttbr);
	isb();
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
}

void tlb_check(unsigned int self, unsigned long ms)
{
	struct tlb_tables *t = &tables[self];
	uint64_t old = read_sysreg(ttbr0_el1);
	const uint64_t *idmap = (const uint64_t *)old;

	/* The identity map's first three 1 GiB blocks, then [3G, 4G) through
	 * tables of this vCPU's, whose first page is its own page. */
	for (unsigned int i = 0; i < 3; i++)
		t->l1[i] = idmap[i];
	t->l1[3] = (uint64_t)t->l2 | DESC_TABLE;
	t->l2[0] = (uint64_t)t->l3 | DESC_TABLE;
	t->l3[0] = (uint64_t)t->page | DESC_PAGE | DESC_NORMAL | DESC_XN;
	t->page[0] = TLB_MARK(self);
	__asm__ volatile("dsb ish" ::: "memory");	/* the walker sees the tables */
	use_tables((uint64_t)t->l1);

	uint64_t freq = read_sysreg(cntfrq_el0), end = read_sysreg(cntvct_el0) + ms * freq / 1000;
	unsigned long reads = 0, wrong = 0;
	uint64_t seen = 0;

	while (read_sysreg(cntvct_el0) < end) {
		uint64_t v = *(volatile const uint64_t *)TLB_VA;
		if (v != TLB_MARK(self)) {
			wrong++;
			seen = v;
		}
		reads++;
	}
	use_tables(old);
	if (wrong)
		say("smp-hello: tlb check failed: vcpu %u read 0x%lx, not its own page, %lu of %lu times\n",
		    self, (unsigned long)seen, wrong, reads);
	else
		say("smp-hello: vcpu %u tlb check ok: its own page at 0x%lx in %lu reads\n", self, TLB_VA,
		    reads);
}
