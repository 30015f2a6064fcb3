"""Board descriptions: boards/NAME/board.toml plus the physical device tree."""

import subprocess
from pathlib import Path

import libfdt

from .errors import ConfigError
from .load import read_file
from .model import PAGE, PCI_DEVICES, ECAM_DEVICE_SHIFT, Board, ExitDevice
from .schema import Table


def compile_dts(dts):
    proc = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", str(dts)],
                          capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigError(dts, "", "dtc failed: " + (msg[0] if msg else "no output"))
    return proc.stdout


class Fdt:
    """Read helpers over pylibfdt."""

    def __init__(self, blob, file):
        self.fdt = libfdt.Fdt(blob)
        self.file = file

    def node(self, path):
        try:
            return self.fdt.path_offset(path)
        except libfdt.FdtException:
            raise ConfigError(self.file, path, "node not found in the board device tree") from None

    def prop(self, off, name, default=None):
        # Walk the properties the node has rather than getprop(), which on a
        # missing property drops a reference to None (pylibfdt as Debian ships
        # it): a process that loads boards often enough aborts at exit.
        try:
            p = self.fdt.first_property_offset(off)
            while True:
                prop = self.fdt.get_property_by_offset(p)
                if prop.name == name:
                    return bytes(prop)
                p = self.fdt.next_property_offset(p)
        except libfdt.FdtException:
            return default

    def props(self, off):
        """[(name, bytes)] of a node's properties, in order."""
        out = []
        try:
            p = self.fdt.first_property_offset(off)
            while True:
                prop = self.fdt.get_property_by_offset(p)
                out.append((prop.name, bytes(prop)))
                p = self.fdt.next_property_offset(p)
        except libfdt.FdtException:
            return out

    def cells(self, off, name):
        raw = self.prop(off, name)
        if raw is None:
            return None
        return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]

    def strings(self, off, name):
        raw = self.prop(off, name)
        return [] if raw is None else [s.decode() for s in raw.split(b"\0") if s]

    def subnodes(self, off):
        try:
            child = self.fdt.first_subnode(off)
        except libfdt.FdtException:
            return
        while True:
            yield child
            try:
                child = self.fdt.next_subnode(child)
            except libfdt.FdtException:
                return

    def reg(self, off):
        """[(base, size)] from reg, honouring the parent's cell counts."""
        parent = self.fdt.parent_offset(off)
        ac = (self.cells(parent, "#address-cells") or [2])[0]
        sc = (self.cells(parent, "#size-cells") or [1])[0]
        cells = self.cells(off, "reg") or []
        out, step = [], ac + sc
        for i in range(0, len(cells) - step + 1, step):
            base = _join(cells[i:i + ac])
            size = _join(cells[i + ac:i + step])
            out.append((base, size))
        return out

    def path(self, off):
        names = []
        while off > 0:
            names.append(self.fdt.get_name(off))
            off = self.fdt.parent_offset(off)
        return "/" + "/".join(reversed(names))


HYP_VA_LIMIT = 1 << 32
GICV2_COMPATIBLE = ("arm,cortex-a15-gic", "arm,gic-400")


def _join(cells):
    value = 0
    for c in cells:
        value = (value << 32) | c
    return value


ARCHES = ["aarch64", "riscv64", "x86_64"]


def walk_devices(fdt):
    """Every node a device may be: the root's children, and the children of
    a simple-bus with identity ranges (riscv64 virt keeps its devices under
    /soc), in tree order."""
    for off in fdt.subnodes(0):
        yield off
        if "simple-bus" in fdt.strings(off, "compatible") and fdt.prop(off, "ranges") == b"":
            yield from fdt.subnodes(off)


