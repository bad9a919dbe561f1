/*
 * nexus/sched.h - scheduling classes, affinity and their bounds. Values are
 * ABI: frozen.
 */
#ifndef NEXUS_SCHED_H
#define NEXUS_SCHED_H

#include <stdint.h>

/* QoS classes, strictly ordered: a runnable thread of a higher class always
 * runs before any of a lower one (on the harts it may use). */
typedef enum nx_qos {
    NX_QOS_IDLE = 0,
    NX_QOS_NORMAL = 1,
    NX_QOS_INTERACTIVE = 2,
    NX_QOS_PERFBURST = 3,
    NX_QOS_COUNT
} nx_qos_t;

/* Affinity: bit i lets a thread run on logical hart i. */
typedef uint32_t nx_affinity_t;
#define NX_AFFINITY_ALL 0xffffffffu /* every hart the machine has */

/* Time slice inside a class (round robin), and the budget period. */
#define NX_SCHED_SLICE_NS 1000000ull   /* 1 ms */
#define NX_QOS_PERIOD_NS  100000000ull /* 100 ms */

/* CPU budget per period of the classes above Normal; a thread that used it
 * runs as Normal until the next period. */
#define NX_QOS_INTERACTIVE_BUDGET_NS 80000000ull /* 80 % */
#define NX_QOS_PERFBURST_BUDGET_NS   50000000ull /* 50 % */

/* The longest any wait may last (sleep, join, and every later wait):
 * deadlines further away are refused with NX_ERR_INVALID_ARGS. */
#define NX_MAX_WAIT_NS 60000000000ull /* 60 s */

#endif /* NEXUS_SCHED_H */
