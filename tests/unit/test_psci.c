/*
 * PSCI 1.1 as a guest sees it (arch/aarch64/psci.c, built for the host):
 * a guest's HVC frame in, x0 out, on the fake system's partitions (vm a:
 * vCPUs 0x0 and 0x100 on pCPUs 0 and 1, no restart policy; vm b: one vCPU
 * on pCPU 3 that restarts once).
 */
#include <string.h>
#include <tessera/core.h>
#include "../../arch/aarch64/arch.h"
#include "../../src/power.h"
#include "check.h"
#include "fake_arch.h"

#define PSCI_VERSION            0x84000000u
#define PSCI_CPU_SUSPEND_32     0x84000001u
#define PSCI_CPU_SUSPEND_64     0xc4000001u
#define PSCI_CPU_OFF            0x84000002u
#define PSCI_CPU_ON_32          0x84000003u
#define PSCI_CPU_ON_64          0xc4000003u
#define PSCI_AFFINITY_INFO_32   0x84000004u
#define PSCI_AFFINITY_INFO_64   0xc4000004u
#define PSCI_MIGRATE            0x84000005u
#define PSCI_MIGRATE_INFO_TYPE  0x84000006u
#define PSCI_SYSTEM_OFF         0x84000008u
#define PSCI_SYSTEM_RESET       0x84000009u
#define PSCI_FEATURES           0x8400000au
#define PSCI_CPU_FREEZE         0x8400000bu
#define PSCI_SYSTEM_SUSPEND_64  0xc400000eu
#define PSCI_SYSTEM_RESET2_32   0x84000012u
#define PSCI_SYSTEM_RESET2_64   0xc4000012u
#define PSCI_MEM_PROTECT        0x84000013u
#define SMCCC_VERSION           0x80000000u
#define TESSERA_HC_VERSION      0xc6000000u

#define NOT_SUPPORTED           (-1)
#define INVALID_PARAMETERS      (-2)

static struct frame frame;     /* psci_guest_call reads it (const): x0-x3 */
static long result;             /* what arch_trap_call puts in x0 */

static void do_call(void) { result = psci_guest_call(&frame); }

/* x0 after the guest on pcpu called fn(a1, a2, a3); fails the test if the
 * call did not return to the guest. */
static long call(unsigned pcpu, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	memset(&frame, 0, sizeof(frame));
	frame.x[0] = fn;
	frame.x[1] = a1;
	frame.x[2] = a2;
	frame.x[3] = a3;
	CHECK_EQ(on_pcpu(pcpu, do_call), STILL_HERE);
	return result;
}

/* How the guest's call of fn left its pCPU (a reset does not return). */
static enum leave call_noreturn(unsigned pcpu, uint64_t fn, uint64_t a1, uint64_t a2)
{
	memset(&frame, 0, sizeof(frame));
	frame.x[0] = fn;
	frame.x[1] = a1;
	frame.x[2] = a2;
	return on_pcpu(pcpu, do_call);
}

static void cpu0_main(void) { power_pcpu_run(0); }
static void cpu1_main(void) { power_pcpu_run(1); }
static void cpu3_main(void) { power_pcpu_run(3); }

static void boot(void)
{
	power_init();
	CHECK_EQ(on_pcpu(0, cpu0_main), ENTERED_GUEST);
	CHECK_EQ(on_pcpu(1, cpu1_main), WOULD_WAIT);
	CHECK_EQ(on_pcpu(3, cpu3_main), ENTERED_GUEST);
}

TEST(version_is_1_1)
{
	boot();
	CHECK_EQ(call(0, PSCI_VERSION, 0, 0, 0), 0x10001);
}

/* Every function psci.c implements: SUCCESS, or CPU_SUSPEND's flags (both
 * clear: the original power_state format, no OS-initiated mode). */
TEST(features_of_every_implemented_function)
{
	static const uint32_t implemented[] = {
		PSCI_VERSION, PSCI_CPU_OFF, PSCI_CPU_ON_32, PSCI_CPU_ON_64, PSCI_AFFINITY_INFO_32,
		PSCI_AFFINITY_INFO_64, PSCI_MIGRATE_INFO_TYPE, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET,
		PSCI_FEATURES, PSCI_SYSTEM_RESET2_32, PSCI_SYSTEM_RESET2_64,
	};
	boot();
	for (unsigned i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++) {
		long got = call(0, PSCI_FEATURES, implemented[i], 0, 0);
		if (got != 0)
			fprintf(stderr, "  PSCI_FEATURES(0x%x) = %ld\n", implemented[i], got);
		CHECK_EQ(got, 0);
	}
	CHECK_EQ(call(0, PSCI_FEATURES, PSCI_CPU_SUSPEND_32, 0, 0), 0);
	CHECK_EQ(call(0, PSCI_FEATURES, PSCI_CPU_SUSPEND_64, 0, 0), 0);
	/* SMC32: the function id is w1; the upper half of x1 is not looked at */
	CHECK_EQ(call(0, PSCI_FEATURES, 0xdead000000000000ull | PSCI_SYSTEM_RESET2_64, 0, 0), 0);
}

/* Anything else: NOT_SUPPORTED, SMCCC_VERSION included (Tessera does not
 * implement it: SMCCC 1.0), and an SMC64 id of an SMC32-only function. */
