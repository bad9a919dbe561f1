/*
 * nx/audit.h - the audit ring: a bounded record of refused operations.
 *
 * Appending never blocks and never allocates: a full ring drops the new
 * record and counts it. Records are read (and removed) oldest first; their
 * sequence numbers show where records were dropped.
 */
#ifndef NX_AUDIT_H
#define NX_AUDIT_H

#include <stdint.h>

#include "nexus/audit.h"
#include "nexus/types.h"

/* Records the ring holds before it starts dropping. */
#define NX_AUDIT_CAPACITY 256u

/* Append a record stamped with nx_port_time_ns(). */
void nx_audit(nx_task_id_t task, nx_audit_op_t op, nx_handle_t handle, nx_audit_reason_t reason);

/* A filter's record of system call `nr`, decided by rule `rule` (its blob
 * index, NX_AUDIT_NO_RULE: the default). */
void nx_audit_filter(nx_task_id_t task, uint32_t nr, uint32_t rule, nx_audit_reason_t reason);

/* Move up to `max` of the oldest records into `out`; returns how many. */
uint32_t nx_audit_read(nx_audit_record_t *out, uint32_t max);

typedef struct nx_audit_stats {
    uint64_t appended; /* records ever offered */
    uint64_t dropped;  /* of those, dropped because the ring was full */
    uint32_t pending;  /* in the ring now */
} nx_audit_stats_t;

nx_audit_stats_t nx_audit_stats(void);

/* Stable names, for logs and the console ("handle-stale", "duplicate"). */
const char *nx_audit_reason_name(nx_audit_reason_t reason);
const char *nx_audit_op_name(nx_audit_op_t op);

/* Empty the ring and zero the counters; core reset only. */
void nx_audit_reset(void);

#endif /* NX_AUDIT_H */
