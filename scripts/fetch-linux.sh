#!/bin/sh
# Fetch a real Linux guest from Debian packages and pack its initramfs.
#
#   scripts/fetch-linux.sh [OUT_DIR [ARCH]]  (default: build/linux, arm64)
#
# ARCH is the Debian architecture: arm64 (aarch64 partitions) or amd64
# (x86_64 partitions: `scripts/fetch-linux.sh build/linux-x86 amd64`).
#
# Produces OUT_DIR/Image (arm64: the uncompressed kernel) or OUT_DIR/bzImage
# (amd64: as Debian ships it), OUT_DIR/kernel-version,
# OUT_DIR/initramfs.cpio.gz (guests/linux/init + static busybox + the kernel's
# virtio-mmio, virtio-blk and ext4 modules) and OUT_DIR/disk.img (an ext4
# image of guests/linux/disk/, made anew on every run: a run of a guest that
# wrote to it starts from the pristine image again). Downloaded .debs are
# cached in OUT_DIR/debs: a second run downloads nothing, and nothing here is
# meant to be committed. Needs no root once `sudo scripts/setup.sh` has
# enabled the arm64 architecture and fetched its package lists (amd64 is
# this machine's own).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARCH=${2:-arm64}
if [ $# -ge 1 ]; then
    OUT=$1
else
    # Default is relative to the repo, so the script works from any directory.
    cd "$ROOT"
    OUT=build/linux
fi
[ $# -le 2 ] || { echo "usage: $0 [OUT_DIR [arm64|amd64]]" >&2; exit 2; }
case $ARCH in arm64|amd64) ;; *) echo "$0: ARCH must be arm64 or amd64, not '$ARCH'" >&2; exit 2 ;; esac

INIT_SRC=$ROOT/guests/linux/init
DISK_SRC=$ROOT/guests/linux/disk
# mkfs.ext4 is in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
BUSYBOX_PKG=busybox-static

