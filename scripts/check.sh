#!/bin/bash
# make check: static analysis, stack bound and W^X of the hypervisor.
# Offline; Debian packages only (cppcheck, clang-tidy, the cross gcc).
#
#   cppcheck    warning/style/portability findings: must be none
#   MISRA       cppcheck's misra addon (rule numbers only: the rule texts are
#               not shipped). Every rule seen in src/ or include/tessera/
#               must be a deviation listed in docs/safety.md; arch/ is
#               reported only
#   clang-tidy  the .clang-tidy profile: must report nothing
#   stack       gcc -fstack-usage + -fcallgraph-info=su: worst case of every
#               EL2 entry point against CONFIG_STACK_SIZE; recursion, calls
#               through pointers and functions of unknown stack use fail
#   W^X         no section and no program header of tessera.elf both
#               writable and executable
#
# Both interrupt controllers are covered: the build of arceos-smp with
# .config (build/arceos-smp), and arceos-smp with the other GIC board
# (build/check/alt), so that code under CONFIG_GIC_V2 / CONFIG_GIC_V3 is
# analysed whichever board .config selects; and riscv64: riscv-hello-shared
# on the riscv64 board (build/check/riscv64: a scheduled build, so the
# schedule and the vCPU switch are analysed too; the code of a build
# without a schedule is a part of it), src/ with arch/riscv64/, its own
# cross compiler, stack entry points and W^X of its image; and x86_64:
# x86-hello-shared on the q35 board (build/check/x86_64: a scheduled build,
# so arch/x86_64/switch.c is analysed too), src/ with arch/x86_64/, the
# host's gcc, its entry points (interrupts land on any stack: on top of the
# deepest path) and W^X of its image (tessera64.elf, whose ELF32 copy QEMU
# boots). Findings are merged.
# The last line is the summary; the exit status is 0 only if all passed.
# docs/safety.md describes the policy and the results.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

PYTHON=${PYTHON:-/usr/bin/python3}
CROSS_COMPILE=${CROSS_COMPILE:-aarch64-linux-gnu-}
CC=${CROSS_COMPILE}gcc
CONFIG=arceos-smp
W=build/check
KCONFIG_CONFIG=${KCONFIG_CONFIG:-.config}
export KCONFIG_CONFIG
JOBS=$(nproc 2>/dev/null || echo 2)

die() { echo "check.sh: $*" >&2; exit 1; }
RV_CROSS=riscv64-linux-gnu-
RV_CONFIG=riscv-hello-shared
X86_CONFIG=x86-hello-shared
for tool in cppcheck clang-tidy "$CC" "${CROSS_COMPILE}readelf" "${RV_CROSS}gcc" "$PYTHON"; do
    command -v "$tool" >/dev/null 2>&1 || die "missing $tool; run: sudo scripts/setup.sh"
done

rm -rf "$W/cppcheck" "$W/tidy" "$W/stack"
mkdir -p "$W/cppcheck" "$W/tidy" "$W/stack" "$W/alt" "$W/riscv64" "$W/x86_64"

# --- the two builds -------------------------------------------------------

echo "check: building $CONFIG (.config) and $CONFIG with the other GIC board"
make -s --no-print-directory CONFIG=$CONFIG build >"$W/build.log" 2>&1 ||
    { cat "$W/build.log"; die "make CONFIG=$CONFIG build failed"; }
MAIN_GEN=build/$CONFIG/gen
ELF=build/$CONFIG/tessera.elf
if grep -q '^#define CONFIG_GIC_V3 1' "$MAIN_GEN/autoconf.h"; then
    MAIN_TAG=gicv3 ALT_TAG=gicv2 ALT_BOARD=BOARD_QEMU_AARCH64_VIRT_GICV2
else
    MAIN_TAG=gicv2 ALT_TAG=gicv3 ALT_BOARD=BOARD_QEMU_AARCH64_VIRT
fi
{
    KCONFIG_CONFIG=$W/alt/kconfig.new "$PYTHON" -m alldefconfig Kconfig >/dev/null &&
    echo "CONFIG_$ALT_BOARD=y" >>"$W/alt/kconfig.new" &&
    KCONFIG_CONFIG=$W/alt/kconfig.new "$PYTHON" -m olddefconfig Kconfig >/dev/null 2>&1
} || die "could not make the Kconfig for $ALT_BOARD"
# keep its timestamp when nothing changed, so that make rebuilds nothing
cmp -s "$W/alt/kconfig.new" "$W/alt/kconfig" || mv "$W/alt/kconfig.new" "$W/alt/kconfig"
rm -f "$W/alt/kconfig.new" "$W/alt/kconfig.new.old"
make -s --no-print-directory CONFIG=$CONFIG B=$W/alt KCONFIG_CONFIG=$W/alt/kconfig build \
    >"$W/build-alt.log" 2>&1 || { cat "$W/build-alt.log"; die "make CONFIG=$CONFIG ($ALT_TAG) build failed"; }
