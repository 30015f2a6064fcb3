"""load: read a system config (TOML or YAML) and the VM files it names.

A system config names a board and lists its partitions, inline (`[[vm]]`) or
by file (`vms = ["x.toml"]`). A VM is described with the ArceOS hypervisor's
per-VM tables (`[base]`, `[kernel]`, `[devices]`), so its files load
unchanged. A file with a top-level `[base]` table is itself a one-VM system
on the board Kconfig selects.
"""

import re
import tomllib
from pathlib import Path

import yaml

from .channels import load_channels
from .errors import ConfigError, notice
from .schedule import load_schedules
from .model import (MAP_ALLOC, MAP_IDENTICAL, MEM_FLAGS_ALL, Disk, EmuDevice, Image,
                    MemRegion, MsrRule, Passthrough, QemuOptions, Vcpu, Vm)
from .schema import Table, check_int, check_list_of_ints, keypath, type_name

MAX_VCPUS = 64                  # a phys_cpu_sets mask is 64 bits wide
MAX_IRQ = 1019                  # the last GICv3 SPI INTID; 0 = no interrupt
MAX_ENTRIES = 256               # memory_regions, passthrough_devices: the checks and placement are
                                # quadratic, and tens of thousands would take minutes
FDT_MAGIC = bytes.fromhex("d00dfeed")


def is_file(path):
    """Path.is_file(), but False rather than OSError for a name no file can
    have (a name or path longer than the system allows)."""
    try:
        return path.is_file()
    except OSError:
        return False


def read_file(path):
    """Parse a .toml, .yaml or .yml file into plain Python data."""
    path = Path(path)
    if not is_file(path):
        raise ConfigError(path, "", "no such file")
    text = path.read_bytes()
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text.decode("utf-8"))
        if path.suffix in (".yaml", ".yml"):
            data = _yaml_load(text, path)
            _no_surrogates(data, path)
            return {} if data is None else data
    except UnicodeDecodeError as e:
        raise ConfigError(path, "", f"is not UTF-8 text ({e.reason})") from None
    except RecursionError:
        raise ConfigError(path, "", "is nested too deeply to read") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "", f"TOML syntax error: {e}") from None
    except ValueError as e:         # int() of more digits than Python converts (4300)
        if "integer string conversion" not in str(e):
            raise
        raise ConfigError(path, "", "has a number too long to read (more than 4300 digits)") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(path, "", f"YAML syntax error: {where}{problem}") from None
    raise ConfigError(path, "", "unknown file type; use .toml, .yaml or .yml")


def _yaml_load(text, path):
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError):
        raise
    except (ValueError, TypeError, AttributeError, OverflowError, LookupError) as e:
        # PyYAML's constructors let these through for tagged or odd scalars
        # (!!int x, !!float x, !!timestamp x, a 13th month).
        if "integer string conversion" in str(e):
            raise
        raise ConfigError(path, "", f"YAML error: a value cannot be read ({type(e).__name__}: {e})") from None


SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(data, path):
    """YAML's "\\ud83d" escapes can make half a UTF-16 surrogate pair (PyYAML
    does not join two into one character), which is no character: a string
    holding one cannot be written to any output. Report the first, in file
    order, with its key path (aliases can make the data a graph: each node once)."""
    stack, seen = [(data, "")], set()
    while stack:
        value, key = stack.pop()
        if isinstance(value, str):
            m = SURROGATE.search(value)
            if m:
                raise ConfigError(path, key or "(top level)",
                                  f"holds {m[0].encode('unicode_escape').decode()}, half of a UTF-16 surrogate "
                                  "pair and no character; write the character itself (or \\U0001f600 escapes)")
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            if isinstance(value, list):
                stack.extend(reversed([(v, f"{key}[{i}]") for i, v in enumerate(value)]))
                continue
            for k, v in reversed(list(value.items())):
                sub = f"{key}.{k}" if key else str(k)
                stack += [(v, sub), (k, sub)]


