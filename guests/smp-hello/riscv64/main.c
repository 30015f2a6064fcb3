/*
 * smp-hello, riscv64: bring up every hart listed in the device tree with
 * SBI HSM hart_start, have each one report in, meet at a barrier, then
 * power the system off with SBI SRST. It exercises a hypervisor's vCPUs,
 * its SBI (BASE, HSM states and refusals, TIME, DBCN where offered), hart
 * ids and 16550 emulation, and checks that a load just past the end of its
 * RAM faults. The same binary boots bare on QEMU (OpenSBI answers then).
 */
#include <stdatomic.h>
#include <stddef.h>

#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "sbi.h"
#include "trap.h"
#include "uart.h"

static atomic_uint arrived;		/* vCPUs that reached the barrier */
static atomic_uint expected;		/* vCPUs the barrier waits for */
static unsigned int check_failures;

static void __attribute__((noreturn)) power_off(void)
{
	sbi_power_off("smp-hello: ");
}

static void barrier(void)
{
	atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&arrived, memory_order_acquire) <
	       atomic_load_explicit(&expected, memory_order_acquire))
		cpu_relax();
}

static void check(const char *what, long got, long want)
{
	if (got != want) {
		say("smp-hello: sbi check failed: %s got %ld, want %ld\n", what, got, want);
		check_failures++;
	}
}

/* Every extension this guest knows, by name, and which the SBI offers. */
static const struct { unsigned long eid; const char *name; } extensions[] = {
	{ SBI_EXT_BASE, "base" },
	{ SBI_EXT_LEGACY_SET_TIMER, "legacy-set-timer" }, { SBI_EXT_LEGACY_PUTCHAR, "legacy-putchar" },
	{ SBI_EXT_LEGACY_GETCHAR, "legacy-getchar" }, { SBI_EXT_LEGACY_SHUTDOWN, "legacy-shutdown" },
	{ SBI_EXT_TIME, "time" }, { SBI_EXT_IPI, "ipi" }, { SBI_EXT_RFENCE, "rfence" },
	{ SBI_EXT_HSM, "hsm" }, { SBI_EXT_SRST, "srst" }, { SBI_EXT_PMU, "pmu" },
	{ SBI_EXT_DBCN, "dbcn" }, { SBI_EXT_SUSP, "susp" }, { SBI_EXT_CPPC, "cppc" },
};
static bool have_dbcn;

static void probe_extensions(void)
{
	char line[256];
	size_t len = 0;

	for (unsigned int i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		long present = sbi_probe(extensions[i].eid);
		if (present && len + 1 < sizeof(line)) {
			buf_printf(line + len, sizeof(line) - len, " %s", extensions[i].name);
			while (line[len])
				len++;
		}
		if (extensions[i].eid == SBI_EXT_DBCN)
			have_dbcn = present != 0;
	}
	line[len] = '\0';
	say("smp-hello: sbi extensions:%s\n", line);
	/* An extension id nobody defines. */
	check("probe_extension(0x7654321)", sbi_probe(0x7654321), 0);
	struct sbiret r = sbi_call(0x7654321, 0, 0, 0, 0, 0);
	check("an unknown extension's function", r.error, SBI_ERR_NOT_SUPPORTED);
	r = sbi_call(SBI_EXT_BASE, 0x1234, 0, 0, 0, 0);
	check("an unknown BASE function", r.error, SBI_ERR_NOT_SUPPORTED);
}

/* A hart id no /cpus entry uses: outside the partition (under a hypervisor) or the machine. */
static unsigned long foreign_hart(void)
{
	unsigned long h = 0;

	while (dt_vcpu_index(h) >= 0)
		h++;
	return h;
}

