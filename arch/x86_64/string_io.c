/*
 * INS and OUTS, with or without REP (AMD64 APM vol. 3, "INS", "OUTS",
 * "REP"), on a port the partition's I/O permission map intercepts: its
 * emulated devices and power ports, or a denied port (a read gives all
 * ones, a write is dropped). A port it owns never exits: the CPU does the
 * whole instruction. QEMU's SVM fills no segment or address-size fields
 * of EXITINFO1 that could be trusted without decode assists, so the
 * instruction is fetched and decoded (insn.c): its address size (rSI/rDI
 * and rCX as 16, 32 or 64 bits), its segment (ES for INS, DS or an
 * override for OUTS), and the direction flag. Memory is the guest's
 * through its own paging, RAM only; segment limits are not checked.
 */
#include <tessera/core.h>
#include "insn.h"
#include "svm.h"
#include "x86.h"

#define RFLAGS_DF               (1ull << 10)
#define X86_PF                  14u
#define PF_WRITE                (1u << 1)
#define PF_USER                 (1u << 2)
/* Elements done in one exit: a longer REP leaves the rest to the guest,
 * which executes the instruction again (interrupts may come in between,
 * as on hardware between iterations). */
#define STRING_IO_BATCH         256u

static const unsigned seg_vmcb[] = {
	[X86_SEG_ES] = VMCB_ES, [X86_SEG_CS] = VMCB_CS, [X86_SEG_SS] = VMCB_SS,
	[X86_SEG_DS] = VMCB_DS, [X86_SEG_FS] = VMCB_FS, [X86_SEG_GS] = VMCB_GS,
};

/* The base of segment seg. In 64-bit mode only FS and GS have one. Their
 * bases live in the CPU, not the VMCB (svm.c loads them once and never
 * saves them), as the FS_BASE and GS_BASE MSRs. */
static uint64_t seg_base(struct svm_vcpu *s, unsigned seg, enum x86_mode mode)
{
	if (seg == X86_SEG_FS)
		return rdmsr(MSR_FS_BASE);
	if (seg == X86_SEG_GS)
		return rdmsr(MSR_GS_BASE);
	return mode == MODE_64 ? 0 : VMCB64(&s->vmcb, seg_vmcb[seg] + SEG_BASE);
}

/* size bytes at linear address la of the guest, copied to (write false)
 * or from (write true) buf, a page at a time through its paging; buf
 * NULL: only checked. False, with *fault_la, at the first byte its tables
 * do not map; false with *fault_la = ~0 where that is no RAM of the
 * partition. */
static bool guest_copy(struct svm_vcpu *s, uint64_t la, uint8_t *buf, unsigned size, bool write,
		       uint64_t *fault_la)
{
	for (unsigned done = 0; done < size;) {
		uint64_t gpa;
		unsigned chunk = 0x1000u - (unsigned)((la + done) & 0xfffu);
		if (chunk > size - done)
			chunk = size - done;
		if (!guest_translate(s, la + done, &gpa)) {
			*fault_la = la + done;
			return false;
		}
		uint8_t *p = core_guest_memory(gpa, chunk, write);
		if (!p) {
			*fault_la = ~0ull;
			return false;
		}
		for (unsigned i = 0; buf && i < chunk; i++) {
			if (write)
				p[i] = buf[done + i];
			else
				buf[done + i] = p[i];
		}
		done += chunk;
	}
	return true;
}

/* A fault of the guest's: #PF where its paging maps nothing (CR2 the
 * address, as the CPU would report it), #GP for memory that is no RAM of
 * the partition (a device: not emulated for string I/O) or an undecoded
 * instruction; unless the partition's policy stops it. */
static void string_fault(struct svm_vcpu *s, const char *what, uint64_t fault_la, bool write)
{
	if (!core_guest_fault(what, fault_la, VMCB64(&s->vmcb, VMCB_RIP)))
		return;
	if (fault_la == ~0ull) {
		inject_exception(s, X86_GP, true, 0);
		return;
	}
	VMCB64(&s->vmcb, VMCB_CR2) = fault_la;
	inject_exception(s, X86_PF, true, (write ? PF_WRITE : 0u) | (VMCB8(&s->vmcb, VMCB_CPL) == 3u ? PF_USER : 0u));
}

void string_io(struct svm_vcpu *s, uint16_t port)
{
	enum x86_mode mode = code_mode(s);
	uint8_t bytes[X86_MAX_INSN];
	unsigned n = guest_fetch_insn(s, bytes);
	struct x86_string_io io;
	uint64_t info = VMCB64(&s->vmcb, VMCB_EXITINFO1);

	if (!x86_decode_string_io(bytes, n, mode, &io) || io.in != !!(info & IOIO_TYPE_IN)) {
		string_fault(s, "string port I/O not decoded", ~0ull, false);
		return;
	}
	unsigned index = io.in ? RDI : RSI;
	uint64_t count = io.rep ? x86_addr_reg(gpr_read(s, RCX), io.addr_size) : 1;
	uint64_t base = seg_base(s, io.seg, mode);
	int64_t step = (VMCB64(&s->vmcb, VMCB_RFLAGS) & RFLAGS_DF) ? -(int64_t)io.size : (int64_t)io.size;

	core_guest_progress();
	for (unsigned i = 0; i < STRING_IO_BATCH && count > 0; i++) {
		uint64_t la = base + x86_addr_reg(gpr_read(s, index), io.addr_size), fault_la = 0, value = 0;
		uint8_t buf[4] = { 0, 0, 0, 0 };
		if (mode != MODE_64)
			la &= 0xffffffffull;
		/* INS: the destination checked before the port is read, whose
		 * read may have an effect (a FIFO's byte taken). */
		bool ok = guest_copy(s, la, io.in ? (uint8_t *)0 : buf, io.size, io.in, &fault_la);
		if (ok && io.in) {
			ioio_port(port, io.size, true, &value);
			for (unsigned b = 0; b < io.size; b++)
				buf[b] = (uint8_t)(value >> (8 * b));
			ok = guest_copy(s, la, buf, io.size, true, &fault_la);
		} else if (ok) {
			for (unsigned b = 0; b < io.size; b++)
				value |= (uint64_t)buf[b] << (8 * b);
			ioio_port(port, io.size, false, &value);
		}
		if (!ok) {
			string_fault(s, io.in ? "INS to memory it cannot write" : "OUTS from memory it cannot read",
				     fault_la, io.in);
			return;         /* rSI/rDI and rCX say how far it got, RIP stays */
		}
		gpr_write(s, index, x86_addr_reg_add(gpr_read(s, index), io.addr_size, step));
		if (io.rep)
			gpr_write(s, RCX, x86_addr_reg_add(gpr_read(s, RCX), io.addr_size, -1));
		count--;
	}
	if (count == 0)
		skip_insn(s, io.len);
}
