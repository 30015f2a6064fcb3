/*
 * The tables the generator writes (build/NAME/gen/partitions.c) and the
 * hypervisor reads. Everything here is decided at build time: the hypervisor
 * only ever reads these tables, never writes them.
 */
#ifndef TESSERA_TABLES_H
#define TESSERA_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include "layout.h"   /* generated: TESSERA_NR_* sizes, addresses */

/* Access rights of one guest memory mapping (same bits as the ArceOS format). */
#define MEM_READ    (1u << 0)
#define MEM_WRITE   (1u << 1)
#define MEM_EXEC    (1u << 2)
#define MEM_DEVICE  (1u << 4)

/* One guest-physical range backed by host-physical memory (stage 2). */
struct mem_region {
	uint64_t gpa;
	uint64_t hpa;
	uint64_t size;
	uint32_t flags;         /* MEM_* */
};

/* Kinds of emulated (trapped) devices. The core emulates the kinds below
 * EMU_ARCH_FIRST; each architecture numbers its own (its interrupt
 * controller's) from EMU_ARCH_FIRST on, in arch/<arch>/board.h. */
enum emu_kind {
	EMU_VUART_PL011 = 1,    /* console: an Arm PL011 */
	EMU_FORWARD = 2,        /* a passthrough device sharing its page with others':
				 * each access inside it is done on the device at hpa */
	EMU_VUART_NS16550 = 3,  /* console: a 16550A (ns16550a) */
	EMU_ARCH_FIRST = 16,    /* kinds from here on are the architecture's */
};

/* An interrupt a partition owns: a number of the board's interrupt
 * controller (a GIC INTID, a PLIC source), the same for guest and hardware. */
struct vm_irq {
	uint16_t irq;
	uint8_t hw;             /* 1: a physical device raises it; 0: emulated */
	uint8_t edge;           /* 1: edge-triggered (a channel's doorbell) */
};

/* A channel end's doorbell: ringing channel `channel` raises `irq` in
 * partition `vm` (one entry per other end). */
struct channel_peer {
	uint16_t channel;
	uint16_t vm;            /* index into tessera_vms[] */
	uint16_t irq;
};

/* A guest-physical range the hypervisor emulates: left unmapped in stage 2. */
struct emu_device {
	uint64_t gpa;
	uint64_t size;
	uint32_t kind;          /* enum emu_kind */
	uint32_t irq;           /* interrupt the device raises in the guest, 0 = none */
	uint64_t hpa;           /* EMU_FORWARD: the device's host-physical address */
};

/* A guest image to put back when its partition restarts. */
struct image_copy {
	uint64_t to;            /* host-physical address the partition sees it at */
	uint64_t from;          /* the pristine copy, mapped by no partition */
	uint64_t size;
};

/* A virtual CPU: which partition it belongs to and where it is pinned. */
struct vcpu_config {
	uint16_t vm;            /* index into tessera_vms[] */
	uint16_t index;         /* vCPU number inside its partition */
	uint16_t pcpu;          /* the one physical CPU it runs on */
	uint64_t virt_id;       /* the CPU id its guest sees: MPIDR affinity
				 * (Aff3..Aff0) on aarch64, hart id on riscv64 */
};

/* A partition. */
struct vm_config {
	const char *name;
	uint32_t id;            /* id from the config file */
	uint16_t vmid;          /* stage-2 VMID */
	uint16_t nr_vcpus;
	uint16_t first_vcpu;    /* its vCPUs are tessera_vcpus[first_vcpu ..] */
	uint16_t nr_regions;
	uint16_t nr_emu;
	uint16_t nr_irqs;
	uint16_t nr_copies;
	uint16_t max_restarts;  /* 0: a partition that faults or resets stays stopped */
	uint16_t nr_peers;
	bool vtime_physical;    /* its virtual counter is the physical one, or ... */
	uint64_t vtime_start;   /* ... reads this when its vCPU 0 starts (each restart too) */
	uint64_t entry;         /* guest-physical entry point of vCPU 0 */
	uint64_t dtb;           /* guest-physical address of its device tree */
	uint64_t s2_root;       /* host-physical address of its second-stage root table
				 * (stage 2 on aarch64, G-stage on riscv64) */
	const struct mem_region *regions;
	const struct emu_device *emu;
	const struct vm_irq *irqs;
	const struct image_copy *copies;
	const struct channel_peer *peers;       /* the doorbells it may ring */
};

/* A physical CPU of the board. */
struct pcpu_config {
	uint64_t hw_id;         /* its hardware id: MPIDR affinity (Aff3..Aff0) on
				 * aarch64, hart id on riscv64 */
	int16_t vcpu;           /* index into tessera_vcpus[], or -1: stays off;
				 * a shared pCPU: its schedule's first vCPU */
};

/* Time partitioning: a physical CPU shared by several vCPUs runs a cyclic
 * schedule fixed at build time. Its major frame is a run of slots covering
 * [0, major_frame_us), each a window owned by one vCPU or idle time. */
struct sched_slot {
	uint32_t start_us;      /* from the start of the major frame */
	uint32_t end_us;        /* the next slot's start_us, or the frame's end */
	int16_t vcpu;           /* index into tessera_vcpus[], or -1: idle */
};

struct pcpu_schedule {
	uint32_t major_frame_us;
	uint16_t nr_slots;      /* 0: the pCPU is not shared */
	uint16_t nr_vcpus;
	const struct sched_slot *slots;
	const uint16_t *vcpus;  /* the vCPUs sharing it (indices into tessera_vcpus[]) */
};

/* layout.h defines TESSERA_SCHEDULED only where some pCPU is shared: a
 * config that pins each vCPU to its own pCPU builds no schedule code. */
#ifndef TESSERA_SCHEDULED
#define TESSERA_SCHEDULED 0
#endif

extern const struct vm_config tessera_vms[TESSERA_NR_VMS];
extern const struct vcpu_config tessera_vcpus[TESSERA_NR_VCPUS];
extern const struct pcpu_config tessera_pcpus[TESSERA_NR_PCPUS];
#if TESSERA_SCHEDULED
extern const struct pcpu_schedule tessera_schedules[TESSERA_NR_PCPUS];
#endif

#endif
