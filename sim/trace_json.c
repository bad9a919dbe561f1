/*
 * trace_json.c - the event stream as Chrome trace-event JSON (see
 * nxsim/trace_json.h and docs/trace-json.md for the layout).
 *
 * Events are formatted by hand into a staging buffer and handed to the FILE
 * in large fwrite()s: no printf per field, so the writer stays cheap next
 * to the run that feeds it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nx/audit.h"
#include "nx/port.h"
#include "nx/syscall.h"
#include "nx/trace.h"
#include "nxsim/trace_json.h"

#define TJ_BUF_BYTES       (64u * 1024u) /* output staged before one fwrite */
#define TJ_STR_MAX         64u           /* longest string written; longer ones are cut */
#define TJ_THREAD_SLOTS    8192u         /* hash slots: 2x the threads kept, short probes */
#define TJ_JSON_INT_MAX    (1ull << 53)  /* largest integer a JavaScript number holds exactly */
#define TJ_PID_HARTS       1u
#define TJ_PID_THREADS     2u
#define TJ_NO_HART         UINT32_MAX
#define TJ_IRQ_SOFTWARE    1u /* RISC-V interrupt causes in NX_SIM_EV_IRQ */
#define TJ_IRQ_TIMER       5u
#define TJ_IRQ_EXTERNAL    9u
#define TJ_IPI_CLASS_SHIFT 16u /* IPI trace b: class << 16 | reasons */
#define TJ_IPI_REASON_MASK 0xffffu
/* Perfetto reads tids as uint32: larger thread ids get no track (counted). */
#define TJ_THREAD_ID_MAX (UINT32_MAX - NX_TRACE_JSON_THREAD_TID_BASE)

_Static_assert((TJ_THREAD_SLOTS & (TJ_THREAD_SLOTS - 1u)) == 0u, "slots must be a power of two");
_Static_assert(TJ_THREAD_SLOTS >= 2u * NX_TRACE_JSON_MAX_THREADS, "keep the table half empty");
_Static_assert(NX_TRACE_JSON_MACHINE_TID >= NX_SIM_MAX_HARTS, "machine tid above every hart");
_Static_assert(NX_TRACE_JSON_THREAD_TID_BASE > NX_TRACE_JSON_MACHINE_TID,
               "thread tids above pid 1's");

/* A kernel thread's track (pid 2): its open syscall, if any. */
typedef struct tj_thread {
    uint64_t id;
    uint64_t open_ts; /* the open syscall's B */
    uint64_t last_ts; /* last B/E written: keeps the track's times non-decreasing */
    uint64_t nr;
    bool used;
    bool open;
} tj_thread_t;

/* A logical hart's track (pid 1). */
typedef struct tj_hart {
    uint64_t run_start; /* when `running` was switched to */
    uint64_t running;   /* thread on the hart since run_start (0: idle) */
    uint64_t runnable;  /* derived queue depth, see on_wake() */
    bool run_open;      /* a switch was seen: running/run_start are valid */
} tj_hart_t;

struct nx_trace_json {
    FILE *to;
    uint32_t harts;
    bool failed;
    int err;         /* errno of the first failed write */
    bool first;      /* no event written yet: no comma before the next */
    bool args_first; /* no arg written yet in the open args object */
    uint64_t now;    /* latest time seen: stamps the events that carry none */
    uint64_t events;
    uint64_t seed;
    bool seeded;
    uint64_t unknown_events;
    uint64_t overflow_events;
    uint64_t exits_unmatched;
    uint64_t switches_inferred;
    uint32_t threads_tracked;
    uint64_t resumed_hw; /* hardware hart of the last RESUME */
    bool resumed_known;
    int32_t logical_of_hw[NX_SIM_MAX_HARTS]; /* learned; -1 unknown */
    bool ipi_pending[NX_SIM_MAX_HARTS];      /* by hardware hart */
    uint32_t ipi_pending_count;
    tj_hart_t hart[NX_SIM_MAX_HARTS]; /* by logical hart */
    size_t len;
    char buf[TJ_BUF_BYTES];
    tj_thread_t threads[TJ_THREAD_SLOTS];
};

/* --- output ----------------------------------------------------------------- */

static void flush(nx_trace_json_t *tj)
{
    if (tj->len != 0u && fwrite(tj->buf, 1, tj->len, tj->to) != tj->len && !tj->failed) {
        tj->failed = true;
        tj->err = errno != 0 ? errno : EIO;
    }
    tj->len = 0;
}

