"""The exit device (board.toml hypervisor.exit, docs/testing.md "Exit
status"): the hypervisor's EL2 tables map function 0 of each bus-0 slot of
the PCIe ECAM and the page it gives the pvpanic-pci device's BAR0, as
device memory, and nothing else of the ECAM; no partition's stage-2 tables
map either, and a config asking for them is refused. A board without the
key has none of it."""

import re
import shutil
import sys

import pytest

from conftest import ROOT
from gentest import VM_TOML, assert_one_line_error, edit

sys.path.insert(0, str(ROOT / "gen"))
from tessera_gen.__main__ import generate as generate_into   # noqa: E402  (after the path)
from tessera_gen.errors import ConfigError                    # noqa: E402

BOARD = "qemu-aarch64-virt"
ECAM, ECAM_SIZE, BAR = 0x3F00_0000, 0x100_0000, 0x1000_0000
EXIT_KEY = 'exit = "/pcie@10000000"\n'

DESC_VALID, DESC_TABLE = 0b01, 0b11
OA_MASK = ((1 << 48) - 1) & ~0xFFF
ATTR_INDX = 0b111 << 2            # MAIR index: 0 device, 1 normal
AP_RO, XN = 1 << 7, 1 << 54


def tables(out):
    """{table address: {index: descriptor}} from pagetables.c."""
    pool, current = {}, None
    for line in (out / "pagetables.c").read_text().splitlines():
        m = re.match(r"\s*\[\d+\] = \{\s*/\* (0x[0-9a-f]+):", line)
        if m:
            current = pool.setdefault(int(m[1], 16), {})
            continue
        m = re.match(r"\s*\[(\d+)\] = (0x[0-9a-f]+),", line)
        if m and current is not None:
            current[int(m[1])] = int(m[2], 16)
    return pool


def leaves(pool, table, va=0, level=1):
    """[(va, pa, size, descriptor)] of every block and page under table."""
    shift = {1: 30, 2: 21, 3: 12}[level]
    out = []
    for i, d in sorted(pool[table].items()):
        a = va | i << shift
        if level < 3 and d & 0b11 == DESC_TABLE:
            out += leaves(pool, d & OA_MASK, a, level + 1)
        elif d & DESC_VALID:
            out.append((a, d & OA_MASK & ~((1 << shift) - 1), 1 << shift, d))
    return out


def define(out, name):
    m = re.search(rf"#define {name}\s+(0x[0-9a-f]+)", (out / "layout.h").read_text())
    return m and int(m[1], 16)


def test_el2_maps_the_exit_pages_only_and_no_partition_does(gen):
    result = gen(VM_TOML, "solo.toml")
    assert result.returncode == 0, result.stderr
    out = result.outdir
    assert (define(out, "TESSERA_EXIT_ECAM"), define(out, "TESSERA_EXIT_BAR"),
            define(out, "TESSERA_EXIT_BAR_PCI")) == (ECAM, BAR, BAR)
    assert "Exit device: pvpanic-pci on bus 0 of /pcie@10000000 (ECAM 0x3f000000-0x40000000), " \
           "its BAR0 at 0x10000000" in (out / "layout.txt").read_text()
    pool = tables(out)
    el2 = leaves(pool, define(out, "TESSERA_HYP_PT_ROOT"))
    exit_pages = [ECAM + (slot << 15) for slot in range(32)] + [BAR]
    near = [(va, pa, size, d) for va, pa, size, d in el2
            if ECAM <= va < ECAM + ECAM_SIZE or BAR <= va < BAR + 0x20_0000]
    assert sorted(va for va, *_ in near) == sorted(exit_pages)
    for va, pa, size, d in near:
        assert (pa, size) == (va, 0x1000)                       # 1:1, one page each
        assert d & ATTR_INDX == 0 and d & XN and not d & AP_RO  # device, never executed, written
    stage2 = [int(r, 16) for r in re.findall(r"\.s2_root = (0x[0-9a-f]+)",
                                             (out / "partitions.c").read_text())]
    assert stage2
    for root in stage2:
        for _, pa, size, _ in leaves(pool, root):
            assert pa + size <= ECAM or pa >= ECAM + ECAM_SIZE, hex(pa)
            assert pa + size <= BAR or pa > BAR, hex(pa)


