/*
 * A partition's MC146818 real-time clock and CMOS RAM at a PC's ports 0x70
 * (index) and 0x71 (data), when its config names one (emu_type 0x4,
 * docs/configuration.md). Linux reads the time of day from it at boot and
 * its rtc_cmos driver probes it; with no RTC there, each of the two waits a
 * second of polling for the update-in-progress bit to clear (mc146818_
 * avoid_UIP), which under an exit per port access cost seconds of boot.
 *
 * The clock is the board's RTC, read once at boot, carried on by the TSC,
 * plus the partition's own offset: what the partition writes to its time
 * registers moves its clock and nobody else's. Registers as in the
 * MC146818A datasheet: seconds to year (BCD or binary by register B's DM
 * bit, 24-hour or 12-hour by its 24/12 bit), register A with UIP set during
 * the 244 us before each second's update (the update itself takes no time
 * here), register B's SET holding the time while the guest writes it, D's
 * VRT set, and 114 bytes of RAM. No interrupts: register C reads 0, and the
 * generator refuses an irq for the device. Like a battery-backed CMOS, RAM
 * and clock outlive a restart of the partition; only the index and a write
 * left half done (SET) are reset.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "vlapic.h"
#include "x86.h"

#define BOARD_RTC_INDEX         0x70u
#define BOARD_RTC_DATA          0x71u

#define RTC_SECONDS             0x00u
#define RTC_MINUTES             0x02u
#define RTC_HOURS               0x04u
#define RTC_DAY_OF_WEEK         0x06u
#define RTC_DAY_OF_MONTH        0x07u
#define RTC_MONTH               0x08u
#define RTC_YEAR                0x09u
#define RTC_REG_A               0x0au
#define RTC_REG_B               0x0bu
#define RTC_REG_C               0x0cu
#define RTC_REG_D               0x0du
#define RTC_REGS                0x80u
#define RTC_INDEX_MASK          0x7fu   /* bit 7 of the index write: a PC's NMI mask, no RTC bit */
#define RTC_A_UIP               (1u << 7)
#define RTC_B_SET               (1u << 7)
#define RTC_B_DM_BINARY         (1u << 2)
#define RTC_B_24H               (1u << 1)
#define RTC_D_VRT               (1u << 7)
#define RTC_HOUR_PM             (1u << 7)
#define RTC_A_RESET             0x26u   /* 32.768 kHz time base, 1024 Hz rate: what a PC's firmware sets */
#define RTC_B_RESET             RTC_B_24H
/* UIP rises this long before the update (the datasheet's t_BUC, 244 us). */
#define RTC_UIP_US              244u

#define SECONDS_PER_DAY         86400u
#define Y2K                     946684800ull    /* 2000-01-01 00:00:00 UTC in seconds since 1970 */

struct rtc_fields { unsigned sec, min, hour, wday, mday, mon, year; };

struct vrtc {
	uint8_t index;
	uint8_t reg[RTC_REGS];          /* A, B, the alarms and RAM; the time registers while SET */
	int64_t offset;                 /* seconds between its clock and the board's */
};

static struct vrtc vrtcs[TESSERA_NR_VMS];
static uint64_t board_time_at_boot;     /* seconds since 1970, when the TSC read boot_tsc */
static uint64_t boot_tsc;

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar:
 * years counted from March, so that the leap day ends a year. */
static uint64_t days_of(unsigned year, unsigned mon, unsigned mday)
{
	uint64_t y = year - (mon <= 2u ? 1u : 0u);
	uint64_t era = y / 400u, yoe = y % 400u;
	uint64_t doy = (153u * (mon > 2u ? mon - 3u : mon + 9u) + 2u) / 5u + mday - 1u;
	uint64_t doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;

	return era * 146097u + doe - 719468u;
}

