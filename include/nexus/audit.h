/*
 * nexus/audit.h - audit records of refused operations. Values are ABI:
 * operation and reason codes are frozen (tests/unit/test_audit.c pins them).
 *
 * Every refused capability operation appends one record to a bounded ring;
 * a full ring counts the records it dropped, it never blocks or allocates.
 */
#ifndef NEXUS_AUDIT_H
#define NEXUS_AUDIT_H

#include <stdint.h>

#include "nexus/types.h"

typedef enum nx_audit_op {
    NX_AUDIT_OP_NONE = 0,
    NX_AUDIT_OP_LOOKUP = 1, /* any use of a handle by another operation */
    NX_AUDIT_OP_DUPLICATE = 2,
    NX_AUDIT_OP_REPLACE = 3,
    NX_AUDIT_OP_CLOSE = 4,
    NX_AUDIT_OP_INFO = 5,
    NX_AUDIT_OP_TRANSFER = 6,
    NX_AUDIT_OP_REVOKE = 7,
    NX_AUDIT_OP_CREATE = 8,
    NX_AUDIT_OP_SIGNAL = 9,
    NX_AUDIT_OP_SCHED = 10,   /* thread create, sleep, join, QoS and affinity changes */
    NX_AUDIT_OP_SYSCALL = 11, /* the dispatcher itself: an unknown system call */
    NX_AUDIT_OP_FAULT = 12,   /* a user program faulted and its task was ended */
    NX_AUDIT_OP_CHANNEL = 13, /* channel create, write, read, call */
    NX_AUDIT_OP_WAIT = 14,    /* waiting on object signals (one handle or a wait set) */
    NX_AUDIT_OP_VMO = 15,     /* VMO create, read, write, slice, seal, map, unmap */
    NX_AUDIT_OP_FILTER = 16,  /* the syscall filter: a call it decided, or an attach */
    NX_AUDIT_OP_DEVICE = 17,  /* device info and map (nexus/device.h) */
    NX_AUDIT_OP_COUNT
} nx_audit_op_t;

typedef enum nx_audit_reason {
    NX_AUDIT_OK = 0,
    NX_AUDIT_HANDLE_FORGED = 1,       /* a value the table never issued */
    NX_AUDIT_HANDLE_CLOSED = 2,       /* its slot is free */
    NX_AUDIT_HANDLE_STALE = 3,        /* its slot was reused since */
    NX_AUDIT_WRONG_TYPE = 4,          /* the object is of another type */
    NX_AUDIT_MISSING_RIGHT = 5,       /* the handle lacks a needed right */
    NX_AUDIT_RIGHTS_ESCALATION = 6,   /* asked for rights the handle lacks */
    NX_AUDIT_UNKNOWN_RIGHTS = 7,      /* rights bits outside NX_RIGHTS_ALL */
    NX_AUDIT_TABLE_FULL = 8,          /* the handle table has no free slot */
    NX_AUDIT_POOL_EXHAUSTED = 9,      /* an object or capability pool is full */
    NX_AUDIT_DUPLICATE_IN_BATCH = 10, /* a transfer names one handle twice */
    NX_AUDIT_BATCH_TOO_LARGE = 11,    /* a transfer names too many handles */
    NX_AUDIT_BAD_ARGUMENT = 12,       /* a pointer, count or flag argument is invalid */
    NX_AUDIT_TASK_DEAD = 13,          /* the task named is dying or dead */
    NX_AUDIT_NOT_AUTHORITY = 14,      /* raising QoS / widening affinity without the
                                         MANAGE handle to the thread's task */
    NX_AUDIT_UNKNOWN_SYSCALL = 15,    /* a system call number that does not exist */
    NX_AUDIT_USER_FAULT = 16,         /* bad access, illegal instruction, misalignment, ebreak */
    NX_AUDIT_BAD_ADDRESS = 17,        /* a system call's pointer is not the caller's memory */
    NX_AUDIT_SENT_ITSELF = 18,        /* a channel endpoint sent through itself or its peer */
    NX_AUDIT_WOULD_CYCLE = 19,        /* endpoints would hold each other in their queues */
    NX_AUDIT_OVER_BUDGET = 20,        /* the task's memory budget cannot pay for it */
    NX_AUDIT_SEALED = 21,             /* writing, or mapping writable, a sealed VMO */
    NX_AUDIT_WX = 22,                 /* a mapping both writable and executable */
    NX_AUDIT_OUT_OF_RANGE = 23,       /* an offset or length past an object's bounds */
    NX_AUDIT_FILTER_DENY = 24,        /* the task's filter refused the call (a DENY rule) */
    NX_AUDIT_FILTER_KILL = 25,        /* the task's filter ended the task (a KILL rule) */
    NX_AUDIT_FILTER_RATE = 26,        /* a RATE rule's bucket was empty */
    NX_AUDIT_FILTER_LOG = 27,         /* a LOG rule let the call run */
    NX_AUDIT_FILTER_REPORT = 28,      /* a report-mode filter would have refused it */
    NX_AUDIT_FILTER_LOOSEN = 29,      /* an attach that would remove what enforces */
    NX_AUDIT_FILTER_MALFORMED = 30,   /* a filter blob the kernel refused */
    NX_AUDIT_FILTER_STACK_FULL = 31,  /* NX_FILTER_MAX_STACK filters already */
    NX_AUDIT_REASON_COUNT
} nx_audit_reason_t;

typedef struct nx_audit_record {
    uint64_t time_ns;   /* nx_port_time_ns() when it was refused */
    nx_task_id_t task;  /* the task whose call was refused */
    nx_handle_t handle; /* the handle the call named (NX_HANDLE_INVALID if none) */
    uint16_t op;        /* nx_audit_op_t */
    uint16_t reason;    /* nx_audit_reason_t */
    uint32_t seq;       /* 1, 2, 3...: gaps show dropped records */
    /* The filter's records (op NX_AUDIT_OP_FILTER) of a call: */
    uint16_t syscall; /* its number (NX_AUDIT_NO_SYSCALL: not a filter record) */
    uint16_t rule;    /* the deciding rule's blob index (NX_AUDIT_NO_RULE: the default) */
    uint32_t reserved;
} nx_audit_record_t;

#define NX_AUDIT_NO_SYSCALL 0xffffu
#define NX_AUDIT_NO_RULE    0xffffu

#endif /* NEXUS_AUDIT_H */
