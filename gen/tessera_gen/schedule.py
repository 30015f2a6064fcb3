"""Time partitioning: the cyclic schedules of shared physical CPUs.

A system config's `[[schedule]]` entry shares one physical CPU between
several vCPUs: a major frame (`major_frame_us`) split into windows, each
owned by one vCPU, repeated for ever. Everything is decided here, at build
time; the hypervisor only walks the table it is given (src/schedule.c).

The vCPUs that share a CPU (its members) are those named by its windows and
those pinned to that CPU alone (phys_cpu_sets with only its bit). Without
`windows`, the members get equal windows in config order, and layout.txt
says so. Time the frame leaves to no window is idle time.
"""

from dataclasses import dataclass, field
from typing import Optional

from .errors import ConfigError
from .schema import Table, keypath

# The shortest window the hypervisor honours: a window boundary costs an
# EL2 timer interrupt and a full vCPU context switch (a few microseconds
# under QEMU, `make bench`); a window of less than 100 us would be mostly
# switch.
MIN_WINDOW_US = 100
MAX_FRAME_US = 10_000_000       # 10 s; in 32 bits, and its ticks fit 64
# The architectures whose port switches vCPUs (arch_vcpu_save/resume,
# docs/porting.md); a schedule on another is refused.
SCHEDULE_ARCHES = ("aarch64", "riscv64", "x86_64")
# x86_64: a vCPU switch saves and loads the MSRs its partition owns, at
# most this many (OWNED_MSRS, arch/x86_64/switch.c).
SWITCHED_OWNED_MSRS = 16


@dataclass
class Window:
    start_us: int
    end_us: int
    vm_name: str
    vcpu_index: int
    key: str
    vm: object = None               # filled in by check_schedules
    vcpu: object = None


@dataclass
class Schedule:
    cpu: int
    major_frame_us: int
    windows: Optional[list]         # None: derive equal windows
    key: str
    file: object
    derived: bool = False
    members: list = field(default_factory=list)    # [(Vm, Vcpu)] sharing the CPU

    def k(self, name):
        return keypath(self.key, name)


def load_schedules(top, path):
    """[[schedule]] tables of a system config."""
    out = []
    for i, s in enumerate(top.list("schedule", required=False) or []):
        t = Table(s, path, keypath("schedule", i))
        cpu = t.int("cpu", maximum=63)
        frame = t.int("major_frame_us", minimum=1, maximum=MAX_FRAME_US)
        lst = t.list("windows", required=False)
        windows = None
        if lst is not None:
            windows = []
            for j, w in enumerate(lst):
                wt = Table(w, path, keypath(t.key("windows"), j))
                windows.append(Window(wt.int("start_us", maximum=MAX_FRAME_US),
                                      wt.int("end_us", maximum=MAX_FRAME_US),
                                      wt.str("vm"), wt.int("vcpu", maximum=63), wt.path))
                wt.finish()
        t.finish()
        out.append(Schedule(cpu, frame, windows, t.path, path))
    return out


def check_schedules(schedules, vms, board):
    """Validate every schedule and pin its members to its CPU. Returns the
    set of shared CPUs (no other vCPU may be placed there)."""
    shared = {}
    if schedules and board.arch not in SCHEDULE_ARCHES:
        s = schedules[0]
        raise ConfigError(s.file, s.key, f"time partitioning is implemented on {' and '.join(SCHEDULE_ARCHES)} "
                                         f"only so far; board {board.name} is {board.arch}: give each vCPU its "
                                         "own CPU")
    by_name = {vm.name: vm for vm in vms}
    ncpu = len(board.cpus)
    for s in schedules:
        if s.cpu >= ncpu:
            raise ConfigError(s.file, s.k("cpu"), f"CPU {s.cpu} does not exist: board {board.name} has CPUs "
                                                  f"0-{ncpu - 1}")
        if s.cpu in shared:
            raise ConfigError(s.file, s.k("cpu"), f"CPU {s.cpu} already has a schedule ({shared[s.cpu].key}); "
                                                  "give each shared CPU one schedule")
        shared[s.cpu] = s
        named = _check_windows(s, by_name) if s.windows is not None else []
        pinned = [(vm, v) for vm in vms for v in vm.vcpus if v.cpu_set == 1 << s.cpu]
        order = {id(vm): i for i, vm in enumerate(vms)}
        both = {(id(vm), v.index): (vm, v) for vm, v in named + pinned}
        s.members = sorted(both.values(), key=lambda m: (order[id(m[0])], m[1].index))
        named_ids = {(id(vm), v.index) for vm, v in named}
        if s.windows is None:
            _derive(s)
        for vm, v in pinned:
            if s.windows is not None and not s.derived and (id(vm), v.index) not in named_ids:
                raise ConfigError(s.file, s.k("windows"),
                                  f"vm {vm.name!r} vcpu {v.index} is pinned to CPU {s.cpu}, which this schedule "
                                  "shares, but has no window; give it at least one")
    owner = {}
    for s in schedules:
        for vm, v in s.members:
            if (vm.name, v.index) in owner:
                raise ConfigError(s.file, s.k("windows"),
                                  f"vm {vm.name!r} vcpu {v.index} already has windows on CPU "
                                  f"{owner[vm.name, v.index]}; a vCPU runs on one CPU")
            owner[vm.name, v.index] = s.cpu
            v.pcpu = s.cpu
            v.why = f"shares CPU {s.cpu} by {s.key}"
            if vm.restart:
                raise ConfigError(vm.file, vm.key("base.restart"),
                                  f"partition {vm.name!r} has a vCPU on shared CPU {s.cpu} ({s.key}); a partition "
                                  "with a vCPU on a shared CPU cannot restart yet: set restart = false")
            owned = [m for m in vm.msrs if m.policy == "owned"]
            if len(owned) > SWITCHED_OWNED_MSRS:
                raise ConfigError(vm.file, vm.key(owned[SWITCHED_OWNED_MSRS].key),
                                  f"partition {vm.name!r} owns {len(owned)} MSRs and has a vCPU on shared CPU "
                                  f"{s.cpu} ({s.key}); the vCPU switch keeps at most {SWITCHED_OWNED_MSRS}: have "
                                  "the others emulated")
    return set(shared)


