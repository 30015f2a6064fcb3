/* chan-demo: definitions shared by start.S and the C files. */
#ifndef CHAN_H
#define CHAN_H

#define STACK_SIZE	(16 * 1024)	/* one stack: only vCPU 0 runs */

/* The 1 GiB Normal block of the identity map: the DTB and the channels'
 * shared pages must lie in it. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL

/* Exception vector indexes (offset / 0x80): taken from EL1 on SP_EL1. */
#define VECTOR_SYNC_EL1_SPX	4
#define VECTOR_IRQ_EL1_SPX	5

/* Exception frame built by start.S: x0-x18, x29, x30, padded to 16 bytes. */
#define EXC_FRAME_SIZE	(22 * 8)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* start.S */
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
extern bool psci_use_smc;	/* conduit for psci_call: false = HVC, true = SMC */
long tessera_hvc(unsigned long fn, unsigned long a1);	/* always HVC */

/* main.c, called from start.S */
void boot_main(uintptr_t dtb);
/* Any EL1 exception; start.S restores the registers and ERETs if it returns. */
void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far);

/* crc32.c: CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). Start with
 * crc = 0; feed the result of one call into the next to continue. */
void crc32_init(void);
uint32_t crc32_update(uint32_t crc, const volatile uint8_t *p, size_t len);

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
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }

/* PSTATE.I: the "memory" clobber makes the compiler reload what an IRQ may change. */
static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }

/* MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]). */
#define MPIDR_AFF_MASK	0xff00ffffffUL

/* The generic timer, EL1 virtual view. */
static inline uint64_t cntvct(void)
{
	isb();			/* not read early, out of order */
	return read_sysreg(cntvct_el0);
}

#define CNTV_CTL_ENABLE		(1u << 0)
#endif

#endif
