"""Translation tables built as data, 4 KiB granule: VMSAv8-64 (aarch64),
Sv39 / Sv39x4 (riscv64) and x86-64 4-level paging (x86_64: the hypervisor's
CR3 and each partition's nested page table, nCR3).

Two regimes: the hypervisor's own (EL2 stage 1; HS-mode satp) and each
partition's second stage (stage 2; G-stage, hgatp). The tables live in one
array at a fixed host address the linker script enforces, so every
next-level pointer is known here and the hypervisor never writes a
descriptor. Both architectures walk 3 levels of 512 entries with 1 GiB,
2 MiB and 4 KiB leaves; only the descriptors differ, and riscv64's G-stage
root is 4 tables (2048 entries, 41-bit guest-physical addresses). x86-64
walks 4 levels: its root (a PML4) has one entry, pointing at the page
directory pointer table that is the pool's level 1 (the low 512 GiB).
"""

ENTRIES = 512
TABLE_SIZE = 0x1000
LEVEL_SHIFT = {1: 30, 2: 21, 3: 12}
# Every walk starts at level 1: 512 x 1 GiB. For stage 2 that is the 39-bit
# IPA space VTCR_EL2.T0SZ = 25 gives (arch/aarch64/vcpu.c).
IPA_BITS = 39

DESC_BLOCK, DESC_TABLE, DESC_PAGE = 0b01, 0b11, 0b11
AF = 1 << 10
SH_INNER = 0b11 << 8

# EL2 stage 1: MAIR_EL2 attribute indexes (arch/aarch64 sets MAIR_EL2 to match)
MAIR_IDX_DEVICE, MAIR_IDX_NORMAL = 0, 1
AP_RW, AP_RO = 0b00 << 6, 0b10 << 6      # AP[2:1], EL2 regime
XN_EL2 = 1 << 54

# Stage 2
S2_MEMATTR_DEVICE = 0b0001 << 2           # Device-nGnRE
S2_MEMATTR_NORMAL = 0b1111 << 2           # Normal, outer and inner write-back
S2AP_RO, S2AP_WO, S2AP_RW = 0b01 << 6, 0b10 << 6, 0b11 << 6
S2_XN = 0b10 << 53                        # XN[1:0]: not executable at EL1 or EL0


def el2_attrs(kind):
    """kind: 'text' (RX), 'rodata' (R), 'data' (RW), 'device' (RW, device)."""
    if kind == "device":
        return (MAIR_IDX_DEVICE << 2) | AP_RW | AF | XN_EL2
    attrs = (MAIR_IDX_NORMAL << 2) | SH_INNER | AF
    return attrs | {"text": AP_RO, "rodata": AP_RO | XN_EL2, "data": AP_RW | XN_EL2}[kind]


def s2_attrs(flags):
    from .model import MEM_DEVICE, MEM_EXEC, MEM_READ, MEM_WRITE
    attrs = AF
    attrs |= S2_MEMATTR_DEVICE if flags & MEM_DEVICE else (S2_MEMATTR_NORMAL | SH_INNER)
    attrs |= {MEM_READ: S2AP_RO, MEM_WRITE: S2AP_WO, MEM_READ | MEM_WRITE: S2AP_RW, 0: 0}[flags & 3]
    if not flags & MEM_EXEC or flags & MEM_DEVICE:
        attrs |= S2_XN
    return attrs


# --- riscv64: Sv39 (HS mode, satp) and Sv39x4 (G-stage, hgatp) ---------------

RV_V, RV_R, RV_W, RV_X, RV_U, RV_G, RV_A, RV_D = 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80
RV_PPN_SHIFT = 10                          # a PTE holds PA >> 12 from bit 10
GSTAGE_ROOT_TABLES = 4                     # Sv39x4: a 16 KiB, 16 KiB-aligned root


def rv_hyp_attrs(kind):
    """HS-mode leaf: 'text' (RX), 'rodata' (R), 'data' (RW), 'device' (RW).
    A and D set: the tables are read-only, nothing may update them."""
    rwx = {"text": RV_R | RV_X, "rodata": RV_R, "data": RV_R | RV_W, "device": RV_R | RV_W}[kind]
    return RV_V | rwx | RV_A | RV_D


def rv_gstage_attrs(flags):
    """G-stage leaf: the region's rights; every G-stage leaf is a U page
    (the guest's accesses are user accesses to it). Device memory is never
    executable. None: no rights at all, the range stays unmapped (an RWX of 0
    would be a pointer to a next-level table)."""
    from .model import MEM_DEVICE, MEM_EXEC, MEM_READ, MEM_WRITE
    rwx = (RV_R if flags & MEM_READ else 0) | (RV_W if flags & MEM_WRITE else 0)
    if flags & MEM_EXEC and not flags & MEM_DEVICE:
        rwx |= RV_X
    return RV_V | rwx | RV_U | RV_A | RV_D if rwx else None


# --- x86_64: 4-level paging (AMD64 APM vol. 2, 5.3), the same entries for CR3
# and for nested paging (nCR3, APM 15.25) ---------------------------------------

