/*
 * pages.c - pages of memory objects on the simulated machine
 * (nx_port_pages_*).
 *
 * One allocation is one zeroed host block of whole pages, on the
 * machine's list so a run's end frees what the kernel still holds; its
 * pages count against the machine's user memory, as mapped memory does
 * (sim/aspace.c), so a VMO can run the machine out of memory.
 *
 * Every block is contiguous, so a DMA VMO's pages need nothing more; what
 * they get is a bus address for the device models: a range of the
 * machine's RAM addresses (from VIRT_DRAM_BASE + 1 GiB up, past what the
 * kernel could be told about) handed out in order and never reused in a
 * run, so a device told a stale address reaches nothing (nx_sim_dma).
 */
#include <stdlib.h>

#include "machine.h"
#include "virt.h"

#define SIM_DMA_BASE (VIRT_DRAM_BASE + (1ull << 30))

struct sim_pages {
    size_t count;
    unsigned char *mem;
    uint64_t bus; /* contiguous allocations: their bus address; 0 otherwise */
    struct sim_pages *next;
    struct sim_pages *prev;
};

static struct sim_pages *pages_of(const nx_port_pages_t *pages)
{
    struct sim_pages *p = pages != NULL ? (struct sim_pages *)pages->word[0] : NULL;
    if (p == NULL)
        nx_sim_misuse("pages that were never allocated (or were freed)");
    return p;
}

nx_status_t nx_port_pages_alloc(nx_port_pages_t *pages, size_t count)
{
    sim_machine_t *m = nx_sim_machine();
    if (count == 0u || count > NX_PORT_PAGES_MAX)
        return NX_ERR_INVALID_ARGS;
    uint64_t bytes = (uint64_t)count * NX_PAGE_SIZE;
    if (bytes > m->cfg.memory_bytes / 2u - m->user_bytes)
        return NX_ERR_NO_RESOURCES;
    struct sim_pages *p = calloc(1, sizeof *p);
    unsigned char *mem = calloc(1, (size_t)bytes);
    if (p == NULL || mem == NULL) {
        free(p);
        free(mem);
        return NX_ERR_NO_RESOURCES;
    }
    p->count = count;
    p->mem = mem;
    p->next = m->pages;
    if (m->pages != NULL)
        m->pages->prev = p;
    m->pages = p;
    m->user_bytes += bytes;
    pages->word[0] = (uintptr_t)p;
    pages->word[1] = count;
    return NX_OK;
}

static void pages_release(sim_machine_t *m, struct sim_pages *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        m->pages = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    m->user_bytes -= (uint64_t)p->count * NX_PAGE_SIZE;
    free(p->mem);
    free(p);
}

void nx_port_pages_free(nx_port_pages_t *pages)
{
    sim_machine_t *m = nx_sim_machine();
    struct sim_pages *p = pages_of(pages);
    if (nx_sim_pages_mapped(m, p->mem, p->count * NX_PAGE_SIZE))
        nx_sim_misuse("freeing pages that are still mapped");
    pages_release(m, p);
    pages->word[0] = 0;
    pages->word[1] = 0;
}

void *nx_port_pages_kaddr(const nx_port_pages_t *pages, size_t index)
{
    struct sim_pages *p = pages_of(pages);
    if (index >= p->count)
        nx_sim_misuse("a page index past the allocation");
    return p->mem + index * NX_PAGE_SIZE;
}

/* The host block behind `pages` from page `first` on, or NULL when fewer
 * than `count` pages are there. */
unsigned char *nx_sim_pages_span(const nx_port_pages_t *pages, size_t first, size_t count)
{
    struct sim_pages *p = pages_of(pages);
    if (first > p->count || count > p->count - first)
        return NULL;
    return p->mem + first * NX_PAGE_SIZE;
}

void nx_sim_pages_free_all(sim_machine_t *m)
{
    while (m->pages != NULL)
        pages_release(m, m->pages);
}

nx_status_t nx_port_pages_alloc_contiguous(nx_port_pages_t *pages, size_t count)
{
    nx_status_t st = nx_port_pages_alloc(pages, count);
    if (st == NX_OK) {
        sim_machine_t *m = nx_sim_machine();
        struct sim_pages *p = pages_of(pages);
        if (m->dma_next < SIM_DMA_BASE)
            m->dma_next = SIM_DMA_BASE;
        p->bus = m->dma_next;
        m->dma_next += (uint64_t)count * NX_PAGE_SIZE;
    }
    return st;
}

uint64_t nx_port_pages_device_address(const nx_port_pages_t *pages, size_t index)
{
    const struct sim_pages *p = pages_of(pages);
    if (p->bus == 0u || index >= p->count)
        nx_sim_misuse("a device address of pages that are not contiguous, or past them");
    return p->bus + (uint64_t)index * NX_PAGE_SIZE;
}

unsigned char *nx_sim_dma(sim_machine_t *m, uint64_t bus, size_t len)
{
    for (struct sim_pages *p = m->pages; p != NULL; p = p->next) {
        uint64_t size = (uint64_t)p->count * NX_PAGE_SIZE;
        if (p->bus != 0u && bus >= p->bus && bus - p->bus <= size && len <= size - (bus - p->bus))
            return p->mem + (bus - p->bus);
    }
    return NULL;
}