def load_system(path, default_board):
    """Returns (board name, [Vm], options) from a system config or a single
    VM file; options: system-wide settings (run_time_ms)."""
    path = Path(path)
    data = read_file(path)
    if not isinstance(data, dict):
        raise ConfigError(path, "(top level)", f"must be a table, not {type_name(data)}")
    if "base" in data:                          # an ArceOS-format VM file
        return default_board, [load_vm(data, path, "")], {"run_time_ms": 0, "channels": [],
                                                           "qemu": QemuOptions(), "schedules": []}

    top = Table(data, path, "")
    board = top.str("board")
    options = {"run_time_ms": top.int("run_time_ms", required=False, default=0,     # arch_timer_start(unsigned)
                                      maximum=0xFFFF_FFFF),
               "channels": load_channels(top, path),
               "qemu": _qemu_options(top, path),
               "schedules": load_schedules(top, path)}
    vms = []
    for i, name in enumerate(top.list("vms", required=False) or []):
        key = keypath("vms", i)
        if not isinstance(name, str):
            raise ConfigError(path, key, f"must be a file name, not {type_name(name)}")
        vm_path = (path.parent / name)
        if not is_file(vm_path):
            raise ConfigError(path, key, f"{name}: no such file (paths are relative to {path.parent})")
        vms.append(load_vm(read_file(vm_path), vm_path, ""))
    for i, vm in enumerate(top.list("vm", required=False) or []):
        vms.append(load_vm(vm, path, keypath("vm", i) + "."))
    top.finish()
    if not vms:
        raise ConfigError(path, "vm", "no partitions; add [[vm]] tables or a vms = [...] list")
    return board, vms, options


def _qemu_options(top, path):
    """[qemu]: options the system's machine needs beyond the board's: extra
    (words appended to the board's [qemu] extra) and disks (virtio-blk disks
    on virtio-mmio transports, each backed by a raw image file)."""
    qemu = top.table("qemu", required=False)
    if qemu is None:
        return QemuOptions()
    extra = qemu.str("extra", required=False, default="")
    if any(c in extra for c in "\n\r\0"):
        raise ConfigError(path, qemu.key("extra"), "holds a line break or NUL; give the options on one line")
    disks = []
    for i, d in enumerate(qemu.list("disks", required=False) or []):
        t = Table(d, path, keypath(qemu.key("disks"), i))
        transport = t.int("transport")
        name = t.str("file")
        t.finish()
        file = _resolve(path, name)
        if not name or not is_file(file):
            raise ConfigError(path, t.key("file"), f"{name}: no such file (build it first, or fix the path; "
                                                   f"relative paths start at {path.parent})")
        if any(c.isspace() for c in str(file.resolve())):
            raise ConfigError(path, t.key("file"), f"{str(file.resolve())!r}: QEMU's options are written as "
                                                   "words split at white space; move the image to a path "
                                                   "without any")
        disks.append(Disk(transport, file, t.path))
    qemu.finish()
    return QemuOptions(extra, disks)


def _resolve(base_file, name):
    p = Path(name)
    return p if p.is_absolute() else (base_file.parent / p)


