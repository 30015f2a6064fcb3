"""validate: everything that can be wrong with a system, before placing it.

Each check raises ConfigError naming the file, the key path and the fix.
"""

from .errors import ConfigError, notice
from .model import (EMU_CONSOLE, EMU_PLIC, EMU_RTC, EMU_SYSCON, SYSCON_SIZE, GICR_FRAME, GICV2_CPU_IF, GICV2_MAX_CPUS,
                    MAP_IDENTICAL, MEM_DEVICE, MEM_EXEC, MEM_READ, MEM_WRITE, PAGE, SPI_FIRST)
from .arch import info
from .msrs import check_msrs
from .schema import keypath

MPIDR_AFF_MASK = 0xFF00FFFFFF          # Aff3 [39:32], Aff2..Aff0 [23:0]
X86_MAX_APIC_ID = 0xFE                 # xAPIC: 8-bit ids, 0xff is the broadcast


def rng(base, size):
    return f"{base:#x}-{base + size:#x}"


def overlaps(a, asize, b, bsize):
    return a < b + bsize and b < a + asize


def check_system(system):
    board, vms = system.board, system.vms
    _check_unique(vms)
    for vm in vms:
        _check_vcpus(vm, board)
        _check_regions(vm, board)
        if board.arch == "x86_64":
            _check_x86_memory(vm)
        _check_bios(vm, board)
        _check_devices(vm, board, system.kconfig)
        _check_interrupts(vm, board, system.kconfig)
        _check_images(vm)
    _check_between_vms(vms, board)
    check_msrs(vms, board)
    if system.qemu:
        _check_disks(system.qemu.disks, vms, board, system.file)


def _check_unique(vms):
    seen_id, seen_name = {}, {}
    for vm in vms:
        if vm.id in seen_id:
            raise ConfigError(vm.file, vm.key("base.id"),
                              f"id {vm.id} is already used by vm {seen_id[vm.id].name!r}; give each partition its own id")
        if vm.name in seen_name:
            raise ConfigError(vm.file, vm.key("base.name"),
                              f"name {vm.name!r} is already used by another partition; names must be unique")
        seen_id[vm.id], seen_name[vm.name] = vm, vm


def _check_vcpus(vm, board):
    ncpu = len(board.cpus)
    all_cpus = (1 << ncpu) - 1
    if len(vm.vcpus) > ncpu:
        raise ConfigError(vm.file, vm.key("base.cpu_num"),
                          f"is {len(vm.vcpus)}, but board {board.name} has {ncpu} CPUs and each vCPU "
                          "is pinned to a CPU of its own")
    seen = {}
    for v in vm.vcpus:
        ids_key = vm.key(keypath("base.phys_cpu_ids", v.index))
        if board.arch == "riscv64":
            _check_hart_id(vm, board, v, ids_key, seen)
        elif board.arch == "x86_64":
            if v.virt_id > X86_MAX_APIC_ID:
                raise ConfigError(vm.file, ids_key, f"{v.virt_id:#x} is not an xAPIC id; virtual APIC ids are "
                                                    f"0-{X86_MAX_APIC_ID:#x} (0xff is the broadcast)")
            if v.virt_id in seen:
                raise ConfigError(vm.file, ids_key, f"{v.virt_id:#x} repeats phys_cpu_ids[{seen[v.virt_id]}]; "
                                                    "each vCPU needs its own virtual APIC id")
        else:
            if v.virt_id & ~MPIDR_AFF_MASK:
                raise ConfigError(vm.file, ids_key,
                                  f"{v.virt_id:#x} is not an MPIDR affinity value; use only Aff3..Aff0 (mask {MPIDR_AFF_MASK:#x})")
            if v.virt_id in seen:
                raise ConfigError(vm.file, ids_key,
                                  f"{v.virt_id:#x} repeats phys_cpu_ids[{seen[v.virt_id]}]; each vCPU needs its own virtual MPIDR")
        seen[v.virt_id] = v.index
        sets_key = vm.key(keypath("base.phys_cpu_sets", v.index))
        if v.cpu_set is None:                   # not given: any CPU of the board the firmware does not keep
            v.cpu_set = all_cpus & ~sum(1 << p for p in board.firmware_cpus)
            continue
        if v.cpu_set == 0:
            raise ConfigError(vm.file, sets_key,
                              f"0x0 leaves vCPU {v.index} with no CPU; set the bit of the physical CPU it should run on")
        if v.cpu_set & ~all_cpus:
            bad = [str(p) for p in range(ncpu, v.cpu_set.bit_length()) if v.cpu_set >> p & 1]
            if len(bad) > 4:
                bad = bad[:3] + [f"{len(bad) - 3} more"]
            names = f"CPU {bad[0]}" if len(bad) == 1 else f"CPUs {', '.join(bad[:-1])} and {bad[-1]}"
            raise ConfigError(vm.file, sets_key,
                              f"{v.cpu_set:#x} names {names}, but board {board.name} has CPUs 0-{ncpu - 1} "
                              f"(mask {all_cpus:#x})")
        _check_not_firmwares(vm, board, v, sets_key)


