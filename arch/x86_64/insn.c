/*
 * The MMIO instruction decoder (AMD64 APM vol. 3, 1.2-1.4: legacy prefixes,
 * REX, opcode, ModRM, SIB, displacement, immediate). Only the length and
 * the register or immediate matter: the address already is in the #NPF's
 * EXITINFO2. Built for the host too (tests/unit/x86/).
 */
#include "insn.h"

#define REX_W 0x8u
#define REX_R 0x4u

static unsigned modrm_tail(const uint8_t *b, unsigned avail, unsigned at, unsigned addr_size, bool *ok)
{
	/* Bytes after the ModRM byte at b[at]: SIB and displacement. */
	unsigned mod = b[at] >> 6, rm = b[at] & 7u, n = 0;

	if (addr_size == 2) {                   /* 16-bit addressing: no SIB */
		if (mod == 1)
			n = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			n = 2;
		*ok = at + 1 + n <= avail;
		return n;
	}
	if (rm == 4 && mod != 3) {              /* SIB */
		if (at + 1 >= avail) {
			*ok = false;
			return 0;
		}
		n = 1;
		if (mod == 0 && (b[at + 1] & 7u) == 5)
			n += 4;                 /* no base: disp32 */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		n += 4;                         /* disp32 (RIP-relative in 64-bit mode) */
	*ok = at + 1 + n <= avail;
	return n;
}

static uint64_t read_le(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

/* Legacy prefixes, in any order, then REX (64-bit mode): their effect on
 * the operand and address sizes, the segment override, REP (F2 or F3).
 * Returns the index of the opcode. */
struct prefixes {
	unsigned op_size, addr_size, rex, seg;
	bool rep;
};

static unsigned prefixes(const uint8_t *b, unsigned avail, enum x86_mode mode, struct prefixes *p)
{
	unsigned i = 0;

	p->op_size = mode == MODE_16 ? 2u : 4u;
	p->addr_size = (unsigned)mode;
	p->rex = 0;
	p->seg = X86_SEG_NONE;
	p->rep = false;
	for (; i < avail; i++) {
		uint8_t c = b[i];
		if (c == 0x66)
			p->op_size = mode == MODE_16 ? 4u : 2u;
		else if (c == 0x67)
			p->addr_size = mode == MODE_32 ? 2u : 4u;
		else if (c == 0xf2 || c == 0xf3)
			p->rep = true;
		else if (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e)
			p->seg = (unsigned)(c >> 3) & 3u;       /* ES, CS, SS, DS: 0-3 */
		else if (c == 0x64 || c == 0x65)
			p->seg = X86_SEG_FS + (c & 1u);
		else
			break;          /* LOCK and anything else: no prefix the decoders take */
	}
	if (mode == MODE_64 && i < avail && (b[i] & 0xf0u) == 0x40) {
		p->rex = b[i++];
		if (p->rex & REX_W)
			p->op_size = 8;
	}
	return i;
}

/* MOV r/m, imm (C6 /0, C7 /0): the immediate after the ModRM operand at i;
 * a 64-bit store takes a sign-extended imm32. */
static bool mov_imm(const uint8_t *b, unsigned avail, unsigned i, unsigned reg, struct x86_mmio_insn *in)
{
	unsigned isz = in->size == 8 ? 4u : in->size;

	if (reg != 0 || i + isz > avail)
		return false;
	in->value = read_le(b + i, isz);
	if (in->size == 8 && (in->value >> 31))
		in->value |= 0xffffffff00000000ull;
	in->store = in->imm = true;
	in->len = i + isz;
	return true;
}

bool x86_decode_mmio(const uint8_t *b, unsigned avail, enum x86_mode mode, struct x86_mmio_insn *in)
{
	struct prefixes p;
	bool ok = true;

	if (avail > X86_MAX_INSN)
		avail = X86_MAX_INSN;
	*in = (struct x86_mmio_insn){ 0 };
	unsigned i = prefixes(b, avail, mode, &p);
	unsigned op_size = p.op_size, addr_size = p.addr_size, rex = p.rex;
	if (i >= avail || p.rep)
		return false;           /* REP is no MOV's */
	uint8_t op = b[i++];
	if (op >= 0xa0 && op <= 0xa3) {         /* MOV AL/rAX <-> moffs (address-size wide) */
		in->size = (op & 1u) ? op_size : 1u;
		in->store = op >= 0xa2;
		in->reg_size = in->size;
		in->len = i + addr_size;
		return in->len <= avail;
	}
	bool twobyte = op == 0x0f;
	if (twobyte) {
		op = i < avail ? b[i++] : 0;
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return false;
	} else if (op != 0x88 && op != 0x89 && op != 0x8a && op != 0x8b && op != 0xc6 && op != 0xc7) {
		return false;
	}
	if (i >= avail || b[i] >> 6 == 3)
		return false;                   /* no ModRM, or a register operand: no memory access */
	unsigned modrm = i++;
	i += modrm_tail(b, avail, modrm, addr_size, &ok);
	if (!ok)
		return false;
	unsigned reg = (b[modrm] >> 3) & 7u;
	in->reg = reg | ((rex & REX_R) ? 8u : 0u);
	in->len = i;
	if (twobyte) {                          /* MOVZX / MOVSX r, r/m8 or r/m16 */
		in->size = (op & 1u) ? 2u : 1u;
		in->extend = op < 0xbe ? EXTEND_ZERO : EXTEND_SIGN;
		in->reg_size = op_size;
		return true;
	}
	in->size = (op & 1u) ? op_size : 1u;
	if (op == 0xc6 || op == 0xc7)
		return mov_imm(b, avail, i, reg, in);
	in->store = op == 0x88 || op == 0x89;
	in->high8 = in->size == 1 && !rex && reg >= 4;
	if (in->high8)
		in->reg = reg - 4;              /* AH is bits 8-15 of RAX, ... */
	in->reg_size = in->size;
	return true;
}

uint64_t x86_load_result(const struct x86_mmio_insn *in, enum x86_mode mode, uint64_t old, uint64_t value)
{
	uint64_t mask = in->size == 8 ? ~0ull : (1ull << (in->size * 8)) - 1;

	value &= mask;
	if (in->extend == EXTEND_SIGN && in->size < 8 && (value >> (in->size * 8 - 1)) & 1u)
		value |= ~mask;
	if (in->high8)
		return (old & ~0xff00ull) | (value & 0xffu) << 8;
	switch (in->reg_size) {
	case 8:
		return value;
	case 4:         /* a 32-bit result zero-extends in 64-bit mode (and the
			 * upper half is not visible outside it) */
		(void)mode;
		return value & 0xffffffffull;
	case 2:
		return (old & ~0xffffull) | (value & 0xffffu);
	default:
		return (old & ~0xffull) | (value & 0xffu);
	}
}

bool x86_decode_string_io(const uint8_t *b, unsigned avail, enum x86_mode mode, struct x86_string_io *io)
{
	struct prefixes p;

	if (avail > X86_MAX_INSN)
		avail = X86_MAX_INSN;
	*io = (struct x86_string_io){ 0 };
	unsigned i = prefixes(b, avail, mode, &p);
	if (i >= avail || b[i] < 0x6c || b[i] > 0x6f)
		return false;
	uint8_t op = b[i];
	io->len = i + 1;
	io->in = op <= 0x6d;
	/* 6C/6E move bytes; 6D/6F words or doublewords (REX.W changes
	 * nothing: no 64-bit port access exists). */
	io->size = (op & 1u) ? (p.op_size == 2 ? 2u : 4u) : 1u;
	io->addr_size = p.addr_size;
	io->rep = p.rep;
	/* INS writes ES:rDI whatever the prefixes say; OUTS reads rSI in DS
	 * or the segment an override names. */
	io->seg = io->in ? X86_SEG_ES : p.seg == X86_SEG_NONE ? X86_SEG_DS : p.seg;
	return true;
}

uint64_t x86_addr_reg(uint64_t reg, unsigned addr_size)
{
	return addr_size == 8 ? reg : reg & ((1ull << (addr_size * 8)) - 1);
}

uint64_t x86_addr_reg_add(uint64_t reg, unsigned addr_size, int64_t delta)
{
	uint64_t sum = reg + (uint64_t)delta;

	if (addr_size == 2)
		return (reg & ~0xffffull) | (sum & 0xffffu);    /* SI, DI, CX: the rest stays */
	return x86_addr_reg(sum, addr_size);                    /* ESI ...: zero-extended */
}
