"""The riscv64 board (boards/qemu-riscv64-virt): what the generator writes
for it, what it refuses (each one line naming file, key and fix), and how
the architecture follows from the board named in the config (Kconfig and
make)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from gentest import Dtb, assert_one_line_error, edit

sys.path.insert(0, str(ROOT / "gen"))
from tessera_gen.__main__ import generate          # noqa: E402  (after the path)
from tessera_gen.errors import ConfigError         # noqa: E402

ROOT_BOARDS = ROOT / "boards"

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
    ("an-irq-the-plic-lacks", edit(RISCV_TOML, "0x1000, 0, 0x2, []", "0x1000, 97, 0x2, []"),
     f"vm[0].devices.emu_devices[0]: irq 97 is no PLIC source of {BOARD}; its sources are 1-96"),
    ("the-consoles-interrupt-passed-through",
     RISCV_TOML + 'passthrough_devices = [["virtio", 0x1000_1000, 0x1000_1000, 0x1000, 10]]\n',
     "vm[0].devices.passthrough_devices[0]: irq 10 is the interrupt of the hypervisor's console UART, "
     "which the hypervisor keeps to itself"),
    ("a-source-twice", RISCV_TOML + 'passthrough_devices = [["virtio", 0x1000_1000, 0x1000_1000, 0x1000, 1], '
                                    '["virtio2", 0x1000_2000, 0x1000_2000, 0x1000, 1]]\n',
     "vm[0].devices.passthrough_devices[1]: irq 1 is already used by vm[0].devices.passthrough_devices[0]"),
    ("an-emulated-plic-elsewhere",
     edit(RISCV_TOML, "0x1000, 0, 0x2, []]]", "0x1000, 0, 0x2, []], [\"plic\", 0xd00_0000, 0x60_0000, 0, 0x30, [2]]]"),
     "vm[0].devices.emu_devices[1]: emu_type 0x30 (PLIC) at 0xd000000-0xd600000: the virtual PLIC is at the "
     "board's PLIC, 0xc000000-0xc600000"),
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


def test_a_source_two_partitions_claim(gen, riscv_config, tmp_path):
    second = RISCV_TOML.split("[[vm]]")[1].replace('id = 1', 'id = 2').replace('"solo"', '"duo"') \
        .replace("phys_cpu_ids = [0x0, 0x1]\nphys_cpu_sets = [0x1, 0x2]", "phys_cpu_ids = [0x2, 0x3]\nphys_cpu_sets = [0x4, 0x8]")
    device = 'passthrough_devices = [["virtio", 0x1000_{}000, 0x1000_{}000, 0x1000, 5]]\n'
    text = RISCV_TOML + device.format(1, 1) + "[[vm]]" + second + device.format(2, 2)
    result = run(gen, riscv_config, text)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[1].devices.passthrough_devices[0]: "
                                  "irq 5 is also given to vm 'solo' (vm[0].devices.passthrough_devices[0]); "
                                  "an interrupt belongs to one partition")


def test_the_virtual_plic(gen, riscv_config):
    """Every partition gets a virtual PLIC at the board's address: one
    supervisor context per vCPU (interrupts-extended <&intc-i 9>), the
    board's sources; its devices name it with their PLIC source."""
    text = edit(RISCV_TOML, "0x1000, 0, 0x2, []", "0x1000, 10, 0x2, []") + \
        'passthrough_devices = [["virtio_mmio@10008000", 0x1000_8000, 0x1000_8000, 0x1000, 8]]\n'
    result = run(gen, riscv_config, text)
    assert result.returncode == 0, result.stderr
    dtb = Dtb((result.outdir / "solo.dtb").read_bytes())
    plic = "/plic@c000000"
    assert dtb.strings(plic, "compatible") == ["sifive,plic-1.0.0", "riscv,plic0"]
    assert dtb.reg(plic) == [(0xc00_0000, 0x60_0000)]
    assert dtb.u32(plic, "riscv,ndev") == [96]
    intc = [dtb.u32(f"/cpus/cpu@{i}/interrupt-controller", "phandle")[0] for i in (0, 1)]
    assert dtb.u32(plic, "interrupts-extended") == [intc[0], 9, intc[1], 9]
    phandle = dtb.u32(plic, "phandle")
    for node, irq in (("/serial@10000000", 10), ("/virtio_mmio@10008000", 8)):
        assert dtb.u32(node, "interrupts") == [irq] and dtb.u32(node, "interrupt-parent") == phandle
    assert "interrupt-parent" not in dtb.props["/"]     # it would become the harts' controllers' parent
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = 0xc000000, .size = 0x600000, .kind = EMU_VPLIC }," in c
    assert "{ .irq = 8, .hw = 1 }," in c and "{ .irq = 10 }," in c
    assert ".uart_irq = 10," in c and ".plic_context = { 1, 3, 5, 7 }," in c
    assert "#define TESSERA_PLIC_SOURCES 128" in (result.outdir / "layout.h").read_text()


