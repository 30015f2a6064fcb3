/* vCPU power state and partition lifetime (src/power.c), as PSCI exposes it. */
#include <string.h>
#include <tessera/core.h>
#include "../../src/power.h"
#include "check.h"
#include "fake_arch.h"

static uint64_t on_mpidr, on_entry;

static bool state_found;
static enum power_state state;
static void do_state(void) { state_found = core_vcpu_state(on_mpidr, &state); }

static int affinity(unsigned pcpu, uint64_t mpidr)
{
	on_mpidr = mpidr;
	on_pcpu(pcpu, do_state);
	return state_found ? (int)state : -1;
}

static void cpu0_main(void) { power_pcpu_run(0); }
static void cpu1_main(void) { power_pcpu_run(1); }
static void cpu2_main(void) { power_pcpu_run(2); }
static void cpu3_main(void) { power_pcpu_run(3); }
static void run_when_on(void) { vcpu_run_when_on(); }

/* Boot every used CPU: vm a vcpu 0 and vm b vcpu 0 enter their guests. */
static void boot(void)
{
	power_init();
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST);
	CHECK_EQ(on_pcpu(1, cpu1_main), WOULD_WAIT);
	CHECK_EQ(on_pcpu(3, cpu3_main), ENTERED_GUEST);
}

TEST(boot_vcpu_enters_at_entry_with_dtb)
{
	power_init();
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST);
	CHECK_EQ(fake_entered.entry, 0x40080000);
	CHECK_EQ(fake_entered.arg, 0x40000000);
	CHECK(strstr(fake_console, "tessera: vm a vcpu 0 mpidr 0x0 on pcpu 0\r\n"));
}

TEST(secondary_vcpu_waits_until_cpu_on)
{
	power_init();
	CHECK_EQ(affinity(0, 0x100), POWER_STATE_OFF);
	CHECK_EQ(on_pcpu(1, cpu1_main), WOULD_WAIT);
	CHECK(!strstr(fake_console, "vcpu 1"));
}

TEST(unused_pcpu_powers_off)
{
	CHECK_EQ(on_pcpu(2, cpu2_main), PCPU_OFF);
}

static enum power_result result;
static void do_cpu_on(void) { result = core_vcpu_on(on_mpidr, on_entry, 7); }

static enum power_result cpu_on_from(unsigned pcpu, uint64_t mpidr, uint64_t entry)
{
	on_mpidr = mpidr;
	on_entry = entry;
	CHECK_EQ(on_pcpu(pcpu, do_cpu_on), STILL_HERE);
	return result;
}

TEST(cpu_on_starts_the_pinned_pcpu)
{
	boot();
	CHECK_EQ(cpu_on_from(0, 0x100, 0x40080100), POWER_OK);
	CHECK_EQ(fake_kicks[1], 1);
	CHECK_EQ(cpu_on_from(0, 0x100, 0x40080100), POWER_ON_PENDING);
	CHECK_EQ(on_pcpu(1, run_when_on), ENTERED_GUEST);
	CHECK_EQ(fake_entered.entry, 0x40080100);
	CHECK_EQ(fake_entered.arg, 7);
	CHECK(strstr(fake_console, "tessera: vm a vcpu 1 mpidr 0x100 on pcpu 1\r\n"));
	CHECK_EQ(cpu_on_from(0, 0x100, 0x40080100), POWER_ALREADY_ON);
	CHECK_EQ(cpu_on_from(1, 0x0, 0x40080100), POWER_ALREADY_ON);
}

TEST(cpu_on_sees_only_its_own_partition)
{
	boot();
	/* 0x100 is vm a's; from vm b it does not exist */
	CHECK_EQ(cpu_on_from(3, 0x100, 0x40080000), POWER_NO_SUCH_CPU);
	CHECK_EQ(cpu_on_from(0, 0x5, 0x40080000), POWER_NO_SUCH_CPU);
	CHECK_EQ(fake_kicks[1] + fake_kicks[2], 0);
}

TEST(cpu_on_rejects_entry_outside_executable_memory)
{
	boot();
	CHECK_EQ(cpu_on_from(0, 0x100, 0x50000000), POWER_BAD_ADDRESS);  /* RW, not X */
	CHECK_EQ(cpu_on_from(0, 0x100, 0x60000000), POWER_BAD_ADDRESS);  /* nothing there */
	CHECK_EQ(cpu_on_from(0, 0x100, 0x40ffffff), POWER_OK);           /* last byte */
}

TEST(affinity_info_follows_power_state)
{
	boot();
	CHECK_EQ(affinity(0, 0x100), POWER_STATE_OFF);
	CHECK_EQ(affinity(0, 0x0), POWER_STATE_ON);
	cpu_on_from(0, 0x100, 0x40080000);
	CHECK_EQ(affinity(0, 0x100), POWER_STATE_ON_PENDING);
	on_pcpu(1, run_when_on);
	CHECK_EQ(affinity(0, 0x100), POWER_STATE_ON);
	CHECK_EQ(affinity(3, 0x100), -1);
}

