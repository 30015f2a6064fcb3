#!/usr/bin/python3
"""A seeded fuzzer for the generator (gen/tessera_gen).

    tests/gen/fuzz.py [--count N] [--seed S] [--jobs J] [--subprocess K] [--dir DIR]
    tests/gen/fuzz.py --seed S --only I [--only I ...]     replay cases, verbosely

Environment: FUZZ_COUNT, FUZZ_SEED, FUZZ_JOBS, FUZZ_SUBPROCESS, FUZZ_TIMEOUT, FUZZ_ONLY
stand for the options (`make fuzz FUZZ_COUNT=50000 FUZZ_SEED=7`).

Case I of seed S is a function of (S, I) alone: a valid config taken from a
small corpus (TOML and YAML, system configs with inline VMs or VM files, the
ArceOS per-VM format, GICv3 and GICv2 boards), changed by a few mutations
(wrong types, huge and negative numbers, overlapping addresses, unicode
names, deep nesting, missing and odd files, dropped, duplicated and renamed
keys, swapped sections) and sometimes by byte-level damage (truncation,
random bytes, duplicated or swapped lines), written in TOML or YAML, with the
--out directory absent or already holding files. Every case must end in
one of two ways:

- accepted: exit 0, nothing on stdout, nothing on stderr but notices (one
  line each: "notice: <file>: <key>: ..."), every output file written,
  partitions.c and pagetables.c compile (aarch64-linux-gnu-gcc -std=c11
  -Wall -Wextra -Werror -ffreestanding -fsyntax-only), guest_images.S
  assembles, the hypervisor's sources that use layout.h compile with it,
  tessera.ld places every guest section, and the layout is sane (no RAM
  shared between partitions, except a channel's, or with the hypervisor,
  guest images inside their partition's memory, no two vCPUs on one CPU,
  no partition owning the hypervisor's UART, the GIC or their interrupts);
- rejected: exit 1, exactly one line on stderr starting with "error: " and
  naming a file, nothing on stdout, and the --out directory as it was (absent,
  or byte for byte and timestamp for timestamp unchanged), no temporary
  directory left beside it.

Never a traceback, an "internal generator error" (exit 2), a crash of the
process, or a run longer than half the timeout (FUZZ_TIMEOUT, 20 s).

Most cases run in-process: worker processes (one per CPU) import
tessera_gen.__main__ and call main() with stderr captured, so a case costs
milliseconds, not a Python start-up; the parent gives each worker one case
at a time and replaces a worker that hangs or dies. An evenly spread sample
also runs as a subprocess exactly as the Makefile runs the generator, and
its exit status, stdout, stderr and output must equal the in-process run's.

Only the Jinja2 templates' compiled code is shared between in-process runs
(a bytecode cache: speed only); a worker runs the generator code it
imported at its start, so editing the generator during a run can make the
subprocess sample disagree.

A failing case is written to <dir>/failures/<seed>-<index>/ (its files, the
.config, the output if any, and error.txt with the problems and the command
that replays it). tests/gen/test_fuzz.py runs a bounded, fixed-seed share
of this in `make test`; `make fuzz` runs a long one.
"""

import argparse
import contextlib
import copy
import datetime
import hashlib
import io
import json
import os
import random
import re
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"            # the Debian Python with kconfiglib, libfdt, yaml, jinja2
CC = "aarch64-linux-gnu-gcc"
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-ffreestanding"]

PAGE, MIB = 0x1000, 0x100000

# ---------------------------------------------------------------------------
# The corpus: valid configs. Paths name the fixture files every worker puts
# next to them (kernel.bin, initrd.bin, guest.dtb, ...).

