"""Passthrough devices smaller than a page: QEMU's virtio-mmio transports,
0x200 bytes each, eight to a 4 KiB page. A page a partition owns whole is
mapped by its stage 2; a transport that shares its page with others' (or
nobody's) is forwarded: an EMU_FORWARD entry, its page unmapped in every
stage 2 and mapped as device memory in the hypervisor's own tables. And
[qemu] disks, the virtio-blk disks QEMU attaches to transports."""

import os
import re
import subprocess

import pytest

from conftest import PYTHON, ROOT
from gentest import TWO_VMS_TOML, VM_TOML, Dtb, assert_one_line_error, edit

BOARD = "board qemu-aarch64-virt"
TRANSPORT = "0x0a00_3e00"               # the last transport: QEMU's virtio-mmio-bus.31, INTID 79


def solo(devices):
    """VM_TOML with these passthrough_devices entries."""
    return edit(VM_TOML, "passthrough_devices = []", f"passthrough_devices = [{', '.join(devices)}]")


def two(left, right, top=""):
    """TWO_VMS_TOML with passthrough_devices for each partition (None: none)."""
    lft, rgt = TWO_VMS_TOML.split('name = "right"')
    for devs, part in ((left, "lft"), (right, "rgt")):
        if devs:
            text = f'[vm.devices]\npassthrough_devices = [{", ".join(devs)}]\n'
            if part == "lft":
                lft = edit(lft, "[vm.devices]\n", text)
            else:
                rgt = edit(rgt, "[vm.devices]\n", text)
    text = lft + 'name = "right"' + rgt
    return edit(text, 'board = "qemu-aarch64-virt"\n', 'board = "qemu-aarch64-virt"\n' + top) if top else text


def transport(n, gpa=None, irq=None, name=None):
    """Entry for QEMU's n-th transport (0x0a00_0000 + n * 0x200)."""
    hpa = 0x0a00_0000 + n * 0x200
    return (f'["{name or f"virtio_mmio@{hpa:x}"}", {gpa if gpa is not None else hpa:#x}, {hpa:#x}, 0x200, '
            f'{48 + n if irq is None else irq}]')


# ---- reading the generated tables ------------------------------------------

def tables(outdir):
    """{table address: {index: descriptor}} from pagetables.c."""
    out, cur = {}, None
    for line in (outdir / "pagetables.c").read_text().splitlines():
        m = re.match(r"\s*\[\d+\] = \{\s*/\* (0x[0-9a-f]+):", line)
        if m:
            cur = out.setdefault(int(m[1], 16), {})
            continue
        m = re.match(r"\s*\[(\d+)\] = (0x[0-9a-f]+),", line)
        if m and cur is not None:
            cur[int(m[1])] = int(m[2], 16)
    return out


def walk(tabs, root, va):
    """The descriptor that maps va from root (level 1, 4 KiB granule), or None."""
    table = root
    for shift in (30, 21, 12):
        desc = tabs[table].get((va >> shift) & 511)
        if desc is None:
            return None
        if shift == 12 or desc & 3 == 1:              # a page, or a block
            return desc
        table = desc & 0xFFFF_FFFF_F000


def roots(outdir):
    el2 = int(re.search(r"TESSERA_HYP_PT_ROOT\s+(0x[0-9a-f]+)", (outdir / "layout.h").read_text())[1], 16)
    s2 = [int(x, 16) for x in re.findall(r"\.s2_root = (0x[0-9a-f]+)", (outdir / "partitions.c").read_text())]
    return el2, s2


S2_DEVICE = 0b0001 << 2                  # stage-2 MemAttr Device-nGnRE
EL2_DEVICE_IDX = 0                       # MAIR_EL2 index of Device memory


# ---- forwarded or mapped ---------------------------------------------------

