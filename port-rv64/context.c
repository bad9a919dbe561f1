/*
 * context.c - kernel thread contexts (nx_port_context_*) on RISC-V.
 *
 * Every thread gets a kernel stack from a fixed pool, one per possible
 * thread (NX_MAX_THREADS); a hart's boot stack serves its idle thread. The
 * pool lives in .noinit: boot does not spend time zeroing 4 MiB that every
 * user overwrites anyway. The lowest word of each stack holds a canary,
 * checked whenever its thread is switched away from and when it is freed:
 * an overflow is a panic naming the stack, not silent corruption of the
 * next stack down.
 *
 * Context words: word[0] the saved stack pointer, word[1] the stack's pool
 * index plus one (0: a boot stack, not ours to free), word[2] the stack's
 * top (0: a boot stack). A switch records the top of the stack it switches
 * to in the hart's record: a trap from U-mode saves the user registers
 * there (trap.S), above whatever the thread had on it (nothing: a thread
 * in user mode has no kernel frames).
 *
 * nx_port_enter_user() builds a user register frame and leaves through
 * trap.S's rv_user_return, the way every trap from U-mode goes back.
 */
#include "nexus/limits.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/spinlock.h"
#include "rv/hart.h"
#include "rv/trap.h"

#define RV_THREAD_STACK_BYTES 16384u
#define RV_THREAD_STACKS      NX_MAX_THREADS
#define RV_STACK_CANARY       0x6e78737461636b21ull /* "nxstack!" */
#define RV_FRAME_WORDS        14u                   /* context.S's FRAME */

void rv_context_switch(uintptr_t *save_sp, uintptr_t load_sp);
void rv_context_start(void);

static uint64_t stacks[RV_THREAD_STACKS][RV_THREAD_STACK_BYTES / 8u]
    __attribute__((section(".noinit"), aligned(16)));

static struct {
    nx_spinlock_t lock;
    bool ready;
    uint32_t free_head; /* index, RV_THREAD_STACKS when empty */
    uint32_t next[RV_THREAD_STACKS];
} pool;

/* .noinit is not zeroed, and .bss is: build the free list on first use. */
static void pool_init_locked(void)
{
    for (uint32_t i = 0; i < RV_THREAD_STACKS; i++)
        pool.next[i] = i + 1u;
    pool.free_head = 0;
    pool.ready = true;
}

static void check_canary(uint32_t index)
{
    if (stacks[index][0] != RV_STACK_CANARY)
        nx_panic("kernel stack %u overflowed (canary 0x%llx)", index,
                 (unsigned long long)stacks[index][0]);
}

nx_status_t nx_port_context_init(nx_port_context_t *ctx, void (*entry)(uintptr_t arg),
                                 uintptr_t arg)
{
    nx_spin_lock(&pool.lock);
    if (!pool.ready)
        pool_init_locked();
    uint32_t index = pool.free_head;
    if (index < RV_THREAD_STACKS)
        pool.free_head = pool.next[index];
    nx_spin_unlock(&pool.lock);
    if (index >= RV_THREAD_STACKS)
        return NX_ERR_NO_RESOURCES;

    uint64_t *stack = stacks[index];
    stack[0] = RV_STACK_CANARY;
    uint64_t *frame = stack + RV_THREAD_STACK_BYTES / 8u - RV_FRAME_WORDS;
    for (uint32_t i = 0; i < RV_FRAME_WORDS; i++)
        frame[i] = 0;
    frame[0] = (uint64_t)(uintptr_t)rv_context_start; /* ra */
    frame[2] = (uint64_t)arg;                         /* s1 */
    frame[3] = (uint64_t)(uintptr_t)entry;            /* s2 */
    ctx->word[0] = (uintptr_t)frame;
    ctx->word[1] = index + 1u;
    ctx->word[2] = (uintptr_t)(stack + RV_THREAD_STACK_BYTES / 8u);
    ctx->word[3] = 0;
    return NX_OK;
}

void nx_port_context_current(nx_port_context_t *ctx)
{
    ctx->word[0] = 0; /* filled by the first switch away from it */
    ctx->word[1] = 0;
    ctx->word[2] = 0;
    ctx->word[3] = 0;
}

void nx_port_context_switch(nx_port_context_t *from, nx_port_context_t *to)
{
    if (from->word[1] != 0u)
        check_canary((uint32_t)(from->word[1] - 1u));
    if (to->word[0] == 0u)
        nx_panic("switch to a context that was never saved or initialised");
    rv_hart_local()->kstack_top = to->word[2];
    rv_context_switch(&from->word[0], to->word[0]);
}

void nx_port_context_destroy(nx_port_context_t *ctx)
{
    if (ctx->word[1] == 0u)
        nx_panic("a hart's boot context cannot be destroyed");
    uint32_t index = (uint32_t)(ctx->word[1] - 1u);
    check_canary(index);
    ctx->word[0] = ctx->word[1] = 0;
    nx_spin_lock(&pool.lock);
    pool.next[index] = pool.free_head;
    pool.free_head = index;
    nx_spin_unlock(&pool.lock);
}

/* A fresh user frame: every register 0 but the four the contract names. */
_Noreturn void nx_port_enter_user(uintptr_t entry, uintptr_t arg, uintptr_t stack_top,
                                  uintptr_t return_to)
{
    rv_trap_frame_t frame = { 0 };
    frame.x[1] = return_to; /* ra */
    frame.x[2] = stack_top; /* sp */
    frame.x[10] = arg;      /* a0 */
    frame.sepc = entry;
    rv_user_return(&frame);
}

/* The simulator records and digests the trace; on hardware nothing reads
 * it yet, and the port contract lets a hardware port drop events. */
void nx_port_trace(const struct nx_trace_event *event)
{
    (void)event;
}