CONSOLE = ["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]


def vm(id, name, sets, ids=None, mem=None, entry=0x4008_0000, devices=True, kernel="kernel.bin", **kernel_extra):
    base = {"id": id, "name": name, "vm_type": 1, "cpu_num": len(sets),
            "phys_cpu_ids": ids if ids is not None else list(range(len(sets))), "phys_cpu_sets": sets}
    k = {"entry_point": entry, "image_location": "memory", "kernel_path": kernel, "kernel_load_addr": entry}
    k.update(kernel_extra)
    k["memory_regions"] = mem or [[0x4000_0000, 0x100_0000, 0x7, 0]]
    out = {"base": base, "kernel": k}
    if devices is True:
        out["devices"] = {"passthrough_devices": [], "emu_devices": [list(CONSOLE)]}
    elif devices:
        out["devices"] = devices
    return out


def _seed_solo():
    return {"solo.toml": ["toml", vm(1, "solo", [0x1])]}, "solo.toml", None


def _seed_solo_yaml():
    return {"solo.yml": ["yaml", vm(1, "solo", [0x1, 0x2], ids=[0x100, 0x101])]}, "solo.yml", None


def _seed_two(fmt):
    def build():
        name = "system." + fmt
        data = {"board": "qemu-aarch64-virt",
                "vm": [vm(1, "left", [0x1]), vm(2, "right", [0x2])]}
        return {name: [fmt, data]}, name, "qemu-aarch64-virt"
    return build


def _seed_smp():
    return {"arceos.toml": ["toml", vm(1, "arceos", [1, 2, 4, 8], mem=[[0x4000_0000, 0x800_0000, 0x7, 0]])]}, \
        "arceos.toml", None


def _seed_linux():
    data = vm(1, "linux", [1, 2, 4, 8], entry=0x4020_0000, mem=[[0x4000_0000, 0x2000_0000, 0x7, 0]],
              ramdisk_path="initrd.bin", ramdisk_load_addr=0x4800_0000, cmdline="console=ttyAMA0 quiet panic=-1")
    return {"linux.toml": ["toml", data]}, "linux.toml", None


def _seed_pair():
    data = {"board": "qemu-aarch64-virt", "vm": [vm(1, "hello", [0xc, 0xc], ids=[0x100, 0x101])]}
    return {"pair.yaml": ["yaml", data]}, "pair.yaml", "qemu-aarch64-virt"


def _seed_irq():
    data = {"board": "qemu-aarch64-virt",
            "vm": [vm(1, "irqa", [0x1, 0x2]), vm(2, "irqb", [0x4, 0x8], ids=[0x100, 0x101])]}
    return {"irq.toml": ["toml", data]}, "irq.toml", "qemu-aarch64-virt"


def _seed_gicv2():
    data = {"board": "qemu-aarch64-virt-gicv2",
            "vm": [vm(1, "linux", [0x1, 0x2], entry=0x4020_0000, mem=[[0x4000_0000, 0x2000_0000, 0x7, 0]],
                      ramdisk_path="initrd.bin", ramdisk_load_addr=0x4800_0000, cmdline="console=ttyAMA0")]}
    return {"v2.toml": ["toml", data]}, "v2.toml", "qemu-aarch64-virt-gicv2"


def _seed_files():
    a = vm(1, "a", [0x1], kernel="../kernel.bin")
    b = vm(2, "b", [0x2], kernel="../kernel.bin", devices=False)
    data = {"board": "qemu-aarch64-virt", "vms": ["parts/a.toml", "parts/b.yaml"],
            "vm": [vm(3, "c", [0xc], mem=[[0x4000_0000, 0x40_0000, 0x7, 0], [0x5000_0000, 0x20_0000, 0x3, 0]])]}
    return {"files.toml": ["toml", data], "parts/a.toml": ["toml", a], "parts/b.yaml": ["yaml", b]}, \
        "files.toml", "qemu-aarch64-virt"


def _seed_rich():
    rtc = {"passthrough_devices": [["pl031@9010000", 0x0901_0000, 0x0901_0000, 0x1000, 34]],
           "emu_devices": [list(CONSOLE)], "interrupt_mode": "passthrough",
           "passthrough_addresses": [], "excluded_devices": []}
    a = vm(1, "rt", [0x1], devices=rtc, cmdline="x=1",
           mem=[[0x4000_0000, 0x100_0000, 0x7, 0], [0x4800_0000, 0x20_0000, 0x3, 1]])
    b = vm(2, "dt", [0x6, 0x6], entry=0x4020_0000, devices=None, dtb_path="guest.dtb",
           dtb_load_addr=0x4000_0000, ramdisk_path="initrd.bin", ramdisk_load_addr=0x4040_0000,
           mem=[[0x4000_0000, 0x100_0000, 0x7, 0]])
    return {"rich.yaml": ["yaml", {"board": "qemu-aarch64-virt", "vm": [a, b]}]}, "rich.yaml", "qemu-aarch64-virt"


def _seed_restart():
    a = vm(1, "phoenix", [0x1])
    a["base"].update(restart=True, max_restarts=2)
    data = {"board": "qemu-aarch64-virt", "run_time_ms": 5000, "vm": [a, vm(2, "plain", [0x2])]}
    return {"restart.toml": ["toml", data]}, "restart.toml", "qemu-aarch64-virt"


def _seed_channels():
    data = {"board": "qemu-aarch64-virt", "vm": [vm(1, "ping", [0x1]), vm(2, "pong", [0x2])], "channel": [
        {"name": "ping-to-pong", "size": 0x1000, "ends": [
            {"vm": "ping", "gpa": 0x5000_0000, "access": "rw", "irq": 40},
            {"vm": "pong", "gpa": 0x5000_0000, "access": "ro", "irq": 40}]},
        {"name": "pong-to-ping", "size": 0x2000, "ends": [
            {"vm": "pong", "gpa": 0x5000_2000, "access": "rw", "irq": 41},
            {"vm": "ping", "gpa": 0x6000_0000, "access": "ro"}]}]}
    return {"channels.toml": ["toml", data]}, "channels.toml", "qemu-aarch64-virt"


SEEDS = [_seed_solo, _seed_solo_yaml, _seed_two("toml"), _seed_two("yaml"), _seed_smp, _seed_linux,
         _seed_pair, _seed_irq, _seed_gicv2, _seed_files, _seed_rich, _seed_restart, _seed_channels]

# Files every worker keeps in its case directory, for configs to name.
FIXTURES = ["kernel.bin", "initrd.bin", "guest.dtb", "notadtb.dtb", "empty.bin", "huge.bin", "dir",
            "fifo.toml", "loop.bin", "binary.toml", "vmfile.toml"]
KERNEL_BYTES = bytes(i * 7 & 0xFF for i in range(0x3008))

# .config variants: the default board (GICv3), the GICv2 board, and features off.
KCONFIGS = {
    "default": {},
    "gicv2": dict(BOARD_QEMU_AARCH64_VIRT=None, BOARD_QEMU_AARCH64_VIRT_GICV2="y",
                  BOARD='"qemu-aarch64-virt-gicv2"', GIC_V3=None, GIC_V2="y"),
    "novuart": dict(VUART=None),
    "novgic": dict(VGIC=None),
}
BOARD_OF = {"default": "qemu-aarch64-virt", "gicv2": "qemu-aarch64-virt-gicv2",
            "novuart": "qemu-aarch64-virt", "novgic": "qemu-aarch64-virt"}

# ---------------------------------------------------------------------------
# Values


class Raw:
    """Text put into the file as is, one spelling per syntax."""

    def __init__(self, toml, yaml=None):
        self.toml = toml
        self.yaml = toml if yaml is None else yaml

    def __repr__(self):
        def short(t):
            return repr(t if len(t) < 60 else t[:40] + f"...({len(t)} chars)")
        return f"Raw({short(self.toml)}" + (f", yaml={short(self.yaml)})" if self.yaml != self.toml else ")")

    def __eq__(self, other):
        return isinstance(other, Raw) and (self.toml, self.yaml) == (other.toml, other.yaml)

    def __hash__(self):
        return hash((self.toml, self.yaml))


def deep(n, kind):
    if kind == "list":
        return Raw("[" * n + "]" * n)
    if kind == "table":
        return Raw("{a = " * n + "1" + "}" * n, "{a: " * n + "1" + "}" * n)
    return Raw("[{a = " * n + "1" + "}]" * n, "[{a: " * n + "1" + "}]" * n)


ADDRS = [0, 0x1000, 0x0800_0000, 0x0801_0000, 0x0803_0000, 0x080a_0000, 0x0900_0000, 0x0901_0000,
         0x0a00_0000, 0x0a00_0200, 0x1000_0000, 0x3fff_f000, 0x4000_0000, 0x4008_0000, 0x4010_0000,
         0x401f_f000, 0x4020_0000, 0x4040_0000, 0x4080_0000, 0x4800_0000, 0x5000_0000, 0x7fe0_0000,
         0x7fff_f000, 0x8000_0000, 0xffff_f000, 0x1_0000_0000, 0x7f_ffff_f000, 0x80_0000_0000,
         2**48, 2**63, 2**64 - 0x1000, 2**64 - 1]
SIZES = [0, 1, 0x200, 0xfff, 0x1000, 0x2000, 0x10000, 0x20000, 0x1f_f000, 0x20_0000, 0x20_1000,
         0x40_0000, 0x100_0000, 0x800_0000, 0x1000_0000, 0x2000_0000, 0x3fe0_0000, 0x4000_0000,
         0x8000_0000, 0x1_0000_0000, 0x80_0000_0000, 2**63, 2**64 - 0x1000, 2**64 - 1]
FLAGS = [0, 1, 2, 3, 4, 5, 7, 8, 0xf, 0x10, 0x13, 0x17, 0x20, 0x27, 0x3f, 0x40, 0xff, 2**64 - 1]
IRQS = [0, 1, 15, 16, 26, 27, 31, 32, 33, 34, 35, 48, 63, 64, 100, 1019, 1020, 1023, 1024, 4095, 2**32]
MASKS = [0, 1, 2, 3, 4, 5, 8, 0xc, 0xf, 0x10, 0x1f, 0xff, 2**63, 2**64 - 1]
MPIDRS = [0, 1, 2, 3, 0x100, 0x101, 0x10000, 0x1_0000_0000, 0xff00ffffff, 0x80000000, 0x1000000,
          0xff_0000_0000, 2**40, 2**64 - 1]
NAMES = ["a", "vm-1", "VM_2", "x" * 64, "x" * 300, "", " ", "a b", "é", "名前", "ü-x", "🙂", "İ",
         "٣", "ⅷ", "a\u200bb", "\u202eevil", "a*/b", "a\"b", "a\\b", "a\nb", "a\0b", "con", "..", "a/b",
         "left", "right", "solo", "linux", "tessera_vms", "vm0", "int", "%s%n", "{{ x }}"]
DEV_NAMES = ["pl011@9000000", "uart", "", " ", "*/", "/*", "a*/b", "x" * 500, "é", "\x7f", "\t",
             "a\nb", "a\"b", "a\\", "??=", "{{ x }}", "%d"]
PATHS = ["kernel.bin", "./kernel.bin", "../case/kernel.bin", "initrd.bin", "guest.dtb", "notadtb.dtb",
         "empty.bin", "huge.bin", "dir", "dir/", "fifo.toml", "loop.bin", "nope.bin", "", ".", "/",
         "/etc/hostname", "/nonexistent/k.bin", "kernel.bin\n", 'ker"nel.bin', "ker\\nel.bin",
         "kérnel.bin", "kernel.bin\0", "parts/../kernel.bin", "binary.toml", "vmfile.toml", "solo.toml",
         "x" * 5000]
VM_FILES = ["vmfile.toml", "binary.toml", "fifo.toml", "dir", "nope.toml", "kernel.bin", "guest.dtb",
            "loop.bin", "", "/", "/etc/hostname", "parts/a.toml", "parts/b.yaml", "solo.toml",
            "system.toml", "files.toml", "x.toml\n"]
CMDLINES = ["", "console=ttyAMA0", "a" * 10000, "é 名前 🙂", "a\nb", "a\0b", "\"quoted\"", "*/", "\\",
            "\ud800", "\x1b[31mred"]
BOARDS = ["qemu-aarch64-virt", "qemu-aarch64-virt-gicv2", "", "nope", "../boards/qemu-aarch64-virt",
          "qemu-aarch64-virt\n", "QEMU-AARCH64-VIRT", "qemu-aarch64-virt/"]
INTS = [0, 1, -1, 2, 7, 0x7f, 0xff, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**39, 2**63 - 1, 2**63,
        2**64 - 1, 2**64, 2**65, -2**63, -2**64, 10**30, -10**30, 2**200, -2**200]
DATES = [datetime.date(1979, 5, 27), datetime.time(7, 32), datetime.datetime(1979, 5, 27, 7, 32)]
RAWS = [
    Raw("1" * 5000), Raw("-" + "1" * 5000), Raw("0x" + "f" * 5000), Raw("0x" + "1" + "0" * 1200),
    Raw("inf", ".inf"), Raw("nan", ".nan"), Raw("-inf", "-.inf"), Raw("1e400"), Raw("-0.0"),
    Raw("0o17", "017"), Raw("0b101"), Raw("1_000"), Raw("+12"), Raw("0x_10", "0x_10"),
    Raw("1979-05-27T07:32:00Z", "2001-12-14t21:59:43.10-05:00"), Raw("'''a\nb'''", "|\n  a\n  b"),
    Raw("[1, 'a', {x = 1}]", "[1, a, {x: 1}]"), Raw("[,]"), Raw("{", "{"), Raw("]"), Raw(""),
    Raw("null", "~"), Raw("nil", "yes"), Raw("on", "off"), Raw("True", "NO"), Raw("1:20", "1:20"),
    Raw("\"\\ud800\"", "\"\\ud800\""), Raw("\"\\U0010ffff\"", "\"\\U0010ffff\""), Raw("\"\\x41\"", "\"\\x41\""),
    Raw("[1, 2", "!!python/object/apply:os.system [true]"), Raw("{}", "!!binary aGVsbG8="),
    Raw("[]", "!!set {a, b}"), Raw("{}", "&a [*a]"), Raw("{}", "*nope"), Raw("{}", "!!omap [a: 1]"),
    Raw("{}", "!!float 1"), Raw("{}", "!!str 5"), Raw("{}", "!!int '0x10'"), Raw("{}", "!!timestamp x"),
    Raw("'a'", "'a''b'"), Raw("\"a\" \"b\""), Raw("0x", "0x"), Raw("0x1000_", "0x1000_"),
    deep(50, "list"), deep(900, "list"), deep(1000, "list"), deep(1001, "list"), deep(5000, "list"),
    deep(100000, "list"), deep(50, "table"), deep(400, "table"), deep(2000, "table"), deep(300, "mixed"),
]
KEYS = ["board", "vms", "vm", "base", "kernel", "devices", "id", "name", "vm_type", "cpu_num",
        "phys_cpu_ids", "phys_cpu_sets", "entry_point", "image_location", "kernel_path", "kernel_load_addr",
        "dtb_path", "dtb_load_addr", "ramdisk_path", "ramdisk_load_addr", "cmdline", "memory_regions",
        "emu_devices", "passthrough_devices", "passthrough_addresses", "excluded_devices", "interrupt_mode",
        "restart", "max_restarts", "virtual_counter", "run_time_ms", "channel", "ends", "size", "gpa", "access", "irq"]
ODD_KEYS = ["", " ", "Name", "ID", "name ", "é", "名前", "a.b", "a\nb", "a\rb", "a\x1bb", "\u2028", "\x85",
            "*/", "[x]", "__proto__", "x" * 1000, "0", "true"]


def generic_value(rng):
    r = rng.random()
    if r < 0.35:
        return rng.choice(INTS)
    if r < 0.55:
        return rng.choice([None, True, False, 1.5, -0.0, float("inf"), float("nan"), 4096.0] + DATES)
    if r < 0.75:
        return rng.choice(["", "x", "0x1000", "4096", "true", "null", "*/", "é", "\ud800", "a" * 300] + NAMES[:8])
    if r < 0.9:
        return rng.choice([[], [0], [[]], [None], ["x", 1], {}, {"a": 1}, [{}], [[0x4000_0000, 0x1000, 7, 0]],
                           {"base": {}}, list(range(70))])
    return rng.choice(RAWS)


def near(rng, v):
    """An integer close to v, or v changed by a power of two."""
    op = rng.randrange(10)
    if op == 0:
        return v + rng.choice([1, -1])
    if op == 1:
        return v + rng.choice([PAGE, -PAGE])
    if op == 2:
        return v + rng.choice([2 * MIB, -2 * MIB])
    if op == 3:
        return v * 2
    if op == 4:
        return v // 2
    if op == 5:
        return -v
    if op == 6:
        return v ^ (1 << rng.randrange(65))
    if op == 7:
        return v + (1 << rng.randrange(66))
    if op == 8:
        return 2**64 - v if v else 2**64
    return rng.choice(INTS)


def context(path):
    """(the last string key, the integer indexes after it) of a path."""
    for i in range(len(path) - 1, -1, -1):
        if isinstance(path[i], str):
            return path[i], path[i + 1:]
    return None, path


FIELD_VALUES = {
    "memory_regions": [ADDRS, SIZES, FLAGS, [0, 1, 2, -1, 255]],
    "emu_devices": [DEV_NAMES, ADDRS, SIZES, IRQS, [0, 1, 2, 3, 0x21, 255], [[], [1], {}, "x", None]],
    "passthrough_devices": [DEV_NAMES, ADDRS, ADDRS, SIZES, IRQS],
}
KEY_VALUES = {
    "id": INTS[:12], "name": NAMES, "vm_type": [0, 1, 2, -1], "cpu_num": [0, 1, 2, 3, 4, 5, 8, 9, 64, 65, 2**63],
    "phys_cpu_ids": MPIDRS, "phys_cpu_sets": MASKS, "entry_point": ADDRS, "kernel_load_addr": ADDRS,
    "dtb_load_addr": ADDRS + [0x4000_0004, 0x4000_0008], "ramdisk_load_addr": ADDRS, "kernel_path": PATHS,
    "dtb_path": PATHS, "ramdisk_path": PATHS, "vms": VM_FILES, "cmdline": CMDLINES,
    "image_location": ["memory", "fs", "", "MEMORY"], "board": BOARDS,
    "interrupt_mode": ["passthrough", "emulated", "no_irq", "", "msi"],
    "passthrough_addresses": [[], [[0x0901_0000, 0x1000]], ["x"]], "excluded_devices": [[], ["/pl031"]],
    "restart": [True, False, 1, "yes"], "max_restarts": [0, 1, 3, 255, 0xffff, 0x10000, 2**32, 2**64],
    "run_time_ms": [0, 1, 1000, 2**31, 2**32 - 1, 2**32, 2**63, 2**64 - 1, 2**64, -1],
    "virtual_counter": [0, 1, 2**64 - 1, 2**64, -1, "physical", "Physical", "", 1.5, True],
    "size": SIZES, "gpa": ADDRS, "irq": IRQS, "access": ["rw", "ro", "wo", "", "RW"],
    "vm": ["ping", "pong", "nope", "", "PING", "ping "],
}


def pick_value(rng, path, old):
    r = rng.random()
    key, idx = context(path)
    if r < 0.5:
        if key in FIELD_VALUES and len(idx) == 2 and idx[1] < len(FIELD_VALUES[key]):
            return copy.deepcopy(rng.choice(FIELD_VALUES[key][idx[1]]))
        if key in KEY_VALUES:
            return copy.deepcopy(rng.choice(KEY_VALUES[key]))
    if r < 0.7 and isinstance(old, int) and not isinstance(old, bool):
        return near(rng, old)
    return copy.deepcopy(generic_value(rng))

# ---------------------------------------------------------------------------
# Trees


def all_paths(data, limit=20):
    out, stack = [], [((), data)]
    while stack:
        path, v = stack.pop()
        if path:
            out.append(path)
        if len(path) < limit:
            if isinstance(v, dict):
                stack.extend((path + (k,), c) for k, c in reversed(list(v.items())))
            elif isinstance(v, list):
                stack.extend((path + (i,), c) for i, c in reversed(list(enumerate(v))))
    return out


def get(data, path):
    for p in path:
        data = data[p]
    return data


def put(data, path, value):
    get(data, path[:-1])[path[-1]] = value


def remove(data, path):
    del get(data, path[:-1])[path[-1]]


@dataclass
class State:
    docs: dict                  # relative path -> [format, data]
    main: str
    board: str
    notes: list = field(default_factory=list)

    def doc(self, rng):
        return rng.choice(sorted(self.docs))

    def paths(self, pred=None):
        """[(doc name, path)] of every node in every doc, optionally filtered."""
        out = []
        for name in sorted(self.docs):
            data = self.docs[name][1]
            out += [(name, p) for p in all_paths(data) if pred is None or pred(p, get(data, p))]
        return out


def _pick(rng, st, pred=None):
    cands = st.paths(pred)
    return rng.choice(cands) if cands else (None, None)


def op_set(rng, st):
    name, path = _pick(rng, st)
    if path is None:
        return
    data = st.docs[name][1]
    value = pick_value(rng, path, get(data, path))
    put(data, path, value)
    st.notes.append(f"{name}: set {path} = {value!r:.80}")


def op_tweak(rng, st):
    name, path = _pick(rng, st, lambda p, v: isinstance(v, int) and not isinstance(v, bool))
    if path is None:
        return op_set(rng, st)
    data = st.docs[name][1]
    value = near(rng, get(data, path))
    put(data, path, value)
    st.notes.append(f"{name}: tweak {path} = {value:#x}")


def op_delete(rng, st):
    name, path = _pick(rng, st)
    if path is None:
        return
    remove(st.docs[name][1], path)
    st.notes.append(f"{name}: delete {path}")


def op_duplicate(rng, st):
    """A list entry twice (a VM, a region, a device, a CPU), or a table's
    key copied into a sibling under another known name."""
    name, path = _pick(rng, st, lambda p, v: isinstance(v, list) and v)
    if path is None:
        return
    lst = get(st.docs[name][1], path)
    i = rng.randrange(len(lst))
    lst.insert(rng.randrange(len(lst) + 1), copy.deepcopy(lst[i]))
    st.notes.append(f"{name}: duplicate {path}[{i}]")


def op_add_key(rng, st):
    name, path = _pick(rng, st, lambda p, v: isinstance(v, dict))
    if path is None:
        name, path = st.doc(rng), ()
    data = st.docs[name][1]
    if not isinstance(get(data, path), dict):
        return
    table = get(data, path)
    key = rng.choice(KEYS) if rng.random() < 0.7 else rng.choice(ODD_KEYS)
    if st.docs[name][0] == "yaml" and rng.random() < 0.1:
        key = rng.choice([7, None, True, 1.5])
    value = pick_value(rng, path + (key,), None)
    table[key] = value
    st.notes.append(f"{name}: add {path + (key,)} = {value!r:.80}")


def op_rename(rng, st):
    name, path = _pick(rng, st, lambda p, v: isinstance(p[-1], str))
    if path is None:
        return
    parent = get(st.docs[name][1], path[:-1])
    old = path[-1]
    new = rng.choice([old.upper(), old + "s", old[:-1], old.replace("_", "-"), " " + old, rng.choice(KEYS),
                      rng.choice(ODD_KEYS)])
    if new in parent:
        return
    parent[new] = parent.pop(old)
    st.notes.append(f"{name}: rename {path} to {new!r}")


def op_swap(rng, st):
    """Two subtrees trade places (swapped sections, swapped fields)."""
    cands = st.paths()
    if len(cands) < 2:
        return
    for _ in range(10):
        (n1, p1), (n2, p2) = rng.sample(cands, 2)
        if n1 == n2 and (p1[:len(p2)] == p2 or p2[:len(p1)] == p1):
            continue
        d1, d2 = st.docs[n1][1], st.docs[n2][1]
        v1, v2 = get(d1, p1), get(d2, p2)
        put(d1, p1, v2)
        put(d2, p2, v1)
        st.notes.append(f"swap {n1}:{p1} with {n2}:{p2}")
        return


def op_move(rng, st):
    """A table moved somewhere else (a section at the wrong level)."""
    name, src = _pick(rng, st, lambda p, v: isinstance(v, dict))
    if src is None:
        return
    data = st.docs[name][1]
    value = get(data, src)
    remove(data, src)
    name2, dst = _pick(rng, st, lambda p, v: isinstance(v, dict))
    if dst is None:
        name2, dst = name, ()
    target = get(st.docs[name2][1], dst)
    if not isinstance(target, dict):
        return
    key = src[-1] if rng.random() < 0.7 else rng.choice(KEYS)
    target[key] = value
    st.notes.append(f"move {name}:{src} to {name2}:{dst}.{key}")


ADDR_FIELDS = {"memory_regions": (0,), "emu_devices": (1,), "passthrough_devices": (1, 2)}
ADDR_KEYS = {"entry_point", "kernel_load_addr", "dtb_load_addr", "ramdisk_load_addr", "gpa"}


def _addr_path(p, v):
    if not isinstance(v, int) or isinstance(v, bool):
        return False
    key, idx = context(p)
    return key in ADDR_KEYS or (key in ADDR_FIELDS and len(idx) == 2 and idx[1] in ADDR_FIELDS[key])


def op_overlap(rng, st):
    """One address set to another's, or a size stretched over its neighbours."""
    cands = st.paths(_addr_path)
    if len(cands) < 2:
        return op_tweak(rng, st)
    (n1, p1), (n2, p2) = rng.sample(cands, 2)
    value = get(st.docs[n2][1], p2) + rng.choice([0, 0, PAGE, -PAGE, 2 * MIB])
    put(st.docs[n1][1], p1, value)
    if rng.random() < 0.3 and p1[-1] in (0, 1, 2) and isinstance(p1[-2], int):
        entry = get(st.docs[n1][1], p1[:-1])
        si = {"memory_regions": 1, "emu_devices": 2, "passthrough_devices": 3}[context(p1)[0]]
        if si < len(entry):
            entry[si] = rng.choice([0x4000_0000, 0x1000_0000, 0x100_0000])
    st.notes.append(f"overlap {n1}:{p1} = {n2}:{p2} ({value:#x})")


def op_many(rng, st):
    """A list made long: many regions, devices, CPUs, partitions, channels;
    half the time entries that are each valid, so that only their number
    is in question (and the time the generator takes over them)."""
    name, path = _pick(rng, st, lambda p, v: isinstance(v, list) and context(p)[0] in
                       ("memory_regions", "emu_devices", "passthrough_devices", "phys_cpu_ids", "phys_cpu_sets",
                        "vm", "vms", "channel", "ends") and context(p)[1] == ())
    if path is None:
        return
    n = rng.choice([5, 16, 63, 64, 65, 200, 256, 257, 1000, 3000, 3000, 10000])
    key = context(path)[0]
    lst = get(st.docs[name][1], path)
    base = 0x4000_0000 if key == "memory_regions" else 0x1000_0000
    step = rng.choice([PAGE, 2 * PAGE, 2 * MIB, 0x4000_0000])
    valid = rng.random() < 0.5
    vm_names = [v["base"]["name"] for d in st.docs.values() if isinstance(d[1], dict)
                for v in (d[1].get("vm") if isinstance(d[1].get("vm"), list) else [])
                if isinstance(v, dict) and isinstance(v.get("base"), dict) and "name" in v["base"]] or ["x"]
    if key == "memory_regions" and valid:          # after the kernel's region, placed by the generator
        new = [[0x5000_0000 + i * 2 * PAGE, PAGE, 3, 0] for i in range(n)]
    elif key == "memory_regions":
        new = [[base + i * step, rng.choice([PAGE, step]), 3, rng.choice([0, 0, 1])] for i in range(n)]
    elif key == "passthrough_devices" and valid:   # the RTC, seen at many guest addresses
        new = [[f"p{i}", 0x1000_0000 + i * PAGE, 0x0901_0000, PAGE, 0] for i in range(n)]
    elif key == "channel":
        new = [{"name": f"c{i}", "size": PAGE, "ends": [
            {"vm": rng.choice(vm_names), "gpa": 0x6000_0000 + i * PAGE, "access": "rw"},
            {"vm": rng.choice(vm_names), "gpa": 0x6000_0000 + i * PAGE, "access": "ro"}]} for i in range(n)]
    elif key == "ends":
        new = [{"vm": vm_names[i % len(vm_names)] if valid else f"v{i}", "gpa": 0x7000_0000 + i * PAGE,
                "access": "ro"} for i in range(n)]
    elif key == "emu_devices":
        new = [[f"u{i}", 0x1000_0000 + i * step, PAGE, 0, 2, []] for i in range(n)]
    elif key == "passthrough_devices":
        new = [[f"p{i}", 0x1000_0000 + i * step, 0x0901_0000, PAGE, 0] for i in range(n)]
    elif key in ("phys_cpu_ids", "phys_cpu_sets"):
        new = [i if key == "phys_cpu_ids" else 1 << (i % 70) for i in range(n)]
    elif key == "vm":
        new = [copy.deepcopy(lst[i % len(lst)]) if lst else {} for i in range(min(n, 200))]
        for i, v in enumerate(new):
            if isinstance(v, dict) and isinstance(v.get("base"), dict):
                v["base"]["id"], v["base"]["name"] = 100 + i, f"v{i}"
    else:
        new = [(lst[i % len(lst)] if lst else "x.toml") for i in range(min(n, 200))]
    if rng.random() < 0.5:
        new = lst + new
    put(st.docs[name][1], path, new)
    st.notes.append(f"{name}: {path} made {len(new)} long")


def op_cpus(rng, st):
    """cpu_num and its lists changed together (often still valid)."""
    name, path = _pick(rng, st, lambda p, v: p[-1] == "base" and isinstance(v, dict))
    if path is None:
        return
    base = get(st.docs[name][1], path)
    n = rng.choice([1, 1, 2, 3, 4, 5, 8])
    base["cpu_num"] = n
    if rng.random() < 0.8:
        base["phys_cpu_ids"] = rng.sample(range(8), n) if n <= 8 else list(range(n))
    else:
        base.pop("phys_cpu_ids", None)
    choice = rng.randrange(4)
    if choice == 0:
        base.pop("phys_cpu_sets", None)
    elif choice == 1:
        base["phys_cpu_sets"] = [1 << (i % 4) for i in range(n)]
    else:
        base["phys_cpu_sets"] = [rng.choice([0xf, 0x3, 0xc, 0x1, 0x8]) for _ in range(n)]
    st.notes.append(f"{name}: {path} cpus {base.get('phys_cpu_sets')}")


def op_benign(rng, st):
    """Changes that keep a config valid more often than not."""
    choice = rng.randrange(7)
    if choice == 0:     # another region size
        name, path = _pick(rng, st, lambda p, v: context(p)[0] == "memory_regions" and len(context(p)[1]) == 2
                           and context(p)[1][1] == 1)
        if path:
            put(st.docs[name][1], path, rng.choice([0x40_0000, 0x100_0000, 0x200_0000, 0x400_0000, 0x1000_0000]))
    elif choice == 1:   # drop an optional key
        name, path = _pick(rng, st, lambda p, v: p[-1] in ("vm_type", "image_location", "phys_cpu_ids",
                                                           "phys_cpu_sets", "devices", "cmdline",
                                                           "passthrough_devices", "interrupt_mode"))
        if path:
            remove(st.docs[name][1], path)
    elif choice == 2:   # another cmdline
        name, path = _pick(rng, st, lambda p, v: p[-1] == "kernel" and isinstance(v, dict))
        if path:
            get(st.docs[name][1], path)["cmdline"] = rng.choice(CMDLINES)
    elif choice == 3:   # polled console, no interrupt
        name, path = _pick(rng, st, lambda p, v: context(p)[0] == "emu_devices" and context(p)[1][1:] == (3,))
        if path:
            put(st.docs[name][1], path, rng.choice([0, 33, 40, 1019]))
    elif choice == 4:   # another name
        name, path = _pick(rng, st, lambda p, v: p[-1] == "name")
        if path:
            put(st.docs[name][1], path, rng.choice(["p", "q-1", "Z_9", "x" * 40]))
    elif choice == 5:   # an extra region placed by the generator
        name, path = _pick(rng, st, lambda p, v: p[-1] == "memory_regions" and isinstance(v, list))
        if path:
            get(st.docs[name][1], path).append([rng.choice([0x6000_0000, 0x7000_0000, 0x5000_0000]),
                                                rng.choice([PAGE, 0x20_0000, 0x10_0000]), rng.choice([3, 7, 1]), 0])
    else:               # the file in the other syntax
        name = st.doc(rng)
        st.docs[name][0] = "yaml" if st.docs[name][0] == "toml" else "toml"
    st.notes.append(f"benign change {choice}")


def op_type(rng, st):
    """A value of the right meaning in the wrong type."""
    name, path = _pick(rng, st)
    if path is None:
        return
    data = st.docs[name][1]
    v = get(data, path)
    if isinstance(v, int) and not isinstance(v, bool):
        new = rng.choice([hex(v), str(v), float(v) if abs(v) < 2**1000 else 1e308, [v], {"value": v}, v != 0])
    elif isinstance(v, str):
        new = rng.choice([[v], {"path": v}, len(v), v.encode().hex(), None])
    elif isinstance(v, list):
        new = rng.choice([dict((str(i), x) for i, x in enumerate(v)), tuple_str(v), v[0] if v else None, [v]])
    elif isinstance(v, dict):
        new = rng.choice([list(v.values()), [v], list(v.items()), str(len(v))])
        new = [list(x) if isinstance(x, tuple) else x for x in new] if isinstance(new, list) else new
    else:
        new = generic_value(rng)
    put(data, path, new)
    st.notes.append(f"{name}: retype {path} = {new!r:.80}")


def tuple_str(v):
    return ", ".join(str(x) for x in v)[:200]


def op_unicode(rng, st):
    name, path = _pick(rng, st, lambda p, v: isinstance(v, str))
    if path is None:
        return op_set(rng, st)
    alphabet = ["é", "名", "🙂", "\u200b", "\u202e", "\u0301", "İ", "ß", "\ufeff", "\x00", "\x1b", "\u2028",
                "\x85", "\ud800", "a", "*", "/", "\"", "\\", "\n", "\r", "$", "{", "%"]
    new = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12)))
    if rng.random() < 0.5:
        new = get(st.docs[name][1], path) + new
    put(st.docs[name][1], path, new)
    st.notes.append(f"{name}: unicode {path} = {new!r}")


