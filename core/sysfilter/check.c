/*
 * check.c - deciding one system call against a task's stack of filters.
 *
 * Each filter decides on its own: a call whose decision needs no argument
 * is one lookup (fixed[nr]); otherwise its rules are tried in order, the
 * first whose matchers all hold deciding. Then the stack's verdict is the
 * strictest of the enforcing filters' (KILL over DENY over RATE over LOG
 * over ALLOW); a report-mode filter's refusals are only audited. RATE
 * buckets are taken from only when every filter lets the call run, all or
 * none, under the filters' locks in stack order: a refused call takes no
 * token anywhere.
 *
 * Matchers read the raw arguments, never user memory (a pointer is a
 * number here), so nothing a matcher saw can change before the call runs.
 * A handle matcher looks the handle up in the caller's table: a value
 * that names a live handle of type T with rights R now names the same
 * entry when the call decodes it, or none (then the call is refused as
 * BAD_HANDLE): handle values are never reused for other rights.
 */
#include "filter_internal.h"
#include "nx/cap.h"
#include "nx/port.h"
#include "nx/task.h"
#include "nx/thread.h"

static bool handle_holds(nx_task_t *task, uint64_t v, uint32_t type, nx_rights_t rights)
{
    if (v > UINT32_MAX)
        return false;
    const nx_handle_entry_t *e = NULL;
    nx_cap_lock();
    nx_status_t st =
        nx_handle_lookup_locked(&task->handles, (nx_handle_t){ (uint32_t)v }, type, rights, &e);
    nx_cap_unlock();
    return st == NX_OK;
}

static inline __attribute__((always_inline)) bool holds(const nx_filter_test_t *t,
                                                        const uint64_t a[6], nx_task_t *task)
{
    if (t->kind == NX_FILTER_TEST_VALUE)
        return nx_filter_test_value(t, a);
    if (t->kind == NX_FILTER_TEST_TYPE)
        return handle_holds(task, a[t->arg], (uint32_t)t->lo, NX_RIGHT_NONE);
    return handle_holds(task, a[t->arg], NX_OBJ_NONE, (nx_rights_t)t->lo);
}

/* The slot of value v in nr's value list, or NULL (the default decides).
 * The run ends in a free slot, at most eq_probes + 1 slots on (checked in
 * tests, not here: the bound costs the hot path a compare per slot). */
static inline __attribute__((always_inline)) const nx_filter_eq_slot_t *
eq_lookup(const nx_filter_t *f, uint32_t nr, uint64_t v)
{
    for (const nx_filter_eq_slot_t *s = &f->eq_slot[nx_filter_eq_hash(nr, v)];
         s->nr != NX_FILTER_EQ_EMPTY; s++)
        if (s->value == v && s->nr == nr)
            return s;
    return NULL;
}

/* One filter's decision: the action, and the blob index of the rule that
 * took it (NX_FILTER_MAX_RULES: the default). */
typedef struct decision {
    const nx_filter_action_t *action;
    uint32_t rule;
} decision_t;

/* Inlined into both paths below: out of line, its frame cost more than its work. */
static inline __attribute__((always_inline)) decision_t decide(const nx_filter_t *f, uint32_t nr,
                                                               const uint64_t a[6], nx_task_t *task)
{
    decision_t d = { &f->default_action, NX_FILTER_MAX_RULES };
    if (nr >= NX_SYS_COUNT)
        return d; /* no rule can name a call that does not exist */
    uint8_t fixed = f->fixed[nr];
    if (fixed == NX_FILTER_BY_DEFAULT)
        return d;
    if (fixed != NX_FILTER_DEPENDS) {
        d.action = &f->rules[fixed].action;
        d.rule = f->rules[fixed].blob_rule;
        return d;
    }
    if (f->eq_arg[nr] != NX_FILTER_NO_INDEX) {
        /* A list of values: the first rule naming this one decides. */
        const nx_filter_eq_slot_t *s = eq_lookup(f, nr, a[f->eq_arg[nr]]);
        if (s != NULL) {
            d.action = &f->rules[s->rule].action;
            d.rule = s->blob_rule;
        }
        return d;
    }
    uint32_t end = (uint32_t)f->first[nr] + f->count[nr];
    for (uint32_t i = f->first[nr]; i < end; i++) {
        const nx_filter_krule_t *r = &f->rules[i];
        bool all = true;
        for (uint32_t m = 0; m < r->test_count && all; m++)
            all = holds(&r->tests[m], a, task);
        if (all) {
            d.action = &r->action;
            d.rule = r->blob_rule;
            return d;
        }
    }
    return d;
}

/* Filter f's record of call nr (the default decided: NX_AUDIT_NO_RULE),
 * within f's audit budget; a KILL is always recorded. */
