/*
 * aspace.c - user address spaces and user copies on the simulated machine
 * (nx_port_aspace_*, nx_port_copy_*).
 *
 * The model: an address space is a list of mappings in the user range
 * [NX_SIM_USER_BASE, NX_SIM_USER_TOP), each backed by host memory, with
 * permissions and W^X checked as the rv64 page tables check them; a hart
 * has one active space. Mapped memory counts against the machine's RAM.
 *
 * A VMO's pages (sim/pages.c) map shared: the mapping points into their
 * block and does not own it. Unmapping one counts a TLB shootdown on every
 * other hart with the space active (there is no simulated TLB to flush:
 * lookups always walk the list, so nothing stale can be used).
 *
 * A device's registers map as a device mapping (nx_port_aspace_map_device):
 * no memory behind it, only the physical window; a program reaches it
 * with nx_sim_mmio_read/write, which hand each access to the device
 * models (devices.c). No copy of the kernel's ever touches one: reading a
 * register may change the device (a byte leaves the UART's receive
 * FIFO), so a system call naming a device mapping is NX_ERR_BAD_ADDRESS.
 *
 * Simulated programs are host functions: their stack is their thread's
 * fiber and their pointers are host pointers. So a copy accepts, besides
 * mapped user addresses, a range that lies wholly inside the calling
 * program thread's own part of its stack (user programs pass buffers on
 * their stack; the user API copies a string there before a call that
 * takes one): from its stack pointer at the system call up to the fiber's
 * top. The kernel runs the call on the same fiber, below that point, so
 * the rest is the kernel's frames. Everything else (those frames, kernel
 * statics, kernel threads' stacks, another thread's stack, wrapping
 * ranges) is NX_ERR_BAD_ADDRESS, as on rv64.
 */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "nxsim/asan.h"
#include "nxsim/harness.h"

typedef struct sim_mapping {
    uintptr_t va;
    size_t size;
    uint32_t prot;
    unsigned char *mem; /* NULL for a device */
    bool shared;        /* a VMO's pages or a device: not ours to free */
    uint64_t phys;      /* a device's window: its first page's physical address */
} sim_mapping_t;

struct sim_aspace {
    sim_mapping_t map[NX_SIM_ASPACE_MAPPINGS];
    uint32_t count;
    struct sim_aspace *next; /* the machine's list, freed at the run's end */
    struct sim_aspace *prev;
};

void nx_port_user_range(uintptr_t *base, uintptr_t *top)
{
    *base = NX_SIM_USER_BASE;
    *top = NX_SIM_USER_TOP;
}

static sim_aspace_t *aspace_of(const nx_port_aspace_t *as)
{
    sim_aspace_t *a = as != NULL ? (sim_aspace_t *)as->word[0] : NULL;
    if (a == NULL)
        nx_sim_misuse("an address space that was never created (or was destroyed)");
    return a;
}

nx_status_t nx_port_aspace_create(nx_port_aspace_t *as)
{
    sim_machine_t *m = nx_sim_machine();
    sim_aspace_t *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NX_ERR_NO_RESOURCES;
    a->next = m->aspaces;
    if (m->aspaces != NULL)
        m->aspaces->prev = a;
    m->aspaces = a;
    as->word[0] = (uintptr_t)a;
    as->word[1] = 0;
    return NX_OK;
}

uint32_t nx_sim_aspace_mappings(const nx_port_aspace_t *as)
{
    return aspace_of(as)->count;
}

static void free_aspace(sim_machine_t *m, sim_aspace_t *a)
{
    for (uint32_t i = 0; i < a->count; i++) {
        if (a->map[i].shared)
            continue;
        m->user_bytes -= a->map[i].size;
        free(a->map[i].mem);
    }
    if (a->prev != NULL)
        a->prev->next = a->next;
    else
        m->aspaces = a->next;
    if (a->next != NULL)
        a->next->prev = a->prev;
    free(a);
}

