"""The generator's output depends on its inputs only."""

import shutil

from gentest import TWO_VMS_TOML, edit, snapshot


def _files(path):
    return {name: data for name, (data, _) in snapshot(path).items()}


def test_same_output_twice(gen, tmp_path):
    # Two partitions, a free CPU choice, allocated and identity memory: every
    # stage has something to decide. deps.mk and debug.gdb name the output
    # directory, so both runs write to the same one.
    text = edit(TWO_VMS_TOML, "phys_cpu_sets = [0x2]", "phys_cpu_sets = [0xe]")
    left, right = text.split('name = "right"')
    text = left + 'name = "right"' + edit(right, "[[0x4000_0000, 0x100_0000, 0x7, 0]]",
                                          "[[0x4000_0000, 0x100_0000, 0x7, 0], [0x5000_0000, 0x20_0000, 0x3, 1]]")
    config = gen.write("system.toml", text)
    first = gen.run(config, env={"PYTHONHASHSEED": "1"})
    assert first.returncode == 0, first.stderr
    shutil.move(first.outdir, tmp_path / "first")
    second = gen.run(config, env={"PYTHONHASHSEED": "2"})
    assert second.returncode == 0, second.stderr
    a, b = _files(tmp_path / "first"), _files(second.outdir)
    assert sorted(a) == sorted(b)
    assert len(a) == 13        # 11 generated files and 2 device trees
    for name in a:
        assert a[name] == b[name], name


def test_rerun_keeps_unchanged_files(gen):
    """A second run rewrites nothing, so make rebuilds nothing."""
    config = gen.write("system.toml", TWO_VMS_TOML)
    assert gen.run(config).returncode == 0
    before = snapshot(gen.tmp_path / "out")
    result = gen.run(config)
    assert result.returncode == 0, result.stderr
    assert snapshot(result.outdir) == before


def test_rerun_after_change_rewrites_only_what_changed(gen):
    config = gen.write("system.toml", TWO_VMS_TOML)
    assert gen.run(config).returncode == 0
    before = snapshot(gen.tmp_path / "out")
    gen.write("system.toml", edit(TWO_VMS_TOML, "33, 0x2", "34, 0x2", count=2))
    result = gen.run(config)
    assert result.returncode == 0, result.stderr
    after = snapshot(result.outdir)
    changed = sorted(name for name in after if after[name] != before[name])
    # the UART's interrupts property, and the picture, which shows each partition's interrupts
    assert changed == ["layout.svg", "left.dtb", "partitions.c", "right.dtb"]