def op_files(rng, st):
    """File-level changes: a VM in its own file, a missing or odd file,
    another suffix, another syntax."""
    choice = rng.randrange(6)
    if st.main not in st.docs:
        return
    data = st.docs[st.main][1]
    if choice == 0 and isinstance(data, dict) and isinstance(data.get("vm"), list) and data["vm"]:
        i = rng.randrange(len(data["vm"]))
        fmt = rng.choice(["toml", "yaml"])
        rel = f"parts/x{i}.{fmt}"
        st.docs[rel] = [fmt, data["vm"].pop(i)]
        vms = data.setdefault("vms", [])
        if isinstance(vms, list):
            vms.append(rel)
        st.notes.append(f"vm[{i}] moved to {rel}")
    elif choice == 1:
        st.main = rng.choice(FIXTURES + ["missing.toml"])
        st.notes.append(f"--config {st.main}")
    elif choice == 2:
        fmt, data = st.docs.pop(st.main)
        new = str(Path(st.main).with_suffix(rng.choice([".yml", ".yaml", ".toml", ".json", ".TOML", "", ".txt"])))
        if new in ("", ".") or new in FIXTURES:
            new = "renamed.toml"
        st.docs[new] = [fmt, data]
        st.main = new
        st.notes.append(f"main file is {new}")
    elif choice == 3:
        name = st.doc(rng)
        st.docs[name][0] = "yaml" if st.docs[name][0] == "toml" else "toml"
        st.notes.append(f"{name} written in {st.docs[name][0]}")
    elif choice == 4 and len(st.docs) > 1:
        name = rng.choice([n for n in sorted(st.docs) if n != st.main])
        del st.docs[name]
        st.notes.append(f"{name} missing")
    else:
        data = st.docs[st.main][1]
        if isinstance(data, dict):
            data.setdefault("vms", [])
            if isinstance(data["vms"], list):
                data["vms"].append(rng.choice(VM_FILES))
                st.notes.append(f"vms += {data['vms'][-1]!r}")


