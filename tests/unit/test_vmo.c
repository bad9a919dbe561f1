/*
 * test_vmo.c - VMOs called directly (nx/vmo.h): creation against the
 * task's memory budget, reads and writes by offset through real user
 * memory of the simulated machine, slices, sealing, mappings shared by two
 * address spaces, VMO handles sent over a channel. Every refusal at each
 * bound and one past it, with stale, forged, wrong-type and rights-less
 * handles, returns its status, is audited and changes nothing. Every test
 * ends with every pool back at its baseline (the fixture checks) and the
 * budget given back.
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/status.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/port.h"
#include "nx/task.h"
#include "nx/vmo.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

#define PAGE NX_PAGE_SIZE

/* User addresses of a test task (nx_test_user_task_new): scratch memory
 * (RW, 2 pages), a read-only page, and where the VMO mappings go. */
#define SCRATCH   NX_TEST_USER_SCRATCH
#define READ_ONLY NX_TEST_USER_READ_ONLY
#define MAP_AT(i) (nx_test_user_base() + 0x100000u + (uintptr_t)(i)*0x10000u)
#define UNMAPPED  (nx_test_user_base() + 0x80000u)

static nx_task_t *user_task(void)
{
    return nx_test_user_task_new();
}

static void as(nx_task_t *t)
{
    nx_test_run_as(t);
}

static void done(nx_task_t *t)
{
    as(NULL);
    nx_test_task_free(t);
}

static void poke(uintptr_t va, const void *src, size_t len)
{
    ASSERT_ST(nx_port_copy_to_user(va, src, len), NX_OK);
}

static void peek(void *dst, uintptr_t va, size_t len)
{
    ASSERT_ST(nx_port_copy_from_user(dst, va, len), NX_OK);
}

static nx_handle_t vmo(nx_task_t *t, uint64_t size)
{
    nx_handle_t h;
    ASSERT_ST(nx_sys_vmo_create(t, size, &h), NX_OK);
    return h;
}

static nx_handle_t with_rights(nx_task_t *t, nx_handle_t h, nx_rights_t rights)
{
    nx_handle_t d;
    ASSERT_ST(nx_sys_handle_duplicate(t, h, rights, &d), NX_OK);
    return d;
}

static uint64_t audits(void)
{
    return nx_audit_stats().appended;
}

static uint64_t size_of(nx_task_t *t, nx_handle_t h)
{
    uint64_t s = 0;
    ASSERT_ST(nx_sys_vmo_get_size(t, h, &s), NX_OK);
    return s;
}