void nx_port_aspace_destroy(nx_port_aspace_t *as)
{
    sim_machine_t *m = nx_sim_machine();
    sim_aspace_t *a = aspace_of(as);
    for (uint32_t i = 0; i < m->cfg.harts; i++)
        if (m->harts[i].aspace == a)
            nx_sim_misuse("destroying an address space that is active on a hart");
    free_aspace(m, a);
    as->word[0] = 0;
}

void nx_sim_aspaces_free(sim_machine_t *m)
{
    while (m->aspaces != NULL)
        free_aspace(m, m->aspaces);
}

/* The checks every map request gets (the port contract's statuses). */
static nx_status_t map_check(const sim_aspace_t *a, uintptr_t va, size_t size, uint32_t prot)
{
    const uint32_t all = NX_PROT_READ | NX_PROT_WRITE | NX_PROT_EXEC;
    if (va % NX_PAGE_SIZE != 0u || size == 0u || size % NX_PAGE_SIZE != 0u || prot == 0u ||
        (prot & ~all) != 0u ||
        (prot & (NX_PROT_WRITE | NX_PROT_EXEC)) == (NX_PROT_WRITE | NX_PROT_EXEC))
        return NX_ERR_INVALID_ARGS;
    if (va < NX_SIM_USER_BASE || va >= NX_SIM_USER_TOP || size > NX_SIM_USER_TOP - va)
        return NX_ERR_OUT_OF_RANGE;
    for (uint32_t i = 0; i < a->count; i++)
        if (va < a->map[i].va + a->map[i].size && a->map[i].va < va + size)
            return NX_ERR_ALREADY_EXISTS;
    if (a->count == NX_SIM_ASPACE_MAPPINGS)
        return NX_ERR_NO_RESOURCES;
    return NX_OK;
}

nx_status_t nx_port_aspace_map(nx_port_aspace_t *as, uintptr_t va, size_t size, uint32_t prot,
                               const void *init, size_t init_len)
{
    sim_machine_t *m = nx_sim_machine();
    sim_aspace_t *a = aspace_of(as);
    if (init_len > size || (init_len > 0u && init == NULL))
        return NX_ERR_INVALID_ARGS;
    nx_status_t st = map_check(a, va, size, prot);
    if (st != NX_OK)
        return st;
    /* User memory is what the machine's RAM leaves for it: half of it. */
    if (size > m->cfg.memory_bytes / 2u - m->user_bytes)
        return NX_ERR_NO_RESOURCES;
    unsigned char *mem = calloc(1, size);
    if (mem == NULL)
        return NX_ERR_NO_RESOURCES;
    if (init_len > 0u)
        memcpy(mem, init, init_len);
    a->map[a->count++] = (sim_mapping_t){ va, size, prot, mem, false, 0 };
    m->user_bytes += size;
    return NX_OK;
}

nx_status_t nx_port_aspace_map_pages(nx_port_aspace_t *as, uintptr_t va, size_t size, uint32_t prot,
                                     const nx_port_pages_t *pages, size_t first)
{
    sim_aspace_t *a = aspace_of(as);
    unsigned char *mem = nx_sim_pages_span(pages, first, size / NX_PAGE_SIZE);
    if (mem == NULL)
        return NX_ERR_INVALID_ARGS;
    nx_status_t st = map_check(a, va, size, prot);
    if (st != NX_OK)
        return st;
    a->map[a->count++] = (sim_mapping_t){ va, size, prot, mem, true, 0 };
    return NX_OK;
}

nx_status_t nx_port_aspace_map_device(nx_port_aspace_t *as, uintptr_t va, size_t size,
                                      uint32_t prot, uint64_t phys)
{
    sim_aspace_t *a = aspace_of(as);
    if (phys % NX_PAGE_SIZE != 0u || (prot & NX_PROT_EXEC) != 0u)
        return NX_ERR_INVALID_ARGS;
    nx_status_t st = map_check(a, va, size, prot);
    if (st != NX_OK)
        return st;
    a->map[a->count++] = (sim_mapping_t){ va, size, prot, NULL, true, phys };
    return NX_OK;
}

