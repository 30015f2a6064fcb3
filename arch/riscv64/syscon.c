/*
 * A partition's power switch as QEMU virt has it: the SiFive test device
 * (sifive,test0) that syscon-poweroff and syscon-reboot nodes point at,
 * which S-mode U-Boot and Linux write to power off or reset the machine.
 * Trapped here, the write ends or restarts the writer's partition only,
 * as SBI SRST and PSCI SYSTEM_OFF/RESET do; the real device stays the
 * hypervisor's (its exit device).
 *
 * The register (offset 0, written as 32 bits): bits 15:0 a command, bits
 * 31:16 FAIL's exit code. Reads give 0, as QEMU's model does.
 */
#include <tessera/core.h>
#include "arch.h"

#define TEST_FAIL       0x3333u         /* "the test failed": an end other than poweroff */
#define TEST_PASS       0x5555u         /* poweroff */
#define TEST_RESET      0x7777u         /* reset */
#define TEST_CMD_MASK   0xffffu

bool syscon_access(uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (off != 0 || size != 4)
		return false;                   /* no such register: an access fault */
	if (!write) {
		*value = 0;
		return true;
	}
	switch ((uint32_t)*value & TEST_CMD_MASK) {
	case TEST_PASS:
		core_vm_stop("syscon poweroff");
	case TEST_RESET:
		core_vm_reset("syscon reset");
	case TEST_FAIL:
		core_vm_fault("syscon failure");
	default:
		return true;                    /* QEMU ignores other values too */
	}
}