static void put(nx_trace_json_t *tj, const char *s, size_t n)
{
    if (n > sizeof tj->buf - tj->len)
        flush(tj);
    memcpy(tj->buf + tj->len, s, n);
    tj->len += n;
}

/* For string literals only. */
#define PUT_LIT(tj, lit) put((tj), (lit), sizeof(lit) - 1u)

static void put_u64(nx_trace_json_t *tj, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    put(tj, tmp + i, sizeof tmp - i);
}

static void put_i64(nx_trace_json_t *tj, int64_t v)
{
    if (v < 0) {
        PUT_LIT(tj, "-");
        put_u64(tj, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(tj, (uint64_t)v);
    }
}

static void put_hex_str(nx_trace_json_t *tj, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[2 + 16 + 2];
    size_t i = sizeof tmp;
    tmp[--i] = '"';
    do {
        tmp[--i] = digits[v & 0xfu];
        v >>= 4;
    } while (v != 0u);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    tmp[--i] = '"';
    put(tj, tmp + i, sizeof tmp - i);
}

/* Chrome wants microseconds; three decimals keep the nanoseconds. */
static void put_ts(nx_trace_json_t *tj, uint64_t ns)
{
    put_u64(tj, ns / 1000u);
    uint32_t frac = (uint32_t)(ns % 1000u);
    char tmp[4] = { '.', (char)('0' + frac / 100u), (char)('0' + frac / 10u % 10u),
                    (char)('0' + frac % 10u) };
    put(tj, tmp, sizeof tmp);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void put_str(nx_trace_json_t *tj, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    PUT_LIT(tj, "\"");
    for (size_t i = 0; i < TJ_STR_MAX && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char)c };
            put(tj, esc, 2);
        } else if (c < 0x20u || c >= 0x7fu) {
            /* Names are ASCII; anything else becomes \u00XX, never bad UTF-8. */
            char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xfu] };
            put(tj, esc, 6);
        } else {
            put(tj, (const char *)&c, 1);
        }
    }
    PUT_LIT(tj, "\"");
}

/* "<prefix><n>" as a JSON string; prefix is a plain ASCII literal. */
static void put_name_num(nx_trace_json_t *tj, const char *prefix, uint64_t n)
{
    PUT_LIT(tj, "\"");
    put(tj, prefix, strlen(prefix));
    put_u64(tj, n);
    PUT_LIT(tj, "\"");
}

/* Starts {"ph":..,"pid":..,"tid":..,"ts":..; the caller adds the rest and
 * ev_close(). Every event carries ts (metadata too: 0) so readers need no
 * special case. */
static void ev_open(nx_trace_json_t *tj, char ph, uint32_t pid, uint64_t tid, uint64_t ts)
{
    if (tj->first) {
        PUT_LIT(tj, "\n{\"ph\":\"");
        tj->first = false;
    } else {
        PUT_LIT(tj, ",\n{\"ph\":\"");
    }
    put(tj, &ph, 1);
    PUT_LIT(tj, "\",\"pid\":");
    put_u64(tj, pid);
    PUT_LIT(tj, ",\"tid\":");
    put_u64(tj, tid);
    PUT_LIT(tj, ",\"ts\":");
    put_ts(tj, ts);
}

static void ev_close(nx_trace_json_t *tj)
{
    PUT_LIT(tj, "}");
}

static void ev_name(nx_trace_json_t *tj, const char *name)
{
    PUT_LIT(tj, ",\"name\":");
    put_str(tj, name);
}

static void ev_cat(nx_trace_json_t *tj, const char *cat)
{
    PUT_LIT(tj, ",\"cat\":");
    put_str(tj, cat);
}

static void args_open(nx_trace_json_t *tj)
{
    PUT_LIT(tj, ",\"args\":{");
    tj->args_first = true;
}

static void args_close(nx_trace_json_t *tj)
{
    PUT_LIT(tj, "}");
}

static void arg_key(nx_trace_json_t *tj, const char *key)
{
    if (!tj->args_first)
        PUT_LIT(tj, ",");
    tj->args_first = false;
    put_str(tj, key);
    PUT_LIT(tj, ":");
}

/* Raw values beyond 2^53 would lose digits in a JavaScript reader: they go
 * out as hex strings instead. */
