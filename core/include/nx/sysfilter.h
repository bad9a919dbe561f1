/*
 * nx/sysfilter.h - the system call filter in the kernel (docs/sysfilter.md).
 *
 * A filter is a profile (nexus/sysfilter.h) checked, compiled for the
 * dispatcher and frozen: its rules grouped by system call, and for every
 * call whose decision does not depend on its arguments the decision
 * itself, so such a call costs one table lookup. A task carries a stack
 * of up to NX_FILTER_MAX_STACK filters; a call runs only if every one of
 * them lets it (the strictest wins), so pushing one can only tighten.
 * Filters are shared, by reference, with the tasks a task creates, and so
 * are their rate buckets: making a task buys no more rate.
 */
#ifndef NX_SYSFILTER_H
#define NX_SYSFILTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "nexus/audit.h"
#include "nexus/status.h"
#include "nexus/syscall.h"
#include "nexus/sysfilter.h"
#include "nexus/types.h"
#include "nx/spinlock.h"

struct nx_task;
struct nx_thread;

/* A bucket's state: tokens now and the virtual time they were counted at,
 * which moves by whole intervals only (from the first token taken), so
 * refills never drift however long the run. */
typedef struct nx_filter_bucket_state {
    nx_filter_bucket_t spec;
    uint64_t tokens;
    uint64_t counted_ns; /* valid once started */
    bool started;        /* a token was taken: the refill clock runs */
} nx_filter_bucket_state_t;

/* fixed[nr]: the rule that decides nr whatever its arguments, or one of: */
#define NX_FILTER_BY_DEFAULT   0xfeu /* no rule names nr: the default decides */
#define NX_FILTER_DEPENDS      0xffu /* its first rule tests arguments: evaluate */
#define NX_FILTER_NO_INDEX     0xffu /* eq_arg[nr]: its rules are scanned */
#define NX_FILTER_EQ_INDEX_MIN 1u    /* a lookup is cheaper than one matcher */

/* A matcher compiled for the check. A value test holds when
 * ((arg & mask) - lo) <= span, unsigned, differs from `invert`: every op
 * is one interval of the masked value or its complement, so a test is a
 * few instructions without a branch. A handle test (kind TYPE or RIGHTS)
 * keeps its type or rights in lo. */
typedef enum nx_filter_test_kind {
    NX_FILTER_TEST_VALUE = 0,
    NX_FILTER_TEST_TYPE = 1,   /* TYPE_IS: lo is the type */
    NX_FILTER_TEST_RIGHTS = 2, /* HAS_RIGHTS: lo is the rights */
} nx_filter_test_kind_t;

typedef struct nx_filter_test {
    uint8_t arg;  /* 0..5 */
    uint8_t kind; /* nx_filter_test_kind_t */
    bool invert;
    uint64_t mask;
    uint64_t lo;
    uint64_t span;
} nx_filter_test_t;

/* A rule as the check reads it: the blob's action and its matchers
 * compiled (nx_filter_compile_matcher). */
typedef struct nx_filter_krule {
    nx_filter_action_t action;
    uint8_t test_count;
    uint8_t blob_rule; /* its index in the blob (coverage, audit) */
    nx_filter_test_t tests[NX_FILTER_MAX_MATCHERS];
} nx_filter_krule_t;

/* The compiled form of a matcher the blob check admitted. */
nx_filter_test_t nx_filter_compile_matcher(const nx_filter_matcher_t *m);

/* Does value test t hold for the arguments a? */
static inline bool nx_filter_test_value(const nx_filter_test_t *t, const uint64_t a[6])
{
    return (((a[t->arg] & t->mask) - t->lo) <= t->span) != t->invert;
}

/* One (call, value) of a value list, and the rule it selects. */
#define NX_FILTER_EQ_SLOT_BITS 7u /* twice NX_FILTER_MAX_RULES: runs stay short */
#define NX_FILTER_EQ_SLOTS     (1u << NX_FILTER_EQ_SLOT_BITS)
#define NX_FILTER_EQ_EMPTY     0xffu /* eq_slot[].nr of a free slot */
typedef struct nx_filter_eq_slot {
    uint64_t value;
    uint8_t nr;        /* the call, or NX_FILTER_EQ_EMPTY */
    uint8_t rule;      /* position in rules[] */
    uint8_t blob_rule; /* its index in the blob (coverage, audit) */
    bool quick;        /* an enforcing filter's ALLOW: nothing to audit, no token */
} nx_filter_eq_slot_t;

_Static_assert(NX_SYS_COUNT < NX_FILTER_EQ_EMPTY, "a call number never reads as empty");
_Static_assert(NX_FILTER_EQ_SLOTS >= 2u * NX_FILTER_MAX_RULES, "a value list fits, half full");

