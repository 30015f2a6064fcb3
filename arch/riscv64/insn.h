/* Decoding the load or store that faulted on an emulated device (riscv64):
 * QEMU leaves htinst 0, so the trap handler fetches the instruction itself
 * (HLVX) and decodes it here, compressed forms included. Pure: host unit
 * tests build it (tests/unit/riscv). */
#ifndef ARCH_RISCV64_INSN_H
#define ARCH_RISCV64_INSN_H

#include <stdbool.h>
#include <stdint.h>

struct mmio_insn {
	unsigned len;           /* 2 (compressed) or 4 bytes */
	bool store;
	unsigned size;          /* 1, 2, 4 or 8 bytes */
	unsigned reg;           /* rd of a load (0: the value is dropped), rs2 of a store */
	bool sign;              /* a load that sign-extends (LB, LH, LW) */
};

/* insn: the instruction's bits (16 or 32; a compressed one in the low 16).
 * True for an integer load or store (LB..LD, LBU..LWU, SB..SD, C.LW, C.LD,
 * C.SW, C.SD, C.LWSP, C.LDSP, C.SWSP, C.SDSP); false for anything else
 * (floating-point, atomics, vector, reserved encodings): no MMIO. */
bool insn_decode_mmio(uint32_t insn, struct mmio_insn *out);

/* htinst as the hart gives it: a transformed load or store (bit 0 set; bit
 * 1 clear for a compressed original, whose length is then 2), or 0. */
bool insn_decode_htinst(uint64_t htinst, struct mmio_insn *out);

#endif
