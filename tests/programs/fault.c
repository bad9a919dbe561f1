/* fault: a program that stores to an address it may not use is killed
 * (its exit code says so to init) while the others finish; its second
 * thread, asleep, never runs user code again. */
#include "selftest.h"

static volatile uint32_t came_back;

/* Asleep far longer than the program lives: the kill ends the sleep, and
 * with it the thread. (It slept 20 ms once: a host stall of the faulting
 * thread that long on a loaded QEMU let it wake first.) */
static void sibling(uintptr_t arg)
{
    (void)arg;
    (void)nx_sleep_until(nx_time_now() + 10000 * MS, 0);
    came_back = 1;
    (void)nx_print("SELFTEST: fault FAILED: a killed task's thread ran on\n");
}

NX_PROGRAM(fault)
{
    (void)arg;
    came_back = 0; /* globals outlive a simulated run */
    nx_thread_handle_t h;
    if (nx_thread_create(sibling, 0, NX_QOS_NORMAL, NX_AFFINITY_ALL, &h) != NX_OK)
        nx_thread_exit(verdict("fault", "create", 0));
    nx_compute(1 * MS);
#ifdef NX_SIM
    nx_sim_user_fault(NX_USER_FAULT_PAGE, 0x10);
#else
    /* Not user memory: a store page fault. The address goes through a
     * volatile variable: GCC 12 rejects a store to a constant address
     * (-Warray-bounds). */
    volatile uintptr_t bad = 0x10u;
    *(volatile uint32_t *)bad = 1u;
#endif
    nx_thread_exit(verdict("fault", "the store did not fault", came_back));
}
