/* arch_pcpu_id (include/tessera/arch.h), inline: a CPU's index is which of
 * tessera_stacks[] its stack pointer is in. */
#ifndef ARCH_X86_64_PCPU_H
#define ARCH_X86_64_PCPU_H

#include <stdint.h>

extern uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE];

static inline unsigned arch_pcpu_id(void)
{
	uintptr_t sp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return (unsigned)((sp - (uintptr_t)tessera_stacks) / CONFIG_STACK_SIZE);
}

#endif