# Host ranges and interrupts of the boards' devices: the GIC frames (v3 GICD,
# GICR and one CPU's redistributor; v2 GICC, GICH, GICV), the hypervisor's
# UART, the RTC, the page of the first virtio transports, two transports of
# the last page (forwarded, or mapped if all eight come), and a range that
# straddles two devices.
BOARD_DEVICES = [(0x0800_0000, 0x1_0000), (0x080a_0000, 0xf6_0000), (0x0810_0000, 0x2_0000),
                 (0x0801_0000, 0x1_0000), (0x0803_0000, 0x1_0000), (0x0804_0000, 0x2000),
                 (0x0900_0000, 0x1000), (0x0901_0000, 0x1000), (0x0a00_0000, 0x1000), (0x0900_0000, 0x2_0000),
                 (0x0a00_3e00, 0x200), (0x0a00_3c00, 0x200), (0x0a00_3d00, 0x200)]
BOARD_IRQS = [0, 0, 33, 34, 48, 49, 40, 78, 79, 1019]


def op_hardware(rng, st):
    """A device of the board given to a partition: passed through, or
    identity-mapped as a DEVICE region, with one of the board's interrupts."""
    name, path = _pick(rng, st, lambda p, v: p[-1] in ("kernel", "devices") and isinstance(v, dict))
    if path is None:
        return
    hpa, size = rng.choice(BOARD_DEVICES)
    table = get(st.docs[name][1], path)
    if path[-1] == "kernel" and isinstance(table.get("memory_regions"), list):
        table["memory_regions"].append([hpa, size, rng.choice([0x13, 0x3, 0x17]), 1])
        st.notes.append(f"{name}: {path} identity-maps {hpa:#x}+{size:#x}")
    elif path[-1] == "devices":
        pt = table.setdefault("passthrough_devices", [])
        if isinstance(pt, list):
            pt.append(["dev", rng.choice([0x1000_0000, 0x2000_0000, hpa]), hpa, size, rng.choice(BOARD_IRQS)])
            st.notes.append(f"{name}: {path} passes through {pt[-1]}")


def op_root(rng, st):
    """The whole document replaced or wrapped."""
    name = st.doc(rng)
    data = st.docs[name][1]
    new = rng.choice([[data], {"vm": [data]}, {"board": "qemu-aarch64-virt", "vm": data}, None, 42, "text",
                      {"base": data}, [], {}])
    st.docs[name][1] = new
    st.notes.append(f"{name}: root replaced by {type(new).__name__}")


OPS = [(op_set, 30), (op_tweak, 12), (op_delete, 10), (op_duplicate, 6), (op_add_key, 5), (op_rename, 4),
       (op_swap, 4), (op_move, 3), (op_overlap, 10), (op_many, 5), (op_cpus, 6), (op_benign, 18),
       (op_type, 5), (op_unicode, 4), (op_files, 5), (op_root, 1), (op_hardware, 4)]

# ---------------------------------------------------------------------------
# Writing TOML and YAML (our own writers: they must write anything, including
# what the syntax cannot say, which then is a syntax error to report)

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def fmt_int(v, rng, toml):
    style = rng.random()
    if v >= 0 and style < 0.45:
        h = format(v, "x")
        if toml and len(h) > 4 and rng.random() < 0.5:
            h = "_".join(h[max(0, i - 4):i] for i in range(len(h), 0, -4)[::-1])
        return "0x" + h
    if v >= 0 and style < 0.5:
        return ("0o" if toml else "0o" if rng.random() < 0.2 else "0") + format(v, "o") if v else "0"
    if v >= 0 and style < 0.55:
        return "0b" + format(v, "b")
    if abs(v) > 2**10000:
        return ("-" if v < 0 else "") + "0x" + format(abs(v), "x")
    return str(v)


def toml_str(s, rng):
    if rng.random() < 0.15 and "'" not in s and "\n" not in s and all(" " <= c != "\x7f" for c in s):
        return "'" + s + "'"
    out = []
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7f or 0xd800 <= o < 0xe000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_key(k, rng):
    k = k if isinstance(k, str) else str(k)
    return k if BARE_KEY.match(k) else toml_str(k, rng)


