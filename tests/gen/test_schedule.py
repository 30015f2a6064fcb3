"""Time partitioning ([[schedule]]): the generator's checks, each refusal
with its one line, the derived equal windows, and the tables it writes."""

import pytest

from gentest import TWO_VMS_TOML, assert_one_line_error, inline_vm, yaml_vm

# Three partitions: "a" on CPU 0 alone, "b" and "c" pinned to CPU 1, which
# a schedule shares.
BASE = ('board = "qemu-aarch64-virt"\n\n' + inline_vm(1, "a", 0x1) + "\n" + inline_vm(2, "b", 0x2) + "\n"
        + inline_vm(3, "c", 0x2))

WINDOWS = """\
[[schedule]]
cpu = 1
major_frame_us = 10000
windows = [
    { vm = "b", vcpu = 0, start_us = 0, end_us = 4000 },
    { vm = "c", vcpu = 0, start_us = 5000, end_us = 10000 },
]
"""


def sched(*windows, cpu=1, frame=10000, extra=""):
    """A [[schedule]] with the given window lines (None: no windows key)."""
    text = f"[[schedule]]\ncpu = {cpu}\nmajor_frame_us = {frame}\n{extra}"
    if windows != (None,):
        text += "windows = [\n" + "".join(f"    {{ {w} }},\n" for w in windows) + "]\n"
    return text


def win(vm, start, end, vcpu=0):
    return f'vm = "{vm}", vcpu = {vcpu}, start_us = {start}, end_us = {end}'


def test_windows_emitted(gen):
    result = gen(BASE + WINDOWS)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .start_us = 0, .end_us = 4000, .vcpu = 1 },  /* vm b vcpu 0 */" in c
    assert "{ .start_us = 4000, .end_us = 5000, .vcpu = -1 },  /* idle */" in c
    assert "{ .start_us = 5000, .end_us = 10000, .vcpu = 2 },  /* vm c vcpu 0 */" in c
    assert "[1] = { .major_frame_us = 10000, .nr_slots = 3, .slots = pcpu1_slots," in c
    assert "static const uint16_t pcpu1_vcpus[] = { 1, 2 };" in c
    assert "#define TESSERA_SCHEDULED 1" in (result.outdir / "layout.h").read_text()
    txt = (result.outdir / "layout.txt").read_text()
    assert "pcpu 1 (mpidr 0x1): shared by schedule[0]: vm b vcpu 0, vm c vcpu 0" in txt
    assert "    cyclic schedule, major frame 10000 us:\n      0-4000 us: vm b vcpu 0\n" \
           "      4000-5000 us: idle\n      5000-10000 us: vm c vcpu 0\n" in txt


def test_derived_equal_windows(gen):
    result = gen(BASE + "\n" + sched(None, frame=9000))
    assert result.returncode == 0, result.stderr
    txt = (result.outdir / "layout.txt").read_text()
    assert "    cyclic schedule, major frame 9000 us, windows derived (equal shares; none given):\n" \
           "      0-4500 us: vm b vcpu 0\n      4500-9000 us: vm c vcpu 0\n" in txt
    c = (result.outdir / "partitions.c").read_text()
    assert "/* The vCPUs sharing pCPU 1 (windows derived: equal shares) */" in c


def test_yaml_same_tables(gen, tmp_path):
    yaml = ("board: qemu-aarch64-virt\nschedule:\n  - cpu: 1\n    major_frame_us: 10000\n    windows:\n"
            "      - {vm: b, vcpu: 0, start_us: 0, end_us: 4000}\n"
            "      - {vm: c, vcpu: 0, start_us: 5000, end_us: 10000}\n"
            "vm:\n" + yaml_vm(1, "a", 0x1) + yaml_vm(2, "b", 0x2) + yaml_vm(3, "c", 0x2))
    r_yaml = gen(yaml, "system.yaml", out=tmp_path / "out-yaml")
    r_toml = gen(BASE + WINDOWS, out=tmp_path / "out-toml")
    assert r_yaml.returncode == 0 and r_toml.returncode == 0, r_yaml.stderr + r_toml.stderr
    tables = [(r.outdir / "partitions.c").read_text().replace("system.yaml", "system.toml") for r in (r_yaml, r_toml)]
    assert tables[0] == tables[1]


