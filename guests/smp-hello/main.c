/*
 * smp-hello: bring up every CPU listed in the device tree with PSCI, have
 * each one report in, meet at a barrier, then power the system off.
 * It exercises a hypervisor's vCPU, PSCI, MPIDR and UART emulation, and
 * checks that a load just past the end of its RAM faults.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "bootargs.h"
#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "exception.h"
#include "psci.h"
#include "tlb.h"
#include "uart.h"

static atomic_uint arrived;		/* vCPUs that reached the barrier */
static atomic_uint expected;		/* vCPUs the barrier waits for */

static void __attribute__((noreturn)) power_off(void)
{
	psci_system_off();
	cpu_park();
}

/*
 * Counter barrier, used once: arrive, then sleep until everyone expected has
 * arrived. The last arrival's SEV wakes the others.
 */
static void barrier(void)
{
	atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel);
	dsb_sev();
	while (atomic_load_explicit(&arrived, memory_order_acquire) <
	       atomic_load_explicit(&expected, memory_order_acquire))
		wfe();
}

static unsigned int check_failures;

/* bootargs tlb_ms=N: the per-vCPU TLB check (tlb.c) for N ms on every vCPU; 0: none. */
static unsigned long tlb_ms;

static void bootarg(const char *w, size_t wlen)
{
	size_t vlen;
	const char *v = bootargs_value(w, wlen, "tlb_ms", &vlen);

	if (!v || !bootargs_dec(v, vlen, &tlb_ms))
		bootargs_report("smp-hello: bootargs: not understood: ", w, wlen);
}

static void check(const char *what, long got, long want)
{
	if (got != want) {
		say("smp-hello: psci check failed: %s got %ld\n", what, got);
		check_failures++;
	}
}

/* The functions PSCI 1.0 and 1.1 make mandatory: PSCI_FEATURES must know each. */
static const struct { unsigned long fn; const char *name; } mandatory[] = {
	{ PSCI_VERSION, "PSCI_VERSION" },
	{ PSCI_CPU_SUSPEND_32, "CPU_SUSPEND (SMC32)" }, { PSCI_CPU_SUSPEND, "CPU_SUSPEND (SMC64)" },
	{ PSCI_CPU_OFF, "CPU_OFF" },
	{ PSCI_CPU_ON_32, "CPU_ON (SMC32)" }, { PSCI_CPU_ON, "CPU_ON (SMC64)" },
	{ PSCI_AFFINITY_INFO_32, "AFFINITY_INFO (SMC32)" }, { PSCI_AFFINITY_INFO, "AFFINITY_INFO (SMC64)" },
	{ PSCI_SYSTEM_OFF, "SYSTEM_OFF" }, { PSCI_SYSTEM_RESET, "SYSTEM_RESET" },
	{ PSCI_FEATURES, "PSCI_FEATURES" },
};

/*
 * PSCI_FEATURES of each mandatory function: SUCCESS, or for CPU_SUSPEND its
 * flags (bit 1 power_state format, bit 0 OS-initiated mode; the rest 0). Of
 * MIGRATE, which neither Tessera nor QEMU implements, NOT_SUPPORTED.
 */
static void features_checks(void)
{
	char what[64];

	for (unsigned int i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
		long f = psci_call(PSCI_FEATURES, mandatory[i].fn, 0, 0);
		bool suspend = mandatory[i].fn == PSCI_CPU_SUSPEND_32 || mandatory[i].fn == PSCI_CPU_SUSPEND;
		if (suspend ? f < 0 || f > 3 : f != PSCI_SUCCESS) {
			buf_printf(what, sizeof(what), "PSCI_FEATURES(%s)", mandatory[i].name);
			check(what, f, PSCI_SUCCESS);
		}
	}
	check("PSCI_FEATURES(MIGRATE)", psci_call(PSCI_FEATURES, PSCI_MIGRATE_32, 0, 0),
	      PSCI_NOT_SUPPORTED);
	check("PSCI_FEATURES(0x8400001f, no function)", psci_call(PSCI_FEATURES, 0x8400001fUL, 0, 0),
	      PSCI_NOT_SUPPORTED);
}

/*
 * SYSTEM_RESET2 (PSCI 1.1, optional): if PSCI_FEATURES says it is there, in
 * both conventions, it must refuse a reserved architectural reset type
 * (INVALID_PARAMETERS) and a vendor-specific one it does not know
 * (NOT_SUPPORTED), and return. Its warm reset (type 0) is not tried: it
 * would reset us.
 */
