/*
 * test_channel_random.c - random traffic over channels, checked against a
 * model at every step: every capability is in exactly one place.
 *
 * Three tasks hold six channel endpoints (three channels) and eight event
 * tokens. Each step one task writes a message carrying a random handful of
 * what it holds (tokens, and endpoints: a channel may carry another
 * channel's end), reads one, or hands a handle to another task. The model
 * knows where every object is: a handle in one table, or a cap inside one
 * queued message. After every step each object has exactly one capability
 * (the kernel's count), sits where the model says (its koid behind the
 * model's handle), every queue holds the model's count, and the message
 * pool holds exactly the queued messages. Refusals (sending an endpoint
 * through itself or its peer, a handle twice, an endpoint into a queue
 * it holds itself: a cycle) must move nothing. At the end everything is closed and every pool is
 * back at its baseline (the fixture).
 *
 * Seeds are fixed; a failure names the seed and step.
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/object.h"
#include "nx/task.h"
#include "nx/vmo.h"
#include "nxsim/prng.h"

#define TASKS     3u
#define CHANNELS  3u
#define ENDPOINTS (2u * CHANNELS)
#define TOKENS    8u
#define OBJECTS   (ENDPOINTS + TOKENS) /* objects 0..5 endpoints (2c, 2c+1 a pair), then tokens */
#define STEPS     300u
#define SEEDS     200u
#define MAX_SEND  4u
#define QUEUE_CAP 8u /* messages the model tracks per endpoint (well below the bound) */

typedef struct {
    nx_object_t *obj;
    uint64_t koid;
    bool in_queue; /* else held by task `task` as `handle` */
    uint32_t task;
    nx_handle_t handle;
} item_t;

typedef struct {
    uint32_t n;
    uint32_t objs[MAX_SEND];
} msg_model_t;

static struct {
    nx_task_t *task[TASKS];
    item_t item[OBJECTS];
    msg_model_t queue[ENDPOINTS][QUEUE_CAP]; /* messages waiting at endpoint e, oldest first */
    uint32_t queued[ENDPOINTS];
    uint64_t seed;
    uint32_t step;
} m;

/* The seed and step lead the message: format the caller's part first (its
 * arguments come before ours, so one format string cannot hold both). */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            char why_[256];                                                                        \
            snprintf(why_, sizeof why_, __VA_ARGS__);                                              \
            fail_msg("seed %llu step %u: %s", (unsigned long long)m.seed, m.step, why_);           \
        }                                                                                          \
    } while (0)

static uint32_t peer_of(uint32_t ep)
{
    return ep ^ 1u;
}

static uint32_t caps_of(const nx_object_t *obj)
{
    nx_cap_lock();
    uint32_t n = obj->caps;
    nx_cap_unlock();
    return n;
}

static void check_everything(void)
{
    uint32_t messages = 0;
    for (uint32_t e = 0; e < ENDPOINTS; e++)
        messages += m.queued[e];
    CHECK(nx_msg_used() == messages, "%u messages in use, the model queues %u", nx_msg_used(),
          messages);
    for (uint32_t i = 0; i < OBJECTS; i++) {
        item_t *it = &m.item[i];
        CHECK(caps_of(it->obj) == 1u, "object %u has %u capabilities", i, caps_of(it->obj));
        if (it->in_queue)
            continue;
        nx_object_info_t info;
        CHECK(nx_handle_info(m.task[it->task], it->handle, &info) == NX_OK,
              "object %u: its handle in task %u is dead", i, it->task);
        CHECK(info.koid.v == it->koid, "object %u: task %u's handle names another object", i,
              it->task);
    }
    /* Queue depths, through the signals of an endpoint some table holds. */
    for (uint32_t e = 0; e < ENDPOINTS; e++) {
        item_t *it = &m.item[e];
        if (it->in_queue)
            continue;
        uint32_t s = 0;
        CHECK(nx_channel_signals(m.task[it->task], it->handle, &s) == NX_OK, "signals of %u", e);
        CHECK(((s & NX_CHANNEL_READABLE) != 0u) == (m.queued[e] > 0u),
              "endpoint %u: readable %u, the model queues %u", e, s, m.queued[e]);
    }
}

