/* The guest page walk (arch/x86_64/page_walk.c) over tables built by hand
 * in a partition's memory, in each paging mode: which guest-physical
 * address a linear address is, large pages at every level that has them,
 * and the entries that end a walk (not present, outside the partition). */
#include <stdint.h>
#include <string.h>
#include "../../../arch/x86_64/page_walk.h"
#include "../../../arch/x86_64/x86.h"
#include "../check.h"

#define RAM_GPA         0x100000ull     /* the tables' memory, as the guest sees it */
#define RAM_SIZE        0x10000u
#define P               PTE_P
#define PS              PTE_PS
#define RW              2ull            /* not read by the walk: there as guests set it */
#define XD              (1ull << 63)    /* likewise: no address bit */

static _Alignas(4096) uint8_t ram[RAM_SIZE];
static struct mem_region region;
static struct vm_config vm;

/* A partition whose one region is ram, at RAM_GPA, cleared. */
static void fresh_ram(void)
{
	memset(ram, 0, sizeof(ram));
	region = (struct mem_region){ .gpa = RAM_GPA, .hpa = (uint64_t)(uintptr_t)ram, .size = RAM_SIZE,
				      .flags = MEM_READ | MEM_WRITE };
	vm = (struct vm_config){ .name = "walk", .nr_regions = 1, .regions = &region };
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(&ram[gpa - RAM_GPA], &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(&ram[gpa - RAM_GPA], &v, 8);
}

/* la through paging p: the address, or ~0 when the walk fails. */
static uint64_t walk(const struct x86_paging *p, uint64_t la)
{
	uint64_t gpa = 0;
	return x86_page_walk(&vm, p, la, &gpa) ? gpa : ~0ull;
}

TEST(without_paging_linear_is_physical)
{
	fresh_ram();
	const struct x86_paging off = { .cr0 = 1 };     /* protected mode, PG = 0 */
	CHECK_EQ(walk(&off, 0x12345678), 0x12345678);
	CHECK_EQ(walk(&off, 0x100001000ull), 0x1000);   /* 32 bits: wraps at 4 GiB */
}

TEST(legacy_two_levels)
{
	fresh_ram();
	const struct x86_paging p = { .cr0 = CR0_PG | 1, .cr3 = RAM_GPA | 0x18 };     /* PWT/PCD ignored */
	uint32_t la = 0x80403abc;                       /* PDE 0x201, PTE 0x003 */
	put32(RAM_GPA + 0x201 * 4, (uint32_t)(RAM_GPA + 0x1000) | P | RW);
	put32(RAM_GPA + 0x1000 + 0x003 * 4, 0xfedc5000u | P);
	CHECK_EQ(walk(&p, la), 0xfedc5abcull);
	CHECK_EQ(walk(&p, la + 0x1000), ~0ull);         /* PTE 0x004 not present */
	CHECK_EQ(walk(&p, 0x00403abc), ~0ull);          /* PDE 0 not present */
}

TEST(legacy_4mib_pages_need_cr4_pse)
{
	fresh_ram();
	struct x86_paging p = { .cr0 = CR0_PG | 1, .cr3 = RAM_GPA, .cr4 = CR4_PSE };
	/* PDE 0x3ff: a 4 MiB page at 0x2_5fc00000 (bits 20:13 = physical 39:32) */
	put32(RAM_GPA + 0x3ff * 4, 0x5fc00000u | (0x2u << 13) | (uint32_t)(PS | P));
	CHECK_EQ(walk(&p, 0xffd12345), 0x25fd12345ull);
	/* Without CR4.PSE the same entry locates a page table: 0x5fc00000,
	 * outside the partition, so the walk ends there. */
	p.cr4 = 0;
	CHECK_EQ(walk(&p, 0xffd12345), ~0ull);
	put32(RAM_GPA + 0x3ff * 4, (uint32_t)(RAM_GPA + 0x2000) | (uint32_t)(PS | P));
	put32(RAM_GPA + 0x2000 + 0x112 * 4, 0x7000u | P);
	CHECK_EQ(walk(&p, 0xffd12345), 0x7345);
}

TEST(pae_three_levels_from_a_32_byte_aligned_cr3)
{
	fresh_ram();
	const struct x86_paging p = { .cr0 = CR0_PG | 1, .cr3 = RAM_GPA + 0x40, .cr4 = CR4_PAE };
	uint32_t la = 0xc0601234;                       /* PDPTE 3, PDE 3, PTE 1 */
	put64(RAM_GPA + 0x40 + 3 * 8, (RAM_GPA + 0x1000) | P);
	put64(RAM_GPA + 0x1000 + 3 * 8, (RAM_GPA + 0x2000) | P | RW);
	put64(RAM_GPA + 0x2000 + 1 * 8, 0x123456000ull | XD | P);     /* above 4 GiB; XD is no address */
	CHECK_EQ(walk(&p, la), 0x123456234ull);
	/* A 2 MiB page in the directory */
	put64(RAM_GPA + 0x1000 + 4 * 8, 0x40000000ull | PS | P);
	CHECK_EQ(walk(&p, 0xc0812345), 0x40012345ull);
	CHECK_EQ(walk(&p, 0x00001234), ~0ull);          /* PDPTE 0 not present */
}

TEST(pae_pdpt_has_no_1gib_pages)
{
	fresh_ram();
	const struct x86_paging p = { .cr0 = CR0_PG | 1, .cr3 = RAM_GPA, .cr4 = CR4_PAE };
	/* Bit 7 of a PAE PDPTE is reserved: it is no large page, and the
	 * entry's address is the directory's. */
	put64(RAM_GPA + 1 * 8, (RAM_GPA + 0x1000) | PS | P);
	put64(RAM_GPA + 0x1000, 0x80000000ull | PS | P);
	CHECK_EQ(walk(&p, 0x40012345), 0x80012345ull);
}

TEST(long_mode_four_levels_and_large_pages)
{
	fresh_ram();
	const struct x86_paging p = { .cr0 = CR0_PG | 1, .cr3 = RAM_GPA, .cr4 = CR4_PAE,
				      .efer = EFER_LME | EFER_LMA };
	uint64_t la = 0xffff800000000000ull | (0x101ull << 39) | (0x2ull << 30) | (0x3ull << 21) | (0x4ull << 12) | 0x567;
	put64(RAM_GPA + 0x101 * 8, (RAM_GPA + 0x1000) | P);
	put64(RAM_GPA + 0x1000 + 2 * 8, (RAM_GPA + 0x2000) | P);
	put64(RAM_GPA + 0x2000 + 3 * 8, (RAM_GPA + 0x3000) | P);
	put64(RAM_GPA + 0x3000 + 4 * 8, 0xabcdef000ull | XD | P);
	CHECK_EQ(walk(&p, la), 0xabcdef567ull);
	/* 2 MiB at the directory, 1 GiB at the PDPT */
	put64(RAM_GPA + 0x2000 + 5 * 8, 0x7fe00000ull | PS | P);
	CHECK_EQ(walk(&p, (la & ~0x3fffffffull) | (0x5ull << 21) | 0x1abcd), 0x7fe1abcdull);
	put64(RAM_GPA + 0x1000 + 7 * 8, 0x3c0000000ull | PS | P);
	CHECK_EQ(walk(&p, (la & ~0x7fffffffffull) | (0x7ull << 30) | 0x2345678), 0x3c2345678ull);
	/* Not present at the last level; a table outside the partition */
	CHECK_EQ(walk(&p, la + 0x1000), ~0ull);
	put64(RAM_GPA + 0x3000 + 6 * 8, 0x1000ull | P);
	put64(RAM_GPA + 0x2000 + 6 * 8, 0x9000000ull | P);             /* a table at 0x9000000 */
	CHECK_EQ(walk(&p, (la & ~0x3fffffffull) | (0x6ull << 21)), ~0ull);
}

TEST(long_mode_five_levels_with_la57)
{
	fresh_ram();
	const struct x86_paging p = { .cr0 = CR0_PG | 1, .cr3 = RAM_GPA, .cr4 = CR4_PAE | CR4_LA57,
				      .efer = EFER_LME | EFER_LMA };
	uint64_t la = (0x1ffull << 48) | (0x1ull << 39) | 0xabc;       /* PML5E 0x1ff, then 1, 0, 0, 0 */
	put64(RAM_GPA + 0x1ff * 8, (RAM_GPA + 0x1000) | P);
	put64(RAM_GPA + 0x1000 + 1 * 8, (RAM_GPA + 0x2000) | P);
	put64(RAM_GPA + 0x2000, (RAM_GPA + 0x3000) | P);
	put64(RAM_GPA + 0x3000, (RAM_GPA + 0x4000) | P);
	put64(RAM_GPA + 0x4000, 0x5000ull | P);
	CHECK_EQ(walk(&p, la | 0xfe00000000000000ull), 0x5abc);
}

const struct test page_walk_tests[] = {
	{ "x86 page walk: paging off, linear is physical (32 bits)", without_paging_linear_is_physical },
	{ "x86 page walk: 32-bit legacy, two levels", legacy_two_levels },
	{ "x86 page walk: legacy 4 MiB pages under CR4.PSE, PSE-36 bits", legacy_4mib_pages_need_cr4_pse },
	{ "x86 page walk: PAE, CR3 32-byte aligned, 2 MiB pages", pae_three_levels_from_a_32_byte_aligned_cr3 },
	{ "x86 page walk: PAE PDPTE bit 7 is no 1 GiB page", pae_pdpt_has_no_1gib_pages },
	{ "x86 page walk: long mode 4 levels, 2 MiB and 1 GiB pages", long_mode_four_levels_and_large_pages },
	{ "x86 page walk: long mode 5 levels (CR4.LA57)", long_mode_five_levels_with_la57 },
	{ 0 },
};
