/*
 * vCPU power state (what PSCI and SBI HSM expose) and partition lifetime.
 * Each vCPU is pinned to one pCPU: "turning a vCPU on" means telling its
 * pCPU, which waits in arch_wait(), to enter the guest.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "power.h"
#include "schedule.h"

struct vcpu_state {
	volatile uint32_t power;        /* enum power_state */
	volatile bool in_guest;         /* its pCPU runs it (or is in a trap from it) */
	uint64_t entry;
	uint64_t arg;
};

struct vm_state {
	spinlock_t lock;                /* power transitions of its vCPUs */
	volatile bool stopped;
	volatile int waiter;            /* pCPU + 1 waiting for its vCPUs to leave, or 0 */
};

static struct vcpu_state vcpus[TESSERA_NR_VCPUS];
static struct vm_state vms[TESSERA_NR_VMS];

static unsigned vcpu_id(const struct vcpu_config *v)
{
	return (unsigned)(v - tessera_vcpus);
}

const struct vcpu_config *core_pcpu_vcpu[TESSERA_NR_PCPUS];

void power_init(void)
{
	/* Before any other CPU runs: each pCPU's vCPU (a shared one's is set
	 * by its schedule, src/schedule.c); every vCPU off but each
	 * partition's first, which is to start at the partition's entry with
	 * its device tree. */
	for (unsigned p = 0; p < TESSERA_NR_PCPUS; p++) {
		int v = tessera_pcpus[p].vcpu;
		core_pcpu_vcpu[p] = v >= 0 && !sched_shared(p) ? &tessera_vcpus[v] : 0;
	}
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

	/* Out of the guest: tell a restart waiting for that (power_wait_parked). */
	__atomic_store_n(&s->in_guest, false, __ATOMIC_SEQ_CST);
	int waiter = __atomic_load_n(&vms[vc->vm].waiter, __ATOMIC_SEQ_CST);
	if (waiter)
		arch_kick((unsigned)waiter - 1);

	while (s->power != POWER_STATE_ON_PENDING) {
		arch_wait();
		if (TESSERA_SCHEDULED && sched_shared(arch_pcpu_id()))
			core_window_boundary(false);    /* its window may end while it is off */
	}
	arch_spin_lock(&vms[vc->vm].lock);
	s->power = POWER_STATE_ON;
	s->in_guest = true;
	arch_spin_unlock(&vms[vc->vm].lock);
	log_info("tessera: vm %s vcpu %u " TESSERA_CPU_ID_NAME " 0x%llx on pcpu %u\n", vm->name, vc->index,
		 (unsigned long long)vc->virt_id, arch_pcpu_id());
	arch_vcpu_enter(vm, vc, s->entry, s->arg);
}

#if TESSERA_SCHEDULED
_Noreturn void power_vcpu_continue(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	const struct vcpu_state *s = &vcpus[vcpu_id(vc)];

	/* Switched out in the guest and still on: back where it was. */
	if (s->in_guest && s->power == POWER_STATE_ON)
		arch_vcpu_resume(vcpu_id(vc));
	vcpu_run_when_on();
}
#endif

_Noreturn void power_pcpu_run(unsigned pcpu)
{
	if (tessera_pcpus[pcpu].vcpu < 0) {
		log_debug("tessera: pcpu %u unused, powering it off\n", pcpu);
		arch_pcpu_off();
	}
	vcpu_run_when_on();
}

/* The vCPU of this partition presenting CPU id virt_id (its MPIDR or hart
 * id, as the guest names it), or NULL. */
static const struct vcpu_config *find_vcpu(const struct vm_config *vm, uint64_t virt_id)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_config *v = &tessera_vcpus[vm->first_vcpu + i];
		if (v->virt_id == virt_id)
			return v;
	}
	return 0;
}

