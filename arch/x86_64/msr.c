/*
 * The MSRs a partition's config names ([devices] msrs, docs/configuration.md):
 * owned ones its MSR permission map passes to the CPU (no exit: the
 * generator gave them to this partition alone and to no other, and the
 * hypervisor never touches them); emulated ones hold a value per vCPU,
 * which only that vCPU reads and writes; denied ones give #GP, as a CPU
 * without the MSR would. The generator refuses the MSRs the hypervisor
 * keeps (gen/tessera_gen/msrs.py), so none of these is one svm_exit.c
 * answers itself. Two of AMD's model-specific MSRs read 0 for every
 * partition (x86_msr_read_as_zero, below).
 */
#include "board.h"
#include "msr.h"

/* The partition's rule for msr, or NULL (its rules are sorted by msr). */
static const struct x86_msr_rule *rule_of(const struct x86_msr_rules *r, uint32_t msr)
{
	unsigned lo = 0, hi = r->nr_rules;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2u;
		if (r->rule[mid].msr == msr)
			return &r->rule[mid];
		if (r->rule[mid].msr < msr)
			lo = mid + 1u;
		else
			hi = mid;
	}
	return (const struct x86_msr_rule *)0;
}

enum msr_answer x86_msr_config(const struct vcpu_config *vc, uint32_t msr, bool write, uint64_t *value)
{
	const struct x86_msr_rules *r = &tessera_x86_msr_rules[vc->vm];
	const struct x86_msr_rule *m = rule_of(r, msr);
	enum msr_answer answer = MSR_UNNAMED;

	if (m == (const struct x86_msr_rule *)0)
		return answer;
	if (m->policy == (uint8_t)X86_MSR_EMULATED) {
		uint64_t *slot = &r->values[(unsigned)vc->index * r->nr_emulated + m->slot];
		if (write)
			*slot = *value;
		*value = *slot;
		answer = MSR_ANSWERED;
	} else {
		/* Denied; or owned, which exits only if the CPU intercepts it
		 * whatever its map says: then the hypervisor does not do the
		 * access for it (a value the CPU refuses would fault here, in
		 * the host), and the guest gets #GP. */
		answer = MSR_DENIED;
	}
	return answer;
}

void x86_msr_vcpu_reset(const struct vcpu_config *vc)
{
	const struct x86_msr_rules *r = &tessera_x86_msr_rules[vc->vm];

	for (unsigned i = 0; i < r->nr_rules; i++) {
		const struct x86_msr_rule *m = &r->rule[i];
		if (m->policy == (uint8_t)X86_MSR_EMULATED)
			r->values[(unsigned)vc->index * r->nr_emulated + m->slot] = m->reset;
	}
}

/* AMD's model-specific MSRs that Linux's AMD code reads on every CPU of
 * the family QEMU's EPYC is (17h), where a partition behaves as under KVM:
 * PATCH_LEVEL (0x8b): no microcode patch, 0 (Linux keeps it as the CPU's
 * microcode revision; its loader stays off under a hypervisor), writes
 * ignored; NB_CFG (0xc001001f): 0, writes ignored (Linux sets its CF8
 * extended configuration bit there with an unchecked WRMSR after an
 * unchecked RDMSR: a #GP was a warning with a stack dump; the partition has
 * no PCI configuration ports for the bit to open). LS_CFG (0xc0011020) is
 * not here, as under KVM: Linux reads it with rdmsr_safe and, given a value,
 * would take its writes as a working speculative-store-bypass mitigation. */
#define MSR_AMD64_PATCH_LEVEL   0x0000008bu
#define MSR_AMD64_NB_CFG        0xc001001fu

bool x86_msr_read_as_zero(uint32_t msr, uint64_t *value)
{
	if (msr != MSR_AMD64_PATCH_LEVEL && msr != MSR_AMD64_NB_CFG)
		return false;
	*value = 0;
	return true;
}
