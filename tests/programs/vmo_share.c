/* vmo_share: the zero-copy path between two tasks. This program creates a
 * VMO, maps it writable, writes a request into it and sends a handle over
 * the channel init gave it and its peer (vmo_peer); the peer maps it and
 * answers in the same memory; the answer is seen here through the mapping
 * with no copy. A helper thread keeps the space busy on another hart while
 * the mapping goes, so on RISC-V the unmap shoots down a TLB that holds it;
 * afterwards the handle still reads the peer's answer (the VMO outlives
 * the mapping), and the address is no longer mapped (vmo_unmap again is
 * NX_ERR_NOT_FOUND). */
#include "nexus/start.h"
#include "selftest.h"

#define NAME "vmo_share"
#define PAGE NX_VMO_PAGE_SIZE

static const char request[] = "request: answer at 4096";
static const char answer[] = "answer from vmo_peer";
static volatile uint32_t spin_stop, spinning;

/* Touch the space from another hart until told to stop. */
static void spinner(uintptr_t arg)
{
    (void)arg;
    spinning = 1;
    while (spin_stop == 0u)
        nx_compute(10 * US);
}

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static int32_t run(void)
{
    nx_channel_handle_t ch = NX_START_PEER_CHANNEL;
    nx_vmo_handle_t vmo, dup;
    uintptr_t at = NX_TEST_MAP_BASE;
    nx_status_t st;
    spin_stop = spinning = 0;
    if ((st = nx_vmo_create(2u * PAGE, &vmo)) != NX_OK)
        return fail("create", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, at, 2u * PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map", (uint64_t)-st);
    user_store(at, request, sizeof request);
    if ((st = nx_handle_duplicate(vmo, NX_RIGHTS_SAME, &dup)) != NX_OK)
        return fail("duplicate", (uint64_t)-st);
    char note[8] = "vmo"; /* on the stack: memory every port counts as the program's */
    nx_handle_t sent = nx_vmo_to_handle(dup);
    if ((st = nx_channel_write(ch, note, 3, &sent, 1, 0)) != NX_OK)
        return fail("send", (uint64_t)-st);
    /* Sent: the duplicate is no longer ours. */
    uint64_t size = 0;
    if (nx_vmo_get_size(dup, &size) != NX_ERR_BAD_HANDLE)
        return fail("the sent handle still works here", size);
    uint32_t seen = 0;
    if ((st = nx_object_wait_one(ch, NX_CHANNEL_READABLE, nx_time_now() + 5000 * MS, &seen)) !=
        NX_OK)
        return fail("no reply", (uint64_t)-st);
    nx_msg_info_t info;
    if ((st = nx_channel_read(ch, note, sizeof note, NULL, 0, &info)) != NX_OK)
        return fail("read reply", (uint64_t)-st);
    char got[sizeof answer];
    user_load(got, at + PAGE, sizeof got);
    for (uint32_t i = 0; i < sizeof answer; i++)
        if (got[i] != answer[i])
            return fail("the peer's answer is not in the shared memory", i);

    /* The mapping goes while another thread of this task runs elsewhere. */
    nx_thread_handle_t t;
    uint64_t online = 0;
    (void)nx_kernel_stat(NX_STAT_HARTS_ONLINE, 0, &online);
    uint32_t elsewhere = (uint32_t)online & ~(1u << nx_hart_id());
    if ((st = nx_thread_create(spinner, 0, NX_QOS_NORMAL,
                               elsewhere != 0u ? elsewhere : NX_AFFINITY_ALL, &t)) != NX_OK)
        return fail("thread", (uint64_t)-st);
    for (uint32_t i = 0; i < 1000u && spinning == 0u; i++)
        (void)nx_sleep_until(nx_time_now() + 100 * US, 0);
    if ((st = nx_vmo_unmap(at, 2u * PAGE)) != NX_OK)
        return fail("unmap", (uint64_t)-st);
    spin_stop = 1;
    int32_t code = 0;
    if ((st = nx_thread_join(t, nx_time_now() + 5000 * MS, &code)) != NX_OK)
        return fail("join", (uint64_t)-st);
    if (nx_vmo_unmap(at, 2u * PAGE) != NX_ERR_NOT_FOUND)
        return fail("unmapped twice", 0);
    if ((st = nx_vmo_read(vmo, PAGE, got, sizeof got)) != NX_OK || got[0] != answer[0])
        return fail("the VMO lost the answer", (uint64_t)-st);
    /* The peer's last message: it is done with its mapping. */
    (void)nx_handle_close(t);
    (void)nx_handle_close(vmo);
    (void)nx_handle_close(ch);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(vmo_share)
{
    (void)arg;
    nx_thread_exit(run());
}
