/*
 * rv/hart.h - per-hart state of the rv64 port, reached through `tp`.
 *
 * Each hart's tp register points at its own rv_hart_local while it runs in
 * the kernel; nothing else gives access to another hart's entry. While the
 * hart runs user code, tp is the program's and sscratch holds the pointer
 * instead (0 in the kernel): the trap vector swaps the two to learn where
 * it came from (trap.S).
 */
#ifndef RV_HART_H
#define RV_HART_H

/* Stacks and local state are sized in assembly too, which cannot use the
 * "8u" spelling of NX_MAX_HARTS; port.c checks the two agree. */
#define RV_MAX_HARTS   8
#define RV_STACK_BYTES 16384

/* Offsets in rv_hart_local_t that trap.S uses (checked below). */
#define RV_HL_KSTACK_TOP 0
#define RV_HL_USER_SP    8

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

typedef struct rv_hart_local {
    /* Top of the kernel stack of the thread running on this hart (0: its
     * idle thread's boot stack, which never runs user code): where a trap
     * from U-mode saves the user registers. Set by every context switch. */
    uint64_t kstack_top;
    uint64_t user_sp; /* trap.S: the user sp, while it saves registers */
    uint64_t hartid;  /* hardware id (mhartid) */
    uint32_t logical; /* index in the kernel's boot info */
    /* Root table (physical) of the active user address space, 0: kernel
     * only. Written by its hart only; read by others (atomically) when a
     * space is destroyed or has pages unmapped (the TLB shootdown). */
    uint64_t aspace_root;
    /* A user page fault this hart retried (the walk found the page mapped:
     * a stale TLB entry): the same one again is the program's. */
    uint64_t retried_pc, retried_addr;
    /* The last user leaf this hart walked (aspace.c): a system call checks
     * each range it will copy, then the copy checks it again, mostly on
     * the same page. Good while `walked_root` is the active space (an
     * activation forgets it) and no user leaf was cleared since
     * (`walked_gen`, aspace.c's count of unmaps). */
    uint64_t walked_root, walked_gen, walked_page, walked_pte;
} rv_hart_local_t;

_Static_assert(offsetof(rv_hart_local_t, kstack_top) == RV_HL_KSTACK_TOP, "trap.S offsets");
_Static_assert(offsetof(rv_hart_local_t, user_sp) == RV_HL_USER_SP, "trap.S offsets");

/* Hart id + 1 of each logical hart nx_port_hart_start() asked SBI to start
 * (0: none), for a started hart that arrives at _start (entry.S). */
extern uint64_t rv_hart_start_ids[RV_MAX_HARTS];

/* The logical hart whose active user space has root table `root`, or -1. */
int32_t rv_aspace_active_hart(uint64_t root);

/* After entries of the space at `root` covering [va, va + size) were
 * cleared: every other hart with it active fences that range (SBI RFENCE);
 * returns when they all have. The caller fences its own hart. */
void rv_aspace_shootdown(uint64_t root, uint64_t va, uint64_t size);

/* RFENCE calls rv_aspace_shootdown has made since boot. */
uint64_t rv_tlb_shootdowns(void);

static inline rv_hart_local_t *rv_hart_local(void)
{
    rv_hart_local_t *l;
    __asm__ volatile("mv %0, tp" : "=r"(l));
    return l;
}

static inline void rv_set_hart_local(rv_hart_local_t *l)
{
    __asm__ volatile("mv tp, %0" ::"r"(l) : "memory");
}
#endif

#endif /* RV_HART_H */
