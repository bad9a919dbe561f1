/*
 * filter.c - building a filter from its blob, and the filters' lifetime
 * (nx/sysfilter.h).
 *
 * The blob is read part by part, each part copied into kernel memory once
 * and checked there; what the kernel keeps is built from those copies, so
 * a program rewriting its buffer during the call changes nothing. Every
 * index the dispatcher uses (the rules of each call, the fixed decisions)
 * is computed here, never taken from the blob.
 */
#include "filter_internal.h"
#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/pool.h"
#include "nx/port.h"
#include "nx/task.h"

NX_POOL_DEFINE(filters, nx_filter_t, NX_MAX_FILTER_PROFILES);

/* Coverage: calls each rule (by blob index; the last: the default) of each
 * filter decided. Outside the filters' own state, as the audit ring is:
 * counting what a refused call hit is not the call changing anything. */
_Atomic uint64_t nx_filter_hit_counts[NX_MAX_FILTER_PROFILES][NX_FILTER_MAX_RULES + 1u];

/* Each filter's buckets (nx_filter_bucket), by its pool index; guarded by
 * the filter's lock. */
static nx_filter_bucket_state_t bucket_state[NX_MAX_FILTER_PROFILES][NX_FILTER_MAX_BUCKETS];

nx_filter_bucket_state_t *nx_filter_bucket(const nx_filter_t *f, uint32_t b)
{
    return &bucket_state[f->index][b];
}

/* Each filter's audit budget and the records it held back (accounting
 * too); the budget is guarded by the filter's lock. */
static nx_filter_bucket_state_t audit_budget[NX_MAX_FILTER_PROFILES];
static _Atomic uint64_t audits_suppressed[NX_MAX_FILTER_PROFILES];

bool nx_filter_audit_budget(nx_filter_t *f)
{
    nx_spin_lock(&f->lock);
    bool ok = nx_filter_tokens_take(&audit_budget[f->index], nx_port_time_ns(), true);
    nx_spin_unlock(&f->lock);
    if (!ok)
        atomic_fetch_add_explicit(&audits_suppressed[f->index], 1u, memory_order_relaxed);
    return ok;
}

uint64_t nx_filter_audits_suppressed(const nx_filter_t *f)
{
    return atomic_load_explicit(&audits_suppressed[f->index], memory_order_relaxed);
}

static void hits_clear(uint32_t index)
{
    for (uint32_t r = 0; r <= NX_FILTER_MAX_RULES; r++)
        atomic_store_explicit(&nx_filter_hit_counts[index][r], 0u, memory_order_relaxed);
}

void nx_filter_reset(void)
{
    nx_pool_reset(&filters);
    nx_filter_learn_reset();
    for (uint32_t i = 0; i < NX_MAX_FILTER_PROFILES; i++)
        hits_clear(i);
}

uint32_t nx_filter_used(void)
{
    return nx_pool_used(&filters);
}

uint64_t nx_filter_hits(const nx_filter_t *f, uint32_t rule)
{
    if (rule > NX_FILTER_MAX_RULES)
        return 0;
    return atomic_load_explicit(&nx_filter_hit_counts[f->index][rule], memory_order_relaxed);
}

void nx_filter_ref(nx_filter_t *f)
{
    atomic_fetch_add_explicit(&f->refs, 1u, memory_order_relaxed);
}

void nx_filter_unref(nx_filter_t *f)
{
    if (atomic_fetch_sub_explicit(&f->refs, 1u, memory_order_acq_rel) != 1u)
        return;
    hits_clear(f->index);
    if (f->learn != NULL)
        nx_filter_learner_give(f->learn);
    nx_pool_free(&filters, f);
}

/* --- checking the parts ------------------------------------------------------ */

static bool action_ok(const nx_filter_action_t *a, uint32_t buckets)
{
    if (a->reserved != 0u)
        return false;
    switch ((nx_filter_action_kind_t)a->kind) {
    case NX_FILTER_ALLOW:
    case NX_FILTER_LOG:
    case NX_FILTER_KILL:
        return a->bucket == 0u && a->status == 0;
    case NX_FILTER_DENY:
        /* An assigned error: the caller must be able to tell what it got. */
        return a->bucket == 0u && a->status < 0 && a->status >= NX_STATUS_MIN &&
               a->status != NX_ERR_INTERNAL;
    case NX_FILTER_RATE:
        return a->bucket < buckets && a->status == 0;
    case NX_FILTER_ACTION_COUNT:
        break;
    }
    return false;
}

