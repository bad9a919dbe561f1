/* Control: the newtypes used as intended compile cleanly (so the failing
 * snippets fail because of the mix-up they show, not a missing header). */
#include "nexus/start.h"
#include "nexus/syscall.h"
#include "nexus/types.h"

static nx_koid_t koid_of(nx_handle_t h)
{
    nx_koid_t k = { h.v };
    return k;
}

static int ids(void)
{
    nx_handle_t h = NX_HANDLE_INVALID;
    nx_koid_t k = koid_of(h);
    nx_task_id_t t = { 1 };
    nx_thread_id_t th = { 2 };
    nx_hart_id_t hart = { 0 };
    nx_asid_t as = { 3 };
    nx_irq_id_t irq = { 10 };
    nx_service_id_t ep = { 4 };
    return (int)(k.v + t.v + th.v + hart.v + as.v + irq.v + ep.v) + nx_handle_is_valid(h);
}

static void worker(uintptr_t arg)
{
    /* A handle passed as an argument is untyped until the thread says. */
    nx_channel_handle_t end = nx_channel_from_handle((nx_handle_t){ (uint32_t)arg });
    (void)nx_handle_close(end);
}

/* Typed handles (nexus/handle.h) used as intended, one of each kind. */
static nx_status_t typed(void)
{
    nx_channel_handle_t a = NX_CHANNEL_HANDLE_INVALID, b = NX_CHANNEL_HANDLE_INVALID;
    nx_vmo_handle_t vmo = NX_VMO_HANDLE_INVALID, ro = NX_VMO_HANDLE_INVALID, slice;
    nx_event_handle_t ev = NX_EVENT_HANDLE_INVALID;
    nx_thread_handle_t t = NX_THREAD_HANDLE_INVALID;
    nx_task_handle_t self = NX_START_SELF_TASK;
    nx_status_t st = nx_channel_create(&a, &b);
    st |= nx_vmo_create(4096, &vmo);
    st |= nx_vmo_create_slice(vmo, 0, 4096, &slice);
    st |= nx_event_create(&ev);
    st |= nx_thread_create(worker, nx_channel_to_handle(b).v, NX_QOS_NORMAL, NX_AFFINITY_ALL, &t);

    /* Calls on one kind take that kind. */
    char buf[8] = { 0 };
    st |= nx_vmo_write(vmo, 0, buf, sizeof buf);
    st |= nx_vmo_read(slice, 0, buf, sizeof buf);
    st |= nx_object_signal(ev, 0, NX_SIGNALS_USER);
    st |= nx_thread_set_qos(t, NX_QOS_IDLE, NX_TASK_HANDLE_INVALID);
    st |= nx_thread_set_affinity(NX_START_SELF_THREAD, NX_AFFINITY_ALL, self);

    /* Calls on any kind take any type; duplicate keeps the kind. */
    st |= nx_handle_duplicate(vmo, NX_RIGHT_READ, &ro);
    st |= nx_handle_replace(ro, NX_RIGHT_READ, &ro);
    uint32_t seen = 0, revoked = 0;
    st |= nx_object_wait_one(a, NX_CHANNEL_READABLE, 0, &seen);
    st |= nx_object_wait_one(ev, NX_SIGNALS_USER, 0, &seen);
    st |= nx_handle_revoke(ev, &revoked);

    /* Messages carry untyped handles: the conversions, both ways. */
    nx_handle_t out[2] = { nx_vmo_to_handle(ro), nx_handle_of(ev) };
    st |= nx_channel_write(a, buf, sizeof buf, out, 2, 0);
    nx_handle_t in[2];
    nx_msg_info_t info;
    st |= nx_channel_read(NX_START_PEER_CHANNEL, buf, sizeof buf, in, 2, &info);
    nx_vmo_handle_t got = nx_vmo_from_handle(in[0]);
    st |= nx_vmo_get_size(got, &(uint64_t){ 0 });
    nx_wait_item_t items[2] = { { nx_channel_to_handle(a), NX_CHANNEL_READABLE, 0 },
                                { nx_event_to_handle(ev), NX_SIGNALS_USER, 0 } };
    st |= nx_object_wait_many(items, 2, 0, &seen);

    /* Equality and validity within a kind; across kinds, untyped. */
    bool same = nx_vmo_eq(vmo, got) || nx_channel_eq(a, b) || nx_event_is_valid(ev) ||
                nx_thread_is_valid(t) || nx_task_eq(self, NX_START_MANAGED_TASK(0)) ||
                nx_handle_eq(nx_handle_of(t), nx_handle_of(self));
    int32_t code;
    st |= nx_thread_join(t, 0, &code);
    st |= nx_handle_close(in[1]); /* untyped handles close too */
    st |= nx_vmo_close(slice);    /* and the per-kind forms exist */
    st |= nx_handle_close(vmo);
    st |= nx_handle_close(ro);
    st |= nx_handle_close(ev);
    st |= nx_handle_close(t);
    st |= nx_handle_close(a);
    return same ? st : NX_OK;
}

int main(void)
{
    return ids() + (int)typed();
}