def load_board(name, boards_dir):
    bdir = Path(boards_dir) / name
    file = bdir / "board.toml"
    if not file.is_file():
        known = sorted(p.name for p in Path(boards_dir).iterdir() if (p / "board.toml").is_file())
        raise ConfigError(file, "", f"unknown board {name!r}; boards: {', '.join(known)}")
    top = Table(read_file(file), file, "")
    arch = top.str("arch", choices=ARCHES)
    top.str("name")
    dts = bdir / top.str("dts")
    hyp = top.table("hypervisor")
    hyp_base, hyp_size = hyp.int("base"), hyp.int("size")
    console = hyp.str("console")
    exit_node = hyp.str("exit", required=False)
    hyp.finish()
    reserved = []
    for i, r in enumerate(top.list("reserved", required=False) or []):
        rt = Table(r, file, f"reserved[{i}]")
        reserved.append((rt.int("base"), rt.int("size"), rt.str("what")))
        rt.finish()
    reserved_cpus = []
    for i, r in enumerate(top.list("reserved_cpu", required=False) or []):
        rt = Table(r, file, f"reserved_cpu[{i}]")
        reserved_cpus.append((rt.int("id"), rt.str("what"), rt.key("id")))
        rt.finish()
    qemu_t = top.table("qemu")
    qemu = {k: qemu_t.str(k) for k in ("binary", "machine", "cpu", "memory", "extra")}
    qemu_t.finish()
    top.finish()

    blob = compile_dts(dts)
    fdt = Fdt(blob, dts)
    cpus, compat, cpu_offs = [], "", []
    for off in fdt.subnodes(fdt.node("/cpus")):
        if fdt.strings(off, "device_type") == ["cpu"]:
            cpus.append(_join(fdt.cells(off, "reg")))
            cpu_offs.append(off)
            compat = compat or (fdt.strings(off, "compatible") or [""])[0]
    ram, devices, virtio = [], [], []
    for off in walk_devices(fdt):
        if fdt.strings(off, "device_type") == ["memory"]:
            ram.extend(fdt.reg(off))
            continue
        if "simple-bus" in fdt.strings(off, "compatible"):
            continue            # a bus: its children are the devices
        for base, size in fdt.reg(off):
            devices.append((fdt.path(off), base, size))
        if "virtio,mmio" in fdt.strings(off, "compatible"):
            virtio.extend(fdt.reg(off)[:1])
    # The hypervisor's own translation covers 4 GiB (aarch64: TCR_EL2.T0SZ
    # = 32; riscv64: what it maps of Sv39).
    for what, base, size in [("RAM", b, s) for b, s in ram] + devices:
        if base + size > HYP_VA_LIMIT:
            raise ConfigError(dts, what, f"{base:#x}-{base + size:#x} lies above 4 GiB, beyond what "
                                         "the hypervisor maps; leave it out of the board tree")
    for i, (base, size, what) in enumerate(reserved):
        if base % PAGE or size % PAGE or not size:
            raise ConfigError(file, f"reserved[{i}]", f"{base:#x}-{base + size:#x} ({what}) is not whole 4 KiB pages")
    firmware_cpus = {}
    for hw_id, what, key in reserved_cpus:
        if hw_id not in cpus:
            raise ConfigError(file, key, f"{hw_id:#x} is no CPU of {dts.name} (its /cpus: "
                                         f"{', '.join(f'{c:#x}' for c in cpus)})")
        firmware_cpus[cpus.index(hw_id)] = what
    uart_off = fdt.node(console)
    uart = fdt.reg(uart_off)
    common = dict(name=name, dir=bdir, arch=arch, dtb=blob, cpus=cpus, cpu_compatible=compat,
                  ram=sorted(ram), devices=devices, hyp_base=hyp_base, hyp_size=hyp_size,
                  uart_base=uart[0][0], qemu=qemu, virtio=sorted(virtio), reserved=reserved,
                  console_compatible=(fdt.strings(uart_off, "compatible") or [""])[0],
                  firmware_cpus=firmware_cpus)
    if arch == "riscv64":
        return Board(**common, **_riscv64_parts(fdt, dts, cpu_offs, console, uart_off, exit_node))
    if arch == "x86_64":
        common.update(_x86_64_parts(fdt, dts, console, uart_off, exit_node))
        return Board(**common)
    return Board(**common, **_aarch64_parts(fdt, dts, console, uart_off, exit_node))


