/* Decoding the instruction behind an emulated MMIO access (x86_64: QEMU's
 * SVM has no decode assists, so the hypervisor reads the instruction). */
#ifndef ARCH_X86_64_INSN_H
#define ARCH_X86_64_INSN_H

#include <stdbool.h>
#include <stdint.h>

#define X86_MAX_INSN 15u
#define X86_HLT 0xf4u          /* HLT's opcode, one byte */

enum x86_extend { EXTEND_NONE, EXTEND_ZERO, EXTEND_SIGN };

/* A MOV between a register (or an immediate) and memory. */
struct x86_mmio_insn {
	unsigned len;           /* bytes, prefixes included */
	unsigned size;          /* bytes accessed: 1, 2, 4 or 8 */
	bool store;
	bool imm;               /* a store of `value` (MOV r/m, imm) rather than of reg */
	uint64_t value;
	unsigned reg;           /* 0-15 (instruction set numbering) */
	bool high8;             /* reg is AH, CH, DH or BH (8-bit, no REX) */
	unsigned reg_size;      /* a load: bytes of reg written (MOVZX/MOVSX: wider than size) */
	enum x86_extend extend;
};

/* The code segment's mode: 16-bit (real mode, or a 16-bit segment), 32-bit
 * (CS.D), 64-bit (CS.L in long mode). Decides default operand and address
 * sizes. */
enum x86_mode { MODE_16 = 2, MODE_32 = 4, MODE_64 = 8 };

/* Decode bytes[0..avail): true if it is one of the MOV forms a device
 * access is compiled to (88, 89, 8A, 8B, C6 /0, C7 /0, A0-A3, 0F B6/B7/BE/BF
 * with operand-size, address-size, segment, LOCK-free prefixes and REX) with
 * a memory operand; false for anything else (the caller injects #GP). */
bool x86_decode_mmio(const uint8_t *bytes, unsigned avail, enum x86_mode mode, struct x86_mmio_insn *in);

/* Segment registers by their encoding (as segment override prefixes name
 * them); X86_SEG_NONE: no override. */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS, X86_SEG_NONE };

/* INS or OUTS (6C-6F; AMD64 APM vol. 3, "INS", "OUTS", "REP"). */
struct x86_string_io {
	unsigned len;           /* bytes, prefixes included */
	unsigned size;          /* bytes per element: 1, 2 or 4 */
	unsigned addr_size;     /* 2, 4 or 8: the width of rSI/rDI and rCX */
	unsigned seg;           /* enum x86_seg of the memory operand */
	bool in;                /* INS (port to memory at ES:rDI); else OUTS (DS:rSI or override) */
	bool rep;               /* F2 or F3: rCX elements */
};

/* Decode bytes[0..avail) as INS/OUTS with its prefixes; false if it is
 * not one. */
bool x86_decode_string_io(const uint8_t *bytes, unsigned avail, enum x86_mode mode, struct x86_string_io *io);
/* rSI, rDI or rCX as an address size sees it; and after adding delta
 * (16-bit: only bits 15:0 change; 32-bit: the result is zero-extended). */
uint64_t x86_addr_reg(uint64_t reg, unsigned addr_size);
uint64_t x86_addr_reg_add(uint64_t reg, unsigned addr_size, int64_t delta);

/* What a load leaves in a register that held old: value (size bytes)
 * extended and merged as the instruction and mode say. */
uint64_t x86_load_result(const struct x86_mmio_insn *in, enum x86_mode mode, uint64_t old, uint64_t value);

#endif
