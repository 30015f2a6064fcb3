#!/bin/sh
# Build a riscv64 Linux guest from Debian's linux-source-6.1 and pack its
# initramfs (Debian 12 has no riscv64 kernel package, nor a riscv64 busybox).
#
#   scripts/build-riscv-linux.sh [OUT_DIR]   (default: build/linux-riscv in the repo)
#
# Produces OUT_DIR/Image (uncompressed riscv64 kernel), OUT_DIR/kernel-version,
# OUT_DIR/config (the kernel's full .config), OUT_DIR/initramfs.cpio.gz (the
# static /init built from guests/linux-riscv/init.c, nothing else) and
# OUT_DIR/disk.img (a raw 64 KiB disk whose first line /init reads when it is
# given as a virtio-blk disk).
#
# The kernel: /usr/src/linux-source-6.1.tar.xz (package linux-source-6.1) is
# unpacked into OUT_DIR/src once per package version, configured out of tree
# in OUT_DIR/obj from `tinyconfig` plus guests/linux-riscv/kernel.config, and
# `make Image` is run with the riscv64 cross compiler. OUT_DIR/Image.key
# records what it was built from (package version, the fragment's sha256,
# the compiler): while that matches, the kernel is not touched again and a
# run takes a second or two. Timestamps, user and host in the kernel are
# fixed, so the same inputs give the same bytes. Needs no root once
# `sudo scripts/setup.sh` has installed the packages; nothing here is meant
# to be committed.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 1 ]; then
    OUT=$1
else
    # Default is relative to the repo, so the script works from any directory.
    cd "$ROOT"
    OUT=build/linux-riscv
