# riscv64: the cross compiler and the flags the hypervisor builds with.
# No F/D instructions (the guest's FP registers stay live in the hart), the
# medany code model (the image sits at 0x8020_0000), no linker relaxation
# (nothing sets gp), no small-data sections (everything in the linker
# script's .rodata, .data, .bss). H-extension instructions: .option arch, +h.
CROSS_COMPILE ?= riscv64-linux-gnu-
ARCH_CFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax -msmall-data-limit=0 \
	-mstrict-align
ARCH_LDFLAGS := --no-relax
