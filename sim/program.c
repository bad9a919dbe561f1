/*
 * program.c - the registry of simulated user programs and the boot
 * programs of a run (nxsim/program.h, nx_port_boot_programs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "nx/init.h"
#include "nxsim/program.h"

static struct {
    const char *name;
    nx_sim_program_fn fn;
} registry[NX_SIM_MAX_PROGRAMS];
static uint32_t registered;

void nx_sim_program_register(const char *name, nx_sim_program_fn fn)
{
    if (name == NULL || fn == NULL || nx_sim_program_find(name) != NULL ||
        registered == NX_SIM_MAX_PROGRAMS) {
        fprintf(stderr, "nexus-sim: cannot register program '%s': %s\n", name ? name : "(null)",
                registered == NX_SIM_MAX_PROGRAMS ? "too many (NX_SIM_MAX_PROGRAMS)"
                                                  : "name missing or taken");
        abort();
    }
    registry[registered].name = name;
    registry[registered].fn = fn;
    registered++;
}

nx_sim_program_fn nx_sim_program_find(const char *name)
{
    for (uint32_t i = 0; name != NULL && i < registered; i++)
        if (strcmp(registry[i].name, name) == 0)
            return registry[i].fn;
    return NULL;
}

nx_status_t nx_sim_add_program(nx_sim_config_t *cfg, const char *name, uintptr_t arg, nx_qos_t qos,
                               uint32_t affinity)
{
    if (cfg == NULL || cfg->program_count >= NX_MAX_BOOT_PROGRAMS)
        return NX_ERR_NO_RESOURCES;
    if (nx_sim_program_find(name) == NULL)
        return NX_ERR_NOT_FOUND;
    nx_sim_program_spec_t *p = &cfg->programs[cfg->program_count++];
    p->name = name;
    p->arg = arg;
    p->qos = qos;
    p->affinity = affinity;
    p->policy = false;
    p->learn = false;
    p->filter = NULL;
    p->filter_len = 0;
    p->devices = 0;
    p->expect_exit = 0;
    return NX_OK;
}

uint32_t nx_port_boot_programs(nx_boot_program_t *out, uint32_t max)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL)
        return 0;
    uint32_t n = m->cfg.program_count < max ? m->cfg.program_count : max;
    for (uint32_t i = 0; i < n; i++) {
        const nx_sim_program_spec_t *spec = &m->cfg.programs[i];
        out[i] = (nx_boot_program_t){
            .run = { .name = spec->name,
                     .entry =
                         (uintptr_t)nx_sim_program_find(spec->name), /* checked by nx_sim_run */
                     .arg = spec->arg,
                     .qos = (uint32_t)spec->qos,
                     .affinity = spec->affinity },
            .wiring = { .policy = spec->policy,
                        .peer = spec->peer,
                        .learn = spec->learn,
                        .filter = spec->filter,
                        .filter_len = spec->filter_len,
                        .devices = spec->devices },
            .expect = { .exit_code = spec->expect_exit },
        };
    }
    return n;
}

void nx_port_program_learned(uint32_t index, const void *blob, size_t len,
                             const nx_filter_learned_info_t *info)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL || len > sizeof m->result->learned)
        return;
    m->result->learned_program = (int32_t)index;
    m->result->learned_len = len;
    m->result->learned_info = *info;
    memcpy(m->result->learned, blob, len);
}