/* Sizes: 0 and past the largest are refused, the rest round up to pages. */
static void create_sizes(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t h;
    uint64_t a0 = audits();
    ASSERT_ST(nx_sys_vmo_create(t, 0, &h), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_vmo_create(t, NX_VMO_MAX_BYTES + 1u, &h), NX_ERR_OUT_OF_RANGE);
    ASSERT_ST(nx_sys_vmo_create(t, UINT64_MAX, &h), NX_ERR_OUT_OF_RANGE);
    ASSERT_ST(nx_sys_vmo_create(t, PAGE, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(audits() - a0, 4);
    assert_int_equal(nx_vmo_task_charged(t), 0);
    assert_int_equal(nx_test_pool_used("vmos"), 0);

    h = vmo(t, 1);
    assert_int_equal(size_of(t, h), PAGE);
    assert_int_equal(nx_vmo_task_charged(t), PAGE);
    nx_handle_t big = vmo(t, NX_VMO_MAX_BYTES);
    assert_int_equal(size_of(t, big), NX_VMO_MAX_BYTES);
    nx_object_info_t info;
    ASSERT_ST(nx_handle_info(t, big, &info), NX_OK);
    assert_int_equal(info.type, NX_OBJ_VMO);
    assert_int_equal(info.rights, NX_DEFAULT_VMO_RIGHTS);
    ASSERT_ST(nx_sys_handle_close(t, h), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, big), NX_OK);
    assert_int_equal(nx_vmo_task_charged(t), 0);
    nx_test_task_free(t);
}

/* The budget: exactly NX_TASK_VMO_BUDGET, per task, given back when the
 * VMO goes (wherever its handle went). */
static void budget_bounds(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    enum { N = NX_TASK_VMO_BUDGET / NX_VMO_MAX_BYTES };
    nx_handle_t hs[N], h;
    for (uint32_t i = 0; i < N; i++)
        hs[i] = vmo(t, NX_VMO_MAX_BYTES);
    assert_int_equal(nx_vmo_task_charged(t), NX_TASK_VMO_BUDGET);
    uint64_t a0 = audits();
    ASSERT_ST(nx_sys_vmo_create(t, 1, &h), NX_ERR_NO_RESOURCES);
    assert_int_equal(audits() - a0, 1);
    assert_int_equal(nx_test_pool_used("vmos"), N);
    /* Another task has a budget of its own. */
    nx_handle_t other = vmo(u, PAGE);
    /* Sent away, a VMO still counts against its creator until it goes. */
    nx_handle_t moved;
    ASSERT_ST(nx_handle_transfer(t, &hs[0], 1, u, &moved), NX_OK);
    ASSERT_ST(nx_sys_vmo_create(t, 1, &h), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_handle_close(u, moved), NX_OK);
    assert_int_equal(nx_vmo_task_charged(t), NX_TASK_VMO_BUDGET - NX_VMO_MAX_BYTES);
    h = vmo(t, NX_VMO_MAX_BYTES); /* room again: exactly one more */
    ASSERT_ST(nx_sys_vmo_create(t, 1, &moved), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_handle_close(t, h), NX_OK);
    ASSERT_ST(nx_sys_handle_close(u, other), NX_OK);
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* A VMO outliving its creator refunds nobody: the slot's next task starts
 * with an empty account. */
static void budget_outlives_creator(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    nx_handle_t h = vmo(t, PAGE), moved;
    ASSERT_ST(nx_handle_transfer(t, &h, 1, u, &moved), NX_OK);
    nx_test_task_free(t);
    nx_task_t *again = nx_test_task_new(); /* may reuse t's slot */
    assert_int_equal(nx_vmo_task_charged(again), 0);
    nx_handle_t mine = vmo(again, PAGE);
    ASSERT_ST(nx_sys_handle_close(u, moved), NX_OK); /* refunds no one */
    assert_int_equal(nx_vmo_task_charged(again), PAGE);
    ASSERT_ST(nx_sys_handle_close(again, mine), NX_OK);
    assert_int_equal(nx_vmo_task_charged(again), 0);
    nx_test_task_free(again);
    nx_test_task_free(u);
}

/* The object pool: NX_MAX_VMOS, then NO_RESOURCES with nothing charged. */
static void pool_bound(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    static nx_handle_t hs[NX_MAX_VMOS];
    uint32_t half = NX_MAX_VMOS / 2u;
    for (uint32_t i = 0; i < NX_MAX_VMOS; i++)
        hs[i] = vmo(i < half ? t : u, PAGE);
    nx_handle_t h;
    uint64_t charged = nx_vmo_task_charged(u);
    ASSERT_ST(nx_sys_vmo_create(u, PAGE, &h), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_vmo_create_slice(t, hs[0], 0, PAGE, &h), NX_ERR_NO_RESOURCES);
    assert_int_equal(nx_vmo_task_charged(u), charged);
    for (uint32_t i = 0; i < NX_MAX_VMOS; i++)
        ASSERT_ST(nx_sys_handle_close(i < half ? t : u, hs[i]), NX_OK);
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* Reads and writes by offset through user memory, across pages. */
static void read_write(void **state)
{
    (void)state;
    nx_task_t *t = user_task();
    as(t);
    nx_handle_t h = vmo(t, 3u * PAGE);
    static const char text[] = "across a page boundary";
    poke(SCRATCH, text, sizeof text);
    ASSERT_ST(nx_sys_vmo_write(t, h, PAGE - 5u, SCRATCH, sizeof text), NX_OK);
    ASSERT_ST(nx_sys_vmo_read(t, h, PAGE - 5u, SCRATCH + PAGE, sizeof text), NX_OK);
    char back[sizeof text];
    peek(back, SCRATCH + PAGE, sizeof back);
    assert_memory_equal(back, text, sizeof text);
    /* Fresh pages are zero; the last byte is reachable. */
    unsigned char z = 0xff;
    ASSERT_ST(nx_sys_vmo_read(t, h, 3u * PAGE - 1u, SCRATCH, 1), NX_OK);
    peek(&z, SCRATCH, 1);
    assert_int_equal(z, 0);
    /* A whole page from user memory that spans two pages of it. */
    ASSERT_ST(nx_sys_vmo_write(t, h, 2u * PAGE, SCRATCH + 100u, PAGE), NX_OK);
    ASSERT_ST(nx_sys_vmo_read(t, h, 0, SCRATCH, 0), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, h), NX_OK);
    done(t);
}

/* Every bad offset, length, buffer and handle: a status, an audit record,
 * nothing changed in the VMO or in user memory. */
static void read_write_refused(void **state)
{
    (void)state;
    nx_task_t *t = user_task();
    as(t);
    nx_handle_t h = vmo(t, 2u * PAGE);
    static const char mark[] = "unchanged";
    poke(SCRATCH, mark, sizeof mark);
    ASSERT_ST(nx_sys_vmo_write(t, h, 0, SCRATCH, sizeof mark), NX_OK);
    const uint64_t size = 2u * PAGE;
    struct {
        uint64_t offset, len;
        uintptr_t buf;
        nx_status_t st;
    } cases[] = {
        { size, 1, SCRATCH, NX_ERR_OUT_OF_RANGE },               /* one past the end */
        { size - 1u, 2, SCRATCH, NX_ERR_OUT_OF_RANGE },          /* straddles it */
        { 0, size + 1u, SCRATCH, NX_ERR_OUT_OF_RANGE },          /* longer than it */
        { UINT64_MAX, 2, SCRATCH, NX_ERR_OUT_OF_RANGE },         /* offset + len wraps */
        { 1, UINT64_MAX, SCRATCH, NX_ERR_OUT_OF_RANGE },         /* len wraps */
        { 0, 16, UNMAPPED, NX_ERR_BAD_ADDRESS },                 /* no memory there */
        { 0, 16, SCRATCH + 2u * PAGE - 8u, NX_ERR_BAD_ADDRESS }, /* runs off the end */
        { 0, 8, (uintptr_t)&mark, NX_ERR_BAD_ADDRESS },          /* kernel memory */
        { 0, 8, UINTPTR_MAX - 3u, NX_ERR_BAD_ADDRESS },          /* wraps */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t a0 = audits();
        ASSERT_ST(nx_sys_vmo_write(t, h, cases[i].offset, cases[i].buf, cases[i].len), cases[i].st);
        ASSERT_ST(nx_sys_vmo_read(t, h, cases[i].offset, cases[i].buf, cases[i].len), cases[i].st);
        assert_int_equal(audits() - a0, 2);
    }
    /* Reading into a read-only page is refused; the page keeps its bytes. */
    ASSERT_ST(nx_sys_vmo_read(t, h, 0, READ_ONLY, 4), NX_ERR_BAD_ADDRESS);
    char ro[2];
    peek(ro, READ_ONLY, 2);
    assert_memory_equal(ro, "ro", 2);
    /* Writing from it is fine. */
    ASSERT_ST(nx_sys_vmo_write(t, h, PAGE, READ_ONLY, 2), NX_OK);

    /* Handles: missing rights, wrong type, closed, stale, forged. */
    nx_handle_t ro_h = with_rights(t, h, NX_RIGHT_READ);
    nx_handle_t wo_h = with_rights(t, h, NX_RIGHT_WRITE);
    ASSERT_ST(nx_sys_vmo_write(t, ro_h, 0, SCRATCH, 4), NX_ERR_ACCESS_DENIED);
    ASSERT_ST(nx_sys_vmo_read(t, wo_h, 0, SCRATCH, 4), NX_ERR_ACCESS_DENIED);
    nx_handle_t ev;
    ASSERT_ST(nx_sys_event_create(t, &ev), NX_OK);
    ASSERT_ST(nx_sys_vmo_read(t, ev, 0, SCRATCH, 4), NX_ERR_WRONG_TYPE);
    uint64_t s;
    ASSERT_ST(nx_sys_vmo_get_size(t, ev, &s), NX_ERR_WRONG_TYPE);
    ASSERT_ST(nx_sys_vmo_get_size(t, h, NULL), NX_ERR_INVALID_ARGS);
    nx_handle_t gone = with_rights(t, h, NX_RIGHTS_SAME);
    ASSERT_ST(nx_sys_handle_close(t, gone), NX_OK);
    ASSERT_ST(nx_sys_vmo_write(t, gone, 0, SCRATCH, 4), NX_ERR_BAD_HANDLE);
    nx_handle_t reuse = with_rights(t, h, NX_RIGHTS_SAME); /* the slot again, next generation */
    ASSERT_ST(nx_sys_vmo_write(t, gone, 0, SCRATCH, 4), NX_ERR_BAD_HANDLE);
    nx_handle_t forged = { h.v ^ 0x00ff0000u };
    ASSERT_ST(nx_sys_vmo_read(t, forged, 0, SCRATCH, 4), NX_ERR_BAD_HANDLE);
    ASSERT_ST(nx_sys_vmo_get_size(t, forged, &s), NX_ERR_BAD_HANDLE);

    /* Nothing above changed the VMO. */
    char back[sizeof mark];
    ASSERT_ST(nx_sys_vmo_read(t, h, 0, SCRATCH + PAGE, sizeof back), NX_OK);
    peek(back, SCRATCH + PAGE, sizeof back);
    assert_memory_equal(back, mark, sizeof mark);
    nx_handle_t all[] = { h, ro_h, wo_h, ev, reuse };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ASSERT_ST(nx_sys_handle_close(t, all[i]), NX_OK);
    done(t);
}

/* A slice is a window: writes through it land in the parent; it keeps the
 * pages after the parent's handle goes; bounds and depth are refused. */
static void slices(void **state)
{
    (void)state;
    nx_task_t *t = user_task();
    as(t);
    nx_handle_t p = vmo(t, 4u * PAGE), s;
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, PAGE, 2u * PAGE, &s), NX_OK);
    assert_int_equal(size_of(t, s), 2u * PAGE);
    poke(SCRATCH, "slice", 5);
    ASSERT_ST(nx_sys_vmo_write(t, s, 0, SCRATCH, 5), NX_OK);
    char back[5];
    ASSERT_ST(nx_sys_vmo_read(t, p, PAGE, SCRATCH + PAGE, 5), NX_OK);
    peek(back, SCRATCH + PAGE, 5);
    assert_memory_equal(back, "slice", 5);
    ASSERT_ST(nx_sys_vmo_write(t, s, 2u * PAGE - 1u, SCRATCH, 2), NX_ERR_OUT_OF_RANGE);
    /* Slices charge nothing. */
    assert_int_equal(nx_vmo_task_charged(t), 4u * PAGE);

    nx_handle_t h;
    uint64_t a0 = audits();
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, 1, PAGE, &h), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, 0, PAGE + 1u, &h), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, 0, 0, &h), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, 0, 5u * PAGE, &h), NX_ERR_OUT_OF_RANGE);
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, 4u * PAGE, PAGE, &h), NX_ERR_OUT_OF_RANGE);
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, UINT64_MAX - PAGE + 1u, 2u * PAGE, &h),
              NX_ERR_OUT_OF_RANGE);
    ASSERT_ST(nx_sys_vmo_create_slice(t, p, 0, PAGE, NULL), NX_ERR_INVALID_ARGS);
    nx_handle_t nodup = with_rights(t, p, NX_RIGHT_READ | NX_RIGHT_WRITE);
    ASSERT_ST(nx_sys_vmo_create_slice(t, nodup, 0, PAGE, &h), NX_ERR_ACCESS_DENIED);
    assert_int_equal(audits() - a0, 8);

    /* The slice's handle has its parent handle's rights: a read-only
     * parent handle gives a read-only slice. */
    nx_handle_t rod = with_rights(t, p, NX_RIGHT_READ | NX_RIGHT_DUPLICATE);
    nx_handle_t ros;
    ASSERT_ST(nx_sys_vmo_create_slice(t, rod, 0, PAGE, &ros), NX_OK);
    ASSERT_ST(nx_sys_vmo_write(t, ros, 0, SCRATCH, 1), NX_ERR_ACCESS_DENIED);

    /* Depth: NX_VMO_MAX_SLICE_DEPTH slices deep, not one more. */
    nx_handle_t chain[NX_VMO_MAX_SLICE_DEPTH + 1];
    chain[0] = p;
    for (uint32_t d = 1; d <= NX_VMO_MAX_SLICE_DEPTH; d++)
        ASSERT_ST(nx_sys_vmo_create_slice(t, chain[d - 1], 0, PAGE, &chain[d]), NX_OK);
    ASSERT_ST(nx_sys_vmo_create_slice(t, chain[NX_VMO_MAX_SLICE_DEPTH], 0, PAGE, &h),
              NX_ERR_OUT_OF_RANGE);
    /* The deepest sees what the parent wrote at offset 0. */
    poke(SCRATCH, "deep", 4);
    ASSERT_ST(nx_sys_vmo_write(t, p, 0, SCRATCH, 4), NX_OK);
    ASSERT_ST(nx_sys_vmo_read(t, chain[NX_VMO_MAX_SLICE_DEPTH], 0, SCRATCH + PAGE, 4), NX_OK);
    peek(back, SCRATCH + PAGE, 4);
    assert_memory_equal(back, "deep", 4);

    /* The parent's handle goes; the slice keeps the pages (and the charge). */
    for (uint32_t d = 1; d <= NX_VMO_MAX_SLICE_DEPTH; d++)
        ASSERT_ST(nx_sys_handle_close(t, chain[d]), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, p), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, nodup), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, rod), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, ros), NX_OK);
    assert_int_equal(nx_vmo_task_charged(t), 4u * PAGE);
    ASSERT_ST(nx_sys_vmo_read(t, s, 0, SCRATCH + PAGE, 5), NX_OK);
    peek(back, SCRATCH + PAGE, 5);
    assert_memory_equal(back, "slice", 5);
    ASSERT_ST(nx_sys_handle_close(t, s), NX_OK);
    assert_int_equal(nx_vmo_task_charged(t), 0);
    done(t);
}

