#!/usr/bin/env python3
"""Benchmark Tessera against bare QEMU with the bench guest (make bench).

    scripts/bench.py [--runs N] [--load] [--profile] [--profile-lines N] [--icount OPTS] [--no-build]
                     [--out FILE]
                     [--arch all|aarch64|riscv64|x86_64]

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
function by function (--profile-lines N: and its N busiest source lines). Then the riscv64 rows (configs/riscv-bench.toml,
guests/bench/riscv64): bare (OpenSBI alone) against Tessera, with the
board's CPU and, for the timer, without Sstc; then the x86_64 rows
(configs/x86-bench.toml, guests/bench/x86_64): bare (SeaBIOS's multiboot
loader, QEMU's local APIC) against Tessera on AMD SVM, and its time
partitioning row (configs/x86-bench-shared.toml). --arch picks one
architecture. docs/performance.md says what each figure means.
"""

import argparse
import bisect
import collections
import contextlib
import dataclasses
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


# The other architectures' rows: the same method on their QEMU boards, one
# instruction clock each that -icount makes the machine's (every CPU, every
# mode), so no "of which in the hypervisor" split. ArchRows says, per
# architecture, what to build and boot and which figures it prints.
@dataclasses.dataclass
class ArchRows:
    arch: str
    config: str                 # configs/<config>.toml
    guest: Path                 # the image bare QEMU boots (-kernel)
    bare_qemu: list
    figures: list               # as FIGURES
    notes: dict                 # as BARE_NOTES
    hyp: str                    # the hypervisor's mode, for the table's head
    clock: str                  # what "insns" counts
    cross: str                  # prefix of the binutils that read tessera's ELF
    elf: str                    # that ELF, in build/<config>/
    # figure -> (figure, -cpu value): taken from a second pair of runs with
    # another CPU model (riscv64's timer without Sstc)
    variants: dict = dataclasses.field(default_factory=dict)
    # time partitioning: the config whose one shared CPU holds the window
    # probe and a masked spinner, and what its counter's tick is
    shared: str = ""
    shared_clock: str = ""

    @property
    def build(self):
        return ROOT / "build" / self.config


# riscv64 (configs/riscv-bench.toml, guests/bench/riscv64) on QEMU's virt
# board, OpenSBI its bare firmware; instruction counts from instret.
RISCV_NO_SSTC = "rv64,sstc=off"
RISCV_PROFILE_QUIET = 5_000_000         # --profile: logged guest instructions in a row that end it
RISCV = ArchRows(
    arch="riscv64", config="riscv-bench",
    guest=ROOT / "build" / "guests" / "riscv64" / "bench" / "bench.bin",
    bare_qemu=["qemu-system-riscv64", "-M", "virt", "-cpu", "rv64", "-smp", "2", "-m", "1G",
               "-bios", "default", "-nic", "none", "-nographic"],
    figures=[
        ("sbi", "null SBI call: ECALL BASE get_spec_version", "op"),
        ("mmio_uart_read", "MMIO read 16550 LSR", "op"),
        ("timer_latency", "timer (Sstc): deadline -> handler", "op"),
        ("timer_latency_nosstc", "timer (no Sstc): deadline -> handler", "op"),
        ("ipi_roundtrip", "IPI round trip: SBI IPI vCPU 0 -> 1 -> 0", "op"),
        ("workload", "workload: 4 MiB xorshift + 4x CRC-32", "total"),
        ("boot_entry", "boot: reset -> guest's C entry", "boot"),
        ("boot_first_line", "boot: reset -> guest's 1st line out", "boot"),
        ("nop", "nop (checks the method: 1 insn)", "op"),
    ],
    notes={
        "sbi": "bare: OpenSBI's ECALL path in M mode",
        "mmio_uart_read": "bare: QEMU's own 16550 model, in C",
        "timer_latency": "bare and Tessera: the hart raises the interrupt itself (stimecmp, vstimecmp)",
        "timer_latency_nosstc": "bare: OpenSBI's M-mode timer sets STIP; Tessera: its own timer sets hvip.VSTIP",
        "ipi_roundtrip": "bare: OpenSBI's IPI through the CLINT; Tessera: its own, with OpenSBI's to kick the hart",
    },
    hyp="HS", clock="instret, every instruction of the machine (M, HS, VS)",
    cross="riscv64-linux-gnu-", elf="tessera.elf",
    variants={"timer_latency_nosstc": ("timer_latency", RISCV_NO_SSTC)},
    shared="riscv-bench-shared", shared_clock="the time CSR counts 100 ns")

