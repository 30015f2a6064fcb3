/*
 * chan-demo: a bare-metal guest for Tessera's inter-partition channels
 * (configs/channels.toml; the hypercalls: arch/aarch64/hypercall.c). Two
 * copies of it run, one per partition: "ping" sends numbered, checksummed
 * messages through the channel it may write and rings its doorbell; "pong"
 * checks each one and answers through the other channel, which ping reads.
 *
 * Words of /chosen/bootargs it understands (others are ignored):
 *   role=ping|pong   which side it plays (required)
 *   rounds=<n>       ping: messages to exchange (default 1000)
 *
 * Its channel ends come from the device tree: nodes compatible with
 * "tessera,channel" (reg = the shared region, tessera,channel-id,
 * tessera,access = "rw" or "ro", interrupts = its doorbell SPI, edge). The
 * end it may write ("rw") is its outbox; the channel id of the outbox is
 * what it rings. The end it only reads ("ro") is its inbox; that end's
 * doorbell SPI tells it a message is there.
 *
 * A message (struct msg, at the start of the shared region):
 *   seq      round number, 1..n; 0 = "done", payload bytes 0-3 = n
 *   payload  64 bytes: ping's are an LCG stream seeded by seq, pong's
 *            answer is each of them plus one (mod 256)
 *   crc      CRC-32 (crc32.c) of seq (4 bytes, little-endian) + payload
 *
 * ping, for i = 1..n: writes message i, DSB, rings, sleeps (WFI) until
 * its inbox doorbell, checks the answer (sequence, payload, checksum). A
 * round trip is the virtual counter (CNTVCT_EL0) from just before the
 * doorbell hypercall to the moment the answer's doorbell interrupt is
 * taken. Then the "done" message; then it rings a channel it is no end of
 * (the hypervisor must refuse, -2) and writes to its inbox (stage 2 must
 * refuse: an injected data abort, which its handler steps over). A reply
 * missing for a second of virtual time ends the rounds (the EL1 virtual
 * timer wakes it).
 *
 * Output (every failure has "FAIL" in it):
 *   chan: start <role> out=<id> in=<id>
 *   chan: ping <n> rounds ok, checksum errors 0
 *   chan: round trip avg <t> ticks min <a> max <b>
 *   chan: round trip avg <ns> ns (counter <f> Hz), max in round <i>
 *   chan: foreign doorbell refused (-2)
 *   chan: write to read-only channel refused
 *   chan: pong answered <n>, checksum errors 0
 * then PSCI SYSTEM_OFF. No busy waiting: it sleeps in WFI.
 */
#include <stddef.h>

#include "bootargs.h"
#include "chan.h"
#include "console.h"
#include "cpu.h"
#include "dt.h"
#include "exception.h"
#include "gic.h"
#include "psci.h"
#include "timer.h"
#include "uart.h"

/* Tessera hypercalls (arch/aarch64/hypercall.c): HVC, x0 = function, x1 = argument. */
#define TESSERA_HC_VERSION	0xc6000000UL	/* -> ABI version */
#define TESSERA_HC_DOORBELL	0xc6000001UL	/* x1 = channel id -> 0 */
#define TESSERA_HC_ABI_1_0	0x10000
#define HC_INVALID_PARAMETERS	(-2)		/* not a channel of the caller */

/* A channel id no end of configs/channels.toml has (there are two: 0, 1). */
#define FOREIGN_CHANNEL		7

#define PAYLOAD_LEN		64
#define DEFAULT_ROUNDS		1000
#define REPLY_TIMEOUT_MS	1000
#define MAX_CHANNELS		8

struct msg {
	uint32_t seq;
	uint8_t payload[PAYLOAD_LEN];
	uint32_t crc;
};
#define MSG_WORDS	(sizeof(struct msg) / 4)
_Static_assert(sizeof(struct msg) % 4 == 0, "messages are copied a word at a time");

struct chan_end {
	uint64_t base, size;
	uint32_t id;
	bool rw;
	unsigned int irq;		/* doorbell INTID, 0 if none */
	const char *label;
};

/* The channel ends in the device tree. */
static struct {
	unsigned int nr_ends;
	struct chan_end ends[MAX_CHANNELS];
	bool bad_channel;		/* a channel node we could not read */
} chans;

enum role { ROLE_NONE, ROLE_PING, ROLE_PONG };

/* What the bootargs asked for. */
static struct {
	enum role role;
	unsigned long rounds;
} cfg = { .role = ROLE_NONE, .rounds = DEFAULT_ROUNDS };

