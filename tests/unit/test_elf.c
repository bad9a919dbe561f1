/*
 * test_elf.c - the ELF loader (core/loader/elf.c) against crafted images:
 * a good one loads (contents, zero fill, permissions checked through the
 * port's user copies), and each kind of bad one is refused with its
 * reason and nothing mapped. Images are built in memory, field by field.
 */
#include "elf_image.h"
#include "nx_test.h"

#include <string.h>

#include "nx/elf.h"
#include "nx/port.h"
#include "nxsim/harness.h"

#define BASE 0x1000000000ull /* the user range's start, as both ports have it */
#define PAGE NX_PAGE_SIZE

/* An image: header at 0, program headers at 64, segment bytes from 4096. */
static unsigned char img[8 * PAGE];

static void put16(size_t off, uint16_t v)
{
    nx_test_elf_put16(img, off, v);
}
static void put32(size_t off, uint32_t v)
{
    nx_test_elf_put32(img, off, v);
}
static void put64(size_t off, uint64_t v)
{
    nx_test_elf_put64(img, off, v);
}

/* Program header i: type, flags, offset, vaddr, filesz, memsz. */
static void phdr(uint32_t i, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
                 uint64_t filesz, uint64_t memsz)
{
    nx_test_elf_phdr(img, i, type, flags, off, va, filesz, memsz, PAGE);
}

/* A good image: text (R+X) at BASE with code bytes, data (R+W) at BASE +
 * 2 pages with 16 bytes of contents and 2 pages of memory. */
static void good_image(void)
{
    nx_test_elf_header(img, sizeof img, BASE + 0x10, 3); /* text, data, a note */
    phdr(0, 1, 5, PAGE, BASE, 32, 32);
    phdr(1, 1, 6, 2 * PAGE, BASE + 2 * PAGE, 16, 2 * PAGE);
    phdr(2, 4, 4, 0, 0, 0, 0);    /* PT_NOTE: ignored */
    memset(img + PAGE, 0x13, 32); /* "nop"s */
    memcpy(img + 2 * PAGE, "data segment 16b", 16);
}

static nx_port_aspace_t as;

static int setup(void **state)
{
    int rc = nx_test_core_setup(state);
    good_image();
    assert_int_equal(nx_port_aspace_create(&as), NX_OK);
    return rc;
}

static int teardown(void **state)
{
    nx_port_aspace_activate(NULL);
    nx_port_aspace_destroy(&as);
    return nx_test_core_teardown(state);
}

static void loads_a_good_image(void **state)
{
    (void)state;
    uintptr_t entry = 0;
    nx_elf_reason_t why;
    assert_int_equal(nx_elf_load(img, sizeof img, &as, &entry, &why), NX_OK);
    assert_int_equal(why, NX_ELF_OK);
    assert_int_equal(entry, BASE + 0x10);
    nx_port_aspace_activate(&as);
    unsigned char buf[32];
    assert_int_equal(nx_port_copy_from_user(buf, BASE, 32), NX_OK);
    for (int i = 0; i < 32; i++)
        assert_int_equal(buf[i], 0x13);
    assert_int_equal(nx_port_copy_from_user(buf, BASE + 2 * PAGE, 16), NX_OK);
    assert_memory_equal(buf, "data segment 16b", 16);
    /* Beyond the file bytes: zeros, to the end of the memory size. */
    assert_int_equal(nx_port_copy_from_user(buf, BASE + 3 * PAGE + PAGE - 32, 32), NX_OK);
    for (int i = 0; i < 32; i++)
        assert_int_equal(buf[i], 0);
    /* Text is not writable, data is. */
    assert_int_equal(nx_port_copy_to_user(BASE, "x", 1), NX_ERR_BAD_ADDRESS);
    assert_int_equal(nx_port_copy_to_user(BASE + 2 * PAGE, "x", 1), NX_OK);
    /* Nothing between or after the segments. */
    assert_int_equal(nx_port_copy_from_user(buf, BASE + PAGE, 1), NX_ERR_BAD_ADDRESS);
    assert_int_equal(nx_port_copy_from_user(buf, BASE + 4 * PAGE, 1), NX_ERR_BAD_ADDRESS);
}

