/*
 * learn.c - learn mode: what a learning filter saw, and the profile made
 * of it (nx/sysfilter.h, docs/sysfilter.md).
 *
 * A learning filter allows every call and records it: per call, how many
 * times, and per argument the least and greatest values, up to
 * NX_FILTER_LEARN_VALUES distinct ones (past that the argument is marked
 * overflowed, never silently dropped: the export counts such arguments),
 * and for a handle argument the type of the object it named. The export
 * is an enforcing profile, deny by default, one ALLOW rule per call seen,
 * testing what the arguments were (nexus/syscall_args.h says which is
 * what): a value that never changed for equality, one that did for the
 * range it stayed in, a handle for its object's type; addresses, times
 * and identifiers are left free (they change between runs of the same
 * program). Learners are a small fixed set outside the filter pool.
 */
#include "filter_internal.h"
#include "nx/cap.h"
#include "nx/mem.h"
#include "nx/port.h"
#include "nx/thread.h"
#include "nexus/syscall_args.h"

/* Guarded by lock (a leaf, taken alone). */
static struct {
    nx_spinlock_t lock;
    bool used[NX_MAX_FILTER_LEARNERS];
} learners = { NX_SPINLOCK_INIT, { false } };
static nx_filter_learn_t learner[NX_MAX_FILTER_LEARNERS];

void nx_filter_learn_reset(void)
{
    nx_spin_init(&learners.lock);
    for (uint32_t i = 0; i < NX_MAX_FILTER_LEARNERS; i++)
        learners.used[i] = false;
}

nx_filter_learn_t *nx_filter_learner_take(void)
{
    nx_filter_learn_t *l = NULL;
    nx_spin_lock(&learners.lock);
    for (uint32_t i = 0; i < NX_MAX_FILTER_LEARNERS && l == NULL; i++)
        if (!learners.used[i]) {
            learners.used[i] = true;
            l = &learner[i];
        }
    nx_spin_unlock(&learners.lock);
    if (l != NULL) {
        l->calls = 0;
        l->unknown = 0;
        for (uint32_t nr = 0; nr < NX_SYS_COUNT; nr++) {
            l->seen[nr] = 0;
            for (uint32_t a = 0; a < 6u; a++) {
                nx_filter_learn_arg_t *arg = &l->arg[nr][a];
                arg->n = 0;
                arg->overflowed = false;
                arg->type = NX_OBJ_NONE;
                arg->mixed = false;
                arg->min = UINT64_MAX;
                arg->max = 0;
            }
        }
    }
    return l;
}

void nx_filter_learner_give(nx_filter_learn_t *l)
{
    nx_spin_lock(&learners.lock);
    learners.used[l - learner] = false;
    nx_spin_unlock(&learners.lock);
}

static void note_value(nx_filter_learn_arg_t *arg, uint64_t v, bool first, uint8_t type)
{
    arg->min = v < arg->min ? v : arg->min;
    arg->max = v > arg->max ? v : arg->max;
    if (type == NX_OBJ_NONE || (!first && type != arg->type))
        arg->mixed = true;
    if (first)
        arg->type = type;
    if (arg->overflowed)
        return;
    for (uint32_t i = 0; i < arg->n; i++)
        if (arg->v[i] == v)
            return;
    if (arg->n == NX_FILTER_LEARN_VALUES) {
        arg->overflowed = true;
        return;
    }
    arg->v[arg->n++] = v;
}

void nx_filter_learn_types(nx_task_t *task, uint32_t nr, const uint64_t a[6], uint8_t types[6])
{
    const char *kinds = nx_syscall_args(nr);
    bool any = false;
    for (uint32_t i = 0; i < 6u; i++) {
        types[i] = NX_OBJ_NONE;
        any |= kinds[i] == NX_ARG_HANDLE;
    }
    if (!any)
        return; /* no handle to look up: no capability lock */
    nx_cap_lock();
    for (uint32_t i = 0; i < 6u; i++) {
        const nx_handle_entry_t *e = NULL;
        types[i] = NX_OBJ_NONE;
        if (kinds[i] == NX_ARG_HANDLE && a[i] <= UINT32_MAX &&
            nx_handle_lookup_locked(&task->handles, (nx_handle_t){ (uint32_t)a[i] }, NX_OBJ_NONE,
                                    NX_RIGHT_NONE, &e) == NX_OK)
            types[i] = (uint8_t)e->type;
    }
    nx_cap_unlock();
}

void nx_filter_learn_locked(nx_filter_t *f, uint32_t nr, const uint64_t a[6],
                            const uint8_t types[6])
{
    nx_filter_learn_t *l = f->learn;
    l->calls++;
    if (nr >= NX_SYS_COUNT) {
        l->unknown++;
        return;
    }
    bool first = l->seen[nr] == 0u;
    if (l->seen[nr] != UINT32_MAX)
        l->seen[nr]++;
    for (uint32_t i = 0; i < 6u; i++)
        note_value(&l->arg[nr][i], a[i], first, types[i]);
}

/* The test argument i of call nr gets in the learned profile, if any:
 * false to leave it free. Tests that pin one value or type come first
 * (`exact`), ranges after, so the rule's NX_FILTER_MAX_MATCHERS keep the
 * tightest. */
static bool learned_test(const nx_filter_learn_arg_t *arg, char kind, uint32_t i, bool exact,
                         nx_filter_matcher_t *m)
{
    nx_memset(m, 0, sizeof *m);
    m->arg = (uint8_t)i;
    if (kind == NX_ARG_HANDLE) {
        if (!exact || arg->mixed)
            return false;
        m->op = NX_FILTER_TYPE_IS;
        m->a = arg->type;
        return true;
    }
    if (kind != NX_ARG_VALUE)
        return false; /* addresses, times, identifiers, unused */
    if (arg->min == arg->max) {
        m->op = NX_FILTER_EQ;
        m->a = arg->min;
        return exact;
    }
    m->op = NX_FILTER_IN_RANGE;
    m->a = arg->min;
    m->b = arg->max;
    return !exact;
}

