#!/usr/bin/env python3
"""Benchmark Tessera against bare QEMU with the bench guest (make bench).

    scripts/bench.py [--runs N] [--load] [--profile] [--icount OPTS] [--no-build] [--out FILE]
                     [--arch all|aarch64|riscv64]

Builds guests/bench and Tessera with configs/bench.toml, boots the same
guest image bare (qemu -kernel bench.bin) and under Tessera, N times each
(default 2), under QEMU -icount so that the guest's clocks count
instructions. Prints a table (figure, bare, Tessera, difference), checks
that every run gave the same instruction counts, and writes
build/bench/results.json. It also boots configs/channels.toml (doorbell round
trip between two partitions), configs/bench-pair.toml (boot cost of each
of two partitions) and configs/bench-shared.toml (time partitioning: window
start after the table's time, and the vCPU switch's instructions from a
profiled run) under the same -icount. --load runs one more round of both while another
process keeps a host CPU busy, to show that the figures do not move.
--profile also runs Tessera once with QEMU logging every instruction at EL2
(about a minute) and prints where each kind of trap spends its instructions,
function by function. Then the riscv64 rows (configs/riscv-bench.toml,
guests/bench/riscv64): bare (OpenSBI alone) against Tessera, with the
board's CPU and, for the timer, without Sstc; --arch picks one
architecture. docs/performance.md says what each figure means.
"""

import argparse
import bisect
import collections
import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "qemu"))
from run import boot as qemu_boot  # noqa: E402  (tests/qemu/run.py)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "bench"
BUILD = ROOT / "build" / CONFIG                 # Tessera's build dir for CONFIG=bench
GUEST = ROOT / "build" / "guests" / "bench" / "bench.bin"
BARE_QEMU = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72",
             "-smp", "2", "-m", "1G", "-nic", "none", "-nographic"]
# sleep=off: while no CPU runs (QEMU starting up, before the first instruction)
# the clock would otherwise follow the host's, so boot figures and the phase
# of the 16-instruction tick would change from run to run.
ICOUNT = "shift=0,align=off,sleep=off"
TIMEOUT = 120

# (figure, what it is, kind). kind "op": per-iteration averages, compared
# by difference; "total": one measurement, compared by ratio; "boot": one
# measurement, compared by difference.
FIGURES = [
    ("hvc", "null hypercall: HVC PSCI_VERSION", "op"),
    ("smc", "trapped SMC PSCI_VERSION", "op"),
    ("mmio_gicd_read", "MMIO read GICD_ISENABLER1", "op"),
    ("mmio_gicd_write", "MMIO write GICD_IPRIORITYR (INTID 33)", "op"),
    ("mmio_uart_read", "MMIO read UARTFR (PL011)", "op"),
    ("mmio_virtio_read", "MMIO read virtio-mmio MagicValue (forwarded)", "op"),
    ("timer_latency", "virtual timer: deadline -> handler", "op"),
    ("sgi_latency", "SGI vCPU 0 -> handler on vCPU 1", "op"),
    ("sgi_roundtrip", "SGI ping/pong round trip", "op"),
    ("workload", "workload: 4 MiB xorshift + 4x CRC-32", "total"),
    ("boot_entry", "boot: reset -> guest's 1st instruction", "boot"),
    ("boot_first_line", "boot: reset -> guest's 1st line out", "boot"),
    ("nop", "nop (checks the method: 1 insn)", "op"),
]
BARE_NOTES = {
    "hvc": "bare: answered by QEMU's built-in PSCI, in C: costs the guest 1 instruction",
    "smc": "bare: no counterpart (no EL3: SMC is an undefined instruction)",
    "mmio_gicd_read": "bare: QEMU's own GICv3 model, in C",
    "mmio_gicd_write": "bare: QEMU's own GICv3 model, in C",
    "mmio_uart_read": "bare: QEMU's own PL011 model, in C",
    "mmio_virtio_read": "bare: QEMU's own virtio-mmio model, in C; Tessera: the same read, done by EL2",
    "boot_entry": "bare: QEMU's 6-instruction boot stub",
}