/* Two tasks map one VMO: each sees the other's writes; the second maps it
 * read-only and cannot write through its mapping; unmapped, it is gone. */
static void shared_mapping(void **state)
{
    (void)state;
    nx_task_t *a = user_task(), *b = user_task();
    nx_handle_t h = vmo(a, 2u * PAGE), dup = with_rights(a, h, NX_RIGHTS_SAME), hb;
    ASSERT_ST(nx_handle_transfer(a, &dup, 1, b, &hb), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(a, h, 0, MAP_AT(0), 2u * PAGE, NX_VM_READ | NX_VM_WRITE), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(b, hb, PAGE, MAP_AT(3), PAGE, NX_VM_READ), NX_OK);
    as(a);
    poke(MAP_AT(0) + PAGE + 8u, "from a", 6);
    as(b);
    char back[6];
    peek(back, MAP_AT(3) + 8u, 6);
    assert_memory_equal(back, "from a", 6);
    ASSERT_ST(nx_port_copy_to_user(MAP_AT(3), "x", 1), NX_ERR_BAD_ADDRESS);
    /* b writes through the VMO (its handle has WRITE); a's mapping sees it. */
    poke(SCRATCH, "from b", 6);
    ASSERT_ST(nx_sys_vmo_write(b, hb, 16, SCRATCH, 6), NX_OK);
    as(a);
    peek(back, MAP_AT(0) + 16u, 6);
    assert_memory_equal(back, "from b", 6);
    /* The handle goes; the mapping keeps the pages. */
    ASSERT_ST(nx_sys_handle_close(a, h), NX_OK);
    assert_int_equal(nx_test_pool_used("vmos"), 1);
    peek(back, MAP_AT(0) + 16u, 6);
    assert_memory_equal(back, "from b", 6);
    /* Unmapped: the range is no longer memory. */
    ASSERT_ST(nx_sys_vmo_unmap(a, MAP_AT(0), 2u * PAGE), NX_OK);
    ASSERT_ST(nx_port_copy_from_user(back, MAP_AT(0), 1), NX_ERR_BAD_ADDRESS);
    ASSERT_ST(nx_sys_vmo_unmap(a, MAP_AT(0), 2u * PAGE), NX_ERR_NOT_FOUND);
    /* b's task ends with its mapping in place: the VMO goes with it. */
    ASSERT_ST(nx_sys_handle_close(b, hb), NX_OK);
    assert_int_equal(nx_test_pool_used("vmos"), 1);
    as(NULL);
    nx_test_task_free(b);
    assert_int_equal(nx_test_pool_used("vmos"), 0);
    assert_int_equal(nx_vmo_task_charged(a), 0);
    done(a);
}

