/*
 * What /chosen/bootargs asks of the ticker, on either architecture (the
 * words are listed in main.c): parsed by args.c, read by the arch's main.c.
 */
#ifndef TICKER_ARGS_H
#define TICKER_ARGS_H

#include <stdbool.h>
#include <stdint.h>

enum fault { FAULT_NONE, FAULT_PANIC, FAULT_ABORT_LOOP, FAULT_SPIN, FAULT_OFF, FAULT_WILD_WRITE,
	     FAULT_WARM_RESET };
extern const char *const fault_names[];

#define MAX_TARGETS 4

extern struct ticker_args {
	char name[32];
	unsigned long beats, period_ms, after;
	enum fault fault;
	uint64_t virtio;			/* 0: none */
	uint64_t peek[MAX_TARGETS], poke[MAX_TARGETS];
	unsigned int npeek, npoke;
	unsigned long windows, frame_us, at_us, bound_us;	/* the window probe */
	unsigned long until_us;					/* beats only in windows at_us-until_us */
	unsigned long spin_ms;					/* fault=spin: 0, for ever */
} cfg;

/* Parse the bootargs into cfg; a word it cannot use is reported. */
void args_parse(const char *bootargs, uint32_t len);

#endif
