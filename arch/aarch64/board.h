/* The board as arch/aarch64 needs it at run time: its console and GIC,
 * from boards/NAME/board.dts; the generator emits tessera_board
 * (gen/templates/partitions.c.j2). The core never looks at it. */
#ifndef ARCH_AARCH64_BOARD_H
#define ARCH_AARCH64_BOARD_H

#include <stdint.h>

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