def _check_hart_id(vm, board, v, key, seen):
    """riscv64: phys_cpu_ids are hart ids, as in the ArceOS hypervisor's
    riscv64 files: each one of the board's, and without phys_cpu_sets the
    vCPU runs on the hart of that id. The guest sees it as its hart id."""
    harts = ", ".join(f"{h:#x}" for h in board.cpus)
    if v.virt_id not in board.cpus:
        raise ConfigError(vm.file, key, f"{v.virt_id:#x} is no hart id of board {board.name} (its harts: {harts})")
    if v.virt_id in seen:
        raise ConfigError(vm.file, key, f"{v.virt_id:#x} repeats phys_cpu_ids[{seen[v.virt_id]}]; each vCPU "
                                        "needs its own hart id")
    if v.cpu_set is None:
        v.cpu_set = 1 << board.cpus.index(v.virt_id)
        _check_not_firmwares(vm, board, v, key)


def _check_not_firmwares(vm, board, v, key):
    """No vCPU on a CPU the firmware keeps for itself (board.toml
    reserved_cpu: an OpenSBI domain of its own, say)."""
    for p, what in sorted(board.firmware_cpus.items()):
        if v.cpu_set >> p & 1:
            name = info(board).cpu_id
            raise ConfigError(vm.file, key, f"puts vCPU {v.index} on CPU {p} ({name} {board.cpus[p]:#x}), which "
                                            f"{what} keeps for itself (board {board.name}); use another CPU")


def _in_ram(board, base, size):
    return any(base >= b and base + size <= b + s for b, s in board.ram)


def _check_regions(vm, board):
    for i, r in enumerate(vm.regions):
        if r.gpa % PAGE or r.size % PAGE:
            what = "base" if r.gpa % PAGE else "size"
            value = r.gpa if r.gpa % PAGE else r.size
            raise ConfigError(vm.file, vm.key(r.key),
                              f"{what} {value:#x} is not 4 KiB-aligned; round it to a multiple of 0x1000")
        _check_ipa(vm, vm.key(r.key), r.gpa, r.size, board)
        if board.arch in ("riscv64", "x86_64") and r.flags & MEM_WRITE and not r.flags & MEM_READ:
            raise ConfigError(vm.file, vm.key(keypath(r.key, 2)),
                              f"flags {r.flags:#x} make memory writable but not readable, which {board.arch} page "
                              "tables cannot express; add READ 0x1")
        for r2 in vm.regions[:i]:
            if overlaps(r.gpa, r.size, r2.gpa, r2.size):
                raise ConfigError(vm.file, vm.key(r.key),
                                  f"guest range {rng(r.gpa, r.size)} overlaps {vm.key(r2.key)} ({rng(r2.gpa, r2.size)})")
        if r.map_type != MAP_IDENTICAL:
            continue
        if r.flags & MEM_DEVICE:
            if not any(r.gpa >= b and r.gpa + r.size <= b + s for _, b, s in board.devices):
                raise ConfigError(vm.file, vm.key(r.key),
                                  f"device range {rng(r.gpa, r.size)} is no device of board {board.name}")
            _check_not_hypervisors(vm, vm.key(r.key), r.gpa, r.size, board)
            continue
        if not _in_ram(board, r.gpa, r.size):
            ram = ", ".join(rng(b, s) for b, s in board.ram)
            raise ConfigError(vm.file, vm.key(r.key),
                              f"{rng(r.gpa, r.size)} is outside RAM ({ram}) of board {board.name}")
        if overlaps(r.gpa, r.size, board.hyp_base, board.hyp_size):
            raise ConfigError(vm.file, vm.key(r.key),
                              f"{rng(r.gpa, r.size)} overlaps the hypervisor ({rng(board.hyp_base, board.hyp_size)}); "
                              "move it, or use map_type 0 to let the generator place it")
        for base, size, what in board.reserved:
            if overlaps(r.gpa, r.size, base, size):
                raise ConfigError(vm.file, vm.key(r.key),
                                  f"{rng(r.gpa, r.size)} overlaps {what} ({rng(base, size)}) of board {board.name}; "
                                  "move it, or use map_type 0 to let the generator place it")