/* Every bad map and unmap: its status, nothing mapped. */
static void map_refused(void **state)
{
    (void)state;
    nx_task_t *t = user_task();
    nx_handle_t h = vmo(t, 2u * PAGE);
    const uint32_t rw = NX_VM_READ | NX_VM_WRITE;
    struct {
        uint64_t offset, va, len, prot;
        nx_status_t st;
    } cases[] = {
        { 0, MAP_AT(0), PAGE, 0, NX_ERR_INVALID_ARGS },                        /* no prot */
        { 0, MAP_AT(0), PAGE, 8, NX_ERR_INVALID_ARGS },                        /* unknown bit */
        { 0, MAP_AT(0), PAGE, NX_VM_WRITE | NX_VM_EXEC, NX_ERR_INVALID_ARGS }, /* W^X */
        { 0, MAP_AT(0), PAGE, NX_VM_READ | NX_VM_WRITE | NX_VM_EXEC, NX_ERR_INVALID_ARGS },
        { 0, MAP_AT(0) + 8u, PAGE, rw, NX_ERR_INVALID_ARGS },    /* unaligned va */
        { 8, MAP_AT(0), PAGE, rw, NX_ERR_INVALID_ARGS },         /* unaligned offset */
        { 0, MAP_AT(0), PAGE + 8u, rw, NX_ERR_INVALID_ARGS },    /* unaligned length */
        { 0, MAP_AT(0), 0, rw, NX_ERR_INVALID_ARGS },            /* empty */
        { 0, MAP_AT(0), 3u * PAGE, rw, NX_ERR_OUT_OF_RANGE },    /* past the VMO */
        { 2u * PAGE, MAP_AT(0), PAGE, rw, NX_ERR_OUT_OF_RANGE }, /* offset at the end */
        { UINT64_MAX - PAGE + 1u, MAP_AT(0), 2u * PAGE, rw, NX_ERR_OUT_OF_RANGE }, /* wraps */
        { 0, PAGE, PAGE, rw, NX_ERR_OUT_OF_RANGE },                                /* below user */
        { 0, UINT64_MAX - PAGE + 1u, PAGE, rw, NX_ERR_OUT_OF_RANGE },              /* kernel half */
        { 0, SCRATCH + PAGE, PAGE, rw, NX_ERR_ALREADY_EXISTS },             /* over scratch */
        { 0, MAP_AT(0), PAGE, NX_VM_READ | NX_VM_EXEC, NX_ERR_NOT_SEALED }, /* exec, unsealed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t a0 = audits();
        nx_status_t st =
            nx_sys_vmo_map(t, h, cases[i].offset, cases[i].va, cases[i].len, cases[i].prot);
        if (st != cases[i].st)
            fail_msg("case %zu: %s, expected %s", i, nx_status_name(st),
                     nx_status_name(cases[i].st));
        assert_int_equal(audits() - a0, 1);
        assert_int_equal(t->vm.count, 0);
    }
    /* Overlap with a VMO mapping, at its start and inside it. */
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(0), 2u * PAGE, rw), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(0), PAGE, NX_VM_READ), NX_ERR_ALREADY_EXISTS);
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(0) + PAGE, PAGE, NX_VM_READ), NX_ERR_ALREADY_EXISTS);
    /* Rights: MAP, and the one each protection names. */
    nx_handle_t nomap = with_rights(t, h, NX_RIGHT_READ | NX_RIGHT_WRITE);
    nx_handle_t ro = with_rights(t, h, NX_RIGHT_READ | NX_RIGHT_MAP);
    nx_handle_t wo = with_rights(t, h, NX_RIGHT_WRITE | NX_RIGHT_MAP);
    ASSERT_ST(nx_sys_vmo_map(t, nomap, 0, MAP_AT(1), PAGE, NX_VM_READ), NX_ERR_ACCESS_DENIED);
    ASSERT_ST(nx_sys_vmo_map(t, ro, 0, MAP_AT(1), PAGE, rw), NX_ERR_ACCESS_DENIED);
    ASSERT_ST(nx_sys_vmo_map(t, wo, 0, MAP_AT(1), PAGE, NX_VM_READ), NX_ERR_ACCESS_DENIED);
    ASSERT_ST(nx_sys_vmo_map(t, ro, 0, MAP_AT(1), PAGE, NX_VM_READ), NX_OK);
    nx_handle_t ev;
    ASSERT_ST(nx_sys_event_create(t, &ev), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(t, ev, 0, MAP_AT(2), PAGE, NX_VM_READ), NX_ERR_WRONG_TYPE);
    nx_handle_t forged = { h.v ^ 0x00ff0000u };
    ASSERT_ST(nx_sys_vmo_map(t, forged, 0, MAP_AT(2), PAGE, NX_VM_READ), NX_ERR_BAD_HANDLE);
    assert_int_equal(t->vm.count, 2);

    /* Unmap: only exactly what was mapped. */
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(0), 0), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(0) + 8u, PAGE), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(0), PAGE), NX_ERR_NOT_FOUND);        /* part of it */
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(0) + PAGE, PAGE), NX_ERR_NOT_FOUND); /* its tail */
    ASSERT_ST(nx_sys_vmo_unmap(t, SCRATCH, 2u * PAGE), NX_ERR_NOT_FOUND);     /* not a VMO's */
    assert_int_equal(t->vm.count, 2);
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(1), PAGE), NX_OK);
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(0), 2u * PAGE), NX_OK);
    assert_int_equal(t->vm.count, 0);

    /* A task without an address space has nowhere to map. */
    nx_task_t *k = nx_test_task_new();
    nx_handle_t kh = vmo(k, PAGE);
    ASSERT_ST(nx_sys_vmo_map(k, kh, 0, MAP_AT(0), PAGE, NX_VM_READ), NX_ERR_BAD_STATE);
    ASSERT_ST(nx_sys_vmo_unmap(k, MAP_AT(0), PAGE), NX_ERR_NOT_FOUND);
    ASSERT_ST(nx_sys_handle_close(k, kh), NX_OK);
    nx_test_task_free(k);

    nx_handle_t all[] = { h, nomap, ro, wo, ev };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ASSERT_ST(nx_sys_handle_close(t, all[i]), NX_OK);
    done(t);
}

