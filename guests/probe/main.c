/*
 * probe: a bare-metal guest that attacks everything its partition does not
 * own, one attack at a time, and prints one line per attack:
 *
 *   probe: <attack>: <outcome>
 *
 * outcome is
 *   fault        the access was refused: a synchronous external abort
 *                (stage-2 fault injected by the hypervisor) or an undefined
 *                instruction, caught by the probe's handler, which records
 *                it and steps over the instruction
 *   error <code> a hypercall or PSCI call refused it
 *   ignored      a write without effect (read back: nothing changed) or an
 *                interrupt that went nowhere
 *   own-ram      the address is also a guest address of the probe's own RAM:
 *                the access reaches the probe's memory (checked), not the
 *                host memory of that address
 *   own-intid    a distributor register of an INTID the probe does not
 *                own: its own distributor implements every INTID of
 *                GICD_TYPER's range, unconnected, so the write took effect
 *                there (and is undone); the partner's interrupt is another's
 *   ok           a positive control: something the probe may do worked
 *   not trapped  (IMPLEMENTATION DEFINED registers only) QEMU before 8.0
 *                ignores HCR_EL2.TIDCP; their writes must still be "ignored"
 *   BREACH <what> the attack got through (counted)
 * Anything else means the hypervisor behaved differently than expected.
 * At the end: "probe: <n> attacks, <b> breaches", then PSCI SYSTEM_OFF.
 *
 * Targets come from /chosen/bootargs (hex, from the generated layout.txt):
 *   partner_ram=  host address of the partner's RAM
 *   partner_gpa=  a guest address of the partner's RAM outside the probe's
 *   hyp=          the hypervisor's region (text; data at +0x100000)
 *   pgtables=     the .pgtables region (EL2 stage 1; stage-2 tables after it)
 *   s2_probe=     the probe's own stage-2 root table, the first stage-2 table
 *   s2_partner=   the partner's stage-2 root table
 *   rtc=          the partner's passthrough PL031
 *   spoof         (optional) also try to forge other partitions' console
 *                 lines with control characters; judged on the console
 * Its own RAM, CPUs, GIC, console and PSCI conduit come from the device tree.
 *
 * vCPU 0 attacks; vCPU 1 (started by vCPU 0) only takes SGIs and, when
 * asked, powers itself off. SYSTEM_RESET is never called.
 */
#include <stddef.h>

#include "attack.h"
#include "bootargs.h"
#include "cpu.h"
#include "dt.h"
#include "exception.h"
#include "gic.h"
#include "probe.h"
#include "psci.h"
#include "timer.h"
#include "uart.h"

/* Tessera's hypercalls (docs/hypercalls.md) */
#define TESSERA_HC_DOORBELL	0xc6000001UL

/* GICv3 distributor registers */
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ISACTIVER		0x0300
#define GICD_IPRIORITYR		0x0400
#define GICD_ITARGETSR		0x0800
#define GICD_ICFGR		0x0c00
#define GICD_SGIR		0x0f00
#define GICD_IROUTER		0x6000
/* redistributor (RD_base) */
#define GICR_TYPER		0x0008
#define GICR_WAKER		0x0014
#define GICR_ISENABLER0		(GICR_SGI + 0x0100)
/* ITS of QEMU virt (not in the probe's device tree: a physical address) */
#define QEMU_VIRT_ITS		0x08080000UL
#define GITS_TRANSLATER		0x10040
/* PL031 */
#define RTC_DR			0x00
#define RTC_LR			0x08
#define RTC_IMSC		0x10

/* ICC_SGI1R_EL1 (and ICC_SGI0R_EL1, S3_0_C12_C11_7) fields */
#define ICC_SGI1R_EL1		S3_0_C12_C11_5
#define SGIR_INTID(n)		((uint64_t)(n) << 24)
#define SGIR_AFF1(n)		((uint64_t)(n) << 16)
#define SGIR_AFF2(n)		((uint64_t)(n) << 32)
#define SGIR_AFF3(n)		((uint64_t)(n) << 48)
#define SGIR_RS(n)		((uint64_t)(n) << 44)
#define SGIR_IRM		(1ull << 40)

#define SPI_PARTNER		34	/* the partner's RTC */
#define SPI_NOBODY		48	/* nobody's */
#define SGI_WAKE		15	/* vCPU 0 -> vCPU 1: look at the command */

extern char _image_start[], _end[];	/* linker.ld */

/* --- what the device tree and the bootargs say --- */

static const char *const arg_names[] = {
	"partner_ram", "partner_gpa", "hyp", "pgtables", "s2_probe", "s2_partner", "rtc",
};
enum { ARG_PARTNER_RAM, ARG_PARTNER_GPA, ARG_HYP, ARG_PGTABLES, ARG_S2_PROBE, ARG_S2_PARTNER, ARG_RTC,
       NR_ARGS };
static struct {
	uint64_t v[NR_ARGS];
	bool have[NR_ARGS];
	bool spoof;
} args;

static uint64_t freq;

/* --- per-vCPU state shared between the vCPUs --- */

/* The exception each vCPU's attack asks for (exception.h). */
static struct expected_fault traps[NR_CPUS];

static volatile unsigned sgi_count[NR_CPUS][16];
static volatile unsigned other_irqs[NR_CPUS];
static volatile unsigned cpu_boots[NR_CPUS];	/* secondary_main entries */
static volatile bool off_request;		/* vCPU 1: CPU_OFF yourself */