@pytest.mark.parametrize("what, old, new, expected", [
    ("passthrough of the ECAM", "passthrough_devices = []",
     'passthrough_devices = [["ecam", 0x3f00_0000, 0x3f00_0000, 0x1000, 0]]',
     "devices.passthrough_devices[0]: host range 0x3f000000-0x3f001000 is the exit device's PCIe "
     "configuration space (0x3f000000-0x40000000), which the hypervisor keeps to itself; it reports "
     "how the run ended (board.toml hypervisor.exit)"),
    ("passthrough of bus 1", "passthrough_devices = []",
     'passthrough_devices = [["bus1", 0x3f10_0000, 0x3f10_0000, 0x10_0000, 0]]',
     "devices.passthrough_devices[0]: host range 0x3f100000-0x3f200000 is the exit device's PCIe "
     "configuration space (0x3f000000-0x40000000), which the hypervisor keeps to itself; it reports "
     "how the run ended (board.toml hypervisor.exit)"),
    ("device memory over the ECAM", "    [0x4000_0000, 0x100_0000, 0x7, 0],\n",
     "    [0x4000_0000, 0x100_0000, 0x7, 0],\n    [0x3f00_0000, 0x1000, 0x13, 1],\n",
     "kernel.memory_regions[1]: host range 0x3f000000-0x3f001000 is the exit device's PCIe "
     "configuration space (0x3f000000-0x40000000), which the hypervisor keeps to itself; it reports "
     "how the run ended (board.toml hypervisor.exit)"),
    ("passthrough of the BAR page", "passthrough_devices = []",
     'passthrough_devices = [["bar", 0x1000_0000, 0x1000_0000, 0x1000, 0]]',
     f"devices.passthrough_devices[0]: host range 0x10000000-0x10001000 is no device of board {BOARD}"),
])
def test_no_partition_may_map_the_exit_device(gen, tmp_path, what, old, new, expected):
    result = gen(edit(VM_TOML, old, new), "solo.toml")
    assert_one_line_error(result, f"error: {tmp_path / 'solo.toml'}: {expected}")


@pytest.fixture
def board(tmp_path):
    """board(toml edits, dts edits) -> a boards folder with an edited copy."""
    def make(toml=(), dts=()):
        boards = tmp_path / "boards"
        shutil.copytree(ROOT / "boards" / BOARD, boards / BOARD)
        for name, edits in (("board.toml", toml), ("board.dts", dts)):
            f = boards / BOARD / name
            text = f.read_text()
            for old, new in edits:
                text = edit(text, old, new)
            f.write_text(text)
        return boards
    return make


def generate(tmp_path, dotconfig, boards):
    config = tmp_path / "solo.toml"
    config.write_text(VM_TOML)
    generate_into(config, tmp_path / "out", dotconfig, boards=boards)
    return tmp_path / "out"


def test_a_board_without_the_key_has_no_exit_device(tmp_path, dotconfig, kernel, board):
    out = generate(tmp_path, dotconfig, board(toml=[(EXIT_KEY, "")]))
    assert "TESSERA_EXIT" not in (out / "layout.h").read_text()
    assert "Exit device" not in (out / "layout.txt").read_text()
    el2 = leaves(tables(out), define(out, "TESSERA_HYP_PT_ROOT"))
    # the ECAM is then an ordinary device of the board: the hypervisor maps
    # its device blocks whole, but nothing in the 32-bit PCI window
    assert not [va for va, *_ in el2 if BAR <= va < BAR + 0x20_0000]


@pytest.mark.parametrize("dts, message", [
    (('compatible = "pci-host-ecam-generic";', 'compatible = "pci-host-cam-generic";'),
     'the exit device (board.toml hypervisor.exit) must be a PCIe host bridge with compatible = '
     '"pci-host-ecam-generic", on which QEMU\'s pvpanic-pci sits'),
    (("<0x2000000 0x0 0x10000000", "<0x3000000 0x0 0x10000000"),
     "the exit device needs a 32-bit memory window in its ranges (#address-cells = <3>, a 0x2000000 "
     "entry), page-aligned and below 4 GiB: the pvpanic-pci device's BAR0 goes there"),
    (("bus-range = <0x0 0xf>;", "bus-range = <0x1 0xf>;"),
     "the exit device's reg must be its ECAM, starting with bus 0 (bus-range = <0 ...>) and at "
     "least 1 MiB long"),
])
def test_an_unusable_exit_device_is_refused(tmp_path, dotconfig, kernel, board, dts, message):
    with pytest.raises(ConfigError) as e:
        generate(tmp_path, dotconfig, board(dts=[dts]))
    assert e.value.file.endswith("board.dts")
    assert (e.value.key, e.value.message) == ("/pcie@10000000", message)
    assert not (tmp_path / "out").exists()
