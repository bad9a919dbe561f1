/*
 * nx_test.c - helpers shared by every host test (see nx_test.h).
 */
#define _GNU_SOURCE
#include "nx_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nx/cap.h"
#include "nx/pool.h"
#include "nx/sysfilter.h"
#include "nx/task.h"
#include "nx/user.h"
#include "nx/port.h"
#include "nx/thread.h"
#include "nxsim/harness.h"

const char *nx_test_data_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", NX_TEST_DATA_DIR, name);
    return path;
}

void *nx_test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s (was the build run?)", path);
    size_t cap = 16u << 20;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n = fread(buf, 1, cap, f);
    assert_false(ferror(f));
    assert_true(n < cap);
    fclose(f);
    *size = n;
    return buf;
}

nx_guarded_t nx_guarded_alloc(const void *contents, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + 7u) & ~(size_t)7u;
    size_t body_pages = (body + page - 1u) / page;
    if (body_pages == 0u)
        body_pages = 1u;
    nx_guarded_t g;
    g.map_len = (body_pages + 1u) * page;
    g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    unsigned char *guard = (unsigned char *)g.map + body_pages * page;
    assert_int_equal(mprotect(guard, page, PROT_NONE), 0);
    g.data = guard - body;
    g.len = len;
    if (len > 0u && contents != NULL)
        memcpy(g.data, contents, len);
    /* Bytes between len and the 8-byte boundary hold a pattern, not zeros, so
     * a read there cannot pass for a terminator by luck. */
    memset(g.data + len, 0xA5, body - len);
    return g;
}

void nx_guarded_free(nx_guarded_t *g)
{
    if (g->map != NULL)
        munmap(g->map, g->map_len);
    g->map = NULL;
    g->data = NULL;
}

int nx_test_has_line(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
        int starts = p == text || p[-1] == '\n';
        int ends = p[n] == '\n' || p[n] == '\0';
        if (starts && ends)
            return 1;
    }
    return 0;
}

static nx_sim_result_t *machine_result;

nx_sim_config_t nx_test_machine_config(uint32_t harts, uint64_t seed)
{
    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    cfg.harts = harts;
    cfg.seed = seed;
    return cfg;
}

const nx_sim_result_t *nx_test_machine_run(const nx_sim_config_t *cfg)
{
    if (machine_result == NULL)
        machine_result = calloc(1, sizeof *machine_result);
    assert_non_null(machine_result);
    assert_int_equal(nx_sim_run(cfg, machine_result), NX_OK);
    return machine_result;
}

void nx_test_assert_machine_passed(const nx_sim_result_t *r)
{
    if (r->stop != NX_SIM_STOP_SHUTDOWN || r->exit_code != NX_EXIT_PASS ||
        !nx_test_has_line(r->console, "init: all programs passed")) {
        /* cmocka cuts long messages: the console goes to stdout whole. */
        printf("console of the failed run:\n%s\n", r->console);
        fail_msg("the machine stopped (%s, exit %d at %llu ns) without init's pass",
                 nx_sim_stop_name(r->stop), (int)r->exit_code, (unsigned long long)r->end_time_ns);
    }
    /* Init shut down from its own thread, which is all that may be left,
     * with threads that have exited but were not yet released by their
     * hart's next context (and the tasks only those hold): with harts in
     * parallel the machine can stop in that moment. Also with threads of
     * killed tasks not yet past their kernel exit point: killing wakes them
     * (their waits end with NX_ERR_CANCELED) and they exit when they next
     * run, which may be after the last program the machine waited for. */
    uint32_t dying = 0, dying_tasks = 0;
    const nx_task_t *seen[NX_MAX_THREADS];
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++) {
        const nx_pool_t *p = nx_pool_registry_get(i);
        if (strcmp(p->name, "threads") != 0)
            continue;
        for (uint32_t k = 0; k < p->capacity; k++) {
            const nx_thread_t *t = (const nx_thread_t *)(p->items + k * p->item_size);
            if (p->links[k] != NX_POOL_IN_USE)
                continue;
            uint32_t state = atomic_load(&t->state);
            bool killed = t->task != NULL && t->task->dying;
            if (state != NX_THREAD_DEAD && !killed)
                continue;
            dying++;
            bool known = t->task == NULL;
            for (uint32_t j = 0; j < dying_tasks && !known; j++)
                known = seen[j] == t->task;
            if (!known)
                seen[dying_tasks++] = t->task;
        }
    }
    /* Those tasks still hold their syscall filters (released when the
     * task goes), each counted once however many of them share it. */
    const nx_filter_t *filters[NX_MAX_FILTER_PROFILES];
    uint32_t held_filters = 0;
    for (uint32_t j = 0; j < dying_tasks; j++)
        for (uint32_t k = 0; k < atomic_load(&seen[j]->filter.count); k++) {
            const nx_filter_t *f = atomic_load(&seen[j]->filter.at[k]);
            bool known = false;
            for (uint32_t q = 0; q < held_filters && !known; q++)
                known = filters[q] == f;
            if (!known && held_filters < NX_MAX_FILTER_PROFILES)
                filters[held_filters++] = f;
        }
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++) {
        const nx_pool_t *p = nx_pool_registry_get(i);
        uint32_t allowed = strcmp(p->name, "threads") == 0   ? 1u + dying
                           : strcmp(p->name, "tasks") == 0   ? dying_tasks
                           : strcmp(p->name, "filters") == 0 ? held_filters
                                                             : 0u;
        if (nx_pool_used(p) != allowed)
            fail_msg("pool %s holds %u items after the programs ended (%u expected): a leak",
                     p->name, nx_pool_used(p), allowed);
    }
}