/* --- the bootargs --- */

static void parse_word(const char *w, size_t wlen)
{
	if (bootargs_is(w, wlen, "spoof")) {
		args.spoof = true;
		return;
	}
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

/* --- time --- */

/*
 * Sleep in WFI on the EL1 virtual timer (its PPI from the DTB) rather than
 * spin: the probe's vCPUs share the host's CPUs with the partner's under
 * QEMU, and a spinning probe would take time from the partner's heartbeat
 * that no hypervisor could give back.
 */
static void sleep_until(uint64_t end)
{
	vtimer_arm_at(end);
	for (;;) {
		irq_mask();
		if (cntvct() >= end)
			break;
		wfi();			/* the timer, or an SGI, ends it */
		irq_unmask();
	}
	irq_unmask();
	vtimer_stop();
}

static void delay_ms(uint64_t ms)
{
	sleep_until(cntvct() + ms * freq / 1000);
}

/* Check cond every millisecond until it holds or ms pass; whether it held. */
#define WAIT_UNTIL(cond, ms) ({ \
	uint64_t __wait_end = cntvct() + (uint64_t)(ms) * freq / 1000; \
	bool __wait_ok; \
	while (!(__wait_ok = (cond)) && cntvct() < __wait_end) \
		delay_ms(1); \
	__wait_ok; })

/* --- the end --- */

static void __attribute__((noreturn)) power_off(void)
{
	psci_power_off("probe: error: ");
}

/* --- exceptions --- */

static void irq(uint32_t intid)
{
	unsigned cpu = this_cpu();

	if (intid < 16)
		sgi_count[cpu][intid]++;
	else if (intid == dt.vtimer_intid)
		vtimer_stop();		/* sleep_until: time is up */
	else
		other_irqs[cpu]++;
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame)
{
	(void)frame;
	if (vector == VECTOR_IRQ_EL1_SPX)
		gic_handle_irqs(irq);
	else if (!expected_fault_take(&traps[this_cpu()], vector, esr, elr, far))
		exception_fatal("probe: error: ", vector, esr, elr, far);
}

/* --- attacks: arming, classifying, reporting --- */

static inline void arm(void)
{
	expected_fault_arm(&traps[this_cpu()]);
}

static enum res disarm(void)
{
	struct expected_fault *t = &traps[this_cpu()];

	if (!expected_fault_disarm(t))
		return R_OK;
	if (ESR_EC(t->esr) == ESR_EC_DABT_CUR && ESR_DFSC(t->esr) == DFSC_SEA)
		return R_ACCESS;
	if (ESR_EC(t->esr) == ESR_EC_UNKNOWN)
		return R_UNDEF;
	return R_OTHER;
}

uint64_t last_syndrome(void)
{
	return traps[this_cpu()].esr;
}

enum res try_read64(uint64_t a, uint64_t *out)
{
	uint64_t v;
	arm();
	__asm__ volatile("mov %0, #0\n\tldr %0, [%1]" : "=&r"(v) : "r"(a) : "memory");
	*out = v;
	return disarm();
}

static enum res try_read32(uint64_t a, uint32_t *out)
{
	uint32_t v;
	arm();
	__asm__ volatile("mov %w0, #0\n\tldr %w0, [%1]" : "=&r"(v) : "r"(a) : "memory");
	*out = v;
	return disarm();
}

static enum res try_read8(uint64_t a, uint8_t *out)
{
	uint32_t v;
	arm();
	__asm__ volatile("mov %w0, #0\n\tldrb %w0, [%1]" : "=&r"(v) : "r"(a) : "memory");
	*out = (uint8_t)v;
	return disarm();
}

enum res try_write64(uint64_t a, uint64_t v)
{
	arm();
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(a) : "memory");
	return disarm();
}

static enum res try_write32(uint64_t a, uint32_t v)
{
	arm();
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory");
	return disarm();
}

static enum res try_write8(uint64_t a, uint8_t v)
{
	arm();
	__asm__ volatile("strb %w0, [%1]" : : "r"((uint32_t)v), "r"(a) : "memory");
	return disarm();
}

/* A load pair: no syndrome (ISV = 0) for a hypervisor to replay. */
static enum res try_ldp(uint64_t a, uint64_t *out)
{
	uint32_t lo, hi;
	arm();
	__asm__ volatile("mov %w0, #0\n\tmov %w1, #0\n\tldp %w0, %w1, [%2]"
			 : "=&r"(lo), "=&r"(hi) : "r"(a) : "memory");
	*out = (uint64_t)hi << 32 | lo;
	return disarm();
}

/* --- 1-3: memory and devices by address --- */

