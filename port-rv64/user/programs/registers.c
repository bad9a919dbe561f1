/* registers: the kernel gives a U-mode thread back every register it had
 * (x1..x31; a0 and a1 carry a system call's results) across a system call,
 * across a system call that switched to another thread, and across an
 * interrupt that preempted it: the spin below ends only when a sibling on
 * the same hart has run, and the spinning thread makes no call. rv64 only
 * (registers.S): the simulator has no user registers. */
#include "../../../tests/programs/selftest.h"

uint64_t rv_regs_across_ecall(uint64_t nr);
uint64_t rv_regs_across_spin(volatile uint32_t *flag);

#define SIBLING_YIELDS 4u

static volatile uint32_t flag;
static volatile uint64_t bad_ecall, bad_yield, bad_spin;

static void sibling(uintptr_t arg)
{
    (void)arg;
    for (uint32_t i = 0; i < SIBLING_YIELDS; i++)
        nx_yield();
    (void)nx_sleep_until(nx_time_now() + 2 * MS, 0);
    flag = 1;
}

static void checker(uintptr_t arg)
{
    (void)arg;
    bad_ecall = rv_regs_across_ecall(NX_SYS_HART_ID);
    bad_yield = rv_regs_across_ecall(NX_SYS_THREAD_YIELD);
    bad_spin = rv_regs_across_spin(&flag);
}

NX_PROGRAM(registers)
{
    (void)arg;
    /* Both threads on one hart: the checker's yield runs the sibling, and
     * the sibling runs again only by preempting the spinning checker. */
    nx_affinity_t hart = 1u << nx_hart_id();
    nx_thread_handle_t c, s;
    if (nx_thread_create(checker, 0, NX_QOS_NORMAL, hart, &c) != NX_OK ||
        nx_thread_create(sibling, 0, NX_QOS_NORMAL, hart, &s) != NX_OK)
        nx_thread_exit(verdict("registers", "thread_create", 0));
    int32_t code;
    if (nx_thread_join(c, nx_time_now() + 5000 * MS, &code) != NX_OK ||
        nx_thread_join(s, nx_time_now() + 5000 * MS, &code) != NX_OK)
        nx_thread_exit(verdict("registers", "join", 0));
    if (bad_ecall != 0u)
        nx_thread_exit(verdict("registers", "changed by a system call: x", bad_ecall));
    if (bad_yield != 0u)
        nx_thread_exit(verdict("registers", "changed across a thread switch: x", bad_yield));
    if (bad_spin != 0u)
        nx_thread_exit(verdict("registers", "changed by an interrupt: x", bad_spin));
    nx_thread_exit(verdict("registers", 0, 0));
}
