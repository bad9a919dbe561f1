/* vmo_wx: no mapping is ever both writable and executable, through one
 * mapping or through two aliases: a W+X request is NX_ERR_INVALID_ARGS; an
 * executable mapping of a VMO that can still be written (not sealed) is
 * NX_ERR_NOT_SEALED; a handle without EXECUTE cannot map executable; once
 * sealed, the same VMO maps read+execute, and nothing changed it. */
#include "selftest.h"

#define NAME "vmo_wx"
#define PAGE NX_VMO_PAGE_SIZE

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static int32_t run(void)
{
    uintptr_t at = NX_TEST_MAP_BASE + 64u * PAGE;
    nx_vmo_handle_t vmo, noexec;
    nx_status_t st;
    if ((st = nx_vmo_create(PAGE, &vmo)) != NX_OK)
        return fail("create", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, at, PAGE, NX_VM_WRITE | NX_VM_EXEC)) != NX_ERR_INVALID_ARGS)
        return fail("a W+X mapping was not refused", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, at, PAGE, NX_VM_READ | NX_VM_WRITE | NX_VM_EXEC)) !=
        NX_ERR_INVALID_ARGS)
        return fail("an RWX mapping was not refused", (uint64_t)-st);
    /* A writable alias elsewhere and an executable one here: refused. */
    if ((st = nx_vmo_map(vmo, 0, at + PAGE, PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map writable", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, at, PAGE, NX_VM_READ | NX_VM_EXEC)) != NX_ERR_NOT_SEALED)
        return fail("an executable alias of writable memory was not refused", (uint64_t)-st);
    static const uint32_t code_bytes[2] = { 0x00008067u, 0x00000013u }; /* ret; nop */
    user_store(at + PAGE, code_bytes, sizeof code_bytes);
    if ((st = nx_vmo_seal(vmo)) != NX_ERR_WRITABLE_MAPPED)
        return fail("sealed while mapped writable", (uint64_t)-st);
    if ((st = nx_vmo_unmap(at + PAGE, PAGE)) != NX_OK)
        return fail("unmap", (uint64_t)-st);
    if ((st = nx_vmo_seal(vmo)) != NX_OK)
        return fail("seal", (uint64_t)-st);
    if ((st = nx_handle_duplicate(vmo, NX_RIGHT_READ | NX_RIGHT_MAP, &noexec)) != NX_OK)
        return fail("duplicate", (uint64_t)-st);
    if ((st = nx_vmo_map(noexec, 0, at, PAGE, NX_VM_READ | NX_VM_EXEC)) != NX_ERR_ACCESS_DENIED)
        return fail("mapped executable without EXECUTE", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, at, PAGE, NX_VM_READ | NX_VM_EXEC)) != NX_OK)
        return fail("a sealed VMO did not map executable", (uint64_t)-st);
    uint32_t back[2] = { 0, 0 };
    user_load(back, at, sizeof back);
    if (back[0] != code_bytes[0] || back[1] != code_bytes[1])
        return fail("the executable mapping shows other bytes", back[0]);
    if ((st = nx_vmo_unmap(at, PAGE)) != NX_OK)
        return fail("unmap exec", (uint64_t)-st);
    (void)nx_handle_close(noexec);
    (void)nx_handle_close(vmo);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(vmo_wx)
{
    (void)arg;
    nx_thread_exit(run());
}