static void attack_memory(void)
{
	uint64_t end = dt_mem_end();

	/* 1. The partner's RAM. */
	mem_attack("partner RAM at its host address", args.v[ARG_PARTNER_RAM]);
	mem_attack("partner RAM at its host address + 0x80000 (its image)",
		   args.v[ARG_PARTNER_RAM] + 0x80000);
	mem_attack("partner RAM at a guest address of the partner", args.v[ARG_PARTNER_GPA]);
	mem_attack("right after own RAM", end);
	straddle_attack(end);

	/* 2. The hypervisor and its translation tables. */
	mem_attack("hypervisor text", args.v[ARG_HYP]);
	mem_attack("hypervisor data", args.v[ARG_HYP] + 0x100000);
	mem_attack("EL2 stage-1 tables", args.v[ARG_PGTABLES]);
	mem_attack("stage-2 tables", args.v[ARG_S2_PROBE]);
	mem_attack("partner stage-2 root", args.v[ARG_S2_PARTNER]);

	/* 3. The partner's passthrough PL031 RTC. */
	uint64_t rtc = args.v[ARG_RTC];
	uint32_t v;
	attack("read partner RTC RTCDR 0x%lx", (unsigned long)(rtc + RTC_DR));
	refused(try_read32(rtc + RTC_DR, &v), R_ACCESS, true, v);
	attack("write partner RTC RTCLR 0x%lx", (unsigned long)(rtc + RTC_LR));
	refused(try_write32(rtc + RTC_LR, 0), R_ACCESS, false, 0);
	attack("write partner RTC RTCIMSC 0x%lx", (unsigned long)(rtc + RTC_IMSC));
	refused(try_write32(rtc + RTC_IMSC, 1), R_ACCESS, false, 0);
}

/* --- 4: the GIC --- */

/* Set the bit of intid in a set-register of the distributor, read it back
 * through the read register (the set register itself, or ISENABLER for
 * ICENABLER). The probe's distributor has every INTID of its range, so a
 * foreign one reads back as its own copy (own-intid; cleared again through
 * the matching clear-register) or, past the range, as 0. */
static void gicd_bit_attack(const char *reg, uint32_t off, uint32_t read_off, unsigned intid)
{
	uint64_t a = dt.gicd + off + intid / 32 * 4;
	uint32_t bit = 1u << (intid % 32), v = 0;

	attack("gicd %s intid %u", reg, intid);
	enum res w = try_write32(a, bit);
	enum res r = try_read32(dt.gicd + read_off + intid / 32 * 4, &v);
	if (w != R_OK || r != R_OK) {
		outcome("fault (write %d, read %d, esr 0x%lx)", w, r, (unsigned long)last_syndrome());
	} else if (v & bit) {
		try_write32(a + 0x80, bit);             /* the ICxxxR beside the ISxxxR */
		outcome("own-intid");
	} else {
		outcome("ignored");
	}
}

/* What every vCPU of the probe received since the counts were cleared. */
static void clear_sgis(void)
{
	for (unsigned c = 0; c < NR_CPUS; c++)
		for (unsigned i = 0; i < 16; i++)
			sgi_count[c][i] = 0;
}

static unsigned sgis(unsigned intid)
{
	unsigned n = 0;

	for (unsigned c = 0; c < NR_CPUS; c++)
		n += sgi_count[c][intid];
	return n;
}

