/*
 * The partition's ACPI PM registers, where q35's ICH9 has them
 * (PMBASE TESSERA_GUEST_ACPI_PM_BASE, 0x600 as on q35; the generated FADT
 * names them: gen/tessera_gen/x86_linux.py):
 * the PM1a event block (status: nothing to report; enable: what the
 * partition wrote, read back as ACPI wants, though no event ever raises an
 * SCI: without it Linux reports "Could not enable" for the global lock's
 * and the RTC's fixed events), the PM1a
 * control block (SCI_EN set: the partition is always in ACPI mode; a write
 * with SLP_EN powers it off, whatever SLP_TYP: _S5 is its one sleep
 * state), and the PM timer (ACPI 6.4, 4.8.3.3:
 * 24 bits counting at 3.579545 MHz), which Linux calibrates its TSC and local
 * APIC timer against when the PIT fails it, and which is its clocksource
 * when the TSC is not known to be synchronized. The timer is the TSC scaled,
 * so it runs at the rate of the CPUs' own clock on every vCPU and costs no
 * state.
 */
#include <tessera/core.h>
#include "arch.h"
#include "vlapic.h"

#define PM_BASE                 TESSERA_GUEST_ACPI_PM_BASE
#define PM1A_EVT_BLK            (PM_BASE + 0x0u)        /* PM1_STS (2 bytes), PM1_EN (2 bytes) */
#define PM1A_EN                 (PM1A_EVT_BLK + 0x2u)
#define PM1A_CNT_BLK            (PM_BASE + 0x4u)
#define PM_TMR_BLK              (PM_BASE + 0x8u)
#define PM1_CNT_SCI_EN          (1u << 0)
#define PM1_CNT_SLP_EN          (1u << 13)
#define PM_TIMER_HZ             3579545u
#define PM_TIMER_MASK           0xffffffu

static uint16_t pm1_en[TESSERA_NR_VMS];

bool acpi_pm_read(uint16_t port, uint64_t *value)
{
	if (port == PM1A_EN)
		*value = pm1_en[core_this_vcpu()->vm];
	else if (port >= PM1A_EVT_BLK && port < PM1A_EVT_BLK + 4u)
		*value = 0;
	else if (port == PM1A_CNT_BLK)
		*value = PM1_CNT_SCI_EN;
	else if (port == PM_TMR_BLK)
		*value = x86_tsc_scaled(x86_now(), PM_TIMER_HZ) & PM_TIMER_MASK;
	else
		return false;
	return true;
}

bool acpi_pm_write(uint16_t port, uint64_t value)
{
	if (port == PM1A_EN)
		pm1_en[core_this_vcpu()->vm] = (uint16_t)value;
	else if (port == PM1A_CNT_BLK && (value & PM1_CNT_SLP_EN))
		core_vm_stop("ACPI power-off");
	else
		return port == PM1A_CNT_BLK;
	return true;
}

void acpi_pm_vm_reset(unsigned vm)
{
	pm1_en[vm] = 0;
}
