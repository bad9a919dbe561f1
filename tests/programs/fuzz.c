/* fuzz: the system call fuzzer. Worker threads on several harts issue
 * random system calls: every number (unknown ones too), arguments drawn
 * from live, closed, shared, forged and out-of-range handles, sizes at and
 * around every bound of nexus/limits.h, the caller's own, unmapped, kernel,
 * misaligned, wrapping and aliasing pointers, past, near and too-far
 * deadlines. Handles go over channels, are closed and revoked while other
 * workers use them. Every status must be one the call documents
 * (docs/abi/). In the simulator each call is also probed: when the kernel
 * ran only this call (no other hart, no interrupt) and it returned an
 * error, the core's state digest must not have changed (a refused call
 * changes nothing). arg: seed in the low 32 bits, calls per worker above
 * (0: a fixed seed and count, what the boot bundle runs). */
#include "nexus/start.h"
#include "selftest.h"
#include "sysfilter_blob.h"

#define NAME "fuzz"

#define WORKERS       3u
#define DEFAULT_SEED  20261207u
#define DEFAULT_CALLS 2000u /* per worker */
#define LIVE_MAX      24u   /* handles a worker keeps track of */
#define STALE_MAX     8u
#define SHARED_MAX    16u
#define MAP_PAGES     8u
/* The worker's own buffer: room for every length a call that succeeds may
 * write there (gen_size's 4097 in a vmo_read, one more at a misaligned
 * pointer). A smaller one let a vmo_read run over the worker's own frames
 * (its return address: a fault at pc 0 on QEMU). */
#define BUF_BYTES    (NX_VMO_PAGE_SIZE + NX_CHANNEL_MAX_BYTES)
#define USER_TOP     0x2000000000ull /* the user range ends at 128 GiB on both ports */
#define STACK_STRIDE ((64ull << 10) + NX_VMO_PAGE_SIZE)

/* Statuses each call documents (docs/abi/syscalls.md, ipc.md, vmo.md,
 * capabilities.md), as a bit per status magnitude. */
#define S(st) (1u << (uint32_t)(-(int32_t)(st)))
#define OK    S(NX_OK)
#define HANDLE_ERRS                                                                                \
    (S(NX_ERR_INVALID_ARGS) | S(NX_ERR_BAD_HANDLE) | S(NX_ERR_WRONG_TYPE) |                        \
     S(NX_ERR_ACCESS_DENIED) | S(NX_ERR_TASK_DEAD))
#define WRITE_ERRS                                                                                 \
    (HANDLE_ERRS | S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_BAD_ADDRESS) | S(NX_ERR_NO_RESOURCES) |       \
     S(NX_ERR_SHOULD_WAIT) | S(NX_ERR_PEER_CLOSED) | S(NX_ERR_WOULD_CYCLE))
#define READ_ERRS                                                                                  \
    (HANDLE_ERRS | S(NX_ERR_BAD_ADDRESS) | S(NX_ERR_BUFFER_TOO_SMALL) | S(NX_ERR_SHOULD_WAIT) |    \
     S(NX_ERR_PEER_CLOSED) | S(NX_ERR_NO_RESOURCES))
#define VMO_IO_ERRS                                                                                \
    (HANDLE_ERRS | S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_BAD_ADDRESS) | S(NX_ERR_SEALED))

/* This run's task has a syscall filter (see filter_self). */
static bool filtered;

