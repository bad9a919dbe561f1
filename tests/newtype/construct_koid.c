/* Only core/obj makes koids (decision point 4): its constructor is not
 * visible to other modules. */
#include "nx/object.h"
nx_koid_t f(void);
nx_koid_t f(void)
{
    return koid_make(42u);
}
