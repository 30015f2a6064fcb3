/*
 * vCPU power state (what PSCI and SBI HSM expose) and partition lifetime.
 * Each vCPU is pinned to one pCPU: "turning a vCPU on" means telling its
 * pCPU, which waits in arch_wait(), to enter the guest.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "power.h"

struct vcpu_state {
	volatile uint32_t power;        /* enum power_state */
	uint64_t entry;
	uint64_t arg;
};

struct vm_state {
	spinlock_t lock;                /* power transitions of its vCPUs */
	volatile bool stopped;
};

static struct vcpu_state vcpus[TESSERA_NR_VCPUS];
static struct vm_state vms[TESSERA_NR_VMS];
static spinlock_t system_lock;
static unsigned vms_stopped;

static unsigned vcpu_id(const struct vcpu_config *v)
{
	return (unsigned)(v - tessera_vcpus);
}

const struct vcpu_config *core_this_vcpu(void)
{
	int16_t v = tessera_pcpus[arch_pcpu_id()].vcpu;
	ASSERT(v >= 0 && v < TESSERA_NR_VCPUS);     /* an unused pCPU never runs a guest */
	return &tessera_vcpus[v];
}

const struct vm_config *core_this_vm(void)
{
	return &tessera_vms[core_this_vcpu()->vm];
}

void power_init(void)
{
	/* Before any other CPU runs: every vCPU off but each partition's first,
	 * which is to start at the partition's entry with its device tree. */
	for (unsigned v = 0; v < TESSERA_NR_VCPUS; v++) {
		const struct vm_config *vm = &tessera_vms[tessera_vcpus[v].vm];
		if (tessera_vcpus[v].index == 0) {
			vcpus[v].entry = vm->entry;
			vcpus[v].arg = vm->dtb;
			vcpus[v].power = POWER_STATE_ON_PENDING;
		} else {
			vcpus[v].power = POWER_STATE_OFF;
		}
	}
}

_Noreturn void vcpu_run_when_on(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[vc->vm];
	struct vcpu_state *s = &vcpus[vcpu_id(vc)];

	while (s->power != POWER_STATE_ON_PENDING)
		arch_wait();
	arch_spin_lock(&vms[vc->vm].lock);
	s->power = POWER_STATE_ON;
	arch_spin_unlock(&vms[vc->vm].lock);
	log_info("tessera: vm %s vcpu %u mpidr 0x%llx on pcpu %u\n", vm->name, vc->index,
		 (unsigned long long)vc->vmpidr, arch_pcpu_id());
	arch_vcpu_enter(vm, vc, s->entry, s->arg);
}

/* The vCPU of this partition presenting virtual MPIDR vmpidr, or NULL. */
static const struct vcpu_config *find_vcpu(const struct vm_config *vm, uint64_t vmpidr)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_config *v = &tessera_vcpus[vm->first_vcpu + i];
		if (v->vmpidr == vmpidr)
			return v;
	}
	return 0;
}

static bool is_executable(const struct vm_config *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->nr_regions; i++) {
		const struct mem_region *r = &vm->regions[i];
		if ((r->flags & (MEM_EXEC | MEM_DEVICE)) == MEM_EXEC &&
		    gpa >= r->gpa && gpa - r->gpa < r->size)
			return true;
	}
	return false;
}

enum power_result core_vcpu_on(uint64_t vmpidr, uint64_t entry, uint64_t arg)
{
	const struct vcpu_config *self = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[self->vm];
	const struct vcpu_config *target = find_vcpu(vm, vmpidr);
	enum power_result result = POWER_OK;

	if (!target)
		return POWER_NO_SUCH_CPU;       /* not ours: other partitions are invisible */
	struct vcpu_state *s = &vcpus[vcpu_id(target)];

	arch_spin_lock(&vms[self->vm].lock);
	if (vms[self->vm].stopped)
		result = POWER_DENIED;
	else if (s->power == POWER_STATE_ON)
		result = POWER_ALREADY_ON;
	else if (s->power == POWER_STATE_ON_PENDING)
		result = POWER_ON_PENDING;
	else if (!is_executable(vm, entry))
		result = POWER_BAD_ADDRESS;
	else {
		s->entry = entry;
		s->arg = arg;
		s->power = POWER_STATE_ON_PENDING;
	}
	arch_spin_unlock(&vms[self->vm].lock);
	if (result == POWER_OK)
		arch_kick(target->pcpu);
	return result;
}

bool core_vcpu_state(uint64_t vmpidr, enum power_state *state)
{
	const struct vcpu_config *v = find_vcpu(core_this_vm(), vmpidr);
	if (!v)
		return false;
	*state = (enum power_state)vcpus[vcpu_id(v)].power;
	return true;
}

static bool all_off(const struct vm_config *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vcpus[vm->first_vcpu + i].power != POWER_STATE_OFF)
			return false;
	return true;
}

/* Count a partition as ended; the last one to end powers the machine off. */
static void vm_ended(const struct vm_config *vm, const char *cause)
{
	log_info("tessera: vm %s stopped: %s\n", vm->name, cause);
	arch_spin_lock(&system_lock);
	bool last = ++vms_stopped == TESSERA_NR_VMS;
	arch_spin_unlock(&system_lock);
	if (last) {
		log_info("tessera: all partitions stopped, powering off\n");
		arch_system_off();
	}
}

_Noreturn void core_vcpu_off(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[vc->vm];
	struct vm_state *vs = &vms[vc->vm];

	arch_spin_lock(&vs->lock);
	vcpus[vcpu_id(vc)].power = POWER_STATE_OFF;
	/* With every vCPU off nobody can turn one on again: the partition ended. */
	bool ended = !vs->stopped && all_off(vm);
	if (ended)
		vs->stopped = true;
	arch_spin_unlock(&vs->lock);
	if (ended)
		vm_ended(vm, "all vCPUs off");
	vcpu_run_when_on();
}

_Noreturn void core_vm_stop(const char *cause)
{
	const struct vcpu_config *self = core_this_vcpu();
	const struct vm_config *vm = &tessera_vms[self->vm];
	struct vm_state *vs = &vms[self->vm];

	arch_spin_lock(&vs->lock);
	bool first = !vs->stopped;
	vs->stopped = true;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpus[vm->first_vcpu + i].power = POWER_STATE_OFF;
	arch_spin_unlock(&vs->lock);
	if (first) {
		/* Make the partition's other pCPUs leave its guest. */
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			const struct vcpu_config *v = &tessera_vcpus[vm->first_vcpu + i];
			if (v != self)
				arch_kick(v->pcpu);
		}
		vm_ended(vm, cause);
	}
	vcpu_run_when_on();
}

_Noreturn void core_vm_reset(void)
{
	/* Restarting one partition needs a pristine copy of its image, which
	 * is not kept yet; a machine with one partition simply resets. */
	if (TESSERA_NR_VMS == 1) {
		log_info("tessera: vm %s requested SYSTEM_RESET: resetting the machine\n",
			 core_this_vm()->name);
		arch_system_reset();
	}
	core_vm_stop("SYSTEM_RESET (partition restart is not configured)");
}

void core_kicked(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	if (vcpus[vcpu_id(vc)].power != POWER_STATE_ON)
		vcpu_run_when_on();     /* stopped from another CPU: leave the guest */
}
