/* The MMIO load/store decoder (arch/riscv64/insn.c), compressed forms
 * included; encodings from riscv64-linux-gnu-as. */
#include "../../../arch/riscv64/insn.h"
#include "../check.h"

struct want {
	uint32_t insn;
	const char *text;
	unsigned len;
	bool store;
	unsigned size, reg;
	bool sign;
};

static const struct want decodes[] = {
	{ 0x00050283, "lb t0,0(a0)", 4, false, 1, 5, true },
	{ 0x00054283, "lbu t0,0(a0)", 4, false, 1, 5, false },
	{ 0x00259303, "lh t1,2(a1)", 4, false, 2, 6, true },
	{ 0x0025d303, "lhu t1,2(a1)", 4, false, 2, 6, false },
	{ 0x00462383, "lw t2,4(a2)", 4, false, 4, 7, true },
	{ 0x00466383, "lwu t2,4(a2)", 4, false, 4, 7, false },
	{ 0x0086b283, "ld t0,8(a3)", 4, false, 8, 5, false },
	{ 0x00052003, "lw zero,0(a0)", 4, false, 4, 0, true },
	{ 0x00650023, "sb t1,0(a0)", 4, true, 1, 6, false },
	{ 0x00751123, "sh t2,2(a0)", 4, true, 2, 7, false },
	{ 0x01f52223, "sw t6,4(a0)", 4, true, 4, 31, false },
	{ 0x00153423, "sd ra,8(a0)", 4, true, 8, 1, false },
	{ 0x41c8, "c.lw a0,4(a1)", 2, false, 4, 10, true },
	{ 0x6690, "c.ld a2,8(a3)", 2, false, 8, 12, false },
	{ 0xc3d8, "c.sw a4,4(a5)", 2, true, 4, 14, false },
	{ 0xe480, "c.sd s0,8(s1)", 2, true, 8, 8, false },
	{ 0x4292, "c.lwsp t0,4(sp)", 2, false, 4, 5, true },
	{ 0x6322, "c.ldsp t1,8(sp)", 2, false, 8, 6, false },
	{ 0xc21e, "c.swsp t2,4(sp)", 2, true, 4, 7, false },
	{ 0xe472, "c.sdsp t3,8(sp)", 2, true, 8, 28, false },
	/* a 32-bit instruction fetched whole: the high half is the next 16 bits */
	{ 0x41c80000u | 0x41c8, "c.lw a0,4(a1) with the next instruction's bits above it", 2, false, 4, 10, true },
};

/* Not a plain integer load or store: never emulated, an access fault. */
static const struct { uint32_t insn; const char *text; } refused[] = {
	{ 0x2588, "c.fld fa0,8(a1)" }, { 0xa588, "c.fsd fa0,8(a1)" },
	{ 0x00052087, "flw ft1,0(a0)" }, { 0x00152027, "fsw ft1,0(a0)" },
	{ 0x006522af, "amoadd.w t0,t1,(a0)" }, { 0x00128293, "addi t0,t0,1" },
	{ 0x0285, "c.addi t0,1" }, { 0x0808, "c.addi4spn a0,sp,16" },
	{ 0x4012, "c.lwsp zero,4(sp) (reserved)" }, { 0x00057283, "funct3 7 of LOAD (reserved)" },
	{ 0x00654023, "funct3 4 of STORE (reserved)" }, { 0x0000001f, "a 48-bit encoding" },
	{ 0x0000, "the all-zero halfword (illegal)" }, { 0xffffffff, "all ones" },
};

TEST(decodes_loads_and_stores)
{
	for (unsigned i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++) {
		const struct want *w = &decodes[i];
		struct mmio_insn in = { 0 };
		if (!insn_decode_mmio(w->insn, &in)) {
			fprintf(stderr, "  %s: not decoded\n", w->text);
			check_failures++;
			continue;
		}
		if (in.len != w->len || in.store != w->store || in.size != w->size || in.reg != w->reg ||
		    in.sign != w->sign) {
			fprintf(stderr, "  %s: len %u store %d size %u reg %u sign %d\n", w->text, in.len,
				in.store, in.size, in.reg, in.sign);
			check_failures++;
		}
	}
}

TEST(refuses_everything_else)
{
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct mmio_insn in;
		if (insn_decode_mmio(refused[i].insn, &in)) {
			fprintf(stderr, "  %s: decoded\n", refused[i].text);
			check_failures++;
		}
	}
}

TEST(htinst_transformed_instructions)
{
	struct mmio_insn in;

	/* lw t2, 0(x0) as htinst gives it for a 32-bit original */
	CHECK(insn_decode_htinst(0x00002383, &in));
	CHECK_EQ(in.len, 4);
	CHECK_EQ(in.size, 4);
	CHECK_EQ(in.reg, 7);
	/* the same with bit 1 clear: the original was compressed */
	CHECK(insn_decode_htinst(0x00002381, &in));
	CHECK_EQ(in.len, 2);
	CHECK(!in.store && in.sign);
	/* sd ra, 0(x0), compressed original */
	CHECK(insn_decode_htinst(0x00103021, &in));
	CHECK(in.store && in.size == 8 && in.reg == 1 && in.len == 2);
	/* 0 and the implicit-access pseudoinstructions: nothing to replay */
	CHECK(!insn_decode_htinst(0, &in));
	CHECK(!insn_decode_htinst(0x00002000, &in));
	CHECK(!insn_decode_htinst(0x00003000, &in));
}

const struct test insn_tests[] = {
	{ "insn: loads and stores, 32-bit and compressed", decodes_loads_and_stores },
	{ "insn: FP, atomics, other and reserved encodings refused", refuses_everything_else },
	{ "insn: htinst's transformed instructions", htinst_transformed_instructions },
	{ 0 },
};
