/* INS/OUTS decoding and the rSI/rDI/rCX arithmetic of string port I/O
 * (arch/x86_64/insn.c; the element loop is arch/x86_64/string_io.c, run
 * by smp-hello under the x86-smp case): prefixes in any order, operand and
 * address sizes in each mode, the segment the memory operand is in. */
#include <stdint.h>
#include "../../../arch/x86_64/insn.h"
#include "../check.h"

struct want_io {
	const char *text;
	enum x86_mode mode;
	uint8_t bytes[X86_MAX_INSN];
	unsigned avail, len, size, addr_size, seg;
	bool in, rep;
};

static const struct want_io string_decodes[] = {
	{ "rep outsb (%rsi),(%dx)", MODE_64, { 0xf3, 0x6e }, 2, 2, 1, 8, X86_SEG_DS, false, true },
	{ "rep insb (%dx),%es:(%rdi)", MODE_64, { 0xf3, 0x6c }, 2, 2, 1, 8, X86_SEG_ES, true, true },
	{ "outsw (%rsi),(%dx)", MODE_64, { 0x66, 0x6f }, 2, 2, 2, 8, X86_SEG_DS, false, false },
	{ "rep outsl %fs:(%rsi),(%dx)", MODE_64, { 0x64, 0xf3, 0x6f }, 3, 3, 4, 8, X86_SEG_FS, false, true },
	{ "addr32 rep outsb %fs:(%esi),(%dx)", MODE_64, { 0x64, 0x67, 0xf3, 0x6e }, 4, 4, 1, 4, X86_SEG_FS, false,
	  true },
	{ "rex.W outs (REX.W: still 32-bit)", MODE_64, { 0x48, 0x6f }, 2, 2, 4, 8, X86_SEG_DS, false, false },
	{ "rep outsb %es:(%rsi),(%dx)", MODE_64, { 0x26, 0xf3, 0x6e }, 3, 3, 1, 8, X86_SEG_ES, false, true },
	{ "cs rep insb (override ignored: ES)", MODE_64, { 0x2e, 0xf3, 0x6c }, 3, 3, 1, 8, X86_SEG_ES, true, true },
	{ "repnz insb (F2 repeats too)", MODE_64, { 0xf2, 0x6c }, 2, 2, 1, 8, X86_SEG_ES, true, true },
	{ "rep insl (%dx),%es:(%edi) (32-bit)", MODE_32, { 0xf3, 0x6d }, 2, 2, 4, 4, X86_SEG_ES, true, true },
	{ "addr16 rep outsb (32-bit)", MODE_32, { 0x67, 0xf3, 0x6e }, 3, 3, 1, 2, X86_SEG_DS, false, true },
	{ "rep insw (%dx),%es:(%di) (16-bit)", MODE_16, { 0xf3, 0x6d }, 2, 2, 2, 2, X86_SEG_ES, true, true },
	{ "data32 rep outsl %ss:(%si) (16-bit)", MODE_16, { 0x66, 0x36, 0xf3, 0x6f }, 4, 4, 4, 2, X86_SEG_SS, false,
	  true },
};

TEST(decodes_ins_and_outs)
{
	for (unsigned i = 0; i < sizeof(string_decodes) / sizeof(string_decodes[0]); i++) {
		const struct want_io *w = &string_decodes[i];
		struct x86_string_io io;
		if (!x86_decode_string_io(w->bytes, w->avail, w->mode, &io)) {
			fprintf(stderr, "  %s: not decoded\n", w->text);
			check_failures++;
			continue;
		}
		if (io.len != w->len || io.size != w->size || io.addr_size != w->addr_size || io.seg != w->seg ||
		    io.in != w->in || io.rep != w->rep) {
			fprintf(stderr, "  %s: len %u size %u addr %u seg %u in %d rep %d\n", w->text, io.len, io.size,
				io.addr_size, io.seg, io.in, io.rep);
			check_failures++;
		}
	}
}

TEST(refuses_other_instructions)
{
	struct x86_string_io io;
	struct x86_mmio_insn in;
	const uint8_t outb[] = { 0xee }, movsb[] = { 0xf3, 0xa4 }, rep_only[] = { 0xf3 };
	const uint8_t lock_outsb[] = { 0xf0, 0x6e }, rep_mov[] = { 0xf3, 0x89, 0x07 };

	CHECK(!x86_decode_string_io(outb, 1, MODE_64, &io));          /* OUT: no string */
	CHECK(!x86_decode_string_io(movsb, 2, MODE_64, &io));         /* MOVS: no port */
	CHECK(!x86_decode_string_io(rep_only, 1, MODE_64, &io));      /* the fetch ended */
	CHECK(!x86_decode_string_io(lock_outsb, 2, MODE_64, &io));    /* LOCK: #UD on hardware */
	CHECK(!x86_decode_mmio(rep_mov, 3, MODE_64, &in));            /* and REP is no MOV's */
}

TEST(index_registers_by_address_size)
{
	/* 16-bit: SI wraps within bits 15:0, the rest stays */
	CHECK_EQ(x86_addr_reg_add(0x12340000ffffull, 2, 1), 0x123400000000ull);
	CHECK_EQ(x86_addr_reg_add(0x123400000000ull, 2, -2), 0x12340000fffeull);
	CHECK_EQ(x86_addr_reg(0x12340000abcdull, 2), 0xabcd);
	/* 32-bit: the result is zero-extended, bits 63:32 of the old value gone */
	CHECK_EQ(x86_addr_reg_add(0xaaaa0000ffffffffull, 4, 1), 0);
	CHECK_EQ(x86_addr_reg_add(0xaaaa000000000010ull, 4, -4), 0xc);
	CHECK_EQ(x86_addr_reg(0xaaaa000000000010ull, 4), 0x10);
	/* 64-bit: all of it, down with DF */
	CHECK_EQ(x86_addr_reg_add(0x100000000ull, 8, -1), 0xffffffffull);
	/* rCX counted down to 0 at each size */
	CHECK_EQ(x86_addr_reg_add(0xffff0001ull, 2, -1), 0xffff0000ull);
	CHECK_EQ(x86_addr_reg(0xffff0000ull, 2), 0);
}

const struct test string_io_tests[] = {
	{ "x86 string I/O: INS/OUTS decoded in each mode, prefixes, segment", decodes_ins_and_outs },
	{ "x86 string I/O: other instructions refused", refuses_other_instructions },
	{ "x86 string I/O: rSI/rDI/rCX by address size", index_registers_by_address_size },
	{ 0 },
};
