"""File names the build must carry through: a config and its guest image in
a folder whose name has a quote, a backslash, a dollar, a hash and a space.
The assembler's .incbin, make's deps.mk and gdb's debug.gdb must all find
the very file."""

import os
import re
import subprocess

from conftest import KERNEL_BYTES, run_generator
from gentest import VM_TOML, edit

ODD = 'we"ird\\ dir $x #1'


def test_an_odd_folder_name_reaches_the_assembler_make_and_gdb(tmp_path, dotconfig):
    folder = tmp_path / ODD
    folder.mkdir()
    (folder / "k$1 #.bin").write_bytes(KERNEL_BYTES)
    config = folder / "vm.toml"
    config.write_text(edit(VM_TOML, 'kernel_path = "kernel.bin"', 'kernel_path = "k$1 #.bin"'))
    out = folder / "build" / "gen"
    out.parent.mkdir()
    result = run_generator(config, out, dotconfig)
    assert result.returncode == 0, result.stderr

    # The assembler reads the image from the odd path: the kernel's section
    # holds exactly its bytes.
    obj = tmp_path / "images.o"
    subprocess.run(["aarch64-linux-gnu-as", "-o", str(obj), str(out / "guest_images.S")],
                   check=True, capture_output=True, text=True)
    sections = re.findall(r"\.section (\.guest\.\S+), \"a\"\n\s*\.incbin \"[^\n]*k\$1 #\.bin\"",
                          (out / "guest_images.S").read_text())
    assert len(sections) == 1
    dump = tmp_path / "kernel.out"
    subprocess.run(["aarch64-linux-gnu-objcopy", "-O", "binary", "--only-section", sections[0],
                    str(obj), str(dump)], check=True)
    assert dump.read_bytes() == KERNEL_BYTES

    # make reads deps.mk back as the same files: up to date after the stamp,
    # out of date once the image changes (a misread name would be a missing
    # prerequisite, exit 2).
    stamp = out / "stamp"
    stamp.touch()
    deps = (out / "deps.mk").read_text()
    target = deps[:deps.index(": ")]                    # as make must read it
    wrapper = tmp_path / "wrapper.mk"
    wrapper.write_text(f"{deps}{target}:\n\t@touch $@\n")
    make = ["make", "-q", "-f", str(wrapper), str(stamp)]
    now = stamp.stat().st_mtime
    for dep in (folder / "k$1 #.bin", config, dotconfig):
        os.utime(dep, (now - 10, now - 10))
    assert subprocess.run(make, capture_output=True).returncode == 0
    os.utime(folder / "k$1 #.bin", (now + 10, now + 10))       # only the image is newer
    assert subprocess.run(make, capture_output=True).returncode == 1

    # gdb loads the hypervisor's and the guest's symbols from those paths
    # (any aarch64 ELF will do for both; without "target remote").
    for elf in (folder / "build" / "tessera.elf", folder / "k$1 #.elf"):
        elf.write_bytes(obj.read_bytes())
    result = run_generator(config, out, dotconfig)       # now it sees the guest ELF
    assert result.returncode == 0, result.stderr
    script = tmp_path / "local.gdb"
    script.write_text((out / "debug.gdb").read_text().replace("target remote localhost:1234\n", ""))
    assert [ln.split()[0] for ln in script.read_text().splitlines()] == ["file", "add-symbol-file"]
    gdb = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-x", str(script)],
                         capture_output=True, text=True, timeout=60)
    assert gdb.returncode == 0 and "No such file" not in gdb.stderr, gdb.stderr
    assert "add symbol table from file" in gdb.stdout, gdb.stdout
