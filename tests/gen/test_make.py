"""The acceptance case, end to end through make: a config that pins a vCPU
to a CPU the board does not have fails the build with one clear line."""

import shutil
import subprocess

import pytest

from gentest import VM_TOML, edit


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_reports_a_bad_cpu_set_in_one_line(root, tmp_path, kernel):
    name = f"tessera-gen-test-{tmp_path.name}"          # unique: make builds into build/<name>
    config = tmp_path / f"{name}.toml"
    config.write_text(edit(VM_TOML, "phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x10]"))
    build = root / "build" / name
    existed = build.exists()
    try:
        proc = subprocess.run(["make", f"CONFIG={config}"], cwd=root, capture_output=True, text=True,
                              timeout=300)
        generated = (build / "gen").exists()
    finally:
        if not existed:
            shutil.rmtree(build, ignore_errors=True)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output and "internal generator error" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {config}: base.phys_cpu_sets[0]: 0x10 names CPU 4, but board qemu-aarch64-virt "
                      "has CPUs 0-3 (mask 0xf)"], output
    assert str(config) in errors[0] and "phys_cpu_sets" in errors[0]
    assert not generated, "the generator wrote output for a bad config"
