/* The board as arch/riscv64 needs it at run time: its console and PLIC,
 * from boards/NAME/board.dts; the generator emits tessera_board
 * (gen/templates/riscv64/board.c.j2). The core never looks at it. */
#ifndef ARCH_RISCV64_BOARD_H
#define ARCH_RISCV64_BOARD_H

#include <stdint.h>
#include <tessera/tables.h>

/* The architecture's emulated-device kinds (struct emu_device.kind), from
 * EMU_ARCH_FIRST on. */
enum riscv64_emu_kind {
	EMU_VPLIC = EMU_ARCH_FIRST,     /* the partition's virtual PLIC (vplic.c) */
	/* A SiFive test device used as syscon (QEMU virt's test@100000): the
	 * guest's poweroff and reboot (syscon-poweroff, syscon-reboot), for the
	 * partition only (syscon.c). */
	EMU_SYSCON = EMU_ARCH_FIRST + 1,
};

struct board_config {
	uint64_t uart_base;     /* the hypervisor's console, a 16550A */
	uint32_t uart_irq;      /* ... its PLIC source */
	uint64_t plic_base;     /* the physical PLIC */
	uint16_t plic_context[TESSERA_NR_PCPUS];        /* each hart's supervisor context */
	uint64_t timebase_hz;   /* the time CSR's frequency */
};

extern const struct board_config tessera_board;

#endif
