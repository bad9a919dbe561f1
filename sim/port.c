/*
 * port.c - core's port interface (nx/port.h) on the simulated machine.
 *
 * Every call runs on a hart's fiber. Interrupts are delivered only inside
 * nx_port_interrupts_poll() and nx_port_idle(), exactly where the rv64 port
 * opens its interrupt window, so handlers run at the same program points on
 * both ports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "nx/kernel.h"
#include "nx/port.h"

/* Rounds of handlers one poll runs before returning (handlers may re-arm). */
#define SIM_MAX_DELIVERY_ROUNDS 16

/* The hart did something besides spinning: its next spin step is short again. */
static sim_hart_t *working(sim_machine_t *m)
{
    sim_hart_t *h = nx_sim_self(m);
    h->spin_streak = 0;
    return h;
}

nx_status_t nx_port_machine_init(const nx_boot_info_t *bi, uint32_t boot_hart)
{
    sim_machine_t *m = nx_sim_machine();
    sim_hart_t *h = working(m);
    if (bi == NULL || boot_hart >= bi->hart_count || bi->harts[boot_hart].hartid != h->hartid)
        return NX_ERR_INVALID_ARGS;
    m->bi = bi;
    h->logical = (int32_t)boot_hart;
    return NX_OK;
}

/* The most frequent port call (every per-hart access and lock check):
 * one test on the fast path, the misuse diagnosis out of it. */
uint32_t nx_port_this_hart(void)
{
    const sim_machine_t *m = nx_sim_current_machine;
    if (__builtin_expect(m != NULL && m->current != NULL && m->current->logical >= 0, 1))
        return (uint32_t)m->current->logical;
    sim_hart_t *h = nx_sim_self(nx_sim_machine());
    if (h->logical < 0)
        nx_sim_misuse("nx_port_this_hart() before nx_port_machine_init()");
    return (uint32_t)h->logical;
}

nx_status_t nx_port_hart_start(uint32_t hart)
{
    sim_machine_t *m = nx_sim_machine();
    if (m->bi == NULL || hart >= m->bi->hart_count)
        return NX_ERR_INVALID_ARGS;
    sim_hart_t *h = nx_sim_hart_by_id(m, m->bi->harts[hart].hartid);
    if (h == working(m))
        return NX_ERR_INVALID_ARGS;
    /* A hart the device tree lists but the machine lacks, or one the fault
     * injection refuses: the firmware says no, as SBI HSM would. */
    if (h == NULL || (m->cfg.fail_start_mask & (1ull << h->hartid)))
        return NX_ERR_IO;
    if (h->state != SIM_HART_OFF)
        return NX_ERR_BAD_STATE;
    /* No stack for the hart is the host's failure, not the machine's: stop
     * the run (nx_sim_run reports it) rather than let a run depend on it. */
    if (nx_sim_hart_spawn(m, h, hart) != 0)
        nx_sim_stop_from_hart(m, NX_SIM_STOP_HOST_ERROR, NX_EXIT_FAIL);
    return NX_OK;
}

uint64_t nx_port_time_ns(void)
{
    sim_machine_t *m = nx_sim_machine();
    nx_sim_maybe_interleave(m);
    return m->now_ns;
}

void nx_port_timer_arm(uint64_t deadline_ns)
{
    sim_machine_t *m = nx_sim_machine();
    sim_hart_t *h = working(m);
    h->timer_deadline_ns = nx_sim_inject_timer_deadline(m, h, deadline_ns);
}

nx_status_t nx_port_ipi_send(uint32_t hart, nx_ipi_class_t cls)
{
    sim_machine_t *m = nx_sim_machine();
    if (m->bi == NULL || hart >= m->bi->hart_count)
        return NX_ERR_INVALID_ARGS;
    sim_hart_t *h = nx_sim_hart_by_id(m, m->bi->harts[hart].hartid);
    if (h == NULL)
        return NX_ERR_INVALID_ARGS;
    uint64_t event[3] = { working(m)->hartid, h->hartid, (uint64_t)cls };
    nx_sim_digest_words(m, event, sizeof event / sizeof event[0]);
    nx_sim_emit(m, NX_SIM_EV_IPI, event, 3);
    /* Injected faults touch best-effort IPIs only (a correctness IPI
     * must arrive: decision point 2). */
    if (cls == NX_IPI_CORRECTNESS || nx_sim_inject_ipi_passes(m, h->hartid))
        h->ipi_pending = true;
    return NX_OK;
}

