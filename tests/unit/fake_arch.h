/* The arch interface, implemented for the host: lets the tests play the part
 * of each physical CPU and observe what the core asks the hardware to do. */
#ifndef TESTS_UNIT_FAKE_ARCH_H
#define TESTS_UNIT_FAKE_ARCH_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

enum leave { STILL_HERE, ENTERED_GUEST, WOULD_WAIT, SYSTEM_OFF, SYSTEM_RESET, PCPU_OFF, RESUMED_GUEST };

extern unsigned fake_pcpu;              /* arch_pcpu_id() */
extern bool fake_failed;                /* arch_system_off(failed), arch_system_reset(failed) */
extern unsigned fake_kicks[4];          /* arch_kick() per pCPU */
extern char fake_console[4096];         /* what reached the physical UART */
extern unsigned fake_console_len;
/* The physical console's receive side: bytes "typed" (arch_console_getc
 * takes them in order) and its receive interrupt (arch_console_rx_irq). */
extern struct fake_rx { char typed[256]; unsigned len, next; bool irq_on; unsigned switches; } fake_rx;
extern struct fake_entry { uint64_t entry, arg; } fake_entered;
extern struct fake_edge { unsigned vm, intid, calls; } fake_edge;     /* arch_irq_edge() */
extern struct fake_restore { uint64_t hpa, size; unsigned vm_resets; } fake_restore;
extern struct fake_irq { unsigned vm, intid, calls; bool level; } fake_irq;   /* arch_irq_level() */

/* Run fn on pCPU pcpu; returns how the core left it (a _Noreturn core path
 * ends in one of the arch calls above, which jumps back here). */
enum leave on_pcpu(unsigned pcpu, void (*fn)(void));
void fake_reset(void);

/* Time partitioning (tests/unit/schedule/): the counter (1 MHz), the
 * hypervisor timer's deadline, the last vCPU saved and resumed (-1: none). */
extern uint64_t fake_counter, fake_timer_at;
extern int fake_saved, fake_resumed;
void fake_sched_reset(void);

#endif
