/*
 * ipc_internal.h - what channel.c and message.c share.
 */
#ifndef NX_IPC_INTERNAL_H
#define NX_IPC_INTERNAL_H

#include "nx/channel.h"

/* Drop the caps of a list of messages nobody will read (linked by next)
 * and free them; iterative however deep endpoints nest in messages. Call
 * with no lock held. */
void nx_msg_release_list(nx_msg_t *list);

/* Empty the message pool; core reset only. */
void nx_msg_reset(void);

#endif /* NX_IPC_INTERNAL_H */
