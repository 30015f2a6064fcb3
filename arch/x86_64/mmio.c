/*
 * Nested page faults: an access to guest-physical memory the partition's
 * nested page table does not map. If an emulated device lives there and the
 * instruction is a MOV form the decoder knows (insn.c), the access is done
 * through the core (core_mmio) and the guest goes on after the instruction;
 * anything else is a fault of the guest (#GP injected, or the partition
 * stopped by its policy). The instruction is fetched as the guest would:
 * CS.base + RIP through the guest's own page tables (page_walk.c).
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "insn.h"
#include "page_walk.h"
#include "svm.h"
#include "x86.h"

#define NPF_WRITE       (1ull << 1)
#define NPF_FETCH       (1ull << 4)
#define ATTR_L          (1u << 9)       /* VMCB CS attrib: long mode code */
#define ATTR_D          (1u << 10)

/* Instruction bytes: a whole instruction's worth (the common case, away
 * from a page's end) in one fixed-size copy. */
static bool guest_read(const struct vm_config *vm, uint64_t gpa, uint8_t *out, unsigned size)
{
	const uint8_t *p = core_vm_memory(vm, gpa, size, false);

	if (!p)
		return false;
	if (size == X86_MAX_INSN) {
		__builtin_memcpy(out, p, X86_MAX_INSN);
		return true;
	}
	for (unsigned i = 0; i < size; i++)
		out[i] = p[i];
	return true;
}

bool guest_translate(struct svm_vcpu *s, uint64_t la, uint64_t *gpa)
{
	const struct x86_paging p = { .cr0 = VMCB64(&s->vmcb, VMCB_CR0), .cr3 = VMCB64(&s->vmcb, VMCB_CR3),
				      .cr4 = VMCB64(&s->vmcb, VMCB_CR4), .efer = VMCB64(&s->vmcb, VMCB_EFER) };

	return x86_page_walk(s->vm, &p, la, gpa);
}

enum x86_mode code_mode(struct svm_vcpu *s)
{
	uint16_t attrib = VMCB16(&s->vmcb, VMCB_CS + SEG_ATTRIB);

	if ((VMCB64(&s->vmcb, VMCB_EFER) & EFER_LMA) && (attrib & ATTR_L))
		return MODE_64;
	if (!(VMCB64(&s->vmcb, VMCB_CR0) & 1u))
		return MODE_16;                 /* real mode */
	return (attrib & ATTR_D) ? MODE_32 : MODE_16;
}

/* Up to 15 bytes at the guest's CS:RIP, as far as its memory goes. */
static unsigned fetch_insn(struct svm_vcpu *s, enum x86_mode mode, uint8_t *bytes)
{
	uint64_t la = VMCB64(&s->vmcb, VMCB_RIP) + (mode == MODE_64 ? 0 : VMCB64(&s->vmcb, VMCB_CS + SEG_BASE));
	unsigned n = 0;

	while (n < X86_MAX_INSN) {
		uint64_t gpa;
		unsigned chunk = 0x1000u - (unsigned)((la + n) & 0xfffu);
		if (chunk > X86_MAX_INSN - n)
			chunk = X86_MAX_INSN - n;
		if (!guest_translate(s, la + n, &gpa) || !guest_read(s->vm, gpa, bytes + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

unsigned guest_fetch_insn(struct svm_vcpu *s, uint8_t *bytes)
{
	return fetch_insn(s, code_mode(s), bytes);
}

void npf_exit(struct svm_vcpu *s)
{
	uint64_t info = VMCB64(&s->vmcb, VMCB_EXITINFO1), gpa = VMCB64(&s->vmcb, VMCB_EXITINFO2);
	enum x86_mode mode = code_mode(s);
	struct x86_mmio_insn in;
	uint64_t value;

	if (!(info & NPF_FETCH)) {
		uint8_t bytes[X86_MAX_INSN];
		unsigned n = fetch_insn(s, mode, bytes);
		if (x86_decode_mmio(bytes, n, mode, &in) && in.store == !!(info & NPF_WRITE)) {
			uint64_t reg = gpr_read(s, in.reg);
			value = in.imm ? in.value : in.high8 ? reg >> 8 : reg;
			if (in.size < 8)
				value &= (1ull << (in.size * 8)) - 1;
			if (core_mmio(gpa, in.size, in.store, &value)) {
				core_guest_progress();
				if (!in.store)
					gpr_write(s, in.reg, x86_load_result(&in, mode, reg, value));
				skip_insn(s, in.len);
				return;
			}
		}
	}
	if (core_guest_fault(info & NPF_FETCH ? "instruction fetch from no memory" :
			     info & NPF_WRITE ? "write to no memory or device" : "read from no memory or device",
			     gpa, VMCB64(&s->vmcb, VMCB_RIP)))
		inject_exception(s, X86_GP, true, 0);
}