/* Where (nr, v) starts its run: Fibonacci hashing of their sum. */
static inline uint32_t nx_filter_eq_hash(uint32_t nr, uint64_t v)
{
    return (uint32_t)(((v + nr) * UINT64_C(0x9e3779b97f4a7c15)) >> (64u - NX_FILTER_EQ_SLOT_BITS));
}

typedef struct nx_filter {
    _Atomic uint32_t refs;  /* stacks holding it */
    uint32_t index;         /* in the filter pool: its counters' row */
    _Atomic uint64_t *hits; /* that row: nx_filter_hit_counts[index] */
    /* Frozen once built: */
    uint8_t mode; /* nx_filter_mode_t */
    uint8_t bucket_count;
    uint16_t rule_count;
    nx_filter_action_t default_action;
    /* Bit nr: nr's decision is an argument-free ALLOW (no audit, no
     * token): the dispatcher's one lookup, nx_filter_allows_fast. */
    uint64_t fast_allow[(NX_SYS_COUNT + 63u) / 64u];
    uint8_t fixed[NX_SYS_COUNT];
    uint8_t first[NX_SYS_COUNT]; /* nr's rules: rules[first[nr] .. + count[nr]) */
    uint8_t count[NX_SYS_COUNT];
    nx_filter_krule_t rules[NX_FILTER_MAX_RULES]; /* grouped by call, each group in blob order */
    /* A call whose rules all test one argument for equality (an allow or
     * deny list of values), from NX_FILTER_EQ_INDEX_MIN rules on, is
     * decided by one lookup of (call, value) in a hash table holding the
     * first rule naming each value: open addressing, linear probing, runs
     * ending in a free slot, none longer than eq_probes (the longest the
     * build made; at most NX_FILTER_MAX_RULES). */
    uint8_t eq_arg[NX_SYS_COUNT]; /* the argument, or NX_FILTER_NO_INDEX */
    /* Enforcing, scanned, and every test of nr's rules a value test (no
     * handle lookup): nx_filter_check scans them on its quick path. */
    bool values_only[NX_SYS_COUNT];
    uint8_t eq_probes;
    /* A run never wraps: it may go on past the hashed slots, into as many
     * more as a list can have values; the last slot is always free, so
     * every run ends in a free slot (a lookup's bound). */
    nx_filter_eq_slot_t eq_slot[NX_FILTER_EQ_SLOTS + NX_FILTER_MAX_RULES + 1u];
    /* Guarded by lock (a leaf; several are taken in stack order): its
     * buckets' state (kept outside the filter, see nx_filter_bucket) and
     * its learner. */
    nx_spinlock_t lock;
    struct nx_filter_learn *learn; /* learn mode: what it saw (set at build) */
} nx_filter_t;

/* A task's filters. Pushed under the task's user_lock; read by its threads
 * without a lock: a slot is written before `count` is raised (release),
 * and neither changes again while the task lives (the top may be replaced
 * only while it enforces nothing, see nx_sys_task_filter_attach). */
typedef struct nx_filter_stack {
    nx_filter_t *_Atomic at[NX_FILTER_MAX_STACK];
    _Atomic uint32_t count;
} nx_filter_stack_t;

/*
 * The common case, inline in the dispatcher: does every filter of the
 * stack (n of them, n >= 1, read after an acquire of its count) allow nr
 * whatever its arguments, with nothing to audit and no token to take?
 * One bit per filter, like seccomp's constant-action cache but for every
 * profile. Such calls are not counted in the coverage (nx_filter_hits):
 * a counter shared by a task's harts would cost the hot path more than
 * the check. False: nx_filter_check decides (and counts).
 */
static inline bool nx_filter_allows_fast(nx_filter_stack_t *s, uint32_t n, uint32_t nr)
{
    if (nr >= NX_SYS_COUNT)
        return false;
    uint32_t word = nr / 64u;
    uint64_t bit = UINT64_C(1) << (nr % 64u);
    for (uint32_t i = 0; i < n; i++)
        if ((atomic_load_explicit(&s->at[i], memory_order_relaxed)->fast_allow[word] & bit) == 0u)
            return false;
    return true;
}

/* The dispatcher's verdict on one call. */
typedef struct nx_filter_verdict {
    uint8_t kind;   /* ALLOW, DENY or KILL (a RATE refusal is a DENY) */
    int32_t status; /* DENY: what the caller gets */
} nx_filter_verdict_t;

/*
 * Build a filter from the blob at user address `blob` (`len` bytes), each
 * part copied in once and checked (so the program changing its buffer
 * meanwhile changes nothing). NX_OK and *out (one reference), or:
 * NX_ERR_BAD_ADDRESS (not the caller's memory), NX_ERR_MALFORMED (a field
 * out of its domain, a length that is not the blob's), NX_ERR_VERSION_MISMATCH,
 * NX_ERR_OUT_OF_RANGE (more rules, matchers or buckets than the bounds),
 * NX_ERR_NO_RESOURCES (NX_MAX_FILTER_PROFILES alive, or a learning
 * profile with NX_MAX_FILTER_LEARNERS learning). `reason` gets the audit reason.
 */
