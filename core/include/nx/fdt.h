/*
 * nx/fdt.h - how core/ includes libfdt.
 *
 * Always include this, never <libfdt.h> directly: it installs the
 * freestanding environment (nx/fdt_env.h) before libfdt's headers so that
 * core never sees a hosted libc header, on either port.
 */
#ifndef NX_FDT_H
#define NX_FDT_H

#include "nx/fdt_env.h"
#include <libfdt.h>

#endif /* NX_FDT_H */
