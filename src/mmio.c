/*
 * Guest accesses that stage 2 does not map: emulated devices, or faults the
 * configured policy turns into an injected abort or a stopped partition.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "vuart_pl011.h"

static struct vuart_pl011 vuarts[TESSERA_NR_VMS];

bool core_mmio(uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[vc->vm];

	for (unsigned i = 0; i < vm->nr_emu; i++) {
		const struct emu_device *d = &vm->emu[i];
		if (gpa < d->gpa || gpa - d->gpa >= d->size)
			continue;
		switch (d->kind) {
#if defined(CONFIG_VUART)
		case EMU_VUART_PL011:
			return vuart_pl011_access(&vuarts[vc->vm], vc->vm, gpa - d->gpa, size, write, value);
#endif
		default:
			return false;
		}
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
