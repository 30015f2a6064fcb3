/*
 * irq-test: proves interrupt delivery through a GICv3, as a hypervisor's
 * virtual GIC gives it to a partition of (at least) two vCPUs.
 *
 *   1. Timer: each vCPU runs its EL1 virtual timer as a 1 ms heartbeat
 *      (INTID 27 on QEMU virt, re-armed by the IRQ handler) and must take 3
 *      ticks; a one-shot of the EL1 physical timer must arrive (30); the PMU's
 *      cycle counter, set 100 us short of overflowing, must raise its
 *      overflow interrupt (the DTB's arm,armv8-pmuv3 node names the PPI).
 *   2. SGIs within the partition: vCPU 0 and vCPU 1 send each other SGI 1,
 *      then 100 ping/pong round trips; then an SGI 1 that arrives while
 *      vCPU 1 is still handling the previous one must be taken after it.
 *   3. SGIs to CPUs the partition does not have are dropped. The partition
 *      whose /cpus are 0x0/0x1 (the sender) sends SGI 7 to 0x100 and 0x101,
 *      which only the other partition has, and to 0x2, which nobody has;
 *      the partition whose /cpus are 0x100/0x101 (the receiver) never sends
 *      SGI 7 and checks, after waiting 50 ms, that it received none.
 *   4. vCPU 0 prints "all checks passed" when every check of both vCPUs
 *      passed; vCPU 1 calls CPU_OFF, vCPU 0 SYSTEM_OFF.
 *
 * Every wait sleeps in WFI (interrupts) or WFE (flags): under QEMU -icount
 * the CPUs run round-robin on one thread, so spinning would starve the one
 * being waited for. The heartbeat wakes the sleepers to check a timeout
 * (except vCPU 1 in test 2b, whose heartbeat is off: vCPU 0 watches it).
 * Any problem prints a line with "FAIL"; an unexpected exception too.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "exception.h"
#include "gic.h"
#include "pmu.h"
#include "psci.h"
#include "timer.h"
#include "uart.h"

#define SGI_PARTNER		1	/* between the partition's own vCPUs */
#define SGI_FOREIGN		7	/* aimed at CPUs the partition does not have */
#define ROUND_TRIPS		100
#define TIMER_TICKS_WANTED	3
#define FOREIGN_SENDS		5	/* SGI 7s per target per burst */

#define PMU_OVERFLOW_NS	100000	/* the cycle counter counts ns (QEMU: 1 GHz) */

/* The INTIDs we enable in each redistributor; any other one is unexpected. */
static uint32_t enabled_intids(void)
{
	return 1u << SGI_PARTNER | 1u << SGI_FOREIGN | 1u << dt.vtimer_intid | 1u << dt.ptimer_intid |
	       (dt.pmu_intid ? 1u << dt.pmu_intid : 0u);
}

/* Whom SGI 7 goes to: the other partition's vCPUs, and an MPIDR nobody has. */
static const uint64_t foreign_mpidr[] = { 0x100, 0x101, 0x2 };

/* Which side of test 3 this partition is, from its /cpus. */
enum role { ROLE_SENDER, ROLE_RECEIVER };
static enum role role;

static uint64_t freq;			/* CNTFRQ_EL0, counter ticks per second */
static uint64_t timer_period;		/* heartbeat: 1 ms of counter ticks */

/*
 * Interrupts taken, per vCPU and INTID (SGIs and PPIs), and any others.
 * Written only by that vCPU's IRQ handler; its own main code reads them with
 * IRQs masked or after, the other vCPU only once it is done.
 */
static volatile uint32_t irq_count[MAX_VCPUS][INTID_NR_PRIVATE];
static volatile uint32_t irq_spi[MAX_VCPUS];
static volatile bool heartbeat_on[MAX_VCPUS];	/* the IRQ handler re-arms the timer */

static atomic_uint failures;		/* checks failed, both vCPUs */
static atomic_uint arrived;		/* vCPUs that reached the barrier */
static atomic_uint partner_done;	/* the second vCPU finished its checks */
static uint32_t sgi_partner_want[MAX_VCPUS];	/* SGI 1s each vCPU must take in all */

/* Test 2b, "SGI while active": where the two vCPUs are. */
enum {
	HOLD_IDLE,
	HOLD_ARMED,	/* vCPU 1 waits for the first SGI, its heartbeat off */
	HOLD_HELD,	/* vCPU 1's handler took it and holds it active */
	HOLD_SENT,	/* vCPU 0 sent the second one meanwhile */
	HOLD_TAKEN,	/* vCPU 1 took the second one */
};
static atomic_uint hold_state;
static unsigned int hold_vcpu = MAX_VCPUS;	/* the vCPU whose handler holds the SGI */
static volatile uint64_t hold_eoi_at, hold_taken_at;	/* EOI of the first, ack of the second */