static void arg_u64(nx_trace_json_t *tj, const char *key, uint64_t v)
{
    arg_key(tj, key);
    if (v <= TJ_JSON_INT_MAX)
        put_u64(tj, v);
    else
        put_hex_str(tj, v);
}

static void arg_i64(nx_trace_json_t *tj, const char *key, int64_t v)
{
    arg_key(tj, key);
    if (v <= (int64_t)TJ_JSON_INT_MAX && v >= -(int64_t)TJ_JSON_INT_MAX)
        put_i64(tj, v);
    else
        put_hex_str(tj, (uint64_t)v);
}

static void arg_str(nx_trace_json_t *tj, const char *key, const char *v)
{
    arg_key(tj, key);
    put_str(tj, v);
}

/* An instant on a track ("s":"t": the track, not the whole process). */
static void instant_open(nx_trace_json_t *tj, uint64_t tid, uint64_t ts, const char *name,
                         const char *cat)
{
    ev_open(tj, 'i', TJ_PID_HARTS, tid, ts);
    PUT_LIT(tj, ",\"s\":\"t\"");
    ev_name(tj, name);
    ev_cat(tj, cat);
    args_open(tj);
}

static void instant_close(nx_trace_json_t *tj)
{
    args_close(tj);
    ev_close(tj);
}

static void meta_name(nx_trace_json_t *tj, uint32_t pid, uint64_t tid, const char *what,
                      const char *prefix, uint64_t n, bool numbered)
{
    ev_open(tj, 'M', pid, tid, 0);
    ev_name(tj, what);
    PUT_LIT(tj, ",\"args\":{\"name\":");
    if (numbered)
        put_name_num(tj, prefix, n);
    else
        put_str(tj, prefix);
    PUT_LIT(tj, "}");
    ev_close(tj);
}

static void meta_sort(nx_trace_json_t *tj, uint32_t pid, uint64_t tid, const char *what,
                      uint64_t index)
{
    ev_open(tj, 'M', pid, tid, 0);
    ev_name(tj, what);
    PUT_LIT(tj, ",\"args\":{\"sort_index\":");
    put_u64(tj, index);
    PUT_LIT(tj, "}");
    ev_close(tj);
}

/* --- state -------------------------------------------------------------- */

static uint64_t word(const nx_sim_event_t *ev, uint32_t i)
{
    return i < ev->n && i < NX_SIM_EVENT_WORDS ? ev->w[i] : 0u;
}

static void advance(nx_trace_json_t *tj, uint64_t t)
{
    if (t > tj->now)
        tj->now = t;
}

/* The track of a hardware hart's event: its logical hart once a RESUME of
 * it was followed by a kernel trace event (which names the logical hart);
 * until then the same number (the generated device tree numbers both
 * alike); the machine track for a hart beyond the machine. */
static uint64_t track_of_hw(const nx_trace_json_t *tj, uint64_t hw)
{
    if (hw < NX_SIM_MAX_HARTS && tj->logical_of_hw[hw] >= 0)
        return (uint64_t)tj->logical_of_hw[hw];
    return hw < tj->harts ? hw : NX_TRACE_JSON_MACHINE_TID;
}

/* Thread tracks' tids sit above every tid of pid 1: Perfetto finds a
 * thread_name's thread by tid alone, so tids must not repeat across pids. */
static uint64_t thread_tid(uint64_t id)
{
    return NX_TRACE_JSON_THREAD_TID_BASE + id;
}

static uint32_t thread_hash(uint64_t id)
{
    return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (TJ_THREAD_SLOTS - 1u);
}

/* The thread's slot; a new one (and its track's names) when `add`. NULL
 * when absent, or when the table is full (counted). */
static tj_thread_t *thread_slot(nx_trace_json_t *tj, uint64_t id, bool add)
{
    uint32_t i = thread_hash(id);
    while (tj->threads[i].used) {
        if (tj->threads[i].id == id)
            return &tj->threads[i];
        i = (i + 1u) & (TJ_THREAD_SLOTS - 1u);
    }
    if (!add)
        return NULL;
    if (tj->threads_tracked >= NX_TRACE_JSON_MAX_THREADS || id > TJ_THREAD_ID_MAX) {
        tj->overflow_events++;
        return NULL;
    }
    tj_thread_t *t = &tj->threads[i];
    memset(t, 0, sizeof *t);
    t->used = true;
    t->id = id;
    tj->threads_tracked++;
    meta_name(tj, TJ_PID_THREADS, thread_tid(id), "thread_name", "thread ", id, true);
    meta_sort(tj, TJ_PID_THREADS, thread_tid(id), "thread_sort_index", id);
    return t;
}