# riscv64 (configs/riscv-bench.toml, guests/bench/riscv64): the same method
# on QEMU's riscv64 virt board; instruction counts from instret, which
# -icount makes the machine's instruction clock (every hart, every mode).
RISCV_CONFIG = "riscv-bench"
RISCV_BUILD = ROOT / "build" / RISCV_CONFIG
RISCV_GUEST = ROOT / "build" / "guests" / "riscv64" / "bench" / "bench.bin"
RISCV_CROSS = "riscv64-linux-gnu-"
RISCV_BARE_QEMU = ["qemu-system-riscv64", "-M", "virt", "-cpu", "rv64", "-smp", "2", "-m", "1G",
                   "-bios", "default", "-nic", "none", "-nographic"]
RISCV_NO_SSTC = "rv64,sstc=off"
RISCV_PROFILE_QUIET = 5_000_000         # --profile: logged guest instructions in a row that end it
RISCV_FIGURES = [
    ("sbi", "null SBI call: ECALL BASE get_spec_version", "op"),
    ("mmio_uart_read", "MMIO read 16550 LSR", "op"),
    ("timer_latency", "timer (Sstc): deadline -> handler", "op"),
    ("timer_latency_nosstc", "timer (no Sstc): deadline -> handler", "op"),
    ("ipi_roundtrip", "IPI round trip: SBI IPI vCPU 0 -> 1 -> 0", "op"),
    ("workload", "workload: 4 MiB xorshift + 4x CRC-32", "total"),
    ("boot_entry", "boot: reset -> guest's C entry", "boot"),
    ("boot_first_line", "boot: reset -> guest's 1st line out", "boot"),
    ("nop", "nop (checks the method: 1 insn)", "op"),
]
RISCV_BARE_NOTES = {
    "sbi": "bare: OpenSBI's ECALL path in M mode",
    "mmio_uart_read": "bare: QEMU's own 16550 model, in C",
    "timer_latency": "bare and Tessera: the hart raises the interrupt itself (stimecmp, vstimecmp)",
    "timer_latency_nosstc": "bare: OpenSBI's M-mode timer sets STIP; Tessera: its own timer sets hvip.VSTIP",
    "ipi_roundtrip": "bare: OpenSBI's IPI through the CLINT; Tessera: its own, with OpenSBI's to kick the hart",
}

def sh(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)


def build():
    proc = sh(["make", "-s", f"CONFIG={CONFIG}", "build"])
    if proc.returncode != 0 or not GUEST.exists():
        sys.exit("bench: build failed:\n" + proc.stdout + proc.stderr)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def commands(icount):
    bare = BARE_QEMU + ["-icount", icount, "-kernel", str(GUEST.relative_to(ROOT))]
    flags = (BUILD / "gen" / "qemu.flags").read_text().split()
    tessera = flags + ["-nographic", "-icount", icount,
                       "-kernel", str((BUILD / "tessera.elf").relative_to(ROOT))]
    return {"bare": bare, "tessera": tessera}


def boot(cmd):
    """Run QEMU with no input, as the regression harness does."""
    return qemu_boot(cmd, TIMEOUT)


VALUE = re.compile(r'(\w+)=("[^"]*"|\S+)')


def parse(text):
    """BENCH lines -> {figure: {key: value}}."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("BENCH "):
            continue
        kv = {}
        for k, v in VALUE.findall(line):
            if v.startswith('"'):
                kv[k] = v.strip('"')
            elif re.fullmatch(r"-?\d+", v):
                kv[k] = int(v)
            elif re.fullmatch(r"-?\d+\.\d+", v):
                kv[k] = float(v)
            else:
                kv[k] = v
        out[kv.pop("name")] = kv
    return out


def run_one(name, cmd):
    text, status, timed_out, secs = boot(cmd)
    problems = []
    if timed_out:
        problems.append(f"no exit within {TIMEOUT} s")
    elif status != 0:
        problems.append(f"QEMU exit status {status}")
    if "bench: done" not in text:
        problems.append("no 'bench: done' line")
    if "FAIL" in text:
        problems.append("a FAIL line")
    if parse(text).get("end", {}).get("other_irqs", 0):
        problems.append("the guest took interrupts it did not ask for")
    if problems:
        tail = "\n".join("    | " + line for line in text.splitlines()[-30:])
        sys.exit(f"bench: {name} run failed ({', '.join(problems)}):\n{tail}")
    return {"figures": parse(text), "wall_s": round(secs, 3), "console": text}


class Load:
    """Another process keeping one host CPU busy."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                     start_new_session=True)
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