/* Pool usage at setup, by registry position. */
static uint32_t baseline[NX_MAX_POOLS];
static uint32_t baseline_count;

/* Tasks made by nx_test_task_new() and not freed yet. */
static nx_task_t *tracked[NX_MAX_TASKS];

nx_task_t *nx_test_task_new(void)
{
    nx_task_t *t = NULL;
    assert_int_equal(nx_task_create(&t), NX_OK);
    for (size_t i = 0; i < NX_MAX_TASKS; i++)
        if (tracked[i] == NULL) {
            tracked[i] = t;
            break;
        }
    return t;
}

nx_task_t *nx_test_task_of(nx_object_t *obj)
{
    return obj != NULL && obj->type == NX_OBJ_TASK ? (nx_task_t *)obj : NULL;
}

void nx_test_handle_set_generation(nx_handle_table_t *table, uint32_t slot, uint32_t gen)
{
    nx_handle_entry_t *e = &table->e[slot & NX_HANDLE_SLOT_MASK];
    if (e->obj == NULL && !e->retired && gen >= 1u && gen <= NX_HANDLE_GEN_MAX)
        e->gen = gen;
}

uintptr_t nx_test_user_base(void)
{
    uintptr_t base, top;
    nx_port_user_range(&base, &top);
    return base;
}

nx_task_t *nx_test_user_task_new(void)
{
    nx_task_t *t = nx_test_task_new();
    if (nx_task_user_init(t) != NX_OK ||
        nx_port_aspace_map(nx_task_aspace(t), NX_TEST_USER_SCRATCH, 2u * NX_PAGE_SIZE,
                           NX_PROT_READ | NX_PROT_WRITE, NULL, 0) != NX_OK ||
        nx_port_aspace_map(nx_task_aspace(t), NX_TEST_USER_READ_ONLY, NX_PAGE_SIZE, NX_PROT_READ,
                           "ro", 2) != NX_OK)
        fail_msg("a test task's address space could not be made");
    return t;
}

void nx_test_run_as(nx_task_t *task)
{
    nx_port_aspace_activate(task != NULL ? nx_task_aspace(task) : NULL);
}

bool nx_test_handle_live(nx_task_t *task, nx_handle_t h)
{
    const nx_handle_entry_t *e = NULL;
    nx_cap_lock();
    nx_status_t st = nx_handle_lookup_locked(&task->handles, h, NX_OBJ_NONE, NX_RIGHT_NONE, &e);
    nx_cap_unlock();
    return st == NX_OK;
}

void nx_test_task_free(nx_task_t *task)
{
    for (size_t i = 0; i < NX_MAX_TASKS; i++)
        if (tracked[i] == task)
            tracked[i] = NULL;
    nx_task_kill(task);
    nx_object_unref(&task->obj);
}

int nx_test_core_setup(void **state)
{
    (void)state;
    memset(tracked, 0, sizeof tracked);
    if (nx_sim_harness_begin() != NX_OK)
        return -1;
    baseline_count = nx_pool_registry_count();
    for (uint32_t i = 0; i < baseline_count; i++)
        baseline[i] = nx_pool_used(nx_pool_registry_get(i));
    return 0;
}

uint32_t nx_test_pool_used(const char *name)
{
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++) {
        const nx_pool_t *p = nx_pool_registry_get(i);
        if (strcmp(p->name, name) == 0)
            return nx_pool_used(p);
    }
    fail_msg("no pool named %s", name);
    return 0;
}

void nx_test_assert_pools_at_baseline(void)
{
    assert_int_equal(nx_pool_registry_count(), baseline_count);
    for (uint32_t i = 0; i < baseline_count; i++) {
        const nx_pool_t *p = nx_pool_registry_get(i);
        if (nx_pool_used(p) != baseline[i])
            fail_msg("pool %s holds %u items, %u at the start of the test: a leak", p->name,
                     nx_pool_used(p), baseline[i]);
    }
}

int nx_test_core_teardown(void **state)
{
    (void)state;
    /* A test that failed as one of its tasks may have left that task's
     * space active: none is, before the tasks go. */
    nx_port_aspace_activate(NULL);
    for (size_t i = 0; i < NX_MAX_TASKS; i++)
        if (tracked[i] != NULL)
            nx_test_task_free(tracked[i]);
    /* Measure, end the harness, then report: a leak fails this test, not
     * every later one through a harness left running. */
    char leak[160] = "";
    if (nx_pool_registry_count() != baseline_count)
        snprintf(leak, sizeof leak, "%u pools registered, %u at the start of the test",
                 nx_pool_registry_count(), baseline_count);
    for (uint32_t i = 0; i < baseline_count && leak[0] == '\0'; i++) {
        const nx_pool_t *p = nx_pool_registry_get(i);
        if (nx_pool_used(p) != baseline[i])
            snprintf(leak, sizeof leak,
                     "pool %s holds %u items, %u at the start of the test: a leak", p->name,
                     nx_pool_used(p), baseline[i]);
    }
    nx_sim_harness_end();
    if (leak[0] != '\0')
        fail_msg("%s", leak);
    return 0;
}
