/*
 * nx/bootinfo.h - the machine as the device tree describes it, validated.
 *
 * Both ports describe their machine with a flattened device tree: OpenSBI
 * hands the rv64 kernel QEMU's, the simulator builds one shaped like QEMU
 * virt. nx_bootinfo_parse() is the only code that reads a DTB. It treats the
 * blob as hostile (seed TASK-0244: DTB tampering): every offset, size, cell
 * count and string is checked before use, every loop is bounded by a
 * constant below, and a malformed blob is refused with a status and a reason
 * instead of being partially trusted.
 *
 * The result is a plain, bounded struct; nothing in it points into the DTB.
 */
#ifndef NX_BOOTINFO_H
#define NX_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/limits.h"
#include "nexus/status.h"

/* Bounds of the parser; each is tested at the bound and one past it. */
#define NX_BOOTINFO_MAX_MEM_REGIONS 8u  /* memory ranges kept; more are counted, ignored */
#define NX_BOOTINFO_MAX_RESERVED    16u /* reserved ranges kept; more are counted, ignored */
#define NX_BOOTINFO_MAX_VIRTIO      8u  /* virtio-mmio slots kept; more are counted, ignored */
#define NX_BOOTINFO_MAX_DTB_BYTES   (1u << 20) /* a larger totalsize is refused */
#define NX_BOOTINFO_MAX_NODES       4096u      /* a DTB with more nodes is refused */
#define NX_BOOTINFO_MAX_DEPTH       16u        /* levels of nesting, the root being 1 */
/* Enabled cpus, all checked for duplicate hart ids; more are refused
 * (OpenSBI runs at most 128 harts). */
#define NX_BOOTINFO_MAX_CPU_NODES  256u
#define NX_BOOTINFO_MAX_BOOTARGS   128u /* /chosen/bootargs kept, NUL included */
#define NX_BOOTINFO_MAX_PLIC_LINKS 64u  /* interrupts-extended pairs examined */
#define NX_BOOTINFO_MAX_RANGES     64u  /* entries of one bus's ranges; more: refused */

/* Pass as boot_hartid when no hart must be kept (tests, tools). */
#define NX_BOOTINFO_ANY_HART UINT64_MAX

typedef struct nx_mem_range {
    uint64_t base;
    uint64_t size;
} nx_mem_range_t;

typedef struct nx_hart_info {
    uint64_t hartid;        /* hardware id: the cpu node's reg (mhartid on RISC-V) */
    uint32_t intc_phandle;  /* phandle of its riscv,cpu-intc child, 0 if none */
    int32_t plic_s_context; /* PLIC context of this hart's S-mode, -1 if none */
    bool has_sstc;          /* riscv,isa lists the Sstc extension */
} nx_hart_info_t;

typedef struct nx_mmio_region {
    bool present;
    uint64_t base; /* physical address, translated through parent bus ranges */
    uint64_t size;
    uint32_t irq; /* first cell of `interrupts`, 0 if none */
} nx_mmio_region_t;

typedef struct nx_boot_info {
    uint32_t dtb_size; /* the header's totalsize, bytes */

    /* Logical hart i is harts[i]; order is DTB order, except that the boot
     * hart is always kept when the DTB lists more than NX_MAX_HARTS. */
    uint32_t hart_count;
    uint32_t harts_ignored; /* enabled cpus beyond NX_MAX_HARTS */
    nx_hart_info_t harts[NX_MAX_HARTS];
    uint64_t timebase_hz; /* /cpus timebase-frequency */

    uint32_t mem_count;
    uint32_t mem_ignored;
    nx_mem_range_t mem[NX_BOOTINFO_MAX_MEM_REGIONS];

    /* The header's reservation block plus /reserved-memory children. */
    uint32_t reserved_count;
    uint32_t reserved_ignored;
    nx_mem_range_t reserved[NX_BOOTINFO_MAX_RESERVED];

    /* Console: /chosen/stdout-path if it names a ns16550(a), else the first. */
    nx_mmio_region_t uart;
    uint32_t uart_clock_hz;
    uint32_t uart_reg_shift;    /* registers are 1 << shift bytes apart */
    uint32_t uart_reg_io_width; /* access width in bytes: 1 or 4 */

    nx_mmio_region_t plic; /* riscv,plic0 / sifive,plic-1.0.0 */
    uint32_t plic_ndev;    /* riscv,ndev: number of interrupt sources */

    nx_mmio_region_t test_finisher; /* sifive,test0/test1: power-off with a status */

    /* virtio,mmio slots sorted by base address. */
    uint32_t virtio_count;
    uint32_t virtio_ignored;
    nx_mmio_region_t virtio[NX_BOOTINFO_MAX_VIRTIO];

    char bootargs[NX_BOOTINFO_MAX_BOOTARGS]; /* always NUL-terminated */
    bool bootargs_truncated;
} nx_boot_info_t;

