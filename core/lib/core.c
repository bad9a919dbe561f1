/*
 * core.c - resetting the core as a whole (see nx/core.h).
 */
#include "nx/core.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/device.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/irq.h"
#include "nx/object.h"
#include "nx/panic.h"
#include "nx/pool.h"
#include "nx/sched.h"
#include "nx/sysfilter.h"
#include "nx/thread.h"
#include "nx/timer.h"
#include "nx/printk.h"
#include "nx/task.h"
#include "nx/vmo.h"

uint64_t nx_core_state_digest(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++)
        h = nx_pool_digest(nx_pool_registry_get(i), h);
    return h;
}

void nx_core_reset(void)
{
    nx_printk_reset();
    nx_panic_reset();
    nx_pool_registry_clear();
    nx_object_reset();
    nx_audit_reset();
    nx_cap_reset();
    nx_task_reset();
    nx_event_reset();
    nx_channel_reset();
    nx_vmo_reset();
    nx_device_reset();
    nx_interrupt_reset();
    nx_dma_reset();
    nx_filter_reset();
    nx_irq_reset();
    nx_timer_reset();
    nx_sched_reset();
    nx_thread_reset();
}
