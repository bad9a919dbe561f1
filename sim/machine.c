/*
 * machine.c - the simulated machine: harts as fibers, virtual time, and the
 * scheduler that decides, deterministically, which hart runs next.
 *
 * Time model: the machine has one virtual clock. A hart runs until it calls
 * a port function that waits (nx_port_relax: busy for a few hundred ns;
 * nx_port_idle: until an interrupt). The scheduler then advances the clock
 * to the earliest instant any hart can run again and resumes that hart; when
 * several can run at that instant, the seeded PRNG picks one. Host timing
 * plays no part.
 */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx/kernel.h"
#include "nx/sched.h"
#include "nx/timer.h"
#include "nxsim/program.h"

sim_machine_t *nx_sim_current_machine;

_Noreturn void nx_sim_misuse(const char *what)
{
    fprintf(stderr, "nexus-sim: %s\n", what);
    abort();
}

static uint64_t wake_ns(const sim_machine_t *m, const sim_hart_t *h);

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

void nx_sim_config_default(nx_sim_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->harts = 4;
    cfg->memory_bytes = NX_SIM_DEFAULT_MEMORY;
    cfg->time_limit_ns = NX_SIM_DEFAULT_LIMIT;
}

const char *nx_sim_stop_name(nx_sim_stop_t stop)
{
    switch (stop) {
    case NX_SIM_STOP_SHUTDOWN:
        return "shutdown";
    case NX_SIM_STOP_DEADLOCK:
        return "deadlock";
    case NX_SIM_STOP_TIME_LIMIT:
        return "time-limit";
    case NX_SIM_STOP_HOST_ERROR:
        return "host-error";
    case NX_SIM_STOP_UNTIL:
        return "until";
    case NX_SIM_STOP_EVENT_LIMIT:
        return "event-limit";
    }
    return "unknown";
}

void nx_sim_digest_words(sim_machine_t *m, const uint64_t *words, size_t n)
{
    uint64_t h = m->result->digest;
    for (size_t i = 0; i < n; i++) {
        h ^= words[i];
        h *= FNV_PRIME;
    }
    m->result->digest = h;
}

void nx_sim_emit(sim_machine_t *m, nx_sim_event_tag_t tag, const uint64_t *words, uint32_t n)
{
    nx_sim_result_t *r = m->result;
    r->events++;
    if (m->cfg.tap != NULL) {
        nx_sim_event_t ev = { (uint32_t)tag, n, { 0 } };
        for (uint32_t i = 0; i < n && i < NX_SIM_EVENT_WORDS; i++)
            ev.w[i] = words[i];
        m->cfg.tap(&ev, m->cfg.ctx);
    }
    if (m->cfg.event_limit != 0u && r->events >= m->cfg.event_limit)
        m->limit_hit = true; /* the scheduler stops at the hart's next yield */
}

void nx_sim_digest(sim_machine_t *m, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = m->result->digest;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    m->result->digest = h;
}

sim_hart_t *nx_sim_hart_by_id(sim_machine_t *m, uint64_t hartid)
{
    return hartid < m->cfg.harts ? &m->harts[hartid] : NULL;
}

/* Harness mode has one hart and no scheduler: "yielding" just lets virtual
 * time pass until the hart could run again. */
static void harness_wait(sim_machine_t *m, sim_hart_t *h)
{
    uint64_t wake = wake_ns(m, h);
    if (wake == UINT64_MAX) {
        fprintf(stderr, "nexus-sim harness: the core waits for an interrupt that nothing will "
                        "raise (no timer armed, no IPI or external interrupt pending)\n");
        abort();
    }
    if (wake > m->now_ns)
        m->now_ns = wake;
    h->state = SIM_HART_READY;
}

static bool resume_in_place(sim_machine_t *m, sim_hart_t *h);

void nx_sim_yield(sim_machine_t *m)
{
    m->disturbances++;
    if (m->harness)
        harness_wait(m, m->current);
    else if (!resume_in_place(m, m->current))
        nx_fiber_switch(m->current->running, &m->scheduler);
}

/* Interleaving injection (nx_sim_config_t.interleave_per_mille): pause the
 * running hart 1..64 ns so that harts due meanwhile run first. */
void nx_sim_interleave_draw(sim_machine_t *m)
{
    if (m->harness || m->current == NULL)
        return;
    if (nx_prng_below(&m->rng, 1000u) >= m->cfg.interleave_per_mille)
        return;
    sim_hart_t *h = m->current;
    h->state = SIM_HART_READY;
    h->ready_ns = m->now_ns + 1u + nx_prng_below(&m->rng, 64u);
    nx_sim_yield(m);
}

