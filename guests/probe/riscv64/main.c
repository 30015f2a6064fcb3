/*
 * probe, riscv64: attacks everything its partition does not own, one attack
 * at a time, and prints one line per attack, as the aarch64 probe does
 * (../main.c lists the outcomes; here "fault" is the load or store access
 * fault a hypervisor injects for an address outside the partition, or the
 * illegal-instruction exception for an instruction VS mode may not run):
 *
 *   1-3  memory: the partner's RAM, the hypervisor's image and tables, the
 *        partner's passthrough goldfish RTC, OpenSBI's CLINT, the machine's
 *        test device (attack.c: mem_attack)
 *   4    its virtual PLIC: the partner's source (its priority, enable,
 *        pending bit, a completion of it), contexts beyond its own vCPUs
 *        (by number, other harts' contexts on the board), byte accesses
 *   5    SBI HSM: hart_start, hart_get_status of harts outside the
 *        partition; its own vCPU 1 stopped and started with entries
 *        outside its executable RAM
 *   6    SBI IPI and RFENCE with hart masks naming harts outside it
 *   7    SBI SRST with reserved types and reasons (it must not end the
 *        partition), unknown extensions and functions, the legacy calls
 *        Tessera does not offer; every call must leave a2-a7 as they were
 *   8    SBI DBCN with buffers outside its RAM
 *   9    hypervisor and machine CSRs and H instructions from VS mode
 *   10   a read sweep of the guest-physical address space
 *
 * Targets come from /chosen/bootargs (hex, from the generated layout.txt):
 * partner_ram, partner_gpa, hyp, pgtables, s2_probe, s2_partner as on
 * aarch64, and rtc (the partner's passthrough RTC). The CLINT, PLIC and
 * test device are QEMU virt's. At the end: "probe: <n> attacks, <b>
 * breaches", then SBI SRST shutdown.
 */
#include <stddef.h>

#include "attack.h"
#include "bootargs.h"
#include "cpu.h"
#include "dt.h"
#include "probe.h"
#include "sbi.h"
#include "trap.h"
#include "uart.h"

/* QEMU virt's devices the probe does not own (physical addresses) */
#define CLINT			0x02000000UL
#define CLINT_MSIP(h)		(CLINT + 4 * (h))
#define CLINT_MTIMECMP(h)	(CLINT + 0x4000 + 8 * (h))
#define CLINT_MTIME		(CLINT + 0xbff8)
#define PLIC			0x0c000000UL
#define PLIC_PRIORITY(s)	(PLIC + 4 * (s))
#define PLIC_ENABLE(c)		(PLIC + 0x2000 + 0x80 * (c))
#define PLIC_THRESHOLD(c)	(PLIC + 0x200000 + 0x1000 * (c))
#define PLIC_CLAIM(c)		(PLIC_THRESHOLD(c) + 4)
#define PLIC_PENDING(s)		(PLIC + 0x1000 + (s) / 32 * 4)
#define PLIC_SIZE		0x600000UL	/* QEMU virt's, and the virtual PLIC's */
#define PARTNER_SOURCE		11		/* the partner's RTC */
#define TEST_DEVICE		0x00100000UL
#define TEST_PASS		0x5555u	/* poweroff: the whole machine */
#define TEST_RESET		0x7777u
#define RTC_TIME_LOW		0x00	/* goldfish RTC */
#define RTC_ALARM_LOW		0x08

#define CAUSE_ILLEGAL_INSN	2
#define CAUSE_SSOFT		(CAUSE_INTERRUPT | 1)
#define CAUSE_STIMER		(CAUSE_INTERRUPT | 5)
#define SIP_SSIP		(1UL << 1)

/* SBI functions beyond sbi.h's */
#define SBI_EXT_LEGACY_CLEAR_IPI	0x03
#define SBI_EXT_LEGACY_SEND_IPI		0x04
#define SBI_EXT_LEGACY_FENCE_I		0x05
#define SBI_IPI_SEND_IPI		0
#define SBI_RFENCE_FENCE_I		0
#define SBI_RFENCE_SFENCE_VMA		1
#define SBI_RFENCE_SFENCE_VMA_ASID	2
#define SBI_RFENCE_HFENCE_GVMA_VMID	3
#define SBI_RFENCE_HFENCE_VVMA		6
#define SBI_SRST_WARM_REBOOT		2
#define SBI_HSM_SUSPEND_NON_RETENTIVE	0x80000000UL
#define SBI_REGS			8	/* a0-a7 */

