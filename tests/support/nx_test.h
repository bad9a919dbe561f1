/*
 * nx_test.h - helpers shared by every host test.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h> (cmocka's
 * own requirement) or through this header, which includes them in order.
 */
#ifndef NX_TEST_H
#define NX_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nx/cap.h"
#include "nxsim/sim.h"

/* Path of a file generated into the test build directory (QEMU DTB dumps). */
const char *nx_test_data_path(const char *name);

/* Read a whole file (at most 16 MiB); fails the test when it cannot. Free
 * with free(). */
void *nx_test_read_file(const char *path, size_t *size);

/*
 * A buffer whose last byte sits right before an inaccessible page: a read
 * even one byte past `len` (rounded up to 8, libfdt's alignment) faults, in
 * instrumented code or not. The start is 8-byte aligned.
 */
typedef struct nx_guarded {
    unsigned char *data; /* len usable bytes */
    size_t len;
    void *map; /* whole mapping, for nx_guarded_free */
    size_t map_len;
} nx_guarded_t;

nx_guarded_t nx_guarded_alloc(const void *contents, size_t len);
void nx_guarded_free(nx_guarded_t *g);

/*
 * The core fixture: cmocka setup/teardown for tests that call core code
 * directly. Setup starts the simulator's harness (the test thread becomes
 * hart 0 of a reset core) and records how many items every object pool
 * holds; teardown fails the test, naming the pool, when any pool is not
 * back at that baseline (a leaked object, handle node...), then ends the
 * harness.
 */
int nx_test_core_setup(void **state);
int nx_test_core_teardown(void **state);

/*
 * A task for a test (nx_task_create, with the test's reference), and its
 * end (nx_task_kill, then the reference dropped). Tasks a failing test did
 * not free are freed by nx_test_core_teardown() before its leak check, so
 * one failure does not fail every test after it.
 */
typedef struct nx_task nx_task_t;
nx_task_t *nx_test_task_new(void);
void nx_test_task_free(nx_task_t *task);

/*
 * A task with an address space, for system calls through real user memory
 * of the simulated machine: NX_TEST_USER_SCRATCH, two read-write pages at
 * the bottom of the user range, and NX_TEST_USER_READ_ONLY, one read-only
 * page four pages up. nx_test_run_as(task) makes its space this hart's
 * (NULL: none), as a system call of one of its threads would find it.
 */
uintptr_t nx_test_user_base(void);
#define NX_TEST_USER_SCRATCH   (nx_test_user_base())
#define NX_TEST_USER_READ_ONLY (nx_test_user_base() + 4u * NX_PAGE_SIZE)
nx_task_t *nx_test_user_task_new(void);
void nx_test_run_as(nx_task_t *task);

/* Is `h` a live handle in `task`'s table (any type, any rights)? */
bool nx_test_handle_live(nx_task_t *task, nx_handle_t h);

/* The task a task object is, or NULL for another type. */
nx_task_t *nx_test_task_of(nx_object_t *obj);

/* Set a free, unretired slot's next generation (to reach wrap-around);
 * other slots are left alone. The kernel has no such setter: this writes
 * the table the way only issuing NX_HANDLE_GEN_MAX handles could. */
void nx_test_handle_set_generation(nx_handle_table_t *table, uint32_t slot, uint32_t gen);

/* Fail the test unless `expr` returns status `expect`, naming both. */
#define ASSERT_ST(expr, expect)                                                                    \
    do {                                                                                           \
        nx_status_t st_ = (expr);                                                                  \
        if (st_ != (expect))                                                                       \
            fail_msg("%s: %s, expected %s", #expr, nx_status_name(st_), nx_status_name(expect));   \
    } while (0)

/* Items in use in the registered pool called `name` (fails the test when
 * there is none). */
uint32_t nx_test_pool_used(const char *name);

/* The leak check alone, for a test to call at any point. */
void nx_test_assert_pools_at_baseline(void);

/*
 * The machine fixture: tests that boot the kernel with programs.
 * nx_test_machine_config: the default machine with `harts` harts and `seed`.
 * nx_test_machine_run: run it to the end; fails the test when the simulator
 *   refuses the configuration. The result stays valid until the next run.
 * nx_test_assert_machine_passed: the run ended with init's shutdown and
 *   every program exited 0 (the console is printed otherwise), and every
 *   object pool is empty but for init's own thread: nothing leaked.
 */
nx_sim_config_t nx_test_machine_config(uint32_t harts, uint64_t seed);
const nx_sim_result_t *nx_test_machine_run(const nx_sim_config_t *cfg);
void nx_test_assert_machine_passed(const nx_sim_result_t *r);

/* True when `text` contains `needle` as a whole line. */
int nx_test_has_line(const char *text, const char *needle);

#endif /* NX_TEST_H */
