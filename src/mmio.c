/*
 * Guest accesses that stage 2 does not map: the emulated devices (the core's
 * PL011 consoles here, the architecture's interrupt controller there), and
 * the passthrough devices that share a page with devices the partition does
 * not own (forwarded). What is not a device is a fault: src/health.c.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "console.h"
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

/*
 * A passthrough device whose page the partition shares (a virtio-mmio
 * transport: eight to a page): the guest's access, done on the device with
 * the same size and offset. Only whole, naturally aligned accesses inside
 * the device's own range go through: anything else would touch another
 * owner's registers or fault in the hypervisor (the caller injects an abort).
 * The hypervisor's own tables map every device of the board (Device memory).
 * Not inlined: make bench --profile finds its traps by this name.
 */
static __attribute__((noinline)) bool forward_access(const struct emu_device *d, uint64_t off, unsigned size, bool write,
			   uint64_t *value)
{
	uint64_t addr = d->hpa + off;

	if (off + size > d->size || addr % size)
		return false;
	switch (size) {
	case 1:
		if (write)
			*(volatile uint8_t *)(uintptr_t)addr = (uint8_t)*value;
		else
			*value = *(volatile uint8_t *)(uintptr_t)addr;
		return true;
	case 2:
		if (write)
			*(volatile uint16_t *)(uintptr_t)addr = (uint16_t)*value;
		else
			*value = *(volatile uint16_t *)(uintptr_t)addr;
		return true;
	case 4:
		if (write)
			*(volatile uint32_t *)(uintptr_t)addr = (uint32_t)*value;
		else
			*value = *(volatile uint32_t *)(uintptr_t)addr;
		return true;
	case 8:
		if (write)
			*(volatile uint64_t *)(uintptr_t)addr = *value;
		else
			*value = *(volatile uint64_t *)(uintptr_t)addr;
		return true;
	default:
		return false;
	}
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
		if (d->kind == EMU_FORWARD)
			return forward_access(d, gpa - d->gpa, size, write, value);
		return false;
	}
	return false;
}

void vuart_reset(unsigned vm)
{
	arch_spin_lock(&vuart_locks[vm]);
	vuarts[vm] = (struct vuart_pl011){ 0 };
	arch_spin_unlock(&vuart_locks[vm]);
}