static const uint32_t documented[NX_SYS_COUNT] = {
    [NX_SYS_NONE] = S(NX_ERR_NOT_SUPPORTED),
    [NX_SYS_TIME_NOW] = OK,
    [NX_SYS_HART_ID] = OK,
    [NX_SYS_THREAD_CREATE] = OK | S(NX_ERR_INVALID_ARGS) | S(NX_ERR_ACCESS_DENIED) |
                             S(NX_ERR_NO_RESOURCES) | S(NX_ERR_TASK_DEAD),
    [NX_SYS_THREAD_YIELD] = OK,
    [NX_SYS_THREAD_SLEEP_UNTIL] = OK | S(NX_ERR_INVALID_ARGS) | S(NX_ERR_CANCELED),
    [NX_SYS_THREAD_JOIN] = OK | HANDLE_ERRS | S(NX_ERR_TIMED_OUT),
    [NX_SYS_THREAD_SET_QOS] = OK | HANDLE_ERRS | S(NX_ERR_THREAD_EXITED),
    [NX_SYS_THREAD_SET_AFFINITY] = OK | HANDLE_ERRS | S(NX_ERR_THREAD_EXITED),
    [NX_SYS_HANDLE_DUPLICATE] = OK | HANDLE_ERRS | S(NX_ERR_NO_RESOURCES),
    [NX_SYS_HANDLE_REPLACE] = OK | HANDLE_ERRS | S(NX_ERR_NO_RESOURCES),
    [NX_SYS_HANDLE_CLOSE] = OK | HANDLE_ERRS,
    [NX_SYS_HANDLE_REVOKE] = OK | HANDLE_ERRS,
    [NX_SYS_EVENT_CREATE] = OK | S(NX_ERR_NO_RESOURCES) | S(NX_ERR_TASK_DEAD),
    [NX_SYS_OBJECT_SIGNAL] = OK | HANDLE_ERRS,
    [NX_SYS_DEBUG_WRITE] = OK | S(NX_ERR_INVALID_ARGS) | S(NX_ERR_BAD_ADDRESS),
    [NX_SYS_KERNEL_STAT] = OK | S(NX_ERR_INVALID_ARGS),
    [NX_SYS_CHANNEL_CREATE] = OK | S(NX_ERR_NO_RESOURCES) | S(NX_ERR_TASK_DEAD),
    [NX_SYS_CHANNEL_WRITE] = OK | WRITE_ERRS,
    [NX_SYS_CHANNEL_READ] = OK | READ_ERRS,
    [NX_SYS_OBJECT_WAIT_ONE] =
        OK | HANDLE_ERRS | S(NX_ERR_NOT_SUPPORTED) | S(NX_ERR_TIMED_OUT) | S(NX_ERR_CANCELED),
    [NX_SYS_OBJECT_WAIT_MANY] = OK | HANDLE_ERRS | S(NX_ERR_NOT_SUPPORTED) | S(NX_ERR_TIMED_OUT) |
                                S(NX_ERR_CANCELED) | S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_BAD_ADDRESS),
    [NX_SYS_CHANNEL_CALL] = OK | WRITE_ERRS | READ_ERRS | S(NX_ERR_TIMED_OUT) | S(NX_ERR_CANCELED),
    [NX_SYS_VMO_CREATE] = OK | S(NX_ERR_INVALID_ARGS) | S(NX_ERR_OUT_OF_RANGE) |
                          S(NX_ERR_NO_RESOURCES) | S(NX_ERR_TASK_DEAD),
    [NX_SYS_VMO_READ] = OK | VMO_IO_ERRS,
    [NX_SYS_VMO_WRITE] = OK | VMO_IO_ERRS,
    [NX_SYS_VMO_GET_SIZE] = OK | HANDLE_ERRS,
    [NX_SYS_VMO_CREATE_SLICE] = OK | HANDLE_ERRS | S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_NO_RESOURCES),
    [NX_SYS_VMO_SEAL] = OK | HANDLE_ERRS | S(NX_ERR_NOT_SUPPORTED) | S(NX_ERR_WRITABLE_MAPPED),
    [NX_SYS_VMO_MAP] = OK | HANDLE_ERRS | S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_ALREADY_EXISTS) |
                       S(NX_ERR_SEALED) | S(NX_ERR_NOT_SEALED) | S(NX_ERR_NO_RESOURCES),
    [NX_SYS_VMO_UNMAP] = OK | S(NX_ERR_INVALID_ARGS) | S(NX_ERR_NOT_FOUND),
    [NX_SYS_TASK_FILTER_ATTACH] = OK | HANDLE_ERRS | S(NX_ERR_BAD_ADDRESS) | S(NX_ERR_MALFORMED) |
                                  S(NX_ERR_VERSION_MISMATCH) | S(NX_ERR_OUT_OF_RANGE) |
                                  S(NX_ERR_NOT_SUPPORTED) | S(NX_ERR_NO_RESOURCES),
    [NX_SYS_TASK_FILTER_LEARNED] =
        OK | HANDLE_ERRS | S(NX_ERR_BAD_ADDRESS) | S(NX_ERR_NOT_FOUND) | S(NX_ERR_BUFFER_TOO_SMALL),
    [NX_SYS_DEVICE_INFO] = OK | HANDLE_ERRS | S(NX_ERR_BAD_ADDRESS),
    [NX_SYS_DEVICE_MAP] = OK | HANDLE_ERRS | S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_ALREADY_EXISTS) |
                          S(NX_ERR_NO_RESOURCES) | S(NX_ERR_BAD_STATE),
    [NX_SYS_INTERRUPT_CREATE] = OK | HANDLE_ERRS | S(NX_ERR_NOT_FOUND) | S(NX_ERR_ALREADY_EXISTS) |
                                S(NX_ERR_NO_RESOURCES) | S(NX_ERR_NOT_SUPPORTED),
    [NX_SYS_INTERRUPT_ACK] = OK | HANDLE_ERRS | S(NX_ERR_NOT_PENDING),
    [NX_SYS_INTERRUPT_INFO] = OK | HANDLE_ERRS | S(NX_ERR_BAD_ADDRESS),
    [NX_SYS_VMO_CREATE_DMA] = OK | S(NX_ERR_INVALID_ARGS) | S(NX_ERR_OUT_OF_RANGE) |
                              S(NX_ERR_NO_RESOURCES) | S(NX_ERR_TASK_DEAD),
    [NX_SYS_DMA_PIN] = OK | HANDLE_ERRS | S(NX_ERR_BAD_ADDRESS) | S(NX_ERR_NOT_SUPPORTED) |
                       S(NX_ERR_OUT_OF_RANGE) | S(NX_ERR_NO_RESOURCES),
    [NX_SYS_DEVICE_RELEASE_QUARANTINE] = OK | HANDLE_ERRS,
};

