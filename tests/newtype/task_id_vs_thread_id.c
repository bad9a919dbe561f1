/* A task id is not a thread id. */
#include "nexus/types.h"
nx_thread_id_t f(nx_task_id_t t);
nx_thread_id_t f(nx_task_id_t t)
{
    return t;
}
