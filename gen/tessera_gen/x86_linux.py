"""x86_64: what a Linux bzImage needs to boot in a partition by the 64-bit
boot protocol (the kernel's Documentation/x86/boot.rst): its protected-mode
part at the load address, and one block of boot data at X86_LINUX_BOOT_GPA
the generator writes: the zero page (struct boot_params: the bzImage's setup
header, an e820 map of exactly the partition's RAM, the command line, the
initrd, the ACPI tables' address), the command line, a GDT with __BOOT_CS and
__BOOT_DS, identity page tables for the first 4 GiB, and the partition's ACPI
tables (RSDP, RSDT, FADT, FACS, DSDT, MADT). Tessera enters the kernel at its
64-bit entry in long mode with RSI = the zero page (arch/x86_64/svm.c).

Why ACPI and not an MP table: Debian's kernel powers a PC off only through
ACPI (the FADT's PM1a control block and the DSDT's \\_S5), and its TSC
calibration needs a reference timer when the PIT's is unusable (as under
TCG): the FADT names the partition's emulated ACPI PM timer. With an FADT
present Linux reads its CPUs and I/O APIC from the MADT, and an MP table
would be ignored; so the MADT is the CPU table (docs/linux.md)."""

from .errors import ConfigError
from .model import EMU_RTC, MEM_DEVICE, PAGE
from .validate import RTC_PORT, RTC_PORTS, overlaps, region_of, rng

X86_LINUX_BOOT_GPA = 0x1_0000          # the boot data block, in the first 1 MiB (Linux reserves it)
BOOT_DATA_SIZE = 0x9000
ZERO_PAGE, CMDLINE, GDT, ACPI, PML4, PDPT, PD = 0x0, 0x1000, 0x1800, 0x2000, 0x3000, 0x4000, 0x5000
GDT_LIMIT = 4 * 8 - 1                  # null, null, __BOOT_CS (0x10), __BOOT_DS (0x18)
ENTRY_64 = 0x200                       # startup_64: the protected-mode kernel + 0x200
MIN_PROTOCOL = 0x20c                   # 2.12: xloadflags says whether there is a 64-bit entry
XLF_KERNEL_64 = 1 << 0
LOADED_HIGH = 1 << 0
E820_RAM, E820_RESERVED, E820_ACPI = 1, 2, 3
E820_MAX = 128                         # entries the zero page holds
LEGACY_HOLE = (0xA_0000, 0x10_0000)    # VGA and BIOS ROMs on a PC: reserved, never RAM to Linux
LOADER_UNDEFINED = 0xff                # type_of_loader: a boot loader without an assigned id
ACPI_PM_BASE = 0x600                   # the partition's ACPI PM registers, as on q35 (acpi_pm.c)
SCI_IRQ = 9
FADT_REVISION, FADT_SIZE = 3, 244      # ACPI 2.0's FADT: the reset register and the X_ (GAS) blocks
FADT_WBINVD, FADT_PROC_C1, FADT_RESET_REG_SUP = 1 << 0, 1 << 2, 1 << 10
BOOT_ARCH_LEGACY_DEVICES, BOOT_ARCH_VGA_NOT_PRESENT, BOOT_ARCH_CMOS_RTC_NOT_PRESENT = 1 << 0, 1 << 2, 1 << 5
GAS_SYSTEM_IO = 1
RESET_PORT, RESET_VALUE = 0xCF9, 0x6   # ICH9 RST_CNT: SYS_RST | RST_CPU, a hard reset (svm_exit.c)
IOAPIC_GPA, LAPIC_GPA = 0xFEC0_0000, 0xFEE0_0000


def _u(n, v):
    return v.to_bytes(n, "little")