def load_vm(data, file, prefix):
    """One VM in the ArceOS per-VM format."""
    top = Table(data, file, prefix.rstrip("."))
    base = top.table("base")
    kernel = top.table("kernel")
    devices = top.table("devices", required=False)

    vm_id = base.int("id")
    check_int(vm_id, file, base.key("id"), maximum=0xFFFF_FFFF)     # struct vm_config.id is a uint32_t
    name = base.str("name")
    if not name or not all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
        raise ConfigError(file, base.key("name"),
                          f"{name!r} is not a usable name; use letters, digits, '-' and '_'")
    vm_type = base.int("vm_type", required=False, default=1)
    if vm_type != 1:
        raise ConfigError(file, base.key("vm_type"),
                          f"is {vm_type}; Tessera runs guest partitions only (vm_type = 1)")
    cpu_num = base.int("cpu_num", minimum=1)
    if cpu_num > MAX_VCPUS:             # checked against the board later; this bounds the lists
        raise ConfigError(file, base.key("cpu_num"),
                          f"is {cpu_num}; a partition has at most {MAX_VCPUS} vCPUs "
                          "(phys_cpu_sets masks have 64 bits, one per physical CPU)")
    ids = base.list("phys_cpu_ids", required=False)
    sets = base.list("phys_cpu_sets", required=False)
    if ids is None:
        ids = list(range(cpu_num))
    else:
        ids = check_list_of_ints(ids, file, base.key("phys_cpu_ids"))
        if len(ids) != cpu_num:
            raise ConfigError(file, base.key("phys_cpu_ids"),
                              f"has {len(ids)} entries but cpu_num = {cpu_num}; give one virtual MPIDR per vCPU")
    if sets is None:
        sets = [None] * cpu_num                  # any CPU: validate fills in the board's
    else:
        sets = check_list_of_ints(sets, file, base.key("phys_cpu_sets"))
        if len(sets) != cpu_num:
            raise ConfigError(file, base.key("phys_cpu_sets"),
                              f"has {len(sets)} entries but cpu_num = {cpu_num}; give one CPU mask per vCPU")
    vcpus = [Vcpu(i, ids[i], sets[i]) for i in range(cpu_num)]
    restart = base.bool("restart", required=False, default=False)
    max_restarts = base.int("max_restarts", required=False, default=3, minimum=1, maximum=0xFFFF)   # a uint16_t
    virtual_counter = _virtual_counter(base)
    base.finish()

    entry = kernel.int("entry_point")
    location = kernel.str("image_location", required=False, default="memory", choices=["memory", "fs"])
    if location == "fs":
        notice(file, kernel.key("image_location"), '"fs": Tessera has no file system at run time; the images '
                                                   'are read at build time (relative paths start at '
                                                   f'{file.parent}) and linked in, as with "memory"')
    # axvisor's x86 boot stub (axvm-bios): real mode to the multiboot entry.
    # Its work is what Tessera does itself (validate: x86_64 only).
    bios_path = kernel.str("bios_path", required=False)
    kernel.int("bios_load_addr", required=False)
    kpath = kernel.str("kernel_path")
    kaddr = kernel.int("kernel_load_addr")
    dtb_path = kernel.str("dtb_path", required=False)
    dtb_addr = kernel.int("dtb_load_addr", required=False)
    rd_path = kernel.str("ramdisk_path", required=False)
    rd_addr = kernel.int("ramdisk_load_addr", required=False)
    cmdline = kernel.str("cmdline", required=False, default="")
    if "\0" in cmdline:
        raise ConfigError(file, kernel.key("cmdline"), "contains a NUL character, which would end it early")
    regions = _regions(kernel, file)
    kernel.finish()

    kimage = _image("kernel", file, kernel.key("kernel_path"), kpath, kaddr)
    ramdisk = None
    if rd_path:
        if rd_addr is None:
            raise ConfigError(file, kernel.key("ramdisk_load_addr"),
                              "missing; a ramdisk_path needs the address to load it at")
        ramdisk = _image("ramdisk", file, kernel.key("ramdisk_path"), rd_path, rd_addr)
    dtb_file = None
    if dtb_path:
        dtb_file = _resolve(file, dtb_path)
        if not is_file(dtb_file):
            raise ConfigError(file, kernel.key("dtb_path"), f"{dtb_path}: no such file")
        if dtb_file.read_bytes()[:4] != FDT_MAGIC:
            raise ConfigError(file, kernel.key("dtb_path"),
                              f"{dtb_path} is not a device tree blob (no d00dfeed magic); "
                              "compile it with dtc, or drop dtb_path to let the generator write one")

    emu, passthrough, msrs = [], [], []
    if devices is not None:
        emu = _emu_devices(devices, file)
        passthrough = _passthrough(devices, file)
        msrs = _msrs(devices, file)
        for unused in ("passthrough_addresses", "excluded_devices"):
            lst = devices.list(unused, required=False)
            if lst:
                raise ConfigError(file, devices.key(unused),
                                  "is not supported by Tessera; list each device in passthrough_devices")
        devices.str("interrupt_mode", required=False,
                    choices=["passthrough", "emulated", "no_irq"])
        devices.finish()
    top.finish()

    # The records keep key paths relative to the VM (like "kernel.memory_regions[0]");
    # vm.key() adds the prefix ("vm[1].") wherever an error names them.
    for rec in regions + emu + passthrough + msrs + [kimage, ramdisk]:
        if rec is not None and prefix and rec.key.startswith(prefix):
            rec.key = rec.key[len(prefix):]

    return Vm(file=file, prefix=prefix, id=vm_id, name=name, vcpus=vcpus,
              entry=entry, kernel=kimage, regions=regions, emu=emu,
              passthrough=passthrough, msrs=msrs, dtb_path=dtb_file, dtb_load_addr=dtb_addr,
              ramdisk=ramdisk, cmdline=cmdline, restart=restart, max_restarts=max_restarts,
              virtual_counter=virtual_counter, bios_path=bios_path)


