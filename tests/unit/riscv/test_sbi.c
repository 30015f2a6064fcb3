/*
 * SBI as a riscv64 guest sees it (arch/riscv64/sbi.c, built for the host):
 * an ECALL's frame in, a0/a1 out, on the fake system's partitions (vm a:
 * harts 0x0 and 0x100 on pCPUs 0 and 1, no restart policy; vm b: hart 0x0
 * on pCPU 3, restarts once). The power logic behind HSM and SRST is the
 * core's, as PSCI's is (tests/unit/test_psci.c).
 */
#include <string.h>
#include <tessera/core.h>
#include "../../../arch/riscv64/arch.h"
#include "../../../arch/riscv64/sbi.h"
#include "../../../src/console.h"
#include "../../../src/power.h"
#include "../check.h"
#include "../fake_arch.h"
#include "fake_riscv.h"

#define STARTED         0
#define STOPPED         1
#define START_PENDING   2
#define EXEC_ENTRY      0x40080000ull   /* in a's executable RAM */
#define DATA_ONLY       0x50000000ull   /* a's RAM, not executable */
#define DBCN_BUF        0x60000000ull   /* a's RAM the test can see: fake_guest_ram */

extern uint8_t fake_guest_ram[0x1000];
static struct frame frame;
static struct sbiret result;

static void do_call(void) { sbi_guest_call(&frame); }

static void setup(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
		  unsigned long a2)
{
	memset(&frame, 0, sizeof(frame));
	frame.x[17] = ext;
	frame.x[16] = fid;
	frame.x[10] = a0;
	frame.x[11] = a1;
	frame.x[12] = a2;
	frame.x[13] = 0x1313;
}

/* a0/a1 after the guest on pcpu made the call; fails the test if it did not
 * return to the guest. */
static struct sbiret call(unsigned pcpu, unsigned long ext, unsigned long fid, unsigned long a0,
			  unsigned long a1, unsigned long a2)
{
	setup(ext, fid, a0, a1, a2);
	CHECK_EQ(on_pcpu(pcpu, do_call), STILL_HERE);
	CHECK_EQ(frame.x[13], 0x1313);          /* only a0 and a1 are written */
	result = (struct sbiret){ (long)frame.x[10], (long)frame.x[11] };
	return result;
}

static enum leave call_noreturn(unsigned pcpu, unsigned long ext, unsigned long fid,
				unsigned long a0, unsigned long a1, unsigned long a2)
{
	setup(ext, fid, a0, a1, a2);
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
	memset(&fake_riscv, 0, sizeof(fake_riscv));
	fake_reset();
}

#define CHECK_SBI(r, err, val) do { struct sbiret _r = (r); CHECK_EQ(_r.error, err); \
	CHECK_EQ(_r.value, val); } while (0)