static bool matcher_ok(const nx_filter_matcher_t *m)
{
    if (m->arg > 5u || m->reserved != 0u || m->reserved2 != 0u)
        return false;
    switch ((nx_filter_op_t)m->op) {
    case NX_FILTER_EQ:
    case NX_FILTER_NE:
    case NX_FILTER_LT:
    case NX_FILTER_LE:
    case NX_FILTER_GT:
    case NX_FILTER_GE:
    case NX_FILTER_MASK_ALL:
    case NX_FILTER_MASK_NONE:
        return m->b == 0u;
    case NX_FILTER_IN_RANGE:
        return m->a <= m->b;
    case NX_FILTER_TYPE_IS:
        return m->a > NX_OBJ_NONE && m->a < NX_OBJ_TYPE_COUNT && m->b == 0u;
    case NX_FILTER_HAS_RIGHTS:
        return m->a != 0u && (m->a & ~(uint64_t)NX_RIGHTS_ALL) == 0u && m->b == 0u;
    case NX_FILTER_OP_COUNT:
        break;
    }
    return false;
}

static bool all_zero(const nx_filter_matcher_t *m)
{
    const nx_filter_matcher_t zero = { 0 };
    return nx_memcmp(m, &zero, sizeof zero) == 0;
}

/* A rule, copied in: its call, its matchers (the unused ones zero), its action. */
static nx_status_t rule_check(const nx_filter_rule_t *r, uint32_t buckets)
{
    if (r->syscall >= NX_SYS_COUNT)
        return NX_ERR_OUT_OF_RANGE;
    if (r->matcher_count > NX_FILTER_MAX_MATCHERS)
        return NX_ERR_OUT_OF_RANGE;
    if (r->reserved != 0u || r->reserved2 != 0u || !action_ok(&r->action, buckets))
        return NX_ERR_MALFORMED;
    for (uint32_t i = 0; i < NX_FILTER_MAX_MATCHERS; i++)
        if (i < r->matcher_count ? !matcher_ok(&r->matchers[i]) : !all_zero(&r->matchers[i]))
            return NX_ERR_MALFORMED;
    return NX_OK;
}

static nx_status_t bucket_check(const nx_filter_bucket_t *b)
{
    return b->capacity >= 1u && b->refill >= 1u && b->refill <= b->capacity && b->interval_ns >= 1u
               ? NX_OK
               : NX_ERR_MALFORMED;
}

static nx_status_t header_check(const nx_filter_header_t *h, uint64_t len)
{
    if (len < sizeof *h || h->magic != NX_FILTER_MAGIC)
        return NX_ERR_MALFORMED;
    if (h->version != NX_FILTER_VERSION)
        return NX_ERR_VERSION_MISMATCH;
    if (h->rule_count > NX_FILTER_MAX_RULES || h->bucket_count > NX_FILTER_MAX_BUCKETS)
        return NX_ERR_OUT_OF_RANGE;
    if (h->mode >= NX_FILTER_MODE_COUNT || h->reserved != 0u || h->reserved2 != 0u ||
        !action_ok(&h->default_action, h->bucket_count))
        return NX_ERR_MALFORMED;
    /* Exactly the parts the header counts: nothing after, nothing missing. */
    if (len != sizeof *h + (uint64_t)h->bucket_count * sizeof(nx_filter_bucket_t) +
                   (uint64_t)h->rule_count * sizeof(nx_filter_rule_t))
        return NX_ERR_MALFORMED;
    return NX_OK;
}

/* --- building --------------------------------------------------------------- */

/* Where the parts come from: user memory (each copy checked by the port)
 * or kernel memory. */
typedef struct blob_source {
    uintptr_t at;
    bool user;
} blob_source_t;

static nx_status_t read_part(const blob_source_t *src, uint64_t offset, void *dst, size_t n)
{
    if (src->user)
        return nx_port_copy_from_user(dst, src->at + (uintptr_t)offset, n);
    nx_memcpy(dst, (const void *)(src->at + (uintptr_t)offset), n);
    return NX_OK;
}