static const char *syscall_label(uint64_t nr, char *buf, size_t size)
{
    const char *name = nr <= UINT32_MAX ? nx_syscall_name((uint32_t)nr) : "unknown";
    if (strcmp(name, "unknown") != 0)
        return name;
    /* "syscall N": digits by hand, no snprintf on the hot path. */
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + nr % 10u);
        nr /= 10u;
    } while (nr != 0u);
    static const char prefix[] = "syscall ";
    size_t digits = sizeof tmp - i;
    if (sizeof prefix - 1u + digits + 1u > size)
        return "syscall";
    memcpy(buf, prefix, sizeof prefix - 1u);
    memcpy(buf + sizeof prefix - 1u, tmp + i, digits);
    buf[sizeof prefix - 1u + digits] = '\0';
    return buf;
}

/* End t's open syscall at `ts` ("E"): with the status it returned, or with
 * why it ended without returning (`ended` not NULL). */
static void syscall_end(nx_trace_json_t *tj, tj_thread_t *t, uint64_t ts, const char *ended,
                        int64_t status)
{
    char label[32];
    if (ts < t->last_ts)
        ts = t->last_ts;
    ev_open(tj, 'E', TJ_PID_THREADS, thread_tid(t->id), ts);
    ev_name(tj, syscall_label(t->nr, label, sizeof label));
    ev_cat(tj, "syscall");
    args_open(tj);
    if (ended == NULL) {
        arg_i64(tj, "status", status);
        arg_str(tj, "status_name",
                status >= INT32_MIN && status <= INT32_MAX ? nx_status_name((nx_status_t)status)
                                                           : "NX_ERR_UNKNOWN");
    } else {
        arg_str(tj, "ended", ended);
    }
    args_close(tj);
    ev_close(tj);
    t->open = false;
    t->last_ts = ts;
}

/* Close the hart's running slice at `ts` ("X": whole slices, so a viewer
 * never sees an unmatched begin). */
static void run_end(nx_trace_json_t *tj, uint32_t hart, uint64_t ts)
{
    tj_hart_t *h = &tj->hart[hart];
    if (!h->run_open)
        return;
    ev_open(tj, 'X', TJ_PID_HARTS, hart, h->run_start);
    PUT_LIT(tj, ",\"dur\":");
    put_ts(tj, ts >= h->run_start ? ts - h->run_start : 0u);
    if (h->running == 0u)
        ev_name(tj, "idle");
    else {
        PUT_LIT(tj, ",\"name\":");
        put_name_num(tj, "thread ", h->running);
    }
    ev_cat(tj, "sched");
    args_open(tj);
    arg_u64(tj, "thread", h->running);
    args_close(tj);
    ev_close(tj);
    h->run_open = false;
}

static void counter_runnable(nx_trace_json_t *tj, uint32_t hart, uint64_t ts)
{
    ev_open(tj, 'C', TJ_PID_HARTS, hart, ts);
    PUT_LIT(tj, ",\"name\":");
    put_name_num(tj, "hart ", hart);
    PUT_LIT(tj, ",\"args\":{\"runnable\":");
    put_u64(tj, tj->hart[hart].runnable);
    PUT_LIT(tj, "}");
    ev_close(tj);
}

static void counter_ipi(nx_trace_json_t *tj, uint64_t ts)
{
    ev_open(tj, 'C', TJ_PID_HARTS, NX_TRACE_JSON_MACHINE_TID, ts);
    PUT_LIT(tj, ",\"name\":\"ipi\",\"args\":{\"pending\":");
    put_u64(tj, tj->ipi_pending_count);
    PUT_LIT(tj, "}");
    ev_close(tj);
}

static const char *ipi_class_name(uint64_t cls)
{
    switch (cls) {
    case NX_IPI_CORRECTNESS:
        return "correctness";
    case NX_IPI_BEST_EFFORT:
        return "best-effort";
    default:
        return "unknown";
    }
}

