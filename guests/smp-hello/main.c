/*
 * smp-hello: bring up every CPU listed in the device tree with PSCI, have
 * each one report in, meet at a barrier, then power the system off.
 * It exercises a hypervisor's vCPU, PSCI, MPIDR and UART emulation, and
 * checks that a load just past the end of its RAM faults.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "fdt.h"
#include "hello.h"
#include "uart.h"

/* PSCI function IDs (Arm DEN 0022) and return codes */
#define PSCI_VERSION		0x84000000UL
#define PSCI_CPU_OFF		0x84000002UL
#define PSCI_CPU_ON		0xC4000003UL	/* SMC64 */
#define PSCI_AFFINITY_INFO	0xC4000004UL	/* SMC64 */
#define PSCI_MIGRATE_INFO_TYPE	0x84000006UL
#define PSCI_SYSTEM_OFF		0x84000008UL
#define PSCI_FEATURES		0x8400000AUL

#define PSCI_SUCCESS		0
#define PSCI_INVALID_PARAMETERS	(-2)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_AFF_OFF		1	/* AFFINITY_INFO: affinity instance is off */
#define PSCI_MIGRATE_NOT_NEEDED	2	/* MIGRATE_INFO_TYPE: no trusted OS to migrate */

/* What the device tree told us. Written by the boot vCPU before any CPU_ON. */
static struct {
	unsigned int ncpus;		/* vCPUs we use: /cpus entries, at most MAX_VCPUS */
	unsigned int ncpus_listed;	/* /cpus entries in the tree */
	uint64_t mpidr[MAX_VCPUS];	/* index = vCPU index */
	bool have_uart;
	uint64_t uart_base;
	bool psci_smc;
	bool have_mem;
	uint64_t mem_end;		/* end of the highest /memory reg range */
} dt;

bool psci_use_smc;			/* read by psci_call in start.S */

static atomic_uint print_lock;
static atomic_uint arrived;		/* vCPUs that reached the barrier */
static atomic_uint expected;		/* vCPUs the barrier waits for */

/*
 * Spinlock: waiters sleep in WFE until the holder's SEV. Under QEMU -icount
 * vCPUs run round-robin on one thread, so a plain spin would burn the
 * holder's time slice; WFE yields it.
 */
static void lock(atomic_uint *l)
{
	while (atomic_exchange_explicit(l, 1, memory_order_acquire))
		while (atomic_load_explicit(l, memory_order_relaxed))
			wfe();
}

static void unlock(atomic_uint *l)
{
	atomic_store_explicit(l, 0, memory_order_release);
	dsb_sev();
}

/* printf a whole line (or lines) without other vCPUs' output interleaving. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	lock(&print_lock);
	va_start(ap, fmt);
	uart_vprintf(fmt, ap);
	va_end(ap);
	unlock(&print_lock);
}

static void __attribute__((noreturn)) power_off(void)
{
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		wfi();
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

/* Device tree callback: collect /cpus entries, the PL011 and the PSCI conduit. */
static void scan_node(void *ctx, const struct fdt_node *n)
{
	const void *v;
	uint32_t len;

	(void)ctx;

	if (n->depth == 2 && fdt_name_is(n->parent, "cpus")) {
		/* /cpus also holds e.g. cpu-map; only device_type = "cpu" are CPUs. */
		v = fdt_prop(n, "device_type", &len);
		if (!v || !fdt_stringlist_contains(v, len, "cpu"))
			return;
		v = fdt_prop(n, "reg", &len);
		if (!v || n->addr_cells == 0 || len < 4 * n->addr_cells)
			return;
		if (dt.ncpus < MAX_VCPUS)
			dt.mpidr[dt.ncpus++] = fdt_read_cells(v, n->addr_cells) & MPIDR_AFF_MASK;
		dt.ncpus_listed++;
		return;
	}

	if (n->depth == 1 && (v = fdt_prop(n, "device_type", &len)) &&
	    fdt_stringlist_contains(v, len, "memory")) {
		/* reg: (base, size) pairs. The end of the last range is the end of
		 * RAM when they are sorted, as they are everywhere; taking the
		 * highest end keeps that true when they are not. */
		uint32_t cells = n->addr_cells + n->size_cells;
		v = fdt_prop(n, "reg", &len);
		if (!v || n->addr_cells == 0 || n->size_cells == 0)
			return;
		for (const uint8_t *r = v; len >= 4 * cells; r += 4 * cells, len -= 4 * cells) {
			uint64_t base = fdt_read_cells(r, n->addr_cells);
			uint64_t size = fdt_read_cells(r + 4 * n->addr_cells, n->size_cells);
			if (size && (!dt.have_mem || base + size > dt.mem_end)) {
				dt.mem_end = base + size;
				dt.have_mem = true;
			}
		}
		return;
	}

	if (n->depth == 1 && fdt_name_is(n->name, "psci")) {
		v = fdt_prop(n, "method", &len);
		dt.psci_smc = v && fdt_stringlist_contains(v, len, "smc");
		return;
	}

	v = fdt_prop(n, "compatible", &len);
	if (!dt.have_uart && v && fdt_stringlist_contains(v, len, "arm,pl011")) {
		/* Skip disabled ones, e.g. QEMU's secure-world UART. */
		const void *st = fdt_prop(n, "status", &len);
		if (st && !fdt_stringlist_contains(st, len, "okay") &&
		    !fdt_stringlist_contains(st, len, "ok"))
			return;
		v = fdt_prop(n, "reg", &len);
		/* Assumes identity 'ranges' on the way up, as on every virt platform. */
		if (v && n->addr_cells && len >= 4 * n->addr_cells) {
			dt.uart_base = fdt_read_cells(v, n->addr_cells);
			dt.have_uart = true;
		}
	}
}

