#!/bin/sh
# Install everything Tessera needs to build, test and run, from Debian packages
# only. Safe to run again. Needs root (sudo scripts/setup.sh, or make deps).
# riscv64: the cross compiler and glibc (the static /init), QEMU and OpenSBI,
# and linux-source-6.1 with bc, flex and bison, from which
# scripts/build-riscv-linux.sh builds the riscv64 Linux guest.
# x86_64: qemu-system-x86 (the host gcc builds the hypervisor and its guests).
# arm64 Linux guest: gcc-arm-linux-gnueabihf builds its 32-bit test task.
set -eu

PACKAGES="
  make gcc libc6-dev
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
  gcc-arm-linux-gnueabihf
  gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
  qemu-system-arm qemu-system-misc qemu-system-x86 qemu-system-data
  device-tree-compiler libfdt-dev
  python3 python3-jinja2 python3-yaml python3-kconfiglib python3-libfdt python3-pytest
  gdb-multiarch
  cpio e2fsprogs
  gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-system-misc opensbi u-boot-qemu
  linux-source-6.1 bc flex bison xz-utils
  cppcheck clang-tidy
"

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: needs root; run: sudo scripts/setup.sh" >&2
    exit 1
fi

# The Linux guest (scripts/fetch-linux.sh) is built from Debian arm64 packages
# fetched with apt-get download, which needs arm64 enabled in dpkg and its
# package lists present; only this root step can arrange that.
need_update=""
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "setup.sh: enabling dpkg architecture arm64 (for the Linux guest)"
    dpkg --add-architecture arm64
    need_update=1
elif ! ls /var/lib/apt/lists/*_binary-arm64_Packages* >/dev/null 2>&1; then
    need_update=1
fi

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

if [ -z "$missing" ] && [ -z "$need_update" ]; then
    echo "setup.sh: all packages present"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# A mirror's passing hiccup should not fail a fresh machine's (or CI's) setup.
APT_RETRY="-o Acquire::Retries=3"
# shellcheck disable=SC2086
apt-get $APT_RETRY update -q
if [ -z "$missing" ]; then
    echo "setup.sh: all packages present"
    exit 0
fi
echo "setup.sh: installing:$missing"
# shellcheck disable=SC2086
apt-get $APT_RETRY install -y -q --no-install-recommends $missing
