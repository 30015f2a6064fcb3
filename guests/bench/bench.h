/* bench: definitions shared by the assembly and the C files. */
#ifndef BENCH_H
#define BENCH_H

#define MAX_VCPUS	2		/* the benchmark uses two vCPUs, no more */
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Guest RAM as far as we rely on it: the 1 GiB Normal block of the identity map. */
#define RAM_BASE	0x40000000UL
#define RAM_END		0x80000000UL

/* Vector indexes (offset / 0x80) of exceptions taken from EL1 on SP_EL1. */
#define VECTOR_SYNC_EL1_SPX	4
#define VECTOR_IRQ_EL1_SPX	5

/*
 * Exception frame built by the vectors: x0-x18, x29, x30 (21 slots), a
 * pad, then the two stamps the vector takes before anything else: CNTVCT
 * and PMCCNTR (0 when the PMU is not used).
 */
#define EXC_FRAME_SIZE	(24 * 8)
#define FRAME_STAMP_VCT	(22 * 8)
#define FRAME_STAMP_PMC	(23 * 8)
/* PMCCNTR is read by the vector's 4th instruction: sub, stp, mrs, mrs. */
#define VECTOR_STAMP_INSNS	3

/* Counter reads in a row for an exact clock reading (bench_asm.S, start.S). */
#define EDGE_READS	17

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct exc_frame {
	uint64_t x[19];
	uint64_t x29, x30, pad;
	uint64_t stamp_vct, stamp_pmc;
};

/* start.S */
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
void secondary_entry(void);		/* PSCI CPU_ON entry point, x0 = context_id */
extern bool psci_use_smc;		/* conduit for psci_call: false = HVC, true = SMC */
extern uint64_t boot_pct[EDGE_READS];	/* CNTPCT read 17 times in a row at entry */
void vectors_use_pmu(void);		/* VBAR_EL1 = the vectors that stamp PMCCNTR too */
extern char _end[];

/* bench_asm.S: the measured loops. Each runs n iterations of
 *     1: mov x0, <arg>; <operation>; subs; b.ne 1b
 * and loop_empty the same without the operation. */
void loop_empty(uint64_t n, uint64_t arg, uint64_t addr);
void loop_hvc(uint64_t n, uint64_t fn, uint64_t unused);
void loop_smc(uint64_t n, uint64_t fn, uint64_t unused);
void loop_ldr32(uint64_t n, uint64_t unused, uint64_t addr);
void loop_strb(uint64_t n, uint64_t value, uint64_t addr);
void loop_nop(uint64_t n, uint64_t unused, uint64_t addr);
/* One SGI (ICC_SGI1R_EL1 value v); returns PMCCNTR read by the instruction
 * just before the write (0 if !pmu). */
uint64_t sgi_send_stamped(uint64_t v, bool pmu);
/* EDGE_READS reads of CNTPCT in a row into out[1..]; out[0] = PMCCNTR read
 * just before them (edge_sample_pmu) or 0 (edge_sample). */
void edge_sample(uint64_t *out);
void edge_sample_pmu(uint64_t *out);

/* main.c, called from start.S */
void boot_main(uintptr_t dtb);
void secondary_main(unsigned long vcpu);
void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame);

static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void dsb_sev(void) { __asm__ volatile("dsb ish\n\tsev" ::: "memory"); }
static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }

#define MPIDR_AFF_MASK	0xff00ffffffUL
static inline uint64_t read_mpidr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & MPIDR_AFF_MASK;
}

static inline uint64_t cntvct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
}

static inline uint64_t cntpct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(v) :: "memory");
	return v;
}

static inline uint64_t cntfrq(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

static inline uint64_t pmccntr(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, pmccntr_el0" : "=r"(v) :: "memory");
	return v;
}

static inline unsigned int this_vcpu(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (unsigned int)v;
}

static inline void set_this_vcpu(unsigned int i)
{
	__asm__ volatile("msr tpidr_el1, %0" : : "r"((uint64_t)i) : "memory");
}
#endif

#endif