static const char *inject_kind_name(uint64_t kind)
{
    switch (kind) {
    case NX_SIM_INJECT_IRQ:
        return "irq";
    case NX_SIM_INJECT_IRQ_DELAY:
        return "irq-delay";
    case NX_SIM_INJECT_DEVICE_FAIL:
        return "device-fail";
    case NX_SIM_INJECT_KILL_TASK:
        return "kill-task";
    case NX_SIM_INJECT_IPI_DROP:
        return "ipi-drop";
    case NX_SIM_INJECT_IPI_DELAY:
        return "ipi-delay";
    case NX_SIM_INJECT_TIMER_JITTER:
        return "timer-jitter";
    default:
        return "unknown";
    }
}

/* --- kernel trace events -------------------------------------------------- */

/*
 * The runnable counter is derived, not read from the scheduler: +1 when a
 * WAKE queues a thread on the hart, -1 when the hart switches to a non-idle
 * thread (it took one from its queue), never below 0. Threads made runnable
 * without a WAKE event (new threads, a yield's requeue, steals) are not
 * seen, so it shows the wake backlog, not the exact queue length.
 */
static void on_wake(nx_trace_json_t *tj, uint64_t ts, uint64_t queued_on)
{
    if (queued_on >= tj->harts)
        return;
    tj->hart[queued_on].runnable++;
    counter_runnable(tj, (uint32_t)queued_on, ts);
}

/* `traced`: a CONTEXT_SWITCH; otherwise inferred from a syscall of a thread
 * the hart was not known to run (no queue was popped that we know of). */
static void on_switch(nx_trace_json_t *tj, uint32_t hart, uint64_t ts, uint64_t to, bool traced)
{
    run_end(tj, hart, ts);
    tj_hart_t *h = &tj->hart[hart];
    h->run_open = true;
    h->running = to;
    h->run_start = ts;
    if (traced && to != 0u && h->runnable > 0u) {
        h->runnable--;
        counter_runnable(tj, hart, ts);
    }
}

static void on_syscall_enter(nx_trace_json_t *tj, uint64_t ts, uint64_t nr, uint64_t thread)
{
    tj_thread_t *t = thread_slot(tj, thread, true);
    if (t == NULL)
        return;
    if (t->open) /* no exit was seen: close it so B/E stay balanced */
        syscall_end(tj, t, ts, "entered again without an exit", 0);
    if (ts < t->last_ts)
        ts = t->last_ts;
    char label[32];
    ev_open(tj, 'B', TJ_PID_THREADS, thread_tid(thread), ts);
    ev_name(tj, syscall_label(nr, label, sizeof label));
    ev_cat(tj, "syscall");
    args_open(tj);
    arg_u64(tj, "nr", nr);
    args_close(tj);
    ev_close(tj);
    t->open = true;
    t->nr = nr;
    t->open_ts = ts;
    t->last_ts = ts;
}

/* SYSCALL_EXIT names no thread: it is the one the hart runs now. */
static void on_syscall_exit(nx_trace_json_t *tj, uint32_t hart, uint64_t ts, uint64_t status)
{
    tj_thread_t *t = NULL;
    if (hart != TJ_NO_HART && tj->hart[hart].run_open)
        t = thread_slot(tj, tj->hart[hart].running, false);
    if (t == NULL || !t->open) {
        tj->exits_unmatched++;
        return;
    }
    syscall_end(tj, t, ts, NULL, (int64_t)status);
}