TEST(features_of_anything_else_is_not_supported)
{
	static const uint32_t others[] = {
		PSCI_MIGRATE, PSCI_CPU_FREEZE, PSCI_SYSTEM_SUSPEND_64, PSCI_MEM_PROTECT,
		PSCI_VERSION | 0x40000000u, PSCI_SYSTEM_OFF | 0x40000000u, 0x8400001fu,
		SMCCC_VERSION, TESSERA_HC_VERSION, 0,
	};
	boot();
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		long got = call(0, PSCI_FEATURES, others[i], 0, 0);
		if (got != NOT_SUPPORTED)
			fprintf(stderr, "  PSCI_FEATURES(0x%x) = %ld\n", others[i], got);
		CHECK_EQ(got, NOT_SUPPORTED);
	}
}

TEST(an_unknown_function_is_not_supported)
{
	boot();
	CHECK_EQ(call(0, PSCI_MIGRATE, 0, 0, 0), NOT_SUPPORTED);
	CHECK_EQ(call(0, PSCI_SYSTEM_SUSPEND_64, 0x40080000, 0, 0), NOT_SUPPORTED);
	CHECK_EQ(call(0, SMCCC_VERSION, 0, 0, 0), NOT_SUPPORTED);
	CHECK_EQ(call(0, TESSERA_HC_VERSION, 0, 0, 0), 0x10000);     /* not PSCI: still answered */
}

/* Refused resets return; the partition goes on. */
TEST(system_reset2_refuses_reserved_and_vendor_types)
{
	boot();
	for (int smc64 = 0; smc64 < 2; smc64++) {
		uint32_t fn = smc64 ? PSCI_SYSTEM_RESET2_64 : PSCI_SYSTEM_RESET2_32;
		CHECK_EQ(call(0, fn, 1, 0, 0), INVALID_PARAMETERS);           /* architectural, reserved */
		CHECK_EQ(call(0, fn, 0x7fffffff, 0, 0), INVALID_PARAMETERS);
		CHECK_EQ(call(0, fn, 0x80000000, 0, 0), NOT_SUPPORTED);       /* vendor-specific */
		CHECK_EQ(call(3, fn, 0xffffffff, 0x1234, 0), NOT_SUPPORTED);
	}
	CHECK(!strstr(fake_console, "SYSTEM_RESET"));
	CHECK_EQ(call(0, PSCI_VERSION, 0, 0, 0), 0x10001);                /* still running */
}

/* SYSTEM_WARM_RESET (type 0) is SYSTEM_RESET: a partition with a restart
 * policy starts again from its pristine copy, whatever the cookie. */
TEST(system_reset2_warm_reset_restarts_a_partition_with_a_policy)
{
	extern uint64_t fake_b_image[4];
	boot();
	fake_b_image[0] = 0xbad;
	CHECK_EQ(call_noreturn(3, PSCI_SYSTEM_RESET2_64, 0, 0xc00c1e), ENTERED_GUEST);
	CHECK(strstr(fake_console, "tessera: health: vm b: SYSTEM_RESET2 -> restart 1 of 1\r\n"));
	CHECK_EQ(fake_b_image[0], 0xa);
	CHECK_EQ(fake_entered.entry, 0x40080000);
	CHECK_EQ(fake_entered.arg, 0x40000000);
}

/* ... and one without a policy, among several partitions, stops. The
 * upper half of an SMC64 call's x1 is not part of reset_type. */
TEST(system_reset2_warm_reset_stops_a_partition_without_a_policy)
{
	boot();
	CHECK_EQ(call_noreturn(0, PSCI_SYSTEM_RESET2_64, 0x100000000ull, 0), WOULD_WAIT);
	CHECK(strstr(fake_console, "tessera: health: vm a: SYSTEM_RESET2 -> stopped\r\n"));
	CHECK_EQ(call(3, PSCI_VERSION, 0, 0, 0), 0x10001);                /* vm b goes on */
}

TEST(system_reset2_32_warm_reset)
{
	boot();
	CHECK_EQ(call_noreturn(0, PSCI_SYSTEM_RESET2_32, 0xffffffff00000000ull, 0), WOULD_WAIT);
	CHECK(strstr(fake_console, "tessera: health: vm a: SYSTEM_RESET2 -> stopped\r\n"));
}

const struct test psci_tests[] = {
	{ "psci: PSCI_VERSION is 1.1", version_is_1_1 },
	{ "psci: PSCI_FEATURES of every implemented function: 0 (CPU_SUSPEND: no flags)",
	  features_of_every_implemented_function },
	{ "psci: PSCI_FEATURES of anything else, SMCCC_VERSION included: NOT_SUPPORTED",
	  features_of_anything_else_is_not_supported },
	{ "psci: an unknown function is NOT_SUPPORTED; Tessera's own still answered",
	  an_unknown_function_is_not_supported },
	{ "psci: SYSTEM_RESET2 refuses reserved (INVALID_PARAMETERS) and vendor (NOT_SUPPORTED) types",
	  system_reset2_refuses_reserved_and_vendor_types },
	{ "psci: SYSTEM_RESET2 warm reset restarts a partition with a policy",
	  system_reset2_warm_reset_restarts_a_partition_with_a_policy },
	{ "psci: SYSTEM_RESET2 warm reset stops a partition without one",
	  system_reset2_warm_reset_stops_a_partition_without_a_policy },
	{ "psci: SYSTEM_RESET2 (SMC32) takes w1 as reset_type", system_reset2_32_warm_reset },
	{ 0, 0 },
};