/* Argument kinds, one letter per argument of each call. */
static const char *const kinds[NX_SYS_COUNT] = {
    [NX_SYS_THREAD_CREATE] = "exqaR",
    [NX_SYS_THREAD_SLEEP_UNTIL] = "dx",
    [NX_SYS_THREAD_JOIN] = "hd",
    [NX_SYS_THREAD_SET_QOS] = "hqh",
    [NX_SYS_THREAD_SET_AFFINITY] = "hah",
    [NX_SYS_HANDLE_DUPLICATE] = "hr",
    [NX_SYS_HANDLE_REPLACE] = "hr",
    [NX_SYS_HANDLE_CLOSE] = "h",
    [NX_SYS_HANDLE_REVOKE] = "h",
    [NX_SYS_OBJECT_SIGNAL] = "hss",
    [NX_SYS_DEBUG_WRITE] = "Pl",
    [NX_SYS_KERNEL_STAT] = "kt",
    [NX_SYS_CHANNEL_WRITE] = "hpnHcx",
    [NX_SYS_CHANNEL_READ] = "hpnHcI",
    [NX_SYS_OBJECT_WAIT_ONE] = "hsd",
    [NX_SYS_OBJECT_WAIT_MANY] = "Wcd",
    [NX_SYS_CHANNEL_CALL] = "hCdI",
    [NX_SYS_VMO_CREATE] = "z",
    [NX_SYS_VMO_READ] = "hopn",
    [NX_SYS_VMO_WRITE] = "hopn",
    [NX_SYS_VMO_GET_SIZE] = "h",
    [NX_SYS_VMO_CREATE_SLICE] = "hoz",
    [NX_SYS_VMO_SEAL] = "h",
    [NX_SYS_VMO_MAP] = "hovzm",
    [NX_SYS_VMO_UNMAP] = "vz",
    [NX_SYS_TASK_FILTER_ATTACH] = "hpnx",
    [NX_SYS_TASK_FILTER_LEARNED] = "hpnp",
    [NX_SYS_DEVICE_INFO] = "hp",
    [NX_SYS_DEVICE_MAP] = "hvm",
    [NX_SYS_INTERRUPT_CREATE] = "hx",
    [NX_SYS_INTERRUPT_ACK] = "h",
    [NX_SYS_INTERRUPT_INFO] = "hp",
    [NX_SYS_VMO_CREATE_DMA] = "z",
    [NX_SYS_DMA_PIN] = "hhozp",
    [NX_SYS_DEVICE_RELEASE_QUARANTINE] = "h",
};

typedef struct worker {
    uint64_t rng;
    uint32_t index;
    uint64_t calls;
    uint32_t live[LIVE_MAX];
    uint32_t nlive;
    uint32_t stale[STALE_MAX];
    uint32_t nstale;
    /* The last VMO this worker mapped, and where: aliasing copies. */
    uint32_t mapped_vmo;
    uint64_t mapped_at;
    /* Argument memory: the worker's own (on its stack, filled per call). */
    unsigned char *buf;
    nx_handle_t *hs;
    nx_wait_item_t *items;
    nx_channel_call_args_t *cargs;
    nx_msg_info_t *info;
} worker_t;

static uint32_t shared[SHARED_MAX];        /* handles any worker may use (relaxed atomics) */
static uint32_t running;                   /* workers not done (atomic) */
static uint32_t failed;                    /* the first failure's worker + 1 (atomic) */
static uint64_t total_calls, probed_calls; /* atomics, for the verdict */
/* What debug_write prints: newlines, so no console line is ever broken. */
static char blanks[NX_DEBUG_WRITE_MAX + 8u];

