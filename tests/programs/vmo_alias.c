/* vmo_alias: vmo_read and vmo_write with a buffer that is a mapping of the
 * same VMO (docs/abi/vmo.md, "A buffer that aliases the VMO"). The kernel
 * copies one page of the VMO at a time, in increasing offset order, and
 * each page's bytes move as through a temporary (memmove), whatever the
 * overlap: destination above or below the source, in the byte, word and
 * block paths of the copy, across pages, and with one VMO page mapped at
 * two consecutive addresses (where a page's bytes swap halves). The
 * expected bytes come from a model of that rule; the VMO is read back
 * after every case. */
#include "selftest.h"

#define NAME  "vmo_alias"
#define PAGE  NX_VMO_PAGE_SIZE
#define PAGES 3u
#define CHUNK 256u

/* What the VMO should hold (program memory, never passed to the kernel). */
static unsigned char model[PAGES * PAGE];
static unsigned char scratch[PAGE];

static unsigned char pattern(uint32_t i)
{
    return (unsigned char)(i * 131u + (i >> 8) + 7u);
}

static void model_move(uint64_t dst, uint64_t src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        scratch[i] = model[src + i];
    for (uint64_t i = 0; i < n; i++)
        model[dst + i] = scratch[i];
}

/* The rule, for a linear alias (buf maps the VMO at offset `alias`): the
 * VMO side goes a page at a time, each piece through a temporary. */
static void model_call(bool read, uint64_t offset, uint64_t alias, uint64_t len)
{
    for (uint64_t done = 0, room; done < len; done += room) {
        room = PAGE - (offset + done) % PAGE;
        room = room < len - done ? room : len - done;
        if (read)
            model_move(alias + done, offset + done, room);
        else
            model_move(offset + done, alias + done, room);
    }
}

/* Fill the VMO (and the model) with the pattern; NX_OK or the status. */
static nx_status_t fill(nx_vmo_handle_t vmo)
{
    unsigned char chunk[CHUNK];
    for (uint32_t at = 0; at < PAGES * PAGE; at += CHUNK) {
        for (uint32_t i = 0; i < CHUNK; i++)
            chunk[i] = model[at + i] = pattern(at + i);
        nx_status_t st = nx_vmo_write(vmo, at, chunk, CHUNK);
        if (st != NX_OK)
            return st;
    }
    return NX_OK;
}

/* The first byte of the VMO that differs from the model, or PAGES * PAGE
 * (PAGES * PAGE + 1 when reading it back failed). */
static uint32_t first_wrong(nx_vmo_handle_t vmo)
{
    unsigned char chunk[CHUNK];
    for (uint32_t at = 0; at < PAGES * PAGE; at += CHUNK) {
        if (nx_vmo_read(vmo, at, chunk, CHUNK) != NX_OK)
            return PAGES * PAGE + 1u;
        for (uint32_t i = 0; i < CHUNK; i++)
            if (chunk[i] != model[at + i])
                return at + i;
    }
    return PAGES * PAGE;
}

/* One aliasing call through the whole-VMO mapping at `base`. */
typedef struct alias_case {
    bool read;       /* vmo_read (else vmo_write) */
    uint64_t offset; /* the call's VMO offset */
    uint64_t alias;  /* buf = base + alias: the VMO offset buf names */
    uint64_t len;
} alias_case_t;

static const alias_case_t cases[] = {
    { false, 116, 100, 1000 },   /* write, destination 16 above: the byte path */
    { false, 2000, 2016, 1000 }, /* write, destination below */
    { true, 100, 116, 1000 },    /* read, destination above */
    { true, 2016, 2000, 1000 },  /* read, destination below */
    { false, 1608, 1600, 256 },  /* word path, 8 apart */
    { true, 1024, 1088, 512 },   /* block path, 64 apart */
    { false, 3000, 3100, 6000 }, /* across pages, destination below */
    { true, 3000, 3100, 6000 },  /* across pages, destination above */
    { false, 3100, 3000, 6000 }, /* the same by write */
    { true, 4096, 4096, 4096 },  /* exactly onto itself */
};

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static int32_t run(void)
{
    const uintptr_t base = NX_TEST_MAP_BASE, twice = NX_TEST_MAP_BASE + 16u * PAGE;
    nx_vmo_handle_t vmo;
    nx_status_t st;
    if ((st = nx_vmo_create(PAGES * PAGE, &vmo)) != NX_OK)
        return fail("create", (uint64_t)-st);
    if ((st = nx_vmo_map(vmo, 0, base, PAGES * PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map", (uint64_t)-st);
    for (uint32_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const alias_case_t *k = &cases[c];
        if ((st = fill(vmo)) != NX_OK)
            return fail("fill", (uint64_t)-st);
        st = k->read ? nx_vmo_read(vmo, k->offset, (void *)(base + k->alias), k->len)
                     : nx_vmo_write(vmo, k->offset, (const void *)(base + k->alias), k->len);
        if (st != NX_OK)
            return fail(k->read ? "aliasing read" : "aliasing write", (uint64_t)-st);
        model_call(k->read, k->offset, k->alias, k->len);
        uint32_t wrong = first_wrong(vmo);
        if (wrong != PAGES * PAGE)
            return fail(k->read ? "aliasing read: byte differs from memmove's"
                                : "aliasing write: byte differs from memmove's",
                        c * 100000u + wrong);
    }

    /* Page 0 mapped at two consecutive pages: a page-long buffer starting
     * half-way names its second half, then its first. Through a temporary
     * the halves swap, by write and by read alike. */
    if ((st = nx_vmo_map(vmo, 0, twice, PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_OK ||
        (st = nx_vmo_map(vmo, 0, twice + PAGE, PAGE, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map page 0 twice", (uint64_t)-st);
    for (uint32_t r = 0; r < 2u; r++) {
        if ((st = fill(vmo)) != NX_OK)
            return fail("fill", (uint64_t)-st);
        const void *buf = (const void *)(twice + PAGE / 2u);
        st = r == 1u ? nx_vmo_read(vmo, 0, (void *)buf, PAGE) : nx_vmo_write(vmo, 0, buf, PAGE);
        if (st != NX_OK)
            return fail("twice-mapped page", (uint64_t)-st);
        for (uint32_t i = 0; i < PAGE; i++)
            scratch[i] = model[(i + PAGE / 2u) % PAGE];
        for (uint32_t i = 0; i < PAGE; i++)
            model[i] = scratch[i];
        uint32_t wrong = first_wrong(vmo);
        if (wrong != PAGES * PAGE)
            return fail(r == 1u ? "twice-mapped page, read: the halves did not swap"
                                : "twice-mapped page, write: the halves did not swap",
                        wrong);
    }
    if (nx_vmo_unmap(twice, PAGE) != NX_OK || nx_vmo_unmap(twice + PAGE, PAGE) != NX_OK ||
        nx_vmo_unmap(base, PAGES * PAGE) != NX_OK)
        return fail("unmap", 0);
    (void)nx_handle_close(vmo);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(vmo_alias)
{
    (void)arg;
    nx_thread_exit(run());
}
