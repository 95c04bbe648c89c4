/* Array maps: ARRAY, PERCPU_ARRAY, and the arrays of objects PROG_ARRAY and
 * ARRAY_OF_MAPS (Linux kernel/bpf/arraymap.c).  Elements always exist, so
 * lookups are an index computation and updates copy in place (programs
 * reading a value while it is updated may see a mix, as on Linux). */
#include <errno.h>
#include <string.h>

#include "exec/exec.h"
#include "maps/map.h"
#include "platform/platform.h"

struct array_map {
    struct pbpf_map m;
    uint32_t stride; /* round_up(value_size, 8): per value, per slot */
    uint32_t per_elem; /* stride × slots for per-CPU, stride otherwise */
    uint8_t *values;
    /* BPF_F_MMAPABLE: values on whole pages of their own (Linux's
     * bpf_map_area_mmapable_alloc), so that freezing a read-only map can
     * make them read-only for user space */
    size_t paged_size;
};

#define ARRAY_CREATE_FLAG_MASK                                                                     \
    (PBPF_F_NUMA_NODE | PBPF_F_MMAPABLE | PBPF_MAP_ACCESS_MASK | PBPF_F_INNER_MAP |               \
     PBPF_F_PRESERVE_ELEMS)

static struct array_map *A(struct pbpf_map *m) { return (struct array_map *)m; }

/* array_map_alloc_check() */
static int array_check(const struct pbpf_map_create_opts *o)
{
    int percpu = o->type == PBPF_MAP_TYPE_PERCPU_ARRAY;
    if (o->max_entries == 0 || o->key_size != 4 || o->value_size == 0 ||
        (o->map_flags & ~ARRAY_CREATE_FLAG_MASK) || !pbpf_map_access_ok(o->map_flags) ||
        (percpu && (o->map_flags & PBPF_F_NUMA_NODE)))
        return -EINVAL;
    if (o->type != PBPF_MAP_TYPE_ARRAY && (o->map_flags & (PBPF_F_MMAPABLE | PBPF_F_INNER_MAP)))
        return -EINVAL;
    if (o->type != PBPF_MAP_TYPE_PERF_EVENT_ARRAY && (o->map_flags & PBPF_F_PRESERVE_ELEMS))
        return -EINVAL;
    if (o->value_size > INT32_MAX)
        return -E2BIG;
    if (percpu && pbpf_map_round8(o->value_size) > PBPF_MAP_PCPU_MAX_VALUE)
        return -E2BIG;
    return 0;
}

static int array_new(const struct pbpf_map_create_opts *o, unsigned slots, uint32_t stride,
                     int percpu, struct pbpf_map **out)
{
    uint64_t per_elem = (uint64_t)stride * (percpu ? slots : 1);
    uint64_t total = per_elem * o->max_entries;
    if (total > ((uint64_t)1 << 34) || per_elem > UINT32_MAX)
        return -ENOMEM;
    struct array_map *a = pbpf_calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    if (o->map_flags & PBPF_F_MMAPABLE) {
        a->paged_size = (size_t)total;
        a->values = pbpf_pages_alloc(a->paged_size);
    } else {
        a->values = pbpf_calloc(1, (size_t)total);
    }
    if (!a->values) {
        pbpf_free(a);
        return -ENOMEM;
    }
    a->stride = stride;
    a->per_elem = (uint32_t)per_elem;
    *out = &a->m;
    return 0;
}

static int array_alloc(const struct pbpf_map_create_opts *o, unsigned slots,
                       struct pbpf_map **out)
{
    int rc = array_check(o);
    if (rc)
        return rc;
    return array_new(o, slots, pbpf_map_round8(o->value_size),
                     o->type == PBPF_MAP_TYPE_PERCPU_ARRAY, out);
}

int pbpf_map_array_index_of(struct pbpf_map *m, const void *value, uint32_t *index)
{
    struct array_map *a = A(m);
    uintptr_t v = (uintptr_t)value, base = (uintptr_t)a->values;
    if (m->type != PBPF_MAP_TYPE_ARRAY || v < base || (v - base) % a->per_elem ||
        (v - base) / a->per_elem >= m->max_entries)
        return -EINVAL;
    *index = (uint32_t)((v - base) / a->per_elem);
    return 0;
}

int pbpf_map_array_layout(const struct pbpf_map *m, struct pbpf_map_array_layout *out)
{
    if (m->type != PBPF_MAP_TYPE_ARRAY && m->type != PBPF_MAP_TYPE_PERCPU_ARRAY &&
        m->type != PBPF_MAP_TYPE_ARRAY_OF_MAPS)
        return -EINVAL;
    const struct array_map *a = (const struct array_map *)m;
    out->values = a->values;
    out->elem_size = a->per_elem;
    out->stride = a->stride;
    return 0;
}

