/* The architecture's emulated devices and interrupt lines (x86_64): the
 * core hands accesses to EMU_VLAPIC, EMU_VIOAPIC and EMU_RTC here; a partition's
 * device lines are pins of its virtual I/O APIC. */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "vioapic.h"
#include "vlapic.h"

bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value)
{
	if (d->kind == EMU_VIOAPIC)
		return vioapic_access(vm, off, size, write, value);
	if (d->kind == EMU_RTC)
		return size == 1u && rtc_access(vm, off, write, value);
	return d->kind == EMU_VLAPIC && vlapic_mmio(core_this_vcpu(), off, size, write, value);
}

void arch_irq_level(unsigned vm, unsigned irq, bool level)
{
	vioapic_set_level(vm, irq, level);
}

void arch_irq_edge(unsigned vm, unsigned irq)
{
	vioapic_edge(vm, irq);
}

void arch_vm_reset(unsigned vm)
{
	vlapic_vm_reset(vm);
	vioapic_vm_reset(vm);
	rtc_vm_reset(vm);
	acpi_pm_vm_reset(vm);
}