static uint64_t ms(uint64_t n)
{
	return n * (freq / 1000);
}

/* --- output --- */

/* A failed check: "irq-test: FAIL <what>". */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
	va_start(ap, fmt);
	say_line("irq-test: FAIL ", fmt, ap);
	va_end(ap);
}

static void heartbeat_stop(void);

static void __attribute__((noreturn)) power_off(void)
{
	heartbeat_stop();
	irq_mask();
	psci_system_off();
	cpu_park();
}

/* --- the virtual timer heartbeat and waiting --- */

static void heartbeat_start(void)
{
	heartbeat_on[this_vcpu()] = true;
	vtimer_arm_in(timer_period);
}

static void heartbeat_stop(void)
{
	uint64_t daif;

	__asm__ volatile("mrs %0, daif" : "=r"(daif));
	irq_mask();
	heartbeat_on[this_vcpu()] = false;
	vtimer_stop();
	__asm__ volatile("msr daif, %0" : : "r"(daif) : "memory");
}

#define WAIT_FOREVER	(~0ULL)

/*
 * Sleep in WFI until this vCPU has taken 'want' interrupts of INTID intid
 * in all, or 'timeout' counter ticks passed (WAIT_FOREVER: no deadline, for
 * when no heartbeat runs to wake us and check it). The condition is checked
 * with IRQs masked: an interrupt arriving after the check keeps WFI from
 * sleeping (WFI wakes on a pending interrupt even when it is masked), and
 * is taken when we unmask.
 */
static bool wait_irq(unsigned int intid, uint32_t want, uint64_t timeout)
{
	unsigned int self = this_vcpu();
	uint64_t deadline = cntvct() + timeout;

	for (;;) {
		irq_mask();
		bool done = irq_count[self][intid] >= want;
		if (done || (timeout != WAIT_FOREVER && cntvct() >= deadline)) {
			irq_unmask();
			return done;
		}
		wfi();
		irq_unmask();		/* the interrupt that woke us is taken here */
	}
}

/* Sleep (WFI; the heartbeat wakes us) until 'ticks' counter ticks passed. */
static void sleep_ticks(uint64_t ticks)
{
	uint64_t deadline = cntvct() + ticks;

	for (;;) {
		irq_mask();
		if (cntvct() >= deadline) {
			irq_unmask();
			return;
		}
		wfi();
		irq_unmask();
	}
}

/*
 * Sleep in WFE until *p >= want or the timeout passed. IRQs stay unmasked:
 * the writer's SEV wakes us, and so does an interrupt (its exception return
 * sets the event register, so one taken just before the WFE is not lost).
 */
static bool wait_flag(atomic_uint *p, unsigned int want, uint64_t timeout)
{
	uint64_t deadline = cntvct() + timeout;

	for (;;) {
		if (atomic_load_explicit(p, memory_order_acquire) >= want)
			return true;
		if (cntvct() >= deadline)
			return false;
		wfe();
	}
}

/* --- interrupts --- */

static void timer_tick(unsigned int self)
{
	if (heartbeat_on[self])
		vtimer_arm_in(timer_period);	/* the line drops: TVAL is in the future again */
	else
		vtimer_stop();
}

/*
 * Test 2b, in vCPU 1's IRQ handler, for an SGI 1 it acknowledged: the first
 * one after HOLD_ARMED stays active (no EOI) until vCPU 0 has sent the next
 * one; returns true for it. The next one is timed.
 */
static bool hold_active_sgi(void)
{
	unsigned int state = atomic_load_explicit(&hold_state, memory_order_acquire);

	if (state == HOLD_SENT) {
		hold_taken_at = cntvct();
		return false;
	}
	if (state != HOLD_ARMED)
		return false;
	atomic_store_explicit(&hold_state, HOLD_HELD, memory_order_release);
	dsb_sev();
	/* IRQs are masked here; WFE still wakes on vCPU 0's SEV. */
	while (atomic_load_explicit(&hold_state, memory_order_acquire) < HOLD_SENT)
		wfe();
	return true;
}

/* A PL031 real-time clock of the partition's own (passthrough_devices), if
 * its device tree has one: a level-sensitive SPI a device drives. */