void nx_port_aspace_unmap(nx_port_aspace_t *as, uintptr_t va, size_t size)
{
    sim_machine_t *m = nx_sim_machine();
    sim_aspace_t *a = aspace_of(as);
    uint32_t i = 0;
    while (i < a->count && !(a->map[i].va == va && a->map[i].size == size && a->map[i].shared))
        i++;
    if (i == a->count)
        nx_sim_misuse("unmapping a range that is not one shared mapping");
    a->map[i] = a->map[--a->count];
    sim_hart_t *self = nx_sim_self(m);
    for (uint32_t h = 0; h < m->cfg.harts; h++)
        if (&m->harts[h] != self && m->harts[h].aspace == a)
            m->harts[h].tlb_shootdowns++;
}

bool nx_sim_pages_mapped(sim_machine_t *m, const unsigned char *mem, size_t len)
{
    for (const sim_aspace_t *a = m->aspaces; a != NULL; a = a->next)
        for (uint32_t i = 0; i < a->count; i++)
            if (a->map[i].mem != NULL && a->map[i].shared && a->map[i].mem < mem + len &&
                mem < a->map[i].mem + a->map[i].size)
                return true;
    return false;
}

void nx_port_aspace_activate(nx_port_aspace_t *as)
{
    sim_machine_t *m = nx_sim_machine();
    nx_sim_self(m)->aspace = as != NULL ? aspace_of(as) : NULL;
}

/* The mapping of `a` holding `va`, or NULL. */
static sim_mapping_t *mapping_at(sim_aspace_t *a, uintptr_t va)
{
    for (uint32_t i = 0; a != NULL && i < a->count; i++)
        if (va >= a->map[i].va && va - a->map[i].va < a->map[i].size)
            return &a->map[i];
    return NULL;
}

/* Is [p, p + len) inside the calling program thread's own part of its
 * stack: from its stack pointer at the system call (user_sp) up? */
static inline bool on_own_stack(sim_machine_t *m, uintptr_t p, size_t len)
{
    sim_context_t *c = nx_sim_context_running(m);
    if (c == NULL || !c->program || c->user_sp == 0u)
        return false;
    uintptr_t lo = c->user_sp, hi = (uintptr_t)c->fiber.asan_bottom + c->fiber.asan_size;
    return p >= lo && p <= hi && len <= hi - p;
}

/*
 * The check every copy makes (nx_port_user_check's answer). With `k` not
 * NULL, *alias also says whether a byte of the range lies in host memory
 * [k, k + len): a user mapping of the VMO page the kernel copies to or
 * from names the same bytes.
 */
static inline __attribute__((always_inline)) nx_status_t check_range(sim_machine_t *m, uintptr_t u,
                                                                     size_t len, bool write,
                                                                     const unsigned char *k,
                                                                     bool *alias)
{
    if (u + len < u)
        return NX_ERR_BAD_ADDRESS;
    if (u < NX_SIM_USER_BASE || u >= NX_SIM_USER_TOP) {
        if (!on_own_stack(m, u, len))
            return NX_ERR_BAD_ADDRESS;
        if (k != NULL)
            *alias = (const unsigned char *)u < k + len && k < (const unsigned char *)u + len;
        return NX_OK;
    }
    sim_aspace_t *a = nx_sim_self(m)->aspace;
    uint32_t need = write ? NX_PROT_WRITE : NX_PROT_READ;
    for (uintptr_t p = u; p < u + len;) {
        sim_mapping_t *map = mapping_at(a, p);
        if (map == NULL || (map->prot & need) == 0u || map->mem == NULL) /* NULL: a device */
            return NX_ERR_BAD_ADDRESS;
        uintptr_t end = map->va + map->size < u + len ? map->va + map->size : u + len;
        const unsigned char *mem = map->mem + (p - map->va);
        if (k != NULL && mem < k + len && k < mem + (end - p))
            *alias = true;
        p = end;
    }
    return NX_OK;
}

nx_status_t nx_port_user_check(uintptr_t u, size_t len, bool write)
{
    sim_machine_t *m = nx_sim_machine();
    return len == 0u ? NX_OK : check_range(m, u, len, write, NULL, NULL);
}

