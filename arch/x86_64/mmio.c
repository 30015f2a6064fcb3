/*
 * Nested page faults: an access to guest-physical memory the partition's
 * nested page table does not map. If an emulated device lives there and the
 * instruction is a MOV form the decoder knows (insn.c), the access is done
 * through the core (core_mmio) and the guest goes on after the instruction;
 * anything else is a fault of the guest (#GP injected, or the partition
 * stopped by its policy). The instruction is fetched as the guest would:
 * CS.base + RIP through the guest's own page tables.
 */
#include <tessera/arch.h>
#include <tessera/core.h>
#include "arch.h"
#include "insn.h"
#include "svm.h"
#include "x86.h"

#define NPF_WRITE       (1ull << 1)
#define NPF_FETCH       (1ull << 4)
#define CR0_PG          (1ull << 31)
#define CR4_PAE         (1ull << 5)
#define CR4_PSE         (1ull << 4)
#define PTE_P           1ull
#define PTE_PS          0x80ull
#define PTE_ADDR        0x000ffffffffff000ull
#define ATTR_L          (1u << 9)       /* VMCB CS attrib: long mode code */
#define ATTR_D          (1u << 10)

static bool guest_read(uint64_t gpa, void *out, unsigned size)
{
	const uint8_t *p = core_guest_memory(gpa, size, false);

	if (!p)
		return false;
	for (unsigned i = 0; i < size; i++)
		((uint8_t *)out)[i] = p[i];
	return true;
}

/* The guest-physical address of linear address la, by the guest's own
 * paging (APM vol. 2, 5.3: 4-level long mode, PAE, 32-bit legacy), or
 * false if its tables do not map it. */
bool guest_translate(struct svm_vcpu *s, uint64_t la, uint64_t *gpa)
{
	uint64_t cr0 = VMCB64(&s->vmcb, VMCB_CR0), cr4 = VMCB64(&s->vmcb, VMCB_CR4);
	uint64_t table = VMCB64(&s->vmcb, VMCB_CR3), e = 0;

	if (!(cr0 & CR0_PG)) {
		*gpa = la;
		return true;
	}
	if (!(cr4 & CR4_PAE)) {                 /* 2 levels of 1024 4-byte entries */
		uint32_t e32;
		if (!guest_read((table & 0xfffff000u) + ((la >> 22) & 0x3ffu) * 4, &e32, 4) || !(e32 & PTE_P))
			return false;
		if ((e32 & PTE_PS) && (cr4 & CR4_PSE)) {
			*gpa = (e32 & 0xffc00000u) | (la & 0x3fffffu);
			return true;
		}
		if (!guest_read((e32 & 0xfffff000u) + ((la >> 12) & 0x3ffu) * 4, &e32, 4) || !(e32 & PTE_P))
			return false;
		*gpa = (e32 & 0xfffff000u) | (la & 0xfffu);
		return true;
	}
	bool long_mode = VMCB64(&s->vmcb, VMCB_EFER) & EFER_LMA;
	int shift = long_mode ? 39 : 30;
	table &= long_mode ? PTE_ADDR : 0xffffffe0u;
	for (; shift >= 12; shift -= 9) {
		unsigned idx = (unsigned)(la >> shift) & (shift == 30 && !long_mode ? 3u : 511u);
		if (!guest_read((table & (shift == 30 && !long_mode ? ~0ull : PTE_ADDR)) + idx * 8ull, &e, 8) ||
		    !(e & PTE_P))
			return false;
		if (shift < 39 && shift > 12 && (e & PTE_PS)) {
			uint64_t page = 1ull << shift;
			*gpa = (e & PTE_ADDR & ~(page - 1)) | (la & (page - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	*gpa = (e & PTE_ADDR) | (la & 0xfffu);
	return true;
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
		if (!guest_translate(s, la + n, &gpa) || !guest_read(gpa, bytes + n, chunk))
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
