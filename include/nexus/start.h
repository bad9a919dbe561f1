/*
 * nexus/start.h - the handles a boot program starts with.
 *
 * Like seL4's initial capability slots, a program finds its first
 * capabilities at fixed handle values rather than asking for them: init
 * (core/init/init.c) installs them into the program's empty handle table in
 * this order and refuses to start a program whose table would disagree.
 *
 *   NX_START_SELF_THREAD      its first thread (NX_DEFAULT_THREAD_RIGHTS)
 *   NX_START_SELF_TASK        its task, without NX_RIGHT_MANAGE: a program
 *                             may lower its own class, not raise it
 *   NX_START_MANAGED_TASK(i)  the policy service only: its i-th fellow
 *                             program's task, with NX_RIGHT_MANAGE (the
 *                             authority to raise class or widen affinity),
 *                             in start order skipping the policy service
 *   NX_START_MANAGED_THREAD(i) and that program's first thread
 *   NX_START_PEER_CHANNEL     a program started with a peer (two programs
 *                             naming each other): its end of a channel
 *                             whose other end the peer has at the same
 *                             value (never the policy service)
 *   NX_START_DEVICE(i)        a driver: the i-th device its manifest names
 *                             (NX_DEFAULT_DEVICE_RIGHTS), at a fixed value
 *                             whether or not it has a peer (never the
 *                             policy service)
 */
#ifndef NEXUS_START_H
#define NEXUS_START_H

#include "nexus/handle.h"
#include "nexus/object.h"
#include "nexus/types.h"

/* A fresh table hands out slot 0, 1, 2... with generation 1; a handle is
 * generation << 8 | slot (docs/abi/capabilities.md). Untyped: init
 * (core/boot/init.c) checks the slots with it. */
#define NX_START_HANDLE(slot) ((nx_handle_t){ (1u << 8) | (uint32_t)(slot) })

/* The start handles, typed by the kind of object init puts there. */
#define NX_START_TYPED(type, slot) ((type){ { (1u << 8) | (uint32_t)(slot) } })

#define NX_START_SELF_THREAD       NX_START_TYPED(nx_thread_handle_t, 0)
#define NX_START_SELF_TASK         NX_START_TYPED(nx_task_handle_t, 1)
#define NX_START_MANAGED_TASK(i)   NX_START_TYPED(nx_task_handle_t, 2u + 2u * (uint32_t)(i))
#define NX_START_MANAGED_THREAD(i) NX_START_TYPED(nx_thread_handle_t, 3u + 2u * (uint32_t)(i))
#define NX_START_PEER_CHANNEL      NX_START_TYPED(nx_channel_handle_t, 2)
#define NX_START_DEVICE(i)         NX_START_TYPED(nx_device_handle_t, 3u + (uint32_t)(i))

/* Rights of NX_START_SELF_TASK. */
#define NX_START_SELF_TASK_RIGHTS (NX_DEFAULT_TASK_RIGHTS & ~NX_RIGHT_MANAGE)

#endif /* NEXUS_START_H */
