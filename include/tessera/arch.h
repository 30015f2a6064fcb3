/*
 * The one interface between the arch-neutral core (src/) and an architecture
 * (arch/<arch>/). A new architecture implements the arch_* functions below and
 * calls the core's entry points declared in core.h from its trap handlers.
 */
#ifndef TESSERA_ARCH_H
#define TESSERA_ARCH_H

#include <stdint.h>
#include <stdbool.h>
#include "tables.h"

/* --- CPUs ------------------------------------------------------------- */

/* Index of the physical CPU running this code (into tessera_pcpus[]).
 * Every trap asks for it, so each arch defines it inline in its pcpu.h;
 * the host unit tests' fake arch, as a function. */
#if defined(CONFIG_ARCH_AARCH64)
#include <aarch64/pcpu.h>
#elif defined(CONFIG_ARCH_RISCV64)
#include <riscv64/pcpu.h>
#elif defined(CONFIG_ARCH_X86_64)
#include <x86_64/pcpu.h>
#else
unsigned arch_pcpu_id(void);
#endif

/* Ask the firmware to power on physical CPU pcpu; it enters the core at
 * core_cpu_main(pcpu). Returns false if the firmware refused. */
bool arch_pcpu_start(unsigned pcpu);

/* Power off this physical CPU for good (firmware call). */
_Noreturn void arch_pcpu_off(void);

/* Power the whole machine off, or reset it (firmware calls). failed: the
 * run failed (src/health.c decides): first say so through the board's exit
 * device, if it has one; under QEMU that ends QEMU with status 1 (see
 * docs/testing.md, "Exit status"). */
_Noreturn void arch_system_off(bool failed);
_Noreturn void arch_system_reset(bool failed);

/* Interrupt physical CPU pcpu: wakes it from arch_wait() or makes it leave
 * its guest and call core_kicked(). */
void arch_kick(unsigned pcpu);

/* Idle until kicked (a low-power wait, never a bare spin). */
void arch_wait(void);

/* --- vCPUs ------------------------------------------------------------ */

/* Reset the guest-visible CPU state of this pCPU's vCPU and enter the guest
 * at entry with arg as the first argument register. Never returns: the next
 * trap from the guest arrives in the arch's trap handler. */
_Noreturn void arch_vcpu_enter(const struct vm_config *vm,
			       const struct vcpu_config *vcpu,
			       uint64_t entry, uint64_t arg);

/* --- vCPU switching (time partitioning; aarch64, riscv64, x86_64) -----
 * Only a pCPU shared by a cyclic schedule (TESSERA_SCHEDULED builds) uses
 * these; src/schedule.c decides when, at window boundaries only. vcpu is
 * an index into tessera_vcpus[]. */

/* The vCPU running on this pCPU trapped to the hypervisor with an
 * interrupt and leaves its window: keep every part of its guest state
 * (general and system registers of the guest's exception level, FP/SIMD,
 * virtual interrupt controller, guest timers, stage-2 root) and leave the
 * pCPU with none of it (its timers silenced, the CPU interface off). */
void arch_vcpu_save(unsigned vcpu);

/* Load what arch_vcpu_save kept of vcpu, deliver the interrupts that
 * became pending for it meanwhile, and resume it in the guest. */
_Noreturn void arch_vcpu_resume(unsigned vcpu);

/* Call fn on this pCPU's stack emptied (what ran before is abandoned). */
_Noreturn void arch_restart_on_empty_stack(void (*fn)(void));

/* The system counter: its value and its frequency in Hz; and this pCPU's
 * hypervisor timer (as arch_timer_start) set to the counter value `at`. */
uint64_t arch_counter(void);
uint64_t arch_counter_hz(void);
void arch_timer_at(uint64_t at);

/* --- Emulated devices and interrupts ---------------------------------- */

/* An access to an emulated device of the architecture's kinds
 * (kind >= EMU_ARCH_FIRST), at byte offset off into it. */
bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value);

/* The level of the interrupt line irq (an interrupt the partition owns,
 * struct vm_irq) that an emulated device of partition vm drives. */
void arch_irq_level(unsigned vm, unsigned irq, bool level);

/* An edge on the interrupt irq of partition vm (a doorbell). */
void arch_irq_edge(unsigned vm, unsigned irq);

/* --- Partition restart -------------------------------------------------- */

/* Host memory [hpa, hpa+size) of a partition was rewritten (its image put
 * back): make it what the guest's instruction fetches will see. */
void arch_guest_memory_written(uint64_t hpa, uint64_t size);

/* Partition vm starts again: forget its interrupt controller state. */
void arch_vm_reset(unsigned vm);

/* This pCPU's one-shot hypervisor timer: core_timer_expired() is called on
 * it after `ms` (from interrupt dispatch), unless stopped first. Armed only
 * by src/main.c: the boot CPU's start deadline, then run_time_ms. */
void arch_timer_start(unsigned ms);
void arch_timer_stop(void);

/* --- Console and locks ------------------------------------------------ */

void arch_console_putc(char c);
/* Its receive side: a received byte or -1; its receive interrupt on or
 * off (off while the partition with the input focus has no room for what
 * was typed: src/console.c). */
int arch_console_getc(void);
void arch_console_rx_irq(bool on);

typedef struct { volatile uint32_t locked; } spinlock_t;
void arch_spin_lock(spinlock_t *lock);
void arch_spin_unlock(spinlock_t *lock);

/* Per-CPU and boot-time set-up, called by the core once on each CPU. */
void arch_init_boot_cpu(void);   /* interrupt controller, ... (boot CPU only) */
void arch_init_cpu(void);        /* this CPU's part */

#endif