static nx_audit_reason_t reason_of(nx_status_t st)
{
    return st == NX_ERR_BAD_ADDRESS    ? NX_AUDIT_BAD_ADDRESS
           : st == NX_ERR_OUT_OF_RANGE ? NX_AUDIT_OUT_OF_RANGE
                                       : NX_AUDIT_FILTER_MALFORMED;
}

nx_filter_test_t nx_filter_compile_matcher(const nx_filter_matcher_t *m)
{
    nx_filter_test_t t = { m->arg, NX_FILTER_TEST_VALUE, false, UINT64_MAX, m->a, 0 };
    switch ((nx_filter_op_t)m->op) {
    case NX_FILTER_EQ: /* [a, a] */
        break;
    case NX_FILTER_NE: /* not [a, a] */
        t.invert = true;
        break;
    case NX_FILTER_LT: /* not [a, max] */
        t.span = UINT64_MAX - m->a;
        t.invert = true;
        break;
    case NX_FILTER_LE: /* [0, a] */
        t.lo = 0;
        t.span = m->a;
        break;
    case NX_FILTER_GT: /* not [0, a] */
        t.lo = 0;
        t.span = m->a;
        t.invert = true;
        break;
    case NX_FILTER_GE: /* [a, max] */
        t.span = UINT64_MAX - m->a;
        break;
    case NX_FILTER_MASK_ALL: /* arg & a in [a, a] */
        t.mask = m->a;
        break;
    case NX_FILTER_MASK_NONE: /* arg & a in [0, 0] */
        t.mask = m->a;
        t.lo = 0;
        break;
    case NX_FILTER_IN_RANGE: /* [a, b], empty when b < a: not [0, max] */
        if (m->b >= m->a) {
            t.span = m->b - m->a;
        } else {
            t.lo = 0;
            t.span = UINT64_MAX;
            t.invert = true;
        }
        break;
    case NX_FILTER_TYPE_IS:
        t.kind = NX_FILTER_TEST_TYPE;
        break;
    case NX_FILTER_HAS_RIGHTS:
    case NX_FILTER_OP_COUNT: /* not admitted by matcher_ok */
        t.kind = NX_FILTER_TEST_RIGHTS;
        break;
    }
    return t;
}

static nx_filter_krule_t compile_rule(const nx_filter_rule_t *r)
{
    nx_filter_krule_t k;
    nx_memset(&k, 0, sizeof k);
    k.action = r->action;
    k.test_count = r->matcher_count;
    for (uint32_t i = 0; i < r->matcher_count; i++)
        k.tests[i] = nx_filter_compile_matcher(&r->matchers[i]);
    return k;
}

/* The decision of nr that needs no argument, if there is one. */
static uint8_t fixed_of(const nx_filter_t *f, uint32_t nr)
{
    if (f->count[nr] == 0u)
        return NX_FILTER_BY_DEFAULT;
    uint32_t first = f->first[nr];
    return f->rules[first].test_count == 0u ? (uint8_t)first : NX_FILTER_DEPENDS;
}

/* Is t "argument t->arg equals t->lo" (EQ, or an op that means it)? */
static bool is_equality(const nx_filter_test_t *t)
{
    return t->kind == NX_FILTER_TEST_VALUE && t->mask == UINT64_MAX && t->span == 0u && !t->invert;
}

/* Put nr's rules in the value-list hash table when they all test one
 * argument for equality (see nx_filter_t.eq_*): each value once, with the
 * first rule naming it, the one that decides. At most
 * NX_FILTER_MAX_RULES values in NX_FILTER_EQ_SLOTS slots: a free slot is
 * always found, at build time. */
