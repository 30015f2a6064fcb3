"""The generator under a bounded, reproducible fuzz run (tests/gen/fuzz.py;
`make fuzz` runs a long one with a new seed each time).

2000 mutated configs of a fixed seed, run in-process by one worker process
per CPU, 50 of them also as a subprocess exactly as the Makefile runs the
generator (the two must agree), every accepted output compiled: each ends
in success with C that compiles, or in one "error: " line, exit status 1
and the --out directory as it was. Plus checks that the fuzzer's own oracle
notices what it is there to notice.
"""

import os
import shutil
import sys

import pytest

import fuzz
from gentest import VM_TOML

SEED = 20261122
COUNT = 2000
SUBPROCESS = 50


def test_fuzz_bounded_run(tmp_path, default_dotconfig_text):
    if shutil.which(fuzz.CC) is None:
        pytest.skip(f"{fuzz.CC} is not installed (make deps)")
    failures = tmp_path / "failures"
    s = fuzz.run(COUNT, SEED, tmp_path / "work", jobs=os.cpu_count(), nsub=SUBPROCESS, timeout=60,
                 failures=failures, default_dotconfig_text=default_dotconfig_text)
    assert not s.failures, (f"{s.report(limit=15)}\n(inputs and errors in {failures}; replay one with "
                            f"FUZZ_SEED={SEED} FUZZ_ONLY=<case> make fuzz)")
    assert s.count == COUNT, s.line()
    assert s.subprocess == SUBPROCESS, s.line()
    # Both outcomes are exercised in earnest, and accepted outputs were compiled.
    assert s.accepted >= COUNT // 10 and s.rejected >= COUNT // 2, s.line()
    assert s.compiled >= 50, s.line()
    assert len(s.errors) >= 100, f"only {len(s.errors)} kinds of rejection: the mutations are too narrow"


def test_a_hanging_or_dying_worker_is_a_failure_and_the_run_goes_on(tmp_path, default_dotconfig_text):
    s = fuzz.run(8, SEED, tmp_path / "work", jobs=2, nsub=0, timeout=2, slow=60, failures=tmp_path / "failures",
                 default_dotconfig_text=default_dotconfig_text, selftest={"hang": [2], "die": [5]})
    assert s.count == 8, s.report()
    assert sorted(i for i, _ in s.failures) == [2, 5], s.report()
    problems = dict(s.failures)
    assert "a hang" in problems[2][0] and "died" in problems[5][0], s.report()
    assert (tmp_path / "failures" / f"{SEED}-2" / "error.txt").is_file()
    assert s.accepted + s.rejected == 6


def test_cases_are_a_function_of_seed_and_index():
    for i in (0, 1, 17, 1999):
        a, b = fuzz.build_case(SEED, i), fuzz.build_case(SEED, i)
        assert (a.files, a.main, a.kconfig, a.out_state, a.notes) == (b.files, b.main, b.kconfig, b.out_state, b.notes)
    assert [fuzz.build_case(1, i).files for i in range(20)] != [fuzz.build_case(2, i).files for i in range(20)]


def test_mutations_reach_both_syntaxes_and_every_corpus_entry():
    cases = [fuzz.build_case(SEED, i) for i in range(400)]
    suffixes = {os.path.splitext(c.main)[1] for c in cases}
    assert {".toml", ".yaml", ".yml"} <= suffixes
    mains = {c.main for c in cases}
    assert len(mains) >= len(fuzz.SEEDS)
    states = {c.out_state for c in cases}
    assert states == {s for s, _ in fuzz.OUT_STATES}
    assert sum(any(b"\0" in d or b"\xff" in d for d in c.files.values()) for c in cases) >= 2


GOOD = "error: /x/solo.toml: base.id: is -1; it must be at least 0\n"


@pytest.mark.parametrize("rc,stderr,changed,problem", [
    (1, GOOD, False, None),
    (2, "error: /x/solo.toml: internal generator error (KeyError: 'x'); please report it\n", False,
     "internal generator error"),
    (1, "Traceback (most recent call last):\n  ...\n", False, "traceback"),
    (1, "error: /x/solo.toml: base.a\nb: unknown key\n", False, "not exactly one line"),
    (1, "error: /x/solo.toml: base.a\u2028b: unknown key\n", False, "not exactly one line"),
    (1, "error: /x/solo.toml: no newline", False, "not exactly one line"),
    (1, "oops: /x/solo.toml\n", False, "does not start with 'error: '"),
    (1, "error: somewhere else: base.id: is -1\n", False, "names no input file"),
    (1, GOOD, True, "--out directory changed"),
    (-11, GOOD, False, "exit status -11"),
])
def test_oracle_of_a_rejection(rc, stderr, changed, problem):
    before = {"partitions.c": (b"x", 1)}
    after = {"partitions.c": (b"y", 2)} if changed else dict(before)
    problems = fuzz.check_rejection(rc, "", stderr, before, after, [], ["/x/"])
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_oracle_of_an_accepted_output(gen, tmp_path):
    """A real output passes; the same output with a guest section dropped
    from tessera.ld, RAM shared between partitions or C that does not
    compile does not."""
    if shutil.which(fuzz.CC) is None:
        pytest.skip(f"{fuzz.CC} is not installed")
    result = gen(VM_TOML, "solo.toml")
    assert result.returncode == 0, result.stderr
    out = result.outdir
    sys.path.insert(0, str(fuzz.ROOT / "gen"))
    from tessera_gen.board import load_board
    board = load_board("qemu-aarch64-virt", fuzz.ROOT / "boards")
    assert fuzz.check_output(out, board) == []
    assert fuzz.compile_problems(out) == []

    def broken(name, old, new):
        bad = tmp_path / f"bad-{len(list(tmp_path.glob('bad-*')))}"
        shutil.copytree(out, bad)
        text = (bad / name).read_text()
        assert old in text, (old, text)
        (bad / name).write_text(text.replace(old, new, 1))
        return bad

    ld = broken("tessera.ld", "\t.guest.vm0.kernel", "\t/* dropped */ .notguest")
    assert any("does not place guest section .guest.vm0.kernel" in p for p in fuzz.check_output(ld, board))
    c = (out / "partitions.c").read_text()
    hpa = c.split(".hpa = ", 1)[1].split(",", 1)[0]
    hyp = broken("partitions.c", f".hpa = {hpa},", ".hpa = 0x40000000,")
    assert any("the hypervisor's memory" in p for p in fuzz.check_output(hyp, board))
    bad_c = broken("partitions.c", "const struct vm_config", "const struct vm_config_typo")
    assert any("does not compile" in p for p in fuzz.compile_problems(bad_c))
