/* vmo_sealed: sealing is enforced by the kernel, for every holder: after
 * vmo_seal no handle (a duplicate, a slice made before or after) can
 * write, and none can map writable; reading and read-only maps go on and
 * show the contents from before the seal. A handle without SEAL cannot
 * seal; a slice cannot seal its parent's pages. */
#include "selftest.h"

#define NAME "vmo_sealed"
#define PAGE NX_VMO_PAGE_SIZE

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static int32_t run(void)
{
    uintptr_t at = NX_TEST_MAP_BASE + 128u * PAGE;
    nx_vmo_handle_t vmo, noseal, before, after;
    nx_status_t st;
    /* Buffers on the stack: memory every port counts as the program's. */
    char text[] = "sealed contents", other[] = "changed";
    if ((st = nx_vmo_create(2u * PAGE, &vmo)) != NX_OK)
        return fail("create", (uint64_t)-st);
    if ((st = nx_vmo_write(vmo, 0, text, sizeof text)) != NX_OK)
        return fail("write", (uint64_t)-st);
    if ((st = nx_vmo_create_slice(vmo, PAGE, PAGE, &before)) != NX_OK)
        return fail("slice", (uint64_t)-st);
    if ((st = nx_handle_duplicate(vmo, NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_MAP, &noseal)) !=
        NX_OK)
        return fail("duplicate", (uint64_t)-st);
    if ((st = nx_vmo_seal(noseal)) != NX_ERR_ACCESS_DENIED)
        return fail("sealed without SEAL", (uint64_t)-st);
    if ((st = nx_vmo_seal(before)) != NX_ERR_NOT_SUPPORTED)
        return fail("a slice sealed its parent", (uint64_t)-st);
    if ((st = nx_vmo_seal(vmo)) != NX_OK)
        return fail("seal", (uint64_t)-st);
    if ((st = nx_vmo_create_slice(vmo, 0, PAGE, &after)) != NX_OK)
        return fail("slice after", (uint64_t)-st);
    nx_vmo_handle_t writers[3] = { vmo, noseal, before };
    for (uint32_t i = 0; i < 3u; i++) {
        if ((st = nx_vmo_write(writers[i], 0, other, sizeof other)) != NX_ERR_SEALED)
            return fail("a sealed VMO was written", i);
        if ((st = nx_vmo_map(writers[i], 0, at, PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_ERR_SEALED)
            return fail("a sealed VMO was mapped writable", i);
    }
    if ((st = nx_vmo_write(after, 0, other, sizeof other)) != NX_ERR_SEALED)
        return fail("a slice of a sealed VMO was written", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, at, PAGE, NX_VM_READ)) != NX_OK)
        return fail("a sealed VMO did not map read-only", (uint64_t)-st);
    char got[sizeof text];
    user_load(got, at, sizeof got);
    for (uint32_t i = 0; i < sizeof text; i++)
        if (got[i] != text[i])
            return fail("the contents changed", i);
    if ((st = nx_vmo_unmap(at, PAGE)) != NX_OK)
        return fail("unmap", (uint64_t)-st);
    nx_vmo_handle_t all[4] = { vmo, noseal, before, after };
    for (uint32_t i = 0; i < 4u; i++)
        (void)nx_handle_close(all[i]);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(vmo_sealed)
{
    (void)arg;
    nx_thread_exit(run());
}
