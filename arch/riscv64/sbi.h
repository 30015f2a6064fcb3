/* The SBI 2.0 numbers Tessera's guest SBI (sbi.c) answers to. */
#ifndef ARCH_RISCV64_SBI_H
#define ARCH_RISCV64_SBI_H

#define SBI_EXT_LEGACY_PUTCHAR  0x01ul
#define SBI_EXT_LEGACY_GETCHAR  0x02ul
#define SBI_EXT_BASE            0x10ul
#define SBI_EXT_TIME            0x54494D45ul
#define SBI_EXT_IPI             0x735049ul
#define SBI_EXT_RFENCE          0x52464E43ul
#define SBI_EXT_HSM             0x48534Dul
#define SBI_EXT_SRST            0x53525354ul
#define SBI_EXT_DBCN            0x4442434Eul

#define SBI_BASE_GET_SPEC_VERSION   0
#define SBI_BASE_GET_IMPL_ID        1
#define SBI_BASE_GET_IMPL_VERSION   2
#define SBI_BASE_PROBE_EXTENSION    3
#define SBI_BASE_GET_MVENDORID      4
#define SBI_BASE_GET_MARCHID        5
#define SBI_BASE_GET_MIMPID         6

#define SBI_TIME_SET_TIMER          0
#define SBI_IPI_SEND_IPI            0
#define SBI_RFENCE_REMOTE_FENCE_I   0
#define SBI_RFENCE_REMOTE_SFENCE_VMA 1
#define SBI_RFENCE_REMOTE_SFENCE_VMA_ASID 2

#define SBI_HSM_HART_START          0
#define SBI_HSM_HART_STOP           1
#define SBI_HSM_HART_GET_STATUS     2
#define SBI_HSM_HART_SUSPEND        3
#define SBI_HSM_SUSPEND_RETENTIVE       0x00000000u
#define SBI_HSM_SUSPEND_PLATFORM        0x10000000u     /* ... 0x7fffffff: platform retentive */
#define SBI_HSM_SUSPEND_NON_RETENTIVE   0x80000000u
#define SBI_HSM_SUSPEND_NR_PLATFORM     0x90000000u     /* ... 0xffffffff: platform non-retentive */

#define SBI_SRST_RESET              0
#define SBI_SRST_SHUTDOWN           0u
#define SBI_SRST_COLD_REBOOT        1u
#define SBI_SRST_WARM_REBOOT        2u
#define SBI_SRST_REASON_SYSTEM_FAILURE 1u

#define SBI_DBCN_WRITE              0
#define SBI_DBCN_READ               1
#define SBI_DBCN_WRITE_BYTE         2

#define SBI_SUCCESS                 0
#define SBI_ERR_FAILED              (-1)
#define SBI_ERR_NOT_SUPPORTED       (-2)
#define SBI_ERR_INVALID_PARAM       (-3)
#define SBI_ERR_DENIED              (-4)
#define SBI_ERR_INVALID_ADDRESS     (-5)
#define SBI_ERR_ALREADY_AVAILABLE   (-6)

#endif