def _aarch64_parts(fdt, dts, console, uart_off, exit_node):
    """The GIC, the architected timer and PMU PPIs, the console's SPI and
    the exit device (pvpanic-pci on a PCIe bridge)."""
    gic, gic_version, gic_off, timer_off, pmu_off = None, 0, None, None, None
    for off in walk_devices(fdt):
        node_compat = fdt.strings(off, "compatible")
        if "arm,gic-v3" in node_compat:
            gic, gic_version, gic_off = fdt.reg(off), 3, off
        elif any(c in node_compat for c in GICV2_COMPATIBLE):
            gic, gic_version, gic_off = fdt.reg(off), 2, off
        elif "arm,armv8-timer" in node_compat:
            timer_off = off
        elif "arm,armv8-pmuv3" in node_compat:
            pmu_off = off
    if gic is None or len(gic) < (2 if gic_version == 3 else 4):
        raise ConfigError(dts, "/", "no interrupt controller Tessera can use: an arm,gic-v3 node with GICD "
                                    "and GICR regions, or a GICv2 (arm,cortex-a15-gic) with GICD, GICC, "
                                    "GICH and GICV")
    maintenance = _ppis(fdt, dts, gic_off, 1, "the GIC node needs interrupts = <1 PPI flags>: "
                                              "its maintenance interrupt")
    if timer_off is None:
        raise ConfigError(dts, "/", "no arm,armv8-timer node: the architected timer's interrupts "
                                    "are taken from it")
    timers = _ppis(fdt, dts, timer_off, 4, "the timer needs interrupts = <1 PPI flags> for its secure "
                                           "and non-secure physical, virtual and hypervisor timers")
    # The PMU's overflow interrupt, if the board describes one: forwarded to
    # the vCPU on each pCPU like the timers (guests get a pmu node).
    pmu = None if pmu_off is None else \
        _ppis(fdt, dts, pmu_off, 1, "the PMU node needs interrupts = <1 PPI flags>: its overflow interrupt")[0]
    # Each of these PPIs is routed on its own: the hypervisor keeps two of
    # them, guests get the others; one INTID for two would mix them up.
    timer_names = ("its secure physical timer", "its physical timer", "its virtual timer",
                   "its hypervisor timer")
    ppis = [(what, intid, timer_off) for what, intid in zip(timer_names, timers)]
    ppis.append(("the GIC maintenance interrupt", maintenance[0], gic_off))
    if pmu:
        ppis.append(("the PMU overflow interrupt", pmu, pmu_off))
    for i, (what, intid, off) in enumerate(ppis):
        for other, other_intid, _ in ppis[:i]:
            if intid == other_intid:
                raise ConfigError(dts, fdt.path(off), f"{what} is PPI {intid - 16} (INTID {intid}), as is "
                                                      f"{other}; give each its own PPI")
    irq = fdt.cells(uart_off, "interrupts")
    if not irq or len(irq) < 3 or irq[0] != 0:
        raise ConfigError(dts, console, "the console UART needs interrupts = <0 SPI flags> (GIC SPI)")
    exit_dev = None if exit_node is None else _exit_device(fdt, dts, fdt.node(exit_node))
    return dict(uart_irq=32 + irq[1], gic_version=gic_version, gicd=gic[0],
                gicr=gic[1] if gic_version == 3 else None,
                gicv2=tuple(gic[1:4]) if gic_version == 2 else None, timer_intids=timers,
                maintenance_intid=maintenance[0], pmu_intid=pmu, exit=exit_dev)


SIFIVE_TEST = "sifive,test0"
RISCV_PAGING = ("riscv,sv39", "riscv,sv48", "riscv,sv57")