#define RTCDR		0x00	/* data: the count, in seconds */
#define RTCMR		0x04	/* match: raises the interrupt when equal to the count */
#define RTCIMSC		0x10	/* interrupt mask set/clear: 1 = the line may rise */
#define RTCRIS		0x14	/* raw interrupt status */
#define RTCICR		0x1c	/* interrupt clear */
static uint64_t rtc_base;
static unsigned int rtc_intid;
static volatile uint32_t rtc_irqs;

static inline uint32_t rtc_read(uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(rtc_base + off);
}

static inline void rtc_write(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(rtc_base + off) = v;
}

/* dt_scan's callback: an arm,pl031 with <SPI n flags> interrupts. */
static void scan_rtc(void *ctx, const struct fdt_node *n)
{
	uint32_t len, ilen;
	const void *c = fdt_prop(n, "compatible", &len);

	(void)ctx;
	if (!c || !fdt_stringlist_contains(c, len, "arm,pl031") || rtc_base)
		return;
	const void *irq = fdt_prop(n, "interrupts", &ilen);
	const void *reg = fdt_prop(n, "reg", &len);
	if (reg && irq && ilen >= 12 && n->addr_cells && len >= 4 * n->addr_cells &&
	    fdt_read_cells(irq, 1) == 0) {
		rtc_base = fdt_read_cells(reg, n->addr_cells);
		rtc_intid = (unsigned int)fdt_read_cells((const uint8_t *)irq + 4, 1) + INTID_SPI_FIRST;
	}
}

/* One interrupt, before its EOI (gic_handle_irqs). */
static void irq(uint32_t intid)
{
	unsigned int self = this_vcpu();

	if (intid == dt.vtimer_intid)
		timer_tick(self);	/* before the EOI deactivates it */
	if (intid == dt.ptimer_intid)	/* one shot: the line drops */
		write_sysreg(cntp_ctl_el0, 0);
	if (rtc_base && intid == rtc_intid) {	/* clear it at the device, then the EOI */
		rtc_write(RTCICR, 1);
		rtc_irqs++;
	}
	if (dt.pmu_intid && intid == dt.pmu_intid) {	/* one shot too */
		write_sysreg(pmintenclr_el1, PMCNTEN_C);
		write_sysreg(pmcntenclr_el0, PMCNTEN_C);
		write_sysreg(pmovsclr_el0, PMCNTEN_C);	/* the line drops */
		isb();
	}
	bool held = intid == SGI_PARTNER && self == hold_vcpu && hold_active_sgi();
	if (intid < INTID_NR_PRIVATE)
		irq_count[self][intid]++;
	else if (!rtc_base || intid != rtc_intid)
		irq_spi[self]++;	/* one it never enabled */
	if (held)
		hold_eoi_at = cntvct();	/* just before the EOI, which may trap to the hypervisor */
}

static uint64_t redist[MAX_VCPUS];		/* each vCPU's redistributor */

/* Find, wake and program this vCPU's redistributor and CPU interface. */
static bool gic_this_cpu_init(unsigned int self)
{
	unsigned int frames;
	uint64_t rd = gic_find_redist(dt.cpu_id[self], &frames);
	redist[self] = rd;

	if (!rd) {
		fail("vcpu %u: no redistributor with affinity 0x%lx in %u frames from 0x%lx",
		     self, (unsigned long)dt.cpu_id[self], frames, (unsigned long)dt.gicr);
		return false;
	}
	if (gic_redist_init(rd, enabled_intids())) {
		fail("vcpu %u: redistributor 0x%lx stays asleep (GICR_WAKER.ChildrenAsleep)",
		     self, (unsigned long)rd);
		return false;
	}
	uint32_t en = gic_redist_enabled(rd);
	if ((en & enabled_intids()) != enabled_intids())
		fail("vcpu %u: GICR_ISENABLER0 reads 0x%x, want bits 0x%x", self, en, enabled_intids());
	gic_cpu_init();
	if (!(gic_read_sre() & 1))
		fail("vcpu %u: ICC_SRE_EL1.SRE reads 0", self);
	return true;
}

/* Test 3, the sending side: SGI 7 to CPUs we do not have. */
static void send_foreign_sgis(void)
{
	for (unsigned int n = 0; n < FOREIGN_SENDS; n++)
		for (unsigned int t = 0; t < sizeof(foreign_mpidr) / sizeof(foreign_mpidr[0]); t++)
			gic_send_sgi(SGI_FOREIGN, foreign_mpidr[t]);
}

/* --- the tests --- */

