/* The virtual PLIC every riscv64 partition has (vplic.c): its sources are
 * the interrupts the partition owns (struct vm_irq), its contexts one
 * supervisor context per vCPU, in vCPU order, signalled through hvip.VSEIP. */
#ifndef ARCH_RISCV64_VPLIC_H
#define ARCH_RISCV64_VPLIC_H

#include <stdbool.h>
#include <stdint.h>

/* Boot CPU, before any guest runs: which sources each partition owns. */
void vplic_init(void);
/* A guest access at byte offset off of its PLIC's registers. */
bool vplic_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);
/* An emulated device's interrupt line (level-triggered). */
void vplic_set_level(unsigned vm, unsigned irq, bool level);
/* A request on source irq: a doorbell's edge, or a hardware source the
 * physical PLIC gave us (held there until the guest completes it). */
void vplic_raise(unsigned vm, unsigned irq);
/* The partition starts again: its PLIC as out of reset; hardware sources
 * it held are let through again. */
void vplic_vm_reset(unsigned vm);
/* Does vCPU vcpu's context signal an interrupt (its hvip.VSEIP)? */
bool vplic_line(unsigned vcpu);

/* The port's side (plic.c): vCPU vcpu's line changed; make its hart's
 * hvip.VSEIP follow vplic_line(vcpu). */
void vplic_signal(unsigned vcpu);

#endif
