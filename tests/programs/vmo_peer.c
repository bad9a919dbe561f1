/* vmo_peer: the other side of vmo_share. It receives a VMO handle over the
 * channel init gave the two, maps it at an address of its own, finds the
 * request vmo_share wrote through its mapping, and writes the answer
 * through its own mapping: vmo_share sees it without a copy. */
#include "nexus/start.h"
#include "selftest.h"

#define NAME "vmo_peer"
#define PAGE NX_VMO_PAGE_SIZE

static const char request[] = "request: answer at 4096";
static const char answer[] = "answer from vmo_peer";

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static int32_t run(void)
{
    nx_channel_handle_t ch = NX_START_PEER_CHANNEL;
    nx_handle_t got_vmo = NX_HANDLE_INVALID;
    uintptr_t at = NX_TEST_MAP_BASE + 16u * PAGE; /* not where vmo_share maps */
    nx_status_t st;
    uint32_t seen = 0;
    if ((st = nx_object_wait_one(ch, NX_CHANNEL_READABLE, nx_time_now() + 5000 * MS, &seen)) !=
        NX_OK)
        return fail("nothing came", (uint64_t)-st);
    char note[8];
    nx_msg_info_t info;
    if ((st = nx_channel_read(ch, note, sizeof note, &got_vmo, 1, &info)) != NX_OK)
        return fail("read", (uint64_t)-st);
    nx_vmo_handle_t vmo = nx_vmo_from_handle(got_vmo); /* the kernel checks it is one */
    uint64_t size = 0;
    if (info.handles != 1u || nx_vmo_get_size(vmo, &size) != NX_OK || size != 2u * PAGE)
        return fail("no VMO handle came", info.handles);
    if ((st = nx_vmo_map(vmo, 0, at, 2u * PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map", (uint64_t)-st);
    char got[sizeof request];
    user_load(got, at, sizeof got);
    for (uint32_t i = 0; i < sizeof request; i++)
        if (got[i] != request[i])
            return fail("the request is not in the shared memory", i);
    user_store(at + PAGE, answer, sizeof answer);
    if ((st = nx_vmo_unmap(at, 2u * PAGE)) != NX_OK)
        return fail("unmap", (uint64_t)-st);
    (void)nx_handle_close(vmo);
    char done[4] = { 'd', 'o', 'n', 'e' }; /* on the stack, as vmo_share's */
    if ((st = nx_channel_write(ch, done, sizeof done, NULL, 0, 0)) != NX_OK)
        return fail("reply", (uint64_t)-st);
    (void)nx_handle_close(ch);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(vmo_peer)
{
    (void)arg;
    nx_thread_exit(run());
}
