/* Comparing typed handles of different kinds with == does not compile. */
#include "nexus/syscall.h"
int f(nx_thread_handle_t t, nx_task_handle_t task);
int f(nx_thread_handle_t t, nx_task_handle_t task)
{
    return t == task;
}