# x86_64 (configs/x86-bench.toml, guests/bench/x86_64) on QEMU's q35 with
# AMD SVM, SeaBIOS's multiboot loader bare; instruction counts from the TSC.
X86 = ArchRows(
    arch="x86_64", config="x86-bench",
    guest=ROOT / "build" / "guests" / "x86_64" / "bench" / "bench.elf32",
    # -smp 4 as the board: SeaBIOS's own boot takes longer with more CPUs
    bare_qemu=["qemu-system-x86_64", "-M", "q35", "-cpu", "EPYC", "-smp", "4", "-m", "1G",
               "-accel", "tcg", "-nic", "none", "-no-reboot", "-nographic"],
    figures=[
        ("vmmcall", "null hypercall: VMMCALL TESSERA_HC_VERSION", "op"),
        ("cpuid", "CPUID leaf 0 (intercepted)", "op"),
        ("mmio_lapic_read", "MMIO read local APIC version register", "op"),
        ("pio_uart_read", "port read 16550 LSR (IN)", "op"),
        ("timer_latency", "APIC timer one-shot: deadline -> handler", "op"),
        ("ipi_roundtrip", "IPI round trip: fixed IPI vCPU 0 -> 1 -> 0", "op"),
        ("workload", "workload: 4 MiB xorshift + 4x CRC-32", "total"),
        ("boot_entry", "boot: reset -> guest's C entry", "boot"),
        ("boot_first_line", "boot: reset -> guest's 1st line out", "boot"),
        ("nop", "nop (checks the method: 1 insn)", "op"),
    ],
    notes={
        "vmmcall": "bare: no counterpart (no hypervisor: VMMCALL is an undefined instruction)",
        "cpuid": "bare: QEMU's own CPUID, in C: costs the guest 1 instruction",
        "mmio_lapic_read": "bare: QEMU's own local APIC model, in C; Tessera: #NPF, the access decoded (no decode assists)",
        "pio_uart_read": "bare: QEMU's own 16550 model, in C; Tessera: the IOIO intercept and its virtual 16550",
        "timer_latency": "bare: QEMU's local APIC timer (1 GHz bus); Tessera: the vLAPIC's, on the pCPU's APIC timer",
        "boot_entry": "bare and Tessera: SeaBIOS first (Tessera boots as QEMU's multiboot image, then the guest)",
    },
    hyp="SVM host", clock="the TSC, every instruction of the machine (host and guests)",
    cross="", elf="tessera64.elf",
    shared="x86-bench-shared", shared_clock="the TSC counts 1 ns")

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

SWITCH_KIND = "IRQ: window boundary (vCPU switch)"
RISCV_SHARED_BOUNDARIES = 60    # riscv64 shared_cpu: vCPU switches profiled, then the run is ended


# A trap's kind, from the functions it ran (first match wins).
TRAP_KINDS = [
    ("arch_vcpu_save", SWITCH_KIND),
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
    ("arch_vcpu_save", SWITCH_KIND),
    ("sbi_guest_call", "ECALL from VS (SBI)"),
    ("vuart_ns16550_access", "MMIO: virtual 16550"),
    ("syscon_access", "MMIO: power switch (syscon)"),
    ("timer_interrupt", "IRQ: timer (the hypervisor's; the guest's without Sstc)"),
    ("pcpu_do_requests", "IRQ: kick (virtual IPI, fences)"),
]
# x86_64: do_cpuid, do_msr, do_ioio and do_vmmcall are inlined into svm_exit,
# so CPUID falls under "other" with the exits that only reopen an
# interrupt window (VINTR, INTR).
X86_TRAP_KINDS = [
    ("arch_vcpu_save", "IRQ: window boundary (vCPU switch)"),
    ("vlapic_timer_expired", "IRQ: guest's APIC timer (the pCPU's APIC timer)"),
    ("core_kicked", "kick: IPI delivered (wakes the target from HLT or exits it)"),
    ("icr_write", "#NPF: vLAPIC ICR write (IPI send)"),
    ("tessera_hypercall", "VMMCALL (Tessera hypercall)"),
    ("vuart_ns16550_access", "IOIO: virtual 16550"),
    ("vlapic_mmio", "#NPF: other vLAPIC register (read, EOI, timer)"),
    ("arch_wait", "HLT (the pCPU waits)"),
]


