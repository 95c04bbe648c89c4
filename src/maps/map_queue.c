/* QUEUE and STACK maps (Linux kernel/bpf/queue_stack_maps.c): a circular
 * buffer of max_entries + 1 values under one lock.  Values are copied in
 * and out, so nothing outlives the lock. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

struct qs_map {
    struct pbpf_map m;
    int lock;
    uint32_t head, tail, size; /* size = max_entries + 1 */
    uint8_t *elems;
};

#define QUEUE_STACK_CREATE_FLAG_MASK (PBPF_F_NUMA_NODE | PBPF_MAP_ACCESS_MASK)

static struct qs_map *Q(struct pbpf_map *m) { return (struct qs_map *)m; }

/* queue_stack_map_alloc_check() */
static int qs_alloc(const struct pbpf_map_create_opts *o, unsigned slots, struct pbpf_map **out)
{
    (void)slots;
    if (o->max_entries == 0 || o->key_size != 0 || o->value_size == 0 ||
        (o->map_flags & ~QUEUE_STACK_CREATE_FLAG_MASK) || !pbpf_map_access_ok(o->map_flags))
        return -EINVAL;
    if (o->value_size > PBPF_MAP_KMALLOC_MAX)
        return -E2BIG;
    uint64_t size = (uint64_t)o->max_entries + 1;
    if (size * o->value_size > ((uint64_t)1 << 34))
        return -ENOMEM;
    struct qs_map *q = pbpf_calloc(1, sizeof *q);
    if (!q)
        return -ENOMEM;
    q->elems = pbpf_calloc((size_t)size, o->value_size);
    if (!q->elems) {
        pbpf_free(q);
        return -ENOMEM;
    }
    q->size = (uint32_t)size;
    *out = &q->m;
    return 0;
}

static void qs_destroy(struct pbpf_map *m)
{
    pbpf_free(Q(m)->elems);
    pbpf_free(m);
}

static uint8_t *at(struct qs_map *q, uint32_t i) { return q->elems + (size_t)i * q->m.value_size; }

/* queue_stack_map_push_elem(): BPF_EXIST overwrites the oldest value when
 * full. */
static int qs_push(struct pbpf_map *m, const void *value, uint64_t flags)
{
    struct qs_map *q = Q(m);
    if ((flags & PBPF_NOEXIST) || flags > PBPF_EXIST)
        return -EINVAL;
    pbpf_map_lock(&q->lock);
    int rc = 0;
    uint32_t nh = q->head + 1 >= q->size ? 0 : q->head + 1;
    if (nh == q->tail) {
        if (!(flags & PBPF_EXIST)) {
            rc = -E2BIG;
            goto out;
        }
        if (++q->tail >= q->size)
            q->tail = 0;
    }
    memcpy(at(q, q->head), value, m->value_size);
    q->head = nh;
out:
    pbpf_map_unlock(&q->lock);
    return rc;
}

static int qs_take(struct pbpf_map *m, void *value, int del)
{
    struct qs_map *q = Q(m);
    pbpf_map_lock(&q->lock);
    int rc = 0;
    if (q->head == q->tail) {
        rc = -ENOENT;
        goto out;
    }
    if (m->type == PBPF_MAP_TYPE_QUEUE) {
        memcpy(value, at(q, q->tail), m->value_size);
        if (del && ++q->tail >= q->size)
            q->tail = 0;
    } else {
        uint32_t top = q->head == 0 ? q->size - 1 : q->head - 1;
        memcpy(value, at(q, top), m->value_size);
        if (del)
            q->head = top;
    }
out:
    pbpf_map_unlock(&q->lock);
    return rc;
}

static int qs_pop(struct pbpf_map *m, void *value) { return qs_take(m, value, 1); }
static int qs_peek(struct pbpf_map *m, void *value) { return qs_take(m, value, 0); }

static int qs_delete(struct pbpf_map *m, const void *key)
{
    (void)m, (void)key;
    return -EINVAL;
}

static int qs_get_next_key(struct pbpf_map *m, const void *key, void *next)
{
    (void)m, (void)key, (void)next;
    return -EINVAL;
}

const struct pbpf_map_ops pbpf_map_queue_ops = {
    .alloc = qs_alloc,
    .destroy = qs_destroy,
    .delete = qs_delete,
    .get_next_key = qs_get_next_key,
    .push = qs_push,
    .pop = qs_pop,
    .peek = qs_peek,
};

const struct pbpf_map_ops pbpf_map_stack_ops = {
    .alloc = qs_alloc,
    .destroy = qs_destroy,
    .delete = qs_delete,
    .get_next_key = qs_get_next_key,
    .push = qs_push,
    .pop = qs_pop,
    .peek = qs_peek,
};