def read_bzimage(vm):
    """If vm's kernel is a bzImage (\"HdrS\" at 0x202), check it has a 64-bit
    entry and that entry_point names it, make vm.kernel its protected-mode
    part (what is placed at kernel_load_addr) and keep its setup header in
    vm.linux. Other kernels (multiboot) are left alone."""
    with open(vm.kernel.path, "rb") as f:
        head = f.read(0x400)
    vm.linux = None
    if len(head) < 0x264 or head[0x202:0x206] != b"HdrS":
        return
    key = vm.key(vm.kernel.key)
    name = vm.kernel.path.name
    version = int.from_bytes(head[0x206:0x208], "little")
    xloadflags = int.from_bytes(head[0x236:0x238], "little")
    if version < MIN_PROTOCOL or not xloadflags & XLF_KERNEL_64:
        raise ConfigError(vm.file, key, f"{name} is a bzImage of boot protocol {version >> 8}.{version & 0xff} "
                                        "without a 64-bit entry (xloadflags XLF_KERNEL_64); Tessera enters Linux "
                                        "in long mode: use an x86_64 kernel of protocol 2.12 or later")
    setup_sects = head[0x1f1] or 4
    skip = (setup_sects + 1) * 512
    if vm.kernel.size <= skip:
        raise ConfigError(vm.file, key, f"{name} ends inside its own real-mode setup ({setup_sects} sectors); "
                                        "the file is truncated")
    align = int.from_bytes(head[0x230:0x234], "little")
    init_size = int.from_bytes(head[0x260:0x264], "little")
    load = vm.kernel.gpa
    if align and load % align:
        raise ConfigError(vm.file, vm.key("kernel.kernel_load_addr"),
                          f"{load:#x} is not a multiple of {name}'s kernel_alignment {align:#x}; load it at "
                          f"its pref_address {int.from_bytes(head[0x258:0x260], 'little'):#x}")
    if vm.entry != load + ENTRY_64:
        raise ConfigError(vm.file, vm.key("kernel.entry_point"),
                          f"{vm.entry:#x} is not {name}'s 64-bit entry, kernel_load_addr + {ENTRY_64:#x} = "
                          f"{load + ENTRY_64:#x}")
    hdr_end = 0x202 + head[0x201]
    vm.kernel.skip = skip
    vm.kernel.size -= skip
    vm.linux = dict(header=head[0x1f1:hdr_end], init_size=max(init_size, vm.kernel.size),
                    cmdline_size=int.from_bytes(head[0x238:0x23c], "little") if version >= 0x206 else 255,
                    initrd_max=int.from_bytes(head[0x22c:0x230], "little"))


def check_linux(vm):
    """After placement: the kernel's whole footprint (init_size from the load
    address, where it decompresses), the initrd and the boot data lie in RAM
    and apart; the command line fits the kernel's cmdline_size."""
    lx = vm.linux
    kkey = vm.key(vm.kernel.key)
    if region_of(vm, vm.kernel.gpa, lx["init_size"]) is None:
        raise ConfigError(vm.file, kkey, f"the kernel needs {rng(vm.kernel.gpa, lx['init_size'])} (init_size from "
                                         "its load address) in one memory region; enlarge the region")
    for what, gpa, size, key in ((("ramdisk", vm.ramdisk.gpa, vm.ramdisk.size, vm.ramdisk.key),) if vm.ramdisk
                                 else ()) + (("boot data", vm.dtb.gpa, vm.dtb.size, vm.dtb.key),):
        if overlaps(gpa, size, vm.kernel.gpa, lx["init_size"]):
            raise ConfigError(vm.file, vm.key(key), f"the {what} at {rng(gpa, size)} lies in the kernel's "
                                                    f"{rng(vm.kernel.gpa, lx['init_size'])} (init_size from its "
                                                    "load address, where it decompresses); move it above")
    if vm.ramdisk and vm.ramdisk.gpa + vm.ramdisk.size - 1 > lx["initrd_max"]:
        raise ConfigError(vm.file, vm.key(vm.ramdisk.key), f"the ramdisk ends above {lx['initrd_max']:#x}, "
                                                           "the kernel's initrd_addr_max")
    if len(vm.cmdline) > _cmdline_limit(vm):
        raise ConfigError(vm.file, vm.key("kernel.cmdline"), f"is {len(vm.cmdline)} bytes; at most "
                                                             f"{_cmdline_limit(vm)} leave the kernel room for "
                                                             f"Tessera's{TSC_KHZ_PARAM}")


# Tessera tells the kernel the TSC's rate it measured at boot (docs/linux.md,
# "Time"): the generator ends the command line with this parameter and room
# for its decimal value, which the hypervisor writes before vCPU 0 starts.
TSC_KHZ_PARAM = " tsc_early_khz="
TSC_KHZ_DIGITS = 11                    # 10 digits (a 32-bit kHz value) and the NUL
CMDLINE_MAX = GDT - CMDLINE - len(TSC_KHZ_PARAM) - TSC_KHZ_DIGITS