/* The profile: header, then a rule per call seen (never more than
 * NX_SYS_COUNT <= NX_FILTER_MAX_RULES). Caller holds f's lock. */
static size_t export_locked(const nx_filter_t *f, unsigned char *out,
                            nx_filter_learned_info_t *info)
{
    _Static_assert(NX_SYS_COUNT <= NX_FILTER_MAX_RULES, "a rule for every call fits");
    const nx_filter_learn_t *l = f->learn;
    nx_filter_header_t h = { 0 };
    h.magic = NX_FILTER_MAGIC;
    h.version = NX_FILTER_VERSION;
    h.mode = NX_FILTER_ENFORCE;
    h.default_action.kind = NX_FILTER_DENY;
    h.default_action.status = NX_ERR_DENIED_BY_FILTER;
    size_t at = sizeof h;
    info->calls = l->calls;
    info->unknown = l->unknown;
    info->syscalls = 0;
    info->overflowed = 0;
    info->untested = 0;
    for (uint32_t nr = 0; nr < NX_SYS_COUNT; nr++) {
        if (l->seen[nr] == 0u)
            continue;
        nx_filter_rule_t r;
        nx_memset(&r, 0, sizeof r);
        r.syscall = (uint16_t)nr;
        r.action.kind = NX_FILTER_ALLOW;
        const char *kinds = nx_syscall_args(nr);
        for (uint32_t pass = 0; pass < 2u; pass++)
            for (uint32_t i = 0; i < 6u; i++) {
                const nx_filter_learn_arg_t *arg = &l->arg[nr][i];
                nx_filter_matcher_t m;
                if (!learned_test(arg, kinds[i], i, pass == 0u, &m))
                    continue;
                if (r.matcher_count < NX_FILTER_MAX_MATCHERS)
                    r.matchers[r.matcher_count++] = m;
                else
                    info->untested++;
            }
        for (uint32_t i = 0; i < 6u; i++) /* the others are free, or tested by type */
            info->overflowed += kinds[i] == NX_ARG_VALUE && l->arg[nr][i].overflowed ? 1u : 0u;
        nx_memcpy(out + at, &r, sizeof r);
        at += sizeof r;
        info->syscalls++;
    }
    h.rule_count = (uint16_t)info->syscalls;
    nx_memcpy(out, &h, sizeof h);
    info->blob_bytes = at;
    return at;
}

/* t's top learning filter, or NULL. */
static nx_filter_t *top_learner(nx_task_t *t)
{
    uint32_t n = atomic_load_explicit(&t->filter.count, memory_order_acquire);
    for (uint32_t i = n; i-- > 0u;) {
        nx_filter_t *g = atomic_load_explicit(&t->filter.at[i], memory_order_acquire);
        if (g->mode == NX_FILTER_LEARN)
            return g;
    }
    return NULL;
}

nx_status_t nx_filter_learned(nx_task_t *t, unsigned char *out, size_t *len,
                              nx_filter_learned_info_t *info)
{
    nx_filter_t *f = top_learner(t);
    if (f == NULL)
        return NX_ERR_NOT_FOUND;
    nx_spin_lock(&f->lock);
    *len = export_locked(f, out, info);
    nx_spin_unlock(&f->lock);
    return NX_OK;
}

nx_status_t nx_filter_learn_begin(nx_task_t *t)
{
    nx_filter_header_t h = { 0 };
    h.magic = NX_FILTER_MAGIC;
    h.version = NX_FILTER_VERSION;
    h.mode = NX_FILTER_LEARN;
    h.default_action.kind = NX_FILTER_ALLOW;
    return nx_filter_attach_kernel(t, &h, sizeof h);
}

nx_status_t nx_sys_task_filter_learned(nx_thread_t *caller, nx_handle_t h, uintptr_t buf,
                                       uint64_t cap, uintptr_t info_out)
{
    nx_task_t *me = caller->task;
    /* Checked first: where the answer goes. */
    if (nx_port_user_check(info_out, sizeof(nx_filter_learned_info_t), true) != NX_OK ||
        info_out == 0u)
        return nx_filter_refuse(me, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    nx_task_t *target = NULL;
    nx_status_t st = nx_filter_target(me, h, &target);
    if (st != NX_OK)
        return st;
    /* Staged in kernel memory (one export per hart at a time: a system
     * call's kernel part is not preempted), copied out once. */
    static unsigned char staged[NX_MAX_HARTS][NX_FILTER_LEARNED_MAX_BYTES];
    unsigned char *out = staged[nx_port_this_hart()];
    nx_filter_learned_info_t info;
    size_t len = 0;
    st = nx_filter_learned(target, out, &len, &info);
    if (st == NX_ERR_NOT_FOUND)
        (void)nx_filter_refuse(me, h, NX_AUDIT_BAD_ARGUMENT, st);
    if (st == NX_OK) {
        if (len > cap)
            st = NX_ERR_BUFFER_TOO_SMALL;
        else if (nx_port_copy_to_user(buf, out, len) != NX_OK)
            st = nx_filter_refuse(me, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
        if (st != NX_ERR_BAD_ADDRESS && nx_port_copy_to_user(info_out, &info, sizeof info) != NX_OK)
            st = nx_filter_refuse(me, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    }
    nx_object_unref(&target->obj);
    return st;
}