def _virtual_counter(base):
    """[base] virtual_counter: what the partition's virtual counter reads when
    its vCPU 0 starts (an integer, default 0), or "physical": the board's
    count itself, shared with every partition that says so. None for that."""
    value = base.data.get("virtual_counter")
    if isinstance(value, str):
        base.str("virtual_counter", choices=["physical"])
        return None
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(base.file, base.key("virtual_counter"),
                          f"must be an integer (the count it starts at) or \"physical\", "
                          f"not {type_name(value)}")
    return base.int("virtual_counter", required=False, default=0)


def _image(what, file, key, name, addr):
    path = _resolve(file, name)
    if "\n" in str(path):         # no assembler string or make rule can name it
        raise ConfigError(file, key, f"{str(path)!r}: a path with a newline cannot be linked in; "
                                     "rename the file or its folder")
    if not is_file(path):
        raise ConfigError(file, key, f"{name}: no such file (build it first, or fix the path; "
                                     f"relative paths start at {file.parent})")
    size = path.stat().st_size
    if size == 0:                   # a failed build; and a 0-byte pristine copy would be placed anywhere
        raise ConfigError(file, key, f"{name} is empty; build it first, or fix the path")
    return Image(what, path, addr, size, key)


def _tuple(value, file, key, shape):
    """Check a list entry like [gpa, size, flags, map_type] against shape,
    a string of 'i' (integer) and 's' (string)."""
    if not isinstance(value, list):
        raise ConfigError(file, key, f"must be a list, not {type_name(value)}")
    if len(value) != len(shape):
        raise ConfigError(file, key, f"has {len(value)} field{'s' if len(value) != 1 else ''}; "
                                     f"it needs {len(shape)}")
    for i, (v, t) in enumerate(zip(value, shape)):
        if t == "i":
            check_int(v, file, keypath(key, i))
        elif t == "s" and not isinstance(v, str):
            raise ConfigError(file, keypath(key, i), f"must be a string, not {type_name(v)}")
    return value


def _device_name(name, file, key):
    """Device names end up in comments of the generated C: keep them printable,
    unable to close the comment or to open one inside it (-Werror=comment)."""
    if not name or "*/" in name or not all(" " <= c <= "~" for c in name):
        raise ConfigError(file, key, f"{name!r} is not a usable device name; "
                                     "use printable ASCII characters, without '*/'")
    if "/*" in name:
        raise ConfigError(file, key, f"{name!r} is not a usable device name; "
                                     "drop the '/*', which would open a comment inside one")


def _at_most(lst, file, key, what):
    if len(lst) > MAX_ENTRIES:
        raise ConfigError(file, key, f"has {len(lst)} entries; a partition has at most {MAX_ENTRIES} {what}")
    return lst


