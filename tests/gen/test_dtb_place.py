"""Where the generator puts a partition's device tree without dtb_load_addr:
where plain QEMU puts it for the same kernel, initrd and RAM
(docs/configuration.md, "Where the device tree goes").

The addresses below are not computed from the rule: each row is what plain
QEMU 7.2 (qemu-system-aarch64 -M virt -cpu cortex-a72 -m RAM -kernel K
[-initrd I]) did with that kernel file and initrd, read back from the
boot stub's x0 (the DTB address it hands the kernel). The kernel is loaded
where QEMU loads it and the ramdisk where QEMU put the initrd, so the
layout is QEMU's; test_table_is_what_plain_qemu_does repeats the runs when
qemu-system-aarch64 is installed.
"""

import re
import shutil
import struct
import subprocess

import pytest

from gentest import assert_one_line_error

MiB = 1 << 20
BASE = 0x4000_0000          # QEMU virt's RAM base, and the partitions' RAM here


def kernel_file(path, size, text_offset=None, image_size=None):
    """size bytes of guest image; with text_offset, an arm64 Image header
    (magic at 56) giving text_offset and image_size."""
    b = bytearray(i * 7 & 0xFF for i in range(size))
    if text_offset is not None:
        b[0:64] = bytes(64)
        b[0:4] = struct.pack("<I", 0x14000010)          # b +0x40
        b[8:16] = struct.pack("<Q", text_offset)
        b[16:24] = struct.pack("<Q", image_size)
        b[24:32] = struct.pack("<Q", 0xA)               # little-endian, 4 KiB pages
        b[56:60] = b"ARM\x64"
    path.write_bytes(bytes(b))


# name: (RAM, kernel file (size, text_offset, image_size), where QEMU loaded
#        it, initrd size or None, where QEMU put the initrd, where it put the DTB)
TABLE = {
    "RAM/2 below 128 MiB: 16 MiB, raw image, no initrd":
        (16 * MiB, (0x3008, None, None), 0x4008_0000, None, None, 0x4080_0000),
    "RAM/2 capped at 128 MiB: 512 MiB, raw image, no initrd":
        (512 * MiB, (0x3008, None, None), 0x4008_0000, None, None, 0x4800_0000),
    "a raw image reaching past RAM/2: its file size counts":
        (16 * MiB, (9 * MiB, None, None), 0x4008_0000, None, None, 0x40a0_0000),
    "an Image header's image_size counts, not the file's size":
        (16 * MiB, (0x3008, 0x80000, 12 * MiB), 0x4008_0000, None, None, 0x40e0_0000),
    "an Image header with image_size 0: the file's size":
        (16 * MiB, (0x3008, 0x80000, 0), 0x4008_0000, None, None, 0x4080_0000),
    "an Image header's image_size below the file's size: still image_size":
        (16 * MiB, (0x20000, 0x80000, 0x12000), 0x4008_0000, None, None, 0x4080_0000),
    "an Image at text_offset 0x200000, 128 MiB":
        (128 * MiB, (0x3008, 0x200000, MiB), 0x4020_0000, None, None, 0x4400_0000),
    "an initrd: the DTB after it, rounded up to 2 MiB":
        (256 * MiB, (0x3008, None, None), 0x4008_0000, 0x3001, 0x4800_0000, 0x4820_0000),
    "an initrd ending on a 2 MiB boundary: the DTB right there":
        (32 * MiB, (0x3008, None, None), 0x4008_0000, 2 * MiB, 0x4100_0000, 0x4120_0000),
    "the image's end rounded up to 4 KiB before the initrd":
        (16 * MiB, (0x3008, 0x80000, 0x980001), 0x4008_0000, 0x1ff001, 0x40a0_1000, 0x40e0_0000),
    "a raw image past RAM/2 and an initrd":
        (16 * MiB, (9 * MiB + 0x123, None, None), 0x4008_0000, 0x1000, 0x4098_1000, 0x40a0_0000),
    "Linux's layout: Image at text_offset 0 (+2 MiB), 512 MiB, initramfs":
        (512 * MiB, (0x3008, 0, 32 * MiB), 0x4020_0000, 0xf1a60, 0x4800_0000, 0x4820_0000),
}


