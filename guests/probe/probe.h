/* probe: definitions shared by start.S and the C files. */
#ifndef PROBE_H
#define PROBE_H

#define NR_CPUS		2		/* vCPUs the probe runs: index = MPIDR Aff0 */
#define STACK_SIZE	(16 * 1024)	/* per vCPU */

/* The 1 GiB Normal block of the identity map: the DTB must lie in it. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL

/* Exception vector indexes (offset / 0x80): taken from EL1 on SP_EL1. */
#define VECTOR_SYNC_EL1_SPX	4
#define VECTOR_IRQ_EL1_SPX	5

/* Exception frame built by start.S: x0-x18, x29, x30, padded to 16 bytes. */
#define EXC_FRAME_SIZE	(22 * 8)

/* SMCCC register block for smccc_hvc/smccc_smc: x0-x17. */
#define SMCCC_REGS	18

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* start.S */
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
extern bool psci_use_smc;	/* conduit for psci_call: false = HVC, true = SMC */
/* x0-x17 from r[], the call, x0-x17 back into r[]. */
void smccc_hvc(uint64_t r[SMCCC_REGS]);
void smccc_smc(uint64_t r[SMCCC_REGS]);
void smccc_hvc_imm(uint64_t r[SMCCC_REGS]);	/* HVC #0x5a5a */
void smccc_smc_imm(uint64_t r[SMCCC_REGS]);	/* SMC #0xa5a5 */
void secondary_entry(void);	/* PSCI CPU_ON entry; x0 = vCPU index */
extern char stacks[];		/* NR_CPUS stacks of STACK_SIZE */

/* main.c, called from start.S */
void boot_main(uintptr_t dtb);
void secondary_main(unsigned long cpu);
/* Any EL1 exception; start.S restores the registers and ERETs if it returns. */
void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far);

/* System registers by name (or S3_... encoding, which may come from a macro). */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define read_sysreg(reg) ({ \
	uint64_t __v; \
	__asm__ volatile("mrs %0, " STRINGIFY(reg) : "=r"(__v) : : "memory"); \
	__v; })
#define write_sysreg(reg, v) \
	__asm__ volatile("msr " STRINGIFY(reg) ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }

static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]). */
#define MPIDR_AFF_MASK	0xff00ffffffUL

static inline unsigned this_cpu(void)
{
	return (unsigned)(read_sysreg(mpidr_el1) & 0xff) % NR_CPUS;
}

static inline uint64_t cntvct(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}
#endif

#endif
