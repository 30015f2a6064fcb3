"""Each partition's device tree, written with libfdt: only its own CPUs (with
the virtual MPIDRs it asked for), its memory, its devices, PSCI and chosen."""

import libfdt

from .board import Fdt, walk_devices

from .model import EMU_CONSOLE, EMU_SYSCON, MEM_DEVICE
from .x86_linux import linux_boot_data

PHANDLE_CLK = 1
PHANDLE_GIC = 2
PHANDLE_PLIC = 3                        # riscv64: the virtual PLIC
PHANDLE_SYSCON = 4                      # riscv64: the power switch (emu_type 0x3)
PHANDLE_CPU_INTC = 0x10                 # riscv64: hart i's interrupt controller is 0x10 + i
IRQ_S_EXT = 9                           # riscv64: a hart's supervisor external interrupt
GIC_SPI, GIC_PPI = 0, 1
IRQ_LEVEL_HIGH, IRQ_EDGE_RISING = 4, 1


def _cells(*values, ncells=2):
    out = b""
    for v in values:
        out += v.to_bytes(4 * ncells, "big")
    return out


def _strings(*values):
    return b"".join(v.encode() + b"\0" for v in values)


def guest_dtb(vm, board):
    if board.arch == "riscv64":
        return _riscv64_dtb(vm, board)
    if board.arch == "x86_64":
        return linux_boot_data(vm) if vm.linux else multiboot_info(vm)
    sw = libfdt.FdtSw()
    sw.finish_reservemap()
    sw.begin_node("")
    sw.property_string("compatible", "linux,dummy-virt")
    sw.property_string("model", f"Tessera partition {vm.name}")
    sw.property_u32("#address-cells", 2)
    sw.property_u32("#size-cells", 2)
    if vm.vgic:
        sw.property_u32("interrupt-parent", PHANDLE_GIC)

    wide = any(v.virt_id >> 32 for v in vm.vcpus)
    sw.begin_node("cpus")
    sw.property_u32("#address-cells", 2 if wide else 1)
    sw.property_u32("#size-cells", 0)
    for v in vm.vcpus:
        sw.begin_node(f"cpu@{v.virt_id:x}")
        sw.property_string("device_type", "cpu")
        sw.property_string("compatible", board.cpu_compatible)
        sw.property("reg", _cells(v.virt_id, ncells=2 if wide else 1))
        sw.property_string("enable-method", "psci")
        sw.end_node()
    sw.end_node()

    _memory_node(sw, vm)

    sw.begin_node("psci")
    sw.property("compatible", _strings("arm,psci-1.0", "arm,psci-0.2"))
    sw.property_string("method", "hvc")
    sw.end_node()

    if vm.vgic:
        gicd, gicd_size, cpu, cpu_size = vm.vgic
        v3 = board.gic_version == 3
        sw.begin_node(f"intc@{gicd:x}")
        sw.property_string("compatible", "arm,gic-v3" if v3 else "arm,cortex-a15-gic")
        sw.property_u32("#interrupt-cells", 3)
        sw.property("interrupt-controller", b"")
        if v3:
            sw.property_u32("#redistributor-regions", 1)
        sw.property("reg", _cells(gicd, gicd_size, cpu, cpu_size))   # GICD, then GICR or GICC
        sw.property_u32("phandle", PHANDLE_GIC)
        sw.end_node()
        # The architected timer with the board's PPIs (secure and non-secure
        # physical, virtual, hypervisor). A guest uses the virtual one.
        sw.begin_node("timer")
        sw.property_string("compatible", "arm,armv8-timer")
        # GICv2 PPI specifiers also name the CPUs they go to (bits 15:8).
        flags = IRQ_LEVEL_HIGH | (0 if v3 else ((1 << len(vm.vcpus)) - 1) << 8)
        sw.property("interrupts", _cells(*[c for intid in board.timer_intids
                                           for c in (GIC_PPI, intid - 16, flags)], ncells=1))
        sw.property("always-on", b"")
        sw.end_node()
        if board.pmu_intid:
            # The vCPU owns its pCPU's PMU; the overflow PPI is forwarded.
            sw.begin_node("pmu")
            sw.property_string("compatible", "arm,armv8-pmuv3")
            sw.property("interrupts", _cells(GIC_PPI, board.pmu_intid - 16, flags, ncells=1))
            sw.end_node()

    console = next((d for d in vm.emu if d.type == EMU_CONSOLE), None)
    if console or vm.passthrough:       # AMBA (primecell) devices need their bus clock
        sw.begin_node("apb-pclk")
        sw.property_string("compatible", "fixed-clock")
        sw.property_u32("#clock-cells", 0)
        sw.property_u32("clock-frequency", 24000000)
        sw.property_u32("phandle", PHANDLE_CLK)
        sw.end_node()
    if console:
        uart = f"pl011@{console.gpa:x}"
        sw.begin_node(uart)
        sw.property("compatible", _strings("arm,pl011", "arm,primecell"))
        sw.property("reg", _cells(console.gpa, console.size))
        sw.property("clocks", _cells(PHANDLE_CLK, PHANDLE_CLK, ncells=1))
        sw.property("clock-names", _strings("uartclk", "apb_pclk"))
        _interrupts(sw, vm, console.irq)
        sw.end_node()

    for p in vm.passthrough:
        _passthrough_node(sw, vm, p, board)

    # Channels: the shared region, its id for the doorbell hypercall, its
    # doorbell interrupt (edge), who is at the other ends.
    for ch, end in vm.channel_list:
        sw.begin_node(f"tessera-channel@{end.gpa:x}")
        sw.property_string("compatible", "tessera,channel")
        sw.property("reg", _cells(end.gpa, ch.size))
        sw.property_string("label", ch.name)
        sw.property_u32("tessera,channel-id", ch.id)
        sw.property_string("tessera,access", end.access)
        sw.property("tessera,peers", _strings(*[e.vm_name for e in ch.ends if e is not end]))
        _interrupts(sw, vm, end.irq, edge=True)
        sw.end_node()

    return _finish(sw, vm, uart if console else None)