def _check_windows(s, by_name):
    """Each window names a vCPU that may run on the CPU and lies inside the
    frame, long enough and overlapping no other. Returns the named vCPUs."""
    named = []
    if not s.windows:
        raise ConfigError(s.file, s.k("windows"), "is empty; give the CPU's windows, or leave windows out to "
                                                  "share the frame equally")
    for w in s.windows:
        vm = by_name.get(w.vm_name)
        if vm is None:
            raise ConfigError(s.file, keypath(w.key, "vm"), f"{w.vm_name!r} is no partition of this system; use "
                                                            f"one of: {', '.join(sorted(by_name))}")
        if w.vcpu_index >= len(vm.vcpus):
            raise ConfigError(s.file, keypath(w.key, "vcpu"), f"is {w.vcpu_index}, but partition {vm.name!r} has "
                                                              f"{len(vm.vcpus)} vCPU{'s' if len(vm.vcpus) > 1 else ''}")
        v = vm.vcpus[w.vcpu_index]
        if not v.cpu_set >> s.cpu & 1:
            raise ConfigError(s.file, keypath(w.key, "vcpu"),
                              f"vm {vm.name!r} vcpu {v.index} is pinned to CPUs {v.cpu_set:#x} "
                              f"({vm.key(keypath('base.phys_cpu_sets', v.index))}), not CPU {s.cpu}; a vCPU's "
                              "windows are on the CPU it is pinned to")
        if w.end_us <= w.start_us:
            raise ConfigError(s.file, keypath(w.key, "end_us"), f"is {w.end_us}, not after start_us "
                                                                f"({w.start_us}); a window ends after it starts")
        if w.end_us > s.major_frame_us:
            raise ConfigError(s.file, keypath(w.key, "end_us"), f"is {w.end_us}, past the major frame "
                                                                f"({s.major_frame_us} us); windows lie inside it")
        if w.end_us - w.start_us < MIN_WINDOW_US:
            raise ConfigError(s.file, w.key, f"is {w.end_us - w.start_us} us long; a window lasts at least "
                                             f"{MIN_WINDOW_US} us (the shortest the hypervisor honours)")
        w.vm, w.vcpu = vm, v
        if not any(m is vm and n is v for m, n in named):
            named.append((vm, v))
    ordered = sorted(s.windows, key=lambda w: w.start_us)
    for a, b in zip(ordered, ordered[1:]):
        if b.start_us < a.end_us:
            raise ConfigError(s.file, b.key, f"{b.start_us}-{b.end_us} us overlaps {a.key} "
                                             f"({a.start_us}-{a.end_us} us); windows on one CPU must not overlap")
    return named


def _derive(s):
    """Equal windows, one per member in config order, covering the frame."""
    n = len(s.members)
    if n == 0:
        raise ConfigError(s.file, s.key, f"no vCPU is pinned to CPU {s.cpu} alone and no window names one; "
                                         "pin the vCPUs that share it there (phys_cpu_sets), or give windows")
    if s.major_frame_us // n < MIN_WINDOW_US:
        raise ConfigError(s.file, s.k("major_frame_us"),
                          f"is {s.major_frame_us} us: shared equally by {n} vCPUs, a window lasts "
                          f"{s.major_frame_us // n} us, less than the {MIN_WINDOW_US} us the hypervisor honours; "
                          "lengthen the frame")
    s.windows = [Window(s.major_frame_us * i // n, s.major_frame_us * (i + 1) // n, vm.name, v.index,
                        f"{s.key} (derived)", vm, v) for i, (vm, v) in enumerate(s.members)]
    s.derived = True


def slots(s, first_vcpu):
    """The frame as consecutive slots [(start_us, end_us, vcpu or -1, label)]
    from 0 to the frame's end: the windows in time order and the idle gaps
    between them (vcpu -1). first_vcpu: {vm name: its first global vCPU}."""
    out, t = [], 0
    for w in sorted(s.windows, key=lambda w: w.start_us):
        if w.start_us > t:
            out.append((t, w.start_us, -1, "idle"))
        out.append((w.start_us, w.end_us, first_vcpu[w.vm.name] + w.vcpu.index, f"vm {w.vm.name} vcpu {w.vcpu.index}"))
        t = w.end_us
    if t < s.major_frame_us:
        out.append((t, s.major_frame_us, -1, "idle"))
    return out