/* Test 1: the heartbeat must tick 3 times, no sooner than 3 periods. */
static void timer_test(unsigned int self)
{
	uint64_t start = cntvct();
	uint32_t base = irq_count[self][dt.vtimer_intid];

	heartbeat_start();
	irq_unmask();
	bool ok = wait_irq(dt.vtimer_intid, base + TIMER_TICKS_WANTED, ms(1000));
	uint64_t elapsed = cntvct() - start;
	uint32_t ticks = irq_count[self][dt.vtimer_intid] - base;

	if (!ok)
		fail("vcpu %u timer: %u ticks in 1 s", self, ticks);
	else if (elapsed < TIMER_TICKS_WANTED * timer_period)
		fail("vcpu %u timer: %u ticks after %lu counter ticks, sooner than %u periods of %lu",
		     self, ticks, (unsigned long)elapsed, TIMER_TICKS_WANTED,
		     (unsigned long)timer_period);
	else
		say("irq-test: vcpu %u timer ok (%u ticks)\n", self, ticks);
}

/* Is the PPI pending (GICR_ISPENDR0)? A timer's line takes a moment to
 * reach the GIC (and a hypervisor): ask a few times for a yes. */
static bool ppi_pending(unsigned int self, unsigned int intid, bool want)
{
	bool pending;
	unsigned int i = 0;
	do
		pending = (gic_redist_pending(redist[self]) >> intid) & 1;
	while (pending != want && ++i < 100);
	return pending;
}

/* The EL1 virtual or physical timer's registers (the physical one's trap
 * to the hypervisor, which does them for us). */
static void timer_ctl(bool phys, uint64_t ctl)
{
	if (phys)
		write_sysreg(cntp_ctl_el0, ctl);
	else
		write_sysreg(cntv_ctl_el0, ctl);
	isb();
}

static void timer_cval(bool phys, uint64_t cval)
{
	if (phys)
		write_sysreg(cntp_cval_el0, cval);
	else
		write_sysreg(cntv_cval_el0, cval);
	isb();
}

/* Test 1d: the EL1 timers' PPIs are level-sensitive. With IRQs masked, a
 * timer whose condition holds makes its PPI pending; clearing ENABLE,
 * setting IMASK or moving CVAL past now makes it not pending, and it is
 * not taken when IRQs are unmasked. The same with the PPI disabled at the
 * redistributor, then enabled again. */
static void timer_level_test(unsigned int self)
{
	static const char *const how[] = { "ENABLE cleared", "IMASK set", "CVAL moved on",
					   "ENABLE cleared while disabled" };
	bool ok = true;

	heartbeat_stop();
	for (unsigned int t = 0; t < 2; t++) {
		bool phys = t == 1;
		unsigned int id = phys ? dt.ptimer_intid : dt.vtimer_intid;
		uint32_t base = irq_count[self][id];
		for (unsigned int k = 0; k < 4; k++) {
			irq_mask();
			if (k == 3)
				gic_redist_set_enabled(redist[self], 1u << id, false);
			timer_cval(phys, phys ? cntpct() : cntvct());  /* the condition holds now */
			timer_ctl(phys, CNT_CTL_ENABLE);
			bool before = ppi_pending(self, id, true);
			if (k == 1)
				timer_ctl(phys, CNT_CTL_ENABLE | CNT_CTL_IMASK);
			else if (k == 2)
				timer_cval(phys, (phys ? cntpct() : cntvct()) + ms(1000));
			else
				timer_ctl(phys, 0);
			bool after = ppi_pending(self, id, false);
			if (k == 3)
				gic_redist_set_enabled(redist[self], 1u << id, true);
			irq_unmask();                           /* a stale one would come here */
			isb();
			irq_mask();
			timer_ctl(phys, 0);
			irq_unmask();
			if (!before || after || irq_count[self][id] != base) {
				fail("vcpu %u %s timer level (%s): pending %d then %d, %u taken", self,
				     phys ? "physical" : "virtual", how[k], before, after,
				     irq_count[self][id] - base);
				ok = false;
			}
		}
	}
	heartbeat_start();
	if (ok)
		say("irq-test: vcpu %u timer level ok\n", self);
}

/* The PL031 raises its interrupt now: a match register equal to the count
 * does at once (retried if the second turned in between). */
static bool rtc_alarm_now(void)
{
	for (unsigned int i = 0; i < 5; i++) {
		rtc_write(RTCMR, rtc_read(RTCDR));
		if (rtc_read(RTCRIS) & 1)
			return true;
	}
	return false;
}

static bool rtc_pending(bool want)
{
	bool pending;
	unsigned int i = 0;
	do
		pending = gic_spi_pending(rtc_intid);
	while (pending != want && ++i < 100);
	return pending;
}