def test_an_arceos_plic_is_the_virtual_plic(gen, riscv_config, tmp_path):
    """An ArceOS hypervisor VM file's PLIC, emulated (emu_type 0x30) or
    passed through, becomes the virtual PLIC; the passthrough with a
    one-line notice."""
    emulated = edit(RISCV_TOML, "0x1000, 0, 0x2, []]]", "0x1000, 0, 0x2, []], [\"plic\", 0xc00_0000, 0x60_0000, 0, 0x30, [2]]]")
    result = run(gen, riscv_config, emulated)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    passed = RISCV_TOML + 'passthrough_devices = [["plic", 0xc00_0000, 0xc00_0000, 0x60_0000, 0]]\n'
    result = run(gen, riscv_config, passed)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"notice: {tmp_path / 'system.toml'}: vm[0].devices.passthrough_devices[0]: the physical "
                             "PLIC is not passed through: the partition gets Tessera's virtual PLIC at "
                             "0xc000000-0xc600000 instead (one PLIC shared by partitions could not keep them "
                             "apart)\n")
    assert "EMU_VPLIC" in (result.outdir / "partitions.c").read_text()


def test_a_schedule_shares_a_hart(gen, riscv_config):
    """Time partitioning on riscv64: both vCPUs share hart 1 by a schedule;
    the schedule code is built in (TESSERA_SCHEDULED) and the table names
    each window's vCPU."""
    text = RISCV_TOML.replace("phys_cpu_sets = [0x1, 0x2]", "phys_cpu_sets = [0x2, 0x2]") + """
[[schedule]]
cpu = 1
major_frame_us = 10000
windows = [{ vm = "solo", vcpu = 0, start_us = 0, end_us = 4000 },
           { vm = "solo", vcpu = 1, start_us = 5000, end_us = 10000 }]
"""
    result = run(gen, riscv_config, text)
    assert result.returncode == 0, result.stderr
    assert "#define TESSERA_SCHEDULED 1" in (result.outdir / "layout.h").read_text()
    c = (result.outdir / "partitions.c").read_text()
    assert "tessera_schedules[TESSERA_NR_PCPUS]" in c
    assert "{ .start_us = 0, .end_us = 4000, .vcpu = 0 },  /* vm solo vcpu 0 */" in c
    assert "{ .start_us = 4000, .end_us = 5000, .vcpu = -1 },  /* idle */" in c
    assert "{ .start_us = 5000, .end_us = 10000, .vcpu = 1 },  /* vm solo vcpu 1 */" in c


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


# The power switch (emu_type 0x3): the SiFive test device U-Boot and Linux
# power off and reset with, emulated for the partition.
SYSCON = '["test@100000", 0x10_0000, 0x1000, 0, 0x3, []]'
WITH_SYSCON = edit(RISCV_TOML, "0x1000, 0, 0x2, []]]", f"0x1000, 0, 0x2, []], {SYSCON}]")


def test_the_power_switch_is_emulated_and_described(gen, riscv_config):
    result = run(gen, riscv_config, WITH_SYSCON)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = 0x100000, .size = 0x1000, .kind = EMU_SYSCON, .irq = 0 }" in c
    dtb = Dtb((result.outdir / "solo.dtb").read_bytes())
    assert dtb.strings("/test@100000", "compatible") == ["sifive,test1", "sifive,test0", "syscon"]
    phandle = dtb.u32("/test@100000", "phandle")
    for node, value in (("/poweroff", 0x5555), ("/reboot", 0x7777)):
        assert dtb.string(node, "compatible") == "syscon" + node.replace("/", "-")
        assert dtb.u32(node, "regmap") == phandle and dtb.u32(node, "value") == [value]
        assert dtb.u32(node, "offset") == [0]


SYSCON_REFUSALS = [
    ("power-switch-twice", edit(WITH_SYSCON, SYSCON, SYSCON + ", " + SYSCON.replace("0x10_0000", "0x11_0000")),
     "vm[0].devices.emu_devices[2]: a partition has at most one emulated power switch (emu_type 0x3)"),
    ("power-switch-with-an-interrupt", edit(WITH_SYSCON, "0x1000, 0, 0x3", "0x1000, 5, 0x3"),
     "vm[0].devices.emu_devices[1][3]: irq 5: the power switch raises no interrupt; set it to 0"),
    ("power-switch-not-one-page", edit(WITH_SYSCON, "0x1000, 0, 0x3", "0x2000, 0, 0x3"),
     "vm[0].devices.emu_devices[1]: range 0x100000-0x102000: the power switch is one 4 KiB page (length 0x1000) "
     "at a page-aligned address"),
    ("power-switch-over-the-console", edit(WITH_SYSCON, "0x10_0000, 0x1000, 0, 0x3", "0x1000_0000, 0x1000, 0, 0x3"),
     "vm[0].devices.emu_devices[1]: guest range 0x10000000-0x10001000 overlaps emulated device serial@10000000 "
     "(0x10000000-0x10001000)"),
    ("power-switch-in-ram", edit(WITH_SYSCON, "0x10_0000, 0x1000, 0, 0x3", "0x8010_0000, 0x1000, 0, 0x3"),
     "vm[0].devices.emu_devices[1]: guest range 0x80100000-0x80101000 overlaps vm[0].kernel.memory_regions[0] "
     "(0x80000000-0x81000000)"),
    ("unknown-emulated-device", edit(WITH_SYSCON, "0x1000, 0, 0x3", "0x1000, 0, 0x7"),
     "vm[0].devices.emu_devices[1]: emu_type 0x7 is not an emulated device Tessera has; use 0x2 (console) "
     "or 0x3 (power switch)"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in SYSCON_REFUSALS], ids=[c[0] for c in SYSCON_REFUSALS])
