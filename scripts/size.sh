#!/bin/bash
# make size: the hypervisor's footprint for every shipped config, and the
# size of its source. Writes build/size.txt (a table) and prints it.
#
# Each config under configs/ is built as `make CONFIG=<name> build` would
# build it (with .config). A config whose `board` line names another board
# than .config selects (configs/linux-gicv2.toml: the GICv2 board, a Kconfig
# choice) is built in build/size/<name>/ with a Kconfig of its own: the
# defaults, that board, olddefconfig. A config that fails to build (no
# network for the Linux download, say) is listed as skipped with the reason,
# and the others still count; only a broken script fails the target.
#
# Footprint: the hypervisor alone. Guest images and device trees (sections
# .guest.*) and debug info are not counted; only .text, .rodata, .pgtables,
# .data and .bss are, from `<cross>size -A` of the config's architecture
# (aarch64-linux-gnu-, riscv64-linux-gnu-, x86_64-linux-gnu-: the board
# decides; x86_64's tessera.elf is the ELF32 copy, with the same sections).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

PYTHON=${PYTHON:-/usr/bin/python3}
OUT=build/size.txt
WORK=build/size
KCONFIG_CONFIG=${KCONFIG_CONFIG:-.config}
mkdir -p "$WORK"
for SIZE in aarch64-linux-gnu-size riscv64-linux-gnu-size x86_64-linux-gnu-size; do
    command -v "$SIZE" >/dev/null || { echo "size.sh: $SIZE missing; run: sudo scripts/setup.sh" >&2; exit 1; }
done

# The board .config selects (what make builds with); alldefconfig's when
# there is no .config yet (make writes that one on first use).
kconfig_board() {
    sed -n 's/^CONFIG_BOARD="\(.*\)"$/\1/p' "$1" 2>/dev/null | head -n 1
}
default_board=$(kconfig_board "$KCONFIG_CONFIG")
if [ -z "$default_board" ]; then
    KCONFIG_CONFIG=$WORK/defaults.config "$PYTHON" -m alldefconfig Kconfig >/dev/null
    default_board=$(kconfig_board "$WORK/defaults.config")
fi

# A Kconfig for board $2 in file $1: defaults, the board's choice symbol, olddefconfig.
make_kconfig() {
    local file=$1 sym
    sym=BOARD_$(echo "$2" | tr 'a-z-' 'A-Z_')
    grep -qx "config $sym" Kconfig || { echo "Kconfig has no $sym"; return 1; }
    KCONFIG_CONFIG=$file "$PYTHON" -m alldefconfig Kconfig >/dev/null || return 1
    echo "CONFIG_$sym=y" >>"$file"
    KCONFIG_CONFIG=$file "$PYTHON" -m olddefconfig Kconfig >/dev/null || return 1
}

rows=$WORK/rows.txt
: >"$rows"
for cfg in configs/*.toml configs/*.yaml; do
    [ -e "$cfg" ] || continue
    name=$(basename "${cfg%.*}")
    log=$WORK/$name.log
    # `board = "x"` (TOML) or `board: x` (YAML), at the top level.
    board=$(sed -n -E 's/^board[[:space:]]*[=:][[:space:]]*"?([A-Za-z0-9_.-]+)"?.*$/\1/p' "$cfg" | head -n 1)
    start=$(date +%s)
    if [ -z "$board" ] || [ "$board" = "$default_board" ]; then
        board=${board:-$default_board}
        how=".config"
        elf=build/$name/tessera.elf
        make -s --no-print-directory CONFIG="$name" build >"$log" 2>&1
        rc=$?
    else
        how="own Kconfig"
        bdir=$WORK/$name
        mkdir -p "$bdir"
        elf=$bdir/tessera.elf
        if make_kconfig "$bdir/kconfig" "$board" >"$log" 2>&1; then
            make -s --no-print-directory CONFIG="$name" B="$bdir" KCONFIG_CONFIG="$bdir/kconfig" build >>"$log" 2>&1
            rc=$?
        else
            rc=1
        fi
    fi
    secs=$(( $(date +%s) - start ))
    if [ "$rc" -ne 0 ] || [ ! -f "$elf" ]; then
        why=$(grep -m1 -iE 'error|fail' "$log" | cut -c1-60)
        printf '%s\t%s\t%s\tSKIP\t%s\t%s\n' "$name" "$board" "$how" "${why:-make failed}" "$log" >>"$rows"
        echo "size.sh: $name: build failed, skipped (log: $log)" >&2
        continue
    fi
    # name size addr, one section a line, by the size tool of the config's architecture
    arch=$(PYTHONPATH=gen "$PYTHON" -m tessera_gen.which "$cfg" "$KCONFIG_CONFIG" 2>/dev/null | cut -d' ' -f2)
    "${arch:-aarch64}-linux-gnu-size" -A "$elf" | awk -v n="$name" -v b="$board" -v h="$how" -v e="$elf" -v s="$secs" '
        $1 == ".text" { t += $2 } $1 == ".rodata" { r += $2 } $1 == ".pgtables" { p += $2 }
        $1 == ".data" { d += $2 } $1 == ".bss" { z += $2 }
        $1 ~ /^\./ && $1 !~ /^\.(text|rodata|pgtables|data|bss|guest\..*|debug_.*|comment)$/ { o = o " " $1 }
        END { printf "%s\t%s\t%s\tOK\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", n, b, h, t, r, p, d, z, e, s, o }' >>"$rows"
done

"$PYTHON" - "$rows" "$OUT" <<'EOF'
import re, sys
from pathlib import Path

rows_file, out = sys.argv[1], sys.argv[2]

def code_lines(text, asm):
    """(raw, code): all lines, and lines with something besides comments and
    blanks. C: /* */ and // comments, string and char literals respected.
    Assembly (.S, preprocessed by cpp): the same comments; # lines are cpp."""
    raw = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    code = 0
    in_block = False
    for line in text.splitlines():
        i, n, has_code = 0, len(line), False
        quote = None
        while i < n:
            c = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block = False
                    i += 2
                else:
                    i += 1
                continue
            if quote:
                if c == "\\":
                    i += 2
                    continue
                if c == quote:
                    quote = None
                i += 1
                continue
            if line.startswith("/*", i):
                in_block = True
                i += 2
                continue
            if line.startswith("//", i):
                break
            if c in "\"'" and not asm:
                quote = c
            if not c.isspace():
                has_code = True
            i += 1
        code += has_code
    return raw, code