def _riscv64_parts(fdt, dts, cpu_offs, console, uart_off, exit_node):
    """The harts' ISA (the H extension) and timebase, the PLIC and CLINT,
    and the exit device (the SiFive test device)."""
    cpus = fdt.node("/cpus")
    timebase = (fdt.cells(cpus, "timebase-frequency") or [0])[0]
    if not timebase:
        raise ConfigError(dts, "/cpus", "needs timebase-frequency: the frequency of the time CSR")
    isas = {(fdt.strings(off, "riscv,isa") or [""])[0] for off in cpu_offs}
    mmus = {(fdt.strings(off, "mmu-type") or [""])[0] for off in cpu_offs}
    if len(isas) != 1 or len(mmus) != 1:
        raise ConfigError(dts, "/cpus", "every hart needs the same riscv,isa and mmu-type")
    isa, mmu = isas.pop(), mmus.pop()
    base_isa = isa.split("_")[0]
    if not base_isa.startswith("rv64") or "h" not in base_isa[4:]:
        raise ConfigError(dts, "/cpus", f"riscv,isa {isa!r} has no H extension (rv64...h...): Tessera runs "
                                        "in HS mode")
    if mmu not in RISCV_PAGING:
        raise ConfigError(dts, "/cpus", f"mmu-type {mmu!r}: Tessera needs Sv39 or more (riscv,sv39, "
                                        "riscv,sv48 or riscv,sv57)")
    plic = clint = plic_off = None
    for off in walk_devices(fdt):
        node_compat = fdt.strings(off, "compatible")
        if "riscv,plic0" in node_compat or "sifive,plic-1.0.0" in node_compat:
            plic, plic_off = fdt.reg(off)[0], off
        elif "riscv,clint0" in node_compat or "sifive,clint0" in node_compat:
            clint = fdt.reg(off)[0]
    if plic is None:
        raise ConfigError(dts, "/", "no riscv,plic0 node: the interrupt controller (QEMU virt's "
                                    "aia=none) is taken from it")
    if "ns16550a" not in fdt.strings(uart_off, "compatible"):
        raise ConfigError(dts, console, "the console UART must be an ns16550a (the hypervisor's "
                                        "riscv64 console driver)")
    ndev = (fdt.cells(plic_off, "riscv,ndev") or [0])[0]
    if not 0 < ndev <= PLIC_MAX_SOURCE:
        raise ConfigError(dts, fdt.path(plic_off), f"riscv,ndev must be the PLIC's highest source "
                                                   f"number, 1-{PLIC_MAX_SOURCE}")
    uart_irq = (fdt.cells(uart_off, "interrupts") or [0])[0]
    if not 0 < uart_irq <= ndev:
        raise ConfigError(dts, console, "the console UART needs its PLIC source in interrupts "
                                        "(the hypervisor's console input)")
    exit_test = None
    if exit_node is not None:
        off = fdt.node(exit_node)
        if SIFIVE_TEST not in fdt.strings(off, "compatible") or not fdt.reg(off):
            raise ConfigError(dts, exit_node, "the exit device (board.toml hypervisor.exit) must be a SiFive "
                                              "test device (compatible = \"sifive,test0\"), which ends QEMU "
                                              "with an exit status")
        exit_test = (fdt.reg(off)[0][0], fdt.path(off))
    return dict(timebase=timebase, cpu_isa=isa, mmu_type=mmu, plic=plic, clint=clint,
                exit_test=exit_test, uart_irq=uart_irq, plic_ndev=ndev,
                plic_contexts=_plic_s_contexts(fdt, dts, plic_off, cpu_offs))


PLIC_MAX_SOURCE = 1023                  # the PLIC's source numbers: 1-1023
IRQ_S_EXT = 9                           # a hart's supervisor external interrupt


