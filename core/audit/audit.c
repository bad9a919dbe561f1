/*
 * audit.c - the audit ring (see nx/audit.h).
 */
#include "nx/audit.h"
#include "nx/port.h"
#include "nx/spinlock.h"

/* Guarded by lock. */
static struct {
    nx_spinlock_t lock;
    nx_audit_record_t ring[NX_AUDIT_CAPACITY];
    uint32_t head; /* oldest record */
    uint32_t count;
    uint32_t seq;
    uint64_t appended;
    uint64_t dropped;
} audit;

void nx_audit_reset(void)
{
    audit.head = 0;
    audit.count = 0;
    audit.seq = 0;
    audit.appended = 0;
    audit.dropped = 0;
    nx_spin_init(&audit.lock);
}

static void append(nx_task_id_t task, nx_audit_op_t op, nx_handle_t handle,
                   nx_audit_reason_t reason, uint32_t nr, uint32_t rule)
{
    uint64_t now = nx_port_time_ns();
    nx_spin_lock(&audit.lock);
    audit.appended++;
    audit.seq++;
    if (audit.count == NX_AUDIT_CAPACITY) {
        audit.dropped++;
    } else {
        nx_audit_record_t *r = &audit.ring[(audit.head + audit.count) % NX_AUDIT_CAPACITY];
        r->time_ns = now;
        r->task = task;
        r->handle = handle;
        r->op = (uint16_t)op;
        r->reason = (uint16_t)reason;
        r->seq = audit.seq;
        r->syscall = (uint16_t)nr;
        r->rule = (uint16_t)rule;
        r->reserved = 0;
        audit.count++;
    }
    nx_spin_unlock(&audit.lock);
}

void nx_audit(nx_task_id_t task, nx_audit_op_t op, nx_handle_t handle, nx_audit_reason_t reason)
{
    append(task, op, handle, reason, NX_AUDIT_NO_SYSCALL, NX_AUDIT_NO_RULE);
}

void nx_audit_filter(nx_task_id_t task, uint32_t nr, uint32_t rule, nx_audit_reason_t reason)
{
    append(task, NX_AUDIT_OP_FILTER, NX_HANDLE_INVALID, reason,
           nr < NX_AUDIT_NO_SYSCALL ? nr : NX_AUDIT_NO_SYSCALL - 1u,
           rule < NX_AUDIT_NO_RULE ? rule : NX_AUDIT_NO_RULE);
}

uint32_t nx_audit_read(nx_audit_record_t *out, uint32_t max)
{
    uint32_t n = 0;
    nx_spin_lock(&audit.lock);
    while (n < max && audit.count > 0u) {
        out[n++] = audit.ring[audit.head];
        audit.head = (audit.head + 1u) % NX_AUDIT_CAPACITY;
        audit.count--;
    }
    nx_spin_unlock(&audit.lock);
    return n;
}

nx_audit_stats_t nx_audit_stats(void)
{
    nx_spin_lock(&audit.lock);
    nx_audit_stats_t s = { audit.appended, audit.dropped, audit.count };
    nx_spin_unlock(&audit.lock);
    return s;
}

const char *nx_audit_reason_name(nx_audit_reason_t reason)
{
    switch (reason) {
    case NX_AUDIT_OK:
        return "ok";
    case NX_AUDIT_HANDLE_FORGED:
        return "handle-forged";
    case NX_AUDIT_HANDLE_CLOSED:
        return "handle-closed";
    case NX_AUDIT_HANDLE_STALE:
        return "handle-stale";
    case NX_AUDIT_WRONG_TYPE:
        return "wrong-type";
    case NX_AUDIT_MISSING_RIGHT:
        return "missing-right";
    case NX_AUDIT_RIGHTS_ESCALATION:
        return "rights-escalation";
    case NX_AUDIT_UNKNOWN_RIGHTS:
        return "unknown-rights";
    case NX_AUDIT_TABLE_FULL:
        return "table-full";
    case NX_AUDIT_POOL_EXHAUSTED:
        return "pool-exhausted";
    case NX_AUDIT_DUPLICATE_IN_BATCH:
        return "duplicate-in-batch";
    case NX_AUDIT_BATCH_TOO_LARGE:
        return "batch-too-large";
    case NX_AUDIT_BAD_ARGUMENT:
        return "bad-argument";
    case NX_AUDIT_TASK_DEAD:
        return "task-dead";
    case NX_AUDIT_NOT_AUTHORITY:
        return "not-authority";
    case NX_AUDIT_UNKNOWN_SYSCALL:
        return "unknown-syscall";
    case NX_AUDIT_USER_FAULT:
        return "user-fault";
    case NX_AUDIT_BAD_ADDRESS:
        return "bad-address";
    case NX_AUDIT_SENT_ITSELF:
        return "sent-itself";
    case NX_AUDIT_WOULD_CYCLE:
        return "would-cycle";
    case NX_AUDIT_OVER_BUDGET:
        return "over-budget";
    case NX_AUDIT_SEALED:
        return "sealed";
    case NX_AUDIT_WX:
        return "w-and-x";
    case NX_AUDIT_OUT_OF_RANGE:
        return "out-of-range";
    case NX_AUDIT_FILTER_DENY:
        return "filter-deny";
    case NX_AUDIT_FILTER_KILL:
        return "filter-kill";
    case NX_AUDIT_FILTER_RATE:
        return "filter-rate";
    case NX_AUDIT_FILTER_LOG:
        return "filter-log";
    case NX_AUDIT_FILTER_REPORT:
        return "filter-report";
    case NX_AUDIT_FILTER_LOOSEN:
        return "filter-loosen";
    case NX_AUDIT_FILTER_MALFORMED:
        return "filter-malformed";
    case NX_AUDIT_FILTER_STACK_FULL:
        return "filter-stack-full";
    case NX_AUDIT_REASON_COUNT:
        break;
    }
    return "unknown";
}

const char *nx_audit_op_name(nx_audit_op_t op)
{
    switch (op) {
    case NX_AUDIT_OP_NONE:
        return "none";
    case NX_AUDIT_OP_LOOKUP:
        return "lookup";
    case NX_AUDIT_OP_DUPLICATE:
        return "duplicate";
    case NX_AUDIT_OP_REPLACE:
        return "replace";
    case NX_AUDIT_OP_CLOSE:
        return "close";
    case NX_AUDIT_OP_INFO:
        return "info";
    case NX_AUDIT_OP_TRANSFER:
        return "transfer";
    case NX_AUDIT_OP_REVOKE:
        return "revoke";
    case NX_AUDIT_OP_CREATE:
        return "create";
    case NX_AUDIT_OP_SIGNAL:
        return "signal";
    case NX_AUDIT_OP_SCHED:
        return "sched";
    case NX_AUDIT_OP_SYSCALL:
        return "syscall";
    case NX_AUDIT_OP_FAULT:
        return "fault";
    case NX_AUDIT_OP_CHANNEL:
        return "channel";
    case NX_AUDIT_OP_WAIT:
        return "wait";
    case NX_AUDIT_OP_FILTER:
        return "filter";
    case NX_AUDIT_OP_VMO:
        return "vmo";
    case NX_AUDIT_OP_DEVICE:
        return "device";
    case NX_AUDIT_OP_COUNT:
        break;
    }
    return "unknown";
}