static const struct chan_end *outbox, *inbox;

/* Written by the IRQ handler, read by the main loop with IRQs masked. */
static volatile unsigned long doorbells;	/* inbox doorbells taken */
static volatile uint64_t doorbell_at;		/* counter when the last one was taken */
static volatile bool timer_fired;		/* the reply timeout expired */

/* The read-only write test: the abort its store should take. */
static struct expected_fault ro_write;

/* --- the device tree --- */

static void scan_channel(const struct fdt_node *n)
{
	struct chan_end e = { 0 };
	const void *v;
	uint32_t len;

	if (chans.nr_ends == MAX_CHANNELS) {
		chans.bad_channel = true;
		return;
	}
	uint32_t cells = n->addr_cells + n->size_cells;
	const uint8_t *r = fdt_prop(n, "reg", &len);
	if (!r || !n->addr_cells || !n->size_cells || len < 4 * cells) {
		chans.bad_channel = true;
		return;
	}
	e.base = fdt_read_cells(r, n->addr_cells);
	e.size = fdt_read_cells(r + 4 * n->addr_cells, n->size_cells);

	v = fdt_prop(n, "tessera,channel-id", &len);
	if (!v || len != 4) {
		chans.bad_channel = true;
		return;
	}
	e.id = (uint32_t)fdt_read_cells(v, 1);

	v = fdt_prop(n, "tessera,access", &len);
	if (v && fdt_stringlist_contains(v, len, "rw"))
		e.rw = true;
	else if (!v || !fdt_stringlist_contains(v, len, "ro")) {
		chans.bad_channel = true;
		return;
	}

	v = fdt_prop(n, "label", &len);
	e.label = v && len && ((const char *)v)[len - 1] == '\0' ? v : "?";

	/* interrupts = <type number flags>: type 0 = SPI (INTID number + 32). */
	v = fdt_prop(n, "interrupts", &len);
	if (v && len >= 12 && fdt_read_cells(v, 1) == 0)
		e.irq = (unsigned int)fdt_read_cells((const uint8_t *)v + 4, 1) + INTID_SPI_FIRST;

	chans.ends[chans.nr_ends++] = e;
}

/* dt_scan's callback: the nodes of the channel ends. */
static void scan_channels(void *ctx, const struct fdt_node *n)
{
	uint32_t len;
	const void *v = fdt_prop(n, "compatible", &len);

	(void)ctx;
	if (v && fdt_stringlist_contains(v, len, "tessera,channel"))
		scan_channel(n);
}

/* --- the bootargs --- */

static void parse_word(const char *w, size_t wlen)
{
	const char *v;
	size_t vlen;
	bool ok = true;

	if ((v = bootargs_value(w, wlen, "role", &vlen))) {
		if (bootargs_is(v, vlen, "ping"))
			cfg.role = ROLE_PING;
		else if (bootargs_is(v, vlen, "pong"))
			cfg.role = ROLE_PONG;
		else
			ok = false;
	} else if ((v = bootargs_value(w, wlen, "rounds", &vlen))) {
		ok = bootargs_dec(v, vlen, &cfg.rounds);
	}
	if (!ok)
		bootargs_report("chan: FAIL: bad bootargs word ", w, wlen);
}

/* --- the end --- */

static void __attribute__((noreturn)) power_off(void)
{
	psci_power_off("chan: FAIL: ");
}

/* --- exceptions --- */

static void irq(uint32_t intid)
{
	if (inbox && intid == inbox->irq) {
		doorbell_at = cntvct();
		doorbells++;
	} else if (intid == dt.vtimer_intid) {
		vtimer_stop();		/* drops the line */
		timer_fired = true;
	} else {
		uart_printf("chan: FAIL: unexpected interrupt %u\n", intid);
	}
}

void exception_handle(unsigned long vector, unsigned long esr, unsigned long elr,
		      unsigned long far, struct exc_frame *frame)
{
	(void)frame;
	if (vector == VECTOR_IRQ_EL1_SPX) {
		gic_handle_irqs(irq);
		return;
	}
	if (!expected_fault_take(&ro_write, vector, esr, elr, far))
		exception_fatal("chan: FAIL: ", vector, esr, elr, far);
}

/* --- messages --- */