static void do_off(void) { core_vcpu_off(); }
static void do_system_off(void) { core_vm_stop("SYSTEM_OFF"); }
static void do_reset(void) { core_vm_reset("SYSTEM_RESET"); }
static void do_kicked(void) { core_kicked(); }

TEST(last_vcpu_off_ends_partition_and_last_partition_powers_off)
{
	boot();
	cpu_on_from(0, 0x100, 0x40080000);
	on_pcpu(1, run_when_on);
	CHECK_EQ(on_pcpu(1, do_off), WOULD_WAIT);
	CHECK(!strstr(fake_console, "stopped"));
	CHECK_EQ(on_pcpu(0, do_off), WOULD_WAIT);
	CHECK(strstr(fake_console, "tessera: vm a stopped: all vCPUs off\r\n"));
	CHECK(!strstr(fake_console, "powering off"));
	CHECK_EQ(on_pcpu(3, do_system_off), SYSTEM_OFF);
	CHECK(strstr(fake_console, "tessera: vm b stopped: SYSTEM_OFF\r\n"));
	CHECK(strstr(fake_console, "all partitions stopped, powering off"));
	CHECK(!fake_failed);                            /* every partition chose to end */
	CHECK(!strstr(fake_console, "run failed"));
}

TEST(system_off_stops_the_other_vcpus_of_the_partition_only)
{
	boot();
	cpu_on_from(0, 0x100, 0x40080000);
	on_pcpu(1, run_when_on);
	CHECK_EQ(on_pcpu(0, do_system_off), WOULD_WAIT);
	CHECK_EQ(fake_kicks[1], 2);             /* CPU_ON, then the stop */
	CHECK_EQ(fake_kicks[3], 0);             /* vm b untouched */
	CHECK_EQ(on_pcpu(1, do_kicked), WOULD_WAIT);   /* pcpu 1 leaves the guest */
	CHECK_EQ(on_pcpu(3, do_kicked), STILL_HERE);   /* vm b goes on */
	CHECK_EQ(cpu_on_from(1, 0x0, 0x40080000), POWER_DENIED);
}

TEST(reset_with_several_partitions_stops_only_the_caller)
{
	boot();
	cpu_on_from(0, 0x100, 0x40080000);
	on_pcpu(1, run_when_on);
	CHECK_EQ(on_pcpu(0, do_reset), WOULD_WAIT);     /* vm a has no restart policy */
	CHECK(strstr(fake_console, "tessera: health: vm a: SYSTEM_RESET -> stopped\r\n"));
	CHECK_EQ(fake_kicks[1], 2);                     /* its other vCPU leaves the guest */
	CHECK_EQ(on_pcpu(3, do_kicked), STILL_HERE);    /* vm b goes on */
}

extern uint64_t fake_b_image[4];

TEST(reset_restarts_a_partition_with_a_policy_from_its_pristine_copy)
{
	boot();
	fake_b_image[0] = 0xbad;                        /* the guest changed its image */
	CHECK_EQ(on_pcpu(3, do_reset), ENTERED_GUEST);  /* vm b restarts at once */
	CHECK(strstr(fake_console, "tessera: health: vm b: SYSTEM_RESET -> restart 1 of 1\r\n"));
	CHECK_EQ(fake_b_image[0], 0xa);                 /* image put back */
	CHECK_EQ(fake_b_image[3], 0xd);
	CHECK_EQ(fake_restore.size, 32);                /* caches told */
	CHECK_EQ(fake_restore.vm_resets, 1);            /* interrupt state forgotten */
	CHECK_EQ(fake_entered.entry, 0x40080000);
	CHECK_EQ(fake_entered.arg, 0x40000000);
	CHECK_EQ(on_pcpu(3, do_reset), WOULD_WAIT);     /* no restarts left */
	CHECK(strstr(fake_console, "tessera: health: vm b: SYSTEM_RESET -> stopped (no restarts left)"));
	CHECK_EQ(on_pcpu(0, do_kicked), STILL_HERE);    /* vm a never noticed */
}

static void do_fault(void) { core_guest_fault("data abort", 0x50000000, 0x40080000); }
static void do_progress(void) { core_guest_progress(); }

TEST(exception_loop_ends_the_partition)
{
	boot();
	for (int i = 0; i < 63; i++)
		CHECK_EQ(on_pcpu(0, do_fault), STILL_HERE);
	CHECK_EQ(on_pcpu(0, do_progress), STILL_HERE);  /* it got out: count again */
	for (int i = 0; i < 63; i++)
		CHECK_EQ(on_pcpu(0, do_fault), STILL_HERE);
	CHECK_EQ(on_pcpu(0, do_fault), WOULD_WAIT);     /* the 64th in a row */
	CHECK(strstr(fake_console, "tessera: health: vm a: exception loop -> stopped"));
}

static unsigned missing;
static void do_missing(void) { power_pcpu_missing(missing); }