/* HSM conformance before the others start: states and refusals. */
static void hsm_checks(unsigned int self)
{
	struct sbiret r = sbi_hart_get_status(dt.cpu_id[self]);

	check("hart_get_status(self).error", r.error, SBI_SUCCESS);
	check("hart_get_status(self)", r.value, SBI_HSM_STARTED);
	if (dt.ncpus > 1) {
		unsigned int other = self == 0 ? 1 : 0;
		r = sbi_hart_get_status(dt.cpu_id[other]);
		check("hart_get_status(another, not started)", r.value, SBI_HSM_STOPPED);
	}
	r = sbi_hart_start(dt.cpu_id[self], (uintptr_t)secondary_entry, self);
	check("hart_start(self)", r.error, SBI_ERR_ALREADY_AVAILABLE);
	unsigned long foreign = foreign_hart();
	r = sbi_hart_start(foreign, (uintptr_t)secondary_entry, 0);
	check("hart_start(a hart not in /cpus)", r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_hart_get_status(foreign);
	check("hart_get_status(a hart not in /cpus)", r.error, SBI_ERR_INVALID_PARAM);
	if (!check_failures)
		say("smp-hello: hsm checks ok (hart 0x%lx refused)\n", foreign);
}

/*
 * SBI TIME: a deadline a little ahead brings the supervisor timer
 * interrupt, taken (trap_handle masks it: it stays pending until the next
 * set_timer); a deadline in the far future takes it back.
 */
static volatile bool timer_fired;
static volatile uint64_t timer_when;

static void timer_check(void)
{
	uint64_t start = read_time();
	uint64_t ticks = 100000;	/* 10 ms at QEMU virt's 10 MHz */

	timer_fired = false;
	csr_set(sie, SIE_STIE);
	check("set_timer", sbi_set_timer(start + ticks).error, SBI_SUCCESS);
	csr_set(sstatus, SSTATUS_SIE);
	while (!timer_fired && read_time() - start < 100 * ticks)
		wfi();
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_STIE);
	sbi_set_timer(~0ULL);
	if (!timer_fired || timer_when < start + ticks) {
		say("smp-hello: sbi check failed: timer interrupt %s after %lu ticks (want >= %lu)\n",
		    timer_fired ? "taken" : "not taken", (unsigned long)(timer_when - start),
		    (unsigned long)ticks);
		check_failures++;
	} else {
		say("smp-hello: sbi timer ok\n");
	}
}

/* DBCN write, where the SBI offers it: the line reaches the console through it. */
static void dbcn_check(void)
{
	static const char msg[] = "smp-hello: dbcn write ok\n";

	if (!have_dbcn)
		return;
	console_lock();
	struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, sizeof(msg) - 1, (uintptr_t)msg, 0, 0);
	console_unlock();
	check("DBCN write", r.error, SBI_SUCCESS);
	check("DBCN write: bytes written", r.value, (long)sizeof(msg) - 1);
}

static struct expected_fault probe;

/*
 * Load once from the first byte after our RAM. A hypervisor has nothing
 * mapped there for us (G-stage) and must inject a load access fault; bare
 * on QEMU virt nothing decodes the address and QEMU raises the same fault.
 */
static void fault_check(void)
{
	uint64_t addr = dt_mem_end();
	uint64_t pc;
	uint32_t val;

	if (!addr) {
		say("smp-hello: fault check failed: no /memory in the device tree\n");
		return;
	}
	expected_fault_arm(&probe);
	__asm__ volatile(
		"1:	auipc	%1, 0\n"
		"	lw	%0, 0(%2)"
		: "=r"(val), "=&r"(pc)
		: "r"(addr)
		: "memory");
	bool taken = expected_fault_disarm(&probe);
	pc += 4;		/* the lw follows the auipc */

	if (!taken)
		say("smp-hello: fault check failed: no fault taken by a load from 0x%lx (read 0x%x)\n",
		    (unsigned long)addr, val);
	else if (probe.sepc != pc || probe.scause != CAUSE_LOAD_ACCESS || probe.stval != addr)
		say("smp-hello: fault check failed: load from 0x%lx at 0x%lx gave scause 0x%lx stval 0x%lx at 0x%lx, want scause 0x%x, stval 0x%lx\n",
		    (unsigned long)addr, (unsigned long)pc, probe.scause, probe.stval, probe.sepc,
		    CAUSE_LOAD_ACCESS, (unsigned long)addr);
	else
		say("smp-hello: fault check ok (load access fault at 0x%lx)\n", (unsigned long)addr);
}

