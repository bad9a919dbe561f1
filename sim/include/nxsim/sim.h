/*
 * nxsim/sim.h - run the kernel on a deterministic simulated machine.
 *
 * The machine implements core's port interface on the host: 1..NX_SIM_MAX_HARTS
 * harts as fibers of one host thread, virtual time in ns, a one-shot timer
 * and an IPI line per hart, a console. A device tree shaped like QEMU virt
 * describes it (generated, or given). Which hart runs next is decided by
 * virtual time, ties broken by a seeded PRNG: the same configuration and
 * seed give the same run, console and digest, bit for bit.
 *
 * Fault injection: a hart that fails to start or never checks in, and
 * external events at virtual times (nx_sim_injection_t): interrupts,
 * device delays and failures, killed tasks, lost or late IPIs, timer
 * jitter. Every run is an event stream (nx_sim_event_t) a tap can record.
 */
#ifndef NXSIM_SIM_H
#define NXSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/sched.h"
#include "nexus/status.h"
#include "nexus/trace.h"
#include "nx/port.h"
#include "nx/sched.h"
#include "nx/sysfilter.h"
#include "nx/timer.h"

#define NX_SIM_MAX_HARTS       64u            /* hardware harts the sim models */
#define NX_SIM_DEFAULT_MEMORY  (128ull << 20) /* as QEMU virt's default */
#define NX_SIM_DEFAULT_LIMIT   60000000000ull /* 60 s of virtual time */
#define NX_SIM_RELAX_NS        200u           /* first spin step's cost, plus 0..this jitter */
#define NX_SIM_RELAX_MAX_SHIFT 7u             /* spin steps back off up to 128x that */
#define NX_SIM_START_NS        10000u         /* a started hart runs 10 us later */
#define NX_SIM_CONSOLE_BYTES   (64u * 1024u)  /* console capture kept in the result */
#define NX_SIM_DTB_BYTES       (64u * 1024u)  /* room for a generated device tree */
#define NX_SIM_TIMEBASE_HZ     10000000u      /* advertised like QEMU virt (10 MHz) */
#define NX_SIM_SYSCALL_NS      100u           /* what entering the kernel costs a program */
#define NX_SIM_MAX_CONTEXTS    (NX_MAX_THREADS + 1u) /* thread stacks alive at once */
#define NX_SIM_DISK_MAX_BYTES  (64ull << 20)         /* a simulated disk at most */

/* A program to start at boot: a function registered with NX_SIM_PROGRAM
 * (nxsim/program.h), found by name. */
typedef struct nx_sim_program_spec {
    const char *name;
    uintptr_t arg;      /* its first thread's argument */
    nx_qos_t qos;       /* its first thread's class */
    uint32_t affinity;  /* its first thread's harts; 0: all */
    bool policy;        /* the policy service (nexus/start.h) */
    bool learn;         /* runs under a learning filter (result.learned); one a run */
    const void *filter; /* a profile init attaches before it starts (a blob), or NULL */
    size_t filter_len;
    uint32_t devices;    /* a driver: bit i hands it device i (nx_init_wiring_t) */
    const char *peer;    /* shares NX_START_PEER_CHANNEL with this program */
    int32_t expect_exit; /* the exit code that means it passed (default 0) */
} nx_sim_program_spec_t;

/* External events at virtual times (a scenario's "at" lines): what the
 * world outside the kernel does to the machine. Values are frozen:
 * recordings name them. */
typedef enum nx_sim_inject_kind {
    NX_SIM_INJECT_IRQ = 1,          /* target: interrupt source; a device raises it */
    NX_SIM_INJECT_IRQ_DELAY = 2,    /* target: source; value: ns each later raise of it waits
                                     * (a device's completion delay; 0 ends it) */
    NX_SIM_INJECT_DEVICE_FAIL = 3,  /* target: source; the device is dead: later raises are lost */
    NX_SIM_INJECT_KILL_TASK = 4,    /* target: index in programs[]; the task is killed (at the
                                     * next kernel entry of any program thread) */
    NX_SIM_INJECT_IPI_DROP = 5,     /* target: hardware hart or NX_SIM_ALL_HARTS; value: how many
                                     * best-effort IPIs to it are lost */
    NX_SIM_INJECT_IPI_DELAY = 6,    /* target: hart or all; value: ns each later best-effort
                                     * IPI to it waits (0 ends it) */
    NX_SIM_INJECT_TIMER_JITTER = 7, /* target: hart or all; value: each later timer fire on it
                                     * comes 0..value ns late (seeded; 0 ends it) */
} nx_sim_inject_kind_t;