static void on_trace(nx_trace_json_t *tj, const nx_sim_event_t *ev)
{
    uint64_t ts = word(ev, 0), hart64 = word(ev, 1), kind = word(ev, 2);
    uint64_t a = word(ev, 3), b = word(ev, 4);
    advance(tj, ts);
    uint32_t hart = hart64 < tj->harts ? (uint32_t)hart64 : TJ_NO_HART;
    if (hart != TJ_NO_HART && tj->resumed_known && tj->resumed_hw < NX_SIM_MAX_HARTS)
        tj->logical_of_hw[tj->resumed_hw] = (int32_t)hart;
    uint64_t tid = hart != TJ_NO_HART ? hart : NX_TRACE_JSON_MACHINE_TID;
    const char *name =
        kind < NX_TRACE_KIND_COUNT ? nx_trace_kind_name((nx_trace_kind_t)kind) : "trace-unknown";

    switch (kind) {
    case NX_TRACE_CONTEXT_SWITCH:
        if (hart != TJ_NO_HART) {
            on_switch(tj, hart, ts, b, true);
            return;
        }
        instant_open(tj, tid, ts, name, "sched");
        arg_u64(tj, "from", a);
        arg_u64(tj, "to", b);
        break;
    case NX_TRACE_SYSCALL_ENTER:
        if (hart != TJ_NO_HART) { /* the caller runs there, whatever we saw before */
            if (!tj->hart[hart].run_open || tj->hart[hart].running != b) {
                tj->switches_inferred++;
                on_switch(tj, hart, ts, b, false);
            }
        }
        on_syscall_enter(tj, ts, a, b);
        return;
    case NX_TRACE_SYSCALL_EXIT:
        on_syscall_exit(tj, hart, ts, b);
        return;
    case NX_TRACE_WAKE:
        instant_open(tj, tid, ts, name, "sched");
        arg_u64(tj, "thread", a);
        arg_u64(tj, "queued_on", b);
        if (hart == TJ_NO_HART)
            arg_u64(tj, "hart", hart64);
        instant_close(tj);
        on_wake(tj, ts, b);
        return;
    case NX_TRACE_TIMER_FIRE:
        instant_open(tj, tid, ts, name, "timer");
        arg_u64(tj, "fired", a);
        arg_u64(tj, "first_deadline_ns", b);
        break;
    case NX_TRACE_TIMER_PROGRAM:
        instant_open(tj, tid, ts, name, "timer");
        if (a == UINT64_MAX)
            arg_str(tj, "deadline_ns", "disarmed");
        else
            arg_u64(tj, "deadline_ns", a);
        break;
    case NX_TRACE_IPI_SEND:
    case NX_TRACE_IPI_COALESCED:
    case NX_TRACE_IPI_THROTTLED:
        instant_open(tj, tid, ts, name, "ipi");
        arg_u64(tj, "target", a);
        arg_u64(tj, "class", b >> TJ_IPI_CLASS_SHIFT);
        arg_str(tj, "class_name", ipi_class_name(b >> TJ_IPI_CLASS_SHIFT));
        arg_u64(tj, "reasons", b & TJ_IPI_REASON_MASK);
        break;
    case NX_TRACE_IPI_RECEIVE:
        instant_open(tj, tid, ts, name, "ipi");
        arg_u64(tj, "reasons", a);
        break;
    case NX_TRACE_IRQ:
        instant_open(tj, tid, ts, name, "irq");
        arg_u64(tj, "source", a);
        arg_u64(tj, "handled", b);
        break;
    case NX_TRACE_AUDIT:
        instant_open(tj, tid, ts, name, "audit");
        arg_u64(tj, "op", a);
        arg_str(tj, "op_name", a <= UINT32_MAX ? nx_audit_op_name((nx_audit_op_t)a) : "unknown");
        arg_u64(tj, "reason", b);
        arg_str(tj, "reason_name",
                b <= UINT32_MAX ? nx_audit_reason_name((nx_audit_reason_t)b) : "unknown");
        break;
    case NX_TRACE_THREAD_EXIT: {
        instant_open(tj, tid, ts, name, "sched");
        arg_u64(tj, "thread", a);
        arg_i64(tj, "code", (int64_t)b);
        if (hart == TJ_NO_HART)
            arg_u64(tj, "hart", hart64);
        instant_close(tj);
        tj_thread_t *t = thread_slot(tj, a, false);
        if (t != NULL && t->open)
            syscall_end(tj, t, ts, "thread exited", 0);
        return;
    }
    default:
        instant_open(tj, tid, ts, name, "trace");
        arg_u64(tj, "kind", kind);
        arg_u64(tj, "a", a);
        arg_u64(tj, "b", b);
        break;
    }
    if (hart == TJ_NO_HART)
        arg_u64(tj, "hart", hart64);
    instant_close(tj);
}

/* --- machine events ----------------------------------------------------- */

