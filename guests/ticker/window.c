/*
 * The window probe (window.h): when do the windows of a vCPU that shares
 * its CPU by a cyclic schedule start, against the table? Frames begin at
 * multiples of the frame length in the physical count, its window at_us
 * into each. With interrupts masked and nothing but counter reads, only
 * the hypervisor's window boundary can take the CPU away: a gap of more
 * than a quarter frame is a switch (a shorter one, a host hiccup under
 * QEMU without -icount, is not counted).
 */
#include "args.h"
#include "uart.h"
#include "window.h"

static uint64_t us_to_ticks(const struct window_counter *c, uint64_t us)
{
	return us / 1000000 * c->freq + us % 1000000 * c->freq / 1000000;
}

static unsigned long ticks_to_ns(const struct window_counter *c, uint64_t t)
{
	return (unsigned long)(t * 1000000000 / c->freq);
}

void window_probe_measure(const struct window_counter *c, struct window_starts *w)
{
	uint64_t frame = us_to_ticks(c, cfg.frame_us), at = us_to_ticks(c, cfg.at_us);
	uint64_t bound = us_to_ticks(c, cfg.bound_us), latest = 0, earliest = ~0ull;
	uint64_t prev = c->read(), now, away = frame / 4;
	unsigned long seen = 0;

	while (seen < cfg.windows) {
		now = c->read();
		if (now - prev > away) {
			uint64_t late = (now + frame - at % frame) % frame;     /* since its window's start */
			if (late > frame / 2) {
				uart_printf("ticker: error: window started %lu ns before the table's time\n",
					    ticks_to_ns(c, frame - late));
				break;
			}
			if (late > latest)
				latest = late;
			if (late < earliest)
				earliest = late;
			if (late > bound)
				uart_printf("ticker: error: window %lu started %lu ns after the table's time, "
					    "over the bound of %lu us\n", seen, ticks_to_ns(c, late), cfg.bound_us);
			seen++;
		}
		prev = now;
	}
	w->seen = seen;
	w->earliest = earliest;
	w->latest = latest;
}

void window_probe_report(const struct window_counter *c, const struct window_starts *w)
{
	uint64_t bound = us_to_ticks(c, cfg.bound_us), earliest = w->earliest, latest = w->latest;
	unsigned long seen = w->seen;

	if (seen)
		uart_printf("ticker: window starts after the table's time: earliest %lu ns, latest %lu ns "
			    "over %lu windows\n", ticks_to_ns(c, earliest), ticks_to_ns(c, latest), seen);
	if (seen == cfg.windows && latest <= bound)
		uart_printf("ticker: windows %lu started within %lu us of the table (latest %lu ns)\n", seen,
			    cfg.bound_us, ticks_to_ns(c, latest));
	else
		uart_printf("ticker: error: windows %lu, latest start %lu ns after the table's time\n", seen,
			    ticks_to_ns(c, latest));
}

int window_beat_outside(const struct window_counter *c, unsigned long n, uint64_t t)
{
	if (!cfg.until_us)
		return 0;
	uint64_t in = t % us_to_ticks(c, cfg.frame_us);
	if (in >= us_to_ticks(c, cfg.at_us) && in < us_to_ticks(c, cfg.until_us))
		return 0;
	uart_printf("ticker: error: beat %lu at %lu us into its frame, outside its window\n", n,
		    (unsigned long)(in * 1000000 / c->freq));
	return 1;
}

void window_beats_report(unsigned long beats, unsigned long outside, unsigned long lost)
{
	if (cfg.until_us && !outside && !lost)
		uart_printf("ticker: beats %lu inside its windows, state kept\n", beats);
	else if (!lost)
		uart_printf("ticker: beats %lu, state kept\n", beats);
}
