/*
 * The virtual PLIC (arch/riscv64/vplic.c) as guests see it, on the fake
 * system: vm a (vCPUs 0, 1) owns source 33, raised by its console; vm b
 * (vCPU 2) owns source 33 (its console) and 48 (a device's, through the
 * physical PLIC). Each test runs in a process of its own, from a fresh
 * state.
 */
#include <tessera/arch.h>
#include "../../../arch/riscv64/plic.h"
#include "../../../arch/riscv64/vplic.h"
#include "../check.h"
#include "fake_riscv.h"

#define VM_A 0
#define VM_B 1
#define B_VCPU 2                        /* b's only vCPU: its context 0 */
#define CONSOLE 33
#define DEVICE 48

static uint64_t rd(unsigned vm, uint64_t off)
{
	uint64_t v = 0xdead;
	CHECK(vplic_access(vm, off, 4, false, &v));
	return v;
}

static void wr(unsigned vm, uint64_t off, uint64_t v)
{
	CHECK(vplic_access(vm, off, 4, true, &v));
}

static uint64_t priority(unsigned irq) { return PLIC_PRIORITY + 4u * irq; }
static uint64_t enable(unsigned ctx, unsigned irq) { return PLIC_ENABLE + ctx * PLIC_ENABLE_STRIDE + irq / 32 * 4; }
static uint64_t threshold(unsigned ctx) { return PLIC_CONTEXT + ctx * PLIC_CONTEXT_STRIDE + PLIC_THRESHOLD; }
static uint64_t claim(unsigned ctx) { return PLIC_CONTEXT + ctx * PLIC_CONTEXT_STRIDE + PLIC_CLAIM; }

/* b's context 0 takes both its sources at priority 1. */
static void b_ready(void)
{
	vplic_init();
	wr(VM_B, priority(CONSOLE), 1);
	wr(VM_B, priority(DEVICE), 1);
	wr(VM_B, enable(0, CONSOLE), 1u << (CONSOLE % 32) | 1u << (DEVICE % 32));
}

TEST(a_level_source_is_requested_again_while_its_line_is_up)
{
	b_ready();
	vplic_set_level(VM_B, CONSOLE, true);
	CHECK(vplic_line(B_VCPU));
	CHECK_EQ(fake_riscv.signals[B_VCPU], 1);
	CHECK_EQ(rd(VM_B, PLIC_PENDING + 4), 1u << (CONSOLE % 32));
	CHECK_EQ(rd(VM_B, claim(0)), CONSOLE);
	CHECK(!vplic_line(B_VCPU));             /* in service: not eligible */
	CHECK_EQ(rd(VM_B, PLIC_PENDING + 4), 0);
	CHECK_EQ(rd(VM_B, claim(0)), 0);        /* nothing else to claim */
	wr(VM_B, claim(0), CONSOLE);            /* completed, the line still up */
	CHECK(vplic_line(B_VCPU));
	CHECK_EQ(rd(VM_B, claim(0)), CONSOLE);
	vplic_set_level(VM_B, CONSOLE, false);
	wr(VM_B, claim(0), CONSOLE);            /* completed with the line down */
	CHECK(!vplic_line(B_VCPU));
	CHECK_EQ(rd(VM_B, PLIC_PENDING + 4), 0);
	CHECK_EQ(fake_riscv.signals[B_VCPU], 4);
}

TEST(a_line_that_drops_before_the_claim_takes_its_request_back)
{
	b_ready();
	vplic_set_level(VM_B, CONSOLE, true);
	vplic_set_level(VM_B, CONSOLE, false);
	CHECK(!vplic_line(B_VCPU));
	CHECK_EQ(rd(VM_B, claim(0)), 0);
}

TEST(a_source_at_or_below_the_threshold_waits)
{
	b_ready();
	wr(VM_B, threshold(0), 1);
	CHECK_EQ(rd(VM_B, threshold(0)), 1);
	vplic_set_level(VM_B, CONSOLE, true);
	CHECK(!vplic_line(B_VCPU));
	CHECK_EQ(rd(VM_B, claim(0)), 0);
	wr(VM_B, threshold(0), 0);
	CHECK(vplic_line(B_VCPU));
	wr(VM_B, threshold(0), 0xff);           /* 3 priority bits, as QEMU's */
	CHECK_EQ(rd(VM_B, threshold(0)), 7);
	CHECK(!vplic_line(B_VCPU));
}

TEST(the_highest_priority_is_claimed_first_the_lowest_number_among_equals)
{
	b_ready();
	vplic_set_level(VM_B, CONSOLE, true);
	vplic_raise(VM_B, DEVICE);
	CHECK_EQ(rd(VM_B, claim(0)), CONSOLE);  /* equal priorities: 33 before 48 */
	wr(VM_B, claim(0), CONSOLE);
	wr(VM_B, priority(DEVICE), 5);
	CHECK_EQ(rd(VM_B, priority(DEVICE)), 5);
	CHECK_EQ(rd(VM_B, claim(0)), DEVICE);
	CHECK_EQ(rd(VM_B, claim(0)), CONSOLE);
}

TEST(a_hardware_source_is_let_through_when_the_guest_completes_it)
{
	b_ready();
	vplic_raise(VM_B, DEVICE);
	CHECK_EQ(rd(VM_B, claim(0)), DEVICE);
	CHECK_EQ(fake_riscv.completed[DEVICE], 0);      /* held at the physical PLIC */
	wr(VM_B, claim(0), DEVICE);
	CHECK_EQ(fake_riscv.completed[DEVICE], 1);
	wr(VM_B, claim(0), DEVICE);             /* not in service: ignored */
	CHECK_EQ(fake_riscv.completed[DEVICE], 1);
	CHECK(!vplic_line(B_VCPU));
}

