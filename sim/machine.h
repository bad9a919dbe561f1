/*
 * machine.h - the simulated machine's state, shared by machine.c (the
 * scheduler) and port.c (core's port interface on top of it). Private to sim/.
 */
#ifndef NXSIM_MACHINE_H
#define NXSIM_MACHINE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "fiber.h"
#include "nxsim/irq.h"
#include "nxsim/prng.h"
#include "nxsim/sim.h"

typedef enum sim_hart_state {
    SIM_HART_OFF = 0, /* not started */
    SIM_HART_READY,   /* runnable from ready_ns on */
    SIM_HART_IDLE,    /* waiting for an interrupt (timer or IPI) */
    SIM_HART_STALLED, /* started but never runs (fault injection) */
    SIM_HART_BUSY,    /* a program computes until ready_ns, or an interrupt */
} sim_hart_state_t;

typedef struct sim_hart {
    uint64_t hartid;
    int32_t logical; /* index in the kernel's boot info, -1 until known */
    sim_hart_state_t state;
    uint64_t ready_ns;
    uint64_t timer_deadline_ns; /* UINT64_MAX: disarmed */
    bool ipi_pending;
    uint32_t spin_streak; /* nx_port_relax() calls since the hart last did real work */
    bool has_fiber;
    nx_fiber_t fiber;          /* the hart's boot stack: later its idle thread */
    nx_fiber_t *running;       /* the fiber executing on this hart (a thread's) */
    struct sim_aspace *aspace; /* active user address space, NULL: none */
    uint64_t tlb_shootdowns;   /* unmaps of its active space by another hart */
} sim_hart_t;

/* User address spaces (aspace.c): the user range (as rv64's) and the
 * mappings one space may hold. */
#define NX_SIM_USER_BASE       0x1000000000ull
#define NX_SIM_USER_TOP        0x2000000000ull
#define NX_SIM_ASPACE_MAPPINGS 64u
typedef struct sim_aspace sim_aspace_t;

/* A thread context (nx_port_context_t.word[1]): a fiber of its own, on the
 * machine's list until destroyed, so a run's end can free them all. */
typedef struct sim_context {
    nx_fiber_t fiber;
    void (*entry)(uintptr_t arg);
    uintptr_t arg;
    bool user;    /* in its user program now (not inside a system call) */
    bool program; /* a user program's thread: part of its stack is user memory */
    /* While the program is in a system call (or a load or store the
     * machine checks), its stack pointer at that entry, else 0: its own
     * memory on the stack is [user_sp, the fiber's top); below are the
     * kernel's frames, on the same fiber (user.c, aspace.c). */
    uintptr_t user_sp;
    struct sim_context *next;
    struct sim_context *prev;
} sim_context_t;

/* The digest's tag for a device raise (irq.c, inject.c). */
#define SIM_IRQ_DIGEST_RAISE 0x100u

/* A delayed device raise or IPI (injected delays), due at time_ns. */
typedef struct sim_timed {
    uint64_t time_ns;
    uint32_t kind;   /* SIM_TIMED_RAISE or SIM_TIMED_IPI */
    uint32_t target; /* source, or hardware hart */
} sim_timed_t;

enum { SIM_TIMED_RAISE = 1, SIM_TIMED_IPI = 2 };

/* The outside world's faults (inject.c): the configuration's injections
 * in the order they apply, and the state they leave behind. */
typedef struct sim_faults {
    nx_sim_injection_t order[NX_SIM_MAX_INJECTIONS]; /* by time, ties in list order */
    uint32_t count;
    uint32_t next; /* the first not yet applied */
    sim_timed_t timed[NX_SIM_MAX_DELAYED];
    uint32_t timed_count;
    uint64_t irq_delay_ns[NX_SIM_IRQ_SOURCES + 1u];
    uint64_t failed[NX_SIM_IRQ_WORDS]; /* dead devices, by source */
    uint64_t ipi_drop[NX_SIM_MAX_HARTS];
    uint64_t ipi_delay_ns[NX_SIM_MAX_HARTS];
    uint64_t timer_jitter_ns[NX_SIM_MAX_HARTS];
    /* Each boot program's task, once its first thread entered user mode
     * (the id tells a live task from a freed and reused slot). */
    void *task[NX_MAX_BOOT_PROGRAMS];
    uint64_t task_id[NX_MAX_BOOT_PROGRAMS];
    bool kill_pending[NX_MAX_BOOT_PROGRAMS];
    uint32_t kills_pending;
} sim_faults_t;

