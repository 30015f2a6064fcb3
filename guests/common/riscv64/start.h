/*
 * The contract between guests/common/riscv64/start.S and a guest's C code:
 * stacks, RAM, the trap frame, the functions each side provides.
 *
 * Boot contract (RISC-V's, as OpenSBI and Tessera give it): loaded at
 * 0x80200000, entered in S-mode (VS-mode under a hypervisor) with the MMU
 * off (satp = 0), a0 = hart id, a1 = DTB physical address.
 */
#ifndef GUEST_START_H
#define GUEST_START_H

/* Per-vCPU stacks are reserved for this many; a guest's Makefile may say fewer. */
#ifndef MAX_VCPUS
#define MAX_VCPUS	8
#endif
#define STACK_SHIFT	14
#define STACK_SIZE	(1 << STACK_SHIFT)	/* 16 KiB per vCPU */

/* Guest RAM as far as we rely on it: QEMU virt's DRAM (1 GiB from 2 GiB). */
#define RAM_BASE	0x80000000UL
#define RAM_END		0xc0000000UL
/* QEMU virt's 16550A, until the device tree says otherwise. */
#define UART_DEFAULT_BASE	0x10000000UL

/* struct trap_frame: x1..x31 at (n - 1) * 8, then sepc, scause, stval. */
#define TRAP_FRAME_SIZE	(36 * 8)	/* 16-byte aligned */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
	uint64_t x[31];		/* x1 (ra) .. x31; x[1] is the interrupted sp */
	uint64_t sepc;		/* where the trapped code resumes (the handler may move it) */
	uint64_t scause, stval;
	uint64_t pad;
};

/* start.S */
void secondary_entry(void);	/* SBI HSM hart_start entry: a0 = hart id, a1 = opaque = vCPU index */

/* The guest's C code, called from start.S */
void boot_main(uintptr_t dtb, unsigned long hartid);
void secondary_main(unsigned long vcpu, unsigned long hartid);	/* optional: one-vCPU guests park */
/* Any trap; if it returns, start.S restores the registers (sepc from the frame) and returns there. */
void trap_handle(struct trap_frame *f);
#endif

#endif