ALT_GEN=$W/alt/gen

# riscv64: the defaults with the riscv64 board (the config names it too)
echo "check: building $RV_CONFIG (riscv64)"
{
    KCONFIG_CONFIG=$W/riscv64/kconfig.new "$PYTHON" -m alldefconfig Kconfig >/dev/null &&
    echo "CONFIG_BOARD_QEMU_RISCV64_VIRT=y" >>"$W/riscv64/kconfig.new" &&
    KCONFIG_CONFIG=$W/riscv64/kconfig.new "$PYTHON" -m olddefconfig Kconfig >/dev/null 2>&1
} || die "could not make the Kconfig for the riscv64 board"
cmp -s "$W/riscv64/kconfig.new" "$W/riscv64/kconfig" || mv "$W/riscv64/kconfig.new" "$W/riscv64/kconfig"
rm -f "$W/riscv64/kconfig.new" "$W/riscv64/kconfig.new.old"
make -s --no-print-directory CONFIG=$RV_CONFIG B=$W/riscv64 KCONFIG_CONFIG=$W/riscv64/kconfig build \
    >"$W/build-riscv64.log" 2>&1 || { cat "$W/build-riscv64.log"; die "make CONFIG=$RV_CONFIG build failed"; }
RV_GEN=$W/riscv64/gen
RV_ELF=$W/riscv64/tessera.elf

# x86_64: the defaults with the q35 board (the config names it too)
echo "check: building $X86_CONFIG (x86_64)"
{
    KCONFIG_CONFIG=$W/x86_64/kconfig.new "$PYTHON" -m alldefconfig Kconfig >/dev/null &&
    echo "CONFIG_BOARD_QEMU_X86_64_Q35=y" >>"$W/x86_64/kconfig.new" &&
    KCONFIG_CONFIG=$W/x86_64/kconfig.new "$PYTHON" -m olddefconfig Kconfig >/dev/null 2>&1
} || die "could not make the Kconfig for the x86_64 board"
cmp -s "$W/x86_64/kconfig.new" "$W/x86_64/kconfig" || mv "$W/x86_64/kconfig.new" "$W/x86_64/kconfig"
rm -f "$W/x86_64/kconfig.new" "$W/x86_64/kconfig.new.old"
make -s --no-print-directory CONFIG=$X86_CONFIG B=$W/x86_64 KCONFIG_CONFIG=$W/x86_64/kconfig build \
    >"$W/build-x86_64.log" 2>&1 || { cat "$W/build-x86_64.log"; die "make CONFIG=$X86_CONFIG build failed"; }
X86_GEN=$W/x86_64/gen
X86_ELF=$W/x86_64/tessera64.elf

# tag:gen-dir:B:arch:config of each analysed configuration
CONFIGS="$MAIN_TAG:$MAIN_GEN:build/$CONFIG:aarch64:$CONFIG $ALT_TAG:$ALT_GEN:$W/alt:aarch64:$CONFIG"
CONFIGS="$CONFIGS riscv64:$RV_GEN:$W/riscv64:riscv64:$RV_CONFIG"
CONFIGS="$CONFIGS x86_64:$X86_GEN:$W/x86_64:x86_64:$X86_CONFIG"

