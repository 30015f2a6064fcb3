/* The I/O APIC (82093AA datasheet; Intel and AMD's I/O APICs are the same
 * register model): its registers by the datasheet's names, the
 * partition's virtual one (vioapic.c) and the physical one (ioapic.c). */
#ifndef ARCH_X86_64_VIOAPIC_H
#define ARCH_X86_64_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_PINS             24u             /* the 82093AA's, and QEMU's */
#define IOAPIC_GPA              0xfec00000u     /* a PC's: the guest's and the board's */
/* Two registers in its page: the index (IOREGSEL) and the window (IOWIN). */
#define IOAPIC_IOREGSEL         0x00u
#define IOAPIC_IOWIN            0x10u
/* The registers behind IOWIN, by index. */
#define IOAPIC_ID               0x00u           /* bits 27:24 */
#define IOAPIC_VER              0x01u
#define IOAPIC_ARB              0x02u           /* bits 27:24, read-only */
#define IOAPIC_REDTBL           0x10u           /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define IOAPIC_VER_VALUE        ((IOAPIC_PINS - 1u) << 16 | 0x11u)      /* max entry, version 0x11 */

/* A redirection table entry (IOREDTBL), as 64 bits. */
#define IOREDTBL_VECTOR         0xffull
#define IOREDTBL_DELMOD         (7ull << 8)     /* fixed, lowest priority, SMI, NMI, INIT, ExtINT */
#define IOREDTBL_DESTMOD        (1ull << 11)    /* logical */
#define IOREDTBL_DELIVS         (1ull << 12)    /* delivery status, read-only */
#define IOREDTBL_INTPOL         (1ull << 13)    /* active low */
#define IOREDTBL_REMOTE_IRR     (1ull << 14)    /* level: accepted, no EOI yet; read-only */
#define IOREDTBL_TRIGGER_LEVEL  (1ull << 15)
#define IOREDTBL_MASK           (1ull << 16)
#define IOREDTBL_DEST_SHIFT     56
/* What software writes: all but delivery status and remote IRR. */
#define IOREDTBL_WRITABLE       (0xff00000000000000ull | IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL | \
				 IOREDTBL_INTPOL | IOREDTBL_DESTMOD | IOREDTBL_DELMOD | IOREDTBL_VECTOR)

/* --- vioapic.c: each partition's, at IOAPIC_GPA ----------------------- */

/* Every partition's out of reset (all pins masked), and one again. */
void vioapic_init(void);
void vioapic_vm_reset(unsigned vm);
/* An access of partition vm at off into its page (32-bit, IOREGSEL/IOWIN). */
bool vioapic_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);
/* The line of pin `pin` of partition vm: an emulated device's level, an
 * edge (a doorbell), or a physical device's interrupt (ioapic.c; the
 * physical pin stays masked, if level, until the guest's EOI). */
void vioapic_set_level(unsigned vm, unsigned pin, bool level);
void vioapic_edge(unsigned vm, unsigned pin);
void vioapic_hw_irq(unsigned vm, unsigned pin);

/* --- ioapic.c: the board's, which the hypervisor drives --------------- */

/* A physical pin of partition vm's: programmed as its guest's entry says
 * (mask, trigger mode), to the host vector of the pin on the pCPU of the
 * vCPU its destination names; masked as well while a level interrupt
 * waits for the guest's EOI (busy). */
void ioapic_mirror(unsigned vm, unsigned pin, uint64_t entry, bool busy);
/* Boot: every pin masked, the console's routed to its pCPU. */
void ioapic_init(void);
/* A host vector of a pin (x86_interrupt): true if it was one. */
bool ioapic_interrupt(unsigned vector);

#endif
