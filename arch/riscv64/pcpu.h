/* arch_pcpu_id (include/tessera/arch.h), inline: boot.S keeps each hart's
 * index in tp while in HS mode (the trap entry reloads it). Not volatile:
 * it never changes under running code, so one read may serve several uses. */
#ifndef ARCH_RISCV64_PCPU_H
#define ARCH_RISCV64_PCPU_H

static inline unsigned arch_pcpu_id(void)
{
	unsigned long tp;
	__asm__("mv %0, tp" : "=r"(tp));
	return (unsigned)tp;
}

#endif
