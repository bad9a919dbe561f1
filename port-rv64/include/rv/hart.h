/*
 * rv/hart.h - per-hart state of the rv64 port, reached through `tp`.
 *
 * Each hart's tp register points at its own rv_hart_local while it runs in
 * the kernel; nothing else gives access to another hart's entry.
 */
#ifndef RV_HART_H
#define RV_HART_H

/* Stacks and local state are sized in assembly too, which cannot use the
 * "8u" spelling of NX_MAX_HARTS; port.c checks the two agree. */
#define RV_MAX_HARTS   8
#define RV_STACK_BYTES 16384

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef struct rv_hart_local {
    uint64_t hartid;  /* hardware id (mhartid) */
    uint32_t logical; /* index in the kernel's boot info */
    /* Root table (physical) of the active user address space, 0: kernel
     * only. Written by its hart only; read by others (atomically) when a
     * space is destroyed. */
    uint64_t aspace_root;
} rv_hart_local_t;

/* Hart id + 1 of each logical hart nx_port_hart_start() asked SBI to start
 * (0: none), for a started hart that arrives at _start (entry.S). */
extern uint64_t rv_hart_start_ids[RV_MAX_HARTS];

/* The logical hart whose active user space has root table `root`, or -1. */
int32_t rv_aspace_active_hart(uint64_t root);

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