void nx_port_console_write(const char *buf, size_t len)
{
    sim_machine_t *m = nx_sim_machine();
    nx_sim_result_t *r = m->result;
    (void)working(m);
    size_t room = sizeof r->console - 1u - r->console_len;
    size_t keep = len < room ? len : room;
    memcpy(r->console + r->console_len, buf, keep);
    r->console_len += keep;
    r->console_dropped += len - keep;
    uint64_t before = r->digest;
    nx_sim_digest(m, buf, len);
    uint64_t event[2] = { len, r->digest ^ before };
    nx_sim_emit(m, NX_SIM_EV_CONSOLE, event, 2);
    if (m->cfg.echo)
        fwrite(buf, 1, len, stdout);
}

/* Interrupt kinds in the digest: RISC-V's cause numbers. */
enum { RV_IRQ_SOFTWARE = 1, RV_IRQ_TIMER = 5, RV_IRQ_EXTERNAL = 9 };

static void digest_interrupt(sim_machine_t *m, const sim_hart_t *h, uint64_t kind)
{
    m->disturbances++; /* every interrupt is taken right after this */
    uint64_t event[3] = { h->hartid, m->now_ns, kind };
    nx_sim_digest_words(m, event, sizeof event / sizeof event[0]);
    nx_sim_emit(m, NX_SIM_EV_IRQ, event, 3);
}

static void deliver(sim_machine_t *m, sim_hart_t *h)
{
    for (int round = 0; round < SIM_MAX_DELIVERY_ROUNDS; round++) {
        bool any = false;
        /* RISC-V priority: external, then software (IPI), then timer. */
        if (nx_sim_irq_signalled(&m->irq, h->hartid)) {
            digest_interrupt(m, h, RV_IRQ_EXTERNAL);
            nx_kernel_external_interrupt();
            any = true;
        }
        if (h->ipi_pending) {
            h->ipi_pending = false;
            digest_interrupt(m, h, RV_IRQ_SOFTWARE);
            nx_kernel_ipi_interrupt();
            any = true;
        }
        if (h->timer_deadline_ns <= m->now_ns) {
            h->timer_deadline_ns = UINT64_MAX; /* one-shot */
            digest_interrupt(m, h, RV_IRQ_TIMER);
            nx_kernel_timer_interrupt();
            any = true;
        }
        if (!any)
            return;
        h->spin_streak = 0;
    }
}

void nx_port_interrupts_poll(void)
{
    sim_machine_t *m = nx_sim_machine();
    deliver(m, nx_sim_self(m));
}

void nx_port_idle(void)
{
    sim_machine_t *m = nx_sim_machine();
    sim_hart_t *h = working(m);
    if (!h->ipi_pending && h->timer_deadline_ns > m->now_ns &&
        !nx_sim_irq_signalled(&m->irq, h->hartid)) {
        h->state = SIM_HART_IDLE;
        nx_sim_yield(m);
    }
    deliver(m, h);
}

/*
 * A spin step costs NX_SIM_RELAX_NS plus seeded jitter, doubling with each
 * consecutive step up to 2^NX_SIM_RELAX_MAX_SHIFT times: a hart that waits
 * long (a 1 s check-in timeout) costs thousands of host switches, not
 * millions, and still notices a change within a few microseconds.
 */
void nx_port_relax(void)
{
    sim_machine_t *m = nx_sim_machine();
    sim_hart_t *h = nx_sim_self(m);
    uint32_t shift =
        h->spin_streak < NX_SIM_RELAX_MAX_SHIFT ? h->spin_streak : NX_SIM_RELAX_MAX_SHIFT;
    uint64_t step = (uint64_t)NX_SIM_RELAX_NS << shift;
    h->spin_streak++;
    h->state = SIM_HART_READY;
    h->ready_ns = m->now_ns + step + nx_prng_below(&m->rng, step + 1u);
    nx_sim_yield(m);
}

_Noreturn void nx_port_shutdown(nx_exit_code_t code)
{
    sim_machine_t *m = nx_sim_machine();
    (void)nx_sim_self(m);
    nx_sim_stop_from_hart(m, NX_SIM_STOP_SHUTDOWN, code);
}
