/*
 * The physical PLIC. The hypervisor takes, on each hart's supervisor
 * context, its console's interrupt (on core_console_pcpu(), as on
 * aarch64) and the interrupts of passthrough devices, each on the hart of
 * its partition's vCPU 0. A device's interrupt stays claimed
 * here until the guest completes it at its virtual PLIC, so a level
 * interrupt is not taken again while the guest has not handled it.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "csr.h"
#include "plic.h"
#include "vplic.h"

#define NO_VM   0xffffu

/* Per hardware source: the partition owning it and the pCPU taking it. */
struct plic_route {
	uint16_t vm;
	uint16_t pcpu;
};
static struct plic_route route[TESSERA_PLIC_SOURCES];

static volatile uint32_t *reg(uint64_t off)
{
	return (volatile uint32_t *)(uintptr_t)(tessera_board.plic_base + off);
}

static uint64_t context_reg(unsigned pcpu, uint64_t off)
{
	return PLIC_CONTEXT + (uint64_t)tessera_board.plic_context[pcpu] * PLIC_CONTEXT_STRIDE + off;
}

void plic_init_boot(void)
{
	for (unsigned irq = 0; irq < TESSERA_PLIC_SOURCES; irq++)
		route[irq].vm = NO_VM;
	for (unsigned vm = 0; vm < TESSERA_NR_VMS; vm++) {
		const struct vm_config *c = &tessera_vms[vm];
		for (unsigned i = 0; i < c->nr_irqs; i++) {
			unsigned irq = c->irqs[i].irq;
			if (!c->irqs[i].hw)
				continue;
			route[irq].vm = (uint16_t)vm;
			route[irq].pcpu = tessera_vcpus[c->first_vcpu].pcpu;
			*reg(PLIC_PRIORITY + 4u * irq) = 1;
		}
	}
	*reg(PLIC_PRIORITY + 4u * tessera_board.uart_irq) = 1;
}

void plic_init_cpu(void)
{
	unsigned me = arch_pcpu_id();
	uint64_t enable = PLIC_ENABLE + (uint64_t)tessera_board.plic_context[me] * PLIC_ENABLE_STRIDE;

	for (unsigned w = 0; w < PLIC_WORDS; w++) {
		uint32_t mine = 0;
		for (unsigned b = 0; b < 32; b++) {
			unsigned irq = w * 32 + b;
			if ((route[irq].vm != NO_VM && route[irq].pcpu == me) ||
			    (irq == tessera_board.uart_irq && me == core_console_pcpu()))
				mine |= 1u << b;
		}
		*reg(enable + (uint64_t)w * 4u) = mine;
	}
	*reg(context_reg(me, PLIC_THRESHOLD)) = 0;
	csr_set(sie, SIP_SEIP);
}

void plic_dispatch(void)
{
	uint64_t claim = context_reg(arch_pcpu_id(), PLIC_CLAIM);

	for (unsigned irq = *reg(claim); irq != 0; irq = *reg(claim)) {
		if (irq == tessera_board.uart_irq) {
			core_console_rx();
			*reg(claim) = irq;
		} else if (irq < TESSERA_PLIC_SOURCES && route[irq].vm != NO_VM) {
			vplic_raise(route[irq].vm, irq);        /* completed by the guest */
		} else {
			*reg(claim) = irq;                      /* none of ours: drop it */
		}
	}
}

void plic_complete(unsigned irq)
{
	/* On the context the source is enabled for: the PLIC ignores a
	 * completion on any other. */
	*reg(context_reg(route[irq].pcpu, PLIC_CLAIM)) = irq;
}

void vplic_signal(unsigned vcpu)
{
	if (tessera_vcpus[vcpu].pcpu != arch_pcpu_id())
		vcpu_request(vcpu, REQ_VSEIP);
	else if (pcpu_running_vcpu() != (int)vcpu)
		return;         /* switched out on this hart: its resume looks at its line */
	else if (vplic_line(vcpu))
		csr_set(hvip, HVIP_VSEIP);
	else
		csr_clear(hvip, HVIP_VSEIP);
}
