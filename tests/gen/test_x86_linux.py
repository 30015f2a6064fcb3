"""x86_64 Linux partitions (gen/tessera_gen/x86_linux.py): a bzImage's
protected-mode part placed at its load address, the boot data the 64-bit
boot protocol wants (zero page with the image's setup header, e820 of
exactly the partition's RAM, command line, GDT, identity page tables, ACPI
tables naming its vCPUs' APIC ids and its virtual I/O APIC), and one-line
refusals of a kernel or layout that cannot boot."""

import pytest

from gentest import assert_one_line_error, edit

SETUP_SECTS = 3
INIT_SIZE = 0x80_0000
SKIP = (SETUP_SECTS + 1) * 512
BOOT = 0x1_0000                         # X86_LINUX_BOOT_GPA


def bzimage(version=0x20f, xloadflags=0x7f, init_size=INIT_SIZE):
    """A fake bzImage: a setup header (Documentation/x86/boot.rst) in front
    of recognisable protected-mode bytes."""
    img = bytearray(SKIP + 0x3000)
    img[0x1f1] = SETUP_SECTS
    img[0x201] = 0x6a                   # the header ends at 0x202 + 0x6a = 0x26c
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = version.to_bytes(2, "little")
    img[0x211] = 0x01                   # LOADED_HIGH
    img[0x22c:0x230] = (0x7fffffff).to_bytes(4, "little")      # initrd_addr_max
    img[0x230:0x234] = (0x20_0000).to_bytes(4, "little")       # kernel_alignment
    img[0x236:0x238] = xloadflags.to_bytes(2, "little")
    img[0x238:0x23c] = (0x7ff).to_bytes(4, "little")           # cmdline_size
    img[0x258:0x260] = (0x100_0000).to_bytes(8, "little")      # pref_address
    img[0x260:0x264] = init_size.to_bytes(4, "little")
    for i in range(SKIP, len(img)):
        img[i] = i * 13 & 0xff
    return bytes(img)


LINUX_TOML = """\
board = "qemu-x86_64-q35"

[[vm]]
[vm.base]
id = 1
name = "lx"
cpu_num = 2
phys_cpu_ids = [0x0, 0x5]
phys_cpu_sets = [0x1, 0x2]
[vm.kernel]
entry_point = 0x100_0200
kernel_path = "bzImage"
kernel_load_addr = 0x100_0000
ramdisk_path = "initrd"
ramdisk_load_addr = 0x200_0000
cmdline = "console=ttyS0 quiet"
memory_regions = [[0x0, 0x400_0000, 0x7, 0]]
[vm.devices]
emu_devices = [["com1", 0x3f8, 0x8, 4, 0x2, []]]
"""


@pytest.fixture
def linux(gen, tmp_path, board_dotconfig):
    (tmp_path / "bzImage").write_bytes(bzimage())
    (tmp_path / "initrd").write_bytes(b"070701" + bytes(0x1000))
    config = board_dotconfig("qemu-x86_64-q35")
    return lambda text=LINUX_TOML: gen(text, "system.toml", kconfig=config)


def u(data, off, n):
    return int.from_bytes(data[off:off + n], "little")


def sdt(data, gpa):
    """The ACPI table at guest address gpa of the boot data: its bytes, checked to sum to 0."""
    off = gpa - BOOT
    length = u(data, off + 4, 4)
    table = data[off:off + length]
    assert sum(table) & 0xff == 0, table[:4]
    return table


