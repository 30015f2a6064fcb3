"""Shared config texts and checks for the generator tests (tests/gen)."""

import libfdt

# One partition in the ArceOS hypervisor's per-VM format: 1 vCPU on CPU 0,
# 16 MiB of RAM placed by the generator, the emulated PL011. kernel.bin is
# the fake image the `kernel` fixture writes next to the config.
VM_TOML = """\
[base]
id = 1
name = "solo"
vm_type = 1
cpu_num = 1
phys_cpu_ids = [0x0]
phys_cpu_sets = [0x1]

[kernel]
entry_point = 0x4008_0000
image_location = "memory"
kernel_path = "kernel.bin"
kernel_load_addr = 0x4008_0000
memory_regions = [
    [0x4000_0000, 0x100_0000, 0x7, 0],
]

[devices]
passthrough_devices = []
emu_devices = [
    ["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []],
]
"""

def inline_vm(vm_id, name, cpu_set):
    """One [[vm]] of a TOML system config: 1 vCPU on the CPUs of cpu_set,
    16 MiB of guest RAM at 0x4000_0000 placed by the generator, kernel.bin."""
    return f"""\
[[vm]]
[vm.base]
id = {vm_id}
name = "{name}"
cpu_num = 1
phys_cpu_ids = [0x0]
phys_cpu_sets = [{cpu_set:#x}]
[vm.kernel]
entry_point = 0x4008_0000
kernel_path = "kernel.bin"
kernel_load_addr = 0x4008_0000
memory_regions = [[0x4000_0000, 0x100_0000, 0x7, 0]]
[vm.devices]
emu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]
"""


# A system config in TOML: two partitions inline, "left" on CPU 0 and
# "right" on CPU 1.
TWO_VMS_TOML = ('board = "qemu-aarch64-virt"\n\n' + inline_vm(1, "left", 0x1) + "\n"
                + inline_vm(2, "right", 0x2))

def yaml_vm(vm_id, name, cpu_set):
    """inline_vm() in YAML: one entry of a system config's vm list."""
    return f"""\
  - base: {{id: {vm_id}, name: {name}, cpu_num: 1, phys_cpu_ids: [0x0], phys_cpu_sets: [{cpu_set:#x}]}}
    kernel:
      entry_point: 0x40080000
      kernel_path: kernel.bin
      kernel_load_addr: 0x40080000
      memory_regions: [[0x40000000, 0x1000000, 0x7, 0]]
    devices:
      emu_devices: [["pl011@9000000", 0x09000000, 0x1000, 33, 0x2, []]]
"""


# The same two partitions in YAML.
TWO_VMS_YAML = "board: qemu-aarch64-virt\nvm:\n" + yaml_vm(1, "left", 0x1) + yaml_vm(2, "right", 0x2)

GENERATED = ["partitions.c", "pagetables.c", "layout.h", "tessera.ld", "guest_images.S",
             "layout.txt", "layout.svg", "autoconf.h", "qemu.flags", "deps.mk", "debug.gdb"]


def edit(text, old, new, count=1):
    """text with old replaced by new; old must occur exactly count times, so
    that a test never silently stops testing what it says."""
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times, not {count}"
    return text.replace(old, new)


def snapshot(path):
    """{relative path: (bytes, mtime_ns)} of every file under path, or None."""
    if not path.exists():
        return None
    return {str(p.relative_to(path)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(path.rglob("*")) if p.is_file()}


def assert_one_line_error(result, expected, tmp_path=None):
    """Exit status 1, stderr exactly `expected` (one line), no traceback, no
    output directory, and no leftover temporary directory next to it."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "internal generator error" not in output, output
    assert result.stderr.strip() == expected
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert result.returncode == 1
    assert not result.outdir.exists(), f"{result.outdir} was created"
    leftovers = list(result.outdir.parent.glob(result.outdir.name + ".tmp*"))
    assert leftovers == [], leftovers


# ---- device trees ----------------------------------------------------------
# Read the whole tree once into dicts. (pylibfdt's getprop on a missing
# property corrupts None's reference count on Debian's Python 3.11, and a
# test process that does it often enough aborts at exit; iterating over the
# properties that exist does not.)

def _cells(raw):
    return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]


def _join(cells):
    value = 0
    for c in cells:
        value = value << 32 | c
    return value


class Dtb:
    """A device tree blob as {node path: {property: bytes}} plus children."""

    def __init__(self, blob):
        fdt = libfdt.Fdt(blob)
        self.props, self.children = {}, {}

        def walk(off, path):
            props = {}
            try:
                p = fdt.first_property_offset(off)
                while True:
                    prop = fdt.get_property_by_offset(p)
                    props[prop.name] = bytes(prop)
                    p = fdt.next_property_offset(p)
            except libfdt.FdtException:
                pass
            self.props[path] = props
            self.children[path] = []
            try:
                child = fdt.first_subnode(off)
                while True:
                    name = fdt.get_name(child)
                    cpath = path.rstrip("/") + "/" + name
                    self.children[path].append(cpath)
                    walk(child, cpath)
                    child = fdt.next_subnode(child)
            except libfdt.FdtException:
                pass

        walk(0, "/")

    def string(self, path, name):
        return self.props[path][name].rstrip(b"\0").decode()

    def strings(self, path, name):
        return [s.decode() for s in self.props[path][name].split(b"\0") if s]

    def u32(self, path, name):
        return _cells(self.props[path][name])

    def reg(self, path):
        """[(base, size)], with the parent's #address-cells and #size-cells."""
        parent = path.rsplit("/", 1)[0] or "/"
        ac, sc = self.u32(parent, "#address-cells")[0], self.u32(parent, "#size-cells")[0]
        cells, step = self.u32(path, "reg"), ac + sc
        return [(_join(cells[i:i + ac]), _join(cells[i + ac:i + step])) for i in range(0, len(cells), step)]

    def of_type(self, device_type, under="/"):
        return [c for c in self.children[under]
                if self.props[c].get("device_type") == device_type.encode() + b"\0"]

    def cpus(self):
        """[(node path, reg)] of the cpu nodes under /cpus, in order."""
        return [(c, _join(self.u32(c, "reg"))) for c in self.of_type("cpu", "/cpus")]
