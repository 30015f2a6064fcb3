/* probe: definitions shared by its assembly and C files. */
#ifndef PROBE_H
#define PROBE_H

#include "start.h"

#define NR_CPUS		MAX_VCPUS	/* vCPUs the probe runs (Makefile): index = MPIDR Aff0 */
#define SYNDROME_NAME	"esr"		/* what attack.c calls ESR_EL1 */

/* SMCCC register block for smccc_hvc/smccc_smc: x0-x17, which a call may
 * use, and x18-x29, which it must preserve. */
#define SMCCC_REGS	30

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "cpu.h"

/* smccc.S: x0-x29 from r[], the call, x0-x29 back into r[]. */
void smccc_hvc(uint64_t r[SMCCC_REGS]);
void smccc_smc(uint64_t r[SMCCC_REGS]);
void smccc_hvc_imm(uint64_t r[SMCCC_REGS]);	/* HVC #0x5a5a */
void smccc_smc_imm(uint64_t r[SMCCC_REGS]);	/* SMC #0xa5a5 */
/* A load of an emulated register into x5 (address in x6) / x25 (in x26),
 * the other registers of r around it (smccc.S). */
void mmio_load_x5(uint64_t r[SMCCC_REGS]);
void mmio_load_x25(uint64_t r[SMCCC_REGS]);
/* CNTP_CVAL_EL0 (trapped: the EL1 physical timer) written from x26 and
 * read back into x5 / from x6 into x25, the rest of r around it. */
void cval_x26_x5(uint64_t r[SMCCC_REGS]);
void cval_x6_x25(uint64_t r[SMCCC_REGS]);
/* The EL1 virtual timer's interrupt taken, the rest of r around it. */
void irq_wait(uint64_t r[SMCCC_REGS]);

static inline unsigned this_cpu(void)
{
	return (unsigned)(read_sysreg(mpidr_el1) & 0xff) % NR_CPUS;
}
#endif

#endif
