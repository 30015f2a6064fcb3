"""Invalid configs: exit status 1, exactly one line on stderr naming the file,
the key path and the fix, no traceback, and no output directory."""

import pytest

from gentest import TWO_VMS_TOML, TWO_VMS_YAML, VM_TOML, assert_one_line_error, edit, snapshot

SOLO, SYSTEM, SYSTEM_YAML = "solo.toml", "system.toml", "system.yaml"

REGION = "[0x4000_0000, 0x100_0000, 0x7, 0]"
ONE_CPU = "cpu_num = 1\nphys_cpu_ids = [0x0]\nphys_cpu_sets = [0x1]"


def vm(old, new, *more):
    """VM_TOML with replacements (old, new, old2, new2, ...)."""
    text = edit(VM_TOML, old, new)
    for o, n in zip(more[::2], more[1::2]):
        text = edit(text, o, n)
    return text


def two(old, new, *more, count=1):
    text = edit(TWO_VMS_TOML, old, new, count)
    for o, n in zip(more[::2], more[1::2]):
        text = edit(text, o, n, count)
    return text


def right(old, new):
    """TWO_VMS_TOML with a replacement in the second partition ("right") only."""
    left, rest = TWO_VMS_TOML.split('name = "right"')
    return left + 'name = "right"' + edit(rest, old, new)


BOARD = "board qemu-aarch64-virt"
FIX_UNKNOWN = "unknown key; see docs/configuration.md for the keys Tessera reads"

