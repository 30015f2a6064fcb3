/*
 * The ticker's window probe and window check, the same on every
 * architecture (window.c): the arch's main.c gives the counter.
 */
#ifndef TICKER_WINDOW_H
#define TICKER_WINDOW_H

#include <stdint.h>

/* The counter the partition reads (its physical count: virtual_counter =
 * "physical") and its frequency. */
struct window_counter {
	uint64_t (*read)(void);
	uint64_t freq;
};

/* What the probe saw: window starts, and how late they were (ticks). */
struct window_starts {
	unsigned long seen;
	uint64_t earliest, latest;
};

/*
 * Spin reading the counter, with interrupts masked by the caller, until
 * cfg.windows window starts were seen; each must be at most cfg.bound_us
 * after the table's time (cfg.frame_us, cfg.at_us): one that is not is
 * reported at once. Then window_probe_report prints the summary lines.
 */
void window_probe_measure(const struct window_counter *c, struct window_starts *w);
void window_probe_report(const struct window_counter *c, const struct window_starts *w);

/* Beat n came at counter value t: with windows given (cfg.until_us), an
 * error line if that is outside them (cfg.at_us to cfg.until_us of every
 * cfg.frame_us). Returns 1 if it was outside. */
int window_beat_outside(const struct window_counter *c, unsigned long n, uint64_t t);

/* The closing line of a beating ticker on a shared CPU: its beats all
 * inside their windows (if it has windows) and its marks kept. */
void window_beats_report(unsigned long beats, unsigned long outside, unsigned long lost);

#endif