static uint32_t msg_crc(const struct msg *m)
{
	uint8_t seq[4] = { (uint8_t)m->seq, (uint8_t)(m->seq >> 8), (uint8_t)(m->seq >> 16),
			   (uint8_t)(m->seq >> 24) };

	return crc32_update(crc32_update(0, seq, sizeof(seq)), m->payload, PAYLOAD_LEN);
}

/* Ping's payload of round seq: the top bytes of an LCG (Numerical Recipes'
 * constants) seeded from seq. */
static void make_payload(uint32_t seq, uint8_t *out)
{
	uint32_t x = seq * 2654435761u ^ 0x5eed1234u;

	for (unsigned int k = 0; k < PAYLOAD_LEN; k++) {
		x = x * 1664525u + 1013904223u;
		out[k] = (uint8_t)(x >> 24);
	}
}

/* What pong answers for one payload byte. */
static uint8_t transform(uint8_t b)
{
	return (uint8_t)(b + 1);
}

/* The shared region is copied a word at a time through volatile accesses:
 * the other side writes it behind the compiler's back. */
static void msg_send(const struct msg *m)
{
	volatile uint32_t *dst = (volatile uint32_t *)outbox->base;
	const uint32_t *src = (const uint32_t *)m;

	for (size_t i = 0; i < MSG_WORDS; i++)
		dst[i] = src[i];
	dsb_sy();		/* the message is visible before the doorbell rings */
}

static void msg_receive(struct msg *m)
{
	const volatile uint32_t *src = (const volatile uint32_t *)inbox->base;
	uint32_t *dst = (uint32_t *)m;

	for (size_t i = 0; i < MSG_WORDS; i++)
		dst[i] = src[i];
}

static long ring(uint32_t channel)
{
	return tessera_hvc(TESSERA_HC_DOORBELL, channel);
}

/*
 * Sleep until an inbox doorbell after 'seen' (true), or until 'timeout'
 * counter ticks have passed (false; 0 = no timeout). Checked with IRQs
 * masked: an interrupt arriving after the check still ends the WFI and is
 * taken when we unmask.
 */
static bool wait_doorbell(unsigned long *seen, uint64_t timeout)
{
	bool got;

	if (timeout) {
		timer_fired = false;
		vtimer_arm_at(cntvct() + timeout);
	}
	for (;;) {
		irq_mask();
		got = doorbells != *seen;
		if (got || (timeout && timer_fired))
			break;
		wfi();
		irq_unmask();
	}
	*seen = doorbells;
	irq_unmask();
	if (timeout)
		vtimer_stop();
	return got;
}

/* --- ping --- */

static void ping_ro_write(void)
{
	volatile uint32_t *p = (volatile uint32_t *)inbox->base;
	uint32_t before = p[0], poison = before ^ 0xdeadbeefu;

	expected_fault_arm(&ro_write);
	/* One STR: the exception handler steps over it. */
	__asm__ volatile("str %w0, [%1]" : : "r"(poison), "r"(p) : "memory");
	if (!expected_fault_disarm(&ro_write)) {
		uart_printf("chan: FAIL: the write to read-only channel %u at 0x%lx did not abort\n",
			    inbox->id, (unsigned long)inbox->base);
		return;
	}
	if (ESR_EC(ro_write.esr) != ESR_EC_DABT_CUR || !(ro_write.esr & ESR_WNR) ||
	    (!(ro_write.esr & ESR_FNV) && ro_write.far != (unsigned long)inbox->base)) {
		uart_printf("chan: FAIL: the read-only write took an odd abort: esr 0x%lx far 0x%lx\n",
			    ro_write.esr, ro_write.far);
		return;
	}
	if (p[0] != before) {
		uart_printf("chan: FAIL: the read-only channel changed: 0x%x -> 0x%x\n", before, p[0]);
		return;
	}
	uart_printf("chan: write to read-only channel refused\n");
}

/* The first bad round is reported when it happens, the others counted. */
static unsigned long bad, first_bad;

static bool round_bad(unsigned long i)
{
	bad++;
	if (first_bad)
		return false;
	first_bad = i;
	return true;
}

