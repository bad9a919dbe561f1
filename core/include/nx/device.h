/*
 * nx/device.h - device objects (nexus/device.h, docs/abi/devices.md): the
 * register window and interrupt source of each device the boot info lists
 * that the kernel does not keep, minted once at boot and never destroyed.
 */
#ifndef NX_DEVICE_H
#define NX_DEVICE_H

#include <stdint.h>

#include "nexus/device.h"
#include "nexus/status.h"
#include "nexus/types.h"
#include "nx/audit.h"
#include "nx/bootinfo.h"
#include "nx/object.h"

typedef struct nx_task nx_task_t;

/* Frozen at boot: read without a lock. */
typedef struct nx_device {
    nx_object_t obj;
    nx_device_info_t info;
    uint64_t map_phys; /* the first page the window touches */
} nx_device_t;

/* Mint the devices of `bi`: the UART, then every virtio-mmio slot, in
 * address order, each whose pages touch no other device's nor the
 * kernel's own (the PLIC, the test finisher: such a one is skipped and
 * said on the console). Boot hart, once, before init. */
void nx_device_boot(const nx_boot_info_t *bi);

/* How many were minted, and the i-th (NULL past them): init hands them
 * out. */
uint32_t nx_device_count(void);
nx_device_t *nx_device_at(uint32_t i);

/* Device d's number (its place in the table), and a refused device
 * operation audited (op device): returns st. */
uint32_t nx_device_number(const nx_device_t *d);
nx_status_t nx_device_refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why,
                             nx_status_t st);

/* Forget every device (core reset). */
void nx_device_reset(void);

/* --- syscall-shaped operations (the dispatcher calls these) -------------- */

/* What device h is. Needs INSPECT. NX_ERR_BAD_ADDRESS (out not the
 * caller's memory, checked first), the handle's statuses. */
nx_status_t nx_sys_device_info(nx_task_t *caller, nx_handle_t h, uintptr_t out);

/*
 * Map device h's window (its map_size bytes) at `va` with `prot`: READ,
 * with or without WRITE. Needs MAP and READ, and WRITE for a writable one.
 *   NX_ERR_INVALID_ARGS   prot 0, not READ, with EXEC or unknown bits, va
 *                         not page aligned
 *   NX_ERR_OUT_OF_RANGE   outside the mapping range (nx/user.h)
 *   NX_ERR_ALREADY_EXISTS over a mapping
 *   NX_ERR_NO_RESOURCES   NX_TASK_MAX_MAPPINGS mappings, or no memory for
 *                         page tables
 *   NX_ERR_BAD_STATE      a kernel task (no user space)
 *   NX_ERR_TASK_DEAD, and the handle's statuses
 * Every refusal is audited (op device) and changes nothing.
 */
nx_status_t nx_sys_device_map(nx_task_t *caller, nx_handle_t h, uint64_t va, uint64_t prot);

/*
 * An interrupt object for source `index` (0: a device has one) of device
 * h, routed to the calling hart; the caller gets its one handle
 * (NX_DEFAULT_INTERRUPT_RIGHTS). Needs READ on the device.
 *   NX_ERR_NOT_FOUND       no such source (index not 0, or the device has
 *                          no interrupt)
 *   NX_ERR_ALREADY_EXISTS  the source has its interrupt object already
 *   NX_ERR_NO_RESOURCES    the caller's table full
 *   NX_ERR_NOT_SUPPORTED   the machine has no interrupt controller
 *   NX_ERR_TASK_DEAD, and the handle's statuses
 */
nx_status_t nx_sys_interrupt_create(nx_task_t *caller, nx_handle_t h, uint64_t index,
                                    nx_handle_t *out);

/* Acknowledge a pending interrupt: clear NX_INTERRUPT_PENDING, unmask the
 * source. Needs WRITE. NX_ERR_NOT_PENDING when none is pending. */
nx_status_t nx_sys_interrupt_ack(nx_task_t *caller, nx_handle_t h);

/* Its counters (nx_interrupt_info_t). Needs INSPECT. NX_ERR_BAD_ADDRESS
 * (checked first), the handle's statuses. */
nx_status_t nx_sys_interrupt_info(nx_task_t *caller, nx_handle_t h, uintptr_t out);

/*
 * Pin [offset, offset + len) of DMA VMO `vmo` for device `dev`: the
 * caller gets the pin's one handle (NX_DEFAULT_PIN_RIGHTS; closing it
 * unpins) and the range's device address at user address addr_out (the
 * range is contiguous). Needs DMA on both handles.
 *   NX_ERR_BAD_ADDRESS    addr_out not the caller's writable memory (first)
 *   NX_ERR_NOT_SUPPORTED  a VMO not made for DMA (vmo_create_dma; its
 *                         handles never have DMA, so ACCESS_DENIED comes
 *                         first: this is the kernel's own second check)
 *   NX_ERR_INVALID_ARGS   len 0, offset or len not page aligned
 *   NX_ERR_OUT_OF_RANGE   past the VMO's end (overflow included)
 *   NX_ERR_NO_RESOURCES   NX_MAX_PINS pins, or the caller's table full
 *   NX_ERR_TASK_DEAD, and the handles' statuses
 */
nx_status_t nx_sys_dma_pin(nx_task_t *caller, nx_handle_t dev, nx_handle_t vmo, uint64_t offset,
                           uint64_t len, uintptr_t addr_out, nx_handle_t *out);

/* The holder of device `dev` (WRITE) says the device was reset: the pins
 * its dead drivers left quarantined for it are released (*released of
 * them), and their pages may go. */
nx_status_t nx_sys_device_release_quarantine(nx_task_t *caller, nx_handle_t dev,
                                             uint64_t *released);

/* Pins quarantined now (tests), and forgetting every pin (core reset). */
uint32_t nx_pins_quarantined(void);
void nx_dma_reset(void);

/* Interrupt objects alive (leak checks), and forgetting them (core reset). */
uint32_t nx_interrupt_used(void);
void nx_interrupt_reset(void);

#endif /* NX_DEVICE_H */
