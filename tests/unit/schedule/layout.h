/* The system of the schedule's host tests (system.c): partition "a" with 2
 * vCPUs, vCPU 0 alone on pCPU 0, vCPU 1 on pCPU 1, which it shares with
 * partition "b"'s one vCPU by a cyclic schedule. */
#define TESSERA_NR_VMS    2
#define TESSERA_NR_VCPUS  3
#define TESSERA_NR_PCPUS  2
#include "../board_facts.h"
#define TESSERA_SCHEDULED 1
