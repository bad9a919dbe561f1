/* planted_race: a deliberate, test-only bug for `nexus-sim explore` to
 * find (tests/scenario/planted_race.nxs). Two threads on different harts
 * bump one counter with a load, a system call, then a store: an update is
 * lost only when the second thread's single bump lands inside the first's
 * 100 ns window, which depends on how the seed interleaves the harts. The
 * assertion (no update lost) fails on some seeds and holds on most. Never
 * in the boot bundle. */
#include "selftest.h"

#define NAME   "planted_race"
#define ROUNDS 40u

static volatile uint32_t counter;

static void bump_slowly(void)
{
    uint32_t v = counter;
    (void)nx_time_now(); /* the window: a kernel entry between load and store */
    counter = v + 1u;
}

static void late_bumper(uintptr_t arg)
{
    nx_compute(arg); /* lands somewhere in the other thread's loop */
    bump_slowly();
    nx_thread_exit(0);
}

NX_SIM_PROGRAM(planted_race)
{
    counter = 0;
    nx_thread_handle_t t;
    uint64_t at = arg != 0u ? arg : 17 * US;
    EXPECT_ST(NAME, "thread",
              nx_thread_create(late_bumper, at, NX_QOS_NORMAL, 1u << other_hart(), &t), NX_OK);
    for (uint32_t i = 0; i < ROUNDS; i++) {
        bump_slowly();
        nx_compute(900); /* outside the window most of the time */
    }
    int32_t code = -1;
    EXPECT_ST(NAME, "join", nx_thread_join(t, nx_time_now() + 100 * MS, &code), NX_OK);
    EXPECT(NAME, "lost update", counter == ROUNDS + 1u, counter);
    nx_thread_exit(verdict(NAME, 0, 0));
}
