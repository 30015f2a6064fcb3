"""The x86_64 board (boards/qemu-x86_64-q35): what the generator writes for
it (a PML4 over its tables, nested page tables, the multiboot information,
the console on I/O ports, the virtual local APIC) and what it refuses (each
one line naming file, key and fix)."""

import re
import sys
import xml.etree.ElementTree as ET

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
    ("mmio-passthrough-no-device",
     X86_TOML + 'passthrough_devices = [["pcie", 0xe000_0000, 0xe000_0000, 0x1000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0xe0000000-0xe0001000 is no device of board qemu-x86_64-q35"),
    ("mmio-passthrough-in-the-vga-hole",
     X86_TOML + 'passthrough_devices = [["vga", 0xa_0000, 0xa_0000, 0x2_0000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0xa0000-0xc0000 is no device of board qemu-x86_64-q35"),
    ("mmio-passthrough-over-the-ioapic",
     X86_TOML + 'passthrough_devices = [["chipset", 0x8000_0000, 0xfec0_0000, 0x2000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0xfec00000-0xfec02000 covers the physical I/O APIC "
     "(0xfec00000-0xfec01000): the partition gets Tessera's virtual I/O APIC there instead (one passed through "
     "would route every device's interrupts)"),
    ("mmio-passthrough-at-the-local-apic-page",
     X86_TOML + 'passthrough_devices = [["fb", 0xfee0_0000, 0xfd00_0000, 0x1000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: guest range 0xfee00000-0xfee01000 covers the local APIC page "
     "(0xfee00000-0xfee01000), which Tessera emulates; map the device elsewhere"),
    ("mmio-passthrough-not-whole-pages",
     X86_TOML + 'passthrough_devices = [["fb", 0xfd00_0000, 0xfd00_0000, 0x200, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: host range 0xfd000000-0xfd000200: on x86_64 a memory-mapped "
     "passthrough device is whole 4 KiB pages (page-aligned guest and host addresses)"),
    ("mmio-passthrough-port-and-address",
     X86_TOML + 'passthrough_devices = [["fb", 0x70, 0xfd00_0000, 0x1000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: one of guest 0x70 and host 0xfd000000 is an I/O port (below "
     "0x10000) and the other a memory address; a passthrough device is either"),
    ("mmio-passthrough-over-its-ram",
     X86_TOML + 'passthrough_devices = [["fb", 0x80_0000, 0xfd00_0000, 0x1000, 0]]\n',
     "vm[0].devices.passthrough_devices[0]: guest range 0x800000-0x801000 overlaps vm[0].kernel.memory_regions[0] "
     "(0x0-0x1000000)"),
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
    ("an-msr-the-hypervisor-needs-efer", X86_TOML + 'msrs = [[0xc0000080, "owned"]]\n',
     "vm[0].devices.msrs[0]: MSR 0xc0000080 (EFER) is the hypervisor's: EFER.SVME must stay set under the guest "
     "and hidden from it"),
    ("an-msr-the-hypervisor-needs-hsave", X86_TOML + 'msrs = [[0xc0010117, "emulated", 0x0]]\n',
     "vm[0].devices.msrs[0]: MSR 0xc0010117 (SVM's VM_CR, IGNNE, SMM_CTL, VM_HSAVE_PA, SVM_KEY) is the "
     "hypervisor's: SVM is the hypervisor's (a guest that reached them could leave its partition)"),
    ("an-msr-the-hypervisor-needs-apic-base", X86_TOML + 'msrs = [[0x1b, "denied"]]\n',
     "vm[0].devices.msrs[0]: MSR 0x1b (IA32_APIC_BASE) is the hypervisor's: each partition's local APIC is "
     "virtual (vlapic.c)"),
    ("an-x2apic-msr", X86_TOML + 'msrs = [[0x830, "owned"]]\n',
     "vm[0].devices.msrs[0]: MSR 0x830 (x2APIC registers) is the hypervisor's: each partition's local APIC is "
     "virtual (vlapic.c)"),
    ("an-msr-named-twice", X86_TOML + 'msrs = [[0x1a0, "emulated"], [0x1a0, "denied"]]\n',
     "vm[0].devices.msrs[1]: MSR 0x1a0 is already named by vm[0].devices.msrs[0]; give each MSR one policy"),
    ("an-msr-outside-the-map-owned", X86_TOML + 'msrs = [[0x4000_0000, "owned"]]\n',
     "vm[0].devices.msrs[0]: MSR 0x40000000 cannot be owned: the MSR permission map covers 0x0-0x1fff, "
     "0xc0000000-0xc0001fff and 0xc0010000-0xc0011fff only; have it emulated or denied"),
    ("an-msr-policy-unknown", X86_TOML + 'msrs = [[0x1a0, "shared"]]\n',
     "vm[0].devices.msrs[0][1]: 'shared' is no MSR policy; use \"owned\" (passed through to this partition "
     "alone), \"emulated\" or \"denied\""),
    ("an-msr-reset-value-not-emulated", X86_TOML + 'msrs = [[0x1a0, "owned", 0x1]]\n',
     "vm[0].devices.msrs[0][2]: a reset value is for an emulated MSR; an owned one has none"),
    ("an-msr-entry-not-a-list", X86_TOML + 'msrs = [0x1a0]\n',
     'vm[0].devices.msrs[0]: must be [msr, "owned"], [msr, "denied"] or [msr, "emulated", reset value]'),
    ("an-msr-beyond-32-bits", X86_TOML + 'msrs = [[0x1_0000_0000, "denied"]]\n',
     "vm[0].devices.msrs[0][0]: is 0x100000000; it must be at most 0xffffffff (32 bits)"),
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


def test_a_partitions_msrs_in_its_msrpm_and_rules(gen, x86_config):
    """An MSR a partition owns has both bits clear in its generated MSR
    permission map (APM 15.11: two bits per MSR, MSR 0xc0000000 + n at
    byte 0x800 + n / 4); its rules list every MSR it names, sorted, each
    emulated one with a slot and its reset value, and room for a value per
    vCPU; a partition naming none shares the map that intercepts all."""
    text = TWO_PARTITIONS.replace('passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 0]]\n',
                                  'msrs = [[0xc0000103, "owned"], [0x1a0, "emulated", 0x1], [0x174, "denied"], '
                                  '[0x8b, "emulated"]]\n')
    result = gen(text, "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "static const uint8_t vm0_msrpm[X86_MSRPM_SIZE]" in c and "vm1_msrpm" not in c
    assert "\tvm0_msrpm,\t/* solo */\n\tx86_msrpm_deny_all,\t/* other */" in c
    row = next(ln for ln in c.splitlines() if ln.endswith("/* bytes 0x840-0x87f */"))
    assert row.split(",")[0x103 // 4 - 0x40].strip() == "0x3f"     # MSR 0xc0000103: bits 6 and 7 clear
    assert row.count("0xff") == 63
    assert c.count("X86_IOPM_DENY_ROW,\t/* bytes") == 2 * 4096 // 64 - 1
    assert ("\t{ .msr = 0x8bu, .policy = X86_MSR_EMULATED, .slot = 0, .reset = 0x0ull },\n"
            "\t{ .msr = 0x174u, .policy = X86_MSR_DENIED, .slot = 0, .reset = 0x0ull },\n"
            "\t{ .msr = 0x1a0u, .policy = X86_MSR_EMULATED, .slot = 1, .reset = 0x1ull },\n"
            "\t{ .msr = 0xc0000103u, .policy = X86_MSR_OWNED, .slot = 0, .reset = 0x0ull },\n") in c
    assert "static uint64_t vm0_msr_values[1][2];" in c
    assert "{ .rule = 0, .nr_rules = 0, .nr_emulated = 0, .values = 0 },\t/* other */" in c


def test_an_msr_belongs_to_one_partition(gen, x86_config, tmp_path):
    text = TWO_PARTITIONS.replace('passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 0]]\n',
                                  'msrs = [[0xc0000103, "owned"]]\n') + 'msrs = [[0xc0000103, "owned"]]\n'
    result = gen(text, "system.toml", kconfig=x86_config)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[1].devices.msrs[0]: MSR 0xc0000103 is "
                                  "also owned by vm 'solo' (vm[0].devices.msrs[0]); an MSR belongs to one partition")


def test_owned_msrs_on_a_shared_cpu(gen, x86_config, tmp_path):
    """A partition with a vCPU on a shared CPU owns at most the 16 MSRs the
    x86_64 vCPU switch keeps: 16 pass, the 17th is refused in one line."""
    shared = X86_TOML.replace("phys_cpu_sets = [0x1, 0x2]", "phys_cpu_sets = [0x2, 0x2]")
    schedule = "\n[[schedule]]\ncpu = 1\nmajor_frame_us = 10000\n"
    def owning(n):
        return shared + "msrs = [" + ", ".join(f'[{0x300 + i:#x}, "owned"]' for i in range(n)) + "]\n" + schedule
    assert gen(owning(16), "system.toml", out=tmp_path / "out16", kconfig=x86_config).returncode == 0
    result = gen(owning(17), "system.toml", kconfig=x86_config)
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[0].devices.msrs[16]: partition 'solo' "
                                  "owns 17 MSRs and has a vCPU on shared CPU 1 (schedule[0]); the vCPU switch keeps "
                                  "at most 16: have the others emulated")


def test_msrs_are_x86s(gen, board_dotconfig, tmp_path):
    """msrs on another architecture's board: refused in one line."""
    from test_riscv import RISCV_TOML
    text = RISCV_TOML + 'msrs = [[0x1a0, "denied"]]\n'
    result = gen(text, "system.toml", kconfig=board_dotconfig("qemu-riscv64-virt"))
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[0].devices.msrs[0]: model-specific "
                                  "registers are x86_64's; board qemu-riscv64-virt is riscv64")


# An ArceOS hypervisor (axvisor) x86_64 VM file as it ships, kernel read
# from its file system and started through axvm-bios: no board line (the
# .config's board decides), no phys_cpu_ids.
AXVISOR_X86 = """\
[base]
id = 1
name = "arceos"
vm_type = 1
cpu_num = 1
phys_cpu_sets = [1]

[kernel]
entry_point = 0x20_0000
image_location = "fs"
bios_path = "axvm-bios.bin"
bios_load_addr = 0x8000
kernel_path = "kernel.bin"
kernel_load_addr = 0x20_0000
memory_regions = [
  [0x0000_0000, 0x100_0000, 0x7, 0],
]

[devices]
emu_devices = []
passthrough_devices = [
  ["IO APIC", 0xfec0_0000, 0xfec0_0000, 0x1000, 0x1],
  ["Local APIC", 0xfee0_0000, 0xfee0_0000, 0x1000, 0x1],
  ["HPET", 0xfed0_0000, 0xfed0_0000, 0x1000, 0x1],
]
"""


def test_an_axvisor_x86_file_with_fs_and_bios_builds(gen, x86_config, tmp_path):
    """image_location "fs" and bios_path each get a one-line notice: the
    image is read at build time relative to the file, axvm-bios is not
    loaded (Tessera enters the multiboot kernel as it would); the image is
    linked in at kernel_load_addr and vCPU 0 starts at entry_point."""
    result = gen(AXVISOR_X86, "arceos-x86_64.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    file = tmp_path / "arceos-x86_64.toml"
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (f'notice: {file}: kernel.image_location: "fs": Tessera has no file system at run time; the '
                        f'images are read at build time (relative paths start at {tmp_path}) and linked in, as '
                        'with "memory"')
    assert (f"notice: {file}: kernel.bios_path: axvm-bios.bin is not loaded: Tessera enters the kernel as axvm-bios "
            "would, in 32-bit protected mode at entry_point with EAX = 0x2BADB002 and EBX = the multiboot "
            "information it writes (at 0x9000)") in lines
    assert len(lines) == 5            # and the three APIC/HPET notices
    c = (result.outdir / "partitions.c").read_text()
    assert ".entry = 0x200000" in c


def test_an_fs_image_that_is_missing_names_the_folder(gen, x86_config, tmp_path):
    result = gen(AXVISOR_X86.replace('"kernel.bin"', '"guest-test_x86-pc.bin"'), "vm.toml", kconfig=x86_config)
    assert result.returncode != 0
    assert (f"error: {tmp_path / 'vm.toml'}: kernel.kernel_path: guest-test_x86-pc.bin: no such file (build it first, "
            f"or fix the path; relative paths start at {tmp_path})") in result.stderr


def test_a_bios_path_is_x86s(gen, board_dotconfig, tmp_path):
    from test_riscv import RISCV_TOML
    text = RISCV_TOML.replace("[vm.kernel]\n", '[vm.kernel]\nbios_path = "axvm-bios.bin"\n')
    result = gen(text, "system.toml", kconfig=board_dotconfig("qemu-riscv64-virt"))
    assert_one_line_error(result, f"error: {tmp_path / 'system.toml'}: vm[0].kernel.bios_path: a boot stub is for "
                                  "x86_64 guests (axvisor's axvm-bios); board qemu-riscv64-virt is riscv64: remove "
                                  "bios_path")


def test_a_memory_mapped_device_in_its_nested_page_table(gen, x86_config, tmp_path):
    """A memory-mapped passthrough device (whole pages) is mapped into its
    partition's nested page table alone, uncached (PWT|PCD) and never
    executable; another partition owning another page of the same device
    gets only its own; one page given to two partitions is refused."""
    fb = 'passthrough_devices = [["fb", 0x8000_0000, 0xfd00_0000, 0x1000, 0]]\n'
    text = TWO_PARTITIONS.replace('passthrough_devices = [["rtc", 0x70, 0x70, 0x2, 0]]\n', fb) + \
        'passthrough_devices = [["fb1", 0xfd00_1000, 0xfd00_1000, 0x1000, 0]]\n'
    result = gen(text, "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    tables = (result.outdir / "pagetables.c").read_text()
    leaf = pt.X86_64Format.leaf(0xfd00_0000, pt.x86_npt_attrs(0x3 | MEM_DEVICE), 3)
    assert f"{leaf:#018x}" in tables and leaf & 0x18 == 0x18 and leaf & pt.X86_NX
    assert f"{pt.X86_64Format.leaf(0xfd00_1000, pt.x86_npt_attrs(0x3 | MEM_DEVICE), 3):#018x}" in tables
    layout = (result.outdir / "layout.txt").read_text()
    assert "device fb guest 0x80000000-0x80001000 -> host 0xfd000000-0xfd001000" in layout
    assert "device fb1 guest 0xfd001000-0xfd002000 -> host 0xfd001000-0xfd002000" in layout
    twice = text.replace('["fb1", 0xfd00_1000, 0xfd00_1000', '["fb1", 0xfd00_0000, 0xfd00_0000')
    result = gen(twice, "system.toml", kconfig=x86_config)
    assert result.returncode != 0 and "0xfd000000-0xfd001000" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_schedule_on_x86(gen, x86_config, tmp_path):
    """Time partitioning on x86_64 (AMD SVM, arch/x86_64/switch.c): both of
    solo's vCPUs share CPU 1 in derived windows; the tables say so, the
    build turns the switch on (TESSERA_SCHEDULED), and layout.svg draws the
    windows of CPU 1's frame as the schedule table has them."""
    text = X86_TOML.replace("phys_cpu_sets = [0x1, 0x2]", "phys_cpu_sets = [0x2, 0x2]")
    result = gen(text + "\n[[schedule]]\ncpu = 1\nmajor_frame_us = 10000\n", "system.toml", kconfig=x86_config)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    slots = re.findall(r"\{ \.start_us = (\d+), \.end_us = (\d+), \.vcpu = (-?\d+) \}", c)
    assert slots == [("0", "5000", "0"), ("5000", "10000", "1")]
    assert "#define TESSERA_SCHEDULED" in (result.outdir / "layout.h").read_text()
    assert "derived" in (result.outdir / "layout.txt").read_text()
    root = ET.parse(result.outdir / "layout.svg").getroot()
    windows = [(w.get("data-pcpu"), w.get("data-start-us"), w.get("data-end-us"), w.get("data-vm"), w.get("data-vcpu"))
               for w in root.iter() if w.get("class") == "window"]
    assert windows == [("1", "0", "5000", "solo", "0"), ("1", "5000", "10000", "solo", "1")]
    shared = [g.get("data-frame-us") for g in root.iter() if g.get("class") == "pcpu" and g.get("data-shared") == "1"]
    assert shared == ["10000"]
