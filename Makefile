# Tessera: static partitioning hypervisor.
#
#   make deps                      install Debian packages (root)
#   make menuconfig                build options (.config)
#   make CONFIG=arceos-smp         generate and build build/arceos-smp/tessera.elf
#   make CONFIG=arceos-smp run     ... and boot it under QEMU
#   make CONFIG=arceos-smp debug   ... QEMU waits for gdb (see docs/debugging.md)
#   make CONFIG=arceos-smp layout  only generate: build/arceos-smp/layout.svg, its picture
#   make test                      every test layer; ends with "N passed, N failed"
#   make bench | size | check      benchmarks, footprint, static analysis
#
# CONFIG is a name under configs/ (.toml, .yaml or .yml) or a path to a file.
# The board it names decides the architecture (board.toml `arch`), and with
# it the cross compiler and arch/<arch>/: see docs/configuration.md, "Board
# and architecture".

PYTHON ?= /usr/bin/python3
HOSTCC ?= gcc

CONFIG ?= arceos-smp
CONFIG_FILE := $(firstword $(wildcard $(CONFIG) configs/$(CONFIG).toml configs/$(CONFIG).yaml configs/$(CONFIG).yml))
NAME := $(basename $(notdir $(if $(CONFIG_FILE),$(CONFIG_FILE),$(CONFIG))))
B ?= build/$(NAME)
GEN := $(B)/gen
ELF := $(B)/tessera.elf

# The Kconfig values to build with (another file: KCONFIG_CONFIG=path, with B=dir).
KCONFIG_CONFIG ?= .config
export KCONFIG_CONFIG
KCONFIG := $(PYTHON) -m

# The board and architecture the config is for: its `board`, or for an
# ArceOS VM file (no board) the one .config selects. A config for another
# board than .config's builds with a copy of .config on that board,
# $(B)/board.config (every other option as .config has it, where it applies).
BOARD_ARCH := $(if $(CONFIG_FILE),$(shell PYTHONPATH=gen $(PYTHON) -m tessera_gen.which $(CONFIG_FILE) $(KCONFIG_CONFIG) 2>/dev/null))
BOARD := $(word 1,$(BOARD_ARCH))
ARCH := $(or $(word 2,$(BOARD_ARCH)),aarch64)
KCONFIG_BOARD := $(word 3,$(BOARD_ARCH))
BUILD_KCONFIG := $(if $(and $(BOARD),$(filter-out $(KCONFIG_BOARD),$(BOARD))),$(B)/board.config,$(KCONFIG_CONFIG))

GEN_SRCS := $(wildcard gen/tessera_gen/*.py gen/templates/*.j2 gen/templates/*/*.j2)

# arch/<arch>/arch.mk: its CROSS_COMPILE default and compiler flags.
include arch/$(ARCH)/arch.mk
CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy

