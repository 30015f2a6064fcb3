/* The generated tables of a small x86_64 system, written by hand for the
 * x86 tests (the sizes of tests/unit/layout.h): partition a with vCPUs of
 * APIC ids 0x0 (pCPU 0) and 0x1 (pCPU 1), partition b with one of APIC id
 * 0x0 (pCPU 3); each has RAM from guest-physical 0, where a STARTUP IPI's
 * real-mode page lies. Partition a owns I/O APIC pins 4 (an emulated
 * device's) and 8 (a physical device's). */
#include <tessera/tables.h>

static const struct mem_region a_regions[] = {
	{ .gpa = 0x0, .hpa = 0x1000000, .size = 0x1000000, .flags = MEM_READ | MEM_WRITE | MEM_EXEC },
};
static const struct mem_region b_regions[] = {
	{ .gpa = 0x0, .hpa = 0x2000000, .size = 0x1000000, .flags = MEM_READ | MEM_WRITE | MEM_EXEC },
};

static const struct vm_irq a_irqs[] = { { .irq = 4, .hw = 0 }, { .irq = 8, .hw = 1 } };

const struct vm_config tessera_vms[TESSERA_NR_VMS] = {
	{ .name = "a", .id = 1, .vmid = 1, .nr_vcpus = 2, .first_vcpu = 0, .nr_regions = 1,
	  .entry = 0x10000c, .dtb = 0x9000, .regions = a_regions,
	  .nr_irqs = 2, .irqs = a_irqs },
	{ .name = "b", .id = 2, .vmid = 2, .nr_vcpus = 1, .first_vcpu = 2, .nr_regions = 1,
	  .entry = 0x10000c, .dtb = 0x9000, .regions = b_regions },
};

const struct vcpu_config tessera_vcpus[TESSERA_NR_VCPUS] = {
	{ .vm = 0, .index = 0, .pcpu = 0, .virt_id = 0x0 },
	{ .vm = 0, .index = 1, .pcpu = 1, .virt_id = 0x1 },
	{ .vm = 1, .index = 0, .pcpu = 3, .virt_id = 0x0 },
};

const struct pcpu_config tessera_pcpus[TESSERA_NR_PCPUS] = {
	{ .hw_id = 0, .vcpu = 0 }, { .hw_id = 1, .vcpu = 1 }, { .hw_id = 2, .vcpu = -1 }, { .hw_id = 3, .vcpu = 2 },
};