_Noreturn void nx_sim_stop_from_hart(sim_machine_t *m, nx_sim_stop_t why, nx_exit_code_t code)
{
    m->stopped = true;
    m->result->stop = why;
    m->result->exit_code = code;
    if (m->harness) {
        m->result->console[m->result->console_len] = '\0';
        if (m->harness_catch != NULL)
            longjmp(*m->harness_catch, 1);
        fprintf(stderr, "nexus-sim harness: the core stopped the machine (exit %d); console:\n%s",
                (int)code, m->result->console);
        abort();
    }
    nx_fiber_switch_final(m->current->running, &m->scheduler);
}

static void boot_entry(void *arg)
{
    sim_machine_t *m = arg;
    nx_kernel_boot(m->dtb, m->dtb_size, m->cfg.boot_hartid);
}

static void secondary_entry(void *arg)
{
    sim_hart_t *h = arg;
    nx_kernel_secondary((uint32_t)h->logical);
}

int nx_sim_hart_spawn(sim_machine_t *m, sim_hart_t *h, uint32_t logical)
{
    h->logical = (int32_t)logical;
    if (m->cfg.stall_mask & (1ull << h->hartid)) {
        h->state = SIM_HART_STALLED;
        return 0;
    }
    if (nx_fiber_create(&h->fiber, secondary_entry, h) != 0)
        return -1;
    h->has_fiber = true;
    h->running = &h->fiber;
    h->state = SIM_HART_READY;
    h->ready_ns = m->now_ns + NX_SIM_START_NS;
    return 0;
}

/* When an interrupt will be pending on `h`; UINT64_MAX for never. */
static uint64_t interrupt_ns(const sim_machine_t *m, const sim_hart_t *h)
{
    if (h->ipi_pending || nx_sim_irq_signalled(&m->irq, h->hartid))
        return m->now_ns;
    if (h->timer_deadline_ns == UINT64_MAX)
        return UINT64_MAX;
    return h->timer_deadline_ns > m->now_ns ? h->timer_deadline_ns : m->now_ns;
}

/* Earliest instant `h` can run; UINT64_MAX when nothing will wake it. */
static uint64_t wake_ns(const sim_machine_t *m, const sim_hart_t *h)
{
    switch (h->state) {
    case SIM_HART_READY:
        return h->ready_ns;
    case SIM_HART_IDLE:
        return interrupt_ns(m, h);
    case SIM_HART_BUSY: {
        /* Computing: done at ready_ns, or interrupted before. */
        uint64_t irq = interrupt_ns(m, h);
        return irq < h->ready_ns ? irq : h->ready_ns;
    }
    case SIM_HART_OFF:
    case SIM_HART_STALLED:
        break;
    }
    return UINT64_MAX;
}

/* The next hart to run, or NULL (and the stop reason) when none will. */
/* When each hart can run next (into wake[]); the earliest time and how
 * many harts share it. No side effects. */
static uint64_t scan_harts(const sim_machine_t *m, uint64_t *wake, uint32_t *ties)
{
    uint64_t earliest = UINT64_MAX;
    *ties = 0;
    for (uint32_t i = 0; i < m->cfg.harts; i++) {
        uint64_t t = wake[i] = wake_ns(m, &m->harts[i]);
        if (t < earliest) {
            earliest = t;
            *ties = 1;
        } else if (t == earliest && t != UINT64_MAX) {
            (*ties)++;
        }
    }
    return earliest;
}

/* The next hart to run, or NULL (and the stop reason) when none will. */
static sim_hart_t *pick_next(sim_machine_t *m)
{
    uint64_t wake[NX_SIM_MAX_HARTS];
    uint32_t ties;
    uint64_t earliest = scan_harts(m, wake, &ties);
    /* The outside world acts first at an instant a hart is also due: an
     * interrupt raised at t is seen by a hart resumed at t. */
    for (uint64_t ext = nx_sim_inject_next_ns(m);
         ext <= earliest && ext <= m->cfg.time_limit_ns && !m->limit_hit;
         ext = nx_sim_inject_next_ns(m)) {
        m->now_ns = ext > m->now_ns ? ext : m->now_ns;
        nx_sim_inject_apply_due(m);
        earliest = scan_harts(m, wake, &ties);
    }
    if (m->limit_hit) {
        m->result->stop = NX_SIM_STOP_EVENT_LIMIT;
        return NULL;
    }
    if (earliest == UINT64_MAX) {
        m->result->stop = NX_SIM_STOP_DEADLOCK;
        return NULL;
    }
    if (earliest > m->cfg.time_limit_ns) {
        m->result->stop = NX_SIM_STOP_TIME_LIMIT;
        return NULL;
    }
    /* The pick-th of the harts due first, in hart order. */
    uint64_t pick = ties > 1u ? nx_prng_below(&m->rng, ties) : 0u;
    for (uint32_t i = 0; i < m->cfg.harts; i++) {
        if (wake[i] != earliest)
            continue;
        if (pick-- == 0u) {
            m->now_ns = earliest > m->now_ns ? earliest : m->now_ns;
            return &m->harts[i];
        }
    }
    return NULL; /* unreachable: ties counted the same harts */
}

