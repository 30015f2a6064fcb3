/* arch_pcpu_id (include/tessera/arch.h), inline: boot.S keeps each CPU's
 * index in TPIDR_EL2. Not volatile: it never changes under running code,
 * so the compiler may read it once for several uses. */
#ifndef ARCH_AARCH64_PCPU_H
#define ARCH_AARCH64_PCPU_H

static inline unsigned arch_pcpu_id(void)
{
	unsigned long id;
	__asm__("mrs %0, tpidr_el2" : "=r"(id));
	return (unsigned)id;
}

#endif