# (test id, config file name, config text, expected stderr after "error: {file}: ")
CASES = [
    # ---- physical CPUs
    ("cpu-owned-twice", SYSTEM, two("phys_cpu_sets = [0x2]", "phys_cpu_sets = [0x1]"),
     "vm[1].base.phys_cpu_sets[0]: physical CPU 0 is owned twice: by vm 'left' vcpu 0 and vm 'right' vcpu 0; "
     "give each vCPU its own CPU"),
    ("cpu-set-beyond-board", SOLO, vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x10]"),
     f"base.phys_cpu_sets[0]: 0x10 names CPU 4, but {BOARD} has CPUs 0-3 (mask 0xf)"),
    ("cpu-set-two-cpus-beyond-board", SOLO, vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x30]"),
     f"base.phys_cpu_sets[0]: 0x30 names CPUs 4 and 5, but {BOARD} has CPUs 0-3 (mask 0xf)"),
    ("cpu-set-many-cpus-beyond-board", SOLO, vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0xf0f0]"),
     f"base.phys_cpu_sets[0]: 0xf0f0 names CPUs 4, 5, 6 and 5 more, but {BOARD} has CPUs 0-3 (mask 0xf)"),
    ("cpu-set-empty", SOLO, vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x0]"),
     "base.phys_cpu_sets[0]: 0x0 leaves vCPU 0 with no CPU; set the bit of the physical CPU it should run on"),
    ("cpu-set-all-taken-same-vm", SOLO,
     vm(ONE_CPU, "cpu_num = 3\nphys_cpu_ids = [0x0, 0x1, 0x2]\nphys_cpu_sets = [0x1, 0x2, 0x3]"),
     "base.phys_cpu_sets[2]: vCPU 2 cannot be pinned: every CPU in its set 0x3 is taken by other vCPUs; "
     "widen the set or free a CPU"),
    ("cpu-set-all-taken-other-vm", SYSTEM,
     edit(two("cpu_num = 1\nphys_cpu_ids = [0x0]\nphys_cpu_sets = [0x1]",
              "cpu_num = 3\nphys_cpu_ids = [0x0, 0x1, 0x2]\nphys_cpu_sets = [0x7, 0x7, 0x7]"),
          "phys_cpu_sets = [0x2]", "phys_cpu_sets = [0x6]"),
     "vm[1].base.phys_cpu_sets[0]: vCPU 0 cannot be pinned: every CPU in its set 0x6 is taken by other vCPUs; "
     "widen the set or free a CPU"),
    ("cpu-num-above-board", SOLO, vm(ONE_CPU, "cpu_num = 5"),
     f"base.cpu_num: is 5, but {BOARD} has 4 CPUs and each vCPU is pinned to a CPU of its own"),
    ("cpu-num-absurd", SOLO, vm(ONE_CPU, "cpu_num = 1_000_000_000"),
     "base.cpu_num: is 1000000000; a partition has at most 64 vCPUs "
     "(phys_cpu_sets masks have 64 bits, one per physical CPU)"),
    ("cpu-num-zero", SOLO, vm(ONE_CPU, "cpu_num = 0"), "base.cpu_num: is 0; it must be at least 1"),
    ("phys-cpu-ids-length", SOLO, vm("phys_cpu_ids = [0x0]", "phys_cpu_ids = [0x0, 0x1]"),
     "base.phys_cpu_ids: has 2 entries but cpu_num = 1; give one virtual MPIDR per vCPU"),
    ("phys-cpu-sets-length", SOLO, vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x1, 0x2]"),
     "base.phys_cpu_sets: has 2 entries but cpu_num = 1; give one CPU mask per vCPU"),
    ("duplicate-vmpidr", SOLO,
     vm(ONE_CPU, "cpu_num = 2\nphys_cpu_ids = [0x100, 0x100]\nphys_cpu_sets = [0x1, 0x2]"),
     "base.phys_cpu_ids[1]: 0x100 repeats phys_cpu_ids[0]; each vCPU needs its own virtual MPIDR"),
    ("vmpidr-not-affinity", SOLO, vm("phys_cpu_ids = [0x0]", "phys_cpu_ids = [0x8000_0000]"),
     "base.phys_cpu_ids[0]: 0x80000000 is not an MPIDR affinity value; use only Aff3..Aff0 (mask 0xff00ffffff)"),

    # ---- memory
    ("regions-overlap", SOLO, vm(REGION, "[0x4000_0000, 0x100_0000, 0x7, 0], [0x40f0_0000, 0x20_0000, 0x3, 0]"),
     "kernel.memory_regions[1]: guest range 0x40f00000-0x41100000 overlaps kernel.memory_regions[0] "
     "(0x40000000-0x41000000)"),
    ("regions-overlap-inline", SYSTEM, right("[[0x4000_0000, 0x100_0000, 0x7, 0]]",
                                             "[[0x4000_0000, 0x100_0000, 0x7, 0], [0x4000_0000, 0x1000, 0x3, 0]]"),
     "vm[1].kernel.memory_regions[1]: guest range 0x40000000-0x40001000 overlaps vm[1].kernel.memory_regions[0] "
     "(0x40000000-0x41000000)"),
    ("identity-regions-of-two-vms-overlap", SYSTEM,
     two("[[0x4000_0000, 0x100_0000, 0x7, 0]]", "[[0x4800_0000, 0x100_0000, 0x7, 1]]",
         "entry_point = 0x4008_0000", "entry_point = 0x4808_0000",
         "kernel_load_addr = 0x4008_0000", "kernel_load_addr = 0x4808_0000", count=2),
     "vm[1].kernel.memory_regions[0]: host memory 0x48000000-0x49000000 is also given to vm 'left' "
     "(vm[0].kernel.memory_regions[0]); a range belongs to one partition"),
    ("identity-region-over-hypervisor", SOLO, vm(REGION, "[0x4000_0000, 0x100_0000, 0x7, 1]"),
     "kernel.memory_regions[0]: 0x40000000-0x41000000 overlaps the hypervisor (0x40000000-0x40200000); "
     "move it, or use map_type 0 to let the generator place it"),
    ("ram-region-over-emulated-device", SOLO, vm(REGION, REGION + ", [0x0900_0000, 0x1000, 0x3, 0]"),
     "devices.emu_devices[0]: guest range 0x9000000-0x9001000 overlaps kernel.memory_regions[1] "
     "(0x9000000-0x9001000)"),
    ("identity-region-outside-ram", SOLO, vm(REGION, REGION + ", [0x1_0000_0000, 0x10_0000, 0x3, 1]"),
     f"kernel.memory_regions[1]: 0x100000000-0x100100000 is outside RAM (0x40000000-0x80000000) of {BOARD}"),
    ("region-base-unaligned", SOLO, vm(REGION, "[0x4000_0800, 0x100_0000, 0x7, 0]"),
     "kernel.memory_regions[0]: base 0x40000800 is not 4 KiB-aligned; round it to a multiple of 0x1000"),
    ("region-size-unaligned", SOLO, vm(REGION, "[0x4000_0000, 0x100_0800, 0x7, 0]"),
     "kernel.memory_regions[0]: size 0x1000800 is not 4 KiB-aligned; round it to a multiple of 0x1000"),
    ("region-beyond-ipa-space", SOLO, vm(REGION, REGION + ", [0x80_0000_0000, 0x1000, 0x3, 0]"),
     "kernel.memory_regions[1]: guest range 0x8000000000-0x8000001000 ends above 0x8000000000, "
     "the end of the 39-bit guest-physical address space"),
    ("region-size-zero", SOLO, vm(REGION, "[0x4000_0000, 0, 0x7, 0]"),
     "kernel.memory_regions[0][1]: size is 0; give the region a size"),
    ("region-flags-unknown", SOLO, vm(REGION, "[0x4000_0000, 0x100_0000, 0x47, 0]"),
     "kernel.memory_regions[0][2]: flags 0x47 has unknown bits; use READ 0x1, WRITE 0x2, EXECUTE 0x4, "
     "DEVICE 0x10, UNCACHED 0x20"),
    ("region-map-type-unknown", SOLO, vm(REGION, "[0x4000_0000, 0x100_0000, 0x7, 2]"),
     "kernel.memory_regions[0][3]: map_type 2 is unknown; use 0 (allocate) or 1 (identical)"),
    ("memory-does-not-fit-free-ram", SYSTEM,
     two("[[0x4000_0000, 0x100_0000, 0x7, 0]]", "[[0x4000_0000, 0x3000_0000, 0x7, 0]]", count=2),
     f"vm[1].kernel.memory_regions[0]: 0x30000000 bytes do not fit in the free RAM of {BOARD}; "
     "shrink the partitions' memory"),
    ("no-memory-regions", SOLO, vm("memory_regions = [\n    " + REGION + ",\n]", "memory_regions = []"),
     "kernel.memory_regions: is empty; a partition needs memory"),

    # ---- images
    ("image-does-not-fit", SOLO, vm(REGION, "[0x4000_0000, 0x8_2000, 0x7, 0]"),
     "kernel.kernel_path: kernel.bin (0x3008 bytes at 0x40080000) does not fit in any memory region of "
     "the partition; enlarge a region or move the load address"),
    ("image-missing", SOLO, vm('kernel_path = "kernel.bin"', 'kernel_path = "no-such-kernel.bin"'),
     "kernel.kernel_path: no-such-kernel.bin: no such file (build it first, or fix the path; "
     "relative paths start at {dir})"),
    ("image-path-with-newline", SOLO, vm('kernel_path = "kernel.bin"', 'kernel_path = "ker\\nnel.bin"'),
     "kernel.kernel_path: '{dir}/ker\\nnel.bin': a path with a newline cannot be linked in; "
     "rename the file or its folder"),
    ("cpu-set-all-bits", SOLO, vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0xffff_ffff_ffff_ffff]"),
     f"base.phys_cpu_sets[0]: 0xffffffffffffffff names CPUs 4, 5, 6 and 57 more, but {BOARD} has CPUs 0-3 "
     "(mask 0xf)"),
    ("entry-not-executable", SOLO, vm(REGION, "[0x4000_0000, 0x100_0000, 0x3, 0]"),
     "kernel.entry_point: 0x40080000 is not in an executable memory region of the partition"),
    ("entry-outside-memory", SOLO, vm("entry_point = 0x4008_0000", "entry_point = 0x5000_0000"),
     "kernel.entry_point: 0x50000000 is not in an executable memory region of the partition"),
    ("dtb-path-not-a-dtb", SOLO, vm("kernel_load_addr = 0x4008_0000",
                                    'kernel_load_addr = 0x4008_0000\ndtb_path = "kernel.bin"'),
     "kernel.dtb_path: kernel.bin is not a device tree blob (no d00dfeed magic); compile it with dtc, "
     "or drop dtb_path to let the generator write one"),
    ("dtb-load-addr-on-kernel", SOLO, vm("kernel_load_addr = 0x4008_0000",
                                         "kernel_load_addr = 0x4008_0000\ndtb_load_addr = 0x4008_1000"),
     "kernel.dtb_load_addr: the device tree at 0x40081000-0x40082000 overlaps the kernel image"),
    ("ramdisk-without-address", SOLO, vm("kernel_load_addr = 0x4008_0000",
                                         'kernel_load_addr = 0x4008_0000\nramdisk_path = "kernel.bin"'),
     "kernel.ramdisk_load_addr: missing; a ramdisk_path needs the address to load it at"),
    ("cmdline-with-nul", SOLO, vm("kernel_load_addr = 0x4008_0000",
                                  'kernel_load_addr = 0x4008_0000\ncmdline = "a\\u0000b"'),
     "kernel.cmdline: contains a NUL character, which would end it early"),

    # ---- partitions
    ("duplicate-id", SYSTEM, two("id = 2", "id = 1"),
     "vm[1].base.id: id 1 is already used by vm 'left'; give each partition its own id"),
    ("duplicate-name", SYSTEM, two('name = "right"', 'name = "left"'),
     "vm[1].base.name: name 'left' is already used by another partition; names must be unique"),
    ("name-unusable", SOLO, vm('name = "solo"', 'name = "two words"'),
     "base.name: 'two words' is not a usable name; use letters, digits, '-' and '_'"),
    ("vm-type-not-guest", SOLO, vm("vm_type = 1", "vm_type = 0"),
     "base.vm_type: is 0; Tessera runs guest partitions only (vm_type = 1)"),
    ("no-partitions", SYSTEM, 'board = "qemu-aarch64-virt"\n',
     "vm: no partitions; add [[vm]] tables or a vms = [...] list"),

    # ---- devices
    ("emu-type-unknown", SOLO, vm("33, 0x2, []", "33, 0x7, []"),
     "devices.emu_devices[0]: emu_type 0x7 is not an emulated device Tessera has; use 0x2 (console)"),
    ("emu-type-power-switch-on-aarch64", SOLO, vm("33, 0x2, []", "33, 0x3, []"),
     "devices.emu_devices[0]: emu_type 0x3 is not an emulated device Tessera has; use 0x2 (console)"),
    ("two-consoles", SOLO, vm('["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []],',
                              '["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []],\n'
                              '    ["pl011@9040000", 0x0904_0000, 0x1000, 34, 0x2, []],'),
     "devices.emu_devices[1]: a partition has at most one emulated console"),
    ("emu-irq-too-large", SOLO, vm("33, 0x2, []", "1020, 0x2, []"),
     "devices.emu_devices[0][3]: irq 1020 is no GICv3 interrupt the guest can get; use an INTID up to 1019 "
     "(0 for none)"),
    ("device-name-closes-c-comment", SOLO, vm('"pl011@9000000"', '"uart */ int x; /*"'),
     "devices.emu_devices[0][0]: 'uart */ int x; /*' is not a usable device name; "
     "use printable ASCII characters, without '*/'"),
    ("passthrough-not-a-device", SOLO, vm("passthrough_devices = []",
                                          'passthrough_devices = [["ram", 0x1000_0000, 0x4800_0000, 0x1000, 0]]'),
     f"devices.passthrough_devices[0]: host range 0x48000000-0x48001000 is no device of {BOARD}"),
    ("passthrough-devices-overlap", SOLO,
     vm("passthrough_devices = []",
        'passthrough_devices = [["rtc", 0x1000_0000, 0x0901_0000, 0x1000, 0], '
        '["gpio", 0x1000_0000, 0x0903_0000, 0x1000, 0]]'),
     "devices.passthrough_devices[1]: guest range 0x10000000-0x10001000 overlaps devices.passthrough_devices[0] "
     "(0x10000000-0x10001000)"),
    ("passthrough-given-twice", SYSTEM,
     two("[vm.devices]\n", '[vm.devices]\npassthrough_devices = [["rtc", 0x1000_0000, 0x0901_0000, 0x1000, 0]]\n',
         count=2),
     "vm[1].devices.passthrough_devices[0]: host device 0x9010000-0x9011000 is also given to vm 'left' "
     "(vm[0].devices.passthrough_devices[0]); a range belongs to one partition"),

    # ---- keys and types
    ("unknown-top-level-key-system", SYSTEM, "colour = 3\n" + TWO_VMS_TOML, f"colour: {FIX_UNKNOWN}"),
    ("unknown-top-level-key-vm-file", SOLO, "flavour = 2\n" + VM_TOML, f"flavour: {FIX_UNKNOWN}"),
    ("unknown-key-in-base", SOLO, vm("vm_type = 1", "vm_type = 1\ncpu_count = 1"),
     f"base.cpu_count: {FIX_UNKNOWN}"),
    ("unknown-key-in-inline-base", SYSTEM, two('name = "right"', 'name = "right"\nnmae = "x"'),
     f"vm[1].base.nmae: {FIX_UNKNOWN}"),
    ("virtual-counter-word", SOLO, vm("vm_type = 1", 'vm_type = 1\nvirtual_counter = "host"'),
     "base.virtual_counter: is 'host'; use one of: physical"),
    ("virtual-counter-bool", SOLO, vm("vm_type = 1", "vm_type = 1\nvirtual_counter = true"),
     'base.virtual_counter: must be an integer (the count it starts at) or "physical", not a boolean'),
    ("virtual-counter-negative", SOLO, vm("vm_type = 1", "vm_type = 1\nvirtual_counter = -1"),
     "base.virtual_counter: is -1; it must be at least 0"),
    ("cpu-num-string", SOLO, vm("cpu_num = 1", 'cpu_num = "1"'),
     "base.cpu_num: must be an integer, not a string"),
    ("region-three-fields", SOLO, vm(REGION, "[0x4000_0000, 0x100_0000, 0x7]"),
     "kernel.memory_regions[0]: has 3 fields; it needs 4"),
    ("missing-required-key", SOLO, vm("entry_point = 0x4008_0000\n", ""),
     "kernel.entry_point: missing; this key is required"),
    ("missing-kernel-table", SYSTEM, 'board = "qemu-aarch64-virt"\n[[vm]]\n[vm.base]\nid = 1\nname = "x"\ncpu_num = 1\n',
     "vm[0].kernel: missing; this key is required"),
    ("missing-board", SYSTEM, edit(TWO_VMS_TOML, 'board = "qemu-aarch64-virt"\n', ""),
     "board: missing; this key is required"),
    ("image-location-unknown", SOLO, vm('image_location = "memory"', 'image_location = "disk"'),
     "kernel.image_location: is 'disk'; use one of: memory, fs"),
    ("toml-syntax-error", SOLO, vm("id = 1", "id = = 1"),
     "TOML syntax error: Invalid value (at line 2, column 6)"),
    ("toml-duplicate-key", SOLO, vm("id = 1", "id = 1\nid = 2"),
     "TOML syntax error: Cannot overwrite a value (at line 3, column 7)"),
    ("yaml-syntax-error", SYSTEM_YAML, TWO_VMS_YAML.replace("phys_cpu_sets: [0x1]}", "phys_cpu_sets: [0x1}"),
     "YAML syntax error: line 3: expected ',' or ']', but got '}'"),
    ("yaml-bad-indentation", SYSTEM_YAML, "board: qemu-aarch64-virt\n  vm: []\n",
     "YAML syntax error: line 2: mapping values are not allowed here"),
    ("vms-file-missing", SYSTEM, 'board = "qemu-aarch64-virt"\nvms = ["missing.toml"]\n',
     "vms[0]: missing.toml: no such file (paths are relative to {dir})"),
    ("unknown-file-type", "solo.json", VM_TOML, "unknown file type; use .toml, .yaml or .yml"),
    ("board-differs-from-kconfig", SYSTEM, edit(TWO_VMS_TOML, '"qemu-aarch64-virt"', '"rpi4"'),
     "board: is 'rpi4' but .config selects CONFIG_BOARD='qemu-aarch64-virt'; choose the board in make menuconfig "
     "or change board"),
]