#define TIMEBASE_DEFAULT	10000000UL	/* QEMU virt's 10 MHz, if /cpus does not say */

extern char _end[];			/* linker.ld */

/* --- what the bootargs say --- */

static const char *const arg_names[] = {
	"partner_ram", "partner_gpa", "hyp", "pgtables", "s2_probe", "s2_partner", "rtc",
};
enum { ARG_PARTNER_RAM, ARG_PARTNER_GPA, ARG_HYP, ARG_PGTABLES, ARG_S2_PROBE, ARG_S2_PARTNER, ARG_RTC,
       NR_ARGS };
static struct {
	uint64_t v[NR_ARGS];
	bool have[NR_ARGS];
} args;

static uint64_t freq;

/* --- per-vCPU state shared between the vCPUs --- */

static struct expected_fault traps[NR_CPUS];
static volatile unsigned ipis[NR_CPUS];
static volatile unsigned cpu_boots[NR_CPUS];	/* secondary_main entries */
static volatile bool off_request;		/* vCPU 1: hart_stop yourself */

static void parse_word(const char *w, size_t wlen)
{
	for (unsigned a = 0; a < NR_ARGS; a++) {
		size_t vlen;
		const char *v = bootargs_value(w, wlen, arg_names[a], &vlen);
		if (!v)
			continue;
		if (bootargs_hex(v, vlen, &args.v[a])) {
			args.have[a] = true;
			return;
		}
		break;
	}
	bootargs_report("probe: error: bad bootargs word ", w, wlen);
}

/* --- time: sleep in WFI on the supervisor timer, so that the probe's
 *     harts leave the host's CPUs to the partner's heartbeat --- */

static void irq_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static void irq_on(void) { csr_set(sstatus, SSTATUS_SIE); }

static void delay_ms(uint64_t ms)
{
	uint64_t end = read_time() + ms * freq / 1000;

	sbi_set_timer(end);
	for (;;) {
		irq_off();
		if (read_time() >= end)
			break;
		wfi();			/* the timer, or an IPI, ends it */
		irq_on();
	}
	irq_on();
	sbi_set_timer(~0ULL);
}

/* Check cond every millisecond until it holds or ms pass; whether it held. */
#define WAIT_UNTIL(cond, ms) ({ \
	uint64_t __wait_end = read_time() + (uint64_t)(ms) * freq / 1000; \
	bool __wait_ok; \
	while (!(__wait_ok = (cond)) && read_time() < __wait_end) \
		delay_ms(1); \
	__wait_ok; })

static void __attribute__((noreturn)) power_off(void)
{
	sbi_power_off("probe: error: ");
}

/* --- traps --- */

void trap_handle(struct trap_frame *f)
{
	if (f->scause == CAUSE_SSOFT) {
		csr_clear(sip, SIP_SSIP);
		ipis[this_cpu()]++;
	} else if (f->scause == CAUSE_STIMER) {
		sbi_set_timer(~0ULL);		/* delay_ms: time is up */
	} else if (!expected_fault_take(&traps[this_cpu()], f)) {
		trap_fatal("probe: error: ", f);
	}
}

static inline void arm(void)
{
	expected_fault_arm(&traps[this_cpu()]);
}

static enum res disarm(void)
{
	struct expected_fault *t = &traps[this_cpu()];

	if (!expected_fault_disarm(t))
		return R_OK;
	if (t->scause == CAUSE_LOAD_ACCESS || t->scause == CAUSE_STORE_ACCESS)
		return R_ACCESS;
	if (t->scause == CAUSE_ILLEGAL_INSN)
		return R_UNDEF;
	return R_OTHER;
}

uint64_t last_syndrome(void)
{
	return traps[this_cpu()].scause;
}

enum res try_read64(uint64_t a, uint64_t *out)
{
	uint64_t v;
	arm();
	__asm__ volatile("li %0, 0\n\tld %0, 0(%1)" : "=&r"(v) : "r"(a) : "memory");
	*out = v;
	return disarm();
}

enum res try_write64(uint64_t a, uint64_t v)
{
	arm();
	__asm__ volatile("sd %0, 0(%1)" : : "r"(v), "r"(a) : "memory");
	return disarm();
}

static enum res try_read32(uint64_t a, uint32_t *out)
{
	uint32_t v;
	arm();
	__asm__ volatile("li %0, 0\n\tlw %0, 0(%1)" : "=&r"(v) : "r"(a) : "memory");
	*out = v;
	return disarm();
}

