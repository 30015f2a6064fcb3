/* x86 instructions the hypervisor uses, as inline functions, and the
 * architectural numbers it needs (AMD64 APM vol. 2 and 3 names). */
#ifndef ARCH_X86_64_X86_H
#define ARCH_X86_64_X86_H

#include <stdint.h>

#define MSR_APIC_BASE           0x0000001bu
#define MSR_PAT                 0x00000277u
#define MSR_EFER                0xc0000080u
#define MSR_STAR                0xc0000081u
#define MSR_LSTAR               0xc0000082u
#define MSR_CSTAR               0xc0000083u
#define MSR_SFMASK              0xc0000084u
#define MSR_FS_BASE             0xc0000100u
#define MSR_GS_BASE             0xc0000101u
#define MSR_KERNEL_GS_BASE      0xc0000102u
#define MSR_VM_HSAVE_PA         0xc0010117u

#define EFER_SCE                (1ull << 0)
#define EFER_LME                (1ull << 8)
#define EFER_LMA                (1ull << 10)
#define EFER_NXE                (1ull << 11)
#define EFER_SVME               (1ull << 12)

#define RFLAGS_IF               (1ull << 9)

/* xAPIC registers (offsets in its 4 KiB MMIO page). */
#define LAPIC_BASE              0xfee00000u
#define LAPIC_ID                0x020u
#define LAPIC_EOI               0x0b0u
#define LAPIC_SVR               0x0f0u
#define LAPIC_ICR_LO            0x300u
#define LAPIC_ICR_HI            0x310u
#define LAPIC_LVT_TIMER         0x320u
#define LAPIC_TIMER_INIT        0x380u
#define LAPIC_TIMER_CUR         0x390u
#define LAPIC_TIMER_DIV         0x3e0u

#define ICR_DELIVERY_INIT       (5u << 8)
#define ICR_DELIVERY_STARTUP    (6u << 8)
#define ICR_BUSY                (1u << 12)      /* delivery status: send pending */
#define ICR_ASSERT              (1u << 14)
#define LVT_MASKED              (1u << 16)

/* The hypervisor's own interrupt vectors. */
/* Pin n of the board's I/O APIC (ioapic.c): IOAPIC_VECTOR_BASE + n. */
#define IOAPIC_VECTOR_BASE      0x30u
#define VECTOR_KICK             0xf0u
#define VECTOR_TIMER            0xf1u
#define VECTOR_SPURIOUS         0xffu

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

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

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

#endif
