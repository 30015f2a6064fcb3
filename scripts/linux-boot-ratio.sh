#!/bin/sh
# Boot time to userspace of Debian's amd64 kernel in an x86_64 partition
# (configs/x86-linux-bench.toml: x86-linux-smp with one vCPU) against the
# same kernel, initramfs and command line booted bare by QEMU on q35 with
# one CPU (SeaBIOS, QEMU's own ACPI tables, HPET, PIT, RTC). Both run under
# -icount (QEMU's clocks count instructions: the figure does not depend on
# the machine's load), and each reports the kernel's own clock when /init
# starts (GUEST-UPTIME, from /proc/uptime: from the kernel's clock start,
# after its decompressor, to /init). One CPU: under -icount QEMU 7.2 did
# not get a bare 4-CPU kernel past "Bringing up secondary CPUs" in minutes.
#
#   scripts/linux-boot-ratio.sh        (prints both times and the ratio)
#
# docs/performance.md has the figures.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ICOUNT=${ICOUNT:-shift=0,align=off,sleep=off}
CMDLINE="console=ttyS0 quiet panic=-1"
LINUX=build/linux-x86

make -s CONFIG=x86-linux-bench >/dev/null
uptime_of() {
    timeout 1200 "$@" </dev/null 2>/dev/null | tr -d '\r' |
        sed -n 's/.*GUEST-UPTIME \([0-9.]*\).*/\1/p' | head -n 1
}
bare=$(uptime_of qemu-system-x86_64 -M q35 -cpu EPYC -smp 1 -m 1G -accel tcg -nic none -no-reboot \
    -nographic -icount "$ICOUNT" -kernel $LINUX/bzImage -initrd $LINUX/initramfs.cpio.gz -append "$CMDLINE")
# shellcheck disable=SC2046 # qemu.flags is a word list
tess=$(uptime_of $(cat build/x86-linux-bench/gen/qemu.flags) -nographic -icount "$ICOUNT" \
    -kernel build/x86-linux-bench/tessera.elf)
[ -n "$bare" ] && [ -n "$tess" ] || { echo "linux-boot-ratio.sh: no GUEST-UPTIME (bare '$bare', tessera '$tess')" >&2; exit 1; }
echo "bare:    GUEST-UPTIME $bare s (-icount $ICOUNT)"
echo "tessera: GUEST-UPTIME $tess s"
awk -v b="$bare" -v t="$tess" 'BEGIN { printf "ratio:   %.2f\n", t / b }'