def _plic_as_virtual(vm, board):
    """riscv64: what an ArceOS hypervisor VM file says of the PLIC (an
    emulated one, emu_type 0x30, or the physical one passed through) is
    Tessera's virtual PLIC, which every partition gets at the board's PLIC
    address: the entries are dropped, a passthrough with a notice."""
    for d in [d for d in vm.emu if d.type == EMU_PLIC]:
        if (d.gpa, d.size) != board.plic:
            raise ConfigError(vm.file, vm.key(d.key), f"emu_type {EMU_PLIC:#x} (PLIC) at {rng(d.gpa, d.size)}: "
                                                      f"the virtual PLIC is at the board's PLIC, "
                                                      f"{rng(*board.plic)}")
        vm.emu.remove(d)
    for p in [p for p in vm.passthrough if overlaps(p.hpa, p.size, *board.plic)]:
        notice(vm.file, vm.key(p.key), f"the physical PLIC is not passed through: the partition gets "
                                       f"Tessera's virtual PLIC at {rng(*board.plic)} instead (one PLIC "
                                       "shared by partitions could not keep them apart)")
        vm.passthrough.remove(p)


X86_APIC_DEVICES = ((0xFEE0_0000, 0x1000, "local APIC", "each vCPU gets Tessera's virtual local APIC there "
                                                        "instead (one passed through would let the partition "
                                                        "signal any CPU)"),
                    (0xFEC0_0000, 0x1000, "I/O APIC", "the partition gets Tessera's virtual I/O APIC there "
                                                      "instead (one passed through would route every "
                                                      "device's interrupts)"),
                    (0xFED0_0000, 0x1000, "HPET", "Tessera has no virtual HPET, and one passed through "
                                                  "would be every partition's timer"))


def _apics_as_virtual(vm):
    """x86_64: an ArceOS hypervisor VM file passes the local APIC, the I/O
    APIC and the HPET through, each as its own page at its own address;
    here none is (each would reach beyond the partition): those entries are
    dropped with a notice each. Any other range over them is refused
    (_check_x86_mmio)."""
    for p in list(vm.passthrough):
        for base, size, what, why in X86_APIC_DEVICES:
            if p.hpa == base and p.gpa == base and p.size == size:
                notice(vm.file, vm.key(p.key), f"the physical {what} is not passed through: {why}")
                vm.passthrough.remove(p)
                break


def _check_devices(vm, board, kconfig):
    if board.arch == "riscv64":
        _plic_as_virtual(vm, board)
    if board.arch == "x86_64":
        _apics_as_virtual(vm)
    consoles = syscons = rtcs = 0
    for i, d in enumerate(vm.emu):
        key = vm.key(d.key)
        if d.type == EMU_SYSCON and board.arch == "riscv64":
            syscons += 1
            _check_syscon(vm, key, d, syscons)
        elif d.type == EMU_RTC and board.arch == "x86_64":
            rtcs += 1
            _check_rtc(vm, key, d, rtcs)
            continue
        elif d.type != EMU_CONSOLE:
            more = (f" or {EMU_SYSCON:#x} (power switch)" if board.arch == "riscv64" else
                    f" or {EMU_RTC:#x} (RTC)" if board.arch == "x86_64" else "")
            raise ConfigError(vm.file, key, f"emu_type {d.type:#x} is not an emulated device Tessera has; "
                                            f"use {EMU_CONSOLE:#x} (console){more}")
        elif kconfig.get("VUART") != "y":
            raise ConfigError(vm.file, key, "declares an emulated console but CONFIG_VUART is off; "
                                            "enable it in make menuconfig or remove the device")
        else:
            consoles += 1
            if consoles > 1:
                raise ConfigError(vm.file, key, "a partition has at most one emulated console")
        if board.arch == "x86_64":
            _check_io_ports(vm, key, d)
            continue
        _check_aligned(vm, key, d.gpa, d.size)
        _check_ipa(vm, key, d.gpa, d.size, board)
        _check_not_ram(vm, key, d.gpa, d.size)
        for d2 in vm.emu[:i]:
            if overlaps(d.gpa, d.size, d2.gpa, d2.size):
                raise ConfigError(vm.file, key, f"guest range {rng(d.gpa, d.size)} overlaps emulated device "
                                                f"{d2.name} ({rng(d2.gpa, d2.size)})")
    if board.arch == "x86_64":
        _check_x86_ports(vm, board)
    for i, p in enumerate(vm.passthrough):
        key = vm.key(p.key)
        if p.size % PAGE == 0:
            _check_aligned(vm, key, p.gpa, p.size)
            _check_aligned(vm, key, p.hpa, p.size)
        else:
            _check_transport(vm, key, p, board)
        _check_ipa(vm, key, p.gpa, p.size, board)
        for p2 in vm.passthrough[:i]:
            if overlaps(p.gpa, p.size, p2.gpa, p2.size):
                raise ConfigError(vm.file, key, f"guest range {rng(p.gpa, p.size)} overlaps "
                                                f"{vm.key(p2.key)} ({rng(p2.gpa, p2.size)})")
            if overlaps(p.hpa, p.size, p2.hpa, p2.size):
                raise ConfigError(vm.file, key, f"host range {rng(p.hpa, p.size)} is already given to this "
                                                f"partition by {vm.key(p2.key)}; list each device once")
        if not any(p.hpa >= b and p.hpa + p.size <= b + s for _, b, s in board.devices):
            raise ConfigError(vm.file, key, f"host range {rng(p.hpa, p.size)} is no device of board {board.name}")
        if _in_ram(board, p.hpa, 1):
            raise ConfigError(vm.file, key, f"host range {rng(p.hpa, p.size)} is RAM, not a device")
        _check_not_hypervisors(vm, key, p.hpa, p.size, board)
        _check_not_ram(vm, key, p.gpa, p.size)
        for d in vm.emu:
            if overlaps(p.gpa, p.size, d.gpa, d.size):
                raise ConfigError(vm.file, key, f"guest range {rng(p.gpa, p.size)} overlaps emulated device {d.name}")