groups = [
    ("src/ (C)", ["src/*.c", "src/*.h"], False),
    ("arch/aarch64/ (C)", ["arch/aarch64/*.c", "arch/aarch64/*.h"], False),
    ("arch/aarch64/ (asm)", ["arch/aarch64/*.S"], True),
    ("arch/riscv64/ (C)", ["arch/riscv64/*.c", "arch/riscv64/*.h"], False),
    ("arch/riscv64/ (asm)", ["arch/riscv64/*.S"], True),
    ("arch/x86_64/ (C)", ["arch/x86_64/*.c", "arch/x86_64/*.h"], False),
    ("arch/x86_64/ (asm)", ["arch/x86_64/*.S"], True),
    ("include/tessera/ (C)", ["include/tessera/*.h"], False),
]
loc = []
for label, globs, asm in groups:
    files = sorted({p for g in globs for p in Path(".").glob(g)})
    raw = code = 0
    for f in files:
        r, c = code_lines(f.read_text(errors="replace"), asm)
        raw += r
        code += c
    loc.append((label, len(files), code, raw))

lines = []
w = lines.append
w("Tessera footprint: the hypervisor alone (guest images .guest.* and debug info excluded)")
w("")
w("  text = .text   data = .rodata + .pgtables (translation tables, read-only) + .data   bss = .bss (incl. per-CPU stacks)")
w("")
hdr = f"  {'config':<13} {'board':<24} {'text':>7} {'rodata':>7} {'pgtables':>8} {'.data':>6} {'data':>7} {'bss':>7} {'total':>8}  kconfig"
w(hdr)
w("  " + "-" * (len(hdr) - 2))
notes = []
for row in Path(rows_file).read_text().splitlines():
    f = row.split("\t")
    name, board, how, status = f[:4]
    if status != "OK":
        w(f"  {name:<13} {board:<24} SKIPPED: build failed ({f[4]}); log {f[5]}")
        continue
    t, r, p, d, z = map(int, f[4:9])
    data = r + p + d
    w(f"  {name:<13} {board:<24} {t:>7} {r:>7} {p:>8} {d:>6} {data:>7} {z:>7} {t + data + z:>8}  {how}")
    if len(f) > 11 and f[11].strip():
        notes.append(f"  note: {name}: sections not counted:{f[11]}")
w("  (bytes; kconfig: the build's Kconfig values, .config or the defaults with the config's board.")
w("   .text ends with the 2 KiB-aligned vector table, so it grows in 2 KiB steps)")
lines += notes
w("")
w("Source lines (the trusted base is src/ and one arch/<arch>/; include/tessera/ is their interface)")
w("  code = lines with something besides comments and blank space; raw = every line")
w("")
w(f"  {'':<22} {'files':>5} {'code':>7} {'raw':>7}")
tb = {"aarch64": [0, 0], "riscv64": [0, 0], "x86_64": [0, 0]}
all_code = all_raw = 0
for label, nfiles, code, raw in loc:
    w(f"  {label:<22} {nfiles:>5} {code:>7} {raw:>7}")
    all_code += code
    all_raw += raw
    for arch, sums in tb.items():
        if label.startswith("src/") or label.startswith(f"arch/{arch}/"):
            sums[0] += code
            sums[1] += raw
for arch, (code, raw) in tb.items():
    w(f"  {'trusted base ' + arch:<22} {'':>5} {code:>7} {raw:>7}   (src/ + arch/{arch}/)")
w(f"  {'total':<22} {'':>5} {all_code:>7} {all_raw:>7}   (with include/tessera/)")
text = "\n".join(lines) + "\n"
Path(out).write_text(text)
sys.stdout.write(text)
EOF
rc=$?
[ $rc -eq 0 ] || { echo "size.sh: report failed" >&2; exit 1; }
echo "wrote $OUT"
