/*
 * dtb_reason.c - names and descriptions of the device tree refusal reasons.
 */
#include "nx/bootinfo.h"

const char *nx_dtb_reason_name(nx_dtb_reason_t reason)
{
    switch (reason) {
    case NX_DTB_OK:
        return "ok";
    case NX_DTB_NULL_ARGUMENT:
        return "null-argument";
    case NX_DTB_TRUNCATED:
        return "truncated";
    case NX_DTB_BAD_MAGIC:
        return "bad-magic";
    case NX_DTB_BAD_VERSION:
        return "bad-version";
    case NX_DTB_TOO_LARGE:
        return "too-large";
    case NX_DTB_BAD_LAYOUT:
        return "bad-layout";
    case NX_DTB_BAD_STRUCTURE:
        return "bad-structure";
    case NX_DTB_TOO_DEEP:
        return "too-deep";
    case NX_DTB_TOO_MANY_NODES:
        return "too-many-nodes";
    case NX_DTB_BAD_NAME:
        return "bad-name";
    case NX_DTB_BAD_CELLS:
        return "bad-cells";
    case NX_DTB_BAD_REG:
        return "bad-reg";
    case NX_DTB_BAD_RANGES:
        return "bad-ranges";
    case NX_DTB_BAD_PROPERTY:
        return "bad-property";
    case NX_DTB_BAD_RESERVED:
        return "bad-reserved";
    case NX_DTB_NO_CPUS:
        return "no-cpus";
    case NX_DTB_DUPLICATE_HART:
        return "duplicate-hart";
    case NX_DTB_NO_TIMEBASE:
        return "no-timebase";
    case NX_DTB_NO_MEMORY:
        return "no-memory";
    case NX_DTB_NO_BOOT_HART:
        return "no-boot-hart";
    case NX_DTB_TOO_MANY_CPUS:
        return "too-many-cpus";
    case NX_DTB_TOO_MANY_RANGES:
        return "too-many-ranges";
    case NX_DTB_REASON_COUNT:
        break;
    }
    return "unknown";
}

const char *nx_dtb_reason_text(nx_dtb_reason_t reason)
{
    switch (reason) {
    case NX_DTB_OK:
        return "device tree accepted";
    case NX_DTB_NULL_ARGUMENT:
        return "no device tree was passed";
    case NX_DTB_TRUNCATED:
        return "device tree is cut short (buffer smaller than its header says)";
    case NX_DTB_BAD_MAGIC:
        return "not a flattened device tree (bad magic)";
    case NX_DTB_BAD_VERSION:
        return "device tree format version is not 17";
    case NX_DTB_TOO_LARGE:
        return "device tree is larger than NX_BOOTINFO_MAX_DTB_BYTES";
    case NX_DTB_BAD_LAYOUT:
        return "device tree header blocks are out of bounds or misaligned";
    case NX_DTB_BAD_STRUCTURE:
        return "device tree structure block is malformed";
    case NX_DTB_TOO_DEEP:
        return "device tree nests deeper than NX_BOOTINFO_MAX_DEPTH";
    case NX_DTB_TOO_MANY_NODES:
        return "device tree has more than NX_BOOTINFO_MAX_NODES nodes";
    case NX_DTB_BAD_NAME:
        return "a property name lies outside the strings block";
    case NX_DTB_BAD_CELLS:
        return "#address-cells or #size-cells out of range";
    case NX_DTB_BAD_REG:
        return "a reg property is malformed or wraps around";
    case NX_DTB_BAD_RANGES:
        return "a bus ranges property is malformed or does not cover a device";
    case NX_DTB_BAD_PROPERTY:
        return "a property has the wrong length or an unterminated string";
    case NX_DTB_BAD_RESERVED:
        return "the memory reservation block is malformed";
    case NX_DTB_NO_CPUS:
        return "no enabled cpu under /cpus";
    case NX_DTB_DUPLICATE_HART:
        return "two cpu nodes share one hart id";
    case NX_DTB_NO_TIMEBASE:
        return "no timebase-frequency for the harts";
    case NX_DTB_NO_MEMORY:
        return "no memory node with a usable range";
    case NX_DTB_NO_BOOT_HART:
        return "the boot hart is not an enabled cpu in the device tree";
    case NX_DTB_TOO_MANY_CPUS:
        return "device tree has more than NX_BOOTINFO_MAX_CPU_NODES enabled cpus";
    case NX_DTB_TOO_MANY_RANGES:
        return "a bus's ranges has more than NX_BOOTINFO_MAX_RANGES entries";
    case NX_DTB_REASON_COUNT:
        break;
    }
    return "unknown reason";
}

nx_status_t nx_dtb_reason_status(nx_dtb_reason_t reason)
{
    switch (reason) {
    case NX_DTB_OK:
        return NX_OK;
    case NX_DTB_NULL_ARGUMENT:
        return NX_ERR_INVALID_ARGS;
    case NX_DTB_BAD_VERSION:
        return NX_ERR_VERSION_MISMATCH;
    case NX_DTB_TOO_LARGE:
    case NX_DTB_TOO_DEEP:
    case NX_DTB_TOO_MANY_NODES:
    case NX_DTB_TOO_MANY_CPUS:
    case NX_DTB_TOO_MANY_RANGES:
        return NX_ERR_OUT_OF_RANGE;
    case NX_DTB_NO_CPUS:
    case NX_DTB_NO_TIMEBASE:
    case NX_DTB_NO_MEMORY:
    case NX_DTB_NO_BOOT_HART:
        return NX_ERR_NOT_FOUND;
    case NX_DTB_TRUNCATED:
    case NX_DTB_BAD_MAGIC:
    case NX_DTB_BAD_LAYOUT:
    case NX_DTB_BAD_STRUCTURE:
    case NX_DTB_BAD_NAME:
    case NX_DTB_BAD_CELLS:
    case NX_DTB_BAD_REG:
    case NX_DTB_BAD_RANGES:
    case NX_DTB_BAD_PROPERTY:
    case NX_DTB_BAD_RESERVED:
    case NX_DTB_DUPLICATE_HART:
    case NX_DTB_REASON_COUNT:
        break;
    }
    return NX_ERR_MALFORMED;
}
