/*
 * nx/pool.h - fixed-capacity pools: the kernel's only way to get memory.
 *
 * Each pool is an array of `capacity` items sized at compile time and a free
 * list through a parallel array of links. Allocating past the capacity
 * fails (the caller returns NX_ERR_NO_RESOURCES); nothing is ever allocated
 * at run time. Every pool registers itself in one registry so tests can
 * check that each is back to its baseline after a test (no leak).
 */
#ifndef NX_POOL_H
#define NX_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "nx/mem.h"

#include "nx/spinlock.h"

/* Pools in the registry; registering more panics at boot. */
#define NX_MAX_POOLS 16u

typedef struct nx_pool {
    const char *name;
    unsigned char *items;
    size_t item_size;
    uint32_t capacity;
    uint32_t *links; /* free list; NX_POOL_IN_USE marks an allocated item */
    /* Guarded by lock: */
    nx_spinlock_t lock;
    uint32_t free_head;
    uint32_t used;
    uint32_t high_water;
} nx_pool_t;

#define NX_POOL_END    UINT32_MAX
#define NX_POOL_IN_USE (UINT32_MAX - 1u)

/* Define a pool `var` of `cap` items of `type` (static storage). */
#define NX_POOL_DEFINE(var, type, cap)                                                             \
    static type var##_items[(cap)];                                                                \
    static uint32_t var##_links[(cap)];                                                            \
    static nx_pool_t var = { #var,                                                                 \
                             (unsigned char *)var##_items,                                         \
                             sizeof(type),                                                         \
                             (cap),                                                                \
                             var##_links,                                                          \
                             NX_SPINLOCK_INIT,                                                     \
                             NX_POOL_END,                                                          \
                             0,                                                                    \
                             0 }

/* Empty the pool and register it; core reset only. */
void nx_pool_reset(nx_pool_t *pool);

/* Panic: `item` is not an allocated item of `pool` (out of line: cold). */
_Noreturn void nx_pool_misuse(const nx_pool_t *pool, const void *item);

/*
 * The pool's free list without its lock (by index or by item), for pools whose items are only
 * touched under another lock the caller holds (the capability nodes, under
 * the capability lock). The item is not zeroed.
 */
static inline uint32_t nx_pool_take_unlocked(nx_pool_t *pool)
{
    uint32_t i = pool->free_head;
    if (i == NX_POOL_END)
        return NX_POOL_END;
    pool->free_head = pool->links[i];
    pool->links[i] = NX_POOL_IN_USE;
    if (++pool->used > pool->high_water)
        pool->high_water = pool->used;
    return i;
}

static inline void nx_pool_put_unlocked(nx_pool_t *pool, uint32_t i)
{
    if (i >= pool->capacity || pool->links[i] != NX_POOL_IN_USE)
        nx_pool_misuse(pool, pool->items + (size_t)i * pool->item_size);
    pool->links[i] = pool->free_head;
    pool->free_head = i;
    pool->used--;
}

static inline void *nx_pool_alloc_unlocked(nx_pool_t *pool)
{
    uint32_t i = nx_pool_take_unlocked(pool);
    return i == NX_POOL_END ? NULL : pool->items + (size_t)i * pool->item_size;
}

static inline void nx_pool_free_unlocked(nx_pool_t *pool, void *item)
{
    /* Unsigned: an item below the array wraps to a huge offset. */
    uintptr_t off = (uintptr_t)item - (uintptr_t)pool->items;
    if (off % pool->item_size != 0u || off / pool->item_size >= pool->capacity)
        nx_pool_misuse(pool, item);
    nx_pool_put_unlocked(pool, (uint32_t)(off / pool->item_size));
}

/* A zeroed item, or NULL when the pool is full. */
void *nx_pool_alloc(nx_pool_t *pool);

/* An item as its last user left it, or NULL: for large items whose caller
 * sets every field it reads (a message's 1 KiB payload is written before
 * any of it is read; zeroing it would cost more than the whole write). */
static inline void *nx_pool_alloc_uninit(nx_pool_t *pool)
{
    nx_spin_lock(&pool->lock);
    void *item = nx_pool_alloc_unlocked(pool);
    nx_spin_unlock(&pool->lock);
    return item;
}

/* Return an item; panics on an item not from this pool or not allocated.
 * Inline with nx_pool_alloc_uninit: a message takes both per write+read. */
static inline void nx_pool_free(nx_pool_t *pool, void *item)
{
    nx_spin_lock(&pool->lock);
    /* Checked before anything changes; the panic leaves the lock held,
     * which no longer matters. */
    nx_pool_free_unlocked(pool, item);
    nx_spin_unlock(&pool->lock);
}

/* Index of an item of the pool, and the item at an index (no check of use). */
static inline uint32_t nx_pool_index(const nx_pool_t *pool, const void *item)
{
    return (uint32_t)(((uintptr_t)item - (uintptr_t)pool->items) / pool->item_size);
}

static inline void *nx_pool_item(const nx_pool_t *pool, uint32_t index)
{
    return pool->items + (size_t)index * pool->item_size;
}

/*
 * Fold the pool's state into `h`: its allocation state (count, free list)
 * and the bytes of every item in use. For nx_core_state_digest(); reads
 * without the lock, so only where nothing else runs.
 */
uint64_t nx_pool_digest(const nx_pool_t *pool, uint64_t h);

/* The registry: every pool reset since the last nx_pool_registry_clear(). */
void nx_pool_registry_clear(void);
uint32_t nx_pool_registry_count(void);
const nx_pool_t *nx_pool_registry_get(uint32_t index);

/* Items in use (a snapshot; the pool may change right after). */
uint32_t nx_pool_used(const nx_pool_t *pool);

#endif /* NX_POOL_H */
