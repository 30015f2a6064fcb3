/*
 * Partition health: how a partition ends and what follows. A clean
 * SYSTEM_OFF leaves it off; a fault the policy does not let it survive, an
 * exception loop or a SYSTEM_RESET stops it, or restarts it from the
 * pristine copies of its images when its config says `restart = true`.
 * Each event prints one line: partition, cause, action. The other
 * partitions never notice: only this partition's pCPUs take part.
 *
 * The run as a whole fails if a partition ends other than by SYSTEM_OFF
 * (or all its vCPUs off), however often it was restarted before, if the
 * only partition resets the machine, or if the hypervisor panicked; the
 * machine's end tells the arch, whose exit device reports it
 * (docs/testing.md, "Exit status").
 */
#include <stddef.h>
#include <tessera/arch.h>
#include <tessera/core.h>
#include "console.h"
#include "power.h"

/* Reported faults per vCPU before the rest are counted silently: a guest
 * that faults in a loop must not flood the shared console. */
#define FAULT_REPORTS 4
/* Faults in a row with nothing else in between (no hypercall, no emulated
 * access, no interrupt): the guest's own exception handling is itself
 * faulting, and it will never get out. */
#define FAULT_LOOP 64

static unsigned fault_count[TESSERA_NR_VCPUS];
unsigned core_faults_in_a_row[TESSERA_NR_VCPUS];
static unsigned restarts[TESSERA_NR_VMS];
static spinlock_t system_lock;
static unsigned vms_ended;
/* Why the run failed (the first reason); none: it has not. */
static const char *failure;

void run_failed(const char *why)
{
	const char *none = NULL;
	(void)__atomic_compare_exchange_n(&failure, &none, why, false, __ATOMIC_ACQ_REL,
					  __ATOMIC_ACQUIRE);
}

_Noreturn void system_end(bool reset)
{
	const char *why = __atomic_load_n(&failure, __ATOMIC_ACQUIRE);

	if (why)
		log_info("tessera: run failed: %s\n", why);
	if (reset)
		arch_system_reset(why != NULL);
	arch_system_off(why != NULL);
}

/* Put the images back as they were at boot and forget the partition's
 * device state; its vCPUs are out of the guest. */
static void restore(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];
	for (unsigned i = 0; i < c->nr_copies; i++) {
		const struct image_copy *ic = &c->copies[i];
		uint64_t *to = (uint64_t *)(uintptr_t)ic->to;
		const uint64_t *from = (const uint64_t *)(uintptr_t)ic->from;
		for (uint64_t n = 0; n < (ic->size + 7) / 8; n++)
			to[n] = from[n];
		arch_guest_memory_written(ic->to, ic->size);
	}
	vuart_reset(vm);
	arch_vm_reset(vm);
	for (unsigned i = 0; i < c->nr_vcpus; i++)
		core_faults_in_a_row[c->first_vcpu + i] = 0;
}

void partition_ended(unsigned vm, const char *cause, enum end_kind kind)
{
	const struct vm_config *c = &tessera_vms[vm];
	bool may_restart = kind == END_RESET || kind == END_FAULT;

	if (may_restart && restarts[vm] < c->max_restarts) {
		restarts[vm]++;
		log_info("tessera: health: vm %s: %s -> restart %u of %u\n", c->name, cause,
			 restarts[vm], c->max_restarts);
		power_wait_parked(vm);
		restore(vm);
		power_start_partition(vm);
		return;
	}
	if (kind == END_OFF) {
		log_info("tessera: vm %s stopped: %s\n", c->name, cause);
	} else {
		log_info("tessera: health: vm %s: %s -> stopped%s\n", c->name, cause,
			 may_restart && c->max_restarts ? " (no restarts left)" : "");
		run_failed("a partition was stopped other than by SYSTEM_OFF");
	}
	arch_spin_lock(&system_lock);
	bool last = ++vms_ended == TESSERA_NR_VMS;
	arch_spin_unlock(&system_lock);
	if (last) {
		log_info("tessera: all partitions stopped, powering off\n");
		system_end(false);
	}
}

static _Noreturn void end_this_partition(const char *cause, enum end_kind kind)
{
	unsigned vm = core_this_vcpu()->vm;
	if (power_stop_partition(vm))
		partition_ended(vm, cause, kind);
	vcpu_run_when_on();
}

_Noreturn void core_vm_stop(const char *cause)
{
	end_this_partition(cause, END_OFF);
}

_Noreturn void core_vm_fault(const char *cause)
{
	end_this_partition(cause, END_FAULT);
}

_Noreturn void core_vm_reset(const char *cause)
{
	const struct vm_config *vm = core_this_vm();
	/* With no restart policy, a machine of one partition simply resets. */
	if (TESSERA_NR_VMS == 1 && vm->max_restarts == 0) {
		log_info("tessera: vm %s requested %s: resetting the machine\n", vm->name, cause);
		run_failed("a partition reset the machine");
		system_end(true);
	}
	end_this_partition(cause, END_RESET);
}

bool core_guest_fault(const char *what, uint64_t addr, uint64_t pc)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[vc->vm];
	unsigned v = core_this_vcpu_index();
	unsigned n = fault_count[v]++;

	if (++core_faults_in_a_row[v] == FAULT_LOOP) {
		log_warn("tessera: vm %s vcpu %u: %u faults in a row, last %s at %#llx (pc %#llx)\n",
			 vm->name, vc->index, FAULT_LOOP, what, (unsigned long long)addr,
			 (unsigned long long)pc);
		core_vm_fault("exception loop");
	}
#if defined(CONFIG_FAULT_STOP)
	(void)n;
	log_warn("tessera: vm %s vcpu %u: %s at %#llx (pc %#llx), stopping the partition\n",
		 vm->name, vc->index, what, (unsigned long long)addr, (unsigned long long)pc);
	core_vm_fault(what);
#else
	if (n < FAULT_REPORTS)
		log_warn("tessera: vm %s vcpu %u: %s at %#llx (pc %#llx), injected into the guest%s\n",
			 vm->name, vc->index, what, (unsigned long long)addr, (unsigned long long)pc,
			 n + 1 == FAULT_REPORTS ? " (further faults not reported)" : "");
	return true;
#endif
}