@pytest.mark.parametrize("name,text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_config(gen, tmp_path, name, text, expected):
    result = gen(text, name)
    config = tmp_path / name
    assert_one_line_error(result, f"error: {config}: " + expected.replace("{dir}", str(tmp_path)))


def test_enough_cases():
    assert len(CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)


# ---- errors that come from .config ---------------------------------------

def test_console_without_vuart(gen, tmp_path, make_dotconfig):
    kconfig = make_dotconfig("novuart.config", VUART=None)
    result = gen(VM_TOML, SOLO, kconfig=kconfig)
    assert_one_line_error(result, f"error: {tmp_path / SOLO}: devices.emu_devices[0]: declares an emulated console "
                                  "but CONFIG_VUART is off; enable it in make menuconfig or remove the device")


def test_without_vuart_and_console_is_fine(gen, make_dotconfig):
    kconfig = make_dotconfig("novuart.config", VUART=None)
    result = gen(vm("emu_devices = [\n    [\"pl011@9000000\", 0x0900_0000, 0x1000, 33, 0x2, []],\n]",
                    "emu_devices = []"), SOLO, kconfig=kconfig)
    assert result.returncode == 0, result.stderr


def test_kconfig_missing(gen, tmp_path):
    result = gen(VM_TOML, SOLO, kconfig=tmp_path / "no.config")
    assert_one_line_error(result, f"error: {tmp_path}/no.config: no such file; run make defconfig "
                                  "(or make menuconfig)")


def test_config_missing(gen, tmp_path):
    result = gen.run(tmp_path / "nothing.toml")
    assert_one_line_error(result, f"error: {tmp_path}/nothing.toml: no such file")


def test_error_in_a_vms_file_names_that_file(gen, tmp_path):
    bad = gen.write("vms/bad.toml", vm("phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x10]",
                                       '"kernel.bin"', '"../kernel.bin"'))
    result = gen('board = "qemu-aarch64-virt"\nvms = ["vms/bad.toml"]\n', SYSTEM)
    assert_one_line_error(result, f"error: {bad}: base.phys_cpu_sets[0]: 0x10 names CPU 4, "
                                  f"but {BOARD} has CPUs 0-3 (mask 0xf)")


def test_error_leaves_existing_output_alone(gen, tmp_path):
    """A failed run leaves the previous output exactly as it was (same bytes,
    same timestamps), so a later make does not build from half a config."""
    config = gen.write(SYSTEM, TWO_VMS_TOML)
    assert gen.run(config).returncode == 0
    out = tmp_path / "out"
    before = snapshot(out)
    gen.write(SYSTEM, two("phys_cpu_sets = [0x2]", "phys_cpu_sets = [0x1]"))
    result = gen.run(config)
    assert result.returncode == 1 and "owned twice" in result.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == ["out"]