/* Objects task t holds (indices into m.item). */
static uint32_t held_by(uint32_t t, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < OBJECTS; i++)
        if (!m.item[i].in_queue && m.item[i].task == t)
            out[n++] = i;
    return n;
}

/* The endpoints among objects[0..n). */
static uint32_t endpoints_among(const uint32_t *objects, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (objects[i] < ENDPOINTS)
            out[k++] = objects[i];
    return k;
}

static uint32_t pick(nx_prng_t *rng, const uint32_t *from, uint32_t n)
{
    return from[nx_prng_below(rng, n)];
}

/* The endpoint whose queue holds object i (in flight). */
static uint32_t container_of(uint32_t i)
{
    for (uint32_t e = 0; e < ENDPOINTS; e++)
        for (uint32_t q = 0; q < m.queued[e]; q++)
            for (uint32_t k = 0; k < m.queue[e][q].n; k++)
                if (m.queue[e][q].objs[k] == i)
                    return e;
    fail_msg("seed %llu step %u: object %u is in no queue", (unsigned long long)m.seed, m.step, i);
    return 0;
}

/* Queueing endpoint ep at `to` would close a cycle: `to` is (through
 * queues) inside ep's queue. */
static bool would_cycle(uint32_t ep, uint32_t to)
{
    for (uint32_t v = to;; v = container_of(v)) {
        if (v == ep)
            return true;
        if (!m.item[v].in_queue)
            return false;
    }
}

static void step_write(nx_prng_t *rng, uint32_t t)
{
    uint32_t held[OBJECTS], eps[OBJECTS];
    uint32_t n = held_by(t, held), ne = endpoints_among(held, n, eps);
    if (ne == 0u)
        return;
    uint32_t via = pick(rng, eps, ne), to = peer_of(via);
    uint32_t count = (uint32_t)nx_prng_below(rng, MAX_SEND + 1u);
    uint32_t objs[MAX_SEND];
    nx_handle_t hs[MAX_SEND];
    /* The first offending handle decides, in the kernel's order: sent
     * through itself or its peer, an endpoint into an endpoint in flight,
     * named twice. */
    nx_status_t refusal = NX_OK;
    for (uint32_t k = 0; k < count; k++) {
        objs[k] = pick(rng, held, n); /* may repeat, may be via or its peer */
        hs[k] = m.item[objs[k]].handle;
        if (refusal != NX_OK)
            continue;
        if (objs[k] == via || objs[k] == to)
            refusal = NX_ERR_INVALID_ARGS;
        else if (objs[k] < ENDPOINTS && would_cycle(objs[k], to))
            refusal = NX_ERR_WOULD_CYCLE;
        for (uint32_t j = 0; j < k && refusal == NX_OK; j++)
            if (objs[j] == objs[k])
                refusal = NX_ERR_INVALID_ARGS;
    }
    bool refused = refusal != NX_OK;
    bool full = m.queued[to] >= QUEUE_CAP;
    if (full && !refused)
        return; /* keep the model's queue small; the kernel bound is tested elsewhere */
    nx_msg_t *msg = nx_msg_alloc();
    CHECK(msg != NULL, "no message buffer");
    msg->bytes = 0;
    msg->txid = 0;
    nx_status_t st = nx_channel_send(m.task[t], m.item[via].handle, msg, hs, count);
    if (refused) {
        CHECK(st == refusal, "a refused write returned %s, not %s", nx_status_name(st),
              nx_status_name(refusal));
        nx_msg_free(msg);
        return;
    }
    CHECK(st == NX_OK, "write: %s", nx_status_name(st));
    msg_model_t *q = &m.queue[to][m.queued[to]++];
    q->n = count;
    for (uint32_t k = 0; k < count; k++) {
        q->objs[k] = objs[k];
        m.item[objs[k]].in_queue = true;
    }
}

