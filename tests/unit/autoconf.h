/* Kconfig values for the host unit tests (normally generated from .config). */
#define CONFIG_LOG_LEVEL 3
#define CONFIG_VUART 1
#define CONFIG_CONSOLE_PREFIX 1
#define CONFIG_CONSOLE_LINE_MAX 16
#define CONFIG_STACK_SIZE 4096
#define CONFIG_PCPU_START_TIMEOUT_MS 5000
#define CONFIG_DEBUG_ASSERTS 1
#define CONFIG_FAULT_INJECT 1
/* The vGIC's tests build twice: GICv3, and with UNIT_GIC_V2 a GICv2. */
#if defined(UNIT_GIC_V2)
#define CONFIG_GIC_V2 1
#else
#define CONFIG_GIC_V3 1
#endif
