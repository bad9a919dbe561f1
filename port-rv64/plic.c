/*
 * plic.c - the PLIC in S-mode (rv/plic.h) and core's nx_port_irq_* on it.
 *
 * Register map (RISC-V PLIC specification, as QEMU virt implements it):
 *   base + 4 * irq                          priority of source irq
 *   base + 0x2000 + 0x80 * ctx + 4 * word   enable bits of a context
 *   base + 0x200000 + 0x1000 * ctx          threshold of a context
 *   base + 0x200004 + 0x1000 * ctx          claim (read) / complete (write)
 * Each hart's S-mode context comes from the device tree (plic_s_context).
 * Enable bits are kept in a shadow too: updates need no MMIO read, and a
 * hart re-applies its own after OpenSBI cleared them (rv_plic_hart_init).
 */
#include "nx/port.h"
#include "nx/spinlock.h"
#include "rv/csr.h"
#include "rv/hart.h"
#include "rv/plic.h"

#define PLIC_PRIORITY_BASE  0x0u
#define PLIC_ENABLE_BASE    0x2000u
#define PLIC_ENABLE_STRIDE  0x80u
#define PLIC_CONTEXT_BASE   0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_THRESHOLD      0x0u
#define PLIC_CLAIM          0x4u

_Static_assert(PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (uint64_t)RV_PLIC_MAX_CONTEXTS <=
                   PLIC_CONTEXT_BASE,
               "enable bits of every context lie below the context registers");
_Static_assert(RV_PLIC_ENABLE_WORDS * 4u <= PLIC_ENABLE_STRIDE, "a context's enable words fit");

static struct {
    /* Written by the boot hart in rv_plic_init, before other harts start;
     * read-only afterwards. */
    uintptr_t base; /* 0: no usable PLIC */
    uint32_t ndev;
    uint32_t hart_count;
    int32_t context[RV_MAX_HARTS]; /* S-mode context of each logical hart, -1: none */
    /* Any hart may route any source to any hart, and complete may flip an
     * enable bit (see there): the enable words and their shadow are
     * guarded by enable_lock. */
    nx_spinlock_t enable_lock;
    uint32_t enable[RV_MAX_HARTS][RV_PLIC_ENABLE_WORDS];
} plic;

static volatile uint32_t *reg(uint64_t offset)
{
    return (volatile uint32_t *)(plic.base + offset);
}

static volatile uint32_t *enable_reg(int32_t ctx, uint32_t word)
{
    return reg(PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (uint64_t)ctx + 4u * (uint64_t)word);
}

static volatile uint32_t *context_reg(int32_t ctx, uint64_t which)
{
    return reg(PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (uint64_t)ctx + which);
}

/* Words of enable bits in use: sources 0..ndev. */
static uint32_t enable_words(void)
{
    return plic.ndev / 32u + 1u;
}

/* Orders the claim before the handler's device accesses, and the handler's
 * device writes (silencing the source) before the completion: PLIC and
 * devices are different I/O regions, unordered without a fence. */
static inline void plic_io_fence(void)
{
    rv_fence_all();
}

static bool has_context(uint32_t hart)
{
    return plic.base != 0u && hart < plic.hart_count && plic.context[hart] >= 0;
}

