/* The virtual GICv3 of each partition (arch/aarch64 internal). */
#ifndef ARCH_AARCH64_VGIC_H
#define ARCH_AARCH64_VGIC_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/tables.h>

#include "gic.h"

void vgic_init(void);                           /* boot CPU, before any guest runs */
void vgic_regs_init(void);                      /* its register state part */
void vgic_vm_reset(unsigned vm);                /* a partition restarts */
void vgic_vcpu_reset(void);                     /* this pCPU's vCPU is about to start */
void vgic_flush(void);                          /* before returning to the guest */
void vgic_inject_hw(unsigned intid);            /* a physical interrupt for this pCPU's vCPU */
void vgic_inject_spi(unsigned intid);           /* a device's, on a shared pCPU: for its owner */
void vgic_sgi(uint64_t icc_sgi1r);              /* the guest wrote ICC_SGI1R_EL1 */
bool vgic_dist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);
bool vgic_redist_access(unsigned vm, uint64_t off, unsigned size, bool write, uint64_t *value);

#endif
