"""The riscv64 board (boards/qemu-riscv64-virt): what the generator writes
for it, what it refuses (each one line naming file, key and fix), and how
the architecture follows from the board named in the config (Kconfig and
make)."""

import os
import re
import shutil
import subprocess

import pytest

from gentest import Dtb, assert_one_line_error, edit

PYTHON = "/usr/bin/python3"
BOARD = "board qemu-riscv64-virt"

RISCV_TOML = """\
board = "qemu-riscv64-virt"

[[vm]]
[vm.base]
id = 1
name = "solo"
cpu_num = 2
phys_cpu_ids = [0x0, 0x1]
phys_cpu_sets = [0x1, 0x2]
[vm.kernel]
entry_point = 0x8020_0000
kernel_path = "kernel.bin"
kernel_load_addr = 0x8020_0000
memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 0]]
[vm.devices]
emu_devices = [["serial@10000000", 0x1000_0000, 0x1000, 0, 0x2, []]]
"""


@pytest.fixture
def riscv_config(board_dotconfig):
    """A .config for the riscv64 board (conftest.board_dotconfig)."""
    return board_dotconfig("qemu-riscv64-virt")


def run(gen, riscv_config, text, name="system.toml"):
    return gen(text, name, kconfig=riscv_config)


def test_the_riscv_board_generates(gen, riscv_config, tmp_path):
    result = run(gen, riscv_config, RISCV_TOML)
    assert result.returncode == 0, result.stderr
    out = result.outdir
    c = (out / "partitions.c").read_text()
    assert ".kind = EMU_VUART_NS16550" in c
    assert "{ .vm = 0, .index = 1, .pcpu = 1, .virt_id = 0x1 }" in c
    assert "{ .hw_id = 0x3, .vcpu = -1 }," in c
    assert ".plic_base = 0xc000000," in c and ".timebase_hz = 10000000," in c
    layout_h = (out / "layout.h").read_text()
    assert '#define TESSERA_CPU_ID_NAME "hart"' in layout_h
    assert '#define TESSERA_CPU_ON_NAME "hart_start"' in layout_h
    assert "#define TESSERA_EXIT_TEST     0x100000" in layout_h
    assert "TESSERA_INTID" not in layout_h
    assert "OUTPUT_ARCH(riscv)" in (out / "tessera.ld").read_text()
    layout = (out / "layout.txt").read_text()
    assert "  pcpu 0 (hart 0x0): vm solo vcpu 0\n" in layout
    assert "  vcpu 1: hart 0x1 on pcpu 1 (only CPU in its set)\n" in layout
    # QEMU's riscv64 machine and firmware, no exit device to add
    assert (out / "qemu.flags").read_text().startswith(
        "qemu-system-riscv64 -M virt -cpu rv64 -smp 4 -m 1G -bios default")
    # Guest memory never in OpenSBI's 2 MiB, nor the hypervisor's, nor QEMU's device tree
    hpa = int(re.search(r"memory guest 0x80000000-0x81000000 -> host (0x[0-9a-f]+)", layout)[1], 16)
    assert hpa >= 0x8040_0000 and hpa + 0x100_0000 <= 0xbfe0_0000


def test_the_guest_device_tree(gen, riscv_config):
    result = run(gen, riscv_config, RISCV_TOML)
    assert result.returncode == 0, result.stderr
    dtb = Dtb((result.outdir / "solo.dtb").read_bytes())
    assert dtb.cpus() == [("/cpus/cpu@0", 0), ("/cpus/cpu@1", 1)]
    # the harts without the H extension: a vCPU cannot run a hypervisor
    assert dtb.string("/cpus/cpu@0", "riscv,isa").startswith("rv64imafdc_")
    assert dtb.string("/cpus/cpu@0/interrupt-controller", "compatible") == "riscv,cpu-intc"
    assert dtb.u32("/cpus", "timebase-frequency") == [10000000]
    assert dtb.strings("/serial@10000000", "compatible") == ["ns16550a"]
    assert dtb.string("/chosen", "stdout-path") == "/serial@10000000"
    assert "/psci" not in dtb.props
    # where plain QEMU puts it: the last 2 MiB of its RAM
    layout = (result.outdir / "layout.txt").read_text()
    assert "device tree at 0x80e00000" in layout


def test_page_tables_riscv_format(gen, riscv_config):
    """The hypervisor's Sv39 root and the partition's 16 KiB Sv39x4 root;
    every G-stage leaf is a U page, the hypervisor's text is not writable."""
    result = run(gen, riscv_config, RISCV_TOML)
    assert result.returncode == 0, result.stderr
    layout = (result.outdir / "layout.txt").read_text()
    root = int(re.search(r"stage-2 root (0x[0-9a-f]+)", layout)[1], 16)
    assert root % 0x4000 == 0
    c = (result.outdir / "pagetables.c").read_text()
    tables = re.findall(r"\[(\d+)\] = \{\t/\* (0x[0-9a-f]+): ([^*]*)\*/\n((?:\t\t\[\d+\] = 0x[0-9a-f]+,\n)*)", c)
    notes = {int(addr, 16): note for _, addr, note, _ in tables}
    assert notes[root].startswith("solo G-stage Sv39x4 root")
    entries = {int(addr, 16): [int(v, 16) for v in re.findall(r"= (0x[0-9a-f]+)", body)]
               for _, addr, _, body in tables}
    leaves = [e for addr, es in entries.items() if addr != 0x802c0000 for e in es if e & 0xe]
    guest = [e for e in leaves if e & 0x10]
    assert guest and all(e & 0xd1 == 0xd1 for e in guest)       # V, U, A, D
    hyp_text = [e for e in leaves if (e >> 10) << 12 == 0x8020_0000]
    assert hyp_text and all(e & 0xe == 0xa for e in hyp_text)   # R and X, never W


