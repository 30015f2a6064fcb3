/* The VMCB (AMD64 APM vol. 2, appendix B): the offsets Tessera uses, by the
 * manual's names, and the #VMEXIT codes (table C-1). */
#ifndef ARCH_X86_64_VMCB_H
#define ARCH_X86_64_VMCB_H

#include <stdint.h>

struct vmcb { uint8_t bytes[4096]; } __attribute__((aligned(4096)));

#define VMCB64(v, off)  (*(volatile uint64_t *)(void *)&(v)->bytes[off])
#define VMCB32(v, off)  (*(volatile uint32_t *)(void *)&(v)->bytes[off])
#define VMCB16(v, off)  (*(volatile uint16_t *)(void *)&(v)->bytes[off])
#define VMCB8(v, off)   (*(volatile uint8_t *)(void *)&(v)->bytes[off])

/* Control area */
#define VMCB_INTERCEPT_CR       0x000   /* 16 bits reads, then 16 bits writes */
#define VMCB_INTERCEPT_EXC      0x008   /* 32 bits: one per exception vector */
#define VMCB_INTERCEPT_MISC1    0x00c   /* 32 bits */
#define VMCB_INTERCEPT_MISC2    0x010   /* 32 bits */
#define VMCB_IOPM_BASE_PA       0x040
#define VMCB_MSRPM_BASE_PA      0x048
#define VMCB_TSC_OFFSET         0x050
#define VMCB_GUEST_ASID         0x058   /* 32 bits */
#define VMCB_TLB_CONTROL        0x05c   /* 8 bits */
#define VMCB_VINTR              0x060   /* V_TPR, V_IRQ, V_INTR_MASKING, ... */
#define VMCB_INTERRUPT_SHADOW   0x068
#define VMCB_EXITCODE           0x070
#define VMCB_EXITINFO1          0x078
#define VMCB_EXITINFO2          0x080
#define VMCB_EXITINTINFO        0x088
#define VMCB_NP_ENABLE          0x090
#define VMCB_EVENTINJ           0x0a8
#define VMCB_N_CR3              0x0b0

/* State save area: segments are selector (16), attrib (16), limit (32), base (64) */
#define VMCB_ES                 0x400
#define VMCB_CS                 0x410
#define VMCB_SS                 0x420
#define VMCB_DS                 0x430
#define VMCB_FS                 0x440
#define VMCB_GS                 0x450
#define VMCB_GDTR               0x460
#define VMCB_LDTR               0x470
#define VMCB_IDTR               0x480
#define VMCB_TR                 0x490
#define SEG_SELECTOR            0
#define SEG_ATTRIB              2
#define SEG_LIMIT               4
#define SEG_BASE                8
#define VMCB_CPL                0x4cb   /* 8 bits */
#define VMCB_EFER               0x4d0
#define VMCB_CR4                0x548
#define VMCB_CR3                0x550
#define VMCB_CR0                0x558
#define VMCB_DR7                0x560
#define VMCB_DR6                0x568
#define VMCB_RFLAGS             0x570
#define VMCB_RIP                0x578
#define VMCB_RSP                0x5d8
#define VMCB_RAX                0x5f8
#define VMCB_CR2                0x640
#define VMCB_G_PAT              0x668

/* VMCB_INTERCEPT_CR: writes of CR4 (bit 16 + 4) */
#define INTERCEPT_CR4_WRITE     (1u << 20)

/* VMCB_INTERCEPT_MISC1 */
#define INTERCEPT_INTR          (1u << 0)
#define INTERCEPT_NMI           (1u << 1)
#define INTERCEPT_VINTR         (1u << 4)
#define INTERCEPT_INIT          (1u << 3)
#define INTERCEPT_IRET          (1u << 20)
#define INTERCEPT_CPUID         (1u << 18)
#define INTERCEPT_INVD          (1u << 22)
#define INTERCEPT_INVLPGA       (1u << 26)
#define INTERCEPT_HLT           (1u << 24)
#define INTERCEPT_IOIO_PROT     (1u << 27)
#define INTERCEPT_MSR_PROT      (1u << 28)
#define INTERCEPT_SHUTDOWN      (1u << 31)
/* VMCB_INTERCEPT_MISC2: VMRUN (required), VMMCALL, VMLOAD, VMSAVE, STGI, CLGI, SKINIT */
#define INTERCEPT_VMRUN         (1u << 0)
#define INTERCEPT_VMMCALL       (1u << 1)
#define INTERCEPT_SVM_INSNS     0x7du   /* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT */

#define V_TPR_MASK              0xfull          /* the guest's CR8 while V_INTR_MASKING */
#define V_IRQ                   (1ull << 8)
#define V_IGN_TPR               (1ull << 20)
#define V_INTR_MASKING          (1ull << 24)
#define V_INTR_VECTOR_SHIFT     32
#define INTERRUPT_SHADOW        1ull
#define TLB_CONTROL_FLUSH_ALL   1u

/* EVENTINJ / EXITINTINFO */
#define EVENT_VALID             (1ull << 31)
#define EVENT_ERROR_VALID       (1ull << 11)
#define EVENT_TYPE_INTR         (0ull << 8)
#define EVENT_TYPE_NMI          (2ull << 8)
#define EVENT_TYPE_EXCEPTION    (3ull << 8)

/* #VMEXIT codes */
#define VMEXIT_CR4_WRITE        0x14u
#define VMEXIT_EXCP_BASE        0x40u
#define VMEXIT_DB               (VMEXIT_EXCP_BASE + X86_DB)
#define VMEXIT_INTR             0x60u
#define VMEXIT_NMI              0x61u
#define VMEXIT_INIT             0x63u
#define VMEXIT_VINTR            0x64u
#define VMEXIT_CPUID            0x72u
#define VMEXIT_IRET             0x74u
#define VMEXIT_INVD             0x76u
#define VMEXIT_HLT              0x78u
#define VMEXIT_INVLPGA          0x7au
#define VMEXIT_IOIO             0x7bu
#define VMEXIT_MSR              0x7cu
#define VMEXIT_SHUTDOWN         0x7fu
#define VMEXIT_VMRUN            0x80u
#define VMEXIT_VMMCALL          0x81u
#define VMEXIT_VMLOAD           0x82u
#define VMEXIT_VMSAVE           0x83u
#define VMEXIT_STGI             0x84u
#define VMEXIT_CLGI             0x85u
#define VMEXIT_SKINIT           0x86u
#define VMEXIT_NPF              0x400u
#define VMEXIT_INVALID          0xffffffffu     /* -1; QEMU gives 0x0000_0000_ffff_ffff */

/* IOIO EXITINFO1 */
#define IOIO_TYPE_IN            (1u << 0)
#define IOIO_STR                (1u << 2)
#define IOIO_REP                (1u << 3)
#define IOIO_SZ_SHIFT           4       /* SZ8, SZ16, SZ32: bits 4-6 */
#define IOIO_PORT_SHIFT         16

#define X86_DB                  1u
#define X86_NMI                 2u
#define X86_UD                  6u
#define X86_GP                  13u

#endif
