"""The in-memory model every stage works on, whatever syntax it came from."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

# memory_regions flags (same bits as the ArceOS hypervisor's MappingFlags)
MEM_READ, MEM_WRITE, MEM_EXEC, MEM_USER, MEM_DEVICE, MEM_UNCACHED = 1, 2, 4, 8, 0x10, 0x20
MEM_FLAGS_ALL = 0x3F

MAP_ALLOC, MAP_IDENTICAL = 0, 1      # memory_regions map_type

EMU_CONSOLE = 0x2                    # emu_devices types (ArceOS numbering): a console,
EMU_SYSCON = 0x3                     # riscv64: the SiFive test device as the partition's power switch,
EMU_RTC = 0x4                        # x86_64: an MC146818 RTC and CMOS RAM at ports 0x70-0x71 (Tessera's number),
EMU_PLIC = 0x30                      # a PLIC (riscv64: the virtual PLIC every partition has)
SYSCON_SIZE = 0x1000                 # the power switch's page (QEMU virt's test@100000)

SPI_FIRST = 32                       # GIC: INTIDs 0-15 SGIs, 16-31 PPIs, 32-1019 SPIs
GICR_FRAME = 0x20000                 # one GICv3 redistributor: RD_base + SGI_base
GICV2_CPU_IF = 0x2000                # a GICv2 CPU interface (GICC/GICV): 8 KiB
GICV2_MAX_CPUS = 8

PAGE = 0x1000
PCI_DEVICES = 32                     # devices on a PCI bus
ECAM_DEVICE_SHIFT = 15               # ECAM: bus << 20 | device << 15 | function << 12


@dataclass
class MemRegion:
    gpa: int
    size: int
    flags: int
    map_type: int
    key: str                          # key path, for error messages
    hpa: Optional[int] = None         # filled in by place

    @property
    def gpa_end(self):
        return self.gpa + self.size


@dataclass
class EmuDevice:
    name: str
    gpa: int
    size: int
    irq: int
    type: int
    key: str


@dataclass
class Passthrough:
    name: str
    gpa: int
    hpa: int
    size: int
    irq: int
    key: str
    # filled in by place: True if the core forwards the partition's accesses
    # to it (a range smaller than a page that shares its page with ranges
    # the partition does not own); False if stage 2 maps its page(s)
    forward: bool = False

    @property
    def whole_pages(self):
        return self.size > 0 and not (self.hpa | self.size) % PAGE


@dataclass
class MsrRule:
    """x86_64 [devices] msrs entry: a model-specific register the partition
    owns (passed through by its MSR permission map), has emulated (a value
    per vCPU, reset to `reset`) or is denied (#GP)."""
    msr: int
    policy: str                        # "owned", "emulated" or "denied"
    reset: int
    key: str


@dataclass
class Image:
    """A file placed in guest memory at build time."""
    what: str                          # "kernel", "dtb", "ramdisk"
    path: Path
    gpa: int
    size: int
    key: str
    hpa: Optional[int] = None
    skip: int = 0                      # bytes of the file before what is placed (a bzImage's real-mode setup)


@dataclass
class Vcpu:
    index: int
    virt_id: int                       # the CPU id it presents: virtual MPIDR, hart id
    cpu_set: Optional[int]             # bit mask of allowed physical CPUs (None: any)
    pcpu: Optional[int] = None         # filled in by place
    why: str = ""                      # how place chose pcpu, for the report


@dataclass
class Vm:
    file: Path
    prefix: str                        # key path prefix: "" or "vm[1]."
    id: int
    name: str
    vcpus: list
    entry: int
    kernel: Image
    regions: list
    emu: list
    passthrough: list
    dtb_path: Optional[Path] = None
    dtb_load_addr: Optional[int] = None
    ramdisk: Optional[Image] = None
    cmdline: str = ""
    restart: bool = False              # on a fault or SYSTEM_RESET, start again from pristine copies
    max_restarts: int = 3
    virtual_counter: Optional[int] = 0   # its virtual count at vCPU 0's start; None: the physical count
    copies: list = field(default_factory=list)   # [(Image, copy hpa)] for restart
    channel_ends: list = field(default_factory=list)   # MemRegion per shared region it maps
    doorbells: set = field(default_factory=set)        # INTIDs that are channel doorbells (edge)
    channel_peers: list = field(default_factory=list)  # [(channel id, peer vm index, peer irq)]
    channel_list: list = field(default_factory=list)   # [(Channel, its ChannelEnd here)]
    # filled in by place / emit
    vmid: int = 0
    dtb: Optional[Image] = None
    dtb_bytes: bytes = b""
    dtb_how: str = ""                  # how place chose the device tree's address, for the report
    s2_root: int = 0
    vgic: Optional[tuple] = None       # GICv3: (gicd, size, gicr, size); GICv2: (gicd, size, gicc, size); guest-physical
    vgic_cpu: Optional[tuple] = None   # GICv2: the guest's GICC (gpa) is the GICV frame (hpa): (gpa, hpa, size)
    vplic: Optional[tuple] = None      # riscv64: the virtual PLIC, (base, size) guest-physical
    irqs: list = field(default_factory=list)   # [(INTID or PLIC source, from hardware?)] the partition owns
    device_maps: list = field(default_factory=list)   # [(gpa, hpa, size, note)]: devices stage 2 maps
    forwarded: list = field(default_factory=list)     # [Passthrough] whose accesses the core forwards
    ports: list = field(default_factory=list)         # x86_64: [Passthrough] I/O port ranges it owns
    linux: Optional[dict] = None       # x86_64: a bzImage's setup header and sizes (x86_linux.py)
    msrs: list = field(default_factory=list)          # x86_64: [MsrRule] from [devices] msrs
    bios_path: Optional[str] = None    # an axvisor x86 file's boot stub (not loaded: validate)

    def key(self, path):
        return self.prefix + path


@dataclass
class ExitDevice:
    """board.toml hypervisor.exit: a PCIe host bridge (pci-host-ecam-generic)
    on whose bus 0 the hypervisor looks for QEMU's pvpanic-pci device to
    report a failed run (arch/aarch64/exit.c). The EL2 tables map function
    0 of each bus-0 device's configuration space and the page given to the
    device's BAR0; no partition may map the ECAM or that page."""
    node: str                          # path in board.dts
    ecam: int                          # ECAM base: bus 0, device 0, function 0
    ecam_size: int
    bar: int                           # CPU address of the page BAR0 is put at
    bar_pci: int                       # the same page as a PCI bus address (what BAR0 holds)

    def pages(self):
        """The pages the hypervisor maps: 32 configuration spaces, then the BAR's."""
        return [self.ecam + (dev << ECAM_DEVICE_SHIFT) for dev in range(PCI_DEVICES)] + [self.bar]


@dataclass
class Board:
    name: str
    dir: Path
    arch: str                          # "aarch64", "riscv64" or "x86_64" (board.toml arch)
    dtb: bytes                         # compiled board.dts
    cpus: list                         # the CPUs' hardware ids (MPIDRs, hart ids), in /cpus order
    cpu_compatible: str
    ram: list                          # [(base, size)]
    devices: list                      # [(path, base, size)] MMIO of every node with reg
    hyp_base: int
    hyp_size: int
    uart_base: int
    qemu: dict
    console_compatible: str = ""       # of the hypervisor's console UART: its model
    virtio: list = field(default_factory=list)   # [(base, size)] of the virtio,mmio nodes, by address
    reserved: list = field(default_factory=list)  # [(base, size, what)]: RAM the firmware keeps
    uart_irq: int = 0                  # the console UART's interrupt: INTID (aarch64), PLIC source (riscv64),
                                       # I/O APIC pin (x86_64)
    firmware_cpus: dict = field(default_factory=dict)  # {CPU index: what}: CPUs the firmware keeps
    # aarch64
    gic_version: int = 0               # 2 or 3
    gicd: Optional[tuple] = None       # (base, size)
    gicr: Optional[tuple] = None       # GICv3: the redistributor region
    gicv2: Optional[tuple] = None      # GICv2: (GICC, GICH, GICV) as (base, size)
    timer_intids: tuple = ()           # architected timer PPIs as INTIDs: secure and
                                       # non-secure physical, virtual, hypervisor
    maintenance_intid: int = 0         # the GIC's virtual interface maintenance PPI
    pmu_intid: Optional[int] = None    # the PMU's overflow PPI; None: the board has no pmu node
    exit: Optional[ExitDevice] = None  # hypervisor.exit; None: the board has no exit device
    # riscv64
    timebase: int = 0                  # /cpus timebase-frequency (the time CSR's Hz)
    cpu_isa: str = ""                  # the harts' riscv,isa
    mmu_type: str = ""                 # the harts' mmu-type
    plic: Optional[tuple] = None       # (base, size)
    clint: Optional[tuple] = None      # (base, size)
    exit_test: Optional[tuple] = None  # hypervisor.exit: (base, node path) of the SiFive test device
    plic_ndev: int = 0                 # the PLIC's highest source number (riscv,ndev)
    plic_contexts: list = field(default_factory=list)  # per hart: its supervisor-level PLIC context
    # x86_64 (timebase above: the local APIC timer's clock; uart_base: an I/O port)
    acpi_pm: Optional[int] = None      # I/O port of the ACPI PM registers (PM1a_CNT at +4)
    exit_port: Optional[tuple] = None  # hypervisor.exit: (I/O port, node path) of isa-debug-exit
    ioapic: int = 0                    # the I/O APIC's base address
    isa_irqs: dict = field(default_factory=dict)  # {I/O APIC pin: node path} of the isa devices' interrupts

    @property
    def has_exit(self):
        return self.exit is not None or self.exit_test is not None or self.exit_port is not None


@dataclass
class System:
    file: Path
    board: Board
    vms: list
    kconfig: dict = field(default_factory=dict)
    run_time_ms: int = 0               # power off after this long (0: when every partition ended)
    channels: list = field(default_factory=list)
    qemu: Optional["QemuOptions"] = None   # the system config's [qemu]
    schedules: list = field(default_factory=list)   # [schedule.Schedule]: the shared CPUs


@dataclass
class Disk:
    """[[qemu.disks]]: a virtio-blk disk QEMU attaches to one transport."""
    transport: int                     # the transport's host address
    file: Path                         # its raw image, resolved against the config's folder
    key: str


@dataclass
class QemuOptions:
    """A system config's [qemu] table: what its machine needs beyond the board's."""
    extra: str = ""
    disks: list = field(default_factory=list)
