/*
 * irq.c - external interrupt dispatch (see nx/irq.h).
 *
 * The table is small and bounded, so lookups are a linear scan under one
 * lock. Handlers run without the lock (they may register or unregister);
 * each entry records which harts are inside its handler so unregistering
 * can wait until no other hart still uses the handler's argument.
 */
#include "nx/irq.h"
#include "nx/boot.h"
#include "nx/kernel.h"
#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/spinlock.h"
#include "nx/trace.h"

_Static_assert(NX_MAX_HARTS <= 32u, "running masks are 32-bit");
_Static_assert(NX_IRQ_MAX_CLAIMS_PER_CALL >= 1u, "a call must claim at least one source");

typedef struct irq_entry {
    uint32_t irq; /* 0: slot free */
    uint32_t hart;
    bool dying;       /* being unregistered: claims count as spurious */
    uint32_t running; /* bit i: hart i is inside fn now */
    nx_irq_handler_t fn;
    void *arg;
} irq_entry_t;

/* Everything guarded by lock. Lock order: taken alone; port irq calls are
 * made with it held (they take no core lock). */
static struct {
    nx_spinlock_t lock;
    irq_entry_t entry[NX_MAX_IRQ_HANDLERS];
    uint32_t in_handler; /* bit i: hart i is inside some handler */
    nx_irq_stats_t stats[NX_MAX_HARTS];
} irqs;

void nx_irq_reset(void)
{
    nx_memset(irqs.entry, 0, sizeof irqs.entry);
    nx_memset(irqs.stats, 0, sizeof irqs.stats);
    irqs.in_handler = 0u;
    nx_spin_init(&irqs.lock);
}

/* Sources the controller has, 0 when there is none. */
static uint32_t source_count(const nx_boot_info_t *bi)
{
    return bi->plic.present ? bi->plic_ndev : 0u;
}

/* The entry of `irq`, dying or not; NULL when none. */
static irq_entry_t *find_locked(uint32_t irq)
{
    for (uint32_t i = 0; i < NX_MAX_IRQ_HANDLERS; i++)
        if (irqs.entry[i].irq == irq)
            return &irqs.entry[i];
    return NULL;
}

/* Priority then enable; on failure the source is left masked. */
static nx_status_t route_locked(uint32_t irq, uint32_t hart, uint32_t priority)
{
    nx_status_t st = nx_port_irq_set_priority(irq, priority);
    if (st != NX_OK)
        return st;
    st = nx_port_irq_enable(irq, hart, true);
    if (st != NX_OK)
        (void)nx_port_irq_set_priority(irq, 0u);
    return st;
}

nx_status_t nx_irq_register(uint32_t irq, uint32_t hart, uint32_t priority, nx_irq_handler_t fn,
                            void *arg)
{
    const nx_boot_info_t *bi = nx_boot_info();
    uint32_t ndev = source_count(bi);
    if (ndev == 0u)
        return NX_ERR_NOT_SUPPORTED;
    if (irq == 0u || irq > ndev || hart >= bi->hart_count || priority == 0u ||
        priority > NX_IRQ_PRIORITY_MAX || fn == NULL)
        return NX_ERR_INVALID_ARGS;

    nx_spin_lock(&irqs.lock);
    irq_entry_t *slot = NULL;
    nx_status_t st = NX_OK;
    if (find_locked(irq) != NULL)
        st = NX_ERR_ALREADY_EXISTS;
    else if ((slot = find_locked(0u)) == NULL)
        st = NX_ERR_NO_RESOURCES;
    /* Routed under the lock: a hart claiming it at once finds the entry. */
    if (st == NX_OK)
        st = route_locked(irq, hart, priority);
    if (st == NX_OK) {
        slot->irq = irq;
        slot->hart = hart;
        slot->dying = false;
        slot->running = 0u;
        slot->fn = fn;
        slot->arg = arg;
    }
    nx_spin_unlock(&irqs.lock);
    return st;
}

