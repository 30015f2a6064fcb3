/* What arch/riscv64/sbi.c and vplic.c call of the rest of their port,
 * faked for the host: the tests see what they asked for. */
#include <string.h>
#include <tessera/arch.h>
#include "../../../arch/riscv64/arch.h"
#include "../../../arch/riscv64/plic.h"
#include "../../../arch/riscv64/vplic.h"
#include "fake_riscv.h"

struct fake_riscv fake_riscv;

void guest_timer_set(uint64_t when)
{
	fake_riscv.timer = when;
	fake_riscv.timer_calls++;
}

void vcpu_request(unsigned vcpu, uint32_t req)
{
	fake_riscv.requests[vcpu] |= req;
}

void local_request(uint32_t req)
{
	fake_riscv.local |= req;
}

void vcpu_wait_done(unsigned vcpu)
{
	fake_riscv.waited[vcpu]++;
}

_Noreturn void vcpu_resume(uint64_t entry, uint64_t arg)
{
	const struct vcpu_config *v = &tessera_vcpus[tessera_pcpus[arch_pcpu_id()].vcpu];
	fake_riscv.resumed++;
	arch_vcpu_enter(&tessera_vms[v->vm], v, entry, arg);
}

void vplic_signal(unsigned vcpu)
{
	fake_riscv.signals[vcpu]++;
}

void plic_complete(unsigned irq)
{
	fake_riscv.completed[irq]++;
}
