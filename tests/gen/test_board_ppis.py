"""The architected timer, GIC maintenance and PMU PPIs come from the
board's device tree: a board with other PPIs gets them in the hypervisor's
layout.h and in its guests' timer and pmu nodes; a board without them (or
with one PPI for two of them) is refused. The PMU is optional."""

import shutil
import sys

import pytest

from conftest import ROOT
from gentest import VM_TOML, Dtb, edit

sys.path.insert(0, str(ROOT / "gen"))
from tessera_gen.__main__ import generate          # noqa: E402  (after the path)
from tessera_gen.errors import ConfigError         # noqa: E402

BOARD = "qemu-aarch64-virt"
TIMER = "interrupts = <1 13 4>, <1 14 4>, <1 11 4>, <1 10 4>;"
MAINTENANCE = "interrupts = <1 9 4>;"
PMU = "interrupts = <1 7 4>;"


@pytest.fixture
def board_dts(tmp_path):
    """board_dts(old, new) -> a boards folder whose qemu-aarch64-virt has
    its DTS edited (old must occur once)."""
    def make(old, new):
        boards = tmp_path / "boards"
        shutil.copytree(ROOT / "boards" / BOARD, boards / BOARD)
        dts = boards / BOARD / "board.dts"
        dts.write_text(edit(dts.read_text(), old, new))
        return boards
    return make


def intids(out):
    """{name: INTID} of the TESSERA_INTID_* lines of out/layout.h."""
    lines = (out / "layout.h").read_text().splitlines()
    return {w[1][len("TESSERA_INTID_"):]: int(w[2]) for w in (ln.split() for ln in lines)
            if len(w) > 2 and w[0] == "#define" and w[1].startswith("TESSERA_INTID_")}


def run(tmp_path, dotconfig, kernel, boards):
    config = tmp_path / "solo.toml"
    config.write_text(VM_TOML)
    generate(config, tmp_path / "out", dotconfig, boards=boards)
    return tmp_path / "out"


def test_other_ppis_reach_layout_h_and_the_guest_timer(tmp_path, dotconfig, kernel, board_dts):
    boards = board_dts(TIMER, "interrupts = <1 3 4>, <1 4 4>, <1 5 4>, <1 6 4>;")
    dts = boards / BOARD / "board.dts"
    dts.write_text(edit(edit(dts.read_text(), PMU, "interrupts = <1 8 4>;"),
                        MAINTENANCE, "interrupts = <1 7 4>;"))
    out = run(tmp_path, dotconfig, kernel, boards)
    assert intids(out) == {"PTIMER": 20, "VTIMER": 21, "HYPTIMER": 22, "MAINTENANCE": 23, "PMU": 24}
    dtb = Dtb((out / "solo.dtb").read_bytes())
    timer = dtb.u32("/timer", "interrupts")
    assert timer[1::3] == [3, 4, 5, 6]
    assert timer[0::3] == [1, 1, 1, 1]
    assert dtb.u32("/pmu", "interrupts") == [1, 8, 4]


def test_the_shipped_board_gives_qemus_ppis(tmp_path, dotconfig, kernel):
    out = run(tmp_path, dotconfig, kernel, ROOT / "boards")
    assert intids(out) == {"PTIMER": 30, "VTIMER": 27, "HYPTIMER": 26, "MAINTENANCE": 25, "PMU": 23}


def test_a_board_without_a_pmu_gives_guests_none(tmp_path, dotconfig, kernel, board_dts):
    out = run(tmp_path, dotconfig, kernel, board_dts('compatible = "arm,armv8-pmuv3";',
                                                     'compatible = "vendor,other-pmu";'))
    assert intids(out)["PMU"] == 0
    with pytest.raises(Exception):
        Dtb((out / "solo.dtb").read_bytes()).u32("/pmu", "interrupts")


@pytest.mark.parametrize("old, new, where, reason", [
    (TIMER, "", "/timer", "the timer needs interrupts = <1 PPI flags>"),
    (TIMER, "interrupts = <1 13 4>, <1 14 4>, <0 11 4>, <1 10 4>;", "/timer",
     "the timer needs interrupts = <1 PPI flags>"),
    ('compatible = "arm,armv8-timer";', 'compatible = "vendor,other-timer";', "/",
     "no arm,armv8-timer node"),
    (MAINTENANCE, "", "/intc@8000000", "its maintenance interrupt"),
    (PMU, "interrupts = <0 7 4>;", "/pmu", "the PMU node needs interrupts = <1 PPI flags>"),
    (PMU, "interrupts = <1 9 4>;", "/pmu", "the PMU overflow interrupt is PPI 9 (INTID 25), as is "
                                           "the GIC maintenance interrupt; give each its own PPI"),
    (TIMER, "interrupts = <1 13 4>, <1 14 4>, <1 14 4>, <1 10 4>;", "/timer",
     "its virtual timer is PPI 14 (INTID 30), as is its physical timer"),
])
def test_a_board_without_usable_ppis_is_refused(tmp_path, dotconfig, kernel, board_dts,
                                               old, new, where, reason):
    boards = board_dts(old, new)
    with pytest.raises(ConfigError) as e:
        run(tmp_path, dotconfig, kernel, boards)
    assert e.value.file.endswith("board.dts")
    assert e.value.key == where
    assert reason in e.value.message
    assert not (tmp_path / "out").exists()