static void on_irq(nx_trace_json_t *tj, const nx_sim_event_t *ev)
{
    uint64_t hw = word(ev, 0), ts = word(ev, 1), cause = word(ev, 2);
    advance(tj, ts);
    const char *name = cause == TJ_IRQ_SOFTWARE   ? "software-interrupt"
                       : cause == TJ_IRQ_TIMER    ? "timer-interrupt"
                       : cause == TJ_IRQ_EXTERNAL ? "external-interrupt"
                                                  : "interrupt";
    instant_open(tj, track_of_hw(tj, hw), ts, name, "irq");
    arg_u64(tj, "hartid", hw);
    arg_u64(tj, "cause", cause);
    instant_close(tj);
    /* A software interrupt taken clears the hart's IPI line. */
    if (cause == TJ_IRQ_SOFTWARE && hw < NX_SIM_MAX_HARTS && tj->ipi_pending[hw]) {
        tj->ipi_pending[hw] = false;
        tj->ipi_pending_count--;
        counter_ipi(tj, ts);
    }
}

/*
 * "ipi pending" is derived too: the harts whose IPI line is up, set by an
 * IPI event to the hart and cleared by its next software interrupt (the
 * line is a flag: a second IPI before then changes nothing).
 */
static void on_ipi(nx_trace_json_t *tj, const nx_sim_event_t *ev)
{
    uint64_t from = word(ev, 0), to = word(ev, 1), cls = word(ev, 2);
    instant_open(tj, track_of_hw(tj, to), tj->now, "ipi-line", "ipi");
    arg_u64(tj, "from_hartid", from);
    arg_u64(tj, "to_hartid", to);
    arg_u64(tj, "class", cls);
    arg_str(tj, "class_name", ipi_class_name(cls));
    instant_close(tj);
    if (to < NX_SIM_MAX_HARTS && !tj->ipi_pending[to]) {
        tj->ipi_pending[to] = true;
        tj->ipi_pending_count++;
        counter_ipi(tj, tj->now);
    }
}

static const char *const word_keys[NX_SIM_EVENT_WORDS] = { "w0", "w1", "w2", "w3", "w4" };

static void on_machine_event(nx_trace_json_t *tj, const nx_sim_event_t *ev)
{
    const uint64_t machine = NX_TRACE_JSON_MACHINE_TID;
    switch (ev->tag) {
    case NX_SIM_EV_CONSOLE:
        instant_open(tj, machine, tj->now, "console", "console");
        arg_u64(tj, "bytes", word(ev, 0));
        arg_key(tj, "fnv1a");
        put_hex_str(tj, word(ev, 1));
        break;
    case NX_SIM_EV_RAISE:
        advance(tj, word(ev, 1));
        instant_open(tj, machine, word(ev, 1), "raise", "device");
        arg_u64(tj, "source", word(ev, 0));
        break;
    case NX_SIM_EV_INJECT:
        advance(tj, word(ev, 0));
        instant_open(tj, machine, word(ev, 0), "inject", "inject");
        arg_u64(tj, "kind", word(ev, 1));
        arg_str(tj, "kind_name", inject_kind_name(word(ev, 1)));
        if (word(ev, 2) == NX_SIM_ALL_HARTS)
            arg_str(tj, "target", "all harts");
        else
            arg_u64(tj, "target", word(ev, 2));
        arg_u64(tj, "value", word(ev, 3));
        break;
    default:
        tj->unknown_events++;
        instant_open(tj, machine, tj->now, "unknown-event", "unknown");
        arg_u64(tj, "tag", ev->tag);
        for (uint32_t i = 0; i < ev->n && i < NX_SIM_EVENT_WORDS; i++)
            arg_u64(tj, word_keys[i], ev->w[i]);
        break;
    }
    instant_close(tj);
}

/* --- API ---------------------------------------------------------------- */

