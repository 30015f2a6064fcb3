/* The x86_64 guests' interrupt controllers (apic.c): their local APIC
 * (xAPIC MMIO, Intel SDM vol. 3, ch. 10) and the I/O APIC at 0xfec00000
 * (82093AA), the same bare on QEMU's q35 and under Tessera. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdatomic.h>
#include <stdint.h>

#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_LDR	0x0d0
#define LAPIC_DFR	0x0e0
#define LAPIC_SVR	0x0f0
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define LVT_MASKED	(1u << 16)
#define ICR_LOWEST	(1u << 8)
#define ICR_NMI		(4u << 8)
#define ICR_LOGICAL	(1u << 11)
#define ICR_SELF	(1u << 18)	/* destination shorthands */
#define ICR_ALL		(2u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)
#define MSR_TSC_DEADLINE 0x6e0
#define IOREDTBL_LEVEL	(1u << 15)
#define IOREDTBL_MASK	(1u << 16)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The 8259 PICs masked: bare, SeaBIOS leaves the PIT on vector 8 (under
 * Tessera their ports are the hypervisor's, and the write is dropped). */
void pic_mask(void);
/* This vCPU's APIC id, as CPUID leaf 1 says. */
uint32_t cpuid_apic_id(void);
/* Take interrupts until *counter reaches want, halted (HLT, woken by
 * them) or spinning with interrupts let in; false if it gave up after
 * IRQ_WAIT_LIMIT rounds. */
#define IRQ_WAIT_LIMIT	200000000u
int irq_wait(atomic_uint *counter, unsigned int want, int halt);
/* An IPI: ICR high (destination) then low, waited until sent. */
void icr_send(uint32_t dest, uint32_t icr);
/* The boot vCPU starts vCPUs of APIC ids 1 .. n-1 by INIT-SIPI-SIPI, one
 * at a time (the start page is shared): each adds 1 to *arrived. */
void start_aps(unsigned int n, atomic_uint *arrived);
/* I/O APIC pin `pin` to `vector` on APIC id `dest` (physical, fixed),
 * level-triggered or edge; or masked. */
void ioapic_route(unsigned int pin, unsigned int vector, uint32_t dest, uint32_t trigger);
void ioapic_mask(unsigned int pin);

#endif