def _cmdline_limit(vm):
    return min(vm.linux["cmdline_size"] - len(TSC_KHZ_PARAM) - TSC_KHZ_DIGITS + 1, CMDLINE_MAX)


def e820_map(vm, acpi_gpa):
    """[(base, size, type)]: the partition's RAM, with the ACPI tables' page
    (ACPI) and the PC's legacy hole (reserved) cut out of it, sorted."""
    out = []
    for r in sorted((r for r in vm.regions if not r.flags & MEM_DEVICE), key=lambda r: r.gpa):
        cuts = [(acpi_gpa, PAGE, E820_ACPI), (LEGACY_HOLE[0], LEGACY_HOLE[1] - LEGACY_HOLE[0], E820_RESERVED)]
        pos = r.gpa
        for base, size, kind in sorted(cuts):
            lo, hi = max(base, r.gpa), min(base + size, r.gpa_end)
            if lo >= hi:
                continue
            if lo > pos:
                out.append((pos, lo - pos, E820_RAM))
            out.append((lo, hi - lo, kind))
            pos = hi
        if pos < r.gpa_end:
            out.append((pos, r.gpa_end - pos, E820_RAM))
    return out


def _sdt(sig, body, revision=1):
    """An ACPI table: the 36-byte header (ACPI 6.4, 5.2.6) and body, checksummed."""
    head = bytearray(sig + _u(4, 36 + len(body)) + bytes([revision, 0]) + b"TESSRA" + b"PARTITN "
                     + _u(4, 1) + b"TSRA" + _u(4, 1))
    t = head + body
    t[9] = -sum(t) & 0xff
    return bytes(t)


def has_rtc(vm):
    """Whether the partition has a CMOS RTC at ports 0x70-0x71: emulated
    (emu_type 0x4) or the board's passed through."""
    return any(d.type == EMU_RTC for d in vm.emu) or any(
        overlaps(p.gpa, p.size, RTC_PORT, RTC_PORTS) for p in getattr(vm, "ports", []))


def _gas(bits, address, access=0):
    """An ACPI Generic Address Structure (ACPI 6.4, 5.2.3.2) in system I/O space."""
    return bytes([GAS_SYSTEM_IO, bits, 0, access]) + _u(8, address)


def _aml_package(op, body):
    """An AML term with a one-byte PkgLength (bodies under 63 bytes)."""
    assert len(body) + 1 < 64
    return op + bytes([len(body) + 1]) + body


def _rtc_device():
    """AML for Scope (\\_SB) { Device (RTC) { Name (_HID, EisaId ("PNP0B00"));
    Name (_CRS, ResourceTemplate () { IO (Decode16, 0x70, 0x70, 1, 2) }) } }:
    the partition's CMOS RTC with its ports and no interrupt, so Linux's
    rtc_cmos offers no alarms rather than wait on IRQ 8, which the emulated
    RTC never raises (ACPI 6.4, 20.2 for the encoding, 6.4.2.5 for IO)."""
    io = bytes([0x47, 0x01, RTC_PORT, 0, RTC_PORT, 0, 0x01, RTC_PORTS, 0x79, 0x00])  # IO, then End Tag
    hid = bytes([0x08]) + b"_HID" + bytes([0x0C]) + _u(4, 0x000BD041)              # EisaId ("PNP0B00")
    crs = bytes([0x08]) + b"_CRS" + _aml_package(bytes([0x11]), bytes([0x0A, len(io)]) + io)   # Buffer
    device = _aml_package(bytes([0x5B, 0x82]), b"RTC_" + hid + crs)
    return _aml_package(bytes([0x10]), b"\\_SB_" + device)