def profile(cmd, elf, arch="aarch64", boundaries=None, lines=0):
    """Run cmd with every hypervisor instruction logged; per kind of trap,
    the average instructions of each function. aarch64: a trap runs from the
    entry of an EL2 vector for lower-EL exceptions (VBAR_EL2 + 0x400, 0x480,
    0x500, 0x580; a handler may begin inside its vector) to the next one. riscv64 (whose guests may run at the hypervisor's addresses): from
    trap_vector to the next sret of the hypervisor's. x86_64: from the
    instruction after VMRUN (where a #VMEXIT resumes the host) to the next
    VMRUN. boundaries: end the run once that many vCPU switches are seen
    (every guest instruction at the hypervisor's addresses is logged too,
    and riscv64's spinning guests would take hours to log to the end).
    lines: also each kind's that many busiest source lines (addr2line)."""
    cross = {"riscv64": RISCV.cross, "x86_64": X86.cross}.get(arch, "aarch64-linux-gnu-")
    prefix = os.environ.get("CROSS_COMPILE", cross)
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
        entry = {named[vec_name]}
        dis = sh([prefix + "objdump", "-d", str(elf)]).stdout
        trap_ends = {int(m.group(1), 16) for m in re.finditer(r"^\s*([0-9a-f]+):\s+\S+\s+sret\b", dis, re.M)}
    elif arch == "x86_64":
        vec_name, kinds = "svm_run", X86_TRAP_KINDS
        dis = sh([prefix + "objdump", "-d", str(elf)]).stdout
        vmrun = [int(m.group(1), 16) for m in re.finditer(r"^\s*([0-9a-f]+):\s+0f 01 d8\s+vmrun\b", dis, re.M)]
        entry = {vmrun[0] + 3}
        trap_ends = set(vmrun)
    else:
        vec_name, kinds = "el2_vectors", TRAP_KINDS
        entry = {named[vec_name] + 0x400 + 0x80 * k for k in range(4)}
        trap_ends = set()
    text_end = max(addrs) + 0x1000
    where = {}

    def func(pc):
        if pc not in where:
            i = bisect.bisect_right(addrs, pc) - 1
            where[pc] = syms[i][1] if i >= 0 else "?"
        return where[pc]

    traps = collections.Counter()
    # x86_64: each CPU's instructions from its start to its first VMRUN
    # (the boot; the guest's own addresses lie below the hypervisor's).
    boot, booted = collections.defaultdict(collections.Counter), set()
    insns = collections.defaultdict(collections.Counter)
    pcs = collections.defaultdict(collections.Counter)     # by kind: instructions per address
    current = {}                                            # by CPU: its trap's addresses so far

    def close(cpu):
        t = current.pop(cpu, None)
        if t:
            funcs = collections.Counter()
            for pc, c in t.items():
                funcs[func(pc)] += c
            kind = next((k for f, k in kinds if f in funcs), "other")
            traps[kind] += 1
            insns[kind].update(funcs)
            pcs[kind].update(t)

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
                if arch == "x86_64" and cpu not in booted:
                    boot[cpu][func(pc)] += 1
                    if pc in trap_ends:
                        booted.add(cpu)
                    continue
                in_vector = pc in entry
                if in_vector and any(p != pc for p in current.get(cpu, ())):
                    close(cpu)
                    current[cpu] = collections.Counter()
                elif in_vector and cpu not in current:
                    current[cpu] = collections.Counter()
                elif in_vector:
                    continue    # the entry logged again (QEMU restarted its block): one instruction
                if cpu in current:
                    current[cpu][pc] += 1
                    if pc in trap_ends:         # riscv64: back to the guest (or a vCPU's start)
                        close(cpu)
                        if boundaries and traps[SWITCH_KIND] >= boundaries:
                            os.killpg(qemu.pid, signal.SIGKILL)
                            break
        qemu.wait()
        timer.cancel()
    for cpu in list(current):
        close(cpu)
    result = {}
    for cpu, funcs in sorted(boot.items()):
        result[f"boot of pCPU {cpu}, to its first VMRUN"] = {
            "traps": 1, "insns_per_trap": sum(funcs.values()), "functions": dict(funcs.most_common())}
    for kind, n in traps.most_common():
        total = sum(insns[kind].values())
        result[kind] = {"traps": n, "insns_per_trap": round(total / n, 1),
                        "functions": {f: round(c / n, 1) for f, c in insns[kind].most_common()}}
    if lines:
        source_lines(result, pcs, traps, prefix, elf, func, lines)
    return result