/* The 16550 model's registers a program can set (devices.c). */
typedef struct sim_uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    bool thre_pending; /* a transmit-empty interrupt IIR has not reported yet */
} sim_uart_t;

/* The virtio-blk model's state (virtio_blk.c). */
#define SIM_BLK_QUEUE_MAX 16u
typedef struct sim_blk {
    bool present;
    unsigned char *disk; /* cfg.disk_bytes, malloc'd for the run */
    uint64_t sectors;
    uint32_t status, isr;
    uint32_t host_features_sel, guest_features_sel, guest_features;
    uint32_t page_size, queue_sel, queue_num, queue_align, queue_pfn;
    bool modern; /* version 2 registers */
    uint32_t queue_ready, guest_features_hi;
    uint64_t desc, driver, device; /* modern: the queue's parts */
    uint16_t last_avail;
    uint64_t requests, refused;
} sim_blk_t;

typedef struct sim_machine {
    nx_sim_config_t cfg;
    nx_sim_result_t *result;
    nx_prng_t rng;
    uint64_t now_ns;
    sim_hart_t harts[NX_SIM_MAX_HARTS];
    nx_sim_irq_state_t irq; /* the interrupt controller (sim/irq.c) */
    sim_hart_t *current;    /* the hart whose fiber runs, NULL in the scheduler */
    nx_fiber_t scheduler;
    const nx_boot_info_t *bi; /* from nx_port_machine_init */
    bool stopped;
    sim_context_t *contexts; /* every live thread context */
    uint32_t context_count;
    sim_aspace_t *aspaces;   /* every live address space */
    uint64_t user_bytes;     /* mapped in them, and VMO pages */
    struct sim_pages *pages; /* every live allocation of VMO pages */
    uint64_t dma_next;       /* the next bus address a DMA allocation gets (pages.c) */
    sim_uart_t uart;         /* the 16550's registers (devices.c) */
    sim_blk_t blk;           /* the disk on the last virtio slot (virtio_blk.c) */
    sim_faults_t faults;
    bool limit_hit; /* the event stream reached cfg.event_limit */
    /* Times a hart gave way (nx_sim_yield) or took an interrupt: a window
     * in which this did not move saw only its own hart's code run. */
    uint64_t disturbances;
    /* Harness mode (nxsim/harness.h): the host thread is hart 0, no fibers. */
    bool harness;
    jmp_buf *harness_catch;
    nx_boot_info_t harness_bi;
    const void *dtb;
    size_t dtb_size;
    unsigned char dtb_buf[NX_SIM_DTB_BYTES] __attribute__((aligned(8)));
} sim_machine_t;

/* The machine being run; port.c reaches it through this. */
extern sim_machine_t *nx_sim_current_machine;

/* A port function was used wrongly (a bug in the caller, not a state the
 * machine can be in): say what, on stderr, and abort. */
_Noreturn void nx_sim_misuse(const char *what);

/* The running machine, for a port function (misuse outside one). Inline:
 * every port call starts here, some thousands of times a simulated ms. */
static inline sim_machine_t *nx_sim_machine(void)
{
    if (nx_sim_current_machine == NULL)
        nx_sim_misuse("a port function was called outside a running simulated machine");
    return nx_sim_current_machine;
}

/* The hart running the calling port function (misuse from the scheduler). */
static inline sim_hart_t *nx_sim_self(sim_machine_t *m)
{
    if (m->current == NULL)
        nx_sim_misuse("a port function was called from the scheduler, not from a hart");
    return m->current;
}

/* Fold bytes (console output) into the run's digest: FNV-1a, 64 bit. */
void nx_sim_digest(sim_machine_t *m, const void *data, size_t len);

/* Fold events into it a 64-bit word at a time (FNV-1a's step on words):
 * the same words in the same order give the same digest on every host. */
void nx_sim_digest_words(sim_machine_t *m, const uint64_t *words, size_t n);

/* Hand one item of the event stream to the tap and count it (the caller
 * folds it into the digest). */
void nx_sim_emit(sim_machine_t *m, nx_sim_event_tag_t tag, const uint64_t *words, uint32_t n);

/* --- Injections (inject.c) ------------------------------------------------ */

/* Order the configuration's injections (nx_sim_run, before the first step). */
void nx_sim_inject_init(sim_machine_t *m);

/* When the next injection or delayed action is due; UINT64_MAX: none. */
uint64_t nx_sim_inject_next_ns(const sim_machine_t *m);

/* Apply everything due at or before now_ns (from the scheduler). */
void nx_sim_inject_apply_due(sim_machine_t *m);

/* A device raises `source` (nx_sim_irq_raise): lost when the device
 * failed, later when it is delayed. */
