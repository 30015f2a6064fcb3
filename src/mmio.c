/*
 * Guest accesses that stage 2 does not map: the emulated devices (the core's
 * consoles here, a PL011 or a 16550A, the architecture's interrupt
 * controller there), and the passthrough devices that share a page with
 * devices the partition does not own (forwarded). What is not a device is a
 * fault: src/health.c.
 */
#include <stddef.h>
#include <tessera/arch.h>
#include <tessera/core.h>
#include "console.h"
#include "vuart_ns16550.h"
#include "vuart_pl011.h"

/* Each partition's console UART, of the model its emulated device's kind
 * says (one of the two is used); its lock orders the guest's accesses that
 * change it and console input arriving on another pCPU. */
static struct vuart {
	struct vuart_pl011 pl011;
	struct vuart_ns16550 ns16550;
	bool line;                      /* its interrupt line as last driven */
	uint8_t idle_reads;             /* register reads since the guest last wrote one */
} vuarts[TESSERA_NR_VMS];
static spinlock_t vuart_locks[TESSERA_NR_VMS];

/* A guest that reads this many times without writing is waiting (for
 * input, say): its unfinished line, such as a prompt, is shown. */
#define IDLE_READS  16u

static bool is_console(uint32_t kind)
{
	return kind == EMU_VUART_PL011 || kind == EMU_VUART_NS16550;
}

static const struct emu_device *console_of(const struct vm_config *vm)
{
	for (unsigned i = 0; i < vm->nr_emu; i++)
		if (is_console(vm->emu[i].kind))
			return &vm->emu[i];
	return 0;
}

/* The line of the console's interrupt; its lock is held. */
static bool vuart_irq(unsigned vm, const struct emu_device *d)
{
	if (d->kind == EMU_VUART_NS16550)
		return vuart_ns16550_irq(&vuarts[vm].ns16550);
	return vuart_pl011_irq(&vuarts[vm].pl011);
}

/* After an access or input under the console's lock: drive the console's
 * interrupt line as the model now says, if that changed (most accesses
 * change nothing), and drop the lock. Driven under the lock, so that two
 * pCPUs cannot leave it in the older level. */
static void vuart_done(unsigned vm, const struct emu_device *d)
{
	bool line = vuart_irq(vm, d);
	if (d->irq && line != vuarts[vm].line) {
		vuarts[vm].line = line;
		arch_irq_level(vm, d->irq, line);
	}
	arch_spin_unlock(&vuart_locks[vm]);
}

/* Count a read toward the idle guest's flush: true when this read
 * completes the count, and the read goes the locked way, which flushes.
 * Without the lock: two vCPUs polling at once may lose a count, which only
 * puts the flush a read later; the count is loaded and stored whole. */
static bool vuart_idle_read(unsigned vm)
{
	unsigned n = __atomic_load_n(&vuarts[vm].idle_reads, __ATOMIC_RELAXED);
	if (n >= IDLE_READS)
		return false;
	__atomic_store_n(&vuarts[vm].idle_reads, (uint8_t)(n + 1u), __ATOMIC_RELAXED);
	return n + 1u == IDLE_READS;
}

static bool model_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size, bool write,
			 uint64_t *value)
{
	if (d->kind == EMU_VUART_NS16550)
		return vuart_ns16550_access(&vuarts[vm].ns16550, vm, off, size, write, value);
	return vuart_pl011_access(&vuarts[vm].pl011, vm, off, size, write, value);
}

/* An access that may change the console, under its lock; flush: the
 * guest has read IDLE_READS times without writing, and is waiting. */
static __attribute__((noinline)) bool vuart_locked(unsigned vm, const struct emu_device *d, uint64_t off,
						   unsigned size, bool write, uint64_t *value, bool flush)
{
	if (flush)
		console_guest_flush(vm);
	arch_spin_lock(&vuart_locks[vm]);
	if (write)
		__atomic_store_n(&vuarts[vm].idle_reads, 0, __ATOMIC_RELAXED);
	bool ok = model_access(vm, d, off, size, write, value);
	vuart_done(vm, d);
	if (!write)
		console_room();                 /* a read may have made room for input */
	return ok;
}

/* A read the model calls quiet (a status poll above all) changes nothing
 * and shows one field, so it takes no lock: that field's load is a value
 * the register held at that instant, the interrupt line stays as it is,
 * and no room for input was made. Every other access is under the lock.
 * Calls nothing but in tail position: the poll sets up no stack frame. */