nx_status_t nx_filter_build(uintptr_t blob, uint64_t len, nx_filter_t **out,
                            nx_audit_reason_t *reason);

/* The same from kernel memory (tests, the benchmarks, init). */
nx_status_t nx_filter_build_kernel(const void *blob, size_t len, nx_filter_t **out,
                                   nx_audit_reason_t *reason);

void nx_filter_ref(nx_filter_t *f);
void nx_filter_unref(nx_filter_t *f);

/* The most a learned profile takes: its header and a rule per call. */
#define NX_FILTER_LEARNED_MAX_BYTES                                                                \
    (sizeof(nx_filter_header_t) + NX_SYS_COUNT * sizeof(nx_filter_rule_t))

/* Push a filter built from a blob in kernel memory onto t's stack (init,
 * for a program its manifest gives a profile): NX_OK, a status of
 * nx_filter_build_kernel's, or NX_ERR_TASK_DEAD / NX_ERR_NO_RESOURCES (t's
 * stack full). Nothing pushed on a refusal. */
nx_status_t nx_filter_attach_kernel(struct nx_task *t, const void *blob, size_t len);

/* Start t learning: a learning filter (allow all, record) pushed on its
 * stack; init does it for a program the port marks (nx_init_wiring_t).
 * NX_ERR_NO_RESOURCES: NX_MAX_FILTER_LEARNERS learning, or t's stack or
 * the filter pool full; NX_ERR_TASK_DEAD. */
nx_status_t nx_filter_learn_begin(struct nx_task *t);

/* What t's top learning filter saw, as an enforcing profile (deny by
 * default, a rule per call seen; docs/sysfilter.md) into out
 * (NX_FILTER_LEARNED_MAX_BYTES of room): NX_OK with *len and *info, or
 * NX_ERR_NOT_FOUND (t has no learning filter). */
nx_status_t nx_filter_learned(struct nx_task *t, unsigned char *out, size_t *len,
                              nx_filter_learned_info_t *info);

/* Bucket b of f. A bucket counts the calls the filter let through, those
 * the call itself then refuses too (a rate limit on attempts: a service
 * hammering bad calls is limited as well); so, like the audit ring and
 * the coverage, its state is accounting kept outside the filter's own
 * (the state a refused call must leave as it was). */
nx_filter_bucket_state_t *nx_filter_bucket(const nx_filter_t *f, uint32_t b);

/* The audit records f did not write (over its budget). */
uint64_t nx_filter_audits_suppressed(const nx_filter_t *f);

/* Filters alive (the pool), for leak checks. */
uint32_t nx_filter_used(void);

/* How many calls rule `rule` of f decided (NX_FILTER_MAX_RULES: the
 * default), by blob index, argument-free allows excepted (they take the
 * dispatcher's fast path): coverage, kept outside the filter's state. */
uint64_t nx_filter_hits(const nx_filter_t *f, uint32_t rule);

/* `child` (new, no filter yet) gets every filter of `parent`. */
void nx_filter_inherit(struct nx_task *child, const struct nx_task *parent);

/* Drop every filter of a task being destroyed. */
void nx_filter_release_all(struct nx_task *task);

/* Decide system call `nr` with arguments a[] for `self` (its task has at
 * least one filter): audits what it refuses or logs. */
nx_filter_verdict_t nx_filter_check(struct nx_thread *self, uint32_t nr, const uint64_t a[6]);

/*
 * System call task_filter_attach(task, blob, len, flags): push the filter
 * the blob describes onto `task`'s stack. `task` is the caller's own task
 * (any task handle to it) or one its handle has MANAGE on. A filter is
 * never removed or replaced (that would loosen what the task may do):
 * flags NX_FILTER_ATTACH_REPLACE, the one way to ask, is refused.
 */
nx_status_t nx_sys_task_filter_attach(struct nx_thread *caller, nx_handle_t task, uintptr_t blob,
                                      uint64_t len, uint64_t flags);

/*
 * System call task_filter_learned(task, buf, cap, info): the top learning
 * filter of `task` (its own, or MANAGE on it) written as an enforcing
 * profile into buf: deny by default (NX_ERR_DENIED_BY_FILTER), one ALLOW
 * rule per call it saw, testing for equality each argument (up to
 * NX_FILTER_MAX_MATCHERS) that only ever had one value. *info says what
 * it holds (also on NX_ERR_BUFFER_TOO_SMALL). NX_ERR_NOT_FOUND: no
 * learning filter.
 */
nx_status_t nx_sys_task_filter_learned(struct nx_thread *caller, nx_handle_t task, uintptr_t buf,
                                       uint64_t cap, uintptr_t info);

/* Core reset only. */
void nx_filter_reset(void);

#endif /* NX_SYSFILTER_H */