/* The scheduler's bookkeeping for resuming `h` (now_ns already set). */
static void resume_step(sim_machine_t *m, sim_hart_t *h)
{
    h->state = SIM_HART_READY;
    h->ready_ns = m->now_ns;
    uint64_t event[2] = { h->hartid, m->now_ns };
    nx_sim_digest_words(m, event, 2);
    nx_sim_emit(m, NX_SIM_EV_RESUME, event, 2);
    m->result->switches++;
}

/*
 * The hart about to yield would be the scheduler's next pick anyway: it
 * alone is due first, so no seeded choice is drawn. Do the scheduler's
 * step in place and go on, saving two fiber switches per yield (most
 * yields of a busy machine). The run is bit for bit the one the scheduler
 * would make; with an until() condition, which runs between steps, the
 * scheduler always takes the step.
 */
static bool resume_in_place(sim_machine_t *m, sim_hart_t *h)
{
    if (m->cfg.until != NULL)
        return false;
    uint64_t wake[NX_SIM_MAX_HARTS];
    uint32_t ties;
    uint64_t earliest = scan_harts(m, wake, &ties);
    if (ties != 1u || earliest == UINT64_MAX || earliest > m->cfg.time_limit_ns ||
        wake[h - m->harts] != earliest || m->limit_hit || nx_sim_inject_next_ns(m) <= earliest)
        return false;
    m->now_ns = earliest > m->now_ns ? earliest : m->now_ns;
    resume_step(m, h);
    return true;
}

/* The core's counters, read once the machine stopped (no hart runs). */
static void snapshot_counters(sim_machine_t *m)
{
    nx_sim_result_t *r = m->result;
    r->hart_count = m->bi != NULL ? m->bi->hart_count : 0u;
    r->tlb_shootdowns = 0;
    for (uint32_t h = 0; h < m->cfg.harts; h++)
        r->tlb_shootdowns += m->harts[h].tlb_shootdowns;
    for (uint32_t h = 0; h < r->hart_count && h < NX_MAX_HARTS; h++) {
        r->sched[h] = nx_sched_stats(h);
        r->timer[h] = nx_timer_stats(h);
    }
}

static nx_status_t check_config(const nx_sim_config_t *cfg)
{
    const char *why = NULL;
    if (cfg->harts < 1u || cfg->harts > NX_SIM_MAX_HARTS)
        why = "harts must be 1..64 (NX_SIM_MAX_HARTS)";
    else if (cfg->boot_hartid >= cfg->harts)
        why = "the boot hart must be one of the machine's harts";
    else if (cfg->dtb == NULL && cfg->memory_bytes < (1ull << 20))
        why = "memory must be at least 1 MiB";
    else if (cfg->dtb != NULL && cfg->dtb_size == 0u)
        why = "a given device tree must have a size";
    else if (cfg->time_limit_ns == 0u)
        why = "the time limit must be above 0";
    else if (cfg->program_count > NX_MAX_BOOT_PROGRAMS)
        why = "more programs than NX_MAX_BOOT_PROGRAMS (48)";
    else if (cfg->injection_count > NX_SIM_MAX_INJECTIONS)
        why = "at most 256 injections (NX_SIM_MAX_INJECTIONS)";
    for (uint32_t i = 0; why == NULL && i < cfg->injection_count; i++) {
        const nx_sim_injection_t *inj = &cfg->injections[i];
        bool per_hart = inj->kind >= NX_SIM_INJECT_IPI_DROP;
        if (inj->kind == 0u || inj->kind > NX_SIM_INJECT_KIND_MAX)
            why = "an injection has an unknown kind";
        else if (inj->kind == NX_SIM_INJECT_KILL_TASK && inj->target >= cfg->program_count)
            why = "a kill names no program of the configuration";
        else if (per_hart && inj->target != NX_SIM_ALL_HARTS && inj->target >= cfg->harts)
            why = "an IPI or timer injection names a hart the machine lacks";
        else if (!per_hart && inj->kind != NX_SIM_INJECT_KILL_TASK &&
                 (inj->target == 0u || inj->target > NX_SIM_IRQ_SOURCES))
            why = "an interrupt injection names a source outside 1..96";
    }
    for (uint32_t i = 0; why == NULL && i < cfg->program_count; i++)
        if (cfg->programs[i].name == NULL || nx_sim_program_find(cfg->programs[i].name) == NULL)
            why = "a program is not registered (NX_SIM_PROGRAM); check its name";
    uint32_t learners = 0;
    for (uint32_t i = 0; why == NULL && i < cfg->program_count; i++) /* a count checked above */
        learners += cfg->programs[i].learn ? 1u : 0u;
    if (why == NULL && learners > 1u)
        why = "more than one program learns (a run keeps one learned profile)";
    if (why == NULL)
        return NX_OK;
    fprintf(stderr, "nexus-sim: bad machine configuration: %s\n", why);
    return NX_ERR_INVALID_ARGS;
}