static bool vuart_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size, bool write,
			 uint64_t *value)
{
	bool flush = !write && vuart_idle_read(vm);
	if (!write && !flush && (d->kind == EMU_VUART_NS16550 ? vuart_ns16550_quiet(off) :
				 vuart_pl011_quiet(&vuarts[vm].pl011, off)))
		return model_access(vm, d, off, size, write, value);
	return vuart_locked(vm, d, off, size, write, value, flush);
}

bool vuart_input(unsigned vm, char c)
{
	const struct emu_device *d = console_of(&tessera_vms[vm]);
	bool taken;

	if (!d)
		return true;                    /* the partition has no console: dropped */
	arch_spin_lock(&vuart_locks[vm]);
	if (d->kind == EMU_VUART_NS16550)
		taken = vuart_ns16550_input(&vuarts[vm].ns16550, (uint8_t)c);
	else
		taken = vuart_pl011_input(&vuarts[vm].pl011, (uint8_t)c);
	vuart_done(vm, d);
	return taken;
}

/* A byte typed for the calling partition, as its console UART would give
 * it to a read of its data register, or -1 (none, or no console). */
int core_console_getc(void)
{
	unsigned vm = core_this_vcpu()->vm;
	const struct emu_device *d = console_of(&tessera_vms[vm]);
	int c;

	if (!d)
		return -1;
	arch_spin_lock(&vuart_locks[vm]);
	if (d->kind == EMU_VUART_NS16550)
		c = vuart_ns16550_getc(&vuarts[vm].ns16550);
	else
		c = vuart_pl011_getc(&vuarts[vm].pl011);
	vuart_done(vm, d);
	console_room();
	return c;
}

void core_console_putc(char c)
{
	console_guest_putc(core_this_vcpu()->vm, c);
}

void core_console_flush(void)
{
	console_guest_flush(core_this_vcpu()->vm);
}

void *core_vm_memory(const struct vm_config *vm, uint64_t gpa, uint64_t size, bool write)
{
	uint32_t need = MEM_READ;

	if (write)
		need |= MEM_WRITE;

	for (unsigned i = 0; i < vm->nr_regions; i++) {
		const struct mem_region *r = &vm->regions[i];
		uint64_t off = gpa - r->gpa;    /* below the region: wraps, and is past its size */
		if (off <= r->size && size <= r->size - off && (r->flags & (need | MEM_DEVICE)) == need)
			return (void *)(uintptr_t)(r->hpa + off);
	}
	return NULL;
}

void *core_guest_memory(uint64_t gpa, uint64_t size, bool write)
{
	return core_vm_memory(core_this_vm(), gpa, size, write);
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

	if (off + size > d->size || (addr & (size - 1u)))       /* size: 1, 2, 4 or 8 */
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

/* The partition's trapped range holding gpa, or NULL. Its table is sorted
 * by address and its ranges do not overlap (gen/tessera_gen/emu_table.py):
 * the last range starting at or below gpa is the only one that can hold
 * it, found by halving the table without a branch per step. */
static const struct emu_device *emu_find(const struct vm_config *vm, uint64_t gpa)
{
	const struct emu_device *d = vm->emu;
	unsigned n = vm->nr_emu;

	if (n == 0)
		return NULL;
	while (n > 1) {
		unsigned half = n / 2;
		d = d[half].gpa <= gpa ? d + half : d;
		n -= half;
	}
	return gpa - d->gpa < d->size ? d : NULL;      /* below the range: wraps, and is no offset in it */
}

bool core_mmio(uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	unsigned vm = core_this_vcpu()->vm;
	const struct emu_device *d = emu_find(&tessera_vms[vm], gpa);

	if (!d)
		return false;
	uint64_t off = gpa - d->gpa;
	if (d->kind >= EMU_ARCH_FIRST)
		return arch_emu_access(vm, d, off, size, write, value);
	if (d->kind == EMU_FORWARD)
		return forward_access(d, off, size, write, value);
#if defined(CONFIG_VUART)
	if (is_console(d->kind))
		return vuart_access(vm, d, off, size, write, value);
#endif
	return false;
}

void vuart_reset(unsigned vm)
{
	arch_spin_lock(&vuart_locks[vm]);
	vuarts[vm] = (struct vuart){ 0 };
	arch_spin_unlock(&vuart_locks[vm]);
}
