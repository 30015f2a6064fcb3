/*
 * probe, x86_64: attacks, one at a time, what its partition does not own
 * and prints one line per attack with what happened, then "probe: done,
 * <n> breaches" (an attack whose outcome is not the isolated one is a
 * breach, and says so on its line). Under Tessera on AMD SVM: memory
 * outside its RAM (the partner's host RAM, past its own, the APIC and HPET
 * pages), ports it does not own (the partner's COM2, PCI configuration,
 * the PIT), MSRs it does not have (SVM's, EFER.SVME), every SVM
 * instruction, INIT and STARTUP IPIs to APIC ids outside the partition,
 * unknown hypercalls, CR4.VMXE, and with triple=1 at the end a triple
 * fault (its partition stops; the partner must beat on).
 *
 * Command line words (multiboot): partner_hpa=0x<addr> (the partner's RAM
 * as the host sees it), partner_port=0x<port> (default 0x2f8),
 * own_cmos=<0|1> (its partition owns the CMOS ports 0x70-0x71: a byte of
 * CMOS RAM written through them must read back; else they read all ones),
 * own_msrs=<0|1> (its config owns TSC_AUX and has IA32_MISC_ENABLE
 * emulated with reset value 1: a value written to TSC_AUX reads back, the
 * emulated one reads 1, then what was written; else both give #GP), and
 * the partner's own SYSENTER_ESP gives #GP either way, own_fb=<0|1> (its
 * config gives it a page of the VGA framebuffer at guest 0x80000000: a
 * pattern written there reads back; else the access faults), and the
 * partner's framebuffer page at 0xfd001000 faults either way, triple=<0|1>,
 * console=0x<port>.
 */
#include "console.h"
#include "cpu.h"
#include "multiboot.h"
#include "trap.h"
#include "uart.h"

#define PSCI_CPU_ON		0xc4000003u
#define MSR_EFER		0xc0000080u
#define MSR_VM_CR		0xc0010114u
#define MSR_VM_HSAVE_PA		0xc0010117u
#define EFER_SVME		(1u << 12)
#define MSR_MISC_ENABLE		0x1a0u		/* emulated for the probe by x86-probe.toml */
#define MSR_SYSENTER_ESP	0x175u		/* owned by the partner in x86-probe.toml */
#define MSR_TSC_AUX		0xc0000103u	/* owned by the probe in x86-probe.toml */
#define MISC_ENABLE_RESET	0x1u		/* its reset value there */

static unsigned breaches;
static uint64_t ram_end;

static void result(const char *what, uint64_t addr, const char *outcome, int isolated)
{
	say("probe: %s 0x%lx: %s%s\n", what, (unsigned long)addr, outcome, isolated ? "" : " (breach)");
	if (!isolated)
		breaches++;
}

/* A load or store at gpa: "fault" (#GP from the hypervisor), or "own-ram"
 * where it is the probe's own memory, or "read"/"written" (a breach). */
static void memory(const char *what, uint64_t gpa, int write)
{
	uint64_t v = 0;
	int faulted = write ? TRY_INSN("movq $0x5a5a, (%0)", :: "r"(gpa) : "r11", "memory")
			    : TRY_INSN("movq (%1), %0", : "+r"(v) : "r"(gpa) : "r11", "memory");
	if (faulted)
		result(what, gpa, trap_vector == VEC_GP ? "fault" : "unexpected exception", trap_vector == VEC_GP);
	else
		result(what, gpa, gpa < ram_end ? "own-ram" : write ? "written" : "read", gpa < ram_end);
}

static uint32_t in32(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void out32(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port));
}

static void port_read(const char *what, uint16_t port, unsigned size)
{
	uint32_t v = size == 1 ? inb(port) : in32(port), ones = size == 1 ? 0xffu : 0xffffffffu;
	result(what, port, v == ones ? "all ones" : "a value", v == ones);
}

/* RDMSR or WRMSR of index with a fault caught: true if it faulted with #GP
 * (a read's value in *value otherwise). */
static int msr_try(uint32_t index, int write, uint64_t *value)
{
	uint32_t lo = (uint32_t)*value, hi = (uint32_t)(*value >> 32);
	int faulted = write ? TRY_INSN("wrmsr", :: "c"(index), "a"(lo), "d"(hi) : "r11", "memory")
			    : TRY_INSN("rdmsr", : "+a"(lo), "+d"(hi) : "c"(index) : "r11", "memory");
	if (!write)
		*value = (uint64_t)hi << 32 | lo;
	return faulted && trap_vector == VEC_GP;
}

static void msr(const char *what, uint32_t index, int write, uint64_t value)
{
	int gp = msr_try(index, write, &value);
	result(what, index, gp ? "fault" : "done", gp);
}