/* Test 1e (vCPU 0, a PL031 of its own): a device's level interrupt shows
 * its line in GICD_ISPENDR while disabled, and not once the device drops
 * it; ISPENDR and ICPENDR set and clear it; each assertion the handler
 * clears at the device before its EOI is taken once. */
static void rtc_test(unsigned int self)
{
	uint32_t base = rtc_irqs;
	unsigned int fails = 0;

	rtc_write(RTCIMSC, 0);
	rtc_write(RTCICR, 1);
	if (gic_spi_enable(rtc_intid, dt.cpu_id[self], false))
		fails |= 1;
	gic_spi_set_enabled(rtc_intid, false);
	rtc_write(RTCIMSC, 1);
	if (!rtc_alarm_now() || !rtc_pending(true))
		fails |= 2;             /* asserted while disabled: pending */
	rtc_write(RTCICR, 1);
	if (rtc_pending(false))
		fails |= 4;             /* dropped at the device: not pending */
	gic_spi_set_enabled(rtc_intid, true);
	sleep_ticks(ms(2));
	if (rtc_irqs != base)
		fails |= 8;             /* nothing to take */
	gic_spi_set_pending(rtc_intid, true);
	sleep_ticks(ms(2));
	if (rtc_irqs != base + 1)
		fails |= 16;            /* made pending by software: taken once */
	gic_spi_set_enabled(rtc_intid, false);
	gic_spi_set_pending(rtc_intid, true);
	if (!rtc_pending(true))
		fails |= 32;
	gic_spi_set_pending(rtc_intid, false);
	if (rtc_pending(false))
		fails |= 64;
	gic_spi_set_enabled(rtc_intid, true);
	if (!rtc_alarm_now())
		fails |= 128;
	sleep_ticks(ms(2));
	if (rtc_irqs != base + 2)
		fails |= 256;           /* the alarm: taken once */
	rtc_write(RTCIMSC, 0);
	gic_spi_set_enabled(rtc_intid, false);
	if (fails)
		fail("vcpu %u rtc (passthrough SPI %u): checks 0x%x failed, %u taken", self, rtc_intid,
		     fails, rtc_irqs - base);
	else
		say("irq-test: vcpu %u rtc (passthrough SPI %u) ok\n", self, rtc_intid);
}

/* Test 1f, before vCPU partner starts: the RTC's line goes up while its
 * SPI is routed to the partner, which is off. The interrupt must wait
 * (pending at the GIC) without keeping the partner's CPU from starting, and
 * the partner takes it once after it started. */
static void rtc_arm_for(unsigned int partner)
{
	rtc_write(RTCIMSC, 0);
	rtc_write(RTCICR, 1);
	if (gic_spi_enable(rtc_intid, dt.cpu_id[partner], false))
		fail("rtc: SPI %u does not enable", rtc_intid);
	rtc_write(RTCIMSC, 1);
	if (!rtc_alarm_now())
		fail("rtc: no alarm");
}

static void rtc_check_taken_by(unsigned int partner)
{
	uint64_t deadline = cntvct() + ms(1000);

	while (rtc_irqs == 0 && cntvct() < deadline)
		sleep_ticks(ms(1));
	sleep_ticks(ms(2));
	rtc_write(RTCIMSC, 0);
	if (rtc_irqs != 1)
		fail("vcpu %u rtc routed to it while it was off: %u taken", partner, rtc_irqs);
	else
		say("irq-test: vcpu %u rtc routed to it while off ok\n", partner);
}

/* Test 1b: a one-shot of the EL1 physical timer (the hypervisor traps its
 * registers and does them for us) arrives as its PPI (INTID 30 on QEMU virt;
 * the device tree's timer node names it). */
static void ptimer_test(unsigned int self)
{
	uint32_t base = irq_count[self][dt.ptimer_intid];
	uint64_t ctl = 0;

	/* Masked until the read-back: the timer may fire before it (1 ms is
	 * short on a loaded host), and the handler would then disable it. */
	irq_mask();
	write_sysreg(cntp_tval_el0, timer_period);
	write_sysreg(cntp_ctl_el0, CNT_CTL_ENABLE);
	isb();
	ctl = read_sysreg(cntp_ctl_el0);
	irq_unmask();
	if ((ctl & 3) != 1)
		fail("vcpu %u physical timer: CNTP_CTL_EL0 reads 0x%lx after writing 1", self,
		     (unsigned long)ctl);
	else if (!wait_irq(dt.ptimer_intid, base + 1, ms(1000)))
		fail("vcpu %u physical timer: no interrupt in 1 s", self);
	else
		say("irq-test: vcpu %u physical timer ok\n", self);
}

