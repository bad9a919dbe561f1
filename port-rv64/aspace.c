/*
 * aspace.c - user address spaces (nx_port_aspace_*) and the user copies
 * (nx_port_copy_*) on Sv39.
 *
 * A space is a root table (one frame). Its entries outside the user range
 * are copies of the kernel root's: the kernel root is complete before any
 * space exists and never changes, so every space reaches the kernel through
 * the same shared tables, which are never freed here. Its entries for the
 * user range [64 GiB, 128 GiB) (root entries 64..127, 1 GiB each) lead to
 * level-1 and level-0 tables the space owns; user pages are 4 KiB frames
 * with U. Words: word[0] the root's physical address (0: none), word[1]
 * the user pages it owns (those nx_port_aspace_map allocated; shared pages
 * are not counted).
 *
 * Pages of memory objects (nx_port_pages_*): word[0] the physical address
 * of an index frame, word[1] the count. The index holds the physical
 * address of each page's frame, up to 512 (one frame of entries is
 * NX_PORT_PAGES_MAX), so the pages need not be contiguous; the kernel
 * reaches a page at that address (identity mapped). They are reserved all
 * at once, like a mapping's frames: no memory means nothing allocated.
 *
 * Shared mappings (nx_port_aspace_map_pages) point leaves at those frames
 * with the software bit RV_PTE_SHARED: the space does not own the frames,
 * so destroy skips such leaves, and they are the only leaves unmap takes.
 * Unmapping clears the leaves (the tables stay until destroy), then shoots
 * down the TLBs: sfence.vma here if this hart has the space active, SBI
 * RFENCE on every other hart that has (rv_aspace_shootdown). Every space
 * runs with ASID 0 and activation flushes everything, so only the harts
 * with the space active now can hold its translations.
 *
 * Core serialises the calls on one space (its task's); calls on different
 * spaces may run on several harts at once: they share only the frame
 * allocator, which has its own lock, and pages mapped in several spaces,
 * which these calls only read (the index) or point at.
 */
#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "rv/csr.h"
#include "rv/frames.h"
#include "rv/hart.h"
#include "rv/usercopy.h"
#include "rv/vm.h"

extern char __kernel_end[]; /* linker.ld */

#define GIB             (1ull << 30)
#define MEGA            (2ull << 20)
#define PAGE            ((uint64_t)NX_PAGE_SIZE)
#define USER_ROOT_FIRST ((unsigned)(RV_USER_BASE / GIB))
#define USER_ROOT_END   ((unsigned)(RV_USER_TOP / GIB))

_Static_assert(NX_PAGE_SIZE == RV_FRAME_SIZE, "user pages are frames");
_Static_assert(RV_USER_BASE % GIB == 0u && RV_USER_TOP % GIB == 0u && RV_USER_TOP <= (1ull << 38),
               "the user range is whole root entries in Sv39's lower half");

void nx_port_user_range(uintptr_t *base, uintptr_t *top)
{
    *base = (uintptr_t)RV_USER_BASE;
    *top = (uintptr_t)RV_USER_TOP;
}

static uint64_t root_of(const nx_port_aspace_t *as)
{
    if (as == NULL || as->word[0] == 0u)
        nx_panic("rv64: an address space that was never created (or was destroyed)");
    return as->word[0];
}

nx_status_t nx_port_aspace_create(nx_port_aspace_t *as)
{
    uintptr_t root = rv_frame_alloc();
    if (root == 0u)
        return NX_ERR_NO_RESOURCES;
    /* The kernel root has nothing in the user range (rv_vm_check_kernel). */
    nx_memcpy(rv_table(root), rv_table(rv_vm_kernel_root()), RV_FRAME_SIZE);
    as->word[0] = root;
    as->word[1] = 0;
    return NX_OK;
}

