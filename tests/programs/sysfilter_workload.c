/* sysfilter_workload: a small service's work (workload.h) twice over, to
 * learn a profile from (docs/sysfilter.md, learn mode; nexus-sysfilter
 * learn-export). arg bit 0: then also make a VMO, the call a profile
 * learned without it must deny (exit 20 if it ran). Exit: how many of its
 * own calls were refused. */
#include "selftest.h"
#include "workload.h"

NX_PROGRAM(sysfilter_workload)
{
    uint32_t refused = nx_workload_round() + nx_workload_round();
    if ((arg & 1u) != 0u) {
        nx_vmo_handle_t v;
        if (nx_vmo_create(4096, &v) != NX_ERR_DENIED_BY_FILTER)
            nx_thread_exit(20);
    }
    nx_thread_exit((int32_t)refused);
}