TEST(a_completion_of_a_source_not_enabled_for_the_context_is_ignored)
{
	b_ready();
	vplic_raise(VM_B, DEVICE);
	CHECK_EQ(rd(VM_B, claim(0)), DEVICE);
	wr(VM_B, enable(0, DEVICE), 0);
	wr(VM_B, claim(0), DEVICE);
	CHECK_EQ(fake_riscv.completed[DEVICE], 0);
}

TEST(another_partitions_sources_and_contexts_are_not_there)
{
	vplic_init();
	/* a owns 33 only: b's 48 reads as zero, keeps no priority or enable */
	wr(VM_A, priority(DEVICE), 3);
	CHECK_EQ(rd(VM_A, priority(DEVICE)), 0);
	wr(VM_A, enable(0, DEVICE), ~0u);
	CHECK_EQ(rd(VM_A, enable(0, DEVICE)), 1u << (CONSOLE % 32));
	vplic_raise(VM_A, DEVICE);              /* not a's: dropped */
	CHECK_EQ(rd(VM_A, PLIC_PENDING + 4), 0);
	/* b's request does not show in a */
	b_ready();
	vplic_set_level(VM_B, CONSOLE, true);
	CHECK_EQ(rd(VM_A, PLIC_PENDING + 4), 0);
	CHECK(!vplic_line(0) && !vplic_line(1));
	/* a has contexts 0 and 1 only; b has context 0 only */
	wr(VM_A, threshold(2), 5);
	CHECK_EQ(rd(VM_A, threshold(2)), 0);
	CHECK_EQ(rd(VM_B, claim(1)), 0);
	CHECK_EQ(rd(VM_B, enable(1, CONSOLE)), 0);
	CHECK(vplic_line(B_VCPU));              /* untouched by all that */
	/* the pending array is read-only */
	wr(VM_B, PLIC_PENDING + 4, 0);
	CHECK_EQ(rd(VM_B, PLIC_PENDING + 4), 1u << (CONSOLE % 32));
}

TEST(each_context_is_its_own_vcpus)
{
	vplic_init();
	wr(VM_A, priority(CONSOLE), 1);
	wr(VM_A, enable(1, CONSOLE), 1u << (CONSOLE % 32));     /* vCPU 1 only */
	vplic_set_level(VM_A, CONSOLE, true);
	CHECK(!vplic_line(0) && vplic_line(1));
	CHECK_EQ(rd(VM_A, claim(0)), 0);        /* not enabled for vCPU 0 */
	CHECK_EQ(rd(VM_A, claim(1)), CONSOLE);
}

TEST(registers_are_32_bit_words)
{
	uint64_t v = 0;

	vplic_init();
	CHECK(!vplic_access(VM_B, priority(CONSOLE), 1, false, &v));
	CHECK(!vplic_access(VM_B, priority(CONSOLE), 8, true, &v));
	CHECK(!vplic_access(VM_B, priority(CONSOLE) + 2, 4, false, &v));
	CHECK_EQ(rd(VM_B, 0x1ffffc), 0);        /* reserved: zero */
}

TEST(a_reset_lets_held_hardware_sources_through_and_forgets_the_rest)
{
	b_ready();
	vplic_set_level(VM_B, CONSOLE, true);
	vplic_raise(VM_B, DEVICE);
	CHECK_EQ(rd(VM_B, claim(0)), CONSOLE);
	vplic_vm_reset(VM_B);
	CHECK_EQ(fake_riscv.completed[DEVICE], 1);
	CHECK(!vplic_line(B_VCPU));
	CHECK_EQ(rd(VM_B, priority(CONSOLE)), 0);
	CHECK_EQ(rd(VM_B, enable(0, CONSOLE)), 0);
	CHECK_EQ(rd(VM_B, PLIC_PENDING + 4), 0);
	b_ready();                              /* still b's sources */
	vplic_raise(VM_B, DEVICE);
	CHECK_EQ(rd(VM_B, claim(0)), DEVICE);
}

const struct test vplic_tests[] = {
	{ "vplic: a level source is requested again while its line is up", a_level_source_is_requested_again_while_its_line_is_up },
	{ "vplic: a line that drops before the claim takes its request back", a_line_that_drops_before_the_claim_takes_its_request_back },
	{ "vplic: a source at or below the threshold waits", a_source_at_or_below_the_threshold_waits },
	{ "vplic: the highest priority is claimed first, the lowest number among equals", the_highest_priority_is_claimed_first_the_lowest_number_among_equals },
	{ "vplic: a hardware source is let through when the guest completes it", a_hardware_source_is_let_through_when_the_guest_completes_it },
	{ "vplic: a completion of a source not enabled for the context is ignored", a_completion_of_a_source_not_enabled_for_the_context_is_ignored },
	{ "vplic: another partition's sources and contexts are not there", another_partitions_sources_and_contexts_are_not_there },
	{ "vplic: each context is its own vCPU's", each_context_is_its_own_vcpus },
	{ "vplic: registers are 32-bit words", registers_are_32_bit_words },
	{ "vplic: a reset lets held hardware sources through and forgets the rest", a_reset_lets_held_hardware_sources_through_and_forgets_the_rest },
	{ 0, 0 },
};
