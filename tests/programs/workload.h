/* workload.h - a small service's work, to learn a syscall filter profile
 * from (sysfilter_workload, tests/unit/test_sysfilter.c): its clock, a
 * channel it makes, writes and reads, an event it signals, a short sleep.
 * Its handles differ every round; its sizes and flags do not. */
#ifndef NX_PROGRAMS_WORKLOAD_H
#define NX_PROGRAMS_WORKLOAD_H

#include "nexus/syscall.h"

/* One round; how many of its calls were refused. */
static inline uint32_t nx_workload_round(void)
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
    refused += nx_sleep_until(nx_time_now() + 10000u, 0) != NX_OK;
    return refused;
}

#endif /* NX_PROGRAMS_WORKLOAD_H */
