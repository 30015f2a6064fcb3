/*
 * Guest accesses that stage 2 does not map: emulated devices, or faults the
 * configured policy turns into an injected abort or a stopped partition.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "vuart_pl011.h"

/* Each partition's console UART; its lock orders the guest's accesses and
 * console input arriving on another pCPU. */
static struct vuart_pl011 vuarts[TESSERA_NR_VMS];
static spinlock_t vuart_locks[TESSERA_NR_VMS];

static const struct emu_device *console_of(const struct vm_config *vm)
{
	for (unsigned i = 0; i < vm->nr_emu; i++)
		if (vm->emu[i].kind == EMU_VUART_PL011)
			return &vm->emu[i];
	return 0;
}

static bool vuart_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
			 bool write, uint64_t *value)
{
	arch_spin_lock(&vuart_locks[vm]);
	bool ok = vuart_pl011_access(&vuarts[vm], vm, off, size, write, value);
	bool line = vuart_pl011_irq(&vuarts[vm]);
	arch_spin_unlock(&vuart_locks[vm]);
	if (d->irq)
		arch_irq_level(vm, d->irq, line);
	return ok;
}

void vuart_input(unsigned vm, char c)
{
	const struct emu_device *d = console_of(&tessera_vms[vm]);
	if (!d)
		return;                         /* the partition has no console: dropped */
	arch_spin_lock(&vuart_locks[vm]);
	vuart_pl011_input(&vuarts[vm], (uint8_t)c);
	bool line = vuart_pl011_irq(&vuarts[vm]);
	arch_spin_unlock(&vuart_locks[vm]);
	if (d->irq)
		arch_irq_level(vm, d->irq, line);
}

bool core_mmio(uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[vc->vm];

	for (unsigned i = 0; i < vm->nr_emu; i++) {
		const struct emu_device *d = &vm->emu[i];
		if (gpa < d->gpa || gpa - d->gpa >= d->size)
			continue;
		if (d->kind >= EMU_ARCH_FIRST)
			return arch_emu_access(vc->vm, d, gpa - d->gpa, size, write, value);
#if defined(CONFIG_VUART)
		if (d->kind == EMU_VUART_PL011)
			return vuart_access(vc->vm, d, gpa - d->gpa, size, write, value);
#endif
		return false;
	}
	return false;
}

/* Reported faults per vCPU before the rest are counted silently: a guest
 * that faults in a loop must not flood the shared console. */
#define FAULT_REPORTS 4
static unsigned fault_count[TESSERA_NR_VCPUS];

bool core_guest_fault(const char *what, uint64_t addr, uint64_t pc)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[vc->vm];
	unsigned n = fault_count[vc - tessera_vcpus]++;

#if defined(CONFIG_FAULT_STOP)
	(void)n;
	log_warn("tessera: vm %s vcpu %u: %s at %#llx (pc %#llx), stopping the partition\n",
		 vm->name, vc->index, what, (unsigned long long)addr, (unsigned long long)pc);
	core_vm_stop(what);
#else
	if (n < FAULT_REPORTS)
		log_warn("tessera: vm %s vcpu %u: %s at %#llx (pc %#llx), injected into the guest%s\n",
			 vm->name, vc->index, what, (unsigned long long)addr, (unsigned long long)pc,
			 n + 1 == FAULT_REPORTS ? " (further faults not reported)" : "");
	return true;
#endif
}
