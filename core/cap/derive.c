/*
 * derive.c - the derivation tree of capabilities, revocation, and the
 * capability lock that guards them (docs/adr/0002-revocation.md).
 *
 * Each capability has a node: a duplicate is a child of its source, a
 * transfer moves the capability but keeps its node. A closed handle's node
 * is freed when it has no children; with one child the child takes its
 * place (spliced out); with two or more it stays as an interior "zombie"
 * node, so revoking an ancestor still reaches everything derived through
 * it. Zombies therefore always have >= 2 children, and closing any handle
 * costs O(1) tree work.
 *
 * Revoking node X removes X's subtree but X, in bounded steps (seL4's
 * cteRevoke with its preemption point): the walk enters a node, removes
 * its capability right away (a handle leaves its table, a cap in flight is
 * marked revoked), and frees the node when it leaves it, after its
 * children (a leaf is entered and left in one go). Between steps the capability lock is released,
 * so other harts close, transfer and look up handles meanwhile; what keeps the walk safe is that
 * every node on its path has no capability left (nobody can free it), X is pinned (closing X's
 * handle leaves the node), and nothing is derived while a revoke runs (no node joins the subtree).
 * Every node is entered once and left once: at most 2 * NX_MAX_CAP_NODES units in all,
 * NX_REVOKE_STEP per hold (a leaf counts once).
 */
#include "cap_internal.h"
#include "nx/panic.h"
#include "nx/pool.h"
#include "nx/port.h"
#include "nx/spinlock.h"

nx_cap_node_t nx_cap_nodes[NX_MAX_CAP_NODES];
static uint32_t cap_node_links[NX_MAX_CAP_NODES];
nx_pool_t nx_cap_node_pool = { "cap_nodes",
                               (unsigned char *)nx_cap_nodes,
                               sizeof(nx_cap_node_t),
                               NX_MAX_CAP_NODES,
                               cap_node_links,
                               NX_SPINLOCK_INIT,
                               NX_POOL_END,
                               0,
                               0 };

nx_spinlock_t nx_cap_lock_word = NX_SPINLOCK_INIT;

/* The root of the revoke in progress, or NX_NODE_NONE, and the hart running
 * it. Written under the capability lock; read without it only by waiters
 * spinning for the revoke to end (they check again under the lock). */
_Atomic uint32_t nx_cap_revoking = NX_NODE_NONE;
static uint32_t revoker_hart;

void nx_cap_reset(void)
{
    nx_pool_reset(&nx_cap_node_pool);
    nx_spin_init(&nx_cap_lock_word);
    atomic_store_explicit(&nx_cap_revoking, NX_NODE_NONE, memory_order_relaxed);
}

uint32_t nx_cap_nodes_used(void)
{
    return nx_pool_used(&nx_cap_node_pool);
}
/* `index` has exactly one child: put the child in its place and free it. */
static void splice_out(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    uint32_t child = n->first_child;
    uint32_t parent = n->parent;
    nx_node_unlink(child);
    if (parent != NX_NODE_NONE) {
        /* Take n's position among its siblings (order does not matter, but
         * staying in place keeps the walk's invariants simple). */
        nx_cap_node_t *c = nx_node_at(child), *p = nx_node_at(parent);
        c->parent = parent;
        c->prev = n->prev;
        c->next = n->next;
        if (n->prev != NX_NODE_NONE)
            nx_node_at(n->prev)->next = child;
        else
            p->first_child = child;
        if (n->next != NX_NODE_NONE)
            nx_node_at(n->next)->prev = child;
    }
    n->parent = n->prev = n->next = n->first_child = NX_NODE_NONE;
    n->children = 0;
    nx_node_free(index);
}

void nx_node_release_interior(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    /* The pinned root stays whatever its children (the revoke releases it
     * at its end): the walk comes back to it. */
    if (n->children >= 2u || n->pinned != 0u) {
        n->state = NX_NODE_ZOMBIE;
        n->task = NULL;
    } else {
        splice_out(index);
    }
}

void nx_node_zombie_lost_child(uint32_t parent)
{
    /* A zombie keeps >= 2 children: at one, it gives way to its child. */
    nx_cap_node_t *p = nx_node_at(parent);
    if (p->pinned != 0u)
        return; /* the revoke in progress releases it at its end */
    if (p->children == 1u)
        splice_out(parent);
    else if (p->children == 0u)
        nx_panic("capability node %u: a zombie lost its last child", parent);
}

void nx_node_release_revoked(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    if (n->state != NX_NODE_REVOKED)
        nx_panic("capability node %u released as revoked in state %u", index, n->state);
    if (n->parent != NX_NODE_NONE) {
        /* The walk of the revoke in progress still stands on it. */
        n->state = NX_NODE_DOOMED;
        return;
    }
    if (n->first_child != NX_NODE_NONE)
        nx_panic("capability node %u freed while still in the tree", index);
    nx_node_free(index);
}

/* --- revocation in bounded steps -------------------------------------------- */

void nx_cap_wait_revoke_slow(void)
{
    if (revoker_hart == nx_port_this_hart())
        nx_panic("hart %u derives a capability inside its own revoke", revoker_hart);
    /* Each revoke is bounded (NX_REVOKE_MAX_HOLDS); another may begin
     * before this hart gets the lock back, as with any lock acquisition. */
    do {
        nx_cap_unlock();
        while (atomic_load_explicit(&nx_cap_revoking, memory_order_relaxed) != NX_NODE_NONE)
            nx_port_relax();
        nx_cap_lock();
    } while (atomic_load_explicit(&nx_cap_revoking, memory_order_relaxed) != NX_NODE_NONE);
}