static void reset2_checks(long ver)
{
	long f64 = psci_call(PSCI_FEATURES, PSCI_SYSTEM_RESET2, 0, 0);
	long f32 = psci_call(PSCI_FEATURES, PSCI_SYSTEM_RESET2_32, 0, 0);

	check("PSCI_FEATURES(SYSTEM_RESET2 SMC32) like SMC64", f32, f64);
	if (f64 == PSCI_NOT_SUPPORTED) {
		say("smp-hello: psci SYSTEM_RESET2 not implemented\n");
		return;
	}
	check("PSCI_FEATURES(SYSTEM_RESET2)", f64, PSCI_SUCCESS);
	if (ver < 0x10001) {
		say("smp-hello: psci check failed: SYSTEM_RESET2 offered by PSCI 0x%lx, before 1.1\n",
		    (unsigned long)ver);
		check_failures++;
	}
	unsigned int before = check_failures;
	check("SYSTEM_RESET2(type 1, reserved)", psci_call(PSCI_SYSTEM_RESET2, 1, 0, 0),
	      PSCI_INVALID_PARAMETERS);
	check("SYSTEM_RESET2 SMC32(type 0x7fffffff, reserved)",
	      psci_call(PSCI_SYSTEM_RESET2_32, 0x7fffffffUL, 0, 0), PSCI_INVALID_PARAMETERS);
	check("SYSTEM_RESET2(vendor type 0x80000000)",
	      psci_call(PSCI_SYSTEM_RESET2, PSCI_RESET2_VENDOR, 0, 0), PSCI_NOT_SUPPORTED);
	check("SYSTEM_RESET2 SMC32(vendor type 0xffffffff)",
	      psci_call(PSCI_SYSTEM_RESET2_32, 0xffffffffUL, 0x1234, 0), PSCI_NOT_SUPPORTED);
	if (check_failures == before)
		say("smp-hello: psci SYSTEM_RESET2 refuses reserved and vendor reset types\n");
}

/* PSCI conformance checks the hypervisor's emulation must pass. */
static void psci_checks(unsigned int self)
{
	long ver = psci_call(PSCI_VERSION, 0, 0, 0);

	say("smp-hello: psci version %lu.%lu\n", ((unsigned long)ver >> 16) & 0xffff,
	    (unsigned long)ver & 0xffff);
	if (ver < 0x10000) {	/* PSCI_FEATURES and friends need 1.0 */
		say("smp-hello: psci check failed: PSCI_VERSION got 0x%lx\n", (unsigned long)ver);
		check_failures++;
	}

	features_checks();
	reset2_checks(ver);
	check("CPU_ON(self)", psci_cpu_on(dt.cpu_id[self], (uintptr_t)secondary_entry, self),
	      PSCI_ALREADY_ON);

	/* An affinity value no /cpus entry uses. */
	uint64_t bogus = 0xff;
	while (dt_vcpu_index(bogus) >= 0)
		bogus--;
	check("CPU_ON(mpidr not in /cpus)", psci_cpu_on(bogus, (uintptr_t)secondary_entry, 0),
	      PSCI_INVALID_PARAMETERS);

	/* Any other vCPU: none has been started yet. */
	if (dt.ncpus > 1) {
		unsigned int other = self == 0 ? 1 : 0;
		check("AFFINITY_INFO(secondary)",
		      psci_affinity_info(dt.cpu_id[other]), PSCI_AFF_OFF);
	}

	check("MIGRATE_INFO_TYPE", psci_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0),
	      PSCI_MIGRATE_NOT_NEEDED);

	if (!check_failures)
		say("smp-hello: psci checks ok\n");
}

/* The memory isolation probe's fault, armed by the boot vCPU just before its load. */
static struct expected_fault probe;

/*
 * Load once from the first byte after our RAM. A hypervisor has nothing
 * mapped there at stage 2 for us and must inject a synchronous external
 * abort; bare on QEMU virt nothing decodes the address and QEMU raises
 * the same abort.
 */
