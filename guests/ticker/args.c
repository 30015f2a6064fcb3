/* The ticker's bootargs (args.h), the same on every architecture. */
#include <stddef.h>

#include "args.h"
#include "bootargs.h"

const char *const fault_names[] = {
	[FAULT_PANIC] = "panic",
	[FAULT_ABORT_LOOP] = "abort-loop",
	[FAULT_SPIN] = "spin",
	[FAULT_OFF] = "off",
	[FAULT_WILD_WRITE] = "wild-write",
	[FAULT_WARM_RESET] = "warm-reset",
};

struct ticker_args cfg = { .name = "ticker", .beats = 20, .period_ms = 50, .after = 5 };

static void parse_word(const char *w, size_t wlen)
{
	const char *v;
	size_t vlen;
	bool ok = true;

	if ((v = bootargs_value(w, wlen, "name", &vlen))) {
		size_t i;
		for (i = 0; i < vlen && i < sizeof(cfg.name) - 1; i++)
			cfg.name[i] = v[i];
		cfg.name[i] = '\0';
	} else if ((v = bootargs_value(w, wlen, "beats", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.beats);
	} else if ((v = bootargs_value(w, wlen, "period_ms", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.period_ms) && cfg.period_ms > 0;
		if (!ok)
			cfg.period_ms = 50;
	} else if ((v = bootargs_value(w, wlen, "after", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.after);
	} else if ((v = bootargs_value(w, wlen, "spin_ms", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.spin_ms);
	} else if ((v = bootargs_value(w, wlen, "windows", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.windows);
	} else if ((v = bootargs_value(w, wlen, "frame_us", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.frame_us) && cfg.frame_us > 0;
	} else if ((v = bootargs_value(w, wlen, "at_us", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.at_us);
	} else if ((v = bootargs_value(w, wlen, "until_us", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.until_us);
	} else if ((v = bootargs_value(w, wlen, "bound_us", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.bound_us);
	} else if ((v = bootargs_value(w, wlen, "virtio", &vlen))) {
		ok = bootargs_hex(v, vlen, &cfg.virtio);
	} else if ((v = bootargs_value(w, wlen, "peek", &vlen))) {
		ok = cfg.npeek < MAX_TARGETS && bootargs_hex(v, vlen, &cfg.peek[cfg.npeek]);
		cfg.npeek += ok;
	} else if ((v = bootargs_value(w, wlen, "poke", &vlen))) {
		ok = cfg.npoke < MAX_TARGETS && bootargs_hex(v, vlen, &cfg.poke[cfg.npoke]);
		cfg.npoke += ok;
	} else if ((v = bootargs_value(w, wlen, "fault", &vlen))) {
		ok = false;
		for (unsigned int f = FAULT_NONE + 1; f <= FAULT_WARM_RESET; f++) {
			if (bootargs_is(v, vlen, fault_names[f])) {
				cfg.fault = (enum fault)f;
				ok = true;
			}
		}
	}
	if (!ok)
		bootargs_report("ticker: error: ignoring bad bootargs word ", w, wlen);
}

void args_parse(const char *bootargs, uint32_t len)
{
	bootargs_for_each(bootargs, len, parse_word);
}