static uint64_t next(worker_t *w)
{
    /* xorshift64*: the same sequence on every port for one seed. */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * 0x2545f4914f6cdd1dull;
}

static uint32_t below(worker_t *w, uint32_t n)
{
    return (uint32_t)(next(w) % n);
}

#define PICK(w, arr) ((arr)[below((w), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

static void remember(worker_t *w, uint32_t h)
{
    if (h == 0u)
        return;
    if (w->nlive == LIVE_MAX) {
        /* Full: close one, so the table does not fill for good. */
        uint32_t i = below(w, LIVE_MAX);
        (void)nx_handle_close((nx_handle_t){ w->live[i] });
        w->live[i] = h;
    } else {
        w->live[w->nlive++] = h;
    }
    if (below(w, 4) == 0u)
        __atomic_store_n(&shared[below(w, SHARED_MAX)], h, __ATOMIC_RELAXED);
}

static void forget(worker_t *w, uint32_t h)
{
    for (uint32_t i = 0; i < w->nlive; i++) {
        if (w->live[i] == h) {
            w->live[i] = w->live[--w->nlive];
            w->stale[w->nstale++ % STALE_MAX] = h;
            return;
        }
    }
}

static uint64_t gen_handle(worker_t *w)
{
    uint32_t roll = below(w, 100);
    if (roll < 8u && w->mapped_vmo != 0u)
        return w->mapped_vmo;
    if (roll < 55u && w->nlive > 0u)
        return w->live[below(w, w->nlive)];
    if (roll < 70u)
        return __atomic_load_n(&shared[below(w, SHARED_MAX)], __ATOMIC_RELAXED);
    if (roll < 80u && w->nstale > 0u)
        return w->stale[below(w, w->nstale < STALE_MAX ? w->nstale : STALE_MAX)];
    if (roll < 85u) {
        /* Untyped: the fuzzer passes any handle to any call (the kernel,
         * not the type, is the boundary). */
        const nx_handle_t start[] = { nx_thread_to_handle(NX_START_SELF_THREAD),
                                      nx_task_to_handle(NX_START_SELF_TASK),
                                      nx_channel_to_handle(NX_START_PEER_CHANNEL) };
        return PICK(w, start).v;
    }
    if (roll < 90u)
        return 0;
    if (roll < 95u)
        return (uint32_t)next(w);                                              /* forged */
    return (w->nlive > 0u ? w->live[0] : 1u) | (1ull << (32u + below(w, 32))); /* above 32 bits */
}

static uint64_t gen_size(worker_t *w, uint64_t bound)
{
    const uint64_t any[] = { 0, 1, 2, 7, 8, 4095, 4096, 4097, UINT32_MAX, 1ull << 32, ~0ull };
    switch (below(w, 4)) {
    case 0:
        return bound - 1u;
    case 1:
        return bound;
    case 2:
        return bound + 1u;
    default:
        return PICK(w, any);
    }
}

/* Below every live frame of the worker (this function's frame is dead by
 * the time the call is made): free stack on RISC-V, and in the simulator
 * where the kernel's own frames lie during the call. Far enough below that
 * no length a call may write there (at most BUF_BYTES + 1) reaches the
 * live frames on RISC-V, where the write succeeds: nearer, a vmo_read ran
 * up into the worker's return address (a fault at pc 0 on QEMU). */
static __attribute__((noinline)) uint64_t below_the_stack_pointer(worker_t *w)
{
    return (uintptr_t)__builtin_frame_address(0) - 64u - 2u * BUF_BYTES - below(w, 4096);
}

static uint64_t gen_pointer(worker_t *w, uintptr_t own, bool printing)
{
    switch (below(w, printing ? 7 : 10)) {
    case 0:
    case 1:
    case 2:
        return own;
    case 3:
        return own + 1u; /* misaligned */
    case 4:
        return 0;
    case 5:
        return (uintptr_t)NX_TEST_KERNEL_ADDRESS;
    case 6:
        return ~0ull - below(w, 8); /* wraps */
    case 7:
        return 0x1100000000ull + below(w, 4) * NX_VMO_PAGE_SIZE; /* user, unmapped */
    case 8:
        /* Where the workers map VMOs: aliasing copies (a buffer that is a
         * mapping of the very VMO read or written). */
        if (w->mapped_at != 0u && below(w, 2) == 0u)
            return w->mapped_at + below(w, 64);
        return NX_TEST_MAP_BASE + below(w, MAP_PAGES) * NX_VMO_PAGE_SIZE + below(w, 64);
    default:
        return below_the_stack_pointer(w);
    }
}