static enum res try_write32(uint64_t a, uint32_t v)
{
	arm();
	__asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(a) : "memory");
	return disarm();
}

static void read32_attack(const char *what, uint64_t a)
{
	uint32_t v;

	attack("read %s 0x%lx", what, (unsigned long)a);
	refused(try_read32(a, &v), R_ACCESS, true, v);
}

static void write32_attack(const char *what, uint64_t a, uint32_t v)
{
	attack("write %s 0x%lx", what, (unsigned long)a);
	refused(try_write32(a, v), R_ACCESS, false, 0);
}

/* --- 1-3: memory and devices by address --- */

static void attack_memory(void)
{
	uint64_t end = dt_mem_end();

	mem_attack("partner RAM at its host address", args.v[ARG_PARTNER_RAM]);
	mem_attack("partner RAM at its host address + 0x200000 (its image)",
		   args.v[ARG_PARTNER_RAM] + 0x200000);
	mem_attack("partner RAM at a guest address of the partner", args.v[ARG_PARTNER_GPA]);
	mem_attack("right after own RAM", end);
	straddle_attack(end);

	mem_attack("hypervisor text", args.v[ARG_HYP]);
	mem_attack("hypervisor data", args.v[ARG_HYP] + 0x100000);
	mem_attack("hypervisor page tables", args.v[ARG_PGTABLES]);
	mem_attack("G-stage root", args.v[ARG_S2_PROBE]);
	mem_attack("partner G-stage root", args.v[ARG_S2_PARTNER]);

	uint64_t rtc = args.v[ARG_RTC];
	read32_attack("partner RTC TIME_LOW", rtc + RTC_TIME_LOW);
	write32_attack("partner RTC ALARM_LOW", rtc + RTC_ALARM_LOW, 0);

	/* OpenSBI's CLINT: the partner's software interrupt and timer, the
	 * machine's time. */
	write32_attack("CLINT msip of hart 2", CLINT_MSIP(2), 1);
	read32_attack("CLINT mtimecmp of hart 3", CLINT_MTIMECMP(3));
	write32_attack("CLINT mtime", CLINT_MTIME, 0);

	/* The machine's test device: it would power the machine off, or reset it. */
	write32_attack("test device: poweroff", TEST_DEVICE, TEST_PASS);
	write32_attack("test device: reset", TEST_DEVICE, TEST_RESET);
}

/* --- 4: the PLIC --- */

/*
 * The PLIC at 0x0c00_0000 is the probe's own virtual PLIC: its contexts 0
 * and 1 (its vCPUs), no source (its console is polled). A register of a
 * source or context it does not have must read as zero and ignore writes
 * ("ignored"); anything else it reads is a breach.
 */
static void plic_ignored(const char *what, uint64_t a, uint32_t v)
{
	uint32_t back = 0xdead;
	enum res w, r;

	attack("write, read back %s 0x%lx", what, (unsigned long)a);
	w = try_write32(a, v);
	r = try_read32(a, &back);
	if (w == R_OK && r == R_OK && back == 0)
		outcome("ignored");
	else if (r == R_OK && back != 0)
		outcome("BREACH reads 0x%x", back);
	else
		outcome("fault (its virtual PLIC should answer: write %d, read %d)", (int)w, (int)r);
}

static void attack_plic(void)
{
	uint32_t bit = 1u << (PARTNER_SOURCE % 32);
	uint32_t v = 0;

	plic_ignored("plic priority of source 11 (partner RTC)", PLIC_PRIORITY(PARTNER_SOURCE), 7);
	plic_ignored("plic enable of source 11 in own context 0", PLIC_ENABLE(0), bit);
	plic_ignored("plic enables of context 2 (none of its vCPUs)", PLIC_ENABLE(2), ~0u);
	plic_ignored("plic enables of context 3 (hart 1's S context on the board)", PLIC_ENABLE(3), ~0u);
	plic_ignored("plic threshold of context 5", PLIC_THRESHOLD(5), 5);
	plic_ignored("plic claim of context 2", PLIC_CLAIM(2), PARTNER_SOURCE);
	plic_ignored("plic pending of sources 0-31 (partner RTC's among them)", PLIC_PENDING(0), ~0u);

	/* Completing the partner's source on its own context must not let the
	 * partner's device through at the physical PLIC; all the probe can see
	 * is that its own claim has nothing. */
	attack("plic complete source 11 on own context 0, then claim");
	enum res r = try_write32(PLIC_CLAIM(0), PARTNER_SOURCE);
	if (r == R_OK)
		r = try_read32(PLIC_CLAIM(0), &v);
	OUTCOME_IF(r == R_OK && v == 0, "ignored", "BREACH claimed %u (access %d)", v, (int)r);

	/* Its registers are words: a byte access is not an access to them. */
	attack("read8 plic priority of source 1 0x%lx", (unsigned long)PLIC_PRIORITY(1));
	arm();
	__asm__ volatile("li %0, 0\n\tlbu %0, 0(%1)" : "=&r"(v) : "r"(PLIC_PRIORITY(1)) : "memory");
	refused(disarm(), R_ACCESS, true, v);
}