void rv_plic_init(const nx_boot_info_t *bi)
{
    plic.base = 0;
    plic.hart_count = 0;
    for (uint32_t h = 0; h < RV_MAX_HARTS; h++) {
        plic.context[h] = -1;
        for (uint32_t w = 0; w < RV_PLIC_ENABLE_WORDS; w++)
            plic.enable[h][w] = 0u;
    }
    uint64_t size = bi->plic.size;
    uint32_t ndev = bi->plic_ndev;
    if (!bi->plic.present || ndev == 0u || ndev > RV_PLIC_MAX_SOURCES ||
        size < 4u * ((uint64_t)ndev + 1u))
        return;
    plic.base = (uintptr_t)bi->plic.base;
    plic.ndev = ndev;
    plic.hart_count = bi->hart_count < RV_MAX_HARTS ? bi->hart_count : RV_MAX_HARTS;

    for (uint32_t irq = 1; irq <= ndev; irq++)
        *reg(PLIC_PRIORITY_BASE + 4u * irq) = 0u;
    for (uint32_t h = 0; h < plic.hart_count; h++) {
        int32_t ctx = bi->harts[h].plic_s_context;
        if (ctx < 0 || (uint32_t)ctx >= RV_PLIC_MAX_CONTEXTS)
            continue;
        uint64_t end = PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (uint64_t)ctx + PLIC_CLAIM + 4u;
        if (end > size)
            continue; /* beyond the PLIC's registers: the hart gets no external interrupts */
        plic.context[h] = ctx;
        for (uint32_t w = 0; w < enable_words(); w++)
            *enable_reg(ctx, w) = 0u;
        *context_reg(ctx, PLIC_THRESHOLD) = 0u;
    }
}

bool rv_plic_hart_init(uint32_t hart)
{
    if (!has_context(hart))
        return false;
    int32_t ctx = plic.context[hart];
    nx_spin_lock(&plic.enable_lock);
    for (uint32_t w = 0; w < enable_words(); w++)
        *enable_reg(ctx, w) = plic.enable[hart][w];
    nx_spin_unlock(&plic.enable_lock);
    *context_reg(ctx, PLIC_THRESHOLD) = 0u;
    return true;
}

nx_status_t nx_port_irq_set_priority(uint32_t irq, uint32_t priority)
{
    if (plic.base == 0u)
        return NX_ERR_NOT_SUPPORTED;
    if (irq == 0u || irq > plic.ndev || priority > NX_IRQ_PRIORITY_MAX)
        return NX_ERR_INVALID_ARGS;
    *reg(PLIC_PRIORITY_BASE + 4u * irq) = priority;
    return NX_OK;
}

nx_status_t nx_port_irq_enable(uint32_t irq, uint32_t hart, bool enable)
{
    if (plic.base == 0u)
        return NX_ERR_NOT_SUPPORTED;
    if (irq == 0u || irq > plic.ndev || !has_context(hart))
        return NX_ERR_INVALID_ARGS;
    uint32_t w = irq / 32u, bit = 1u << (irq % 32u);
    nx_spin_lock(&plic.enable_lock);
    uint32_t *shadow = &plic.enable[hart][w];
    *shadow = enable ? (*shadow | bit) : (*shadow & ~bit);
    *enable_reg(plic.context[hart], w) = *shadow;
    nx_spin_unlock(&plic.enable_lock);
    return NX_OK;
}

uint32_t nx_port_irq_claim(void)
{
    uint32_t hart = nx_port_this_hart();
    if (!has_context(hart))
        return 0;
    uint32_t irq = *context_reg(plic.context[hart], PLIC_CLAIM);
    plic_io_fence();
    return irq;
}

/*
 * The PLIC may ignore a completion for a source no longer enabled for the
 * context (SiFive's does), which would leave it claimed forever; core may
 * disable a source between claim and complete (unregistering it). So a
 * disabled source is enabled for the completion and disabled again.
 */
void nx_port_irq_complete(uint32_t irq)
{
    uint32_t hart = nx_port_this_hart();
    if (irq == 0u || irq > plic.ndev || !has_context(hart))
        return;
    int32_t ctx = plic.context[hart];
    uint32_t w = irq / 32u, bit = 1u << (irq % 32u);
    plic_io_fence();
    nx_spin_lock(&plic.enable_lock);
    uint32_t word = plic.enable[hart][w];
    if ((word & bit) == 0u)
        *enable_reg(ctx, w) = word | bit;
    *context_reg(ctx, PLIC_CLAIM) = irq;
    if ((word & bit) == 0u)
        *enable_reg(ctx, w) = word;
    nx_spin_unlock(&plic.enable_lock);
}
