/*
 * The probe's attacks as both architectures report them: one line per
 * attack, "probe: <attack>: <outcome>" (the outcomes are listed in main.c),
 * a count of attacks and breaches at the end, and the memory attacks that
 * are the same everywhere (attack.c). What an access does is the arch's
 * (main.c: the try_* functions and the fault they record).
 */
#ifndef PROBE_ATTACK_H
#define PROBE_ATTACK_H

#include <stdbool.h>
#include <stdint.h>

/* How an attempted access ended. */
enum res {
	R_OK,           /* it went through */
	R_ACCESS,       /* the access fault a hypervisor injects: a synchronous external
			 * abort (aarch64), a load or store access fault (riscv64) */
	R_UNDEF,        /* an undefined / illegal instruction */
	R_OTHER,        /* another exception */
};

#define PATTERN         0x0badc0de5a5a5a5aULL
#define FDT_MAGIC_LE    0xedfe0dd0u     /* 0xd00dfeed read little-endian */

/* main.c, per architecture: a 64-bit access that may fault, and the
 * syndrome of the last fault (ESR_EL1, scause), named SYNDROME_NAME. */
enum res try_read64(uint64_t a, uint64_t *out);
enum res try_write64(uint64_t a, uint64_t v);
uint64_t last_syndrome(void);

/* Where the probe's device tree is (boot_main sets it). */
extern uintptr_t dtb_addr;

/* Name the next attack, then report how it ended ("BREACH ..." counts). */
void attack(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void outcome(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The outcome of an access that must be refused with a fault of kind
 * expected; v: what a read returned. */
void refused(enum res r, enum res expected, bool read, uint64_t v);
/* One outcome or the other, by cond; the arguments go with the second. */
#define OUTCOME_IF(cond, good, bad_fmt, ...) \
	do { if (cond) outcome(good); else outcome(bad_fmt, __VA_ARGS__); } while (0)
/* "probe: <n> attacks, <b> breaches" */
void attack_summary(void);

bool in_own_ram(uint64_t a);
/* Read, then write, 64 bits at a: outside its RAM both must fault; inside,
 * reach the probe's own memory. */
void mem_attack(const char *what, uint64_t a);
/* An 8-byte load whose last 4 bytes are past the end of the probe's RAM. */
void straddle_attack(uint64_t end);

#endif
