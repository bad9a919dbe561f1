/*
 * context.c - thread contexts as fibers (nx_port_context_* on the sim).
 *
 * A hart's boot fiber becomes its idle thread (nx_port_context_current);
 * every other thread gets a fiber of its own. Switching contexts switches
 * fibers directly, without passing through the machine's scheduler: the
 * hart keeps running, now on the other fiber (sim_hart_t.running).
 *
 * Context words: word[0] the fiber, word[1] its sim_context_t (0 for a
 * hart's boot fiber, which the machine owns).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "machine.h"

static sim_machine_t *running_machine(void)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL || m->current == NULL || m->harness)
        nx_sim_misuse(
            "thread contexts need a running machine (not the harness, not the scheduler)");
    return m;
}

static nx_fiber_t *fiber_of(const nx_port_context_t *ctx)
{
    if (ctx == NULL || ctx->word[0] == 0u)
        nx_sim_misuse("switch to a context that was never initialised");
    return (nx_fiber_t *)ctx->word[0];
}

/* Contexts whose threads are gone, stacks kept for the next thread, in
 * this run or a later one: mapping and faulting in a stack per thread
 * cost more than the rest of a short run. */
#define SIM_SPARE_CONTEXTS 64u
static sim_context_t *spare;
static uint32_t spare_count;

static void context_entry(void *arg)
{
    sim_context_t *c = arg;
    c->entry(c->arg);
    nx_sim_misuse("a thread's entry function returned; it must exit through the scheduler");
}

nx_status_t nx_port_context_init(nx_port_context_t *ctx, void (*entry)(uintptr_t arg),
                                 uintptr_t arg)
{
    sim_machine_t *m = running_machine();
    if (m->context_count >= NX_SIM_MAX_CONTEXTS)
        return NX_ERR_NO_RESOURCES;
    sim_context_t *c = spare;
    if (c != NULL) {
        spare = c->next;
        spare_count--;
        (void)nx_fiber_reuse(&c->fiber, context_entry, c);
    } else {
        c = calloc(1, sizeof *c);
        if (c == NULL)
            return NX_ERR_NO_RESOURCES;
        if (nx_fiber_create(&c->fiber, context_entry, c) != 0) {
            free(c);
            return NX_ERR_NO_RESOURCES;
        }
    }
    c->user = false;
    c->program = false;
    c->user_sp = 0;
    c->prev = NULL;
    c->entry = entry;
    c->arg = arg;
    c->next = m->contexts;
    if (m->contexts != NULL)
        m->contexts->prev = c;
    m->contexts = c;
    m->context_count++;
    ctx->word[0] = (uintptr_t)&c->fiber;
    ctx->word[1] = (uintptr_t)c;
    ctx->word[2] = 0;
    ctx->word[3] = 0;
    return NX_OK;
}

void nx_port_context_current(nx_port_context_t *ctx)
{
    sim_machine_t *m = running_machine();
    ctx->word[0] = (uintptr_t)m->current->running;
    ctx->word[1] = (uintptr_t)nx_sim_context_running(m);
    ctx->word[2] = 0;
    ctx->word[3] = 0;
}

void nx_port_context_switch(nx_port_context_t *from, nx_port_context_t *to)
{
    sim_machine_t *m = running_machine();
    sim_hart_t *h = m->current;
    nx_fiber_t *f = fiber_of(from), *t = fiber_of(to);
    if (f != h->running)
        nx_sim_misuse("context switch away from a context that is not running on this hart");
    for (uint32_t i = 0; i < m->cfg.harts; i++)
        if (m->harts[i].running == t)
            nx_sim_misuse("context switch to a context that runs on a hart");
    h->running = t;
    h->spin_streak = 0;
    nx_fiber_switch(f, t);
}

static void unlink_context(sim_machine_t *m, sim_context_t *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        m->contexts = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    m->context_count--;
    if (spare_count < SIM_SPARE_CONTEXTS) {
        c->next = spare;
        spare = c;
        spare_count++;
        return;
    }
    nx_fiber_destroy(&c->fiber);
    free(c);
}

void nx_port_context_destroy(nx_port_context_t *ctx)
{
    sim_machine_t *m = running_machine();
    sim_context_t *c = (sim_context_t *)ctx->word[1];
    if (c == NULL)
        nx_sim_misuse("a hart's boot context cannot be destroyed");
    for (uint32_t i = 0; i < m->cfg.harts; i++)
        if (m->harts[i].running == &c->fiber)
            nx_sim_misuse("destroying a context that is running");
    unlink_context(m, c);
    ctx->word[0] = ctx->word[1] = 0;
}

void nx_sim_contexts_free(sim_machine_t *m)
{
    while (m->contexts != NULL)
        unlink_context(m, m->contexts);
}