static void attack_gic(void)
{
	uint64_t d = dt.gicd;
	uint32_t v32 = 0;
	uint64_t v64 = 0;
	uint8_t v8 = 0;
	enum res w, r;

	gicd_bit_attack("ISENABLER", GICD_ISENABLER, GICD_ISENABLER, SPI_PARTNER);
	gicd_bit_attack("ISENABLER", GICD_ISENABLER, GICD_ISENABLER, SPI_NOBODY);
	gicd_bit_attack("ICENABLER", GICD_ICENABLER, GICD_ISENABLER, SPI_PARTNER);
	gicd_bit_attack("ISPENDR", GICD_ISPENDR, GICD_ISPENDR, SPI_PARTNER);
	gicd_bit_attack("ISPENDR", GICD_ISPENDR, GICD_ISPENDR, SPI_NOBODY);
	gicd_bit_attack("ISACTIVER", GICD_ISACTIVER, GICD_ISACTIVER, SPI_PARTNER);
	gicd_bit_attack("ISENABLER", GICD_ISENABLER, GICD_ISENABLER, 1019);

	attack("gicd IPRIORITYR intid %u (byte)", SPI_PARTNER);
	w = try_write8(d + GICD_IPRIORITYR + SPI_PARTNER, 0x80);
	r = try_read8(d + GICD_IPRIORITYR + SPI_PARTNER, &v8);
	if (w != R_OK || r != R_OK)
		outcome("fault (write %d, read %d)", w, r);
	else
		OUTCOME_IF(v8 == 0x80, "own-intid", "priority reads 0x%x", v8);

	attack("gicd ITARGETSR intid 32-35");
	w = try_write32(d + GICD_ITARGETSR + 32, 0x0f0f0f0f);
	r = try_read32(d + GICD_ITARGETSR + 32, &v32);
	if (w != R_OK || r != R_OK)
		outcome("fault (write %d, read %d)", w, r);
	else
		OUTCOME_IF(!v32, "ignored", "BREACH targets 0x%x", v32);

	attack("gicd ICFGR intid %u (edge)", SPI_PARTNER);
	uint32_t cfg_bit = 1u << (2 * (SPI_PARTNER % 16) + 1);
	w = try_write32(d + GICD_ICFGR + SPI_PARTNER / 16 * 4, cfg_bit);
	r = try_read32(d + GICD_ICFGR + SPI_PARTNER / 16 * 4, &v32);
	if (w != R_OK || r != R_OK)
		outcome("fault (write %d, read %d)", w, r);
	else
		OUTCOME_IF(v32 & cfg_bit, "own-intid", "config reads 0x%x", v32);

	/* Route the partner's SPI to the partner's second vCPU (MPIDR 0x3): in
	 * the probe's distributor, that names no vCPU. */
	static const unsigned route_ids[] = { SPI_PARTNER, SPI_NOBODY };
	for (unsigned i = 0; i < 2; i++) {
		unsigned id = route_ids[i];
		attack("gicd IROUTER intid %u := 0x3", id);
		w = try_write64(d + GICD_IROUTER + 8 * id, 0x3);
		r = try_read64(d + GICD_IROUTER + 8 * id, &v64);
		if (w != R_OK || r != R_OK)
			outcome("fault (write %d, read %d)", w, r);
		else
			OUTCOME_IF(v64 == 0x3, "own-intid", "route reads 0x%lx", (unsigned long)v64);
	}
	attack("gicd IROUTER intid 1019 (64-bit)");
	w = try_write64(d + GICD_IROUTER + 8 * 1019, 0x3);
	r = try_read64(d + GICD_IROUTER + 8 * 1019, &v64);
	if (w == R_ACCESS && r == R_ACCESS)
		outcome("fault");
	else if (w != R_OK || r != R_OK)
		outcome("fault (write %d, read %d)", w, r);
	else
		OUTCOME_IF(!v64, "ignored", "BREACH route 0x%lx", (unsigned long)v64);

	/* GICD_SGIR (GICv2's SGI register; reserved with ARE): SGI 6 to all others. */
	attack("gicd SGIR: sgi 6 to all other cpus");
	clear_sgis();
	w = try_write32(d + GICD_SGIR, 1u << 24 | 6);
	delay_ms(5);
	if (w != R_OK)
		outcome("fault (write %d)", w);
	else
		OUTCOME_IF(!sgis(6), "ignored", "BREACH sgi delivered (%u)", sgis(6));

	/* Accesses the hypervisor cannot replay, or sizes the registers do not have. */
	attack("gicd ldp (no syndrome) 0x%lx", (unsigned long)(d + GICD_ISENABLER));
	refused(try_ldp(d + GICD_ISENABLER, &v64), R_ACCESS, true, v64);
	attack("gicd CTLR 64-bit read");
	refused(try_read64(d, &v64), R_ACCESS, true, v64);
	attack("gicd beyond its 64 KiB 0x%lx", (unsigned long)(d + dt.gicd_size));
	refused(try_read32(d + dt.gicd_size, &v32), R_ACCESS, true, v32);

	/* Redistributors: the frames after the probe's own are the physical
	 * ones of pCPUs 2 and 3 (the partner's). */
	for (unsigned f = (unsigned)(dt.gicr_size / GICR_FRAME); f < 4; f++) {
		uint64_t rd = dt.gicr + (uint64_t)f * GICR_FRAME;
		attack("read gicr frame %u TYPER 0x%lx", f, (unsigned long)(rd + GICR_TYPER));
		refused(try_read64(rd + GICR_TYPER, &v64), R_ACCESS, true, v64);
		attack("write gicr frame %u WAKER 0x%lx", f, (unsigned long)(rd + GICR_WAKER));
		refused(try_write32(rd + GICR_WAKER, 0), R_ACCESS, false, 0);
		attack("write gicr frame %u ISENABLER0 0x%lx", f, (unsigned long)(rd + GICR_ISENABLER0));
		refused(try_write32(rd + GICR_ISENABLER0, 0xffffffff), R_ACCESS, false, 0);
	}

	/* The physical ITS: writing GITS_TRANSLATER would raise LPIs. */
	attack("read its GITS_CTLR 0x%lx", QEMU_VIRT_ITS);
	refused(try_read32(QEMU_VIRT_ITS, &v32), R_ACCESS, true, v32);
	attack("write its GITS_TRANSLATER 0x%lx", QEMU_VIRT_ITS + GITS_TRANSLATER);
	refused(try_write32(QEMU_VIRT_ITS + GITS_TRANSLATER, 8192), R_ACCESS, false, 0);
}

/* --- 5, 10: PSCI --- */

/* A call that must be refused: any success is a breach. */
static void psci_refused(const char *what, long ret)
{
	attack("%s", what);
	if (ret < 0)
		outcome("error %ld", ret);
	else
		outcome("BREACH returned %ld", ret);
}

static void attack_psci(void)
{
	static const uint64_t foreign[] = { 0x2, 0x3, 0x100, 0x80000002 };
	char what[64];
	uintptr_t entry = (uintptr_t)secondary_entry;

	for (unsigned i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		buf_printf(what, sizeof(what), "psci CPU_ON mpidr 0x%lx", (unsigned long)foreign[i]);
		psci_refused(what, psci_cpu_on(foreign[i], entry, 1));
	}
	psci_refused("psci CPU_ON (SMC32) mpidr 0x3",
		    psci_call(PSCI_CPU_ON_32, 0x3, entry, 1));
	for (unsigned i = 0; i < 2; i++) {
		buf_printf(what, sizeof(what), "psci AFFINITY_INFO mpidr 0x%lx",
			   (unsigned long)foreign[i]);
		psci_refused(what, psci_affinity_info(foreign[i]));
	}

	/* Its own vCPUs, both on. */
	for (unsigned i = 0; i < dt.ncpus && i < NR_CPUS; i++) {
		buf_printf(what, sizeof(what), "psci CPU_ON own running mpidr 0x%lx",
			   (unsigned long)dt.cpu_id[i]);
		attack("%s", what);
		long ret = psci_cpu_on(dt.cpu_id[i], entry, i);
		if (ret < 0)
			outcome("error %ld", ret);
		else
			outcome("unexpected success %ld", ret);
	}
}

static void send_sgi(uint64_t r)
{
	write_sysreg(ICC_SGI1R_EL1, r);
	isb();
}