#define NX_SIM_INJECT_KIND_MAX 7u
#define NX_SIM_ALL_HARTS       UINT32_MAX
#define NX_SIM_MAX_INJECTIONS  256u /* external events in one configuration */
#define NX_SIM_MAX_DELAYED     64u  /* delayed raises and IPIs in flight at once */

typedef struct nx_sim_injection {
    uint64_t time_ns; /* virtual time it happens at */
    uint32_t kind;    /* nx_sim_inject_kind_t */
    uint32_t target;
    uint64_t value;
} nx_sim_injection_t;

/* One item of a run's event stream: everything folded into the digest, in
 * order (the seed, each hart resumed, each kernel trace event, interrupt,
 * IPI, console write and injection), which is what a recording holds and
 * a replay compares. Tags are frozen. */
typedef enum nx_sim_event_tag {
    NX_SIM_EV_SEED = 1,    /* w[0]: seed */
    NX_SIM_EV_RESUME = 2,  /* hart resumed: w[0] hart, w[1] time */
    NX_SIM_EV_TRACE = 3,   /* kernel trace event: time, hart, kind, a, b */
    NX_SIM_EV_IRQ = 4,     /* interrupt taken: hart, time, RISC-V cause */
    NX_SIM_EV_IPI = 5,     /* IPI sent: from hart, to hart, class */
    NX_SIM_EV_CONSOLE = 6, /* console write: w[0] length, w[1] FNV-1a of the bytes */
    NX_SIM_EV_RAISE = 7,   /* device raise: source, time */
    NX_SIM_EV_INJECT = 8,  /* injection applied: time, kind, target, value */
} nx_sim_event_tag_t;

#define NX_SIM_EVENT_WORDS 5u

typedef struct nx_sim_event {
    uint32_t tag; /* nx_sim_event_tag_t */
    uint32_t n;   /* words used */
    uint64_t w[NX_SIM_EVENT_WORDS];
} nx_sim_event_t;

typedef struct nx_sim_config {
    uint32_t harts;        /* hardware harts, 1..NX_SIM_MAX_HARTS */
    uint64_t seed;         /* chooses among harts ready at the same instant */
    uint64_t memory_bytes; /* RAM in the generated device tree */
    uint64_t boot_hartid;  /* hart the kernel boots on */
    const char *bootargs;  /* /chosen/bootargs of the generated tree, or NULL */
    const void *dtb;       /* use this device tree instead of generating one */
    size_t dtb_size;
    uint64_t fail_start_mask; /* hartids whose start the "firmware" refuses */
    uint64_t stall_mask;      /* hartids that start but never run */
    uint64_t time_limit_ns;   /* stop (NX_SIM_STOP_TIME_LIMIT) past this time */
    bool echo;                /* copy the console to stdout as it is written */
    /* Programs init starts (none: the kernel stops after its selftests). */
    nx_sim_program_spec_t programs[NX_MAX_BOOT_PROGRAMS];
    uint32_t program_count;
    /* Per mille of clock reads and trace events at which the hart pauses
     * for a few ns and lets other harts run first: on hardware harts run
     * truly in parallel, and this puts interleavings into the kernel's
     * critical windows (a wake racing a block, a steal racing a move)
     * that whole-step scheduling would never produce. 0: off. */
    uint32_t interleave_per_mille;
    /* External events, in any order (the machine applies them by time,
     * ties in list order). */
    nx_sim_injection_t injections[NX_SIM_MAX_INJECTIONS];
    uint32_t injection_count;
    /* A virtio-blk disk on the last virtio-mmio slot (the one QEMU fills
     * first, device number 8): its bytes, a multiple of 512 up to
     * NX_SIM_DISK_MAX_BYTES (0: no disk), and what it holds at the start
     * (NULL: zeros; copied, the caller's buffer is never written). */
    uint64_t disk_bytes;
    const void *disk_image;
    bool disk_modern; /* the version 2 (modern) virtio-mmio layout, else legacy */
    /* Stop (NX_SIM_STOP_EVENT_LIMIT) after this many events; 0: no limit. */
    uint64_t event_limit;
    /* Called with every event of the stream as it happens, or NULL. */
    void (*tap)(const nx_sim_event_t *event, void *ctx);
    /* Called with every kernel trace event as it happens, or NULL. */
    void (*observer)(const nx_trace_event_t *event, void *ctx);
    /* Checked after every hart step: true stops the run (NX_SIM_STOP_UNTIL). */
    bool (*until)(void *ctx);
    /* Called at the start of every user copy of a non-empty range
     * (nx_port_copy_from_user / _to_user), before the copy checks it, on
     * the copying hart, or NULL. A test's stand-in for another hart
     * changing the mapping between a system call's check and its copy: it
     * may unmap (nx_port_aspace_unmap) the very range. */
    void (*before_user_copy)(uintptr_t user, size_t len, bool to_user, void *ctx);
    void *copy_ctx; /* for before_user_copy */
    void *ctx;      /* for tap, observer and until */
} nx_sim_config_t;