static void index_equalities(nx_filter_t *f, uint32_t nr)
{
    f->eq_arg[nr] = NX_FILTER_NO_INDEX;
    uint32_t first = f->first[nr], n = f->count[nr];
    if (n < NX_FILTER_EQ_INDEX_MIN)
        return;
    for (uint32_t i = first; i < first + n; i++)
        if (f->rules[i].test_count != 1u || !is_equality(&f->rules[i].tests[0]) ||
            f->rules[i].tests[0].arg != f->rules[first].tests[0].arg)
            return;
    for (uint32_t i = first; i < first + n; i++) {
        uint64_t v = f->rules[i].tests[0].lo;
        uint32_t at = nx_filter_eq_hash(nr, v), probes = 1;
        nx_filter_eq_slot_t *s = &f->eq_slot[at];
        while (s->nr != NX_FILTER_EQ_EMPTY && !(s->nr == nr && s->value == v)) {
            at++; /* below NX_FILTER_EQ_SLOTS + n: n values at most */
            s = &f->eq_slot[at];
            probes++;
        }
        if (s->nr == nr)
            continue; /* an earlier rule has it */
        s->value = v;
        s->nr = (uint8_t)nr;
        s->rule = (uint8_t)i;
        s->blob_rule = f->rules[i].blob_rule;
        s->quick = f->mode == NX_FILTER_ENFORCE && f->rules[i].action.kind == NX_FILTER_ALLOW;
        if (probes > f->eq_probes)
            f->eq_probes = (uint8_t)probes;
    }
    f->eq_arg[nr] = f->rules[first].tests[0].arg;
}

/* May the quick case scan nr's rules (nx_filter_t.values_only)? */
static bool values_only(const nx_filter_t *f, uint32_t nr)
{
    if (f->mode != NX_FILTER_ENFORCE || f->fixed[nr] != NX_FILTER_DEPENDS ||
        f->eq_arg[nr] != NX_FILTER_NO_INDEX)
        return false;
    for (uint32_t i = f->first[nr]; i < (uint32_t)f->first[nr] + f->count[nr]; i++)
        for (uint32_t m = 0; m < f->rules[i].test_count; m++)
            if (f->rules[i].tests[m].kind != NX_FILTER_TEST_VALUE)
                return false;
    return true;
}

/* Group the rules by call (each group keeping blob order) and index them. */
static void index_rules(nx_filter_t *f, const nx_filter_rule_t *blob_rules)
{
    uint32_t at = 0;
    for (uint32_t i = 0; i < NX_FILTER_EQ_SLOTS + NX_FILTER_MAX_RULES + 1u; i++)
        f->eq_slot[i].nr = NX_FILTER_EQ_EMPTY;
    f->eq_probes = 0;
    for (uint32_t nr = 0; nr < NX_SYS_COUNT; nr++) {
        f->first[nr] = (uint8_t)at;
        f->count[nr] = 0;
        for (uint32_t i = 0; i < f->rule_count; i++) {
            if (blob_rules[i].syscall != nr)
                continue;
            f->rules[at] = compile_rule(&blob_rules[i]);
            f->rules[at].blob_rule = (uint8_t)i;
            f->count[nr]++;
            at++;
        }
        f->fixed[nr] = fixed_of(f, nr);
        index_equalities(f, nr);
        f->values_only[nr] = values_only(f, nr);
        const nx_filter_action_t *a = f->fixed[nr] == NX_FILTER_BY_DEFAULT ? &f->default_action
                                      : f->fixed[nr] == NX_FILTER_DEPENDS
                                          ? NULL
                                          : &f->rules[f->fixed[nr]].action;
        if (a != NULL && a->kind == NX_FILTER_ALLOW)
            f->fast_allow[nr / 64u] |= UINT64_C(1) << (nr % 64u);
    }
}