/* 10. vCPU 1 powers itself off (CPU_OFF) and is started again (CPU_ON). */
static void attack_cpu_off_on(void)
{
	uint64_t m1 = dt.cpu_id[1];
	unsigned boots = cpu_boots[1];
	long ret;

	attack("psci CPU_OFF of own vcpu 1, then CPU_ON");
	off_request = true;
	dsb_sy();
	send_sgi(SGIR_INTID(SGI_WAKE) | SGIR_AFF1((m1 >> 8) & 0xff) | (1u << (m1 & 0xf)));
	if (!WAIT_UNTIL(psci_affinity_info(m1) == PSCI_AFF_OFF, 1000)) {
		outcome("vcpu 1 did not go off");
		return;
	}

	/* While it is off: entry points outside the probe's executable RAM. */
	uint64_t bad[] = { args.v[ARG_PARTNER_RAM], args.v[ARG_RTC], dt.mem[0].end };
	char what[80];
	for (unsigned i = 0; i < 3; i++) {
		buf_printf(what, sizeof(what), "psci CPU_ON own vcpu 1 at entry 0x%lx",
			   (unsigned long)bad[i]);
		psci_refused(what, psci_cpu_on(m1, bad[i], 1));
	}

	attack("psci CPU_OFF of own vcpu 1, then CPU_ON");
	ret = psci_cpu_on(m1, (uintptr_t)secondary_entry, 1);
	if (ret)
		outcome("error %ld", ret);
	else if (!WAIT_UNTIL(cpu_boots[1] == boots + 1, 1000))
		outcome("vcpu 1 did not come back");
	else if (psci_affinity_info(m1) != PSCI_AFF_ON)
		outcome("vcpu 1 back but not ON");
	else
		outcome("ok");
}

/* --- 6: SGIs --- */

static void sgi_attack(const char *what, unsigned intid, uint64_t r)
{
	attack("sgi %u to %s", intid, what);
	clear_sgis();
	send_sgi(SGIR_INTID(intid) | r);
	delay_ms(10);
	OUTCOME_IF(!sgis(intid), "ignored", "BREACH delivered to the probe (%u)", sgis(intid));
}

static void attack_sgis(void)
{
	/* Nothing of the probe's answers to these: dropped. */
	sgi_attack("mpidr 0x2 and 0x3 (partner)", 1, (1u << 2) | (1u << 3));
	sgi_attack("mpidr 0x100", 2, SGIR_AFF1(1) | 1u);
	sgi_attack("mpidr 0xff00000000 (aff3)", 3, SGIR_AFF3(0xff) | 1u);
	sgi_attack("mpidr 0x10000 (aff2)", 4, SGIR_AFF2(1) | 1u);
	sgi_attack("mpidr 0x10 (range selector 1)", 5, SGIR_RS(1) | 1u);

	/* IRM: every other vCPU of the probe, which is vCPU 1 alone. */
	attack("sgi 7 to all others (IRM)");
	clear_sgis();
	send_sgi(SGIR_INTID(7) | SGIR_IRM);
	bool got = WAIT_UNTIL(sgi_count[1][7] == 1, 100);
	delay_ms(10);
	if (got && sgi_count[1][7] == 1 && sgi_count[0][7] == 0)
		outcome("ok (own vcpu 1 only)");
	else
		outcome("wrong delivery: vcpu 0 %u, vcpu 1 %u", sgi_count[0][7], sgi_count[1][7]);

	/* A storm of SGIs at its own vCPU 1: the partner must not notice. */
	attack("sgi 8 x 1000 to own vcpu 1");
	clear_sgis();
	for (unsigned i = 0; i < 1000; i++)
		send_sgi(SGIR_INTID(8) | 1u << 1);
	got = WAIT_UNTIL(sgi_count[1][8] >= 1, 100);
	OUTCOME_IF(got && !sgi_count[0][8], "ok", "wrong delivery: vcpu 0 %u, vcpu 1 %u",
		   sgi_count[0][8], sgi_count[1][8]);
}

/* --- 7, 8: unknown calls, doorbells --- */

/* The call with x1-x29 full of junk: x0 is the answer; x1-x29 must come
 * back as they went (Tessera returns x0 only; a change could leak state,
 * and x18-x29 are the caller's to keep, which the hypervisor's trap keeps
 * by its C code's calling convention rather than in its frame). */
static void smccc_attack(const char *conduit, void (*call)(uint64_t *), uint64_t fid,
			 long expected)
{
	uint64_t in[SMCCC_REGS], r[SMCCC_REGS];
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ fid;

	in[0] = fid;
	for (unsigned i = 1; i < SMCCC_REGS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		in[i] = x;
	}
	for (unsigned i = 0; i < SMCCC_REGS; i++)
		r[i] = in[i];
	call(r);

	unsigned changed = 0;
	for (unsigned i = SMCCC_REGS - 1; i >= 1; i--)
		if (r[i] != in[i])
			changed = i;
	long ret = (long)r[0];
	attack("%s 0x%lx", conduit, (unsigned long)fid);
	if (changed)
		outcome("returned %ld, x%u changed to 0x%lx", ret, changed, (unsigned long)r[changed]);
	else if (ret == expected)
		outcome("error %ld", ret);
	else if (ret >= 0)
		outcome("BREACH accepted (%ld)", ret);
	else
		outcome("error %ld (expected %ld)", ret, expected);
}

