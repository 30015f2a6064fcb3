/* x86 instructions the guests use: port I/O, CPUID, the xAPIC, pause. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#define LAPIC_BASE	0xfee00000UL
#define LAPIC_ID	0x020
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_INIT	(5u << 8)
#define ICR_STARTUP	(6u << 8)
#define ICR_ASSERT	(1u << 14)
#define ICR_BUSY	(1u << 12)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* Under Tessera: its hypervisor leaf 0x40000000 says "TesseraTessr" in
 * EBX, ECX, EDX. Returns the highest hypervisor leaf then, else 0. */
static inline uint32_t tessera_max_leaf(void)
{
	uint32_t r[4];
	cpuid(0x40000000u, r);
	return r[1] == 0x73736554u && r[2] == 0x54617265u && r[3] == 0x72737365u ? r[0] : 0;
}

static inline uint32_t lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
/* What console.c and other shared code wait with (aarch64's WFE/SEV). */
static inline void wfe(void) { cpu_relax(); }
static inline void dsb_sev(void) { __asm__ volatile("mfence" ::: "memory"); }

/* Power the machine (the partition, under Tessera) off: q35's ACPI
 * PM1a_CNT, SLP_EN with SLP_TYP 0 (S5), at SeaBIOS's PMBASE 0x600. */
static inline void __attribute__((noreturn)) power_off(void)
{
	outw(0x604, 0x2000);
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