# Properties of a board device node that refer to other nodes of the board
# tree, or that the guest's copy gets anew.
_NOT_COPIED = {"reg", "interrupts", "interrupt-parent", "clocks", "clock-names", "phandle",
               "interrupts-extended", "status"}


def _passthrough_node(sw, vm, p, board):
    """A passthrough device as the board describes it, at the guest address
    the config gives, with the interrupt the partition owns."""
    fdt = Fdt(board.dtb, board.dir / "board.dts")
    src = next((off for off in walk_devices(fdt) if fdt.reg(off)[:1] and fdt.reg(off)[0][0] == p.hpa), None)
    sw.begin_node(f"{p.name.split('@')[0]}@{p.gpa:x}")
    if src is None:
        sw.property_string("compatible", "tessera,passthrough")
    else:
        for name, value in fdt.props(src):
            if name not in _NOT_COPIED:
                sw.property(name, value)
        if fdt.prop(src, "clocks") is not None:
            sw.property("clocks", _cells(PHANDLE_CLK, ncells=1))
            sw.property("clock-names", _strings("apb_pclk"))
    sw.property("reg", _cells(p.gpa, p.size))
    _interrupts(sw, vm, p.irq)
    sw.end_node()


def _interrupts(sw, vm, irq, edge=False):
    """A device node's interrupt irq (0: none) at the partition's virtual
    interrupt controller: an SPI of its GIC, or a source of its PLIC (whose
    specifier is the source number alone)."""
    if irq and vm.vgic:
        sw.property("interrupts", _cells(GIC_SPI, irq - 32, IRQ_EDGE_RISING if edge else IRQ_LEVEL_HIGH,
                                         ncells=1))
    elif irq and vm.vplic:
        # Named on each device, as QEMU's tree does: a parent in the root
        # would also become the harts' interrupt controllers' parent.
        sw.property_u32("interrupt-parent", PHANDLE_PLIC)
        sw.property_u32("interrupts", irq)


