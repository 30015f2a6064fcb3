/* The generated tables of a small system, written by hand for the tests. */
#include <tessera/tables.h>

/* a's third region is host memory the tests can look at (a buffer handed
 * to the firmware interface, SBI DBCN). */
uint8_t fake_guest_ram[0x1000];
static const struct mem_region a_regions[] = {
	{ .gpa = 0x40000000, .hpa = 0x40200000, .size = 0x1000000, .flags = MEM_READ | MEM_WRITE | MEM_EXEC },
	{ .gpa = 0x50000000, .hpa = 0x41200000, .size = 0x100000, .flags = MEM_READ | MEM_WRITE },
	{ .gpa = 0x60000000, .hpa = (uint64_t)(uintptr_t)fake_guest_ram, .size = sizeof(fake_guest_ram),
	  .flags = MEM_READ | MEM_WRITE },
};
static const struct mem_region b_regions[] = {
	{ .gpa = 0x40000000, .hpa = 0x41400000, .size = 0x1000000, .flags = MEM_READ | MEM_WRITE | MEM_EXEC },
};
static const struct emu_device uart[] = {
	{ .gpa = 0x9000000, .size = 0x1000, .kind = EMU_VUART_PL011, .irq = 33 },
};

/* b also owns a virtio-mmio transport (0x200 bytes) that shares its page
 * with others': forwarded to its "registers", this array; and three more
 * below it, with gaps between (fake_transports), so that the lookup of a
 * range in the sorted table (emu_find) has more than one step to take. */
uint64_t fake_transport[0x200 / 8];
uint64_t fake_transports[3][0x200 / 8];
#define FAKE_TRANSPORT(i) { .gpa = 0xa003000 + 0x400 * (i), .size = 0x200, .kind = EMU_FORWARD, \
			    .hpa = (uint64_t)(uintptr_t)fake_transports[i] }
static const struct emu_device b_emu[] = {
	{ .gpa = 0x9000000, .size = 0x1000, .kind = EMU_VUART_PL011, .irq = 33 },
	FAKE_TRANSPORT(0), FAKE_TRANSPORT(1), FAKE_TRANSPORT(2),
	{ .gpa = 0xa003e00, .size = 0x200, .kind = EMU_FORWARD, .hpa = (uint64_t)(uintptr_t)fake_transport },
};

/* b restarts once: its "image" is put back from a pristine copy. */
uint64_t fake_b_image[4] = { 1, 2, 3, 4 };
static const uint64_t b_image_copy[4] = { 0xa, 0xb, 0xc, 0xd };
static const struct image_copy b_copies[] = {
	{ .to = (uint64_t)(uintptr_t)fake_b_image, .from = (uint64_t)(uintptr_t)b_image_copy,
	  .size = sizeof(b_image_copy) },
};

/* a and b share a channel (id 5): its doorbell is SPI 40 in b; a is no
 * end of channel 6. */
static const struct channel_peer a_peers[] = { { .channel = 5, .vm = 1, .irq = 40 } };

/* a: the console's SPI 33; b: the console's and a device's SPI 48 */
static const struct vm_irq a_irqs[] = { { .irq = 33, .hw = 0 } };
static const struct vm_irq b_irqs[] = { { .irq = 33, .hw = 0 }, { .irq = 48, .hw = 1 } };

const struct vm_config tessera_vms[TESSERA_NR_VMS] = {
	{ .name = "a", .id = 1, .vmid = 1, .nr_vcpus = 2, .first_vcpu = 0, .nr_regions = 3, .nr_emu = 1,
	  .nr_irqs = 1, .entry = 0x40080000, .dtb = 0x40000000, .regions = a_regions, .emu = uart,
	  .irqs = a_irqs, .nr_peers = 1, .peers = a_peers },
	{ .name = "b", .id = 2, .vmid = 2, .nr_vcpus = 1, .first_vcpu = 2, .nr_regions = 1, .nr_emu = 5,
	  .nr_irqs = 2, .entry = 0x40080000, .dtb = 0x40000000, .regions = b_regions, .emu = b_emu,
	  .irqs = b_irqs, .nr_copies = 1, .max_restarts = 1, .copies = b_copies },
};

const struct vcpu_config tessera_vcpus[TESSERA_NR_VCPUS] = {
	{ .vm = 0, .index = 0, .pcpu = 0, .virt_id = 0x0 },
	{ .vm = 0, .index = 1, .pcpu = 1, .virt_id = 0x100 },
	{ .vm = 1, .index = 0, .pcpu = 3, .virt_id = 0x0 },
};

const struct pcpu_config tessera_pcpus[TESSERA_NR_PCPUS] = {
	{ .hw_id = 0, .vcpu = 0 }, { .hw_id = 1, .vcpu = 1 }, { .hw_id = 2, .vcpu = -1 }, { .hw_id = 3, .vcpu = 2 },
};

