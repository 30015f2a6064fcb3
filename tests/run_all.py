#!/usr/bin/env python3
"""Run every test layer and print one summary line.

    tests/run_all.py [gen|unit|qemu ...]

Layers: gen (pytest over the generator), unit (host C tests of the core),
qemu (boot each case under QEMU). The last line is "N passed, N failed"
summed over the layers; the exit status is non-zero if anything failed.
"""

import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)


def run(cmd, **kw):
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)
    print(proc.stdout, end="", flush=True)
    return proc


def layer_gen():
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "gen.xml"
        proc = run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--junitxml={xml}", "tests/gen"])
        if not xml.exists():
            return 0, 1
        suites = ET.parse(xml).getroot()
        total = failed = 0
        for s in suites.iter("testsuite"):
            total += int(s.get("tests", 0))
            failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
            total -= int(s.get("skipped", 0))
        if proc.returncode != 0 and failed == 0:
            failed = 1          # pytest itself failed (collection, usage)
        return total - failed, failed


def summary_of(proc):
    found = SUMMARY.findall(proc.stdout)
    if not found:
        return 0, 1
    passed, failed = map(int, found[-1])
    if proc.returncode != 0 and failed == 0:
        failed = 1
    return passed, failed


def layer_unit():
    binaries = ["build/unit/unit-tests", "build/unit/vgic-tests", "build/unit/vgic2-tests",
                "build/unit/riscv-tests", "build/unit/x86-tests", "build/unit/schedule-tests"]
    build = run(["make", "-s"] + binaries)
    if build.returncode != 0:
        return 0, 1
    results = [summary_of(run([b])) for b in binaries]
    return sum(p for p, _ in results), sum(f for _, f in results)


def layer_qemu():
    return summary_of(run([PYTHON, "tests/qemu/run.py"]))


LAYERS = {"gen": layer_gen, "unit": layer_unit, "qemu": layer_qemu}


def main(argv):
    names = argv or list(LAYERS)
    passed = failed = 0
    results = []
    for name in names:
        print(f"=== {name} ===", flush=True)
        p, f = LAYERS[name]()
        results.append(f"{name}: {p} passed, {f} failed")
        passed += p
        failed += f
    print("=== summary ===")
    for r in results:
        print(r)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
