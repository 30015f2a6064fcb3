/*
 * The schedule walk of a shared pCPU (src/schedule.c) with the fake arch:
 * the counter runs in microseconds (arch_counter_hz is 1 MHz), and each
 * step plays the EL2 timer's interrupt at a boundary, then the switch
 * point the arch calls after it.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "../check.h"
#include "../fake_arch.h"
#include "../../../src/power.h"
#include "../../../src/schedule.h"

/* The vCPU pCPU p runs now, as an index into tessera_vcpus[], or -1. */
static int running_on(unsigned p)
{
	return core_pcpu_vcpu[p];
}

static void start(void) { sched_run(1, false); }
static void boundary_from_guest(void) { if (sched_timer_expired()) core_window_boundary(true); }
static void boundary_idle(void) { if (sched_timer_expired()) core_window_boundary(false); }
static void kicked(void) { core_kicked(); core_window_boundary(true); }
static void cpu_on_a1(void) { CHECK_EQ(core_vcpu_on(0x1, 0x40081000, 7), POWER_OK); }

/* Boot, then the first frame: it starts at the next multiple of 10 ms. */
static void run_from(uint64_t now)
{
	fake_reset();
	fake_sched_reset();
	power_init();
	fake_counter = now;
	CHECK_EQ(on_pcpu(1, start), WOULD_WAIT);        /* idle until the frame begins */
	CHECK_EQ(fake_timer_at, (now / 10000 + 1) * 10000);
}

/* A boundary at counter value at, from the guest or idle; how it left. */
static enum leave at(uint64_t t, bool from_guest)
{
	fake_counter = t;
	return on_pcpu(1, from_guest ? boundary_from_guest : boundary_idle);
}

TEST(frame_starts_at_a_multiple_of_the_frame)
{
	run_from(12345);
	CHECK_EQ(running_on(1), -1);
}

TEST(windows_in_turn_and_the_frame_wraps)
{
	run_from(12345);
	/* 20000: a.1's window; a.1 is off (only vCPU 0 starts): it waits. */
	CHECK_EQ(at(20000, false), WOULD_WAIT);
	CHECK_EQ(running_on(1), 1);
	CHECK_EQ(fake_timer_at, 24000);
	/* 24000: b.0's window: b's first vCPU starts at its entry. */
	CHECK_EQ(at(24000, false), ENTERED_GUEST);
	CHECK_EQ(running_on(1), 2);
	CHECK_EQ(fake_timer_at, 26000);
	/* 26000: idle; b.0 was in the guest: saved. */
	CHECK_EQ(at(26000, true), WOULD_WAIT);
	CHECK_EQ(fake_saved, 2);
	CHECK_EQ(running_on(1), -1);
	CHECK_EQ(fake_timer_at, 27000);
	/* 27000: b.0 again: resumed where it was, not started afresh. */
	CHECK_EQ(at(27000, false), RESUMED_GUEST);
	CHECK_EQ(fake_resumed, 2);
	CHECK_EQ(fake_timer_at, 30000);
	/* 30000: the next frame, slot 0 again. */
	fake_saved = -1;
	CHECK_EQ(at(30000, true), WOULD_WAIT);
	CHECK_EQ(fake_saved, 2);
	CHECK_EQ(running_on(1), 1);
	CHECK_EQ(fake_timer_at, 34000);
}

TEST(early_timer_rearms_and_switches_nothing)
{
	run_from(0);
	CHECK_EQ(at(10000, false), WOULD_WAIT);         /* a.1's window, a.1 off */
	CHECK_EQ(at(13000, true), STILL_HERE);          /* before 14000: nothing due */
	CHECK_EQ(running_on(1), 1);
	CHECK_EQ(fake_timer_at, 14000);
}

