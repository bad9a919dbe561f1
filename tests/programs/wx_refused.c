/* wx_refused: linked (rv64 only) with one writable and executable segment;
 * the kernel must refuse to load it, so this never runs. */
#include "selftest.h"

NX_PROGRAM(wx_refused)
{
    (void)arg;
    nx_thread_exit(verdict("wx_refused", "a W+X program ran", 0));
}