/* Why a DTB was refused. Values are stable: tests and logs refer to them. */
typedef enum nx_dtb_reason {
    NX_DTB_OK = 0,
    NX_DTB_NULL_ARGUMENT = 1,    /* dtb or out is NULL */
    NX_DTB_TRUNCATED = 2,        /* buffer shorter than the header or its totalsize */
    NX_DTB_BAD_MAGIC = 3,        /* not a flattened device tree */
    NX_DTB_BAD_VERSION = 4,      /* format version libfdt cannot read */
    NX_DTB_TOO_LARGE = 5,        /* totalsize above NX_BOOTINFO_MAX_DTB_BYTES */
    NX_DTB_BAD_LAYOUT = 6,       /* header blocks out of bounds or misaligned */
    NX_DTB_BAD_STRUCTURE = 7,    /* structure block: bad tag, unbalanced or truncated */
    NX_DTB_TOO_DEEP = 8,         /* nesting deeper than NX_BOOTINFO_MAX_DEPTH */
    NX_DTB_TOO_MANY_NODES = 9,   /* more than NX_BOOTINFO_MAX_NODES nodes */
    NX_DTB_BAD_NAME = 10,        /* property name outside the strings block */
    NX_DTB_BAD_CELLS = 11,       /* #address-cells / #size-cells out of range */
    NX_DTB_BAD_REG = 12,         /* reg length not whole entries, or a range wraps */
    NX_DTB_BAD_RANGES = 13,      /* ranges malformed, or an address has no translation */
    NX_DTB_BAD_PROPERTY = 14,    /* wrong length, or a string without its NUL */
    NX_DTB_BAD_RESERVED = 15,    /* reservation block entry wraps or is unterminated */
    NX_DTB_NO_CPUS = 16,         /* no /cpus or no enabled cpu node */
    NX_DTB_DUPLICATE_HART = 17,  /* two cpu nodes with one hart id */
    NX_DTB_NO_TIMEBASE = 18,     /* no or zero timebase-frequency */
    NX_DTB_NO_MEMORY = 19,       /* no memory node with a non-empty range */
    NX_DTB_NO_BOOT_HART = 20,    /* the hart we booted on is not an enabled cpu */
    NX_DTB_TOO_MANY_CPUS = 21,   /* more than NX_BOOTINFO_MAX_CPU_NODES enabled cpus */
    NX_DTB_TOO_MANY_RANGES = 22, /* a bus's ranges has more than NX_BOOTINFO_MAX_RANGES */
    NX_DTB_REASON_COUNT
} nx_dtb_reason_t;

/* Where and why parsing stopped. On success: reason NX_DTB_OK, fdt_error 0,
 * node_offset -1, property NULL. */
typedef struct nx_dtb_diag {
    nx_dtb_reason_t reason;
    int32_t fdt_error;    /* libfdt's -FDT_ERR_* behind the reason, 0 if none */
    int32_t node_offset;  /* structure offset of the offending node, -1 if none */
    const char *property; /* name of the offending property (a literal), or NULL */
} nx_dtb_diag_t;

/*
 * Parse and validate the DTB at `dtb`, of which at most `buf_size` bytes may
 * be read, into `out`. `boot_hartid` is kept among the harts whatever the
 * bound (NX_BOOTINFO_ANY_HART: no such hart).
 *
 * Returns:
 *   NX_OK                    out is complete; diag->reason == NX_DTB_OK
 *   NX_ERR_INVALID_ARGS      dtb, out or diag is NULL
 *   NX_ERR_MALFORMED         the blob is damaged or inconsistent (diag says how)
 *   NX_ERR_VERSION_MISMATCH  the format version is not supported
 *   NX_ERR_OUT_OF_RANGE      the blob exceeds a bound of this parser
 *   NX_ERR_NOT_FOUND         a required node is missing (cpus, memory, timebase,
 *                            the boot hart)
 * On failure `out` is zeroed: nothing half-parsed can be used by mistake.
 */
nx_status_t nx_bootinfo_parse(const void *dtb, size_t buf_size, uint64_t boot_hartid,
                              nx_boot_info_t *out, nx_dtb_diag_t *diag);

/* The status nx_bootinfo_parse() returns with a reason (the table in its
 * comment); NX_ERR_MALFORMED for any value outside the enum. */
nx_status_t nx_dtb_reason_status(nx_dtb_reason_t reason);

/* Short stable identifier of a reason ("bad-magic"); never NULL. */
const char *nx_dtb_reason_name(nx_dtb_reason_t reason);

/* One-line human description of a reason; never NULL. */
const char *nx_dtb_reason_text(nx_dtb_reason_t reason);

/* Logical index of `hartid` in `bi`, or -1 when it is not one of its harts. */
int32_t nx_bootinfo_hart_index(const nx_boot_info_t *bi, uint64_t hartid);

/* True when the whitespace-separated bootargs contain exactly `word`. */
bool nx_bootinfo_has_arg(const nx_boot_info_t *bi, const char *word);

#endif /* NX_BOOTINFO_H */
