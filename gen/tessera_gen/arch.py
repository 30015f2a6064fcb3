"""What the generator needs to know of each architecture Tessera runs on
(board.toml `arch`): how its CPUs are named, how wide a partition's
guest-physical space is, how the linker calls it."""

from types import SimpleNamespace

ARCH = {
    "aarch64": SimpleNamespace(
        cpu_id="mpidr",            # what the log and reports call a CPU's id
        cpu_id_long="virtual MPIDR",
        cpu_on="CPU_ON",           # the guest's call that starts a vCPU
        ld_arch="aarch64",         # OUTPUT_ARCH of the linker script
        ipa_bits=39,               # stage 2 starts at level 1 (VTCR_EL2.T0SZ = 25)
    ),
    "riscv64": SimpleNamespace(
        cpu_id="hart",
        cpu_id_long="hart id",
        cpu_on="hart_start",
        ld_arch="riscv",
        ipa_bits=41,               # G-stage Sv39x4: a 16 KiB root of 2048 entries
    ),
    "x86_64": SimpleNamespace(
        cpu_id="apic",
        cpu_id_long="virtual local APIC id",
        cpu_on="INIT-SIPI",
        ld_arch="i386:x86-64",
        ipa_bits=39,               # nested paging: PML4 entry 0 only, the low 512 GiB
    ),
}


def info(board):
    return ARCH[board.arch]
