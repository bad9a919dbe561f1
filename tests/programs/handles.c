/* handles: create, duplicate with fewer rights, use, refuse, close, stale. */
#include "nexus/start.h"
#include "selftest.h"

#define FAIL(why, d) nx_thread_exit(verdict("handles", why, (uint64_t)(d)))

NX_PROGRAM(handles)
{
    (void)arg;
    nx_event_handle_t ev, weak, stale;
    nx_status_t st = nx_event_create(&ev);
    if (st != NX_OK)
        FAIL("create", -st);
    if ((st = nx_handle_duplicate(ev, NX_RIGHT_SIGNAL, &weak)) != NX_OK)
        FAIL("duplicate", -st);
    if ((st = nx_object_signal(weak, 0, 1u << 24)) != NX_OK)
        FAIL("signal through the duplicate", -st);
    if ((st = nx_handle_duplicate(weak, NX_RIGHTS_SAME, &stale)) != NX_ERR_ACCESS_DENIED)
        FAIL("duplicate without the right", -st);
    if ((st = nx_handle_duplicate(ev, NX_RIGHT_SIGNAL | NX_RIGHT_MAP, &stale)) !=
        NX_ERR_INVALID_ARGS)
        FAIL("rights grew", -st); /* an event handle never has MAP */
    if ((st = nx_handle_close(weak)) != NX_OK)
        FAIL("close", -st);
    if ((st = nx_object_signal(weak, 0, 1u << 24)) != NX_ERR_BAD_HANDLE)
        FAIL("a closed handle worked", -st);
    if ((st = nx_handle_close(weak)) != NX_ERR_BAD_HANDLE)
        FAIL("closed twice", -st);
    nx_handle_t forged = { 0x00abcd00u | 9u };
    if ((st = nx_handle_close(forged)) != NX_ERR_BAD_HANDLE)
        FAIL("a forged handle worked", -st);
    /* A lie about the kind compiles only through the conversions; the
     * kernel still refuses it. */
    nx_event_handle_t not_an_event =
        nx_event_from_handle(nx_thread_to_handle(NX_START_SELF_THREAD));
    if ((st = nx_object_signal(not_an_event, 0, 1u << 24)) != NX_ERR_WRONG_TYPE)
        FAIL("signalled a thread", -st);
    (void)nx_handle_close(ev);
    nx_thread_exit(verdict("handles", 0, 0));
}
