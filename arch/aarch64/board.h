/* The board as arch/aarch64 needs it at run time: its console and GIC,
 * from boards/NAME/board.dts; the generator emits tessera_board
 * (gen/templates/partitions.c.j2). The core never looks at it. */
#ifndef ARCH_AARCH64_BOARD_H
#define ARCH_AARCH64_BOARD_H

#include <stdint.h>
#include <tessera/tables.h>

/* The architecture's emulated-device kinds (struct emu_device.kind). */
enum aarch64_emu_kind {
	EMU_VGIC_DIST = EMU_ARCH_FIRST,         /* GIC distributor (v2 or v3, as the board's) */
	EMU_VGIC_REDIST,                        /* GICv3 redistributors, one frame per vCPU */
};

struct board_config {
	uint64_t uart_base;     /* the hypervisor's console */
	uint64_t gicd_base;
	uint64_t gicr_base;     /* first redistributor frame (GICv3) */
	uint64_t gicr_size;     /* bytes of the redistributor region */
	uint64_t gicc_base;     /* GICv2: CPU interface */
	uint64_t gich_base;     /* GICv2: virtual interface control */
	uint32_t uart_irq;      /* the console UART's INTID: input for the focused partition */
};

extern const struct board_config tessera_board;

#endif