def test_boot_data(linux):
    result = linux()
    assert result.returncode == 0, result.stderr
    data = (result.outdir / "lx.dtb").read_bytes()
    zp = data[0:0x1000]
    assert zp[0x1f1] == SETUP_SECTS and zp[0x202:0x206] == b"HdrS"      # the image's setup header
    assert zp[0x210] == 0xff                                            # type_of_loader
    assert u(zp, 0x214, 4) == 0x100_0000                                # code32_start
    assert u(zp, 0x218, 4) == 0x200_0000 and u(zp, 0x21c, 4) == 0x1006  # the initrd
    assert u(zp, 0x228, 4) == BOOT + 0x1000                             # cmd_line_ptr
    assert data[0x1000:0x1000 + 34].rstrip(b"\0") == b"console=ttyS0 quiet tsc_early_khz="
    # e820: the RAM, the ACPI tables' page and the legacy hole cut out
    e820 = [(u(zp, 0x2d0 + 20 * i, 8), u(zp, 0x2d8 + 20 * i, 8), u(zp, 0x2e0 + 20 * i, 4))
            for i in range(zp[0x1e8])]
    assert e820 == [(0x0, 0x12000, 1), (0x12000, 0x1000, 3), (0x13000, 0x8d000, 1),
                    (0xa0000, 0x60000, 2), (0x100000, 0x3f00000, 1)]
    # GDT: __BOOT_CS 64-bit code, __BOOT_DS flat data; PML4 -> PDPT -> 2 MiB identity pages
    assert u(data, 0x1810, 8) == 0x00af9a000000ffff and u(data, 0x1818, 8) == 0x00cf92000000ffff
    assert u(data, 0x3000, 8) == BOOT + 0x4000 | 3
    assert u(data, 0x4000 + 8 * 3, 8) == BOOT + 0x8000 | 3
    assert u(data, 0x8000 + 8 * 511, 8) == 0xffe0_0000 | 0x83
    # ACPI: RSDP -> RSDT -> FADT (PM registers at 0x600), MADT (APIC ids 0 and 5, the I/O APIC)
    rsdp = u(zp, 0x70, 8)
    r = data[rsdp - BOOT:rsdp - BOOT + 20]
    assert r[:8] == b"RSD PTR " and sum(r) & 0xff == 0
    rsdt = sdt(data, u(r, 16, 4))
    fadt, madt = sdt(data, u(rsdt, 36, 4)), sdt(data, u(rsdt, 40, 4))
    assert fadt[:4] == b"FACP" and u(fadt, 64, 4) == 0x604 and u(fadt, 76, 4) == 0x608
    # FADT revision 3 (acpi_reboot wants 2 or later): RESET_REG_SUP, the reset
    # register at I/O port 0xcf9 (8 bits, byte access) with value 6; no 8042,
    # no VGA, and no CMOS RTC (this partition has none)
    assert fadt[8] == 3 and len(fadt) == 244 and u(fadt, 112, 4) & 1 << 10
    assert fadt[116:128] == bytes([1, 8, 0, 1]) + (0xcf9).to_bytes(8, "little") and fadt[128] == 6
    assert u(fadt, 109, 2) == 1 << 0 | 1 << 2 | 1 << 5
    assert fadt[208:220] == bytes([1, 32, 0, 0]) + (0x608).to_bytes(8, "little")    # X_PM_TMR_BLK
    assert sdt(data, u(fadt, 40, 4))[36:] == b"\x08_S5_\x12\x06\x04\0\0\0\0"     # and no RTC device
    assert madt[:4] == b"APIC" and u(madt, 36, 4) == 0xfee00000
    assert madt[44:60] == bytes([0, 8, 0, 0, 1, 0, 0, 0, 0, 8, 1, 5, 1, 0, 0, 0])
    assert madt[60:72] == bytes([1, 12, 0, 0]) + (0xfec00000).to_bytes(4, "little") + bytes(4)
    # the image's protected-mode part is what is placed, and vCPU 0 starts in long mode
    assert f'bzImage", {SKIP}' in (result.outdir / "guest_images.S").read_text()
    c = (result.outdir / "partitions.c").read_text()
    assert f"{{ .cr3 = {BOOT + 0x3000:#x}, .gdt = {BOOT + 0x1800:#x}, .gdt_limit = 0x1f," in c