fi
[ $# -le 1 ] || { echo "usage: $0 [OUT_DIR]" >&2; exit 2; }

SRC_PKG=linux-source-6.1
TARBALL=/usr/src/$SRC_PKG.tar.xz
FRAGMENT=$ROOT/guests/linux-riscv/kernel.config
INIT_SRC=$ROOT/guests/linux-riscv/init.c
CROSS=riscv64-linux-gnu-
KERNEL_JOBS=${KERNEL_JOBS:-$(nproc 2>/dev/null || echo 2)}
FIXED_TIME=1704067200           # 2024-01-01, as scripts/fetch-linux.sh

die() { echo "build-riscv-linux.sh: $*" >&2; exit 1; }

for tool in dpkg-query tar xz make bc flex bison ${CROSS}gcc ${CROSS}ld cpio gzip sha256sum flock; do
    command -v "$tool" >/dev/null 2>&1 || die "missing '$tool'; run: sudo scripts/setup.sh"
done
[ -f "$TARBALL" ] || die "missing $TARBALL (package $SRC_PKG); run: sudo scripts/setup.sh"
[ -f "$FRAGMENT" ] || die "missing $FRAGMENT"
[ -f "$INIT_SRC" ] || die "missing $INIT_SRC"

mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
# One run at a time per OUT_DIR (make and the test harness may both ask).
exec 9>"$OUT_ABS/.lock"
flock 9

# The kernel's own make must see none of ours: the caller's command-line
# variables (CONFIG=..., V=1) travel in MAKEFLAGS, and Tessera's Makefile
# exports KCONFIG_CONFIG, which the kernel's Kconfig would honour too.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEFILES GNUMAKEFLAGS KCONFIG_CONFIG KBUILD_OUTPUT \
    KBUILD_EXTMOD KCFLAGS KCPPFLAGS KAFLAGS LOCALVERSION ARCH SRCARCH CROSS_COMPILE \
    CC LD AR NM OBJCOPY CFLAGS LDFLAGS O V || true
# Reproducible: no build time, user, host or build count of this machine.
export KBUILD_BUILD_TIMESTAMP="@$FIXED_TIME" KBUILD_BUILD_USER=tessera \
    KBUILD_BUILD_HOST=tessera KBUILD_BUILD_VERSION=1 SOURCE_DATE_EPOCH=$FIXED_TIME
export LC_ALL=C TZ=UTC

# Replace DST by TMP only when the content changed, so file times (and make's
# view of them) stay put on a rerun.
install_if_changed() {
    if [ -f "$2" ] && cmp -s "$1" "$2"; then
        rm -f "$1"
    else
        mv "$1" "$2"
    fi
}

# --- kernel ---------------------------------------------------------------
SRC_VER=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
    die "package $SRC_PKG not installed; run: sudo scripts/setup.sh"
KEY="$SRC_PKG $SRC_VER
fragment $(sha256sum <"$FRAGMENT" | cut -d' ' -f1)
compiler $(${CROSS}gcc --version | head -n 1)
binutils $(${CROSS}ld --version | head -n 1)"
SRC=$OUT_ABS/src/$SRC_PKG
OBJ=$OUT_ABS/obj
KMAKE="make -C $SRC O=$OBJ ARCH=riscv CROSS_COMPILE=$CROSS"

if [ -f "$OUT_ABS/Image" ] && [ -f "$OUT_ABS/Image.key" ] &&
   [ "$(cat "$OUT_ABS/Image.key")" = "$KEY" ]; then
    echo "riscv linux: kernel cached ($SRC_PKG $SRC_VER, $(basename "$FRAGMENT") unchanged)"
else
    start=$(date +%s)
    # Until the end of this branch, no key vouches for whatever Image is here.
    rm -f "$OUT_ABS/Image.key"
    # Unpack once per package version; a new version also starts the object
    # tree afresh. The stamp is written last: an interrupted unpack redoes.
    if [ "$(cat "$OUT_ABS/src/.version" 2>/dev/null)" != "$SRC_VER" ]; then
        echo "riscv linux: unpacking $TARBALL ($SRC_PKG $SRC_VER)"
        rm -rf "$OUT_ABS/src" "$OBJ"
        mkdir -p "$OUT_ABS/src"
        tar -C "$OUT_ABS/src" -xf "$TARBALL" ||
            { rm -rf "$OUT_ABS/src"; die "unpacking $TARBALL failed"; }
        [ -f "$SRC/Makefile" ] || die "$TARBALL holds no $SRC_PKG/Makefile"
        printf '%s\n' "$SRC_VER" >"$OUT_ABS/src/.version"
    fi
    mkdir -p "$OBJ"

    # tinyconfig, the fragment over it, then defaults for whatever the
    # fragment made visible. The configuration is made anew every time, so
    # it never depends on an earlier one.
    echo "riscv linux: configuring (tinyconfig + $(basename "$FRAGMENT"))"
    rm -f "$OBJ/.config"
    $KMAKE -s tinyconfig >/dev/null
    # merge_config.sh writes .config in the current directory (its -O).
    (cd "$OBJ" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "$FRAGMENT") \
        >"$OBJ/merge_config.log" 2>&1 || { cat "$OBJ/merge_config.log" >&2; die "merge_config.sh failed"; }
    $KMAKE -s olddefconfig >/dev/null
    # Every line of the fragment must hold in the result: a symbol whose
    # dependencies are missing is dropped silently by Kconfig otherwise.
    bad=""
    while IFS= read -r line; do
        case $line in
            CONFIG_*=*) grep -qxF "$line" "$OBJ/.config" || bad="$bad
    $line";;
            "# CONFIG_"*" is not set")
                sym=${line#"# "}
                sym=${sym%" is not set"}
                ! grep -q "^$sym=" "$OBJ/.config" || bad="$bad
    $line";;
        esac
    done <"$FRAGMENT"
    [ -z "$bad" ] || die "these lines of $FRAGMENT do not hold in the kernel's .config:$bad"

    echo "riscv linux: make -j$KERNEL_JOBS Image (a few minutes the first time)"
    $KMAKE -j"$KERNEL_JOBS" -s Image || die "kernel build failed (make -C $SRC O=$OBJ ARCH=riscv Image)"
    IMG=$OBJ/arch/riscv/boot/Image
    # riscv boot protocol: magic "RISCV\0\0\0" at 0x30, "RSC\x05" at 0x38.
    [ "$(dd if="$IMG" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 52534305 ] ||
        die "$IMG is not a riscv64 Image (no RSC\\x05 magic at 0x38)"
    cp "$IMG" "$OUT_ABS/Image.tmp"
    install_if_changed "$OUT_ABS/Image.tmp" "$OUT_ABS/Image"
    cp "$OBJ/.config" "$OUT_ABS/config.tmp"
    install_if_changed "$OUT_ABS/config.tmp" "$OUT_ABS/config"
    printf '%s (%s %s)\n' "$($KMAKE -s kernelrelease)" "$SRC_PKG" "$SRC_VER" >"$OUT_ABS/kernel-version.tmp"
    install_if_changed "$OUT_ABS/kernel-version.tmp" "$OUT_ABS/kernel-version"
    # Last: the key says the Image above is complete.
    printf '%s\n' "$KEY" >"$OUT_ABS/Image.key"
    echo "riscv linux: kernel built in $(($(date +%s) - start)) s"
fi

# --- initramfs --------------------------------------------------------------
# /init alone, static (glibc), stripped; its build is a fraction of a second.
${CROSS}gcc -static -O2 -s -std=gnu11 -Wall -Wextra -Werror \
    -ffile-prefix-map="$ROOT/"= -o "$OUT_ABS/init.tmp" "$INIT_SRC" ||
    { rm -f "$OUT_ABS/init.tmp"; die "building $INIT_SRC failed"; }
install_if_changed "$OUT_ABS/init.tmp" "$OUT_ABS/init"

# Deterministic: fixed modes and mtimes, sorted names, owner root, inode and
# device numbers renumbered (--reproducible), no name/time in the gzip header.
# No /dev/console node (that needs root): /init reopens its stdio on the
# devtmpfs it mounts.
STAGE=$OUT_ABS/initramfs-root
rm -rf "$STAGE"
mkdir -p "$STAGE/dev" "$STAGE/proc" "$STAGE/sys"
cp "$OUT_ABS/init" "$STAGE/init"
chmod 0755 "$STAGE" "$STAGE/dev" "$STAGE/proc" "$STAGE/sys" "$STAGE/init"
find "$STAGE" -exec touch -h -d @0 {} +
(cd "$STAGE" && find . -mindepth 1 -printf '%P\n' | sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$OUT_ABS/initramfs.cpio.gz.tmp"
install_if_changed "$OUT_ABS/initramfs.cpio.gz.tmp" "$OUT_ABS/initramfs.cpio.gz"

# --- disk image ---------------------------------------------------------------
# Raw, no filesystem (the kernel has none for disks): one line of text, then
# zeros. Made anew every run, in case a guest wrote to it.
{ printf 'hello from the build\n'; head -c 65515 /dev/zero; } >"$OUT_ABS/disk.img.tmp"
install_if_changed "$OUT_ABS/disk.img.tmp" "$OUT_ABS/disk.img"

echo "riscv linux guest: $OUT/Image ($(cat "$OUT_ABS/kernel-version")), $OUT/initramfs.cpio.gz, $OUT/disk.img"