def test_without_phys_cpu_sets_a_vcpu_runs_on_the_hart_of_its_id(gen, riscv_config):
    text = edit(RISCV_TOML, "phys_cpu_ids = [0x0, 0x1]\nphys_cpu_sets = [0x1, 0x2]",
                "phys_cpu_ids = [0x3, 0x2]")
    result = run(gen, riscv_config, text)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert ".pcpu = 3, .virt_id = 0x3" in c and ".pcpu = 2, .virt_id = 0x2" in c


REFUSALS = [
    ("hart-id-the-board-lacks", edit(RISCV_TOML, "phys_cpu_ids = [0x0, 0x1]", "phys_cpu_ids = [0x0, 0x4]"),
     f"vm[0].base.phys_cpu_ids[1]: 0x4 is no hart id of {BOARD} (its harts: 0x0, 0x1, 0x2, 0x3)"),
    ("hart-id-twice", edit(RISCV_TOML, "phys_cpu_ids = [0x0, 0x1]", "phys_cpu_ids = [0x1, 0x1]"),
     "vm[0].base.phys_cpu_ids[1]: 0x1 repeats phys_cpu_ids[0]; each vCPU needs its own hart id"),
    ("memory-over-opensbi", edit(RISCV_TOML, "[[0x8000_0000, 0x100_0000, 0x7, 0]]",
                                 "[[0x8010_0000, 0x10_0000, 0x7, 1]]"),
     "vm[0].kernel.memory_regions[0]: 0x80100000-0x80200000 overlaps OpenSBI's region (M-mode firmware, "
     f"PMP-protected) (0x80000000-0x80200000) of {BOARD}; move it, or use map_type 0 to let the generator "
     "place it"),
    ("memory-over-qemus-device-tree", edit(RISCV_TOML, "[[0x8000_0000, 0x100_0000, 0x7, 0]]",
                                           "[[0x8000_0000, 0x100_0000, 0x7, 0], [0xbff0_0000, 0x10_0000, 0x3, 1]]"),
     "vm[0].kernel.memory_regions[1]: 0xbff00000-0xc0000000 overlaps the device tree QEMU writes for the "
     "firmware (the last 2 MiB below 3 GiB) (0xbfe00000-0xc0000000) of " + BOARD + "; move it, or use "
     "map_type 0 to let the generator place it"),
    ("region-not-page-aligned", edit(RISCV_TOML, "[[0x8000_0000, 0x100_0000, 0x7, 0]]",
                                     "[[0x8000_0800, 0x100_0000, 0x7, 0]]"),
     "vm[0].kernel.memory_regions[0]: base 0x80000800 is not 4 KiB-aligned; round it to a multiple of 0x1000"),
    ("region-size-not-page-aligned", edit(RISCV_TOML, "[[0x8000_0000, 0x100_0000, 0x7, 0]]",
                                          "[[0x8000_0000, 0x100_0800, 0x7, 0]]"),
     "vm[0].kernel.memory_regions[0]: size 0x1000800 is not 4 KiB-aligned; round it to a multiple of 0x1000"),
    ("write-only-memory", edit(RISCV_TOML, "[[0x8000_0000, 0x100_0000, 0x7, 0]]",
                               "[[0x8000_0000, 0x100_0000, 0x7, 0], [0x9000_0000, 0x1000, 0x2, 0]]"),
     "vm[0].kernel.memory_regions[1][2]: flags 0x2 make memory writable but not readable, which riscv64 "
     "page tables cannot express; add READ 0x1"),
    ("an-interrupt-before-the-virtual-plic", edit(RISCV_TOML, "0x1000, 0, 0x2, []", "0x1000, 10, 0x2, []"),
     "vm[0].devices.emu_devices[0]: gives the partition interrupt 10, but on riscv64 Tessera has no virtual "
     "PLIC yet (it comes next); set the irq to 0"),
    ("the-plic-passed-through", RISCV_TOML + 'passthrough_devices = [["plic", 0xc00_0000, 0xc00_0000, 0x60_0000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0xc000000-0xc600000 is the physical PLIC "
     "(0xc000000-0xc600000), which the hypervisor keeps to itself; a partition gets a console as an "
     "emulated device (a virtual PLIC comes next)"),
    ("the-test-device-passed-through",
     RISCV_TOML + 'passthrough_devices = [["test", 0x10_0000, 0x10_0000, 0x1000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0x100000-0x101000 is the exit device (/soc/test@100000) "
     "(0x100000-0x101000), which the hypervisor keeps to itself; it ends the whole machine; a partition powers "
     "off or resets itself with SBI SRST"),
    ("the-clint-passed-through",
     RISCV_TOML + 'passthrough_devices = [["clint", 0x200_0000, 0x200_0000, 0x10000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0x2000000-0x2010000 is the CLINT, which OpenSBI keeps "
     "(0x2000000-0x2010000), which the hypervisor keeps to itself; the firmware's timers and IPIs reach "
     "guests through SBI"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_riscv_refusals(gen, riscv_config, tmp_path, text, expected):
    result = run(gen, riscv_config, text)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: " + expected)


def test_a_channel_is_refused_on_riscv(gen, riscv_config, tmp_path):
    text = RISCV_TOML.replace("[[vm]]", """\
[[channel]]
name = "c"
size = 0x1000
ends = [{ vm = "solo", gpa = 0x9000_0000, access = "rw" }, { vm = "solo", gpa = 0x9100_0000, access = "ro" }]

[[vm]]""", 1)
    result = run(gen, riscv_config, text)
    assert result.returncode == 1
    assert "channels need doorbell interrupts and Tessera's hypercalls, which board qemu-riscv64-virt " \
           "(riscv64) does not have yet" in result.stderr


def test_kconfig_the_architecture_follows_the_board(root):
    """make menuconfig offers the riscv64 board; with it chosen the
    architecture is riscv64 and the GIC options are not offered."""
    import kconfiglib
    kconf = kconfiglib.Kconfig(str(root / "Kconfig"), warn=False)
    board = kconf.syms["BOARD_QEMU_RISCV64_VIRT"]
    assert board.visibility == 2 and board.choice is kconf.syms["BOARD_QEMU_AARCH64_VIRT"].choice
    assert kconf.syms["VGIC"].visibility == 2 and kconf.syms["ARCH"].str_value == "aarch64"
    board.set_value(2)
    assert kconf.syms["ARCH"].str_value == "riscv64"
    assert kconf.syms["BOARD"].str_value == "qemu-riscv64-virt"
    assert kconf.syms["VGIC"].visibility == 0 and kconf.syms["GIC_V3"].str_value == "n"
    for name in ("VUART", "STACK_SIZE", "FAULT_STOP", "PCPU_START_TIMEOUT_MS"):
        assert kconf.syms[name].visibility == 2, name


def test_board_config_keeps_the_other_options(root, riscv_config, default_dotconfig_text, tmp_path):
    """A config naming another board builds with .config's options on that
    board: the board and architecture change, the rest stays."""
    custom = tmp_path / "custom.config"
    custom.write_text(default_dotconfig_text.replace("CONFIG_LOG_INFO=y", "# CONFIG_LOG_INFO is not set\n"
                                                     "CONFIG_LOG_DEBUG=y"))
    out = tmp_path / "board.config"
    subprocess.run([PYTHON, "-m", "tessera_gen.which", "--board-config", "qemu-riscv64-virt", str(custom),
                    str(out)], cwd=root, check=True, env=dict(os.environ, PYTHONPATH=str(root / "gen")))
    text = out.read_text()
    assert "CONFIG_BOARD_QEMU_RISCV64_VIRT=y" in text and 'CONFIG_ARCH="riscv64"' in text
    assert "CONFIG_LOG_DEBUG=y" in text and "CONFIG_VGIC" not in text
    mtime = out.stat().st_mtime_ns
    subprocess.run([PYTHON, "-m", "tessera_gen.which", "--board-config", "qemu-riscv64-virt", str(custom),
                    str(out)], cwd=root, check=True, env=dict(os.environ, PYTHONPATH=str(root / "gen")))
    assert out.stat().st_mtime_ns == mtime          # the same content: make rebuilds nothing


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_builds_a_riscv_config_with_an_aarch64_dotconfig(root, tmp_path, kernel, guests_built):
    """make CONFIG=<a riscv64 config> with .config on an aarch64 board: the
    riscv64 cross compiler, arch/riscv64, .config's options on the config's
    board."""
    name = f"tessera-gen-test-{tmp_path.name}"
    config = tmp_path / f"{name}.toml"
    config.write_text(RISCV_TOML)
    dotconfig = tmp_path / "aarch64.config"
    subprocess.run([PYTHON, "-m", "alldefconfig", "Kconfig"], cwd=root, check=True, capture_output=True,
                   env=dict(os.environ, KCONFIG_CONFIG=str(dotconfig)))
    build = root / "build" / name
    try:
        proc = subprocess.run(["make", f"CONFIG={config}", f"KCONFIG_CONFIG={dotconfig}", "build"], cwd=root,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "arch/riscv64/boot.S" in proc.stdout
        assert "CONFIG_BOARD_QEMU_RISCV64_VIRT=y" in (build / "board.config").read_text()
        head = (build / "tessera.elf").read_bytes()[:20]
        assert head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == 243     # EM_RISCV
    finally:
        shutil.rmtree(build, ignore_errors=True)
