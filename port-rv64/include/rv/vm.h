/*
 * rv/vm.h - Sv39 page tables of the rv64 port (docs/port-rv64.md).
 *
 * One kernel root table identity-maps the kernel image, the RAM after it
 * and the boot info's devices, every entry Global and never U. A user
 * address space (aspace.c) is a root of its own whose kernel entries are
 * copies of the kernel root's (so they share its lower tables) and whose
 * entries for [RV_USER_BASE, RV_USER_TOP) lead to tables it owns.
 */
#ifndef RV_VM_H
#define RV_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nx/bootinfo.h"

/* Sv39 page table entry bits. */
#define RV_PTE_V (1ull << 0)
#define RV_PTE_R (1ull << 1)
#define RV_PTE_W (1ull << 2)
#define RV_PTE_X (1ull << 3)
#define RV_PTE_U (1ull << 4)
#define RV_PTE_G (1ull << 5)
#define RV_PTE_A (1ull << 6)
#define RV_PTE_D (1ull << 7)
/* Software bit (RSW): a user mapping asked for write without read. The
 * hardware cannot express that (W without R is reserved), so the PTE has
 * R too; the user copies honour the request (aspace.c). */
#define RV_PTE_NOREAD (1ull << 8)
/* Software bit (RSW): a user leaf whose frame the space does not own, a
 * page of a memory object (nx_port_aspace_map_pages); destroying the space
 * leaves the frame allocated, and only these leaves may be unmapped. */
#define RV_PTE_SHARED (1ull << 9)

#define RV_PTE_PPN_SHIFT 10u
#define RV_PTES          512u /* entries per table, one 4 KiB page */
#define RV_LEVELS        3u   /* level 2: the root, 1 GiB each; level 0: 4 KiB */

/* The user range of every address space, the same as the simulator's. */
#define RV_USER_BASE 0x1000000000ull /* 64 GiB */
#define RV_USER_TOP  0x2000000000ull /* 128 GiB */

#define RV_SATP_SV39 (8ull << 60)

typedef uint64_t rv_pte_t;

/* Bytes one entry of `level` covers: 4 KiB, 2 MiB, 1 GiB. */
static inline uint64_t rv_level_size(unsigned level)
{
    return 1ull << (12u + 9u * level);
}

static inline unsigned rv_vpn(uint64_t va, unsigned level)
{
    return (unsigned)((va >> (12u + 9u * level)) & (RV_PTES - 1u));
}

static inline uint64_t rv_pte_pa(rv_pte_t pte)
{
    return (pte >> RV_PTE_PPN_SHIFT) << 12;
}

static inline rv_pte_t rv_pte_make(uint64_t pa, uint64_t flags)
{
    return ((pa >> 12) << RV_PTE_PPN_SHIFT) | flags;
}

/* A valid entry with any of R, W, X is a leaf; without, it points to the
 * next level's table. */
static inline bool rv_pte_leaf(rv_pte_t pte)
{
    return (pte & (RV_PTE_R | RV_PTE_W | RV_PTE_X)) != 0u;
}

static inline rv_pte_t *rv_table(uint64_t pa)
{
    return (rv_pte_t *)(uintptr_t)pa;
}

/* Invalidate every cached translation of this hart; also orders earlier
 * page table stores before later implicit reads of the tables. */
static inline void rv_sfence_vma(void)
{
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/*
 * Build the kernel root table: the kernel image by section (linker.ld),
 * RAM from its .data to ram_top, and the boot info's UART, PLIC and test
 * finisher. Boot hart, paging off, after rv_frames_init(). NX_OK or
 * NX_ERR_NOT_SUPPORTED (a region reaches the user range); panics if the
 * tables do not fit in the frames or two regions disagree on a page.
 */
nx_status_t rv_vm_init(const nx_boot_info_t *bi, uint64_t ram_top);

/* Turn Sv39 paging on for the calling hart with the kernel root; panics if
 * satp does not read back so (the hart lacks Sv39). */
void rv_vm_enable_hart(void);

/* Walk the whole kernel tree: panics on a leaf that is writable and
 * executable, user accessible or not Global, on an entry in the user
 * range, or if this hart's satp is not the kernel root in Sv39 mode.
 * Returns the number of 4 KiB and 2 MiB leaves through the pointers. */
void rv_vm_check_kernel(uint32_t *small, uint32_t *mega);

/* Physical address of the kernel root table. */
uint64_t rv_vm_kernel_root(void);

/*
 * The level-0 (4 KiB) entry for `va` in the tree at `root`. A missing
 * lower table is created from `alloc` (a zeroed frame) or, with alloc
 * NULL, makes the result NULL. Panics on a leaf above level 0 on the way
 * (user trees never have one).
 */
rv_pte_t *rv_vm_slot(uint64_t root, uint64_t va, uintptr_t (*alloc)(void));

/* Is user address `va` mapped in this hart's active space, V and U, with
 * every bit of `need` (RV_PTE_R, _W, _X) in its entry? A software walk:
 * a user page fault asks it whether the fault came from a stale TLB entry. */
bool rv_user_page_mapped(uintptr_t va, uint64_t need);

/* Store `pte` into `slot` once everything it makes reachable (a zeroed
 * table, a page's contents) is visible to other harts' table walks. */
static inline void rv_pte_publish(rv_pte_t *slot, rv_pte_t pte)
{
    __asm__ volatile("fence w, w" ::: "memory");
    *(volatile rv_pte_t *)slot = pte;
}

#endif /* RV_VM_H */
