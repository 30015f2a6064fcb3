/*
 * The AArch64 system registers, barriers and hints the guests under guests/
 * use, inline and by their Arm ARM names.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

/*
 * System registers by name, or by S3_<op1>_C<n>_C<m>_<op2> encoding (which
 * may come from a macro, hence the two-step STRINGIFY). "memory": the
 * compiler must not move memory accesses across a register access that may
 * change what they mean. "rZ": a constant 0 is written as XZR.
 */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define read_sysreg(reg) ({ \
	uint64_t __v; \
	__asm__ volatile("mrs %0, " STRINGIFY(reg) : "=r"(__v) : : "memory"); \
	__v; })
#define write_sysreg(reg, v) \
	__asm__ volatile("msr " STRINGIFY(reg) ", %x0" : : "rZ"((uint64_t)(v)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
/* Full system: e.g. a message in shared memory is visible before the doorbell announcing it. */
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
/* DSB first so the store that waiters are watching is visible before they wake. */
static inline void dsb_sev(void) { __asm__ volatile("dsb ish\n\tsev" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* PSTATE.I: the "memory" clobber makes the compiler reload what an IRQ may change. */
static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
/* PSTATE.D, A, I and F: nothing is taken any more, for a vCPU that stops. */
static inline void daif_mask_all(void) { __asm__ volatile("msr daifset, #0xf" ::: "memory"); }

/* Sleep for good; interrupts, if unmasked, are still taken. */
static inline void __attribute__((noreturn)) cpu_park(void)
{
	for (;;)
		wfi();
}

/* Stop for good: with everything masked no handler runs again. */
static inline void __attribute__((noreturn)) cpu_halt(void)
{
	daif_mask_all();
	cpu_park();
}

/*
 * MPIDR_EL1 affinity fields only (Aff3 [39:32], Aff2..Aff0 [23:0]): the
 * form PSCI, the device tree's /cpus reg and ICC_SGI1R_EL1 use.
 */
#define MPIDR_AFF_MASK	0xff00ffffffUL
/* What dt.cpu_id keeps of a /cpus reg: the affinity fields. */
#define CPU_ID_MASK	MPIDR_AFF_MASK
/* The console UART the device tree names (dt.uart_base). */
#define UART_COMPATIBLE	"arm,pl011"

/* No "memory" clobber here: what it reads is the vCPU's own, fixed. */
static inline uint64_t read_mpidr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & MPIDR_AFF_MASK;
}

/*
 * TPIDR_EL1 holds this vCPU's index, for guests that set it once at start.
 * No "memory" clobber on the read (it is on IRQ paths bench times).
 */
static inline unsigned int this_vcpu(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (unsigned int)v;
}

static inline void set_this_vcpu(unsigned int i)
{
	write_sysreg(tpidr_el1, i);
}

/* ESR_EL1: the exception class and, for data aborts, the ISS fields we look at. */
#define ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define ESR_EC_UNKNOWN		0x00	/* e.g. an undefined instruction */
#define ESR_EC_DABT_CUR		0x25	/* data abort taken without a change of EL */
#define ESR_WNR			(1u << 6)	/* the access was a write */
#define ESR_FNV			(1u << 10)	/* FAR_EL1 not valid */
#define ESR_DFSC(esr)		((esr) & 0x3f)
#define DFSC_SEA		0x10	/* synchronous external abort, not on a table walk */

#endif