def config(ram, load, ramdisk=None, extra="", regions=None):
    """A one-partition VM file: kernel.bin at load (also the entry point),
    its RAM at BASE (or the regions given), ramdisk.bin at ramdisk."""
    rd = f'ramdisk_path = "ramdisk.bin"\nramdisk_load_addr = {ramdisk:#x}\n' if ramdisk is not None else ""
    regions = regions or [(BASE, ram)]
    mem = ", ".join(f"[{b:#x}, {s:#x}, 0x7, 0]" for b, s in regions)
    return f"""\
[base]
id = 1
name = "solo"
cpu_num = 1
phys_cpu_sets = [0x1]

[kernel]
entry_point = {load:#x}
kernel_path = "kernel.bin"
kernel_load_addr = {load:#x}
{rd}{extra}memory_regions = [{mem}]

[devices]
emu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]
"""


def dtb_addr(result):
    assert result.returncode == 0, result.stderr
    pc = (result.outdir / "partitions.c").read_text()
    found = re.findall(r"^\s*\.dtb = (0x[0-9a-f]+),", pc, re.M)
    assert len(found) == 1, found
    return int(found[0], 16)


@pytest.mark.parametrize("name", TABLE)
def test_default_is_where_plain_qemu_puts_it(gen, tmp_path, name):
    ram, (size, text_offset, image_size), load, initrd, initrd_at, want = TABLE[name]
    kernel_file(tmp_path / "kernel.bin", size, text_offset, image_size)
    if initrd is not None:
        (tmp_path / "ramdisk.bin").write_bytes(b"\x5a" * initrd)
    result = gen(config(ram, load, initrd_at), "solo.toml")
    assert dtb_addr(result) == want
    layout = (result.outdir / "layout.txt").read_text()
    assert f"device tree at {want:#x} (" in layout and "where QEMU puts it)" in layout


def _plain_qemu_dtb(tmp_path, ram, kernel, initrd):
    """Boot nothing: start plain QEMU halted and read the DTB address from
    the boot stub it wrote at RAM base (ldr x0 of its literal at +0x18)."""
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-m", f"{ram // MiB}M",
           "-nic", "none", "-display", "none", "-serial", "null", "-S", "-monitor", "stdio",
           "-kernel", str(kernel)] + (["-initrd", str(initrd)] if initrd else [])
    proc = subprocess.run(cmd, input=f"xp /2wx {BASE + 0x18:#x}\nquit\n", capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(f"{BASE + 0x18:016x}:"))
    lo, hi = (int(w, 16) for w in line.split(":")[1].split())
    return lo | hi << 32


@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None, reason="qemu-system-aarch64 is not installed")
def test_table_is_what_plain_qemu_does(tmp_path):
    """The table's addresses, again from the installed plain QEMU."""
    for i, (name, (ram, (size, text_offset, image_size), _, initrd, _, want)) in enumerate(TABLE.items()):
        kernel = tmp_path / f"k{i}.bin"
        kernel_file(kernel, size, text_offset, image_size)
        rd = None
        if initrd is not None:
            rd = tmp_path / f"i{i}.bin"
            rd.write_bytes(b"\x5a" * initrd)
        assert _plain_qemu_dtb(tmp_path, ram, kernel, rd) == want, name


# ---- the rule's other cases: RAM is the kernel's region; when QEMU's place is taken ----

def test_ram_is_the_kernels_region(gen, tmp_path):
    # Two regions; the kernel is in the second (32 MiB at 0x4800_0000): RAM
    # base + 16 MiB there, whatever the first region is.
    kernel_file(tmp_path / "kernel.bin", 0x3008)
    text = config(None, 0x4808_0000, regions=[(BASE, 16 * MiB), (0x4800_0000, 32 * MiB)])
    assert dtb_addr(gen(text, "solo.toml")) == 0x4900_0000


def test_a_ramdisk_where_qemu_puts_the_dtb_is_an_error(gen, tmp_path):
    # 16 MiB: QEMU's initrd slot is 0x4080_0000 and the DTB would follow a
    # 0x3001-byte initrd at 0x40a0_0000, where this config loads its ramdisk.
    kernel_file(tmp_path / "kernel.bin", 0x3008)
    (tmp_path / "ramdisk.bin").write_bytes(b"\x5a" * 0x3001)
    result = gen(config(16 * MiB, 0x4008_0000, 0x40a0_0000), "solo.toml")
    assert_one_line_error(result, (
        f"error: {tmp_path / 'solo.toml'}: kernel: the device tree's default place, 0x40a00000-0x40a01000 "
        "(QEMU's: after the initrd slot at 0x40800000), overlaps the ramdisk image at 0x40a00000-0x40a03001; "
        "load the ramdisk at 0x40800000 as QEMU does, or set kernel.dtb_load_addr"))


