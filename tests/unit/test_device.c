/*
 * test_device.c - device objects (nx/device.h, docs/abi/devices.md): what
 * the kernel mints from the boot info, which windows it refuses, the start
 * handles init hands a driver, device_map's refusals and the simulator's
 * MMIO path (the `devices` program, and accesses that must fault).
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/device.h"
#include "nexus/mmio.h"
#include "nexus/start.h"
#include "nexus/syscall.h"
#include "nx/bootinfo.h"
#include "nx/device.h"
#include "nx/kernel.h"
#include "nxsim/program.h"
#include "nxsim/record.h"
#include "nxsim/sim.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)
#define MAP_AT        ((uintptr_t)0x1040000000ull)

/* The simulated machine's devices, minted at boot as QEMU virt's would
 * be: the UART, then the eight virtio-mmio slots in address order. */
static void boot_mints_the_machines_devices(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 1);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg); /* no programs: boot, then off */
    assert_int_equal(r->stop, NX_SIM_STOP_SHUTDOWN);
    assert_int_equal(r->exit_code, NX_EXIT_PASS);
    assert_int_equal(nx_device_count(), 9);
    const nx_device_info_t *u = &nx_device_at(0)->info;
    assert_int_equal(u->kind, NX_DEVICE_UART);
    assert_int_equal(u->base, 0x10000000u);
    assert_int_equal(u->size, 0x100u);
    assert_int_equal(u->map_offset, 0);
    assert_int_equal(u->map_size, 4096);
    assert_int_equal(u->irq, 10);
    for (uint32_t i = 0; i < 8u; i++) {
        const nx_device_info_t *v = &nx_device_at(1u + i)->info;
        assert_int_equal(v->kind, NX_DEVICE_VIRTIO_MMIO);
        assert_int_equal(v->index, i);
        assert_int_equal(v->base, 0x10001000u + 0x1000u * i);
        assert_int_equal(v->map_size, 4096);
        assert_int_equal(v->irq, 1u + i);
    }
    assert_null(nx_device_at(9));
}

/* A window sharing a page with another device, the PLIC or the test
 * finisher is not handed out (a map is whole pages); an unaligned one
 * that has its pages to itself is, with its offset in the page. */
static void windows_that_share_pages_are_kept_back(void **state)
{
    (void)state;
    static nx_boot_info_t bi;
    memset(&bi, 0, sizeof bi);
    bi.uart = (nx_mmio_region_t){ true, 0x10000100u, 0x100u, 10 }; /* its page alone */
    bi.uart_reg_shift = 2;
    bi.uart_reg_io_width = 4;
    bi.plic = (nx_mmio_region_t){ true, 0x0c000000u, 0x600000u, 0 };
    bi.test_finisher = (nx_mmio_region_t){ true, 0x00100000u, 0x1000u, 0 };
    bi.virtio_count = 4;
    bi.virtio[0] = (nx_mmio_region_t){ true, 0x10002000u, 0x200u, 1 }; /* shares with [1] */
    bi.virtio[1] = (nx_mmio_region_t){ true, 0x10002800u, 0x200u, 2 };
    bi.virtio[2] = (nx_mmio_region_t){ true, 0x0c100000u, 0x1000u, 3 }; /* inside the PLIC */
    bi.virtio[3] = (nx_mmio_region_t){ true, 0x10004000u, 0x2000u, 4 }; /* two pages */
    nx_device_boot(&bi);
    assert_int_equal(nx_device_count(), 2);
    const nx_device_info_t *u = &nx_device_at(0)->info;
    assert_int_equal(u->kind, NX_DEVICE_UART);
    assert_int_equal(u->map_offset, 0x100);
    assert_int_equal(u->map_size, 4096);
    assert_int_equal(u->reg_shift, 2);
    assert_int_equal(u->reg_width, 4);
    const nx_device_info_t *v = &nx_device_at(1)->info;
    assert_int_equal(v->index, 3);
    assert_int_equal(v->map_size, 8192);
    assert_int_equal(nx_device_at(1)->map_phys, 0x10004000u);
}

/* The devices program alone (so nothing interleaves with the UART's
 * line): its line reaches the console through the UART model, and every
 * refusal it checks gets its status. */