def source_lines(result, pcs, traps, prefix, elf, func, lines):
    """Each kind's busiest source lines: instructions per trap by function
    and file:line (addr2line), into result[kind]["lines"]."""
    every = sorted({pc for kind in pcs for pc in pcs[kind]})
    out = sh([prefix + "addr2line", "-a", "-e", str(elf)] + [hex(pc) for pc in every]).stdout.split("\n")
    where = {int(out[i], 16): out[i + 1].rsplit("/", 1)[-1] for i in range(0, len(out) - 1, 2)}
    for kind, counts in pcs.items():
        by_line = collections.Counter()
        for pc, c in counts.items():
            by_line[f"{func(pc)} {where.get(pc, '?')}"] += c
        result[kind]["lines"] = {k: round(c / traps[kind], 1) for k, c in by_line.most_common(lines)}


def print_profile(prof):
    print("Where the hypervisor's instructions go (per trap, by kind; --profile):")
    def num(v):
        return f"{v:,.1f}".removesuffix(".0")
    for kind, p in prof.items():
        top = ", ".join(f"{f} {num(c)}" for f, c in list(p["functions"].items())[:8])
        print(f"  {kind}: {p['traps']} traps, {num(p['insns_per_trap'])} instructions each: {top}")
        for where, c in p.get("lines", {}).items():
            print(f"      {num(c):>6}  {where}")


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
    prof = profile(cmd, ROOT / "build" / config / "tessera.elf", arch,
                   RISCV_SHARED_BOUNDARIES if arch == "riscv64" else None)
    switch = prof.get(SWITCH_KIND)
    return {"window_start": values[0], "runs": values, "identical": all(v == values[0] for v in values),
            "switch": switch, "command": " ".join(cmd)}


def arch_commands(spec, icount, cpu=None):
    """Bare and Tessera commands of spec's architecture; cpu: another -cpu value."""
    bare = spec.bare_qemu + ["-icount", icount, "-kernel", str(spec.guest.relative_to(ROOT))]
    flags = (spec.build / "gen" / "qemu.flags").read_text().split()
    tessera = flags + ["-nographic", "-icount", icount,
                       "-kernel", str((spec.build / "tessera.elf").relative_to(ROOT))]
    if cpu:
        for c in (bare, tessera):
            c[c.index("-cpu") + 1] = cpu
    return {"bare": bare, "tessera": tessera}


