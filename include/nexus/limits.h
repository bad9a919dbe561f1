/*
 * nexus/limits.h - bounds that are part of the ABI.
 *
 * Every table, queue and wait in the kernel is bounded by a named constant.
 * The ones a user program can observe live here; values are documented in
 * docs/boot.md (boot bounds) and the ABI reference, and tests exercise each
 * at the bound and one past it.
 */
#ifndef NEXUS_LIMITS_H
#define NEXUS_LIMITS_H

/* Harts the kernel runs on. A DTB listing more gets the first ones (the boot
 * hart always among them) and a console note. Hart sets are 32-bit masks. */
#define NX_MAX_HARTS 8u

/* Handles one task can hold (a power of two: the slot is the value's low bits). */
#define NX_MAX_HANDLES_PER_TASK 256u

/* Handles one transfer (and so one message) can move. */
#define NX_MAX_TRANSFER_HANDLES 64u

/* Object pools: creating one more returns NX_ERR_NO_RESOURCES. */
#define NX_MAX_TASKS   64u   /* tasks alive at once */
#define NX_MAX_THREADS 256u  /* threads alive at once (each has one kernel timer) */
#define NX_MAX_EVENTS  1024u /* event objects alive at once */

/* Capabilities alive at once (handles, caps in flight, and closed handles
 * kept as interior nodes of a derivation tree so revocation still reaches
 * what was derived through them). */
#define NX_MAX_CAP_NODES 8192u

/* Channels (docs/abi/ipc.md). A message is at most NX_CHANNEL_MAX_BYTES
 * bytes and NX_CHANNEL_MAX_HANDLES handles; an endpoint queues at most
 * NX_CHANNEL_MAX_MSGS unread messages (a writer past that gets
 * NX_ERR_SHOULD_WAIT); at most NX_MAX_MESSAGES are queued in the whole
 * kernel and NX_MAX_CHANNELS channels (endpoint pairs) live at once. */
#define NX_CHANNEL_MAX_BYTES   1024u
#define NX_CHANNEL_MAX_HANDLES 16u
#define NX_CHANNEL_MAX_MSGS    32u
#define NX_MAX_CHANNELS        256u
#define NX_MAX_MESSAGES        512u
_Static_assert(NX_CHANNEL_MAX_HANDLES <= NX_MAX_TRANSFER_HANDLES,
               "a message's handles move in one transfer");

/* VMOs (docs/abi/vmo.md). One VMO is at most NX_VMO_MAX_BYTES; the VMOs a
 * task created and that are still alive (wherever their handles went) hold
 * at most NX_TASK_VMO_BUDGET bytes of its memory budget; at most
 * NX_MAX_VMOS VMOs and slices live at once; a slice of a slice... is at
 * most NX_VMO_MAX_SLICE_DEPTH deep; a task has at most NX_TASK_MAX_MAPPINGS
 * VMO mappings at once. */
#define NX_VMO_MAX_BYTES       (2u << 20)
#define NX_TASK_VMO_BUDGET     (8u << 20)
#define NX_MAX_VMOS            256u
#define NX_VMO_MAX_SLICE_DEPTH 4u
#define NX_TASK_MAX_MAPPINGS   32u

/* Handles one wait may observe at once (object_wait_many). */
#define NX_WAIT_MANY_MAX 16u

#endif /* NEXUS_LIMITS_H */