def _plic_s_contexts(fdt, dts, plic_off, cpu_offs):
    """For each hart (in /cpus order) the PLIC context that raises its
    supervisor external interrupt: the index of the <&intc 9> pair naming
    the hart's interrupt controller in the PLIC's interrupts-extended."""
    by_phandle = {}
    for i, off in enumerate(cpu_offs):
        for sub in fdt.subnodes(off):
            if "riscv,cpu-intc" in fdt.strings(sub, "compatible"):
                by_phandle[(fdt.cells(sub, "phandle") or [0])[0]] = i
    cells = fdt.cells(plic_off, "interrupts-extended") or []
    contexts = [None] * len(cpu_offs)
    for ctx in range(len(cells) // 2):
        hart = by_phandle.get(cells[2 * ctx])
        if hart is not None and cells[2 * ctx + 1] == IRQ_S_EXT and contexts[hart] is None:
            contexts[hart] = ctx
    if None in contexts:
        raise ConfigError(dts, fdt.path(plic_off), f"interrupts-extended gives hart "
                                                   f"{contexts.index(None)} no supervisor context "
                                                   f"(<&its-intc {IRQ_S_EXT}>): Tessera takes its "
                                                   "interrupts there")
    return contexts


ISA_IO_SPACE = 1                        # isa bus: reg = <1 port size> is an I/O port range
X86_EXIT_COMPATIBLE = "qemu,isa-debug-exit"
X86_PM_COMPATIBLE = "intel,ich9-pm"
X86_IOAPIC_COMPATIBLE = "intel,ioapic"
X86_IOAPIC_PINS = 24                    # the 82093AA's redirection entries (arch/x86_64/vioapic.h)


def io_ports(fdt, off):
    """[(port, count)] of a node on an isa bus (reg = <1 port size>)."""
    return [(base & 0xFFFF, size) for base, size in fdt.reg(off) if base >> 32 == ISA_IO_SPACE]


def _x86_64_parts(fdt, dts, console, uart_off, exit_node):
    """The local APIC timer's clock, the console 16550's I/O ports and its
    interrupt (a pin of the I/O APIC), the I/O APIC, the interrupts of the
    isa devices, the ACPI PM registers (power-off) and the exit device
    (isa-debug-exit)."""
    timebase = (fdt.cells(fdt.node("/cpus"), "timebase-frequency") or [0])[0]
    if not timebase:
        raise ConfigError(dts, "/cpus", "needs timebase-frequency: the local APIC timer's input clock")
    if any(hw > 0xFE for hw in [_join(fdt.cells(off, "reg")) for off in fdt.subnodes(fdt.node("/cpus"))]):
        raise ConfigError(dts, "/cpus", "an APIC id above 0xfe: Tessera starts CPUs through the xAPIC "
                                        "(8-bit ids, 0xff is the broadcast)")
    ports = io_ports(fdt, uart_off)
    if "ns16550a" not in fdt.strings(uart_off, "compatible") or not ports:
        raise ConfigError(dts, console, "the console must be an ns16550a on the isa bus (reg = <1 port 8>): "
                                        "the hypervisor's x86_64 console driver")
    ioapic = [fdt.reg(off)[0][0] for off in fdt.subnodes(0)
              if X86_IOAPIC_COMPATIBLE in fdt.strings(off, "compatible") and fdt.reg(off)]
    if not ioapic:
        raise ConfigError(dts, "/", f"needs an I/O APIC node (compatible = \"{X86_IOAPIC_COMPATIBLE}\", its reg): "
                                    "device interrupts and the console's input come through it")
    pm = exit_port = None
    isa_irqs = {}
    for off in fdt.subnodes(fdt.fdt.parent_offset(uart_off)):
        if X86_PM_COMPATIBLE in fdt.strings(off, "compatible") and io_ports(fdt, off):
            pm = io_ports(fdt, off)[0][0]
        for pin in fdt.cells(off, "interrupts") or []:
            if pin >= X86_IOAPIC_PINS:
                raise ConfigError(dts, fdt.path(off), f"interrupts = <{pin}> is no pin of the I/O APIC "
                                                      f"(0-{X86_IOAPIC_PINS - 1})")
            isa_irqs[pin] = fdt.path(off)
    uart_irq = (fdt.cells(uart_off, "interrupts") or [None])[0]
    if uart_irq is None:
        raise ConfigError(dts, console, "the console needs its interrupt (interrupts = <I/O APIC pin>): "
                                        "console input arrives through it")
    if exit_node is not None:
        off = fdt.node(exit_node)
        if X86_EXIT_COMPATIBLE not in fdt.strings(off, "compatible") or not io_ports(fdt, off):
            raise ConfigError(dts, exit_node, "the exit device (board.toml hypervisor.exit) must be QEMU's "
                                              f"isa-debug-exit (compatible = \"{X86_EXIT_COMPATIBLE}\", "
                                              "reg = <1 port size>), which ends QEMU with an exit status")
        exit_port = (io_ports(fdt, off)[0][0], fdt.path(off))
    return dict(uart_base=ports[0][0], timebase=timebase, acpi_pm=pm, exit_port=exit_port, ioapic=ioapic[0],
                uart_irq=uart_irq, isa_irqs=isa_irqs)


PCI_SPACE_MEM32 = 2                     # phys.hi bits 25:24 of a PCI address: 32-bit memory


def _exit_device(fdt, dts, off):
    """hypervisor.exit: a pci-host-ecam-generic node. Its ECAM (reg) must
    start with bus 0; BAR0 of the exit device goes at the first page of its
    32-bit memory window (ranges)."""
    path = fdt.path(off)
    if "pci-host-ecam-generic" not in fdt.strings(off, "compatible"):
        raise ConfigError(dts, path, "the exit device (board.toml hypervisor.exit) must be a PCIe host bridge "
                                     "with compatible = \"pci-host-ecam-generic\", on which QEMU's pvpanic-pci "
                                     "sits")
    reg = fdt.reg(off)
    bus_range = fdt.cells(off, "bus-range") or [0]
    if not reg or reg[0][1] < PCI_DEVICES << ECAM_DEVICE_SHIFT or bus_range[0] != 0:
        raise ConfigError(dts, path, "the exit device's reg must be its ECAM, starting with bus 0 "
                                     "(bus-range = <0 ...>) and at least 1 MiB long")
    child_ac = (fdt.cells(off, "#address-cells") or [0])[0]
    child_sc = (fdt.cells(off, "#size-cells") or [0])[0]
    parent_ac = (fdt.cells(fdt.fdt.parent_offset(off), "#address-cells") or [2])[0]
    cells, step = fdt.cells(off, "ranges") or [], child_ac + parent_ac + child_sc
    window = None
    if child_ac == 3:
        for i in range(0, len(cells) - step + 1, step):
            if (cells[i] >> 24) & 3 == PCI_SPACE_MEM32:
                size = _join(cells[i + child_ac + parent_ac:i + step])
                window = (_join(cells[i + 1:i + 3]), _join(cells[i + 3:i + child_ac + parent_ac]), size)
                break
    if window is None or window[2] < PAGE or window[0] % PAGE or window[1] % PAGE or \
            window[1] + PAGE > HYP_VA_LIMIT:
        raise ConfigError(dts, path, "the exit device needs a 32-bit memory window in its ranges "
                                     "(#address-cells = <3>, a 0x2000000 entry), page-aligned and below 4 GiB: "
                                     "the pvpanic-pci device's BAR0 goes there")
    bar_pci, bar, _ = window
    return ExitDevice(node=path, ecam=reg[0][0], ecam_size=reg[0][1], bar=bar, bar_pci=bar_pci)


def _ppis(fdt, dts, off, count, fix):
    """The first count interrupts of node off, each a PPI (<1 n flags>), as INTIDs."""
    cells = fdt.cells(off, "interrupts") or []
    triples = [cells[i:i + 3] for i in range(0, len(cells) - 2, 3)][:count]
    if len(triples) < count or any(t[0] != 1 or t[1] > 15 for t in triples):
        raise ConfigError(dts, fdt.path(off), fix)
    return tuple(16 + t[1] for t in triples)
