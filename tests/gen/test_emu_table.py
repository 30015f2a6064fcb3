"""A partition's trapped ranges (struct emu_device, partitions.c) as
core_mmio looks them up: sorted by address, none overlapping another
(gen/tessera_gen/emu_table.py), whatever order the config lists them in."""

import re
import sys
from types import SimpleNamespace

import pytest

from conftest import ROOT
from gentest import VM_TOML, assert_one_line_error, edit

sys.path.insert(0, str(ROOT / "gen"))
from tessera_gen.emu_table import emu_table         # noqa: E402  (after the path)
from tessera_gen.errors import ConfigError          # noqa: E402

CONSOLE = '["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []],'


def transport(n, gpa):
    hpa = 0x0a00_0000 + n * 0x200
    return f'["virtio_mmio@{hpa:x}", {gpa:#x}, {hpa:#x}, 0x200, {48 + n}]'


def emu_rows(c):
    """[(gpa, kind)] of vm0_emu[], in the order the table holds them."""
    table = c[c.index("vm0_emu[] = {"):]
    table = table[:table.index("};")]
    return [(int(m[1], 16), m[2]) for m in re.finditer(r"\{ \.gpa = (0x[0-9a-f]+), .*?\.kind = (\w+)", table)]


def test_trapped_ranges_are_sorted_by_address(gen):
    """Listed out of order (a transport high, one low, the console between),
    emitted in address order with the vGIC's frames, and counted."""
    text = edit(VM_TOML, "passthrough_devices = []",
                f"passthrough_devices = [{transport(31, 0x1a00_3e00)}, {transport(30, 0x0a00_3c00)}]")
    result = gen(text, "solo.toml")
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    rows = emu_rows(c)
    assert [kind for _, kind in rows] == ["EMU_VGIC_DIST", "EMU_VGIC_REDIST", "EMU_VUART_PL011",
                                          "EMU_FORWARD", "EMU_FORWARD"]
    assert [gpa for gpa, _ in rows] == sorted(gpa for gpa, _ in rows)
    assert rows[-1][0] == 0x1a00_3e00
    assert f".nr_emu = {len(rows)}," in c


def test_a_console_over_the_virtual_gic_is_refused(gen):
    """The console is put on the vGIC distributor's frame: two trapped
    ranges over one address, which the lookup cannot tell apart."""
    text = edit(VM_TOML, CONSOLE, '["pl011@8000000", 0x0800_0000, 0x1000, 33, 0x2, []],')
    result = gen(text, "solo.toml")
    assert_one_line_error(result, f"error: {result.outdir.parent / 'solo.toml'}: devices.emu_devices[0]: "
                                  "guest range 0x8000000-0x8001000 overlaps the virtual GIC distributor "
                                  "(0x8000000-0x8010000)")


def test_the_table_refuses_overlapping_ranges_itself():
    """The lookup's own guard, below the config checks: two trapped ranges
    over one address are refused in one line naming the config's key."""
    vm = SimpleNamespace(file="solo.toml", key=lambda k: k, vgic=(0x0800_0000, 0x1_0000, 0x080a_0000, 0x2_0000),
                         vplic=None, forwarded=[],
                         emu=[SimpleNamespace(gpa=0x0800_f000, size=0x1000, irq=33, key="devices.emu_devices[0]",
                                              name="pl011@800f000")])
    board = SimpleNamespace(arch="aarch64", gic_version=3)
    with pytest.raises(ConfigError) as e:
        emu_table(board, vm, lambda d: "EMU_VUART_PL011")
    assert str(e.value) == ("solo.toml: devices.emu_devices[0]: guest range 0x800f000-0x8010000 overlaps the "
                            "virtual GIC distributor (0x8000000-0x8010000); move one of them: each trapped range "
                            "must be its own")
    vm.emu[0].gpa = 0x0801_0000                 # right after the distributor: its own range
    assert [r.kind for r in emu_table(board, vm, lambda d: "EMU_VUART_PL011")] == \
        ["EMU_VGIC_DIST", "EMU_VUART_PL011", "EMU_VGIC_REDIST"]
