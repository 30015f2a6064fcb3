"""A partition's emulated ranges as the hypervisor looks them up
(struct emu_device, partitions.c): every range a guest access traps into
(its console and other emulated devices, the architecture's interrupt
controller, the passthrough devices whose page is shared and each access
forwarded), sorted by address. core_mmio (src/mmio.c) finds the range of
an access by a binary search over this order, so the ranges must not
overlap: one that does is refused here, in one line."""

from types import SimpleNamespace

from .errors import ConfigError
from .validate import overlaps, rng

from .x86_linux import IOAPIC_GPA as X86_IOAPIC_GPA, LAPIC_GPA as X86_LAPIC_GPA

X86_IO_PORT_SPACE = 1 << 40             # arch/x86_64/board.h: X86_IO_PORT(port), I/O ports as addresses


def _entry(addr, size, kind, comment, what, irq=None, hpa=None, c_addr=None, key=None):
    """One emu_device row: addr is what the hypervisor compares (an x86 I/O
    port already in its address space), c_addr how the C table spells it;
    what names it in an error, key is its config key (None: the board's)."""
    return SimpleNamespace(addr=addr, size=size, kind=kind, irq=irq, hpa=hpa, comment=comment, what=what,
                           key=key, c_addr=c_addr or f"{addr:#x}")


def emu_table(board, vm, emu_kind):
    """vm's emu_device rows, sorted by address; emu_kind(d) names an
    emu_devices entry's kind."""
    rows = []
    for d in vm.emu:
        if board.arch == "x86_64":
            rows.append(_entry(X86_IO_PORT_SPACE + d.gpa, d.size, emu_kind(d), f"{d.key}: {d.name}, trapped and "
                               "emulated (I/O ports)", vm.key(d.key), d.irq, c_addr=f"X86_IO_PORT({d.gpa:#x})",
                               key=vm.key(d.key)))
        else:
            rows.append(_entry(d.gpa, d.size, emu_kind(d), f"{d.key}: {d.name}, trapped and emulated",
                               vm.key(d.key), d.irq, key=vm.key(d.key)))
    if vm.vgic and board.gic_version == 3:
        rows.append(_entry(vm.vgic[0], vm.vgic[1], "EMU_VGIC_DIST", "virtual GICv3 distributor",
                           "the virtual GIC distributor"))
        rows.append(_entry(vm.vgic[2], vm.vgic[3], "EMU_VGIC_REDIST",
                           "virtual GICv3 redistributors: one frame per vCPU", "the virtual GIC redistributors"))
    elif vm.vgic:
        rows.append(_entry(vm.vgic[0], vm.vgic[1], "EMU_VGIC_DIST",
                           "virtual GICv2 distributor (the CPU interface is mapped)", "the virtual GIC distributor"))
    elif vm.vplic:
        rows.append(_entry(vm.vplic[0], vm.vplic[1], "EMU_VPLIC",
                           "virtual PLIC: one supervisor context per vCPU, in vCPU order", "the virtual PLIC"))
    if board.arch == "x86_64":
        rows.append(_entry(X86_LAPIC_GPA, 0x1000, "EMU_VLAPIC", "its local APICs (xAPIC MMIO): each vCPU sees "
                           "its own here", "the local APIC", c_addr="X86_LAPIC_GPA"))
        rows.append(_entry(X86_IOAPIC_GPA, 0x1000, "EMU_VIOAPIC", "its I/O APIC: its own interrupts' pins",
                           "the I/O APIC", c_addr="X86_IOAPIC_GPA"))
    for p in vm.forwarded:
        rows.append(_entry(p.gpa, p.size, "EMU_FORWARD", f"{p.key}: passthrough device {p.name}, whose page "
                           "it shares: trapped, each access forwarded", vm.key(p.key), hpa=p.hpa,
                           key=vm.key(p.key)))
    rows.sort(key=lambda r: r.addr)
    for a, b in zip(rows, rows[1:]):
        if overlaps(a.addr, a.size, b.addr, b.size):
            mine, other = (b, a) if b.key else (a, b)
            raise ConfigError(vm.file, mine.key or vm.key("base"), f"guest range {rng(mine.addr, mine.size)} overlaps "
                                                       f"{other.what} ({rng(other.addr, other.size)}); "
                                                       "move one of them: each trapped range must be its own")
    return rows
