/*
 * init.c - the first kernel thread: the scheduler's selftests, then the
 * boot programs, then the end of the machine.
 *
 * Init runs the selftests that need threads (selftest_threads.c), then asks
 * the port for its programs. With none, the machine shuts down: boot is all
 * there is. Otherwise init gives each program a task of its own with the
 * handles of nexus/start.h, starts every program's first thread, waits for
 * each to exit, and shuts the machine down: PASS when every program exited
 * with 0, FAIL otherwise. A program that never exits keeps the machine up
 * (the simulator's time limit, or QEMU's timeout, ends such a run).
 */
#include "nexus/start.h"
#include "nx/boot.h"
#include "nx/channel.h"
#include "nx/device.h"
#include "nx/elf.h"
#include "nx/init.h"
#include "nx/user.h"
#include "nx/panic.h"
#include "nx/printk.h"
#include "nx/sched.h"
#include "nx/selftest.h"
#include "nx/sysfilter.h"
#include "nx/task.h"
#include "nx/thread_api.h"

/* Init waits in steps no longer than the longest wait allowed. */
#define NX_INIT_WAIT_STEP_NS NX_MAX_WAIT_NS

static struct init_state {
    uint32_t count;
    nx_boot_program_t programs[NX_MAX_BOOT_PROGRAMS];
    nx_task_t *tasks[NX_MAX_BOOT_PROGRAMS];
    nx_thread_t *threads[NX_MAX_BOOT_PROGRAMS];
    bool waited[NX_MAX_BOOT_PROGRAMS]; /* its exit collected */
} init;

/* Install `obj` in `task`'s table, where nexus/start.h says it is. */
static nx_status_t install_at(nx_task_t *task, nx_object_t *obj, nx_rights_t rights,
                              nx_handle_t want)
{
    nx_handle_t h;
    nx_status_t st = nx_cap_install(task, obj, rights, &h);
    if (st == NX_OK && !nx_handle_eq(h, want))
        return NX_ERR_BAD_STATE; /* the table no longer hands out slots in order */
    return st;
}

/* What program i's first thread runs: its image loaded into its task's
 * address space, or the port's entry. */
static nx_status_t load(uint32_t i, uintptr_t *entry)
{
    const nx_port_program_t *prog = &init.programs[i].run;
    nx_status_t st = nx_task_user_init(init.tasks[i]);
    if (st != NX_OK || prog->image == NULL) {
        *entry = prog->entry;
        return st;
    }
    nx_elf_reason_t why;
    st = nx_elf_load(prog->image, prog->image_size, nx_task_aspace(init.tasks[i]), entry, &why);
    if (st != NX_OK)
        nx_printk("init: %s refused: %s (%s)\n", prog->name, nx_elf_reason_name(why),
                  nx_status_name(st));
    return st;
}

/* Program i's devices, at their fixed start handles. A manifest naming a
 * device the machine lacks, or too many, fails the run. */
static nx_status_t hand_devices(uint32_t i)
{
    uint32_t mask = init.programs[i].wiring.devices, k = 0;
    if (mask != 0u && init.programs[i].wiring.policy)
        return NX_ERR_INVALID_ARGS;
    for (uint32_t d = 0; d < 32u && mask != 0u; d++) {
        if ((mask & (1u << d)) == 0u)
            continue;
        mask &= ~(1u << d);
        nx_device_t *dev = nx_device_at(d);
        if (dev == NULL || k == NX_START_MAX_DEVICES) {
            nx_printk("init: %s names device %u: %s\n", init.programs[i].run.name, d,
                      dev == NULL ? "the machine has no such device" : "too many devices");
            return NX_ERR_INVALID_ARGS;
        }
        nx_handle_t h;
        nx_handle_t want = nx_device_to_handle(NX_START_DEVICE(k));
        nx_status_t st = nx_cap_install_at(init.tasks[i], &dev->obj, NX_DEFAULT_DEVICE_RIGHTS,
                                           want.v & NX_HANDLE_SLOT_MASK, &h);
        if (st != NX_OK)
            return st;
        if (!nx_handle_eq(h, want))
            return NX_ERR_BAD_STATE;
        k++;
    }
    return NX_OK;
}

