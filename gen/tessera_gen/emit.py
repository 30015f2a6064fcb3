"""emit: translation tables, device trees and the Jinja2-rendered C, header,
assembly, linker script and report, all into one output directory."""

import re
from pathlib import Path
from types import SimpleNamespace

import jinja2

from . import pagetable as pt
from .msrs import msrpm_bitmap
from .arch import info
from .emu_table import emu_table
from .errors import ConfigError
from .model import EMU_RTC, EMU_SYSCON, MEM_DEVICE, PAGE
from .picture import layout_svg
from .schedule import slots as schedule_slots
from .x86_linux import ACPI_PM_BASE, RESET_PORT, linux_boot_registers
from .validate import rng

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# The hypervisor region's fixed parts (offsets from its base).
RODATA_OFF, PGTABLES_OFF, DATA_OFF = 0x80000, 0xC0000, 0x100000
MAX_TABLES = (DATA_OFF - PGTABLES_OFF) // pt.TABLE_SIZE
HYP_MIN_SIZE = 0x200000
DEVICE_GRAIN = 0x200000


def hyp_layout(board):
    if board.hyp_size < HYP_MIN_SIZE or board.hyp_base % HYP_MIN_SIZE:
        raise ConfigError(board.dir / "board.toml", "hypervisor",
                          "base and size must be 2 MiB-aligned and size at least 2 MiB")
    b = board.hyp_base
    return SimpleNamespace(base=b, size=board.hyp_size, rodata=b + RODATA_OFF,
                           pgtables=b + PGTABLES_OFF, data=b + DATA_OFF, pt_root=b + PGTABLES_OFF)


