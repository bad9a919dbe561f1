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
    nx_memset(pool->items, 0, pool->item_size * pool->capacity);
    /* Lowest index first: allocation order is deterministic. */
    for (uint32_t i = 0; i < pool->capacity; i++)
        pool->links[i] = i + 1u < pool->capacity ? i + 1u : NX_POOL_END;
    pool->free_head = pool->capacity > 0u ? 0u : NX_POOL_END;
    pool->used = 0;
    pool->high_water = 0;
    nx_spin_unlock(&pool->lock);
    for (uint32_t i = 0; i < registry.count; i++)
        if (registry.pools[i] == pool)
            return;
    if (registry.count >= NX_MAX_POOLS)
        nx_panic("pool %s: more than NX_MAX_POOLS pools", pool->name);
    registry.pools[registry.count++] = pool;
}

void *nx_pool_alloc(nx_pool_t *pool)
{
    nx_spin_lock(&pool->lock);
    uint32_t i = pool->free_head;
    if (i == NX_POOL_END) {
        nx_spin_unlock(&pool->lock);
        return NULL;
    }
    pool->free_head = pool->links[i];
    pool->links[i] = NX_POOL_IN_USE;
    pool->used++;
    if (pool->used > pool->high_water)
        pool->high_water = pool->used;
    nx_spin_unlock(&pool->lock);
    void *item = pool->items + (size_t)i * pool->item_size;
    nx_memset(item, 0, pool->item_size);
    return item;
}

uint32_t nx_pool_index(const nx_pool_t *pool, const void *item)
{
    size_t off = (size_t)((const unsigned char *)item - pool->items);
    return (uint32_t)(off / pool->item_size);
}

void *nx_pool_item(const nx_pool_t *pool, uint32_t index)
{
    return pool->items + (size_t)index * pool->item_size;
}

void nx_pool_free(nx_pool_t *pool, void *item)
{
    uintptr_t base = (uintptr_t)pool->items, at = (uintptr_t)item;
    if (at < base || (at - base) % pool->item_size != 0u ||
        (at - base) / pool->item_size >= pool->capacity)
        nx_panic("pool %s: freeing %p, which is not one of its items", pool->name, item);
    uint32_t i = (uint32_t)((at - base) / pool->item_size);
    nx_spin_lock(&pool->lock);
    if (pool->links[i] != NX_POOL_IN_USE) {
        nx_spin_unlock(&pool->lock);
        nx_panic("pool %s: item %u freed twice", pool->name, i);
    }
    pool->links[i] = pool->free_head;
    pool->free_head = i;
    pool->used--;
    nx_spin_unlock(&pool->lock);
}

uint32_t nx_pool_used(const nx_pool_t *pool)
{
    return pool->used;
}
