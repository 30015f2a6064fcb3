#!/usr/bin/env python3
"""QEMU regression harness: boot each case of cases.toml, check its lines.

    tests/qemu/run.py [-k SUBSTRING] [--cases FILE]

Prints PASS/FAIL per case (with the tail of the console on failure) and
ends with "N passed, N failed". Exit status 1 if any case failed.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import threading
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A bare case (no hypervisor) runs its guest on the plain machine of its
# `arch` (default aarch64); riscv64's has OpenSBI as its firmware, x86_64's
# SeaBIOS.
BARE_QEMU = {
    "aarch64": ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72",
                "-smp", "4", "-m", "1G", "-nic", "none"],
    "riscv64": ["qemu-system-riscv64", "-M", "virt", "-cpu", "rv64", "-smp", "4", "-m", "1G",
                "-bios", "default", "-nic", "none"],
    # SeaBIOS's multiboot loader takes ELF32 only: the guest's .elf32
    "x86_64": ["qemu-system-x86_64", "-M", "q35", "-cpu", "EPYC", "-smp", "4", "-m", "1G", "-accel", "tcg",
               "-nic", "none", "-no-reboot"],
}
TAIL = 30
GDB_PORT = 1234                 # the port build/NAME/gen/debug.gdb (make debug) names


def build(case):
    """make the case's image; returns (qemu command, error text or None)."""
    if "bare" in case:              # no hypervisor: `make` builds it; `qemu`, or the `arch`'s QEMU, runs it
        proc = subprocess.run(["make", "-s", case.get("make", "guests")], cwd=ROOT,
                              capture_output=True, text=True)
        qemu = case.get("qemu") or BARE_QEMU[case.get("arch", "aarch64")]
        return qemu + ["-nographic", "-kernel", case["bare"]], \
            None if proc.returncode == 0 else proc.stdout + proc.stderr
    cfg = case["config"]
    make = ["make", "-s", f"CONFIG={cfg}"]
    bdir = ROOT / "build" / Path(cfg).stem
    if "kconfig" in case:           # this case's own Kconfig values and build dir
        bdir = ROOT / "build" / "qemu-cases" / re.sub(r"\W+", "-", case["name"])[:48]
        err = _kconfig(case["kconfig"], bdir)
        if err:
            return None, err
        make += [f"B={bdir}", f"KCONFIG_CONFIG={bdir / 'kconfig'}"]
    proc = subprocess.run(make + ["build"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        return None, proc.stdout + proc.stderr
    flags = (bdir / "gen" / "qemu.flags").read_text().split()
    if "smp" in case:               # a machine with fewer CPUs than the board says
        flags[flags.index("-smp") + 1] = str(case["smp"])
    if "machine" in case:           # another -M than the board's
        flags[flags.index("-M") + 1] = case["machine"]
    if "cpu" in case:               # another -cpu than the board's
        flags[flags.index("-cpu") + 1] = case["cpu"]
    if case.get("exit_device", True) is False:     # QEMU without the exit device
        i = flags.index("pvpanic-pci")
        del flags[i - 1:i + 1]
    return flags + ["-nographic", "-kernel", str(bdir / "tessera.elf")], None


def _kconfig(lines, bdir):
    """Defaults, then the case's CONFIG_X=y lines (a later line wins)."""
    bdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, KCONFIG_CONFIG=str(bdir / "kconfig"))
    python = os.environ.get("PYTHON", "/usr/bin/python3")
    for step in ("alldefconfig", "olddefconfig"):
        proc = subprocess.run([python, "-m", step, "Kconfig"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return proc.stdout + proc.stderr
        if step == "alldefconfig":
            with open(bdir / "kconfig", "a") as f:
                f.write("".join(line + "\n" for line in lines))
    return None


def boot(cmd, timeout, send=(), until=()):
    """Run QEMU; kill its process group on the time limit. send: pairs
    [text to wait for, bytes to type then] fed to its console in order,
    or triples [text, bytes, n]: once the text has appeared n times (a
    prompt that comes back); with nothing to send, its stdin is /dev/null.
    until: regular expressions for whole lines in this order (out_of_order):
    once all have appeared, QEMU is killed and its status is None (a
    partition that runs on for ever, once the case has seen it do so)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE if send else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read1(4096), b"")))
    reader.start()
    deadline = start + timeout
    for wait_for, typed, *times in send:
        while b"".join(chunks).count(wait_for.encode()) < (times[0] if times else 1) \
                and time.monotonic() < deadline \
                and proc.poll() is None:
            time.sleep(0.05)
        try:
            proc.stdin.write(typed.encode())
            proc.stdin.flush()
        except BrokenPipeError:
            break
    seen = False
    while until and not seen and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r", "")
        seen = not out_of_order(text.split("\n"), until)
    try:
        if seen:
            raise subprocess.TimeoutExpired(cmd, 0)
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        timed_out = not seen
    reader.join()
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r", "")
    return text, None if seen else proc.returncode, timed_out, time.monotonic() - start


def wait_listening(port, proc, limit=20.0):
    """Until a socket listens on port (read from /proc/net/tcp*: a trial
    connection would count as a gdb session to QEMU), proc exits, or limit."""
    want = f":{port:04X}"
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                rows = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            # local_address is field 1, state field 3 (0A = LISTEN)
            if any(r.split()[1].endswith(want) and r.split()[3] == "0A" for r in rows):
                return
        time.sleep(0.05)


def free_port():
    """A TCP port nothing listens on now (the kernel's choice for port 0)."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def debug(case, cmd):
    """`make debug` as a user runs it: QEMU halted with its gdb stub, then
    gdb-multiarch with the generated script and the case's commands. The
    gdb output is what the case checks; QEMU is killed afterwards (its exit
    status, None, is not checked). With `console = true` the commands end by
    detaching, QEMU must then exit by itself, and its console and exit
    status are checked too (the console after gdb's output)."""
    # The generated script with a free port instead of make debug's fixed
    # one, so that test runs in several checkouts at once do not collide.
    port = free_port()
    script = tempfile.NamedTemporaryFile("w", suffix=".gdb")
    generated = (ROOT / "build" / Path(case["config"]).stem / "gen" / "debug.gdb").read_text()
    script.write(generated.replace(f"localhost:{GDB_PORT}", f"localhost:{port}"))
    script.flush()
    console = tempfile.TemporaryFile()
    qemu = subprocess.Popen(cmd + ["-S", "-gdb", f"tcp:localhost:{port}"], cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=console,
                            stderr=subprocess.STDOUT, start_new_session=True)
    start = time.monotonic()
    status = None
    try:
        wait_listening(port, qemu)          # the CPUs run only once gdb says so
        gdb = ["gdb-multiarch", "-nx", "-batch", "-x", script.name]
        for c in case["gdb"]:
            gdb += ["-ex", c]
        proc = subprocess.run(gdb, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=case["timeout"])
        text, timed_out = proc.stdout + proc.stderr, False
        if case.get("console"):
            status = qemu.wait(timeout=max(0.1, start + case["timeout"] - time.monotonic()))
    except subprocess.TimeoutExpired as e:
        text, timed_out = str(e.stdout or ""), True
    finally:
        try:
            os.killpg(qemu.pid, signal.SIGKILL)
        except ProcessLookupError:          # it had exited by itself
            pass
        qemu.wait()
    if case.get("console"):
        console.seek(0)
        text += "\n" + console.read().decode("utf-8", errors="replace").replace("\r", "")
    console.close()
    script.close()
    return text, status, timed_out, time.monotonic() - start


def after(case):
    """The case's `after` commands, run from the repository once QEMU has
    exited (e.g. debugfs reading a file the guest wrote into its disk
    image): their output, each after a line "$ command", for the checks."""
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    out = []
    for cmd in case.get("after", []):
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, errors="replace", timeout=60)
            result = proc.stdout + proc.stderr + (f"(exit status {proc.returncode})\n" if proc.returncode else "")
        except (OSError, subprocess.TimeoutExpired) as e:
            result = f"(exit status: could not run it: {e})\n"
        out.append("$ " + " ".join(cmd) + "\n" + result)
    return "".join("\n" + o for o in out)


def out_of_order(lines, wanted):
    """Problems if the regular expressions wanted do not each match a whole
    line after the line the one before matched (the first such line each
    time)."""
    at = 0
    for e in wanted:
        at = next((i for i in range(at, len(lines)) if re.fullmatch(e, lines[i])), None)
        if at is None:
            return [f"no line matches {e!r} after those before it in until"]
        at += 1
    return []


def check(case, text, status, timed_out):
    lines = set(text.split("\n"))      # "\n" only: a guest cannot start a line otherwise
    problems = [f"missing line: {e!r}" for e in case.get("expect", []) if e not in lines]
    problems += [f"no line matches: {e!r}" for e in case.get("expect_re", [])
                 if not any(re.fullmatch(e, line) for line in lines)]
    problems += [f"unexpected text: {r!r}" for r in case.get("reject", []) if r in text]
    problems += out_of_order(text.split("\n"), case.get("until", []))
    if timed_out:
        problems.append(f"QEMU did not exit within {case['timeout']} s")
    elif status is not None and status != case.get("exit", 0):
        problems.append(f"QEMU exited with status {status}, not {case.get('exit', 0)}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="run only cases whose name contains this")
    ap.add_argument("--cases", default=str(Path(__file__).with_name("cases.toml")))
    args = ap.parse_args()
    cases = tomllib.loads(Path(args.cases).read_text())["case"]
    passed = failed = 0
    for case in cases:
        if args.k not in case["name"]:
            continue
        built = time.monotonic()
        cmd, err = build(case)
        built = time.monotonic() - built
        if err is not None:
            problems, text, secs = ["build failed"], err, 0.0
        elif "gdb" in case:
            text, status, timed_out, secs = debug(case, cmd)
            problems = check(case, text, status, timed_out)
        else:
            text, status, timed_out, secs = boot(cmd, case["timeout"], case.get("send", []),
                                                 case.get("until", []))
            text += after(case)
            problems = check(case, text, status, timed_out)
        # A long build (the riscv64 kernel's first) shows, for CI's budget.
        took = f"{secs:.1f} s" + (f", build {built:.0f} s" if built >= 10 else "")
        if problems:
            failed += 1
            print(f"FAIL {case['name']} ({took})")
            for p in problems:
                print(f"     {p}")
            print(f"     --- last {TAIL} lines of the console ---")
            for line in text.split("\n")[-TAIL:]:
                print(f"     | {line}")
        else:
            passed += 1
            print(f"PASS {case['name']} ({took})")
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
