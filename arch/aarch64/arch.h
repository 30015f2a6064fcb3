/* Declarations shared between the files of arch/aarch64 only. */
#ifndef ARCH_AARCH64_ARCH_H
#define ARCH_AARCH64_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include "frame.h"

/* firmware (PSCI over SMC, answered by QEMU or EL3 firmware) */
long firmware_smc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/* guest PSCI calls (HVC or trapped SMC) */
void psci_guest_call(struct frame *f);

/* fault injection into the guest at EL1 */
void inject_abort(struct frame *f, int is_data, uint64_t far, uint64_t esr);
void inject_undef(struct frame *f);

/* physical GICv3: the hypervisor's own SGI to kick another CPU */
#define SGI_KICK 0
void gic_init_boot(void);
void gic_init_cpu(void);
void gic_send_sgi(unsigned pcpu, unsigned intid);
unsigned gic_ack(void);             /* INTID, or >= 1020 when none pending */
void gic_eoi(unsigned intid);       /* priority drop only (EOImode 1) */
void gic_deactivate(unsigned intid);
void gic_deactivate_private(unsigned intid);    /* an SGI/PPI of this pCPU */
void gic_spi_route(unsigned intid, unsigned pcpu);
void gic_spi_enable(unsigned intid, bool on);

/* Handle every pending physical interrupt. guest: this pCPU's vCPU is
 * running (its interrupts are forwarded). Returns true if kicked. */
bool irq_dispatch(bool guest);

/* The physical console's receive side */
void console_rx_enable(void);
int console_rx_getc(void);          /* a received byte, or -1 */

#endif