nx_trace_json_t *nx_trace_json_begin(FILE *to, uint32_t harts)
{
    if (to == NULL || harts == 0u || harts > NX_SIM_MAX_HARTS) {
        errno = EINVAL;
        return NULL;
    }
    nx_trace_json_t *tj = calloc(1, sizeof *tj);
    if (tj == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    tj->to = to;
    tj->harts = harts;
    tj->first = true;
    for (uint32_t i = 0; i < NX_SIM_MAX_HARTS; i++)
        tj->logical_of_hw[i] = -1;

    PUT_LIT(tj, "{\"traceEvents\":[");
    /* Process metadata on tid = pid (Perfetto's main thread), and pid 2's
     * before the harts' names: Perfetto names the newest thread of a tid,
     * and hart 2 must be newer than pid 2's main thread. */
    meta_name(tj, TJ_PID_HARTS, TJ_PID_HARTS, "process_name", "harts", 0, false);
    meta_sort(tj, TJ_PID_HARTS, TJ_PID_HARTS, "process_sort_index", TJ_PID_HARTS);
    meta_name(tj, TJ_PID_THREADS, TJ_PID_THREADS, "process_name", "threads", 0, false);
    meta_sort(tj, TJ_PID_THREADS, TJ_PID_THREADS, "process_sort_index", TJ_PID_THREADS);
    for (uint32_t h = 0; h < harts; h++) {
        meta_name(tj, TJ_PID_HARTS, h, "thread_name", "hart ", h, true);
        meta_sort(tj, TJ_PID_HARTS, h, "thread_sort_index", h);
    }
    meta_name(tj, TJ_PID_HARTS, NX_TRACE_JSON_MACHINE_TID, "thread_name", "machine", 0, false);
    meta_sort(tj, TJ_PID_HARTS, NX_TRACE_JSON_MACHINE_TID, "thread_sort_index",
              NX_TRACE_JSON_MACHINE_TID);
    return tj;
}

void nx_trace_json_event(nx_trace_json_t *tj, const nx_sim_event_t *ev)
{
    if (tj == NULL || ev == NULL)
        return;
    tj->events++;
    switch (ev->tag) {
    case NX_SIM_EV_SEED:
        tj->seed = word(ev, 0);
        tj->seeded = true;
        break;
    case NX_SIM_EV_RESUME:
        tj->resumed_hw = word(ev, 0);
        tj->resumed_known = true;
        advance(tj, word(ev, 1));
        break;
    case NX_SIM_EV_TRACE:
        on_trace(tj, ev);
        break;
    case NX_SIM_EV_IRQ:
        on_irq(tj, ev);
        break;
    case NX_SIM_EV_IPI:
        on_ipi(tj, ev);
        break;
    default:
        on_machine_event(tj, ev);
        break;
    }
}

void nx_trace_json_tap(const nx_sim_event_t *ev, void *ctx)
{
    nx_trace_json_event((nx_trace_json_t *)ctx, ev);
}

int nx_trace_json_end(nx_trace_json_t *tj, uint64_t end_time_ns)
{
    if (tj == NULL) {
        errno = EINVAL;
        return -1;
    }
    advance(tj, end_time_ns);
    uint64_t end = tj->now;
    for (uint32_t h = 0; h < tj->harts; h++)
        run_end(tj, h, end);
    for (uint32_t i = 0; i < TJ_THREAD_SLOTS; i++) {
        if (tj->threads[i].used && tj->threads[i].open)
            syscall_end(tj, &tj->threads[i], end, "run ended", 0);
    }

    PUT_LIT(tj, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"format\":");
    put_str(tj, NX_TRACE_JSON_FORMAT);
    PUT_LIT(tj, ",\"harts\":");
    put_u64(tj, tj->harts);
    PUT_LIT(tj, ",\"events\":");
    put_u64(tj, tj->events);
    PUT_LIT(tj, ",\"seed\":");
    if (tj->seeded)
        put_hex_str(tj, tj->seed);
    else
        PUT_LIT(tj, "null");
    PUT_LIT(tj, ",\"end_time_ns\":");
    put_u64(tj, end);
    PUT_LIT(tj, ",\"threads_tracked\":");
    put_u64(tj, tj->threads_tracked);
    PUT_LIT(tj, ",\"thread_overflow_events\":");
    put_u64(tj, tj->overflow_events);
    PUT_LIT(tj, ",\"syscall_exits_unmatched\":");
    put_u64(tj, tj->exits_unmatched);
    PUT_LIT(tj, ",\"switches_inferred\":");
    put_u64(tj, tj->switches_inferred);
    PUT_LIT(tj, ",\"unknown_events\":");
    put_u64(tj, tj->unknown_events);
    PUT_LIT(tj, ",\"runnable\":\"derived: +1 per wake queued on the hart, -1 per switch to a "
                "non-idle thread, floor 0\"}}\n");
    flush(tj);
    if (fflush(tj->to) != 0 && !tj->failed) {
        tj->failed = true;
        tj->err = errno != 0 ? errno : EIO;
    }
    if (ferror(tj->to) && !tj->failed) {
        tj->failed = true;
        tj->err = EIO;
    }
    bool failed = tj->failed;
    int err = tj->err;
    free(tj);
    if (failed) {
        errno = err;
        return -1;
    }
    return 0;
}