def test_two_partitions_sharing_a_page_are_both_forwarded(gen):
    result = gen(two([transport(31)], [transport(30)]))
    assert result.returncode == 0, result.stderr
    out = result.outdir
    c = (out / "partitions.c").read_text()
    assert "{ .gpa = 0xa003e00, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa003e00 }," in c
    assert "{ .gpa = 0xa003c00, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa003c00 }," in c
    assert c.count("EMU_FORWARD") == 2
    # console + vGIC distributor + redistributors + the transport; no region for it
    assert c.count(".nr_emu = 4,") == 2 and c.count(".nr_regions = 1,") == 2
    assert "{ .irq = 79, .hw = 1 },  /* from the device */" in c
    assert "{ .irq = 78, .hw = 1 },  /* from the device */" in c
    el2, s2 = roots(out)
    tabs = tables(out)
    for root in s2:                      # neither stage 2 maps the shared page
        assert walk(tabs, root, 0x0a00_3000) is None and walk(tabs, root, 0x0a00_3e00) is None
    desc = walk(tabs, el2, 0x0a00_3e00)  # the hypervisor does: Device memory
    assert desc is not None and (desc >> 2) & 7 == EL2_DEVICE_IDX and desc & 0xFFFF_FFE0_0000 == 0x0a00_0000
    layout = (out / "layout.txt").read_text()
    assert ("device virtio_mmio@a003e00 guest 0xa003e00-0xa004000 -> host 0xa003e00-0xa004000 "
            "(forwarded: its page holds devices the partition does not own)") in layout
    # the guest's tree: the board's node, at the guest address, with its SPI
    dtb = Dtb((out / "left.dtb").read_bytes())
    node = "/virtio_mmio@a003e00"
    assert dtb.strings(node, "compatible") == ["virtio,mmio"]
    assert dtb.reg(node) == [(0x0a00_3e00, 0x200)]
    assert dtb.u32(node, "interrupts") == [0, 79 - 32, 4]
    assert "dma-coherent" in dtb.props[node]
    assert "/virtio_mmio@a003c00" not in dtb.props


def test_a_transport_alone_on_its_page_is_forwarded_at_its_guest_address(gen):
    result = gen(solo([transport(2, gpa=0x1000_0400, name="disk")]))
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = 0x10000400, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa000400 }," in c
    dtb = Dtb((result.outdir / "solo.dtb").read_bytes())
    assert dtb.reg("/disk@10000400") == [(0x1000_0400, 0x200)]


def test_a_page_owned_whole_is_mapped(gen):
    """All eight transports of the page 0x0a00_3000, at guest 0x1a00_3000: one
    stage-2 page mapping, nothing forwarded."""
    devs = [transport(n, gpa=0x1a00_0000 + n * 0x200) for n in range(24, 32)]
    result = gen(solo(devs))
    assert result.returncode == 0, result.stderr
    out = result.outdir
    c = (out / "partitions.c").read_text()
    assert "EMU_FORWARD" not in c
    assert ("{ .gpa = 0x1a003000, .hpa = 0xa003000, .size = 0x1000, "
            ".flags = MEM_READ | MEM_WRITE | MEM_DEVICE },") in c
    assert "the partition owns their whole page" in c
    _, s2 = roots(out)
    desc = walk(tables(out), s2[0], 0x1a00_3e00)
    assert desc is not None and desc & 0xFFFF_FFFF_F000 == 0x0a00_3000 and desc & (0xF << 2) == S2_DEVICE
    assert "(mapped: the partition owns its whole page)" in (out / "layout.txt").read_text()


def test_a_page_owned_whole_but_laid_out_otherwise_is_forwarded(gen):
    """The same eight, but two of them in another guest page: no one page
    mapping can put them there, so each is forwarded."""
    devs = [transport(n) for n in range(24, 30)] + \
        [transport(30, gpa=0x1a00_3c00), transport(31, gpa=0x1a00_3e00)]
    result = gen(solo(devs))
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert c.count("EMU_FORWARD") == 8
    assert "{ .gpa = 0x1a003e00, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa003e00 }," in c
    assert "{ .gpa = 0xa003000, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa003000 }," in c


