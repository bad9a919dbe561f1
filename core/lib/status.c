/*
 * status.c - names of the ABI status codes (nexus/status.h).
 */
#include "nexus/status.h"

const char *nx_status_name(nx_status_t status)
{
    switch (status) {
    case NX_OK:
        return "NX_OK";
    case NX_ERR_INTERNAL:
        return "NX_ERR_INTERNAL";
    case NX_ERR_INVALID_ARGS:
        return "NX_ERR_INVALID_ARGS";
    case NX_ERR_BAD_HANDLE:
        return "NX_ERR_BAD_HANDLE";
    case NX_ERR_WRONG_TYPE:
        return "NX_ERR_WRONG_TYPE";
    case NX_ERR_ACCESS_DENIED:
        return "NX_ERR_ACCESS_DENIED";
    case NX_ERR_NO_RESOURCES:
        return "NX_ERR_NO_RESOURCES";
    case NX_ERR_SHOULD_WAIT:
        return "NX_ERR_SHOULD_WAIT";
    case NX_ERR_PEER_CLOSED:
        return "NX_ERR_PEER_CLOSED";
    case NX_ERR_TIMED_OUT:
        return "NX_ERR_TIMED_OUT";
    case NX_ERR_BUFFER_TOO_SMALL:
        return "NX_ERR_BUFFER_TOO_SMALL";
    case NX_ERR_OUT_OF_RANGE:
        return "NX_ERR_OUT_OF_RANGE";
    case NX_ERR_RATE_LIMITED:
        return "NX_ERR_RATE_LIMITED";
    case NX_ERR_DENIED_BY_FILTER:
        return "NX_ERR_DENIED_BY_FILTER";
    case NX_ERR_DEVICE_RESET:
        return "NX_ERR_DEVICE_RESET";
    case NX_ERR_VERSION_MISMATCH:
        return "NX_ERR_VERSION_MISMATCH";
    case NX_ERR_BAD_STATE:
        return "NX_ERR_BAD_STATE";
    case NX_ERR_NOT_SUPPORTED:
        return "NX_ERR_NOT_SUPPORTED";
    case NX_ERR_NOT_FOUND:
        return "NX_ERR_NOT_FOUND";
    case NX_ERR_ALREADY_EXISTS:
        return "NX_ERR_ALREADY_EXISTS";
    case NX_ERR_CANCELED:
        return "NX_ERR_CANCELED";
    case NX_ERR_MALFORMED:
        return "NX_ERR_MALFORMED";
    case NX_ERR_BAD_ADDRESS:
        return "NX_ERR_BAD_ADDRESS";
    case NX_ERR_IO:
        return "NX_ERR_IO";
    case NX_ERR_TASK_DEAD:
        return "NX_ERR_TASK_DEAD";
    case NX_ERR_WOULD_CYCLE:
        return "NX_ERR_WOULD_CYCLE";
    case NX_ERR_SEALED:
        return "NX_ERR_SEALED";
    case NX_ERR_WRITABLE_MAPPED:
        return "NX_ERR_WRITABLE_MAPPED";
    case NX_ERR_NOT_SEALED:
        return "NX_ERR_NOT_SEALED";
    case NX_ERR_THREAD_EXITED:
        return "NX_ERR_THREAD_EXITED";
    case NX_ERR_NOT_PENDING:
        return "NX_ERR_NOT_PENDING";
    }
    /* Not a case: values outside the enum (forged or from a newer ABI). */
    return "NX_ERR_UNKNOWN";
}
