"""Translation tables built as data (VMSAv8-64, 4 KiB granule).

Two regimes: the hypervisor's own EL2 stage 1 and each partition's stage 2.
The tables live in one array at a fixed host address the linker script
enforces, so every next-level pointer is known here and the hypervisor never
writes a descriptor.
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


class TablePool:
    """All tables of the image, in one array placed at base."""

    def __init__(self, base, max_tables):
        self.base = base
        self.max_tables = max_tables
        self.tables = []
        self.notes = []              # one comment per table, for the C file

    def new(self, note):
        if len(self.tables) == self.max_tables:
            raise OverflowError(f"more than {self.max_tables} translation tables needed")
        self.tables.append([0] * ENTRIES)
        self.notes.append(note)
        return len(self.tables) - 1

    def addr(self, index):
        return self.base + index * TABLE_SIZE

    def map(self, root, va, pa, size, attrs, note, level=1):
        """Map [va, va+size) to pa with the largest blocks alignment allows.
        Level 1 and 2 blocks, level 3 pages."""
        end = va + size
        if level == 1 and end > ENTRIES << LEVEL_SHIFT[1]:
            raise AssertionError(f"{va:#x}-{end:#x} is beyond what a level-1 table maps")
        while va < end:
            shift = LEVEL_SHIFT[level]
            block = 1 << shift
            idx = (va >> shift) & (ENTRIES - 1)
            table = self.tables[root]
            chunk = min(end, (va | (block - 1)) + 1) - va
            if level == 3 or (chunk == block and pa % block == 0):
                assert table[idx] == 0, f"{va:#x} mapped twice"
                table[idx] = pa | attrs | (DESC_PAGE if level == 3 else DESC_BLOCK)
            else:
                if table[idx] == 0:
                    child = self.new(f"level {level + 1} table for {note}")
                    table[idx] = self.addr(child) | DESC_TABLE
                child = (table[idx] & ~0xFFF & ((1 << 48) - 1)) - self.base
                self.map(child // TABLE_SIZE, va, pa, chunk, attrs, note, level + 1)
            va += chunk
            pa += chunk
