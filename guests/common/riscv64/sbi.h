/*
 * The RISC-V Supervisor Binary Interface as the guests under guests/ call
 * it (SBI 2.0 numbering): ECALL with the extension id in a7, the function
 * id in a6, arguments in a0-a5; error in a0, value in a1.
 */
#ifndef GUEST_SBI_H
#define GUEST_SBI_H

#include <stdint.h>

/* Extension ids */
#define SBI_EXT_LEGACY_SET_TIMER	0x00
#define SBI_EXT_LEGACY_PUTCHAR		0x01
#define SBI_EXT_LEGACY_GETCHAR		0x02
#define SBI_EXT_LEGACY_SHUTDOWN		0x08
#define SBI_EXT_BASE	0x10
#define SBI_EXT_TIME	0x54494D45
#define SBI_EXT_IPI	0x735049
#define SBI_EXT_RFENCE	0x52464E43
#define SBI_EXT_HSM	0x48534D
#define SBI_EXT_SRST	0x53525354
#define SBI_EXT_PMU	0x504D55
#define SBI_EXT_DBCN	0x4442434E
#define SBI_EXT_SUSP	0x53555350
#define SBI_EXT_CPPC	0x43505043

/* BASE functions */
#define SBI_BASE_GET_SPEC_VERSION	0
#define SBI_BASE_GET_IMPL_ID		1
#define SBI_BASE_GET_IMPL_VERSION	2
#define SBI_BASE_PROBE_EXTENSION	3

/* HSM functions and hart states */
#define SBI_HSM_HART_START	0
#define SBI_HSM_HART_STOP	1
#define SBI_HSM_HART_GET_STATUS	2
#define SBI_HSM_HART_SUSPEND	3
#define SBI_HSM_STARTED		0
#define SBI_HSM_STOPPED		1
#define SBI_HSM_START_PENDING	2

/* SRST */
#define SBI_SRST_RESET		0
#define SBI_SRST_SHUTDOWN	0
#define SBI_SRST_COLD_REBOOT	1

/* DBCN */
#define SBI_DBCN_WRITE		0
#define SBI_DBCN_READ		1
#define SBI_DBCN_WRITE_BYTE	2

/* Errors */
#define SBI_SUCCESS			0
#define SBI_ERR_FAILED			(-1)
#define SBI_ERR_NOT_SUPPORTED		(-2)
#define SBI_ERR_INVALID_PARAM		(-3)
#define SBI_ERR_DENIED			(-4)
#define SBI_ERR_INVALID_ADDRESS		(-5)
#define SBI_ERR_ALREADY_AVAILABLE	(-6)

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
		       unsigned long a2, unsigned long a3);

static inline long sbi_probe(unsigned long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0, 0);
	return r.error ? 0 : r.value;
}

static inline struct sbiret sbi_hart_start(unsigned long hartid, uintptr_t entry, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, entry, opaque, 0);
}

static inline struct sbiret sbi_hart_get_status(unsigned long hartid)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0, 0);
}

static inline struct sbiret sbi_set_timer(uint64_t when)
{
	return sbi_call(SBI_EXT_TIME, 0, when, 0, 0, 0);
}

/* Stop this hart (SBI HSM hart_stop); returns only if refused. */
struct sbiret sbi_hart_stop(void);

/*
 * Power the system off with SBI SRST (everything else quiet first). Should
 * it return, print "<who>SRST shutdown returned <error>" and halt.
 */
void __attribute__((noreturn)) sbi_power_off(const char *who);

#endif
