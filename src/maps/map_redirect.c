/* Redirect maps: DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP (Linux
 * kernel/bpf/devmap.c, cpumap.c, net/xdp/xskmap.c).  They hold targets
 * that bpf_redirect_map() sends packets to; the hook that runs the program
 * acts on them through pbpf_map_redirect_lookup().
 *
 * pbpf has no network devices, CPUs or AF_XDP sockets of its own, so the
 * stored values are what the embedder calls them: an ifindex, an execution
 * slot with a queue size, a socket handle.  Differences from Linux, by
 * necessity:
 *  - any non-zero ifindex is accepted (Linux checks that the device
 *    exists in the caller's namespace: -EINVAL otherwise);
 *  - pbpf has no program fds, so an entry program (bpf_devmap_val /
 *    bpf_cpumap_val .bpf_prog.fd > 0) is refused with -EINVAL, and
 *    lookups give prog id 0;
 *  - an XSKMAP value is any 32-bit socket handle (Linux: an AF_XDP socket
 *    fd, -EBADF/-ENOTSOCK otherwise).
 *
 * Array types keep one 64-bit word per entry, read and written atomically,
 * so a program sees an entry whole; DEVMAP_HASH is a hash map underneath. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

/* Linux's NR_CPUS of common x86-64/arm64 distribution kernels: cpu_map_alloc
 * refuses larger maps with -E2BIG. */
#define CPUMAP_MAX_ENTRIES 8192
/* cpu_map_update_elem(): the ptr_ring size limit */
#define CPUMAP_MAX_QSIZE 16384
/* DEV_CREATE_FLAG_MASK, and xsk_map_alloc()/cpu_map_alloc() masks */
#define DEV_CREATE_FLAG_MASK (PBPF_F_NUMA_NODE | PBPF_F_RDONLY | PBPF_F_WRONLY)

struct redir_array {
    struct pbpf_map m;
    /* little-endian layout of the value: low word ifindex / qsize / handle,
     * high word prog id (0); XSK_PRESENT marks an occupied XSKMAP entry */
    uint64_t *e;
};
#define XSK_PRESENT ((uint64_t)1 << 32)

static struct redir_array *RA(struct pbpf_map *m) { return (struct redir_array *)m; }

