/* Declarations shared between the files of arch/aarch64 only. */
#ifndef ARCH_AARCH64_ARCH_H
#define ARCH_AARCH64_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include "board.h"
#include "frame.h"
#include "gic.h"

/* firmware (PSCI over SMC, answered by QEMU or EL3 firmware) */
long firmware_smc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/* A guest's PSCI call (HVC or trapped SMC; Tessera's own: tessera_hypercall,
 * core.h), its function id and arguments in f->x[0..3]: the result for x0.
 * Reads nothing else of f (arch_trap_call's frame has only x0-x19, x30). */
long psci_guest_call(const struct frame *f);

/* A vCPU starts on a shared pCPU: clear what another left (switch.c). */
void switch_vcpu_entering(unsigned vcpu);

/* fault injection into the guest at EL1 */
void inject_abort(struct frame *f, int is_data, uint64_t far, uint64_t esr);
void inject_undef(struct frame *f);


/* Handle every pending physical interrupt. guest: this pCPU's vCPU is
 * running (its interrupts are forwarded). Returns true if kicked. */
bool irq_dispatch(bool guest);

/* The board's exit device (exit.c): report a failed run, before the
 * machine powers off or resets with PSCI function psci_then. Returns if
 * the board has none. exit_fault: an exception at EL2 on this CPU; if it
 * hit the exit device's bus (a machine without it there), make the PSCI
 * call instead of returning. */
void exit_report_failure(uint32_t psci_then);
void exit_fault(void);

/* The physical console's receive side */

#endif
