/* The system the host unit tests describe in fake_system.c: two partitions,
 * "a" with 2 vCPUs and "b" with 1, on a 4-CPU board (one CPU unused). */
#define TESSERA_NR_VMS    2
#define TESSERA_NR_VCPUS  3
#define TESSERA_NR_PCPUS  4
#define TESSERA_VGIC_NR_SPIS 32
#define TESSERA_PLIC_SOURCES 64         /* riscv64: the PLIC's sources 1-63 */
#define TESSERA_RUN_TIME_MS 0
#define TESSERA_INTID_PTIMER      30
#define TESSERA_INTID_VTIMER      27
#define TESSERA_INTID_HYPTIMER    26
#define TESSERA_INTID_MAINTENANCE 25
#define TESSERA_INTID_PMU         23
#define TESSERA_CPU_ID_NAME "mpidr"
#define TESSERA_CPU_ON_NAME "CPU_ON"