RISCV_ISA_GUEST_DROPS = ("h",)          # a guest has no hypervisor extension of its own
NS16550_CLOCK = 0x384000                # QEMU virt's 16550 input clock (its tree says so)


def _guest_isa(isa):
    """The board's riscv,isa without the H extension: a vCPU runs in VS
    mode and cannot run a hypervisor itself."""
    base, *ext = isa.split("_")
    return "_".join([base[:4] + "".join(c for c in base[4:] if c not in RISCV_ISA_GUEST_DROPS)] + ext)


def _riscv64_dtb(vm, board):
    """riscv64: harts (reg = the virtual hart id) each with its interrupt
    controller node, memory, the virtual PLIC (one supervisor context per
    vCPU, in vCPU order), the console (a 16550A), passthrough devices and
    chosen. SBI needs no node."""
    sw = libfdt.FdtSw()
    sw.finish_reservemap()
    sw.begin_node("")
    sw.property_string("compatible", "riscv-virtio")
    sw.property_string("model", f"Tessera partition {vm.name}")
    sw.property_u32("#address-cells", 2)
    sw.property_u32("#size-cells", 2)

    sw.begin_node("cpus")
    sw.property_u32("#address-cells", 1)
    sw.property_u32("#size-cells", 0)
    sw.property_u32("timebase-frequency", board.timebase)
    for i, v in enumerate(vm.vcpus):
        sw.begin_node(f"cpu@{v.virt_id:x}")
        sw.property_string("device_type", "cpu")
        sw.property("reg", _cells(v.virt_id, ncells=1))
        sw.property_string("status", "okay")
        sw.property_string("compatible", board.cpu_compatible or "riscv")
        sw.property_string("riscv,isa", _guest_isa(board.cpu_isa))
        sw.property_string("mmu-type", board.mmu_type)
        sw.begin_node("interrupt-controller")
        sw.property_u32("#interrupt-cells", 1)
        sw.property("interrupt-controller", b"")
        sw.property_string("compatible", "riscv,cpu-intc")
        sw.property_u32("phandle", PHANDLE_CPU_INTC + i)
        sw.end_node()
        sw.end_node()
    sw.end_node()

    _memory_node(sw, vm)

    if vm.vplic:
        base, size = vm.vplic
        sw.begin_node(f"plic@{base:x}")
        sw.property("compatible", _strings("sifive,plic-1.0.0", "riscv,plic0"))
        sw.property("reg", _cells(base, size))
        sw.property_u32("#address-cells", 0)
        sw.property_u32("#interrupt-cells", 1)
        sw.property("interrupt-controller", b"")
        sw.property_u32("riscv,ndev", board.plic_ndev)
        sw.property("interrupts-extended", _cells(*[c for i in range(len(vm.vcpus))
                                                    for c in (PHANDLE_CPU_INTC + i, IRQ_S_EXT)], ncells=1))
        sw.property_u32("phandle", PHANDLE_PLIC)
        sw.end_node()

    console = next((d for d in vm.emu if d.type == EMU_CONSOLE), None)
    if console:
        uart = f"serial@{console.gpa:x}"
        sw.begin_node(uart)
        sw.property_string("compatible", "ns16550a")
        sw.property("reg", _cells(console.gpa, console.size))
        sw.property_u32("clock-frequency", NS16550_CLOCK)
        _interrupts(sw, vm, console.irq)
        sw.end_node()

    syscon = next((d for d in vm.emu if d.type == EMU_SYSCON), None)
    if syscon:
        _syscon_nodes(sw, syscon)

    for p in vm.passthrough:
        _passthrough_node(sw, vm, p, board)

    return _finish(sw, vm, uart if console else None)


SYSCON_POWEROFF, SYSCON_REBOOT = 0x5555, 0x7777     # the SiFive test device's commands