static void audit(const nx_task_t *task, nx_filter_t *f, uint32_t nr, uint32_t rule,
                  nx_audit_reason_t why)
{
    if (why == NX_AUDIT_FILTER_KILL || nx_filter_audit_budget(f))
        nx_audit_filter(task->id, nr, rule < NX_FILTER_MAX_RULES ? rule : NX_AUDIT_NO_RULE, why);
}

static nx_audit_reason_t refusal_reason(uint8_t kind)
{
    return kind == NX_FILTER_KILL ? NX_AUDIT_FILTER_KILL : NX_AUDIT_FILTER_DENY;
}

/* Take one token from every enforcing filter that rated the call, or none:
 * the index in the stack of the first empty bucket, or -1. */
static int32_t take_tokens(nx_filter_t *const *fs, const decision_t *d, uint32_t n, uint32_t rated)
{
    uint64_t now = nx_port_time_ns();
    int32_t empty = -1;
    for (uint32_t i = 0; i < n; i++)
        if ((rated >> i) & 1u)
            nx_spin_lock(&fs[i]->lock);
    for (uint32_t i = 0; i < n && empty < 0; i++)
        if (((rated >> i) & 1u) &&
            !nx_filter_bucket_take_locked(fs[i], d[i].action->bucket, now, false))
            empty = (int32_t)i;
    for (uint32_t i = 0; i < n && empty < 0; i++)
        if ((rated >> i) & 1u)
            (void)nx_filter_bucket_take_locked(fs[i], d[i].action->bucket, now, true);
    for (uint32_t i = n; i-- > 0u;)
        if ((rated >> i) & 1u)
            nx_spin_unlock(&fs[i]->lock);
    return empty;
}

/* One enforcing filter: the common case (a service with its one
 * profile), decided and carried out without the stack's bookkeeping.
 * False (before anything is decided): the general path decides. */
static inline bool decide_alone(nx_task_t *task, nx_filter_t *f, uint32_t nr, const uint64_t a[6],
                                nx_filter_verdict_t *v)
{
    if (f->mode != NX_FILTER_ENFORCE)
        return false;
    decision_t d = decide(f, nr, a, task);
    nx_filter_count_hit(f, d.rule);
    v->kind = d.action->kind;
    v->status = NX_OK;
    switch ((nx_filter_action_kind_t)d.action->kind) {
    case NX_FILTER_ALLOW:
        break;
    case NX_FILTER_LOG:
        audit(task, f, nr, d.rule, NX_AUDIT_FILTER_LOG);
        v->kind = NX_FILTER_ALLOW;
        break;
    case NX_FILTER_RATE:
        v->kind = NX_FILTER_ALLOW;
        if (take_tokens(&f, &d, 1, 1u) >= 0) {
            audit(task, f, nr, d.rule, NX_AUDIT_FILTER_RATE);
            v->kind = NX_FILTER_DENY;
            v->status = NX_ERR_RATE_LIMITED;
        }
        break;
    case NX_FILTER_DENY:
    case NX_FILTER_KILL:
    case NX_FILTER_ACTION_COUNT:
        audit(task, f, nr, d.rule, refusal_reason(d.action->kind));
        v->status = d.action->kind == NX_FILTER_DENY ? d.action->status : NX_ERR_TASK_DEAD;
        break;
    }
    return true;
}

/* What a learning filter decides. */
static const nx_filter_action_t allow_all = { NX_FILTER_ALLOW, 0, 0, 0 };