static void step_read(nx_prng_t *rng, uint32_t t)
{
    uint32_t held[OBJECTS], eps[OBJECTS];
    uint32_t ne = endpoints_among(held, held_by(t, held), eps);
    if (ne == 0u)
        return;
    uint32_t at = pick(rng, eps, ne);
    nx_msg_t *msg = NULL;
    nx_handle_t out[NX_CHANNEL_MAX_HANDLES];
    nx_msg_info_t info;
    nx_status_t st = nx_channel_take(m.task[t], m.item[at].handle, NX_CHANNEL_MAX_BYTES,
                                     NX_CHANNEL_MAX_HANDLES, &msg, out, &info);
    if (m.queued[at] == 0u) {
        CHECK(st == NX_ERR_SHOULD_WAIT, "an empty read returned %s", nx_status_name(st));
        return;
    }
    CHECK(st == NX_OK, "read: %s", nx_status_name(st));
    nx_msg_free(msg);
    msg_model_t q = m.queue[at][0];
    memmove(&m.queue[at][0], &m.queue[at][1], (m.queued[at] - 1u) * sizeof q);
    m.queued[at]--;
    CHECK(info.handles == q.n, "read %u handles, the model sent %u", info.handles, q.n);
    for (uint32_t k = 0; k < q.n; k++) {
        item_t *it = &m.item[q.objs[k]];
        it->in_queue = false;
        it->task = t;
        it->handle = out[k];
    }
}

static void step_give(nx_prng_t *rng, uint32_t t)
{
    uint32_t held[OBJECTS];
    uint32_t n = held_by(t, held);
    if (n == 0u)
        return;
    uint32_t i = pick(rng, held, n), to = (uint32_t)nx_prng_below(rng, TASKS);
    nx_handle_t moved;
    CHECK(nx_handle_transfer(m.task[t], &m.item[i].handle, 1, m.task[to], &moved) == NX_OK,
          "transfer");
    m.item[i].task = to;
    m.item[i].handle = moved;
}

static void set_up(void)
{
    memset(&m.queued, 0, sizeof m.queued);
    for (uint32_t t = 0; t < TASKS; t++)
        m.task[t] = nx_test_task_new();
    for (uint32_t i = 0; i < OBJECTS; i++) {
        item_t *it = &m.item[i];
        it->in_queue = false;
        it->task = i % TASKS;
        if (i < ENDPOINTS && i % 2u == 0u) {
            nx_handle_t a, b;
            ASSERT_ST(nx_channel_new(m.task[it->task], &a, &b), NX_OK);
            it->handle = a;
            m.item[i + 1u].handle = b;
            m.item[i + 1u].task = it->task;
        } else if (i >= ENDPOINTS && i % 2u == 0u) {
            ASSERT_ST(nx_sys_event_create(m.task[it->task], &it->handle), NX_OK);
        } else if (i >= ENDPOINTS) {
            /* VMOs travel like any handle (the zero-copy path). */
            ASSERT_ST(nx_sys_vmo_create(m.task[it->task], NX_PAGE_SIZE, &it->handle), NX_OK);
        }
    }
    for (uint32_t i = 0; i < OBJECTS; i++) {
        item_t *it = &m.item[i];
        it->task = i < ENDPOINTS ? m.item[i & ~1u].task : it->task;
        ASSERT_ST(nx_cap_get(m.task[it->task], it->handle, NX_OBJ_NONE, NX_RIGHT_NONE, 0, &it->obj),
                  NX_OK);
        nx_object_unref(it->obj); /* its capability keeps it alive */
        it->koid = it->obj->koid.v;
    }
}

static void every_capability_is_in_exactly_one_place(void **state)
{
    (void)state;
    for (m.seed = 1; m.seed <= SEEDS; m.seed++) {
        nx_prng_t rng;
        nx_prng_seed(&rng, m.seed);
        set_up();
        for (m.step = 0; m.step < STEPS; m.step++) {
            uint32_t t = (uint32_t)nx_prng_below(&rng, TASKS);
            switch (nx_prng_below(&rng, 5)) {
            case 0:
            case 1:
                step_write(&rng, t);
                break;
            case 2:
            case 3:
                step_read(&rng, t);
                break;
            default:
                step_give(&rng, t);
                break;
            }
            check_everything();
        }
        /* Ending the tasks closes every handle; queued messages go with
         * their endpoints, however nested. */
        for (uint32_t t = 0; t < TASKS; t++)
            nx_test_task_free(m.task[t]);
        nx_test_assert_pools_at_baseline();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_capability_is_in_exactly_one_place,
                                        nx_test_core_setup, nx_test_core_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