TEST(base_answers_truthfully)
{
	static const unsigned long implemented[] = {
		SBI_EXT_LEGACY_PUTCHAR, SBI_EXT_LEGACY_GETCHAR, SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,
		SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN,
	};
	static const unsigned long others[] = {
		0x00, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,       /* the rest of the legacy calls */
		0x504D55, 0x53555350, 0x43505043, 0x4E41434C, 0x535441, 0x54455354, 0,
	};
	boot();
	CHECK_SBI(call(0, SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0), 0, 0x02000000);
	CHECK_SBI(call(0, SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0), 0, 0x54455353);
	CHECK_SBI(call(0, SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0), 0, 0x10000);
	for (unsigned i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++)
		CHECK_SBI(call(0, SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, implemented[i], 0, 0), 0, 1);
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CHECK_SBI(call(0, SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, others[i], 0, 0), 0, 0);
	CHECK_SBI(call(0, SBI_EXT_BASE, SBI_BASE_GET_MVENDORID, 0, 0, 0), 0, 0);
	CHECK_SBI(call(0, SBI_EXT_BASE, 7, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
}

TEST(anything_else_is_not_supported)
{
	boot();
	CHECK_SBI(call(0, 0x504D55, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);   /* PMU */
	/* legacy shutdown, set_timer: the answer in a0 alone, a1 as it was */
	CHECK_SBI(call(0, 0x08, 0, 0, 0x5a5a, 0), SBI_ERR_NOT_SUPPORTED, 0x5a5a);
	CHECK_SBI(call(0, 0x00, 0, 0, 0xa5a5, 0), SBI_ERR_NOT_SUPPORTED, 0xa5a5);
	CHECK_SBI(call(0, 0xffffffffffffffff, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_TIME, 1, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_IPI, 1, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, 4, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_SRST, 1, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_DBCN, 3, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	/* HFENCE: the guest has no H extension */
	for (unsigned long fid = 3; fid <= 6; fid++)
		CHECK_SBI(call(0, SBI_EXT_RFENCE, fid, 1, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_EQ(fake_riscv.requests[1], 0);
}

TEST(hsm_states_and_errors)
{
	boot();
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x0, 0, 0), 0, STARTED);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x100, 0, 0), 0, STOPPED);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x1, 0, 0), SBI_ERR_INVALID_PARAM, 0);
	/* a hart of no partition's, and vm b's hart 0x0 is its own, not a's */
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_START, 0x2, EXEC_ENTRY, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(3, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x100, 0, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(3, SBI_EXT_HSM, SBI_HSM_HART_START, 0x100, EXEC_ENTRY, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_START, 0x0, EXEC_ENTRY, 0), SBI_ERR_ALREADY_AVAILABLE, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_START, 0x100, DATA_ONLY, 0), SBI_ERR_INVALID_ADDRESS, 0);
	CHECK_EQ(fake_kicks[1], 0);
	/* a good start: START_PENDING until the hart runs it, a0 = hart id, a1 = opaque */
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_START, 0x100, EXEC_ENTRY, 0x77), 0, 0);
	CHECK_EQ(fake_kicks[1], 1);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x100, 0, 0), 0, START_PENDING);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_START, 0x100, EXEC_ENTRY, 0), SBI_ERR_ALREADY_AVAILABLE, 0);
	CHECK_EQ(on_pcpu(1, cpu1_main), ENTERED_GUEST);
	CHECK_EQ(fake_entered.entry, EXEC_ENTRY);
	CHECK_EQ(fake_entered.arg, 0x77);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x100, 0, 0), 0, STARTED);
	CHECK_SBI(call(1, SBI_EXT_HSM, SBI_HSM_HART_START, 0x100, EXEC_ENTRY, 0), SBI_ERR_ALREADY_AVAILABLE, 0);
	/* hart_stop: the hart stops, its pCPU waits; the partition goes on */
	CHECK_EQ(call_noreturn(1, SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0), WOULD_WAIT);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x100, 0, 0), 0, STOPPED);
	CHECK(!strstr(fake_console, "stopped"));
}

TEST(hsm_the_last_hart_stopping_ends_the_partition)
{
	boot();
	CHECK_EQ(call_noreturn(0, SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0), WOULD_WAIT);
	CHECK(strstr(fake_console, "tessera: vm a stopped: all vCPUs off\r\n"));
}

TEST(hsm_suspend)
{
	boot();
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0, 0, 0), 0, 0);   /* retentive: wakes at once */
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 1, 0, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x0fffffff, 0, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x10000000, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x80000001, EXEC_ENTRY, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x90000000, EXEC_ENTRY, 0), SBI_ERR_NOT_SUPPORTED, 0);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x80000000, DATA_ONLY, 0), SBI_ERR_INVALID_ADDRESS, 0);
	CHECK_EQ(fake_riscv.resumed, 0);
	/* non-retentive: resumes at once at resume_addr with a1 = opaque, still STARTED */
	CHECK_EQ(call_noreturn(0, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x80000000, EXEC_ENTRY + 0x40, 0x99),
		 ENTERED_GUEST);
	CHECK_EQ(fake_riscv.resumed, 1);
	CHECK_EQ(fake_entered.entry, EXEC_ENTRY + 0x40);
	CHECK_EQ(fake_entered.arg, 0x99);
	CHECK_SBI(call(0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0x0, 0, 0), 0, STARTED);
}