# --- figures -------------------------------------------------------------


def per_iter(fig, key):
    """A figure's key, averaged over its iterations, or None."""
    if fig is None or f"{key}_total" not in fig:
        return None
    return fig[f"{key}_total"] / fig.get("iters", 1)


def summarize(figs, figures=None):
    """One run's figures as {figure: {insns, ticks, el2_insns}} (averages)."""
    out = {}
    for name, _, _ in figures or FIGURES:
        f = figs.get(name)
        if f is None or "unavailable" in f:
            out[name] = {"unavailable": f.get("unavailable") if f else "not measured"}
            continue
        row = {"iters": f.get("iters", 1), "insns": per_iter(f, "insns"),
               "ticks": per_iter(f, "ticks")}
        if "el1_insns_total" in f:
            row["el2_insns"] = (f["insns_total"] - f["el1_insns_total"]) / row["iters"]
        for k in ("crc", "bytes", "passes"):
            if k in f:
                row[k] = f[k]
        out[name] = row
    return out


def fmt(v, digits=2):
    if v is None:
        return "-"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.{digits}f}"


def compare(b, t, kind):
    """Tessera against bare: '+N' instructions for an operation, 'xR' for totals."""
    if t is None or b is None:
        return "-"
    if kind == "total" and b > 0:
        return f"x{t / b:.6f}" if t != b else "x1 (equal)"
    diff = t - b
    return ("+" if diff >= 0 else "") + fmt(diff)


def table(bare, tess, figures=None, hyp="EL2"):
    head = ("figure", "bare insns", "bare ticks", "Tessera insns", "ticks", f"of which {hyp}",
            "Tessera vs bare")
    rows = []
    for name, label, kind in figures or FIGURES:
        b, t = bare.get(name, {}), tess.get(name, {})
        rows.append((label,
                     fmt(b.get("insns")) if "unavailable" not in b else "n/a",
                     fmt(b.get("ticks")) if "unavailable" not in b else "n/a",
                     fmt(t.get("insns")), fmt(t.get("ticks")), fmt(t.get("el2_insns")),
                     compare(b.get("insns"), t.get("insns"), kind)))
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def differences(runs):
    """Every (system, figure, key) whose value is not the same in all runs."""
    diffs = []
    for system in ("bare", "tessera"):
        keys = {(n, k) for r in runs for n, f in r[system]["figures"].items() for k in f}
        for name, key in sorted(keys):
            if not key.endswith("_total") and key not in ("crc",):
                continue
            vals = [r[system]["figures"].get(name, {}).get(key) for r in runs]
            if len(set(vals)) > 1:
                diffs.append({"system": system, "figure": name, "key": key, "values": vals})
    return diffs


# --- --profile: where the hypervisor's instructions go ----------------------

# A trap's kind, from the functions it ran (first match wins).
TRAP_KINDS = [
    ("arch_vcpu_save", "IRQ: window boundary (vCPU switch)"),
    ("psci_guest_call", "HVC/SMC (PSCI)"),
    ("vgic_sgi", "ICC_SGI1R_EL1 write (SGI send)"),
    ("vgic_dist_access", "MMIO: vGIC distributor"),
    ("vgic_redist_access", "MMIO: vGIC redistributor"),
    ("vuart_pl011_access", "MMIO: virtual PL011"),
    ("forward_access", "MMIO: forwarded device (virtio-mmio)"),
    ("vgic_inject_hw", "IRQ: guest's timer (list register, HW)"),
    ("core_kicked", "IRQ: kick SGI (virtual SGI delivery)"),
]
RISCV_TRAP_KINDS = [
    ("arch_vcpu_save", "IRQ: window boundary (vCPU switch)"),
    ("sbi_guest_call", "ECALL from VS (SBI)"),
    ("vuart_ns16550_access", "MMIO: virtual 16550"),
    ("syscon_access", "MMIO: power switch (syscon)"),
    ("timer_interrupt", "IRQ: timer (the hypervisor's; the guest's without Sstc)"),
    ("pcpu_do_requests", "IRQ: kick (virtual IPI, fences)"),
]