/* --- 5: HSM --- */

/* A call that must be refused with this error: success is a breach. */
static void sbi_refused(const char *what, struct sbiret r, long want)
{
	attack("%s", what);
	if (r.error == want)
		outcome("error %ld", r.error);
	else if (r.error == SBI_SUCCESS)
		outcome("BREACH returned %ld", r.value);
	else
		outcome("error %ld (expected %ld)", r.error, want);
}

static void attack_hsm(void)
{
	static const unsigned long foreign[] = { 0x2, 0x3, 0x4, 0x100, 0x8000000000000002UL };
	char what[80];
	uintptr_t entry = (uintptr_t)secondary_entry;

	for (unsigned i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		buf_printf(what, sizeof(what), "sbi hart_start hart 0x%lx", foreign[i]);
		sbi_refused(what, sbi_hart_start(foreign[i], entry, 1), SBI_ERR_INVALID_PARAM);
	}
	for (unsigned i = 0; i < 2; i++) {
		buf_printf(what, sizeof(what), "sbi hart_get_status hart 0x%lx", foreign[i]);
		sbi_refused(what, sbi_hart_get_status(foreign[i]), SBI_ERR_INVALID_PARAM);
	}
	for (unsigned i = 0; i < dt.ncpus && i < NR_CPUS; i++) {
		buf_printf(what, sizeof(what), "sbi hart_start own running hart 0x%lx",
			   (unsigned long)dt.cpu_id[i]);
		sbi_refused(what, sbi_hart_start(dt.cpu_id[i], entry, i), SBI_ERR_ALREADY_AVAILABLE);
	}
	buf_printf(what, sizeof(what), "sbi hart_suspend non-retentive, resume at 0x%lx (partner RAM)",
		   (unsigned long)args.v[ARG_PARTNER_RAM]);
	sbi_refused(what, sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_NON_RETENTIVE,
				   args.v[ARG_PARTNER_RAM], 0, 0), SBI_ERR_INVALID_ADDRESS);
}

/* 5. vCPU 1 stops itself (hart_stop) and is started again (hart_start). */
static void attack_stop_start(void)
{
	unsigned long h1 = dt.cpu_id[1];
	unsigned boots = cpu_boots[1];

	attack("sbi hart_stop of own vcpu 1, then hart_start");
	off_request = true;
	fence();
	sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, h1, 0, 0);
	if (!WAIT_UNTIL(sbi_hart_get_status(h1).value == SBI_HSM_STOPPED, 1000)) {
		outcome("vcpu 1 did not stop");
		return;
	}

	/* While it is stopped: entry points outside the probe's executable RAM. */
	uint64_t bad[] = { args.v[ARG_PARTNER_RAM], args.v[ARG_RTC], dt_mem_end() };
	char what[80];
	for (unsigned i = 0; i < 3; i++) {
		buf_printf(what, sizeof(what), "sbi hart_start own vcpu 1 at entry 0x%lx",
			   (unsigned long)bad[i]);
		sbi_refused(what, sbi_hart_start(h1, bad[i], 1), SBI_ERR_INVALID_ADDRESS);
	}

	attack("sbi hart_stop of own vcpu 1, then hart_start");
	struct sbiret r = sbi_hart_start(h1, (uintptr_t)secondary_entry, 1);
	if (r.error)
		outcome("error %ld", r.error);
	else if (!WAIT_UNTIL(cpu_boots[1] == boots + 1, 1000))
		outcome("vcpu 1 did not come back");
	else if (sbi_hart_get_status(h1).value != SBI_HSM_STARTED)
		outcome("vcpu 1 back but not STARTED");
	else
		outcome("ok");
}