def _regions(kernel, file):
    regions = []
    lst = _at_most(kernel.list("memory_regions"), file, kernel.key("memory_regions"), "memory regions")
    for i, r in enumerate(lst):
        key = keypath(kernel.key("memory_regions"), i)
        gpa, size, flags, map_type = _tuple(r, file, key, "iiii")
        if flags & ~MEM_FLAGS_ALL:
            raise ConfigError(file, keypath(key, 2),
                              f"flags {flags:#x} has unknown bits; use READ 0x1, WRITE 0x2, "
                              "EXECUTE 0x4, DEVICE 0x10, UNCACHED 0x20")
        if map_type not in (MAP_ALLOC, MAP_IDENTICAL):
            raise ConfigError(file, keypath(key, 3),
                              f"map_type {map_type} is unknown; use 0 (allocate) or 1 (identical)")
        if size == 0:
            raise ConfigError(file, keypath(key, 1), "size is 0; give the region a size")
        regions.append(MemRegion(gpa, size, flags, map_type, key))
    if not regions:
        raise ConfigError(file, kernel.key("memory_regions"), "is empty; a partition needs memory")
    return regions


def _emu_devices(devices, file):
    out = []
    for i, d in enumerate(devices.list("emu_devices", required=False) or []):
        key = keypath(devices.key("emu_devices"), i)
        if not isinstance(d, list) or len(d) != 6:
            raise ConfigError(file, key, "must be [name, base_gpa, length, irq, emu_type, config]")
        name, gpa, size, irq, etype, _cfg = _tuple(d, file, key, "siiii?")
        _device_name(name, file, keypath(key, 0))
        if irq > MAX_IRQ:
            raise ConfigError(file, keypath(key, 3), f"irq {irq} is no GICv3 interrupt the guest can get; "
                                                    f"use an INTID up to {MAX_IRQ} (0 for none)")
        out.append(EmuDevice(name, gpa, size, irq, etype, key))
    return out


def _passthrough(devices, file):
    out = []
    lst = devices.list("passthrough_devices", required=False) or []
    for i, d in enumerate(_at_most(lst, file, devices.key("passthrough_devices"), "passthrough devices")):
        key = keypath(devices.key("passthrough_devices"), i)
        if isinstance(d, list) and len(d) == 1:
            raise ConfigError(file, key, "the device-tree path form is not supported; "
                                         "give [name, base_gpa, base_hpa, length, irq]")
        name, gpa, hpa, size, irq = _tuple(d, file, key, "siiii")
        if irq > MAX_IRQ:
            raise ConfigError(file, keypath(key, 4), f"irq {irq} is no GICv3 interrupt the guest can get; "
                                                    f"use an INTID up to {MAX_IRQ} (0 for none)")
        _device_name(name, file, keypath(key, 0))
        out.append(Passthrough(name, gpa, hpa, size, irq, key))
    return out


MSR_POLICIES = ("owned", "emulated", "denied")


def _msrs(devices, file):
    """x86_64 [devices] msrs: [msr, "owned" | "denied"] or [msr, "emulated"
    (, the value it reads after reset)]. What may be named where is
    validate's (_check_msrs)."""
    out = []
    lst = devices.list("msrs", required=False) or []
    for i, m in enumerate(_at_most(lst, file, devices.key("msrs"), "MSR entries")):
        key = keypath(devices.key("msrs"), i)
        if not isinstance(m, list) or len(m) not in (2, 3):
            raise ConfigError(file, key, "must be [msr, \"owned\"], [msr, \"denied\"] or "
                                         "[msr, \"emulated\", reset value]")
        msr, policy = _tuple(m[:2], file, key, "is")
        check_int(msr, file, keypath(key, 0), maximum=0xFFFF_FFFF)
        if policy not in MSR_POLICIES:
            raise ConfigError(file, keypath(key, 1), f"{policy!r} is no MSR policy; use \"owned\" (passed "
                                                     "through to this partition alone), \"emulated\" or \"denied\"")
        reset = 0
        if len(m) == 3:
            if policy != "emulated":
                raise ConfigError(file, keypath(key, 2), f"a reset value is for an emulated MSR; an {policy} "
                                                         "one has none")
            reset = check_int(m[2], file, keypath(key, 2))
        out.append(MsrRule(msr, policy, reset, key))
    return out
