/* The fakes of fake_riscv.c: what the SBI asked of the rest of its port. */
#ifndef TESTS_UNIT_RISCV_FAKE_RISCV_H
#define TESTS_UNIT_RISCV_FAKE_RISCV_H

#include <stdint.h>

extern struct fake_riscv {
	uint64_t timer;                 /* guest_timer_set() */
	unsigned timer_calls;
	uint32_t requests[4];           /* vcpu_request() per vCPU */
	uint32_t local;                 /* local_request() */
	unsigned waited[4];             /* vcpu_wait_done() per vCPU */
	unsigned resumed;               /* vcpu_resume() */
	unsigned signals[3];            /* vplic_signal() per vCPU */
	unsigned completed[64];         /* plic_complete() per source */
} fake_riscv;

#endif