def profile(cmd, elf, arch="aarch64"):
    """Run cmd with every hypervisor instruction logged; per kind of trap,
    the average instructions of each function. aarch64: a trap runs from an
    EL2 vector for lower-EL exceptions (VBAR_EL2 + 0x400..0x600) to the next
    one. riscv64 (whose guests may run at the hypervisor's addresses): from
    trap_vector to the next sret of the hypervisor's."""
    prefix = os.environ.get("CROSS_COMPILE", RISCV_CROSS if arch == "riscv64" else "aarch64-linux-gnu-")
    syms = []
    nm = sh([prefix + "nm", "-n", str(elf)]).stdout
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "tT":       # gcc's clones (f.isra.0) by their function's name
            syms.append((int(parts[0], 16), re.sub(r"\.(isra|constprop|part|cold)\.\d+$", "", parts[2])))
    addrs = [a for a, _ in syms]
    named = dict((n, a) for a, n in syms)
    if arch == "riscv64":
        vec_name, kinds = "trap_vector", RISCV_TRAP_KINDS
        entry = (named[vec_name], named[vec_name] + 4)
        dis = sh([prefix + "objdump", "-d", str(elf)]).stdout
        trap_ends = {int(m.group(1), 16) for m in re.finditer(r"^\s*([0-9a-f]+):\s+\S+\s+sret\b", dis, re.M)}
    else:
        vec_name, kinds = "el2_vectors", TRAP_KINDS
        entry = (named[vec_name] + 0x400, named[vec_name] + 0x600)
        trap_ends = set()
    text_end = max(addrs) + 0x1000
    where = {}

    def func(pc):
        if pc not in where:
            i = bisect.bisect_right(addrs, pc) - 1
            where[pc] = syms[i][1] if i >= 0 else "?"
        return where[pc]

    traps = collections.Counter()
    insns = collections.defaultdict(collections.Counter)
    current = {}

    def close(cpu):
        t = current.pop(cpu, None)
        if t:
            kind = next((k for f, k in kinds if f in t), "other")
            traps[kind] += 1
            insns[kind].update(t)

    with tempfile.TemporaryDirectory() as tmp:
        fifo = Path(tmp) / "exec.log"
        os.mkfifo(fifo)
        full = cmd + ["-singlestep", "-d", "exec,nochain",
                      "-dfilter", f"{addrs[0]:#x}..{text_end:#x}", "-D", str(fifo)]
        qemu = subprocess.Popen(full, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        timer = threading.Timer(20 * TIMEOUT, lambda: os.killpg(qemu.pid, signal.SIGKILL))
        timer.start()
        quiet = 0
        with open(fifo) as log:
            for line in log:
                if not line.startswith("Trace "):
                    continue
                # riscv64: the guest's instructions at the hypervisor's
                # addresses are logged too; a long run of them with no trap
                # is the workload, after which nothing new comes: stop.
                quiet = 0 if current else quiet + 1
                if arch == "riscv64" and quiet > RISCV_PROFILE_QUIET:
                    os.killpg(qemu.pid, signal.SIGKILL)
                    break
                cpu = int(line[6:line.index(":")])
                pc = int(line.split("/")[1], 16)
                in_vector = entry[0] <= pc < entry[1]
                if in_vector and any(f != vec_name for f in current.get(cpu, ())):
                    close(cpu)
                    current[cpu] = collections.Counter()
                elif in_vector and cpu not in current:
                    current[cpu] = collections.Counter()
                if cpu in current:
                    current[cpu][func(pc)] += 1
                    if pc in trap_ends:         # riscv64: back to the guest (or a vCPU's start)
                        close(cpu)
        qemu.wait()
        timer.cancel()
    for cpu in list(current):
        close(cpu)
    result = {}
    for kind, n in traps.most_common():
        total = sum(insns[kind].values())
        result[kind] = {"traps": n, "insns_per_trap": round(total / n, 1),
                        "functions": {f: round(c / n, 1) for f, c in insns[kind].most_common()}}
    return result


def print_profile(prof):
    print("Where the hypervisor's instructions go (per trap, by kind; --profile):")
    for kind, p in prof.items():
        top = ", ".join(f"{f} {c:g}" for f, c in list(p["functions"].items())[:8])
        print(f"  {kind}: {p['traps']} traps, {p['insns_per_trap']:g} instructions each: {top}")


def config_command(config, icount, no_build):
    """Build a config (unless no_build) and return its QEMU command under -icount."""
    cfg = ROOT / "build" / config
    if not no_build:
        sh(["make", "-s", f"CONFIG={config}", "build"], check=True)
    return (cfg / "gen" / "qemu.flags").read_text().split() + \
        ["-nographic", "-icount", icount, "-kernel", str(cfg / "tessera.elf")]


def doorbell_round_trip(icount, runs, no_build):
    """The chan-demo ping/pong over configs/channels.toml: its average round
    trip in virtual-counter ticks, per run (they must agree)."""
    cmd = config_command("channels", icount, no_build)
    values = []
    for _ in range(max(runs, 1)):
        text = boot(cmd)[0]
        m = re.search(r"chan: round trip avg (\d+) ticks", text)
        if not m:
            sys.exit("bench: the chan-demo run printed no round trip:\n" + text[-2000:])
        values.append(int(m.group(1)))
    return {"ticks": values[0], "runs": values, "identical": len(set(values)) == 1,
            "command": " ".join(cmd)}


BOOT_LINE = re.compile(r"^\[(\w+)\] BENCH name=(boot_entry|boot_first_line) .*insns_total=(\d+)", re.M)


def boot_per_partition(icount, runs, no_build):
    """configs/bench-pair.toml: two bench guests in boot-only mode. The
    instruction count (all CPUs, since reset) at each partition's first
    instruction and first line, per run (they must agree)."""
    cmd = config_command("bench-pair", icount, no_build)
    values = []
    for _ in range(max(runs, 1)):
        text = boot(cmd)[0]
        found = {}
        for vm, figure, insns in BOOT_LINE.findall(text):
            found.setdefault(vm, {})[figure] = int(insns)
        if sorted(found) != ["a", "b"] or any(len(f) != 2 for f in found.values()):
            sys.exit("bench: the bench-pair run printed no boot figures for both partitions:\n"
                     + text[-2000:])
        values.append(found)
    return {"partitions": values[0], "runs": values, "identical": all(v == values[0] for v in values),
            "command": " ".join(cmd)}


WINDOWS = re.compile(r"\[probe\] ticker: window starts after the table's time: earliest (\d+) ns, "
                     r"latest (\d+) ns over (\d+) windows")


def shared_cpu(icount, runs, no_build, config="bench-shared", arch="aarch64"):
    """configs/bench-shared.toml (riscv64: riscv-bench-shared.toml): one pCPU
    shared by the window probe and a masked spinner. With one CPU running
    under -icount shift=0, 1 ns of virtual time is one instruction: how late
    the probe's windows start after the table's time (earliest, latest:
    their spread is the jitter), per run; and, from one run with every
    hypervisor instruction logged, its instructions per window boundary (the
    switch)."""
    cmd = config_command(config, icount, no_build)
    values = []
    for _ in range(max(runs, 1)):
        text = boot(cmd)[0]
        m = WINDOWS.search(text)
        if not m or "error" in text:
            sys.exit(f"bench: the {config} run printed no window figures:\n" + text[-2000:])
        values.append({"earliest": int(m.group(1)), "latest": int(m.group(2)), "windows": int(m.group(3))})
    prof = profile(cmd, ROOT / "build" / config / "tessera.elf", arch)
    switch = prof.get("IRQ: window boundary (vCPU switch)")
    return {"window_start": values[0], "runs": values, "identical": all(v == values[0] for v in values),
            "switch": switch, "command": " ".join(cmd)}


def riscv_commands(icount, cpu=None):
    """Bare and Tessera riscv64 commands; cpu: another -cpu value."""
    bare = RISCV_BARE_QEMU + ["-icount", icount, "-kernel", str(RISCV_GUEST.relative_to(ROOT))]
    flags = (RISCV_BUILD / "gen" / "qemu.flags").read_text().split()
    tessera = flags + ["-nographic", "-icount", icount,
                       "-kernel", str((RISCV_BUILD / "tessera.elf").relative_to(ROOT))]
    if cpu:
        for c in (bare, tessera):
            c[c.index("-cpu") + 1] = cpu
    return {"bare": bare, "tessera": tessera}


def riscv_bench(args):
    """The riscv64 rows: runs of bare and Tessera with the board's CPU (Sstc)
    and, for the timer without Sstc, with RISCV_NO_SSTC. Prints the table;
    returns what results.json keeps of it."""
    if not args.no_build:
        print(f"bench: building the riscv64 bench guest and Tessera (CONFIG={RISCV_CONFIG})", flush=True)
        proc = sh(["make", "-s", f"CONFIG={RISCV_CONFIG}", "build"])
        if proc.returncode != 0 or not RISCV_GUEST.exists():
            sys.exit("bench: riscv64 build failed:\n" + proc.stdout + proc.stderr)
    cmds, no_sstc = riscv_commands(args.icount), riscv_commands(args.icount, RISCV_NO_SSTC)
    runs = []
    for i in range(max(args.runs, 1)):
        run = {"load": False}
        for system in ("bare", "tessera"):
            print(f"bench: riscv64 run {i + 1}/{max(args.runs, 1)}: {system}", flush=True)
            run[system] = run_one(f"riscv64 {system}", cmds[system])
            timer = run_one(f"riscv64 {system} without Sstc", no_sstc[system])["figures"]["timer_latency"]
            run[system]["figures"]["timer_latency_nosstc"] = timer
        runs.append(run)
    bare = summarize(runs[0]["bare"]["figures"], RISCV_FIGURES)
    tess = summarize(runs[0]["tessera"]["figures"], RISCV_FIGURES)
    diffs = differences(runs)
    print()
    print(f"riscv64 (configs/{RISCV_CONFIG}.toml, -cpu rv64 with Sstc; the no-Sstc timer with "
          f"-cpu {RISCV_NO_SSTC}): insns = instret, every instruction of the machine (M, HS, VS)")
    print()
    print(table(bare, tess, RISCV_FIGURES, hyp="HS"))
    print()
    for name, note in RISCV_BARE_NOTES.items():
        print(f"  {name}: {note}")
    w_b, w_t = bare.get("workload", {}), tess.get("workload", {})
    if w_b.get("crc") != w_t.get("crc"):
        print(f"  WARNING: workload CRC differs: bare {w_b.get('crc')} Tessera {w_t.get('crc')}")
    if len(runs) < 2:
        print("determinism: one run only (--runs 2 to compare)")
    elif not diffs:
        print(f"determinism: every instruction and tick count identical across {len(runs)} runs")
    else:
        print(f"determinism: {len(diffs)} values differ across runs:")
        for d in diffs:
            print(f"  {d['system']} {d['figure']} {d['key']}: {d['values']}")
    shared = shared_cpu(args.icount, args.runs, args.no_build, "riscv-bench-shared", "riscv64")
    ws, sw = shared["window_start"], shared["switch"]
    print(f"time partitioning (configs/riscv-bench-shared.toml: hart 0 shared by the window probe and a "
          f"masked spinner, {ws['windows']} windows): window start after the table's time {fmt(ws['earliest'])} "
          f"to {fmt(ws['latest'])} instructions (jitter {fmt(ws['latest'] - ws['earliest'])}; the time CSR "
          f"counts 100 ns); runs {'identical' if shared['identical'] else 'DIFFER: ' + str(shared['runs'])}; "
          f"vCPU switch at a window boundary: " +
          (f"{fmt(sw['insns_per_trap'])} HS instructions per boundary ({sw['traps']} boundaries profiled)"
           if sw else "not seen in the profile"))
    prof = None
    if args.profile:
        print("bench: profiling riscv64 Tessera (every HS instruction logged)", flush=True)
        prof = {"sstc": profile(cmds["tessera"], RISCV_BUILD / "tessera.elf", "riscv64"),
                "no_sstc": profile(no_sstc["tessera"], RISCV_BUILD / "tessera.elf", "riscv64")}
        print()
        print("riscv64 with Sstc:")
        print_profile(prof["sstc"])
        print("riscv64 without Sstc (the timer's path):")
        print_profile(prof["no_sstc"])
        print()
    return {
        "commands": {k: " ".join(v) for k, v in cmds.items()},
        "commands_no_sstc": {k: " ".join(v) for k, v in no_sstc.items()},
        "images": {"bench.bin": sha256(RISCV_GUEST), "tessera.elf": sha256(RISCV_BUILD / "tessera.elf")},
        "figures": {name: {"label": label, "kind": kind, "bare": bare.get(name), "tessera": tess.get(name)}
                    for name, label, kind in RISCV_FIGURES},
        "bare_notes": RISCV_BARE_NOTES,
        "determinism": {"runs": len(runs), "identical": not diffs, "differences": diffs},
        "shared_cpu": shared,
        "profile": prof,
        "runs": [{s: {"figures": r[s]["figures"], "wall_s": r[s]["wall_s"]} for s in ("bare", "tessera")}
                 for r in runs],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2, help="runs of each system (default 2)")
    ap.add_argument("--load", action="store_true",
                    help="one more run of each while another process keeps a host CPU busy")
    ap.add_argument("--profile", action="store_true",
                    help="also profile the hypervisor's instructions by trap and function")
    ap.add_argument("--icount", default=ICOUNT, help=f"QEMU -icount options (default {ICOUNT})")
    ap.add_argument("--no-build", action="store_true", help="use what build/ holds")
    ap.add_argument("--out", default=str(BUILD / "results.json"))
    ap.add_argument("--arch", choices=("all", "aarch64", "riscv64"), default="all",
                    help="the architectures to measure (default all)")
    args = ap.parse_args()

    result = aarch64_bench(args) if args.arch in ("all", "aarch64") else {}
    if args.arch in ("all", "riscv64"):
        result["riscv64"] = riscv_bench(args)
    git = sh(["git", "rev-parse", "HEAD"]).stdout.strip()
    dirty = bool(sh(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip())
    result["git"] = {"commit": git, "dirty": dirty}
    result["host"] = {"cpus": os.cpu_count(), "uname": " ".join(os.uname())}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def aarch64_bench(args):
    """The aarch64 rows (configs/bench.toml), the doorbell and the boot of two
    partitions; prints them, returns what results.json keeps of them."""
    if not args.no_build:
        print("bench: building the bench guest and Tessera (CONFIG=bench)", flush=True)
        build()
    qemu_version = sh([BARE_QEMU[0], "--version"]).stdout.splitlines()[0]
    cmds = commands(args.icount)

    runs = []
    plan = [False] * args.runs + ([True] if args.load else [])
    for i, loaded in enumerate(plan, 1):
        run = {"load": loaded}
        with Load() if loaded else contextlib.nullcontext():
            for system in ("bare", "tessera"):
                print(f"bench: run {i}/{len(plan)}{' (host CPU loaded)' if loaded else ''}: "
                      f"{system}", flush=True)
                run[system] = run_one(system, cmds[system])
        runs.append(run)

    bare, tess = summarize(runs[0]["bare"]["figures"]), summarize(runs[0]["tessera"]["figures"])
    info_b = runs[0]["bare"]["figures"].get("info", {})
    info_t = runs[0]["tessera"]["figures"].get("info", {})
    diffs = differences(runs)

    print()
    print(f"{qemu_version}, -icount {args.icount}; "
          f"1 tick = {info_t.get('ns_per_tick', '?')} ns of virtual time "
          f"(CNTFRQ {info_t.get('cntfrq', '?')} Hz); insns = instructions (PMCCNTR, "
          f"{'usable' if info_t.get('pmu') else 'NOT usable: ' + str(info_t.get('pmu_why'))} "
          f"under Tessera, {'usable' if info_b.get('pmu') else 'not usable'} bare)")
    print("Per-operation figures are averages over their iterations (1000); "
          "'of which EL2' = executed in the hypervisor.")
    print()
    print(table(bare, tess))
    print()
    for name, note in BARE_NOTES.items():
        print(f"  {name}: {note}")
    w_b, w_t = bare.get("workload", {}), tess.get("workload", {})
    if w_b.get("insns") and w_b.get("ticks"):
        print(f"  clock check: workload {fmt(w_b['insns'])} instructions in {fmt(w_b['ticks'])} ticks"
              f" = {w_b['insns'] / w_b['ticks']:.4f} instructions per tick")
    if w_b.get("crc") != w_t.get("crc"):
        print(f"  WARNING: workload CRC differs: bare {w_b.get('crc')} Tessera {w_t.get('crc')}")
    print()
    names = ", ".join(f"{'loaded ' if r['load'] else ''}run {i}" for i, r in enumerate(runs, 1))
    if len(runs) < 2:
        print("determinism: one run only (--runs 2 to compare)")
    elif not diffs:
        print(f"determinism: every instruction and tick count identical across {names}")
    else:
        print(f"determinism: {len(diffs)} values differ across {names}:")
        for d in diffs:
            print(f"  {d['system']} {d['figure']} {d['key']}: {d['values']}")
    walls = "; ".join(f"run {i}{' (loaded)' if r['load'] else ''}: bare {r['bare']['wall_s']:.2f} s, "
                      f"Tessera {r['tessera']['wall_s']:.2f} s" for i, r in enumerate(runs, 1))
    print(f"host wall time (not a figure; it is the host's): {walls}")
    doorbell = doorbell_round_trip(args.icount, args.runs, args.no_build)
    print(f"doorbell round trip between two partitions (configs/channels.toml, chan-demo, "
          f"1000 rounds): {doorbell['ticks']} ticks = {doorbell['ticks'] * 16:,} instructions of "
          f"virtual time; runs: {doorbell['runs']} (no bare counterpart: two partitions need "
          f"the hypervisor)")
    boots = boot_per_partition(args.icount, args.runs, args.no_build)
    print("boot of each partition (configs/bench-pair.toml: two bench guests, pCPUs 0 and 1; "
          "instructions of all CPUs since reset): " +
          "; ".join(f"{vm}: 1st instruction {fmt(f['boot_entry'])}, 1st line {fmt(f['boot_first_line'])}"
                    for vm, f in sorted(boots["partitions"].items())) +
          f"; runs {'identical' if boots['identical'] else 'DIFFER: ' + str(boots['runs'])}")
    shared = shared_cpu(args.icount, args.runs, args.no_build)
    ws, sw = shared["window_start"], shared["switch"]
    print(f"time partitioning (configs/bench-shared.toml: pCPU 0 shared by the window probe and a masked "
          f"spinner, {ws['windows']} windows): window start after the table's time {fmt(ws['earliest'])} to "
          f"{fmt(ws['latest'])} instructions (jitter {fmt(ws['latest'] - ws['earliest'])}); runs "
          f"{'identical' if shared['identical'] else 'DIFFER: ' + str(shared['runs'])}; vCPU switch at a "
          f"window boundary: " + (f"{fmt(sw['insns_per_trap'])} EL2 instructions per boundary ({sw['traps']} "
                                   "boundaries profiled)" if sw else "not seen in the profile") +
          "; dedicated counterpart: the virtual timer row (deadline -> handler)")
    prof = None
    if args.profile:
        print("bench: profiling Tessera (every EL2 instruction logged; about a minute)", flush=True)
        prof = profile(cmds["tessera"], BUILD / "tessera.elf", "aarch64")
        print()
        print_profile(prof)
        print()

    return {
        "qemu_version": qemu_version,
        "icount": args.icount,
        "commands": {k: " ".join(v) for k, v in cmds.items()},
        "images": {"bench.bin": sha256(GUEST), "tessera.elf": sha256(BUILD / "tessera.elf")},
        "ns_per_tick": info_t.get("ns_per_tick"),
        "pmu": {"bare": info_b.get("pmu"), "tessera": info_t.get("pmu"),
                "why_not": info_t.get("pmu_why")},
        "figures": {name: {"label": label, "kind": kind, "bare": bare.get(name),
                           "tessera": tess.get(name)} for name, label, kind in FIGURES},
        "bare_notes": BARE_NOTES,
        "doorbell_round_trip": doorbell,
        "boot_per_partition": boots,
        "shared_cpu": shared,
        "determinism": {"runs": len(runs), "identical": not diffs, "differences": diffs},
        "profile": prof,
        "runs": [{"load": r["load"],
                  **{s: {"figures": r[s]["figures"], "wall_s": r[s]["wall_s"]}
                     for s in ("bare", "tessera")}} for r in runs],
    }


if __name__ == "__main__":
    sys.exit(main())
