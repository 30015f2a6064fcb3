"""Several partitions: channels (shared memory and doorbells), passthrough
devices in the guest device tree, the restart policy and the run-time limit."""

import libfdt

from gentest import TWO_VMS_TOML, assert_one_line_error, edit

CHANNEL = """
[[channel]]
name = "link"
size = 0x1000
ends = [
    { vm = "left", gpa = 0x5000_0000, access = "rw", irq = 40 },
    { vm = "right", gpa = 0x6000_0000, access = "ro", irq = 41 },
]
"""


def cells(fdt, path, prop):
    raw = bytes(fdt.getprop(fdt.path_offset(path), prop))
    return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]


def test_channel_maps_one_host_page_into_both_ends(gen, kernel):
    result = gen(TWO_VMS_TOML + CHANNEL)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "{ .gpa = 0x50000000, .hpa = 0x42200000, .size = 0x1000, .flags = MEM_READ | MEM_WRITE }" in c
    assert "{ .gpa = 0x60000000, .hpa = 0x42200000, .size = 0x1000, .flags = MEM_READ }" in c
    assert "{ .channel = 0, .vm = 1, .irq = 41 },  /* link -> right */" in c
    assert "{ .channel = 0, .vm = 0, .irq = 40 },  /* link -> left */" in c
    assert "{ .irq = 40, .edge = 1 },  /* a channel's doorbell */" in c
    fdt = libfdt.Fdt((result.outdir / "right.dtb").read_bytes())
    node = "/tessera-channel@60000000"
    assert cells(fdt, node, "reg") == [0, 0x60000000, 0, 0x1000]
    assert cells(fdt, node, "interrupts") == [0, 41 - 32, 1]
    assert bytes(fdt.getprop(fdt.path_offset(node), "tessera,access")) == b"ro\0"
    assert bytes(fdt.getprop(fdt.path_offset(node), "tessera,peers")) == b"left\0"


def test_channel_to_an_unknown_partition(gen, kernel):
    result = gen(TWO_VMS_TOML + CHANNEL.replace('vm = "right"', 'vm = "nobody"'))
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: channel[0].ends[1].vm: 'nobody' is no "
                                  "partition of this system; partitions: left, right")


def test_channel_over_a_partitions_memory(gen, kernel):
    result = gen(TWO_VMS_TOML + CHANNEL.replace("gpa = 0x6000_0000", "gpa = 0x4080_0000"))
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: channel[0].ends[1].gpa: guest range "
                                  "0x40800000-0x40801000 overlaps partition 'right' vm[1].kernel.memory_regions[0] "
                                  "(0x40000000-0x41000000)")


def test_two_channel_ends_overlap_in_one_partition(gen, kernel):
    second = CHANNEL.replace('"link"', '"link2"').replace("0x5000_0000", "0x5000_0000")
    result = gen(TWO_VMS_TOML + CHANNEL + second)
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: channel[1].ends[0].gpa: guest range "
                                  "0x50000000-0x50001000 overlaps channel[0].ends[0] (0x50000000-0x50001000)")


def test_channel_nobody_may_write(gen, kernel):
    result = gen(TWO_VMS_TOML + CHANNEL.replace('access = "rw"', 'access = "ro"'))
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: channel[0].ends: no end may write: "
                                  'give one end access = "rw"')


def test_doorbell_irq_already_used(gen, kernel):
    result = gen(TWO_VMS_TOML + CHANNEL.replace("irq = 40", "irq = 33"))
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: channel[0].ends[0].irq: irq 33 is "
                                  "already used in partition 'left'")


def test_device_given_to_two_partitions(gen, kernel):
    pt = '[vm.devices]\nemu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]\n' \
         'passthrough_devices = [["pl031@9010000", 0x0901_0000, 0x0901_0000, 0x1000, 34]]'
    text = edit(TWO_VMS_TOML, '[vm.devices]\nemu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]',
                pt, 2)
    result = gen(text)
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: vm[1].devices.passthrough_devices[0]: "
                                  "irq 34 is also given to vm 'left' (vm[0].devices.passthrough_devices[0]); "
                                  "an interrupt belongs to one partition")