# ---- refusals ----------------------------------------------------------------

SOLO, SYSTEM = "solo.toml", "system.toml"
PT = "devices.passthrough_devices"

CASES = [
    ("part-of-a-transport", SOLO, solo(['["v", 0x0a00_3e00, 0x0a00_3e00, 0x100, 79]']),
     f"{PT}[0]: host range 0xa003e00-0xa003f00 is neither whole 4 KiB pages nor exactly the registers of one "
     f"device of {BOARD}; give whole pages, or one device's own range (a virtio-mmio transport: its 0x200 bytes)"),
    ("straddles-two-transports", SOLO, solo(['["v", 0x0a00_3d00, 0x0a00_3d00, 0x200, 79]']),
     f"{PT}[0]: host range 0xa003d00-0xa003f00 is neither whole 4 KiB pages nor exactly the registers of one "
     f"device of {BOARD}; give whole pages, or one device's own range (a virtio-mmio transport: its 0x200 bytes)"),
    ("sub-page-of-a-page-device", SOLO, solo(['["rtc", 0x0901_0000, 0x0901_0000, 0x200, 34]']),
     f"{PT}[0]: host range 0x9010000-0x9010200 is neither whole 4 KiB pages nor exactly the registers of one "
     f"device of {BOARD}; give whole pages, or one device's own range (a virtio-mmio transport: its 0x200 bytes)"),
    ("transport-at-another-page-offset", SOLO, solo([transport(31, gpa=0x1000_0000)]),
     f"{PT}[0]: guest address 0x10000000 is at offset 0x0 of its page but the device at 0xe00; "
     "give it the same offset in its 4 KiB page"),
    ("page-of-transports-is-no-device", SOLO, solo(['["v", 0x0a00_3000, 0x0a00_3000, 0x1000, 0]']),
     f"{PT}[0]: host range 0xa003000-0xa004000 is no device of {BOARD}"),
    ("transport-twice-in-one-partition", SOLO, solo([transport(31), transport(31, gpa=0x1a00_3e00)]),
     f"{PT}[1]: host range 0xa003e00-0xa004000 is already given to this partition by {PT}[0]; "
     "list each device once"),
    ("transport-in-two-partitions", SYSTEM, two([transport(31)], [transport(31, irq=0)]),
     f"vm[1].{PT}[0]: host device 0xa003e00-0xa004000 is also given to vm 'left' (vm[0].{PT}[0]); "
     "a range belongs to one partition"),
    ("transports-at-one-guest-address", SOLO, solo([transport(31), transport(23, gpa=0x0a00_3e00)]),
     f"{PT}[1]: guest range 0xa003e00-0xa004000 overlaps {PT}[0] (0xa003e00-0xa004000)"),
    ("transport-over-ram", SOLO, solo([transport(31, gpa=0x4000_0e00)]),
     f"{PT}[0]: guest range 0x40000e00-0x40001000 overlaps kernel.memory_regions[0] (0x40000000-0x41000000)"),
    ("transport-over-console", SOLO, solo([transport(31, gpa=0x0900_0e00)]),
     f"{PT}[0]: guest range 0x9000e00-0x9001000 overlaps emulated device pl011@9000000"),
    ("transport-irq-taken-twice", SYSTEM, two([transport(31)], [transport(30, irq=79)]),
     f"vm[1].{PT}[0]: irq 79 is also given to vm 'left' (vm[0].{PT}[0]); an interrupt belongs to one partition"),
]

