"""layout.svg: the picture of the whole system the generator writes with
every build. What it shows must be what the tables say: its elements carry
their facts as data-* attributes, checked here against partitions.c; and
every shipped config gets one that parses as SVG (what a browser opens)."""

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import PYTHON, run_generator
from gentest import inline_vm

SVG = "{http://www.w3.org/2000/svg}"

# "a" alone on CPU 0, "b" and "c" sharing CPU 1; b owns the PL031 and its
# interrupt; a and b share a channel.
CONFIG = ('board = "qemu-aarch64-virt"\n\n' + inline_vm(1, "a", 0x1) + "\n"
          + inline_vm(2, "b", 0x2).replace(
              'emu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]',
              'emu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]\n'
              'passthrough_devices = [["pl031@9010000", 0x0901_0000, 0x0901_0000, 0x1000, 34]]')
          + "\n" + inline_vm(3, "c", 0x2) + """
[[schedule]]
cpu = 1
major_frame_us = 10000
windows = [
    { vm = "b", vcpu = 0, start_us = 0, end_us = 3000 },
    { vm = "c", vcpu = 0, start_us = 3000, end_us = 9000 },
]

[[channel]]
name = "ab"
size = 0x1000
ends = [
    { vm = "a", gpa = 0x5000_0000, access = "rw", irq = 40 },
    { vm = "b", gpa = 0x5000_0000, access = "ro", irq = 40 },
]
""")


def svg_of(outdir):
    root = ET.parse(outdir / "layout.svg").getroot()
    assert root.tag == SVG + "svg"
    return root


def by_class(root, cls):
    return [e for e in root.iter() if e.get("class") == cls]


def test_picture_matches_the_tables(gen):
    result = gen(CONFIG)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    root = svg_of(result.outdir)
    names = re.findall(r'\.name = "(\w+)"', c)
    vcpus = [(names[int(vm)], int(i)) for vm, i in re.findall(r"\{ \.vm = (\d+), \.index = (\d+),", c)]

    # The shared CPU's windows, as the schedule table has them (idle: no vm).
    slots = [(int(a), int(b), vcpus[int(v)] if int(v) >= 0 else ("", ""))
             for a, b, v in re.findall(r"\{ \.start_us = (\d+), \.end_us = (\d+), \.vcpu = (-?\d+) \}", c)]
    drawn = [(int(w.get("data-start-us")), int(w.get("data-end-us")),
              (w.get("data-vm"), int(w.get("data-vcpu")) if w.get("data-vcpu") else ""))
             for w in by_class(root, "window")]
    assert drawn == slots
    assert all(w.get("data-pcpu") == "1" for w in by_class(root, "window"))
    assert [g.get("data-frame-us") for g in by_class(root, "pcpu") if g.get("data-shared") == "1"] == ["10000"]

    # The other CPUs: their one vCPU, or off.
    owners = [(int(p), int(v)) for p, v in
              enumerate(int(v) for v in re.findall(r"\{ \.hw_id = 0x[0-9a-f]+, \.vcpu = (-?\d+) \}", c))]
    for o in by_class(root, "owner"):
        p = int(o.get("data-pcpu"))
        v = dict(owners)[p]
        assert (o.get("data-vm"), o.get("data-vcpu")) == ((vcpus[v][0], str(vcpus[v][1])) if v >= 0 else ("", ""))

    # Every host range of the tables (RAM, devices, shared memory) is in the map.
    mem = {(int(r.get("data-hpa"), 16), int(r.get("data-size"), 16)) for r in by_class(root, "mem")}
    regions = {(int(h, 16), int(s, 16)) for h, s in
               re.findall(r"\.hpa = (0x[0-9a-f]+), \.size = (0x[0-9a-f]+), \.flags", c)}
    assert regions and regions <= mem
    kinds = {r.get("data-kind") for r in by_class(root, "mem")}
    assert {"hypervisor", "ram", "image", "device", "channel"} <= kinds

    # Interrupts each partition owns.
    irqs = {}
    for i, block in enumerate(re.split(r"static const struct vm_irq ", c)[1:]):
        name = re.match(r"vm(\d+)_irqs", block)
        irqs[names[int(name.group(1))]] = [int(x) for x in re.findall(r"\.irq = (\d+)", block.split("};")[0])]
    owned = {g.get("data-vm"): [int(x) for x in g.get("data-irqs").split(",") if x] for g in by_class(root, "owned")}
    assert owned == {n: irqs.get(n, []) for n in names}
    assert owned["b"] == [33, 34, 40]


def test_the_picture_changes_with_the_schedule(gen, tmp_path):
    """Not a fixed drawing: another schedule draws other windows."""
    other = CONFIG.replace("end_us = 3000 },", "end_us = 5000 },").replace("start_us = 3000", "start_us = 5000")
    result = gen(other)
    assert result.returncode == 0, result.stderr
    starts = [w.get("data-start-us") for w in by_class(svg_of(result.outdir), "window")]
    assert starts == ["0", "5000", "9000"]


def _board_of(text):
    """A system config's board; an ArceOS-format VM file runs on .config's (the default)."""
    m = re.search(r'^board\s*[=:]\s*"?([\w-]+)"?', text, re.M)
    return m.group(1) if m else "qemu-aarch64-virt"


@pytest.mark.parametrize("name", sorted(p.name for p in (__import__("pathlib").Path(__file__).resolve()
                                                          .parents[2] / "configs").iterdir()))
def test_every_shipped_config_has_a_picture(name, root, guests_built, dotconfig, tmp_path):
    """Each config of configs/, with stand-ins for build/linux's, build/linux-x86's and
    build/linux-riscv's files (this layer does not fetch or build Linux), on its own board's
    .config."""
    text = (root / "configs" / name).read_text()
    linux = tmp_path / "linux"
    linux.mkdir()
    for f in ("Image", "bzImage", "initramfs.cpio.gz", "disk.img"):
        (linux / f).write_bytes(b"\0" * 0x1000)
    for tree in ("linux", "linux-x86", "linux-riscv"):
        text = text.replace(f"../build/{tree}/", f"{linux}/")
    text = text.replace("../build/", f"{root}/build/")
    config = tmp_path / name
    config.write_text(text)
    kconfig = tmp_path / "board.config"
    subprocess.run([PYTHON, "-m", "tessera_gen.which", "--board-config", _board_of(text), str(dotconfig),
                    str(kconfig)], cwd=root, check=True, capture_output=True,
                   env={"PYTHONPATH": str(root / "gen")})
    result = run_generator(config, tmp_path / "out", kconfig)
    assert result.returncode == 0, result.stderr
    svg = svg_of(result.outdir)
    pcpus = by_class(svg, "pcpu")
    assert len(pcpus) == len(re.findall(r"\{ \.hw_id = ", (result.outdir / "partitions.c").read_text()))
    assert by_class(svg, "mem") and by_class(svg, "owned")
