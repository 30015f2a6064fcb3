/* The architecture's emulated devices and interrupt lines (x86_64): none
 * of the generated kinds yet; the guest's interrupts come with the
 * virtual local APIC. */
#include <tessera/arch.h>
#include "arch.h"

bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value)
{
	(void)vm; (void)d; (void)off; (void)size; (void)write; (void)value;
	return false;
}

void arch_irq_level(unsigned vm, unsigned irq, bool level)
{
	(void)vm; (void)irq; (void)level;
}

void arch_irq_edge(unsigned vm, unsigned irq)
{
	(void)vm; (void)irq;
}

void arch_vm_reset(unsigned vm)
{
	(void)vm;
}
