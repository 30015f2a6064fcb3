/* Declarations shared between the files of arch/x86_64 only. */
#ifndef ARCH_X86_64_ARCH_H
#define ARCH_X86_64_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include "board.h"
#include "frame.h"

/* --- boot.S --- */
/* The real-mode start-up code the APs run after INIT-SIPI-SIPI, copied
 * below 1 MiB (TRAMPOLINE_PA) before the first SIPI. */
extern const uint8_t trampoline_start[], trampoline_end[];
#define TRAMPOLINE_PA           0x8000u         /* SIPI vector 0x08 */
/* Interrupt entry stubs: { vector, address } pairs, ending with vector 0. */
struct idt_stub { uint64_t vector; void (*entry)(void); };
extern const struct idt_stub idt_stubs[];

/* What an interrupt or exception pushed, and the stub's saves (boot.S). */
struct irq_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct irq_frame) == FRAME_SIZE, "boot.S's stubs push FRAME_SIZE bytes");
void x86_interrupt(struct irq_frame *f);

/* --- cpu.c --- */
/* One stack per physical CPU; boot.S points rsp at its top. */
/* This pCPU's pending kick (set by the kick interrupt), taken and cleared. */
bool take_kick(void);
/* Wait about us microseconds (the TSC, calibrated at boot). */
void udelay(unsigned us);

/* The TSC's rate in kHz, as the boot CPU measured it. */
uint64_t x86_tsc_khz(void);
/* The TSC count tsc in ticks of a clock of hz. */
uint64_t x86_tsc_scaled(uint64_t tsc, uint32_t hz);

/* --- acpi_pm.c --- */
/* A read of the partition's ACPI PM registers at port: true and *value if
 * port is one of them. */
bool acpi_pm_read(uint16_t port, uint64_t *value);
/* A write of the partition's PM1_EN (16 bits) or PM1a_CNT (SLP_EN: the
 * partition powers off): true if port is one of them. */
bool acpi_pm_write(uint16_t port, uint64_t value);
/* A restart of partition vm: no events enabled. */
void acpi_pm_vm_reset(unsigned vm);

/* --- rtc.c --- */
/* The board's RTC read once at boot: the partitions' clocks start from it. */
void rtc_init(void);
/* An access of partition vm to its RTC's index (off 0) or data (off 1) port. */
bool rtc_access(unsigned vm, uint64_t off, bool write, uint64_t *value);
/* A restart of partition vm: its RTC's index and an unfinished SET. */
void rtc_vm_reset(unsigned vm);

/* --- svm.c --- */
void svm_init_cpu(void);

#endif
