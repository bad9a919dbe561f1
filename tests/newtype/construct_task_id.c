/* Only core/task makes task ids. */
#include "nx/task.h"
nx_task_id_t f(void);
nx_task_id_t f(void)
{
    return task_id_make(7u);
}
