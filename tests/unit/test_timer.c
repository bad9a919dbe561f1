/*
 * test_timer.c - kernel timers with slack (core/timer), called directly.
 *
 * The harness makes this thread hart 0; nx_port_idle() there moves virtual
 * time to the hardware deadline the timer queue programmed and takes the
 * interrupt, so every instant below is exact.
 */
#include "nx_test.h"

#include <string.h>

#include "nx/port.h"
#include "nx/timer.h"
#include "nxsim/harness.h"
#include "nxsim/prng.h"

#define US 1000ull
#define MS 1000000ull

static struct fired {
    uint32_t count;
    uint64_t at; /* time of the last firing */
} fired[64];

static void on_fire(nx_timer_t *timer, void *arg)
{
    (void)timer;
    struct fired *f = arg;
    f->count++;
    f->at = nx_port_time_ns();
}

static void reset_fired(void)
{
    memset(fired, 0, sizeof fired);
}

/* Take interrupts until timer `i` (its record) has fired. */
static void run_until_one_fired(uint32_t i)
{
    for (uint32_t guard = 0; guard < 10000u && fired[i].count == 0u; guard++)
        nx_port_idle();
    assert_true(fired[i].count > 0u);
}

/* Take interrupts until every timer in t[0..n) has fired once. */
static void run_until_fired(uint32_t n)
{
    for (uint32_t guard = 0; guard < 10000u; guard++) {
        uint32_t done = 0;
        for (uint32_t i = 0; i < n; i++)
            done += fired[i].count > 0u;
        if (done == n)
            return;
        nx_port_idle();
    }
    fail_msg("timers did not fire");
}

/* Random deadlines and slacks: every timer fires once, inside
 * [deadline, deadline + slack], and never before its deadline. */
static void random_timers_fire_inside_their_windows(void **state)
{
    (void)state;
    nx_prng_t rng;
    nx_prng_seed(&rng, 42);
    nx_timer_t t[64];
    for (uint32_t round = 0; round < 20u; round++) {
        reset_fired();
        uint64_t now = nx_port_time_ns();
        uint64_t deadline[64], latest[64];
        for (uint32_t i = 0; i < 64u; i++) {
            deadline[i] = now + nx_prng_below(&rng, 5 * MS);
            uint64_t slack = nx_prng_below(&rng, 3u) == 0u ? 0u : nx_prng_below(&rng, 500 * US);
            latest[i] = deadline[i] + slack;
            nx_timer_init(&t[i], on_fire, &fired[i]);
            nx_timer_arm(&t[i], deadline[i], slack);
        }
        run_until_fired(64);
        for (uint32_t i = 0; i < 64u; i++) {
            assert_int_equal(fired[i].count, 1);
            if (fired[i].at < deadline[i] || fired[i].at > latest[i])
                fail_msg("round %u timer %u fired at %llu, window [%llu, %llu]", round, i,
                         (unsigned long long)fired[i].at, (unsigned long long)deadline[i],
                         (unsigned long long)latest[i]);
        }
    }
    nx_timer_stats_t s = nx_timer_stats(0);
    assert_int_equal(s.armed, 20u * 64u);
    assert_int_equal(s.fired, 20u * 64u);
    /* Windows overlap: far fewer interrupts than timers. */
    assert_true(s.interrupts < s.fired);
    /* Each timer either needed an interrupt of its own or shared one. */
    assert_true(s.fired - s.coalesced <= s.interrupts);
    assert_true(s.coalesced > 0u);
}

/*
 * The constructed case: ten timers 10 us apart, each with 100 us of slack.
 * The first programs the hardware for its latest time, d + 100 us; every
 * later one's window holds that instant, so it needs no programming of its
 * own: 1 programming, 9 avoided, 1 interrupt fires all ten. A timer after
 * that window programs once more when it becomes the earliest.
 */
static void overlapping_windows_share_one_programming(void **state)
{
    (void)state;
    reset_fired();
    nx_timer_t t[11];
    uint64_t d = nx_port_time_ns() + 1 * MS;
    for (uint32_t i = 0; i < 10u; i++) {
        nx_timer_init(&t[i], on_fire, &fired[i]);
        nx_timer_arm(&t[i], d + i * 10u * US, 100 * US);
    }
    nx_timer_stats_t s = nx_timer_stats(0);
    assert_int_equal(s.armed, 10);
    assert_int_equal(s.programmed, 1);
    run_until_fired(10);
    s = nx_timer_stats(0);
    assert_int_equal(s.programmed, 1);
    assert_int_equal(s.interrupts, 1);
    assert_int_equal(s.fired, 10);
    assert_int_equal(s.coalesced, 9);
    for (uint32_t i = 0; i < 10u; i++)
        assert_int_equal(fired[i].at, d + 100 * US);

    /* Disjoint windows: each needs its own programming and interrupt. */
    reset_fired();
    uint64_t e = nx_port_time_ns() + 1 * MS;
    for (uint32_t i = 0; i < 3u; i++) {
        nx_timer_init(&t[i], on_fire, &fired[i]);
        nx_timer_arm(&t[i], e + i * MS, 10 * US);
    }
    run_until_fired(3);
    nx_timer_stats_t s2 = nx_timer_stats(0);
    assert_int_equal(s2.interrupts - s.interrupts, 3);
    /* The first arm programs; the later two wait for that interrupt, which
     * reprograms for the next: 3 programmings, none avoided. */
    assert_int_equal(s2.programmed - s.programmed, 3);
    assert_int_equal(s2.coalesced - s.coalesced, 0);
}