static void ping(void)
{
	uint64_t freq = cntfrq();
	uint64_t timeout = freq * REPLY_TIMEOUT_MS / 1000;
	uint64_t sum = 0, min = ~0ull, max = 0;
	unsigned long seen = 0, timed = 0, crc_errors = 0, max_round = 0;
	struct msg m, r;

	for (unsigned long i = 1; i <= cfg.rounds; i++) {
		m.seq = (uint32_t)i;
		make_payload(m.seq, m.payload);
		m.crc = msg_crc(&m);
		msg_send(&m);

		uint64_t t0 = cntvct();
		long ret = ring(outbox->id);
		if (ret) {
			if (round_bad(i))
				uart_printf("chan: FAIL round %lu: doorbell of channel %u returned %ld\n",
					    i, outbox->id, ret);
			break;
		}
		if (!wait_doorbell(&seen, timeout)) {
			if (round_bad(i))
				uart_printf("chan: FAIL round %lu: no reply within %u ms\n", i,
					    REPLY_TIMEOUT_MS);
			break;		/* out of step with pong: stop */
		}
		uint64_t t = doorbell_at - t0;
		sum += t;
		timed++;
		min = t < min ? t : min;
		if (t > max) {
			max = t;
			max_round = i;
		}

		msg_receive(&r);
		if (r.crc != msg_crc(&r)) {
			crc_errors++;
			if (round_bad(i))
				uart_printf("chan: FAIL round %lu: reply checksum 0x%x, computed 0x%x\n",
					    i, r.crc, msg_crc(&r));
			continue;
		}
		if (r.seq != m.seq) {
			if (round_bad(i))
				uart_printf("chan: FAIL round %lu: reply has sequence %u\n", i, r.seq);
			continue;
		}
		for (unsigned int k = 0; k < PAYLOAD_LEN; k++) {
			if (r.payload[k] != transform(m.payload[k])) {
				if (round_bad(i))
					uart_printf("chan: FAIL round %lu: reply payload byte %u is 0x%x, "
						    "want 0x%x\n", i, k, r.payload[k],
						    transform(m.payload[k]));
				break;
			}
		}
	}

	/* Done: sequence 0, the number of rounds in the payload. No answer. */
	m.seq = 0;
	for (unsigned int k = 0; k < PAYLOAD_LEN; k++)
		m.payload[k] = k < 4 ? (uint8_t)(cfg.rounds >> (8 * k)) : 0;
	m.crc = msg_crc(&m);
	msg_send(&m);
	long ret = ring(outbox->id);
	if (ret)
		uart_printf("chan: FAIL: the done doorbell returned %ld\n", ret);

	if (!bad)
		uart_printf("chan: ping %lu rounds ok, checksum errors %lu\n", cfg.rounds, crc_errors);
	else
		uart_printf("chan: FAIL ping: %lu of %lu rounds bad (first: round %lu), "
			    "checksum errors %lu\n", bad, cfg.rounds, first_bad, crc_errors);
	if (timed) {
		uint64_t avg = sum / timed;
		uart_printf("chan: round trip avg %lu ticks min %lu max %lu\n", (unsigned long)avg,
			    (unsigned long)min, (unsigned long)max);
		if (freq)
			uart_printf("chan: round trip avg %lu ns (counter %lu Hz), max in round %lu\n",
				    (unsigned long)(avg * 1000000000ull / freq), (unsigned long)freq,
				    max_round);
	}

	ret = ring(FOREIGN_CHANNEL);
	if (ret == HC_INVALID_PARAMETERS)
		uart_printf("chan: foreign doorbell refused (%ld)\n", ret);
	else
		uart_printf("chan: FAIL: ringing channel %u (not ours) returned %ld\n",
			    FOREIGN_CHANNEL, ret);

	ping_ro_write();
}

/* --- pong --- */

static void pong(void)
{
	/* Doorbells seen counts from 0, not from what the handler counted so
	 * far: ping may ring before we are up, and its doorbell, latched by the
	 * virtual GIC, is taken as soon as boot_main unmasks IRQs. */
	unsigned long seen = 0, answered = 0, crc_errors = 0, seq_errors = 0;
	unsigned long first_bad = 0;
	uint32_t expect = 1, announced = 0;
	struct msg m, r;

	for (;;) {
		wait_doorbell(&seen, 0);
		msg_receive(&m);
		bool crc_ok = m.crc == msg_crc(&m);
		if (!crc_ok) {
			crc_errors++;
			first_bad = first_bad ? first_bad : answered + 1;
		}
		if (crc_ok && m.seq == 0) {
			announced = (uint32_t)m.payload[0] | (uint32_t)m.payload[1] << 8 |
				    (uint32_t)m.payload[2] << 16 | (uint32_t)m.payload[3] << 24;
			break;
		}
		if (crc_ok && m.seq != expect) {
			seq_errors++;
			first_bad = first_bad ? first_bad : answered + 1;
		}
		expect = m.seq + 1;

		/* Answer even a bad message: ping is waiting, and will see it. */
		r.seq = m.seq;
		for (unsigned int k = 0; k < PAYLOAD_LEN; k++)
			r.payload[k] = transform(m.payload[k]);
		r.crc = msg_crc(&r);
		msg_send(&r);
		long ret = ring(outbox->id);
		if (ret)
			uart_printf("chan: FAIL: doorbell of channel %u returned %ld\n", outbox->id, ret);
		answered++;
	}

	uart_printf("chan: pong answered %lu, checksum errors %lu\n", answered, crc_errors);
	if (answered != announced || seq_errors)
		uart_printf("chan: FAIL: ping sent %u, %lu out of sequence, first bad message %lu\n",
			    announced, seq_errors, first_bad);
}