static uint64_t gen_deadline(worker_t *w)
{
    uint64_t now = nx_time_now();
    /* "Past the bound" by TOO_FAR_NS (selftest.h): the kernel's now is
     * later than ours, by however long this vCPU stalls in between. */
    switch (below(w, 7)) {
    case 0:
        return 0;
    case 1:
        return now;
    case 2:
    case 3:
        return now + 1u + below(w, 20000); /* near: at most 20 us */
    case 4:
        return now + TOO_FAR_NS + below(w, 1000); /* past the bound */
    case 5:
        return now > 1000u ? now - 1000u : 0u;
    default:
        return UINT64_MAX - below(w, 2);
    }
}

static void child(uintptr_t arg)
{
    if (arg % 2u == 0u)
        nx_yield();
}

static uint64_t gen_arg(worker_t *w, char kind)
{
    uintptr_t own = (uintptr_t)w->buf;
    switch (kind) {
    case 'h':
        return gen_handle(w);
    case 'p':
        return gen_pointer(w, own, false);
    case 'I':
        return gen_pointer(w, (uintptr_t)w->info, false);
    case 'P': /* debug_write: the blanks, so the console stays text */
        return below(w, 2) == 0u ? (uintptr_t)blanks : gen_pointer(w, (uintptr_t)blanks, true);
    case 'H':
        for (uint32_t i = 0; i < NX_CHANNEL_MAX_HANDLES + 2u; i++)
            w->hs[i].v = (uint32_t)gen_handle(w);
        return gen_pointer(w, (uintptr_t)w->hs, false);
    case 'W':
        for (uint32_t i = 0; i < NX_WAIT_MANY_MAX + 2u; i++) {
            w->items[i].handle.v = (uint32_t)gen_handle(w);
            w->items[i].wait_for = below(w, 4) == 0u ? (uint32_t)next(w) : 1u << below(w, 3);
            w->items[i].pending = 0;
        }
        return gen_pointer(w, (uintptr_t)w->items, false);
    case 'C': {
        nx_channel_call_args_t *c = w->cargs;
        c->wr_bytes = gen_pointer(w, own, false);
        c->wr_handles = gen_pointer(w, (uintptr_t)w->hs, false);
        c->rd_bytes = gen_pointer(w, own, false);
        c->rd_handles = gen_pointer(w, (uintptr_t)w->hs, false);
        c->wr_num_bytes = (uint32_t)gen_size(w, NX_CHANNEL_MAX_BYTES);
        c->wr_num_handles = (uint32_t)gen_size(w, NX_CHANNEL_MAX_HANDLES) % 64u;
        c->rd_num_bytes = (uint32_t)gen_size(w, NX_CHANNEL_MAX_BYTES);
        c->rd_num_handles = (uint32_t)gen_size(w, NX_CHANNEL_MAX_HANDLES);
        for (uint32_t i = 0; i < NX_CHANNEL_MAX_HANDLES + 2u; i++)
            w->hs[i].v = (uint32_t)gen_handle(w);
        return gen_pointer(w, (uintptr_t)c, false);
    }
    case 'n':
        return below(w, 2) == 0u ? gen_size(w, NX_CHANNEL_MAX_BYTES) : below(w, BUF_BYTES);
    case 'l':
        return gen_size(w, NX_DEBUG_WRITE_MAX) % 2u == 0u ? 1u : gen_size(w, NX_DEBUG_WRITE_MAX);
    case 'c':
        return below(w, 2) == 0u ? gen_size(w, NX_CHANNEL_MAX_HANDLES)
                                 : gen_size(w, NX_WAIT_MANY_MAX);
    case 'z':
        return below(w, 2) == 0u ? (1u + below(w, 4)) * NX_VMO_PAGE_SIZE
                                 : gen_size(w, NX_VMO_MAX_BYTES);
    case 'o':
        return below(w, 2) == 0u ? below(w, 3) * NX_VMO_PAGE_SIZE : gen_size(w, NX_VMO_PAGE_SIZE);
    case 'v': {
        switch (below(w, 5)) {
        case 0:
        case 1:
            return NX_TEST_MAP_BASE + below(w, MAP_PAGES) * NX_VMO_PAGE_SIZE;
        case 2: /* a stack slot, used or not */
            return USER_TOP - (below(w, 64) + 1u) * STACK_STRIDE + NX_VMO_PAGE_SIZE;
        case 3:
            return USER_TOP - NX_VMO_PAGE_SIZE * (1u + below(w, 4));
        default:
            return gen_pointer(w, NX_TEST_MAP_BASE, false);
        }
    }
    case 'm':
        return below(w, 4) == 0u ? next(w) % 16u | (below(w, 2) == 0u ? 1ull << 32 : 0u)
                                 : 1u + below(w, 3); /* read, write, read+write */
    case 'd':
        return gen_deadline(w);
    case 'r': {
        const uint64_t rights[] = { NX_RIGHTS_SAME,
                                    0,
                                    NX_RIGHT_READ,
                                    NX_RIGHT_WAIT,
                                    NX_RIGHT_TRANSFER | NX_RIGHT_READ | NX_RIGHT_WRITE,
                                    1ull << 32,
                                    0x7fffffffu };
        return PICK(w, rights);
    }
    case 'q':
        return below(w, 4) == 0u ? next(w) : below(w, NX_QOS_COUNT + 1u);
    case 'a':
        return below(w, 4) == 0u ? next(w) : (uint64_t)(1u + below(w, 15));
    case 's':
        return below(w, 2) == 0u ? 1u << below(w, 32) : next(w) >> below(w, 64);
    case 'k':
        return below(w, NX_STAT_COUNT + 2u);
    case 't':
        return below(w, 4) == 0u ? next(w) : below(w, NX_MAX_HARTS + 1u);
    case 'e':
        return below(w, 8) == 0u ? 0u : (uintptr_t)child;
    case 'R':
        return (uintptr_t)nx_thread_return;
    default:
        return next(w) >> below(w, 64);
    }
}

