"""Obviously wrong shapes: the loader answers with one line naming the key,
never with "internal generator error" (a generator bug) or a traceback."""

import json
import os
import subprocess

import pytest
import yaml

from gentest import TWO_VMS_YAML, VM_TOML, assert_one_line_error, edit

REGION = "[0x4000_0000, 0x100_0000, 0x7, 0]"
ONE_CPU = "cpu_num = 1\nphys_cpu_ids = [0x0]\nphys_cpu_sets = [0x1]"
BIG = "it must be at most 0xffffffffffffffff (64 bits)"


def vm(old, new):
    return edit(VM_TOML, old, new)


def yml(old, new):
    return edit(TWO_VMS_YAML, old, new)


# (test id, file name, text or bytes, expected stderr after "error: {file}: ")
SHAPES = [
    ("yaml-top-level-list", "s.yaml", "- board: qemu-aarch64-virt\n- vm: []\n",
     "(top level): must be a table, not a list"),
    ("yaml-top-level-scalar", "s.yaml", "42\n", "(top level): must be a table, not an integer"),
    ("yaml-top-level-string", "s.yaml", "just words\n", "(top level): must be a table, not a string"),
    ("yaml-empty", "s.yaml", "", "board: missing; this key is required"),
    ("toml-empty", "s.toml", "", "board: missing; this key is required"),
    ("vm-is-integer", "s.toml", 'board = "qemu-aarch64-virt"\nvm = 3\n', "vm: must be a list, not an integer"),
    ("vm-entry-is-integer", "s.yaml", "board: qemu-aarch64-virt\nvm: [3]\n",
     "vm[0]: must be a table, not an integer"),
    ("vm-entry-is-list", "s.yaml", "board: qemu-aarch64-virt\nvm: [[1, 2]]\n",
     "vm[0]: must be a table, not a list"),
    ("vms-is-string", "s.toml", 'board = "qemu-aarch64-virt"\nvms = "solo.toml"\n',
     "vms: must be a list, not a string"),
    ("vms-entry-is-integer", "s.toml", 'board = "qemu-aarch64-virt"\nvms = [3]\n',
     "vms[0]: must be a file name, not an integer"),
    ("board-is-list", "s.yaml", "board: [qemu-aarch64-virt]\nvm: []\n", "board: must be a string, not a list"),
    ("base-is-integer", "solo.toml", vm("[base]\nid = 1", "base = 1\n[base2]\nid = 1"),
     "base: must be a table, not an integer"),
    ("devices-is-list", "s.yaml", yml("    devices:\n      emu_devices: [[\"pl011@9000000\", 0x09000000, 0x1000, 33, "
                                      "0x2, []]]\n  - base: {id: 2",
                                      "    devices: []\n  - base: {id: 2"),
     "vm[0].devices: must be a table, not a list"),
    ("memory-regions-string", "solo.toml", vm("memory_regions = [\n    " + REGION + ",\n]", 'memory_regions = "x"'),
     "kernel.memory_regions: must be a list, not a string"),
    ("memory-region-is-table", "solo.toml", vm(REGION, "{ base = 0x4000_0000 }"),
     "kernel.memory_regions[0]: must be a list, not a table"),
    ("memory-region-is-integer", "solo.toml", vm(REGION, "0x4000_0000"),
     "kernel.memory_regions[0]: must be a list, not an integer"),
    ("memory-region-one-field", "solo.toml", vm(REGION, "[0x4000_0000]"),
     "kernel.memory_regions[0]: has 1 field; it needs 4"),
    ("memory-region-field-is-string", "solo.toml", vm(REGION, '["0x4000_0000", 0x100_0000, 0x7, 0]'),
     "kernel.memory_regions[0][0]: must be an integer, not a string"),
    ("emu-device-wrong-shape", "solo.toml", vm('["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]', '"pl011"'),
     "devices.emu_devices[0]: must be [name, base_gpa, length, irq, emu_type, config]"),
    ("passthrough-entry-is-integer", "solo.toml", vm("passthrough_devices = []", "passthrough_devices = [1]"),
     "devices.passthrough_devices[0]: must be a list, not an integer"),
    ("phys-cpu-ids-integer", "solo.toml", vm("phys_cpu_ids = [0x0]", "phys_cpu_ids = 0"),
     "base.phys_cpu_ids: must be a list, not an integer"),
    # numbers out of range
    ("negative-id", "solo.toml", vm("id = 1", "id = -1"), "base.id: is -1; it must be at least 0"),
    ("negative-cpu-num", "solo.toml", vm(ONE_CPU, "cpu_num = -4"), "base.cpu_num: is -4; it must be at least 1"),
    ("negative-region-base", "solo.toml", vm(REGION, "[-4096, 0x100_0000, 0x7, 0]"),
     "kernel.memory_regions[0][0]: is -4096; it must be at least 0"),
    ("negative-cpu-set", "solo.toml", vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [-1]"),
     "base.phys_cpu_sets[0]: is -1; it must be at least 0"),
    ("huge-id", "solo.toml", vm("id = 1", "id = 0x1_0000_0000_0000_0000"),
     f"base.id: is 0x10000000000000000; {BIG}"),
    ("huge-cpu-set", "solo.toml", vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x40_0000_0000_0000_0000]"),
     f"base.phys_cpu_sets[0]: is 0x400000000000000000; {BIG}"),
    ("huge-region-size", "solo.toml", vm(REGION, "[0x4000_0000, 0x1_0000_0000_0000_0000, 0x7, 0]"),
     f"kernel.memory_regions[0][1]: is 0x10000000000000000; {BIG}"),
    ("huge-entry-point", "solo.toml", vm("entry_point = 0x4008_0000", f"entry_point = {2**64}"),
     f"kernel.entry_point: is 0x10000000000000000; {BIG}"),
    ("yaml-huge-number", "s.yaml", yml("id: 1,", f"id: {10**30},"),
     f"vm[0].base.id: is {10**30:#x}; {BIG}"),
    ("huge-cpu-num", "solo.toml", vm(ONE_CPU, "cpu_num = 0xffff_ffff_ffff_ffff"),
     "base.cpu_num: is 18446744073709551615; a partition has at most 64 vCPUs "
     "(phys_cpu_sets masks have 64 bits, one per physical CPU)"),
    ("region-size-64-bit", "solo.toml", vm(REGION, "[0x4000_0000, 0xffff_ffff_ffff_f000, 0x7, 0]"),
     "kernel.memory_regions[0]: guest range 0x40000000-0x1000000003ffff000 ends above 0x8000000000, "
     "the end of the 39-bit guest-physical address space"),
    ("region-wraps-64-bit", "solo.toml", vm(REGION, REGION + ", [0xffff_ffff_ffff_f000, 0x2000, 0x3, 0]"),
     "kernel.memory_regions[1]: guest range 0xfffffffffffff000-0x10000000000001000 ends above 0x8000000000, "
     "the end of the 39-bit guest-physical address space"),
    ("emu-device-wraps-64-bit", "solo.toml", vm("0x0900_0000, 0x1000, 33", "0xffff_ffff_ffff_f000, 0x2000, 33"),
     "devices.emu_devices[0]: guest range 0xfffffffffffff000-0x10000000000001000 ends above 0x8000000000, "
     "the end of the 39-bit guest-physical address space"),
    ("passthrough-beyond-ipa", "solo.toml",
     vm("passthrough_devices = []", 'passthrough_devices = [["rtc", 0x80_0000_0000, 0x0901_0000, 0x1000, 0]]'),
     "devices.passthrough_devices[0]: guest range 0x8000000000-0x8000001000 ends above 0x8000000000, "
     "the end of the 39-bit guest-physical address space"),
    # other types
    ("float", "solo.toml", vm(ONE_CPU, "cpu_num = 1.5"), "base.cpu_num: must be an integer, not a float"),
    ("infinity", "solo.toml", vm(ONE_CPU, "cpu_num = inf"), "base.cpu_num: must be an integer, not a float"),
    ("boolean", "solo.toml", vm(ONE_CPU, "cpu_num = true"), "base.cpu_num: must be an integer, not a boolean"),
    ("toml-date", "solo.toml", vm("id = 1", "id = 1979-05-27"), "base.id: must be an integer, not a date or time"),
    ("yaml-null-required", "s.yaml", yml("cpu_num: 1, phys_cpu_ids: [0x0], phys_cpu_sets: [0x1]",
                                         "cpu_num: , phys_cpu_ids: [0x0], phys_cpu_sets: [0x1]"),
     "vm[0].base.cpu_num: has no value; this key is required"),
    ("yaml-null-table", "s.yaml", "board: qemu-aarch64-virt\nvm:\n  - base: {id: 1, name: a, cpu_num: 1}\n    kernel:\n",
     "vm[0].kernel: has no value; this key is required"),
    ("yaml-null-in-list", "s.yaml", yml("phys_cpu_sets: [0x1]", "phys_cpu_sets: [null]"),
     "vm[0].base.phys_cpu_sets[0]: must be an integer, not an empty value (null)"),
    ("yaml-integer-key", "s.yaml", yml("{id: 1,", "{7: 1, id: 1,"), "vm[0].base.7: unknown key; "
     "see docs/configuration.md for the keys Tessera reads"),
    ("yaml-python-tag", "s.yaml", "!!python/object/apply:os.system [true]\n",
     "YAML syntax error: line 1: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("yaml-self-reference", "s.yaml", "board: qemu-aarch64-virt\nvm: &x [*x]\n", "vm[0]: must be a table, not a list"),
    ("not-utf8", "s.toml", b'board = "\xff\xfe"\n', "is not UTF-8 text (invalid start byte)"),
    ("toml-nested-too-deep", "s.toml", "x = " + "[" * 1500 + "]" * 1500 + "\n", "is nested too deeply to read"),
    ("yaml-nested-too-deep", "s.yaml", "x: " + "[" * 1500 + "]" * 1500 + "\n", "is nested too deeply to read"),
]