typedef enum nx_sim_stop {
    NX_SIM_STOP_SHUTDOWN = 0,    /* the kernel called nx_port_shutdown */
    NX_SIM_STOP_DEADLOCK = 1,    /* every hart idle, no timer armed, no interrupt pending */
    NX_SIM_STOP_TIME_LIMIT = 2,  /* virtual time passed time_limit_ns */
    NX_SIM_STOP_HOST_ERROR = 3,  /* the host could not give a hart its stack */
    NX_SIM_STOP_UNTIL = 4,       /* the config's until() said so */
    NX_SIM_STOP_EVENT_LIMIT = 5, /* the stream passed event_limit events */
} nx_sim_stop_t;

typedef struct nx_sim_result {
    nx_sim_stop_t stop;
    nx_exit_code_t exit_code; /* valid when stop == NX_SIM_STOP_SHUTDOWN */
    uint64_t end_time_ns;     /* virtual time at the stop */
    uint64_t switches;        /* times the scheduler resumed a hart */
    uint64_t events;          /* items of the event stream (nx_sim_event_t) */
    uint64_t injections;      /* external events applied */
    uint64_t ipis_dropped;    /* best-effort IPIs lost to injection */
    uint64_t raises_lost;     /* device raises lost to a failed device */
    /* FNV-1a over every scheduling decision, IPI sent, interrupt taken,
     * kernel trace event and console byte */
    uint64_t digest;
    uint64_t trace_events[NX_TRACE_KIND_COUNT]; /* kernel events by kind */
    /* Unmaps of a space while another hart had it active: the TLB
     * shootdowns a hardware port would have sent (sim/aspace.c). */
    uint64_t tlb_shootdowns;
    /* The core's counters when the run stopped, by logical hart. */
    uint32_t hart_count;
    nx_sched_stats_t sched[NX_MAX_HARTS];
    nx_timer_stats_t timer[NX_MAX_HARTS];
    char console[NX_SIM_CONSOLE_BYTES]; /* NUL-terminated; console_dropped says if cut */
    size_t console_len;
    size_t console_dropped;
    /* What the program started to learn (its spec's `learn`) learned, when
     * it exited (nexus-sysfilter learn-export): its index (-1: none did),
     * the enforcing profile (nx_filter_learned) and what it says of it. */
    /* The disk's requests served, and of those refused (IOERR, UNSUPP). */
    uint64_t disk_requests, disk_refused;
    int32_t learned_program;
    size_t learned_len;
    nx_filter_learned_info_t learned_info;
    unsigned char learned[NX_FILTER_LEARNED_MAX_BYTES];
} nx_sim_result_t;

/* The defaults: 4 harts, seed 0, 128 MiB, boot on hart 0, 60 s limit, echo off. */
void nx_sim_config_default(nx_sim_config_t *cfg);

/*
 * Build the machine, boot the kernel on it and run until it stops.
 * Returns NX_OK with *out filled (the kernel's verdict is out->exit_code),
 * NX_ERR_INVALID_ARGS for a bad configuration (and says why on stderr),
 * NX_ERR_BAD_STATE when called while a machine runs (core state is global:
 * one machine at a time), or NX_ERR_NO_RESOURCES when the host cannot
 * provide stacks (also when that happens mid-run: out->stop then says
 * NX_SIM_STOP_HOST_ERROR).
 */
nx_status_t nx_sim_run(const nx_sim_config_t *cfg, nx_sim_result_t *out);

/* Add a program to cfg->programs. NX_OK, NX_ERR_NO_RESOURCES (the list is
 * full) or NX_ERR_NOT_FOUND (no program registered under `name`). */
nx_status_t nx_sim_add_program(nx_sim_config_t *cfg, const char *name, uintptr_t arg, nx_qos_t qos,
                               uint32_t affinity);

/* Human name of a stop reason ("shutdown", "deadlock", "time-limit"). */
const char *nx_sim_stop_name(nx_sim_stop_t stop);

/*
 * Write a QEMU-virt-shaped device tree for `harts` harts and `memory_bytes`
 * of RAM into buf. Returns NX_OK and its size, NX_ERR_INVALID_ARGS or
 * NX_ERR_BUFFER_TOO_SMALL.
 */
nx_status_t nx_sim_dtb_build(void *buf, size_t size, uint32_t harts, uint64_t memory_bytes,
                             const char *bootargs, size_t *out_size);

#endif /* NXSIM_SIM_H */