/* NX_TASK_MAX_MAPPINGS mappings, not one more; the task's end unmaps them. */
static void mapping_table_bound(void **state)
{
    (void)state;
    nx_task_t *t = user_task();
    nx_handle_t h = vmo(t, PAGE);
    for (uint32_t i = 0; i < NX_TASK_MAX_MAPPINGS; i++)
        ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(i), PAGE, NX_VM_READ | NX_VM_WRITE), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(NX_TASK_MAX_MAPPINGS), PAGE, NX_VM_READ),
              NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_handle_close(t, h), NX_OK);
    assert_int_equal(nx_test_pool_used("vmos"), 1); /* the mappings hold it */
    done(t);
    assert_int_equal(nx_test_pool_used("vmos"), 0);
}

/* Sealing: needs SEAL, only a root, not while mapped writable; afterwards
 * no write and no writable map through any handle or slice; executable
 * maps need it. */
static void sealing(void **state)
{
    (void)state;
    nx_task_t *t = user_task();
    as(t);
    nx_handle_t h = vmo(t, 2u * PAGE), s;
    ASSERT_ST(nx_sys_vmo_create_slice(t, h, PAGE, PAGE, &s), NX_OK);
    poke(SCRATCH, "sealed", 6);
    ASSERT_ST(nx_sys_vmo_write(t, h, 0, SCRATCH, 6), NX_OK);
    nx_handle_t noseal = with_rights(t, h, NX_DEFAULT_VMO_RIGHTS & ~NX_RIGHT_SEAL);
    ASSERT_ST(nx_sys_vmo_seal(t, noseal), NX_ERR_ACCESS_DENIED);
    ASSERT_ST(nx_sys_vmo_seal(t, s), NX_ERR_NOT_SUPPORTED);
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(0), PAGE, NX_VM_READ | NX_VM_WRITE), NX_OK);
    ASSERT_ST(nx_sys_vmo_seal(t, h), NX_ERR_WRITABLE_MAPPED); /* a writable mapping exists */
    ASSERT_ST(nx_sys_vmo_unmap(t, MAP_AT(0), PAGE), NX_OK);
    ASSERT_ST(nx_sys_vmo_seal(t, h), NX_OK);
    ASSERT_ST(nx_sys_vmo_seal(t, h), NX_OK); /* idempotent */

    uint64_t a0 = audits();
    poke(SCRATCH, "XXXXXX", 6);
    ASSERT_ST(nx_sys_vmo_write(t, h, 0, SCRATCH, 6), NX_ERR_SEALED);
    ASSERT_ST(nx_sys_vmo_write(t, s, 0, SCRATCH, 6), NX_ERR_SEALED);
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(0), PAGE, NX_VM_READ | NX_VM_WRITE), NX_ERR_SEALED);
    ASSERT_ST(nx_sys_vmo_map(t, s, 0, MAP_AT(0), PAGE, NX_VM_WRITE), NX_ERR_SEALED);
    nx_handle_t s2;
    ASSERT_ST(nx_sys_vmo_create_slice(t, h, 0, PAGE, &s2), NX_OK);
    ASSERT_ST(nx_sys_vmo_write(t, s2, 0, SCRATCH, 1), NX_ERR_SEALED);
    assert_int_equal(audits() - a0, 5);
    char back[6];
    ASSERT_ST(nx_sys_vmo_read(t, h, 0, SCRATCH + PAGE, 6), NX_OK);
    peek(back, SCRATCH + PAGE, 6);
    assert_memory_equal(back, "sealed", 6);
    /* Read-only and executable maps are fine now (needing EXECUTE). */
    ASSERT_ST(nx_sys_vmo_map(t, h, 0, MAP_AT(0), PAGE, NX_VM_READ), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(t, s, 0, MAP_AT(1), PAGE, NX_VM_READ | NX_VM_EXEC), NX_OK);
    ASSERT_ST(nx_sys_vmo_map(t, noseal, 0, MAP_AT(2), PAGE, NX_VM_EXEC), NX_OK);
    nx_handle_t noexec = with_rights(t, h, NX_RIGHT_READ | NX_RIGHT_MAP);
    ASSERT_ST(nx_sys_vmo_map(t, noexec, 0, MAP_AT(3), PAGE, NX_VM_READ | NX_VM_EXEC),
              NX_ERR_ACCESS_DENIED);
    peek(back, MAP_AT(0), 6);
    assert_memory_equal(back, "sealed", 6);
    nx_handle_t all[] = { h, s, s2, noseal, noexec };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ASSERT_ST(nx_sys_handle_close(t, all[i]), NX_OK);
    done(t);
}

