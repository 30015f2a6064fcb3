/* What the generated layout.h says of the board (QEMU virt's PPIs, how the
 * log names CPUs), shared by the unit tests' hand-written systems
 * (layout.h, schedule/layout.h). */
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
