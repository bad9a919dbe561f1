/*
 * vm.c - the kernel's Sv39 page tables: built once on the boot hart,
 * shared by every hart and, through copies of the root's entries, by every
 * user address space.
 *
 * The kernel stays at its physical addresses (identity map), so turning
 * paging on changes no pointer: the boot info in core's .bss, the stacks
 * and the frames are where they were. Permissions follow the linker
 * script's page-aligned groups (.text R+X, .rodata R, the rest R+W) and no
 * page is both writable and executable. Every leaf is Global (the same in
 * every address space), has A and D set (no hardware update needed) and
 * never U. 2 MiB leaves where alignment allows, 4 KiB elsewhere.
 */
#include "rv/vm.h"

#include "nx/panic.h"
#include "rv/csr.h"
#include "rv/frames.h"
#include "rv/hart.h"

/* Page-aligned boundaries from linker.ld. */
extern char __kernel_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[];

#define KERNEL_LEAF (RV_PTE_V | RV_PTE_G | RV_PTE_A | RV_PTE_D)
#define MEGA        (2ull << 20)
#define SATP_PPN    ((1ull << 44) - 1u)

static uint64_t kernel_root; /* written once on the boot hart, before any hart starts */

uint64_t rv_vm_kernel_root(void)
{
    return kernel_root;
}

/* The entry for `va` at `level` in the tree at `root` (see rv_vm_slot). */
static rv_pte_t *slot_at(uint64_t root, uint64_t va, unsigned level, uintptr_t (*alloc)(void))
{
    rv_pte_t *table = rv_table(root);
    for (unsigned l = RV_LEVELS - 1u; l > level; l--) {
        rv_pte_t *e = &table[rv_vpn(va, l)];
        if ((*e & RV_PTE_V) == 0u) {
            if (alloc == NULL)
                return NULL;
            rv_pte_publish(e, rv_pte_make(alloc(), RV_PTE_V));
        } else if (rv_pte_leaf(*e)) {
            nx_panic("rv64: page table walk for 0x%llx meets a leaf at level %u",
                     (unsigned long long)va, l);
        }
        table = rv_table(rv_pte_pa(*e));
    }
    return &table[rv_vpn(va, level)];
}

rv_pte_t *rv_vm_slot(uint64_t root, uint64_t va, uintptr_t (*alloc)(void))
{
    return slot_at(root, va, 0, alloc);
}

static uintptr_t kernel_table(void)
{
    uintptr_t pa = rv_frame_alloc();
    if (pa == 0u)
        nx_panic("rv64: no frame left for the kernel page tables");
    return pa;
}

static uint64_t page_down(uint64_t a)
{
    return a & ~(uint64_t)(RV_FRAME_SIZE - 1u);
}

static uint64_t page_up(uint64_t a)
{
    return page_down(a + RV_FRAME_SIZE - 1u);
}

/* Identity-map [lo, hi) (page aligned) with `perm`; regions sharing a page
 * must agree on it. */
static void map_kernel(uint64_t lo, uint64_t hi, uint64_t perm)
{
    for (uint64_t a = lo; a < hi;) {
        unsigned level = a % MEGA == 0u && hi - a >= MEGA ? 1u : 0u;
        rv_pte_t *e = slot_at(kernel_root, a, level, kernel_table);
        rv_pte_t want = rv_pte_make(a, perm | KERNEL_LEAF);
        if (*e != 0u && *e != want)
            nx_panic("rv64: kernel mappings disagree at 0x%llx (pte 0x%llx, wanted 0x%llx)",
                     (unsigned long long)a, (unsigned long long)*e, (unsigned long long)want);
        *e = want;
        a += rv_level_size(level);
    }
}

/* A device's registers, whole pages; at least one even for a size of 0. */
static void map_device(const nx_mmio_region_t *r)
{
    if (r->present)
        map_kernel(page_down(r->base), page_up(r->base + (r->size > 0u ? r->size : 1u)),
                   RV_PTE_R | RV_PTE_W);
}

