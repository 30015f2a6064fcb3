"""The x86_64 board (boards/qemu-x86_64-q35): what the generator writes for
it (a PML4 over its tables, nested page tables, the multiboot information,
the console on I/O ports, the virtual local APIC) and what it refuses (each
one line naming file, key and fix)."""

import sys

import pytest

from conftest import ROOT
from gentest import assert_one_line_error, edit

sys.path.insert(0, str(ROOT / "gen"))
from tessera_gen import pagetable as pt                                 # noqa: E402  (after the path)
from tessera_gen.model import MEM_DEVICE, MEM_EXEC, MEM_READ, MEM_WRITE  # noqa: E402

X86_TOML = """\
board = "qemu-x86_64-q35"

[[vm]]
[vm.base]
id = 1
name = "solo"
cpu_num = 2
phys_cpu_ids = [0x0, 0x1]
phys_cpu_sets = [0x1, 0x2]
[vm.kernel]
entry_point = 0x10_000c
kernel_path = "kernel.bin"
kernel_load_addr = 0x10_0000
memory_regions = [[0x0, 0x100_0000, 0x7, 0]]
[vm.devices]
emu_devices = [["com1", 0x3f8, 0x8, 0, 0x2, []]]
"""


@pytest.fixture
def x86_config(board_dotconfig):
    return board_dotconfig("qemu-x86_64-q35")