/* Task, first thread and start handles of program i (not yet runnable).
 * NX_ERR_MALFORMED: its image was refused (said on the console). */
static nx_status_t prepare(uint32_t i)
{
    const nx_port_program_t *prog = &init.programs[i].run;
    nx_affinity_t online = nx_sched_online();
    nx_affinity_t affinity = prog->affinity != 0u ? prog->affinity & online : online;
    if (prog->name == NULL || (prog->image == NULL && prog->entry == 0u) ||
        prog->qos >= NX_QOS_COUNT || affinity == 0u)
        return NX_ERR_INVALID_ARGS;
    nx_status_t st = nx_task_create(&init.tasks[i]);
    if (st != NX_OK)
        return st;
    uintptr_t entry = 0;
    st = load(i, &entry);
    if (st != NX_OK)
        return st;
    st = nx_thread_new(init.tasks[i], entry, prog->arg, (nx_qos_t)prog->qos, affinity,
                       &init.threads[i]);
    if (st != NX_OK)
        return st;
    init.threads[i]->ends_task = true; /* the program is its first thread */
    st = install_at(init.tasks[i], &init.threads[i]->obj, NX_DEFAULT_THREAD_RIGHTS,
                    nx_thread_to_handle(NX_START_SELF_THREAD));
    if (st == NX_OK)
        st = install_at(init.tasks[i], &init.tasks[i]->obj, NX_START_SELF_TASK_RIGHTS,
                        nx_task_to_handle(NX_START_SELF_TASK));
    if (st == NX_OK && init.programs[i].wiring.filter != NULL &&
        (st = nx_filter_attach_kernel(init.tasks[i], init.programs[i].wiring.filter,
                                      init.programs[i].wiring.filter_len)) != NX_OK) {
        nx_printk("init: %s's filter refused: %s\n", prog->name, nx_status_name(st));
        st = NX_ERR_INVALID_ARGS; /* fails the run (MALFORMED would mean its image) */
    }
    if (st == NX_OK && init.programs[i].wiring.learn)
        st = nx_filter_learn_begin(init.tasks[i]);
    if (st == NX_OK)
        st = hand_devices(i);
    return st;
}

/* What learning program i learned, now that it has exited, handed to the
 * port. Nothing is said on the console: a run that learns must replay
 * the recording of one that did not, byte for byte. */
static void hand_learned(uint32_t i)
{
    static unsigned char blob[NX_FILTER_LEARNED_MAX_BYTES];
    nx_filter_learned_info_t info;
    size_t len = 0;
    if (nx_filter_learned(init.tasks[i], blob, &len, &info) != NX_OK)
        nx_panic_exit(NX_EXIT_FAIL, "init: %s learned nothing: no learning filter",
                      init.programs[i].run.name);
    nx_port_program_learned(i, blob, len, &info);
}

/* Undo a prepare() that did not finish. */
static void abandon(uint32_t i)
{
    if (init.threads[i] != NULL) {
        nx_thread_discard(init.threads[i]);
        nx_object_unref(&init.threads[i]->obj);
        init.threads[i] = NULL;
    }
    if (init.tasks[i] != NULL) {
        nx_task_kill(init.tasks[i]);
        nx_object_unref(&init.tasks[i]->obj);
        init.tasks[i] = NULL;
    }
}

/* The policy service's MANAGE handles to its fellows' tasks, and their
 * first threads: the started ones, in order. */
static uint32_t named(const char *name);