def test_unshared_config_has_no_schedule(gen):
    """A config that pins each vCPU to its own CPU builds no schedule code."""
    result = gen(TWO_VMS_TOML)
    assert result.returncode == 0, result.stderr
    assert "TESSERA_SCHEDULED" not in (result.outdir / "layout.h").read_text()
    assert "tessera_schedules" not in (result.outdir / "partitions.c").read_text()
    assert "cyclic schedule" not in (result.outdir / "layout.txt").read_text()


S = "schedule[0]"
W = S + ".windows"

# (test id, config text, expected stderr after "error: {file}: ")
REFUSALS = [
    ("window-past-frame", BASE + "\n" + sched(win("b", 0, 4000), win("c", 5000, 12000)),
     f"{W}[1].end_us: is 12000, past the major frame (10000 us); windows lie inside it"),
    ("window-ends-before-start", BASE + "\n" + sched(win("b", 4000, 3000), win("c", 5000, 10000)),
     f"{W}[0].end_us: is 3000, not after start_us (4000); a window ends after it starts"),
    ("windows-overlap", BASE + "\n" + sched(win("b", 0, 6000), win("c", 5000, 10000)),
     f"{W}[1]: 5000-10000 us overlaps {W}[0] (0-6000 us); windows on one CPU must not overlap"),
    ("sharing-vcpu-without-window", BASE + "\n" + sched(win("b", 0, 4000)),
     f"{W}: vm 'c' vcpu 0 is pinned to CPU 1, which this schedule shares, but has no window; "
     "give it at least one"),
    ("window-on-other-cpu", BASE + "\n" + sched(win("b", 0, 4000), win("c", 5000, 9000), win("a", 9000, 10000)),
     f"{W}[2].vcpu: vm 'a' vcpu 0 is pinned to CPUs 0x1 (vm[0].base.phys_cpu_sets[0]), not CPU 1; "
     "a vCPU's windows are on the CPU it is pinned to"),
    ("window-too-short", BASE + "\n" + sched(win("b", 0, 4000), win("c", 5000, 5050)),
     f"{W}[1]: is 50 us long; a window lasts at least 100 us (the shortest the hypervisor honours)"),
    ("derived-windows-too-short", BASE + "\n" + sched(None, frame=150),
     f"{S}.major_frame_us: is 150 us: shared equally by 2 vCPUs, a window lasts 75 us, less than the "
     "100 us the hypervisor honours; lengthen the frame"),
    ("window-unknown-vm", BASE + "\n" + sched(win("b", 0, 4000), win("x", 5000, 10000)),
     f"{W}[1].vm: 'x' is no partition of this system; use one of: a, b, c"),
    ("window-vcpu-out-of-range", BASE + "\n" + sched(win("b", 0, 4000), win("c", 5000, 10000, vcpu=1)),
     f"{W}[1].vcpu: is 1, but partition 'c' has 1 vCPU"),
    ("schedule-cpu-beyond-board", BASE + "\n" + sched(None, cpu=7),
     f"{S}.cpu: CPU 7 does not exist: board qemu-aarch64-virt has CPUs 0-3"),
    ("two-schedules-one-cpu", BASE + "\n" + sched(None) + sched(None),
     "schedule[1].cpu: CPU 1 already has a schedule (schedule[0]); give each shared CPU one schedule"),
    ("windows-empty", BASE + "\n" + sched(None, extra="windows = []\n"),
     f"{W}: is empty; give the CPU's windows, or leave windows out to share the frame equally"),
    ("schedule-without-vcpus", BASE + "\n" + sched(None, cpu=2),
     f"{S}: no vCPU is pinned to CPU 2 alone and no window names one; pin the vCPUs that share it there "
     "(phys_cpu_sets), or give windows"),
    ("restart-on-shared-cpu", BASE.replace('name = "c"', 'name = "c"\nrestart = true') + "\n" + sched(None),
     "vm[2].base.restart: partition 'c' has a vCPU on shared CPU 1 (schedule[0]); a partition with a vCPU "
     "on a shared CPU cannot restart yet: set restart = false"),
    ("window-unknown-key", BASE + "\n" + sched(win("b", 0, 4000) + ", length_us = 5", win("c", 5000, 10000)),
     f"{W}[0].length_us: unknown key; see docs/configuration.md for the keys Tessera reads"),
    ("sharing-without-schedule", BASE,
     "vm[2].base.phys_cpu_sets[0]: physical CPU 1 is owned twice: by vm 'b' vcpu 0 and vm 'c' vcpu 0; "
     "give each vCPU its own CPU"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refused(gen, tmp_path, text, expected):
    assert_one_line_error(gen(text), f"error: {tmp_path / 'system.toml'}: " + expected)
