/*
 * filter_internal.h - what the files of core/sysfilter share.
 */
#ifndef NX_FILTER_INTERNAL_H
#define NX_FILTER_INTERNAL_H

#include "nexus/object.h"
#include "nexus/rights.h"
#include "nx/audit.h"
#include "nx/sysfilter.h"
#include "nx/task.h"

/* The coverage (nx_filter_hits), by filter and blob index (the last: the
 * default). */
extern _Atomic uint64_t nx_filter_hit_counts[NX_MAX_FILTER_PROFILES][NX_FILTER_MAX_RULES + 1u];

/* Count one decision of f by the rule at blob index `blob_rule`
 * (NX_FILTER_MAX_RULES: the default). Inline: every checked call counts. */
static inline void nx_filter_count_hit(const nx_filter_t *f, uint32_t blob_rule)
{
    atomic_fetch_add_explicit(&f->hits[blob_rule], 1u, memory_order_relaxed);
}

/* May bucket `b` of f give a token at `now`? With `take`, it does. Only a
 * token given changes the bucket: a refusal leaves it as it was. Caller
 * holds f's lock. */
bool nx_filter_bucket_take_locked(nx_filter_t *f, uint32_t b, uint64_t now, bool take);

/* The same for any bucket state (the audit budget's too). */
bool nx_filter_tokens_take(nx_filter_bucket_state_t *s, uint64_t now, bool take);

/* May f write one more audit record now (its budget: NX_FILTER_AUDIT_BURST
 * per NX_FILTER_AUDIT_INTERVAL_NS)? Counts the ones it may not. */
bool nx_filter_audit_budget(nx_filter_t *f);

/* What a learning filter saw (learn.c): per call, how often, and per
 * argument up to NX_FILTER_LEARN_VALUES distinct values (past that, only
 * that it overflowed), the least and greatest, and for a handle argument
 * the type of the objects it named. Kept outside the filter pool, as the
 * coverage is: recording a call is not the call changing the kernel.
 * Guarded by the filter's lock. */
typedef struct nx_filter_learn_arg {
    uint8_t n;         /* values kept */
    bool overflowed;   /* more than NX_FILTER_LEARN_VALUES were seen */
    uint8_t type;      /* a handle argument: the one object type it named */
    bool mixed;        /* ... or it named none, or several types */
    uint64_t min, max; /* every value seen lies in [min, max] */
    uint64_t v[NX_FILTER_LEARN_VALUES];
} nx_filter_learn_arg_t;

typedef struct nx_filter_learn {
    uint64_t calls;
    uint64_t unknown;
    uint32_t seen[NX_SYS_COUNT];
    nx_filter_learn_arg_t arg[NX_SYS_COUNT][6];
} nx_filter_learn_t;

/* A learner for a new learning filter, or NULL (NX_MAX_FILTER_LEARNERS
 * in use); and giving it back. */
nx_filter_learn_t *nx_filter_learner_take(void);
void nx_filter_learner_give(nx_filter_learn_t *l);
void nx_filter_learn_reset(void);

/* The object type each handle argument of call nr names in task's table
 * (NX_OBJ_NONE: none, or not a handle argument), for the learner; takes
 * the capability lock, so before any filter's. */
void nx_filter_learn_types(nx_task_t *task, uint32_t nr, const uint64_t a[6], uint8_t types[6]);

/* Record call nr with arguments a[] (and their types) in f's learner
 * (f's lock held). */
void nx_filter_learn_locked(nx_filter_t *f, uint32_t nr, const uint64_t a[6],
                            const uint8_t types[6]);

/* Push filter f (a reference the stack takes) onto t's stack: NX_OK, or
 * NX_ERR_TASK_DEAD / NX_ERR_NO_RESOURCES with *why and nothing pushed. */
nx_status_t nx_filter_push(nx_task_t *t, nx_filter_t *f, nx_audit_reason_t *why);

/* The task handle `h` of a filter operation names: the caller's own task
 * (any handle to it), or one the handle has MANAGE on. NX_OK and *out
 * (a reference to drop with nx_object_unref), or the refusal, audited. */
nx_status_t nx_filter_target(nx_task_t *me, nx_handle_t h, nx_task_t **out);

/* A refusal of operation `op` by `caller`, audited; returns st. */
nx_status_t nx_filter_refuse(const nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why,
                             nx_status_t st);

#endif /* NX_FILTER_INTERNAL_H */
