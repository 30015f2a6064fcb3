"""x86_64 model-specific registers a config names ([devices] msrs): which
ones a partition may own, have emulated or denied, and its MSR permission
map (AMD APM vol. 2, 15.11). Every MSR a config does not name is
intercepted: the hypervisor's own answer (svm_exit.c) or #GP."""

from .errors import ConfigError

# The MSR permission map: 8 KiB, two bits per MSR (even: RDMSR intercepted,
# odd: WRMSR), for three ranges of 8192 MSRs; the last 2 KiB are reserved.
MSRPM_BYTES = 2 * 4096
MSRPM_RANGES = ((0x0000_0000, 0x000), (0xC000_0000, 0x800), (0xC001_0000, 0x1000))
MSRPM_RANGE_MSRS = 0x2000

# MSRs the hypervisor keeps: (first, last, name, why).
HYPERVISOR_MSRS = (
    (0x10, 0x10, "TSC", "the hypervisor's clock (its timers and every partition's local APIC timer)"),
    (0x1B, 0x1B, "IA32_APIC_BASE", "each partition's local APIC is virtual (vlapic.c)"),
    (0x277, 0x277, "PAT", "the guest's PAT is its VMCB's G_PAT, which Tessera keeps"),
    (0x6E0, 0x6E0, "IA32_TSC_DEADLINE", "the virtual local APIC's TSC-deadline timer"),
    (0x800, 0x8FF, "x2APIC registers", "each partition's local APIC is virtual (vlapic.c)"),
    (0xC000_0080, 0xC000_0080, "EFER", "EFER.SVME must stay set under the guest and hidden from it"),
    (0xC000_0081, 0xC000_0084, "STAR/LSTAR/CSTAR/SFMASK", "every partition has them already (live in its CPU)"),
    (0xC000_0100, 0xC000_0102, "FS_BASE/GS_BASE/KERNEL_GS_BASE", "every partition has them already (live in "
                                                                  "its CPU)"),
    (0xC001_0114, 0xC001_0118, "SVM's VM_CR, IGNNE, SMM_CTL, VM_HSAVE_PA, SVM_KEY",
     "SVM is the hypervisor's (a guest that reached them could leave its partition)"),
)


def msrpm_offset(msr):
    """(byte, bit) of msr's read-intercept bit in the map, or None when the
    map has no bit for it (it is always intercepted)."""
    for first, byte in MSRPM_RANGES:
        if first <= msr < first + MSRPM_RANGE_MSRS:
            n = msr - first
            return byte + n // 4, 2 * (n % 4)
    return None


def check_msrs(vms, board):
    """Each partition's rules: on x86_64 only, each MSR once, none the
    hypervisor keeps, an owned one inside the map and owned by no other
    partition."""
    owners = {}
    for vm in vms:
        seen = {}
        for m in vm.msrs:
            key = vm.key(m.key)
            if board.arch != "x86_64":
                raise ConfigError(vm.file, key, f"model-specific registers are x86_64's; board {board.name} is "
                                                f"{board.arch}")
            if m.msr in seen:
                raise ConfigError(vm.file, key, f"MSR {m.msr:#x} is already named by {vm.key(seen[m.msr])}; "
                                                "give each MSR one policy")
            seen[m.msr] = m.key
            for first, last, name, why in HYPERVISOR_MSRS:
                if first <= m.msr <= last:
                    raise ConfigError(vm.file, key, f"MSR {m.msr:#x} ({name}) is the hypervisor's: {why}")
            if m.policy != "owned":
                continue
            if msrpm_offset(m.msr) is None:
                raise ConfigError(vm.file, key, f"MSR {m.msr:#x} cannot be owned: the MSR permission map covers "
                                                "0x0-0x1fff, 0xc0000000-0xc0001fff and 0xc0010000-0xc0011fff only; "
                                                "have it emulated or denied")
            if m.msr in owners and owners[m.msr][0] is not vm:
                other, other_key = owners[m.msr]
                raise ConfigError(vm.file, key, f"MSR {m.msr:#x} is also owned by vm {other.name!r} "
                                                f"({other.key(other_key)}); an MSR belongs to one partition")
            owners[m.msr] = (vm, m.key)


def msrpm_bitmap(rules):
    """The MSR permission map of a partition: both bits of each MSR it owns
    clear, every other bit set."""
    bitmap = bytearray(b"\xff" * MSRPM_BYTES)
    for m in rules:
        if m.policy == "owned":
            byte, bit = msrpm_offset(m.msr)
            bitmap[byte] &= ~(3 << bit) & 0xFF
    return bitmap
