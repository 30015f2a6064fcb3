/*
 * What the guests under guests/ take from their device tree, gathered in
 * one walk of it (dt_scan): CPUs, RAM, console, GIC, PSCI conduit and
 * bootargs. A guest that looks for more passes a callback of its own.
 */
#ifndef GUEST_DT_H
#define GUEST_DT_H

#include <stdbool.h>
#include <stdint.h>

#include "fdt.h"
#include "start.h"

#define DT_MAX_MEM	4	/* /memory reg ranges kept */

struct dt_range {
	uint64_t base, end;
};

struct dt {
	unsigned int ncpus;		/* /cpus entries kept: at most MAX_VCPUS */
	unsigned int ncpus_listed;	/* /cpus entries in the tree */
	uint64_t cpu_id[MAX_VCPUS];	/* their reg: MPIDR affinity (aarch64), hart id
					 * (riscv64); index = vCPU index */
	unsigned int nmem;
	struct dt_range mem[DT_MAX_MEM];	/* /memory reg ranges, in tree order */
	bool have_uart;
	uint64_t uart_base;		/* the first UART_COMPATIBLE (arm,pl011, ns16550a) not disabled */
	bool psci_smc;			/* /psci method is "smc" (else HVC) */
	bool have_gic;
	/* The first arm,gic-v3: distributor, then the first redistributor region. */
	uint64_t gicd, gicd_size, gicr, gicr_size;
	/* arm,armv8-timer's EL1 virtual and physical timer PPIs as INTIDs
	 * (27 and 30, the architecture's recommendation, if it has none). */
	unsigned int vtimer_intid, ptimer_intid;
	unsigned int pmu_intid;		/* arm,armv8-pmuv3's overflow PPI as an INTID; 0: none */
	uint32_t timebase_hz;		/* /cpus timebase-frequency (riscv64: the time CSR's); 0: none */
	const char *bootargs;		/* /chosen bootargs (not NUL-terminated), or NULL */
	uint32_t bootargs_len;
};

extern struct dt dt;		/* written by the boot vCPU before it starts any other */

/*
 * Walk the DTB at dtb into dt, then point the UART (and on aarch64
 * psci_call, which reads dt.psci_smc) where it says (whatever it managed to read). more (if not NULL) is called with
 * ctx for every node as well. Returns 0 or -FDT_ERR_*; a DTB outside
 * [RAM_BASE, RAM_END), where the identity map has Normal memory, is not
 * read at all (-FDT_ERR_SIZE).
 */
int dt_scan(uintptr_t dtb, fdt_node_fn *more, void *ctx);

/* The vCPU index of the /cpus entry with this id (MPIDR affinity, hart id), or -1. */
int dt_vcpu_index(uint64_t cpu_id);

/* The /memory range holding addr, or NULL. */
const struct dt_range *dt_mem_holding(uint64_t addr);

/* The highest end of a non-empty /memory range (the end of RAM); 0 if none. */
uint64_t dt_mem_end(void);

#endif