/* --- 6: IPIs and remote fences --- */

static void clear_ipis(void)
{
	for (unsigned c = 0; c < NR_CPUS; c++)
		ipis[c] = 0;
}

/* An IPI to a hart mask naming a hart outside the partition: refused
 * whole (INVALID_PARAM), and nothing arrives at the probe either. */
static void ipi_attack(const char *what, unsigned long mask, unsigned long base)
{
	clear_ipis();
	struct sbiret r = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, mask, base, 0, 0);
	delay_ms(10);
	char name[96];
	buf_printf(name, sizeof(name), "sbi send_ipi to %s", what);
	if (ipis[0] || ipis[1]) {
		attack("%s", name);
		outcome("BREACH delivered to the probe (vcpu 0 %u, vcpu 1 %u)", ipis[0], ipis[1]);
		return;
	}
	sbi_refused(name, r, SBI_ERR_INVALID_PARAM);
}

static void attack_ipis(void)
{
	ipi_attack("harts 0x2 and 0x3 (partner)", 0x3, 0x2);
	ipi_attack("harts 0x1 and 0x2 (own and partner)", 0x3, 0x1);
	ipi_attack("hart 0x100", 0x1, 0x100);
	ipi_attack("hart 0x40 (bit 63 of base 1)", 1UL << 63, 0x1);
	ipi_attack("base -2, bit 2 (wraps around to hart 0x0)", 0x4, ~0UL - 1);

	/* base -1: every hart of the partition, which is its own two. */
	attack("sbi send_ipi to every hart (base -1)");
	clear_ipis();
	sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, ~0UL, 0, 0);
	bool got = WAIT_UNTIL(ipis[0] == 1 && ipis[1] == 1, 100);
	delay_ms(10);
	OUTCOME_IF(got && ipis[0] == 1 && ipis[1] == 1, "ok (own vcpus only)",
		   "wrong delivery: vcpu 0 %u, vcpu 1 %u", ipis[0], ipis[1]);

	/* A storm of IPIs at its own vCPU 1: the partner must not notice. */
	attack("sbi send_ipi x 1000 to own vcpu 1");
	clear_ipis();
	for (unsigned i = 0; i < 1000; i++)
		sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, dt.cpu_id[1], 0, 0);
	got = WAIT_UNTIL(ipis[1] >= 1, 100);
	OUTCOME_IF(got && !ipis[0], "ok", "wrong delivery: vcpu 0 %u, vcpu 1 %u", ipis[0], ipis[1]);

	sbi_refused("sbi remote_fence_i to harts 0x2 and 0x3",
		    sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0x3, 0x2, 0, 0), SBI_ERR_INVALID_PARAM);
	sbi_refused("sbi remote_sfence_vma to hart 0x3",
		    sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 0x1, 0x3, 0, ~0UL), SBI_ERR_INVALID_PARAM);
	sbi_refused("sbi remote_sfence_vma_asid to harts 0x0-0x3",
		    sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 0xf, 0, 0, ~0UL), SBI_ERR_INVALID_PARAM);
	sbi_refused("sbi remote_hfence_gvma_vmid to every hart",
		    sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_GVMA_VMID, 0, ~0UL, 0, ~0UL), SBI_ERR_NOT_SUPPORTED);
	sbi_refused("sbi remote_hfence_vvma to hart 0x2",
		    sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_VVMA, 0x1, 0x2, 0, ~0UL), SBI_ERR_NOT_SUPPORTED);
}

/* --- 7: SRST, unknown calls --- */

/* An ECALL with a0-a5 full of junk besides the arguments given: a0 is the
 * answer, a2-a7 must come back as they went (a1 too for a legacy call,
 * which answers in a0 only): a change could leak the hypervisor's state. */
static void sbi_regs_call(uint64_t r[SBI_REGS])
{
	register uint64_t a0 __asm__("a0") = r[0], a1 __asm__("a1") = r[1], a2 __asm__("a2") = r[2],
		a3 __asm__("a3") = r[3], a4 __asm__("a4") = r[4], a5 __asm__("a5") = r[5],
		a6 __asm__("a6") = r[6], a7 __asm__("a7") = r[7];

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 : : "memory");
	r[0] = a0; r[1] = a1; r[2] = a2; r[3] = a3;
	r[4] = a4; r[5] = a5; r[6] = a6; r[7] = a7;
}