static int vcpu_index(uint64_t mpidr)
{
	for (unsigned int i = 0; i < dt.ncpus; i++)
		if (dt.mpidr[i] == mpidr)
			return (int)i;
	return -1;
}

static unsigned int check_failures;

static void check(const char *what, long got, long want)
{
	if (got != want) {
		say("smp-hello: psci check failed: %s got %ld\n", what, got);
		check_failures++;
	}
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

	check("PSCI_FEATURES(CPU_ON)", psci_call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0), PSCI_SUCCESS);
	check("CPU_ON(self)", psci_call(PSCI_CPU_ON, dt.mpidr[self],
					(uintptr_t)secondary_entry, self), PSCI_ALREADY_ON);

	/* An affinity value no /cpus entry uses. */
	uint64_t bogus = 0xff;
	while (vcpu_index(bogus) >= 0)
		bogus--;
	check("CPU_ON(mpidr not in /cpus)",
	      psci_call(PSCI_CPU_ON, bogus, (uintptr_t)secondary_entry, 0),
	      PSCI_INVALID_PARAMETERS);

	/* Any other vCPU: none has been started yet. */
	if (dt.ncpus > 1) {
		unsigned int other = self == 0 ? 1 : 0;
		check("AFFINITY_INFO(secondary)",
		      psci_call(PSCI_AFFINITY_INFO, dt.mpidr[other], 0, 0), PSCI_AFF_OFF);
	}

	check("MIGRATE_INFO_TYPE", psci_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0),
	      PSCI_MIGRATE_NOT_NEEDED);

	if (!check_failures)
		say("smp-hello: psci checks ok\n");
}

/*
 * The memory isolation probe. The boot vCPU arms it just before the load;
 * the exception handler recognises the fault by it and records what it saw.
 */
static struct {
	uint64_t pc;		/* address of the probing load while armed, else 0 */
	uint64_t addr;		/* address it loads from */
	bool taken;		/* the handler caught the fault */
	bool ok;		/* ... and it was the expected synchronous external abort */
	uint64_t esr, far;	/* what the handler saw */
} probe;

#define ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define ESR_EC_DABT_CUR		0x25	/* data abort taken without a change of EL */
#define ESR_DFSC(esr)		((esr) & 0x3f)
#define DFSC_SEA		0x10	/* synchronous external abort, not on a table walk */

/*
 * Load once from the first byte after our RAM. A hypervisor has nothing
 * mapped there at stage 2 for us and must inject a synchronous external
 * abort; bare on QEMU virt nothing decodes the address and QEMU raises
 * the same abort.
 */
static void fault_check(void)
{
	uint64_t addr = dt.mem_end;

	if (!dt.have_mem) {
		say("smp-hello: fault check failed: no /memory in the device tree\n");
		return;
	}
	if (addr >= IDMAP_END || addr & 3) {
		/* Our stage 1 would fault first (translation or Device alignment). */
		say("smp-hello: fault check failed: end of RAM 0x%lx is not a 4-byte aligned address below 0x%lx\n",
		    (unsigned long)addr, IDMAP_END);
		return;
	}

	probe.addr = addr;
	probe.taken = false;

	uint64_t pc;
	uint32_t val;
	/*
	 * One asm statement, so nothing can come between arming and the load,
	 * and the load is exactly one 4-byte instruction the handler can skip.
	 * Arming stores the load's own address, which the handler compares with
	 * ELR_EL1.
	 */
	__asm__ volatile(
		"adr	%1, 1f\n\t"
		"str	%1, [%2]\n"
		"1:	ldr	%w0, [%3]"
		: "=r"(val), "=&r"(pc)
		: "r"(&probe.pc), "r"(addr)
		: "memory");
	probe.pc = 0;	/* disarm, in case the load did not fault */

	if (!probe.taken)
		say("smp-hello: fault check failed: no fault taken by a load from 0x%lx (read 0x%x)\n",
		    (unsigned long)addr, val);
	else if (!probe.ok)
		say("smp-hello: fault check failed: load from 0x%lx gave esr 0x%lx (EC 0x%lx, DFSC 0x%lx) far 0x%lx, want EC 0x%x, DFSC 0x%x, far 0x%lx\n",
		    (unsigned long)addr, (unsigned long)probe.esr,
		    (unsigned long)ESR_EC(probe.esr), (unsigned long)ESR_DFSC(probe.esr),
		    (unsigned long)probe.far, ESR_EC_DABT_CUR, DFSC_SEA, (unsigned long)probe.addr);
	else
		say("smp-hello: fault check ok (data abort at 0x%lx)\n", (unsigned long)addr);
}