static struct rtc_fields fields_of(uint64_t t)
{
	struct rtc_fields f;
	uint64_t days = t / SECONDS_PER_DAY + 719468u, s = t % SECONDS_PER_DAY;
	uint64_t era = days / 146097u, doe = days % 146097u;
	uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u), mp = (5u * doy + 2u) / 153u;

	f.sec = (unsigned)(s % 60u);
	f.min = (unsigned)(s / 60u % 60u);
	f.hour = (unsigned)(s / 3600u);
	f.wday = (unsigned)((t / SECONDS_PER_DAY + 4u) % 7u) + 1u;     /* 1970-01-01 was a Thursday; Sunday is 1 */
	f.mday = (unsigned)(doy - (153u * mp + 2u) / 5u + 1u);
	f.mon = (unsigned)(mp < 10u ? mp + 3u : mp - 9u);
	f.year = (unsigned)(yoe + era * 400u + (f.mon <= 2u ? 1u : 0u));
	return f;
}

static unsigned from_bcd(unsigned v, bool binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 0xfu);
}

static uint8_t to_bcd(unsigned v, bool binary)
{
	return (uint8_t)(binary ? v : (v / 10u) << 4 | v % 10u);
}

/* The hour register's value, 24-hour or 12-hour with the PM bit. */
static uint8_t hour_reg(unsigned hour, uint8_t b)
{
	bool binary = (b & RTC_B_DM_BINARY) != 0;

	if (b & RTC_B_24H)
		return to_bcd(hour, binary);
	return (uint8_t)(to_bcd(hour % 12u == 0u ? 12u : hour % 12u, binary) | (hour >= 12u ? RTC_HOUR_PM : 0u));
}

static unsigned hour_of(uint8_t v, uint8_t b)
{
	bool binary = (b & RTC_B_DM_BINARY) != 0;

	if (b & RTC_B_24H)
		return from_bcd(v, binary);
	return from_bcd(v & ~RTC_HOUR_PM, binary) % 12u + ((v & RTC_HOUR_PM) ? 12u : 0u);
}

/* Seconds since 1970 of the time registers' values (years 2000-2099). */
static uint64_t time_of_regs(const uint8_t *r)
{
	bool binary = (r[RTC_REG_B] & RTC_B_DM_BINARY) != 0;
	unsigned mon = from_bcd(r[RTC_MONTH], binary), mday = from_bcd(r[RTC_DAY_OF_MONTH], binary);

	mon = mon < 1u ? 1u : mon > 12u ? 12u : mon;
	mday = mday < 1u ? 1u : mday;
	return days_of(2000u + from_bcd(r[RTC_YEAR], binary) % 100u, mon, mday) * SECONDS_PER_DAY +
	       hour_of(r[RTC_HOURS], r[RTC_REG_B]) * 3600ull + from_bcd(r[RTC_MINUTES], binary) * 60ull +
	       from_bcd(r[RTC_SECONDS], binary);
}

static void regs_of_time(uint8_t *r, uint64_t t)
{
	struct rtc_fields f = fields_of(t);
	bool binary = (r[RTC_REG_B] & RTC_B_DM_BINARY) != 0;

	r[RTC_SECONDS] = to_bcd(f.sec, binary);
	r[RTC_MINUTES] = to_bcd(f.min, binary);
	r[RTC_HOURS] = hour_reg(f.hour, r[RTC_REG_B]);
	r[RTC_DAY_OF_WEEK] = to_bcd(f.wday, binary);
	r[RTC_DAY_OF_MONTH] = to_bcd(f.mday, binary);
	r[RTC_MONTH] = to_bcd(f.mon, binary);
	r[RTC_YEAR] = to_bcd(f.year % 100u, binary);
}

/* The partition's clock now: whole seconds, and the TSC ticks into the
 * current second. */
static uint64_t clock_now(const struct vrtc *r, uint64_t *into_second)
{
	uint64_t per_s = x86_tsc_khz() * 1000u, ticks = x86_now() - boot_tsc;

	*into_second = ticks % per_s;
	return (uint64_t)((int64_t)(board_time_at_boot + ticks / per_s) + r->offset);
}

static bool is_time_reg(unsigned i)
{
	return i <= RTC_YEAR && i != 1u && i != 3u && i != 5u;        /* 1, 3, 5: the alarms, plain bytes */
}

