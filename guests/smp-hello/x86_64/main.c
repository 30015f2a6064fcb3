/*
 * smp-hello, x86_64: the boot vCPU learns the vCPU count from CPUID (leaf
 * 1, EBX[23:16]), starts the others by INIT-SIPI-SIPI through its local
 * APIC (APIC ids 0..n-1, start page AP_START), each checks its APIC id
 * (CPUID against the local APIC's ID register, an MMIO read) and reports,
 * all meet, and the boot vCPU powers off through ACPI. The same image
 * boots bare on QEMU's q35 (-kernel). Its console is COM1 (0x3f8), or the
 * port a "console=0x2f8" word of the multiboot command line names (COM2,
 * where the ArceOS hypervisor's second x86 guest prints).
 */
#include <stdatomic.h>

#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "uart.h"

static atomic_uint arrived;
static unsigned int failures;

static uint32_t cpuid_apic_id(void)
{
	uint32_t r[4];

	cpuid(1, r);
	return r[1] >> 24;
}

static void icr_send(uint32_t apic_id, uint32_t icr)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY)
		cpu_relax();
}

/* Each vCPU: its APIC id as CPUID and its local APIC's ID register say. */
static void report(unsigned long vcpu, uint32_t apic_id)
{
	uint32_t reg = lapic_read(LAPIC_ID) >> 24;

	if (reg != apic_id) {
		say("smp-hello: vcpu %lu: local APIC ID register says 0x%x, CPUID 0x%x\n", vcpu, reg, apic_id);
		failures++;
	}
	say("smp-hello: vcpu %lu up (apic 0x%x)\n", vcpu, apic_id);
	atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel);
}

void boot_main(uint32_t multiboot_info)
{
	uint32_t r[4];

	mb_console(multiboot_info);

	cpuid(1, r);
	unsigned int n = (r[3] & (1u << 28)) ? (r[1] >> 16) & 0xff : 1;
	say("smp-hello: %u vcpus (multiboot info at 0x%x)\n", n, multiboot_info);
	cpuid(0x80000001u, r);
	if (r[2] & (1u << 2)) {
		say("smp-hello: CPUID offers SVM\n");
		failures++;
	}
	report(0, cpuid_apic_id());
	ap_start_install();
	for (uint32_t id = 1; id < n && id < MAX_VCPUS; id++) {
		icr_send(id, ICR_INIT | ICR_ASSERT);
		icr_send(id, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
		icr_send(id, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
		/* One at a time: the start page's code is shared. */
		while (atomic_load_explicit(&arrived, memory_order_acquire) < id + 1)
			cpu_relax();
	}
	if (failures)
		say("smp-hello: %u checks failed\n", failures);
	else
		say("smp-hello: all %u vcpus up\n", n);
	power_off();
}

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	report(vcpu, (uint32_t)apic_id);
	for (;;)
		__asm__ volatile("cli; hlt");
}