static void array_destroy(struct pbpf_map *m)
{
    struct array_map *a = A(m);
    if (a->paged_size)
        pbpf_pages_free(a->values, a->paged_size);
    else
        pbpf_free(a->values);
    pbpf_free(m);
}

static void *array_lookup(struct pbpf_map *m, const void *key, unsigned slot)
{
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return NULL;
    struct array_map *a = A(m);
    uint8_t *p = a->values + (size_t)i * a->per_elem;
    if (m->type == PBPF_MAP_TYPE_PERCPU_ARRAY)
        p += (size_t)(slot % m->slots) * a->stride;
    return p;
}

/* array_map_update_elem() */
static int array_update(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                        int slot)
{
    if ((flags & ~(uint64_t)PBPF_F_LOCK) > PBPF_EXIST)
        return -EINVAL;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -E2BIG;
    if (flags & PBPF_NOEXIST)
        return -EEXIST; /* every element exists */
    struct array_map *a = A(m);
    uint8_t *p = a->values + (size_t)i * a->per_elem;
    if (m->type != PBPF_MAP_TYPE_PERCPU_ARRAY) {
        /* the common sizes with the size a constant: a store, not a call
         * (Linux's copy_map_value is a memcpy too: a program reading the
         * value meanwhile may see a mix, as there) */
        if (m->value_size == 8)
            memcpy(p, value, 8);
        else if (m->value_size == 4)
            memcpy(p, value, 4);
        else
            memcpy(p, value, m->value_size);
    } else if (slot >= 0) {
        memcpy(p + (size_t)((unsigned)slot % m->slots) * a->stride, value, m->value_size);
    } else {
        /* user view: one value per slot, each at a multiple of 8 */
        for (unsigned s = 0; s < m->slots; s++)
            memcpy(p + (size_t)s * a->stride, (const uint8_t *)value + (size_t)s * a->stride,
                   m->value_size);
    }
    return 0;
}

static int array_delete(struct pbpf_map *m, const void *key)
{
    (void)m, (void)key;
    return -EINVAL;
}

static int array_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -ENOENT;
    struct array_map *a = A(m);
    const uint8_t *p = a->values + (size_t)i * a->per_elem;
    if (m->type != PBPF_MAP_TYPE_PERCPU_ARRAY) {
        memcpy(value, p, m->value_size);
    } else {
        /* padding of each slot's value reads as zero, as bpf(2) */
        memset(value, 0, (size_t)a->per_elem);
        for (unsigned s = 0; s < m->slots; s++)
            memcpy((uint8_t *)value + (size_t)s * a->stride, p + (size_t)s * a->stride,
                   m->value_size);
    }
    return 0;
}

/* array_map_mmap(): BPF_F_MMAPABLE arrays only */
static int array_mmap(struct pbpf_map *m, void **ptr, size_t *size)
{
    if (!(m->map_flags & PBPF_F_MMAPABLE))
        return -EINVAL;
    *ptr = A(m)->values;
    *size = (size_t)A(m)->per_elem * m->max_entries;
    return 0;
}

/* A frozen BPF_F_RDONLY_PROG array is constant for programs (the verifier
 * reads its values as known scalars) and for bpf(2); Linux also refuses
 * writable mmaps of it (bpf_map_mmap: -EPERM once frozen, -EACCES for
 * RDONLY_PROG), and libbpf maps .rodata read-only after load.  Here the
 * user's view is the values themselves, so the pages become read-only. */
static int array_freeze(struct pbpf_map *m)
{
    struct array_map *a = A(m);
    if (!a->paged_size || !(m->map_flags & PBPF_F_RDONLY_PROG))
        return 0;
    return pbpf_pages_protect(a->values, a->paged_size, 0);
}

const struct pbpf_map_ops pbpf_map_array_ops = {
    .mmap = array_mmap,
    .freeze = array_freeze,
    .alloc = array_alloc,
    .destroy = array_destroy,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = array_copy_value,
};

const struct pbpf_map_ops pbpf_map_percpu_array_ops = {
    .alloc = array_alloc,
    .destroy = array_destroy,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = array_copy_value,
};

/* --- arrays of objects: PROG_ARRAY, ARRAY_OF_MAPS ------------------------ */

