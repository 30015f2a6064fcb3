"""Inter-partition channels: a shared memory region between named partitions
(read-write or read-only per side) and a doorbell, a virtual interrupt one
side raises in the other with a hypercall. Only declared pairs can signal
each other: the hypervisor's table lists, per partition, the channels it is
an end of and whom their doorbell reaches.

    [[channel]]
    name = "to-rt"
    size = 0x1000
    ends = [
        { vm = "linux", gpa = 0x5000_0000, access = "rw", irq = 40 },
        { vm = "rt",    gpa = 0x5000_0000, access = "ro", irq = 40 },
    ]
"""

from dataclasses import dataclass

from .errors import ConfigError
from .model import MEM_READ, MEM_WRITE, PAGE, SPI_FIRST, MemRegion
from .arch import info
from .schema import Table, keypath
from .validate import overlaps, rng

ACCESS = {"rw": MEM_READ | MEM_WRITE, "ro": MEM_READ}


@dataclass
class ChannelEnd:
    vm: object                  # the Vm, once resolved
    vm_name: str
    gpa: int
    access: str
    irq: int                    # doorbell INTID in this partition (0: none)
    key: str


@dataclass
class Channel:
    id: int
    name: str
    size: int
    ends: list
    key: str
    hpa: int = 0
    file: object = None


MAX_CHANNELS = 256          # checking and placing them is quadratic in their number


def load_channels(top, file):
    channels = []
    lst = top.list("channel", required=False) or []
    if len(lst) > MAX_CHANNELS:
        raise ConfigError(file, "channel", f"has {len(lst)} entries; a system has at most {MAX_CHANNELS} channels")
    for i, raw in enumerate(lst):
        key = keypath("channel", i)
        t = Table(raw, file, key)
        name = t.str("name")
        if not name or "*/" in name or "/*" in name or not all(" " <= c <= "~" for c in name):    # in C comments
            raise ConfigError(file, t.key("name"), f"{name!r} is not a usable channel name; "
                                                   "use printable ASCII characters, without '*/' or '/*'")
        size = t.int("size", minimum=PAGE)
        ends_raw = t.list("ends")
        t.finish()
        if size % PAGE:
            raise ConfigError(file, t.key("size"), f"{size:#x} is not a multiple of 4 KiB")
        if len(ends_raw) < 2:
            raise ConfigError(file, t.key("ends"), "a channel needs at least two ends")
        ends = []
        for j, e in enumerate(ends_raw):
            et = Table(e, file, keypath(t.key("ends"), j))
            ends.append(ChannelEnd(None, et.str("vm"), et.int("gpa"), et.str("access", choices=list(ACCESS)),
                                   et.int("irq", required=False, default=0), et.path))
            et.finish()
        channels.append(Channel(i, name, size, ends, key, file=file))
    return channels


def check_channels(channels, vms, board):
    """Resolve the ends to partitions and check everything a channel can get
    wrong; give each end's partition its doorbell interrupt."""
    by_name = {vm.name: vm for vm in vms}
    names = set()
    if channels and board.arch != "aarch64":
        raise ConfigError(channels[0].file, channels[0].key, f"channels need doorbell interrupts and Tessera's "
                                                             f"hypercalls, which board {board.name} ({board.arch}) "
                                                             "does not have yet; remove the channel")
    ipa_bits = info(board).ipa_bits
    for ch in channels:
        if ch.name in names:
            raise ConfigError(ch.file, ch.key + ".name", f"{ch.name!r} is already the name of a channel")
        names.add(ch.name)
        seen = set()
        for e in ch.ends:
            if e.vm_name not in by_name:
                raise ConfigError(ch.file, e.key + ".vm", f"{e.vm_name!r} is no partition of this system; "
                                                          f"partitions: {', '.join(sorted(by_name))}")
            if e.vm_name in seen:
                raise ConfigError(ch.file, e.key + ".vm", f"{e.vm_name!r} is already an end of this channel")
            seen.add(e.vm_name)
            e.vm = vm = by_name[e.vm_name]
            if e.gpa % PAGE:
                raise ConfigError(ch.file, e.key + ".gpa", f"{e.gpa:#x} is not 4 KiB-aligned")
            if e.gpa + ch.size > 1 << ipa_bits:
                raise ConfigError(ch.file, e.key + ".gpa", f"guest range {rng(e.gpa, ch.size)} ends above "
                                                           f"{1 << ipa_bits:#x}, the end of the {ipa_bits}-bit "
                                                           "guest-physical address space")
            _check_free_gpa(ch, e, vm)
            if e.irq:
                if e.irq < SPI_FIRST or e.irq > 1019:
                    raise ConfigError(ch.file, e.key + ".irq", f"{e.irq} is no shared peripheral interrupt; "
                                                               "use an INTID from 32 to 1019")
                if any(irq == e.irq for irq, _ in vm.irqs):
                    raise ConfigError(ch.file, e.key + ".irq", f"irq {e.irq} is already used in partition "
                                                               f"{vm.name!r}")
                vm.irqs = sorted(vm.irqs + [(e.irq, False)])
                vm.doorbells.add(e.irq)
        if not any(e.access == "rw" for e in ch.ends):
            raise ConfigError(ch.file, ch.key + ".ends", "no end may write: give one end access = \"rw\"")


def _check_free_gpa(ch, e, vm):
    """The shared region must not cover the partition's memory, devices,
    virtual GIC or another channel end."""
    taken = [(r.gpa, r.size, f"partition {vm.name!r} {vm.key(r.key)}") for r in vm.regions]
    taken += [(d.gpa, d.size, f"partition {vm.name!r} {vm.key(d.key)}") for d in vm.emu + vm.passthrough]
    if vm.vgic:
        taken += [(vm.vgic[0], vm.vgic[1], "the virtual GIC distributor"),
                  (vm.vgic[2], vm.vgic[3], "the virtual GIC CPU interface")]
    taken += [(c.gpa, c.size, c.key) for c in vm.channel_ends]
    for base, size, what in taken:
        if overlaps(e.gpa, ch.size, base, size):
            raise ConfigError(ch.file, e.key + ".gpa", f"guest range {rng(e.gpa, ch.size)} overlaps "
                                                       f"{what} ({rng(base, size)})")
    vm.channel_ends.append(MemRegion(e.gpa, ch.size, ACCESS[e.access], 0, e.key))
    vm.channel_list.append((ch, e))


def place_channels(channels, board, used, find_free):
    for ch in channels:
        probe = MemRegion(0, ch.size, 0, 0, "")
        hpa = find_free(board, used, probe)
        if hpa is None:
            raise ConfigError(ch.file, ch.key + ".size", f"{ch.size:#x} bytes of shared memory do not fit in "
                                                         "the free RAM; shrink it or the partitions")
        ch.hpa = hpa
        used.append((hpa, ch.size))
        for e in ch.ends:
            region = next(r for r in e.vm.channel_ends if r.key == e.key)
            region.hpa = hpa
            # Whom this end's doorbell reaches: every other end (irq 0: one
            # without a doorbell; ringing it is allowed and does nothing there).
            for other in ch.ends:
                if other is not e:
                    e.vm.channel_peers.append((ch.id, vms_index(other.vm), other.irq))


def vms_index(vm):
    return vm.vmid - 1