nx_status_t nx_irq_unregister(uint32_t irq)
{
    uint32_t ndev = source_count(nx_boot_info());
    if (ndev == 0u)
        return NX_ERR_NOT_SUPPORTED;
    if (irq == 0u || irq > ndev)
        return NX_ERR_INVALID_ARGS;

    nx_spin_lock(&irqs.lock);
    irq_entry_t *e = find_locked(irq);
    if (e == NULL || e->dying) {
        nx_spin_unlock(&irqs.lock);
        return NX_ERR_NOT_FOUND;
    }
    /* Another hart is in the handler and must be waited out; a hart that
     * is itself in a handler may not wait (two handlers unregistering each
     * other's source would wait forever). */
    uint32_t others = 0u;
    if (e->running != 0u) {
        uint32_t self = 1u << nx_port_this_hart();
        others = ~self;
        if ((e->running & others) != 0u && (irqs.in_handler & self) != 0u) {
            nx_spin_unlock(&irqs.lock);
            return NX_ERR_SHOULD_WAIT;
        }
    }
    /* Mask first so no new claim can start, then wait out the other hart
     * (not our own: we may be called from the handler). */
    (void)nx_port_irq_enable(irq, e->hart, false);
    (void)nx_port_irq_set_priority(irq, 0u);
    e->dying = true;
    if (others != 0u) {
        while ((e->running & others) != 0u) {
            nx_spin_unlock(&irqs.lock);
            nx_port_relax();
            nx_spin_lock(&irqs.lock);
        }
    }
    e->irq = 0u;
    e->dying = false;
    e->running = 0u;
    e->fn = NULL;
    e->arg = NULL;
    nx_spin_unlock(&irqs.lock);
    return NX_OK;
}

nx_status_t nx_irq_mask(uint32_t irq, bool masked)
{
    nx_spin_lock(&irqs.lock);
    irq_entry_t *e = irq != 0u ? find_locked(irq) : NULL;
    nx_status_t st = NX_ERR_NOT_FOUND;
    if (e != NULL && !e->dying)
        st = nx_port_irq_enable(irq, e->hart, !masked);
    nx_spin_unlock(&irqs.lock);
    return st;
}

nx_status_t nx_irq_stats(uint32_t hart, nx_irq_stats_t *out)
{
    if (hart >= NX_MAX_HARTS || out == NULL)
        return NX_ERR_INVALID_ARGS;
    nx_spin_lock(&irqs.lock);
    *out = irqs.stats[hart];
    nx_spin_unlock(&irqs.lock);
    return NX_OK;
}

/* Run the handler of a claimed source, or count it spurious. */
static void take(uint32_t irq, uint32_t hart)
{
    uint32_t bit = 1u << hart;
    nx_irq_handler_t fn = NULL;
    void *arg = NULL;

    nx_spin_lock(&irqs.lock);
    irq_entry_t *e = find_locked(irq);
    irqs.stats[hart].claimed++;
    if (e != NULL && !e->dying) {
        irqs.stats[hart].handled++;
        e->running |= bit;
        irqs.in_handler |= bit;
        fn = e->fn;
        arg = e->arg;
    } else {
        irqs.stats[hart].spurious++;
    }
    nx_spin_unlock(&irqs.lock);

    /* Before the handler, so the events it causes follow this one. */
    nx_trace(NX_TRACE_IRQ, irq, fn != NULL ? 1u : 0u);
    if (fn == NULL)
        return;
    fn(irq, arg);

    /* Unconditional: handlers do not nest on a hart, so even if the handler
     * unregistered itself and the slot was reused, our bit is ours. */
    nx_spin_lock(&irqs.lock);
    e->running &= ~bit;
    irqs.in_handler &= ~bit;
    nx_spin_unlock(&irqs.lock);
}

void nx_kernel_external_interrupt(void)
{
    uint32_t hart = nx_port_this_hart();
    NX_ASSERT(hart < NX_MAX_HARTS);
    uint32_t n = 0;
    for (; n < NX_IRQ_MAX_CLAIMS_PER_CALL; n++) {
        uint32_t irq = nx_port_irq_claim();
        if (irq == 0u)
            break;
        take(irq, hart);
        nx_port_irq_complete(irq);
    }
    if (n == NX_IRQ_MAX_CLAIMS_PER_CALL) {
        nx_spin_lock(&irqs.lock);
        irqs.stats[hart].limited++;
        nx_spin_unlock(&irqs.lock);
    }
}