static void sbi_junk_attack(const char *what, unsigned long ext, unsigned long fid, unsigned nargs,
			    const unsigned long *argv, long want)
{
	uint64_t in[SBI_REGS], r[SBI_REGS];
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ ext ^ fid << 32;

	for (unsigned i = 0; i < 6; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		in[i] = i < nargs ? argv[i] : x;
	}
	in[6] = fid;
	in[7] = ext;
	for (unsigned i = 0; i < SBI_REGS; i++)
		r[i] = in[i];
	sbi_regs_call(r);

	unsigned changed = 0;
	for (unsigned i = SBI_REGS - 1; i >= (ext < SBI_EXT_BASE ? 1u : 2u); i--)
		if (r[i] != in[i])
			changed = i;
	long ret = (long)r[0];
	attack("%s", what);
	if (changed)
		outcome("returned %ld, a%u changed to 0x%lx", ret, changed, (unsigned long)r[changed]);
	else if (ret == want)
		outcome("error %ld", ret);
	else if (ret >= 0)
		outcome("BREACH accepted (%ld)", ret);
	else
		outcome("error %ld (expected %ld)", ret, want);
}

static void attack_calls(void)
{
	/* SRST that must not end the partition: reserved types, vendor types,
	 * reserved and vendor reasons with a valid type. */
	static const struct { unsigned long type, reason; const char *what; } srst[] = {
		{ 0x3, 0, "sbi system_reset type 0x3 (reserved)" },
		{ 0xf0000000, 0, "sbi system_reset type 0xf0000000 (vendor)" },
		{ SBI_SRST_SHUTDOWN, 0x2, "sbi system_reset shutdown, reason 0x2 (reserved)" },
		{ SBI_SRST_COLD_REBOOT, 0xf0000000, "sbi system_reset cold reboot, reason 0xf0000000 (vendor)" },
		{ SBI_SRST_WARM_REBOOT, 0xe0000000, "sbi system_reset warm reboot, reason 0xe0000000" },
	};
	for (unsigned i = 0; i < sizeof(srst) / sizeof(srst[0]); i++) {
		unsigned long argv[2] = { srst[i].type, srst[i].reason };
		sbi_junk_attack(srst[i].what, SBI_EXT_SRST, SBI_SRST_RESET, 2, argv, SBI_ERR_INVALID_PARAM);
	}

	static const struct { unsigned long ext, fid; const char *what; } unknown[] = {
		{ 0x7654321, 0, "sbi extension 0x7654321" },
		{ SBI_EXT_PMU, 0, "sbi PMU num_counters" },
		{ SBI_EXT_SUSP, 0, "sbi SUSP system_suspend" },
		{ SBI_EXT_CPPC, 0, "sbi CPPC probe" },
		{ 0x08000000, 0, "sbi experimental extension 0x8000000" },
		{ 0x09000000, 0, "sbi vendor extension 0x9000000" },
		{ 0x0a000000, 0, "sbi firmware extension 0xa000000" },
		{ SBI_EXT_BASE, 0x1234, "sbi BASE function 0x1234" },
		{ SBI_EXT_TIME, 1, "sbi TIME function 1" },
		{ SBI_EXT_IPI, 1, "sbi IPI function 1" },
		{ SBI_EXT_HSM, 9, "sbi HSM function 9" },
		{ SBI_EXT_SRST, 1, "sbi SRST function 1" },
		{ SBI_EXT_DBCN, 3, "sbi DBCN function 3" },
		{ SBI_EXT_LEGACY_SET_TIMER, 0, "sbi legacy set_timer" },
		{ SBI_EXT_LEGACY_CLEAR_IPI, 0, "sbi legacy clear_ipi" },
		{ SBI_EXT_LEGACY_FENCE_I, 0, "sbi legacy remote_fence_i" },
		{ SBI_EXT_LEGACY_SHUTDOWN, 0, "sbi legacy shutdown" },
	};
	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		sbi_junk_attack(unknown[i].what, unknown[i].ext, unknown[i].fid, 0, NULL, SBI_ERR_NOT_SUPPORTED);

	/* The legacy send_ipi takes a pointer to a hart mask: the partner's harts. */
	static const unsigned long partner_harts = 0xc;
	unsigned long argv[1] = { (uintptr_t)&partner_harts };
	sbi_junk_attack("sbi legacy send_ipi to harts 0x2 and 0x3", SBI_EXT_LEGACY_SEND_IPI, 0, 1, argv,
			SBI_ERR_NOT_SUPPORTED);
}

