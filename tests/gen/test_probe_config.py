"""The isolation probe (tests/qemu/configs/probe.toml) attacks host addresses
it is told in its bootargs: they must be where the generator really put the
partner's RAM, the hypervisor, the page tables and the two stage-2 roots,
or the probe's attacks would hit nothing and pass for the wrong reason."""

import re

PROBE = "tests/qemu/configs/probe.toml"


def test_probe_targets_match_the_generated_layout(root, guests_built, dotconfig, tmp_path):
    from conftest import run_generator
    result = run_generator(root / PROBE, tmp_path / "out", dotconfig)
    assert result.returncode == 0, result.stderr
    c = (result.outdir / "partitions.c").read_text()
    layout = (result.outdir / "layout.h").read_text()
    cmdline = re.search(r'cmdline = "(partner_ram=[^"]*)"', (root / PROBE).read_text()).group(1)
    args = dict(word.split("=") for word in cmdline.split() if "=" in word)

    partner = c[c.index("/* ---- partition partner"):]
    ram = re.search(r"\.gpa = (0x[0-9a-f]+), \.hpa = (0x[0-9a-f]+), \.size = (0x[0-9a-f]+)", partner)
    gpa, hpa, size = (int(x, 16) for x in ram.groups())
    assert int(args["partner_ram"], 16) == hpa
    # a guest address the partner has and the probe (16 MiB at 0x4000_0000) has not
    assert gpa + 0x100_0000 <= int(args["partner_gpa"], 16) < gpa + size
    assert int(args["hyp"], 16) == int(re.search(r"TESSERA_HYP_BASE\s+(0x[0-9a-f]+)", layout).group(1), 16)
    assert int(args["pgtables"], 16) == int(re.search(r"TESSERA_HYP_PGTABLES\s+(0x[0-9a-f]+)", layout).group(1), 16)
    roots = re.findall(r"\.s2_root = (0x[0-9a-f]+)", c)
    assert int(args["s2_probe"], 16) == int(roots[0], 16)
    assert int(args["s2_partner"], 16) == int(roots[1], 16)
    assert args["rtc"] in c.replace("0x9010000", "0x09010000")
