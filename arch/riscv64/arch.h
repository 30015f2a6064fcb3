/* Declarations shared between the files of arch/riscv64 only. */
#ifndef ARCH_RISCV64_ARCH_H
#define ARCH_RISCV64_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include "board.h"
#include "frame.h"

/* --- firmware: SBI calls to OpenSBI (M mode) --- */
struct sbiret {
	long error;
	long value;
};
struct sbiret firmware_sbi(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
			   unsigned long a2);

/* --- guests' SBI (sbi.c): the ECALL from VS mode in f; results in a0/a1 --- */
void sbi_guest_call(struct frame *f);

/* --- trap.c --- */
/* Enter the guest's trap vector with this exception, as the hart would. */
void inject_exception(struct frame *f, uint64_t cause, uint64_t tval);
/* Handle this pCPU's pending interrupts and cross-CPU requests (kicks,
 * fences, virtual IPIs, timers). guest: its vCPU is running. Returns true
 * if kicked. */
bool irq_dispatch(bool guest);

/* --- syscon.c: the emulated test device (EMU_SYSCON) --- */
bool syscon_access(uint64_t off, unsigned size, bool write, uint64_t *value);

/* --- cpu.c --- */
/* Sstc: the hart has stimecmp/vstimecmp (found at boot). */
extern bool have_sstc;
/* Pending work asked of a vCPU (by another pCPU, or by a vCPU of its own
 * partition), done by its pCPU while the vCPU runs there. */
#define REQ_FENCE_I     (1u << 0)       /* fence.i */
#define REQ_VVMA        (1u << 1)       /* hfence.vvma: the guest's own TLB entries */
#define REQ_VSSIP       (1u << 2)       /* a virtual IPI: hvip.VSSIP */
#define REQ_VSEIP       (1u << 3)       /* its virtual PLIC line changed: hvip.VSEIP */
void vcpu_request(unsigned vcpu, uint32_t req);
/* What was asked of vCPU vcpu so far, taken (the asker sees it done). */
uint32_t vcpu_take_requests(unsigned vcpu);
/* Done by this pCPU: what was asked of the vCPU it runs (on a shared
 * pCPU, the others' kept for their windows: switch.c). */
void pcpu_do_requests(void);
/* Do req for the vCPU running on this hart, here and now. */
void local_request(uint32_t req);
/* Wait until vCPU vcpu's pCPU has done, or kept for its window, every
 * fence asked of it so far. */
void vcpu_wait_done(unsigned vcpu);
/* The vCPU whose state this hart holds (index into tessera_vcpus[]), -1: none. */
int pcpu_running_vcpu(void);
/* The guest's timer (SBI set_timer), in the guest's time, and the
 * hypervisor's own timer's expiry. */
void guest_timer_set(uint64_t when);
void timer_interrupt(bool guest);
uint64_t partition_timedelta(unsigned vm);
/* Without Sstc, a shared hart's vCPU switch: take this hart's guest
 * deadline (host time, ~0: none) away from it, or give one back. */
uint64_t guest_timer_take(void);
void guest_timer_give(uint64_t when);

/* --- switch.c: time partitioning (TESSERA_SCHEDULED builds) --- */
/* The vCPU in its window on this shared hart, -1: none. */
int switch_running_vcpu(void);
/* The requests of each vCPU sharing this hart: done for the running one,
 * kept for its window by the others. */
void switch_take_requests(void);
/* vCPU vcpu starts afresh on this shared hart (arch_vcpu_enter): none of
 * the vCPU that ran before is left to it. */
void switch_vcpu_entering(unsigned vcpu);

/* --- boot.S --- */
/* One stack per pCPU, its PCPU_AREA at the top. */
extern uint8_t tessera_stacks[TESSERA_NR_PCPUS][CONFIG_STACK_SIZE];
/* Enter the guest with the registers in *f, this pCPU's stack emptied but
 * for a copy of them (pcpu_area: the top of its stack less PCPU_AREA). */
_Noreturn void frame_launch(const struct frame *f, uint8_t *pcpu_area);

/* --- vcpu.c --- */
/* Restart this vCPU at entry with a0 = its hart id, a1 = arg (a
 * non-retentive HART_SUSPEND's resume); its partition's time goes on. */
_Noreturn void vcpu_resume(uint64_t entry, uint64_t arg);

/* --- H-extension instructions (boot.S) --- */
/* hlvx.hu of the guest's (VS-stage, privilege hstatus.SPVP) address:
 * the 16 bits at addr, or -1 if the access faults. */
long guest_fetch16(uint64_t addr);
/* csrr stimecmp; -1 if the hart has no Sstc (illegal instruction). */
long probe_stimecmp(void);

#endif
