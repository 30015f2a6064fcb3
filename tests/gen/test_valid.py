"""Valid configs: the shipped ones, and one partition written three ways."""

import re
import subprocess

import pytest

from gentest import GENERATED, TWO_VMS_TOML, TWO_VMS_YAML, VM_TOML, Dtb, edit


@pytest.fixture
def shipped(guests_built, root, gen):
    """shipped("arceos-smp.toml") -> output directory of a successful run."""
    def run(name):
        result = gen.run(root / "configs" / name)
        assert result.returncode == 0, result.stderr
        assert result.stderr == "" and "Traceback" not in result.stdout
        return result.outdir
    return run


def _vcpu_lines(partitions_c):
    return re.findall(r"\{ \.vm = (\d+), \.index = (\d+), \.pcpu = (\d+), \.virt_id = (0x[0-9a-f]+) \}",
                      partitions_c)


def _pcpu_lines(partitions_c):
    return [(int(m, 16), int(v)) for m, v in
            re.findall(r"\{ \.hw_id = (0x[0-9a-f]+), \.vcpu = (-?\d+) \}", partitions_c)]


def test_arceos_smp_outputs(shipped, root):
    out = shipped("arceos-smp.toml")
    assert sorted(p.name for p in out.iterdir()) == sorted(GENERATED + ["arceos.dtb"])
    for name in GENERATED:
        assert (out / name).stat().st_size > 0, name

    layout = (out / "layout.txt").read_text()
    for i in range(4):
        assert f"  pcpu {i} (mpidr {i:#x}): vm arceos vcpu {i}\n" in layout
        assert f"  vcpu {i}: mpidr {i:#x} on pcpu {i} (only CPU in its set)\n" in layout
    assert "memory guest 0x40000000-0x48000000 -> host 0x40200000-0x48200000 flags 0x7 (allocated)" in layout
    assert "emulated pl011@9000000 at guest 0x9000000-0x9001000" in layout
    assert "device tree at 0x44000000 (" in layout and " bytes, where QEMU puts it)" in layout

    pc = (out / "partitions.c").read_text()
    assert _vcpu_lines(pc) == [("0", str(i), str(i), hex(i)) for i in range(4)]
    assert _pcpu_lines(pc) == [(i, i) for i in range(4)]
    # The device tree where plain QEMU -m 128M puts it: RAM base + 64 MiB (no initrd).
    assert '.name = "arceos",' in pc and ".entry = 0x40080000," in pc and ".dtb = 0x44000000," in pc
    assert "{ .gpa = 0x40000000, .hpa = 0x40200000, .size = 0x8000000, .flags = MEM_READ | MEM_WRITE | MEM_EXEC }" in pc
    assert "{ .gpa = 0x9000000, .size = 0x1000, .kind = EMU_VUART_PL011, .irq = 33 }" in pc

    h = (out / "layout.h").read_text()
    assert "#define TESSERA_NR_VMS    1\n" in h and "#define TESSERA_NR_VCPUS  4\n" in h
    assert "#define TESSERA_HYP_BASE      0x40000000\n" in h

    assert (out / "qemu.flags").read_text() == (
        "qemu-system-aarch64 -M virt,virtualization=on,gic-version=3,highmem=off -cpu cortex-a72 -smp 4 -m 1G "
        "-nic none -no-reboot -device pvpanic-pci -action panic=exit-failure\n")
    assert '#define CONFIG_BOARD "qemu-aarch64-virt"' in (out / "autoconf.h").read_text()
    deps = (out / "deps.mk").read_text()
    assert deps.startswith(f"{out}/stamp: ")
    assert str(root / "configs/arceos-smp.toml") in deps
    assert str(root / "build/guests/smp-hello/smp-hello.bin") in deps
    asm = (out / "guest_images.S").read_text()
    assert f'.incbin "{root}/build/guests/smp-hello/smp-hello.bin"' in asm
    assert f'.incbin "{out.resolve()}/arceos.dtb"' in asm
    ld = (out / "tessera.ld").read_text()
    assert ".guest.vm0.kernel 0x40280000 :" in ld and ".guest.vm0.dtb 0x44200000 :" in ld
    assert "tessera_pgtables[" in (out / "pagetables.c").read_text()


def test_arceos_smp_dtb(shipped):
    dtb = Dtb((shipped("arceos-smp.toml") / "arceos.dtb").read_bytes())
    assert dtb.cpus() == [(f"/cpus/cpu@{i}", i) for i in range(4)]
    for path, _ in dtb.cpus():
        assert dtb.string(path, "enable-method") == "psci"
        assert dtb.string(path, "compatible") == "arm,cortex-a72"
    assert dtb.of_type("memory") == ["/memory@40000000"]
    assert dtb.reg("/memory@40000000") == [(0x40000000, 0x8000000)]
    assert dtb.string("/psci", "method") == "hvc"
    assert "arm,psci-0.2" in dtb.strings("/psci", "compatible")
    assert dtb.strings("/pl011@9000000", "compatible") == ["arm,pl011", "arm,primecell"]
    assert dtb.reg("/pl011@9000000") == [(0x9000000, 0x1000)]
    assert dtb.string("/chosen", "stdout-path") == "/pl011@9000000"


