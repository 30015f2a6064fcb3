/* Inter-partition channels: the doorbell. Which partition may ring whom is
 * the generator's table (vm_config.peers): a channel id the caller is no
 * end of reaches nobody. The shared memory needs nothing at run time: it is
 * in the stage-2 tables of its ends. */
#include <tessera/arch.h>
#include <tessera/core.h>

bool core_doorbell(uint64_t channel)
{
	const struct vm_config *vm = core_this_vm();
	bool found = false;

	for (unsigned i = 0; i < vm->nr_peers; i++) {
		const struct channel_peer *p = &vm->peers[i];
		if (p->channel == channel) {
			if (p->irq)
				arch_irq_edge(p->vm, p->irq);
			found = true;
		}
	}
	return found;
}