/* Each change makes the image bad for one reason; nothing gets mapped. */
static void refuses(nx_elf_reason_t want, size_t size)
{
    uintptr_t entry = 0;
    nx_elf_reason_t why = NX_ELF_OK;
    assert_int_equal(nx_elf_load(img, size, &as, &entry, &why), NX_ERR_MALFORMED);
    if (why != want)
        fail_msg("refused for %s, expected %s", nx_elf_reason_name(why), nx_elf_reason_name(want));
    assert_int_equal(entry, 0);
    /* Nothing mapped: the good image still loads into the same space. */
    good_image();
    assert_int_equal(nx_elf_load(img, sizeof img, &as, &entry, &why), NX_OK);
}

static void too_small(void **state)
{
    (void)state;
    refuses(NX_ELF_TOO_SMALL, 63);
}

static void too_large(void **state)
{
    (void)state;
    refuses(NX_ELF_TOO_LARGE, NX_ELF_MAX_IMAGE_BYTES + 1u); /* refused before any read */
}

#define BAD(name, want, ...)                                                                       \
    static void name(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        __VA_ARGS__;                                                                               \
        refuses(want, sizeof img);                                                                 \
    }

BAD(bad_magic, NX_ELF_BAD_MAGIC, img[1] = 'X')
BAD(not_64bit, NX_ELF_NOT_64BIT, img[4] = 1)
BAD(big_endian, NX_ELF_NOT_LITTLE, img[5] = 2)
BAD(bad_ident_version, NX_ELF_BAD_VERSION, img[6] = 0)
BAD(bad_version, NX_ELF_BAD_VERSION, put32(20, 2))
BAD(shared_object, NX_ELF_NOT_EXEC, put16(16, 3))
BAD(wrong_machine, NX_ELF_WRONG_MACHINE, put16(18, 62))
BAD(phentsize, NX_ELF_BAD_PHDRS, put16(54, 32))
BAD(no_phdrs, NX_ELF_BAD_PHDRS, put16(56, 0))
BAD(phdrs_past_end, NX_ELF_BAD_PHDRS, put64(32, sizeof img - 100))
BAD(phoff_huge, NX_ELF_BAD_PHDRS, put64(32, UINT64_MAX - 10))
BAD(too_many_phdrs, NX_ELF_TOO_MANY_SEGMENTS, put16(56, NX_ELF_MAX_PHDRS + 1))
BAD(segment_past_image, NX_ELF_SEGMENT_OUTSIDE,
    phdr(1, 1, 6, 7 * PAGE, BASE + 2 * PAGE, 2 * PAGE, 2 * PAGE))
BAD(segment_offset_wraps, NX_ELF_SEGMENT_OUTSIDE,
    phdr(1, 1, 6, UINT64_MAX - PAGE + 1, BASE + 2 * PAGE, 16, PAGE))
BAD(segment_unaligned_va, NX_ELF_SEGMENT_UNALIGNED,
    phdr(1, 1, 6, 2 * PAGE, BASE + 2 * PAGE + 8, 16, PAGE))
BAD(segment_unaligned_offset, NX_ELF_SEGMENT_UNALIGNED,
    phdr(1, 1, 6, 2 * PAGE + 8, BASE + 2 * PAGE, 16, PAGE))
BAD(filesz_above_memsz, NX_ELF_SEGMENT_SIZES,
    phdr(1, 1, 6, 2 * PAGE, BASE + 2 * PAGE, 2 * PAGE, PAGE))
BAD(memsz_zero, NX_ELF_SEGMENT_SIZES, phdr(1, 1, 6, 2 * PAGE, BASE + 2 * PAGE, 16, 0))
BAD(segment_below_user, NX_ELF_SEGMENT_RANGE, phdr(1, 1, 6, 2 * PAGE, 0x80200000ull, 16, PAGE))
BAD(segment_past_user_top, NX_ELF_SEGMENT_RANGE,
    phdr(1, 1, 6, 2 * PAGE, 0x2000000000ull - PAGE, 16, 2 * PAGE))
BAD(segment_memsz_huge, NX_ELF_SEGMENT_RANGE,
    phdr(1, 1, 6, 2 * PAGE, BASE + 2 * PAGE, 16, UINT64_MAX - 5))