/* No memset: there is no C library (an initialiser could become a call). */
static void regs_clear(uint64_t *r)
{
	for (unsigned i = 0; i < SMCCC_REGS; i++)
		r[i] = 0;
}

/* Trapped accesses (insns) that leave their result in register dst, with
 * junk in every other register: src holds addr and dst must read want or,
 * with want NO_WANT, src's junk is the value written and dst must read it
 * back; with dst NO_REG, no register may change at all (an interrupt).
 * x0-x19 are the part of the hypervisor's trap frame that Tessera saves
 * for its C code, x20-x29 the rest: whichever part each is in, dst must
 * get its value, as a plain access gives it, and no other register may
 * change. */
#define NO_WANT ~0ull
#define NO_REG SMCCC_REGS
static void frame_check(const char *what, void (*insns)(uint64_t *), unsigned dst, unsigned src, uint64_t addr,
			uint64_t want)
{
	uint64_t in[SMCCC_REGS], r[SMCCC_REGS], x = 0x2545f4914f6cdd1dULL;

	for (unsigned i = 0; i < SMCCC_REGS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		in[i] = x;
	}
	if (dst == NO_REG)
		want = 0;
	else if (want == NO_WANT)
		want = in[src];
	else
		in[src] = addr;
	for (unsigned i = 0; i < SMCCC_REGS; i++)
		r[i] = in[i];
	insns(r);

	unsigned changed = SMCCC_REGS;
	for (unsigned i = 0; i < SMCCC_REGS; i++)
		if (i != dst && r[i] != in[i])
			changed = i;
	attack("%s", what);
	if (changed < SMCCC_REGS)
		outcome("x%u changed to 0x%lx", changed, (unsigned long)r[changed]);
	else if (dst != NO_REG && r[dst] != want)
		outcome("wrong value 0x%lx (0x%lx)", (unsigned long)r[dst], (unsigned long)want);
	else
		outcome(dst == NO_REG ? "no register changed" : "its value, nothing else changed");
}

static void attack_calls(void)
{
	uint64_t iidr = *(volatile uint32_t *)(uintptr_t)(dt.gicd + 0x8);
	frame_check("emulated load into x5", mmio_load_x5, 5, 6, dt.gicd + 0x8, iidr);
	frame_check("emulated load into x25", mmio_load_x25, 25, 26, dt.gicd + 0x8, iidr);
	frame_check("CNTP_CVAL_EL0 from x26, back into x5", cval_x26_x5, 5, 26, 0, NO_WANT);
	frame_check("CNTP_CVAL_EL0 from x6, back into x25", cval_x6_x25, 25, 6, 0, NO_WANT);
	/* 1 ms on: the hypervisor takes the timer's interrupt inside irq_wait */
	vtimer_arm_at(cntvct() + freq / 1000);
	frame_check("virtual timer interrupt amid junk registers", irq_wait, NO_REG, 0, 0, 0);

	static const uint64_t unknown[] = {
		0x82000000,		/* SiP service, fast, SMC32 */
		0xc4000099,		/* PSCI range, no such function */
		0x12345678,		/* not a fast call at all */
		0xc600ffff,		/* Tessera's range, no such function */
		0xc6000002,		/* the one after DOORBELL */
		0xbf00ff01,		/* Trusted OS call */
	};

	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		smccc_attack("hvc", smccc_hvc, unknown[i], -1);
		smccc_attack("smc", smccc_smc, unknown[i], -1);
	}
	smccc_attack("hvc #0x5a5a", smccc_hvc_imm, 0x12345678, -1);
	smccc_attack("smc #0xa5a5", smccc_smc_imm, 0xc600ffff, -1);

	/* 8. Doorbells: the probe has no channel at all. */
	static const uint64_t ids[] = { 0, 1, 2, 3, 4, 5, 6, 7, 0x100000000ULL, ~0ULL };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		uint64_t r[SMCCC_REGS];
		regs_clear(r);
		r[0] = TESSERA_HC_DOORBELL;
		r[1] = ids[i];
		smccc_hvc(r);
		attack("hvc DOORBELL channel 0x%lx", (unsigned long)ids[i]);
		long ret = (long)r[0];
		if (ret < 0)
			outcome("error %ld", ret);
		else
			outcome("BREACH doorbell rang (%ld)", ret);
	}
	uint64_t r[SMCCC_REGS];
	regs_clear(r);
	r[0] = TESSERA_HC_DOORBELL;
	r[1] = 0;
	smccc_smc(r);
	attack("smc DOORBELL channel 0x0");
	if ((long)r[0] < 0)
		outcome("error %ld", (long)r[0]);
	else
		outcome("BREACH doorbell rang (%ld)", (long)r[0]);
}

/* --- 9: system registers --- */

#define TRY_INSN(insn) ({ arm(); __asm__ volatile(insn ::: "memory"); disarm(); })
#define TRY_MSR(reg, v) ({ arm(); \
			   __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory"); \
			   disarm(); })
#define TRY_MRS(reg, out) ({ uint64_t __mrs_val; arm(); \
			   __asm__ volatile("mov %0, #0\n\tmrs %0, " #reg : "=&r"(__mrs_val) : : "memory"); \
			   *(out) = __mrs_val; disarm(); })

static void undef_outcome(enum res r, uint64_t v)
{
	if (r == R_UNDEF)
		outcome("fault");
	else if (r == R_OK)
		outcome("BREACH executed (0x%lx)", (unsigned long)v);
	else
		outcome("fault of another kind: esr 0x%lx", (unsigned long)last_syndrome());
}