/* Test 1c: the cycle counter overflows 100 us from now (64-bit, PMCR.LC)
 * and its overflow interrupt arrives: the vCPU owns its pCPU's PMU. */
static void pmu_test(unsigned int self)
{
	if (!pmu_v3(pmu_version()) || !dt.pmu_intid) {
		fail("vcpu %u pmu: %s", self, dt.pmu_intid ? "no PMUv3 (ID_AA64DFR0_EL1.PMUVer)" :
		     "no arm,armv8-pmuv3 node with a PPI in the device tree");
		return;
	}
	uint32_t base = irq_count[self][dt.pmu_intid];

	irq_mask();
	write_sysreg(pmccfiltr_el0, 0);			/* count at EL1 and EL0 */
	write_sysreg(pmccntr_el0, (uint64_t)0 - PMU_OVERFLOW_NS);
	write_sysreg(pmovsclr_el0, PMCNTEN_C);
	write_sysreg(pmintenset_el1, PMCNTEN_C);
	write_sysreg(pmcntenset_el0, PMCNTEN_C);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_E | PMCR_LC);
	isb();
	irq_unmask();
	if (!wait_irq(dt.pmu_intid, base + 1, ms(1000)))
		fail("vcpu %u pmu: no overflow interrupt (intid %u) in 1 s; PMOVSSET_EL0 0x%lx", self,
		     dt.pmu_intid, (unsigned long)read_sysreg(pmovsset_el0));
	else
		say("irq-test: vcpu %u pmu overflow ok\n", self);
}

/* Both vCPUs arrive here once; the last one's SEV wakes the first. */
static bool barrier(void)
{
	atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel);
	dsb_sev();
	return wait_flag(&arrived, 2, ms(1000));
}

static unsigned long ticks_to_ns(uint64_t t)
{
	return (unsigned long)(t / freq * 1000000000UL + t % freq * 1000000000UL / freq);
}

/* Test 2, vCPU 0's side: SGI to the partner and back, then the round trips. */
static void sgi_initiator(unsigned int self, unsigned int partner)
{
	gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);
	if (wait_irq(SGI_PARTNER, 1, ms(1000)))
		say("irq-test: vcpu %u sgi from partner ok\n", self);
	else
		fail("vcpu %u: no sgi %u from vcpu %u within 1 s", self, SGI_PARTNER, partner);

	uint64_t start = cntvct();
	unsigned int k;
	for (k = 1; k <= ROUND_TRIPS; k++) {
		gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);
		if (!wait_irq(SGI_PARTNER, 1 + k, ms(100))) {
			fail("sgi round trip %u of %u: no answer within 100 ms", k, ROUND_TRIPS);
			break;
		}
	}
	uint64_t elapsed = cntvct() - start;
	if (k > ROUND_TRIPS) {
		say("irq-test: sgi round trip ok (%u)\n", ROUND_TRIPS);
		say("irq-test: sgi round trips took %lu ns each on average\n",
		    ticks_to_ns(elapsed) / ROUND_TRIPS);
	}

	/*
	 * Test 2b. The GIC keeps an SGI that arrives while the previous one is
	 * active pending, and signals it once that one is deactivated: the
	 * partner must take the second one right after its EOI. Its heartbeat
	 * is off, so nothing else wakes it; we watch, and if the SGI does not
	 * come within 1 s, send another to wake it.
	 */
	if (!wait_flag(&hold_state, HOLD_ARMED, ms(1000))) {
		fail("vcpu %u did not start the sgi-while-active test within 1 s", partner);
		return;
	}
	gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);
	if (!wait_flag(&hold_state, HOLD_HELD, ms(1000))) {
		fail("vcpu %u did not take sgi %u within 1 s (sgi-while-active test)", partner,
		     SGI_PARTNER);
		return;
	}
	gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);	/* arrives while the first is active */
	atomic_store_explicit(&hold_state, HOLD_SENT, memory_order_release);
	dsb_sev();
	if (wait_flag(&hold_state, HOLD_TAKEN, ms(1000))) {
		say("irq-test: sgi while active ok\n");
		say("irq-test: sgi while active taken %lu ns after the eoi of the first\n",
		    ticks_to_ns(hold_taken_at - hold_eoi_at));
	} else {
		fail("sgi %u sent to vcpu %u while the previous one was active was not taken "
		     "within 1 s of its eoi", SGI_PARTNER, partner);
		gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);	/* wake it up */
		if (!wait_flag(&hold_state, HOLD_TAKEN, ms(1000)))
			fail("vcpu %u still waits for sgi %u after another one", partner,
			     SGI_PARTNER);
	}
}

