/* The MSRs a partition's config names (msr.c). */
#ifndef ARCH_X86_64_MSR_H
#define ARCH_X86_64_MSR_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/tables.h>

enum msr_answer {
	MSR_UNNAMED,            /* the config names it not: the hypervisor's own answer */
	MSR_ANSWERED,           /* emulated: *value read or written */
	MSR_DENIED,             /* the guest gets #GP */
};

/* RDMSR (write false: *value is what it reads) or WRMSR (*value) of the
 * calling vCPU vc, as its partition's config rules it. */
enum msr_answer x86_msr_config(const struct vcpu_config *vc, uint32_t msr, bool write, uint64_t *value);
/* vc starts: its emulated MSRs read their reset values. */
void x86_msr_vcpu_reset(const struct vcpu_config *vc);
/* An MSR every partition has that reads 0 and ignores writes (AMD's patch
 * level and NB_CFG, as under KVM): true and *value = 0 if msr is one. */
bool x86_msr_read_as_zero(uint32_t msr, uint64_t *value);

#endif