#define FB_OWN_GPA		0x80000000ull	/* x86-probe.toml: host 0xfd000000 */
#define FB_PARTNER_GPA		0xfd001000ull	/* the partner's page of the framebuffer */

/* A memory-mapped device page its config passes through (own_fb): a
 * pattern written reads back, through the nested page table; without it
 * the access faults. The partner's page faults either way. */
static void device_pages(int owned)
{
	uint64_t v = 0, pattern = 0x5a5aa5a512345678ull;
	int faulted = TRY_INSN("movq %1, (%2)\n\tmovq (%2), %0", : "+r"(v) : "r"(pattern), "r"(FB_OWN_GPA)
			       : "r11", "memory");
	result(owned ? "framebuffer page it owns" : "framebuffer page it does not own", FB_OWN_GPA,
	       faulted ? "fault" : v == pattern ? "read back" : "another value",
	       owned ? !faulted && v == pattern : faulted && trap_vector == VEC_GP);
	memory("read the partner's framebuffer page", FB_PARTNER_GPA, 0);
}

/* The MSRs its config names (own_msrs): one it owns passes to the CPU (a
 * value written reads back), one emulated reads its reset value, then what
 * was written; without the config's rules both give #GP. The partner's
 * own MSR gives #GP: never its value. */
static void config_msrs(int owned)
{
	uint64_t v = 0x5a5a;
	int gp = msr_try(MSR_TSC_AUX, 1, &v) | msr_try(MSR_TSC_AUX, 0, &v);
	result(owned ? "TSC_AUX, an MSR it owns" : "TSC_AUX, an MSR it does not own", MSR_TSC_AUX,
	       gp ? "fault" : v == 0x5a5a ? "read back" : "another value", owned ? !gp && v == 0x5a5a : gp);
	uint64_t first = 0, second = 0x801;
	gp = msr_try(MSR_MISC_ENABLE, 0, &first) | msr_try(MSR_MISC_ENABLE, 1, &second) |
	     msr_try(MSR_MISC_ENABLE, 0, &second);
	result(owned ? "MISC_ENABLE, an MSR emulated for it" : "MISC_ENABLE, an MSR not emulated for it",
	       MSR_MISC_ENABLE, gp ? "fault" : first == MISC_ENABLE_RESET && second == 0x801 ? "reset value, read back" :
	       "another value", owned ? !gp && first == MISC_ENABLE_RESET && second == 0x801 : gp);
	v = 0;
	gp = msr_try(MSR_SYSENTER_ESP, 0, &v);
	result("rdmsr SYSENTER_ESP, the partner's MSR", MSR_SYSENTER_ESP, gp ? "fault" : "a value", gp);
}

#define SVM_INSN(name, text) do {                                                       \
	int f_ = TRY_INSN(text, :: "a"(0) : "r11", "memory");                           \
	result("svm instruction " name, 0, f_ ? (trap_vector == VEC_UD ? "#UD" : "fault") : "executed", \
	       f_ && trap_vector == VEC_UD);                                            \
} while (0)

static long vmmcall(uint64_t fn, uint64_t a1)
{
	long r;
	__asm__ volatile("vmmcall" : "=a"(r) : "a"(fn), "b"(a1) : "rcx", "rdx", "memory");
	return r;
}

static void ipi(uint32_t dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, icr);
}

