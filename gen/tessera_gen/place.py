"""place: pin every vCPU to one physical CPU, give every partition a VMID and
host-physical memory, and put its images at their final addresses."""

from bisect import bisect_left

from .errors import ConfigError
from .model import MAP_IDENTICAL, PAGE, Image, MemRegion
from .schema import keypath
from .x86_linux import X86_LINUX_BOOT_GPA
from .validate import overlaps, region_of, rng

BLOCK = 0x200000        # 2 MiB: keep guest and host offsets congruent for block mappings


def place_cpus(vms, board, shared=frozenset()):
    """Static pinning as a bipartite matching: every vCPU gets exactly one CPU
    from its set, no CPU gets two vCPUs. The CPUs in shared run the vCPUs
    their schedules name (pinned already, schedule.py) and no others. Deterministic: vCPUs are taken in
    config order and each tries its CPUs from the lowest; a vCPU whose CPUs
    are all taken takes one over from an earlier vCPU that has another
    choice (augmenting path)."""
    owner = {}                                   # pcpu -> (vm, vcpu)
    ncpu = len(board.cpus)

    def cpus_of(v):
        return [p for p in range(ncpu) if v.cpu_set >> p & 1 and p not in shared]

    def try_assign(vm, v, visited, why):
        # A free CPU first (lowest), then one whose vCPU can move elsewhere.
        cpus = sorted(cpus_of(v), key=lambda p: p in owner)
        for p in cpus:
            if p in visited:
                continue
            visited.add(p)
            if p not in owner or try_assign(*owner[p], visited,
                                            f"moved to make room for vm {vm.name!r} vcpu {v.index}"):
                owner[p] = (vm, v)
                v.pcpu = p
                v.why = why if len(cpus) > 1 else "only CPU in its set"
                return True
        return False

    for vm in vms:
        for v in vm.vcpus:
            if v.pcpu is not None:              # a shared CPU's member
                continue
            if not try_assign(vm, v, set(), f"lowest free CPU of set {v.cpu_set:#x}"):
                key = vm.key(keypath("base.phys_cpu_sets", v.index))
                cpus = cpus_of(v)
                if len(cpus) == 1:
                    o_vm, o_v = owner[cpus[0]]
                    raise ConfigError(vm.file, key,
                                      f"physical CPU {cpus[0]} is owned twice: by vm {o_vm.name!r} vcpu {o_v.index} "
                                      f"and vm {vm.name!r} vcpu {v.index}; give each vCPU its own CPU")
                raise ConfigError(vm.file, key,
                                  f"vCPU {v.index} cannot be pinned: every CPU in its set {v.cpu_set:#x} is taken "
                                  "by other vCPUs; widen the set or free a CPU")


def place_memory(vms, board):
    """Host addresses for map_type 0 regions: the lowest free RAM, with
    hpa = gpa (mod 2 MiB) so that stage 2 can use 2 MiB blocks."""
    used = [(board.hyp_base, board.hyp_size)] + [(b, s) for b, s, _ in board.reserved]
    for vm in vms:
        for r in vm.regions:
            if r.map_type == MAP_IDENTICAL:
                r.hpa = r.gpa
                used.append((r.gpa, r.size))
    for vm in vms:
        for r in vm.regions:
            if r.hpa is None:
                r.hpa = find_free(board, used, r)
                if r.hpa is None:
                    raise ConfigError(vm.file, vm.key(r.key),
                                      f"{r.size:#x} bytes do not fit in the free RAM of board {board.name}; "
                                      "shrink the partitions' memory")
                used.append((r.hpa, r.size))
    for i, vm in enumerate(vms):
        vm.vmid = i + 1
        for img in (vm.kernel, vm.ramdisk):
            if img is not None:
                img.hpa = gpa_to_hpa(vm, img.gpa)
    return used


def place_copies(vms, board, used):
    """A partition that restarts needs its images as they were at boot: a
    copy of each (kernel, ramdisk, device tree) in RAM no partition maps."""
    for vm in vms:
        if not vm.restart:
            continue
        for img in (vm.kernel, vm.ramdisk, vm.dtb):
            if img is None:
                continue
            size = (img.size + PAGE - 1) // PAGE * PAGE
            probe = MemRegion(0, size, 0, 0, "")
            hpa = find_free(board, used, probe)
            if hpa is None:
                raise ConfigError(vm.file, vm.key("base.restart"),
                                  f"no room in RAM for the pristine copy of its {img.what} ({size:#x} bytes) "
                                  "that a restart needs; shrink the partitions' memory or turn restart off")
            used.append((hpa, size))
            vm.copies.append((img, hpa))


