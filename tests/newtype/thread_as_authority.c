/* The authority to raise a thread's class is a task handle (with MANAGE):
 * passing the thread itself does not compile. */
#include "nexus/syscall.h"
nx_status_t f(nx_thread_handle_t t);
nx_status_t f(nx_thread_handle_t t)
{
    return nx_thread_set_qos(t, NX_QOS_INTERACTIVE, t);
}