def acpi_tables(vm, base):
    """The partition's ACPI tables at base (one page): RSDP (revision 0),
    RSDT, FADT (revision 3, ACPI 2.0: PM1a event and control blocks and the
    PM timer at ACPI_PM_BASE, SCI on IRQ 9, the reset register at port
    0xcf9, IAPC_BOOT_ARCH saying what legacy devices it has), FACS, a DSDT
    holding \\_S5 and its RTC if it has one, and a MADT with a local APIC per vCPU (its virtual
    APIC id), the virtual I/O APIC and the ISA overrides a PC has (IRQ 0 on
    pin 2, the SCI level triggered)."""
    rsdp_at, facs_at, rsdt_at, fadt_at, dsdt_at, madt_at = (base + o for o in (0, 0x40, 0x80, 0x100, 0x200, 0x280))
    rsdp = bytearray(b"RSD PTR " + b"\0" + b"TESSRA" + b"\0" + _u(4, rsdt_at))
    rsdp[8] = -sum(rsdp) & 0xff
    facs = b"FACS" + _u(4, 64) + bytes(56)
    rsdt = _sdt(b"RSDT", _u(4, fadt_at) + _u(4, madt_at))
    fadt = bytearray(FADT_SIZE - 36)

    def put(off, n, v):
        fadt[off - 36:off - 36 + n] = v if isinstance(v, bytes) else _u(n, v)
    put(36, 4, facs_at)
    put(40, 4, dsdt_at)
    put(46, 2, SCI_IRQ)
    put(56, 4, ACPI_PM_BASE)            # PM1a_EVT_BLK: status and enable
    put(64, 4, ACPI_PM_BASE + 4)        # PM1a_CNT_BLK: SCI_EN, SLP_TYP, SLP_EN
    put(76, 4, ACPI_PM_BASE + 8)        # PM_TMR_BLK: 24 bits at 3.579545 MHz
    put(88, 1, 4)                       # PM1_EVT_LEN
    put(89, 1, 2)                       # PM1_CNT_LEN
    put(91, 1, 4)                       # PM_TMR_LEN
    put(96, 2, 101)                     # P_LVL2_LAT > 100: no C2
    put(98, 2, 1001)                    # P_LVL3_LAT > 1000: no C3
    # IAPC_BOOT_ARCH: ISA-style devices (its 16550), no VGA, no 8042 (only
    # its reset pulse is emulated: Linux's i8042 driver does not probe), and
    # "CMOS RTC not present" unless it has one (then Linux neither reads it
    # at boot nor registers rtc_cmos).
    put(109, 2, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_VGA_NOT_PRESENT |
        (0 if has_rtc(vm) else BOOT_ARCH_CMOS_RTC_NOT_PRESENT))
    put(112, 4, FADT_WBINVD | FADT_PROC_C1 | FADT_RESET_REG_SUP)
    # RESET_REG: ICH9's reset control register, RESET_VALUE 6 = a hard reset
    # (SYS_RST, RST_CPU): Linux's first reboot method (acpi_reboot needs
    # FADT revision 2 or later); Tessera restarts the partition by its
    # restart policy (svm_exit.c).
    put(116, 12, _gas(8, RESET_PORT, access=1))
    put(128, 1, RESET_VALUE)
    put(132, 8, facs_at)                # X_FIRMWARE_CTRL, X_DSDT: the same tables
    put(140, 8, dsdt_at)
    put(148, 12, _gas(32, ACPI_PM_BASE))        # X_PM1a_EVT_BLK
    put(172, 12, _gas(16, ACPI_PM_BASE + 4))    # X_PM1a_CNT_BLK
    put(208, 12, _gas(32, ACPI_PM_BASE + 8))    # X_PM_TMR_BLK
    fadt = _sdt(b"FACP", bytes(fadt), revision=FADT_REVISION)
    # Name (_S5, Package (4) {0, 0, 0, 0}): what ACPI writes to SLP_TYP to power off.
    dsdt = _sdt(b"DSDT", bytes([0x08]) + b"_S5_" + bytes([0x12, 0x06, 0x04, 0, 0, 0, 0])
                + (_rtc_device() if has_rtc(vm) else b""))
    madt = _u(4, LAPIC_GPA) + _u(4, 0)                  # no 8259s in a partition: not PCAT_COMPAT
    for i, v in enumerate(vm.vcpus):
        madt += bytes([0, 8, i, v.virt_id]) + _u(4, 1)  # Processor Local APIC, enabled
    madt += bytes([1, 12, 0, 0]) + _u(4, IOAPIC_GPA) + _u(4, 0)     # I/O APIC id 0, GSI 0-23
    madt += bytes([2, 10, 0, 0]) + _u(4, 2) + _u(2, 0)              # ISA IRQ 0 -> GSI 2
    madt += bytes([2, 10, 0, SCI_IRQ]) + _u(4, SCI_IRQ) + _u(2, 0xd)    # SCI: active high, level
    madt = _sdt(b"APIC", madt, revision=3)
    page = bytearray(PAGE)
    tables = ((rsdp_at, rsdp), (facs_at, facs), (rsdt_at, rsdt), (fadt_at, fadt), (dsdt_at, dsdt), (madt_at, madt))
    for (at, t), end in zip(tables, [at for at, _ in tables[1:]] + [base + PAGE]):
        assert at + len(t) <= end           # each table ends before the next begins
        page[at - base:at - base + len(t)] = t
    return bytes(page), rsdp_at


