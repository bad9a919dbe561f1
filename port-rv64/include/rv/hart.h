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
} rv_hart_local_t;

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
