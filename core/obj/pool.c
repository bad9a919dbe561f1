/*
 * pool.c - fixed-capacity pools and their registry (see nx/pool.h).
 */
#include "nx/pool.h"
#include "nx/mem.h"
#include "nx/panic.h"

static struct {
    const nx_pool_t *pools[NX_MAX_POOLS];
    uint32_t count;
} registry;

void nx_pool_registry_clear(void)
{
    registry.count = 0;
}

uint32_t nx_pool_registry_count(void)
{
    return registry.count;
}

const nx_pool_t *nx_pool_registry_get(uint32_t index)
{
    return index < registry.count ? registry.pools[index] : NULL;
}

void nx_pool_reset(nx_pool_t *pool)
{
    /* Items are initialised when allocated (nx_pool_alloc zeroes them). */
    /* Lowest index first: allocation order is deterministic. */
    for (uint32_t i = 0; i < pool->capacity; i++)
        pool->links[i] = i + 1u < pool->capacity ? i + 1u : NX_POOL_END;
    pool->free_head = pool->capacity > 0u ? 0u : NX_POOL_END;
    pool->used = 0;
    pool->high_water = 0;
    nx_spin_init(&pool->lock);
    for (uint32_t i = 0; i < registry.count; i++)
        if (registry.pools[i] == pool)
            return;
    if (registry.count >= NX_MAX_POOLS)
        nx_panic("pool %s: more than NX_MAX_POOLS pools", pool->name);
    registry.pools[registry.count++] = pool;
}

_Noreturn void nx_pool_misuse(const nx_pool_t *pool, const void *item)
{
    nx_panic("pool %s: %p is not an allocated item (freed twice, or not from this pool)",
             pool->name, item);
}

void *nx_pool_alloc(nx_pool_t *pool)
{
    nx_spin_lock(&pool->lock);
    void *item = nx_pool_alloc_unlocked(pool);
    nx_spin_unlock(&pool->lock);
    if (item != NULL)
        nx_memset(item, 0, pool->item_size);
    return item;
}

uint32_t nx_pool_used(const nx_pool_t *pool)
{
    return pool->used;
}

/* FNV-1a's step, a 64-bit word at a time: cheap enough to run twice per
 * fuzzed system call over every object in use. */
static inline uint64_t fold(uint64_t h, uint64_t w)
{
    return (h ^ w) * 0x100000001b3ull;
}

uint64_t nx_pool_digest(const nx_pool_t *pool, uint64_t h)
{
    h = fold(h, ((uint64_t)pool->used << 32) | pool->free_head);
    /* Items are taken lowest index first: the scan ends at the last in use. */
    uint32_t left = pool->used;
    for (uint32_t i = 0; i < pool->capacity && left > 0u; i++) {
        if (pool->links[i] != NX_POOL_IN_USE)
            continue;
        left--;
        const unsigned char *item = pool->items + (size_t)i * pool->item_size;
        h = fold(h, i);
        size_t k = 0;
        for (; k + 8u <= pool->item_size; k += 8u) {
            uint64_t w;
            nx_memcpy(&w, item + k, 8u);
            h = fold(h, w);
        }
        for (; k < pool->item_size; k++)
            h = fold(h, item[k]);
    }
    return h;
}