static bool below_user(const nx_mmio_region_t *r)
{
    return !r->present || (r->base < RV_USER_BASE && r->size <= RV_USER_BASE - r->base);
}

nx_status_t rv_vm_init(const nx_boot_info_t *bi, uint64_t ram_top)
{
    /* The user range must stay clear of everything the kernel maps: its
     * root entries are the ones a user space owns. */
    if (ram_top > RV_USER_BASE || !below_user(&bi->uart) || !below_user(&bi->plic) ||
        !below_user(&bi->test_finisher))
        return NX_ERR_NOT_SUPPORTED;

    kernel_root = kernel_table();
    map_kernel((uintptr_t)__kernel_start, (uintptr_t)__text_end, RV_PTE_R | RV_PTE_X);
    map_kernel((uintptr_t)__rodata_start, (uintptr_t)__rodata_end, RV_PTE_R);
    map_kernel((uintptr_t)__data_start, ram_top, RV_PTE_R | RV_PTE_W);
    map_device(&bi->uart);
    map_device(&bi->plic);
    map_device(&bi->test_finisher);
    return NX_OK;
}

void rv_vm_enable_hart(void)
{
    uint64_t want = RV_SATP_SV39 | (kernel_root >> 12);
    rv_sfence_vma(); /* our view of the tables is complete before the first walk */
    rv_csr_write(satp, want);
    rv_sfence_vma();
    uint64_t got = rv_csr_read(satp);
    if (got != want) /* a hart without Sv39 ignores the whole write */
        nx_panic("rv64: paging is not on: satp reads 0x%llx after writing 0x%llx",
                 (unsigned long long)got, (unsigned long long)want);
    __atomic_store_n(&rv_hart_local()->aspace_root, 0u, __ATOMIC_SEQ_CST);
}

static void check_table(uint64_t pa, unsigned level, uint64_t va_base, uint32_t count[2])
{
    const rv_pte_t *t = rv_table(pa);
    for (unsigned i = 0; i < RV_PTES; i++) {
        rv_pte_t e = t[i];
        uint64_t va = va_base + i * rv_level_size(level);
        if ((e & RV_PTE_V) == 0u)
            continue;
        if (level == RV_LEVELS - 1u && va >= RV_USER_BASE && va < RV_USER_TOP)
            nx_panic("rv64: the kernel root maps 0x%llx, in the user range",
                     (unsigned long long)va);
        if (!rv_pte_leaf(e)) {
            if (level == 0u)
                nx_panic("rv64: kernel pte 0x%llx for 0x%llx: a table pointer at level 0",
                         (unsigned long long)e, (unsigned long long)va);
            check_table(rv_pte_pa(e), level - 1u, va, count);
            continue;
        }
        if ((e & (RV_PTE_W | RV_PTE_X)) == (RV_PTE_W | RV_PTE_X))
            nx_panic("rv64: kernel page 0x%llx is writable and executable (pte 0x%llx)",
                     (unsigned long long)va, (unsigned long long)e);
        if ((e & RV_PTE_U) != 0u || (e & RV_PTE_G) == 0u)
            nx_panic("rv64: kernel page 0x%llx is user accessible or not global (pte 0x%llx)",
                     (unsigned long long)va, (unsigned long long)e);
        if (level > 1u)
            nx_panic("rv64: kernel gigapage at 0x%llx: never built", (unsigned long long)va);
        count[level]++;
    }
}

void rv_vm_check_kernel(uint32_t *small, uint32_t *mega)
{
    uint64_t now = rv_csr_read(satp);
    if ((now & ~SATP_PPN) != RV_SATP_SV39 || (now & SATP_PPN) != kernel_root >> 12)
        nx_panic("rv64: paging is not on: satp 0x%llx, kernel root 0x%llx", (unsigned long long)now,
                 (unsigned long long)kernel_root);
    uint32_t count[2] = { 0, 0 };
    check_table(kernel_root, RV_LEVELS - 1u, 0, count);
    *small = count[0];
    *mega = count[1];
}
