/*
 * The RISC-V CSRs, fences and hints the guests under guests/ use, inline.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define csr_read(csr) ({ \
	uint64_t __v; \
	__asm__ volatile("csrr %0, " STRINGIFY(csr) : "=r"(__v) : : "memory"); \
	__v; })
#define csr_write(csr, v) \
	__asm__ volatile("csrw " STRINGIFY(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) \
	__asm__ volatile("csrs " STRINGIFY(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) \
	__asm__ volatile("csrc " STRINGIFY(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")

#define SSTATUS_SIE	(1UL << 1)
#define SIE_SSIE	(1UL << 1)	/* supervisor software interrupt */
#define SIE_STIE	(1UL << 5)	/* supervisor timer interrupt */
#define SIP_STIP	SIE_STIE

/* scause values of the exceptions the guests look at */
#define CAUSE_LOAD_ACCESS	5
#define CAUSE_STORE_ACCESS	7
#define CAUSE_INTERRUPT		(1UL << 63)

static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
/* Zihintpause PAUSE (a FENCE hint, a no-op where not implemented): spin politely. */
static inline void cpu_relax(void) { __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory"); }
/* What console.c and other shared code wait with (aarch64's WFE/SEV). */
static inline void wfe(void) { cpu_relax(); }
static inline void dsb_sev(void) { fence(); }

static inline uint64_t read_time(void) { return csr_read(time); }

/* Stop for good: with every interrupt disabled, WFI never returns to anything. */
static inline void __attribute__((noreturn)) cpu_halt(void)
{
	csr_write(sie, 0);
	csr_clear(sstatus, SSTATUS_SIE);
	for (;;)
		wfi();
}

/* tp holds this vCPU's index (start.S; -1 on the boot hart until set). */
static inline unsigned int this_vcpu(void)
{
	unsigned long v;
	__asm__ volatile("mv %0, tp" : "=r"(v));
	return (unsigned int)v;
}

static inline void set_this_vcpu(unsigned int i)
{
	__asm__ volatile("mv tp, %0" : : "r"((unsigned long)i));
}

/* What dt.cpu_id keeps of a /cpus reg: the whole hart id. */
#define CPU_ID_MASK	(~0UL)
/* The console UART the device tree names (dt.uart_base). */
#define UART_COMPATIBLE	"ns16550a"

#endif