/* Test 2, vCPU 1's side: answer the first SGI and every ping. */
static void sgi_responder(unsigned int self, unsigned int partner)
{
	if (wait_irq(SGI_PARTNER, 1, ms(1000)))
		say("irq-test: vcpu %u sgi from partner ok\n", self);
	else
		fail("vcpu %u: no sgi %u from vcpu %u within 1 s", self, SGI_PARTNER, partner);
	gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);

	for (unsigned int k = 1; k <= ROUND_TRIPS; k++) {
		if (!wait_irq(SGI_PARTNER, 1 + k, ms(1000))) {
			fail("vcpu %u: ping %u of %u did not come within 1 s", self, k, ROUND_TRIPS);
			break;
		}
		gic_send_sgi(SGI_PARTNER, dt.cpu_id[partner]);
	}

	/* Test 2b: two more SGI 1s, the second while the first is active. */
	uint32_t base = irq_count[self][SGI_PARTNER];
	heartbeat_stop();
	atomic_store_explicit(&hold_state, HOLD_ARMED, memory_order_release);
	dsb_sev();
	/* No heartbeat: no deadline either; vCPU 0 watches and wakes us. */
	wait_irq(SGI_PARTNER, base + 2, WAIT_FOREVER);
	atomic_store_explicit(&hold_state, HOLD_TAKEN, memory_order_release);
	dsb_sev();
	heartbeat_start();
}

/*
 * Test 3 and the counts. The receiver waits 50 ms first, long after the
 * sender's SGI 7s (sent before its own tests): had one reached us, it would
 * have been taken by then.
 */
static void final_checks(unsigned int self)
{
	sleep_ticks(ms(role == ROLE_RECEIVER ? 50 : 10));

	irq_mask();
	uint32_t foreign = irq_count[self][SGI_FOREIGN];
	uint32_t partner = irq_count[self][SGI_PARTNER];
	uint32_t spi = irq_spi[self];
	uint32_t other = 0, other_intid = 0;
	for (unsigned int i = 0; i < INTID_NR_PRIVATE; i++) {
		if (!(enabled_intids() & (1u << i)) && irq_count[self][i]) {
			other += irq_count[self][i];
			other_intid = i;
		}
	}
	irq_unmask();

	if (role == ROLE_RECEIVER) {
		if (foreign == 0)
			say("irq-test: vcpu %u no foreign sgi (0)\n", self);
		else
			fail("foreign sgi %u (vcpu %u took sgi %u from outside its partition)",
			     foreign, self, SGI_FOREIGN);
	} else {
		if (foreign == 0)
			say("irq-test: vcpu %u no stray sgi (0)\n", self);
		else
			fail("stray sgi %u (vcpu %u took sgi %u, sent only to absent mpidrs)",
			     foreign, self, SGI_FOREIGN);
	}
	if (partner != sgi_partner_want[self])
		fail("vcpu %u took sgi %u %u times, want %u", self, SGI_PARTNER, partner,
		     sgi_partner_want[self]);
	if (other || spi)
		fail("vcpu %u took %u interrupts it never enabled (e.g. intid %u) and %u spis",
		     self, other, other_intid, spi);
}

/* --- entry points --- */