TEST(srst_ends_the_callers_partition_only)
{
	boot();
	CHECK_SBI(call(0, SBI_EXT_SRST, SBI_SRST_RESET, 3, 0, 0), SBI_ERR_INVALID_PARAM, 0);  /* reserved type */
	CHECK_SBI(call(0, SBI_EXT_SRST, SBI_SRST_RESET, 0xf0000000, 0, 0), SBI_ERR_INVALID_PARAM, 0);  /* vendor */
	CHECK_SBI(call(0, SBI_EXT_SRST, SBI_SRST_RESET, 0, 2, 0), SBI_ERR_INVALID_PARAM, 0);  /* reserved reason */
	CHECK_SBI(call(0, SBI_EXT_SRST, SBI_SRST_RESET, 0, 0xe0000000, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK(!strstr(fake_console, "SRST"));
	/* shutdown (reason: system failure) of a: a stops, b goes on */
	CHECK_EQ(call_noreturn(0, SBI_EXT_SRST, SBI_SRST_RESET, 0, 1, 0), WOULD_WAIT);
	CHECK(strstr(fake_console, "tessera: vm a stopped: SRST shutdown\r\n"));
	CHECK_SBI(call(3, SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0), 0, 0x02000000);
}

TEST(srst_reboot_restarts_a_partition_with_a_policy)
{
	extern uint64_t fake_b_image[4];
	boot();
	fake_b_image[0] = 0xbad;
	/* the upper half of a0 is no part of reset_type (32 bits) */
	CHECK_EQ(call_noreturn(3, SBI_EXT_SRST, SBI_SRST_RESET, 0xffffffff00000001ul, 0, 0), ENTERED_GUEST);
	CHECK(strstr(fake_console, "tessera: health: vm b: SRST cold reboot -> restart 1 of 1\r\n"));
	CHECK_EQ(fake_b_image[0], 0xa);
	CHECK_EQ(call_noreturn(3, SBI_EXT_SRST, SBI_SRST_RESET, 2, 0, 0), WOULD_WAIT);
	CHECK(strstr(fake_console, "tessera: health: vm b: SRST warm reboot -> stopped (no restarts left)\r\n"));
}

TEST(ipi_and_rfence_by_virtual_hart_masks)
{
	boot();
	/* bit 0 of base 0x100: hart 0x100, vm a's vCPU 1 on pCPU 1 */
	CHECK_SBI(call(0, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 0x100, 0), 0, 0);
	CHECK_EQ(fake_riscv.requests[1], REQ_VSSIP);
	CHECK_EQ(fake_riscv.waited[1], 0);                      /* an IPI is not waited for */
	/* any hart not the partition's: nothing happens at all */
	memset(&fake_riscv, 0, sizeof(fake_riscv));
	CHECK_SBI(call(0, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 3, 0x100, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(3, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 0x100, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1ul << 63, ~0ul - 5, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_EQ(fake_riscv.requests[0] | fake_riscv.requests[1] | fake_riscv.requests[2] | fake_riscv.local, 0);
	/* base -1: every hart of the partition, the caller itself here and now */
	CHECK_SBI(call(0, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, ~0ul, 0), 0, 0);
	CHECK_EQ(fake_riscv.local, REQ_VSSIP);
	CHECK_EQ(fake_riscv.requests[1], REQ_VSSIP);
	CHECK_EQ(fake_riscv.requests[2], 0);                    /* never another partition's */
	/* fences are done before the call returns */
	memset(&fake_riscv, 0, sizeof(fake_riscv));
	CHECK_SBI(call(0, SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_FENCE_I, 1, 0x100, 0), 0, 0);
	CHECK_EQ(fake_riscv.requests[1], REQ_FENCE_I);
	CHECK_EQ(fake_riscv.waited[1], 1);
	CHECK_SBI(call(0, SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA_ASID, 1, 0, 0), 0, 0);
	CHECK_EQ(fake_riscv.local, REQ_VVMA);
	CHECK_SBI(call(0, SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA, 2, 0, 0), SBI_ERR_INVALID_PARAM, 0);
}

TEST(time_sets_the_guests_timer)
{
	boot();
	CHECK_SBI(call(0, SBI_EXT_TIME, SBI_TIME_SET_TIMER, 0x123456789, 0, 0), 0, 0);
	CHECK_EQ(fake_riscv.timer, 0x123456789);
	CHECK_EQ(fake_riscv.timer_calls, 1);
}

TEST(dbcn_and_legacy_console)
{
	boot();
	memcpy(fake_guest_ram + 0x10, "hello\nwor", 9);
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE, 9, 0x60000010, 0), 0, 9);
	CHECK(strstr(fake_console, "[a] hello\r\n[a] wor"));    /* the unfinished line shown */
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, 'l', 0, 0), 0, 0);
	setup(SBI_EXT_LEGACY_PUTCHAR, 0, 'd', 0x5555, 0);
	CHECK_EQ(on_pcpu(0, do_call), STILL_HERE);
	CHECK_EQ(frame.x[10], 0);
	CHECK_EQ(frame.x[11], 0x5555);                          /* legacy: a0 only */
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE, 1, 0x60000010 + 5, 0), 0, 1);
	CHECK(strstr(fake_console, "world\r\n"));
	/* outside its RAM, a device, the upper half of the address, past the end */
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE, 4, 0x70000000, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE, 4, 0x9000000, 0), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE, 4, DBCN_BUF, 1), SBI_ERR_INVALID_PARAM, 0);
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_WRITE, 8, DBCN_BUF + 0xffc, 0), SBI_ERR_INVALID_PARAM, 0);
	/* vm b cannot name a's memory: its own region there does not exist */
	CHECK_SBI(call(3, SBI_EXT_DBCN, SBI_DBCN_WRITE, 4, DBCN_BUF, 0), SBI_ERR_INVALID_PARAM, 0);
	/* input: typed for a (the console focus), read into its memory */
	vuart_input(0, 'x');
	vuart_input(0, 'y');
	vuart_input(0, 'z');
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_READ, 2, DBCN_BUF + 0x100, 0), 0, 2);
	CHECK(!memcmp(fake_guest_ram + 0x100, "xy", 2));
	setup(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0);
	CHECK_EQ(on_pcpu(0, do_call), STILL_HERE);
	CHECK_EQ(frame.x[10], 'z');
	CHECK_EQ(on_pcpu(0, do_call), STILL_HERE);
	CHECK_EQ((long)frame.x[10], -1);
	CHECK_SBI(call(0, SBI_EXT_DBCN, SBI_DBCN_READ, 8, DBCN_BUF, 0), 0, 0);
}