static uint32_t u32_at(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int redir_check(const struct pbpf_map_create_opts *o)
{
    uint32_t mask = o->type == PBPF_MAP_TYPE_CPUMAP ? PBPF_F_NUMA_NODE : DEV_CREATE_FLAG_MASK;
    if (o->max_entries == 0 || o->key_size != 4 || (o->map_flags & ~mask))
        return -EINVAL;
    if (o->type == PBPF_MAP_TYPE_XSKMAP) {
        if (o->value_size != 4)
            return -EINVAL;
    } else if (o->value_size != 4 && o->value_size != 8) {
        /* offsetofend(.., ifindex / qsize) or offsetofend(.., bpf_prog.fd) */
        return -EINVAL;
    }
    if (o->type == PBPF_MAP_TYPE_CPUMAP && o->max_entries > CPUMAP_MAX_ENTRIES)
        return -E2BIG;
    return 0;
}

static int redir_array_alloc(const struct pbpf_map_create_opts *o, unsigned slots,
                             struct pbpf_map **out)
{
    (void)slots;
    int rc = redir_check(o);
    if (rc)
        return rc;
    if (o->max_entries > (1u << 28))
        return -ENOMEM;
    struct redir_array *a = pbpf_calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    a->e = pbpf_calloc(o->max_entries, sizeof *a->e);
    if (!a->e) {
        pbpf_free(a);
        return -ENOMEM;
    }
    *out = &a->m;
    return 0;
}

static void redir_array_destroy(struct pbpf_map *m)
{
    pbpf_free(RA(m)->e);
    pbpf_free(m);
}

static int present(const struct pbpf_map *m, uint64_t w)
{
    return m->type == PBPF_MAP_TYPE_XSKMAP ? (w & XSK_PRESENT) != 0 : (uint32_t)w != 0;
}

/* Programs: DEVMAP gives the struct bpf_devmap_val in place (read-only to
 * programs: the map is created BPF_F_RDONLY_PROG as Linux does); XSKMAP
 * gives a pointer to the entry (Linux: the struct xdp_sock, whose first
 * word here is the socket handle).  CPUMAP has no program lookup: only
 * bpf_redirect_map may use it. */
static void *redir_array_lookup(struct pbpf_map *m, const void *key, unsigned slot)
{
    (void)slot;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return NULL;
    uint64_t *p = &RA(m)->e[i];
    return present(m, __atomic_load_n(p, __ATOMIC_ACQUIRE)) ? (void *)p : NULL;
}

/* dev_map_update_elem(), cpu_map_update_elem(), xsk_map_update_elem() */
static int redir_array_update(struct pbpf_map *m, const void *key, const void *value,
                              uint64_t flags, int slot)
{
    (void)slot;
    if (flags > PBPF_EXIST)
        return -EINVAL;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -E2BIG;
    uint64_t *p = &RA(m)->e[i];
    uint32_t v0 = u32_at(value);
    int32_t fd = m->value_size == 8 ? (int32_t)u32_at((const uint8_t *)value + 4) : 0;
    uint64_t w;
    switch (m->type) {
    case PBPF_MAP_TYPE_DEVMAP:
        if (flags == PBPF_NOEXIST)
            return -EEXIST;
        /* ifindex 0 clears the entry; it cannot name a program */
        if (fd > 0)
            return -EINVAL;
        w = v0;
        break;
    case PBPF_MAP_TYPE_CPUMAP:
        if (flags == PBPF_NOEXIST)
            return -EEXIST;
        if (v0 > CPUMAP_MAX_QSIZE)
            return -EOVERFLOW;
        if (i >= m->slots)
            return -ENODEV; /* not a possible CPU (execution slot) */
        if (fd > 0)
            return -EINVAL;
        w = v0; /* qsize 0: same as deleting */
        break;
    default: { /* XSKMAP */
        w = v0 | XSK_PRESENT;
        uint64_t old = __atomic_load_n(p, __ATOMIC_ACQUIRE);
        for (;;) {
            if (present(m, old) && flags == PBPF_NOEXIST)
                return -EEXIST;
            if (!present(m, old) && flags == PBPF_EXIST)
                return -ENOENT;
            if (__atomic_compare_exchange_n(p, &old, w, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                return 0;
        }
    }
    }
    __atomic_store_n(p, w, __ATOMIC_RELEASE);
    return 0;
}

static int redir_array_delete(struct pbpf_map *m, const void *key)
{
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -EINVAL;
    __atomic_store_n(&RA(m)->e[i], 0, __ATOMIC_RELEASE);
    return 0;
}

/* bpf(2) lookups: the value with prog id 0; XSKMAP has none
 * (xsk_map_lookup_elem_sys_only: -EOPNOTSUPP). */
static int redir_array_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    if (m->type == PBPF_MAP_TYPE_XSKMAP)
        return -EOPNOTSUPP;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -ENOENT;
    uint64_t w = __atomic_load_n(&RA(m)->e[i], __ATOMIC_ACQUIRE);
    if (!present(m, w))
        return -ENOENT;
    uint32_t v[2] = {(uint32_t)w, 0};
    memcpy(value, v, m->value_size);
    return 0;
}

const struct pbpf_map_ops pbpf_map_devmap_ops = {
    .alloc = redir_array_alloc,
    .destroy = redir_array_destroy,
    .lookup = redir_array_lookup,
    .update = redir_array_update,
    .delete = redir_array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = redir_array_copy_value,
};

const struct pbpf_map_ops pbpf_map_cpumap_ops = {
    .alloc = redir_array_alloc,
    .destroy = redir_array_destroy,
    .update = redir_array_update,
    .delete = redir_array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = redir_array_copy_value,
};

const struct pbpf_map_ops pbpf_map_xskmap_ops = {
    .alloc = redir_array_alloc,
    .destroy = redir_array_destroy,
    .lookup = redir_array_lookup,
    .update = redir_array_update,
    .delete = redir_array_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = redir_array_copy_value,
};

/* --- DEVMAP_HASH: a hash map of bpf_devmap_val --------------------------- */

static int devmap_hash_alloc(const struct pbpf_map_create_opts *o, unsigned slots,
                             struct pbpf_map **out)
{
    int rc = redir_check(o);
    if (rc)
        return rc;
    return pbpf_map_hash_ops.alloc(o, slots, out);
}

/* __dev_map_hash_update_elem(): ifindex 0 is invalid, BPF_EXIST on a
 * missing key inserts, a full map gives -E2BIG.  Linux looks the key up
 * for BPF_NOEXIST (-EEXIST) before __dev_map_alloc_node() refuses an
 * entry program it cannot get (-EINVAL), and that before the -E2BIG of a
 * full map; the program refusal keeps that place here. */
static int devmap_hash_update(struct pbpf_map *m, const void *key, const void *value,
                              uint64_t flags, int slot)
{
    if (flags > PBPF_EXIST || u32_at(value) == 0)
        return -EINVAL;
    if (m->value_size == 8 && (int32_t)u32_at((const uint8_t *)value + 4) > 0) {
        if (flags == PBPF_NOEXIST && pbpf_map_hash_ops.lookup(m, key, 0))
            return -EEXIST;
        return -EINVAL;
    }
    uint32_t v[2] = {u32_at(value), 0};
    return pbpf_map_hash_ops.update(m, key, v, flags == PBPF_EXIST ? PBPF_ANY : flags, slot);
}

static int devmap_hash_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    uint32_t v[2];
    int rc = pbpf_map_hash_ops.copy_value(m, key, v);
    if (rc == 0) {
        v[1] = 0;
        memcpy(value, v, m->value_size);
    }
    return rc;
}

/* The hash map's operations with DEVMAP_HASH's checks in front (a copy
 * made once: C cannot initialise one constant from another). */
static struct pbpf_map_ops devmap_hash_ops;
static int devmap_hash_ops_ready;

const struct pbpf_map_ops *pbpf_map_devmap_hash_ops_get(void)
{
    if (!__atomic_load_n(&devmap_hash_ops_ready, __ATOMIC_ACQUIRE)) {
        struct pbpf_map_ops o = pbpf_map_hash_ops;
        o.alloc = devmap_hash_alloc;
        o.update = devmap_hash_update;
        o.copy_value = devmap_hash_copy_value;
        o.lookup_and_delete = NULL; /* Linux: -ENOTSUPP */
        o.lookup_batch = NULL;
        static int lock;
        pbpf_map_lock(&lock);
        if (!__atomic_load_n(&devmap_hash_ops_ready, __ATOMIC_ACQUIRE)) {
            devmap_hash_ops = o;
            __atomic_store_n(&devmap_hash_ops_ready, 1, __ATOMIC_RELEASE);
        }
        pbpf_map_unlock(&lock);
    }
    return &devmap_hash_ops;
}

/* --- the hook's view ----------------------------------------------------- */

int pbpf_map_redirect_lookup(struct pbpf_map *m, uint32_t key, struct pbpf_redirect_target *t)
{
    memset(t, 0, sizeof *t);
    t->map_type = m->type;
    t->key = key;
    switch (m->type) {
    case PBPF_MAP_TYPE_DEVMAP:
    case PBPF_MAP_TYPE_CPUMAP:
    case PBPF_MAP_TYPE_XSKMAP: {
        if (key >= m->max_entries)
            return -ENOENT;
        uint64_t w = __atomic_load_n(&RA(m)->e[key], __ATOMIC_ACQUIRE);
        if (!present(m, w))
            return -ENOENT;
        if (m->type == PBPF_MAP_TYPE_DEVMAP)
            t->ifindex = (uint32_t)w;
        else if (m->type == PBPF_MAP_TYPE_CPUMAP)
            t->qsize = (uint32_t)w;
        else
            t->xsk = (uint32_t)w;
        return 0;
    }
    case PBPF_MAP_TYPE_DEVMAP_HASH: {
        const uint32_t *v = m->ops->lookup(m, &key, 0);
        if (!v)
            return -ENOENT;
        t->ifindex = __atomic_load_n(v, __ATOMIC_ACQUIRE);
        return 0;
    }
    default:
        return -EINVAL;
    }
}
