/* arch_pcpu_id (include/tessera/arch.h), inline: boot.S keeps each CPU's
 * index in TPIDR_EL2. */
#ifndef ARCH_AARCH64_PCPU_H
#define ARCH_AARCH64_PCPU_H

static inline unsigned arch_pcpu_id(void)
{
	unsigned long id;
	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(id));
	return (unsigned)id;
}

#endif
