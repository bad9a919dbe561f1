/*
 * test_syscall.c - every system call, called wrongly, from a real program.
 *
 * A program on the simulated machine calls each system call with each kind
 * of bad argument: out of range, one past a bound, bits above 32 in a
 * 32-bit argument, stale / forged / closed handles, wrong types, missing
 * rights, deadlines too far or already past, an exited thread, pointers
 * that are not the program's, buffers too small, closed peers. Each call
 * is written next to the status its documentation promises
 * (docs/abi/syscalls.md); the test checks each, and that the machine is
 * still sound afterwards
 * (the program goes on working, nothing leaked).
 */
#include "nx_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/start.h"
#include "nexus/syscall.h"
#include "nx/audit.h"
#include "nx/user.h"
#include "nxsim/program.h"

#define MS 1000000ull

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One call and the status its documentation promises, side by side. */
typedef struct probe {
    const char *what;
    nx_status_t want;
    nx_status_t got;
} probe_t;

/* What the program did, in order; every entry is checked after the run. */
static probe_t seen_probes[192];
static uint32_t probes;
static bool prober_finished; /* the program reached its last line */
static uint64_t values[8];

static void probe(const char *what, nx_status_t want, nx_status_t got)
{
    if (probes < COUNT(seen_probes))
        seen_probes[probes] = (probe_t){ what, want, got };
    probes++;
}

static nx_status_t raw(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return (nx_status_t)nx_syscall(nr, a0, a1, a2, a3, 0, 0).status;
}

static void naps(uintptr_t arg)
{
    nx_sleep_until(nx_time_now() + arg, 0);
}

static void quick(uintptr_t arg)
{
    (void)arg;
}