def build_tables(system, hyp, config_file):
    board = system.board
    riscv, x86 = board.arch == "riscv64", board.arch == "x86_64"
    pool = pt.TablePool(hyp.pgtables, MAX_TABLES, pt.FORMATS[board.arch])
    hyp_attrs = pt.rv_hyp_attrs if riscv else pt.x86_hyp_attrs if x86 else pt.el2_attrs

    def guest_attrs(flags):
        return pt.rv_gstage_attrs(flags) if riscv else pt.x86_npt_attrs(flags) if x86 else pt.s2_attrs(flags)

    def guest_map(root, gpa, hpa, size, flags, note):
        attrs = guest_attrs(flags)
        if attrs is not None:       # riscv64, x86_64: no rights at all is no mapping
            pool.map(root, gpa, hpa, size, attrs, note)

    try:
        if x86:     # CR3 = the PML4 (table 0, TESSERA_HYP_PT_ROOT); maps go into its PDPT
            root = pool.new_pml4("hypervisor CR3")[1]
        else:
            root = pool.new("hypervisor HS-mode Sv39 root (satp)" if riscv else "hypervisor EL2 stage 1, level 1")
        # Devices, rounded out to 2 MiB blocks: the hypervisor is trusted with
        # them, and forwards partitions' accesses to the devices it shares.
        # Not the exit device's ECAM (up to 256 MiB of configuration space):
        # only the pages it uses, below.
        exit_dev = board.exit
        spans = sorted({(base - base % DEVICE_GRAIN,
                         -(-(base + size) // DEVICE_GRAIN) * DEVICE_GRAIN)
                        for path, base, size in board.devices if not exit_dev or path != exit_dev.node})
        merged = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            pool.map(root, lo, lo, hi - lo, hyp_attrs("device"), "devices")
        # The exit device: function 0 of each device on bus 0 and the page
        # of its BAR0, each a 4 KiB device page (unless a device block
        # above holds it already). Written too: the BAR, the command
        # register, the event register.
        for page in exit_dev.pages() if exit_dev else []:  # aarch64 only: x86's and riscv64's are ports, devices
            if not any(lo <= page < hi for lo, hi in merged):
                pool.map(root, page, page, PAGE, pt.el2_attrs("device"), "exit device")
        # RAM: the hypervisor's own parts with their rights, the rest data.
        parts = [(hyp.base, hyp.rodata, "text"), (hyp.rodata, hyp.data, "rodata"),
                 (hyp.data, hyp.base + hyp.size, "data")]
        for base, size in board.ram:
            # each bank around the hypervisor (x86's RAM has two banks)
            for lo, hi in [(base, min(hyp.base, base + size)), (max(hyp.base + hyp.size, base), base + size)]:
                if hi > lo:
                    pool.map(root, lo, lo, hi - lo, hyp_attrs("data"), "RAM")
        for lo, hi, kind in parts:
            pool.map(root, lo, lo, hi - lo, hyp_attrs(kind), f"hypervisor {kind}")

        for vm in system.vms:
            if riscv:
                s2 = pool.new(f"{vm.name} G-stage Sv39x4 root (hgatp)", pt.GSTAGE_ROOT_TABLES)
                vm.s2_root = pool.addr(s2)
            elif x86:
                pml4, s2 = pool.new_pml4(f"{vm.name} nested paging (nCR3)")
                vm.s2_root = pool.addr(pml4)
            else:
                s2 = pool.new(f"{vm.name} stage 2, level 1")
                vm.s2_root = pool.addr(s2)
            for r in vm.regions:
                guest_map(s2, r.gpa, r.hpa, r.size, r.flags, vm.name)
            # Devices whose pages the partition owns; a forwarded device's
            # page stays unmapped (the core forwards its accesses).
            for gpa, hpa, size, _ in vm.device_maps:
                guest_map(s2, gpa, hpa, size, 0x3 | MEM_DEVICE, vm.name)
            if vm.vgic_cpu:
                gpa, hpa, size = vm.vgic_cpu
                guest_map(s2, gpa, hpa, size, 0x3 | MEM_DEVICE, vm.name)
            for r in vm.channel_ends:       # shared memory: never executable
                guest_map(s2, r.gpa, r.hpa, r.size, r.flags, vm.name)
    except OverflowError as e:
        raise ConfigError(config_file, "", f"{e}; use fewer or larger, 2 MiB-aligned regions") from None
    return pool


X86_IOPM_BYTES = 3 * 4096                # AMD APM 15.10.1: 12 KiB, 4 KiB-aligned
X86_IOPM_ROW = 64


def permission_rows(bitmap):
    """An x86 permission map (a set bit: intercepted) in rows of 64 bytes
    as C initializer text, None for a row of only set bits."""
    rows = []
    for off in range(0, len(bitmap), X86_IOPM_ROW):
        row = bytes(bitmap[off:off + X86_IOPM_ROW])
        rows.append((off, None if row == b"\xff" * X86_IOPM_ROW else ", ".join(f"{b:#04x}" for b in row)))
    return rows


def x86_iopm_rows(ports):
    """The I/O permission map of a partition that owns ports: a bit per
    port, set (intercepted) but for its own; in rows of 64 bytes (512
    ports)."""
    bitmap = bytearray(b"\xff" * X86_IOPM_BYTES)
    for p in ports:
        for port in range(p.hpa, p.hpa + p.size):
            bitmap[port // 8] &= ~(1 << (port % 8)) & 0xFF
    return permission_rows(bitmap)


def x86_msrpm_rows(rules):
    """The MSR permission map of a partition that owns MSRs, in rows of 64
    bytes (256 MSRs)."""
    return permission_rows(msrpm_bitmap(rules))


def x86_msr_table(vm):
    """A partition's MSR rules as the template writes them, sorted by MSR:
    (msr, X86_MSR_* policy, its slot among the emulated ones, reset value);
    and how many are emulated and owned."""
    rules, emulated = [], 0
    for m in sorted(vm.msrs, key=lambda m: m.msr):
        rules.append(SimpleNamespace(msr=m.msr, policy="X86_MSR_" + m.policy.upper(),
                                     slot=emulated if m.policy == "emulated" else 0, reset=m.reset))
        emulated += m.policy == "emulated"
    return SimpleNamespace(rules=rules, emulated=emulated, owned=[m for m in vm.msrs if m.policy == "owned"])


def console_kind(board):
    """A partition's console (emu_type 0x2) is the model of the board's own
    UART: a PL011 on aarch64's virt, a 16550A on riscv64's."""
    return "EMU_VUART_NS16550" if "ns16550a" in board.console_compatible else "EMU_VUART_PL011"


def emu_kind(board, device):
    """struct emu_device.kind of an emu_devices entry (validate allowed its type)."""
    kinds = {EMU_SYSCON: "EMU_SYSCON", EMU_RTC: "EMU_RTC"}
    return kinds.get(device.type) or console_kind(board)


def _images(system, final):
    images = []
    for i, vm in enumerate(system.vms):
        def path_of(img):
            return final.resolve() / f"{vm.name}.dtb" if img.what == "dtb" else img.path.resolve()
        for img in vm_images(vm):
            images.append(SimpleNamespace(section=f"vm{i}.{img.what}", file=str(path_of(img)), hpa=img.hpa,
                                          skip=img.skip,
                                          comment=f"{vm.name} {img.what}: guest {rng(img.gpa, img.size)}"))
        for img, hpa in vm.copies:
            images.append(SimpleNamespace(section=f"vm{i}.{img.what}.copy", file=str(path_of(img)), hpa=hpa,
                                          skip=img.skip,
                                          comment=f"{vm.name} {img.what}: pristine copy for restarts"))
    return images


def vm_images(vm):
    out = []
    for img in (vm.kernel, vm.ramdisk, vm.dtb):
        if img is not None:
            name = img.path.name if img.path else f"{vm.name}.dtb"
            out.append(SimpleNamespace(what=img.what, name=name, gpa=img.gpa, size=img.size,
                                       hpa=img.hpa, path=img.path, skip=getattr(img, "skip", 0)))
    return out


def _flags(f):
    names = [n for bit, n in ((1, "MEM_READ"), (2, "MEM_WRITE"), (4, "MEM_EXEC"), (0x10, "MEM_DEVICE"))
             if f & bit]
    return " | ".join(names) or "0"


def asm_string(text):
    """text inside an assembler string ("..."): backslash and quote escaped."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def make_escape(text):
    """A file name as one word of a make prerequisite list: $ doubled, space
    and # escaped, and the backslashes right before those (or at the end)
    doubled, or make would read them as escapes."""
    return re.sub(r"(\\*)([ #]|$)", lambda m: m[1] * 2 + ("\\" + m[2] if m[2] else ""),
                  str(text).replace("$", "$$"))


def _schedules(system):
    """Each shared CPU's schedule as the templates write it: its frame as
    consecutive slots (windows and idle gaps) and its member vCPUs, by
    global vCPU index (vm.first_vcpu is set)."""
    first = {vm.name: vm.first_vcpu for vm in system.vms}
    return [SimpleNamespace(cpu=s.cpu, key=s.key, frame_us=s.major_frame_us, derived=s.derived,
                            slots=schedule_slots(s, first),
                            vcpus=[first[vm.name] + v.index for vm, v in s.members],
                            names=[f"vm {vm.name} vcpu {v.index}" for vm, v in s.members])
            for s in sorted(system.schedules, key=lambda s: s.cpu)]


def emit(system, hyp, pool, out, final, config_name):
    """Write into out; files name each other by their place in final."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.globals.update(hex=lambda v: f"{v:#x}", flags=_flags, rng=rng, vm_images=vm_images,
                       linux_boot_registers=linux_boot_registers,
                       x86_iopm_rows=x86_iopm_rows, x86_msrpm_rows=x86_msrpm_rows,
                       x86_msr_table=x86_msr_table,
                       x86_guest_ports=SimpleNamespace(acpi_pm_base=ACPI_PM_BASE, reset=RESET_PORT))
    env.filters["asm_string"] = asm_string

    owner = {}
    first = 0
    for vi, vm in enumerate(system.vms):
        vm.first_vcpu = first
        for v in vm.vcpus:
            owner[v.pcpu] = (first + v.index, f"vm {vm.name} vcpu {v.index}")
        first += len(vm.vcpus)
    schedules = _schedules(system)
    for s in schedules:
        owner[s.cpu] = (s.vcpus[0], f"shared by {s.key}: " + ", ".join(s.names))
    pcpus = [SimpleNamespace(hw_id=m, vcpu=owner.get(p, (-1, ""))[0], owner=owner.get(p, (-1, ""))[1])
             for p, m in enumerate(system.board.cpus)]

    # First: a partition whose trapped ranges overlap is refused before anything is written.
    emu_tables = {vm.name: emu_table(system.board, vm, lambda d: emu_kind(system.board, d)) for vm in system.vms}
    top = max([irq for vm in system.vms for irq, _ in vm.irqs], default=31)
    nr_spis = max(32, -(-(top + 1 - 32) // 32) * 32)
    ctx = dict(config_name=config_name, nr_spis=nr_spis, run_time_ms=system.run_time_ms, arch=info(system.board),
               emu_table=lambda vm: emu_tables[vm.name],
               channels=system.channels, board=system.board, vms=system.vms, hyp=hyp, pool=pool,
               pcpus=pcpus, nr_vcpus=first, schedules=schedules, images=_images(system, final))
    for vm in system.vms:
        (out / f"{vm.name}.dtb").write_bytes(vm.dtb_bytes)
    for name in ("layout.h", "partitions.c", "pagetables.c", "guest_images.S", "tessera.ld", "layout.txt"):
        text = env.get_template(name + ".j2").render(ctx)
        (out / name).write_text(text)
    (out / "layout.svg").write_text(layout_svg(system, hyp, pcpus, schedules, config_name))