/* The general path: every filter of the stack, then the verdict. */
static __attribute__((noinline)) nx_filter_verdict_t check_stack(nx_task_t *task, uint32_t n,
                                                                 uint32_t nr, const uint64_t a[6])
{
    nx_filter_t *fs[NX_FILTER_MAX_STACK];
    decision_t d[NX_FILTER_MAX_STACK];
    uint32_t rated = 0, logged = 0;
    int32_t refused = -1; /* the stack index whose refusal stands */
    uint8_t types[6];     /* what a learner records of handle arguments */
    bool typed = false;
    for (uint32_t i = 0; i < n; i++) {
        fs[i] = atomic_load_explicit(&task->filter.at[i], memory_order_acquire);
        d[i].action = &allow_all;
        d[i].rule = NX_FILTER_MAX_RULES;
        if (fs[i]->mode == NX_FILTER_LEARN) { /* allows everything, and records it */
            if (!typed)                       /* under the capability lock: before any filter's */
                nx_filter_learn_types(task, nr, a, types);
            typed = true;
            nx_spin_lock(&fs[i]->lock);
            nx_filter_learn_locked(fs[i], nr, a, types);
            nx_spin_unlock(&fs[i]->lock);
            continue;
        }
        d[i] = decide(fs[i], nr, a, task);
        nx_filter_count_hit(fs[i], d[i].rule);
        uint8_t kind = d[i].action->kind;
        if (fs[i]->mode == NX_FILTER_REPORT) {
            if (kind == NX_FILTER_DENY || kind == NX_FILTER_KILL)
                audit(task, fs[i], nr, d[i].rule, NX_AUDIT_FILTER_REPORT);
            else if (kind == NX_FILTER_LOG)
                audit(task, fs[i], nr, d[i].rule, NX_AUDIT_FILTER_LOG);
            continue;
        }
        if (kind == NX_FILTER_KILL && (refused < 0 || d[refused].action->kind != NX_FILTER_KILL))
            refused = (int32_t)i;
        else if (kind == NX_FILTER_DENY && refused < 0)
            refused = (int32_t)i;
        else if (kind == NX_FILTER_RATE)
            rated |= 1u << i;
        else if (kind == NX_FILTER_LOG)
            logged |= 1u << i;
    }
    nx_filter_verdict_t v = { NX_FILTER_ALLOW, NX_OK };
    if (refused >= 0) {
        const decision_t *r = &d[refused];
        audit(task, fs[refused], nr, r->rule, refusal_reason(r->action->kind));
        v.kind = r->action->kind;
        v.status = r->action->kind == NX_FILTER_DENY ? r->action->status : NX_ERR_TASK_DEAD;
        return v;
    }
    if (rated != 0u) {
        int32_t empty = take_tokens(fs, d, n, rated);
        if (empty >= 0) {
            audit(task, fs[empty], nr, d[empty].rule, NX_AUDIT_FILTER_RATE);
            v.kind = NX_FILTER_DENY;
            v.status = NX_ERR_RATE_LIMITED;
            return v;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if ((logged >> i) & 1u)
            audit(task, fs[i], nr, d[i].rule, NX_AUDIT_FILTER_LOG);
    return v;
}

/* Everything but the quick case below. */
static __attribute__((noinline)) nx_filter_verdict_t check_slow(nx_task_t *task, uint32_t n,
                                                                uint32_t nr, const uint64_t a[6])
{
    nx_filter_verdict_t alone;
    if (n == 1u &&
        decide_alone(task, atomic_load_explicit(&task->filter.at[0], memory_order_acquire), nr, a,
                     &alone))
        return alone;
    return check_stack(task, n, nr, a);
}

/* The first of nr's rules whose value tests all hold (values_only[nr]),
 * or NULL. */
static inline __attribute__((always_inline)) const nx_filter_krule_t *
first_by_values(const nx_filter_t *f, uint32_t nr, const uint64_t a[6])
{
    const nx_filter_krule_t *r = &f->rules[f->first[nr]];
    for (const nx_filter_krule_t *end = r + f->count[nr]; r < end; r++) {
        bool all = true;
        for (uint32_t m = 0; m < r->test_count && all; m++)
            all = nx_filter_test_value(&r->tests[m], a);
        if (all)
            return r;
    }
    return NULL;
}

/* nr's value-only rules (values_only[nr]) scanned: an ALLOW is counted
 * and done, anything else is the full decision's. Out of line, as a tail
 * call: its registers would cost the value list's path a frame. */
static __attribute__((noinline)) nx_filter_verdict_t
check_values(nx_task_t *task, const nx_filter_t *f, uint32_t nr, const uint64_t a[6])
{
    const nx_filter_krule_t *r = first_by_values(f, nr, a);
    if (r == NULL || r->action.kind != NX_FILTER_ALLOW)
        return check_slow(task, 1, nr, a);
    nx_filter_count_hit(f, r->blob_rule);
    return (nx_filter_verdict_t){ NX_FILTER_ALLOW, NX_OK };
}

/*
 * The quick case, with no frame of its own: one enforcing filter whose
 * value list, or value-only rules, for nr select an ALLOW rule (nothing
 * to audit, no token). The same rule the full decision finds (decide),
 * counted the same; anything else goes there.
 */
nx_filter_verdict_t nx_filter_check(nx_thread_t *self, uint32_t nr, const uint64_t a[6])
{
    nx_task_t *task = self->task;
    uint32_t n = atomic_load_explicit(&task->filter.count, memory_order_acquire);
    if (n == 1u && nr < NX_SYS_COUNT) {
        const nx_filter_t *f = atomic_load_explicit(&task->filter.at[0], memory_order_acquire);
        uint8_t arg = f->eq_arg[nr];
        if (arg != NX_FILTER_NO_INDEX) {
            const nx_filter_eq_slot_t *s = eq_lookup(f, nr, a[arg]);
            if (s != NULL && s->quick) {
                nx_filter_count_hit(f, s->blob_rule);
                return (nx_filter_verdict_t){ NX_FILTER_ALLOW, NX_OK };
            }
        } else if (f->values_only[nr]) {
            return check_values(task, f, nr, a);
        }
    }
    return check_slow(task, n, nr, a);
}