@pytest.mark.parametrize("old, new, expected", [
    ("entry_point = 0x100_0200", "entry_point = 0x100_0000",
     "vm[0].kernel.entry_point: 0x1000000 is not bzImage's 64-bit entry, kernel_load_addr + 0x200 = 0x1000200"),
    ("kernel_load_addr = 0x100_0000", "kernel_load_addr = 0x110_0000",
     "vm[0].kernel.kernel_load_addr: 0x1100000 is not a multiple of bzImage's kernel_alignment 0x200000; load it "
     "at its pref_address 0x1000000"),
    ("ramdisk_load_addr = 0x200_0000", "ramdisk_load_addr = 0x170_0000",
     "vm[0].kernel.ramdisk_path: the ramdisk at 0x1700000-0x1701006 lies in the kernel's 0x1000000-0x1800000 "
     "(init_size from its load address, where it decompresses); move it above"),
    ("memory_regions = [[0x0, 0x400_0000, 0x7, 0]]", "memory_regions = [[0x0, 0x140_0000, 0x7, 0], "
     "[0x200_0000, 0x10_0000, 0x7, 0]]",
     "vm[0].kernel.kernel_path: the kernel needs 0x1000000-0x1800000 (init_size from its load address) in one "
     "memory region; enlarge the region"),
    ('cmdline = "console=ttyS0 quiet"', 'cmdline = "' + "x" * 2030 + '"',
     "vm[0].kernel.cmdline: is 2030 bytes; at most 2022 leave the kernel room for Tessera's tsc_early_khz="),
])
def test_linux_refusals(linux, tmp_path, old, new, expected):
    result = linux(edit(LINUX_TOML, old, new))
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: {expected}")


def test_a_bzimage_without_a_64_bit_entry_is_refused(linux, tmp_path):
    (tmp_path / "bzImage").write_bytes(bzimage(xloadflags=0))
    assert_one_line_error(linux(), f"error: {tmp_path / 'system.toml'}: vm[0].kernel.kernel_path: bzImage is a "
                                   "bzImage of boot protocol 2.15 without a 64-bit entry (xloadflags XLF_KERNEL_64); "
                                   "Tessera enters Linux in long mode: use an x86_64 kernel of protocol 2.12 or later")


RTC = 'emu_devices = [["com1", 0x3f8, 0x8, 4, 0x2, []], ["rtc", 0x70, 0x2, 0, 0x4, []]]'


def test_an_emulated_rtc(linux):
    """emu_type 0x4 at ports 0x70-0x71: an EMU_RTC device on ports, and the
    FADT no longer says "CMOS RTC not present"."""
    result = linux(edit(LINUX_TOML, 'emu_devices = [["com1", 0x3f8, 0x8, 4, 0x2, []]]', RTC))
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = X86_IO_PORT(0x70), .size = 0x2, .kind = EMU_RTC, .irq = 0 }" in c
    data = (result.outdir / "lx.dtb").read_bytes()
    rsdt = sdt(data, u(data, u(data, 0x70, 8) - BOOT + 16, 4))
    fadt = sdt(data, u(rsdt, 36, 4))
    assert u(fadt, 109, 2) == 1 << 0 | 1 << 2
    # the DSDT describes it (PNP0B00, ports 0x70-0x71, no IRQ) after \_S5
    dsdt = sdt(data, u(fadt, 40, 4))
    assert dsdt[48:] == (b"\x10\x2a\\_SB_\x5b\x82\x22RTC_\x08_HID\x0c\x41\xd0\x0b\x00"
                         b"\x08_CRS\x11\x0d\x0a\x0a\x47\x01\x70\x00\x70\x00\x01\x02\x79\x00")


@pytest.mark.parametrize("device, expected", [
    ('["rtc", 0x70, 0x2, 8, 0x4, []]', "vm[0].devices.emu_devices[1][3]: irq 8: the emulated RTC raises no "
     "interrupt (no alarm, periodic or update interrupts); set it to 0"),
    ('["rtc", 0x170, 0x2, 0, 0x4, []]', "vm[0].devices.emu_devices[1]: ports 0x170-0x172: the emulated RTC is at "
     "a PC's ports 0x70-0x72, e.g. [\"rtc\", 0x70, 0x2, 0, 0x4, []]"),
    ('["rtc", 0x70, 0x2, 0, 0x4, []], ["rtc2", 0x70, 0x2, 0, 0x4, []]', "vm[0].devices.emu_devices[2]: a partition "
     "has at most one emulated RTC (emu_type 0x4)"),
])
def test_emulated_rtc_refusals(linux, tmp_path, device, expected):
    result = linux(edit(LINUX_TOML, '["com1", 0x3f8, 0x8, 4, 0x2, []]]', '["com1", 0x3f8, 0x8, 4, 0x2, []], '
                        + device + "]"))
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: {expected}")
