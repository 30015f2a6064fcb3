#include <string.h>
#include <tessera/arch.h>
#include "fake_arch.h"

unsigned fake_pcpu;
unsigned fake_kicks[4];
char fake_console[4096];
unsigned fake_console_len;
struct fake_entry fake_entered;
static jmp_buf back;

enum leave on_pcpu(unsigned pcpu, void (*fn)(void))
{
	fake_pcpu = pcpu;
	int how = setjmp(back);
	if (how == 0) {
		fn();
		return STILL_HERE;
	}
	return (enum leave)how;
}

void fake_reset(void)
{
	memset(fake_kicks, 0, sizeof(fake_kicks));
	fake_console_len = 0;
	fake_console[0] = '\0';
}

unsigned arch_pcpu_id(void) { return fake_pcpu; }
bool arch_pcpu_start(unsigned pcpu) { (void)pcpu; return true; }
_Noreturn void arch_pcpu_off(void) { longjmp(back, PCPU_OFF); }
bool fake_failed;
_Noreturn void arch_system_off(bool failed) { fake_failed = failed; longjmp(back, SYSTEM_OFF); }
_Noreturn void arch_system_reset(bool failed) { fake_failed = failed; longjmp(back, SYSTEM_RESET); }
void arch_kick(unsigned pcpu) { fake_kicks[pcpu]++; }
/* The core waits only until another CPU changes something: on the host,
 * nothing else runs, so report that it would wait. */
void arch_wait(void) { longjmp(back, WOULD_WAIT); }

_Noreturn void arch_vcpu_enter(const struct vm_config *vm, const struct vcpu_config *vcpu,
			       uint64_t entry, uint64_t arg)
{
	(void)vm;
	(void)vcpu;
	fake_entered.entry = entry;
	fake_entered.arg = arg;
	longjmp(back, ENTERED_GUEST);
}

void arch_console_putc(char c)
{
	if (fake_console_len + 1 < sizeof(fake_console)) {
		fake_console[fake_console_len++] = c;
		fake_console[fake_console_len] = '\0';
	}
}

struct fake_rx fake_rx;

int arch_console_getc(void)
{
	return fake_rx.next < fake_rx.len ? (unsigned char)fake_rx.typed[fake_rx.next++] : -1;
}

void arch_console_rx_irq(bool on)
{
	fake_rx.irq_on = on;
	fake_rx.switches++;
}

struct fake_irq fake_irq;
void arch_irq_level(unsigned vm, unsigned intid, bool level)
{
	fake_irq.vm = vm;
	fake_irq.intid = intid;
	fake_irq.level = level;
	fake_irq.calls++;
}

struct fake_edge fake_edge;
void arch_irq_edge(unsigned vm, unsigned intid)
{
	fake_edge.vm = vm;
	fake_edge.intid = intid;
	fake_edge.calls++;
}

bool arch_emu_access(unsigned vm, const struct emu_device *d, uint64_t off, unsigned size,
		     bool write, uint64_t *value)
{
	(void)vm; (void)d; (void)off; (void)size; (void)write; (void)value;
	return false;
}

struct fake_restore fake_restore;
void arch_guest_memory_written(uint64_t hpa, uint64_t size)
{
	fake_restore.hpa = hpa;
	fake_restore.size = size;
}
void arch_vm_reset(unsigned vm) { fake_restore.vm_resets++; (void)vm; }
void arch_timer_start(unsigned ms) { (void)ms; }
void arch_timer_stop(void) { }

void arch_spin_lock(spinlock_t *lock) { lock->locked = 1; }
void arch_spin_unlock(spinlock_t *lock) { lock->locked = 0; }
void arch_init_boot_cpu(void) {}
void arch_init_cpu(void) {}

#if TESSERA_SCHEDULED
uint64_t fake_counter, fake_timer_at;
int fake_saved = -1, fake_resumed = -1;
void fake_sched_reset(void) { fake_saved = fake_resumed = -1; fake_timer_at = 0; }
uint64_t arch_counter(void) { return fake_counter; }
uint64_t arch_counter_hz(void) { return 1000000; }
void arch_timer_at(uint64_t when) { fake_timer_at = when; }
void arch_vcpu_save(unsigned vcpu) { fake_saved = (int)vcpu; }
_Noreturn void arch_vcpu_resume(unsigned vcpu) { fake_resumed = (int)vcpu; longjmp(back, RESUMED_GUEST); }
/* The host has no stack to empty: fn runs on this one (it never returns). */
_Noreturn void arch_restart_on_empty_stack(void (*fn)(void)) { fn(); __builtin_unreachable(); }
#endif