DISK_CASES = [
    ("disk-not-a-transport", '[qemu]\ndisks = [{ transport = 0x0a00_3e80, file = "disk.img" }]\n',
     "qemu.disks[0].transport: 0xa003e80 is no virtio-mmio transport of board qemu-aarch64-virt (the first at "
     "0xa000000); give the host address of one of its virtio,mmio nodes"),
    ("disk-on-a-transport-nobody-owns", '[qemu]\ndisks = [{ transport = 0x0a00_0000, file = "disk.img" }]\n',
     "qemu.disks[0].transport: no partition owns transport 0xa000000; give it to one in its "
     "passthrough_devices, or drop the disk"),
    ("two-disks-on-one-transport", '[qemu]\ndisks = [{ transport = 0x0a00_3e00, file = "disk.img" }, '
                                   '{ transport = 0x0a00_3e00, file = "disk.img" }]\n',
     "qemu.disks[1].transport: transport 0xa003e00 already has the disk of qemu.disks[0]; "
     "give each disk a transport of its own"),
    ("disk-file-missing", '[qemu]\ndisks = [{ transport = 0x0a00_3e00, file = "nodisk.img" }]\n',
     "qemu.disks[0].file: nodisk.img: no such file (build it first, or fix the path; relative paths start "
     "at {dir})"),
    ("disk-file-with-a-space", '[qemu]\ndisks = [{ transport = 0x0a00_3e00, file = "my disk.img" }]\n',
     "qemu.disks[0].file: '{dir}/my disk.img': QEMU's options are written as words split at white space; "
     "move the image to a path without any"),
    ("disk-unknown-key", '[qemu]\ndisks = [{ transport = 0x0a00_3e00, file = "disk.img", size = 3 }]\n',
     "qemu.disks[0].size: unknown key; see docs/configuration.md for the keys Tessera reads"),
    ("disk-missing-transport", '[qemu]\ndisks = [{ file = "disk.img" }]\n',
     "qemu.disks[0].transport: missing; this key is required"),
    ("qemu-unknown-key", '[qemu]\nbinary = "qemu-system-x86_64"\n',
     "qemu.binary: unknown key; see docs/configuration.md for the keys Tessera reads"),
    ("qemu-extra-line-break", '[qemu]\nextra = "-s\\n-S"\n',
     "qemu.extra: holds a line break or NUL; give the options on one line"),
]