static nx_status_t grant_policy(uint32_t i)
{
    uint32_t n = 0;
    /* The program it names comes first (NX_START_MANAGED_TASK(0)). */
    uint32_t first = init.programs[i].wiring.peer != NULL ? named(init.programs[i].wiring.peer)
                                                          : NX_MAX_BOOT_PROGRAMS;
    if (init.programs[i].wiring.peer != NULL && first == NX_MAX_BOOT_PROGRAMS)
        return NX_ERR_NOT_FOUND; /* it names a program that is not started */
    for (uint32_t k = 0; k <= init.count; k++) {
        uint32_t j = k == 0u ? first : k - 1u;
        if (j >= init.count || j == i || init.threads[j] == NULL || (k != 0u && j == first))
            continue;
        nx_status_t st = install_at(init.tasks[i], &init.tasks[j]->obj, NX_DEFAULT_TASK_RIGHTS,
                                    nx_task_to_handle(NX_START_MANAGED_TASK(n)));
        if (st == NX_OK)
            st = install_at(init.tasks[i], &init.threads[j]->obj, NX_DEFAULT_THREAD_RIGHTS,
                            nx_thread_to_handle(NX_START_MANAGED_THREAD(n)));
        if (st != NX_OK)
            return st;
        n++;
    }
    return NX_OK;
}