/* fd_array_map_alloc_check(): the value is a 32-bit fd in Linux. */
static int fd_array_alloc(const struct pbpf_map_create_opts *o, unsigned slots,
                          struct pbpf_map **out)
{
    if (o->value_size != 4 || (o->map_flags & (PBPF_F_RDONLY_PROG | PBPF_F_WRONLY_PROG)))
        return -EINVAL;
    int rc = array_check(o);
    if (rc)
        return rc;
    return array_new(o, slots, sizeof(void *), 0, out);
}

static void **obj_slot(struct pbpf_map *m, uint32_t i)
{
    return (void **)(A(m)->values + (size_t)i * sizeof(void *));
}

static void fd_array_destroy(struct pbpf_map *m)
{
    if (m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS) {
        for (uint32_t i = 0; i < m->max_entries; i++) {
            struct pbpf_map *inner = *obj_slot(m, i);
            if (inner)
                pbpf_map_free(inner);
        }
    }
    if (m->type == PBPF_MAP_TYPE_PROG_ARRAY) {
        /* no run can reach the programs through the map any more */
        for (uint32_t i = 0; i < m->max_entries; i++) {
            struct pbpf_prog *p = *obj_slot(m, i);
            if (p)
                pbpf_prog_free(p);
        }
    }
    array_destroy(m);
}

/* Drops a slot's reference once no run can still use the object. */
static void put_obj(struct pbpf_map *m, void *obj)
{
    if (!obj)
        return;
    if (m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS)
        pbpf_map_put_deferred(obj);
    else
        pbpf_prog_put_deferred(obj);
}

/* bpf_fd_array_map_update_elem(): only BPF_ANY. */
static int fd_array_update(struct pbpf_map *m, const void *key, const void *value,
                           uint64_t flags, int slot)
{
    (void)slot;
    if (flags != PBPF_ANY)
        return -EINVAL;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -E2BIG;
    void *obj;
    memcpy(&obj, value, sizeof obj);
    if (!obj)
        return -EBADF;
    if (m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS) {
        if (!pbpf_map_is_live(obj))
            return -EBADF;
        if (!pbpf_map_inner_ok(m, obj))
            return -EINVAL;
        pbpf_map_get(obj);
    } else {
        /* prog_fd_array_get_ptr(): the program must fit the array */
        if (!pbpf_prog_array_compatible(m, obj))
            return -EINVAL;
        pbpf_prog_get(obj);
    }
    void *old = __atomic_exchange_n(obj_slot(m, i), obj, __ATOMIC_ACQ_REL);
    put_obj(m, old);
    return 0;
}

static int fd_array_delete(struct pbpf_map *m, const void *key)
{
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -E2BIG;
    void *old = __atomic_exchange_n(obj_slot(m, i), NULL, __ATOMIC_ACQ_REL);
    if (!old)
        return -ENOENT;
    put_obj(m, old);
    return 0;
}

void pbpf_prog_array_clear(struct pbpf_map *m)
{
    for (uint32_t i = 0; i < m->max_entries; i++)
        put_obj(m, __atomic_exchange_n(obj_slot(m, i), NULL, __ATOMIC_ACQ_REL));
}

/* Programs get the inner map itself (array_of_map_lookup_elem). */
static void *array_of_maps_lookup(struct pbpf_map *m, const void *key, unsigned slot)
{
    (void)slot;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return NULL;
    return __atomic_load_n(obj_slot(m, i), __ATOMIC_ACQUIRE);
}

/* bpf(2) lookups give the inner map's id; programs have no ids here. */
static int fd_array_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -ENOENT;
    void *obj = __atomic_load_n(obj_slot(m, i), __ATOMIC_ACQUIRE);
    if (!obj)
        return -ENOENT;
    if (m->type != PBPF_MAP_TYPE_ARRAY_OF_MAPS)
        return -EOPNOTSUPP;
    uint32_t id = pbpf_map_id(obj);
    memcpy(value, &id, 4);
    return 0;
}

struct pbpf_prog *pbpf_map_prog_array_get(struct pbpf_map *m, uint32_t index)
{
    if (m->type != PBPF_MAP_TYPE_PROG_ARRAY || index >= m->max_entries)
        return NULL;
    return __atomic_load_n((struct pbpf_prog **)obj_slot(m, index), __ATOMIC_ACQUIRE);
}

const struct pbpf_map_ops pbpf_map_prog_array_ops = {
    .alloc = fd_array_alloc,
    .destroy = fd_array_destroy,
    .update = fd_array_update,
    .delete = fd_array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = fd_array_copy_value,
};

const struct pbpf_map_ops pbpf_map_array_of_maps_ops = {
    .alloc = fd_array_alloc,
    .destroy = fd_array_destroy,
    .lookup = array_of_maps_lookup,
    .update = fd_array_update,
    .delete = fd_array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = fd_array_copy_value,
};