@pytest.mark.parametrize("name,text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused(gen, tmp_path, name, text, expected):
    result = gen(text, name)
    assert_one_line_error(result, f"error: {tmp_path / name}: {expected}")


@pytest.mark.parametrize("top,expected", [c[1:] for c in DISK_CASES], ids=[c[0] for c in DISK_CASES])
def test_disk_refused(gen, tmp_path, top, expected):
    for name in ("disk.img", "my disk.img"):
        (tmp_path / name).write_bytes(b"\0" * 4096)
    result = gen(two([transport(31)], None, top=top), SYSTEM)
    assert_one_line_error(result, f"error: {tmp_path / SYSTEM}: " + expected.replace("{dir}", str(tmp_path)))


def test_qemu_table_of_a_vm_file_is_unknown(gen, tmp_path):
    result = gen("[qemu]\nextra = \"-s\"\n" + VM_TOML, SOLO)
    assert_one_line_error(result, f"error: {tmp_path / SOLO}: qemu: unknown key; see docs/configuration.md "
                                  "for the keys Tessera reads")


# ---- [qemu]: extra options and disks in qemu.flags ---------------------------

def test_disks_and_extra_options_go_into_qemu_flags(gen, tmp_path):
    """The image's path is absolute (resolved from the config's folder), a
    comma in it doubled for -drive; the disk goes on the transport's bus."""
    (tmp_path / "img,s").mkdir()
    (tmp_path / "img,s" / "d.img").write_bytes(b"\0" * 4096)
    (tmp_path / "e.img").write_bytes(b"\0" * 4096)
    top = ('[qemu]\nextra = "-global virtio-mmio.force-legacy=false"\n'
           'disks = [{ transport = 0x0a00_3e00, file = "img,s/d.img" }, '
           f'{{ transport = 0x0a00_0200, file = "{tmp_path / "e.img"}" }}]\n')
    result = gen(two([transport(31)], [transport(1)], top=top), SYSTEM)
    assert result.returncode == 0, result.stderr
    flags = (result.outdir / "qemu.flags").read_text()
    d = str(tmp_path).replace(",", ",,")
    assert flags.endswith(
        " -nic none -no-reboot -device pvpanic-pci -action panic=exit-failure"
        " -global virtio-mmio.force-legacy=false"
        f" -drive file={d}/img,,s/d.img,if=none,format=raw,id=disk0"
        " -device virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.31"
        f" -drive file={d}/e.img,if=none,format=raw,id=disk1"
        " -device virtio-blk-device,drive=disk1,bus=virtio-mmio-bus.1\n"), flags


def test_disk_path_is_the_same_from_any_folder(tmp_path, dotconfig, kernel):
    """The generator run from another folder, with relative paths to the
    config and the output: the same absolute image path in qemu.flags."""
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "kernel.bin").write_bytes(kernel.read_bytes())
    (tmp_path / "cfg" / "disk.img").write_bytes(b"\0" * 4096)
    text = two([transport(31)], None, top='[qemu]\ndisks = [{ transport = 0x0a00_3e00, file = "disk.img" }]\n')
    (tmp_path / "cfg" / "system.toml").write_text(text)
    flags = []
    for cwd, config in ((ROOT, tmp_path / "cfg" / "system.toml"), (tmp_path, "cfg/system.toml"),
                        (tmp_path / "cfg", "system.toml")):
        out = tmp_path / f"out{len(flags)}"
        proc = subprocess.run([PYTHON, "-m", "tessera_gen", "--config", str(config), "--out",
                               os.path.relpath(out, cwd), "--kconfig", str(dotconfig)],
                              cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT / "gen")),
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        flags.append((out / "qemu.flags").read_text())
    assert len(set(flags)) == 1
    assert f" -drive file={tmp_path / 'cfg' / 'disk.img'},if=none,format=raw,id=disk0 " in flags[0]


def test_shipped_linux_disk_config(root, guests_built, dotconfig, tmp_path):
    """configs/linux-disk.toml as the QEMU case runs it (with stand-ins for
    build/linux's files, which this layer does not make): Linux's transport
    and the ticker's share a page, both forwarded; the disk on Linux's,
    QEMU's bus 31; Linux's memory identity-mapped (the disk reads and writes
    it at guest-physical addresses); the ticker attacks what its bootargs say."""
    from conftest import run_generator
    text = (root / "configs/linux-disk.toml").read_text()
    linux = tmp_path / "linux"
    linux.mkdir()
    for name in ("Image", "initramfs.cpio.gz", "disk.img"):
        (linux / name).write_bytes(b"\0" * 0x1000)
    config = tmp_path / "linux-disk.toml"
    config.write_text(edit(edit(text, '"../build/linux/', f'"{linux}/', count=3),
                           '"../build/guests/', f'"{root}/build/guests/'))
    result = run_generator(config, tmp_path / "out", dotconfig)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = 0xa003e00, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa003e00 }," in c
    assert "{ .gpa = 0xa003c00, .size = 0x200, .kind = EMU_FORWARD, .hpa = 0xa003c00 }," in c
    flags = (result.outdir / "qemu.flags").read_text()
    assert flags.endswith(f" -drive file={linux / 'disk.img'},if=none,format=raw,id=disk0 "
                          "-device virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.31\n"), flags
    part = c[c.index("/* ---- partition linux"):c.index("/* ---- partition rt")]
    assert re.search(r"\.gpa = (0x[0-9a-f]+), \.hpa = \1, .size = 0x10000000", part)
    assert "{ .irq = 79, .hw = 1 }" in part
    cmdline = re.search(r'cmdline = "(name=rt[^"]*)"', text)[1]
    words = cmdline.split()
    assert "virtio=0x0a003c00" in words and "peek=0x0a003e00" in words and "poke=0x0a003e70" in words