def test_a_kernel_file_longer_than_its_image_size_in_the_way_is_an_error(gen, tmp_path):
    # The header says 0x12000 bytes, the file has 9 MiB: QEMU's place for the
    # DTB, 0x4080_0000, is inside the file as loaded.
    kernel_file(tmp_path / "kernel.bin", 9 * MiB, 0x80000, 0x12000)
    result = gen(config(16 * MiB, 0x4008_0000), "solo.toml")
    assert_one_line_error(result, (
        f"error: {tmp_path / 'solo.toml'}: kernel: the device tree's default place, 0x40800000-0x40801000 "
        "(QEMU's: after the initrd slot at 0x40800000), overlaps the kernel image at 0x40080000-0x40980000; "
        "set kernel.dtb_load_addr"))


def test_the_error_names_the_key_of_the_partition(gen, tmp_path):
    kernel_file(tmp_path / "kernel.bin", 0x3008)
    (tmp_path / "ramdisk.bin").write_bytes(b"\x5a" * 0x3001)
    vm = config(16 * MiB, 0x4008_0000, 0x40a0_0000).replace("[base]", "[[vm]]\n[vm.base]")
    vm = vm.replace("[kernel]", "[vm.kernel]").replace("[devices]", "[vm.devices]")
    result = gen('board = "qemu-aarch64-virt"\n' + vm)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("set vm[0].kernel.dtb_load_addr"), result.stderr


def test_no_room_before_the_end_of_ram_is_an_error(gen, tmp_path):
    # image_size 0xf8_0000 from 0x4008_0000 ends at 0x4100_0000, the end of
    # 16 MiB: plain QEMU stops too ("Not enough space for DTB after
    # kernel/initrd").
    kernel_file(tmp_path / "kernel.bin", 0x3008, 0x80000, 0xf80000)
    result = gen(config(16 * MiB, 0x4008_0000), "solo.toml")
    assert_one_line_error(result, (
        f"error: {tmp_path / 'solo.toml'}: kernel: the device tree's default place, 0x41000000-0x41001000 "
        "(QEMU's: after the initrd slot at 0x41000000), is past the end of the kernel's memory region "
        "0x40000000-0x41000000; set kernel.dtb_load_addr"))


@pytest.mark.parametrize("addr", [0x4000_0000, 0x40f0_0000], ids=hex)
def test_dtb_load_addr_still_decides(gen, tmp_path, addr):
    # The two configs above, each made to work by the fix the error names.
    kernel_file(tmp_path / "kernel.bin", 0x3008, 0x80000, 0xf80000 if addr == 0x4000_0000 else 0)
    (tmp_path / "ramdisk.bin").write_bytes(b"\x5a" * 0x3001)
    ramdisk = None if addr == 0x4000_0000 else 0x40a0_0000
    if ramdisk is None:
        (tmp_path / "ramdisk.bin").unlink()
    result = gen(config(16 * MiB, 0x4008_0000, ramdisk, extra=f"dtb_load_addr = {addr:#x}\n"), "solo.toml")
    assert dtb_addr(result) == addr
    layout = (result.outdir / "layout.txt").read_text()
    assert f"device tree at {addr:#x} (" in layout and " bytes, dtb_load_addr)" in layout


def test_restart_copy_holds_the_dtb_at_its_new_place(gen, tmp_path):
    """A restarting partition's pristine copy of the device tree is put back
    at the device tree's address, which is QEMU's now."""
    kernel_file(tmp_path / "kernel.bin", 0x3008)
    result = gen(config(16 * MiB, 0x4008_0000).replace("phys_cpu_sets = [0x1]\n",
                                                       "phys_cpu_sets = [0x1]\nrestart = true\n"), "solo.toml")
    assert dtb_addr(result) == 0x4080_0000
    ld = (result.outdir / "tessera.ld").read_text()
    assert ".guest.vm0.dtb.copy " in ld
    pc = (result.outdir / "partitions.c").read_text()
    hpa = int(re.search(r"\.gpa = 0x40000000, \.hpa = (0x[0-9a-f]+)", pc)[1], 16)
    copies = re.findall(r"\{ \.to = (0x[0-9a-f]+), \.from = 0x[0-9a-f]+, \.size = 0x[0-9a-f]+ \},  /\* dtb \*/", pc)
    assert copies == [hex(hpa + 0x80_0000)]