@pytest.mark.parametrize("name,text,expected", [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_wrong_shape(gen, tmp_path, name, text, expected):
    if isinstance(text, bytes):
        (tmp_path / name).write_bytes(text)
        result = gen.run(tmp_path / name)
    else:
        result = gen(text, name)
    assert_one_line_error(result, f"error: {tmp_path / name}: {expected}")


# ---- seeded mutations -------------------------------------------------------
# A valid two-partition system; each mutation replaces (or deletes) one or
# two values anywhere in it with something of the wrong shape or size. One
# process runs them all through the generator's command line entry point.

FUZZ_DRIVER = r'''
import contextlib, copy, io, json, random, sys
import yaml
from tessera_gen.__main__ import main

base, config, out, kconfig, seed, count = json.loads(sys.argv[1])
WEIRD = [None, -1, 0, 1, 2**64, 2**64 - 1, 2**39, 0x1000, 0xfff, "", "x", "*/", [], [0], [[]], {}, {"a": 1},
         1.5, True, [None], ["x", 1], 0x40000000, 0x9000000, 0xffff_ffff_ffff_f000]
DELETE = object()

def paths(d, path=()):
    if path:
        yield path
    if isinstance(d, dict):
        for k, v in d.items():
            yield from paths(v, path + (k,))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from paths(v, path + (i,))

rng = random.Random(seed)
for n in range(count):
    d = copy.deepcopy(base)
    for _ in range(rng.choice([1, 1, 2])):
        path = rng.choice(list(paths(d)))
        value = rng.choice(WEIRD + [DELETE])
        parent = d
        for p in path[:-1]:
            parent = parent[p]
        if value is DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(value)
    with open(config, "w") as f:
        yaml.safe_dump(d, f)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["--config", config, "--out", out, "--kconfig", kconfig])
    print(json.dumps({"rc": rc, "stderr": err.getvalue(), "config": yaml.safe_dump(d)}))
'''


def test_seeded_mutations(gen, tmp_path, root):
    base = yaml.safe_load(TWO_VMS_YAML)
    base["vm"][0]["kernel"]["memory_regions"].append([0x48000000, 0x200000, 3, 1])
    base["vm"][0]["kernel"]["cmdline"] = "console=ttyAMA0"
    base["vm"][0]["devices"]["passthrough_devices"] = [["rtc", 0x10000000, 0x9010000, 0x1000, 0]]
    config = tmp_path / "fuzz.yaml"
    args = [base, str(config), str(tmp_path / "out"), str(gen.dotconfig), 20261122, 300]
    proc = subprocess.run(["/usr/bin/python3",
                           "-c", FUZZ_DRIVER, json.dumps(args)],
                          cwd=root, env=dict(os.environ, PYTHONPATH=str(root / "gen")),
                          capture_output=True, text=True, timeout=120)
    # The driver itself must end cleanly: no crash of the process at exit either.
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == 300
    for r in results:
        err = r["stderr"]
        assert r["rc"] in (0, 1), (err, r["config"])
        if r["rc"] == 0:
            assert err == "", r["config"]
        else:
            assert err.startswith(f"error: {config}: "), (err, r["config"])
            assert err.endswith("\n") and err.count("\n") == 1, (err, r["config"])
    # Most mutations break the config, and some leave it valid: both paths ran.
    assert sum(r["rc"] == 1 for r in results) > 150
    assert sum(r["rc"] == 0 for r in results) > 5
