/*
 * table.c - slots of a handle table: encoding, FIFO reuse, retirement.
 */
#include "cap_internal.h"

void nx_handle_table_init(nx_handle_table_t *t)
{
    for (uint32_t s = 0; s < NX_MAX_HANDLES_PER_TASK; s++) {
        nx_handle_entry_t *e = &t->e[s];
        e->value = nx_slot_free_marker(s);
        e->type = NX_OBJ_NONE;
        e->rights = 0;
        e->gen = 1;
        e->node = NX_NODE_NONE;
        e->retired = 0;
        e->obj = NULL;
        e->next_free = (uint16_t)(s + 1u < NX_MAX_HANDLES_PER_TASK ? s + 1u : NX_SLOT_NONE);
    }
    t->free_head = 0;
    t->free_tail = (uint16_t)(NX_MAX_HANDLES_PER_TASK - 1u);
    t->free_count = NX_MAX_HANDLES_PER_TASK;
    t->retired = 0;
}

uint32_t nx_handle_table_count(const nx_handle_table_t *t)
{
    return NX_MAX_HANDLES_PER_TASK - t->free_count - t->retired;
}

void nx_slot_retire(nx_handle_table_t *t, uint32_t slot)
{
    /* Wrapping would let an old value name a new object: never reuse it. */
    t->e[slot].retired = 1;
    t->retired++;
}

nx_audit_reason_t nx_slot_classify(const nx_handle_table_t *t, nx_handle_t h)
{
    const nx_handle_entry_t *e = &t->e[h.v & NX_HANDLE_SLOT_MASK];
    uint32_t gen = h.v >> NX_HANDLE_SLOT_BITS;
    if (gen == 0u)
        return NX_AUDIT_HANDLE_FORGED;
    /* The newest generation this slot has issued. */
    uint32_t newest = e->obj != NULL || e->retired ? e->gen : e->gen - 1u;
    if (gen > newest)
        return NX_AUDIT_HANDLE_FORGED;
    if (gen == newest && e->obj == NULL)
        return NX_AUDIT_HANDLE_CLOSED;
    return NX_AUDIT_HANDLE_STALE;
}
