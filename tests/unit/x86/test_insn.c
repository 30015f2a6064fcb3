/* The MMIO instruction decoder (arch/x86_64/insn.c): each MOV form a device
 * access compiles to, in 64-, 32- and 16-bit code; bytes from GNU as. */
#include <stdint.h>
#include "../../../arch/x86_64/insn.h"
#include "../check.h"

struct want {
	const char *text;
	enum x86_mode mode;
	uint8_t bytes[X86_MAX_INSN];
	unsigned len, size;
	bool store, imm, high8;
	unsigned reg, reg_size;
	enum x86_extend extend;
	uint64_t value;
};

static const struct want decodes[] = {
	{ "mov %eax,(%rdi)", MODE_64, { 0x89, 0x07 }, 2, 4, true, false, false, 0, 4, EXTEND_NONE, 0 },
	{ "mov (%rdi),%eax", MODE_64, { 0x8b, 0x07 }, 2, 4, false, false, false, 0, 4, EXTEND_NONE, 0 },
	{ "mov %rax,0x300(%rbx)", MODE_64, { 0x48, 0x89, 0x83, 0x00, 0x03, 0, 0 }, 7, 8, true, false, false, 0, 8,
	  EXTEND_NONE, 0 },
	{ "mov 0x20(%rdx),%r9d", MODE_64, { 0x44, 0x8b, 0x4a, 0x20 }, 4, 4, false, false, false, 9, 4, EXTEND_NONE, 0 },
	{ "mov %r10,(%r11,%rcx,8)", MODE_64, { 0x4d, 0x89, 0x14, 0xcb }, 4, 8, true, false, false, 10, 8, EXTEND_NONE, 0 },
	{ "mov %al,(%rsi)", MODE_64, { 0x88, 0x06 }, 2, 1, true, false, false, 0, 1, EXTEND_NONE, 0 },
	{ "mov (%rsi),%ah", MODE_64, { 0x8a, 0x26 }, 2, 1, false, false, true, 0, 1, EXTEND_NONE, 0 },
	{ "mov (%rsi),%sil (REX: not %dh)", MODE_64, { 0x40, 0x8a, 0x36 }, 3, 1, false, false, false, 6, 1,
	  EXTEND_NONE, 0 },
	{ "mov %cx,0x4(%rdi)", MODE_64, { 0x66, 0x89, 0x4f, 0x04 }, 4, 2, true, false, false, 1, 2, EXTEND_NONE, 0 },
	{ "movl $0x12345678,0x300(%rax)", MODE_64, { 0xc7, 0x80, 0x00, 0x03, 0, 0, 0x78, 0x56, 0x34, 0x12 }, 10, 4,
	  true, true, false, 0, 0, EXTEND_NONE, 0x12345678 },
	{ "movq $-1,(%rax)", MODE_64, { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff }, 7, 8, true, true, false, 0, 0,
	  EXTEND_NONE, ~0ull },
	{ "movb $0x5a,(%rdx)", MODE_64, { 0xc6, 0x02, 0x5a }, 3, 1, true, true, false, 0, 0, EXTEND_NONE, 0x5a },
	{ "movw $0xbeef,(%rdx)", MODE_64, { 0x66, 0xc7, 0x02, 0xef, 0xbe }, 5, 2, true, true, false, 0, 0,
	  EXTEND_NONE, 0xbeef },
	{ "movzbl (%rax),%ecx", MODE_64, { 0x0f, 0xb6, 0x08 }, 3, 1, false, false, false, 1, 4, EXTEND_ZERO, 0 },
	{ "movzwl 0x2(%rax),%r8d", MODE_64, { 0x44, 0x0f, 0xb7, 0x40, 0x02 }, 5, 2, false, false, false, 8, 4,
	  EXTEND_ZERO, 0 },
	{ "movsbq (%rax),%rdx", MODE_64, { 0x48, 0x0f, 0xbe, 0x10 }, 4, 1, false, false, false, 2, 8, EXTEND_SIGN, 0 },
	{ "movswl (%rax),%edx", MODE_64, { 0x0f, 0xbf, 0x10 }, 3, 2, false, false, false, 2, 4, EXTEND_SIGN, 0 },
	{ "movabs 0xfee00020,%eax", MODE_64, { 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, 4, false, false, false,
	  0, 4, EXTEND_NONE, 0 },
	{ "movabs %eax,0xfee00300", MODE_64, { 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, 4, true, false, false,
	  0, 4, EXTEND_NONE, 0 },
	{ "mov %fs:(%rax),%eax", MODE_64, { 0x64, 0x8b, 0x00 }, 3, 4, false, false, false, 0, 4, EXTEND_NONE, 0 },
	{ "mov 0x12345678(%rip),%eax", MODE_64, { 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 }, 6, 4, false, false, false, 0,
	  4, EXTEND_NONE, 0 },
	{ "mov 0x0(,%rax,4),%ecx", MODE_64, { 0x8b, 0x0c, 0x85, 0, 0, 0, 0 }, 7, 4, false, false, false, 1, 4,
	  EXTEND_NONE, 0 },
	{ "mov %eax,0xfee00300 (32-bit code)", MODE_32, { 0xa3, 0x00, 0x03, 0xe0, 0xfe }, 5, 4, true, false, false, 0,
	  4, EXTEND_NONE, 0 },
	{ "mov 0xfee00020,%ecx (32-bit code)", MODE_32, { 0x8b, 0x0d, 0x20, 0x00, 0xe0, 0xfe }, 6, 4, false, false,
	  false, 1, 4, EXTEND_NONE, 0 },
	{ "movl $0x4500,0xfee00300 (32-bit code)", MODE_32, { 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0, 0 },
	  10, 4, true, true, false, 0, 0, EXTEND_NONE, 0x4500 },
	{ "mov %ax,(%bx) (16-bit code)", MODE_16, { 0x89, 0x07 }, 2, 2, true, false, false, 0, 2, EXTEND_NONE, 0 },
	{ "mov 0x1234,%ax (16-bit code)", MODE_16, { 0xa1, 0x34, 0x12 }, 3, 2, false, false, false, 0, 2,
	  EXTEND_NONE, 0 },
	{ "mov %eax,0x2(%bp,%si) (16-bit code)", MODE_16, { 0x66, 0x89, 0x42, 0x02 }, 4, 4, true, false, false, 0, 4,
	  EXTEND_NONE, 0 },
};

/* No MOV with a memory operand: the guest gets #GP, nothing is skipped. */
static const struct { const char *text; uint8_t bytes[X86_MAX_INSN]; unsigned avail; } refused[] = {
	{ "add %eax,(%rdi)", { 0x01, 0x07 }, 2 },
	{ "lock xchg %eax,(%rdi)", { 0xf0, 0x87, 0x07 }, 3 },
	{ "mov %eax,%ecx (no memory)", { 0x89, 0xc1 }, 2 },
	{ "movl $x,(%rax) with /1", { 0xc7, 0x08, 1, 2, 3, 4 }, 6 },
	{ "rep movsb", { 0xf3, 0xa4 }, 2 },
	{ "mov 0x300(%rbx),%rax cut short", { 0x48, 0x8b, 0x83, 0x00 }, 4 },
	{ "movabs moffs64 cut short", { 0xa1, 0x20, 0x00 }, 3 },
	{ "nothing fetched", { 0 }, 0 },
	{ "0f 0b (ud2)", { 0x0f, 0x0b }, 2 },
};

TEST(decodes_the_mov_forms)
{
	for (unsigned i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++) {
		const struct want *w = &decodes[i];
		struct x86_mmio_insn in;
		unsigned avail = w->len;
		if (!x86_decode_mmio(w->bytes, avail, w->mode, &in)) {
			fprintf(stderr, "  %s: not decoded\n", w->text);
			check_failures++;
			continue;
		}
		if (in.len != w->len || in.size != w->size || in.store != w->store || in.imm != w->imm ||
		    in.high8 != w->high8 || (!w->imm && (in.reg != w->reg || in.reg_size != w->reg_size)) ||
		    in.extend != w->extend || (w->imm && in.value != w->value)) {
			fprintf(stderr, "  %s: len %u size %u store %d imm %d high8 %d reg %u/%u extend %d value %#llx\n",
				w->text, in.len, in.size, in.store, in.imm, in.high8, in.reg, in.reg_size, in.extend,
				(unsigned long long)in.value);
			check_failures++;
		}
	}
}

TEST(refuses_everything_else)
{
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct x86_mmio_insn in;
		if (x86_decode_mmio(refused[i].bytes, refused[i].avail, MODE_64, &in)) {
			fprintf(stderr, "  %s: decoded\n", refused[i].text);
			check_failures++;
		}
	}
}

TEST(load_results_as_the_cpu_leaves_them)
{
	struct x86_mmio_insn in;
	const uint8_t movl[] = { 0x8b, 0x07 }, movw[] = { 0x66, 0x8b, 0x07 }, movah[] = { 0x8a, 0x26 };
	const uint8_t movsbq[] = { 0x48, 0x0f, 0xbe, 0x10 }, movzbl[] = { 0x0f, 0xb6, 0x08 };

	CHECK(x86_decode_mmio(movl, 2, MODE_64, &in));   /* a 32-bit load clears bits 63:32 */
	CHECK_EQ(x86_load_result(&in, MODE_64, 0xffffffff00000000ull, 0x12345678), 0x12345678);
	CHECK(x86_decode_mmio(movw, 3, MODE_64, &in));   /* 16-bit: the rest stays */
	CHECK_EQ(x86_load_result(&in, MODE_64, 0x1111222233334444ull, 0xabcd), 0x111122223333abcdull);
	CHECK(x86_decode_mmio(movah, 2, MODE_64, &in));  /* AH: bits 15:8 */
	CHECK_EQ(x86_load_result(&in, MODE_64, 0x1234, 0x99), 0x9934);
	CHECK(x86_decode_mmio(movsbq, 4, MODE_64, &in));
	CHECK_EQ(x86_load_result(&in, MODE_64, 0, 0x80), (long long)0xffffffffffffff80ull);
	CHECK(x86_decode_mmio(movzbl, 3, MODE_64, &in));
	CHECK_EQ(x86_load_result(&in, MODE_64, ~0ull, 0x80), 0x80);
}

const struct test insn_tests[] = {
	{ "x86 insn: the MOV forms, 64-, 32- and 16-bit", decodes_the_mov_forms },
	{ "x86 insn: other instructions and short fetches refused", refuses_everything_else },
	{ "x86 insn: what a load leaves in its register", load_results_as_the_cpu_leaves_them },
	{ 0 },
};