def _syscon_nodes(sw, d):
    """The power switch as QEMU virt describes its own: a SiFive test
    device that is a syscon, and the poweroff and reboot nodes that write
    its commands (what U-Boot's and Linux's syscon drivers look for)."""
    sw.begin_node(f"test@{d.gpa:x}")
    sw.property("compatible", _strings("sifive,test1", "sifive,test0", "syscon"))
    sw.property("reg", _cells(d.gpa, d.size))
    sw.property_u32("phandle", PHANDLE_SYSCON)
    sw.end_node()
    for name, value in (("poweroff", SYSCON_POWEROFF), ("reboot", SYSCON_REBOOT)):
        sw.begin_node(name)
        sw.property_string("compatible", f"syscon-{name}")
        sw.property_u32("regmap", PHANDLE_SYSCON)
        sw.property_u32("offset", 0)
        sw.property_u32("value", value)
        sw.end_node()


def _memory_node(sw, vm):
    """/memory: the partition's RAM regions (not its device mappings)."""
    ram = [r for r in vm.regions if not r.flags & MEM_DEVICE]
    sw.begin_node(f"memory@{ram[0].gpa:x}")
    sw.property_string("device_type", "memory")
    sw.property("reg", b"".join(_cells(r.gpa, r.size) for r in ram))
    sw.end_node()


def _finish(sw, vm, stdout):
    """/chosen (the console node's name, bootargs, the initrd) and the
    tree's end: the device tree's bytes."""
    sw.begin_node("chosen")
    if stdout:
        sw.property_string("stdout-path", "/" + stdout)
    if vm.cmdline:
        sw.property_string("bootargs", vm.cmdline)
    if vm.ramdisk:
        sw.property("linux,initrd-start", _cells(vm.ramdisk.gpa))
        sw.property("linux,initrd-end", _cells(vm.ramdisk.gpa + vm.ramdisk.size))
    sw.end_node()

    sw.end_node()
    # pylibfdt grows the buffer for nodes and properties but not for the
    # end tag as_fdt() adds: a tree that filled it exactly fails (NOSPACE).
    sw.resize(sw.totalsize() + 16)
    fdt = sw.as_fdt()
    fdt.pack()
    return bytes(fdt.as_bytearray())


# --- x86_64: no device tree, a multiboot (v1) information block -------------

MBI_FLAG_MEM, MBI_FLAG_CMDLINE, MBI_FLAG_MMAP = 1 << 0, 1 << 2, 1 << 6
MBI_SIZE = 0x60                          # the fixed part, up to the framebuffer fields
MMAP_ENTRY = 24                          # size (u32, not counting itself), base, length, type
MMAP_AVAILABLE = 1
LOW_MEMORY_TOP, HIGH_MEMORY = 0xA0000, 0x100000


def multiboot_info(vm, gpa=None):
    """What QEMU's multiboot loader gives a kernel in EBX, for the
    partition's own RAM: mem_lower/mem_upper and a memory map of its
    regions, and the command line. Addresses inside it are guest-physical,
    so it is built for where place_dtb puts it (gpa; None: a first pass to
    learn its size)."""
    base = gpa or 0
    ram = sorted((r.gpa, r.size) for r in vm.regions if not r.flags & MEM_DEVICE)
    mmap = b"".join((MMAP_ENTRY - 4).to_bytes(4, "little") + b.to_bytes(8, "little") + n.to_bytes(8, "little")
                    + MMAP_AVAILABLE.to_bytes(4, "little") for b, n in ram)
    lower = sum(min(b + n, LOW_MEMORY_TOP) - b for b, n in ram if b < LOW_MEMORY_TOP)
    upper = next((n - (HIGH_MEMORY - b) for b, n in ram if b <= HIGH_MEMORY < b + n), 0)
    cmdline = vm.cmdline.encode() + b"\0"
    flags = MBI_FLAG_MEM | MBI_FLAG_MMAP | MBI_FLAG_CMDLINE
    head = bytearray(MBI_SIZE)

    def u32(off, v):
        head[off:off + 4] = v.to_bytes(4, "little")
    u32(0, flags)
    u32(4, lower // 1024)
    u32(8, upper // 1024)
    u32(16, base + MBI_SIZE + len(mmap))      # cmdline
    u32(44, len(mmap))                        # mmap_length
    u32(48, base + MBI_SIZE)                  # mmap_addr
    return bytes(head) + mmap + cmdline
