/* The load/store decoder for emulated MMIO (insn.h). RISC-V unprivileged
 * spec 20191213: base opcodes LOAD (0x03) and STORE (0x23), and the C
 * extension's quadrants 0 and 2. */
#include "insn.h"

#define OPCODE_LOAD     0x03u
#define OPCODE_STORE    0x23u

static bool decode32(uint32_t insn, struct mmio_insn *out)
{
	unsigned funct3 = (insn >> 12) & 7u;

	out->len = 4;
	switch (insn & 0x7fu) {
	case OPCODE_LOAD:
		if (funct3 == 7u)
			return false;                   /* reserved */
		out->store = false;
		out->size = 1u << (funct3 & 3u);
		out->sign = funct3 < 3u;            /* LB, LH, LW; LD needs none */
		out->reg = (insn >> 7) & 31u;
		return true;
	case OPCODE_STORE:
		if (funct3 > 3u)
			return false;
		out->store = true;
		out->size = 1u << funct3;
		out->sign = false;
		out->reg = (insn >> 20) & 31u;
		return true;
	default:
		return false;
	}
}

static bool decode16(uint16_t insn, struct mmio_insn *out)
{
	unsigned funct3 = (unsigned)insn >> 13;

	out->len = 2;
	out->sign = false;
	switch (insn & 3u) {
	case 0:                                     /* quadrant 0: rd'/rs2' in bits 4:2 */
		out->reg = 8u + (((unsigned)insn >> 2) & 7u);
		switch (funct3) {
		case 2: out->store = false; out->size = 4; out->sign = true; return true;  /* C.LW */
		case 3: out->store = false; out->size = 8; return true;                    /* C.LD */
		case 6: out->store = true; out->size = 4; return true;                     /* C.SW */
		case 7: out->store = true; out->size = 8; return true;                     /* C.SD */
		default: return false;      /* C.ADDI4SPN, C.FLD, C.FSD, reserved */
		}
	case 2:                                     /* quadrant 2: sp-relative */
		switch (funct3) {
		case 2:                             /* C.LWSP: rd in bits 11:7, not x0 */
		case 3:                             /* C.LDSP */
			out->reg = ((unsigned)insn >> 7) & 31u;
			if (out->reg == 0)
				return false;       /* reserved */
			out->store = false;
			out->size = funct3 == 2 ? 4 : 8;
			out->sign = funct3 == 2;
			return true;
		case 6:                             /* C.SWSP: rs2 in bits 6:2 */
		case 7:                             /* C.SDSP */
			out->reg = ((unsigned)insn >> 2) & 31u;
			out->store = true;
			out->size = funct3 == 6 ? 4 : 8;
			return true;
		default:
			return false;
		}
	default:
		return false;                       /* quadrant 1: no loads or stores */
	}
}

bool insn_decode_mmio(uint32_t insn, struct mmio_insn *out)
{
	if ((insn & 3u) == 3u)
		return (insn & 0x1cu) != 0x1cu && decode32(insn, out);  /* not a 48-bit+ encoding */
	return decode16((uint16_t)insn, out);
}

bool insn_decode_htinst(uint64_t htinst, struct mmio_insn *out)
{
	if (!(htinst & 1u))
		return false;                       /* 0, or a pseudoinstruction: no access to replay */
	bool compressed = !(htinst & 2u);
	if (!decode32((uint32_t)htinst | 2u, out))
		return false;
	if (compressed)
		out->len = 2;
	return true;
}
