/* The per-vCPU TLB check (tlb.c, aarch64). */
#ifndef SMP_HELLO_TLB_H
#define SMP_HELLO_TLB_H

/* Map TLB_VA to a page of this vCPU's and read it for ms ms, then report. */
void tlb_check(unsigned int self, unsigned long ms);

#endif