def _check_syscon(vm, key, d, count):
    """riscv64 emu_type 0x3: a SiFive test device (one page) whose poweroff
    and reset end or restart the partition."""
    if count > 1:
        raise ConfigError(vm.file, key, "a partition has at most one emulated power switch (emu_type 0x3)")
    if d.irq:
        raise ConfigError(vm.file, vm.key(keypath(d.key, 3)), f"irq {d.irq}: the power switch raises no "
                                                              "interrupt; set it to 0")
    if d.gpa % PAGE or d.size != SYSCON_SIZE:
        raise ConfigError(vm.file, key, f"range {rng(d.gpa, d.size)}: the power switch is one 4 KiB page "
                                        f"(length {SYSCON_SIZE:#x}) at a page-aligned address")


RTC_PORT, RTC_PORTS = 0x70, 2          # x86: the MC146818's index and data ports, as on a PC


def _check_rtc(vm, key, d, count):
    """x86_64 emu_type 0x4: the partition's MC146818 RTC and CMOS RAM
    (arch/x86_64/rtc.c), at a PC's ports, without interrupts."""
    if count > 1:
        raise ConfigError(vm.file, key, f"a partition has at most one emulated RTC (emu_type {EMU_RTC:#x})")
    if d.irq:
        raise ConfigError(vm.file, vm.key(keypath(d.key, 3)), f"irq {d.irq}: the emulated RTC raises no "
                                                              "interrupt (no alarm, periodic or update "
                                                              "interrupts); set it to 0")
    if d.gpa != RTC_PORT or d.size != RTC_PORTS:
        raise ConfigError(vm.file, key, f"ports {rng(d.gpa, d.size)}: the emulated RTC is at a PC's ports "
                                        f"{RTC_PORT:#x}-{RTC_PORT + RTC_PORTS:#x}, e.g. "
                                        f"[\"rtc\", {RTC_PORT:#x}, {RTC_PORTS:#x}, 0, {EMU_RTC:#x}, []]")


GUEST_GETS = "a partition gets a console as an emulated device and a virtual GIC"
EXIT_IS = "it reports how the run ended (board.toml hypervisor.exit)"
GUEST_GETS_RISCV = "a partition gets a console as an emulated device and a virtual PLIC"


IO_PORTS = 0x10000                     # x86: the I/O port space
NS16550_PORTS = 8
# x86: guest-physical pages a partition's RAM may not cover: its virtual
# I/O APIC and local APIC (the xAPIC MMIO page the guest's INIT-SIPI uses).
X86_APIC_PAGES = ((0xFEC0_0000, PAGE, "the I/O APIC page"), (0xFEE0_0000, PAGE, "the local APIC page"))
X86_IOAPIC_PINS = 24                   # the 82093AA's redirection entries (arch/x86_64/vioapic.h)
REAL_MODE_TOP = 0x10_0000              # a SIPI's start page (vector << 12) lies below 1 MiB


def _check_io_ports(vm, key, d):
    """x86_64: an emulated console is a 16550 at I/O ports (its base in the
    gpa place of emu_devices): 8 ports, 8-aligned, inside the port space."""
    if d.size != NS16550_PORTS or d.gpa % NS16550_PORTS or d.gpa + d.size > IO_PORTS:
        raise ConfigError(vm.file, key, f"ports {rng(d.gpa, d.size)}: on x86_64 an emulated console is a 16550 "
                                        f"at 8 I/O ports (base 8-aligned, below {IO_PORTS:#x}), e.g. "
                                        "[\"com1\", 0x3f8, 0x8, 0, 0x2, []]")