def arch_bench(args, spec):
    """spec's rows: runs of bare and Tessera with the board's CPU and, for
    each of spec.variants, with the variant's. Prints the table; returns
    what results.json keeps of it."""
    if not args.no_build:
        print(f"bench: building the {spec.arch} bench guest and Tessera (CONFIG={spec.config})", flush=True)
        proc = sh(["make", "-s", f"CONFIG={spec.config}", "build"])
        if proc.returncode != 0 or not spec.guest.exists():
            sys.exit(f"bench: {spec.arch} build failed:\n" + proc.stdout + proc.stderr)
    cmds = arch_commands(spec, args.icount)
    variant_cmds = {name: arch_commands(spec, args.icount, cpu) for name, (_, cpu) in spec.variants.items()}
    runs = []
    for i in range(max(args.runs, 1)):
        run = {"load": False}
        for system in ("bare", "tessera"):
            print(f"bench: {spec.arch} run {i + 1}/{max(args.runs, 1)}: {system}", flush=True)
            run[system] = run_one(f"{spec.arch} {system}", cmds[system])
            for name, (figure, cpu) in spec.variants.items():
                figs = run_one(f"{spec.arch} {system} with -cpu {cpu}", variant_cmds[name][system])["figures"]
                run[system]["figures"][name] = figs[figure]
        runs.append(run)
    bare = summarize(runs[0]["bare"]["figures"], spec.figures)
    tess = summarize(runs[0]["tessera"]["figures"], spec.figures)
    diffs = differences(runs)
    cpu = spec.bare_qemu[spec.bare_qemu.index("-cpu") + 1]
    variants = "".join(f"; {name} with -cpu {c}" for name, (_, c) in spec.variants.items())
    print()
    print(f"{spec.arch} (configs/{spec.config}.toml, -cpu {cpu}{variants}): insns = {spec.clock}")
    print()
    print(table(bare, tess, spec.figures, hyp=spec.hyp))
    print()
    for name, note in spec.notes.items():
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
    shared = shared_cpu(args.icount, args.runs, args.no_build, spec.shared, spec.arch)
    ws, sw = shared["window_start"], shared["switch"]
    print(f"time partitioning (configs/{spec.shared}.toml: CPU 0 shared by the window probe and a "
          f"masked spinner, {ws['windows']} windows): window start after the table's time {fmt(ws['earliest'])} "
          f"to {fmt(ws['latest'])} instructions (jitter {fmt(ws['latest'] - ws['earliest'])}; "
          f"{spec.shared_clock}); runs {'identical' if shared['identical'] else 'DIFFER: ' + str(shared['runs'])}; "
          f"vCPU switch at a window boundary: " +
          (f"{fmt(sw['insns_per_trap'])} {spec.hyp} instructions per boundary ({sw['traps']} boundaries profiled)"
           if sw else "not seen in the profile"))
    prof = None
    if args.profile:
        elf = spec.build / spec.elf
        print(f"bench: profiling {spec.arch} Tessera (every {spec.hyp} instruction logged)", flush=True)
        prof = {"board_cpu": profile(cmds["tessera"], elf, spec.arch, lines=args.profile_lines)}
        prof.update({name: profile(c["tessera"], elf, spec.arch, lines=args.profile_lines)
                     for name, c in variant_cmds.items()})
        for name, p in prof.items():
            print()
            print(f"{spec.arch} with {'-cpu ' + cpu if name == 'board_cpu' else 'the ' + name + ' run'}:")
            print_profile(p)
        print()
    return {
        "commands": {k: " ".join(v) for k, v in cmds.items()},
        "variant_commands": {name: {k: " ".join(v) for k, v in c.items()} for name, c in variant_cmds.items()},
        "images": {spec.guest.name: sha256(spec.guest), "tessera.elf": sha256(spec.build / "tessera.elf")},
        "figures": {name: {"label": label, "kind": kind, "bare": bare.get(name), "tessera": tess.get(name)}
                    for name, label, kind in spec.figures},
        "bare_notes": spec.notes,
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
    ap.add_argument("--profile-lines", type=int, default=0, metavar="N",
                    help="--profile, and each kind of trap's N busiest source lines")
    ap.add_argument("--icount", default=ICOUNT, help=f"QEMU -icount options (default {ICOUNT})")
    ap.add_argument("--no-build", action="store_true", help="use what build/ holds")
    ap.add_argument("--out", default=str(BUILD / "results.json"))
    ap.add_argument("--arch", choices=("all", "aarch64", "riscv64", "x86_64"), default="all",
                    help="the architectures to measure (default all)")
    args = ap.parse_args()
    args.profile = args.profile or args.profile_lines > 0

    result = aarch64_bench(args) if args.arch in ("all", "aarch64") else {}
    for spec in (RISCV, X86):
        if args.arch in ("all", spec.arch):
            result[spec.arch] = arch_bench(args, spec)
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
        prof = profile(cmds["tessera"], BUILD / "tessera.elf", "aarch64", lines=args.profile_lines)
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