/* Follow the handles a call made or used up. */
static void track(worker_t *w, uint32_t nr, const uint64_t a[6], nx_syscall_ret_t r)
{
    if (r.status != NX_OK)
        return;
    switch (nr) {
    case NX_SYS_THREAD_CREATE:
    case NX_SYS_HANDLE_DUPLICATE:
    case NX_SYS_EVENT_CREATE:
    case NX_SYS_VMO_CREATE:
    case NX_SYS_VMO_CREATE_SLICE:
        remember(w, (uint32_t)r.value);
        break;
    case NX_SYS_HANDLE_REPLACE:
        forget(w, (uint32_t)a[0]);
        remember(w, (uint32_t)r.value);
        break;
    case NX_SYS_HANDLE_CLOSE:
        forget(w, (uint32_t)a[0]);
        break;
    case NX_SYS_VMO_MAP:
        w->mapped_vmo = (uint32_t)a[0];
        w->mapped_at = a[2];
        break;
    case NX_SYS_CHANNEL_CREATE:
        remember(w, (uint32_t)r.value);
        remember(w, (uint32_t)(r.value >> 32));
        break;
    case NX_SYS_CHANNEL_WRITE:
        for (uint32_t i = 0; a[3] == (uintptr_t)w->hs && i < a[4]; i++)
            forget(w, w->hs[i].v); /* moved into the message */
        break;
    case NX_SYS_CHANNEL_READ:
        if (a[3] == (uintptr_t)w->hs && a[5] == (uintptr_t)w->info)
            for (uint32_t i = 0; i < w->info->handles && i < NX_CHANNEL_MAX_HANDLES; i++)
                remember(w, w->hs[i].v);
        break;
    default:
        break;
    }
}

