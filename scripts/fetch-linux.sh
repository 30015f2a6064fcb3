#!/bin/sh
# Fetch a real arm64 Linux guest from Debian packages and pack its initramfs.
#
#   scripts/fetch-linux.sh [OUT_DIR]        (default: build/linux in the repo)
#
# Produces OUT_DIR/Image (uncompressed arm64 kernel), OUT_DIR/kernel-version and
# OUT_DIR/initramfs.cpio.gz (guests/linux/init + static busybox). Downloaded
# .debs are cached in OUT_DIR/debs: a second run downloads nothing, and nothing
# here is meant to be committed. Needs no root once `sudo scripts/setup.sh` has
# enabled the arm64 architecture and fetched its package lists.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 1 ]; then
    OUT=$1
else
    # Default is relative to the repo, so the script works from any directory.
    cd "$ROOT"
    OUT=build/linux
fi
[ $# -le 1 ] || { echo "usage: $0 [OUT_DIR]" >&2; exit 2; }

INIT_SRC=$ROOT/guests/linux/init
BUSYBOX_PKG=busybox-static

die() { echo "fetch-linux.sh: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "missing '$tool'; run: sudo scripts/setup.sh"
done
[ -f "$INIT_SRC" ] || die "missing $INIT_SRC"

# apt-get download only finds arm64 packages when dpkg knows the architecture
# and the arm64 package lists were fetched; both need root, so setup.sh does it.
NO_ARM64="arm64 packages not available (dpkg architecture or package lists missing); run: sudo scripts/setup.sh"
dpkg --print-foreign-architectures | grep -qx arm64 || die "$NO_ARM64"

mkdir -p "$OUT/debs" "$OUT/extract"
OUT_ABS=$(cd "$OUT" && pwd)
DEBS=$OUT_ABS/debs
EXTRACT=$OUT_ABS/extract

# Newest Debian 6.1 arm64 kernel by ABI number. The exact-name pattern leaves
# out -rt, -dbg and -unsigned; unsigned only if it is the only form listed.
pick_kernel() {
    apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-arm64$1\$" |
        awk '{print $1}' | sort -V | tail -n 1
}
KPKG=$(pick_kernel "")
[ -n "$KPKG" ] || KPKG=$(pick_kernel "-unsigned")
[ -n "$KPKG" ] || die "$NO_ARM64"

# Candidate versions of both packages in one apt-cache call (each call takes
# about a second): lines "package version".
VERSIONS=$(apt-cache show --no-all-versions "$KPKG:arm64" "$BUSYBOX_PKG:arm64" 2>/dev/null |
    awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }')
candidate_version() {
    printf '%s\n' "$VERSIONS" | awk -v p="$1" '$1 == p { print $2; exit }'
}

# fetch PKG -> prints the path of PKG's candidate .deb in $DEBS, downloading it
# only when no intact .deb of that exact version is cached.
fetch() {
    pkg=$1
    ver=$(candidate_version "$pkg")
    [ -n "$ver" ] || die "no arm64 candidate for $pkg; run: sudo scripts/setup.sh"
    # apt-get download names files package_version_arch.deb, epoch ':' as %3a.
    deb=$DEBS/${pkg}_$(printf '%s' "$ver" | sed 's/:/%3a/g')_arm64.deb
    if [ -f "$deb" ] &&
       [ "$(dpkg-deb -f "$deb" Package Version 2>/dev/null | tr '\n' ' ')" = "Package: $pkg Version: $ver " ]; then
        echo "$deb"
        return
    fi
    echo "fetch-linux.sh: downloading $pkg:arm64 $ver" >&2
    # Download into a scratch dir and move into place, so an interrupted run
    # never leaves a truncated .deb that looks cached.
    tmp=$DEBS/.download.$$
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # As root, apt drops to user _apt for the download: let it write here.
    [ "$(id -u)" -ne 0 ] || chmod 0777 "$tmp"
    (cd "$tmp" && apt-get -o Acquire::Retries=3 download -q "$pkg:arm64=$ver") >&2 ||
        { rm -rf "$tmp"; die "apt-get download $pkg:arm64=$ver failed"; }
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
# Debian arm64 ships vmlinuz as a plain Image today; older ones were gzipped.
if [ "$(magic_at "$OUT_ABS/Image.tmp" 0 2)" = 1f8b ]; then
    gzip -dc "$VMLINUZ" >"$OUT_ABS/Image.tmp"
fi
# arm64 boot protocol: magic "ARM\x64" at offset 0x38.
[ "$(magic_at "$OUT_ABS/Image.tmp" 56 4)" = 41524d64 ] ||
    { rm -f "$OUT_ABS/Image.tmp"; die "$VMLINUZ is not an arm64 Image (no ARM\\x64 magic at 0x38)"; }
install_if_changed "$OUT_ABS/Image.tmp" "$OUT_ABS/Image"

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
chmod 0755 "$STAGE" "$STAGE/bin" "$STAGE/dev" "$STAGE/proc" "$STAGE/sys" \
    "$STAGE/bin/busybox" "$STAGE/init"
chmod 1777 "$STAGE/tmp"
find "$STAGE" -exec touch -h -d @0 {} +
(cd "$STAGE" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$OUT_ABS/initramfs.cpio.gz.tmp"
install_if_changed "$OUT_ABS/initramfs.cpio.gz.tmp" "$OUT_ABS/initramfs.cpio.gz"

echo "linux guest: $OUT/Image ($KVER), $OUT/initramfs.cpio.gz"
