/*
 * Entry points of the arch-neutral core, called from arch code (boot and
 * trap handlers), and the core's services to it.
 */
#ifndef TESSERA_CORE_H
#define TESSERA_CORE_H

#include <stdint.h>
#include <stdbool.h>
#include "arch.h"
#include "tables.h"

/* Boot: the boot CPU and every started CPU end up here, with a stack. */
_Noreturn void core_boot_main(unsigned pcpu);
_Noreturn void core_cpu_main(unsigned pcpu);

/* The vCPU each physical CPU runs now, an index into tessera_vcpus[] (-1:
 * none, or an idle window of a shared pCPU). Every trap asks for it, hence
 * kept up to date per pCPU (src/power.c, src/schedule.c) rather than
 * worked out of the tables each time. */
extern int16_t core_pcpu_vcpu[TESSERA_NR_PCPUS];

/* The vCPU running on this physical CPU (one runs: this is a trap from
 * it, or its start), its index into tessera_vcpus[], and its partition. */
static inline unsigned core_this_vcpu_index(void)
{
	return (unsigned)core_pcpu_vcpu[arch_pcpu_id()];
}

static inline const struct vcpu_config *core_this_vcpu(void)
{
	return &tessera_vcpus[core_this_vcpu_index()];
}

static inline const struct vm_config *core_this_vm(void)
{
	return &tessera_vms[core_this_vcpu()->vm];
}

/* vCPU power management (PSCI on aarch64, SBI HSM on riscv64). */
enum power_result {
	POWER_OK,
	POWER_ALREADY_ON,
	POWER_ON_PENDING,
	POWER_NO_SUCH_CPU,
	POWER_BAD_ADDRESS,
	POWER_DENIED,           /* the partition is stopping */
};
enum power_state { POWER_STATE_ON = 0, POWER_STATE_OFF = 1, POWER_STATE_ON_PENDING = 2 };

/* By the CPU id the guest names a vCPU by (vcpu_config.virt_id): only the
 * caller's partition's vCPUs exist for it. */
enum power_result core_vcpu_on(uint64_t virt_id, uint64_t entry, uint64_t arg);
_Noreturn void core_vcpu_off(void);
bool core_vcpu_state(uint64_t virt_id, enum power_state *state);
/* The calling partition's vCPU presenting CPU id virt_id, or NULL (IPIs
 * and fences by virtual id: other partitions' vCPUs do not exist for it). */
const struct vcpu_config *core_vcpu_of(uint64_t virt_id);
/* Is gpa in the calling partition's executable memory (an entry point)? */
bool core_guest_executable(uint64_t gpa);
/* The calling vCPU's partition ends: SYSTEM_OFF (stays off), SYSTEM_RESET
 * (or SYSTEM_RESET2's warm reset) or a fault (restarts if its config says
 * so). cause: what the log says. src/health.c. */
_Noreturn void core_vm_stop(const char *cause);
_Noreturn void core_vm_reset(const char *cause);
_Noreturn void core_vm_fault(const char *cause);

/* A kick arrived (arch_kick from another CPU) while this CPU ran its guest:
 * returns if the guest may go on, parks the vCPU otherwise. */
void core_kicked(void);

/* An access of the guest to guest-physical address gpa that stage 2 does not
 * map. Returns true if an emulated device handled it (*value read or
 * written); false if nothing lives there. */
bool core_mmio(uint64_t gpa, unsigned size, bool write, uint64_t *value);

/* The host address of [gpa, gpa + size) of the calling partition's
 * memory (RAM, not devices), readable (and writable if write), in one of its
 * regions; NULL if it is not all there (the firmware interface's buffers:
 * SBI DBCN). src/mmio.c. */
void *core_guest_memory(uint64_t gpa, uint64_t size, bool write);
/* The same in partition vm, for a caller that has it at hand (a page walk
 * makes several). */
void *core_vm_memory(const struct vm_config *vm, uint64_t gpa, uint64_t size, bool write);

/* The calling partition's console, as its console UART: a byte it writes,
 * the end of a burst (its unfinished line shown), a byte typed for it or -1
 * (the firmware interface's console: SBI DBCN and the legacy calls). */
void core_console_putc(char c);
void core_console_flush(void);
int core_console_getc(void);

/* The guest did something illegal (a fault nothing emulates). Returns true if
 * the arch should inject a fault into the guest, or does not return if the
 * configured policy stops the partition. */
bool core_guest_fault(const char *what, uint64_t addr, uint64_t pc);

/* The guest did something legitimate that trapped (a hypercall, an emulated
 * access, an interrupt): it is not stuck in an exception loop. Inline, as
 * nearly every trap says so: it clears the vCPU's count of faults in a row
 * (src/health.c). */
extern unsigned core_faults_in_a_row[TESSERA_NR_VCPUS];
static inline void core_guest_progress(void)
{
	core_faults_in_a_row[core_this_vcpu_index()] = 0;
}

/* The hypervisor timer (arch_timer_start) expired on this pCPU: during boot
 * the start deadline of the other CPUs, then the system config's
 * run_time_ms (powers off). src/main.c. */
void core_timer_expired(void);

/* Time partitioning (src/schedule.c, built where TESSERA_SCHEDULED): is
 * pCPU pcpu shared by a cyclic schedule; and the point where the arch lets
 * a due window boundary switch vCPUs: from_guest, in an interrupt trap
 * from the guest (its state is saved); else, idle in the hypervisor.
 * Returns if no boundary is due, or the window's vCPU stays the same. */
bool core_pcpu_shared(unsigned pcpu);
void core_window_boundary(bool from_guest);
/* vCPU vcpu now runs on pCPU pcpu: did another vCPU of its partition run
 * there since it last did? Then what that one left in the local TLB (the
 * partition's VMID) and the instruction cache must be flushed. Tracked per
 * partition, not just the vCPU before: entries of a VMID outlive another
 * partition's window in between (A1, B, A2). */
bool core_vmid_met(unsigned pcpu, unsigned vcpu);

/* Ring the doorbell of channel `channel` (the guest's id from its DTB):
 * raises the doorbell interrupt of every other end. False if the caller's
 * partition is no end of that channel. src/channel.c. */
bool core_doorbell(uint64_t channel);

/* Tessera's own hypercalls (docs/hypercalls.md): false if fn is none of
 * them; else *ret is the result. src/hypercall.c. */
bool tessera_hypercall(uint32_t fn, uint64_t a1, long *ret);

/* The physical console's receive interrupt: what was typed goes to the
 * partition with the input focus, as far as it has room (src/console.c). */
void core_console_rx(void);
/* The pCPU that takes that interrupt: the one of the first partition's
 * vCPU 0, which every configuration has. */
unsigned core_console_pcpu(void);

/* Hypervisor console and log. panic: a hypervisor bug; prints one line and
 * stops this CPU only (the others run on), and the run counts as failed. */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LOG_LEVEL_ERROR 1
#define LOG_LEVEL_WARN  2
#define LOG_LEVEL_INFO  3
#define LOG_LEVEL_DEBUG 4

#define log_at(level, ...) \
	do { if ((level) <= CONFIG_LOG_LEVEL) log_printf(__VA_ARGS__); } while (0)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)

#ifdef CONFIG_DEBUG_ASSERTS
#define ASSERT(c) do { if (!(c)) panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)
#else
#define ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

#endif