/* Say what failed, with what reproduces it, and stop every worker. */
static void report(const worker_t *w, const char *why, uint32_t nr, const uint64_t a[6],
                   int64_t status)
{
    uint32_t none = 0;
    if (!__atomic_compare_exchange_n(&failed, &none, w->index + 1u, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        return;
    char line[240];
    uint32_t n = 0;
    put(line, &n, sizeof line, "fuzz: worker ");
    put_u(line, &n, sizeof line, w->index);
    put(line, &n, sizeof line, " call ");
    put_u(line, &n, sizeof line, w->calls);
    put(line, &n, sizeof line, ": nr ");
    put_u(line, &n, sizeof line, nr);
    for (uint32_t i = 0; i < 6u; i++) {
        put(line, &n, sizeof line, i == 0u ? " (" : ", ");
        put_u(line, &n, sizeof line, a[i]);
    }
    put(line, &n, sizeof line, ") -> status -");
    put_u(line, &n, sizeof line, (uint64_t)(-status));
    put(line, &n, sizeof line, ": ");
    put(line, &n, sizeof line, why);
    put(line, &n, sizeof line, "\n");
    (void)nx_debug_write(line, n);
}

static uint32_t pick_number(worker_t *w)
{
    uint32_t roll = below(w, 100);
    if (roll < 2u)
        return NX_SYS_NONE;
    if (roll < 4u)
        return NX_SYS_COUNT + below(w, 4);
    if (roll < 5u)
        return (uint32_t)next(w);
    uint32_t nr;
    do
        nr = 1u + below(w, NX_SYS_COUNT - 1u);
    while (nr == NX_SYS_THREAD_EXIT); /* ends the worker: the workers end by returning */
    return nr;
}

/* A copy between a VMO and a mapping of that same VMO (its pages alias):
 * random calls rarely line the three up, so a few calls do it on purpose,
 * mapping a VMO of their own first when the worker has none mapped. */
static uint32_t alias_call(worker_t *w, uint64_t a[6])
{
    if (w->mapped_at == 0u || below(w, 16) == 0u) {
        nx_vmo_handle_t v;
        uintptr_t at = NX_TEST_MAP_BASE + (MAP_PAGES + 2u * w->index) * NX_VMO_PAGE_SIZE;
        (void)nx_vmo_unmap(at, 2u * NX_VMO_PAGE_SIZE);
        if (nx_vmo_create(2u * NX_VMO_PAGE_SIZE, &v) == NX_OK) {
            remember(w, nx_vmo_to_handle(v).v);
            if (nx_vmo_map(v, 0, at, 2u * NX_VMO_PAGE_SIZE, NX_VM_READ | NX_VM_WRITE) == NX_OK) {
                w->mapped_vmo = nx_vmo_to_handle(v).v;
                w->mapped_at = at;
            }
        }
    }
    a[0] = w->mapped_vmo;
    a[1] = below(w, 2) == 0u ? below(w, 128) : NX_VMO_PAGE_SIZE - below(w, 128);
    a[2] = w->mapped_at + below(w, 2u * NX_VMO_PAGE_SIZE - 256u);
    a[3] = 1u + below(w, 256);
    a[4] = a[5] = 0;
    return below(w, 2) == 0u ? NX_SYS_VMO_READ : NX_SYS_VMO_WRITE;
}

static void one_call(worker_t *w)
{
    uint32_t nr;
    uint64_t a[6] = { 0 };
    if (below(w, 100) < 3u) {
        nr = alias_call(w, a);
    } else {
        nr = pick_number(w);
        const char *k = nr < NX_SYS_COUNT ? kinds[nr] : NULL;
        /* Arguments past a call's last are ignored by the kernel: junk there. */
        bool typed = k != NULL;
        for (uint32_t i = 0; i < 6u; i++) {
            typed = typed && k[i] != '\0';
            a[i] = typed ? gen_arg(w, k[i]) : next(w);
        }
    }
    nx_syscall_ret_t r;
#ifdef NX_SIM
    nx_sim_syscall_probe_t probe;
    r = nx_sim_syscall_probed(nr, a, &probe);
    if (probe.undisturbed) {
        __atomic_fetch_add(&probed_calls, 1u, __ATOMIC_RELAXED);
        if (r.status != NX_OK && probe.before != probe.after)
            report(w, "a refused call changed the kernel's state", nr, a, r.status);
    }
#else
    r = nx_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
#endif
    uint32_t allowed = nr < NX_SYS_COUNT ? documented[nr] : S(NX_ERR_NOT_SUPPORTED);
    if (filtered)
        allowed |= S(NX_ERR_DENIED_BY_FILTER) | S(NX_ERR_RATE_LIMITED);
    if (r.status > 0 || r.status < NX_STATUS_MIN || (allowed & S(r.status)) == 0u)
        report(w, "a status the call does not document", nr, a, r.status);
    track(w, nr, a, r);
    w->calls++;
}

static uint64_t calls_per_worker;
static uint64_t seed;

/* The worker's argument memory, one object: a pointer just past one
 * part (misaligned, or a size one past) still lands in the worker's own
 * memory, as it would on RISC-V, not in a sanitizer's red zone. */
#define SLACK 128u
typedef struct arena {
    unsigned char buf[BUF_BYTES + SLACK];
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES + 2u + SLACK / sizeof(nx_handle_t)];
    nx_wait_item_t items[NX_WAIT_MANY_MAX + 2u + SLACK / sizeof(nx_wait_item_t)];
    nx_channel_call_args_t cargs[2];
    nx_msg_info_t info[4];
} arena_t;

static void worker_main(uintptr_t index)
{
    arena_t arena;
    unsigned char *buf = arena.buf;
    nx_handle_t *hs = arena.hs;
    nx_wait_item_t *items = arena.items;
    nx_channel_call_args_t *cargs = arena.cargs;
    nx_msg_info_t *info = arena.info;
    for (uint32_t i = 0; i < BUF_BYTES; i++)
        buf[i] = (unsigned char)('a' + i % 26u);
    worker_t w; /* field by field: no memset in a freestanding program */
    w.rng = (seed + 1u) * 0x9e3779b97f4a7c15ull + index + 1u;
    w.index = (uint32_t)index;
    w.calls = 0;
    w.nlive = w.nstale = 0;
    w.mapped_vmo = 0;
    w.mapped_at = 0;
    w.buf = buf;
    w.hs = hs;
    w.items = items;
    w.cargs = cargs;
    w.info = info;
    while (w.calls < calls_per_worker && __atomic_load_n(&failed, __ATOMIC_RELAXED) == 0u)
        one_call(&w);
    __atomic_fetch_add(&total_calls, w.calls, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&running, 1u, __ATOMIC_SEQ_CST);
}

/* A third of the seeds run under a syscall filter of their own (docs/
 * sysfilter.md): a few calls denied when an argument's low bit is set,
 * some rate limited, some logged, the rest allowed; so every call may also
 * be DENIED_BY_FILTER or RATE_LIMITED, and a call the filter refuses must
 * change nothing but the audit ring, as any refusal. */
static nx_test_filter_t profile;

static bool never_filtered(uint32_t nr)
{
    /* What the harness itself needs: making workers, reporting, waiting. */
    return nr == NX_SYS_THREAD_CREATE || nr == NX_SYS_DEBUG_WRITE || nr == NX_SYS_TIME_NOW ||
           nr == NX_SYS_THREAD_SLEEP_UNTIL || nr == NX_SYS_KERNEL_STAT || nr == NX_SYS_HART_ID;
}

static nx_status_t filter_self(void)
{
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    uint8_t bucket = nx_test_filter_bucket(&profile, 50, 5, 1000000);
    uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 7u;
    for (uint32_t k = 0; k < 8u; k++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t nr = 1u + (uint32_t)((rng >> 33) % (NX_SYS_COUNT - 1u));
        if (never_filtered(nr))
            continue;
        nx_filter_rule_t *r;
        switch (k % 3u) {
        case 0:
            r = nx_test_filter_rule(&profile, nr, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
            nx_test_filter_match(r, (uint32_t)(rng >> 20) % 6u, NX_FILTER_MASK_ALL, 1, 0);
            break;
        case 1:
            (void)nx_test_filter_rule(&profile, nr, NX_FILTER_RATE, bucket);
            break;
        default:
            (void)nx_test_filter_rule(&profile, nr, NX_FILTER_LOG, 0);
            break;
        }
    }
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES]; /* the program's memory: its stack */
    size_t n = nx_test_filter_pack(&profile, blob);
    return nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0);
}