/*
 * Copy a program's own stack bytes. All of [stack pointer, top) is the
 * program's, as on RISC-V, but AddressSanitizer poisons the gaps between
 * its locals: a program may name them (a pointer past one local, into the
 * next), so under ASan this copy is not instrumented (a byte loop the
 * compiler may not turn back into an intercepted memcpy). The range was
 * checked. Other builds copy with memcpy.
 */
#if NX_SIM_ASAN
__attribute__((no_sanitize_address, noinline)) static void
stack_copy(unsigned char *dst, const unsigned char *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((volatile unsigned char *)dst)[i] = src[i];
}
#else
static inline void stack_copy(unsigned char *dst, const unsigned char *src, size_t len)
{
    memcpy(dst, src, len);
}
#endif

/* Move `len` bytes between `k` and user address `u` (checked) as they lie:
 * the caller made sure the two are not the same memory. */
static inline __attribute__((always_inline)) void copy_direct(sim_machine_t *m, unsigned char *k,
                                                              uintptr_t u, size_t len, bool to_user)
{
    if (u < NX_SIM_USER_BASE || u >= NX_SIM_USER_TOP) { /* the program's stack */
        if (to_user)
            stack_copy((unsigned char *)u, k, len);
        else
            stack_copy(k, (const unsigned char *)u, len);
        return;
    }
    sim_aspace_t *a = nx_sim_self(m)->aspace;
    for (uintptr_t p = u; p < u + len;) {
        sim_mapping_t *map = mapping_at(a, p);
        size_t n = (size_t)((map->va + map->size < u + len ? map->va + map->size : u + len) - p);
        unsigned char *mem = map->mem + (p - map->va);
        unsigned char *kp = k + (p - u);
        if (to_user)
            memcpy(mem, kp, n);
        else
            memcpy(kp, mem, n);
        p += n;
    }
}

/*
 * Copy `len` bytes between kernel memory `k` and user address `u` (to_user
 * chooses the direction and the permission needed). All or nothing: the
 * whole range is checked before a byte moves. When the user range names
 * memory of the kernel range (it maps the VMO page being copied), the
 * bytes go through a temporary a page at a time, in increasing order, as
 * on rv64 (port-rv64/aspace.c): memmove's result for each page, whatever
 * the mappings' order.
 */
static nx_status_t user_copy(void *k, uintptr_t u, size_t len, bool to_user)
{
    static unsigned char bounce[NX_PAGE_SIZE];
    sim_machine_t *m = nx_sim_machine();
    if (len == 0u)
        return NX_OK;
    if (__builtin_expect(m->cfg.before_user_copy != NULL, 0))
        m->cfg.before_user_copy(u, len, to_user, m->cfg.copy_ctx);
    unsigned char *kp = k;
    bool alias = false;
    nx_status_t st = check_range(m, u, len, to_user, kp, &alias);
    if (st != NX_OK)
        return st;
    if (!alias) {
        copy_direct(m, kp, u, len, to_user);
        return NX_OK;
    }
    for (size_t done = 0, n; done < len; done += n) {
        n = len - done < sizeof bounce ? len - done : sizeof bounce;
        if (to_user) {
            memcpy(bounce, kp + done, n);
            copy_direct(m, bounce, u + done, n, true);
        } else {
            copy_direct(m, bounce, u + done, n, false);
            memcpy(kp + done, bounce, n);
        }
    }
    return NX_OK;
}

nx_status_t nx_port_copy_from_user(void *dst, uintptr_t user, size_t len)
{
    return user_copy(dst, user, len, false);
}

nx_status_t nx_port_copy_to_user(uintptr_t user, const void *src, size_t len)
{
    return user_copy((void *)(uintptr_t)src, user, len, true);
}

bool nx_sim_device_address(sim_machine_t *m, uintptr_t va, uint32_t width, bool write,
                           uint64_t *phys)
{
    sim_mapping_t *map = mapping_at(nx_sim_self(m)->aspace, va);
    if (map == NULL || map->mem != NULL ||
        (width != 1u && width != 2u && width != 4u && width != 8u) || va % width != 0u ||
        (map->prot & (write ? NX_PROT_WRITE : NX_PROT_READ)) == 0u)
        return false;
    *phys = map->phys + (va - map->va);
    return true;
}