void boot_main(uintptr_t dtb)
{
	int err;

	/* Only read the DTB where the identity map has Normal memory. */
	if (dtb < RAM_BASE || dtb >= RAM_END)
		err = -FDT_ERR_SIZE;
	else
		err = fdt_walk((const void *)dtb, (uint32_t)(RAM_END - dtb), scan_node, NULL);

	if (dt.have_uart)
		uart_set_base(dt.uart_base);
	psci_use_smc = dt.psci_smc;

	if (err) {
		say("smp-hello: bad device tree at 0x%lx (error %d)\n", (unsigned long)dtb, err);
		power_off();
	}
	if (dt.ncpus_listed > MAX_VCPUS)
		say("smp-hello: /cpus lists %u cpus, using the first %u\n", dt.ncpus_listed,
		    MAX_VCPUS);

	uint64_t mpidr = read_mpidr();
	int self = vcpu_index(mpidr);
	if (self < 0) {
		say("smp-hello: boot mpidr 0x%lx is not in /cpus\n", (unsigned long)mpidr);
		power_off();
	}
	say("smp-hello: vcpu %d mpidr 0x%lx up\n", self, (unsigned long)mpidr);

	psci_checks((unsigned int)self);
	fault_check();

	/* Set before CPU_ON: secondaries read it at the barrier. */
	atomic_store_explicit(&expected, dt.ncpus, memory_order_release);

	for (unsigned int i = 0; i < dt.ncpus; i++) {
		if (i == (unsigned int)self)
			continue;
		/* context_id = vCPU index: picks the secondary's stack and identity. */
		long ret = psci_call(PSCI_CPU_ON, dt.mpidr[i], (uintptr_t)secondary_entry, i);
		if (ret != PSCI_SUCCESS) {
			say("smp-hello: psci check failed: CPU_ON(0x%lx) got %ld\n",
			    (unsigned long)dt.mpidr[i], ret);
			/* It will never arrive; don't let the barrier wait for it. */
			atomic_fetch_sub_explicit(&expected, 1, memory_order_acq_rel);
			dsb_sev();
		}
	}

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
		if (mpidr != dt.mpidr[vcpu])
			say("smp-hello: psci check failed: MPIDR_EL1 of vcpu %lu (want 0x%lx) got 0x%lx\n",
			    vcpu, (unsigned long)dt.mpidr[vcpu], (unsigned long)mpidr);
		barrier();
	}

	psci_call(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)	/* CPU_OFF only returns on failure */
		wfi();
}

/* Any exception but the probe's is a bug (e.g. in the hypervisor's emulation): say so and stop. */
static void __attribute__((noreturn)) exception_report(unsigned long vector, unsigned long esr,
							unsigned long elr, unsigned long far)
{
	static atomic_uint reported;

	/*
	 * Report only the first one: SYSTEM_OFF below may itself trap (a broken
	 * PSCI conduit does), and that must not recurse forever.
	 */
	if (atomic_exchange_explicit(&reported, 1, memory_order_relaxed) == 0) {
		/* No lock: this vCPU may already hold it. */
		uart_printf("smp-hello: unexpected exception: vector 0x%lx esr 0x%lx elr 0x%lx far 0x%lx\n",
			    vector * 0x80, esr, elr, far);
		psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	for (;;)
		wfi();
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far)
{
	/*
	 * The probe's fault: armed, and a synchronous exception at exactly the
	 * probing load. Record it whatever its syndrome (fault_check reports a
	 * wrong one) and resume after the load.
	 */
	if (vector == VECTOR_SYNC_EL1_SPX && probe.pc && elr == probe.pc) {
		probe.pc = 0;
		probe.esr = esr;
		probe.far = far;
		probe.ok = ESR_EC(esr) == ESR_EC_DABT_CUR && ESR_DFSC(esr) == DFSC_SEA &&
			   far == probe.addr;
		probe.taken = true;
		__asm__ volatile("msr elr_el1, %0" : : "r"(elr + 4));
		return;
	}
	exception_report(vector, esr, elr, far);
}
