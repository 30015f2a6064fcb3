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
/* Pending work another pCPU asked of this one. */
#define REQ_FENCE_I     (1u << 0)       /* fence.i */
#define REQ_VVMA        (1u << 1)       /* hfence.vvma: the guest's own TLB entries */
#define REQ_VSSIP       (1u << 2)       /* a virtual IPI: hvip.VSSIP */
#define REQ_VSEIP       (1u << 3)       /* its vCPU's virtual PLIC line changed: hvip.VSEIP */
void pcpu_request(unsigned pcpu, uint32_t req);
/* Done by this pCPU: what was asked of it; returns what was done. */
uint32_t pcpu_do_requests(void);
/* Do req here and now (the caller's own hart). */
void local_request(uint32_t req);
/* Wait until pCPU pcpu has done everything asked of it so far. */
void pcpu_wait_done(unsigned pcpu);
/* The guest's timer (SBI set_timer), in the guest's time, and the
 * hypervisor's own timer's expiry. */
void guest_timer_set(uint64_t when);
void timer_interrupt(bool guest);
uint64_t partition_timedelta(unsigned vm);

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