def test_hello_pair(shipped):
    out = shipped("hello-pair.yaml")
    assert sorted(p.name for p in out.iterdir()) == sorted(GENERATED + ["hello.dtb"])

    dtb = Dtb((out / "hello.dtb").read_bytes())
    assert dtb.cpus() == [("/cpus/cpu@100", 0x100), ("/cpus/cpu@101", 0x101)]
    assert dtb.reg("/memory@40000000") == [(0x40000000, 0x1000000)]
    assert dtb.string("/psci", "method") == "hvc"
    assert dtb.reg("/pl011@9000000") == [(0x9000000, 0x1000)]

    pc = (out / "partitions.c").read_text()
    # pCPUs 0 and 1 stay off; vCPU 0 and 1 (virtual MPIDRs 0x100, 0x101) run on 2 and 3.
    assert _pcpu_lines(pc) == [(0, -1), (1, -1), (2, 0), (3, 1)]
    assert _vcpu_lines(pc) == [("0", "0", "2", "0x100"), ("0", "1", "3", "0x101")]
    layout = (out / "layout.txt").read_text()
    assert "  pcpu 0 (mpidr 0x0): unused, stays off\n" in layout
    assert "  pcpu 1 (mpidr 0x1): unused, stays off\n" in layout
    assert "  vcpu 0: mpidr 0x100 on pcpu 2 (lowest free CPU of set 0xc)\n" in layout
    assert "  vcpu 1: mpidr 0x101 on pcpu 3 (lowest free CPU of set 0xc)\n" in layout


# ---- one partition, three syntaxes ------------------------------------------

# The per-VM file as one [[vm]] of a system config: [base] -> [vm.base], ...
SYSTEM_TOML = 'board = "qemu-aarch64-virt"\n\n[[vm]]\n' + re.sub(r"^\[(\w+)\]$", r"[vm.\1]", VM_TOML,
                                                               flags=re.M)

SYSTEM_YAML = """\
board: qemu-aarch64-virt
vm:
  - base:
      id: 1
      name: solo
      vm_type: 1
      cpu_num: 1
      phys_cpu_ids: [0x0]
      phys_cpu_sets: [0x1]
    kernel:
      entry_point: 0x40080000
      image_location: memory
      kernel_path: kernel.bin
      kernel_load_addr: 0x40080000
      memory_regions:
        - [0x40000000, 0x1000000, 0x7, 0]
    devices:
      passthrough_devices: []
      emu_devices:
        - ["pl011@9000000", 0x09000000, 0x1000, 33, 0x2, []]
"""

# A system config that loads the per-VM file by name.
SYSTEM_VMS_LIST = 'board = "qemu-aarch64-virt"\nvms = ["solo.toml"]\n'


def _without(text, *names):
    return [line for line in text.splitlines() if not any(n in line for n in names)]


def test_same_vm_in_every_syntax(gen, tmp_path):
    variants = {
        "toml-inline": gen.write("a/system.toml", SYSTEM_TOML),
        "yaml-inline": gen.write("b/system.yaml", SYSTEM_YAML),
        "arceos-file": gen.write("c/solo.toml", VM_TOML),
        "vms-list": gen.write("d/system.toml", SYSTEM_VMS_LIST),
    }
    gen.write("d/solo.toml", VM_TOML)
    for d in "abcd":
        (tmp_path / d / "kernel.bin").write_bytes((tmp_path / "kernel.bin").read_bytes())
    outs = {}
    for what, config in variants.items():
        result = gen.run(config, out=tmp_path / f"out-{what}")
        assert result.returncode == 0, (what, result.stderr)
        outs[what] = result.outdir
    ref = outs["toml-inline"]
    names = ("system.toml", "system.yaml", "solo.toml")
    for what, out in outs.items():
        for name in ("partitions.c", "pagetables.c", "layout.h", "tessera.ld"):
            assert _without((out / name).read_text(), *names) == _without((ref / name).read_text(), *names), \
                (what, name)
        assert (out / "solo.dtb").read_bytes() == (ref / "solo.dtb").read_bytes(), what
    # The lines dropped above are only the header comments naming the file.
    pc = (ref / "partitions.c").read_text()
    assert [line for line in pc.splitlines() if "system.toml" in line] == [
        " * Generated by gen/ from system.toml for board qemu-aarch64-virt: do not edit.",
        "/* ---- partition solo (id 1, from system.toml) ---- */"]
    # Key paths in the comments are relative to the partition in every syntax.
    assert "/* kernel.memory_regions[0]: placed by the generator */" in pc
    assert "/* devices.emu_devices[0]: pl011@9000000, trapped and emulated */" in pc


