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

typedef struct nx_cap_node {
    uint32_t parent;
    uint32_t first_child;
    uint32_t next; /* siblings: a doubly linked list from parent->first_child */
    uint32_t prev;
    uint32_t children;
    uint32_t state; /* nx_node_state_t */
    uint32_t slot;  /* NX_NODE_HANDLE: the slot in task's table */
    nx_task_t *task;
} nx_cap_node_t;

NX_POOL_DEFINE(cap_nodes, nx_cap_node_t, NX_MAX_CAP_NODES);

static nx_spinlock_t cap_lock = NX_SPINLOCK_INIT;

void nx_cap_lock(void)
{
    nx_spin_lock(&cap_lock);
}

void nx_cap_unlock(void)
{
    nx_spin_unlock(&cap_lock);
}

void nx_cap_reset(void)
{
    nx_pool_reset(&cap_nodes);
    nx_spin_unlock(&cap_lock);
}

uint32_t nx_cap_nodes_used(void)
{
    return nx_pool_used(&cap_nodes);
}

static nx_cap_node_t *node_at(uint32_t index)
{
    return nx_pool_item(&cap_nodes, index);
}

static uint32_t node_new(void)
{
    nx_cap_node_t *n = nx_pool_alloc(&cap_nodes);
    if (n == NULL)
        return NX_NODE_NONE;
    n->parent = n->first_child = n->next = n->prev = NX_NODE_NONE;
    n->children = 0;
    n->state = NX_NODE_IN_FLIGHT; /* placed by the caller right away */
    n->task = NULL;
    return nx_pool_index(&cap_nodes, n);
}

static void node_free(uint32_t index)
{
    nx_cap_node_t *n = node_at(index);
    n->state = NX_NODE_FREE;
    nx_pool_free(&cap_nodes, n);
}

uint32_t nx_node_new_root(void)
{
    return node_new();
}

static void link_child(uint32_t parent, uint32_t child)
{
    nx_cap_node_t *p = node_at(parent), *c = node_at(child);
    c->parent = parent;
    c->prev = NX_NODE_NONE;
    c->next = p->first_child;
    if (p->first_child != NX_NODE_NONE)
        node_at(p->first_child)->prev = child;
    p->first_child = child;
    p->children++;
}

static void unlink_node(uint32_t index)
{
    nx_cap_node_t *n = node_at(index);
    if (n->parent == NX_NODE_NONE)
        return;
    nx_cap_node_t *p = node_at(n->parent);
    if (n->prev != NX_NODE_NONE)
        node_at(n->prev)->next = n->next;
    else
        p->first_child = n->next;
    if (n->next != NX_NODE_NONE)
        node_at(n->next)->prev = n->prev;
    p->children--;
    n->parent = n->prev = n->next = NX_NODE_NONE;
}

uint32_t nx_node_new_child(uint32_t parent)
{
    uint32_t child = node_new();
    if (child != NX_NODE_NONE)
        link_child(parent, child);
    return child;
}

void nx_node_place(uint32_t index, nx_task_t *task, uint32_t slot)
{
    nx_cap_node_t *n = node_at(index);
    n->state = NX_NODE_HANDLE;
    n->task = task;
    n->slot = slot;
}

void nx_node_in_flight(uint32_t index)
{
    nx_cap_node_t *n = node_at(index);
    n->state = NX_NODE_IN_FLIGHT;
    n->task = NULL;
}

nx_node_state_t nx_node_state(uint32_t index)
{
    return (nx_node_state_t)node_at(index)->state;
}

