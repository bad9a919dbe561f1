/* sysfilter: the system call filter from a program (docs/sysfilter.md),
 * on its own task (attaching needs no right there: it only tightens).
 *
 * deny: a profile denying kernel_stat (with a status of its choosing) and
 * allowing the rest; kernel_stat is refused, time_now, hart_id, a channel
 * still work. rate: a RATE rule on thread_yield (3 tokens, 1 per 20 ms):
 * three yields run, the fourth is RATE_LIMITED (unless the host stalled
 * past the interval), and a yield two intervals later runs. tighten: REPLACE (a loosening) is
 * refused, a stricter filter stacks on top and both hold, and the stack's bound refuses a fifth. */
#include "nexus/start.h"
#include "selftest.h"
#include "sysfilter_blob.h"

#define NAME "sysfilter"

/* Profiles are built here (no memset in a freestanding program: the
 * builder zeroes field by field); the blob goes on the stack, the
 * program's memory on both ports (a static is not, in the simulator). */
static nx_test_filter_t profile;

static nx_status_t attach(uint64_t flags)
{
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(&profile, blob);
    return nx_task_filter_attach(NX_START_SELF_TASK, blob, n, flags);
}

static int32_t deny(void)
{
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_KERNEL_STAT, NX_FILTER_DENY, NX_ERR_ACCESS_DENIED);
    nx_status_t st = attach(0);
    if (st != NX_OK)
        return verdict(NAME, "deny: attach", (uint64_t)-st);
    nx_syscall_ret_t r = nx_syscall(NX_SYS_KERNEL_STAT, NX_STAT_CONTEXT_SWITCHES, 0, 0, 0, 0, 0);
    if (r.status != NX_ERR_ACCESS_DENIED)
        return verdict(NAME, "deny: kernel_stat ran", (uint64_t)-r.status);
    if (nx_time_now() == 0u || nx_hart_id() >= NX_MAX_HARTS)
        return verdict(NAME, "deny: time_now or hart_id refused", 0);
    nx_channel_handle_t a, b;
    char ping[4] = { 'p', 'i', 'n', 'g' }, got[4];
    nx_msg_info_t info;
    if (nx_channel_create(&a, &b) != NX_OK || nx_channel_write(a, ping, 4, NULL, 0, 0) != NX_OK ||
        nx_channel_read(b, got, 4, NULL, 0, &info) != NX_OK || got[3] != 'g')
        return verdict(NAME, "deny: a channel refused", 0);
    (void)nx_handle_close(a);
    (void)nx_handle_close(b);
    (void)nx_debug_write("SELFTEST: sysfilter deny ok\n", 28);
    return 0;
}

static int32_t rate(void)
{
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    uint8_t bucket = nx_test_filter_bucket(&profile, 3, 1, 20 * MS);
    (void)nx_test_filter_rule(&profile, NX_SYS_THREAD_YIELD, NX_FILTER_RATE, bucket);
    nx_status_t st = attach(0);
    if (st != NX_OK)
        return verdict(NAME, "rate: attach", (uint64_t)-st);
    uint64_t start = nx_time_now();
    for (uint32_t i = 0; i < 3u; i++) {
        nx_syscall_ret_t r = nx_syscall(NX_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
        if (r.status != NX_OK)
            return verdict(NAME, "rate: a yield within the bucket refused", i);
    }
    nx_syscall_ret_t r = nx_syscall(NX_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
    /* Within one interval of the first token the fourth is refused; a host
     * stall past it (QEMU) would give a token back: then it may run. */
    if (r.status != NX_ERR_RATE_LIMITED && nx_time_now() - start < 20 * MS)
        return verdict(NAME, "rate: the fourth yield ran", (uint64_t)-r.status);
    /* Two intervals from now are two boundaries past the first token
     * (taken before now): a token, even if the fourth took the first. */
    (void)nx_sleep_until(nx_time_now() + 41 * MS, 0);
    r = nx_syscall(NX_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
    if (r.status != NX_OK)
        return verdict(NAME, "rate: no token after the interval", (uint64_t)-r.status);
    (void)nx_debug_write("SELFTEST: sysfilter rate ok\n", 28);
    return 0;
}

static int32_t tighten(void)
{
    /* Replacing the top filter would loosen: refused, whatever the blob. */
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    nx_status_t st = attach(NX_FILTER_ATTACH_REPLACE);
    if (st != NX_ERR_ACCESS_DENIED)
        return verdict(NAME, "tighten: REPLACE not refused", (uint64_t)-st);
    /* A stricter one on top: event_create denied too; both hold. */
    (void)nx_test_filter_rule(&profile, NX_SYS_EVENT_CREATE, NX_FILTER_DENY,
                              NX_ERR_DENIED_BY_FILTER);
    if ((st = attach(0)) != NX_OK)
        return verdict(NAME, "tighten: a stricter filter", (uint64_t)-st);
    nx_event_handle_t ev;
    if ((st = nx_event_create(&ev)) != NX_ERR_DENIED_BY_FILTER)
        return verdict(NAME, "tighten: event_create ran", (uint64_t)-st);
    nx_syscall_ret_t r = nx_syscall(NX_SYS_KERNEL_STAT, NX_STAT_CONTEXT_SWITCHES, 0, 0, 0, 0, 0);
    if (r.status != NX_ERR_ACCESS_DENIED)
        return verdict(NAME, "tighten: the first filter stopped holding", (uint64_t)-r.status);
    /* Three filters now; one more fits, then the stack is full. */
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    if ((st = attach(0)) != NX_OK)
        return verdict(NAME, "tighten: the fourth filter", (uint64_t)-st);
    if ((st = attach(0)) != NX_ERR_NO_RESOURCES)
        return verdict(NAME, "tighten: a fifth filter", (uint64_t)-st);
    (void)nx_debug_write("SELFTEST: sysfilter tighten ok\n", 31);
    return 0;
}

NX_PROGRAM(sysfilter)
{
    (void)arg;
    int32_t failed = deny();
    if (failed == 0)
        failed = rate();
    if (failed == 0)
        failed = tighten();
    nx_thread_exit(failed != 0 ? failed : verdict(NAME, 0, 0));
}