def x86_hypervisor_ports(board):
    """[(what, base, size, why)]: the I/O ports the hypervisor keeps."""
    out = [("the hypervisor's console", board.uart_base, NS16550_PORTS, "a partition gets an emulated console"),
           ("the 8259 PICs", 0x20, 2, "the hypervisor keeps them masked"),
           ("the 8259 PICs", 0xa0, 2, "the hypervisor keeps them masked"),
           ("PCI configuration space and the reset control register", 0xcf8, 8,
            "they reach every device and the whole machine"),
           ("the keyboard controller's command port", 0x64, 1, "its command 0xfe resets the whole machine")]
    if board.acpi_pm is not None:
        out.append(("the ACPI PM registers", board.acpi_pm, 0x80, "they power the whole machine off"))
    if board.exit_port:
        out.append((f"the exit device ({board.exit_port[1]})", board.exit_port[0], 4,
                    "it ends the whole machine"))
    return out


def _check_x86_ports(vm, board):
    """x86_64: a passthrough device is either a range of I/O ports (base
    below 0x10000) the partition accesses directly (its I/O permission map
    lets them through): at the same port for guest and host, none the
    hypervisor keeps, none its emulated console has, each listed once; they
    move to vm.ports. Or a memory-mapped device (whole pages, base from
    0x10000), which stays in vm.passthrough: its nested page table maps it
    uncached (_check_x86_mmio, then the checks of every architecture)."""
    ports = []
    for i, p in enumerate(vm.passthrough):
        key = vm.key(p.key)
        if (p.hpa >= IO_PORTS) != (p.gpa >= IO_PORTS):
            raise ConfigError(vm.file, key, f"one of guest {p.gpa:#x} and host {p.hpa:#x} is an I/O port (below "
                                            f"{IO_PORTS:#x}) and the other a memory address; a passthrough device "
                                            "is either")
        if p.hpa >= IO_PORTS:
            _check_x86_mmio(vm, key, p)
            continue
        if p.gpa != p.hpa:
            raise ConfigError(vm.file, key, f"guest port {p.gpa:#x} is not host port {p.hpa:#x}: I/O ports cannot be "
                                            "moved; give the same port twice")
        if not p.size or p.hpa + p.size > IO_PORTS:
            raise ConfigError(vm.file, key, f"ports {rng(p.hpa, p.size)} are not a non-empty range of the I/O "
                                            f"port space (0x0-{IO_PORTS:#x})")
        for what, base, size, why in x86_hypervisor_ports(board):
            if overlaps(p.hpa, p.size, base, size):
                raise ConfigError(vm.file, key, f"ports {rng(p.hpa, p.size)} are {what} ({rng(base, size)}), which "
                                                f"the hypervisor keeps to itself; {why}")
        for d in vm.emu:
            if overlaps(p.hpa, p.size, d.gpa, d.size):
                raise ConfigError(vm.file, key, f"ports {rng(p.hpa, p.size)} overlap its emulated {d.name} "
                                                f"({rng(d.gpa, d.size)})")
        for p2 in ports:
            if overlaps(p.hpa, p.size, p2.hpa, p2.size):
                raise ConfigError(vm.file, key, f"ports {rng(p.hpa, p.size)} are already given to this partition "
                                                f"by {vm.key(p2.key)}; list each range once")
        ports.append(p)
    vm.ports = ports
    vm.passthrough = [p for p in vm.passthrough if p not in ports]


def _check_x86_mmio(vm, key, p):
    """x86_64: a memory-mapped passthrough device is whole pages, and
    neither at the partition's own APIC pages (guest side: Tessera emulates
    them) nor at the physical interrupt controllers and timer (host side:
    they reach beyond the partition). Whether the host range is a device of
    the board, no RAM, no other partition's: the checks of every
    architecture (_check_devices)."""
    if p.size % PAGE or p.hpa % PAGE or p.gpa % PAGE or not p.size:
        raise ConfigError(vm.file, key, f"host range {rng(p.hpa, p.size)}: on x86_64 a memory-mapped passthrough "
                                        "device is whole 4 KiB pages (page-aligned guest and host addresses)")
    for base, size, what in X86_APIC_PAGES:
        if overlaps(p.gpa, p.size, base, size):
            raise ConfigError(vm.file, key, f"guest range {rng(p.gpa, p.size)} covers {what} ({rng(base, size)}), "
                                            "which Tessera emulates; map the device elsewhere")
    for base, size, what, why in X86_APIC_DEVICES:
        if overlaps(p.hpa, p.size, base, size):
            raise ConfigError(vm.file, key, f"host range {rng(p.hpa, p.size)} covers the physical {what} "
                                            f"({rng(base, size)}): {why}")


