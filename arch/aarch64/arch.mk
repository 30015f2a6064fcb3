# aarch64: the cross compiler and the flags the hypervisor builds with.
# No FP/SIMD registers (the guest's stay live in the CPU), inline atomics.
CROSS_COMPILE ?= aarch64-linux-gnu-
ARCH_CFLAGS := -mgeneral-regs-only -mno-outline-atomics
ARCH_LDFLAGS :=