def find_free(board, used, r):
    """The lowest address in RAM, congruent to r.gpa modulo the alignment,
    where r.size bytes overlap nothing in used. Each step jumps past every
    used range that starts below the candidate's end, found by bisection
    (a scan of used per step made many small regions take minutes)."""
    align = BLOCK if r.size >= BLOCK else PAGE
    spans = sorted(used)
    starts = [b for b, _ in spans]
    reach, top = [], None           # reach[k]: the highest end among spans[:k + 1]
    for b, s in spans:
        top = b + s if top is None else max(top, b + s)
        reach.append(top)
    for base, size in board.ram:
        addr = base
        while addr + r.size <= base + size:
            cand = addr - addr % align + r.gpa % align
            if cand < addr:
                cand += align
            if cand + r.size > base + size:
                break
            k = bisect_left(starts, cand + r.size)     # spans[:k] start below the candidate's end
            if k == 0 or reach[k - 1] <= cand:
                return cand
            addr = reach[k - 1]
    return None


def gpa_to_hpa(vm, gpa):
    for r in vm.regions:
        if r.gpa <= gpa < r.gpa_end:
            return r.hpa + (gpa - r.gpa)
    raise AssertionError(f"{gpa:#x} not mapped")


MIB = 0x100000
X86_MBI_GPA = 0x9000

ARM64_MAGIC = b"ARM\x64"        # at offset 56 of an arm64 Image header


def kernel_span(img):
    """How many bytes QEMU takes the kernel to cover from its first byte: an
    arm64 Image header's image_size (the whole footprint, .bss included),
    or the file's size for a raw binary or a header whose image_size is 0
    (QEMU's load_aarch64_image)."""
    with open(img.path, "rb") as f:
        head = f.read(64)
    if len(head) > 60 and head[56:60] == ARM64_MAGIC:
        image_size = int.from_bytes(head[16:24], "little")
        if image_size:
            return image_size
    return img.size


