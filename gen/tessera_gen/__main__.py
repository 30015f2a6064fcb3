"""Command line: python3 -m tessera_gen --config FILE --out DIR [--kconfig .config]

Exit status 0 with every output written, or 1 with one line on stderr
naming the file, the key and the fix, and nothing new in DIR.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

from .errors import ConfigError, one_line

ROOT = Path(__file__).resolve().parents[2]


def read_kconfig(kconfig_file, dotconfig, autoconf_out=None):
    import kconfiglib
    if not Path(dotconfig).is_file():
        raise ConfigError(dotconfig, "", "no such file; run make defconfig (or make menuconfig)")
    kconf = kconfiglib.Kconfig(str(kconfig_file), warn_to_stderr=False)
    kconf.load_config(str(dotconfig))
    if autoconf_out:
        kconf.write_autoconf(str(autoconf_out))
    return {name: sym.str_value for name, sym in kconf.syms.items()}


def generate(config, out, dotconfig, kconfig_file=ROOT / "Kconfig", boards=ROOT / "boards"):
    from .board import load_board
    from .dtb import guest_dtb, multiboot_info
    from .emit import build_tables, emit, hyp_layout
    from .load import load_system
    from .channels import check_channels, place_channels
    from .place import find_free, place_copies, place_cpus, place_devices, place_dtb, place_memory
    from .validate import check_system
    from .schedule import check_schedules
    from .model import System
    from .x86_linux import check_linux, linux_boot_data, read_bzimage

    config, out = Path(config), Path(out)
    kconfig = read_kconfig(kconfig_file, dotconfig)
    board_name, vms, options = load_system(config, kconfig.get("BOARD"))
    if board_name != kconfig.get("BOARD"):
        raise ConfigError(config, "board", f"is {board_name!r} but .config selects CONFIG_BOARD="
                                           f"{kconfig.get('BOARD')!r}; choose the board in make menuconfig "
                                           "or change board")
    stack = int(kconfig.get("STACK_SIZE", "0"))
    if stack % 16:
        raise ConfigError(dotconfig, "CONFIG_STACK_SIZE", f"{stack} is not a multiple of 16")
    board = load_board(board_name, boards)
    want = {3: "GIC_V3", 2: "GIC_V2"}.get(board.gic_version)
    if want and kconfig.get(want) != "y":
        raise ConfigError(dotconfig, f"CONFIG_{want}", f"board {board_name} has a GICv{board.gic_version} but "
                                                       f"CONFIG_{want} is off; choose the board in make menuconfig")
    if board.arch == "x86_64":
        for vm in vms:
            read_bzimage(vm)
    system = System(config, board, vms, kconfig, options["run_time_ms"], options["channels"], options["qemu"],
                    options["schedules"])
    check_system(system)
    check_channels(system.channels, vms, board)
    place_cpus(vms, board, check_schedules(system.schedules, vms, board))
    place_devices(vms)
    used = place_memory(vms, board)
    place_channels(system.channels, board, used, find_free)
    for vm in vms:
        vm.dtb_bytes = vm.dtb_path.read_bytes() if vm.dtb_path else guest_dtb(vm, board)
        place_dtb(vm, len(vm.dtb_bytes), board.arch)
        if board.arch == "x86_64" and vm.linux:
            check_linux(vm)
            vm.dtb_bytes = linux_boot_data(vm, vm.dtb.gpa)
        elif board.arch == "x86_64" and not vm.dtb_path:     # its addresses are where it lies
            vm.dtb_bytes = multiboot_info(vm, vm.dtb.gpa)
    place_copies(vms, board, used)
    hyp = hyp_layout(board)
    pool = build_tables(system, hyp, config)

    # Everything is checked: write into a fresh directory, then move each
    # file whose content changed into out (unchanged files keep their
    # timestamps, so make rebuilds only what depends on a change).
    _check_out(out)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        try:
            tmp.mkdir(parents=True)
            read_kconfig(kconfig_file, dotconfig, tmp / "autoconf.h")
            emit(system, hyp, pool, tmp, out, config.name)
            _write_make_inputs(tmp, out, system, config, dotconfig)
        except OSError as e:        # out not touched yet
            raise ConfigError(out, "", f"cannot write the output ({e.strerror or e}); "
                                       "give --out a directory that can be made") from None
        out.mkdir(parents=True, exist_ok=True)
        new = {p.name for p in tmp.iterdir()}
        for old in out.iterdir():
            if old.name not in new:
                old.unlink()
        for name in sorted(new):
            dst = out / name
            if not dst.exists() or dst.read_bytes() != (tmp / name).read_bytes():
                os.replace(tmp / name, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_out(out):
    """out is replaced file by file: it must be a directory of files (or not
    exist yet), else the replacing would stop halfway."""
    if out.exists() and not out.is_dir():
        raise ConfigError(out, "", "is not a directory; give --out a directory (its files are replaced)")
    if out.is_dir():
        dirs = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.is_symlink())
        if dirs:
            raise ConfigError(out, "", f"holds a directory, {dirs[0]}, that the generator did not write; "
                                       "remove it or give another --out (its files are replaced)")
        # Files are replaced and stale ones deleted: only in a directory that
        # is empty or was the generator's (it always writes layout.txt).
        if any(out.iterdir()) and not (out / "layout.txt").is_file():
            raise ConfigError(out, "", "holds files the generator did not write; give --out an empty or "
                                       "new directory (its files are replaced)")


def _write_make_inputs(tmp, out, system, config, dotconfig):
    """qemu.flags, deps.mk (every file read, for make) and debug.gdb."""
    from .emit import asm_string, make_escape
    from .load import is_file
    b = system.board
    deps = {config.resolve(), Path(dotconfig).resolve(), (b.dir / "board.toml").resolve(),
            (b.dir / "board.dts").resolve()}
    # gdb reads a quoted file name with the assembler's escapes
    gdb = [f'file "{asm_string(out.resolve().parent / "tessera.elf")}"']
    for vm in system.vms:
        deps.add(vm.file.resolve())
        for p in (vm.kernel.path, vm.ramdisk and vm.ramdisk.path, vm.dtb_path):
            if p:
                deps.add(p.resolve())
        elf = vm.kernel.path.with_suffix(".elf")
        if is_file(elf):        # guest symbols: the guest runs with its MMU mapping them 1:1
            gdb.append(f'add-symbol-file "{asm_string(elf.resolve())}"')
    q = b.qemu
    (tmp / "qemu.flags").write_text(f"{q['binary']} -M {q['machine']} -cpu {q['cpu']} "
                                    f"-smp {len(b.cpus)} -m {q['memory']} {q['extra']}"
                                    f"{qemu_system_flags(system)}\n")
    names = sorted(make_escape(d) for d in deps)
    (tmp / "deps.mk").write_text(f"{make_escape(out / 'stamp')}: " + " ".join(names) + "\n")
    gdb += ["target remote localhost:1234"]
    (tmp / "debug.gdb").write_text("\n".join(gdb) + "\n")


def qemu_system_flags(system):
    """The system config's [qemu] as QEMU options (with a leading space).
    Each disk is a raw image on the transport it names: QEMU calls the n-th
    transport by address virtio-mmio-bus.n (the board's tree lists them all).
    In -drive, a comma of the file name is written twice."""
    q = system.qemu
    words = [q.extra] if q.extra.strip() else []
    for i, d in enumerate(q.disks):
        bus = [b for b, _ in system.board.virtio].index(d.transport)
        name = str(d.file.resolve()).replace(",", ",,")
        words += [f"-drive file={name},if=none,format=raw,id=disk{i}",
                  f"-device virtio-blk-device,drive=disk{i},bus=virtio-mmio-bus.{bus}"]
    return "".join(" " + w for w in words)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tessera_gen", description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="system or VM config (.toml, .yaml)")
    ap.add_argument("--out", required=True, help="output directory (replaced as a whole)")
    ap.add_argument("--kconfig", default=".config", help="Kconfig values (.config)")
    args = ap.parse_args(argv)
    try:
        generate(args.config, args.out, args.kconfig)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Exception as e:          # a generator bug: still one line, and say so
        print(one_line(f"error: {args.config}: internal generator error ({type(e).__name__}: {e}); "
                       "please report it"), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