void boot_main(uint32_t multiboot_info)
{
	uint64_t partner = mb_arg(multiboot_info, "partner_hpa", 0);
	uint16_t pport = (uint16_t)mb_arg(multiboot_info, "partner_port", 0x2f8);
	uint32_t r[4];

	mb_console(multiboot_info);
	trap_init();
	ram_end = mb_ram_end(multiboot_info);
	say("probe: start (own RAM ends at 0x%lx)\n", (unsigned long)ram_end);

	if (partner) {
		memory("read partner RAM at its host address", partner, 0);
		memory("write partner RAM at its host address", partner, 1);
		memory("read partner RAM at its host address + 0x100000 (its image)", partner + 0x100000, 0);
		memory("write partner RAM at its host address + 0x100000 (its image)", partner + 0x100000, 1);
	}
	memory("read right after own RAM", ram_end, 0);
	memory("write right after own RAM", ram_end, 1);
	memory("read hypervisor text at its host address", 0x200000, 0);
	memory("write hypervisor page tables at their host address", 0x2c0000, 1);
	memory("read the I/O APIC page", 0xfec00000, 0);
	memory("write the I/O APIC page", 0xfec00000, 1);
	memory("read the HPET page", 0xfed00000, 0);
	memory("read past the local APIC page", 0xfee01000, 0);
	memory("read below the I/O APIC page", 0xfebff000, 0);

	port_read("read partner console LSR port", (uint16_t)(pport + 5), 1);
	for (const char *p = "FORGED\n"; *p; p++)
		outb(pport, (uint8_t)*p);
	result("write partner console THR port", pport, "sent", 1);
	out32(0xcf8, 0x80000000u);
	port_read("read PCI configuration (bus 0 device 0)", 0xcfc, 4);
	port_read("read the PIT counter 0", 0x40, 1);
	port_read("read the partner console's scratch register", (uint16_t)(pport + 7), 1);
	{
		int owned = (int)mb_arg(multiboot_info, "own_cmos", 0);
		outb(0x70, 0x40);       /* CMOS RAM byte 0x40, then its value */
		outb(0x71, 0x5a);
		outb(0x70, 0x40);
		uint8_t v = inb(0x71);
		result(owned ? "CMOS RAM through its own ports" : "CMOS RAM through ports it does not own", 0x70,
		       v == 0x5a ? "read back" : v == 0xff ? "all ones" : "another value",
		       owned ? v == 0x5a : v == 0xff);
	}
	port_read("read COM3's line status", 0x3ed, 1);

	config_msrs((int)mb_arg(multiboot_info, "own_msrs", 0));
	device_pages((int)mb_arg(multiboot_info, "own_fb", 0));
	msr("rdmsr VM_HSAVE_PA", MSR_VM_HSAVE_PA, 0, 0);
	msr("wrmsr VM_HSAVE_PA", MSR_VM_HSAVE_PA, 1, 0x1000);
	msr("rdmsr VM_CR", MSR_VM_CR, 0, 0);
	{
		uint32_t lo, hi;
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
		result("rdmsr EFER: SVME", MSR_EFER, lo & EFER_SVME ? "set" : "clear", !(lo & EFER_SVME));
		msr("wrmsr EFER with SVME", MSR_EFER, 1, ((uint64_t)hi << 32 | lo) | EFER_SVME);
	}
	cpuid(0x80000001u, r);
	result("cpuid 0x80000001 ECX.SVM", r[2], r[2] & (1u << 2) ? "offered" : "hidden", !(r[2] & (1u << 2)));

	SVM_INSN("vmrun", "vmrun %%rax");
	SVM_INSN("vmload", "vmload %%rax");
	SVM_INSN("vmsave", "vmsave %%rax");
	SVM_INSN("stgi", "stgi");
	SVM_INSN("clgi", "clgi");
	SVM_INSN("skinit", "skinit %%eax");
	SVM_INSN("invlpga", "xor %%ecx, %%ecx; invlpga %%rax, %%ecx");
	{
		uint64_t cr4;
		__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
		int f = TRY_INSN("mov %0, %%cr4", :: "r"(cr4 | (1u << 13)) : "r11", "memory");
		result("set CR4.VMXE", 13, f ? "fault" : "set", f && trap_vector == VEC_GP);
	}

	result("vmmcall 0x12345678", 0x12345678, vmmcall(0x12345678, 0) == -1 ? "error -1" : "answered",
	       vmmcall(0x12345678, 0) == -1);
	result("vmmcall psci CPU_ON apic 0x2", PSCI_CPU_ON, vmmcall(PSCI_CPU_ON, 2) == -1 ? "error -1" : "answered",
	       vmmcall(PSCI_CPU_ON, 2) == -1);
	/* INIT and STARTUP to APIC ids outside the partition (the partner's
	 * CPUs' physical ids 2 and 3, and 0xfe), and to everyone but itself:
	 * its only vCPU is itself, so nobody is started (the partner beats on).
	 * The physical broadcast 0xff names itself too, so it gets a STARTUP
	 * only (an INIT would put it, as any CPU, in wait-for-SIPI). */
	for (uint32_t id = 2; id < 5; id++) {
		uint32_t dest = id == 4 ? 0xfe : id;
		ipi(dest, ICR_INIT | ICR_ASSERT);
		ipi(dest, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
		result("INIT-SIPI to apic", dest, "sent", 1);
	}
	ipi(0, ICR_INIT | ICR_ASSERT | 3u << 18);
	ipi(0, ICR_STARTUP | ICR_ASSERT | 3u << 18 | (AP_START >> 12));
	result("INIT-SIPI to all but self", 0, "sent", 1);
	ipi(0xff, ICR_STARTUP | ICR_ASSERT | (AP_START >> 12));
	result("SIPI broadcast", 0xff, "sent", 1);

	say("probe: done, %u breaches\n", breaches);
	if (mb_arg(multiboot_info, "triple", 0)) {
		struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };
		say("probe: triple fault\n");
		__asm__ volatile("lidt %0; int3" :: "m"(none));
	}
	power_off();
}

void secondary_main(unsigned long vcpu, unsigned long apic_id)
{
	say("probe: started vcpu %lu (apic 0x%lx): breach\n", vcpu, apic_id);
	for (;;)
		__asm__ volatile("cli; hlt");
}
