/*
 * harness.c - core code called straight from host tests (nxsim/harness.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "nx/boot.h"
#include "nx/core.h"
#include "nxsim/harness.h"

static sim_machine_t *harness;
static nx_sim_result_t *harness_result;

nx_status_t nx_sim_harness_begin(void)
{
    if (nx_sim_current_machine != NULL)
        return NX_ERR_BAD_STATE;
    sim_machine_t *m = calloc(1, sizeof *m);
    nx_sim_result_t *r = calloc(1, sizeof *r);
    if (m == NULL || r == NULL) {
        free(m);
        free(r);
        return NX_ERR_NO_RESOURCES;
    }
    nx_sim_config_default(&m->cfg);
    m->cfg.harts = 1;
    m->result = r;
    m->harness = true;
    nx_prng_seed(&m->rng, 0);
    m->harts[0].hartid = 0;
    m->harts[0].logical = 0;
    m->harts[0].state = SIM_HART_READY;
    m->harts[0].timer_deadline_ns = UINT64_MAX;
    m->current = &m->harts[0];

    /* The same boot info the port would be handed: a one-hart virt tree. */
    nx_dtb_diag_t diag;
    if (nx_sim_dtb_build(m->dtb_buf, sizeof m->dtb_buf, 1, NX_SIM_DEFAULT_MEMORY, NULL,
                         &m->dtb_size) != NX_OK ||
        nx_bootinfo_parse(m->dtb_buf, m->dtb_size, 0, &m->harness_bi, &diag) != NX_OK) {
        free(m);
        free(r);
        return NX_ERR_INTERNAL;
    }
    m->bi = &m->harness_bi;
    harness = m;
    harness_result = r;
    nx_sim_current_machine = m;
    nx_core_reset();
    nx_boot_info_install(&m->harness_bi); /* what core code reads of the machine */
    return NX_OK;
}

void nx_sim_harness_end(void)
{
    if (harness == NULL)
        return;
    /* What a test left behind (its tasks' spaces, VMO pages). */
    nx_sim_aspaces_free(harness);
    nx_sim_pages_free_all(harness);
    nx_sim_current_machine = NULL;
    free(harness);
    free(harness_result);
    harness = NULL;
    harness_result = NULL;
}

const char *nx_sim_harness_console(void)
{
    if (harness_result == NULL)
        return "";
    harness_result->console[harness_result->console_len] = '\0';
    return harness_result->console;
}

void nx_sim_harness_set_observer(void (*observer)(const nx_trace_event_t *event, void *ctx),
                                 void *ctx)
{
    if (harness != NULL) {
        harness->cfg.observer = observer;
        harness->cfg.ctx = ctx;
    }
}

void nx_sim_harness_before_user_copy(void (*fn)(uintptr_t user, size_t len, bool to_user,
                                                void *ctx),
                                     void *ctx)
{
    if (harness != NULL) {
        harness->cfg.before_user_copy = fn;
        harness->cfg.copy_ctx = ctx;
    }
}

void nx_sim_harness_advance(uint64_t ns)
{
    if (harness != NULL)
        harness->now_ns += ns;
}

int nx_sim_harness_catch(void (*fn)(void *arg), void *arg, nx_exit_code_t *code)
{
    jmp_buf point;
    if (harness == NULL)
        return 0;
    harness->harness_catch = &point;
    if (setjmp(point) != 0) {
        harness->harness_catch = NULL;
        if (code != NULL)
            *code = harness_result->exit_code;
        return 1;
    }
    fn(arg);
    harness->harness_catch = NULL;
    return 0;
}
