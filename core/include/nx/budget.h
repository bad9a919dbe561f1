/*
 * nx/budget.h - the CPU budget of the classes above Normal (docs/scheduler.md).
 *
 * A task's threads share one budget per class: a PerfBurst task gets
 * NX_QOS_PERFBURST_BUDGET_NS of CPU per NX_QOS_PERIOD_NS at that class, all
 * its PerfBurst threads and harts together, so making more threads does not
 * buy more share. Kernel threads (no task) each have their own.
 */
#ifndef NX_BUDGET_H
#define NX_BUDGET_H

#include <stdint.h>

#include "nexus/sched.h"
#include "nx/spinlock.h"

typedef struct nx_qos_budget {
    nx_spinlock_t lock;             /* a leaf: taken under run queue locks */
    uint64_t period_start_ns;       /* 0 until the first charge */
    uint64_t used_ns[NX_QOS_COUNT]; /* in the current period, by class */
} nx_qos_budget_t;

void nx_qos_budget_init(nx_qos_budget_t *b);

#endif /* NX_BUDGET_H */