def _check_bios(vm, board):
    """An axvisor x86 VM file's bios_path names axvm-bios, the stub that
    takes the guest from real mode to its multiboot entry: Tessera enters
    the kernel that way itself, so the stub is not loaded (a notice). Other
    architectures have no such stub."""
    if vm.bios_path is None:
        return
    key = vm.key("kernel.bios_path")
    if board.arch != "x86_64":
        raise ConfigError(vm.file, key, f"a boot stub is for x86_64 guests (axvisor's axvm-bios); board "
                                        f"{board.name} is {board.arch}: remove bios_path")
    notice(vm.file, key, f"{vm.bios_path} is not loaded: Tessera enters the kernel as axvm-bios would, in "
                         "32-bit protected mode at entry_point with EAX = 0x2BADB002 and EBX = the multiboot "
                         "information it writes (at 0x9000)")


def _check_x86_memory(vm):
    """x86_64: RAM may not hide the partition's APIC pages, and a partition
    of several vCPUs needs RAM below 1 MiB for the real-mode page its
    guest's STARTUP IPI names."""
    for r in vm.regions:
        for base, size, what in X86_APIC_PAGES:
            if overlaps(r.gpa, r.size, base, size):
                raise ConfigError(vm.file, vm.key(r.key), f"guest range {rng(r.gpa, r.size)} covers {what} "
                                                          f"({rng(base, size)}), which Tessera emulates; end the "
                                                          f"region below {0xFEC0_0000:#x}")
    if len(vm.vcpus) > 1 and not any(r.gpa < REAL_MODE_TOP and r.flags & MEM_EXEC and not r.flags & MEM_DEVICE
                                     for r in vm.regions):
        raise ConfigError(vm.file, vm.key("base.memory_regions"),
                          f"the partition has {len(vm.vcpus)} vCPUs but no executable RAM below 1 MiB, where "
                          "its other vCPUs start (a STARTUP IPI names a real-mode page); map guest RAM from 0x0")


def _check_transport(vm, key, p, board):
    """A passthrough range that is not whole pages: only exactly the
    registers of one device of the board, such as one of QEMU's
    virtio-mmio transports (0x200 bytes, eight to a page), at the same
    offset in its guest page as in its host page."""
    if not any(p.hpa == b and p.size == s for _, b, s in board.devices):
        raise ConfigError(vm.file, key, f"host range {rng(p.hpa, p.size)} is neither whole 4 KiB pages nor exactly "
                                        f"the registers of one device of board {board.name}; give whole pages, "
                                        "or one device's own range (a virtio-mmio transport: its 0x200 bytes)")
    if p.gpa % PAGE != p.hpa % PAGE:
        raise ConfigError(vm.file, key, f"guest address {p.gpa:#x} is at offset {p.gpa % PAGE:#x} of its page but "
                                        f"the device at {p.hpa % PAGE:#x}; give it the same offset in its "
                                        "4 KiB page")


def _hypervisors_devices(board):
    """The host devices the hypervisor drives itself: its console UART,
    every frame of the physical GIC (a GICv2's GICV included: the generator
    maps it for each partition where GICC belongs, never as a device), and
    the exit device's ECAM and BAR page; on riscv64 the PLIC, the CLINT
    (OpenSBI's) and the test device (the exit device, which also powers the
    machine off or resets it). [(what, base, size, why)]"""
    out = [("the hypervisor's console UART", b, s, GUEST_GETS) for _, b, s in board.devices
           if b <= board.uart_base < b + s]
    if board.arch == "x86_64":
        return out + [(f"the physical {what}", base, size, why) for base, size, what, why in X86_APIC_DEVICES]
    if board.arch == "riscv64":
        out += [("the physical PLIC", *board.plic, GUEST_GETS_RISCV)]
        if board.clint:
            out += [("the CLINT, which OpenSBI keeps", *board.clint, "the firmware's timers and IPIs "
                                                                   "reach guests through SBI")]
        if board.exit_test:
            out += [(f"the exit device ({board.exit_test[1]})", b, s, "it ends the whole machine; a partition "
                     "powers off or resets itself with SBI SRST") for _, b, s in board.devices
                    if b <= board.exit_test[0] < b + s]
        return out
    gic = [board.gicd] + ([board.gicr] if board.gic_version == 3 else list(board.gicv2))
    out += [("the physical GIC", b, s, GUEST_GETS) for b, s in gic]
    if board.exit:
        out += [("the exit device's PCIe configuration space", board.exit.ecam, board.exit.ecam_size, EXIT_IS),
                ("the exit device's BAR page", board.exit.bar, PAGE, EXIT_IS)]
    return out


def _check_not_hypervisors(vm, key, hpa, size, board):
    for what, base, bsize, why in _hypervisors_devices(board):
        if overlaps(hpa, size, base, bsize):
            raise ConfigError(vm.file, key, f"host range {rng(hpa, size)} is {what} ({rng(base, bsize)}), "
                                            f"which the hypervisor keeps to itself; {why}")