static int32_t run(uintptr_t arg)
{
    seed = arg != 0u ? (uint32_t)arg : DEFAULT_SEED;
    calls_per_worker = (arg >> 32) != 0u ? arg >> 32 : DEFAULT_CALLS;
    failed = 0;
    total_calls = probed_calls = 0;
    for (uint32_t i = 0; i < SHARED_MAX; i++)
        shared[i] = 0;
    for (uint32_t i = 0; i < sizeof blanks; i++)
        blanks[i] = '\n';
    filtered = seed % 3u == 0u;
    if (filtered) {
        nx_status_t st = filter_self();
        if (st != NX_OK)
            return verdict(NAME, "its filter", (uint64_t)-st);
    }
    uint32_t online = online_harts(), hart = 0;
    running = WORKERS;
    for (uint32_t i = 0; i < WORKERS; i++) {
        while ((online & (1u << hart)) == 0u)
            hart = (hart + 1u) % 32u;
        nx_thread_handle_t t;
        nx_status_t st = nx_thread_create(worker_main, i, NX_QOS_NORMAL, 1u << hart, &t);
        if (st != NX_OK)
            return verdict(NAME, "worker", (uint64_t)-st);
        hart = (hart + 1u) % 32u;
    }
    /* The workers close handles at random: this thread waits on a counter,
     * not on handles they might close. */
    for (uint32_t i = 0; __atomic_load_n(&running, __ATOMIC_SEQ_CST) != 0u; i++) {
        if (i > 10000000u)
            return verdict(NAME, "the workers never finished", running);
        nx_sleep_until(nx_time_now() + 200 * US, 0);
    }
    if (failed != 0u)
        return verdict(NAME, "see the fuzz: line above", failed - 1u);
    char line[120];
    uint32_t n = 0;
    put(line, &n, sizeof line, "fuzz: seed ");
    put_u(line, &n, sizeof line, seed);
    put(line, &n, sizeof line, ": ");
    put_u(line, &n, sizeof line, total_calls);
    put(line, &n, sizeof line, " calls, ");
    put_u(line, &n, sizeof line, probed_calls);
    put(line, &n, sizeof line, " probed\n");
    (void)nx_debug_write(line, n);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(fuzz)
{
    nx_thread_exit(run(arg));
}
