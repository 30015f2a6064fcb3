/* The generated tables of the schedule tests' system (layout.h), by hand. */
#include <tessera/tables.h>

static const struct mem_region ram[] = {
	{ .gpa = 0x40000000, .hpa = 0x40200000, .size = 0x1000000, .flags = MEM_READ | MEM_WRITE | MEM_EXEC },
};

const struct vm_config tessera_vms[TESSERA_NR_VMS] = {
	{ .name = "a", .id = 1, .vmid = 1, .nr_vcpus = 2, .first_vcpu = 0, .nr_regions = 1,
	  .entry = 0x40080000, .dtb = 0x40000000, .regions = ram },
	{ .name = "b", .id = 2, .vmid = 2, .nr_vcpus = 1, .first_vcpu = 2, .nr_regions = 1,
	  .entry = 0x40080000, .dtb = 0x40000000, .regions = ram },
};

const struct vcpu_config tessera_vcpus[TESSERA_NR_VCPUS] = {
	{ .vm = 0, .index = 0, .pcpu = 0, .virt_id = 0x0 },
	{ .vm = 0, .index = 1, .pcpu = 1, .virt_id = 0x1 },
	{ .vm = 1, .index = 0, .pcpu = 1, .virt_id = 0x0 },
};

const struct pcpu_config tessera_pcpus[TESSERA_NR_PCPUS] = {
	{ .hw_id = 0, .vcpu = 0 }, { .hw_id = 1, .vcpu = 1 },
};

/* pCPU 1's frame of 10 ms: a.1, then b.0, idle, b.0 again. */
static const struct sched_slot pcpu1_slots[] = {
	{ .start_us = 0, .end_us = 4000, .vcpu = 1 },
	{ .start_us = 4000, .end_us = 6000, .vcpu = 2 },
	{ .start_us = 6000, .end_us = 7000, .vcpu = -1 },
	{ .start_us = 7000, .end_us = 10000, .vcpu = 2 },
};
static const uint16_t pcpu1_vcpus[] = { 1, 2 };

const struct pcpu_schedule tessera_schedules[TESSERA_NR_PCPUS] = {
	[1] = { .major_frame_us = 10000, .nr_slots = 4, .slots = pcpu1_slots, .nr_vcpus = 2,
		.vcpus = pcpu1_vcpus },
};