/* The zero-copy path: a VMO handle travels in a message; the receiver
 * maps what the sender wrote; the sender's handle is stale. */
static void over_a_channel(void **state)
{
    (void)state;
    nx_task_t *a = user_task(), *b = user_task();
    nx_handle_t ea, eb, tmp;
    ASSERT_ST(nx_channel_new(a, &ea, &tmp), NX_OK);
    ASSERT_ST(nx_handle_transfer(a, &tmp, 1, b, &eb), NX_OK);
    nx_handle_t h = vmo(a, PAGE);
    as(a);
    poke(SCRATCH, "zero copy", 9);
    ASSERT_ST(nx_sys_vmo_write(a, h, 0, SCRATCH, 9), NX_OK);
    /* Sent twice in one message: refused, nothing moved. */
    nx_handle_t twice[2] = { h, h };
    poke(SCRATCH, twice, sizeof twice);
    ASSERT_ST(nx_sys_channel_write(a, ea, 0, 0, SCRATCH, 2, 0), NX_ERR_INVALID_ARGS);
    assert_int_equal(size_of(a, h), PAGE);
    poke(SCRATCH, &h, sizeof h);
    ASSERT_ST(nx_sys_channel_write(a, ea, 0, 0, SCRATCH, 1, 0), NX_OK);
    uint64_t s;
    ASSERT_ST(nx_sys_vmo_get_size(a, h, &s), NX_ERR_BAD_HANDLE);
    as(b);
    nx_msg_info_t info;
    ASSERT_ST(nx_sys_channel_read(b, eb, 0, 0, SCRATCH, 1, SCRATCH + 64u), NX_OK);
    peek(&info, SCRATCH + 64u, sizeof info);
    assert_int_equal(info.handles, 1);
    nx_handle_t hb;
    peek(&hb, SCRATCH, sizeof hb);
    ASSERT_ST(nx_sys_vmo_map(b, hb, 0, MAP_AT(0), PAGE, NX_VM_READ), NX_OK);
    char back[9];
    peek(back, MAP_AT(0), 9);
    assert_memory_equal(back, "zero copy", 9);
    ASSERT_ST(nx_sys_handle_close(b, hb), NX_OK);
    ASSERT_ST(nx_sys_handle_close(a, ea), NX_OK);
    ASSERT_ST(nx_sys_handle_close(b, eb), NX_OK);
    as(NULL);
    nx_test_task_free(b);
    done(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(create_sizes),
        CORE_TEST(budget_bounds),
        CORE_TEST(budget_outlives_creator),
        CORE_TEST(pool_bound),
        CORE_TEST(read_write),
        CORE_TEST(read_write_refused),
        CORE_TEST(slices),
        CORE_TEST(shared_mapping),
        CORE_TEST(map_refused),
        CORE_TEST(mapping_table_bound),
        CORE_TEST(sealing),
        CORE_TEST(over_a_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
