# Build rules shared by the bare-metal guests under guests/. A guest's
# Makefile sets GUEST (its name) and OBJS (its own objects) and includes
# this; it gets the objects of guests/common/ (COMMON, if it sets one, picks
# among them) and the architecture's linker script. ARCH (aarch64, the
# default, riscv64 or x86_64) picks the cross compiler and the architecture's part
# of guests/common/: a name is looked up in common/$(ARCH)/ first, then in
# common/; a guest's own sources likewise in <guest>/$(ARCH)/ first.
#   start.S    entry code, stacks, vectors (aarch64: the identity map; see
#              <arch>/start.h)
#   fdt.c      FDT reader; dt.c: the device tree in one walk
#   uart.c     the console UART (PL011, 16550A); printf.c: printf to it
#   console.c  lines from several vCPUs
#   aarch64:   psci.c PSCI calls; exception.c expected and unexpected
#              synchronous exceptions; gic.c GICv3 driver
#   riscv64:   sbi.c SBI calls; trap.c expected and unexpected traps
#   bootargs.c /chosen/bootargs words
# It may also set MAX_VCPUS (stacks reserved, default 8) and START_HOOKS (a
# header of its own with hooks into start.S, see there).
#   make -C guests/<name> [O=<outdir>] [ARCH=riscv64] [CROSS_COMPILE=<prefix>]
# O is relative to the guest's directory (make -C changes into it first).

ARCH ?= aarch64
O ?= ../../build/guests/$(if $(filter riscv64 x86_64,$(ARCH)),$(ARCH)/)$(GUEST)

SRC := $(patsubst %/,%,$(dir $(firstword $(MAKEFILE_LIST))))
LIB := $(SRC)/../common

ifeq ($(ARCH),x86_64)
# The host's own gcc. No red zone and no SSE (nothing saves them around a
# trap), no PIC: start.S's 32-bit code takes absolute addresses below 4 GiB.
CROSS_COMPILE ?=
COMMON ?= start.o uart.o console.o multiboot.o vectors.o trap.o
ARCH_CFLAGS := -m64 -mno-red-zone -mgeneral-regs-only -mcmodel=small -fcf-protection=none
ARCH_LDFLAGS :=
else ifeq ($(ARCH),riscv64)
CROSS_COMPILE ?= riscv64-linux-gnu-
COMMON ?= start.o fdt.o dt.o sbi.o uart.o console.o trap.o bootargs.o
# No F/D registers used (the trap path saves only integer ones); .insn for
# anything beyond rv64imac; no relaxation against gp, which nothing sets.
ARCH_CFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax
ARCH_LDFLAGS := -Wl,--no-relax
else
CROSS_COMPILE ?= aarch64-linux-gnu-
COMMON ?= start.o fdt.o dt.o psci.o uart.o console.o exception.o bootargs.o gic.o
# No FP/SIMD registers; inline LDAXR/STXR for atomics: the default
# out-of-line helpers live in libgcc and probe CPU features through the C
# library.
ARCH_CFLAGS := -mgeneral-regs-only -mno-outline-atomics
ARCH_LDFLAGS :=
endif
# printf goes with the UART driver
COMMON_OBJS := $(COMMON) $(if $(filter uart.o,$(COMMON)),printf.o)

CC      := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy

CFLAGS := -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdlib -O2 \
	  $(ARCH_CFLAGS) -fno-pic -fno-stack-protector -I$(SRC)/$(ARCH) -I$(SRC) -I$(LIB)/$(ARCH) -I$(LIB)
CFLAGS += -fno-asynchronous-unwind-tables -fno-unwind-tables
# No memset/memcpy calls conjured from loops: there is no C library.
CFLAGS += -fno-builtin -fno-tree-loop-distribute-patterns
CFLAGS += -MMD -MP
# Every object, common ones included, must see the same MAX_VCPUS.
CFLAGS += $(if $(MAX_VCPUS),-DMAX_VCPUS=$(MAX_VCPUS))

LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,$(LIB)/$(ARCH)/linker.ld $(ARCH_LDFLAGS)

ALL_OBJS := $(addprefix $(O)/,$(OBJS)) $(addprefix $(O)/common-,$(COMMON_OBJS))

.PHONY: all clean
all: $(O)/$(GUEST).bin $(if $(filter x86_64,$(ARCH)),$(O)/$(GUEST).elf32)

# x86_64: QEMU's multiboot loader (-kernel, bare) takes ELF32 only.
$(O)/$(GUEST).elf32: $(O)/$(GUEST).elf
	$(OBJCOPY) -O elf32-i386 $< $@

$(O)/$(GUEST).bin: $(O)/$(GUEST).elf
	$(OBJCOPY) -O binary $< $@

ifeq ($(ARCH),x86_64)
# QEMU's multiboot loader (-kernel, bare runs) takes ELF32 only.
all: $(O)/$(GUEST)-elf32.elf
$(O)/$(GUEST)-elf32.elf: $(O)/$(GUEST).elf
	$(OBJCOPY) -O elf32-i386 $< $@
endif

$(O)/$(GUEST).elf: $(ALL_OBJS) $(LIB)/$(ARCH)/linker.ld
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(ALL_OBJS)

# The architecture's own version of a file first.
$(O)/%.o: $(SRC)/$(ARCH)/%.c | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/%.o: $(SRC)/$(ARCH)/%.S | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/%.o: $(SRC)/%.c | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/%.o: $(SRC)/%.S | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-%.o: $(LIB)/$(ARCH)/%.c | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-%.o: $(LIB)/$(ARCH)/%.S | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-%.o: $(LIB)/%.c | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-%.o: $(LIB)/%.S | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-start.o: CFLAGS += $(if $(START_HOOKS),-include $(SRC)/$(START_HOOKS))

$(O):
	mkdir -p $@

clean:
	rm -f $(O)/*.o $(O)/*.d $(O)/$(GUEST).elf $(O)/$(GUEST).bin $(O)/$(GUEST).elf32

-include $(ALL_OBJS:.o=.d)