def toml_value(v, rng):
    if isinstance(v, Raw):
        return v.toml
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return fmt_int(v, rng, True) if v >= 0 else str(v) if abs(v) < 2**10000 else "-1"
    if isinstance(v, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(v), repr(v))
    if isinstance(v, str):
        return toml_str(v, rng)
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if v is None:
        return '""'
    if isinstance(v, list):
        sep = rng.choice([", ", ",", ",\n    "])
        items = [toml_value(x, rng) for x in v if x is not None]
        return "[" + sep.join(items) + ("," if items and rng.random() < 0.2 else "") + "]"
    if isinstance(v, dict):
        items = [f"{toml_key(k, rng)} = {toml_value(x, rng)}" for k, x in v.items() if x is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    return '"?"'


def toml_doc(data, rng):
    if not isinstance(data, dict):
        return toml_value(data, rng) + "\n"
    lines = []

    def table(d, path):
        simple, tables, arrays = [], [], []
        for k, v in d.items():
            if v is None:
                continue
            if isinstance(v, dict) and rng.random() < 0.85:
                tables.append((k, v))
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and rng.random() < 0.85:
                arrays.append((k, v))
            else:
                simple.append((k, v))
        for k, v in simple:
            lines.append(f"{toml_key(k, rng)} = {toml_value(v, rng)}")
        for k, v in tables:
            lines.extend(["", "[" + ".".join(toml_key(p, rng) for p in path + [k]) + "]"])
            table(v, path + [k])
        for k, v in arrays:
            for item in v:
                lines.extend(["", "[[" + ".".join(toml_key(p, rng) for p in path + [k]) + "]]"])
                table(item, path + [k])

    table(data, [])
    return "\n".join(lines) + "\n"


def has_raw(v):
    if isinstance(v, Raw):
        return True
    if isinstance(v, dict):
        return any(has_raw(x) for x in v.values())
    if isinstance(v, list):
        return any(has_raw(x) for x in v)
    return False


def yaml_value(v, rng):
    if isinstance(v, Raw):
        return v.yaml
    if v is None:
        return rng.choice(["null", "~"])
    if isinstance(v, bool):
        return rng.choice({True: ["true", "True", "yes", "on"], False: ["false", "no", "off"]}[v])
    if isinstance(v, int):
        return fmt_int(v, rng, False)
    if isinstance(v, float):
        return {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}.get(repr(v), repr(v))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(yaml_value(x, rng) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{yaml_key(k)}: {yaml_value(x, rng)}" for k, x in v.items()) + "}"
    return "?"


def yaml_key(k):
    if isinstance(k, str):
        return json.dumps(k)
    if k is None:
        return "null"
    return str(k).lower() if isinstance(k, bool) else str(k)


def yaml_doc(data, rng):
    if has_raw(data) or rng.random() < 0.2:
        return yaml_value(data, rng) + "\n"
    import yaml
    try:
        return yaml.safe_dump(data, default_flow_style=rng.choice([False, False, None, True]),
                              allow_unicode=rng.random() < 0.5, sort_keys=False, indent=rng.choice([2, 4]),
                              width=rng.choice([80, 1 << 20]))
    except yaml.YAMLError:          # what PyYAML cannot write (a time of day): our own flow style
        return yaml_value(data, rng) + "\n"


def serialize(fmt, data, rng):
    text = toml_doc(data, rng) if fmt == "toml" else yaml_doc(data, rng)
    return text.encode("utf-8", "surrogatepass")

# ---------------------------------------------------------------------------
# Byte-level damage


def damage(b, rng, notes):
    op = rng.randrange(14)
    lines = b.split(b"\n")
    if op == 0 and b:
        b = b[:rng.randrange(len(b))]
        notes.append(f"truncated to {len(b)} bytes")
    elif op == 1:
        for _ in range(rng.randrange(1, 9)):
            pos = rng.randrange(len(b) + 1)
            b = b[:pos] + bytes([rng.randrange(256)]) + b[pos + 1:]
        notes.append("random bytes replaced")
    elif op == 2:
        pos = rng.randrange(len(b) + 1)
        b = b[:pos] + rng.randbytes(rng.randrange(1, 64)) + b[pos:]
        notes.append(f"random bytes inserted at {pos}")
    elif op == 3 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        b = b"\n".join(lines)
        notes.append(f"line {i + 1} duplicated")
    elif op == 4 and lines:
        i = rng.randrange(len(lines))
        del lines[i]
        b = b"\n".join(lines)
        notes.append(f"line {i + 1} deleted")
    elif op == 5 and len(lines) > 1:
        i, j = rng.sample(range(len(lines)), 2)
        lines[i], lines[j] = lines[j], lines[i]
        b = b"\n".join(lines)
        notes.append(f"lines {i + 1} and {j + 1} swapped")
    elif op == 6:                                       # sections in another order
        blocks, cur = [], []
        for ln in lines:
            if ln.startswith(b"[") or (ln[:1].isalpha() and ln.rstrip().endswith(b":")):
                blocks.append(cur)
                cur = []
            cur.append(ln)
        blocks.append(cur)
        rng.shuffle(blocks)
        b = b"\n".join(ln for blk in blocks for ln in blk)
        notes.append("sections shuffled")
    elif op == 7:
        b = rng.choice([b"", b"\n", b" \t\n", b"\xef\xbb\xbf" + b, b.replace(b"\n", b"\r\n"), b.replace(b"\n", b"\r"),
                        b + b, b"\0" * 16, b.decode("utf-8", "replace").encode("utf-16"), b.replace(b"  ", b"\t")])
        notes.append("whole-file change")
    elif op == 8:
        b = rng.randbytes(rng.randrange(1, 300))
        notes.append("random bytes")
    elif op == 9:
        b = bytes(rng.choice(b"abc=[]{}:,-\n \"'#.0x1") for _ in range(rng.randrange(1, 200)))
        notes.append("random syntax")
    elif op == 10 and lines:                            # a key repeated with another value
        i = rng.randrange(len(lines))
        if b"=" in lines[i] or b":" in lines[i]:
            sep = b"=" if b"=" in lines[i] else b":"
            lines.insert(i + 1, lines[i].split(sep)[0] + sep + b" 0x1000")
        b = b"\n".join(lines)
        notes.append(f"line {i + 1} key repeated")
    elif op == 11 and b:
        i = rng.randrange(len(b))
        b = b[:i] + bytes([b[i] ^ (1 << rng.randrange(8))]) + b[i + 1:]
        notes.append(f"bit flipped at {i}")
    elif op == 12 and lines:
        i = rng.randrange(len(lines))
        lines[i] = b"#" + lines[i]
        b = b"\n".join(lines)
        notes.append(f"line {i + 1} commented out")
    else:
        pos = rng.randrange(len(b) + 1)
        b = b[:pos] + rng.choice([b"\n[base]\n", b"\n[[vm]]\n", b"\nvm:\n  - {}\n", b"\n- x\n", b"\n[kernel]\nx=1\n",
                                  b"\"", b"'", b"{", b"[", b"\\", b"\n\t", b":", b"&a", b"*a", b"!!"]) + b[pos:]
        notes.append(f"syntax inserted at {pos}")
    return b

# ---------------------------------------------------------------------------
# Cases


OUT_STATES = [("absent", 50), ("previous", 25), ("junk", 10), ("nested", 5), ("subdir", 4), ("file", 4),
              ("parentfile", 2)]


def weighted(rng, pairs):
    return rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]


@dataclass
class Case:
    seed: int
    index: int
    files: dict         # relative path -> bytes
    main: str           # the --config file, relative to the case directory
    kconfig: str        # KCONFIGS variant
    out_state: str
    notes: list

    def describe(self):
        return (f"case {self.seed}:{self.index}: --config {self.main}, .config {self.kconfig}, "
                f"out {self.out_state}; " + "; ".join(self.notes))


def build_case(seed, index):
    """Case index of seed: the same every time, on every machine."""
    rng = random.Random(f"tessera-fuzz:{seed}:{index}")
    docs, main, board = rng.choice(SEEDS)()
    docs = copy.deepcopy(docs)              # nothing shared with the corpus or another case
    st = State(docs=docs, main=main, board=board)
    kconfig = "default" if board in (None, "qemu-aarch64-virt") else "gicv2"
    if rng.random() < 0.12:
        kconfig = rng.choice(sorted(KCONFIGS))
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 4])):
        op = weighted(rng, OPS)
        try:
            op(rng, st)
        except (LookupError, TypeError, AttributeError, ValueError) as e:     # a mutation that does not fit
            st.notes.append(f"{op.__name__} skipped ({type(e).__name__})")
    files = {rel: serialize(fmt, data, rng) for rel, (fmt, data) in sorted(st.docs.items())}
    if rng.random() < 0.15:
        target = st.main if st.main in files else rng.choice(sorted(files))
        files[target] = damage(files[target], rng, st.notes)
    return Case(seed, index, files, st.main, kconfig, weighted(rng, OUT_STATES), st.notes)

# ---------------------------------------------------------------------------
# Checking one run


def snapshot(path, mtimes=True):
    """What is at path: None, a file's bytes, or {file: (bytes, mtime)} of a tree."""
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISDIR(st.st_mode):
        return ("file", path.read_bytes(), st.st_mtime_ns if mtimes else 0)
    out = {}
    for p in sorted(path.rglob("*")):
        s = p.lstat()
        key = str(p.relative_to(path))
        out[key] = (p.read_bytes(), s.st_mtime_ns if mtimes else 0) if stat.S_ISREG(s.st_mode) else "dir"
    return out


def diff_snapshots(a, b):
    if a is None or b is None or not isinstance(a, dict) or not isinstance(b, dict):
        return f"was {_kind(a)}, is {_kind(b)}"
    changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return "changed: " + ", ".join(changed[:8])


def _kind(s):
    return "absent" if s is None else "a file" if isinstance(s, tuple) else f"a directory of {len(s)} entries"


def check_rejection(rc, stdout, stderr, before, after, leftovers, allowed_prefixes):
    """The problems with a run that did not succeed (empty if none)."""
    problems = []
    if rc == 2 or "internal generator error" in stderr:
        problems.append("internal generator error: " + stderr.strip()[:400])
    elif rc != 1:
        problems.append(f"exit status {rc}, not 0 or 1")
    if "Traceback" in stderr or "Traceback" in stdout:
        problems.append("traceback")
    if not stderr.startswith("error: "):
        problems.append("stderr does not start with 'error: '")
    if len(stderr.splitlines()) != 1 or not stderr.endswith("\n") or stderr.count("\n") != 1:
        problems.append(f"stderr is not exactly one line ({len(stderr.splitlines())} lines by str.splitlines)")
    elif not any(stderr.startswith("error: " + p) for p in allowed_prefixes):
        problems.append("the error names no input file")
    if stdout:
        problems.append("stdout is not empty")
    if after != before:
        problems.append("the --out directory changed: " + diff_snapshots(before, after))
    if leftovers:
        problems.append(f"temporary directories left: {leftovers}")
    return problems


RE_SECTION_S = re.compile(r'^\s*\.section \.guest\.(\S+), "a"\n\s*\.incbin "(.*)"$', re.M)
RE_SECTION_LD = re.compile(r"^\s*\.guest\.(\S+) (0x[0-9a-f]+) : \{ KEEP\(\*\(\.guest\.(\S+)\)\) \}", re.M)
RE_REGIONS = re.compile(r"static const struct mem_region vm(\d+)_regions\[\] = \{(.*?)\n\};", re.S)
RE_REGION = re.compile(r"(?:/\* ([^\n]*) \*/\n\s*)?\{ \.gpa = (0x[0-9a-f]+), \.hpa = (0x[0-9a-f]+), "
                       r"\.size = (0x[0-9a-f]+), \.flags = ([A-Z_ |0-9]+)")