/* `index` has exactly one child: put the child in its place and free it. */
static void splice_out(uint32_t index)
{
    nx_cap_node_t *n = node_at(index);
    uint32_t child = n->first_child;
    uint32_t parent = n->parent;
    unlink_node(child);
    if (parent != NX_NODE_NONE) {
        /* Take n's position among its siblings (order does not matter, but
         * staying in place keeps the walk's invariants simple). */
        nx_cap_node_t *c = node_at(child), *p = node_at(parent);
        c->parent = parent;
        c->prev = n->prev;
        c->next = n->next;
        if (n->prev != NX_NODE_NONE)
            node_at(n->prev)->next = child;
        else
            p->first_child = child;
        if (n->next != NX_NODE_NONE)
            node_at(n->next)->prev = child;
    }
    n->parent = n->prev = n->next = n->first_child = NX_NODE_NONE;
    n->children = 0;
    node_free(index);
}

void nx_node_release(uint32_t index)
{
    nx_cap_node_t *n = node_at(index);
    if (n->children >= 2u) {
        n->state = NX_NODE_ZOMBIE;
        n->task = NULL;
        return;
    }
    if (n->children == 1u) {
        splice_out(index);
        return;
    }
    uint32_t parent = n->parent;
    unlink_node(index);
    node_free(index);
    /* A zombie keeps >= 2 children: at one, it gives way to its child. */
    if (parent != NX_NODE_NONE && node_at(parent)->state == NX_NODE_ZOMBIE) {
        nx_cap_node_t *p = node_at(parent);
        if (p->children == 1u)
            splice_out(parent);
        else if (p->children == 0u)
            nx_panic("capability node %u: a zombie lost its last child", parent);
    }
}

void nx_node_free_detached(uint32_t index)
{
    nx_cap_node_t *n = node_at(index);
    if (n->parent != NX_NODE_NONE || n->first_child != NX_NODE_NONE)
        nx_panic("capability node %u freed while still in the tree", index);
    node_free(index);
}

/* Remove one leaf of a subtree being revoked; returns 1 if it was a
 * capability (a handle or a cap in flight), 0 for an interior node. */
static uint32_t revoke_leaf(uint32_t index, nx_reaper_t *r)
{
    nx_cap_node_t *n = node_at(index);
    unlink_node(index);
    switch ((nx_node_state_t)n->state) {
    case NX_NODE_HANDLE:
        nx_cap_remove_handle_locked(n->task, n->slot, r);
        node_free(index);
        return 1;
    case NX_NODE_IN_FLIGHT:
        /* Its holder (a message) finds it revoked and releases it. */
        n->state = NX_NODE_REVOKED;
        return 1;
    case NX_NODE_ZOMBIE:
        node_free(index);
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
    uint32_t n = node_at(root)->first_child;
    while (n != NX_NODE_NONE) {
        if (node_at(n)->first_child != NX_NODE_NONE) {
            n = node_at(n)->first_child;
            continue;
        }
        uint32_t parent = node_at(n)->parent;
        removed += revoke_leaf(n, r);
        n = parent == root ? node_at(root)->first_child : parent;
    }
    return removed;
}

void nx_cap_remove_handle_locked(nx_task_t *task, uint32_t slot, nx_reaper_t *r)
{
    nx_object_t *obj = task->handles.e[slot].obj;
    nx_slot_release(&task->handles, slot);
    nx_cap_put_locked(r, obj);
}

/* --- reaper ------------------------------------------------------------------ */

void nx_cap_put_locked(nx_reaper_t *r, nx_object_t *obj)
{
    if (obj->caps == 0u)
        nx_panic("%s koid %llu: more capabilities removed than it had", obj->ops->name,
                 (unsigned long long)obj->koid.v);
    if (--obj->caps == 0u) {
        /* The last one: its hook runs, then its reference goes, after the
         * lock. Happens once per object, so one link field suffices. */
        obj->reap_next = r->head;
        r->head = obj;
        return;
    }
    /* Other capabilities still hold references: this cannot be the last. */
    unsigned old = atomic_fetch_sub_explicit(&obj->refs, 1u, memory_order_acq_rel);
    if (old <= 1u)
        nx_panic("%s koid %llu: capability reference was its last", obj->ops->name,
                 (unsigned long long)obj->koid.v);
}

void nx_reaper_run(nx_reaper_t *r)
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