void boot_main(uintptr_t dtb, unsigned long hartid)
{
	int err = dt_scan(dtb, NULL, NULL);

	if (err) {
		say("smp-hello: bad device tree at 0x%lx (error %d)\n", (unsigned long)dtb, err);
		power_off();
	}
	if (dt.ncpus_listed > MAX_VCPUS)
		say("smp-hello: /cpus lists %u harts, using the first %u\n", dt.ncpus_listed, MAX_VCPUS);
	int self = dt_vcpu_index(hartid);
	if (self < 0) {
		say("smp-hello: boot hart 0x%lx is not in /cpus\n", hartid);
		power_off();
	}
	set_this_vcpu((unsigned int)self);
	say("smp-hello: vcpu %d hart 0x%lx up\n", self, hartid);

	struct sbiret v = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0);
	say("smp-hello: sbi version %lu.%lu\n", ((unsigned long)v.value >> 24) & 0x7f,
	    (unsigned long)v.value & 0xffffff);
	probe_extensions();
	hsm_checks((unsigned int)self);
	timer_check();
	dbcn_check();
	fault_check();

	/* Set before hart_start: secondaries read it at the barrier. */
	atomic_store_explicit(&expected, dt.ncpus, memory_order_release);
	for (unsigned int i = 0; i < dt.ncpus; i++) {
		if (i == (unsigned int)self)
			continue;
		/* opaque = vCPU index: picks the secondary's stack and identity. */
		struct sbiret r = sbi_hart_start(dt.cpu_id[i], (uintptr_t)secondary_entry, i);
		if (r.error != SBI_SUCCESS) {
			say("smp-hello: sbi check failed: hart_start(0x%lx) got %ld\n",
			    (unsigned long)dt.cpu_id[i], r.error);
			atomic_fetch_sub_explicit(&expected, 1, memory_order_acq_rel);
			continue;
		}
		r = sbi_hart_get_status(dt.cpu_id[i]);
		if (r.error || (r.value != SBI_HSM_STARTED && r.value != SBI_HSM_START_PENDING)) {
			say("smp-hello: sbi check failed: hart 0x%lx after hart_start: status %ld error %ld\n",
			    (unsigned long)dt.cpu_id[i], r.value, r.error);
			check_failures++;
		}
	}

	barrier();

	unsigned int up = atomic_load_explicit(&expected, memory_order_acquire);
	if (up == dt.ncpus)
		say("smp-hello: all %u vcpus up\n", dt.ncpus);
	else
		say("smp-hello: only %u of %u vcpus up\n", up, dt.ncpus);

	/* Each secondary stops itself after the barrier: wait for STOPPED. */
	for (unsigned int i = 0; i < dt.ncpus; i++) {
		if (i == (unsigned int)self)
			continue;
		struct sbiret r;
		uint64_t start = read_time();
		do
			r = sbi_hart_get_status(dt.cpu_id[i]);
		while (r.error == SBI_SUCCESS && r.value != SBI_HSM_STOPPED &&
		       read_time() - start < 50000000);	/* 5 s */
		check("hart_get_status(a hart that stopped itself)", r.value, SBI_HSM_STOPPED);
	}
	if (!check_failures)
		say("smp-hello: sbi checks ok\n");
	power_off();
}

void secondary_main(unsigned long vcpu, unsigned long hartid)
{
	if (vcpu >= dt.ncpus) {
		say("smp-hello: secondary hart 0x%lx started with bad opaque %lu\n", hartid, vcpu);
	} else {
		say("smp-hello: vcpu %lu hart 0x%lx up\n", vcpu, hartid);
		if (hartid != dt.cpu_id[vcpu])
			say("smp-hello: sbi check failed: a0 of vcpu %lu (want hart 0x%lx) got 0x%lx\n",
			    vcpu, (unsigned long)dt.cpu_id[vcpu], hartid);
		struct sbiret r = sbi_hart_get_status(hartid);
		if (r.error || r.value != SBI_HSM_STARTED)
			say("smp-hello: sbi check failed: hart_get_status(self) on vcpu %lu: %ld error %ld\n",
			    vcpu, r.value, r.error);
		barrier();
	}
	struct sbiret r = sbi_hart_stop();
	say("smp-hello: sbi check failed: hart_stop returned %ld\n", r.error);
	cpu_halt();
}

void trap_handle(struct trap_frame *f)
{
	if (f->scause == (CAUSE_INTERRUPT | 5)) {	/* the supervisor timer */
		timer_when = read_time();
		timer_fired = true;
		csr_clear(sie, SIE_STIE);	/* pending until the next set_timer */
		return;
	}
	if (!expected_fault_take(&probe, f))
		trap_fatal("smp-hello: ", f);
}