void nx_node_revoke_begin(nx_revoke_t *rv, uint32_t node)
{
    if (atomic_load_explicit(&nx_cap_revoking, memory_order_relaxed) != NX_NODE_NONE)
        nx_panic("capability node %u: a revoke began while another runs", node);
    nx_node_at(node)->pinned = 1u;
    atomic_store_explicit(&nx_cap_revoking, node, memory_order_relaxed);
    revoker_hart = nx_port_this_hart();
    rv->root = node;
    rv->at = node;
    rv->count = 0;
    rv->holds = 0;
}

/* The walk enters `index`: its capability goes now, the node stays on the
 * walk's path until it is left. Returns 1 for a capability, 0 for a zombie. */
static uint32_t enter(uint32_t index, nx_reaper_t *r)
{
    nx_cap_node_t *n = nx_node_at(index);
    switch ((nx_node_state_t)n->state) {
    case NX_NODE_HANDLE:
        nx_cap_remove_handle_locked(n->task, n->slot, r);
        n->state = NX_NODE_DOOMED;
        n->task = NULL;
        return 1;
    case NX_NODE_IN_FLIGHT:
        /* Its holder (a message) finds it revoked and releases it. */
        n->state = NX_NODE_REVOKED;
        return 1;
    case NX_NODE_ZOMBIE:
        n->state = NX_NODE_DOOMED;
        return 0;
    case NX_NODE_FREE:
    case NX_NODE_REVOKED:
    case NX_NODE_DOOMED:
        break;
    }
    nx_panic("capability node %u in state %u inside a live subtree", index, n->state);
}

/* A leaf the walk reaches: entered and left at once, one unit of work. */
static uint32_t enter_leaf(uint32_t index, nx_reaper_t *r)
{
    nx_cap_node_t *n = nx_node_at(index);
    nx_node_unlink(index);
    switch ((nx_node_state_t)n->state) {
    case NX_NODE_HANDLE:
        nx_cap_remove_handle_locked(n->task, n->slot, r);
        nx_node_free(index);
        return 1;
    case NX_NODE_IN_FLIGHT:
        n->state = NX_NODE_REVOKED; /* detached: its holder frees it */
        return 1;
    case NX_NODE_FREE:
    case NX_NODE_ZOMBIE: /* zombies have >= 2 children */
    case NX_NODE_REVOKED:
    case NX_NODE_DOOMED:
        break;
    }
    nx_panic("capability node %u in state %u inside a live subtree", index, n->state);
}

/* The walk leaves `index` (no children left): a cap revoked in flight waits
 * detached for its holder; any other node is freed. */
static void leave(uint32_t index)
{
    nx_node_unlink(index);
    if (nx_node_state(index) == NX_NODE_DOOMED)
        nx_node_free(index);
}

/* The revoke is over: unpin the root, and release it if its capability
 * went meanwhile (closed or dropped: then it waited as a zombie). */
static void revoke_end(const nx_revoke_t *rv)
{
    nx_cap_node_t *root = nx_node_at(rv->root);
    root->pinned = 0;
    atomic_store_explicit(&nx_cap_revoking, NX_NODE_NONE, memory_order_relaxed);
    if (root->state == NX_NODE_ZOMBIE)
        nx_node_release(rv->root);
}

bool nx_node_revoke_step(nx_revoke_t *rv, nx_reaper_t *r)
{
    if (++rv->holds > NX_REVOKE_MAX_HOLDS)
        nx_panic("capability node %u: revoke took more than %u holds", rv->root,
                 NX_REVOKE_MAX_HOLDS);
    /* The walk in locals: the node stores below cannot alias them. */
    uint32_t at = rv->at, count = rv->count;
    bool done = false;
    for (uint32_t units = 0; units < NX_REVOKE_STEP; units++) {
        const nx_cap_node_t *n = nx_node_at(at);
        uint32_t child = n->first_child;
        if (child != NX_NODE_NONE) {
            if (nx_node_at(child)->first_child == NX_NODE_NONE) {
                count += enter_leaf(child, r);
            } else {
                count += enter(child, r);
                at = child;
            }
            continue;
        }
        if (at == rv->root) {
            done = true;
            break;
        }
        uint32_t parent = n->parent;
        leave(at);
        at = parent;
    }
    rv->at = at;
    rv->count = count;
    if (done)
        revoke_end(rv);
    return done;
}

/* --- reaper ------------------------------------------------------------------ */

_Noreturn void nx_cap_count_broken(const nx_object_t *obj)
{
    nx_panic("%s koid %llu: capability count and references disagree", obj->ops->name,
             (unsigned long long)obj->koid.v);
}

void nx_reaper_drain(nx_reaper_t *r)
{
    while (r->head != NULL) {
        nx_object_t *obj = r->head;
        r->head = obj->reap_next;
        obj->reap_next = NULL;
        if (obj->ops->on_last_cap != NULL)
            obj->ops->on_last_cap(obj);
        nx_object_unref(obj);
    }
}