/* --- entry --- */

static const struct chan_end *find_end(bool rw)
{
	for (unsigned int i = 0; i < chans.nr_ends; i++)
		if (chans.ends[i].rw == rw)
			return &chans.ends[i];
	return NULL;
}

void boot_main(uintptr_t dtb)
{
	int err = dt_scan(dtb, scan_channels, NULL);

	if (err) {
		uart_printf("chan: FAIL: bad device tree at 0x%lx (error %d)\n", (unsigned long)dtb, err);
		power_off();
	}
	bootargs_for_each(dt.bootargs, dt.bootargs_len, parse_word);
	crc32_init();

	outbox = find_end(true);
	inbox = find_end(false);
	const char *role = cfg.role == ROLE_PING ? "ping" : cfg.role == ROLE_PONG ? "pong" : "?";
	if (cfg.role == ROLE_NONE || !outbox || !inbox || chans.bad_channel || !dt.have_gic) {
		uart_printf("chan: FAIL: need role=ping|pong (%s), a GICv3 (%d) and a read-write and "
			    "a read-only channel end in the DTB (%u ends, %s)\n", role, dt.have_gic,
			    chans.nr_ends, chans.bad_channel ? "one unreadable" : "all readable");
		power_off();
	}
	uart_printf("chan: start %s out=%u in=%u\n", role, outbox->id, inbox->id);
	uart_printf("chan: outbox \"%s\" at 0x%lx, inbox \"%s\" at 0x%lx doorbell irq %u\n",
		    outbox->label, (unsigned long)outbox->base, inbox->label,
		    (unsigned long)inbox->base, inbox->irq);

	long version = tessera_hvc(TESSERA_HC_VERSION, 0);
	if (version != TESSERA_HC_ABI_1_0)
		uart_printf("chan: FAIL: hypercall ABI version 0x%lx, want 0x%x\n",
			    (unsigned long)version, TESSERA_HC_ABI_1_0);
	if (inbox->size < sizeof(struct msg) || outbox->size < sizeof(struct msg) ||
	    inbox->irq < INTID_SPI_FIRST || inbox->irq > INTID_SPI_LAST ||
	    inbox->base < RAM_BASE || inbox->base + inbox->size > RAM_END ||
	    outbox->base < RAM_BASE || outbox->base + outbox->size > RAM_END) {
		uart_printf("chan: FAIL: channel ends unusable: sizes 0x%lx/0x%lx, doorbell irq %u, "
			    "outside [0x%lx, 0x%lx)?\n", (unsigned long)outbox->size,
			    (unsigned long)inbox->size, inbox->irq, RAM_BASE, RAM_END);
		power_off();
	}

	/* The inbox doorbell: an SPI to this vCPU; the virtual timer for timeouts. */
	uint64_t mpidr = read_mpidr();
	gic_set_bases(dt.gicd, dt.gicr, dt.gicr_size);
	uint64_t rd = gic_find_redist(mpidr, 0);
	if (!rd || gic_redist_init(rd, 1u << dt.vtimer_intid)) {
		uart_printf("chan: FAIL: no usable redistributor for mpidr 0x%lx (0x%lx)\n",
			    (unsigned long)mpidr, (unsigned long)rd);
		power_off();
	}
	if (gic_spi_enable(inbox->irq, mpidr, true)) {
		uart_printf("chan: FAIL: the distributor would not enable irq %u\n", inbox->irq);
		power_off();
	}
	gic_dist_enable();
	gic_cpu_init();
	irq_unmask();

	if (cfg.role == ROLE_PING)
		ping();
	else
		pong();
	power_off();
}