def _check_interrupts(vm, board, kconfig):
    """The interrupts a partition's devices raise, and its virtual interrupt
    controller at the board's addresses: on riscv64 a virtual PLIC; on
    aarch64 a virtual GIC (GICv3: a distributor and one redistributor frame
    per vCPU; GICv2: a distributor and the CPU interface, which is the GICV
    frame mapped where the guest expects GICC)."""
    sources = [(d.irq, d.key, False) for d in vm.emu if d.irq] + \
              [(p.irq, p.key, True) for p in vm.passthrough if p.irq]
    if board.arch == "x86_64":
        _check_x86_interrupts(vm, board)
        return
    riscv = board.arch == "riscv64"
    vgic_on = riscv or kconfig.get("VGIC") == "y"
    if sources and not vgic_on:
        raise ConfigError(vm.file, vm.key(sources[0][1]),
                          "gives the partition an interrupt but CONFIG_VGIC is off; enable it in "
                          "make menuconfig or set the irq to 0")
    seen = {}
    for irq, key, hw in sources:
        if riscv and irq > board.plic_ndev:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is no PLIC source of board {board.name}; "
                                                    f"its sources are 1-{board.plic_ndev}")
        if not riscv and irq < SPI_FIRST:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is not a shared peripheral interrupt; "
                                                    f"devices use INTIDs {SPI_FIRST}-1019")
        if irq in seen:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is already used by {vm.key(seen[irq])}")
        if hw and irq == board.uart_irq:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is the interrupt of the hypervisor's console UART, "
                                                    "which the hypervisor keeps to itself")
        seen[irq] = key
    vm.irqs = sorted((irq, hw) for irq, _, hw in sources)
    if not vgic_on:
        return
    if riscv:
        vm.vplic = board.plic
        frames = [("virtual PLIC", board.plic)]
    else:
        frames = _vgic_frames(vm, board)
    for name, (base, size) in frames:
        for r in vm.regions:
            if overlaps(base, size, r.gpa, r.size):
                raise ConfigError(vm.file, vm.key(r.key), f"guest range {rng(r.gpa, r.size)} overlaps the "
                                                          f"{name} ({rng(base, size)})")
        for d in vm.emu + vm.passthrough:
            if overlaps(base, size, d.gpa, d.size):
                raise ConfigError(vm.file, vm.key(d.key), f"guest range {rng(d.gpa, d.size)} overlaps the "
                                                          f"{name} ({rng(base, size)})")


def _check_x86_interrupts(vm, board):
    """x86_64: a partition's interrupts are pins of its virtual I/O APIC,
    numbered as the board's (the ISA IRQ): an emulated console's any free
    pin, a passthrough device's the pin its device has on the board, never
    the hypervisor console's. Port
    ranges are in vm.ports by now, memory-mapped devices in vm.passthrough."""
    sources = [(d.irq, d.key, False) for d in vm.emu if d.irq] + \
              [(p.irq, p.key, True) for p in vm.ports + vm.passthrough if p.irq]
    seen = {}
    for irq, key, hw in sources:
        if irq >= X86_IOAPIC_PINS:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is no pin of the I/O APIC (1-{X86_IOAPIC_PINS - 1})")
        if hw and irq == board.uart_irq:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is the interrupt of the hypervisor's console UART, "
                                                    "which the hypervisor keeps to itself")
        if hw and irq not in board.isa_irqs:
            have = ", ".join(f"{pin} ({path})" for pin, path in sorted(board.isa_irqs.items()))
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is no device's interrupt on board {board.name}; "
                                                    f"its devices have {have}")
        if irq in seen:
            raise ConfigError(vm.file, vm.key(key), f"irq {irq} is already used by {vm.key(seen[irq])}")
        seen[irq] = key
    vm.irqs = sorted((irq, hw) for irq, _, hw in sources)


def _vgic_frames(vm, board):
    """The virtual GIC's guest-physical frames, [(name, (base, size))]."""
    gicd = board.gicd
    if board.gic_version == 3:
        cpu = (board.gicr[0], len(vm.vcpus) * GICR_FRAME)
        cpu_name = "virtual GIC redistributors"
    else:
        if len(vm.vcpus) > GICV2_MAX_CPUS:
            raise ConfigError(vm.file, vm.key("base.cpu_num"),
                              f"is {len(vm.vcpus)}; a GICv2 serves at most {GICV2_MAX_CPUS} CPUs")
        gicc, _gich, gicv = board.gicv2
        cpu = (gicc[0], GICV2_CPU_IF)
        cpu_name = "virtual GIC CPU interface"
        vm.vgic_cpu = (gicc[0], gicv[0], GICV2_CPU_IF)
    vm.vgic = (gicd[0], gicd[1], cpu[0], cpu[1])
    return [("virtual GIC distributor", gicd), (cpu_name, cpu)]


