# Build rules shared by the bare-metal guests under guests/. A guest's
# Makefile sets GUEST (its name) and OBJS (its own objects) and includes
# this; it gets the objects of guests/common/ (COMMON, if it sets one, picks
# among them) and the common linker script:
#   start.S    entry code, stacks, identity map, vectors (see start.h)
#   fdt.c      FDT reader; dt.c: the device tree in one walk
#   psci.c     PSCI calls;  uart.c: PL011 output and printf
#   console.c  lines from several vCPUs;  exception.c: expected and
#              unexpected synchronous exceptions
#   bootargs.c /chosen/bootargs words;  gic.c: GICv3 driver
# It may also set MAX_VCPUS (stacks reserved, default 8) and START_HOOKS (a
# header of its own with hooks into start.S, see there).
#   make -C guests/<name> [O=<outdir>] [CROSS_COMPILE=<prefix>]
# O is relative to the guest's directory (make -C changes into it first).

CROSS_COMPILE ?= aarch64-linux-gnu-
O ?= ../../build/guests/$(GUEST)
COMMON ?= start.o fdt.o dt.o psci.o uart.o console.o exception.o bootargs.o gic.o

CC      := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy

SRC := $(patsubst %/,%,$(dir $(firstword $(MAKEFILE_LIST))))
LIB := $(SRC)/../common

CFLAGS := -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdlib -O2 \
	  -mgeneral-regs-only -fno-pic -fno-stack-protector -I$(LIB)
# Inline LDAXR/STXR for atomics: the default out-of-line helpers live in
# libgcc and probe CPU features through the C library.
CFLAGS += -mno-outline-atomics
CFLAGS += -fno-asynchronous-unwind-tables -fno-unwind-tables
# No memset/memcpy calls conjured from loops: there is no C library.
CFLAGS += -fno-builtin -fno-tree-loop-distribute-patterns
CFLAGS += -MMD -MP
# Every object, common ones included, must see the same MAX_VCPUS.
CFLAGS += $(if $(MAX_VCPUS),-DMAX_VCPUS=$(MAX_VCPUS))

LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,$(LIB)/linker.ld

ALL_OBJS := $(addprefix $(O)/,$(OBJS)) $(addprefix $(O)/common-,$(COMMON))

.PHONY: all clean
all: $(O)/$(GUEST).bin

$(O)/$(GUEST).bin: $(O)/$(GUEST).elf
	$(OBJCOPY) -O binary $< $@

$(O)/$(GUEST).elf: $(ALL_OBJS) $(LIB)/linker.ld
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(ALL_OBJS)

$(O)/%.o: $(SRC)/%.c | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/%.o: $(SRC)/%.S | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-%.o: $(LIB)/%.c | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-%.o: $(LIB)/%.S | $(O)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/common-start.o: CFLAGS += $(if $(START_HOOKS),-include $(SRC)/$(START_HOOKS))

$(O):
	mkdir -p $@

clean:
	rm -f $(O)/*.o $(O)/*.d $(O)/$(GUEST).elf $(O)/$(GUEST).bin

-include $(ALL_OBJS:.o=.d)
