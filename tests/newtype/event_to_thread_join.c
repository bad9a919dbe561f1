/* Only a thread can be joined: an event handle passed to nx_thread_join
 * does not compile. */
#include "nexus/syscall.h"
nx_status_t f(nx_event_handle_t ev);
nx_status_t f(nx_event_handle_t ev)
{
    int32_t code;
    return nx_thread_join(ev, 0, &code);
}