def _check_aligned(vm, key, base, size):
    if base % PAGE or size % PAGE or size == 0:
        raise ConfigError(vm.file, key, f"range {rng(base, size)} is not a non-empty multiple of 4 KiB pages")


def _check_ipa(vm, key, gpa, size, board):
    bits = info(board).ipa_bits
    if gpa + size > 1 << bits:
        raise ConfigError(vm.file, key, f"guest range {rng(gpa, size)} ends above {1 << bits:#x}, "
                                        f"the end of the {bits}-bit guest-physical address space")


def _check_not_ram(vm, key, gpa, size):
    for r in vm.regions:
        if overlaps(gpa, size, r.gpa, r.size):
            raise ConfigError(vm.file, key, f"guest range {rng(gpa, size)} overlaps {vm.key(r.key)} ({rng(r.gpa, r.size)})")


def region_of(vm, gpa, size):
    for r in vm.regions:
        if gpa >= r.gpa and gpa + size <= r.gpa_end and not r.flags & MEM_DEVICE:
            return r
    return None


def _check_images(vm):
    for img in (vm.kernel, vm.ramdisk):
        if img is None:
            continue
        if region_of(vm, img.gpa, max(img.size, 1)) is None:
            raise ConfigError(vm.file, vm.key(img.key),
                              f"{img.path.name} ({img.size:#x} bytes at {img.gpa:#x}) does not fit in any "
                              "memory region of the partition; enlarge a region or move the load address")
    if vm.ramdisk and overlaps(vm.kernel.gpa, vm.kernel.size, vm.ramdisk.gpa, vm.ramdisk.size):
        raise ConfigError(vm.file, vm.key(vm.ramdisk.key), "the ramdisk overlaps the kernel image")
    r = region_of(vm, vm.entry, 4)
    if r is None or not r.flags & MEM_EXEC:
        raise ConfigError(vm.file, vm.key("kernel.entry_point"),
                          f"{vm.entry:#x} is not in an executable memory region of the partition")


def _check_disks(disks, vms, board, file):
    """[[qemu.disks]]: each on a virtio-mmio transport of the board that a
    partition owns, one disk to a transport."""
    seen = {}
    for d in disks:
        key = d.key + ".transport"
        if d.transport not in [b for b, _ in board.virtio]:
            first = f" (the first at {board.virtio[0][0]:#x})" if board.virtio else ""
            raise ConfigError(file, key, f"{d.transport:#x} is no virtio-mmio transport of board {board.name}"
                                         f"{first}; give the host address of one of its virtio,mmio nodes")
        if d.transport in seen:
            raise ConfigError(file, key, f"transport {d.transport:#x} already has the disk of {seen[d.transport]}; "
                                         "give each disk a transport of its own")
        seen[d.transport] = d.key
        if not any(p.hpa <= d.transport < p.hpa + p.size for vm in vms for p in vm.passthrough):
            raise ConfigError(file, key, f"no partition owns transport {d.transport:#x}; give it to one in its "
                                         "passthrough_devices, or drop the disk")


def _check_between_vms(vms, board):
    hw_irqs = {}
    for vm in vms:
        for p in (p for p in vm.passthrough + vm.ports if p.irq):
            if p.irq in hw_irqs and hw_irqs[p.irq][0] is not vm:
                other, key = hw_irqs[p.irq]
                raise ConfigError(vm.file, vm.key(p.key), f"irq {p.irq} is also given to vm {other.name!r} "
                                                          f"({other.key(key)}); an interrupt belongs to one partition")
            hw_irqs.setdefault(p.irq, (vm, p.key))
    ports = []
    for vm in vms:
        for p in vm.ports:
            for vm2, p2 in ports:
                if vm2 is not vm and overlaps(p.hpa, p.size, p2.hpa, p2.size):
                    raise ConfigError(vm.file, vm.key(p.key), f"ports {rng(p.hpa, p.size)} are also given to vm "
                                                              f"{vm2.name!r} ({vm2.key(p2.key)}); a port belongs to "
                                                              "one partition")
            ports.append((vm, p))
    owners = []
    for vm in vms:
        for r in vm.regions:
            if r.map_type == MAP_IDENTICAL:
                owners.append((vm, r.key, r.gpa, r.size, "memory"))
        for p in vm.passthrough:
            owners.append((vm, p.key, p.hpa, p.size, "device"))
    for i, (vm, key, base, size, what) in enumerate(owners):
        for vm2, key2, base2, size2, _ in owners[:i]:
            if vm2 is not vm and overlaps(base, size, base2, size2):
                raise ConfigError(vm.file, vm.key(key),
                                  f"host {what} {rng(base, size)} is also given to vm {vm2.name!r} ({vm2.key(key2)}); "
                                  "a range belongs to one partition")