NX_SIM_PROGRAM(prober)
{
    (void)arg;
    const uint64_t high = 1ull << 32;
    const nx_handle_t forged = { 0x00ffff00u | 7u };
    uint64_t now;

    probe("nr 0 (none)", NX_ERR_NOT_SUPPORTED, raw(NX_SYS_NONE, 0, 0, 0, 0));
    probe("nr NX_SYS_COUNT", NX_ERR_NOT_SUPPORTED, raw(NX_SYS_COUNT, 0, 0, 0, 0));
    probe("nr 0xffffffff", NX_ERR_NOT_SUPPORTED, raw(0xffffffffu, 0, 0, 0, 0));
    nx_syscall_ret_t r = nx_syscall(NX_SYS_TIME_NOW, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull);
    probe("time_now with junk arguments", NX_OK, (nx_status_t)r.status);
    values[0] = r.value;
    r = nx_syscall(NX_SYS_HART_ID, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull);
    probe("hart_id with junk arguments", NX_OK, (nx_status_t)r.status);
    values[1] = r.value;

    /* thread_create: entry, arg, qos, affinity */
    uint64_t entry = (uint64_t)(uintptr_t)quick;
    probe("create: entry 0", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_CREATE, 0, 0, NX_QOS_NORMAL, 0x3u));
    probe("create: qos NX_QOS_COUNT", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_CREATE, entry, 0, NX_QOS_COUNT, 0x3u));
    probe("create: qos 2^64-1", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_CREATE, entry, 0, ~0ull, 0x3u));
    probe("create: qos above the creator's", NX_ERR_ACCESS_DENIED,
          raw(NX_SYS_THREAD_CREATE, entry, 0, NX_QOS_INTERACTIVE, 0x3u));
    nx_thread_handle_t q1 = NX_THREAD_HANDLE_INVALID, q2 = NX_THREAD_HANDLE_INVALID;
    probe("create: qos the creator's", NX_OK, nx_thread_create(quick, 0, NX_QOS_NORMAL, 0x3u, &q1));
    probe("create: affinity 0", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_CREATE, entry, 0, NX_QOS_NORMAL, 0));
    probe("create: affinity 1 << 32", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_CREATE, entry, 0, NX_QOS_NORMAL, high | 1u));
    probe("create: affinity only offline harts", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_CREATE, entry, 0, NX_QOS_NORMAL, 0x80u));
    probe("create: affinity every hart (offline ones ignored)", NX_OK,
          nx_thread_create(quick, 0, NX_QOS_NORMAL, NX_AFFINITY_ALL, &q2));

    /* sleep_until: deadline, slack */
    now = nx_time_now();
    probe("sleep: deadline past NX_MAX_WAIT_NS", NX_ERR_INVALID_ARGS,
          nx_sleep_until(now + NX_MAX_WAIT_NS + MS, 0));
    probe("sleep: deadline 2^64-1", NX_ERR_INVALID_ARGS, nx_sleep_until(UINT64_MAX, 0));
    probe("sleep: deadline in the past", NX_OK, nx_sleep_until(0, 0));
    probe("sleep: slack 2^64-1 (capped)", NX_OK, nx_sleep_until(nx_time_now() + MS, UINT64_MAX));
    probe("sleep: deadline at NX_MAX_WAIT_NS", NX_OK,
          nx_sleep_until(nx_time_now() + NX_MAX_WAIT_NS, 0));

    /* join: handle, deadline */
    nx_thread_handle_t napper = NX_THREAD_HANDLE_INVALID, weak = NX_THREAD_HANDLE_INVALID;
    nx_event_handle_t event = NX_EVENT_HANDLE_INVALID;
    /* The probes below that hand a call the wrong kind say so with the
     * conversions (nx_K_from_handle): the kernel must refuse the lie. */
    (void)nx_thread_create(naps, 50 * MS, NX_QOS_NORMAL, 0x3u, &napper);
    (void)nx_event_create(&event);
    (void)nx_handle_duplicate(napper, NX_RIGHT_READ, &weak);
    int32_t code;
    probe("join: handle 0", NX_ERR_BAD_HANDLE,
          nx_thread_join(NX_THREAD_HANDLE_INVALID, nx_time_now() + MS, &code));
    probe("join: forged handle", NX_ERR_BAD_HANDLE,
          nx_thread_join(nx_thread_from_handle(forged), nx_time_now() + MS, &code));
    probe("join: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_JOIN, high | nx_handle_of(napper).v, nx_time_now() + MS, 0, 0));
    nx_thread_handle_t gone = NX_THREAD_HANDLE_INVALID;
    (void)nx_handle_duplicate(napper, NX_RIGHTS_SAME, &gone);
    (void)nx_handle_close(gone);
    probe("join: closed handle", NX_ERR_BAD_HANDLE,
          nx_thread_join(gone, nx_time_now() + MS, &code));
    probe("join: an event", NX_ERR_WRONG_TYPE,
          nx_thread_join(nx_thread_from_handle(nx_handle_of(event)), nx_time_now() + MS, &code));
    probe("join: no WAIT right", NX_ERR_ACCESS_DENIED,
          nx_thread_join(weak, nx_time_now() + MS, &code));
    probe("join: itself", NX_ERR_INVALID_ARGS,
          nx_thread_join(NX_START_SELF_THREAD, nx_time_now() + MS, &code));
    probe("join: deadline past NX_MAX_WAIT_NS", NX_ERR_INVALID_ARGS,
          nx_thread_join(napper, nx_time_now() + NX_MAX_WAIT_NS + MS, &code));
    probe("join: deadline already past", NX_ERR_TIMED_OUT, nx_thread_join(napper, 0, &code));
    probe("join: an exited thread", NX_OK,
          nx_thread_join(q1, nx_time_now() + 10 * MS, &code)); /* long exited */

    /* set_qos: handle, qos, authority */
    probe("set_qos: qos NX_QOS_COUNT", NX_ERR_INVALID_ARGS,
          nx_thread_set_qos(napper, NX_QOS_COUNT, NX_TASK_HANDLE_INVALID));
    probe("set_qos: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_SET_QOS, high | nx_handle_of(napper).v, NX_QOS_IDLE, 0, 0));
    probe("set_qos: authority above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_SET_QOS, nx_handle_of(napper).v, NX_QOS_IDLE, high, 0));
    probe("set_qos: forged handle", NX_ERR_BAD_HANDLE,
          nx_thread_set_qos(nx_thread_from_handle(forged), NX_QOS_IDLE, NX_TASK_HANDLE_INVALID));
    probe("set_qos: an event", NX_ERR_WRONG_TYPE,
          nx_thread_set_qos(nx_thread_from_handle(nx_handle_of(event)), NX_QOS_IDLE,
                            NX_TASK_HANDLE_INVALID));
    probe("set_qos: no WRITE right", NX_ERR_ACCESS_DENIED,
          nx_thread_set_qos(weak, NX_QOS_IDLE, NX_TASK_HANDLE_INVALID));
    probe("set_qos: raise, forged authority", NX_ERR_BAD_HANDLE,
          nx_thread_set_qos(napper, NX_QOS_PERFBURST, nx_task_from_handle(forged)));
    probe("set_qos: an exited thread", NX_ERR_THREAD_EXITED,
          nx_thread_set_qos(q1, NX_QOS_IDLE, NX_TASK_HANDLE_INVALID));
    probe("set_qos: lower a live thread", NX_OK,
          nx_thread_set_qos(napper, NX_QOS_IDLE, NX_TASK_HANDLE_INVALID));

    /* set_affinity: handle, mask, authority */
    probe("set_affinity: mask 0", NX_ERR_INVALID_ARGS,
          nx_thread_set_affinity(napper, 0, NX_TASK_HANDLE_INVALID));
    probe("set_affinity: mask 1 << 32", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_SET_AFFINITY, nx_handle_of(napper).v, high | 1u, 0, 0));
    probe("set_affinity: only offline harts", NX_ERR_INVALID_ARGS,
          nx_thread_set_affinity(napper, 0x80u, NX_TASK_HANDLE_INVALID));
    probe("set_affinity: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_THREAD_SET_AFFINITY, high | nx_handle_of(napper).v, 1u, 0, 0));
    probe("set_affinity: an event", NX_ERR_WRONG_TYPE,
          nx_thread_set_affinity(nx_thread_from_handle(nx_handle_of(event)), 0x1u,
                                 NX_TASK_HANDLE_INVALID));
    probe("set_affinity: no WRITE right", NX_ERR_ACCESS_DENIED,
          nx_thread_set_affinity(weak, 0x1u, NX_TASK_HANDLE_INVALID));
    (void)nx_thread_set_affinity(napper, 0x1u, NX_TASK_HANDLE_INVALID);
    probe("set_affinity: widen, no authority", NX_ERR_ACCESS_DENIED,
          nx_thread_set_affinity(napper, 0x3u, NX_TASK_HANDLE_INVALID));
    probe("set_affinity: an exited thread", NX_ERR_THREAD_EXITED,
          nx_thread_set_affinity(q2, 0x1u, NX_TASK_HANDLE_INVALID));

    /* handle calls: high bits, a wrong type, a missing right */
    probe("duplicate: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_HANDLE_DUPLICATE, high | nx_handle_of(event).v, NX_RIGHTS_SAME, 0, 0));
    probe("duplicate: rights above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_HANDLE_DUPLICATE, nx_handle_of(event).v, high | NX_RIGHT_WAIT, 0, 0));
    probe("duplicate: forged", NX_ERR_BAD_HANDLE,
          raw(NX_SYS_HANDLE_DUPLICATE, forged.v, NX_RIGHTS_SAME, 0, 0));
    probe("replace: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_HANDLE_REPLACE, high | nx_handle_of(event).v, NX_RIGHTS_SAME, 0, 0));
    probe("replace: rights above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_HANDLE_REPLACE, nx_handle_of(event).v, high | NX_RIGHT_WAIT, 0, 0));
    probe("close: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_HANDLE_CLOSE, high | nx_handle_of(event).v, 0, 0, 0));
    probe("close: handle 0", NX_ERR_BAD_HANDLE, nx_handle_close(NX_HANDLE_INVALID));
    probe("revoke: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_HANDLE_REVOKE, high | nx_handle_of(event).v, 0, 0, 0));
    probe("revoke: a thread without MANAGE", NX_ERR_ACCESS_DENIED, nx_handle_revoke(weak, NULL));
    nx_event_handle_t e2 = NX_EVENT_HANDLE_INVALID;
    probe("event_create", NX_OK, nx_event_create(&e2));
    probe("signal: clear above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_OBJECT_SIGNAL, nx_handle_of(event).v, high, 0, 0));
    probe("signal: set above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_OBJECT_SIGNAL, nx_handle_of(event).v, 0, high, 0));
    probe("signal: a thread", NX_ERR_WRONG_TYPE,
          nx_object_signal(nx_event_from_handle(nx_handle_of(napper)), 0, 0x01000000u));

    /* kernel_stat: counter, hart */
    uint64_t stat = 0;
    probe("kernel_stat: hart above 32 bits, online mask", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_KERNEL_STAT, NX_STAT_HARTS_ONLINE, high, 0, 0));
    probe("kernel_stat: hart above 32 bits, steals", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_KERNEL_STAT, NX_STAT_STEALS, high, 0, 0));
    probe("kernel_stat: an unknown counter", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_KERNEL_STAT, NX_STAT_COUNT, 0, 0, 0));
    probe("kernel_stat: a hart not online", NX_ERR_INVALID_ARGS,
          nx_kernel_stat(NX_STAT_STEALS, 2, &stat));
    probe("kernel_stat: steals on hart 1", NX_OK, nx_kernel_stat(NX_STAT_STEALS, 1, &stat));

    /* channels: write(h, bytes, n, handles, nh, txid), read(h, bytes, cap, handles, cap, info) */
    nx_channel_handle_t ca = NX_CHANNEL_HANDLE_INVALID, cb = NX_CHANNEL_HANDLE_INVALID;
    probe("channel_create", NX_OK, nx_channel_create(&ca, &cb));
    nx_channel_handle_t ca_signal =
        NX_CHANNEL_HANDLE_INVALID; /* an endpoint has no user signals, nor the right */
    probe("replace: a channel, asking for SIGNAL", NX_ERR_INVALID_ARGS,
          nx_handle_replace(ca, NX_RIGHT_SIGNAL, &ca_signal));
    probe("signal: a channel", NX_ERR_WRONG_TYPE,
          nx_object_signal(nx_event_from_handle(nx_handle_of(ca)), 0, 0x01000000u));
    unsigned char buf[NX_CHANNEL_MAX_BYTES + 8u] = { 0 };
    uint64_t b = (uint64_t)(uintptr_t)buf;
    nx_handle_t pair_of[2] = { nx_handle_of(e2), nx_handle_of(e2) };
    nx_msg_info_t info;
    uint64_t at_info = (uint64_t)(uintptr_t)&info;
    probe("write: handle above 32 bits", NX_ERR_INVALID_ARGS,
          (nx_status_t)nx_syscall(NX_SYS_CHANNEL_WRITE, high | nx_handle_of(ca).v, b, 1, 0, 0, 0)
              .status);
    probe("write: bytes one past the bound", NX_ERR_OUT_OF_RANGE,
          nx_channel_write(ca, buf, NX_CHANNEL_MAX_BYTES + 1u, 0, 0, 0));
    probe("write: handles one past the bound", NX_ERR_OUT_OF_RANGE,
          nx_channel_write(ca, buf, 1, pair_of, NX_CHANNEL_MAX_HANDLES + 1u, 0));
    probe("write: bytes 2^64-1", NX_ERR_OUT_OF_RANGE,
          (nx_status_t)nx_syscall(NX_SYS_CHANNEL_WRITE, nx_handle_of(ca).v, b, ~0ull, 0, 0, 0)
              .status);
    probe("write: bytes at a null pointer", NX_ERR_BAD_ADDRESS,
          nx_channel_write(ca, NULL, 8, 0, 0, 0));
    probe("write: handles at a null pointer", NX_ERR_BAD_ADDRESS,
          nx_channel_write(ca, buf, 1, NULL, 1, 0));
    probe("write: bytes wrapping the address space", NX_ERR_BAD_ADDRESS,
          (nx_status_t)nx_syscall(NX_SYS_CHANNEL_WRITE, nx_handle_of(ca).v, ~0ull - 3u, 8, 0, 0, 0)
              .status);
    probe("write: an event", NX_ERR_WRONG_TYPE,
          nx_channel_write(nx_channel_from_handle(nx_handle_of(e2)), buf, 1, 0, 0, 0));
    probe("write: a handle twice", NX_ERR_INVALID_ARGS,
          nx_channel_write(ca, buf, 1, pair_of, 2, 0));
    nx_handle_t itself = nx_handle_of(ca);
    probe("write: the endpoint itself", NX_ERR_INVALID_ARGS,
          nx_channel_write(ca, buf, 1, &itself, 1, 0));
    probe("write: bytes at the bound", NX_OK,
          nx_channel_write(ca, buf, NX_CHANNEL_MAX_BYTES, 0, 0, 0));
    probe("read: handle above 32 bits", NX_ERR_INVALID_ARGS,
          (nx_status_t)nx_syscall(NX_SYS_CHANNEL_READ, high | nx_handle_of(cb).v, b, sizeof buf, 0,
                                  0, at_info)
              .status);
    probe("read: a small buffer", NX_ERR_BUFFER_TOO_SMALL,
          nx_channel_read(cb, buf, 16, 0, 0, &info));
    values[2] = info.bytes;
    probe("read: info at a null pointer", NX_ERR_BAD_ADDRESS,
          nx_channel_read(cb, buf, sizeof buf, 0, 0, NULL));
    (void)nx_channel_write(ca, buf, 4, 0, 0, 7); /* something to read */
    probe("read: caps 2^64-1 (never truncated)", NX_ERR_INVALID_ARGS,
          (nx_status_t)nx_syscall(NX_SYS_CHANNEL_READ, nx_handle_of(cb).v, b, ~0ull, 0, ~0ull,
                                  at_info)
              .status);
    nx_handle_t room[NX_CHANNEL_MAX_HANDLES];
    probe("read: caps 2^32-1, the bounds (the message a bad info left)", NX_OK,
          (nx_status_t)nx_syscall(NX_SYS_CHANNEL_READ, nx_handle_of(cb).v, b, UINT32_MAX,
                                  (uint64_t)(uintptr_t)room, UINT32_MAX, at_info)
              .status);
    probe("read: the next message", NX_OK, nx_channel_read(cb, buf, sizeof buf, 0, 0, &info));
    probe("read: empty", NX_ERR_SHOULD_WAIT, nx_channel_read(cb, buf, sizeof buf, 0, 0, &info));
    probe("read: a thread", NX_ERR_WRONG_TYPE,
          nx_channel_read(nx_channel_from_handle(nx_handle_of(napper)), buf, sizeof buf, 0, 0,
                          &info));

    /* waits: wait_one(h, signals, deadline), wait_many(items, n, deadline) */
    uint32_t seen = 0;
    probe("wait_one: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_OBJECT_WAIT_ONE, high | nx_handle_of(ca).v, NX_CHANNEL_READABLE, 0, 0));
    probe("wait_one: signals above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_OBJECT_WAIT_ONE, nx_handle_of(ca).v, high | NX_CHANNEL_READABLE, 0, 0));
    probe("wait_one: no signals", NX_ERR_INVALID_ARGS, nx_object_wait_one(ca, 0, 0, &seen));
    probe("wait_one: deadline past NX_MAX_WAIT_NS", NX_ERR_INVALID_ARGS,
          nx_object_wait_one(ca, NX_CHANNEL_READABLE, nx_time_now() + NX_MAX_WAIT_NS + MS, &seen));
    probe("wait_one: deadline 2^64-1", NX_ERR_INVALID_ARGS,
          nx_object_wait_one(ca, NX_CHANNEL_READABLE, UINT64_MAX, &seen));
    probe("wait_one: a thread", NX_ERR_NOT_SUPPORTED, nx_object_wait_one(napper, 1, 0, &seen));
    nx_event_handle_t mute = NX_EVENT_HANDLE_INVALID;
    (void)nx_handle_duplicate(e2, NX_RIGHT_SIGNAL, &mute);
    probe("wait_one: no WAIT right", NX_ERR_ACCESS_DENIED,
          nx_object_wait_one(mute, 0x01000000u, 0, &seen));
    probe("wait_one: forged", NX_ERR_BAD_HANDLE, nx_object_wait_one(forged, 1, 0, &seen));
    probe("wait_one: poll, nothing there", NX_ERR_TIMED_OUT,
          nx_object_wait_one(ca, NX_CHANNEL_READABLE, 0, &seen));
    values[3] = seen;
    probe("wait_one: poll, writable", NX_OK, nx_object_wait_one(ca, NX_CHANNEL_WRITABLE, 0, &seen));
    nx_wait_item_t items[NX_WAIT_MANY_MAX + 1u];
    uint64_t at_items = (uint64_t)(uintptr_t)items;
    probe("wait_many: count 0", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_OBJECT_WAIT_MANY, at_items, 0, 0, 0));
    probe("wait_many: count one past the bound", NX_ERR_OUT_OF_RANGE,
          raw(NX_SYS_OBJECT_WAIT_MANY, at_items, NX_WAIT_MANY_MAX + 1u, 0, 0));
    probe("wait_many: count 2^64-1", NX_ERR_OUT_OF_RANGE,
          raw(NX_SYS_OBJECT_WAIT_MANY, at_items, ~0ull, 0, 0));
    probe("wait_many: items at a null pointer", NX_ERR_BAD_ADDRESS,
          raw(NX_SYS_OBJECT_WAIT_MANY, 0, 1, 0, 0));

    /* calls: call(h, args, deadline, info) */
    nx_channel_call_args_t args = { b, 0, b, 0, 4, 0, 4, 0 };
    uint64_t at_args = (uint64_t)(uintptr_t)&args;
    now = nx_time_now();
    probe("call: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_CHANNEL_CALL, high | nx_handle_of(ca).v, at_args, now + MS, at_info));
    probe("call: args at a null pointer", NX_ERR_BAD_ADDRESS,
          raw(NX_SYS_CHANNEL_CALL, nx_handle_of(ca).v, 0, now + MS, at_info));
    args.wr_num_bytes = NX_CHANNEL_MAX_BYTES + 1u;
    probe("call: request bytes one past the bound", NX_ERR_OUT_OF_RANGE,
          raw(NX_SYS_CHANNEL_CALL, nx_handle_of(ca).v, at_args, now + MS, at_info));
    args.wr_num_bytes = 4;
    probe(
        "call: deadline past NX_MAX_WAIT_NS", NX_ERR_INVALID_ARGS,
        raw(NX_SYS_CHANNEL_CALL, nx_handle_of(ca).v, at_args, now + NX_MAX_WAIT_NS + MS, at_info));
    probe("call: deadline already past", NX_ERR_TIMED_OUT,
          raw(NX_SYS_CHANNEL_CALL, nx_handle_of(ca).v, at_args, 0, at_info));
    probe("call: an event", NX_ERR_WRONG_TYPE,
          raw(NX_SYS_CHANNEL_CALL, nx_handle_of(e2).v, at_args, now + MS, at_info));
    (void)nx_handle_close(cb);
    probe("call: peer closed", NX_ERR_PEER_CLOSED,
          raw(NX_SYS_CHANNEL_CALL, nx_handle_of(ca).v, at_args, now + MS, at_info));
    (void)nx_handle_close(ca);
    (void)nx_handle_close(mute);

    /* VMOs */
    nx_vmo_handle_t vmo = NX_VMO_HANDLE_INVALID;
    probe("vmo_create: size 0", NX_ERR_INVALID_ARGS, raw(NX_SYS_VMO_CREATE, 0, 0, 0, 0));
    probe("vmo_create: size one past the bound", NX_ERR_OUT_OF_RANGE,
          raw(NX_SYS_VMO_CREATE, NX_VMO_MAX_BYTES + 1u, 0, 0, 0));
    probe("vmo_create: size 2^64-1", NX_ERR_OUT_OF_RANGE, raw(NX_SYS_VMO_CREATE, ~0ull, 0, 0, 0));
    probe("vmo_create: one page", NX_OK, nx_vmo_create(1, &vmo));
    probe("wait_one: a VMO (no signals, whatever the rights)", NX_ERR_NOT_SUPPORTED,
          nx_object_wait_one(vmo, 1, 0, &seen));
    char page_bytes[16] = "vmo bytes";
    uint64_t at_bytes = (uint64_t)(uintptr_t)page_bytes;
    probe("vmo_read: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_VMO_READ, high | nx_handle_of(vmo).v, 0, at_bytes, 4));
    probe("vmo_read: into a null pointer", NX_ERR_BAD_ADDRESS,
          raw(NX_SYS_VMO_READ, nx_handle_of(vmo).v, 0, 0, 4));
    static char kernel_memory[8]; /* a host static: not the program's memory */
    probe("vmo_read: into kernel memory", NX_ERR_BAD_ADDRESS,
          nx_vmo_read(vmo, 0, kernel_memory, 4));
    probe("vmo_write: offset + length wraps", NX_ERR_OUT_OF_RANGE,
          raw(NX_SYS_VMO_WRITE, nx_handle_of(vmo).v, ~0ull, at_bytes, 2));
    probe("vmo_write: from the stack", NX_OK,
          nx_vmo_write(vmo, 100, page_bytes, sizeof page_bytes));
    char back[16] = { 0 };
    probe("vmo_read: back onto the stack", NX_OK, nx_vmo_read(vmo, 100, back, sizeof back));
    values[4] = back[0] == 'v' && back[8] == 's';
    uint64_t vsize = 0;
    probe("vmo_get_size: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_VMO_GET_SIZE, high | nx_handle_of(vmo).v, 0, 0, 0));
    probe("vmo_get_size: an event", NX_ERR_WRONG_TYPE,
          nx_vmo_get_size(nx_vmo_from_handle(nx_handle_of(e2)), &vsize));
    probe("vmo_create_slice: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_VMO_CREATE_SLICE, high | nx_handle_of(vmo).v, 0, 4096, 0));
    nx_vmo_handle_t slice;
    probe("vmo_create_slice: unaligned offset", NX_ERR_INVALID_ARGS,
          nx_vmo_create_slice(vmo, 1, 4096, &slice));
    probe("vmo_seal: handle above 32 bits", NX_ERR_INVALID_ARGS,
          raw(NX_SYS_VMO_SEAL, high | nx_handle_of(vmo).v, 0, 0, 0));
    const uint64_t map_at = 0x1040000000ull;
    probe("vmo_map: handle above 32 bits", NX_ERR_INVALID_ARGS,
          (nx_status_t)nx_syscall(NX_SYS_VMO_MAP, high | nx_handle_of(vmo).v, 0, map_at, 4096,
                                  NX_VM_READ, 0)
              .status);
    probe("vmo_map: prot above 32 bits", NX_ERR_INVALID_ARGS,
          (nx_status_t)nx_syscall(NX_SYS_VMO_MAP, nx_handle_of(vmo).v, 0, map_at, 4096,
                                  high | NX_VM_READ, 0)
              .status);
    probe("vmo_map: a kernel address", NX_ERR_OUT_OF_RANGE,
          nx_vmo_map(vmo, 0, 0x80200000u, 4096, NX_VM_READ));
    probe("vmo_map: W+X", NX_ERR_INVALID_ARGS,
          nx_vmo_map(vmo, 0, map_at, 4096, NX_VM_WRITE | NX_VM_EXEC));
    probe("vmo_unmap: nothing there", NX_ERR_NOT_FOUND, nx_vmo_unmap(map_at, 4096));
    uintptr_t map_base, map_limit;
    nx_user_map_range(&map_base, &map_limit);
    probe("vmo_map: a stack slot no thread uses yet", NX_ERR_OUT_OF_RANGE,
          nx_vmo_map(vmo, 0, nx_user_stack_base(NX_USER_STACK_SLOTS / 2u), 4096, NX_VM_READ));
    probe("vmo_map: the guard page below the stack area", NX_ERR_OUT_OF_RANGE,
          nx_vmo_map(vmo, 0, map_limit, 4096, NX_VM_READ));
    probe("vmo_map: the last page below the stack area", NX_OK,
          nx_vmo_map(vmo, 0, map_limit - 4096u, 4096, NX_VM_READ));
    probe("vmo_unmap: it", NX_OK, nx_vmo_unmap(map_limit - 4096u, 4096));
    nx_thread_handle_t q3 = NX_THREAD_HANDLE_INVALID;
    probe("create: a thread after maps near the stacks", NX_OK,
          nx_thread_create(quick, 0, NX_QOS_NORMAL, 0x3u, &q3));
    (void)nx_handle_close(q3);
    probe("vmo_unmap: unaligned", NX_ERR_INVALID_ARGS, nx_vmo_unmap(map_at + 8u, 4096));
    probe("vmo_seal", NX_OK, nx_vmo_seal(vmo));
    probe("vmo_write: sealed", NX_ERR_SEALED, nx_vmo_write(vmo, 0, page_bytes, 4));
    (void)nx_handle_close(vmo);

    nx_yield();
    probe("the program still works: yield", NX_OK, NX_OK);

    /* Leave nothing behind: the machine fixture checks every pool. */
    (void)nx_thread_join(napper, nx_time_now() + 100 * MS, &code);
    nx_handle_t all[] = { nx_handle_of(q1),    nx_handle_of(q2),   nx_handle_of(napper),
                          nx_handle_of(event), nx_handle_of(weak), nx_handle_of(e2) };
    for (size_t i = 0; i < COUNT(all); i++)
        (void)nx_handle_close(all[i]);
    prober_finished = true;
}

/* The program ends with its last status: the fixture needs init's pass. */
static void every_bad_argument_gets_its_documented_status(void **state)
{
    (void)state;
    probes = 0;
    prober_finished = false;
    nx_sim_config_t cfg = nx_test_machine_config(2, 11);
    cfg.time_limit_ns = 2 * NX_MAX_WAIT_NS; /* one sleep lasts NX_MAX_WAIT_NS */
    assert_int_equal(nx_sim_add_program(&cfg, "prober", 0, NX_QOS_NORMAL, 0x3u), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_true(prober_finished);
    assert_true(probes <= COUNT(seen_probes));
    uint32_t wrong = 0;
    for (uint32_t i = 0; i < probes; i++) {
        const probe_t *p = &seen_probes[i];
        if (p->got != p->want) {
            printf("  %-52s got %s, documented %s\n", p->what, nx_status_name(p->got),
                   nx_status_name(p->want));
            wrong++;
        }
    }
    assert_int_equal(wrong, 0);
    assert_true(values[0] > 0u);
    assert_true(values[1] < 2u);
    assert_int_equal(values[2], NX_CHANNEL_MAX_BYTES); /* the size a small buffer learns */
    assert_int_equal(values[3], NX_CHANNEL_WRITABLE);  /* what a timed-out poll saw */
    assert_int_equal(values[4], 1);                    /* the VMO's bytes came back */
}

/* Unknown numbers are audited (op syscall, reason unknown-syscall). */
static void unknown_numbers_are_audited(void **state)
{
    (void)state;
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(out, NX_AUDIT_CAPACITY);
    uint32_t unknown = 0;
    for (uint32_t i = 0; i < n; i++)
        unknown += out[i].op == NX_AUDIT_OP_SYSCALL && out[i].reason == NX_AUDIT_UNKNOWN_SYSCALL;
    assert_int_equal(unknown, 3);
}

/* A program's exit code reaches init, which fails the machine with it. */
NX_SIM_PROGRAM(fails)
{
    nx_thread_exit((int32_t)arg);
}

static void exit_codes_reach_init(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 12);
    assert_int_equal(
        nx_sim_add_program(&cfg, "fails", (uintptr_t)(uint32_t)INT32_MIN, NX_QOS_NORMAL, 0), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    assert_int_equal(r->stop, NX_SIM_STOP_SHUTDOWN);
    assert_int_equal(r->exit_code, NX_EXIT_FAIL);
    assert_true(nx_test_has_line(r->console, "init: fails exited with -2147483648 (expected 0)"));
}

/* Configurations the machine refuses: unknown programs, too many. */
static void bad_program_lists_are_refused(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 13);
    assert_int_equal(nx_sim_add_program(&cfg, "no-such-program", 0, NX_QOS_NORMAL, 0),
                     NX_ERR_NOT_FOUND);
    for (uint32_t i = 0; i < NX_MAX_BOOT_PROGRAMS; i++)
        assert_int_equal(nx_sim_add_program(&cfg, "fails", 0, NX_QOS_NORMAL, 0), NX_OK);
    assert_int_equal(nx_sim_add_program(&cfg, "fails", 0, NX_QOS_NORMAL, 0), NX_ERR_NO_RESOURCES);
    nx_sim_result_t *r = calloc(1, sizeof *r);
    cfg.programs[3].name = "renamed-away";
    assert_int_equal(nx_sim_run(&cfg, r), NX_ERR_INVALID_ARGS);
    cfg.programs[3].name = "fails";
    cfg.program_count = NX_MAX_BOOT_PROGRAMS + 1u;
    assert_int_equal(nx_sim_run(&cfg, r), NX_ERR_INVALID_ARGS);
    free(r);
}

/* --- pointers: the debug write -------------------------------------------------- */

static const char not_on_the_stack[] = "a host static: kernel memory to the simulator";
static nx_status_t writes[6];

NX_SIM_PROGRAM(writer)
{
    (void)arg;
    char line[NX_DEBUG_WRITE_MAX + 1];
    memset(line, 'x', sizeof line);
    writes[0] = nx_print("writer: hello from user mode\n");
    writes[1] = nx_debug_write(not_on_the_stack, 8);
    writes[2] = nx_debug_write(line, NX_DEBUG_WRITE_MAX + 1u); /* one past the bound */
    writes[3] = nx_debug_write((const void *)(UINTPTR_MAX - 3u), 8);
    writes[4] = nx_debug_write(NULL, 0);
    line[NX_DEBUG_WRITE_MAX - 1u] = '\n';
    writes[5] = nx_debug_write(line, NX_DEBUG_WRITE_MAX); /* at the bound */
}

/* A pointer that is not the program's memory gets a status (and an audit
 * record), never a kernel fault; the bound holds at and one past it. */
static void debug_write_checks_its_pointer(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 15);
    assert_int_equal(nx_sim_add_program(&cfg, "writer", 0, NX_QOS_NORMAL, 0), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(writes[0], NX_OK);
    assert_true(nx_test_has_line(r->console, "writer: hello from user mode"));
    assert_int_equal(writes[1], NX_ERR_BAD_ADDRESS);
    assert_int_equal(writes[2], NX_ERR_INVALID_ARGS);
    assert_int_equal(writes[3], NX_ERR_BAD_ADDRESS);
    assert_int_equal(writes[4], NX_OK);
    assert_int_equal(writes[5], NX_OK);
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(out, NX_AUDIT_CAPACITY), bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad += out[i].op == NX_AUDIT_OP_SYSCALL && out[i].reason == NX_AUDIT_BAD_ADDRESS;
    assert_int_equal(bad, 2);
}

/* --- decode before allocate ------------------------------------------------------- */

/* What a write with a forged handle got once the message pool was empty,
 * and whether the pool really was empty then. */
static nx_status_t forged_write_status, pool_empty_status;

NX_SIM_PROGRAM(pool_drainer)
{
    (void)arg;
    enum { PAIRS = NX_MAX_MESSAGES / NX_CHANNEL_MAX_MSGS + 1u };
    nx_channel_handle_t a[PAIRS], b[PAIRS];
    uint32_t made = 0;
    const char byte[1] = { 'x' }; /* on the program's stack: its own memory */
    pool_empty_status = NX_OK;
    for (; made < PAIRS && pool_empty_status == NX_OK; made++) {
        if (nx_channel_create(&a[made], &b[made]) != NX_OK)
            nx_thread_exit(1);
        for (uint32_t m = 0; m < NX_CHANNEL_MAX_MSGS && pool_empty_status == NX_OK; m++)
            pool_empty_status = nx_channel_write(a[made], byte, 1, NULL, 0, 0);
    }
    const nx_handle_t forged = { 0x00ffff00u | 3u };
    forged_write_status = nx_channel_write(nx_channel_from_handle(forged), byte, 1, NULL, 0, 0);
    for (uint32_t i = 0; i < made; i++) {
        (void)nx_handle_close(a[i]);
        (void)nx_handle_close(b[i]);
    }
}

/* The handle is decoded before a message is allocated: a forged handle is
 * BAD_HANDLE even when no message could be allocated. */
static void a_forged_write_is_bad_handle_with_the_pool_empty(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 17);
    assert_int_equal(nx_sim_add_program(&cfg, "pool_drainer", 0, NX_QOS_NORMAL, 0), NX_OK);
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    assert_int_equal(pool_empty_status, NX_ERR_NO_RESOURCES);
    assert_int_equal(forged_write_status, NX_ERR_BAD_HANDLE);
}

/* --- faults ----------------------------------------------------------------------- */

static int sibling_came_back;

static void sibling(uintptr_t arg)
{
    (void)arg;
    nx_sleep_until(nx_time_now() + 50000000, 0);
    sibling_came_back = 1; /* never: its task ended while it slept */
}

NX_SIM_PROGRAM(faulter)
{
    (void)arg;
    nx_thread_handle_t h;
    if (nx_thread_create(sibling, 0, NX_QOS_NORMAL, NX_AFFINITY_ALL, &h) != NX_OK)
        nx_thread_exit(1);
    nx_sleep_until(nx_time_now() + 1000000, 0);
    nx_sim_user_fault(NX_USER_FAULT_PAGE, 0xdead0);
}

NX_SIM_PROGRAM(bystander)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        nx_compute(500000);
}

/* A faulting program's task ends: an audit record, a console line, the
 * fault's exit code for init, its other thread gone before it runs user
 * code again; the other program finishes normally. */
static uint32_t killed_exits;
static uint64_t killed_at;

static void count_killed(const nx_trace_event_t *ev, void *ctx)
{
    (void)ctx;
    if (ev->kind == NX_TRACE_THREAD_EXIT && (int64_t)ev->b == NX_EXIT_CODE_KILLED) {
        killed_exits++;
        killed_at = ev->time_ns;
    }
}

static void a_fault_ends_the_task_only(void **state)
{
    (void)state;
    sibling_came_back = 0;
    killed_exits = 0;
    nx_sim_config_t cfg = nx_test_machine_config(2, 16);
    cfg.observer = count_killed;
    assert_int_equal(nx_sim_add_program(&cfg, "faulter", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].expect_exit = NX_EXIT_CODE_FAULT(NX_USER_FAULT_PAGE);
    assert_int_equal(nx_sim_add_program(&cfg, "bystander", 0, NX_QOS_NORMAL, 0), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_non_null(strstr(r->console, "killed: page fault at 0xdead0"));
    assert_true(nx_test_has_line(r->console, "init: faulter exited with -257"));
    assert_true(nx_test_has_line(r->console, "init: bystander exited with 0"));
    assert_int_equal(sibling_came_back, 0);
    /* The sibling, asleep for 50 ms (longer than the whole run), was woken
     * by the kill and ended (killed) before the machine stopped. */
    assert_int_equal(killed_exits, 1);
    assert_true(killed_at < r->end_time_ns);
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(out, NX_AUDIT_CAPACITY), faults = 0;
    for (uint32_t i = 0; i < n; i++)
        faults += out[i].op == NX_AUDIT_OP_FAULT && out[i].reason == NX_AUDIT_USER_FAULT;
    assert_int_equal(faults, 1);
}

/* A program that does not exit with the code it was expected to fails the
 * machine, and init says which. */
static void an_unexpected_exit_code_fails(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 17);
    assert_int_equal(nx_sim_add_program(&cfg, "bystander", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].expect_exit = 5;
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    assert_int_equal(r->exit_code, NX_EXIT_FAIL);
    assert_true(nx_test_has_line(r->console, "init: bystander exited with 0 (expected 5)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_bad_argument_gets_its_documented_status),
        cmocka_unit_test(unknown_numbers_are_audited),
        cmocka_unit_test(exit_codes_reach_init),
        cmocka_unit_test(bad_program_lists_are_refused),
        cmocka_unit_test(debug_write_checks_its_pointer),
        cmocka_unit_test(a_forged_write_is_bad_handle_with_the_pool_empty),
        cmocka_unit_test(a_fault_ends_the_task_only),
        cmocka_unit_test(an_unexpected_exit_code_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