# The sources of an architecture's build: src/ and arch/<arch>/.
srcs() { echo src/*.c arch/"$1"/*.c; }
# What the analysers are told of the target, per architecture.
cpp_arch() {
    case $1 in riscv64) echo "-D__riscv -D__riscv_xlen=64" ;; x86_64) echo "-D__x86_64__" ;; *) echo "-D__aarch64__" ;; esac
}
tidy_target() { case $1 in riscv64 | x86_64) echo "$1-linux-gnu" ;; *) echo aarch64-linux-gnu ;; esac; }
cross() { case $1 in riscv64) echo "$RV_CROSS" ;; x86_64) echo "" ;; *) echo "$CROSS_COMPILE" ;; esac; }

# --- cppcheck and its MISRA addon -----------------------------------------

# Two runs per configuration. The plain one reads C11's _Noreturn as the
# GNU attribute, which cppcheck 2.10 understands (it ignores _Noreturn and
# then reports what follows an ASSERT as reachable: negativeIndex, ...).
# The MISRA one sees the source as written (_Noreturn is MISRA rule 1.4).
# Dump files go to the build dir, not next to the sources.
echo "check: cppcheck (+ misra addon), clang-tidy"
pids=""
for c in $CONFIGS; do
    IFS=: read -r tag gen _ arch _ <<<"$c"
    read -r -a SRCS <<<"$(srcs "$arch")"
    read -r -a defs <<<"$(cpp_arch "$arch")"
    common=(--std=c11 "${defs[@]}" -Iinclude -Iarch -I"$gen" --include="$gen/autoconf.h"
            --inline-suppr --quiet --template='{file}:{line}:{column}: {severity}: {id}: {message}')
    mkdir -p "$W/cppcheck/$tag-plain" "$W/cppcheck/$tag-misra"
    cppcheck "${common[@]}" '-D_Noreturn=__attribute__((noreturn))' \
        --enable=warning,style,portability --cppcheck-build-dir="$W/cppcheck/$tag-plain" \
        --output-file="$W/cppcheck/$tag-plain.txt" "${SRCS[@]}" >"$W/cppcheck/$tag-plain.log" 2>&1 &
    pids="$pids $!"
    cppcheck "${common[@]}" --addon=misra --cppcheck-build-dir="$W/cppcheck/$tag-misra" \
        --output-file="$W/cppcheck/$tag-misra.txt" "${SRCS[@]}" >"$W/cppcheck/$tag-misra.log" 2>&1 &
    pids="$pids $!"
done

# --- clang-tidy -------------------------------------------------------------

for c in $CONFIGS; do
    IFS=: read -r tag gen _ arch _ <<<"$c"
    read -r -a SRCS <<<"$(srcs "$arch")"
    # one file per process, JOBS at a time; the profile is .clang-tidy
    printf '%s\n' "${SRCS[@]}" | xargs -P "$JOBS" -I{} sh -c \
        'clang-tidy --quiet "$1" -- --target="$3" -ffreestanding -std=c11 \
            -Iinclude -Iarch -I"$2" -include "$2/autoconf.h" 2>/dev/null; true' sh {} "$gen" "$(tidy_target "$arch")" \
        >"$W/tidy/$tag.txt"
done
for p in $pids; do wait "$p"; done

# --- stack usage: the build's flags plus -fstack-usage -fcallgraph-info=su ---

echo "check: stack usage"
for c in $CONFIGS; do
    IFS=: read -r tag gen bdir arch cfg <<<"$c"
    read -r -a SRCS <<<"$(srcs "$arch")"
    kc=$KCONFIG_CONFIG
    [ "$arch" = riscv64 ] && kc=$W/riscv64/kconfig
    [ "$arch" = x86_64 ] && kc=$W/x86_64/kconfig
    cflags=$(make -s --no-print-directory CONFIG="$cfg" B="$bdir" KCONFIG_CONFIG="$kc" \
        --eval 'check-sh-print-cflags: ; @echo $(CFLAGS)' check-sh-print-cflags) || die "cannot read CFLAGS"
    CC=$(cross "$arch")gcc
    export STACK_CFLAGS="$cflags -fstack-usage -fcallgraph-info=su" STACK_OUT=$W/stack/$tag CC
    printf '%s\n' "${SRCS[@]}" | xargs -P "$JOBS" -I{} sh -c \
        'o=$STACK_OUT/${1%.c}.o; mkdir -p "${o%/*}"; $CC $STACK_CFLAGS -c "$1" -o "$o"' sh {} \
        >"$W/stack/$tag.log" 2>&1 || { cat "$W/stack/$tag.log"; die "compiling with -fstack-usage failed"; }
done

# --- report -----------------------------------------------------------------

"${CROSS_COMPILE}readelf" -SW "$ELF" >"$W/sections.txt"
"${CROSS_COMPILE}readelf" -lW "$ELF" >"$W/segments.txt"
"${RV_CROSS}readelf" -SW "$RV_ELF" >"$W/sections-riscv64.txt"
"${RV_CROSS}readelf" -lW "$RV_ELF" >"$W/segments-riscv64.txt"
readelf -SW "$X86_ELF" >"$W/sections-x86_64.txt"
readelf -lW "$X86_ELF" >"$W/segments-x86_64.txt"

exec "$PYTHON" - "$ROOT" "$W" "$KCONFIG_CONFIG" "$ELF" "$MAIN_TAG" "$ALT_TAG" "$RV_ELF" "$X86_ELF" <<'EOF'
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT, W, KCONFIG, ELF, MAIN, ALT, RV_ELF, X86_ELF = sys.argv[1:9]
ROOT = Path(ROOT)
W = Path(W)
TAGS = [MAIN, ALT, "riscv64", "x86_64"]
# the stack analysis: the configurations of each architecture
ARCH_TAGS = {"aarch64": [MAIN, ALT], "riscv64": ["riscv64"], "x86_64": ["x86_64"]}
failures = []


def rel(path):
    p = str(path)
    return p[len(str(ROOT)) + 1:] if p.startswith(str(ROOT) + "/") else p


def area(path):
    if path.startswith("src/"):
        return "src"
    if path.startswith("include/tessera/"):
        return "include"
    if path.startswith("arch/"):
        return "arch"
    return "other"


# ---- cppcheck --------------------------------------------------------------

line_re = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>\w+): (?P<id>[\w.-]+): (?P<msg>.*)$")
findings = {}       # (file, line, column, id) -> (sev, msg), merged over both configurations
for run in [f"{tag}-{kind}" for tag in TAGS for kind in ("plain", "misra")]:
    log = (W / "cppcheck" / f"{run}.log").read_text()
    if log.strip():
        print(log.rstrip())
        failures.append(f"cppcheck ({run}) printed errors (see {W}/cppcheck/{run}.log)")
    for line in (W / "cppcheck" / f"{run}.txt").read_text().splitlines():
        m = line_re.match(line)
        if not m:
            continue
        findings[(rel(m["file"]), int(m["line"]), int(m["col"]), m["id"])] = (m["sev"], m["msg"])

plain = sorted((k, v) for k, v in findings.items() if not k[3].startswith("misra-"))
misra = [(k[0], k[3][len("misra-c2012-"):]) for k in findings if k[3].startswith("misra-c2012-")]

print()
print("== cppcheck --enable=warning,style,portability: must be none")
for (f, ln, _, fid), (sev, msg) in plain:
    print(f"  {f}:{ln}: {sev}: {fid}: {msg}")
print(f"  {len(plain)} finding{'s' if len(plain) != 1 else ''}")
if plain:
    failures.append(f"cppcheck: {len(plain)} findings")

# deviations: the table rows of docs/safety.md's deviations section whose
# first cell is a rule number (`| 10.4 | ...` or `| Rule 10.4 | ...`)
doc = ROOT / "docs" / "safety.md"
deviations = set()
in_section = False
if doc.is_file():
    for line in doc.read_text().splitlines():
        if line.startswith("#"):
            in_section = "deviation" in line.lower()
            continue
        if in_section:
            m = re.match(r"^\|\s*(?:Rule\s+)?(\d+\.\d+)\s*\|", line)
            if m:
                deviations.add(m[1])
else:
    failures.append("docs/safety.md missing: no MISRA deviations")

per_rule = defaultdict(Counter)
for f, rule in misra:
    per_rule[rule][area(f)] += 1


def rule_key(r):
    return tuple(int(x) for x in r.split("."))


core_rules = {r for r, c in per_rule.items() if c["src"] or c["include"]}
undocumented = sorted(core_rules - deviations, key=rule_key)
stale = sorted(deviations - core_rules, key=rule_key)
print()
print("== MISRA C:2012 (cppcheck misra addon): findings per rule")
print("   src/ and include/tessera/ gate the check (each rule a deviation in docs/safety.md);")
print("   arch/aarch64/, arch/riscv64/ and arch/x86_64/ are reported only")
print(f"   {'rule':<7} {'src':>5} {'include':>8} {'arch':>6}   src/include status")
for rule in sorted(per_rule, key=rule_key):
    c = per_rule[rule]
    status = ""
    if rule in core_rules:
        status = "deviation" if rule in deviations else "NOT DOCUMENTED"
    print(f"   {rule:<7} {c['src']:>5} {c['include']:>8} {c['arch']:>6}   {status}")
tot = Counter()
for c in per_rule.values():
    tot.update(c)
print(f"   {'total':<7} {tot['src']:>5} {tot['include']:>8} {tot['arch']:>6}")
if stale:
    print(f"   deviations no longer needed (no finding): {', '.join(stale)}")
if undocumented:
    print(f"   rules in src/ or include/tessera/ without a deviation: {', '.join(undocumented)}")
    failures.append(f"MISRA rules without a deviation: {', '.join(undocumented)}")

# ---- clang-tidy ------------------------------------------------------------

tidy_re = re.compile(r"^(?P<file>/[^:]+|[^/:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>warning|error): (?P<msg>.*)$")
tidy = {}
for tag in TAGS:
    for line in (W / "tidy" / f"{tag}.txt").read_text().splitlines():
        m = tidy_re.match(line)
        if m:
            tidy[(rel(m["file"]), int(m["line"]), int(m["col"]), m["msg"])] = m["kind"]
print()
print("== clang-tidy (.clang-tidy): must be none")
for (f, ln, col, msg), kind in sorted(tidy.items()):
    print(f"  {f}:{ln}:{col}: {kind}: {msg}")
print(f"  {len(tidy)} warning{'s' if len(tidy) != 1 else ''}")
if tidy:
    failures.append(f"clang-tidy: {len(tidy)} warnings")

# ---- stack -----------------------------------------------------------------

m = re.search(r"^CONFIG_STACK_SIZE=(\d+)", Path(KCONFIG).read_text(), re.M) if Path(KCONFIG).is_file() else None
if not m:
    m = re.search(r"#define CONFIG_STACK_SIZE (\d+)", (ROOT / "build/arceos-smp/gen/autoconf.h").read_text())
LIMIT = int(m[1])


def frame_size(arch):
    """FRAME_SIZE as arch/<arch>/frame.h defines it for C and assembly: a constant expression."""
    fm = re.search(r"^#define\s+FRAME_SIZE\s+([0-9()*+ ]+?)\s*(?:/\*.*)?$",
                   (ROOT / f"arch/{arch}/frame.h").read_text(), re.M)
    if not fm:
        sys.exit(f"check.sh: cannot read FRAME_SIZE from arch/{arch}/frame.h")
    return eval(fm[1], {"__builtins__": {}})     # digits, parentheses, * and + only


# Per architecture: the entry points into C (core_boot_main and
# core_cpu_main: boot.S, sp = top of the CPU's stack; from_guest: one
# frame on an empty stack; fault: a trap in the hypervisor itself, which
# lands on top of the deepest other path), functions in assembly called
# from C (no .su, so their use is stated here), and what the call graph
# cannot see, stated here and checked against the source (a premise that
# no longer holds fails the check):
#   arg_context: a call made with a constant argument that rules out some
#     of the callee's calls;
#   once: a call never nested in itself, counted once on any path.
STACK = {
    "aarch64": dict(
        frame=frame_size("aarch64"),
        entries=["core_boot_main", "core_cpu_main", "arch_trap_call", "arch_trap_sync", "arch_trap_mmio", "arch_trap_abort",
                 "arch_trap_irq", "arch_trap_serror", "arch_hyp_fault"],
        from_guest={"arch_trap_call", "arch_trap_sync", "arch_trap_mmio", "arch_trap_abort", "arch_trap_irq",
                    "arch_trap_serror"},
        fault="arch_hyp_fault",
        asm={
            "firmware_smc": (0, "smc #0; ret: no stack"),
            "frame_launch": (0, "sets sp to the top of this CPU's stack, minus one frame, and "
                                "enters the guest: everything below is abandoned"),
            "ich_lr_read": (0, "a branch into a table of mrs; ret: no stack"),
            "ich_lr_write": (0, "a branch into a table of msr; ret: no stack"),
        },
        # arch_wait calls irq_dispatch(false), and irq_dispatch calls
        # vgic_maintenance and vgic_inject_hw only when its argument (guest)
        # is true. Without this, panic -> arch_wait -> irq_dispatch ->
        # vgic_maintenance -> core_this_vcpu -> panic (an ASSERT) looks recursive.
        arg_context={
            ("arch_wait", "irq_dispatch"): ({"vgic_maintenance", "vgic_inject_hw"},
                                            [("arch/aarch64/cpu.c", r"\birq_dispatch\(false\)"),
                                             ("arch/aarch64/trap.c", r"\} else if \(guest\) \{\s*vgic_inject_hw\(id\)"),
                                             ("arch/aarch64/trap.c", r"if \(guest\)\s*vgic_maintenance\(\)")]),
        },
        # The EL2 timer's interrupt calls core_timer_expired, which may power
        # off (and panic if the firmware returns; panic idles in arch_wait,
        # which dispatches interrupts). The handler disables the timer first,
        # and only src/main.c arms it, outside interrupt handling (the boot
        # CPU's start deadline, then run_time_ms), so the timer cannot
        # interrupt its own handler. (A shared pCPU's schedule,
        # src/schedule.c, re-arms it with arch_timer_at for the next window
        # boundary, in the future: not pending again before the handler
        # returns.)
        once={
            ("irq_dispatch", "core_timer_expired"): [
                ("arch/aarch64/trap.c", r"write_sysreg\(cnthp_ctl_el2, 0\);\s*if \(TESSERA_SCHEDULED\)[^\n]*\s*"
                                        r"gic_deactivate\(raw\);\s*core_timer_expired\(\);"),
                ("src/main.c", r"arch_timer_start\("),
            ],
        },
    ),
    "riscv64": dict(
        frame=frame_size("riscv64"),
        # enter_slot (src/schedule.c, static: named by its file): a shared
        # hart's window starts there, called by arch_restart_on_empty_stack
        # on the emptied stack.
        entries=["core_boot_main", "core_cpu_main", "arch_trap_guest", "arch_trap_hyp",
                 "src/schedule.c:enter_slot"],
        from_guest={"arch_trap_guest"},
        fault="arch_trap_hyp",
        asm={
            "firmware_sbi": (0, "ecall; ret: no stack"),
            "frame_launch": (0, "sets sp to the top of this CPU's stack, minus one frame, and "
                                "enters the guest: everything below is abandoned"),
            "guest_fetch16": (0, "hlvx.hu; ret: no stack"),
            "probe_stimecmp": (0, "csrr; ret: no stack"),
            "fp_save": (0, "fsd, frcsr, sd; ret: no stack"),
            "fp_load": (0, "fld, ld, fscsr; ret: no stack"),
        },
        arg_context={},
        # The hypervisor's timer (timer_interrupt) calls core_timer_expired,
        # which may power off (and panic, idling in arch_wait, which
        # dispatches interrupts: timer_interrupt again). The handler moves
        # the hypervisor's deadline to NEVER first, and only src/main.c arms
        # it, outside interrupt handling, so the timer cannot nest.
        once={
            ("timer_interrupt", "core_timer_expired"): [
                ("arch/riscv64/cpu.c", r"if \(expired\)\s*hyp_deadline\[p\] = NEVER;"),
                ("src/main.c", r"arch_timer_start\("),
            ],
        },
    ),
    # x86_64: no trap frame from the guest (a #VMEXIT returns from svm_run
    # into vcpu_loop, which vcpu_loop_launch starts on an empty stack); an
    # interrupt lands on whatever stack runs (in arch_wait's HLT, or at
    # svm_run's STGI): x86_interrupt on top of the deepest path, its frame
    # struct irq_frame (frame.h). A shared CPU's window starts in
    # enter_slot (src/schedule.c), called by arch_restart_on_empty_stack on
    # the emptied stack.
    "x86_64": dict(
        frame=frame_size("x86_64"),
        entries=["core_boot_main", "core_cpu_main", "vcpu_loop", "x86_interrupt",
                 "src/schedule.c:enter_slot"],
        from_guest=set(),
        fault="x86_interrupt",
        asm={
            "svm_run": (64, "pushes seven registers (56 B) and its return address (8 B); the guest's "
                            "registers go to *regs, not the stack"),
            "svm_vmload": (0, "vmload; ret: no stack"),
            "svm_vmsave": (0, "vmsave; ret: no stack"),
            "vcpu_loop_launch": (0, "sets rsp to the top of this CPU's stack and calls vcpu_loop (an entry "
                                    "point here, on an empty stack): everything below is abandoned"),
        },
        arg_context={},
        once={},
    ),
}
for arch, st in STACK.items():
    for rules in (st["arg_context"], st["once"]):
        for (caller, callee), rule in rules.items():
            for f, pattern in (rule[1] if rules is st["arg_context"] else rule):
                if not re.search(pattern, (ROOT / f).read_text()):
                    failures.append(f"stack: the assumption about {caller} -> {callee} no longer holds "
                                    f"({f}: no /{pattern}/)")
    timer_arms = sum(len(re.findall(r"\barch_timer_start\(", p.read_text()))
                     for p in list((ROOT / "src").glob("*.c")) + list((ROOT / f"arch/{arch}").glob("*.c"))
                     if p.name != "main.c")
    if timer_arms > 1:  # its definition; the calls are in src/main.c
        failures.append(f"stack: arch_timer_start is called outside src/main.c ({arch}): the hypervisor's "
                        "timer interrupt may nest (once in scripts/check.sh)")

node_re = re.compile(r'^node: \{ title: "(?P<title>[^"]+)" label: "(?P<label>[^"]*)"')
edge_re = re.compile(r'^edge: \{ sourcename: "(?P<src>[^"]+)" targetname: "(?P<dst>[^"]+)"')


def analyse(tag, st):
    d = W / "stack" / tag
    su = {}     # (file:line:col, name) -> (bytes, qualifier)
    for f in d.rglob("*.su"):
        for line in f.read_text().splitlines():
            loc_name, nbytes, qual = line.split("\t")
            path, ln, col, name = loc_name.rsplit(":", 3)
            su[(f"{rel(path)}:{ln}:{col}", name)] = (int(nbytes), qual)
    defs = {}                   # title -> (bytes or None, qualifier, display name)
    edges = defaultdict(list)   # title -> [callee title]
    dup = []
    for f in d.rglob("*.ci"):
        for line in f.read_text().splitlines():
            m = node_re.match(line)
            if m:
                parts = m["label"].split("\\n")
                if len(parts) >= 3 and "bytes" in parts[2]:        # defined here
                    path, ln, col = parts[1].rsplit(":", 2)
                    key = (f"{rel(path)}:{ln}:{col}", parts[0])
                    size = su.get(key)
                    if m["title"] in defs:
                        dup.append(m["title"])
                    defs[m["title"]] = (size[0] if size else None, size[1] if size else "no .su",
                                        parts[0])
                continue
            m = edge_re.match(line)
            if m:
                edges[m["src"]].append(m["dst"])
    for t in dup:
        failures.append(f"stack ({tag}): {t} defined twice")
    unknown, recursion, dynamic = set(), [], set()
    memo = {}

    def cost(title):
        if title in defs:
            b, qual, _ = defs[title]
            if b is None:
                unknown.add(title)
                return 0
            if qual not in ("static", "dynamic,bounded"):
                dynamic.add(title)
            return b
        if title in st["asm"]:
            return st["asm"][title][0]
        if title == "__indirect_call":      # gcc's placeholder: reported as such below
            return 0
        unknown.add(title)
        return 0

    def name_of(title):
        return defs[title][2] if title in defs else title

    # state: the callee edges ruled out here (ARG_CONTEXT) and the ONCE calls
    # already on the path; a state met again on its own path is recursion.
    def worst(title, drop=frozenset(), once=frozenset(), path=()):
        key = (title, drop, once)
        if key in memo:
            return memo[key]
        if key in path:
            cycle = [k[0] for k in path[path.index(key):]] + [title]
            recursion.append(" -> ".join(cycle))
            return 0, [title]
        best, best_path = 0, []
        for callee in dict.fromkeys(edges.get(title, [])):    # each callee once, in order
            if name_of(callee) in drop:
                continue
            edge = (name_of(title), name_of(callee))
            sub_once = once
            if edge in st["once"]:
                if edge in once:
                    continue
                sub_once = once | {edge}
            sub_drop = frozenset(st["arg_context"][edge][0]) if edge in st["arg_context"] else frozenset()
            w, p = worst(callee, sub_drop, sub_once, path + (key,))
            if w > best:
                best, best_path = w, p
        result = (cost(title) + best, [title] + best_path)
        memo[key] = result
        return result

    results = {}
    for e in st["entries"]:
        if e not in defs:
            failures.append(f"stack ({tag}): entry point {e} not found")
            continue
        results[e] = worst(e)
    indirect = [t for t in defs for c in edges.get(t, []) if c.startswith("__indirect")]
    return results, defs, unknown, recursion, dynamic, indirect


def short(title, defs):
    return defs[title][2] if title in defs else title


worst_total = 0
for arch, tags in ARCH_TAGS.items():
    st = STACK[arch]
    FRAME, ENTRIES, FROM_GUEST, FAULT = st["frame"], st["entries"], st["from_guest"], st["fault"]
    main = tags[0]
    print()
    print(f"== stack ({arch}): worst case per hypervisor entry point (bytes; CONFIG_STACK_SIZE = {LIMIT} per pCPU)")
    print(f"   frame: {FRAME} B per trap taken (struct frame); traps from the guest start on an empty")
    print(f"   stack; a trap in the hypervisor itself ({FAULT}) lands on top of the deepest other path")
    totals = {}
    paths = {}
    for tag in tags:
        results, defs, unknown, recursion, dynamic, indirect = analyse(tag, st)
        for r in sorted(set(recursion)):
            failures.append(f"stack ({tag}): recursion: {' -> '.join(short(t, defs) for t in r.split(' -> '))}")
        for u in sorted(unknown):
            failures.append(f"stack ({tag}): unknown stack use of {short(u, defs)} (no .su; assembly? add it to "
                            "asm in scripts/check.sh)")
        for dyn in sorted(dynamic):
            failures.append(f"stack ({tag}): unbounded dynamic stack in {short(dyn, defs)}")
        for i in sorted(set(indirect)):
            failures.append(f"stack ({tag}): call through a pointer in {short(i, defs)}")
        normal = {}
        for e, (c_bytes, path) in results.items():
            if e == FAULT:
                continue
            normal[e] = c_bytes + (FRAME if e in FROM_GUEST else 0)
            totals[(tag, e)] = (c_bytes, normal[e])
            paths[(tag, e)] = [short(t, defs) for t in path]
        if FAULT in results:
            c_bytes, path = results[FAULT]
            under = max(normal.values(), default=0)
            totals[(tag, FAULT)] = (c_bytes, under + FRAME + c_bytes)
            paths[(tag, FAULT)] = [short(t, defs) for t in path]

    print(f"   {'entry point':<18} {'frame':>6} " + " ".join(f"{'C ' + t:>9} {'total ' + t:>12}" for t in tags)
          + "   deepest path (" + main + ")")
    for e in ENTRIES:
        if (main, e) not in totals:
            continue
        frame = "nested" if e == FAULT else (FRAME if e in FROM_GUEST else 0)
        cells = []
        for t in tags:
            c_bytes, total = totals.get((t, e), (0, 0))
            worst_total = max(worst_total, total)
            cells.append(f"{c_bytes:>9} {total:>12}")
            if total > LIMIT:
                failures.append(f"stack ({t}): {e} needs {total} B, more than CONFIG_STACK_SIZE {LIMIT}")
        p = paths[(main, e)]
        ptxt = " > ".join(p if len(p) <= 7 else p[:3] + ["..."] + p[-3:])
        print(f"   {e:<18} {str(frame):>6} " + " ".join(cells) + "   " + ptxt)
    print(f"   deepest paths ({main}):")
    for e in ENTRIES:
        if (main, e) in paths:
            print(f"     {e}: {' > '.join(paths[(main, e)][1:]) or '(no calls)'}")
    print("   assumed (scripts/check.sh, premises checked against the source):")
    for k, v in st["asm"].items():
        print(f"     {k} (assembly): {v[0]} B: {v[1]}")
    for (a, b), (dropped, _) in st["arg_context"].items():
        print(f"     {a} -> {b}: called with a constant that rules out its calls of {', '.join(sorted(dropped))}")
    for a, b in st["once"]:
        print(f"     {a} -> {b}: never nested in itself (counted once on a path)")
print(f"   worst {worst_total} of {LIMIT} B ({100 * worst_total // LIMIT}%)")

# ---- W^X -------------------------------------------------------------------

sec_re = re.compile(r"^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+(\S*)\s+\d+\s+\d+\s+\d+\s*$")
seg_re = re.compile(r"^\s*(\S+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+([RWE ]+?)\s+0x[0-9a-f]+\s*$")
wx = []
for elf, suffix in ((ELF, ""), (RV_ELF, "-riscv64"), (X86_ELF, "-x86_64")):
    found = []
    nsec = 0
    for line in (W / f"sections{suffix}.txt").read_text().splitlines():
        m = sec_re.match(line)
        if m:
            nsec += 1
            if "W" in m[2] and "X" in m[2]:
                found.append(f"section {m[1]} is {m[2]}")
    nseg = 0
    for line in (W / f"segments{suffix}.txt").read_text().splitlines():
        m = seg_re.match(line)
        if m:
            nseg += 1
            if "W" in m[2] and "E" in m[2]:
                found.append(f"program header {m[1]} at {line.split()[2]} is {m[2].strip()}")
    print()
    print(f"== W^X: {elf}: {nsec} sections, {nseg} program headers")
    if nsec == 0 or nseg == 0:
        found.append("could not read the section or program headers")
    for x in found:
        print(f"  {x}")
    print("  ok: none both writable and executable" if not found else f"  {len(found)} writable and executable")
    wx += [f"{elf}: {x}" for x in found]
if wx:
    failures.append("W^X: " + "; ".join(wx))

# ---- summary ---------------------------------------------------------------

print()
if failures:
    print("FAILED:")
    for f in failures:
        print(f"  {f}")
core_total = tot["src"] + tot["include"]
documented = ("all deviations" if not undocumented
              else f"{len(undocumented)} without a deviation")
print(f"check{' FAILED' if failures else ''}: cppcheck {len(plain)}, "
      f"misra src {core_total} ({len(core_rules)} rules, {documented}), "
      f"misra arch {tot['arch']} (not gating), clang-tidy {len(tidy)}, "
      f"stack worst {worst_total}/{LIMIT} B, w^x {'ok' if not wx else 'FAILED'}")
sys.exit(1 if failures else 0)
EOF