def test_passthrough_device_node_comes_from_the_board(gen, kernel):
    left, right = TWO_VMS_TOML.split('name = "right"')
    text = edit(left, '[vm.devices]\nemu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]',
                '[vm.devices]\nemu_devices = [["pl011@9000000", 0x0900_0000, 0x1000, 33, 0x2, []]]\n'
                'passthrough_devices = [["pl031@9010000", 0x0a01_0000, 0x0901_0000, 0x1000, 34]]') + \
        'name = "right"' + right
    result = gen(text)
    assert result.returncode == 0, result.stderr
    fdt = libfdt.Fdt((result.outdir / "left.dtb").read_bytes())
    node = "/pl031@a010000"
    assert bytes(fdt.getprop(fdt.path_offset(node), "compatible")) == b"arm,pl031\0arm,primecell\0"
    assert cells(fdt, node, "reg") == [0, 0x0a010000, 0, 0x1000]
    assert cells(fdt, node, "interrupts") == [0, 2, 4]
    assert cells(fdt, node, "clocks") == cells(fdt, "/apb-pclk", "phandle")


def test_restart_keeps_pristine_copies(gen, kernel):
    result = gen(edit(TWO_VMS_TOML, "phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x1]\nrestart = true"))
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert "static const struct image_copy vm0_copies[]" in c
    assert ".max_restarts = 3," in c
    ld = (result.outdir / "tessera.ld").read_text()
    assert ".guest.vm0.kernel.copy" in ld and ".guest.vm0.dtb.copy" in ld


def test_restart_without_room_for_the_pristine_copy(gen, kernel):
    # The two partitions leave 8 KiB of RAM free: less than the kernel copy.
    text = edit(TWO_VMS_TOML, "phys_cpu_sets = [0x1]", "phys_cpu_sets = [0x1]\nrestart = true")
    left, right = text.split('name = "right"')
    text = edit(left, "memory_regions = [[0x4000_0000, 0x100_0000, 0x7, 0]]",
                "memory_regions = [[0x4000_0000, 0x1fe0_0000, 0x7, 0]]") + 'name = "right"' + \
        edit(right, "memory_regions = [[0x4000_0000, 0x100_0000, 0x7, 0]]",
             "memory_regions = [[0x4000_0000, 0x1fff_e000, 0x7, 0]]")
    result = gen(text)
    assert_one_line_error(result, f"error: {gen.tmp_path / 'system.toml'}: vm[0].base.restart: no room in RAM for "
                                  "the pristine copy of its kernel (0x4000 bytes) that a restart needs; shrink the "
                                  "partitions' memory or turn restart off")


def test_virtual_counter(gen, kernel):
    """Default 0; a count; "physical" (no offset), per partition."""
    result = gen(edit(TWO_VMS_TOML, "phys_cpu_sets = [0x2]",
                      'phys_cpu_sets = [0x2]\nvirtual_counter = "physical"'))
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert c.count(".vtime_start = 0x0,\n\t\t.vtime_physical = false,") == 1
    assert c.count(".vtime_start = 0x0,\n\t\t.vtime_physical = true,") == 1
    result = gen(edit(TWO_VMS_TOML, "phys_cpu_sets = [0x1]",
                      "phys_cpu_sets = [0x1]\nvirtual_counter = 0xffff_ffff_ffff_ffff"))
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    assert ".vtime_start = 0xffffffffffffffff,\n\t\t.vtime_physical = false," in c


def test_run_time_limit(gen, kernel):
    result = gen("run_time_ms = 2500\n" + TWO_VMS_TOML)
    assert result.returncode == 0, result.stderr
    assert "#define TESSERA_RUN_TIME_MS 2500\n" in (result.outdir / "layout.h").read_text()


def test_out_directory_with_foreign_files_is_refused(gen, kernel):
    out = gen.tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("not the generator's")
    result = gen.run(gen.write("system.toml", TWO_VMS_TOML), out=out)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: {out}: holds files the generator did not write; give --out an "
                                     "empty or new directory (its files are replaced)")
    assert [p.name for p in out.iterdir()] == ["precious.txt"]