void nx_port_aspace_destroy(nx_port_aspace_t *as)
{
    uint64_t root = root_of(as);
    int32_t hart = rv_aspace_active_hart(root);
    if (hart >= 0)
        nx_panic("rv64: destroying an address space active on hart %d", (int)hart);
    /* No TLB flush: no hart has it active, and every activation flushes. */
    const rv_pte_t *r = rv_table(root);
    for (unsigned i = USER_ROOT_FIRST; i < USER_ROOT_END; i++) {
        if ((r[i] & RV_PTE_V) == 0u)
            continue;
        const rv_pte_t *l1 = rv_table(rv_pte_pa(r[i]));
        for (unsigned j = 0; j < RV_PTES; j++) {
            if ((l1[j] & RV_PTE_V) == 0u)
                continue;
            const rv_pte_t *l0 = rv_table(rv_pte_pa(l1[j]));
            /* Shared leaves' frames belong to their pages (pages_free). */
            for (unsigned k = 0; k < RV_PTES; k++)
                if ((l0[k] & (RV_PTE_V | RV_PTE_SHARED)) == RV_PTE_V)
                    rv_frame_free((uintptr_t)rv_pte_pa(l0[k]));
            rv_frame_free((uintptr_t)rv_pte_pa(l1[j]));
        }
        rv_frame_free((uintptr_t)rv_pte_pa(r[i]));
    }
    rv_frame_free((uintptr_t)root);
    as->word[0] = 0;
    as->word[1] = 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/*
 * Is [va, end) (page aligned, in the user range) free of mappings in the
 * space at `root`? If so, *tables is how many level-1 and level-0 tables
 * mapping it would add. Skips a missing table's whole span at once.
 */
static bool range_unmapped(uint64_t root, uint64_t va, uint64_t end, uint64_t *tables)
{
    const rv_pte_t *r = rv_table(root);
    uint64_t need = 0;
    for (uint64_t p = va; p < end;) {
        uint64_t gib_end = min_u64(end, (p & ~(GIB - 1u)) + GIB);
        rv_pte_t e = r[rv_vpn(p, 2)];
        if ((e & RV_PTE_V) == 0u) {
            /* A level-1 table, and a level-0 table per 2 MiB it spans. */
            need += 1u + (gib_end - 1u) / MEGA - p / MEGA + 1u;
            p = gib_end;
            continue;
        }
        uint64_t mega_end = min_u64(end, (p & ~(MEGA - 1u)) + MEGA);
        rv_pte_t m = rv_table(rv_pte_pa(e))[rv_vpn(p, 1)];
        if ((m & RV_PTE_V) == 0u) {
            need++;
            p = mega_end;
            continue;
        }
        const rv_pte_t *l0 = rv_table(rv_pte_pa(m));
        for (; p < mega_end; p += PAGE)
            if ((l0[rv_vpn(p, 0)] & RV_PTE_V) != 0u)
                return false;
    }
    *tables = need;
    return true;
}

/*
 * The checks nx_port_aspace_map and _map_pages share, in the contract's
 * order: arguments, range, overlap. NX_OK with *tables the page-table
 * frames the mapping adds; changes nothing.
 */
static nx_status_t check_map(uint64_t root, uintptr_t va, size_t size, uint32_t prot,
                             uint64_t *tables)
{
    const uint32_t all = NX_PROT_READ | NX_PROT_WRITE | NX_PROT_EXEC;
    if (va % PAGE != 0u || size == 0u || size % PAGE != 0u || prot == 0u || (prot & ~all) != 0u ||
        (prot & (NX_PROT_WRITE | NX_PROT_EXEC)) == (NX_PROT_WRITE | NX_PROT_EXEC))
        return NX_ERR_INVALID_ARGS;
    if (va < RV_USER_BASE || va >= RV_USER_TOP || size > RV_USER_TOP - va)
        return NX_ERR_OUT_OF_RANGE;
    if (!range_unmapped(root, va, (uint64_t)va + size, tables))
        return NX_ERR_ALREADY_EXISTS;
    return NX_OK;
}

/* The leaf bits for `prot` (checked). W without R is reserved in Sv39: a
 * write-only request gets R in the PTE (hardware reads succeed) and
 * NOREAD for the user copies. */
static rv_pte_t leaf_bits(uint32_t prot)
{
    rv_pte_t leaf = RV_PTE_V | RV_PTE_U | RV_PTE_A | RV_PTE_D;
    if ((prot & (NX_PROT_READ | NX_PROT_WRITE)) != 0u)
        leaf |= RV_PTE_R;
    if ((prot & NX_PROT_WRITE) != 0u)
        leaf |= RV_PTE_W;
    if ((prot & NX_PROT_EXEC) != 0u)
        leaf |= RV_PTE_X;
    if ((prot & (NX_PROT_READ | NX_PROT_WRITE)) == NX_PROT_WRITE)
        leaf |= RV_PTE_NOREAD;
    return leaf;
}

/* New leaves were published: this hart, if it runs the space, must not
 * keep a cached "invalid" for them (other harts fence in copy_with_sum or
 * retry the fault, see trap.c). */
static void fence_if_active(uint64_t root)
{
    if (rv_hart_local()->aspace_root == root)
        rv_sfence_vma();
}

/*
 * Check everything, change nothing; then reserve every frame the mapping
 * needs (pages and tables) in one step, so a shortage is found before
 * anything changes and there is never a half mapping to undo.
 */
nx_status_t nx_port_aspace_map(nx_port_aspace_t *as, uintptr_t va, size_t size, uint32_t prot,
                               const void *init, size_t init_len)
{
    uint64_t root = root_of(as);
    if (init_len > size || (init_len > 0u && init == NULL))
        return NX_ERR_INVALID_ARGS;
    uint64_t tables = 0;
    nx_status_t st = check_map(root, va, size, prot, &tables);
    if (st != NX_OK)
        return st;
    if (!rv_frames_reserve((size_t)(size / PAGE + tables)))
        return NX_ERR_NO_RESOURCES;

    rv_pte_t leaf = leaf_bits(prot);
    const unsigned char *src = init;
    uint64_t end = (uint64_t)va + size;
    for (uint64_t p = va; p < end; p += PAGE) {
        rv_pte_t *slot = rv_vm_slot(root, p, rv_frame_alloc_reserved);
        uintptr_t frame = rv_frame_alloc_reserved();
        uint64_t off = p - va;
        if (off < init_len)
            nx_memcpy((void *)frame, src + off, (size_t)min_u64(PAGE, init_len - off));
        rv_pte_publish(slot, rv_pte_make(frame, leaf));
    }
    as->word[1] += size / PAGE;
    fence_if_active(root);
    return NX_OK;
}

/* The index of `pages`: entry i is page i's frame. */
static uint64_t *index_of(const nx_port_pages_t *pages)
{
    if (pages == NULL || pages->word[0] == 0u)
        nx_panic("rv64: pages that were never allocated (or were freed)");
    return (uint64_t *)pages->word[0];
}

_Static_assert(NX_PORT_PAGES_MAX == RV_FRAME_SIZE / sizeof(uint64_t),
               "one index frame holds the frame address of every page");

nx_status_t nx_port_pages_alloc(nx_port_pages_t *pages, size_t count)
{
    pages->word[0] = pages->word[1] = 0; /* a failed alloc leaves nothing to free */
    if (count == 0u || count > NX_PORT_PAGES_MAX)
        return NX_ERR_INVALID_ARGS;
    /* The pages and the index at once: all or nothing. */
    if (!rv_frames_reserve(count + 1u))
        return NX_ERR_NO_RESOURCES;
    uint64_t *index = (uint64_t *)rv_frame_alloc_reserved();
    for (size_t i = 0; i < count; i++)
        index[i] = rv_frame_alloc_reserved(); /* zeroed by the allocator */
    pages->word[0] = (uintptr_t)index;
    pages->word[1] = count;
    return NX_OK;
}

nx_status_t nx_port_pages_alloc_contiguous(nx_port_pages_t *pages, size_t count)
{
    pages->word[0] = pages->word[1] = 0;
    if (count == 0u || count > NX_PORT_PAGES_MAX)
        return NX_ERR_INVALID_ARGS;
    uintptr_t index = rv_frame_alloc();
    if (index == 0u)
        return NX_ERR_NO_RESOURCES;
    uintptr_t run = rv_frames_alloc_run(count);
    if (run == 0u) {
        rv_frame_free(index);
        return NX_ERR_NO_RESOURCES;
    }
    uint64_t *frames = (uint64_t *)index;
    for (size_t i = 0; i < count; i++)
        frames[i] = run + i * PAGE;
    pages->word[0] = index;
    pages->word[1] = count;
    return NX_OK;
}

uint64_t nx_port_pages_device_address(const nx_port_pages_t *pages, size_t index)
{
    const uint64_t *frames = index_of(pages);
    if (index >= pages->word[1])
        nx_panic("rv64: device address of page %zu of %zu", index, (size_t)pages->word[1]);
    return frames[index]; /* no IOMMU: a device addresses physical memory */
}

void nx_port_pages_free(nx_port_pages_t *pages)
{
    /* Trusts core that no mapping remains: a leaf does not say which
     * pages its frame belongs to, so there is nothing cheap to check. */
    const uint64_t *index = index_of(pages);
    for (size_t i = 0; i < pages->word[1]; i++)
        rv_frame_free((uintptr_t)index[i]);
    rv_frame_free((uintptr_t)index);
    pages->word[0] = pages->word[1] = 0;
}

void *nx_port_pages_kaddr(const nx_port_pages_t *pages, size_t index)
{
    const uint64_t *frames = index_of(pages);
    if (index >= pages->word[1])
        nx_panic("rv64: page %zu of pages holding %zu", index, (size_t)pages->word[1]);
    return (void *)(uintptr_t)frames[index];
}

/*
 * Like nx_port_aspace_map, but the leaves point at the pages' frames and
 * carry RV_PTE_SHARED; only the tables are reserved. The pages' contents
 * were written (by core, through kaddr) before the call: publishing the
 * leaf orders them before any walk that finds it.
 */
/* Shared leaves for [va, va + size): page i onto index[i], or onto
 * phys + i pages when index is NULL (a device's). Owns none of them. */
static nx_status_t map_shared(uint64_t root, uintptr_t va, size_t size, uint32_t prot,
                              const uint64_t *index, uint64_t phys)
{
    uint64_t tables = 0;
    nx_status_t st = check_map(root, va, size, prot, &tables);
    if (st != NX_OK)
        return st;
    if (!rv_frames_reserve((size_t)tables))
        return NX_ERR_NO_RESOURCES;
    rv_pte_t leaf = leaf_bits(prot) | RV_PTE_SHARED;
    for (size_t i = 0; i < size / PAGE; i++) {
        rv_pte_t *slot = rv_vm_slot(root, (uint64_t)va + i * PAGE, rv_frame_alloc_reserved);
        rv_pte_publish(slot, rv_pte_make(index != NULL ? index[i] : phys + i * PAGE, leaf));
    }
    fence_if_active(root);
    return NX_OK;
}

nx_status_t nx_port_aspace_map_pages(nx_port_aspace_t *as, uintptr_t va, size_t size, uint32_t prot,
                                     const nx_port_pages_t *pages, size_t first)
{
    uint64_t root = root_of(as);
    const uint64_t *index = index_of(pages);
    size_t count = (size_t)pages->word[1];
    if (first > count || size / PAGE > count - first)
        return NX_ERR_INVALID_ARGS;
    return map_shared(root, va, size, prot, index + first, 0);
}

/* The leaf of shared page `va`, or a panic: unmap takes nothing else. */
/* User leaves cleared so far, on every hart (unmaps): a hart's last walk
 * (rv_hart_local_t.walked_*) counts only while this has not moved. */
static uint64_t leaves_cleared;

static rv_pte_t *shared_leaf(uint64_t root, uint64_t va)
{
    rv_pte_t *slot = rv_vm_slot(root, va, NULL);
    if (slot == NULL || (*slot & (RV_PTE_V | RV_PTE_SHARED)) != (RV_PTE_V | RV_PTE_SHARED))
        nx_panic("rv64: unmapping 0x%llx, which map_pages did not map", (unsigned long long)va);
    return slot;
}

/*
 * Check every page before clearing any (a bad call panics with the space
 * intact), clear, then make sure no hart keeps a translation: this one by
 * its own fence, the others through rv_aspace_shootdown. The page tables
 * stay (destroy frees them). A mapping is at most NX_PORT_PAGES_MAX pages,
 * which bounds the loops.
 */
void nx_port_aspace_unmap(nx_port_aspace_t *as, uintptr_t va, size_t size)
{
    uint64_t root = root_of(as);
    if (va % PAGE != 0u || size == 0u || size % PAGE != 0u || size / PAGE > NX_PORT_PAGES_MAX ||
        va < RV_USER_BASE || va >= RV_USER_TOP || size > RV_USER_TOP - va)
        nx_panic("rv64: unmapping [0x%llx, +0x%zx), which map_pages cannot have mapped",
                 (unsigned long long)va, size);
    uint64_t end = (uint64_t)va + size;
    for (uint64_t p = va; p < end; p += PAGE)
        (void)shared_leaf(root, p);
    for (uint64_t p = va; p < end; p += PAGE)
        rv_pte_publish(shared_leaf(root, p), 0);
    /* After the entries are clear: a hart that reads the new count walks
     * and sees them; one that read the old is racing this unmap as a walk
     * just before it would (its copy faults and fails). */
    __atomic_fetch_add(&leaves_cleared, 1u, __ATOMIC_RELEASE);
    if (rv_hart_local()->aspace_root == root)
        rv_sfence_vma();
    rv_aspace_shootdown(root, va, size);
}

void nx_port_aspace_activate(nx_port_aspace_t *as)
{
    uint64_t root = as != NULL ? root_of(as) : 0u;
    /* Recorded before the hart can use it, for destroy's check. */
    rv_hart_local_t *l = rv_hart_local();
    __atomic_store_n(&l->aspace_root, root, __ATOMIC_SEQ_CST);
    /* The record is visible before this hart walks the space's tables (the
     * sfence below orders the walks after this fence): an unmap on another
     * hart either sees it and fences this hart, or its cleared entries are
     * what those walks find (rv_aspace_shootdown). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    l->retried_pc = l->retried_addr = 0; /* the flush below: nothing is stale */
    l->walked_root = 0;                  /* another space's leaf means nothing here */
    /* ASID 0 for every space: the full flush drops the previous one. */
    rv_csr_write(satp, RV_SATP_SV39 | ((root != 0u ? root : rv_vm_kernel_root()) >> 12));
    rv_sfence_vma();
    /* The space's code was written as data (the loader, perhaps on another
     * hart, into frames that may have held other code before): this hart
     * fetches what is there now. Every hart activates a space before it
     * runs its code. */
    if (root != 0u)
        __asm__ volatile("fence.i" ::: "memory");
}

/*
 * The leaf entry for user page `p` in the tree at `root`, or 0. A walk of
 * its own, lighter than rv_vm_slot (every user copy walks twice: the
 * syscall's check, then the copy's): a user space holds only 4 KiB leaves,
 * so an upper-level leaf (none is ever made) reads as unmapped rather than
 * a panic. Its tables stay until the space is destroyed, so a leaf another
 * hart clears meanwhile is only a stale answer (the copy then faults and
 * fails).
 */
static inline rv_pte_t user_leaf(const rv_pte_t *root, uint64_t p)
{
    rv_pte_t e = root[rv_vpn(p, 2)];
    if ((e & RV_PTE_V) == 0u || rv_pte_leaf(e))
        return 0u;
    e = rv_table(rv_pte_pa(e))[rv_vpn(p, 1)];
    if ((e & RV_PTE_V) == 0u || rv_pte_leaf(e))
        return 0u;
    e = rv_table(rv_pte_pa(e))[rv_vpn(p, 0)];
    /* A device's registers (a shared leaf outside the frames) read as
     * unmapped: no copy may touch them, a read may change the device.
     * Here, not per copy: a walk's answer is remembered (active_leaf). */
    if ((e & RV_PTE_SHARED) != 0u &&
        (rv_pte_pa(e) < rv_frames_base || rv_pte_pa(e) >= rv_frames_top))
        return 0u;
    return e;
}

/* user_leaf of the active space at `root`, remembered per hart: the
 * count is read before the walk, so an unmap landing during it makes the
 * next look walk again. One leaf, not two: a second (by page parity) made
 * a 4 KiB VMO copy across two pages 240 guest instructions cheaper and
 * the IPC paths 36 dearer. */
static inline rv_pte_t active_leaf(rv_hart_local_t *l, uint64_t root, uint64_t p)
{
    uint64_t gen = __atomic_load_n(&leaves_cleared, __ATOMIC_ACQUIRE);
    if (l->walked_page == p && l->walked_root == root && l->walked_gen == gen)
        return l->walked_pte;
    rv_pte_t e = user_leaf(rv_table(root), p);
    if ((e & RV_PTE_V) != 0u) {
        l->walked_root = root;
        l->walked_gen = gen;
        l->walked_page = p;
        l->walked_pte = e;
    }
    return e;
}

nx_status_t nx_port_aspace_map_device(nx_port_aspace_t *as, uintptr_t va, size_t size,
                                      uint32_t prot, uint64_t phys)
{
    uint64_t root = root_of(as);
    if (phys % PAGE != 0u || (prot & NX_PROT_EXEC) != 0u ||
        (phys < rv_frames_top && phys + size > rv_frames_base))
        return NX_ERR_INVALID_ARGS; /* never RAM the kernel hands out */
    /* Sv39 without Svpbmt has no memory type bits: the PMAs make these
     * pages device memory (I/O, strongly ordered) on QEMU virt. */
    return map_shared(root, va, size, prot, NULL, phys);
}

/*
 * Is every page of [user, user + len) mapped in this hart's active space
 * with V, U and `need`, and without `forbid`? A software walk, so a bad
 * address is an answer, never a fault. len > 0.
 */
static bool user_range_ok(uintptr_t user, size_t len, rv_pte_t need, rv_pte_t forbid)
{
    rv_hart_local_t *l = rv_hart_local();
    uint64_t root = l->aspace_root;
    if (root == 0u || user < RV_USER_BASE || user >= RV_USER_TOP || len > RV_USER_TOP - user)
        return false; /* no space, a kernel address, past the top, or wrapping */
    need |= RV_PTE_V | RV_PTE_U;
    for (uint64_t p = user & ~(PAGE - 1u); p < (uint64_t)user + len; p += PAGE) {
        rv_pte_t e = active_leaf(l, root, p);
        if ((e & need) != need || (e & forbid) != 0u)
            return false;
    }
    return true;
}

bool rv_user_page_mapped(uintptr_t va, uint64_t need)
{
    return user_range_ok(va, 1, need, 0);
}

/*
 * The walk saw every page valid, but a page another hart just mapped may
 * still be cached as invalid here (the privileged spec lets a hart use the
 * old entry until it fences), so fence first: then the copy (usercopy.S,
 * with sstatus.SUM set only inside it) faults only if another hart unmaps
 * one of the pages meanwhile (nx_port_aspace_unmap from another thread of
 * the task), and that fault is recovered (trap.c) into a false here.
 */
static bool copy_raw(void *dst, const void *src, size_t len)
{
    rv_sfence_vma();
    return rv_user_copy(dst, src, len);
}

/*
 * Does a frame of user range [user, user + len) (walked just before) hold
 * a byte of kernel memory [k, k + len)? The kernel reaches RAM at its
 * physical addresses, so a VMO page core copies to or from is the frame a
 * task's mapping of it points at. A leaf another hart clears meanwhile
 * reads as not aliasing (the copy then faults and fails).
 */
static bool frames_alias(uintptr_t user, size_t len, uintptr_t k)
{
    rv_hart_local_t *l = rv_hart_local();
    for (uint64_t p = user & ~(PAGE - 1u); p < (uint64_t)user + len; p += PAGE) {
        rv_pte_t e = active_leaf(l, l->aspace_root, p);
        if ((e & RV_PTE_V) != 0u && rv_pte_pa(e) < k + len && k < rv_pte_pa(e) + PAGE)
            return true;
    }
    return false;
}

/*
 * A copy whose user pages hold bytes of its kernel range (a task's mapping
 * of the VMO page core copies to or from) goes through this hart's bounce
 * page, a page at a time in increasing order: each step moves as memmove
 * does, as if read whole before a byte is written, whatever order the
 * mappings put the pages in (the port contract's rule, the simulator's
 * too). rv_user_copy alone goes forward, and comparing the two virtual
 * addresses cannot tell (a user address never equals the kernel's), so
 * an aliasing copy with its destination above its source would smear.
 * Nothing else uses the page meanwhile: the kernel runs with interrupts
 * off outside its interrupt windows, and a copy opens none.
 */
static unsigned char bounce[RV_MAX_HARTS][NX_PAGE_SIZE] __attribute__((aligned(8)));

static __attribute__((noinline)) bool copy_through(void *dst, const void *src, size_t len,
                                                   bool to_user)
{
    unsigned char *b = bounce[rv_hart_local()->logical];
    unsigned char *k = to_user ? (unsigned char *)(uintptr_t)src : dst;
    uintptr_t user = to_user ? (uintptr_t)dst : (uintptr_t)src;
    for (size_t done = 0, n; done < len; done += n) {
        n = len - done < PAGE ? len - done : (size_t)PAGE;
        if (to_user) {
            nx_memcpy(b, k + done, n);
            if (!copy_raw((void *)(user + done), b, n))
                return false;
        } else {
            if (!copy_raw(b, (const void *)(user + done), n))
                return false;
            nx_memcpy(k + done, b, n);
        }
    }
    return true;
}

/* A copy whose kernel side lies above the image: it may alias. */
static __attribute__((noinline)) bool copy_maybe_aliased(void *dst, const void *src, size_t len)
{
    bool to_user = (uintptr_t)dst >= RV_USER_BASE;
    uintptr_t user = to_user ? (uintptr_t)dst : (uintptr_t)src;
    uintptr_t k = to_user ? (uintptr_t)src : (uintptr_t)dst;
    if (frames_alias(user, len, k))
        return copy_through(dst, src, len, to_user);
    return rv_user_copy(dst, src, len);
}

/*
 * The copy proper, one side a user range just walked, the other kernel
 * memory. Only frames can be mapped, and the allocator hands out only
 * frames above the kernel image (rv/frames.h): a kernel side inside the
 * image (statics, thread stacks, message pools: every copy but the VMOs')
 * cannot alias, and goes straight to rv_user_copy after one compare. Out
 * of line, so the copy calls stay as small as their callers inline.
 */
static __attribute__((noinline)) bool user_move(void *dst, const void *src, size_t len)
{
    uintptr_t k = (uintptr_t)dst >= RV_USER_BASE ? (uintptr_t)src : (uintptr_t)dst;
    if (k + len > (uintptr_t)__kernel_end)
        return copy_maybe_aliased(dst, src, len);
    return rv_user_copy(dst, src, len);
}

/* The fence (copy_raw's comment), then the move. */
static bool copy_with_sum(void *dst, const void *src, size_t len)
{
    rv_sfence_vma();
    return user_move(dst, src, len);
}

nx_status_t nx_port_copy_from_user(void *dst, uintptr_t user, size_t len)
{
    if (len == 0u)
        return NX_OK;
    if (!user_range_ok(user, len, RV_PTE_R, RV_PTE_NOREAD))
        return NX_ERR_BAD_ADDRESS;
    return copy_with_sum(dst, (const void *)user, len) ? NX_OK : NX_ERR_BAD_ADDRESS;
}

nx_status_t nx_port_copy_to_user(uintptr_t user, const void *src, size_t len)
{
    if (len == 0u)
        return NX_OK;
    if (!user_range_ok(user, len, RV_PTE_W, 0))
        return NX_ERR_BAD_ADDRESS;
    return copy_with_sum((void *)user, src, len) ? NX_OK : NX_ERR_BAD_ADDRESS;
}

nx_status_t nx_port_user_check(uintptr_t user, size_t len, bool write)
{
    if (len == 0u)
        return NX_OK;
    bool ok = write ? user_range_ok(user, len, RV_PTE_W, 0)
                    : user_range_ok(user, len, RV_PTE_R, RV_PTE_NOREAD);
    return ok ? NX_OK : NX_ERR_BAD_ADDRESS;
}

/* One raw copy that must fault: false, SUM clear, one more fault counted,
 * and `dst` unchanged from `expect` (len bytes: the bytes before the
 * fault, if any, are copied). */
static void expect_copy_fault(const char *what, void *dst, const void *src, size_t len,
                              const unsigned char *kbuf, const unsigned char *expect)
{
    uint64_t faults = rv_user_copy_faults();
    bool copied = rv_user_copy(dst, src, len);
    bool sum = (rv_csr_read(sstatus) & RV_SSTATUS_SUM) != 0u;
    if (copied || sum || rv_user_copy_faults() != faults + 1u)
        nx_panic("rv64: user-copy self-check, %s: copied %d, SUM %d, %llu faults recovered", what,
                 (int)copied, (int)sum, (unsigned long long)(rv_user_copy_faults() - faults));
    if (kbuf != NULL && nx_memcmp(kbuf, expect, len) != 0)
        nx_panic("rv64: user-copy self-check, %s: wrong bytes in the kernel buffer", what);
}

void rv_user_copy_selfcheck(void)
{
    static const unsigned char ones[16] __attribute__((aligned(8))) = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    };
    unsigned char buf[64] __attribute__((aligned(8)));
    unsigned char expect[64];
    if (rv_hart_local()->aspace_root != 0u)
        nx_panic("rv64: user-copy self-check with a user space active");

    /* No space active: the kernel root maps nothing in the user range,
     * so with SUM set the first access faults. No walk first: these are
     * the raw routine, as the race leaves it. */
    nx_memset(buf, 0xa5, sizeof buf);
    nx_memset(expect, 0xa5, sizeof expect);
    expect_copy_fault("load", buf, (const void *)(uintptr_t)RV_USER_BASE, 16u, buf, expect);
    expect_copy_fault("unaligned load", buf + 1, (const void *)(uintptr_t)(RV_USER_BASE + 3u), 9u,
                      buf + 1, expect + 1);
    expect_copy_fault("store", (void *)(uintptr_t)(RV_USER_TOP - 8u), ones, 8u, NULL, NULL);

    /* A real space with one R+W page, active: copies that start before
     * the page's end copy what is on it and fault on the next page, which
     * is not mapped; through each of the routine's loops. */
    nx_port_aspace_t as;
    uintptr_t page = (uintptr_t)RV_USER_BASE;
    if (nx_port_aspace_create(&as) != NX_OK ||
        nx_port_aspace_map(&as, page, NX_PAGE_SIZE, NX_PROT_READ | NX_PROT_WRITE, NULL, 0) != NX_OK)
        nx_panic("rv64: user-copy self-check: no memory for a scratch space");
    nx_port_aspace_activate(&as);
    uintptr_t last8 = page + NX_PAGE_SIZE - 8u;
    expect_copy_fault("store off a page's end", (void *)last8, ones, sizeof ones, NULL, NULL);
    /* The page's last 8 bytes are ones now, the 16 before them zero. */
    nx_memset(expect, 1, 8);
    expect_copy_fault("load off a page's end", buf, (const void *)last8, 16u, buf, expect);
    nx_memset(buf, 0xa5, sizeof buf);
    nx_memset(expect, 0xa5, sizeof expect);
    nx_memset(expect + 1, 1, 7);
    expect_copy_fault("unaligned load off a page's end", buf + 1, (const void *)(last8 + 1u), 9u,
                      buf + 1, expect + 1);
    /* 32 bytes at a time: the fourth load of the first block faults,
     * before any store. */
    nx_memset(buf, 0xa5, sizeof buf);
    nx_memset(expect, 0xa5, sizeof expect);
    expect_copy_fault("block load off a page's end", buf, (const void *)(last8 - 16u), sizeof buf,
                      buf, expect);
    nx_port_aspace_activate(NULL);
    nx_port_aspace_destroy(&as);
    nx_printk("rv64: user copies recover from page faults\n");
}
