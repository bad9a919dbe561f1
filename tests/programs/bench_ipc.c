/* bench_ipc: channel costs, timed with the clock (guest instructions under
 * QEMU -icount shift=0; virtual ns in the simulator).
 *   - write+read of 64 bytes, no handles, one thread (no switch);
 *   - call/reply between two threads on one hart: the client's call, the
 *     server's wait, read and reply write, both context switches.
 * Init starts each benchmark program when the ones before it have exited
 * (after_previous), so none overlaps. */
#include "bench_null.h"

#define DEFAULT_ROUNDS 5000u

static nx_channel_handle_t srv_end;
static uint32_t server_rounds;

static void server(uintptr_t arg)
{
    (void)arg;
    unsigned char buf[64];
    for (uint32_t i = 0; i < server_rounds; i++) {
        nx_msg_info_t info;
        if (nx_object_wait_one(srv_end, NX_CHANNEL_READABLE, nx_time_now() + 10000 * MS, 0) !=
                NX_OK ||
            nx_channel_read(srv_end, buf, sizeof buf, 0, 0, &info) != NX_OK ||
            nx_channel_write(srv_end, buf, sizeof buf, 0, 0, info.txid) != NX_OK)
            nx_thread_exit(1);
    }
}

NX_PROGRAM(bench_ipc)
{
    uint32_t rounds = arg != 0u ? (uint32_t)arg : DEFAULT_ROUNDS;
    nx_channel_handle_t me;
    if (nx_channel_create(&me, &srv_end) != NX_OK)
        nx_thread_exit(1);
    unsigned char buf[64] = { 1 };
    nx_msg_info_t info;

    uint64_t t0 = nx_time_now();
    for (uint32_t i = 0; i < rounds; i++)
        if (nx_channel_write(me, buf, sizeof buf, 0, 0, 0) != NX_OK ||
            nx_channel_read(srv_end, buf, sizeof buf, 0, 0, &info) != NX_OK)
            nx_thread_exit(2);
    bench_report("rv64_channel_write_read_64", nx_time_now() - t0, rounds);

    server_rounds = rounds;
    nx_thread_handle_t t;
    if (nx_thread_create(server, 0, NX_QOS_IDLE, 1u << nx_hart_id(), &t) != NX_OK)
        nx_thread_exit(3);
    t0 = nx_time_now();
    for (uint32_t i = 0; i < rounds; i++)
        if (nx_channel_call(me, buf, sizeof buf, 0, 0, buf, sizeof buf, 0, 0,
                            nx_time_now() + 10000 * MS, &info) != NX_OK)
            nx_thread_exit(4);
    bench_report("rv64_call_reply", nx_time_now() - t0, rounds);
    int32_t code = -1;
    if (nx_thread_join(t, nx_time_now() + 10000 * MS, &code) != NX_OK || code != 0)
        nx_thread_exit(5);
    (void)nx_handle_close(me);
    (void)nx_handle_close(srv_end);

    /* A page into a VMO and back out (the copy path of the zero-copy
     * route's setup: what sharing avoids for bulk data). */
    nx_vmo_handle_t vmo;
    static unsigned char page[NX_VMO_PAGE_SIZE]; /* program data: user memory on rv64 */
    if (nx_vmo_create(NX_VMO_PAGE_SIZE, &vmo) != NX_OK)
        nx_thread_exit(6);
    t0 = nx_time_now();
    for (uint32_t i = 0; i < rounds; i++)
        if (nx_vmo_write(vmo, 0, page, sizeof page) != NX_OK ||
            nx_vmo_read(vmo, 0, page, sizeof page) != NX_OK)
            nx_thread_exit(7);
    bench_report("rv64_vmo_write_read_4k", nx_time_now() - t0, rounds);
    (void)nx_handle_close(vmo);
}
