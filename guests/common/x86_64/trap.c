/* Exceptions (trap.h): a provoked one resumes at trap_resume; any other is
 * reported and stops this vCPU. */
#include "console.h"
#include "trap.h"

extern void (*const trap_stubs[32])(void);

volatile uint64_t trap_resume;
volatile uint32_t trap_vector = TRAP_NONE;

static uint64_t idt[32][2] __attribute__((aligned(16)));

void trap_init(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = (uint64_t)(uintptr_t)trap_stubs[v];
		/* a 64-bit interrupt gate, present, DPL 0, code selector 0x08 */
		idt[v][0] = (a & 0xffff) | 0x08ull << 16 | 0x8e00ull << 32 | ((a >> 16) & 0xffff) << 48;
		idt[v][1] = a >> 32;
	}
	__asm__ volatile("lidt %0" :: "m"(idtr));
}

void trap_handle(struct trap_frame *f)
{
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
