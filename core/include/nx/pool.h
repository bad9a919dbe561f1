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

/* Empty the pool (zeroing every item) and register it; core reset only. */
void nx_pool_reset(nx_pool_t *pool);

/* A zeroed item, or NULL when the pool is full. */
void *nx_pool_alloc(nx_pool_t *pool);

/* Return an item; panics on an item not from this pool or not allocated. */
void nx_pool_free(nx_pool_t *pool, void *item);

/* Index of an item of the pool, and the item at an index (no check of use). */
uint32_t nx_pool_index(const nx_pool_t *pool, const void *item);
void *nx_pool_item(const nx_pool_t *pool, uint32_t index);

/* The registry: every pool reset since the last nx_pool_registry_clear(). */
void nx_pool_registry_clear(void);
uint32_t nx_pool_registry_count(void);
const nx_pool_t *nx_pool_registry_get(uint32_t index);

/* Items in use (a snapshot; the pool may change right after). */
uint32_t nx_pool_used(const nx_pool_t *pool);

#endif /* NX_POOL_H */