static void a_driver_maps_and_drives_its_devices(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(2, 3);
    assert_int_equal(nx_sim_add_program(&cfg, "devices", 1, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 0x3u; /* arg 1: alone, it writes its line */
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_true(nx_test_has_line(r->console, "devices: a line through the UART's registers"));
    assert_true(nx_test_has_line(r->console, "SELFTEST: devices ok"));
}

/* A manifest naming a device the machine lacks, or handing devices to the
 * policy service, fails the run before the program starts. */
static void a_manifest_naming_no_device_fails(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 4);
    assert_int_equal(nx_sim_add_program(&cfg, "devices", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 1u << 20;
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    assert_int_equal(r->exit_code, NX_EXIT_FAIL);
    assert_non_null(
        strstr(r->console, "init: devices names device 20: the machine has no such device"));
    cfg.programs[0].devices = 0x1fu; /* five devices: one more than a program gets */
    r = nx_test_machine_run(&cfg);
    assert_int_equal(r->exit_code, NX_EXIT_FAIL);
    assert_non_null(strstr(r->console, "too many devices"));
    cfg.programs[0].devices = 0x1u;
    cfg.programs[0].policy = true;
    r = nx_test_machine_run(&cfg);
    assert_int_equal(r->exit_code, NX_EXIT_FAIL);
}

/* Accesses the page tables (or the bus) would refuse fault the program:
 * a width the UART does not answer, a store through a read-only map, a
 * load of the mapping's page past the UART's registers. arg picks one. */
NX_SIM_PROGRAM(device_bad_access)
{
    nx_device_handle_t uart = NX_START_DEVICE(0);
    uint32_t prot = arg == 1u ? NX_VM_READ : NX_VM_READ | NX_VM_WRITE;
    if (nx_device_map(uart, MAP_AT, prot) != NX_OK)
        nx_thread_exit(1);
    if (arg == 0u)
        (void)nx_mmio_read32(MAP_AT); /* the UART's registers are bytes */
    else if (arg == 1u)
        nx_mmio_write8(MAP_AT + 7u, 1); /* mapped read-only */
    else
        (void)nx_mmio_read8(MAP_AT + 0x800u); /* no register there */
    nx_thread_exit(2);
}

static void bad_mmio_accesses_fault(void **state)
{
    (void)state;
    for (uintptr_t a = 0; a < 3u; a++) {
        nx_sim_config_t cfg = nx_test_machine_config(1, 5);
        assert_int_equal(nx_sim_add_program(&cfg, "device_bad_access", a, NX_QOS_NORMAL, 0), NX_OK);
        cfg.programs[0].devices = 0x1u;
        cfg.programs[0].expect_exit = NX_EXIT_CODE_FAULT(NX_USER_FAULT_PAGE);
        nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    }
}

static nx_status_t bound_status[2];
static uint32_t bound_maps;

/* Maps its device until the task's mapping table is full: the window
 * shares the bound VMO mappings have (NX_TASK_MAX_MAPPINGS), and the one
 * past it is refused, changing nothing. */
NX_SIM_PROGRAM(device_map_bound)
{
    (void)arg;
    nx_status_t st;
    bound_maps = 0;
    while ((st = nx_device_map(NX_START_DEVICE(0), MAP_AT + bound_maps * 0x1000u, NX_VM_READ)) ==
               NX_OK &&
           bound_maps < 64u)
        bound_maps++;
    bound_status[0] = st;
    bound_status[1] = nx_vmo_unmap(MAP_AT, 0x1000u); /* one goes: room for one more */
    if (bound_status[1] == NX_OK)
        bound_status[1] = nx_device_map(NX_START_DEVICE(0), MAP_AT, NX_VM_READ);
    nx_thread_exit(0);
}

static void device_maps_share_the_mapping_bound(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 12);
    assert_int_equal(nx_sim_add_program(&cfg, "device_map_bound", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 1u << 1;
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(bound_status[0], NX_ERR_NO_RESOURCES);
    assert_int_equal(bound_maps, NX_TASK_MAX_MAPPINGS);
    ASSERT_ST(bound_status[1], NX_OK);
}

static nx_status_t revoke_status[5];

/* A driver hands a helper a weaker copy of its device (here: in its own
 * table), then revokes it: every use of the copy is then BAD_HANDLE, the
 * driver's own handle still works. */
NX_SIM_PROGRAM(device_revoker)
{
    (void)arg;
    nx_device_handle_t dev = NX_START_DEVICE(0), copy;
    revoke_status[0] = nx_handle_duplicate(dev, NX_RIGHT_READ | NX_RIGHT_MAP, &copy);
    revoke_status[1] = nx_device_map(copy, MAP_AT, NX_VM_READ);
    uint32_t revoked = 0;
    revoke_status[2] = nx_handle_revoke(dev, &revoked);
    revoke_status[3] = nx_device_map(copy, MAP_AT + 0x10000u, NX_VM_READ);
    revoke_status[4] = nx_device_map(dev, MAP_AT + 0x20000u, NX_VM_READ);
    nx_thread_exit(revoked == 1u ? 0 : 1);
}

static void a_revoked_device_handle_is_refused(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 13);
    assert_int_equal(nx_sim_add_program(&cfg, "device_revoker", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 1u << 1;
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(revoke_status[0], NX_OK);
    ASSERT_ST(revoke_status[1], NX_OK);
    ASSERT_ST(revoke_status[2], NX_OK);
    ASSERT_ST(revoke_status[3], NX_ERR_BAD_HANDLE);
    ASSERT_ST(revoke_status[4], NX_OK);
}

/* --- interrupt objects -------------------------------------------------------- */

static nx_status_t irq_status[12];
static nx_interrupt_info_t irq_seen[3];

/* Device 0 handed to it is the first virtio-mmio slot (its source 1): the
 * test raises that source at 20 ms and twice around 40 ms. */
NX_SIM_PROGRAM(interrupt_waiter)
{
    (void)arg;
    nx_device_handle_t slot = NX_START_DEVICE(0);
    nx_interrupt_handle_t irq, again;
    irq_status[0] = nx_interrupt_create(slot, 0, &irq);
    irq_status[1] = nx_interrupt_create(slot, 0, &again); /* one object a source */
    irq_status[2] = nx_interrupt_create(slot, 1, &again); /* the device has one source */
    irq_status[3] = nx_interrupt_ack(irq);                /* nothing pending yet */
    uint32_t seen = 0;
    irq_status[4] =
        nx_object_wait_one(irq, NX_INTERRUPT_PENDING, nx_time_now() + 100000000u, &seen);
    nx_interrupt_info_t info;
    (void)nx_interrupt_info(irq, &info);
    irq_seen[0] = info;
    irq_status[5] = nx_interrupt_ack(irq);
    irq_status[6] = nx_interrupt_ack(irq); /* acknowledged once */
    /* In a wait set beside a channel: the interrupt's item fires. */
    nx_channel_handle_t a, b;
    (void)nx_channel_create(&a, &b);
    nx_wait_item_t items[2] = { { nx_channel_to_handle(a), NX_CHANNEL_READABLE, 0 },
                                { nx_interrupt_to_handle(irq), NX_INTERRUPT_PENDING, 0 } };
    nx_syscall_ret_t r = nx_syscall(NX_SYS_OBJECT_WAIT_MANY, (uintptr_t)items, 2,
                                    nx_time_now() + 100000000u, 0, 0, 0);
    irq_status[7] = (nx_status_t)r.status;
    irq_status[8] = r.value == 1u ? NX_OK : NX_ERR_INTERNAL;
    /* The second raise came while the first was pending (masked): held by
     * the controller, delivered once the ack unmasks it. */
    (void)nx_sleep_until(nx_time_now() + 1000000u, 0);
    (void)nx_interrupt_info(irq, &info);
    irq_seen[1] = info;
    irq_status[9] = nx_interrupt_ack(irq);
    irq_status[10] =
        nx_object_wait_one(irq, NX_INTERRUPT_PENDING, nx_time_now() + 100000000u, &seen);
    irq_status[11] = nx_interrupt_ack(irq);
    (void)nx_interrupt_info(irq, &info);
    irq_seen[2] = info;
    /* Exits holding it: the task's end closes it, masks and unregisters
     * the source (the pools' check after the run). */
    nx_thread_exit(0);
}

static void an_interrupt_reaches_its_driver(void **state)
{
    (void)state;
    memset(irq_status, 0x7f, sizeof irq_status);
    nx_sim_config_t cfg = nx_test_machine_config(2, 6);
    assert_int_equal(nx_sim_add_program(&cfg, "interrupt_waiter", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 1u << 1; /* device 1: the first virtio-mmio slot */
    static const uint64_t at[] = { 20000000u, 40000000u, 40100000u }; /* after boot */
    for (uint32_t i = 0; i < 3u; i++)
        cfg.injections[cfg.injection_count++] =
            (nx_sim_injection_t){ at[i], NX_SIM_INJECT_IRQ, 1u, 0 };
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(irq_status[0], NX_OK);
    ASSERT_ST(irq_status[1], NX_ERR_ALREADY_EXISTS);
    ASSERT_ST(irq_status[2], NX_ERR_NOT_FOUND);
    ASSERT_ST(irq_status[3], NX_ERR_NOT_PENDING);
    ASSERT_ST(irq_status[4], NX_OK);
    assert_int_equal(irq_seen[0].irq, 1);
    assert_int_equal(irq_seen[0].pending, 1);
    assert_int_equal(irq_seen[0].fired, 1);
    ASSERT_ST(irq_status[5], NX_OK);
    ASSERT_ST(irq_status[6], NX_ERR_NOT_PENDING);
    ASSERT_ST(irq_status[7], NX_OK);
    ASSERT_ST(irq_status[8], NX_OK);
    assert_int_equal(irq_seen[1].fired, 2);
    assert_int_equal(irq_seen[1].acked, 1);
    ASSERT_ST(irq_status[9], NX_OK);
    ASSERT_ST(irq_status[10], NX_OK);
    ASSERT_ST(irq_status[11], NX_OK);
    assert_int_equal(irq_seen[2].fired, 3);
    assert_int_equal(irq_seen[2].acked, 3);
    assert_int_equal(irq_seen[2].pending, 0);
    assert_int_equal(nx_interrupt_used(), 0);
}

/* --- a driver's death ------------------------------------------------------------ */

static nx_status_t heir_status[3];
static uint32_t heir_tries;

/* A driver that takes its interrupt and maps its window, then waits on
 * the interrupt until it is killed (the test kills it at 10 ms). */
NX_SIM_PROGRAM(doomed_driver)
{
    (void)arg;
    nx_interrupt_handle_t irq;
    if (nx_interrupt_create(NX_START_DEVICE(0), 0, &irq) != NX_OK ||
        nx_device_map(NX_START_DEVICE(0), MAP_AT, NX_VM_READ) != NX_OK)
        nx_thread_exit(1);
    for (;;)
        (void)nx_object_wait_one(irq, NX_INTERRUPT_PENDING, nx_time_now() + 1000000000u, NULL);
}

/* The next driver of the same device: its interrupt is taken until the
 * first one's task ends, then it gets it, and the source works. */
NX_SIM_PROGRAM(heir_driver)
{
    (void)arg;
    nx_interrupt_handle_t irq;
    nx_status_t st;
    heir_tries = 0;
    while ((st = nx_interrupt_create(NX_START_DEVICE(0), 0, &irq)) == NX_ERR_ALREADY_EXISTS &&
           heir_tries < 1000u) {
        heir_tries++;
        (void)nx_sleep_until(nx_time_now() + 100000u, 0);
    }
    heir_status[0] = st;
    heir_status[1] =
        nx_object_wait_one(irq, NX_INTERRUPT_PENDING, nx_time_now() + 100000000u, NULL);
    heir_status[2] = nx_interrupt_ack(irq);
    nx_thread_exit(0);
}

/* A driver killed while it waits on its interrupt: the kill ends the wait,
 * the task's end closes the interrupt (masked, unregistered) and its
 * mapping, and the device's next driver gets the source and its raise. */
static void a_killed_drivers_device_goes_to_the_next(void **state)
{
    (void)state;
    memset(heir_status, 0x7f, sizeof heir_status);
    nx_sim_config_t cfg = nx_test_machine_config(2, 7);
    assert_int_equal(nx_sim_add_program(&cfg, "doomed_driver", 0, NX_QOS_NORMAL, 0), NX_OK);
    assert_int_equal(nx_sim_add_program(&cfg, "heir_driver", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = cfg.programs[1].devices = 1u << 1;
    cfg.programs[0].expect_exit = NX_EXIT_CODE_KILLED;
    cfg.injections[cfg.injection_count++] =
        (nx_sim_injection_t){ 10000000u, NX_SIM_INJECT_KILL_TASK, 0, 0 };
    cfg.injections[cfg.injection_count++] =
        (nx_sim_injection_t){ 30000000u, NX_SIM_INJECT_IRQ, 1u, 0 };
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(heir_status[0], NX_OK);
    assert_true(heir_tries > 0u); /* it was taken while the first lived */
    ASSERT_ST(heir_status[1], NX_OK);
    ASSERT_ST(heir_status[2], NX_OK);
    assert_int_equal(nx_interrupt_used(), 0);
}

/* --- DMA memory and pins -------------------------------------------------------- */

#define KIB 1024u

static nx_status_t dma_status[16];
static uint64_t dma_addr[2];
static uint32_t dma_pins_made;

NX_SIM_PROGRAM(dma_user)
{
    (void)arg;
    nx_device_handle_t dev = NX_START_DEVICE(0);
    nx_vmo_handle_t dma, plain, weak_vmo;
    nx_pin_handle_t pin, second, none;
    uint64_t addr = 0, addr2 = 0;
    dma_status[0] = nx_vmo_create_dma(64u * KIB, &dma);
    dma_status[1] = nx_dma_pin(dev, dma, 0, 64u * KIB, &addr, &pin);
    dma_status[2] = nx_dma_pin(dev, dma, 4u * KIB, 4u * KIB, &addr2, &second);
    dma_addr[0] = addr;
    dma_addr[1] = addr2;
    dma_status[3] = nx_dma_pin(dev, dma, 0, 0, &addr, &none);                /* length 0 */
    dma_status[4] = nx_dma_pin(dev, dma, 100, 4u * KIB, &addr, &none);       /* misaligned */
    dma_status[5] = nx_dma_pin(dev, dma, 64u * KIB, 4u * KIB, &addr, &none); /* past the end */
    dma_status[6] = nx_dma_pin(dev, dma, 4u * KIB, 0xfffffffffffff000ull, &addr, &none);
    (void)nx_vmo_create(4u * KIB, &plain);
    dma_status[7] = nx_dma_pin(dev, plain, 0, 4u * KIB, &addr, &none); /* no DMA right at all */
    (void)nx_handle_duplicate(dma, NX_RIGHT_READ | NX_RIGHT_MAP, &weak_vmo);
    dma_status[8] = nx_dma_pin(dev, weak_vmo, 0, 4u * KIB, &addr, &none); /* no DMA right */
    nx_handle_t weak_dev_h;
    (void)nx_handle_duplicate(nx_device_to_handle(dev), NX_RIGHT_READ, &weak_dev_h);
    dma_status[9] = nx_dma_pin(nx_device_from_handle(weak_dev_h), dma, 0, 4u * KIB, &addr, &none);
    dma_status[10] = nx_dma_pin(nx_device_from_handle(nx_vmo_to_handle(dma)), dma, 0, 4u * KIB,
                                &addr, &none); /* a VMO as the device */
    dma_status[11] =
        nx_dma_pin(dev, dma, 0, 4u * KIB, (uint64_t *)(uintptr_t)0x10u, &none); /* a bad pointer */
    /* The pins' bound: two are held, the rest up to NX_MAX_PINS. */
    nx_pin_handle_t many[NX_MAX_PINS];
    dma_pins_made = 0;
    nx_status_t st;
    while ((st = nx_dma_pin(dev, dma, 0, 4u * KIB, &addr, &many[dma_pins_made])) == NX_OK &&
           dma_pins_made < NX_MAX_PINS)
        dma_pins_made++;
    dma_status[12] = st;
    for (uint32_t i = 0; i < dma_pins_made; i++)
        (void)nx_handle_close(many[i]);
    /* The VMO's handles go; the pins keep its pages until they are closed. */
    (void)nx_handle_close(weak_vmo);
    dma_status[13] = nx_handle_close(dma);
    dma_status[14] = nx_handle_close(second);
    dma_status[15] = nx_handle_close(pin);
    nx_thread_exit(0);
}

static void dma_memory_is_pinned_for_a_device(void **state)
{
    (void)state;
    memset(dma_status, 0x7f, sizeof dma_status);
    nx_sim_config_t cfg = nx_test_machine_config(1, 8);
    assert_int_equal(nx_sim_add_program(&cfg, "dma_user", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 1u << 1;
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    static const nx_status_t want[16] = {
        NX_OK,
        NX_OK,
        NX_OK,
        NX_ERR_INVALID_ARGS,
        NX_ERR_INVALID_ARGS,
        NX_ERR_OUT_OF_RANGE,
        NX_ERR_OUT_OF_RANGE,
        NX_ERR_ACCESS_DENIED,
        NX_ERR_ACCESS_DENIED,
        NX_ERR_ACCESS_DENIED,
        NX_ERR_WRONG_TYPE,
        NX_ERR_BAD_ADDRESS,
        NX_ERR_NO_RESOURCES,
        NX_OK,
        NX_OK,
        NX_OK,
    };
    for (uint32_t i = 0; i < 16u; i++)
        if (dma_status[i] != want[i])
            fail_msg("call %u: %s, expected %s", i, nx_status_name(dma_status[i]),
                     nx_status_name(want[i]));
    assert_int_equal(dma_addr[0] % 4096u, 0);
    assert_int_equal(dma_addr[1], dma_addr[0] + 4096u); /* contiguous */
    assert_int_equal(dma_pins_made, NX_MAX_PINS - 2u);
}

static uint64_t quarantine_released;
static uint32_t quarantine_tries;

/* Pins a buffer for its device, then waits until it is killed. */
NX_SIM_PROGRAM(dma_dier)
{
    (void)arg;
    nx_vmo_handle_t dma;
    nx_pin_handle_t pin;
    uint64_t addr;
    if (nx_vmo_create_dma(16u * KIB, &dma) != NX_OK ||
        nx_dma_pin(NX_START_DEVICE(0), dma, 0, 16u * KIB, &addr, &pin) != NX_OK)
        nx_thread_exit(1);
    for (;;)
        (void)nx_sleep_until(nx_time_now() + 1000000u, 0);
}

/* The device's other holder: once the dier is gone it resets the device
 * (here: says so) and the quarantined pin is released. */
NX_SIM_PROGRAM(dma_resetter)
{
    (void)arg;
    quarantine_released = 0;
    for (quarantine_tries = 0; quarantine_tries < 1000u && quarantine_released == 0u;
         quarantine_tries++) {
        (void)nx_sleep_until(nx_time_now() + 100000u, 0);
        if (nx_device_release_quarantine(NX_START_DEVICE(0), &quarantine_released) != NX_OK)
            nx_thread_exit(2);
    }
    nx_thread_exit(0);
}

/* A driver that dies with a pin leaves its pages quarantined (its VMO
 * alive, its pages out of circulation) until the device's holder releases
 * them; then they go, and every pool is back at its baseline. */
static void a_dead_drivers_pins_wait_for_the_device_reset(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(2, 9);
    assert_int_equal(nx_sim_add_program(&cfg, "dma_dier", 0, NX_QOS_NORMAL, 0), NX_OK);
    assert_int_equal(nx_sim_add_program(&cfg, "dma_resetter", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = cfg.programs[1].devices = 1u << 1;
    cfg.programs[0].expect_exit = NX_EXIT_CODE_KILLED;
    cfg.injections[cfg.injection_count++] =
        (nx_sim_injection_t){ 10000000u, NX_SIM_INJECT_KILL_TASK, 0, 0 };
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    assert_int_equal(quarantine_released, 1);
    assert_true(quarantine_tries > 1u); /* nothing to release while the dier lived */
    assert_int_equal(nx_pins_quarantined(), 0);
}

/* --- the simulated virtio-blk disk, driven by blk_probe ----------------------- */

#define DISK_SECTORS 64u

static nx_sim_config_t disk_config(uint32_t harts, uint64_t seed, uintptr_t arg)
{
    nx_sim_config_t cfg = nx_test_machine_config(harts, seed);
    assert_int_equal(nx_sim_add_program(&cfg, "blk_probe", arg, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].devices = 1u << 8; /* the last virtio slot */
    cfg.disk_bytes = DISK_SECTORS * 512u;
    return cfg;
}

/* blk_probe on the disk: a sector written and read back by interrupt, a
 * read past the end refused, the id; four requests, one refused. */
static void a_driver_reads_and_writes_the_simulated_disk(void **state)
{
    (void)state;
    nx_sim_config_t cfg = disk_config(2, 10, 0);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_true(nx_test_has_line(r->console, "SELFTEST: blk_probe ok"));
    assert_true(nx_test_has_line(
        r->console, "blk_probe: sector 3 written and read back, by interrupt (legacy)"));
    assert_int_equal(r->disk_requests, 4);
    assert_int_equal(r->disk_refused, 1);
    /* The modern (version 2) layout: VIRTIO_F_VERSION_1 negotiated, the
     * queue's parts set one by one; the same requests. */
    cfg.disk_modern = true;
    r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_true(nx_test_has_line(
        r->console, "blk_probe: sector 3 written and read back, by interrupt (modern)"));
    assert_int_equal(r->disk_requests, 4);
    cfg.disk_modern = false;
    /* No disk: the slot is empty, and the probe says so and passes. */
    cfg.disk_bytes = 0;
    r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(r->disk_requests, 0);
}

/* blk_probe over 20 seeds and 1 to 4 harts, both layouts, a third of them
 * with the completion interrupt delayed 2 ms: every run passes, and each,
 * recorded, replays event for event. */
static void the_disk_driver_replays_over_seeds_with_late_interrupts(void **state)
{
    (void)state;
    static nx_sim_result_t res;
    for (uint64_t seed = 1; seed <= 20u; seed++) {
        nx_sim_config_t cfg = disk_config(1u + (uint32_t)(seed % 4u), seed, 0);
        cfg.disk_modern = seed % 2u == 0u; /* both layouts */
        if (seed % 3u == 1u)
            cfg.injections[cfg.injection_count++] =
                (nx_sim_injection_t){ 0, NX_SIM_INJECT_IRQ_DELAY, 8u, 2000000u };
        static nx_recording_t rec;
        nx_recording_init(&rec);
        cfg.tap = nx_recording_tap;
        cfg.ctx = &rec;
        ASSERT_ST(nx_sim_run(&cfg, &res), NX_OK);
        if (res.stop != NX_SIM_STOP_SHUTDOWN || res.exit_code != NX_EXIT_PASS ||
            res.disk_requests != 4u)
            fail_msg("seed %llu: the driver did not pass:\n%s", (unsigned long long)seed,
                     res.console);
        rec.seed = seed;
        rec.harts = cfg.harts;
        rec.digest = res.digest;
        rec.end_time_ns = res.end_time_ns;
        nx_replay_t rp;
        nx_replay_init(&rp, &rec);
        cfg.tap = nx_replay_tap;
        cfg.ctx = &rp;
        ASSERT_ST(nx_sim_run(&cfg, &res), NX_OK);
        if (!nx_replay_matched(&rp, &res))
            fail_msg("seed %llu: the replay diverged at event %llu", (unsigned long long)seed,
                     (unsigned long long)rp.at);
        nx_recording_free(&rec);
    }
}

/* The disk's interrupt source failed: the requests are served (the disk
 * counts them) but no completion reaches the driver, whose waits end on
 * their deadline (blk_probe arg 2 checks each did): a failed request is
 * reported, never lost silently. */
static void a_lost_completion_interrupt_is_a_timeout(void **state)
{
    (void)state;
    nx_sim_config_t cfg = disk_config(1, 11, 2);
    cfg.injections[cfg.injection_count++] =
        (nx_sim_injection_t){ 0, NX_SIM_INJECT_DEVICE_FAIL, 8u, 0 };
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(r->disk_requests, 4);
    assert_true(r->raises_lost >= 4u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boot_mints_the_machines_devices),
        CORE_TEST(windows_that_share_pages_are_kept_back),
        cmocka_unit_test(a_driver_maps_and_drives_its_devices),
        cmocka_unit_test(a_manifest_naming_no_device_fails),
        cmocka_unit_test(bad_mmio_accesses_fault),
        cmocka_unit_test(device_maps_share_the_mapping_bound),
        cmocka_unit_test(a_revoked_device_handle_is_refused),
        cmocka_unit_test(an_interrupt_reaches_its_driver),
        cmocka_unit_test(a_killed_drivers_device_goes_to_the_next),
        cmocka_unit_test(dma_memory_is_pinned_for_a_device),
        cmocka_unit_test(a_dead_drivers_pins_wait_for_the_device_reset),
        cmocka_unit_test(a_driver_reads_and_writes_the_simulated_disk),
        cmocka_unit_test(the_disk_driver_replays_over_seeds_with_late_interrupts),
        cmocka_unit_test(a_lost_completion_interrupt_is_a_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
