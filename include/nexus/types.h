/*
 * nexus/types.h - identifier newtypes of the ABI.
 *
 * Each identifier is a one-member struct: the same size and cost as the
 * integer inside, but a distinct type, so passing a koid where a handle is
 * expected (or a hart id where an IRQ id is) is a compile error, not a bug
 * found later. tests/newtype/ holds snippets that must fail to compile.
 * The user API also types handles by kind of object (nexus/handle.h).
 *
 * User code receives these from the kernel and passes them back; it never
 * makes one from an integer except the documented invalid values. Inside
 * the kernel only the owning module constructs its ids (decision point 4):
 * the constructors live in that module's internal header.
 */
#ifndef NEXUS_TYPES_H
#define NEXUS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* A task's name for a capability: a slot of its handle table plus a
 * generation. Never 0; a closed, stale or forged value is refused. */
typedef struct nx_handle {
    uint32_t v;
} nx_handle_t;

/* Kernel object id: 64-bit, never reused within a boot. */
typedef struct nx_koid {
    uint64_t v;
} nx_koid_t;

/* Task (process) id, never reused within a boot. */
typedef struct nx_task_id {
    uint32_t v;
} nx_task_id_t;

/* Thread id, never reused within a boot. */
typedef struct nx_thread_id {
    uint32_t v;
} nx_thread_id_t;

/* Logical hart index 0..NX_MAX_HARTS-1. */
typedef struct nx_hart_id {
    uint32_t v;
} nx_hart_id_t;

/* Address-space id. */
typedef struct nx_asid {
    uint32_t v;
} nx_asid_t;

/* Interrupt source id (a PLIC source on RISC-V). */
typedef struct nx_irq_id {
    uint32_t v;
} nx_irq_id_t;

/* A service id: who sent a message, stamped by the kernel from the sending
 * task (never taken from the payload). */
typedef struct nx_service_id {
    uint32_t v;
} nx_service_id_t;

/* The values that mean "none". */
#define NX_HANDLE_INVALID ((nx_handle_t){ 0 })
#define NX_KOID_INVALID   ((nx_koid_t){ 0 })

static inline bool nx_handle_is_valid(nx_handle_t h)
{
    return h.v != 0u;
}

static inline bool nx_handle_eq(nx_handle_t a, nx_handle_t b)
{
    return a.v == b.v;
}

static inline bool nx_koid_eq(nx_koid_t a, nx_koid_t b)
{
    return a.v == b.v;
}

#endif /* NEXUS_TYPES_H */
