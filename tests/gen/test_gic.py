"""The virtual GIC the generator describes, on GICv3 and GICv2 boards, and
the interrupt checks that come with it."""

import libfdt

from gentest import VM_TOML, assert_one_line_error, edit

GICV2 = dict(BOARD_QEMU_AARCH64_VIRT=None, BOARD_QEMU_AARCH64_VIRT_GICV2="y",
             BOARD='"qemu-aarch64-virt-gicv2"', GIC_V3=None, GIC_V2="y")


def node(fdt, path):
    return fdt.path_offset(path)


def cells(fdt, path, prop):
    raw = bytes(fdt.getprop(node(fdt, path), prop))
    return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]


def test_gicv3_partition_gets_distributor_and_one_redistributor_per_vcpu(gen, kernel):
    two = edit(VM_TOML, "cpu_num = 1\nphys_cpu_ids = [0x0]\nphys_cpu_sets = [0x1]",
               "cpu_num = 2\nphys_cpu_ids = [0x0, 0x1]\nphys_cpu_sets = [0x1, 0x2]")
    result = gen(two, "solo.toml")
    assert result.returncode == 0, result.stderr
    fdt = libfdt.Fdt((result.outdir / "solo.dtb").read_bytes())
    assert bytes(fdt.getprop(node(fdt, "/intc@8000000"), "compatible")) == b"arm,gic-v3\0"
    # GICD 64 KiB, then 2 redistributor frames of 128 KiB
    assert cells(fdt, "/intc@8000000", "reg") == [0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0x40000]
    assert cells(fdt, "/pl011@9000000", "interrupts") == [0, 1, 4]
    assert cells(fdt, "/", "interrupt-parent") == cells(fdt, "/intc@8000000", "phandle")
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .irq = 33 },  /* raised by an emulated device */" in c
    assert ".kind = EMU_VGIC_REDIST" in c


def test_gicv2_partition_gets_distributor_and_gicv_as_gicc(gen, kernel, make_dotconfig):
    config = gen.write("v2.toml", 'board = "qemu-aarch64-virt-gicv2"\n\n[[vm]]\n' +
                       VM_TOML.replace("[base]", "[vm.base]").replace("[kernel]", "[vm.kernel]")
                       .replace("[devices]", "[vm.devices]"))
    result = gen.run(config, kconfig=make_dotconfig("v2.config", **GICV2))
    assert result.returncode == 0, result.stderr
    fdt = libfdt.Fdt((result.outdir / "solo.dtb").read_bytes())
    assert bytes(fdt.getprop(node(fdt, "/intc@8000000"), "compatible")) == b"arm,cortex-a15-gic\0"
    assert cells(fdt, "/intc@8000000", "reg") == [0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x2000]
    assert cells(fdt, "/timer", "interrupts")[2] == 0x104      # PPI for CPU 0 only, level
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = 0x8010000, .hpa = 0x8040000, .size = 0x2000, .flags = MEM_READ | MEM_WRITE | MEM_DEVICE }" in c
    assert "EMU_VGIC_REDIST" not in c
    assert ".gich_base = 0x8030000" in c


def test_interrupt_below_spis_is_refused(gen, kernel):
    result = gen(edit(VM_TOML, '0x1000, 33, 0x2', '0x1000, 27, 0x2'), "solo.toml")
    assert_one_line_error(result, f"error: {gen.tmp_path / 'solo.toml'}: devices.emu_devices[0]: irq 27 is not "
                                  "a shared peripheral interrupt; devices use INTIDs 32-1019")


def test_memory_over_the_virtual_gic_is_refused(gen, kernel):
    result = gen(edit(VM_TOML, "[0x4000_0000, 0x100_0000, 0x7, 0],",
                      "[0x4000_0000, 0x100_0000, 0x7, 0],\n    [0x0800_0000, 0x1_0000, 0x3, 0],"), "solo.toml")
    assert_one_line_error(result, f"error: {gen.tmp_path / 'solo.toml'}: kernel.memory_regions[1]: guest range "
                                  "0x8000000-0x8010000 overlaps the virtual GIC distributor (0x8000000-0x8010000)")


def test_interrupts_need_the_vgic(gen, kernel, make_dotconfig):
    config = gen.write("solo.toml", VM_TOML)
    result = gen.run(config, kconfig=make_dotconfig("novgic.config", VGIC=None))
    assert_one_line_error(result, f"error: {config}: devices.emu_devices[0]: gives the partition an interrupt "
                                  "but CONFIG_VGIC is off; enable it in make menuconfig or set the irq to 0")
