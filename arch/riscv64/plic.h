/* The PLIC's register map (RISC-V PLIC specification 1.0.0), shared by the
 * physical PLIC's driver (plic.c) and the virtual PLIC (vplic.c). */
#ifndef ARCH_RISCV64_PLIC_H
#define ARCH_RISCV64_PLIC_H

#include <stdint.h>

#define PLIC_PRIORITY           0x000000u       /* 4 bytes per source */
#define PLIC_PENDING            0x001000u       /* 1 bit per source */
#define PLIC_ENABLE             0x002000u       /* per context: 1 bit per source */
#define PLIC_ENABLE_STRIDE      0x80u
#define PLIC_CONTEXT            0x200000u       /* per context: ... */
#define PLIC_CONTEXT_STRIDE     0x1000u
#define PLIC_THRESHOLD          0x0u            /* ... its priority threshold */
#define PLIC_CLAIM              0x4u            /* ... claim (read), complete (write) */

/* The bit arrays (pending, enables) in 32-bit words. */
#define PLIC_WORDS              (TESSERA_PLIC_SOURCES / 32)

/* --- the physical PLIC (plic.c) --- */
/* Boot CPU: priorities of the sources the hypervisor takes (its console's,
 * and every passthrough device's, routed to the hart of its partition's
 * vCPU 0). Each CPU: its supervisor context's threshold and enables. */
void plic_init_boot(void);
void plic_init_cpu(void);
/* A supervisor external interrupt on this hart: claim and handle each. */
void plic_dispatch(void);
/* The partition has handled hardware source irq (its guest completed it at
 * the virtual PLIC): let the device's next request through. */
void plic_complete(unsigned irq);

#endif
