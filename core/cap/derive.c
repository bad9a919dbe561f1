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
 * Revoking node X removes X's subtree but X: an iterative post-order walk
 * that descends to a leaf, removes it, and continues at its parent. Every
 * node is entered once and removed once: O(subtree) steps, no recursion,
 * bounded by NX_MAX_CAP_NODES.
 */
#include "cap_internal.h"
#include "nx/panic.h"
#include "nx/pool.h"
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

void nx_cap_reset(void)
{
    nx_pool_reset(&nx_cap_node_pool);
    nx_spin_init(&nx_cap_lock_word);
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
    if (n->children >= 2u) {
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
    if (p->children == 1u)
        splice_out(parent);
    else if (p->children == 0u)
        nx_panic("capability node %u: a zombie lost its last child", parent);
}

void nx_node_free_detached(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    if (n->parent != NX_NODE_NONE || n->first_child != NX_NODE_NONE)
        nx_panic("capability node %u freed while still in the tree", index);
    nx_node_free(index);
}

/* Remove one leaf of a subtree being revoked; returns 1 if it was a
 * capability (a handle or a cap in flight), 0 for an interior node. */
static uint32_t revoke_leaf(uint32_t index, nx_reaper_t *r)
{
    nx_cap_node_t *n = nx_node_at(index);
    nx_node_unlink(index);
    switch ((nx_node_state_t)n->state) {
    case NX_NODE_HANDLE:
        nx_cap_remove_handle_locked(n->task, n->slot, r);
        nx_node_free(index);
        return 1;
    case NX_NODE_IN_FLIGHT:
        /* Its holder (a message) finds it revoked and releases it. */
        n->state = NX_NODE_REVOKED;
        return 1;
    case NX_NODE_ZOMBIE:
        nx_node_free(index);
        return 0;
    case NX_NODE_FREE:
    case NX_NODE_REVOKED:
        break;
    }
    nx_panic("capability node %u in state %u inside a live subtree", index, n->state);
}

uint32_t nx_node_revoke_subtree(uint32_t root, nx_reaper_t *r)
{
    uint32_t removed = 0;
    uint32_t n = nx_node_at(root)->first_child;
    while (n != NX_NODE_NONE) {
        if (nx_node_at(n)->first_child != NX_NODE_NONE) {
            n = nx_node_at(n)->first_child;
            continue;
        }
        uint32_t parent = nx_node_at(n)->parent;
        removed += revoke_leaf(n, r);
        n = parent == root ? nx_node_at(root)->first_child : parent;
    }
    return removed;
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