def test_power_switch_refusals(gen, riscv_config, tmp_path, text, expected):
    result = run(gen, riscv_config, text)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: " + expected)


# A hart the firmware keeps (board.toml [[reserved_cpu]]): no vCPU there.
@pytest.fixture
def firmware_hart_board(tmp_path):
    boards = tmp_path / "boards"
    shutil.copytree(ROOT_BOARDS / "qemu-riscv64-virt", boards / "qemu-riscv64-virt")
    toml = boards / "qemu-riscv64-virt" / "board.toml"

    def make(hart):
        toml.write_text(toml.read_text() + f'\n[[reserved_cpu]]\nid = {hart:#x}\nwhat = "an OpenSBI domain of its own"\n')
        return boards
    return make


def generate_with(boards, riscv_config, tmp_path, text):
    """The generator on text with another boards folder (what the command
    line prints is "error: " and the ConfigError's one line)."""
    config = tmp_path / "system.toml"
    config.write_text(text)
    generate(config, tmp_path / "out", riscv_config, boards=boards)
    return tmp_path / "out"


def test_a_vcpu_on_a_hart_the_firmware_keeps_is_refused(tmp_path, riscv_config, kernel, firmware_hart_board):
    boards = firmware_hart_board(0x1)
    with pytest.raises(ConfigError) as e:
        generate_with(boards, riscv_config, tmp_path, RISCV_TOML)
    assert str(e.value) == (f"{tmp_path / 'system.toml'}: vm[0].base.phys_cpu_sets[1]: puts vCPU 1 on CPU 1 "
                            "(hart 0x1), which an OpenSBI domain of its own keeps for itself (board "
                            "qemu-riscv64-virt); use another CPU")
    # without phys_cpu_sets: the hart of the vCPU's id, named by phys_cpu_ids
    text = edit(RISCV_TOML, "phys_cpu_sets = [0x1, 0x2]\n", "")
    with pytest.raises(ConfigError) as e:
        generate_with(boards, riscv_config, tmp_path, text)
    assert "vm[0].base.phys_cpu_ids[1]: puts vCPU 1 on CPU 1 (hart 0x1)" in str(e.value)
    # the harts it does not keep are free
    out = generate_with(boards, riscv_config, tmp_path, edit(edit(RISCV_TOML, "[0x0, 0x1]", "[0x2, 0x3]"),
                                                          "[0x1, 0x2]", "[0x4, 0x8]"))
    assert ".pcpu = 2, .virt_id = 0x2" in (out / "partitions.c").read_text()


def test_a_firmware_hart_the_board_lacks_is_refused(tmp_path, riscv_config, kernel, firmware_hart_board):
    boards = firmware_hart_board(0x9)
    with pytest.raises(ConfigError) as e:
        generate_with(boards, riscv_config, tmp_path, RISCV_TOML)
    assert str(e.value).endswith("board.toml: reserved_cpu[0].id: 0x9 is no CPU of board.dts "
                                 "(its /cpus: 0x0, 0x1, 0x2, 0x3)")


def test_memory_given_to_two_partitions_is_refused(gen, riscv_config, tmp_path):
    second = RISCV_TOML[RISCV_TOML.index("[[vm]]"):]
    second = edit(edit(edit(second, 'name = "solo"', 'name = "other"'), "id = 1", "id = 2"),
                  "[0x0, 0x1]", "[0x2, 0x3]")
    second = edit(second, "[0x1, 0x2]", "[0x4, 0x8]")
    text = RISCV_TOML + second
    # beside each one's RAM, a region at a fixed host address (map_type 1): the two overlap
    ram = "[[0x8000_0000, 0x100_0000, 0x7, 0]]"
    text = text.replace(ram, "[[0x8000_0000, 0x100_0000, 0x7, 0], [0x9000_0000, 0x10_0000, 0x3, 1]]", 1)
    text = text.replace(ram, "[[0x8000_0000, 0x100_0000, 0x7, 0], [0x9008_0000, 0x10_0000, 0x3, 1]]", 1)
    result = run(gen, riscv_config, text)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[1].kernel.memory_regions[1]: host memory "
                                  "0x90080000-0x90180000 is also given to vm 'solo' (vm[0].kernel.memory_regions[1]); "
                                  "a range belongs to one partition")