static uint8_t rtc_read(struct vrtc *r, unsigned i)
{
	uint64_t into, now = clock_now(r, &into), per_s = x86_tsc_khz() * 1000u;
	bool uip = into >= per_s - x86_tsc_khz() * RTC_UIP_US / 1000u;
	uint8_t t[RTC_REG_B + 1u];

	if (i == RTC_REG_A)
		return (uint8_t)(r->reg[RTC_REG_A] | ((uip && !(r->reg[RTC_REG_B] & RTC_B_SET)) ? RTC_A_UIP : 0u));
	if (i == RTC_REG_C)
		return 0;
	if (i == RTC_REG_D)
		return RTC_D_VRT;
	if (!is_time_reg(i) || (r->reg[RTC_REG_B] & RTC_B_SET))
		return r->reg[i];
	t[RTC_REG_B] = r->reg[RTC_REG_B];
	regs_of_time(t, now);
	return t[i];
}

static void rtc_write(struct vrtc *r, unsigned i, uint8_t v)
{
	uint64_t into;

	if (i == RTC_REG_C || i == RTC_REG_D)
		return;                         /* read-only */
	if (i == RTC_REG_A) {
		r->reg[i] = v & ~RTC_A_UIP;
		return;
	}
	if (i == RTC_REG_B) {
		bool was_set = (r->reg[i] & RTC_B_SET) != 0;
		if (!was_set && (v & RTC_B_SET))
			regs_of_time(r->reg, clock_now(r, &into));     /* hold the time as it is */
		if (was_set && !(v & RTC_B_SET))                        /* run from what was written */
			r->offset += (int64_t)(time_of_regs(r->reg) - clock_now(r, &into));
		r->reg[i] = v;
		return;
	}
	if (is_time_reg(i) && !(r->reg[RTC_REG_B] & RTC_B_SET)) {
		/* Set while running: the one register changes, the rest go on. */
		regs_of_time(r->reg, clock_now(r, &into));
		r->reg[i] = v;
		r->offset += (int64_t)(time_of_regs(r->reg) - clock_now(r, &into));
		return;
	}
	r->reg[i] = v;
}

bool rtc_access(unsigned vm, uint64_t off, bool write, uint64_t *value)
{
	struct vrtc *r = &vrtcs[vm];

	if (off == 0u) {
		if (write)
			r->index = (uint8_t)*value & RTC_INDEX_MASK;
		else
			*value = 0xff;          /* the index port is write-only */
	} else if (write) {
		rtc_write(r, r->index, (uint8_t)*value);
	} else {
		*value = rtc_read(r, r->index);
	}
	return true;
}

void rtc_vm_reset(unsigned vm)
{
	struct vrtc *r = &vrtcs[vm];

	r->index = 0;
	r->reg[RTC_REG_B] &= ~RTC_B_SET;
}

static uint8_t board_rtc(unsigned i)
{
	outb(BOARD_RTC_INDEX, (uint8_t)i);
	return inb(BOARD_RTC_DATA);
}

/* The board's RTC, read once at boot (before any partition runs, so before
 * any partition that owns its ports). Without one that answers, the
 * partitions' clocks start at 2000-01-01. */
void rtc_init(void)
{
	uint8_t t[RTC_REG_B + 1u];
	unsigned tries = 0;

	while ((board_rtc(RTC_REG_A) & RTC_A_UIP) && tries < 1000u) {
		udelay(10);
		tries++;
	}
	for (unsigned i = RTC_SECONDS; i <= RTC_YEAR; i++)
		t[i] = board_rtc(i);
	t[RTC_REG_B] = board_rtc(RTC_REG_B);
	boot_tsc = x86_now();
	if (tries == 1000u || t[RTC_SECONDS] == 0xffu) {
		log_warn("tessera: the board's RTC does not answer; partitions' RTCs start at 2000-01-01\n");
		board_time_at_boot = Y2K;
	} else {
		board_time_at_boot = time_of_regs(t);
	}
	for (unsigned vm = 0; vm < TESSERA_NR_VMS; vm++) {
		vrtcs[vm].reg[RTC_REG_A] = RTC_A_RESET;
		vrtcs[vm].reg[RTC_REG_B] = RTC_B_RESET;
	}
}
