/* The board as arch/x86_64 needs it at run time: its console's I/O ports and
 * its local APIC timer's clock, from boards/NAME/board.dts; the generator
 * emits tessera_board (gen/templates/x86_64/board.c.j2). The core never
 * looks at it. */
#ifndef ARCH_X86_64_BOARD_H
#define ARCH_X86_64_BOARD_H

#include <stdint.h>
#include <tessera/tables.h>

/* A partition's I/O ports, as the core's emulated devices see them: a
 * guest-physical window above anything nested paging maps (39 bits), so an
 * emulated 16550 on ports is an emu_device like any other and the core's
 * console (src/vuart_ns16550.c) serves it unchanged. */
#define X86_IO_PORT_SPACE       (1ull << 40)
#define X86_IO_PORT(port)       (X86_IO_PORT_SPACE + (port))

/* The architecture's emulated-device kinds (struct emu_device.kind), from
 * EMU_ARCH_FIRST on: the partition's local APICs (arch/x86_64/vlapic.c),
 * at their architectural address. */
enum x86_emu_kind {
	EMU_VLAPIC = EMU_ARCH_FIRST,
	EMU_VIOAPIC,            /* its I/O APIC (arch/x86_64/vioapic.c) */
	EMU_RTC,                /* its MC146818 RTC at ports 0x70-0x71 (arch/x86_64/rtc.c) */
};
#define X86_LAPIC_GPA           0xfee00000u
#define X86_IOAPIC_GPA          0xfec00000u

/* I/O permission maps (AMD APM 15.10.1): 12 KiB, a bit per port (set:
 * intercepted). A partition owning ports has its own, generated; the others
 * share x86_iopm_deny_all (svm.c). */
#define X86_IOPM_SIZE           (3 * 4096)
#define X86_FF8                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define X86_IOPM_DENY_ROW       X86_FF8, X86_FF8, X86_FF8, X86_FF8, X86_FF8, X86_FF8, X86_FF8, X86_FF8
extern const uint8_t x86_iopm_deny_all[X86_IOPM_SIZE];
extern const uint8_t *const tessera_x86_iopm[TESSERA_NR_VMS];

/* MSR permission maps (AMD APM 15.11): 8 KiB, two bits per MSR (RDMSR,
 * WRMSR; set: intercepted). A partition owning MSRs has its own,
 * generated; the others share x86_msrpm_deny_all (svm.c). */
#define X86_MSRPM_SIZE          (2 * 4096)
extern const uint8_t x86_msrpm_deny_all[X86_MSRPM_SIZE];
extern const uint8_t *const tessera_x86_msrpm[TESSERA_NR_VMS];

/* The MSRs a partition's config names ([devices] msrs; arch/x86_64/msr.c):
 * owned (its permission map passes them: no exit), emulated (a value per
 * vCPU, reset value at the vCPU's start) or denied (#GP). Sorted by msr. */
enum x86_msr_policy {
	X86_MSR_OWNED,
	X86_MSR_EMULATED,
	X86_MSR_DENIED,
};

struct x86_msr_rule {
	uint32_t msr;
	uint8_t policy;                 /* enum x86_msr_policy */
	uint16_t slot;                  /* emulated: its index in a vCPU's values */
	uint64_t reset;                 /* emulated: what it reads at the vCPU's start */
};

struct x86_msr_rules {
	const struct x86_msr_rule *rule;
	uint16_t nr_rules;
	uint16_t nr_emulated;
	uint64_t *values;               /* nr_emulated per vCPU of the partition, vCPU by vCPU */
};

extern const struct x86_msr_rules tessera_x86_msr_rules[TESSERA_NR_VMS];

/* How a partition's vCPU 0 starts (svm.c): cr3 == 0, as QEMU's multiboot
 * loader leaves a kernel; else in long mode by Linux's 64-bit boot protocol,
 * on the generated identity page tables at cr3, with the generated GDT (its
 * __BOOT_CS 0x10 and __BOOT_DS 0x18), RSI = the zero page; the TSC's rate
 * measured at boot written into its command line (docs/linux.md, "Time"). */
struct x86_boot {
	uint64_t cr3;
	uint64_t gdt;
	uint16_t gdt_limit;
	uint64_t tsc_khz_at;    /* host-physical: where the command line's tsc_early_khz= value goes */
};
extern const struct x86_boot tessera_x86_boot[TESSERA_NR_VMS];

struct board_config {
	uint16_t uart_port;             /* the hypervisor's console, a 16550 */
	uint16_t uart_irq;              /* ... its interrupt: a pin of the I/O APIC */
	uint64_t ioapic_base;           /* the board's I/O APIC */
	uint64_t lapic_timer_hz;        /* the local APIC timer's input clock */
};

extern const struct board_config tessera_board;

#endif