const struct test sbi_tests[] = {
	{ "sbi: BASE: version 2.0, probe_extension true for exactly what is implemented",
	  base_answers_truthfully },
	{ "sbi: any other extension or function: NOT_SUPPORTED", anything_else_is_not_supported },
	{ "sbi: HSM states (STARTED, STOPPED, START_PENDING) and errors, by virtual hart id",
	  hsm_states_and_errors },
	{ "sbi: HSM hart_stop of the last hart ends the partition",
	  hsm_the_last_hart_stopping_ends_the_partition },
	{ "sbi: HSM hart_suspend: retentive returns, non-retentive resumes, reserved types refused",
	  hsm_suspend },
	{ "sbi: SRST shutdown ends the caller's partition only; reserved types and reasons refused",
	  srst_ends_the_callers_partition_only },
	{ "sbi: SRST reboot restarts a partition with a restart policy",
	  srst_reboot_restarts_a_partition_with_a_policy },
	{ "sbi: IPI and RFENCE by hart masks of the caller's partition only",
	  ipi_and_rfence_by_virtual_hart_masks },
	{ "sbi: TIME set_timer", time_sets_the_guests_timer },
	{ "sbi: DBCN write/read/write_byte and the legacy console, the caller's memory only",
	  dbcn_and_legacy_console },
	{ 0, 0 },
};
