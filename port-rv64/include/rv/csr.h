/*
 * rv/csr.h - supervisor CSRs and the few instructions the port needs.
 */
#ifndef RV_CSR_H
#define RV_CSR_H

#include <stdint.h>

#define RV_SSTATUS_SIE  (1ull << 1)
#define RV_SSTATUS_SPIE (1ull << 5)
#define RV_SSTATUS_SPP  (1ull << 8)
#define RV_SSTATUS_SUM  (1ull << 18) /* S-mode may access U pages */

/* scounteren.TM: U-mode may read the time CSR. */
#define RV_SCOUNTEREN_TM (1ull << 1)

/* Interrupt bits of sie/sip: supervisor software (IPI), timer, external. */
#define RV_IRQ_SSI  1u
#define RV_IRQ_STI  5u
#define RV_IRQ_SEI  9u
#define RV_SIE_SSIE (1ull << RV_IRQ_SSI)
#define RV_SIE_STIE (1ull << RV_IRQ_STI)
#define RV_SIE_SEIE (1ull << RV_IRQ_SEI)

#define RV_SCAUSE_INTERRUPT (1ull << 63)

#define rv_csr_read(csr)                                                                           \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory");                                   \
        v_;                                                                                        \
    })
#define rv_csr_write(csr, val)                                                                     \
    __asm__ volatile("csrw " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")
#define rv_csr_set(csr, bits)                                                                      \
    __asm__ volatile("csrs " #csr ", %0" ::"r"((uint64_t)(bits)) : "memory")
#define rv_csr_clear(csr, bits)                                                                    \
    __asm__ volatile("csrc " #csr ", %0" ::"r"((uint64_t)(bits)) : "memory")

/* The time CSR: ticks of the timebase-frequency clock, the same on every hart. */
static inline uint64_t rv_rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

/* Orders all earlier memory and device accesses before all later ones:
 * used before an IPI so the target sees what we wrote. */
static inline void rv_fence_all(void)
{
    __asm__ volatile("fence iorw, iorw" ::: "memory");
}

/* Zihintpause: a spin-loop hint; a no-op fence where the extension is absent. */
static inline void rv_pause(void)
{
    __asm__ volatile(".4byte 0x0100000f" ::: "memory");
}

static inline void rv_wfi(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

#endif /* RV_CSR_H */
