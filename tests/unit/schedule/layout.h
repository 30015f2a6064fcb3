/* The system of the schedule's host tests (system.c): partition "a" with 2
 * vCPUs, vCPU 0 alone on pCPU 0, vCPU 1 on pCPU 1, which it shares with
 * partition "b"'s one vCPU by a cyclic schedule. */
#define TESSERA_NR_VMS    2
#define TESSERA_NR_VCPUS  3
#define TESSERA_NR_PCPUS  2
#define TESSERA_VGIC_NR_SPIS 32
#define TESSERA_RUN_TIME_MS 0
#define TESSERA_INTID_PTIMER      30
#define TESSERA_INTID_VTIMER      27
#define TESSERA_INTID_HYPTIMER    26
#define TESSERA_INTID_MAINTENANCE 25
#define TESSERA_INTID_PMU         23
#define TESSERA_CPU_ID_NAME "mpidr"
#define TESSERA_CPU_ON_NAME "CPU_ON"
#define TESSERA_SCHEDULED 1
