/*
 * learn.c - learn mode: what a learning filter saw, and the profile made
 * of it (nx/sysfilter.h, docs/sysfilter.md).
 *
 * A learning filter allows every call and records it: per call, how many
 * times, and per argument the distinct values, up to
 * NX_FILTER_LEARN_VALUES (past that the argument is marked overflowed,
 * never silently dropped: the export counts such arguments). The export
 * is an enforcing profile, deny by default, one ALLOW rule per call seen,
 * testing each argument that only ever had one value (flags, classes,
 * rights, sizes a service always uses); pointers and counters vary and
 * are left free. Learners are a small fixed set outside the filter pool.
 */
#include "filter_internal.h"
#include "nx/cap.h"
#include "nx/mem.h"
#include "nx/port.h"
#include "nx/thread.h"

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
                l->arg[nr][a].n = 0;
                l->arg[nr][a].overflowed = false;
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

static void note_value(nx_filter_learn_arg_t *arg, uint64_t v)
{
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

void nx_filter_learn_locked(nx_filter_t *f, uint32_t nr, const uint64_t a[6])
{
    nx_filter_learn_t *l = f->learn;
    l->calls++;
    if (nr >= NX_SYS_COUNT) {
        l->unknown++;
        return;
    }
    if (l->seen[nr] != UINT32_MAX)
        l->seen[nr]++;
    for (uint32_t i = 0; i < 6u; i++)
        note_value(&l->arg[nr][i], a[i]);
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
    for (uint32_t nr = 0; nr < NX_SYS_COUNT; nr++) {
        if (l->seen[nr] == 0u)
            continue;
        nx_filter_rule_t r;
        nx_memset(&r, 0, sizeof r);
        r.syscall = (uint16_t)nr;
        r.action.kind = NX_FILTER_ALLOW;
        for (uint32_t i = 0; i < 6u; i++) {
            const nx_filter_learn_arg_t *arg = &l->arg[nr][i];
            info->overflowed += arg->overflowed ? 1u : 0u;
            if (!arg->overflowed && arg->n == 1u && r.matcher_count < NX_FILTER_MAX_MATCHERS) {
                nx_filter_matcher_t *m = &r.matchers[r.matcher_count++];
                m->arg = (uint8_t)i;
                m->op = NX_FILTER_EQ;
                m->a = arg->v[0];
            }
        }
        nx_memcpy(out + at, &r, sizeof r);
        at += sizeof r;
        info->syscalls++;
    }
    h.rule_count = (uint16_t)info->syscalls;
    nx_memcpy(out, &h, sizeof h);
    info->blob_bytes = at;
    return at;
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
    nx_filter_t *f = NULL;
    uint32_t n = atomic_load_explicit(&target->filter.count, memory_order_acquire);
    for (uint32_t i = n; i-- > 0u && f == NULL;) {
        nx_filter_t *g = atomic_load_explicit(&target->filter.at[i], memory_order_acquire);
        if (g->mode == NX_FILTER_LEARN)
            f = g;
    }
    if (f == NULL)
        st = nx_filter_refuse(me, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_NOT_FOUND);
    if (st == NX_OK) {
        /* Staged in kernel memory (one export per hart at a time: a
         * system call's kernel part is not preempted), copied out once. */
        static unsigned char staged[NX_MAX_HARTS][sizeof(nx_filter_header_t) +
                                                  NX_SYS_COUNT * sizeof(nx_filter_rule_t)];
        unsigned char *out = staged[nx_port_this_hart()];
        nx_filter_learned_info_t info;
        nx_spin_lock(&f->lock);
        size_t len = export_locked(f, out, &info);
        nx_spin_unlock(&f->lock);
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