const struct vcpu_config *core_vcpu_of(uint64_t virt_id)
{
	return find_vcpu(core_this_vm(), virt_id);
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

bool core_guest_executable(uint64_t gpa)
{
	return is_executable(core_this_vm(), gpa);
}

/* Why a CPU_ON was refused, for the debug log (a guest's SMP bring-up that
 * stalls is found here). */
static const char *const refusal[] = {
	[POWER_ALREADY_ON] = "already on",
	[POWER_ON_PENDING] = "on pending",
	[POWER_NO_SUCH_CPU] = "no such vCPU in the partition",
	[POWER_BAD_ADDRESS] = "entry outside its executable memory",
	[POWER_DENIED] = "partition stopping",
};

static enum power_result vcpu_on(const struct vcpu_config *self, uint64_t virt_id,
				 uint64_t entry, uint64_t arg)
{
	const struct vm_config *vm = &tessera_vms[self->vm];
	const struct vcpu_config *target = find_vcpu(vm, virt_id);
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

enum power_result core_vcpu_on(uint64_t virt_id, uint64_t entry, uint64_t arg)
{
	const struct vcpu_config *self = core_this_vcpu();
	enum power_result result = vcpu_on(self, virt_id, entry, arg);

	if (result != POWER_OK)
		log_debug("tessera: vm %s vcpu %u: " TESSERA_CPU_ON_NAME " 0x%llx at 0x%llx refused: %s\n",
			  tessera_vms[self->vm].name, self->index, (unsigned long long)virt_id,
			  (unsigned long long)entry, refusal[result]);
	return result;
}

bool core_vcpu_state(uint64_t virt_id, enum power_state *state)
{
	const struct vcpu_config *v = find_vcpu(core_this_vm(), virt_id);
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
		partition_ended(vc->vm, "all vCPUs off", END_OFF);
	vcpu_run_when_on();
}

bool power_stop_partition(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];
	struct vm_state *vs = &vms[vm];
	unsigned self = arch_pcpu_id();

	arch_spin_lock(&vs->lock);
	bool first = !vs->stopped;
	vs->stopped = true;
	for (unsigned i = 0; i < c->nr_vcpus; i++)
		vcpus[c->first_vcpu + i].power = POWER_STATE_OFF;
	arch_spin_unlock(&vs->lock);
	if (first)      /* make its other pCPUs leave the guest */
		for (unsigned i = 0; i < c->nr_vcpus; i++)
			if (tessera_vcpus[c->first_vcpu + i].pcpu != self)
				arch_kick(tessera_vcpus[c->first_vcpu + i].pcpu);
	return first;
}

void power_pcpu_missing(unsigned pcpu)
{
#if TESSERA_SCHEDULED
	const struct pcpu_schedule *s = &tessera_schedules[pcpu];
	for (unsigned i = 0; i < s->nr_vcpus; i++) {     /* a shared pCPU: each partition on it */
		unsigned vm = tessera_vcpus[s->vcpus[i]].vm;
		if (power_stop_partition(vm))
			partition_ended(vm, "one of its pCPUs did not start", END_NO_PCPU);
	}
#endif
	unsigned vm = tessera_vcpus[tessera_pcpus[pcpu].vcpu].vm;
	if (power_stop_partition(vm))
		partition_ended(vm, "one of its pCPUs did not start", END_NO_PCPU);
}

void power_wait_parked(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];
	const struct vcpu_config *self = core_this_vcpu();

	__atomic_store_n(&vms[vm].waiter, (int)arch_pcpu_id() + 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		const struct vcpu_config *v = &tessera_vcpus[c->first_vcpu + i];
		while (v != self && __atomic_load_n(&vcpus[vcpu_id(v)].in_guest, __ATOMIC_SEQ_CST))
			arch_wait();
	}
	__atomic_store_n(&vms[vm].waiter, 0, __ATOMIC_SEQ_CST);
}

void power_start_partition(unsigned vm)
{
	const struct vm_config *c = &tessera_vms[vm];
	struct vcpu_state *boot = &vcpus[c->first_vcpu];

	arch_spin_lock(&vms[vm].lock);
	vms[vm].stopped = false;
	boot->entry = c->entry;
	boot->arg = c->dtb;
	boot->power = POWER_STATE_ON_PENDING;
	arch_spin_unlock(&vms[vm].lock);
	if (tessera_vcpus[c->first_vcpu].pcpu != arch_pcpu_id())
		arch_kick(tessera_vcpus[c->first_vcpu].pcpu);
}

void core_kicked(void)
{
	const struct vcpu_config *vc = core_this_vcpu();
	if (vcpus[vcpu_id(vc)].power != POWER_STATE_ON)
		vcpu_run_when_on();     /* stopped from another CPU: leave the guest */
}