RE_EMU = re.compile(r"static const struct emu_device vm(\d+)_emu\[\] = \{(.*?)\n\};", re.S)
RE_FORWARD = re.compile(r"\{ \.gpa = (0x[0-9a-f]+), \.size = (0x[0-9a-f]+), \.kind = EMU_FORWARD, "
                        r"\.hpa = (0x[0-9a-f]+) \}")
RE_IRQ = re.compile(r"\{ \.irq = (\d+)((?:, \.\w+ = \d+)*) \}")
RE_VCPU = re.compile(r"\{ \.vm = (\d+), \.index = (\d+), \.pcpu = (\d+),")
RE_DEFINE = re.compile(r"^#define (TESSERA_\w+)[ \t]+(\S+)", re.M)


def overlaps(a, asize, b, bsize):
    return a < b + bsize and b < a + asize


def inside(a, asize, b, bsize):
    return b <= a and a + asize <= b + bsize


def check_output(out, board):
    """The problems with an output directory the generator said it wrote."""
    problems = []
    names = ["partitions.c", "pagetables.c", "layout.h", "tessera.ld", "guest_images.S", "layout.txt",
             "autoconf.h", "qemu.flags", "deps.mk", "debug.gdb"]
    missing = [n for n in names if not (out / n).is_file()]
    if missing:
        return [f"output files missing: {missing}"]
    text = {n: (out / n).read_text(errors="replace") for n in names[:5]}
    defines = dict(RE_DEFINE.findall(text["layout.h"]))
    try:
        nr_vms, nr_pcpus = int(defines["TESSERA_NR_VMS"]), int(defines["TESSERA_NR_PCPUS"])
        hyp = (int(defines["TESSERA_HYP_BASE"], 16), int(defines["TESSERA_HYP_SIZE"], 16))
    except (KeyError, ValueError):
        return ["layout.h lacks TESSERA_NR_VMS, TESSERA_NR_PCPUS or TESSERA_HYP_BASE/SIZE"]

    # Every guest section of guest_images.S is placed by tessera.ld, and each
    # partition has at least its kernel and device tree.
    s_sections = {s: f for s, f in RE_SECTION_S.findall(text["guest_images.S"])}
    ld = {}
    for s, addr, s2 in RE_SECTION_LD.findall(text["tessera.ld"]):
        if s != s2:
            problems.append(f"tessera.ld: section .guest.{s} keeps .guest.{s2}")
        ld[s] = int(addr, 16)
    for s in sorted(set(s_sections) - set(ld)):
        problems.append(f"tessera.ld does not place guest section .guest.{s}")
    for s in sorted(set(ld) - set(s_sections)):
        problems.append(f"tessera.ld places .guest.{s}, which guest_images.S does not define")
    for i in range(nr_vms):
        for what in ("kernel", "dtb"):
            if f"vm{i}.{what}" not in s_sections:
                problems.append(f"no guest section vm{i}.{what}")
    images = []
    for s, f in s_sections.items():
        p = Path(f)
        if not p.is_file():
            problems.append(f"guest_images.S includes {f}, which does not exist")
        elif s in ld:
            images.append((s, ld[s], max(p.stat().st_size, 1)))

    # Memory: what each partition maps, from partitions.c.
    regions = []            # (vm, hpa, size, flags, a channel's shared memory?)
    for vmi, body in RE_REGIONS.findall(text["partitions.c"]):
        for comment, gpa, hpa, size, flags in RE_REGION.findall(body):
            regions.append((int(vmi), int(hpa, 16), int(size, 16), flags, "channel" in comment))
    if {r[0] for r in regions} != set(range(nr_vms)):
        problems.append("partitions.c: not every partition has memory regions (or the fuzzer's pattern is stale)")
    gicv = board.gicv2[2][0] if board.gicv2 else None
    ram, dev = [], []
    for r in regions:
        vmi, hpa, size, flags, _ = r
        if any(inside(hpa, size, b, s) for b, s in board.ram):
            ram.append(r)
            if overlaps(hpa, size, *hyp):
                problems.append(f"vm{vmi} maps {hpa:#x}+{size:#x}, the hypervisor's memory")
        elif any(inside(hpa, size, b, s) for _, b, s in board.devices):
            dev.append(r)
            if (hpa, size) == (gicv, 0x2000):
                continue        # a GICv2 guest's GICC: the virtual CPU interface, banked per CPU
            if overlaps(hpa, size, board.uart_base, PAGE):
                problems.append(f"vm{vmi} maps {hpa:#x}+{size:#x}, the hypervisor's console UART")
            gic = [board.gicd] + ([board.gicr] if board.gicr else list(board.gicv2))
            if any(overlaps(hpa, size, b, s) for b, s in gic):
                problems.append(f"vm{vmi} maps {hpa:#x}+{size:#x}, the physical GIC")
            ex = board.exit
            if ex and (overlaps(hpa, size, ex.ecam, ex.ecam_size) or overlaps(hpa, size, ex.bar, PAGE)):
                problems.append(f"vm{vmi} maps {hpa:#x}+{size:#x}, the exit device")
        else:
            problems.append(f"vm{vmi} maps {hpa:#x}+{size:#x}, neither RAM nor a device of the board")
    for i, a in enumerate(ram):
        for b in ram[:i]:
            shared = a[4] and b[4] and a[0] != b[0] and a[1:3] == b[1:3]      # both ends of one channel
            if overlaps(a[1], a[2], b[1], b[2]) and not shared:
                problems.append(f"RAM {a[1]:#x}+{a[2]:#x} of vm{a[0]} overlaps {b[1]:#x}+{b[2]:#x} of vm{b[0]}")
    for i, a in enumerate(dev):
        for b in dev[:i]:
            if a[0] != b[0] and (a[1], a[2]) != (gicv, 0x2000) and overlaps(a[1], a[2], b[1], b[2]):
                problems.append(f"device {a[1]:#x}+{a[2]:#x} is mapped by vm{a[0]} and vm{b[0]}")

    # Forwarded devices: exactly a device of the board, one partition's, in
    # a page no partition maps (the hypervisor forwards each access).
    forwarded = []
    for vmi, body in RE_EMU.findall(text["partitions.c"]):
        for gpa, size, hpa in RE_FORWARD.findall(body):
            forwarded.append((int(vmi), int(hpa, 16), int(size, 16)))
    for i, (vmi, hpa, size) in enumerate(forwarded):
        if not any((hpa, size) == (b, s) for _, b, s in board.devices):
            problems.append(f"vm{vmi} forwards {hpa:#x}+{size:#x}, which is not exactly a device of the board")
        for vmj, hpa2, size2 in forwarded[:i]:
            if vmj != vmi and overlaps(hpa, size, hpa2, size2):
                problems.append(f"device {hpa:#x}+{size:#x} is forwarded to vm{vmi} and vm{vmj}")
        page = hpa - hpa % PAGE
        for r in dev:
            if overlaps(page, PAGE, r[1], r[2]):
                problems.append(f"vm{r[0]} maps {r[1]:#x}+{r[2]:#x}, the page of a device forwarded to vm{vmi}")

    # Guest images: in RAM, apart from each other and from the hypervisor; a
    # partition's own images inside its memory, other copies outside all.
    for i, (s, hpa, size) in enumerate(images):
        if not any(inside(hpa, size, b, sz) for b, sz in board.ram) or overlaps(hpa, size, *hyp):
            problems.append(f"guest section .guest.{s} at {hpa:#x}+{size:#x} is not in RAM outside the hypervisor")
        for s2, hpa2, size2 in images[:i]:
            if overlaps(hpa, size, hpa2, size2):
                problems.append(f"guest sections .guest.{s} and .guest.{s2} overlap")
        m = re.fullmatch(r"vm(\d+)\.(kernel|ramdisk|dtb)", s)
        if m:
            if not any(r[0] == int(m[1]) and inside(hpa, size, r[1], r[2]) for r in ram):
                problems.append(f".guest.{s} at {hpa:#x}+{size:#x} is outside the memory of vm{m[1]}")
        elif any(overlaps(hpa, size, r[1], r[2]) for r in ram):
            problems.append(f".guest.{s} at {hpa:#x}+{size:#x} lies in memory a partition maps")

    # Interrupts and CPUs.
    hw = Counter()
    for intid, fields in RE_IRQ.findall(text["partitions.c"]):
        intid = int(intid)
        if not 32 <= intid <= 1019:
            problems.append(f"a partition owns INTID {intid}, which is no SPI")
        if ".hw = 1" in fields:
            hw[intid] += 1
            if intid == board.uart_irq:
                problems.append(f"a partition owns INTID {intid}, the hypervisor console's interrupt")
    problems += [f"hardware INTID {i} is given to {n} partitions" for i, n in hw.items() if n > 1]
    pcpus = [int(p) for _, _, p in RE_VCPU.findall(text["partitions.c"])]
    if len(pcpus) != len(set(pcpus)) or any(p >= nr_pcpus for p in pcpus):
        problems.append(f"vCPUs pinned to physical CPUs {pcpus} (of {nr_pcpus})")

    for dtb in sorted(out.glob("*.dtb")):
        blob = dtb.read_bytes()
        if blob[:4] != bytes.fromhex("d00dfeed") or int.from_bytes(blob[4:8], "big") != len(blob):
            problems.append(f"{dtb.name} is not a device tree blob")
    return problems


# The hypervisor's own flags (Makefile CFLAGS), for its sources that use
# what layout.h defines: they must build with any layout the generator writes.
HYP_CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-ffreestanding", "-fno-builtin", "-fno-pic",
              "-fno-pie", "-fno-stack-protector", "-fno-common", "-mgeneral-regs-only", "-mno-outline-atomics"]


def hyp_sources():
    return [str(p) for p in sorted(ROOT.glob("src/*.c")) + sorted(ROOT.glob("arch/aarch64/*.c"))
            if re.search(r"\bTESSERA_[A-Z]", p.read_text(errors="replace"))]


def hyp_compile_problems(out, sources):
    """The hypervisor sources that use layout.h's values, with this layout."""
    cmd = [CC] + HYP_CFLAGS + [f"-I{ROOT / 'include'}", f"-I{out}", "-include", str(out / "autoconf.h"),
                               "-fsyntax-only"] + sources
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode == 0:
        return []
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln] or proc.stderr.splitlines()
    return ["the hypervisor does not compile with this layout.h: " + " | ".join(errors[:6])]