def qemu_dtb_addr(vm, region):
    """Where plain QEMU (hw/arm/boot.c, direct kernel boot on AArch64) puts
    the device tree for this kernel, ramdisk size and RAM, RAM being the
    kernel's memory region: the initrd at RAM base + min(RAM / 2, 128 MiB),
    or at the kernel's end if that is higher, page-aligned; the device tree
    at the initrd's end (no ramdisk: its start) rounded up to 2 MiB."""
    initrd = max(region.gpa + min(region.size // 2, 128 * MIB), vm.kernel.gpa + kernel_span(vm.kernel))
    initrd = (initrd + PAGE - 1) // PAGE * PAGE
    end = initrd + (vm.ramdisk.size if vm.ramdisk else 0)
    return (end + 2 * MIB - 1) // (2 * MIB) * (2 * MIB), initrd


def qemu_riscv_dtb_addr(region):
    """Where plain QEMU (hw/riscv/boot.c, riscv_load_fdt) puts the device
    tree for this RAM, RAM being the kernel's memory region: its end, or 3
    GiB if that is lower, minus the tree, rounded down to 2 MiB."""
    top = min(region.gpa_end, 3072 * MIB) if region.gpa < 3072 * MIB else region.gpa_end
    return top, lambda size: (top - size) // (2 * MIB) * (2 * MIB)


def place_dtb(vm, dtb_size, arch="aarch64"):
    """The guest device tree goes where dtb_load_addr says, or else where
    plain QEMU would put it (qemu_dtb_addr): above the kernel and the
    ramdisk, never in the RAM below or around the image."""
    size = (dtb_size + PAGE - 1) // PAGE * PAGE
    images = [i for i in (vm.kernel, vm.ramdisk) if i]
    if vm.dtb_load_addr is not None:
        gpa = vm.dtb_load_addr
        key = vm.key("kernel.dtb_load_addr")
        if gpa % 8 or region_of(vm, gpa, size) is None:
            raise ConfigError(vm.file, key, f"{gpa:#x}: the device tree ({size:#x} bytes) does not fit in a "
                                            "memory region there (it also needs 8-byte alignment)")
        how = "dtb_load_addr"
    else:
        key = vm.key("kernel")
        fix = f"set {vm.key('kernel.dtb_load_addr')}"
        region = region_of(vm, vm.kernel.gpa, vm.kernel.size)
        if arch == "x86_64":
            # A bzImage's boot data (x86_linux.py) goes below 1 MiB, which
            # Linux keeps for itself once it has copied what it needs; a
            # multiboot information block where QEMU's multiboot loader puts
            # its own: in real-mode memory, at ADDR_MBI 0x9500 (here its page).
            gpa, what, whose, how = ((X86_LINUX_BOOT_GPA, "the Linux boot data's place", "",
                                      "Linux boot data: zero page, command line, GDT, ACPI tables, page tables")
                                     if vm.linux else
                                     (X86_MBI_GPA, "the multiboot information's default place", " (QEMU's)",
                                      "where QEMU's multiboot loader puts it"))
            if region_of(vm, gpa, size) is None:
                raise ConfigError(vm.file, key, f"{what}, {rng(gpa, size)}{whose}, is in no memory region; "
                                                f"map guest RAM from 0x0 or {fix}")
            vm.dtb = Image("dtb", None, gpa, dtb_size, key, gpa_to_hpa(vm, gpa))
            vm.dtb_how = how
            return
        if arch == "riscv64":
            top, below = qemu_riscv_dtb_addr(region)
            gpa = below(size)
            for i in images:
                if overlaps(gpa, size, i.gpa, i.size) or gpa < region.gpa:
                    raise ConfigError(vm.file, key, f"the device tree's default place, {rng(gpa, size)} (QEMU's: "
                                                    f"the last 2 MiB below {top:#x}), overlaps the {i.what} image at "
                                                    f"{rng(i.gpa, i.size)}; {fix}")
            vm.dtb = Image("dtb", None, gpa, dtb_size, key, gpa_to_hpa(vm, gpa))
            vm.dtb_how = "where QEMU puts it"
            return
        gpa, initrd = qemu_dtb_addr(vm, region)
        if gpa + size > region.gpa_end:
            raise ConfigError(vm.file, key, f"the device tree's default place, {rng(gpa, size)} (QEMU's: after "
                                            f"the initrd slot at {initrd:#x}), is past the end of the kernel's "
                                            f"memory region {rng(region.gpa, region.size)}; {fix}")
        for i in images:
            if overlaps(gpa, size, i.gpa, i.size):
                if i.what == "ramdisk":
                    fix = f"load the ramdisk at {initrd:#x} as QEMU does, or {fix}"
                raise ConfigError(vm.file, key, f"the device tree's default place, {rng(gpa, size)} (QEMU's: after "
                                                f"the initrd slot at {initrd:#x}), overlaps the {i.what} image at "
                                                f"{rng(i.gpa, i.size)}; {fix}")
        how = "where QEMU puts it"
    for i in images:
        if overlaps(gpa, size, i.gpa, i.size):
            raise ConfigError(vm.file, key, f"the device tree at {rng(gpa, size)} overlaps the {i.what} image")
    vm.dtb = Image("dtb", None, gpa, dtb_size, key, gpa_to_hpa(vm, gpa))
    vm.dtb_how = how


def place_devices(vms):
    """Decide, page by page, how each partition reaches its passthrough
    devices. Whole pages are mapped by stage 2. A device smaller than a page
    (a virtio-mmio transport: eight share a page) is mapped too when the
    partition's own devices fill its host page, at the same guest offsets;
    otherwise its page is shared with devices the partition does not own,
    stage 2 leaves it unmapped and the core forwards each access inside the
    device's own range to the device (an emulated device of kind EMU_FORWARD)."""
    for vm in vms:
        vm.device_maps, vm.forwarded = [], []
        small = {}
        for p in vm.passthrough:
            if p.whole_pages:
                vm.device_maps.append((p.gpa, p.hpa, p.size, f"{vm.key(p.key)}: passthrough device {p.name}"))
            else:
                small.setdefault(p.hpa - p.hpa % PAGE, []).append(p)
        for page, devs in sorted(small.items()):
            covered = sum(p.size for p in devs)          # validate: no two overlap
            deltas = {p.gpa - p.hpa for p in devs}
            inside = all(p.hpa % PAGE + p.size <= PAGE for p in devs)
            if inside and covered == PAGE and len(deltas) == 1:
                names = ", ".join(p.name for p in devs)
                vm.device_maps.append((page + deltas.pop(), page, PAGE,
                                       f"passthrough devices {names}: the partition owns their whole page"))
            else:
                for p in devs:
                    p.forward = True
                    vm.forwarded.append(p)