def test_the_x86_board_generates(gen, x86_config):
    result = gen(X86_TOML, "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    out = result.outdir
    c = (out / "partitions.c").read_text()
    assert ".gpa = X86_IO_PORT(0x3f8), .size = 0x8, .kind = EMU_VUART_NS16550" in c
    assert ".gpa = X86_LAPIC_GPA, .size = 0x1000, .kind = EMU_VLAPIC" in c
    assert ".uart_port = 0x3f8" in c
    assert "{ .hw_id = 0x3, .vcpu = -1 }," in c       # APIC ids from board.dts, never read at run time
    layout = (out / "layout.h").read_text()
    assert "#define TESSERA_ACPI_PM_PORT  0x600" in layout
    assert "#define TESSERA_EXIT_PORT     0xf4" in layout
    assert "#define TESSERA_HYP_PT_ROOT   0x2c0000" in layout      # the PML4: the first table
    tables = (out / "pagetables.c").read_text()
    # PML4[0] -> the PDPT right after it (P, RW, US, A)
    assert "\t[0] = {\t/* 0x2c0000: hypervisor CR3, PML4 */\n\t\t[0] = 0x00000000002c1027,\n\t}," in tables
    # the multiboot information: at 0x9000 of the partition, flags MEM | CMDLINE | MMAP
    mbi = (out / "solo.dtb").read_bytes()
    assert int.from_bytes(mbi[0:4], "little") == 0x45
    assert int.from_bytes(mbi[4:8], "little") == 640            # mem_lower, KiB
    assert int.from_bytes(mbi[8:12], "little") == 15 * 1024     # mem_upper: 16 MiB - 1 MiB
    assert int.from_bytes(mbi[48:52], "little") == 0x9000 + 0x60    # mmap_addr, guest-physical


def test_x86_page_table_entries():
    f = pt.X86_64Format
    # a 2 MiB leaf of RAM the guest may run: P, RW, US, A, D, PS, no NX
    rwx = pt.x86_npt_attrs(MEM_READ | MEM_WRITE | MEM_EXEC)
    assert f.leaf(0x4000_0000 + 0x20_0000, rwx, 2) == 0x40200000 | 0xe7
    # read-only data: no RW, NX
    assert pt.x86_npt_attrs(MEM_READ) == 0x65 | pt.X86_NX
    # a device: uncached, never executable
    assert pt.x86_npt_attrs(MEM_READ | MEM_WRITE | MEM_DEVICE | MEM_EXEC) == 0x7f | pt.X86_NX
    # no read: no mapping at all (x86 has no write-only page)
    assert pt.x86_npt_attrs(MEM_WRITE) is None
    # a 4 KiB leaf has no PS; a table entry allows all (P, RW, US, A)
    assert f.leaf(0x1000, pt.x86_hyp_attrs("text"), 3) == 0x1061
    assert f.table(0x2000) == 0x2027
    assert pt.x86_hyp_attrs("data") == 0x63 | pt.X86_NX


def test_a_pml4_spans_one_pdpt():
    pool = pt.TablePool(0x10_0000, 8, pt.X86_64Format)
    pml4, pdpt = pool.new_pml4("test")
    pool.map(pdpt, 0x4000_0000, 0x4000_0000, 0x4000_0000, 0x63, "a GiB")
    assert pool.tables[pml4][0] == pool.addr(pdpt) | 0x27
    assert pool.tables[pdpt][1] == 0x4000_0000 | 0x63 | pt.X86_PS       # a 1 GiB page
    assert sum(1 for e in pool.tables[pml4] if e) == 1


REFUSALS = [
    ("apic-id-above-0xfe", edit(X86_TOML, "phys_cpu_ids = [0x0, 0x1]", "phys_cpu_ids = [0x0, 0xff]"),
     "vm[0].base.phys_cpu_ids[1]: 0xff is not an xAPIC id; virtual APIC ids are 0-0xfe (0xff is the broadcast)"),
    ("apic-id-twice", edit(X86_TOML, "phys_cpu_ids = [0x0, 0x1]", "phys_cpu_ids = [0x1, 0x1]"),
     "vm[0].base.phys_cpu_ids[1]: 0x1 repeats phys_cpu_ids[0]; each vCPU needs its own virtual APIC id"),
    ("a-cpu-the-board-lacks", edit(X86_TOML, "phys_cpu_sets = [0x1, 0x2]", "phys_cpu_sets = [0x1, 0x10]"),
     "vm[0].base.phys_cpu_sets[1]: 0x10 names CPU 4, but board qemu-x86_64-q35 has CPUs 0-3 (mask 0xf)"),
    ("no-real-mode-memory", edit(X86_TOML, "[[0x0, 0x100_0000, 0x7, 0]]", "[[0x10_0000, 0x100_0000, 0x7, 0]]"),
     "vm[0].base.memory_regions: the partition has 2 vCPUs but no executable RAM below 1 MiB, where its other "
     "vCPUs start (a STARTUP IPI names a real-mode page); map guest RAM from 0x0"),
    ("memory-over-the-local-apic", edit(X86_TOML, "[[0x0, 0x100_0000, 0x7, 0]]",
                                        "[[0x0, 0x100_0000, 0x7, 0], [0xfee0_0000, 0x1000, 0x3, 0]]"),
     "vm[0].kernel.memory_regions[1]: guest range 0xfee00000-0xfee01000 covers the local APIC page "
     "(0xfee00000-0xfee01000), which Tessera emulates; end the region below 0xfec00000"),
    ("memory-in-the-vga-hole", edit(X86_TOML, "[[0x0, 0x100_0000, 0x7, 0]]",
                                    "[[0x0, 0x8_0000, 0x7, 0], [0x10_0000, 0x10_0000, 0x7, 0], "
                                    "[0xa_0000, 0x1000, 0x3, 1]]"),
     "vm[0].kernel.memory_regions[2]: 0xa0000-0xa1000 is outside RAM (0x0-0xa0000, 0x100000-0x40000000) of "
     "board qemu-x86_64-q35"),
    ("memory-over-the-hypervisor", edit(X86_TOML, "[[0x0, 0x100_0000, 0x7, 0]]",
                                        "[[0x0, 0x8_0000, 0x7, 0], [0x10_0000, 0x10_0000, 0x7, 0], "
                                        "[0x30_0000, 0x1000, 0x3, 1]]"),
     "vm[0].kernel.memory_regions[2]: 0x300000-0x301000 overlaps the hypervisor (0x200000-0x400000); move it, "
     "or use map_type 0 to let the generator place it"),
    ("console-not-8-ports", edit(X86_TOML, '["com1", 0x3f8, 0x8, 0, 0x2, []]', '["com1", 0x3f8, 0x1000, 0, 0x2, []]'),
     'vm[0].devices.emu_devices[0]: ports 0x3f8-0x13f8: on x86_64 an emulated console is a 16550 at 8 I/O ports '
     '(base 8-aligned, below 0x10000), e.g. ["com1", 0x3f8, 0x8, 0, 0x2, []]'),
    ("an-irq-beyond-the-ioapic", edit(X86_TOML, "0x8, 0, 0x2, []", "0x8, 24, 0x2, []"),
     "vm[0].devices.emu_devices[0]: irq 24 is no pin of the I/O APIC (1-23)"),
    ("an-irq-no-device-of-the-board-has", X86_TOML + 'passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 9]]\n',
     "vm[0].devices.passthrough_devices[0]: irq 9 is no device's interrupt on board qemu-x86_64-q35; its devices "
     "have 3 (/isa/serial@2f8), 4 (/isa/serial@3f8), 8 (/isa/rtc@70)"),
    ("the-hypervisors-console-irq", X86_TOML + 'passthrough_devices = [["com2", 0x2f8, 0x2f8, 0x8, 4]]\n',
     "vm[0].devices.passthrough_devices[0]: irq 4 is the interrupt of the hypervisor's console UART, which the "
     "hypervisor keeps to itself"),
    ("an-irq-twice-in-a-partition", edit(X86_TOML, "0x8, 0, 0x2, []", "0x8, 8, 0x2, []") +
     'passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 8]]\n',
     "vm[0].devices.passthrough_devices[0]: irq 8 is already used by vm[0].devices.emu_devices[0]"),
    ("a-memory-mapped-passthrough-device",
     X86_TOML + 'passthrough_devices = [["pcie", 0xe000_0000, 0xe000_0000, 0x1000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: on x86_64 a passthrough device is a range of I/O ports (below 0x10000); "
     "memory-mapped devices cannot be passed through yet"),
    ("ports-moved", X86_TOML + 'passthrough_devices = [["rtc", 0x70, 0x170, 0x2, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: guest port 0x70 is not host port 0x170: I/O ports cannot be moved; "
     "give the same port twice"),
    ("the-hypervisors-console-port", X86_TOML + 'passthrough_devices = [["uart", 0x3f8, 0x3f8, 0x8, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: ports 0x3f8-0x400 are the hypervisor's console (0x3f8-0x400), which the "
     "hypervisor keeps to itself; a partition gets an emulated console"),
    ("pci-configuration-ports", X86_TOML + 'passthrough_devices = [["pci", 0xcf8, 0xcf8, 0x8, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: ports 0xcf8-0xd00 are PCI configuration space and the reset control "
     "register (0xcf8-0xd00), which the hypervisor keeps to itself; they reach every device and the whole machine"),
    ("the-exit-device-port", X86_TOML + 'passthrough_devices = [["exit", 0xf4, 0xf4, 0x1, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: ports 0xf4-0xf5 are the exit device (/isa/debug-exit@f4) (0xf4-0xf8), "
     "which the hypervisor keeps to itself; it ends the whole machine"),
    ("ports-listed-twice", X86_TOML + 'passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 0], ["rtc2", 0x71, 0x71, 0x1, 0]]\n',
     "vm[0].devices.passthrough_devices[1]: ports 0x71-0x72 are already given to this partition by "
     "vm[0].devices.passthrough_devices[0]; list each range once"),
]


TWO_PARTITIONS = X86_TOML.replace("cpu_num = 2", "cpu_num = 1").replace("phys_cpu_ids = [0x0, 0x1]", "phys_cpu_ids = [0x0]") \
    .replace("phys_cpu_sets = [0x1, 0x2]", "phys_cpu_sets = [0x1]") + \
    'passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 0]]\n' + \
    X86_TOML[X86_TOML.index("[[vm]]"):].replace("id = 1", "id = 2").replace('name = "solo"', 'name = "other"') \
    .replace("cpu_num = 2", "cpu_num = 1").replace("phys_cpu_ids = [0x0, 0x1]", "phys_cpu_ids = [0x0]") \
    .replace("phys_cpu_sets = [0x1, 0x2]", "phys_cpu_sets = [0x4]")


def test_a_partitions_ports_in_its_iopm(gen, x86_config):
    """The ports a partition owns are clear in its generated I/O permission
    map, every other bit set; a partition owning none shares the map that
    intercepts all."""
    result = gen(TWO_PARTITIONS, "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "static const uint8_t vm0_iopm[X86_IOPM_SIZE]" in c and "vm1_iopm" not in c
    assert "\tvm0_iopm,\t/* solo */\n\tx86_iopm_deny_all,\t/* other */" in c
    row = next(ln for ln in c.splitlines() if ln.endswith("/* ports 0x0-0x1ff */"))
    assert row.split(",")[0x70 // 8].strip() == "0xfc"         # ports 0x70 and 0x71 let through
    assert row.count("0xff") == 63
    assert c.count("X86_IOPM_DENY_ROW,") == 3 * 4096 // 64 - 1
    assert "ports 0x70-0x72 (rtc): passed through" in (result.outdir / "layout.txt").read_text()


def test_axvisors_passthrough_apics_become_notices(gen, x86_config, tmp_path):
    """An ArceOS hypervisor x86 VM file passes the local APIC, I/O APIC and
    HPET through: each entry is dropped with a one-line notice, the
    partition keeps its virtual local APIC, and the build goes on."""
    text = X86_TOML + ('passthrough_devices = [["IO APIC", 0xfec0_0000, 0xfec0_0000, 0x1000, 0x1], '
                       '["Local APIC", 0xfee0_0000, 0xfee0_0000, 0x1000, 0x1], '
                       '["HPET", 0xfed0_0000, 0xfed0_0000, 0x1000, 0x1]]\n')
    result = gen(text, "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[1] == (f"notice: {tmp_path / 'system.toml'}: vm[0].devices.passthrough_devices[1]: the physical "
                        "local APIC is not passed through: each vCPU gets Tessera's virtual local APIC there instead "
                        "(one passed through would let the partition signal any CPU)")
    assert "the physical I/O APIC is not passed through" in lines[0] and "physical HPET" in lines[2]
    c = (result.outdir / "partitions.c").read_text()
    assert ".kind = EMU_VLAPIC" in c and ".kind = EMU_VIOAPIC" in c
    assert "0xfec00000" not in c.split("tessera_board")[0]     # nothing passed through there


def test_a_partitions_interrupts_are_pins_of_its_ioapic(gen, x86_config):
    """The emulated console's pin and a passthrough device's (the RTC's
    IRQ 8) in the partition's interrupt table; its virtual I/O APIC; the
    console's own pin and the board's I/O APIC for the hypervisor."""
    text = edit(X86_TOML, "0x8, 0, 0x2, []", "0x8, 4, 0x2, []") + \
        'passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 8]]\n'
    result = gen(text, "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert ".gpa = X86_IOAPIC_GPA, .size = 0x1000, .kind = EMU_VIOAPIC" in c
    assert ".nr_emu = 3," in c                   # the console, the local APICs, the I/O APIC
    assert "{ .irq = 4 },  /* raised by an emulated device */" in c and "{ .irq = 8, .hw = 1 }" in c
    assert ".uart_irq = 4," in c and ".ioapic_base = 0xfec00000," in c


def test_an_irq_belongs_to_one_partition(gen, x86_config, tmp_path):
    text = TWO_PARTITIONS.replace('[["rtc", 0x70, 0x70, 0x2, 0]]', '[["rtc", 0x70, 0x70, 0x2, 8]]') + \
        'passthrough_devices = [["com2", 0x2f8, 0x2f8, 0x8, 8]]\n'
    result = gen(text, "system.toml", kconfig=x86_config)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[1].devices.passthrough_devices[0]: irq 8 "
                                  "is also given to vm 'solo' (vm[0].devices.passthrough_devices[0]); an interrupt "
                                  "belongs to one partition")


def test_a_port_belongs_to_one_partition(gen, x86_config, tmp_path):
    text = TWO_PARTITIONS + 'passthrough_devices = [["cmos", 0x71, 0x71, 0x1, 0]]\n'
    result = gen(text, "system.toml", kconfig=x86_config)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[1].devices.passthrough_devices[0]: ports "
                                  "0x71-0x72 are also given to vm 'solo' (vm[0].devices.passthrough_devices[0]); a port "
                                  "belongs to one partition")


@pytest.mark.parametrize("text,expected", [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_x86_refusals(gen, x86_config, tmp_path, text, expected):
    result = gen(text, "system.toml", kconfig=x86_config)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: " + expected)