def test_two_vms_toml_and_yaml_identical(gen, tmp_path):
    gen.write("t/system.cfg.toml", TWO_VMS_TOML)
    (tmp_path / "t/kernel.bin").write_bytes((tmp_path / "kernel.bin").read_bytes())
    (tmp_path / "y").mkdir()
    (tmp_path / "y/kernel.bin").write_bytes((tmp_path / "kernel.bin").read_bytes())
    a = gen.run(tmp_path / "t/system.cfg.toml", out=tmp_path / "t-out")
    b = gen.run(gen.write("y/system.cfg.yaml", TWO_VMS_YAML), out=tmp_path / "y-out")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    for name in ("partitions.c", "pagetables.c", "layout.h", "tessera.ld", "left.dtb", "right.dtb"):
        ta = (a.outdir / name).read_bytes().replace(b"system.cfg.toml", b"CONFIG")
        tb = (b.outdir / name).read_bytes().replace(b"system.cfg.yaml", b"CONFIG")
        assert ta == tb, name
    pc = (a.outdir / "partitions.c").read_text()
    assert _pcpu_lines(pc) == [(0, 0), (1, 1), (2, -1), (3, -1)]
    # Both partitions see guest RAM at 0x4000_0000, in different host memory.
    assert re.findall(r"\.gpa = 0x40000000, \.hpa = (0x[0-9a-f]+)", pc) == ["0x40200000", "0x41200000"]


def test_unset_phys_cpu_sets_takes_lowest_free_cpus(gen):
    text = edit(edit(TWO_VMS_TOML, "phys_cpu_sets = [0x1]\n", ""), "phys_cpu_sets = [0x2]\n", "")
    text = edit(text, 'name = "right"\ncpu_num = 1\nphys_cpu_ids = [0x0]',
                'name = "right"\ncpu_num = 2\nphys_cpu_ids = [0x0, 0x1]')
    result = gen(text)
    assert result.returncode == 0, result.stderr
    assert _pcpu_lines((result.outdir / "partitions.c").read_text()) == [(0, 0), (1, 1), (2, 2), (3, -1)]


def test_pinning_moves_an_earlier_vcpu_to_make_room(gen):
    # left may use CPU 0 or 1 and gets 0 first; right can only use 0, so left moves to 1.
    text = edit(edit(TWO_VMS_TOML, "phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x3]"),
                "phys_cpu_sets = [0x2]", "phys_cpu_sets = [0x1]")
    result = gen(text)
    assert result.returncode == 0, result.stderr
    assert _pcpu_lines((result.outdir / "partitions.c").read_text()) == [(0, 1), (1, 0), (2, -1), (3, -1)]
    layout = (result.outdir / "layout.txt").read_text()
    assert "vcpu 0: mpidr 0x0 on pcpu 1 (moved to make room for vm 'right' vcpu 0)" in layout


def test_identity_region_and_cmdline(gen):
    text = edit(VM_TOML, "[0x4000_0000, 0x100_0000, 0x7, 0]", "[0x4800_0000, 0x100_0000, 0x7, 1]")
    text = edit(text, "entry_point = 0x4008_0000", "entry_point = 0x4808_0000")
    text = edit(text, "kernel_load_addr = 0x4008_0000", 'kernel_load_addr = 0x4808_0000\ncmdline = "console=ttyAMA0"')
    result = gen(text, "solo.toml")
    assert result.returncode == 0, result.stderr
    layout = (result.outdir / "layout.txt").read_text()
    assert "memory guest 0x48000000-0x49000000 -> host 0x48000000-0x49000000 flags 0x7 (identical)" in layout
    dtb = Dtb((result.outdir / "solo.dtb").read_bytes())
    assert dtb.string("/chosen", "bootargs") == "console=ttyAMA0"
    assert dtb.reg("/memory@48000000") == [(0x48000000, 0x1000000)]


def test_a_device_tree_of_the_users_own_is_used_verbatim(gen, tmp_path):
    """kernel.dtb_path: the generator writes no device tree of its own; the
    user's blob goes into the image unchanged, at dtb_load_addr."""
    dts = tmp_path / "mine.dts"
    dts.write_text('/dts-v1/;\n/ { model = "my own board tree"; #address-cells = <2>; #size-cells = <2>; };\n')
    subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", str(tmp_path / "mine.dtb"), str(dts)],
                   check=True, capture_output=True)
    text = edit(VM_TOML, "kernel_load_addr = 0x4008_0000",
                'kernel_load_addr = 0x4008_0000\ndtb_path = "mine.dtb"\ndtb_load_addr = 0x40f0_0000')
    result = gen(text, "solo.toml")
    assert result.returncode == 0, result.stderr
    assert (result.outdir / "solo.dtb").read_bytes() == (tmp_path / "mine.dtb").read_bytes()
    partitions = (result.outdir / "partitions.c").read_text()
    assert ".dtb = 0x40f00000," in partitions