static nx_status_t build(const blob_source_t *src, uint64_t len, nx_filter_t **out,
                         nx_audit_reason_t *reason)
{
    nx_filter_header_t h;
    nx_status_t st = len > NX_FILTER_MAX_BLOB_BYTES ? NX_ERR_OUT_OF_RANGE
                     : len < sizeof h               ? NX_ERR_MALFORMED
                                                    : read_part(src, 0, &h, sizeof h);
    if (st == NX_OK)
        st = header_check(&h, len);
    /* The rules as the blob orders them, checked, before anything is made. */
    static nx_filter_rule_t staged[NX_MAX_HARTS][NX_FILTER_MAX_RULES];
    nx_filter_rule_t *rules = staged[nx_port_this_hart()];
    nx_filter_bucket_t buckets[NX_FILTER_MAX_BUCKETS];
    uint64_t off = sizeof h;
    for (uint32_t i = 0; st == NX_OK && i < h.bucket_count; i++, off += sizeof buckets[0]) {
        st = read_part(src, off, &buckets[i], sizeof buckets[0]);
        if (st == NX_OK)
            st = bucket_check(&buckets[i]);
    }
    for (uint32_t i = 0; st == NX_OK && i < h.rule_count; i++, off += sizeof rules[0]) {
        st = read_part(src, off, &rules[i], sizeof rules[0]);
        if (st == NX_OK)
            st = rule_check(&rules[i], h.bucket_count);
    }
    if (st != NX_OK) {
        *reason = reason_of(st);
        return st;
    }
    nx_filter_learn_t *learn = NULL;
    if (h.mode == NX_FILTER_LEARN && (learn = nx_filter_learner_take()) == NULL) {
        *reason = NX_AUDIT_POOL_EXHAUSTED; /* NX_MAX_FILTER_LEARNERS learning */
        return NX_ERR_NO_RESOURCES;
    }
    nx_filter_t *f = nx_pool_alloc(&filters);
    if (f == NULL) {
        if (learn != NULL)
            nx_filter_learner_give(learn);
        *reason = NX_AUDIT_POOL_EXHAUSTED;
        return NX_ERR_NO_RESOURCES;
    }
    f->learn = learn;
    atomic_init(&f->refs, 1u);
    f->index = (uint32_t)(((uintptr_t)f - (uintptr_t)filters.items) / sizeof *f);
    f->hits = nx_filter_hit_counts[f->index];
    f->mode = h.mode;
    f->bucket_count = h.bucket_count;
    f->rule_count = h.rule_count;
    f->default_action = h.default_action;
    index_rules(f, rules);
    if (learn != NULL) /* every call is recorded: none takes the fast path */
        for (uint32_t w = 0; w < (NX_SYS_COUNT + 63u) / 64u; w++)
            f->fast_allow[w] = 0;
    nx_spin_init(&f->lock);
    audit_budget[f->index] =
        (nx_filter_bucket_state_t){ { NX_FILTER_AUDIT_BURST, NX_FILTER_AUDIT_BURST,
                                      NX_FILTER_AUDIT_INTERVAL_NS },
                                    NX_FILTER_AUDIT_BURST,
                                    0,
                                    false };
    atomic_store_explicit(&audits_suppressed[f->index], 0u, memory_order_relaxed);
    for (uint32_t i = 0; i < h.bucket_count; i++) {
        nx_filter_bucket_state_t *b = nx_filter_bucket(f, i);
        b->spec = buckets[i];
        b->tokens = buckets[i].capacity; /* starts full */
        b->counted_ns = 0;
        b->started = false;
    }
    *out = f;
    return NX_OK;
}

nx_status_t nx_filter_build(uintptr_t blob, uint64_t len, nx_filter_t **out,
                            nx_audit_reason_t *reason)
{
    const blob_source_t src = { blob, true };
    return build(&src, len, out, reason);
}

nx_status_t nx_filter_build_kernel(const void *blob, size_t len, nx_filter_t **out,
                                   nx_audit_reason_t *reason)
{
    const blob_source_t src = { (uintptr_t)blob, false };
    return build(&src, len, out, reason);
}

/* --- a task's stack ---------------------------------------------------------- */

void nx_filter_inherit(nx_task_t *child, const nx_task_t *parent)
{
    uint32_t n = atomic_load_explicit(&parent->filter.count, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        nx_filter_t *f = atomic_load_explicit(&parent->filter.at[i], memory_order_acquire);
        nx_filter_ref(f);
        atomic_store_explicit(&child->filter.at[i], f, memory_order_relaxed);
    }
    atomic_store_explicit(&child->filter.count, n, memory_order_release);
}

void nx_filter_release_all(nx_task_t *task)
{
    uint32_t n = atomic_exchange_explicit(&task->filter.count, 0u, memory_order_acq_rel);
    for (uint32_t i = 0; i < n; i++) {
        nx_filter_t *f = atomic_exchange_explicit(&task->filter.at[i], NULL, memory_order_acq_rel);
        if (f != NULL)
            nx_filter_unref(f);
    }
}
