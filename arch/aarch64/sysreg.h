/* System register access and the architecture's names for the fields Tessera
 * uses (Arm ARM, DDI 0487). */
#ifndef ARCH_AARCH64_SYSREG_H
#define ARCH_AARCH64_SYSREG_H

#ifndef __ASSEMBLER__          /* vectors.S uses the plain numbers (the EC) */
#include <stdint.h>
#endif

#define read_sysreg(reg) ({ uint64_t _v; __asm__ volatile("mrs %0, " #reg : "=r"(_v)); _v; })
#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" :: "r"((uint64_t)(v)))
#define isb()       __asm__ volatile("isb" ::: "memory")
#define dsb(opt)    __asm__ volatile("dsb " #opt ::: "memory")

/* MPIDR_EL1: affinity fields Aff3 [39:32], Aff2..Aff0 [23:0] */
#define MPIDR_AFF_MASK      0xff00ffffffULL
#define MPIDR_RES1          (1ULL << 31)

/* HCR_EL2 */
#define HCR_VM      (1ULL << 0)     /* stage 2 on */
#define HCR_SWIO    (1ULL << 1)     /* set/way invalidate -> clean+invalidate */
#define HCR_FMO     (1ULL << 3)     /* physical FIQ to EL2 */
#define HCR_IMO     (1ULL << 4)     /* physical IRQ to EL2 */
#define HCR_AMO     (1ULL << 5)     /* SError to EL2 */
#define HCR_FB      (1ULL << 9)     /* broadcast TLB/cache maintenance */
#define HCR_BSU_IS  (1ULL << 10)    /* barriers inner shareable */
#define HCR_TSC     (1ULL << 19)    /* trap SMC */
#define HCR_TIDCP   (1ULL << 20)    /* trap IMPLEMENTATION DEFINED registers */
#define HCR_RW      (1ULL << 31)    /* EL1 is AArch64 */

/* ESR_ELx */
#define ESR_EC_SHIFT        26
#define ESR_EC(esr)         (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_IL_BIT          25
#define ESR_IL              (1ULL << ESR_IL_BIT)
#define EC_UNKNOWN          0x00
#define EC_WFX              0x01
#define EC_HVC64            0x16
#define EC_SMC64            0x17
#define EC_SYS64            0x18
#define EC_IABT_LOW         0x20
#define EC_IABT_CUR         0x21
#define EC_DABT_LOW         0x24
#define EC_DABT_CUR         0x25
/* data abort ISS */
#define ISS_ISV_BIT         24
#define ISS_ISV             (1ULL << ISS_ISV_BIT)
#define ISS_SAS(esr)        (((esr) >> 22) & 3)
#define ISS_SSE             (1ULL << 21)
#define ISS_SRT_SHIFT       16
#define ISS_SRT(esr)        (((esr) >> ISS_SRT_SHIFT) & 31)
#define ISS_SF              (1ULL << 15)
#define ISS_S1PTW           (1ULL << 7)
#define ISS_WNR             (1ULL << 6)
#define ISS_FSC(esr)        ((esr) & 0x3f)
#define FSC_TRANSLATION(fsc) (((fsc) & 0x3c) == 0x04)
#define FSC_SYNC_EXTERNAL   0x10

/* SPSR_ELx / PSTATE */
#define SPSR_M_MASK         0xf
#define SPSR_M_EL0T         0x0
#define SPSR_M_EL1T         0x4
#define SPSR_M_EL1H         0x5
#define SPSR_M_AARCH32_BIT  4       /* M[4]: the state was AArch32 (EL0's usr mode here) */
#define SPSR_M_AARCH32      (1ULL << SPSR_M_AARCH32_BIT)
#define SPSR_DAIF           (0xfULL << 6)

/* VTCR_EL2: 4 KiB granule, 39-bit IPA starting at level 1, 40-bit PA,
 * walks inner-shareable write-back. */
#define VTCR_T0SZ(n)        ((uint64_t)(n))
#define VTCR_SL0_L1         (1ULL << 6)
#define VTCR_IRGN0_WBWA     (1ULL << 8)
#define VTCR_ORGN0_WBWA     (1ULL << 10)
#define VTCR_SH0_INNER      (3ULL << 12)
#define VTCR_PS_40BIT       (2ULL << 16)
#define VTCR_RES1           (1ULL << 31)
#define VTTBR_VMID_SHIFT    48

/* SCTLR_EL1 at reset as Tessera gives it to a starting vCPU: MMU and caches
 * off, RES1 bits set (EOS, TSCXT, EIS, SPAN, nTWE, nTWI). */
#define SCTLR_EL1_RESET     0x30d00800ULL

/* CPTR_EL2 (no VHE): RES1 bits, FP/SIMD not trapped (TFP = 0). */
#define CPTR_EL2_RES1       0x33ffULL

/* CNTHCTL_EL2 (no VHE): EL1 access to the physical counter, and timer. */
#define CNTHCTL_EL1PCTEN    (1ULL << 0)
#define CNTHCTL_EL1PCEN     (1ULL << 1)

/* MDCR_EL2.HPMN: event counters 0..HPMN-1 belong to EL1/EL0; the other
 * trap and ownership bits left 0 give the guest its PMU and debug
 * registers untrapped. */
#define MDCR_HPMN(n)        ((uint64_t)(n) & 0x1f)

/* PMUv3 (ID_AA64DFR0_EL1.PMUVer 0 = none, 0xf = IMPLEMENTATION DEFINED). */
#define ID_AA64DFR0_PMUVER(v) (((v) >> 8) & 0xf)
#define PMCR_E              (1ULL << 0)     /* counters enabled */
#define PMCR_P              (1ULL << 1)     /* reset the event counters */
#define PMCR_C              (1ULL << 2)     /* reset the cycle counter */
#define PMCR_N(pmcr)        (((pmcr) >> 11) & 0x1f)

/* OSLAR_EL1.OSLK: the OS Lock, set out of a cold reset. */
#define OSLAR_OSLK          1ULL

#endif