/* An earlier timer reprograms the hardware; the later one rides along if
 * its window allows, else it is programmed after the first interrupt. */
static void an_earlier_timer_reprograms(void **state)
{
    (void)state;
    reset_fired();
    nx_timer_t late, early;
    uint64_t now = nx_port_time_ns();
    nx_timer_init(&late, on_fire, &fired[0]);
    nx_timer_init(&early, on_fire, &fired[1]);
    nx_timer_arm(&late, now + 5 * MS, 0);
    nx_timer_arm(&early, now + 1 * MS, 0);
    assert_int_equal(nx_timer_stats(0).programmed, 2);
    nx_port_idle();
    assert_int_equal(fired[1].count, 1);
    assert_int_equal(fired[1].at, now + 1 * MS);
    assert_int_equal(fired[0].count, 0);
    run_until_one_fired(0);
    assert_int_equal(fired[0].at, now + 5 * MS);
}

/* Cancelled timers never fire; cancel says whether it was armed. */
static void cancel_stops_a_timer(void **state)
{
    (void)state;
    reset_fired();
    nx_timer_t a, b, never;
    nx_timer_init(&a, on_fire, &fired[0]);
    nx_timer_init(&b, on_fire, &fired[1]);
    nx_timer_init(&never, on_fire, &fired[2]);
    uint64_t now = nx_port_time_ns();
    nx_timer_arm(&a, now + 1 * MS, 0);
    nx_timer_arm(&b, now + 2 * MS, 0);
    assert_false(nx_timer_cancel(&never));
    assert_true(nx_timer_cancel(&a));
    assert_false(nx_timer_cancel(&a));
    nx_timer_cancel_sync(&a); /* not armed, not firing: returns at once */
    run_until_one_fired(1);   /* b fires; a must not have */
    assert_int_equal(fired[0].count, 0);
    assert_int_equal(fired[1].count, 1);
    assert_false(nx_timer_cancel(&b)); /* fired: no longer armed */
    /* Re-arming replaces the old deadline. */
    nx_timer_arm(&b, nx_port_time_ns() + 3 * MS, 0);
    uint64_t want = nx_port_time_ns() + 1 * MS;
    nx_timer_arm(&b, want, 0);
    fired[1].count = 0;
    run_until_one_fired(1);
    assert_int_equal(fired[1].at, want);
    assert_true(nx_timer_cancel(&b) == false); /* the 3 ms arming was replaced */
}

/* A deadline already past fires at the next interrupt window. */
static void a_past_deadline_fires_at_once(void **state)
{
    (void)state;
    reset_fired();
    nx_sim_harness_advance(10 * MS);
    nx_timer_t t;
    nx_timer_init(&t, on_fire, &fired[0]);
    uint64_t now = nx_port_time_ns();
    nx_timer_arm(&t, now - 5 * MS, 0);
    nx_port_interrupts_poll();
    assert_int_equal(fired[0].count, 1);
    assert_int_equal(fired[0].at, now);
}

/* Slack is capped: a timer never fires more than NX_TIMER_MAX_SLACK_NS
 * late, whatever it asked for; a deadline near the end of time saturates. */
static void slack_is_capped(void **state)
{
    (void)state;
    reset_fired();
    nx_timer_t t, end;
    uint64_t d = nx_port_time_ns() + 1 * MS;
    nx_timer_init(&t, on_fire, &fired[0]);
    nx_timer_arm(&t, d, UINT64_MAX);
    assert_int_equal(t.latest, d + NX_TIMER_MAX_SLACK_NS);
    run_until_fired(1);
    assert_int_equal(fired[0].at, d + NX_TIMER_MAX_SLACK_NS);
    nx_timer_init(&end, on_fire, &fired[1]);
    nx_timer_arm(&end, UINT64_MAX - 5u, NX_TIMER_MAX_SLACK_NS);
    assert_int_equal(end.latest, UINT64_MAX);
    assert_true(nx_timer_cancel(&end));
}

/* A callback that keeps re-arming in the past cannot hold the hart: one
 * interrupt runs it at most NX_TIMER_MAX_FIRE_ROUNDS times. */
static uint32_t rearms;

static void rearm_in_past(nx_timer_t *timer, void *arg)
{
    (void)arg;
    rearms++;
    nx_timer_arm(timer, 0, 0);
}

static void a_rearming_callback_is_bounded(void **state)
{
    (void)state;
    rearms = 0;
    nx_timer_t t;
    nx_timer_init(&t, rearm_in_past, NULL);
    nx_timer_arm(&t, nx_port_time_ns(), 0);
    nx_timer_stats_t before = nx_timer_stats(0);
    nx_port_interrupts_poll();
    nx_timer_stats_t after = nx_timer_stats(0);
    /* The port's delivery loop may take the (re-armed, due) interrupt a few
     * times; each take is bounded. */
    uint64_t interrupts = after.interrupts - before.interrupts;
    assert_true(interrupts >= 1u);
    assert_true(rearms <= interrupts * 64u);
    assert_true(rearms >= 64u);
    assert_true(nx_timer_cancel(&t));
}

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(random_timers_fire_inside_their_windows),
        CORE_TEST(overlapping_windows_share_one_programming),
        CORE_TEST(an_earlier_timer_reprograms),
        CORE_TEST(cancel_stops_a_timer),
        CORE_TEST(a_past_deadline_fires_at_once),
        CORE_TEST(slack_is_capped),
        CORE_TEST(a_rearming_callback_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