TEST(cpu_on_outside_its_window_waits_for_it)
{
	run_from(0);
	CHECK_EQ(at(10000, false), WOULD_WAIT);         /* a.1's window, a.1 off */
	CHECK_EQ(at(14000, false), ENTERED_GUEST);      /* b.0 runs */
	/* a.0 on pCPU 0 starts a.1 during b.0's window: pCPU 1 is kicked, but
	 * b.0 keeps its window (the kick finds b.0 on, and no boundary due). */
	CHECK_EQ(on_pcpu(0, cpu_on_a1), STILL_HERE);
	CHECK_EQ(fake_kicks[1], 1);
	CHECK_EQ(on_pcpu(1, kicked), STILL_HERE);
	CHECK_EQ(running_on(1), 2);
	CHECK_EQ(at(16000, true), WOULD_WAIT);          /* idle slot */
	CHECK_EQ(at(17000, false), RESUMED_GUEST);      /* b.0 */
	/* 20000: a.1's window: it starts now, at the entry CPU_ON gave. */
	fake_entered.entry = 0;
	CHECK_EQ(at(20000, true), ENTERED_GUEST);
	CHECK_EQ(running_on(1), 1);
	CHECK_EQ(fake_entered.entry, 0x40081000);
	CHECK_EQ(fake_entered.arg, 7);
}

TEST(a_waiting_vcpu_keeps_its_window)
{
	/* WFI in the guest is not trapped: the pCPU idles in it until an
	 * interrupt. One for another vCPU (a kick) comes back to the guest;
	 * only the boundary switches. */
	run_from(0);
	CHECK_EQ(at(10000, false), WOULD_WAIT);
	CHECK_EQ(at(14000, false), ENTERED_GUEST);      /* b.0 */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(on_pcpu(1, kicked), STILL_HERE);
	CHECK_EQ(running_on(1), 2);
	CHECK_EQ(fake_saved, -1);
}

TEST(held_up_for_frames_skips_to_the_right_slot)
{
	run_from(0);
	CHECK_EQ(at(10000, false), WOULD_WAIT);
	/* 5 frames and a bit later (a debugger): slot 3 of frame 15. */
	CHECK_EQ(at(157500, false), ENTERED_GUEST);
	CHECK_EQ(running_on(1), 2);
	CHECK_EQ(fake_timer_at, 160000);
}

TEST(vmid_met_across_another_partitions_window)
{
	/* Windows a.0, b.0, a.1 on one pCPU (pCPU 0 here: no other test
	 * resumes a vCPU there). a.1 must not find what a.0 left in the TLB
	 * under their shared VMID though b.0 ran in between, and b.0's own
	 * VMID met no other vCPU of b. */
	CHECK(!core_vmid_met(0, 0));    /* a.0: the first of a here */
	CHECK(!core_vmid_met(0, 2));    /* b.0 */
	CHECK(core_vmid_met(0, 1));     /* a.1 after a.0, b.0 between: flush */
	CHECK(!core_vmid_met(0, 2));    /* b.0 again */
	CHECK(!core_vmid_met(0, 1));    /* a.1 again, a.0 did not run since */
	CHECK(core_vmid_met(0, 0));     /* the frame wraps: a.0 after a.1 */
}

const struct test schedule_tests[] = {
	{ "schedule: the first frame starts at a multiple of the frame", frame_starts_at_a_multiple_of_the_frame },
	{ "schedule: windows in turn, save/resume, the frame wraps", windows_in_turn_and_the_frame_wraps },
	{ "schedule: an early timer re-arms, switches nothing", early_timer_rearms_and_switches_nothing },
	{ "schedule: CPU_ON outside its window: started when the window begins",
	  cpu_on_outside_its_window_waits_for_it },
	{ "schedule: a waiting vCPU keeps its window (kicks do not switch)", a_waiting_vcpu_keeps_its_window },
	{ "schedule: held up for frames: skips to the slot of now", held_up_for_frames_skips_to_the_right_slot },
	{ "schedule: vCPUs of one partition meet across another's window (A1, B, A2): flush",
	  vmid_met_across_another_partitions_window },
	{ 0, 0 },
};

int main(void)
{
	static const struct test *const suites[] = { schedule_tests };
	return run_suites(suites, 1);
}