die() { echo "fetch-linux.sh: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip mkfs.ext4 debugfs; do
    command -v "$tool" >/dev/null 2>&1 || die "missing '$tool'; run: sudo scripts/setup.sh"
done
[ -f "$INIT_SRC" ] || die "missing $INIT_SRC"
[ -d "$DISK_SRC" ] || die "missing $DISK_SRC"

# apt-get download only finds arm64 packages when dpkg knows the architecture
# and the arm64 package lists were fetched; both need root, so setup.sh does it.
# amd64 is this machine's own architecture (or a foreign one setup.sh added).
NO_ARM64="$ARCH packages not available (dpkg architecture or package lists missing); run: sudo scripts/setup.sh"
{ [ "$(dpkg --print-architecture)" = "$ARCH" ] || dpkg --print-foreign-architectures | grep -qx "$ARCH"; } ||
    die "$NO_ARM64"

mkdir -p "$OUT/debs" "$OUT/extract"
OUT_ABS=$(cd "$OUT" && pwd)
DEBS=$OUT_ABS/debs
EXTRACT=$OUT_ABS/extract

# Newest Debian 6.1 kernel of ARCH by ABI number. The exact-name pattern leaves
# out -rt, -dbg and -unsigned; unsigned only if it is the only form listed.
pick_kernel() {
    apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-$ARCH$1\$" |
        awk '{print $1}' | sort -V | tail -n 1
}
KPKG=$(pick_kernel "")
[ -n "$KPKG" ] || KPKG=$(pick_kernel "-unsigned")
[ -n "$KPKG" ] || die "$NO_ARM64"

# Candidate versions of both packages in one apt-cache call (each call takes
# about a second): lines "package version".
VERSIONS=$(apt-cache show --no-all-versions "$KPKG:$ARCH" "$BUSYBOX_PKG:$ARCH" 2>/dev/null |
    awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }')
candidate_version() {
    printf '%s\n' "$VERSIONS" | awk -v p="$1" '$1 == p { print $2; exit }'
}

# fetch PKG -> prints the path of PKG's candidate .deb in $DEBS, downloading it
# only when no intact .deb of that exact version is cached.
fetch() {
    pkg=$1
    ver=$(candidate_version "$pkg")
    [ -n "$ver" ] || die "no $ARCH candidate for $pkg; run: sudo scripts/setup.sh"
    # apt-get download names files package_version_arch.deb, epoch ':' as %3a.
    deb=$DEBS/${pkg}_$(printf '%s' "$ver" | sed 's/:/%3a/g')_$ARCH.deb
    if [ -f "$deb" ] &&
       [ "$(dpkg-deb -f "$deb" Package Version 2>/dev/null | tr '\n' ' ')" = "Package: $pkg Version: $ver " ]; then
        echo "$deb"
        return
    fi
    echo "fetch-linux.sh: downloading $pkg:$ARCH $ver" >&2
    # Download into a scratch dir and move into place, so an interrupted run
    # never leaves a truncated .deb that looks cached.
    tmp=$DEBS/.download.$$
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # As root, apt drops to user _apt for the download: let it write here.
    [ "$(id -u)" -ne 0 ] || chmod 0777 "$tmp"
    (cd "$tmp" && apt-get -o Acquire::Retries=3 download -q "$pkg:$ARCH=$ver") >&2 ||
        { rm -rf "$tmp"; die "apt-get download $pkg:$ARCH=$ver failed"; }
    got=""
    for f in "$tmp"/*.deb; do [ -f "$f" ] && got=$f; done
    [ -n "$got" ] || { rm -rf "$tmp"; die "apt-get download $pkg produced no .deb"; }
    mv "$got" "$deb"
    rm -rf "$tmp"
    echo "$deb"
}

# extract DEB -> prints the directory it is unpacked in (skipped if already
# unpacked from the same .deb).
extract() {
    deb=$1
    dir=$EXTRACT/$(dpkg-deb -f "$deb" Package)
    stamp=$dir/.from-deb
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(basename "$deb")" ]; then
        echo "$dir"
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir"
    basename "$deb" >"$stamp"
    echo "$dir"
}

# Replace DST by TMP only when the content changed, so file times (and make's
# view of them) stay put on a rerun.
install_if_changed() {
    if [ -f "$2" ] && cmp -s "$1" "$2"; then
        rm -f "$1"
    else
        mv "$1" "$2"
    fi
}

KDEB=$(fetch "$KPKG")
BDEB=$(fetch "$BUSYBOX_PKG")
KDIR=$(extract "$KDEB")
BDIR=$(extract "$BDEB")

# --- kernel ---------------------------------------------------------------
KREL=${KPKG#linux-image-}
KREL=${KREL%-unsigned}
VMLINUZ=$KDIR/boot/vmlinuz-$KREL
[ -f "$VMLINUZ" ] || die "no boot/vmlinuz-$KREL in $KDEB"

magic_at() { dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

cp "$VMLINUZ" "$OUT_ABS/Image.tmp"
if [ "$ARCH" = amd64 ]; then
    # x86 boot protocol: a bzImage has "HdrS" at 0x202; the generator reads
    # its setup header and places its protected-mode part (docs/linux.md).
    [ "$(magic_at "$OUT_ABS/Image.tmp" 514 4)" = 48647253 ] ||
        { rm -f "$OUT_ABS/Image.tmp"; die "$VMLINUZ is not a bzImage (no HdrS at 0x202)"; }
elif [ "$(magic_at "$OUT_ABS/Image.tmp" 0 2)" = 1f8b ]; then
    # Debian arm64 ships vmlinuz as a plain Image today; older ones were gzipped.
    gzip -dc "$VMLINUZ" >"$OUT_ABS/Image.tmp"
fi
# arm64 boot protocol: magic "ARM\x64" at offset 0x38.
[ "$ARCH" = amd64 ] || [ "$(magic_at "$OUT_ABS/Image.tmp" 56 4)" = 41524d64 ] ||
    { rm -f "$OUT_ABS/Image.tmp"; die "$VMLINUZ is not an arm64 Image (no ARM\\x64 magic at 0x38)"; }
KOUT=Image
[ "$ARCH" = arm64 ] || KOUT=bzImage
install_if_changed "$OUT_ABS/Image.tmp" "$OUT_ABS/$KOUT"

KVER="$KREL $(dpkg-deb -f "$KDEB" Version)"
printf '%s\n' "$KVER" >"$OUT_ABS/kernel-version.tmp"
install_if_changed "$OUT_ABS/kernel-version.tmp" "$OUT_ABS/kernel-version"

# --- initramfs --------------------------------------------------------------
# Deterministic: fixed modes and mtimes, sorted names, owner root, inode and
# device numbers renumbered (--reproducible), no name/time in the gzip header.
STAGE=$OUT_ABS/initramfs-root
rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/dev" "$STAGE/proc" "$STAGE/sys" "$STAGE/tmp"
[ -f "$BDIR/bin/busybox" ] || die "no bin/busybox in $BDEB"
cp "$BDIR/bin/busybox" "$STAGE/bin/busybox"
cp "$INIT_SRC" "$STAGE/init"
# arm64: a 32-bit T32 task (guests/linux/a32-mmio.c) that /init runs with
# tessera.a32 on the command line: the hypervisor's AArch32 EL0 emulation.
if [ "$ARCH" = arm64 ]; then
    arm-linux-gnueabihf-gcc -mthumb -march=armv7-a -mfpu=vfpv3-d16 -O2 -ffreestanding \
        -fno-stack-protector -fomit-frame-pointer -nostdlib -static -Wall -Wextra -Werror \
        -o "$STAGE/bin/a32-mmio" "$ROOT/guests/linux/a32-mmio.c" ||
        die "arm-linux-gnueabihf-gcc could not build guests/linux/a32-mmio.c (scripts/setup.sh installs it)"
fi
# Debian builds these as modules; /init loads them (in this order: each after
# what it needs) when its device tree has a virtio-mmio transport.
# (An x86_64 partition has no virtio-mmio transport: none for amd64.)
MODULES="lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4
    drivers/virtio/virtio_mmio drivers/block/virtio_blk"
[ "$ARCH" = arm64 ] || MODULES=""
mkdir -p "$STAGE/lib/modules"
: >"$STAGE/lib/modules/order"
for m in $MODULES; do
    ko=$KDIR/lib/modules/$KREL/kernel/$m.ko
    [ -f "$ko" ] || die "no $m.ko in $KDEB"
    cp "$ko" "$STAGE/lib/modules/"
    basename "$m" >>"$STAGE/lib/modules/order"
done
chmod 0755 "$STAGE/lib" "$STAGE/lib/modules"
chmod 0644 "$STAGE"/lib/modules/*
chmod 0755 "$STAGE" "$STAGE/bin" "$STAGE/dev" "$STAGE/proc" "$STAGE/sys" \
    "$STAGE"/bin/* "$STAGE/init"
chmod 1777 "$STAGE/tmp"
find "$STAGE" -exec touch -h -d @0 {} +
(cd "$STAGE" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$OUT_ABS/initramfs.cpio.gz.tmp"
install_if_changed "$OUT_ABS/initramfs.cpio.gz.tmp" "$OUT_ABS/initramfs.cpio.gz"

# --- disk image -------------------------------------------------------------
# ext4 made without root (mkfs.ext4 -d copies a folder in), the same bytes
# every time: fixed UUID, hash seed and time, files owned by root with fixed
# modes and mtimes. A disk a guest changed is put back (install_if_changed).
FIXED_TIME=1704067200           # 2024-01-01
DISK_ID=5e55e2a0-d15c-4000-8000-000000000001
DSTAGE=$OUT_ABS/disk-root
rm -rf "$DSTAGE"
cp -R "$DISK_SRC" "$DSTAGE"
chmod -R u=rwX,go=rX "$DSTAGE"
find "$DSTAGE" -exec touch -h -d @$FIXED_TIME {} +
rm -f "$OUT_ABS/disk.img.tmp"
E2FSPROGS_FAKE_TIME=$FIXED_TIME SOURCE_DATE_EPOCH=$FIXED_TIME \
    mkfs.ext4 -q -F -L tessera-disk -U "$DISK_ID" -E "root_owner=0:0,hash_seed=$DISK_ID" \
    -d "$DSTAGE" "$OUT_ABS/disk.img.tmp" 16M >/dev/null ||
    { rm -f "$OUT_ABS/disk.img.tmp"; die "mkfs.ext4 of $DISK_SRC failed"; }
# mkfs.ext4 -d copies each file's ctime and atime, which no one can set on
# the copies above: set them in the image (debugfs, also from e2fsprogs).
(cd "$DSTAGE" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
    while read -r f; do
        printf 'sif "/%s" ctime @%s\nsif "/%s" atime @%s\n' "$f" $FIXED_TIME "$f" $FIXED_TIME
    done) >"$OUT_ABS/disk-times.debugfs"
E2FSPROGS_FAKE_TIME=$FIXED_TIME debugfs -w -f "$OUT_ABS/disk-times.debugfs" "$OUT_ABS/disk.img.tmp" \
    >/dev/null 2>&1 || { rm -f "$OUT_ABS/disk.img.tmp"; die "debugfs of $OUT_ABS/disk.img.tmp failed"; }
install_if_changed "$OUT_ABS/disk.img.tmp" "$OUT_ABS/disk.img"

echo "linux guest: $OUT/$KOUT ($KVER), $OUT/initramfs.cpio.gz, $OUT/disk.img"
