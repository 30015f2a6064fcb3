/* The system the host unit tests describe in fake_system.c: two partitions,
 * "a" with 2 vCPUs and "b" with 1, on a 4-CPU board (one CPU unused). */
#define TESSERA_NR_VMS    2
#define TESSERA_NR_VCPUS  3
#define TESSERA_NR_PCPUS  4
#include "board_facts.h"
