# x86_64: the host's own gcc (this machine is x86_64), so no cross prefix.
# No red zone (interrupts arrive on the hypervisor's stack at CPL 0), no
# SSE/x87 registers (the guest's stay live in the CPU), the small code model
# (everything sits below 2 GiB). QEMU's multiboot loader takes ELF32 only:
# the Makefile copies the link output into tessera.elf in that format.
CROSS_COMPILE ?=
ARCH_CFLAGS := -m64 -mno-red-zone -mgeneral-regs-only -mcmodel=small -fcf-protection=none \
	-fno-asynchronous-unwind-tables
ARCH_LDFLAGS := -m elf_x86_64
ARCH_ELF_FORMAT := elf32-i386
