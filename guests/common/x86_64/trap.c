/* Exceptions (trap.h): a provoked one resumes at trap_resume; any other is
 * reported and stops this vCPU. */
#include "console.h"
#include "cpu.h"
#include "trap.h"

#define PIC1_DATA	0x21
#define PIC2_DATA	0xa1

extern void (*const trap_stubs[32 + IRQ_COUNT])(void);

volatile uint64_t trap_resume;
volatile uint32_t trap_vector = TRAP_NONE;
void (*irq_handler)(unsigned vector);

static uint64_t idt[IRQ_FIRST + IRQ_COUNT][2] __attribute__((aligned(16)));

static void set_gate(unsigned v, void (*entry)(void))
{
	uint64_t a = (uint64_t)(uintptr_t)entry;

	/* a 64-bit interrupt gate, present, DPL 0, code selector 0x08 */
	idt[v][0] = (a & 0xffff) | 0x08ull << 16 | 0x8e00ull << 32 | ((a >> 16) & 0xffff) << 48;
	idt[v][1] = a >> 32;
}

void trap_init(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < 32; v++)
		set_gate(v, trap_stubs[v]);
	for (unsigned i = 0; i < IRQ_COUNT; i++)
		set_gate(IRQ_FIRST + i, trap_stubs[32 + i]);
	__asm__ volatile("lidt %0" :: "m"(idtr));
	/* Both 8259 PICs masked: SeaBIOS leaves the PIT's IRQ 0 unmasked on
	 * vector 8, which bare (no hypervisor) arrives through the local
	 * APIC's LINT0 as soon as a guest enables interrupts, and looked like
	 * a #DF (smp-hello's one-shot timer wait hung on it). Under Tessera
	 * the ports are denied and the writes dropped. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void trap_handle(struct trap_frame *f)
{
	if ((f->vector >= IRQ_FIRST || f->vector == VEC_NMI) && irq_handler) {
		irq_handler((unsigned)f->vector);
		return;
	}
	if (trap_resume) {
		trap_vector = (uint32_t)f->vector;
		f->rip = trap_resume;
		trap_resume = 0;
		return;
	}
	say("guest: unexpected exception %lu (error 0x%lx) at rip 0x%lx\n", (unsigned long)f->vector,
	    (unsigned long)f->error, (unsigned long)f->rip);
	for (;;)
		__asm__ volatile("cli; hlt");
}