SRCS := $(wildcard src/*.c) $(wildcard arch/$(ARCH)/*.c) $(wildcard arch/$(ARCH)/*.S)
OBJS := $(patsubst %,$(B)/obj/%.o,$(basename $(SRCS))) \
	$(B)/obj/gen/partitions.o $(B)/obj/gen/pagetables.o $(B)/obj/gen/guest_images.o

CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -fno-pic -fno-pie -fno-stack-protector \
	-fno-common $(ARCH_CFLAGS) -Iinclude -Iarch -I$(GEN) -include $(GEN)/autoconf.h -MMD -MP
LDFLAGS := -nostdlib -static --no-pie --build-id=none -z noexecstack $(ARCH_LDFLAGS)

GUESTS := smp-hello irq-test ticker bench chan-demo probe
# Guests built for riscv64 and x86_64 too, into build/guests/<arch>/<name>/.
RISCV_GUESTS := smp-hello irq-test ticker probe bench
X86_GUESTS := smp-hello ticker probe bench irq-test

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all build run debug guests linux-guest linux-x86-guest riscv-linux-guest test test-gen test-unit test-qemu fuzz deps \
	menuconfig defconfig olddefconfig clean help check-config size check layout
.DEFAULT_GOAL := all

all build: $(ELF) $(B)/layout.svg

# The picture of the whole layout (CPUs and schedules, memory map,
# interrupts and devices), written by the generator with the tables.
layout: $(B)/layout.svg
	@echo "layout: $(B)/layout.svg (and $(GEN)/layout.txt)"
$(B)/layout.svg: $(GEN)/stamp
	$(Q)cp $(GEN)/layout.svg $@

# --- configuration --------------------------------------------------------

$(KCONFIG_CONFIG):
	$(KCONFIG) alldefconfig Kconfig >/dev/null
	@echo "wrote default $@ (change it with make menuconfig)"

menuconfig:
	$(KCONFIG) menuconfig Kconfig
defconfig:
	$(KCONFIG) alldefconfig Kconfig
olddefconfig:
	$(KCONFIG) olddefconfig Kconfig

check-config:
	@if [ -z "$(CONFIG_FILE)" ]; then \
		echo "error: CONFIG=$(CONFIG): no configs/$(CONFIG).toml, .yaml or .yml, and no such file" >&2; \
		exit 1; fi

# --- guests shipped with the project --------------------------------------

guests:
	@for g in $(GUESTS); do $(MAKE) -s --no-print-directory -C guests/$$g O=$(CURDIR)/build/guests/$$g || exit 1; done
	@for g in $(RISCV_GUESTS); do $(MAKE) -s --no-print-directory -C guests/$$g ARCH=riscv64 \
		O=$(CURDIR)/build/guests/riscv64/$$g || exit 1; done
	@for g in $(X86_GUESTS); do $(MAKE) -s --no-print-directory -C guests/$$g ARCH=x86_64 \
		O=$(CURDIR)/build/guests/x86_64/$$g || exit 1; done

# Debian's arm64 kernel and a busybox initramfs (guests/linux/init), fetched
# and built into build/linux/ (cached: nothing is downloaded twice).
linux-guest:
	@scripts/fetch-linux.sh build/linux

# A config that uses them gets them made first.
ifneq ($(and $(CONFIG_FILE),$(shell grep -l 'build/linux/' $(CONFIG_FILE) 2>/dev/null)),)
$(GEN)/stamp: linux-guest
endif

# Debian's amd64 kernel (a bzImage) and the same busybox initramfs, for x86_64
# partitions, into build/linux-x86/.
linux-x86-guest:
	@scripts/fetch-linux.sh build/linux-x86 amd64

ifneq ($(and $(CONFIG_FILE),$(shell grep -l 'build/linux-x86/' $(CONFIG_FILE) 2>/dev/null)),)
$(GEN)/stamp: linux-x86-guest
endif

# A riscv64 kernel built from Debian's linux-source-6.1 (tinyconfig and
# guests/linux-riscv/kernel.config) and a static C /init
# (guests/linux-riscv/init.c), into build/linux-riscv/: a few minutes the
# first time, then cached (scripts/build-riscv-linux.sh, docs/linux.md).
riscv-linux-guest:
	@scripts/build-riscv-linux.sh build/linux-riscv

ifneq ($(and $(CONFIG_FILE),$(shell grep -l 'build/linux-riscv/' $(CONFIG_FILE) 2>/dev/null)),)
$(GEN)/stamp: riscv-linux-guest
endif

# --- generate: the generator always runs (it is quick) but rewrites only
#     the files whose content changed, so make rebuilds only what it must ---

# .config with the config's board chosen (when .config selects another).
$(B)/board.config: $(KCONFIG_CONFIG) Kconfig $(CONFIG_FILE)
	@echo "  KCONFIG $@ (.config's options on board $(BOARD), which $(CONFIG_FILE) names)"
	$(Q)PYTHONPATH=gen $(PYTHON) -m tessera_gen.which --board-config $(BOARD) $(KCONFIG_CONFIG) $@

$(GEN)/stamp: check-config $(BUILD_KCONFIG) $(GEN_SRCS) guests
	@echo "  GEN     $(GEN)"
	$(Q)PYTHONPATH=gen $(PYTHON) -m tessera_gen --config $(CONFIG_FILE) --out $(GEN) --kconfig $(BUILD_KCONFIG)
	@touch $@

# --- build ----------------------------------------------------------------

# The generator makes these; say so, so that make looks for them after it ran.
$(addprefix $(GEN)/,partitions.c pagetables.c guest_images.S tessera.ld): $(GEN)/stamp ;

$(B)/obj/%.o: %.c Makefile | $(GEN)/stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
$(B)/obj/%.o: %.S Makefile | $(GEN)/stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
$(B)/obj/gen/%.o: $(GEN)/%.c Makefile | $(GEN)/stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
# It .incbin's the guest images: rebuild it whenever the generator ran.
$(B)/obj/gen/guest_images.o: $(GEN)/stamp
	@mkdir -p $(dir $@)
	@echo "  AS      $(GEN)/guest_images.S"
	$(Q)$(CC) $(CFLAGS) -c $(GEN)/guest_images.S -o $@

# An architecture whose loader wants another ELF class sets ARCH_ELF_FORMAT
# in its arch.mk (x86_64: QEMU's multiboot loader takes ELF32 only): the
# link output is then tessera64.elf (symbols, gdb, size), and tessera.elf,
# what QEMU boots, its copy in that format.
ifdef ARCH_ELF_FORMAT
LINK_ELF := $(B)/tessera64.elf
$(ELF): $(LINK_ELF)
	@echo "  OBJCOPY $@ ($(ARCH_ELF_FORMAT))"
	$(Q)$(OBJCOPY) -O $(ARCH_ELF_FORMAT) $< $@
else
LINK_ELF := $(ELF)
endif

$(LINK_ELF): $(OBJS) $(GEN)/stamp
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -T $(GEN)/tessera.ld -Map $(B)/tessera.map -o $@ $(OBJS)
	@echo "built $@ (layout: $(GEN)/layout.txt)"

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# --- run under QEMU ---------------------------------------------------------

QEMU_RUN = $$(cat $(GEN)/qemu.flags) -nographic -kernel $(ELF)

run: $(ELF)
	$(QEMU_RUN)

debug: $(ELF)
	@echo "QEMU waits for gdb on localhost:1234. In another terminal:"
	@echo "    gdb-multiarch -x $(GEN)/debug.gdb"
	$(QEMU_RUN) -S -gdb tcp:localhost:1234

# --- tests ------------------------------------------------------------------

# Host unit tests of the arch-neutral core with a fake arch, and of the guest
# PSCI ABI on top of it (tests/unit/), of the vGIC (registers and delivery,
# with fake list registers and physical GIC: tests/unit/vgic/), built for
# GICv3 and for GICv2, and of the riscv64 port's instruction decoder and
# guest SBI on the same core (tests/unit/riscv/).
UNIT_SRCS := src/main.c src/power.c src/health.c src/channel.c src/console.c src/mmio.c \
	src/vuart_pl011.c src/vuart_ns16550.c arch/aarch64/psci.c src/hypercall.c $(wildcard tests/unit/*.c)
VGIC_UNIT_SRCS := arch/aarch64/vgic.c arch/aarch64/vgic_regs.c arch/aarch64/vgic_regs_v2.c \
	tests/unit/runner.c tests/unit/fake_system.c $(wildcard tests/unit/vgic/*.c)
# The riscv64 port's decoder, virtual PLIC and guest SBI on the same core (tests/unit/riscv/).
RISCV_UNIT_SRCS := src/main.c src/power.c src/health.c src/channel.c src/console.c src/mmio.c \
	src/vuart_pl011.c src/vuart_ns16550.c arch/riscv64/sbi.c arch/riscv64/insn.c arch/riscv64/vplic.c \
	tests/unit/runner.c tests/unit/fake_arch.c tests/unit/fake_system.c $(wildcard tests/unit/riscv/*.c)
# The schedule of a shared pCPU on the same core, with its own small system
# (tests/unit/schedule/: its layout.h defines TESSERA_SCHEDULED).
SCHED_UNIT_SRCS := src/main.c src/power.c src/health.c src/channel.c src/console.c src/mmio.c \
	src/vuart_pl011.c src/vuart_ns16550.c src/schedule.c tests/unit/runner.c tests/unit/fake_arch.c \
	$(wildcard tests/unit/schedule/*.c)
# The x86_64 port's decoder and virtual local APIC on the same core, in a
# system of its own (tests/unit/x86/).
X86_UNIT_SRCS := src/main.c src/power.c src/health.c src/channel.c src/console.c src/mmio.c \
	src/vuart_pl011.c src/vuart_ns16550.c src/hypercall.c arch/x86_64/insn.c arch/x86_64/vlapic.c arch/x86_64/vioapic.c \
	arch/x86_64/page_walk.c tests/unit/runner.c tests/unit/fake_arch.c $(wildcard tests/unit/x86/*.c)
UNIT_HDRS := $(wildcard tests/unit/*.h tests/unit/vgic/*.h tests/unit/riscv/*.h include/tessera/*.h src/*.h \
	arch/aarch64/vgic*.h arch/aarch64/gic.h arch/aarch64/arch.h arch/aarch64/board.h arch/aarch64/frame.h \
	arch/riscv64/*.h arch/x86_64/insn.h arch/x86_64/vlapic.h arch/x86_64/vioapic.h arch/x86_64/page_walk.h arch/x86_64/x86.h \
	tests/unit/schedule/*.h)
UNIT_CC = $(HOSTCC) -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -Iinclude -Itests/unit \
	-include tests/unit/autoconf.h
build/unit/unit-tests: $(UNIT_SRCS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_SRCS) -o $@
build/unit/vgic-tests: $(VGIC_UNIT_SRCS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(VGIC_UNIT_SRCS) -o $@
build/unit/vgic2-tests: $(VGIC_UNIT_SRCS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) -DUNIT_GIC_V2 $(VGIC_UNIT_SRCS) -o $@
build/unit/schedule-tests: $(SCHED_UNIT_SRCS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -Iinclude -Itests/unit/schedule \
		-Itests/unit -include tests/unit/autoconf.h $(SCHED_UNIT_SRCS) -o $@
build/unit/riscv-tests: $(RISCV_UNIT_SRCS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(RISCV_UNIT_SRCS) -o $@
build/unit/x86-tests: $(X86_UNIT_SRCS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(X86_UNIT_SRCS) -o $@

test:
	@$(PYTHON) tests/run_all.py

test-gen:
	@$(PYTHON) tests/run_all.py gen
test-unit:
	@$(PYTHON) tests/run_all.py unit
test-qemu:
	@$(PYTHON) tests/run_all.py qemu

# A long fuzz run of the generator (make test runs a short one): FUZZ_COUNT
# mutated configs (default 20000) of seed FUZZ_SEED (default: the time,
# printed first); failing inputs go to build/fuzz/failures/. Replay one case
# with FUZZ_SEED=<seed> FUZZ_ONLY=<case>. See tests/gen/fuzz.py.
fuzz:
	@FUZZ_COUNT="$(FUZZ_COUNT)" FUZZ_SEED="$(FUZZ_SEED)" FUZZ_ONLY="$(FUZZ_ONLY)" \
		$(PYTHON) tests/gen/fuzz.py --dir build/fuzz

# Benchmark, not part of make test: the bench guest bare under QEMU and under
# Tessera (configs/bench.toml; riscv64: configs/riscv-bench.toml), QEMU
# -icount; a table per architecture on the console and
# build/bench/results.json (docs/performance.md). BENCH_ARGS: e.g. --load,
# --arch riscv64, --profile.
.PHONY: bench
bench:
	@$(PYTHON) scripts/bench.py $(BENCH_ARGS)

# --- housekeeping -----------------------------------------------------------

deps:
	scripts/setup.sh

# Footprint of every config and lines of code: build/size.txt (scripts/size.sh).
size:
	@scripts/size.sh

# Static analysis, stack bound, W^X; docs/safety.md (scripts/check.sh).
check:
	@scripts/check.sh

clean:
	rm -rf build

help:
	@sed -n '2,12p' Makefile | sed 's/^# \{0,1\}//'