def linux_boot_registers(vm):
    """What vCPU 0's CR3 and GDTR hold at the 64-bit entry (board.c.j2)."""
    return dict(cr3=vm.dtb.gpa + PML4, gdt=vm.dtb.gpa + GDT, gdt_limit=GDT_LIMIT,
                tsc_khz_at=vm.dtb.hpa + CMDLINE + len(vm.cmdline.encode() + TSC_KHZ_PARAM.encode()))


def linux_boot_data(vm, gpa=X86_LINUX_BOOT_GPA):
    """The boot data block for vm at gpa (BOOT_DATA_SIZE bytes)."""
    lx = vm.linux
    out = bytearray(BOOT_DATA_SIZE)
    acpi, rsdp = acpi_tables(vm, gpa + ACPI)
    out[ACPI:ACPI + PAGE] = acpi
    zp = bytearray(PAGE)
    zp[0x1f1:0x1f1 + len(lx["header"])] = lx["header"]

    def put(off, n, v):
        zp[off:off + n] = _u(n, v)
    put(0x070, 8, rsdp)                                 # acpi_rsdp_addr
    put(0x210, 1, LOADER_UNDEFINED)                     # type_of_loader
    put(0x211, 1, zp[0x211] | LOADED_HIGH)              # loadflags
    put(0x214, 4, vm.kernel.gpa)                        # code32_start: where the kernel is
    if vm.ramdisk:
        put(0x218, 4, vm.ramdisk.gpa)                   # ramdisk_image
        put(0x21c, 4, vm.ramdisk.size)                  # ramdisk_size
    put(0x228, 4, gpa + CMDLINE)                        # cmd_line_ptr
    e820 = e820_map(vm, gpa + ACPI)
    if len(e820) > E820_MAX:
        raise ConfigError(vm.file, vm.key("kernel.memory_regions"), f"makes {len(e820)} e820 entries; the zero "
                                                                    f"page holds {E820_MAX}: join regions")
    put(0x1e8, 1, len(e820))                            # e820_entries
    for i, (base, size, kind) in enumerate(e820):
        put(0x2d0 + 20 * i, 8, base)
        put(0x2d8 + 20 * i, 8, size)
        put(0x2e0 + 20 * i, 4, kind)
    out[ZERO_PAGE:ZERO_PAGE + PAGE] = zp
    cmd = vm.cmdline.encode() + TSC_KHZ_PARAM.encode()     # the value: written by the hypervisor
    out[CMDLINE:CMDLINE + len(cmd)] = cmd
    # __BOOT_CS: 64-bit code, execute/read; __BOOT_DS: flat 4 GiB data, read/write.
    out[GDT + 0x10:GDT + 0x20] = _u(8, 0x00af9a000000ffff) + _u(8, 0x00cf92000000ffff)
    # Identity map of the first 4 GiB with 2 MiB pages (P, RW, PS).
    out[PML4:PML4 + 8] = _u(8, gpa + PDPT | 0x3)
    for i in range(4):
        out[PDPT + 8 * i:PDPT + 8 * i + 8] = _u(8, gpa + PD + i * PAGE | 0x3)
        for j in range(512):
            at = PD + i * PAGE + 8 * j
            out[at:at + 8] = _u(8, (i << 30 | j << 21) | 0x83)
    return bytes(out)
