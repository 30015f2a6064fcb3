"""Fixtures for the generator tests (tests/gen).

Every test runs the generator the way the Makefile does, as a subprocess:

    PYTHONPATH=<root>/gen /usr/bin/python3 -m tessera_gen --config F --out D --kconfig C

from the repository root, with its config, .config and kernel image in the
test's own tmp_path, so tests neither depend on nor disturb build/.
"""

import os
import shutil
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest

pytest.register_assert_rewrite("gentest")    # readable failures from its asserts too

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"            # the Debian Python that has kconfiglib, libfdt, yaml, jinja2

# A fake guest kernel: a few KiB of recognisable bytes, not page-sized.
KERNEL_BYTES = bytes(i * 7 & 0xFF for i in range(0x3008))

Result = namedtuple("Result", "returncode stdout stderr outdir")


def run_generator(config, out, kconfig, env=None):
    """Run the generator exactly like the Makefile; returns a Result."""
    proc = subprocess.run(
        [PYTHON, "-m", "tessera_gen", "--config", str(config), "--out", str(out), "--kconfig", str(kconfig)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT / "gen"), **(env or {})),
        capture_output=True, text=True, timeout=60)
    return Result(proc.returncode, proc.stdout, proc.stderr, Path(out))


def edit_dotconfig(text, **symbols):
    """A .config text with CONFIG_<name> set to each value: a string is
    written as is (give quotes for string symbols), None means 'is not set'."""
    lines = [ln for ln in text.splitlines()
             if not any(ln.startswith(f"CONFIG_{s}=") or ln == f"# CONFIG_{s} is not set" for s in symbols)]
    for s, v in symbols.items():
        lines.append(f"# CONFIG_{s} is not set" if v is None else f"CONFIG_{s}={v}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def default_dotconfig_text(tmp_path_factory):
    """What `make defconfig` writes, made with kconfiglib's alldefconfig."""
    path = tmp_path_factory.mktemp("kconfig") / ".config"
    proc = subprocess.run([PYTHON, "-m", "alldefconfig", "Kconfig"], cwd=ROOT,
                          env=dict(os.environ, KCONFIG_CONFIG=str(path)), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = path.read_text()
    assert 'CONFIG_BOARD="qemu-aarch64-virt"' in text and "CONFIG_VUART=y" in text
    return text


@pytest.fixture
def dotconfig(tmp_path, default_dotconfig_text):
    """The default .config, in tmp_path."""
    path = tmp_path / ".config"
    path.write_text(default_dotconfig_text)
    return path


@pytest.fixture
def board_dotconfig(tmp_path, dotconfig):
    """board_dotconfig(board) -> a .config for that board, made as make
    makes it: the default one with the board chosen (tessera_gen.which
    --board-config)."""
    def make(board):
        out = tmp_path / f"{board}.config"
        proc = subprocess.run([PYTHON, "-m", "tessera_gen.which", "--board-config", board, str(dotconfig), str(out)],
                              cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT / "gen")))
        assert proc.returncode == 0, proc.stderr
        return out
    return make


@pytest.fixture
def make_dotconfig(tmp_path, default_dotconfig_text):
    """make_dotconfig(name, VUART=None, BOARD='"x"') -> path of a changed .config."""
    def make(name, **symbols):
        path = tmp_path / name
        path.write_text(edit_dotconfig(default_dotconfig_text, **symbols))
        return path
    return make


@pytest.fixture
def kernel(tmp_path):
    """tmp_path/kernel.bin, the fake guest image configs name as "kernel.bin"."""
    path = tmp_path / "kernel.bin"
    path.write_bytes(KERNEL_BYTES)
    return path


class Gen:
    """gen(text, name) writes a config into tmp_path and runs the generator on
    it into tmp_path/out; returns Result(returncode, stdout, stderr, outdir)."""

    def __init__(self, tmp_path, dotconfig):
        self.tmp_path = tmp_path
        self.dotconfig = dotconfig

    def write(self, name, text):
        path = self.tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, config, out=None, kconfig=None, env=None):
        return run_generator(config, out or self.tmp_path / "out", kconfig or self.dotconfig, env)

    def __call__(self, text, name="system.toml", out=None, kconfig=None):
        return self.run(self.write(name, text), out, kconfig)


@pytest.fixture
def gen(tmp_path, dotconfig, kernel):
    return Gen(tmp_path, dotconfig)


@pytest.fixture(scope="session")
def guests_built():
    """`make guests` once: the shipped configs load build/guests/smp-hello/smp-hello.bin."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    proc = subprocess.run(["make", "--no-print-directory", "guests"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"make guests failed:\n{proc.stdout}\n{proc.stderr}"
    image = ROOT / "build/guests/smp-hello/smp-hello.bin"
    assert image.is_file()
    return image