/* --- 8: DBCN with buffers that are not the probe's --- */

static void attack_dbcn(void)
{
	uint64_t partner = args.v[ARG_PARTNER_GPA], host = args.v[ARG_PARTNER_RAM];
	char what[96];

	buf_printf(what, sizeof(what), "sbi dbcn write of 16 bytes at 0x%lx (partner guest address)",
		   (unsigned long)partner);
	sbi_refused(what, sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, partner, 0, 0), SBI_ERR_INVALID_PARAM);
	buf_printf(what, sizeof(what), "sbi dbcn write of 16 bytes at 0x%lx (partner host address)",
		   (unsigned long)host);
	sbi_refused(what, sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, host, 0, 0), SBI_ERR_INVALID_PARAM);
	buf_printf(what, sizeof(what), "sbi dbcn read of 16 bytes to 0x%lx (partner host address)",
		   (unsigned long)host);
	sbi_refused(what, sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 16, host, 0, 0), SBI_ERR_INVALID_PARAM);
	buf_printf(what, sizeof(what), "sbi dbcn write of 16 bytes of own RAM, base_addr_hi 1");
	sbi_refused(what, sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, (uintptr_t)_end, 1, 0),
		    SBI_ERR_INVALID_PARAM);
	buf_printf(what, sizeof(what), "sbi dbcn write of 16 bytes straddling the end of own RAM 0x%lx",
		   (unsigned long)(dt_mem_end() - 8));
	sbi_refused(what, sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, dt_mem_end() - 8, 0, 0),
		    SBI_ERR_INVALID_PARAM);
}

/* --- 9: hypervisor and machine state from VS mode --- */

#define TRY_INSN(insn) ({ arm(); __asm__ volatile(".option push\n.option arch, +h\n" insn \
						 "\n.option pop" ::: "memory"); disarm(); })

static void undef_outcome(enum res r)
{
	if (r == R_UNDEF)
		outcome("fault");
	else if (r == R_OK)
		outcome("BREACH executed");
	else
		outcome("fault of another kind: scause 0x%lx", (unsigned long)last_syndrome());
}

static void attack_csrs(void)
{
#define INSN_ATTACK(insn) do { attack("%s", insn); undef_outcome(TRY_INSN(insn)); } while (0)
	/* The hypervisor's CSRs: virtual-instruction exceptions, injected as illegal instructions. */
	INSN_ATTACK("csrr t0, hstatus");
	INSN_ATTACK("csrw hstatus, zero");
	INSN_ATTACK("csrr t0, hgatp");
	INSN_ATTACK("csrw hgatp, zero");
	INSN_ATTACK("csrw hedeleg, zero");
	INSN_ATTACK("csrs hvip, 4");
	INSN_ATTACK("csrw htimedelta, zero");
	INSN_ATTACK("csrw hcounteren, zero");
	INSN_ATTACK("csrw henvcfg, zero");
	INSN_ATTACK("csrr t0, vsatp");
	INSN_ATTACK("csrw vstvec, zero");
	/* H instructions. */
	INSN_ATTACK("hfence.gvma zero, zero");
	INSN_ATTACK("hfence.vvma zero, zero");
	INSN_ATTACK("hlv.d t0, (sp)");
	INSN_ATTACK("hlvx.hu t0, (sp)");
	INSN_ATTACK("hsv.d zero, (sp)");
	/* Machine mode's. */
	INSN_ATTACK("csrr t0, mstatus");
	INSN_ATTACK("csrw mtvec, zero");
	INSN_ATTACK("csrr t0, mhartid");
	INSN_ATTACK("csrw pmpaddr0, zero");
	INSN_ATTACK("csrw medeleg, zero");
	INSN_ATTACK("mret");
#undef INSN_ATTACK
}

/* --- 10: a sweep of the guest-physical address space --- */

/* Is a the probe's: its RAM, its emulated console or its virtual PLIC. */
static bool own_address(uint64_t a)
{
	return in_own_ram(a) || (a >= dt.uart_base && a < dt.uart_base + 0x1000) ||
	       (a >= PLIC && a < PLIC + PLIC_SIZE);
}