void boot_main(uintptr_t dtb)
{
	int err = dt_scan(dtb, scan_rtc, NULL);

	set_this_vcpu(0);	/* until we know better: the IRQ handler indexes by it */

	if (err) {
		fail("bad device tree at 0x%lx (error %d)", (unsigned long)dtb, err);
		power_off();
	}

	uint64_t mpidr = read_mpidr();
	int self = dt_vcpu_index(mpidr);
	if (self < 0) {
		fail("boot mpidr 0x%lx is not in /cpus", (unsigned long)mpidr);
		power_off();
	}
	set_this_vcpu((unsigned int)self);

	if (dt.ncpus >= 2 && dt.cpu_id[0] == 0x100 && dt.cpu_id[1] == 0x101)
		role = ROLE_RECEIVER;
	else
		role = ROLE_SENDER;
	say("irq-test: vcpu %d mpidr 0x%lx up, %u vcpus, sgi %u %s\n", self, (unsigned long)mpidr,
	    dt.ncpus, SGI_FOREIGN, role == ROLE_RECEIVER ? "receiver" : "sender");

	if (dt.ncpus < 2) {
		fail("need 2 vcpus, /cpus lists %u", dt.ncpus);
		power_off();
	}
	if (!dt.have_gic) {
		fail("no arm,gic-v3 node with a distributor and a redistributor region");
		power_off();
	}
	freq = cntfrq();
	if (freq < 1000) {
		fail("CNTFRQ_EL0 is %lu", (unsigned long)freq);
		power_off();
	}
	timer_period = ms(1);

	gic_set_bases(dt.gicd, dt.gicr, dt.gicr_size);
	unsigned int rev = gic_arch_rev();
	if (rev != 3)
		fail("GICD_PIDR2.ArchRev is %u, want 3", rev);
	uint32_t ctlr = gic_dist_enable();
	if ((ctlr & (GICD_CTLR_ARE | GICD_CTLR_ENGRP1)) != (GICD_CTLR_ARE | GICD_CTLR_ENGRP1))
		fail("GICD_CTLR reads 0x%x after enabling, want ARE and EnableGrp1 (0x%x)", ctlr,
		     GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
	if (!gic_this_cpu_init((unsigned int)self))
		power_off();

	/* Test 3, early: long before the receiver looks. */
	if (role == ROLE_SENDER)
		send_foreign_sgis();

	/* The partner: the lowest other vCPU. context_id = its index. */
	unsigned int partner = self == 0 ? 1 : 0;
	hold_vcpu = partner;
	sgi_partner_want[self] = 1 + ROUND_TRIPS;
	sgi_partner_want[partner] = 1 + ROUND_TRIPS + 2;
	if (rtc_base)
		rtc_arm_for(partner);
	long ret = psci_cpu_on(dt.cpu_id[partner], (uintptr_t)secondary_entry, partner);
	if (ret != PSCI_SUCCESS) {
		fail("CPU_ON(0x%lx) returned %ld", (unsigned long)dt.cpu_id[partner], ret);
		power_off();
	}

	timer_test((unsigned int)self);
	timer_level_test((unsigned int)self);
	ptimer_test((unsigned int)self);
	pmu_test((unsigned int)self);
	if (rtc_base) {
		rtc_check_taken_by(partner);
		rtc_test((unsigned int)self);
	}
	if (!barrier())
		fail("vcpu %u did not reach the barrier within 1 s", partner);
	sgi_initiator((unsigned int)self, partner);
	if (role == ROLE_SENDER)
		send_foreign_sgis();		/* again, while the receiver is still busy */
	final_checks((unsigned int)self);

	if (!wait_flag(&partner_done, 1, ms(2000)))
		fail("vcpu %u did not finish within 2 s", partner);
	unsigned int failed = atomic_load_explicit(&failures, memory_order_acquire);
	if (failed == 0)
		say("irq-test: all checks passed\n");
	else
		say("irq-test: FAIL %u checks failed\n", failed);

	/* Let the partner's CPU_OFF complete, so that SYSTEM_OFF cuts nothing short. */
	for (unsigned int n = 0; n < 100; n++) {
		if (psci_affinity_info(dt.cpu_id[partner]) == PSCI_AFF_OFF)
			break;
		sleep_ticks(ms(1));
	}
	power_off();
}

void secondary_main(unsigned long vcpu)
{
	if (vcpu >= dt.ncpus) {
		fail("secondary mpidr 0x%lx started with bad context_id %lu",
		     (unsigned long)read_mpidr(), vcpu);
		psci_cpu_off();
		cpu_park();
	}
	unsigned int self = (unsigned int)vcpu;
	unsigned int partner = self == 0 ? 1 : 0;
	set_this_vcpu(self);

	uint64_t mpidr = read_mpidr();
	if (mpidr != dt.cpu_id[self])
		fail("vcpu %u: MPIDR_EL1 is 0x%lx, /cpus says 0x%lx", self, (unsigned long)mpidr,
		     (unsigned long)dt.cpu_id[self]);
	say("irq-test: vcpu %u mpidr 0x%lx up\n", self, (unsigned long)mpidr);

	if (gic_this_cpu_init(self)) {
		if (role == ROLE_SENDER)
			send_foreign_sgis();
		timer_test(self);
		timer_level_test(self);
		ptimer_test(self);
		pmu_test(self);
		if (!barrier())
			fail("vcpu %u did not reach the barrier within 1 s", partner);
		sgi_responder(self, partner);
		final_checks(self);
	}

	heartbeat_stop();
	atomic_store_explicit(&partner_done, 1, memory_order_release);
	dsb_sev();
	irq_mask();
	psci_cpu_off();
	cpu_park();	/* CPU_OFF only returns on failure */
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame)
{
	(void)frame;
	if (vector == VECTOR_IRQ_EL1_SPX) {
		gic_handle_irqs(irq);
		return;
	}
	exception_fatal("irq-test: FAIL ", vector, esr, elr, far);
}