nx_status_t nx_sim_inject_raise(sim_machine_t *m, uint32_t source);

/* May this best-effort IPI to hardware hart `to` go now? false: dropped or
 * delayed (it is the injector's now). */
bool nx_sim_inject_ipi_passes(sim_machine_t *m, uint64_t to);

/* The deadline a timer armed on `h` fires at, with injected jitter. */
uint64_t nx_sim_inject_timer_deadline(sim_machine_t *m, const sim_hart_t *h, uint64_t deadline);

/* A program thread entered user mode: learn its task (boot programs). */
void nx_sim_inject_user_entered(sim_machine_t *m, uintptr_t entry);

/* Carry out pending task kills (a kernel entry, no kernel lock held). */
void nx_sim_inject_kill_pending(sim_machine_t *m);

/* At a kernel entry from user mode: pending kills first. */
static inline void nx_sim_inject_kernel_entry(sim_machine_t *m)
{
    if (m->faults.kills_pending != 0u)
        nx_sim_inject_kill_pending(m);
}

/* Give the host thread back to the scheduler from a hart's fiber. */
void nx_sim_yield(sim_machine_t *m);

/* Maybe let other harts run first (interleaving injection); inline so that
 * with injection off it costs one test. */
void nx_sim_interleave_draw(sim_machine_t *m);

static inline void nx_sim_maybe_interleave(sim_machine_t *m)
{
    if (m->cfg.interleave_per_mille != 0u)
        nx_sim_interleave_draw(m);
}

/* Stop the machine from a hart's fiber; never returns to that hart. */
_Noreturn void nx_sim_stop_from_hart(sim_machine_t *m, nx_sim_stop_t why, nx_exit_code_t code);

/* Hart by hardware id, NULL when the machine has none. */
sim_hart_t *nx_sim_hart_by_id(sim_machine_t *m, uint64_t hartid);

/* Free every address space left (end of a run). */
void nx_sim_aspaces_free(sim_machine_t *m);

/* Free every allocation of VMO pages still live (a run's end). */
void nx_sim_pages_free_all(sim_machine_t *m);

/* The host memory of `pages` from page `first` on, if `count` pages are
 * there (else NULL). */
unsigned char *nx_sim_pages_span(const nx_port_pages_t *pages, size_t first, size_t count);

/* The physical address a program's `width`-byte access at `va` reaches
 * through a device mapping of its hart's space that allows it (aligned,
 * width 1, 2, 4 or 8), or false. */
bool nx_sim_device_address(sim_machine_t *m, uintptr_t va, uint32_t width, bool write,
                           uint64_t *phys);

/* A `width`-byte access of the device models at physical `pa` (devices.c):
 * true and *value (a read) done, or false when no device answers there
 * that way. */
bool nx_sim_bus_access(sim_machine_t *m, uint64_t pa, uint32_t width, bool write, uint64_t *value);

/* The virtio-blk model: set up from cfg (NX_ERR_INVALID_ARGS for a bad
 * size, NX_ERR_NO_RESOURCES), its slot, a register access of it, and
 * freeing it (its counters into the result). */
nx_status_t nx_sim_blk_init(sim_machine_t *m);
uint32_t nx_sim_blk_slot(void);
bool nx_sim_blk_access(sim_machine_t *m, uint64_t reg, bool write, uint64_t *value);
void nx_sim_blk_free(sim_machine_t *m);

/* The host memory a device model reaches at bus address [bus, bus + len):
 * inside one live DMA allocation, or NULL. */
unsigned char *nx_sim_dma(sim_machine_t *m, uint64_t bus, size_t len);

/* Does any address space map a byte of [mem, mem + len)? */
bool nx_sim_pages_mapped(sim_machine_t *m, const unsigned char *mem, size_t len);

/* Free every thread context left (end of a run). */
void nx_sim_contexts_free(sim_machine_t *m);

/* The context running on the current hart; NULL for a hart's boot fiber.
 * Inline: every user copy asks (aspace.c). */
static inline sim_context_t *nx_sim_context_running(sim_machine_t *m)
{
    if (m->current == NULL)
        return NULL;
    nx_fiber_t *f = m->current->running;
    if (f == NULL || f == &m->current->fiber)
        return NULL;
    return (sim_context_t *)((char *)f - offsetof(sim_context_t, fiber));
}

/* Start a hart's fiber running nx_kernel_secondary(logical). */
int nx_sim_hart_spawn(sim_machine_t *m, sim_hart_t *h, uint32_t logical);

#endif /* NXSIM_MACHINE_H */