BAD(segments_overlap, NX_ELF_SEGMENT_OVERLAP, phdr(1, 1, 6, 2 * PAGE, BASE, 16, PAGE))
BAD(write_and_exec, NX_ELF_WRITE_EXEC, phdr(1, 1, 7, 2 * PAGE, BASE + 2 * PAGE, 16, PAGE))
BAD(no_access, NX_ELF_SEGMENT_FLAGS, phdr(1, 1, 2, 2 * PAGE, BASE + 2 * PAGE, 16, PAGE))
BAD(no_loadable, NX_ELF_NO_SEGMENTS, phdr(0, 4, 5, PAGE, BASE, 32, 32); phdr(1, 4, 6, 0, 0, 0, 0))
BAD(entry_in_data, NX_ELF_BAD_ENTRY, put64(24, BASE + 2 * PAGE))
BAD(entry_nowhere, NX_ELF_BAD_ENTRY, put64(24, BASE + 6 * PAGE))

/* An empty loadable segment is skipped, not refused. */
static void empty_segment_skipped(void **state)
{
    (void)state;
    phdr(2, 1, 4, 0, BASE + 6 * PAGE, 0, 0);
    uintptr_t entry = 0;
    nx_elf_reason_t why;
    assert_int_equal(nx_elf_load(img, sizeof img, &as, &entry, &why), NX_OK);
    nx_port_aspace_activate(&as);
    unsigned char b;
    assert_int_equal(nx_port_copy_from_user(&b, BASE + 6 * PAGE, 1), NX_ERR_BAD_ADDRESS);
}

/* More loadable segments than the bound (one past it). */
static void too_many_loadable(void **state)
{
    (void)state;
    put16(56, NX_ELF_MAX_SEGMENTS + 1u);
    for (uint32_t i = 0; i < NX_ELF_MAX_SEGMENTS + 1u; i++)
        phdr(i, 1, 4, PAGE, BASE + 16u * i * PAGE, 32, 32);
    refuses(NX_ELF_TOO_MANY_SEGMENTS, sizeof img);
}

/* At the bound: exactly NX_ELF_MAX_SEGMENTS load. */
static void max_loadable(void **state)
{
    (void)state;
    put16(56, NX_ELF_MAX_SEGMENTS);
    for (uint32_t i = 0; i < NX_ELF_MAX_SEGMENTS; i++)
        phdr(i, 1, 5, PAGE, BASE + 16u * i * PAGE, 32, 32);
    uintptr_t entry = 0;
    nx_elf_reason_t why;
    assert_int_equal(nx_elf_load(img, sizeof img, &as, &entry, &why), NX_OK);
}

static void null_arguments(void **state)
{
    (void)state;
    uintptr_t entry;
    assert_int_equal(nx_elf_load(NULL, sizeof img, &as, &entry, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_elf_load(img, sizeof img, NULL, &entry, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_elf_load(img, sizeof img, &as, NULL, NULL), NX_ERR_INVALID_ARGS);
}

/* Every reason has its own name. */
static void reason_names(void **state)
{
    (void)state;
    for (int r = 0; r < NX_ELF_REASON_COUNT; r++) {
        assert_string_not_equal(nx_elf_reason_name((nx_elf_reason_t)r), "unknown");
        for (int k = 0; k < r; k++)
            assert_string_not_equal(nx_elf_reason_name((nx_elf_reason_t)r),
                                    nx_elf_reason_name((nx_elf_reason_t)k));
    }
    assert_string_equal(nx_elf_reason_name(NX_ELF_REASON_COUNT), "unknown");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(loads_a_good_image),
        T(too_small),
        T(bad_magic),
        T(not_64bit),
        T(big_endian),
        T(bad_ident_version),
        T(bad_version),
        T(shared_object),
        T(wrong_machine),
        T(phentsize),
        T(no_phdrs),
        T(phdrs_past_end),
        T(phoff_huge),
        T(too_many_phdrs),
        T(segment_past_image),
        T(segment_offset_wraps),
        T(segment_unaligned_va),
        T(segment_unaligned_offset),
        T(filesz_above_memsz),
        T(memsz_zero),
        T(segment_below_user),
        T(segment_past_user_top),
        T(segment_memsz_huge),
        T(segments_overlap),
        T(write_and_exec),
        T(no_access),
        T(no_loadable),
        T(entry_in_data),
        T(entry_nowhere),
        T(too_large),
        T(too_many_loadable),
        T(max_loadable),
        T(null_arguments),
        T(reason_names),
        T(empty_segment_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