static bool same_name(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* The started program called `name`, or NX_MAX_BOOT_PROGRAMS. */
static uint32_t named(const char *name)
{
    for (uint32_t j = 0; j < init.count; j++)
        if (init.threads[j] != NULL && same_name(init.programs[j].run.name, name))
            return j;
    return NX_MAX_BOOT_PROGRAMS;
}

/* The started program called `name` that names program i as its peer. */
static uint32_t peer_of(uint32_t i)
{
    for (uint32_t j = 0; j < init.count; j++)
        if (j != i && init.threads[j] != NULL && init.programs[j].wiring.peer != NULL &&
            same_name(init.programs[j].run.name, init.programs[i].wiring.peer) &&
            same_name(init.programs[j].wiring.peer, init.programs[i].run.name))
            return j;
    return NX_MAX_BOOT_PROGRAMS;
}

/* A channel between program i and its peer j (i < j), one end each at
 * NX_START_PEER_CHANNEL. */
static nx_status_t connect_peers(uint32_t i, uint32_t j)
{
    nx_handle_t mine, theirs, moved;
    if (init.programs[i].wiring.policy || init.programs[j].wiring.policy)
        return NX_ERR_INVALID_ARGS; /* its slot 2 is a managed task */
    nx_status_t st = nx_channel_new(init.tasks[i], &mine, &theirs);
    if (st == NX_OK)
        st = nx_handle_transfer(init.tasks[i], &theirs, 1, init.tasks[j], &moved);
    nx_handle_t at = nx_channel_to_handle(NX_START_PEER_CHANNEL);
    if (st == NX_OK && (!nx_handle_eq(mine, at) || !nx_handle_eq(moved, at)))
        return NX_ERR_BAD_STATE;
    return st;
}

/* Connect every pair of started programs that name each other. */
static void connect_all_peers(void)
{
    for (uint32_t i = 0; i < init.count; i++) {
        /* A policy service's `peer` is the task it manages first, no channel. */
        if (init.threads[i] == NULL || init.programs[i].wiring.peer == NULL ||
            init.programs[i].wiring.policy)
            continue;
        uint32_t j = peer_of(i);
        if (j == NX_MAX_BOOT_PROGRAMS)
            nx_panic_exit(NX_EXIT_FAIL, "init: %s's peer %s is not started or does not name it",
                          init.programs[i].run.name, init.programs[i].wiring.peer);
        if (j > i && connect_peers(i, j) != NX_OK)
            nx_panic_exit(NX_EXIT_FAIL, "init: cannot connect %s and %s", init.programs[i].run.name,
                          init.programs[j].run.name);
    }
}

/* Wait, in bounded steps, until thread t has exited; its exit code. */
static int32_t wait_exit(nx_thread_t *t)
{
    int32_t code = 0;
    nx_status_t st;
    while ((st = nx_thread_wait_exit(t, nx_port_time_ns() + NX_INIT_WAIT_STEP_NS, &code)) ==
           NX_ERR_TIMED_OUT) {
    }
    if (st != NX_OK)
        nx_panic("init: waiting for thread %u: %s", t->id.v, nx_status_name(st));
    return code;
}

/* Wait for started program i to exit (once), say how it ended; 1 if not
 * as expected. */
static uint32_t collect(uint32_t i)
{
    if (init.threads[i] == NULL || init.waited[i])
        return 0;
    init.waited[i] = true;
    int32_t code = wait_exit(init.threads[i]);
    int32_t want = init.programs[i].expect.exit_code;
    if (code == want)
        nx_printk("init: %s exited with %d\n", init.programs[i].run.name, (int)code);
    else
        nx_printk("init: %s exited with %d (expected %d)\n", init.programs[i].run.name, (int)code,
                  (int)want);
    if (init.programs[i].wiring.learn)
        hand_learned(i);
    return code != want ? 1u : 0u;
}

/* Start every program, wait for each, and say how many did not do what
 * they were expected to (exit with their code, or be refused). */
static uint32_t run_programs(void)
{
    uint32_t failed = 0;
    for (uint32_t i = 0; i < init.count; i++) {
        init.tasks[i] = NULL;
        init.threads[i] = NULL;
    }
    for (uint32_t i = 0; i < init.count; i++) {
        nx_status_t st = prepare(i);
        if (st == NX_ERR_MALFORMED) {
            abandon(i);
            failed += init.programs[i].expect.refused ? 0u : 1u;
            continue;
        }
        if (st != NX_OK)
            nx_panic_exit(NX_EXIT_FAIL, "init: cannot start program %u (%s): %s", i,
                          init.programs[i].run.name != NULL ? init.programs[i].run.name : "?",
                          nx_status_name(st));
        if (init.programs[i].expect.refused) {
            nx_printk("init: %s was expected to be refused\n", init.programs[i].run.name);
            failed++;
        }
    }
    connect_all_peers();
    for (uint32_t i = 0; i < init.count; i++)
        if (init.threads[i] != NULL && init.programs[i].wiring.policy && grant_policy(i) != NX_OK)
            nx_panic_exit(NX_EXIT_FAIL, "init: cannot hand %s its handles",
                          init.programs[i].run.name);
    for (uint32_t i = 0; i < init.count; i++) {
        init.waited[i] = false;
        if (init.threads[i] == NULL)
            continue;
        for (uint32_t j = 0; init.programs[i].wiring.after_previous && j < i; j++)
            failed += collect(j);
        nx_printk("init: starting %s (thread %u)\n", init.programs[i].run.name,
                  init.threads[i]->id.v);
        nx_sched_start(init.threads[i]);
    }
    for (uint32_t i = 0; i < init.count; i++)
        failed += collect(i);
    for (uint32_t i = 0; i < init.count; i++) {
        if (init.threads[i] == NULL)
            continue;
        nx_task_kill(init.tasks[i]);
        nx_object_unref(&init.threads[i]->obj);
        nx_object_unref(&init.tasks[i]->obj);
    }
    return failed;
}

static void init_main(uintptr_t arg)
{
    (void)arg;
    uint32_t failed = nx_selftest_run_threads();
    if (failed > 0u)
        nx_panic_exit(NX_EXIT_FAIL, "%u selftest(s) failed", failed);
    nx_printk("nexus: all selftests passed\n");
    nx_boot_advance(NX_BOOT_STAGE_SELFTEST, NX_BOOT_STAGE_RUNNING);

    init.count = nx_port_boot_programs(init.programs, NX_MAX_BOOT_PROGRAMS);
    if (init.count > NX_MAX_BOOT_PROGRAMS)
        nx_panic("the port listed %u boot programs (at most %u)", init.count, NX_MAX_BOOT_PROGRAMS);
    if (init.count == 0u)
        nx_port_shutdown(NX_EXIT_PASS);
    failed = run_programs();
    if (failed != 0u)
        nx_panic_exit(NX_EXIT_FAIL, "init: %u program(s) failed", failed);
    nx_printk("init: all programs passed\n");
    nx_port_shutdown(NX_EXIT_PASS);
}

void nx_init_start(void)
{
    nx_thread_t *t;
    nx_status_t st =
        nx_thread_new(NULL, (uintptr_t)init_main, 0, NX_QOS_INTERACTIVE, nx_sched_online(), &t);
    if (st != NX_OK)
        nx_panic("init: no thread: %s", nx_status_name(st));
    nx_sched_start(t);
    nx_object_unref(&t->obj);
}