/*
 * Read one word of every 2 MiB block of the 4 GiB, and of every 4 KiB page
 * of the device areas 0x0-0x3000000 (test device, RTC, CLINT) and
 * 0x10000000-0x10010000 (UART, virtio-mmio), skipping what is the probe's:
 * everything else must fault. After each fault an SBI call shows the
 * hypervisor that the probe is not stuck in a fault loop.
 */
static void attack_sweep(void)
{
	unsigned faults = 0, open = 0, tried = 0;
	uint64_t first_open = 0, v;

	attack("read sweep 0x0-0x100000000 (2 MiB steps; 4 KiB steps in 0x0-0x3000000 and "
	       "0x10000000-0x10010000)");
	for (uint64_t a = 0; a < 0x100000000ULL; ) {
		bool fine = a < 0x03000000 || (a >= 0x10000000 && a < 0x10010000);
		uint64_t step = fine ? 0x1000 : 0x200000;
		if (!own_address(a)) {
			if (++tried % 64 == 0)
				delay_ms(1);	/* leave the host CPU to the partner now and then */
			enum res r = try_read64(a, &v);
			if (r == R_ACCESS) {
				faults++;
			} else if (!open++) {
				first_open = a;
			}
			sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0);
		}
		a += step;
	}
	if (open)
		outcome("BREACH %u addresses did not fault, the first 0x%lx", open, (unsigned long)first_open);
	else
		outcome("fault (%u addresses)", faults);
}

/* --- the vCPUs --- */

void secondary_main(unsigned long vcpu, unsigned long hartid)
{
	(void)vcpu;
	(void)hartid;
	__atomic_add_fetch(&cpu_boots[this_cpu()], 1, __ATOMIC_SEQ_CST);
	csr_set(sie, SIE_SSIE | SIE_STIE);
	irq_on();
	for (;;) {
		irq_off();
		if (off_request) {
			off_request = false;
			fence();
			struct sbiret r = sbi_hart_stop();
			uart_printf("probe: error: hart_stop returned %ld\n", r.error);
			cpu_halt();
		}
		wfi();
		irq_on();
	}
}

void boot_main(uintptr_t dtb, unsigned long hartid)
{
	int err = dt_scan(dtb, NULL, NULL);

	dtb_addr = dtb;
	if (err) {
		uart_printf("probe: error: bad device tree at 0x%lx (error %d)\n", (unsigned long)dtb, err);
		power_off();
	}
	bootargs_for_each(dt.bootargs, dt.bootargs_len, parse_word);
	uart_printf("probe: start\n");

	int self = dt_vcpu_index(hartid);
	bool ok = dt.nmem && dt.ncpus >= 2 && self == 0;
	for (unsigned a = 0; a < NR_ARGS; a++) {
		if (!args.have[a]) {
			uart_printf("probe: error: bootargs lack %s=0x...\n", arg_names[a]);
			ok = false;
		}
	}
	if (!ok) {
		uart_printf("probe: error: need /memory, 2 harts in the device tree (booting on the first) "
			    "and every bootarg\n");
		power_off();
	}
	set_this_vcpu(0);
	freq = dt.timebase_hz ? dt.timebase_hz : TIMEBASE_DEFAULT;
	/* The pages the probe writes to as "own RAM" must not hold its image. */
	if ((uintptr_t)_end > args.v[ARG_PGTABLES] && in_own_ram(args.v[ARG_PGTABLES])) {
		uart_printf("probe: error: image end 0x%lx overlaps the targets\n", (unsigned long)(uintptr_t)_end);
		power_off();
	}
	csr_set(sie, SIE_SSIE | SIE_STIE);
	irq_on();

	/* Its second vCPU, for the IPI and HSM attacks. */
	struct sbiret r = sbi_hart_start(dt.cpu_id[1], (uintptr_t)secondary_entry, 1);
	if (r.error || !WAIT_UNTIL(cpu_boots[1] == 1, 1000)) {
		uart_printf("probe: error: vcpu 1 (hart 0x%lx) did not start (%ld)\n",
			    (unsigned long)dt.cpu_id[1], r.error);
		power_off();
	}
	uart_printf("probe: vcpu 1 up\n");

	attack_memory();	/* 1-3 */
	attack_plic();		/* 4 */
	attack_hsm();		/* 5 */
	attack_ipis();		/* 6 */
	attack_calls();		/* 7 */
	attack_dbcn();		/* 8 */
	attack_csrs();		/* 9 */
	attack_stop_start();	/* 5 */
	attack_sweep();		/* 10 */

	attack_summary();
	power_off();
}
