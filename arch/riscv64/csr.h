/* The RISC-V CSRs (privileged spec 1.12 with the H extension and Sstc) the
 * riscv64 port uses, by name, and their fields. */
#ifndef ARCH_RISCV64_CSR_H
#define ARCH_RISCV64_CSR_H

#include <stdint.h>

#define CSR_STRINGIFY_(x) #x
#define CSR_STRINGIFY(x) CSR_STRINGIFY_(x)
#define csr_read(csr) ({ \
	uint64_t __v; \
	__asm__ volatile("csrr %0, " CSR_STRINGIFY(csr) : "=r"(__v) : : "memory"); \
	__v; })
#define csr_write(csr, v) \
	__asm__ volatile("csrw " CSR_STRINGIFY(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) \
	__asm__ volatile("csrs " CSR_STRINGIFY(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) \
	__asm__ volatile("csrc " CSR_STRINGIFY(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")

/* sstatus / vsstatus */
#define SSTATUS_SIE         (1ull << 1)
#define SSTATUS_SPIE        (1ull << 5)
#define SSTATUS_SPP         (1ull << 8)
#define SSTATUS_FS_INITIAL  (1ull << 13)
#define SSTATUS_FS_CLEAN    (2ull << 13)
#define SSTATUS_FS_DIRTY    (3ull << 13)
#define SSTATUS_FS_MASK     (3ull << 13)

/* hstatus */
#define HSTATUS_GVA         (1ull << 6)     /* stval holds a guest virtual address */
#define HSTATUS_SPV         (1ull << 7)     /* the trap came from V = 1 */
#define HSTATUS_SPVP        (1ull << 8)     /* ... from VS (1) or VU (0); HLV/HSV run at this */
#define HSTATUS_VSXL_64     (2ull << 32)

/* scause */
#define CAUSE_INTERRUPT             (1ull << 63)
#define CAUSE_MISALIGNED_FETCH      0
#define CAUSE_FETCH_ACCESS          1
#define CAUSE_ILLEGAL_INSN          2
#define CAUSE_BREAKPOINT            3
#define CAUSE_LOAD_ACCESS           5
#define CAUSE_STORE_ACCESS          7
#define CAUSE_USER_ECALL            8
#define CAUSE_VS_ECALL              10
#define CAUSE_FETCH_PAGE_FAULT      12
#define CAUSE_LOAD_PAGE_FAULT       13
#define CAUSE_STORE_PAGE_FAULT      15
#define CAUSE_FETCH_GUEST_PAGE_FAULT 20
#define CAUSE_LOAD_GUEST_PAGE_FAULT 21
#define CAUSE_VIRTUAL_INSN          22
#define CAUSE_STORE_GUEST_PAGE_FAULT 23
#define IRQ_S_SOFT                  1
#define IRQ_VS_SOFT                 2
#define IRQ_S_TIMER                 5
#define IRQ_VS_TIMER                6
#define IRQ_S_EXT                   9
#define IRQ_VS_EXT                  10

/* sie / sip, hie / hip / hvip / hideleg bits */
#define SIP_SSIP            (1ull << IRQ_S_SOFT)
#define SIP_STIP            (1ull << IRQ_S_TIMER)
#define SIP_SEIP            (1ull << IRQ_S_EXT)
#define HVIP_VSSIP          (1ull << IRQ_VS_SOFT)
#define HVIP_VSTIP          (1ull << IRQ_VS_TIMER)
#define HVIP_VSEIP          (1ull << IRQ_VS_EXT)

/* hgatp: Sv39x4, VMID in bits 57:44 */
#define HGATP_MODE_SV39X4   (8ull << 60)
#define HGATP_VMID_SHIFT    44
/* satp: Sv39 */
#define SATP_MODE_SV39      (8ull << 60)

/* henvcfg */
#define HENVCFG_STCE        (1ull << 63)    /* Sstc: vstimecmp drives VSTIP */

#endif
