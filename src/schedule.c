/*
 * Time partitioning: a physical CPU shared by several vCPUs runs the cyclic
 * schedule the generator fixed (tessera_schedules[], from [[schedule]]): a
 * major frame of slots, each a window owned by one vCPU or idle time. The
 * hypervisor timer fires at each slot's end; there, and nowhere else, the
 * pCPU switches to the next slot's vCPU. No decision is taken at run time:
 * a vCPU that waits (WFI) keeps its window, one that masks interrupts
 * cannot keep the timer (an EL2 interrupt) from ending it, and what arrives
 * for a vCPU outside its window waits for its window (vGIC news, timers
 * that expire while it is switched out).
 *
 * Frames start at multiples of the frame length in the system counter, so
 * a window's start is known to anyone who reads the counter: the table's
 * time is frame * k + start_us.
 *
 * Built only where some pCPU is shared (TESSERA_SCHEDULED): a config that
 * pins every vCPU to its own pCPU has none of this on its path.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "power.h"
#include "schedule.h"

#if TESSERA_SCHEDULED

struct sched_pcpu {
	uint64_t frame;         /* major frame, counter ticks */
	uint64_t frame_start;   /* counter value at the start of the current frame */
	uint64_t slot_end;      /* counter value at the current slot's end: the next boundary */
	uint64_t run_end;       /* this pCPU keeps the run-time limit: when it ends, or 0 */
	unsigned slot;
	int current;            /* vCPU owning the pCPU now, -1: idle */
	volatile bool due;      /* the timer fired at slot_end: switch at the next switch point */
};

static struct sched_pcpu pcpus[TESSERA_NR_PCPUS];
/* Per pCPU and partition: index + 1 of its vCPU that ran there last, 0: none. */
static int last_of_vm[TESSERA_NR_PCPUS][TESSERA_NR_VMS];

bool core_vmid_met(unsigned pcpu, unsigned vcpu)
{
	int *last = &last_of_vm[pcpu][tessera_vcpus[vcpu].vm];
	bool met = *last != 0 && *last != (int)vcpu + 1;

	*last = (int)vcpu + 1;
	return met;
}

static uint64_t us_to_ticks(uint64_t us)
{
	uint64_t hz = arch_counter_hz();
	return us / 1000000 * hz + us % 1000000 * hz / 1000000;
}

bool core_pcpu_shared(unsigned pcpu)
{
	return tessera_schedules[pcpu].nr_slots != 0;
}

static void set_current(struct sched_pcpu *sp, unsigned pcpu, int vcpu)
{
	sp->current = vcpu;
	core_pcpu_vcpu[pcpu] = (int16_t)vcpu;
}

static void arm(const struct sched_pcpu *sp)
{
	arch_timer_at(sp->run_end && sp->run_end < sp->slot_end ? sp->run_end : sp->slot_end);
}

static uint64_t slot_end_at(const struct pcpu_schedule *s, const struct sched_pcpu *sp)
{
	return sp->frame_start + us_to_ticks(s->slots[sp->slot].end_us);
}

/* Move to the slot that holds counter value now: slot by slot, frames
 * wrapping. A pCPU held up past whole frames (a debugger) skips them
 * rather than walking each. */
static void walk(const struct pcpu_schedule *s, struct sched_pcpu *sp, uint64_t now)
{
	if (now >= sp->frame_start + 2 * sp->frame) {
		sp->frame_start += (now - sp->frame_start) / sp->frame * sp->frame - sp->frame;
		sp->slot = s->nr_slots - 1u;
		sp->slot_end = sp->frame_start + sp->frame;
	}
	while (sp->slot_end <= now) {
		if (++sp->slot == s->nr_slots) {
			sp->slot = 0;
			sp->frame_start += sp->frame;
		}
		sp->slot_end = slot_end_at(s, sp);
	}
}

/* After boot, on a shared pCPU: wait for the first frame to begin, then
 * run its slots for ever; its one timer also keeps the run-time limit if
 * run_limit says so. */
_Noreturn void sched_run(unsigned pcpu, bool run_limit)
{
	const struct pcpu_schedule *s = &tessera_schedules[pcpu];
	struct sched_pcpu *sp = &pcpus[pcpu];
	uint64_t now = arch_counter();

	sp->frame = us_to_ticks(s->major_frame_us);
	sp->frame_start = (now / sp->frame + 1) * sp->frame - sp->frame;  /* the frame before the first */
	sp->slot = s->nr_slots - 1u;
	sp->slot_end = sp->frame_start + sp->frame;
	set_current(sp, pcpu, -1);
	if (run_limit && TESSERA_RUN_TIME_MS)
		sp->run_end = now + us_to_ticks((uint64_t)TESSERA_RUN_TIME_MS * 1000);
	log_info("tessera: pcpu %u shared by %u vCPUs, major frame %u us in %u slots\n", pcpu,
		 (unsigned)s->nr_vcpus, (unsigned)s->major_frame_us, (unsigned)s->nr_slots);
	arm(sp);
	sched_idle();
}

/* Called from the hypervisor timer's interrupt. Returns false when the
 * run-time limit is what expired (the caller ends the run). */
bool sched_timer_expired(void)
{
	struct sched_pcpu *sp = &pcpus[arch_pcpu_id()];
	uint64_t now = arch_counter();

	if (sp->run_end && now >= sp->run_end)
		return false;
	if (now >= sp->slot_end)
		sp->due = true;
	else
		arm(sp);                /* early: wait on */
	return true;
}

/* Idle on this pCPU: an idle slot, until its end. */
_Noreturn void sched_idle(void)
{
	for (;;) {
		arch_wait();
		core_window_boundary(false);
	}
}

static _Noreturn void enter_slot(void)
{
	if (pcpus[arch_pcpu_id()].current < 0)
		sched_idle();
	power_vcpu_continue();
}

void core_window_boundary(bool from_guest)
{
	unsigned pcpu = arch_pcpu_id();
	const struct pcpu_schedule *s = &tessera_schedules[pcpu];
	struct sched_pcpu *sp = &pcpus[pcpu];

	if (!sp->due)
		return;
	sp->due = false;
	walk(s, sp, arch_counter());
	arm(sp);
	int next = s->slots[sp->slot].vcpu;
	if (next == sp->current)
		return;                 /* the same vCPU's next window: it runs on */
	if (from_guest && sp->current >= 0)
		arch_vcpu_save((unsigned)sp->current);
	set_current(sp, arch_pcpu_id(), next);
	arch_restart_on_empty_stack(enter_slot);
}

#endif /* TESSERA_SCHEDULED */
