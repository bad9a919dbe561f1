/*
 * object.c - object lifetime: koids and reference counts (see nx/object.h).
 */
#include "nx/object.h"
#include "nx/panic.h"

/* Next koid; 64-bit and only ever incremented: never reused in a boot. */
static _Atomic uint64_t next_koid = NX_KOID_FIRST;

/* The only place a koid is made (decision point 4: construction authority). */
static nx_koid_t koid_make(uint64_t v)
{
    nx_koid_t k = { v };
    return k;
}

void nx_object_reset(void)
{
    atomic_store_explicit(&next_koid, NX_KOID_FIRST, memory_order_relaxed);
}

uint64_t nx_koid_issued(void)
{
    return atomic_load_explicit(&next_koid, memory_order_relaxed) - NX_KOID_FIRST;
}

void nx_object_init(nx_object_t *obj, const nx_object_ops_t *ops)
{
    uint64_t k = atomic_fetch_add_explicit(&next_koid, 1u, memory_order_relaxed);
    if (k == 0u)
        nx_panic("koid space exhausted"); /* 2^64 objects: not in this universe */
    obj->ops = ops;
    obj->koid = koid_make(k);
    obj->type = (uint32_t)ops->type;
    atomic_store_explicit(&obj->refs, 1u, memory_order_relaxed);
    obj->caps = 0;
    obj->held_in = NULL;
    obj->reap_next = NULL;
}

_Noreturn void nx_object_ref_dead(const nx_object_t *obj)
{
    nx_panic("%s koid %llu: reference taken after it was destroyed", obj->ops->name,
             (unsigned long long)obj->koid.v);
}

void nx_object_unref_last(nx_object_t *obj, unsigned old)
{
    if (old == 0u)
        nx_panic("%s koid %llu: reference dropped twice", obj->ops->name,
                 (unsigned long long)obj->koid.v);
    if (old == 1u)
        obj->ops->destroy(obj);
}