def compile_problems(out):
    """Compile partitions.c and pagetables.c, assemble guest_images.S."""
    flags = CFLAGS + [f"-I{ROOT / 'include'}", f"-I{ROOT / 'arch'}", f"-I{out}", "-include", str(out / "autoconf.h")]
    problems = []
    for cmd in ([CC] + flags + ["-fsyntax-only", str(out / "partitions.c"), str(out / "pagetables.c")],
                [CC] + flags + ["-c", str(out / "guest_images.S"), "-o", os.devnull]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            what = "guest_images.S does not assemble" if "-c" in cmd else "the C does not compile"
            problems.append(f"{what}: " + " | ".join(proc.stderr.strip().splitlines()[:6]))
    return problems

# ---------------------------------------------------------------------------
# The worker: runs cases in-process, one at a time, as the parent asks


def edit_dotconfig(text, symbols):
    lines = [ln for ln in text.splitlines()
             if not any(ln.startswith(f"CONFIG_{s}=") or ln == f"# CONFIG_{s} is not set" for s in symbols)]
    for s, v in symbols.items():
        lines.append(f"# CONFIG_{s} is not set" if v is None else f"CONFIG_{s}={v}")
    return "\n".join(lines) + "\n"


def make_dotconfigs(dest, default_text=None):
    """A .config per KCONFIGS variant in dest (the default one as
    `make defconfig` writes it)."""
    dest.mkdir(parents=True, exist_ok=True)
    if default_text is None:
        path = dest / "alldef.config"
        proc = subprocess.run([PYTHON, "-m", "alldefconfig", "Kconfig"], cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, KCONFIG_CONFIG=str(path)))
        if proc.returncode != 0:
            raise RuntimeError(f"alldefconfig failed: {proc.stderr}")
        default_text = path.read_text()
    out = {}
    for name, symbols in KCONFIGS.items():
        out[name] = dest / f"{name}.config"
        out[name].write_text(edit_dotconfig(default_text, symbols))
    return {k: str(v) for k, v in out.items()}