/*
 * An IMPLEMENTATION DEFINED register (op0 3, CRn 11 or 15), which
 * HCR_EL2.TIDCP makes undefined for the guest. Read it; write the value read
 * with bit 0 flipped and read back. If the accesses are not trapped (QEMU
 * before 8.0 does not implement TIDCP: these registers are constants there)
 * a write that reads back unchanged had no effect: "ignored"; one that
 * changed the register reached the physical CPU: a breach (undone).
 */
#define IMPDEF_ATTACK(reg, name) do { \
	uint64_t __imp_v = 0, __back = 0; \
	attack("mrs " name " (" #reg ")"); \
	enum res __r = TRY_MRS(reg, &__imp_v); \
	if (__r == R_OK) \
		outcome("not trapped (read 0x%lx)", (unsigned long)__imp_v); \
	else \
		undef_outcome(__r, 0); \
	attack("msr " name " (" #reg ")"); \
	__r = TRY_MSR(reg, __imp_v ^ 1); \
	if (__r != R_OK) { \
		undef_outcome(__r, 0); \
		break; \
	} \
	TRY_MRS(reg, &__back); \
	if (__back == __imp_v) { \
		outcome("ignored (not trapped, read back 0x%lx)", (unsigned long)__back); \
	} else { \
		TRY_MSR(reg, __imp_v); \
		outcome("BREACH not trapped, changed to 0x%lx", (unsigned long)__back); \
	} \
} while (0)

static void attack_sysregs(void)
{
	uint64_t v = 0;

	/* IMPLEMENTATION DEFINED registers of the Cortex-A72: HCR_EL2.TIDCP. */
	IMPDEF_ATTACK(S3_1_C15_C2_0, "CPUACTLR_EL1");
	IMPDEF_ATTACK(S3_1_C15_C2_1, "CPUECTLR_EL1");
	IMPDEF_ATTACK(S3_1_C11_C0_2, "L2CTLR_EL1");

	/* EL2 and EL3 registers and operations from EL1. */
	attack("msr HCR_EL2 (S3_4_C1_C1_0)");
	undef_outcome(TRY_MSR(S3_4_C1_C1_0, 0), 0);
	attack("mrs VTTBR_EL2 (S3_4_C2_C1_0)");
	undef_outcome(TRY_MRS(S3_4_C2_C1_0, &v), v);
	attack("msr VTTBR_EL2 (S3_4_C2_C1_0)");
	undef_outcome(TRY_MSR(S3_4_C2_C1_0, 0), 0);
	attack("msr VBAR_EL2 (S3_4_C12_C0_0)");
	undef_outcome(TRY_MSR(S3_4_C12_C0_0, 0), 0);
	attack("msr ICH_HCR_EL2 (S3_4_C12_C11_0)");
	undef_outcome(TRY_MSR(S3_4_C12_C11_0, 0), 0);
	attack("msr CNTHCTL_EL2 (S3_4_C14_C1_0)");
	undef_outcome(TRY_MSR(S3_4_C14_C1_0, 3), 0);
	attack("msr CNTVOFF_EL2 (S3_4_C14_C0_3)");
	undef_outcome(TRY_MSR(S3_4_C14_C0_3, 0), 0);
	attack("msr SCR_EL3 (S3_6_C1_C1_0)");
	undef_outcome(TRY_MSR(S3_6_C1_C1_0, 0), 0);
	attack("tlbi alle2");
	undef_outcome(TRY_INSN("tlbi alle2"), 0);
	attack("at s12e1r");
	undef_outcome(TRY_INSN("at s12e1r, xzr"), 0);

	/* ICC_SGI0R_EL1: Group 0 SGIs do not exist for guests. */
	attack("msr ICC_SGI0R_EL1: sgi 9 to own vcpu 1 and all others");
	clear_sgis();
	enum res r1 = TRY_MSR(S3_0_C12_C11_7, SGIR_INTID(9) | 1u << 1);
	enum res r2 = TRY_MSR(S3_0_C12_C11_7, SGIR_INTID(9) | SGIR_IRM);
	delay_ms(10);
	if (r1 != R_OK || r2 != R_OK)
		outcome("fault (%d, %d, esr 0x%lx)", r1, r2, (unsigned long)last_syndrome());
	else
		OUTCOME_IF(!sgis(9), "ignored", "delivered (%u)", sgis(9));
}

/* --- a sweep of the guest-physical address space --- */

/* Is a the probe's: its RAM, or an emulated device of its own. */
static bool own_address(uint64_t a)
{
	if (in_own_ram(a))
		return true;
	if (a >= dt.gicd && a < dt.gicd + dt.gicd_size)
		return true;
	if (a >= dt.gicr && a < dt.gicr + dt.gicr_size)
		return true;
	return a >= dt.uart_base && a < dt.uart_base + 0x1000;
}

/*
 * Read one word of every 2 MiB block of the 4 GiB below the probe's stage-1
 * map's end, and of every 4 KiB page of the device area 0x08000000-
 * 0x0a000000 (GIC, UARTs, RTC, fw_cfg, GPIO, ...), skipping what is the
 * probe's: everything else must fault. After each fault a PSCI_VERSION call
 * shows the hypervisor the probe is not stuck in an exception loop.
 */
static void attack_sweep(void)
{
	unsigned faults = 0, open = 0, tried = 0;
	uint64_t first_open = 0, v;

	attack("read sweep 0x0-0x100000000 (2 MiB steps; 4 KiB steps in 0x8000000-0xa000000)");
	for (uint64_t a = 0; a < 0x100000000ULL; ) {
		uint64_t step = (a >= 0x08000000 && a < 0x0a000000) ? 0x1000 : 0x200000;
		if (!own_address(a)) {
			if (++tried % 64 == 0)
				delay_ms(1);	/* leave the host CPU to the partner now and then */
			enum res r = try_read64(a, &v);
			if (r == R_ACCESS) {
				faults++;
				psci_call(PSCI_VERSION, 0, 0, 0);
			} else {
				if (!open++)
					first_open = a;
				if (r != R_OK)
					psci_call(PSCI_VERSION, 0, 0, 0);
			}
		}
		a += step;
	}
	if (open)
		outcome("BREACH %u addresses did not fault, the first 0x%lx", open,
			(unsigned long)first_open);
	else
		outcome("fault (%u addresses)", faults);
}

/* --- console (optional, judged by whoever reads the console) --- */

static void attack_console(void)
{
	/* A vertical tab, a form feed and an ANSI "back to column 1" each end a
	 * line for some reader; the text after them must still show as the
	 * probe's. */
	uart_printf("probe: console spoof VT: sent\v[partner] ticker: forged by the probe (VT)\n");
	uart_printf("probe: console spoof FF: sent\f[partner] ticker: forged by the probe (FF)\n");
	uart_printf("probe: console spoof ANSI: sent\x1b[2K\x1b[1G[partner] ticker: forged by the "
		    "probe (ANSI)\n");
	uart_printf("probe: console spoof NEL: sent\xc2\x85tessera: forged by the probe (NEL)\n");
}

/* --- the vCPUs --- */

static void gic_setup_this_cpu(void)
{
	uint64_t mpidr = read_mpidr();
	uint64_t rd = gic_find_redist(mpidr, 0);

	if (!rd || gic_redist_init(rd, 0xffff | 1u << dt.vtimer_intid)) {	/* SGIs, timer */
		uart_printf("probe: error: no usable redistributor for mpidr 0x%lx\n",
			    (unsigned long)mpidr);
		power_off();
	}
	gic_cpu_init();
}

void secondary_main(unsigned long cpu)
{
	(void)cpu;
	gic_setup_this_cpu();
	__atomic_add_fetch(&cpu_boots[this_cpu()], 1, __ATOMIC_SEQ_CST);
	irq_unmask();
	for (;;) {
		irq_mask();
		if (off_request) {
			off_request = false;
			dsb_sy();
			long ret = psci_cpu_off();
			uart_printf("probe: error: CPU_OFF returned %ld\n", ret);
			cpu_halt();
		}
		wfi();
		irq_unmask();
	}
}

void boot_main(uintptr_t dtb)
{
	int err = dt_scan(dtb, NULL, NULL);

	dtb_addr = dtb;
	if (err) {
		uart_printf("probe: error: bad device tree at 0x%lx (error %d)\n",
			    (unsigned long)dtb, err);
		power_off();
	}
	bootargs_for_each(dt.bootargs, dt.bootargs_len, parse_word);
	uart_printf("probe: start\n");

	bool ok = dt.have_gic && dt.nmem && dt.ncpus >= 2;
	for (unsigned a = 0; a < NR_ARGS; a++) {
		if (!args.have[a]) {
			uart_printf("probe: error: bootargs lack %s=0x...\n", arg_names[a]);
			ok = false;
		}
	}
	freq = cntfrq();
	if (!ok || freq < 1000) {
		uart_printf("probe: error: need a GICv3, /memory, 2 CPUs in the DTB, every bootarg "
			    "and CNTFRQ_EL0 of 1 kHz or more\n");
		power_off();
	}
	/* The pages the probe writes to as "own RAM" must not hold its image. */
	if ((uintptr_t)_end > args.v[ARG_PGTABLES] && in_own_ram(args.v[ARG_PGTABLES])) {
		uart_printf("probe: error: image end 0x%lx overlaps the targets\n",
			    (unsigned long)(uintptr_t)_end);
		power_off();
	}

	gic_set_bases(dt.gicd, dt.gicr, dt.gicr_size);
	gic_dist_enable();
	gic_setup_this_cpu();
	irq_unmask();

	/* Its second vCPU, for the SGI and power attacks. */
	long ret = psci_cpu_on(dt.cpu_id[1], (uintptr_t)secondary_entry, 1);
	if (ret || !WAIT_UNTIL(cpu_boots[1] == 1, 1000)) {
		uart_printf("probe: error: vcpu 1 (mpidr 0x%lx) did not start (%ld)\n",
			    (unsigned long)dt.cpu_id[1], ret);
		power_off();
	}
	uart_printf("probe: vcpu 1 up\n");

	attack_memory();	/* 1-3 */
	attack_gic();		/* 4 */
	attack_psci();		/* 5 */
	attack_sgis();		/* 6 */
	attack_calls();		/* 7, 8 */
	attack_sysregs();	/* 9 */
	attack_cpu_off_on();	/* 10 */
	attack_sweep();
	if (args.spoof)
		attack_console();

	for (unsigned c = 0; c < NR_CPUS; c++)
		if (other_irqs[c])
			uart_printf("probe: error: vcpu %u took %u interrupts it never enabled\n", c,
				    other_irqs[c]);
	attack_summary();
	power_off();
}
