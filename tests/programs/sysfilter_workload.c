/* sysfilter_workload: a small service's work, to learn a profile from
 * (docs/sysfilter.md, learn mode; nexus-sysfilter learn-export): its
 * clock, a channel it makes, writes and reads, an event, a short sleep,
 * twice over (so its handles differ between the rounds). arg bit 0: then
 * also make a VMO, the call a profile learned without it must deny (exit
 * 20 if it ran). Exit: how many of its own calls were refused. */
#include "selftest.h"

static uint32_t round_of_work(void)
{
    uint32_t refused = 0;
    char msg[8] = { 'w', 'o', 'r', 'k', 'l', 'o', 'a', 'd' }, got[8];
    nx_msg_info_t info;
    nx_channel_handle_t a, b;
    nx_event_handle_t ev;
    refused += nx_time_now() == 0u;
    refused += nx_channel_create(&a, &b) != NX_OK;
    refused += nx_channel_write(a, msg, sizeof msg, NULL, 0, 0) != NX_OK;
    refused += nx_channel_read(b, got, sizeof got, NULL, 0, &info) != NX_OK;
    refused += nx_event_create(&ev) != NX_OK;
    refused += nx_object_signal(ev, 0, 0x01000000u) != NX_OK;
    refused += nx_handle_close(ev) != NX_OK;
    refused += nx_handle_close(a) != NX_OK;
    refused += nx_handle_close(b) != NX_OK;
    refused += nx_sleep_until(nx_time_now() + 10 * US, 0) != NX_OK;
    return refused;
}

NX_PROGRAM(sysfilter_workload)
{
    uint32_t refused = round_of_work() + round_of_work();
    if ((arg & 1u) != 0u) {
        nx_vmo_handle_t v;
        if (nx_vmo_create(4096, &v) != NX_ERR_DENIED_BY_FILTER)
            nx_thread_exit(20);
    }
    nx_thread_exit((int32_t)refused);
}