X86_P, X86_RW, X86_US, X86_PWT, X86_PCD, X86_A, X86_D, X86_PS = 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80
X86_NX = 1 << 63
# A table entry allows everything; the leaf decides. US: nested page table
# walks are user accesses (APM 15.25.5), so every level of an nCR3 table has it.
X86_TABLE = X86_P | X86_RW | X86_US | X86_A


def x86_hyp_attrs(kind):
    """The hypervisor's own leaf: 'text' (RX), 'rodata' (R), 'data' (RW),
    'device' (RW, uncached: PCD|PWT). A and D set: the tables are
    read-only, nothing may update them. Supervisor pages (no US)."""
    return X86_P | X86_A | X86_D | {"text": 0, "rodata": X86_NX, "data": X86_RW | X86_NX,
                                    "device": X86_RW | X86_PCD | X86_PWT | X86_NX}[kind]


def x86_npt_attrs(flags):
    """A nested-page-table leaf with the region's rights. x86 has no
    write-only or execute-only page: no READ means no mapping (None)."""
    from .model import MEM_DEVICE, MEM_EXEC, MEM_READ, MEM_WRITE
    if not flags & MEM_READ:
        return None
    attrs = X86_P | X86_US | X86_A | X86_D
    attrs |= X86_RW if flags & MEM_WRITE else 0
    attrs |= X86_PCD | X86_PWT if flags & MEM_DEVICE else 0
    return attrs | (X86_NX if not flags & MEM_EXEC or flags & MEM_DEVICE else 0)


class Aarch64Format:
    name = "aarch64"

    @staticmethod
    def leaf(pa, attrs, level):
        return pa | attrs | (DESC_PAGE if level == 3 else DESC_BLOCK)

    @staticmethod
    def table(addr):
        return addr | DESC_TABLE


class Riscv64Format:
    name = "riscv64"

    @staticmethod
    def leaf(pa, attrs, level):
        return (pa >> 12) << RV_PPN_SHIFT | attrs

    @staticmethod
    def table(addr):
        return (addr >> 12) << RV_PPN_SHIFT | RV_V


class X86_64Format:
    name = "x86_64"

    @staticmethod
    def leaf(pa, attrs, level):
        # levels 1 and 2 (1 GiB, 2 MiB) are large pages: PS
        return pa | attrs | (X86_PS if level < 3 else 0)

    @staticmethod
    def table(addr):
        return addr | X86_TABLE


FORMATS = {"aarch64": Aarch64Format, "riscv64": Riscv64Format, "x86_64": X86_64Format}


class TablePool:
    """All tables of the image, in one array placed at base."""

    def __init__(self, base, max_tables, fmt=Aarch64Format):
        self.base = base
        self.max_tables = max_tables
        self.fmt = fmt
        self.tables = []
        self.notes = []              # one comment per table, for the C file
        self.children = {}           # (table, index) -> the next-level table there
        self.root_tables = {}        # root table -> how many tables it spans

    def new(self, note, tables=1):
        """A new table (or a root of several, aligned to their total size)."""
        while len(self.tables) % tables:
            self.tables.append([0] * ENTRIES)
            self.notes.append("(unused: aligns the next root)")
        if len(self.tables) + tables > self.max_tables:
            raise OverflowError(f"more than {self.max_tables} translation tables needed")
        first = len(self.tables)
        for i in range(tables):
            self.tables.append([0] * ENTRIES)
            self.notes.append(note if i == 0 else f"{note}, part {i + 1} of {tables}")
        self.root_tables[first] = tables
        return first

    def new_pml4(self, note):
        """x86_64: a PML4 whose entry 0 points at a new level-1 table (a
        PDPT); returns (PML4 index, PDPT index). Map into the PDPT."""
        pml4 = self.new(f"{note}, PML4")
        pdpt = self.new(f"{note}, PDPT (the low 512 GiB)")
        self.tables[pml4][0] = self.fmt.table(self.addr(pdpt))
        return pml4, pdpt

    def addr(self, index):
        return self.base + index * TABLE_SIZE

    def map(self, root, va, pa, size, attrs, note, level=1):
        """Map [va, va+size) to pa with the largest blocks alignment allows.
        Level 1 and 2 blocks, level 3 pages."""
        end = va + size
        span = self.root_tables.get(root, 1) if level == 1 else 1
        if level == 1 and end > (ENTRIES * span) << LEVEL_SHIFT[1]:
            raise AssertionError(f"{va:#x}-{end:#x} is beyond what a level-1 table maps")
        while va < end:
            shift = LEVEL_SHIFT[level]
            block = 1 << shift
            idx = (va >> shift) & (ENTRIES * span - 1)
            tno, slot = root + idx // ENTRIES, idx % ENTRIES
            table = self.tables[tno]
            chunk = min(end, (va | (block - 1)) + 1) - va
            if level == 3 or (chunk == block and pa % block == 0):
                assert table[slot] == 0, f"{va:#x} mapped twice"
                table[slot] = self.fmt.leaf(pa, attrs, level)
            else:
                if table[slot] == 0:
                    child = self.new(f"level {level + 1} table for {note}")
                    table[slot] = self.fmt.table(self.addr(child))
                    self.children[(tno, slot)] = child
                assert (tno, slot) in self.children, f"{va:#x} mapped twice"
                self.map(self.children[(tno, slot)], va, pa, chunk, attrs, note, level + 1)
            va += chunk
            pa += chunk
