/* The architecture's emulated devices and interrupt lines (x86_64): the
 * core hands accesses to EMU_VLAPIC here. No virtual I/O APIC yet, so no
 * interrupt line of a partition's devices reaches its guest. */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "vlapic.h"

bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value)
{
	(void)vm;
	return d->kind == EMU_VLAPIC && vlapic_mmio(core_this_vcpu(), off, size, write, value);
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
	vlapic_vm_reset(vm);
}
