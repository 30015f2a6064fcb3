/*
 * The board's exit device (board.toml hypervisor.exit): how a failed run
 * leaves the machine. On QEMU virt it is a pvpanic-pci device (QEMU's
 * docs/specs/pvpanic.rst: vendor 0x1b36, device 0x0011, one byte of
 * registers behind BAR0) on bus 0 of the PCIe host bridge. Nothing has
 * programmed it: this finds it, gives its BAR0 the page the generator
 * chose (TESSERA_EXIT_BAR, EL2-mapped like function 0 of each bus-0 slot),
 * enables memory decoding and writes PANICKED; with -action
 * panic=exit-failure QEMU then exits with status 1 (docs/testing.md).
 * A board without the device builds none of this.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "sysreg.h"

#if defined(TESSERA_EXIT_ECAM)

#define PCI_ID                  0x00    /* vendor ID (bits 15:0), device ID */
#define PCI_COMMAND             0x04    /* 16 bits; the status register follows */
#define PCI_COMMAND_MEMORY      0x2u    /* Memory Space Enable */
#define PCI_BAR0                0x10
#define PCI_SLOTS               32u     /* on bus 0; function 0 of each */
#define ECAM_SLOT_SHIFT         15      /* ECAM: bus << 20 | slot << 15 | function << 12 */
#define PVPANIC_PCI_ID          (0x0011u << 16 | 0x1b36u)
#define PVPANIC_PANICKED        0x1u    /* event bit 0: a panic the host is to handle */

#define mmio8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))
#define mmio16(addr) (*(volatile uint16_t *)(uintptr_t)(addr))
#define mmio32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* While reporting: the PSCI call that follows (a fault on the bus makes it). */
static volatile uint32_t reporting;

void exit_report_failure(uint32_t psci_then)
{
	reporting = psci_then;
	for (uint64_t slot = 0; slot < PCI_SLOTS; slot++) {
		uint64_t cfg = TESSERA_EXIT_ECAM + (slot << ECAM_SLOT_SHIFT);
		if (mmio32(cfg + PCI_ID) != PVPANIC_PCI_ID)
			continue;       /* nothing there reads all ones */
		mmio32(cfg + PCI_BAR0) = TESSERA_EXIT_BAR_PCI;
		mmio16(cfg + PCI_COMMAND) = (uint16_t)(mmio16(cfg + PCI_COMMAND) | PCI_COMMAND_MEMORY);
		dsb(sy);
		/* A read gives the events the device knows: write only those. */
		if (mmio8(TESSERA_EXIT_BAR) & PVPANIC_PANICKED) {
			mmio8(TESSERA_EXIT_BAR) = PVPANIC_PANICKED;
			dsb(sy);
			reporting = 0;
			return;
		}
	}
	reporting = 0;
	log_warn("tessera: no exit device (pvpanic-pci) on bus 0 of the PCIe bridge: "
		 "the failure is not reported\n");
}

void exit_fault(void)
{
	uint32_t then = reporting;

	if (!then)
		return;
	/* e.g. QEMU without highmem=off: its ECAM is elsewhere */
	log_warn("tessera: the exit device's PCIe bus does not answer: the failure is not reported\n");
	firmware_smc(then, 0, 0, 0);
}

#else

void exit_report_failure(uint32_t psci_then)
{
	(void)psci_then;
}

void exit_fault(void)
{
}

#endif