def _share_compiled_templates():
    """Speed only: the generator makes a new Jinja2 environment per run and
    so compiles its templates each time (most of an accepted run's cost).
    In a worker, every environment shares one in-memory bytecode cache
    (keyed by the template source's checksum, so an edited template is
    compiled afresh); the subprocess sample runs without it."""
    import jinja2

    class MemoryCache(jinja2.BytecodeCache):
        def __init__(self):
            self.code = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket):
            self.code[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryCache()
    init = jinja2.Environment.__init__

    def shared_init(self, *args, **kwargs):
        kwargs.setdefault("bytecode_cache", cache)
        init(self, *args, **kwargs)

    jinja2.Environment.__init__ = shared_init


class Worker:
    def __init__(self, wdir, dotconfigs, timeout, failures, slow=None):
        sys.path.insert(0, str(ROOT / "gen"))
        _share_compiled_templates()
        from tessera_gen.__main__ import main
        from tessera_gen.board import load_board
        self.main = main
        self.boards = {n: load_board(n, ROOT / "boards") for n in set(BOARD_OF.values())}
        self.wdir = Path(wdir)
        self.case_dir = self.wdir / "case"
        self.out = self.wdir / "out"
        self.dotconfigs = dotconfigs
        self.timeout = timeout
        self.slow = slow or timeout / 2
        self.failures = Path(failures) if failures else None
        self.written = []
        self.compiled = {}
        self.hyp_sources = [] if os.environ.get("FUZZ_NO_HYP") else hyp_sources()
        self.note = ""
        shutil.rmtree(self.wdir, ignore_errors=True)
        self.case_dir.mkdir(parents=True)
        self._fixtures()
        # An earlier successful run's output, for cases that start with one in --out.
        config = self.wdir / "baseline.toml"
        config.write_bytes(serialize("toml", vm(1, "solo", [0x1], kernel="case/kernel.bin"), random.Random(0)))
        self.baseline = self.wdir / "baseline"
        rc, _, err, exc = self._inproc(config, self.baseline, dotconfigs["default"])
        if rc != 0:
            raise RuntimeError(f"the fuzzer's baseline config does not generate: {err}{exc or ''}")
        # The hypervisor's sources are checked against each new layout.h only
        # if they build with a plain one: a half-edited source is not the
        # generator's fault.
        broken = self.hyp_sources and hyp_compile_problems(self.baseline, self.hyp_sources)
        if broken:
            self.hyp_sources = []
            self.note = "the hypervisor's sources do not compile even with a plain layout, so they are " \
                        "not compiled against each output: " + broken[0][:300]

    def _fixtures(self):
        import libfdt
        d = self.case_dir
        (d / "kernel.bin").write_bytes(KERNEL_BYTES)
        (d / "initrd.bin").write_bytes(bytes(range(256)) * 37)
        sw = libfdt.FdtSw()
        sw.finish_reservemap()
        sw.begin_node("")
        sw.property_string("compatible", "linux,dummy-virt")
        sw.end_node()
        fdt = sw.as_fdt()
        fdt.pack()
        (d / "guest.dtb").write_bytes(bytes(fdt.as_bytearray()))
        (d / "notadtb.dtb").write_bytes(b"not a device tree\n")
        (d / "empty.bin").write_bytes(b"")
        with open(d / "huge.bin", "wb") as f:            # 64 MiB + 1, sparse
            f.truncate(0x400_0001)
        (d / "dir").mkdir()
        os.mkfifo(d / "fifo.toml")
        os.symlink("loop.bin", d / "loop.bin")
        (d / "binary.toml").write_bytes(bytes(range(256)))
        rng = random.Random(0)
        (d / "vmfile.toml").write_bytes(serialize("toml", vm(9, "filevm", [0x8]), rng))

    def _inproc(self, config, out, dotconfig):
        err, sout = io.StringIO(), io.StringIO()
        exc = None
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(sout):
            try:
                rc = self.main(["--config", str(config), "--out", str(out), "--kconfig", str(dotconfig)])
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
            except BaseException:                       # escaped main(): a bug of its own
                rc, exc = "exception", traceback.format_exc()
        return rc, sout.getvalue(), err.getvalue(), exc

    def _subproc(self, config, out, dotconfig):
        try:
            proc = subprocess.run([PYTHON, "-m", "tessera_gen", "--config", str(config), "--out", str(out),
                                   "--kconfig", str(dotconfig)], cwd=ROOT, capture_output=True,
                                  env=dict(os.environ, PYTHONPATH=str(ROOT / "gen")), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return "timeout", "", "", None
        return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"), None

    def _prepare(self, case):
        for p in reversed(self.written):
            try:
                if p.is_dir() and not p.is_symlink():
                    p.rmdir()
                else:
                    p.unlink()
            except OSError:
                pass
        self.written = []
        for rel, data in case.files.items():
            path = self.case_dir / rel
            for parent in reversed(path.relative_to(self.case_dir).parents[:-1]):
                d = self.case_dir / parent
                if not d.exists():
                    d.mkdir()
                    self.written.append(d)
            path.write_bytes(data)
            self.written.append(path)
        self.written.sort(key=lambda p: len(p.parts))
        for p in (self.out, self.wdir / "nested", self.wdir / "afile"):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            elif p.exists() or p.is_symlink():
                p.unlink()
        out = self.out
        if case.out_state == "previous":
            shutil.copytree(self.baseline, out)
        elif case.out_state == "junk":
            out.mkdir()
            (out / "stale.txt").write_text("left by someone\n")
            (out / "partitions.c").write_text("garbage\n")
        elif case.out_state == "subdir":
            shutil.copytree(self.baseline, out)
            (out / "keep").mkdir()
            (out / "keep" / "notes.txt").write_text("mine\n")
        elif case.out_state == "file":
            out.write_text("a file where the output directory should be\n")
        elif case.out_state == "nested":
            out = self.wdir / "nested" / "deeper" / "out"
        elif case.out_state == "parentfile":
            (self.wdir / "afile").write_text("a file where a directory should be\n")
            out = self.wdir / "afile" / "out"
        return out

    def _run(self, case, how):
        out = self._prepare(case)
        before = snapshot(out)
        config = self.case_dir / case.main
        dotconfig = self.dotconfigs[case.kconfig]
        run = self._inproc if how == "in-process" else self._subproc
        t0 = time.monotonic()
        rc, sout, serr, exc = run(config, out, dotconfig)
        took = time.monotonic() - t0
        leftovers = sorted(p.name for p in out.parent.glob(out.name + ".tmp*")) if out.parent.is_dir() else []
        problems = []
        if exc:
            problems.append("an exception escaped main(): " + exc.strip().splitlines()[-1])
        if rc == "timeout":
            problems.append(f"no answer in {self.timeout} s (a hang)")
        elif took > self.slow:
            problems.append(f"took {took:.1f} s, more than {self.slow:g} s (close to a hang)")
        elif rc == 0:
            # A notice (errors.notice) is one line naming a file and a key:
            # an accepted config may earn some; anything else is output.
            noise = [l for l in serr.splitlines() if not re.match(r"notice: \S+: \S", l)]
            if sout or noise:
                problems.append(f"exit status 0 but output on stdout/stderr: {(sout + serr)[:300]!r}")
            if leftovers:
                problems.append(f"temporary directories left: {leftovers}")
            if not out.is_dir():
                problems.append("exit status 0 but no output directory")
            else:
                problems += check_output(out, self.boards[BOARD_OF[case.kconfig]])
        elif not exc:
            prefixes = [str(self.case_dir) + "/", str(Path(dotconfig)), str(ROOT / "boards") + "/", str(out),
                        "/etc/"]
            problems += check_rejection(rc, sout, serr, before, snapshot(out), leftovers, prefixes)
        return dict(rc=rc, stdout=sout, stderr=serr, problems=problems, out=out,
                    result=snapshot(out, mtimes=False) if rc == 0 else None)

    def run_case(self, index, seed, with_subprocess, compile_all=True):
        t0 = time.monotonic()
        case = build_case(seed, index)
        problems = []
        sub = None
        if with_subprocess:
            sub = self._run(case, "subprocess")
            problems += [f"(subprocess) {p}" for p in sub["problems"]]
        r = self._run(case, "in-process")
        problems += r["problems"]
        if sub is not None and sub["rc"] != "timeout":
            for what in ("rc", "stdout", "stderr"):
                if sub[what] != r[what]:
                    problems.append(f"in-process {what} {r[what]!r:.300} differs from the subprocess's "
                                    f"{sub[what]!r:.300}")
            if sub["result"] != r["result"]:
                problems.append("in-process output differs from the subprocess's: "
                                + diff_snapshots(sub["result"], r["result"]))
        compiled = False
        if r["rc"] == 0 and not problems and compile_all:
            out = r["out"]
            key = hashlib.sha256(b"".join((out / n).read_bytes() for n in
                                          ("partitions.c", "pagetables.c", "layout.h", "autoconf.h",
                                           "guest_images.S"))).hexdigest()
            if key not in self.compiled:
                self.compiled[key] = compile_problems(out)
                compiled = True
            problems += self.compiled[key]
            key = hashlib.sha256((out / "layout.h").read_bytes() + (out / "autoconf.h").read_bytes()).hexdigest()
            if self.hyp_sources and key not in self.compiled:
                self.compiled[key] = hyp_compile_problems(out, self.hyp_sources)
            problems += self.compiled.get(key, [])
        if problems and self.failures:
            self.save_failure(case, r, problems)
        verdict = "failed" if problems else "accepted" if r["rc"] == 0 else "rejected"
        return dict(i=index, verdict=verdict, problems=problems, compiled=compiled, sub=with_subprocess,
                    error=r["stderr"].splitlines()[0] if r["rc"] == 1 and r["stderr"] else "",
                    seconds=time.monotonic() - t0)

    def save_failure(self, case, r, problems):
        d = save_case(self.failures, case, problems, self.dotconfigs[case.kconfig])
        with open(d / "error.txt", "a") as f:
            f.write(f"\nexit status: {r['rc']}\nstdout: {r['stdout']!r}\nstderr: {r['stderr']!r}\n")
        if r["out"].is_dir():
            shutil.copytree(r["out"], d / "out", dirs_exist_ok=True)


def save_case(failures, case, problems, dotconfig):
    d = Path(failures) / f"{case.seed}-{case.index}"
    shutil.rmtree(d, ignore_errors=True)
    (d / "files").mkdir(parents=True)
    for rel, data in case.files.items():
        (d / "files" / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / "files" / rel).write_bytes(data)
    shutil.copy(dotconfig, d / "dotconfig")
    (d / "error.txt").write_text(
        "\n".join(problems) + "\n\n" + case.describe() + "\n\n"
        f"replay: FUZZ_SEED={case.seed} FUZZ_ONLY={case.index} make fuzz\n"
        f"   or:  tests/gen/fuzz.py --seed {case.seed} --only {case.index}\n"
        "files/ holds the config files (fixtures such as kernel.bin are made by the fuzzer); "
        "dotconfig the .config used\n")
    return d


def worker_main(args):
    """Protocol: the parent writes {"i": index, "sub": bool} lines, the worker
    answers one JSON line each, on a private copy of stdout."""
    opts = json.loads(args)
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    w = Worker(opts["wdir"], opts["dotconfigs"], opts["timeout"], opts["failures"], opts["slow"])
    proto.write(json.dumps({"ready": True, "note": w.note}) + "\n")
    for line in sys.stdin:
        req = json.loads(line)
        if req["i"] in opts.get("selftest", {}).get("hang", []):     # test_fuzz.py: the parent's watch
            time.sleep(3600)
        if req["i"] in opts.get("selftest", {}).get("die", []):
            os._exit(3)
        try:
            res = w.run_case(req["i"], opts["seed"], req["sub"])
        except Exception:                   # a bug of the fuzzer's own: say so, go on
            res = dict(i=req["i"], verdict="failed", compiled=False, sub=req["sub"], error="",
                       problems=["the fuzzer itself failed: " + traceback.format_exc()[-1500:]])
        proto.write(json.dumps(res) + "\n")
    proto.close()

# ---------------------------------------------------------------------------
# The parent


@dataclass
class Summary:
    seed: int
    count: int = 0
    accepted: int = 0
    rejected: int = 0
    subprocess: int = 0
    compiled: int = 0
    failures: list = field(default_factory=list)     # (index, [problems])
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    slowest: list = field(default_factory=list)     # (seconds, index), the slowest few
    notes: list = field(default_factory=list)       # what the workers could not check

    def line(self):
        return (f"fuzz: seed {self.seed}: {self.count} cases: {self.accepted} accepted, {self.rejected} rejected, "
                f"{len(self.failures)} failures ({self.subprocess} also run as a subprocess, "
                f"{self.compiled} distinct outputs compiled) in {self.seconds:.1f} s")

    def report(self, limit=10, header=True):
        out = [self.line()] + [f"  note: {n}" for n in self.notes] if header else []
        for i, problems in sorted(self.failures)[:limit]:
            out.append(f"  case {self.seed}:{i}: " + " / ".join(problems)[:800])
            if i >= 0:
                out.append("      " + build_case(self.seed, i).describe()[:800])
        return "\n".join(out)


class WorkerProc:
    def __init__(self, k, opts, log):
        self.k = k
        self.log = log
        self.proc = subprocess.Popen([PYTHON, __file__, "--worker", json.dumps(dict(opts, wdir=f"{opts['wdir']}/w{k}"))],
                                     cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     env=dict(os.environ, PYTHONPATH=str(ROOT / "gen")), start_new_session=True)
        self.buf = b""
        self.job = None
        self.started = 0.0
        self.ready = False

    def send(self, index, sub):
        self.job = (index, sub)
        self.started = time.monotonic()
        self.proc.stdin.write(json.dumps({"i": index, "sub": sub}).encode() + b"\n")
        self.proc.stdin.flush()

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def run(count, seed, workdir, jobs=None, nsub=50, timeout=20.0, failures=None, progress=None, only=None,
        default_dotconfig_text=None, selftest=None, slow=None):
    """Run cases 0..count-1 (or only the given ones) of seed; returns a Summary.
    progress(summary) is called every few seconds. A case taking more than
    timeout s is a hang, one taking more than slow s (default: half the
    timeout) a near-hang. selftest: {"hang": [i], "die": [i]} makes a worker
    hang or die at case i (for test_fuzz.py)."""
    t0 = time.monotonic()
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    if failures:
        shutil.rmtree(failures, ignore_errors=True)
        Path(failures).mkdir(parents=True)
    dotconfigs = make_dotconfigs(workdir / "kconfig", default_dotconfig_text)
    indices = list(only) if only is not None else list(range(count))
    stride = max(1, len(indices) // nsub) if nsub else 0
    subset = set(indices[::stride][:nsub]) if nsub else set()
    todo = list(reversed(indices))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(indices)))
    opts = dict(seed=seed, dotconfigs=dotconfigs, timeout=timeout, failures=str(failures) if failures else None,
                wdir=str(workdir), selftest=selftest or {}, slow=slow or timeout / 2)
    summary = Summary(seed=seed)
    sel = selectors.DefaultSelector()
    logs = []

    def start(k):
        log = open(workdir / f"w{k}.log", "ab")
        logs.append(log)
        w = WorkerProc(k, opts, log)
        sel.register(w.proc.stdout, selectors.EVENT_READ, w)
        return w

    def lost(w, why):
        index, _ = w.job
        tail = (workdir / f"w{w.k}.log").read_bytes()[-1500:].decode(errors="replace").strip()
        problems = [why + (f"; worker's last words: {tail[-600:]}" if tail else "")]
        summary.failures.append((index, problems))
        summary.count += 1
        if failures:
            case = build_case(seed, index)
            save_case(failures, case, problems, dotconfigs[case.kconfig])

    workers = [start(k) for k in range(jobs)]
    last_progress = time.monotonic()
    try:
        while todo or any(w.job for w in workers):
            for w in workers:
                if w.ready and w.job is None and todo:
                    i = todo.pop()
                    w.send(i, i in subset)
            for key, _ in sel.select(timeout=0.5):
                w = key.data
                chunk = os.read(w.proc.stdout.fileno(), 1 << 16)
                if not chunk:                       # the worker died
                    sel.unregister(w.proc.stdout)
                    w.kill()
                    if w.job:
                        lost(w, f"the worker process died (exit status {w.proc.returncode})")
                    elif not w.ready:
                        raise RuntimeError("a fuzz worker failed to start: "
                                           + (workdir / f"w{w.k}.log").read_text(errors="replace")[-3000:])
                    workers[workers.index(w)] = start(w.k)
                    continue
                w.buf += chunk
                while b"\n" in w.buf:
                    line, w.buf = w.buf.split(b"\n", 1)
                    res = json.loads(line)
                    if res.get("ready"):
                        w.ready = True
                        if res.get("note") and res["note"] not in summary.notes:
                            summary.notes.append(res["note"])
                        continue
                    w.job = None
                    summary.count += 1
                    summary.subprocess += res["sub"]
                    summary.compiled += res["compiled"]
                    summary.slowest = sorted(summary.slowest + [(res.get("seconds", 0), res["i"])])[-5:]
                    if res["verdict"] == "failed":
                        summary.failures.append((res["i"], res["problems"]))
                    elif res["verdict"] == "accepted":
                        summary.accepted += 1
                    else:
                        summary.rejected += 1
                        summary.errors[normalize(res["error"])] += 1
            now = time.monotonic()
            for w in list(workers):
                limit = timeout * (3 if w.job and w.job[1] else 1) + min(5, timeout)
                if w.job and now - w.started > limit:
                    sel.unregister(w.proc.stdout)
                    w.kill()
                    lost(w, f"no answer in {limit:.0f} s (a hang)")
                    workers[workers.index(w)] = start(w.k)
            if progress and now - last_progress > 5:
                summary.seconds = now - t0
                progress(summary)
                last_progress = now
    finally:
        for w in workers:
            try:
                w.proc.stdin.close()
            except OSError:
                pass
        for w in workers:
            try:
                rc = w.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
                rc = "killed"
            if rc != 0 and not w.job:
                summary.failures.append((-1, [f"worker {w.k} exited with status {rc} at the end (a crash at exit)"]))
            with contextlib.suppress(KeyError):
                sel.unregister(w.proc.stdout)
            w.proc.stdout.close()
        for log in logs:
            log.close()
    summary.seconds = time.monotonic() - t0
    return summary


def normalize(err):
    """An error line without its file and numbers, to count kinds of rejection."""
    err = re.sub(r"^error: \S+?: ", "error: ", err)
    err = re.sub(r"0x[0-9a-f]+|\d+", "N", err)
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", err)[:120]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    ap.add_argument("--count", type=int, default=int(env("FUZZ_COUNT") or 20000))
    ap.add_argument("--seed", type=int, default=int(env("FUZZ_SEED")) if env("FUZZ_SEED") else None)
    ap.add_argument("--jobs", type=int, default=int(env("FUZZ_JOBS") or 0) or None)
    ap.add_argument("--subprocess", type=int, default=None, help="cases also run as a subprocess")
    ap.add_argument("--timeout", type=float, default=float(env("FUZZ_TIMEOUT") or 20))
    ap.add_argument("--only", type=int, action="append", help="replay this case (repeatable)")
    ap.add_argument("--dir", default=str(ROOT / "build" / "fuzz"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker_main(args.worker)
    only = args.only or ([int(x) for x in env("FUZZ_ONLY").replace(",", " ").split()] if env("FUZZ_ONLY") else None)
    seed = args.seed if args.seed is not None else int(time.time())
    nsub = args.subprocess
    if nsub is None:
        nsub = int(env("FUZZ_SUBPROCESS") or 0) or max(50, args.count // 100)
    d = Path(args.dir).resolve()
    if only:
        for i in only:
            case = build_case(seed, i)
            print(case.describe())
            for rel, data in case.files.items():
                print(f"--- {rel} ({len(data)} bytes)")
                print(data[:3000].decode("utf-8", "replace") + ("\n[...]" if len(data) > 3000 else ""))
    n = len(only) if only else args.count
    print(f"fuzz: seed {seed}, {n} cases, failures go to {d / 'failures'} "
          f"(replay one: FUZZ_SEED={seed} FUZZ_ONLY=<case> make fuzz)", flush=True)

    def progress(s):
        print(f"fuzz: {s.count}/{n} cases, {s.accepted} accepted, {s.rejected} rejected, "
              f"{len(s.failures)} failures, {s.seconds:.0f} s", flush=True)

    s = run(args.count, seed, d / "work", jobs=args.jobs, nsub=min(nsub, n), timeout=args.timeout,
            failures=d / "failures", progress=progress, only=only)
    if s.errors and not only:
        print("fuzz: most common rejections:")
        for err, k in s.errors.most_common(12):
            print(f"  {k:6d}  {err}")
    for note in s.notes:
        print(f"fuzz: note: {note}")
    print("fuzz: slowest cases: " + ", ".join(f"{i} ({t:.2f} s)" for t, i in reversed(s.slowest)))
    if s.failures:
        print(s.report(limit=30, header=False))
    elif only:
        for i in only:
            print(f"case {seed}:{i}: passed")
    print(s.line())
    if not s.failures:
        shutil.rmtree(d / "work", ignore_errors=True)
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