nx_status_t nx_sim_run(const nx_sim_config_t *cfg, nx_sim_result_t *out)
{
    if (cfg == NULL || out == NULL)
        return NX_ERR_INVALID_ARGS;
    nx_status_t st = check_config(cfg);
    if (st != NX_OK)
        return st;
    if (nx_sim_current_machine != NULL)
        return NX_ERR_BAD_STATE; /* one machine at a time: core state is global */

    sim_machine_t *m = calloc(1, sizeof *m);
    void *dtb_copy = NULL;
    if (m == NULL)
        return NX_ERR_NO_RESOURCES;
    memset(out, 0, sizeof *out);
    m->cfg = *cfg;
    m->result = out;
    out->learned_program = -1;
    out->digest = FNV_OFFSET;
    st = nx_sim_blk_init(m);
    if (st != NX_OK) {
        fprintf(stderr,
                "nexus-sim: cannot attach the disk: %s (a multiple of 512 bytes, at most "
                "64 MiB)\n",
                nx_status_name(st));
        free(m);
        return st;
    }
    nx_prng_seed(&m->rng, cfg->seed);
    nx_sim_digest_words(m, &cfg->seed, 1);
    nx_sim_emit(m, NX_SIM_EV_SEED, &cfg->seed, 1);
    nx_sim_inject_init(m);

    if (cfg->dtb != NULL) {
        /* libfdt needs 8-byte alignment; the caller's buffer may not have it. */
        dtb_copy = aligned_alloc(8, (cfg->dtb_size + 7u) & ~(size_t)7u);
        if (dtb_copy == NULL) {
            free(m);
            return NX_ERR_NO_RESOURCES;
        }
        memcpy(dtb_copy, cfg->dtb, cfg->dtb_size);
        m->dtb = dtb_copy;
        m->dtb_size = cfg->dtb_size;
    } else {
        st = nx_sim_dtb_build(m->dtb_buf, sizeof m->dtb_buf, cfg->harts, cfg->memory_bytes,
                              cfg->bootargs, &m->dtb_size);
        if (st != NX_OK) {
            fprintf(stderr, "nexus-sim: cannot build the device tree: %s\n", nx_status_name(st));
            free(m);
            return st;
        }
        m->dtb = m->dtb_buf;
    }

    for (uint32_t i = 0; i < cfg->harts; i++) {
        m->harts[i].hartid = i;
        m->harts[i].logical = -1;
        m->harts[i].timer_deadline_ns = UINT64_MAX;
    }
    sim_hart_t *boot = &m->harts[cfg->boot_hartid];
    if (nx_fiber_create(&boot->fiber, boot_entry, m) != 0) {
        free(dtb_copy);
        free(m);
        return NX_ERR_NO_RESOURCES;
    }
    boot->has_fiber = true;
    boot->running = &boot->fiber;
    boot->state = SIM_HART_READY;
    nx_fiber_init_main(&m->scheduler);
    nx_sim_current_machine = m;

    while (!m->stopped) {
        sim_hart_t *h = pick_next(m);
        if (h == NULL)
            break;
        resume_step(m, h);
        m->current = h;
        nx_fiber_switch(&m->scheduler, h->running);
        m->current = NULL;
        if (!m->stopped && cfg->until != NULL && cfg->until(cfg->ctx)) {
            m->result->stop = NX_SIM_STOP_UNTIL;
            break;
        }
    }
    out->end_time_ns = m->now_ns;
    snapshot_counters(m);
    out->console[out->console_len] = '\0';
    if (cfg->echo)
        fflush(stdout);

    nx_sim_contexts_free(m);
    nx_sim_aspaces_free(m);
    nx_sim_pages_free_all(m);
    nx_sim_blk_free(m);
    nx_sim_current_machine = NULL;
    for (uint32_t i = 0; i < cfg->harts; i++)
        if (m->harts[i].has_fiber)
            nx_fiber_destroy(&m->harts[i].fiber);
    free(dtb_copy);
    free(m);
    return out->stop == NX_SIM_STOP_HOST_ERROR ? NX_ERR_NO_RESOURCES : NX_OK;
}