TEST(a_pcpu_that_did_not_start_stops_its_partition_before_it_runs)
{
	power_init();
	missing = 3;                                    /* vm b: has a restart policy */
	CHECK_EQ(on_pcpu(0, do_missing), STILL_HERE);
	CHECK(strstr(fake_console,
		     "tessera: health: vm b: one of its pCPUs did not start -> stopped\r\n"));
	CHECK_EQ(fake_restore.vm_resets, 0);            /* not restarted */
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST); /* vm a runs */
	missing = 1;                                    /* vm a's second vCPU */
	CHECK_EQ(on_pcpu(0, do_missing), SYSTEM_OFF);   /* the last partition */
	CHECK(strstr(fake_console, "all partitions stopped, powering off"));
	CHECK(fake_failed);                             /* neither ever ran */
}

/* --- how the run ends: what arch_system_off is told (docs/testing.md) --- */

static void do_panic(void) { panic("test"); }

TEST(a_partition_stopped_by_a_fault_fails_the_run)
{
	boot();
	for (int i = 0; i < 64; i++)                    /* vm a: an exception loop */
		on_pcpu(0, do_fault);
	CHECK(strstr(fake_console, "tessera: health: vm a: exception loop -> stopped"));
	CHECK_EQ(on_pcpu(3, do_system_off), SYSTEM_OFF);        /* vm b ends cleanly */
	CHECK(fake_failed);
	CHECK(strstr(fake_console, "all partitions stopped, powering off\r\n"
				   "tessera: run failed: a partition was stopped other than by SYSTEM_OFF\r\n"));
}

TEST(a_reset_partition_stopped_without_a_restart_fails_the_run)
{
	boot();
	CHECK_EQ(on_pcpu(0, do_reset), WOULD_WAIT);     /* vm a: no restart policy */
	CHECK_EQ(on_pcpu(3, do_system_off), SYSTEM_OFF);
	CHECK(fake_failed);
}

TEST(a_restarted_partition_that_powers_off_later_succeeds)
{
	boot();
	CHECK_EQ(on_pcpu(3, do_reset), ENTERED_GUEST);  /* vm b: restart 1 of 1 */
	CHECK_EQ(on_pcpu(3, do_system_off), WOULD_WAIT);
	CHECK_EQ(on_pcpu(0, do_system_off), SYSTEM_OFF);
	CHECK(!fake_failed);
}

TEST(a_hypervisor_panic_fails_the_run)
{
	boot();
	CHECK_EQ(on_pcpu(1, do_panic), WOULD_WAIT);     /* pcpu 1 stops for good */
	CHECK(strstr(fake_console, "tessera: PANIC on pcpu 1: test\r\n"));
	CHECK_EQ(on_pcpu(0, do_system_off), WOULD_WAIT);
	CHECK_EQ(on_pcpu(3, do_system_off), SYSTEM_OFF);
	CHECK(fake_failed);
	CHECK(strstr(fake_console, "tessera: run failed: the hypervisor panicked\r\n"));
}

const struct test power_tests[] = {
	{ "power: boot vCPU enters at entry with x0 = DTB", boot_vcpu_enters_at_entry_with_dtb },
	{ "power: secondary vCPU waits until CPU_ON", secondary_vcpu_waits_until_cpu_on },
	{ "power: unused pCPU powers off", unused_pcpu_powers_off },
	{ "power: a pCPU that did not start stops its partition before it runs",
	  a_pcpu_that_did_not_start_stops_its_partition_before_it_runs },
	{ "power: CPU_ON starts the pinned pCPU; ON_PENDING, ALREADY_ON", cpu_on_starts_the_pinned_pcpu },
	{ "power: CPU_ON sees only its own partition", cpu_on_sees_only_its_own_partition },
	{ "power: CPU_ON rejects an entry outside executable memory", cpu_on_rejects_entry_outside_executable_memory },
	{ "power: AFFINITY_INFO follows the power state", affinity_info_follows_power_state },
	{ "power: last vCPU off ends the partition, last partition powers off",
	  last_vcpu_off_ends_partition_and_last_partition_powers_off },
	{ "power: SYSTEM_OFF stops its own partition's vCPUs only",
	  system_off_stops_the_other_vcpus_of_the_partition_only },
	{ "power: SYSTEM_RESET with several partitions stops only the caller",
	  reset_with_several_partitions_stops_only_the_caller },
	{ "health: SYSTEM_RESET restarts a partition with a policy, from its copy",
	  reset_restarts_a_partition_with_a_policy_from_its_pristine_copy },
	{ "health: an exception loop ends the partition", exception_loop_ends_the_partition },
	{ "exit status: a partition stopped by a fault fails the run",
	  a_partition_stopped_by_a_fault_fails_the_run },
	{ "exit status: a partition stopped after SYSTEM_RESET (no restart) fails the run",
	  a_reset_partition_stopped_without_a_restart_fails_the_run },
	{ "exit status: a restarted partition that later powers off does not",
	  a_restarted_partition_that_powers_off_later_succeeds },
	{ "exit status: a hypervisor panic on one pCPU fails the run", a_hypervisor_panic_fails_the_run },
	{ 0, 0 },
};