static void fault_check(void)
{
	uint64_t addr = dt_mem_end();

	if (!addr) {
		say("smp-hello: fault check failed: no /memory in the device tree\n");
		return;
	}
	if (addr >= IDMAP_END || addr & 3) {
		/* Our stage 1 would fault first (translation or Device alignment). */
		say("smp-hello: fault check failed: end of RAM 0x%lx is not a 4-byte aligned address below 0x%lx\n",
		    (unsigned long)addr, IDMAP_END);
		return;
	}

	uint64_t pc;
	uint32_t val;

	expected_fault_arm(&probe);
	/* One 4-byte load the handler can skip; its own address too, to check
	 * that the exception came from it (ELR_EL1). */
	__asm__ volatile(
		"adr	%1, 1f\n"
		"1:	ldr	%w0, [%2]"
		: "=r"(val), "=&r"(pc)
		: "r"(addr)
		: "memory");
	bool taken = expected_fault_disarm(&probe);

	if (!taken)
		say("smp-hello: fault check failed: no fault taken by a load from 0x%lx (read 0x%x)\n",
		    (unsigned long)addr, val);
	else if (probe.elr != pc || ESR_EC(probe.esr) != ESR_EC_DABT_CUR ||
		 ESR_DFSC(probe.esr) != DFSC_SEA || probe.far != addr)
		say("smp-hello: fault check failed: load from 0x%lx at 0x%lx gave esr 0x%lx (EC 0x%lx, DFSC 0x%lx) far 0x%lx at 0x%lx, want EC 0x%x, DFSC 0x%x, far 0x%lx\n",
		    (unsigned long)addr, (unsigned long)pc, (unsigned long)probe.esr,
		    (unsigned long)ESR_EC(probe.esr), (unsigned long)ESR_DFSC(probe.esr),
		    (unsigned long)probe.far, (unsigned long)probe.elr, ESR_EC_DABT_CUR, DFSC_SEA,
		    (unsigned long)addr);
	else
		say("smp-hello: fault check ok (data abort at 0x%lx)\n", (unsigned long)addr);
}

void boot_main(uintptr_t dtb)
{
	int err = dt_scan(dtb, NULL, NULL);

	if (err) {
		say("smp-hello: bad device tree at 0x%lx (error %d)\n", (unsigned long)dtb, err);
		power_off();
	}
	if (dt.ncpus_listed > MAX_VCPUS)
		say("smp-hello: /cpus lists %u cpus, using the first %u\n", dt.ncpus_listed,
		    MAX_VCPUS);

	uint64_t mpidr = read_mpidr();
	int self = dt_vcpu_index(mpidr);
	if (self < 0) {
		say("smp-hello: boot mpidr 0x%lx is not in /cpus\n", (unsigned long)mpidr);
		power_off();
	}
	say("smp-hello: vcpu %d mpidr 0x%lx up\n", self, (unsigned long)mpidr);
	bootargs_for_each(dt.bootargs, dt.bootargs_len, bootarg);

	psci_checks((unsigned int)self);
	fault_check();

	/* Set before CPU_ON: secondaries read it at the barrier. */
	atomic_store_explicit(&expected, dt.ncpus, memory_order_release);

	for (unsigned int i = 0; i < dt.ncpus; i++) {
		if (i == (unsigned int)self)
			continue;
		/* context_id = vCPU index: picks the secondary's stack and identity. */
		long ret = psci_cpu_on(dt.cpu_id[i], (uintptr_t)secondary_entry, i);
		if (ret != PSCI_SUCCESS) {
			say("smp-hello: psci check failed: CPU_ON(0x%lx) got %ld\n",
			    (unsigned long)dt.cpu_id[i], ret);
			/* It will never arrive; don't let the barrier wait for it. */
			atomic_fetch_sub_explicit(&expected, 1, memory_order_acq_rel);
			dsb_sev();
		}
	}

	if (tlb_ms)
		tlb_check((unsigned int)self, tlb_ms);
	barrier();

	unsigned int up = atomic_load_explicit(&expected, memory_order_acquire);
	if (up == dt.ncpus)
		say("smp-hello: all %u vcpus up\n", dt.ncpus);
	else
		say("smp-hello: only %u of %u vcpus up\n", up, dt.ncpus);
	power_off();
}

void secondary_main(unsigned long vcpu)
{
	uint64_t mpidr = read_mpidr();

	if (vcpu >= dt.ncpus) {
		say("smp-hello: secondary mpidr 0x%lx started with bad context_id %lu\n",
		    (unsigned long)mpidr, vcpu);
	} else {
		say("smp-hello: vcpu %lu mpidr 0x%lx up\n", vcpu, (unsigned long)mpidr);
		if (mpidr != dt.cpu_id[vcpu])
			say("smp-hello: psci check failed: MPIDR_EL1 of vcpu %lu (want 0x%lx) got 0x%lx\n",
			    vcpu, (unsigned long)dt.cpu_id[vcpu], (unsigned long)mpidr);
		if (tlb_ms)
			tlb_check((unsigned int)vcpu, tlb_ms);
		barrier();
	}

	psci_cpu_off();
	cpu_park();	/* CPU_OFF only returns on failure */
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame)
{
	(void)frame;
	/* The probe's fault, whatever its syndrome (fault_check checks it). */
	if (!expected_fault_take(&probe, vector, esr, elr, far))
		exception_fatal("smp-hello: ", vector, esr, elr, far);
}
