/* The map object and its user-space API: creation checks shared by every
 * type, the operation table, references, the registry of live maps, and
 * the checks bpf(2) makes before it reaches a map's own code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "maps/map.h"
#include "platform/platform.h"

static const struct pbpf_map_ops *map_ops(uint32_t type)
{
    switch (type) {
    case PBPF_MAP_TYPE_HASH: return &pbpf_map_hash_ops;
    case PBPF_MAP_TYPE_ARRAY: return &pbpf_map_array_ops;
    case PBPF_MAP_TYPE_PROG_ARRAY: return &pbpf_map_prog_array_ops;
    case PBPF_MAP_TYPE_PERCPU_HASH: return &pbpf_map_percpu_hash_ops;
    case PBPF_MAP_TYPE_PERCPU_ARRAY: return &pbpf_map_percpu_array_ops;
    case PBPF_MAP_TYPE_LRU_HASH: return &pbpf_map_lru_hash_ops;
    case PBPF_MAP_TYPE_LRU_PERCPU_HASH: return &pbpf_map_lru_percpu_hash_ops;
    case PBPF_MAP_TYPE_LPM_TRIE: return &pbpf_map_lpm_ops;
    case PBPF_MAP_TYPE_ARRAY_OF_MAPS: return &pbpf_map_array_of_maps_ops;
    case PBPF_MAP_TYPE_HASH_OF_MAPS: return &pbpf_map_hash_of_maps_ops;
    case PBPF_MAP_TYPE_QUEUE: return &pbpf_map_queue_ops;
    case PBPF_MAP_TYPE_STACK: return &pbpf_map_stack_ops;
    case PBPF_MAP_TYPE_BLOOM_FILTER: return &pbpf_map_bloom_ops;
    case PBPF_MAP_TYPE_RINGBUF: return &pbpf_map_ringbuf_ops;
    case PBPF_MAP_TYPE_DEVMAP: return &pbpf_map_devmap_ops;
    case PBPF_MAP_TYPE_DEVMAP_HASH: return pbpf_map_devmap_hash_ops_get();
    case PBPF_MAP_TYPE_CPUMAP: return &pbpf_map_cpumap_ops;
    case PBPF_MAP_TYPE_XSKMAP: return &pbpf_map_xskmap_ops;
    case PBPF_MAP_TYPE_PERF_EVENT_ARRAY: return &pbpf_map_perf_event_array_ops;
    default: return NULL;
    }
}

void pbpf_map_lock_slow(int *l)
{
    for (unsigned spins = 0;; spins++) {
        if (__atomic_load_n(l, __ATOMIC_RELAXED) == 0 &&
            __atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) == 0)
            return;
        if (spins > 64)
            pbpf_thread_yield();
    }
}

/* --- registry of live maps: an open-addressing set of pointers ----------- */

static int reg_lock;
static uintptr_t *reg_tab; /* 0 = empty, 1 = deleted */
static size_t reg_cap, reg_used, reg_live; /* used: live + tombstones */
static uint32_t reg_next_id = 1;

static size_t reg_slot(uintptr_t p, size_t cap) { return (size_t)((p >> 4) * 0x9e3779b97f4a7c15ull) & (cap - 1); }

static int reg_insert_locked(uintptr_t p)
{
    if ((reg_used + 1) * 2 > reg_cap) {
        size_t ncap = reg_cap ? reg_cap * 2 : 64;
        uintptr_t *nt = pbpf_calloc(ncap, sizeof *nt);
        if (!nt)
            return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < reg_cap; i++) {
            if (reg_tab[i] > 1) {
                size_t j = reg_slot(reg_tab[i], ncap);
                while (nt[j])
                    j = (j + 1) & (ncap - 1);
                nt[j] = reg_tab[i];
                n++;
            }
        }
        pbpf_free(reg_tab);
        reg_tab = nt;
        reg_cap = ncap;
        reg_used = n;
    }
    size_t j = reg_slot(p, reg_cap);
    while (reg_tab[j] > 1)
        j = (j + 1) & (reg_cap - 1);
    if (reg_tab[j] == 0)
        reg_used++;
    reg_tab[j] = p;
    reg_live++;
    return 0;
}

static void reg_remove(uintptr_t p)
{
    pbpf_map_lock(&reg_lock);
    if (reg_cap) {
        size_t j = reg_slot(p, reg_cap);
        while (reg_tab[j] && reg_tab[j] != p)
            j = (j + 1) & (reg_cap - 1);
        if (reg_tab[j] == p) {
            reg_tab[j] = 1;
            reg_live--;
        }
    }
    if (reg_cap && reg_live == 0) {
        /* the last map is gone: nothing stays allocated */
        pbpf_free(reg_tab);
        reg_tab = NULL;
        reg_cap = reg_used = 0;
    }
    pbpf_map_unlock(&reg_lock);
}

int pbpf_map_is_live(const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (p <= 1)
        return 0;
    int found = 0;
    pbpf_map_lock(&reg_lock);
    if (reg_cap) {
        size_t j = reg_slot(p, reg_cap);
        while (reg_tab[j] && reg_tab[j] != p)
            j = (j + 1) & (reg_cap - 1);
        found = reg_tab[j] == p;
    }
    pbpf_map_unlock(&reg_lock);
    return found;
}

/* --- creation and references -------------------------------------------- */

#define OPT(o, field, def)                                                                         \
    ((o)->sz >= offsetof(struct pbpf_map_create_opts, field) + sizeof((o)->field) ? (o)->field     \
                                                                                   : (def))

/* bpf_obj_name_cpy(): letters, digits, '_' and '.', shorter than 16. */
static int name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (n >= PBPF_MAP_NAME_LEN - 1)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

int pbpf_map_create(struct pbpf_runtime *rt, const struct pbpf_map_create_opts *opts,
                    struct pbpf_map **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!rt || !opts || opts->sz < offsetof(struct pbpf_map_create_opts, map_flags) + 4)
        return -EINVAL;
    struct pbpf_map_create_opts o = {.sz = sizeof o};
    o.type = opts->type;
    o.key_size = opts->key_size;
    o.value_size = opts->value_size;
    o.max_entries = opts->max_entries;
    o.map_flags = opts->map_flags;
    o.inner_map = OPT(opts, inner_map, NULL);
    o.map_extra = OPT(opts, map_extra, 0);
    o.name = OPT(opts, name, NULL);
    o.spin_lock_off = OPT(opts, spin_lock_off, -1);
    o.has_spin_lock = OPT(opts, has_spin_lock, 0);
    int32_t lock_off = o.has_spin_lock || o.spin_lock_off > 0 ? o.spin_lock_off : -1;
    o.timer_off = OPT(opts, timer_off, -1);
    o.has_timer = OPT(opts, has_timer, 0);
    int32_t timer_off = o.has_timer || o.timer_off > 0 ? o.timer_off : -1;

    const struct pbpf_map_ops *ops = map_ops(o.type);
    if (!ops)
        return -EINVAL;
    /* map_create(): generic checks before the type's own */
    if ((o.map_flags & PBPF_F_RDONLY) && (o.map_flags & PBPF_F_WRONLY))
        return -EINVAL;
    if (o.map_extra && o.type != PBPF_MAP_TYPE_BLOOM_FILTER)
        return -EINVAL;
    if (o.name && !name_ok(o.name))
        return -EINVAL;
    int is_outer = o.type == PBPF_MAP_TYPE_ARRAY_OF_MAPS || o.type == PBPF_MAP_TYPE_HASH_OF_MAPS;
    if (is_outer) {
        /* bpf_map_meta_alloc(): the template must be a live map that may
         * itself be held by another (not a map-in-map, prog array...) */
        if (!o.inner_map || !pbpf_map_is_live(o.inner_map))
            return -EBADF;
        uint32_t it = o.inner_map->type;
        if (it == PBPF_MAP_TYPE_ARRAY_OF_MAPS || it == PBPF_MAP_TYPE_HASH_OF_MAPS ||
            it == PBPF_MAP_TYPE_PROG_ARRAY)
            return -ENOTSUP;
    }

    if (lock_off >= 0) {
        /* map_check_btf(): a lock inside the value, on a type that has it */
        if (o.type != PBPF_MAP_TYPE_HASH && o.type != PBPF_MAP_TYPE_ARRAY)
            return -EOPNOTSUPP;
        if ((lock_off & 3) || (uint64_t)lock_off + 4 > o.value_size)
            return -EINVAL;
    } else if (o.has_spin_lock) {
        return -EINVAL;
    }
    if (timer_off >= 0) {
        /* map_check_btf(): array, hash and LRU hash maps may hold timers */
        if (o.type != PBPF_MAP_TYPE_HASH && o.type != PBPF_MAP_TYPE_LRU_HASH &&
            o.type != PBPF_MAP_TYPE_ARRAY)
            return -EOPNOTSUPP;
        if ((timer_off & 7) || (uint64_t)timer_off + 16 > o.value_size ||
            (lock_off >= 0 && lock_off < timer_off + 16 && timer_off < lock_off + 4))
            return -EINVAL;
    } else if (o.has_timer) {
        return -EINVAL;
    }

    struct pbpf_map *m = NULL;
    int rc = ops->alloc(&o, rt->slots, &m);
    if (rc)
        return rc;
    m->ops = ops;
    m->type = o.type;
    m->key_size = o.key_size;
    m->value_size = o.value_size;
    if (!m->max_entries)
        m->max_entries = o.max_entries;
    m->map_flags = o.map_flags;
    /* dev_map_init_map(): lookups give programs the value in place, which
     * they must not write */
    if (o.type == PBPF_MAP_TYPE_DEVMAP || o.type == PBPF_MAP_TYPE_DEVMAP_HASH)
        m->map_flags |= PBPF_F_RDONLY_PROG;
    m->spin_lock_off = lock_off;
    m->timer_off = timer_off;
    m->btf_value_type_id = OPT(opts, btf_value_type_id, 0);
    m->map_extra = o.map_extra;
    m->slots = rt->slots;
    m->refcnt = 1;
    if (o.name)
        snprintf(m->name, sizeof m->name, "%s", o.name);
    if (is_outer) {
        m->inner.type = o.inner_map->type;
        m->inner.key_size = o.inner_map->key_size;
        m->inner.value_size = o.inner_map->value_size;
        m->inner.max_entries = o.inner_map->max_entries;
        m->inner.map_flags = o.inner_map->map_flags;
        /* bpf_map_meta_alloc(): the template as the verifier sees it */
        struct pbpf_map *meta = pbpf_calloc(1, sizeof *meta);
        if (!meta) {
            ops->destroy(m);
            return -ENOMEM;
        }
        const struct pbpf_map *t = o.inner_map;
        meta->ops = t->ops;
        meta->type = t->type;
        meta->key_size = t->key_size;
        meta->value_size = t->value_size;
        meta->max_entries = t->max_entries;
        meta->map_flags = t->map_flags;
        meta->map_extra = t->map_extra;
        meta->slots = t->slots;
        meta->spin_lock_off = t->spin_lock_off;
        meta->timer_off = t->timer_off;
        meta->btf_value_type_id = t->btf_value_type_id;
        memcpy(meta->name, t->name, sizeof meta->name);
        m->inner_meta = meta;
    }
    pbpf_map_lock(&reg_lock);
    rc = reg_insert_locked((uintptr_t)m);
    m->id = reg_next_id++;
    pbpf_map_unlock(&reg_lock);
    if (rc) {
        struct pbpf_map *meta = m->inner_meta;
        ops->destroy(m);
        pbpf_free(meta);
        return rc;
    }
    *out = m;
    return 0;
}

static void map_destroy(struct pbpf_map *m)
{
    if (m->timer_off >= 0)
        pbpf_map_free_timers(m);
    reg_remove((uintptr_t)m);
    /* nothing can reach the map any more: pending frees run now */
    pbpf_epoch_forget(m);
    struct pbpf_map *meta = m->inner_meta;
    m->ops->destroy(m);
    pbpf_free(meta);
}

void pbpf_map_get(struct pbpf_map *m) { __atomic_add_fetch(&m->refcnt, 1, __ATOMIC_RELAXED); }

void pbpf_map_free(struct pbpf_map *m)
{
    if (!m)
        return;
    uint32_t left = __atomic_sub_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL);
    if (left == 0) {
        map_destroy(m);
    } else if (left == __atomic_load_n(&m->prog_holders, __ATOMIC_ACQUIRE)) {
        /* only programs hold it now: break the cycles through it */
        if (m->type == PBPF_MAP_TYPE_PROG_ARRAY)
            pbpf_prog_array_clear(m);
        if (m->timer_off >= 0)
            pbpf_map_free_timers(m); /* Linux: bpf_map_free_timers at the last uref */
    }
}

void pbpf_map_free_timers(struct pbpf_map *m)
{
    /* per-CPU maps hold no timers: slot 0 is the value */
    pbpf_epoch_enter();
    if (m->type == PBPF_MAP_TYPE_ARRAY) {
        for (uint32_t i = 0; i < m->max_entries; i++) {
            void *v = m->ops->lookup(m, &i, 0);
            if (v)
                pbpf_timer_free_field(m, v, 1);
        }
    } else {
        _Alignas(8) uint8_t cur[PBPF_MAP_MAX_KEY], next[PBPF_MAP_MAX_KEY];
        int have = m->ops->get_next_key(m, NULL, cur) == 0;
        while (have) {
            have = m->ops->get_next_key(m, cur, next) == 0;
            void *v = m->ops->lookup(m, cur, 0);
            if (v)
                pbpf_timer_free_field(m, v, 1);
            memcpy(cur, next, m->key_size);
        }
    }
    pbpf_epoch_exit();
}

int pbpf_map_key_of_value(struct pbpf_map *m, const void *value, void *key)
{
    if (m->type == PBPF_MAP_TYPE_ARRAY) {
        uint32_t i;
        int rc = pbpf_map_array_index_of(m, value, &i);
        if (!rc)
            memcpy(key, &i, 4);
        return rc;
    }
    if (m->type == PBPF_MAP_TYPE_HASH || m->type == PBPF_MAP_TYPE_LRU_HASH)
        return pbpf_map_hash_key_of(m, value, key);
    return -EINVAL;
}

static void map_destroy_node(struct pbpf_epoch_node *n)
{
    map_destroy((struct pbpf_map *)((char *)n - offsetof(struct pbpf_map, free_node)));
}

void pbpf_map_put_deferred(struct pbpf_map *m)
{
    if (__atomic_sub_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        pbpf_epoch_retire(&m->free_node, NULL, map_destroy_node);
}

int pbpf_map_array_get_next_key(struct pbpf_map *m, const void *key, void *next)
{
    uint32_t i = key ? pbpf_map_key_index(key) : UINT32_MAX, n;
    if (!key || i >= m->max_entries)
        n = 0;
    else if (i == m->max_entries - 1)
        return -ENOENT;
    else
        n = i + 1;
    memcpy(next, &n, 4);
    return 0;
}

int pbpf_map_inner_ok(const struct pbpf_map *outer, const struct pbpf_map *inner)
{
    /* bpf_map_meta_equal(); BPF_F_INNER_MAP relaxes max_entries */
    return inner->type == outer->inner.type && inner->key_size == outer->inner.key_size &&
           inner->value_size == outer->inner.value_size &&
           inner->map_flags == outer->inner.map_flags &&
           ((inner->map_flags & PBPF_F_INNER_MAP) ||
            inner->max_entries == outer->inner.max_entries);
}

void pbpf_maps_reclaim(void) { pbpf_epoch_reclaim(); }

uint32_t pbpf_map_type(const struct pbpf_map *m) { return m->type; }
uint32_t pbpf_map_key_size(const struct pbpf_map *m) { return m->key_size; }
uint32_t pbpf_map_value_size(const struct pbpf_map *m) { return m->value_size; }
uint32_t pbpf_map_max_entries(const struct pbpf_map *m) { return m->max_entries; }
uint32_t pbpf_map_flags(const struct pbpf_map *m) { return m->map_flags; }
uint32_t pbpf_map_id(const struct pbpf_map *m) { return m->id; }
const char *pbpf_map_name(const struct pbpf_map *m) { return m->name; }

size_t pbpf_map_user_value_size(const struct pbpf_map *m)
{
    if (pbpf_map_is_percpu(m->type))
        return (size_t)pbpf_map_round8(m->value_size) * m->slots;
    if (m->type == PBPF_MAP_TYPE_PROG_ARRAY || m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS ||
        m->type == PBPF_MAP_TYPE_HASH_OF_MAPS || m->type == PBPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return 4;
    return m->value_size;
}

/* --- bpf(2) element commands --------------------------------------------- */

/* map_get_sys_perms(): a frozen map or an RDONLY one cannot be written
 * from user space, a WRONLY one cannot be read. */
static int can_write(const struct pbpf_map *m)
{
    return !(m->map_flags & PBPF_F_RDONLY) && !__atomic_load_n(&m->frozen, __ATOMIC_SEQ_CST);
}

/* m->frozen: 0, FREEZING while pbpf_map_freeze checks for writers (user
 * writes are refused, the verifier does not yet count on constant values),
 * then FROZEN. */
#define FREEZING 2
#define FROZEN 1

/* bpf_map_write_active_inc() and the permission check after it, in that
 * order: a writer either sees the freeze or is seen by it. */
static int write_begin(struct pbpf_map *m)
{
    __atomic_add_fetch(&m->write_active, 1, __ATOMIC_SEQ_CST);
    if (!can_write(m)) {
        __atomic_sub_fetch(&m->write_active, 1, __ATOMIC_SEQ_CST);
        return -EPERM;
    }
    return 0;
}

static void write_end(struct pbpf_map *m)
{
    __atomic_sub_fetch(&m->write_active, 1, __ATOMIC_SEQ_CST);
}
static int can_read(const struct pbpf_map *m) { return !(m->map_flags & PBPF_F_WRONLY); }

static int is_redirect(uint32_t t)
{
    return t == PBPF_MAP_TYPE_DEVMAP || t == PBPF_MAP_TYPE_DEVMAP_HASH ||
           t == PBPF_MAP_TYPE_CPUMAP || t == PBPF_MAP_TYPE_XSKMAP;
}

static int is_queue_like(uint32_t t)
{
    return t == PBPF_MAP_TYPE_QUEUE || t == PBPF_MAP_TYPE_STACK ||
           t == PBPF_MAP_TYPE_BLOOM_FILTER;
}

/* --- values with a bpf_spin_lock ----------------------------------------- */

void pbpf_map_spin_lock(void *lock) { pbpf_map_lock((int *)lock); }
void pbpf_map_spin_unlock(void *lock) { pbpf_map_unlock((int *)lock); }

void pbpf_map_copy_value_nolock(const struct pbpf_map *m, void *dst, const void *src)
{
    /* copy_map_value(): everything but the lock and the timer */
    uint32_t off[2], len[2], n = 0;
    if (m->spin_lock_off >= 0) {
        off[n] = (uint32_t)m->spin_lock_off;
        len[n++] = 4;
    }
    if (m->timer_off >= 0) {
        off[n] = (uint32_t)m->timer_off;
        len[n++] = 16;
    }
    if (n == 2 && off[1] < off[0]) {
        uint32_t t = off[0];
        off[0] = off[1], off[1] = t;
        t = len[0];
        len[0] = len[1], len[1] = t;
    }
    uint32_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        memcpy((uint8_t *)dst + pos, (const uint8_t *)src + pos, off[i] - pos);
        pos = off[i] + len[i];
    }
    memcpy((uint8_t *)dst + pos, (const uint8_t *)src + pos, m->value_size - pos);
}

/* check_and_init_map_value(): the lock and the timer read as zero. */
static void zero_fields(const struct pbpf_map *m, uint8_t *v)
{
    if (m->spin_lock_off >= 0)
        memset(v + m->spin_lock_off, 0, 4);
    if (m->timer_off >= 0)
        memset(v + m->timer_off, 0, 16);
}

/* Updates of HASH and ARRAY maps whose value holds a lock: the lock word is
 * never overwritten; BPF_F_LOCK copies the rest while holding it
 * (array_map_update_elem / htab_map_update_elem with copy_map_value_locked). */
static int lock_map_update(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                           int slot)
{
    uint64_t f = flags & ~(uint64_t)PBPF_F_LOCK;
    if (f > PBPF_EXIST)
        return -EINVAL;
    int locked = (flags & PBPF_F_LOCK) != 0;
    uint8_t *v = m->ops->lookup(m, key, slot < 0 ? 0 : (unsigned)slot);
    if (m->type == PBPF_MAP_TYPE_ARRAY) {
        if (!v)
            return -E2BIG;
        if (f == PBPF_NOEXIST)
            return -EEXIST;
    } else if (v && locked) {
        if (f == PBPF_NOEXIST)
            return -EEXIST;
    } else {
        if (v && f == PBPF_NOEXIST)
            return -EEXIST;
        if (!v && f == PBPF_EXIST)
            return -ENOENT;
        /* a new element: its lock starts unlocked, its timer unset (the
         * element it replaces frees its timer) */
        uint8_t small[PBPF_MAP_LOCK_VALUE_MAX];
        uint8_t *tmp = m->value_size <= sizeof small ? small : pbpf_malloc(m->value_size);
        if (!tmp)
            return -ENOMEM;
        memcpy(tmp, value, m->value_size);
        zero_fields(m, tmp);
        int rc = m->ops->update(m, key, tmp, f, slot);
        if (tmp != small)
            pbpf_free(tmp);
        return rc;
    }
    if (locked)
        pbpf_map_spin_lock(v + m->spin_lock_off);
    pbpf_map_copy_value_nolock(m, v, value);
    if (locked)
        pbpf_map_spin_unlock(v + m->spin_lock_off);
    /* array_map_update_elem(): bpf_obj_free_fields after the copy */
    if (m->type == PBPF_MAP_TYPE_ARRAY && m->timer_off >= 0)
        pbpf_timer_free_field(m, v, 0);
    return 0;
}

int pbpf_map_lookup_elem_flags(struct pbpf_map *m, const void *key, void *value, uint64_t flags)
{
    if (!m || !value)
        return -EINVAL;
    if (flags & ~(uint64_t)PBPF_F_LOCK)
        return -EINVAL;
    if (!can_read(m))
        return -EPERM;
    /* BPF_F_LOCK needs a bpf_spin_lock in the value */
    if ((flags & PBPF_F_LOCK) && m->spin_lock_off < 0)
        return -EINVAL;
    if (!key && m->key_size && !is_queue_like(m->type))
        return -EINVAL;
    int rc;
    pbpf_epoch_enter();
    if (pbpf_map_has_fields(m)) {
        uint8_t *v = m->ops->lookup(m, key, 0);
        rc = v ? 0 : -ENOENT;
        if (v && (flags & PBPF_F_LOCK)) {
            pbpf_map_spin_lock(v + m->spin_lock_off);
            pbpf_map_copy_value_nolock(m, value, v);
            pbpf_map_spin_unlock(v + m->spin_lock_off);
        } else if (v) {
            pbpf_map_copy_value_nolock(m, value, v);
        }
        if (v)
            zero_fields(m, value);
    } else if (is_queue_like(m->type))
        rc = m->ops->peek ? m->ops->peek(m, value) : -PBPF_ENOTSUPP;
    else if (m->ops->copy_value)
        rc = m->ops->copy_value(m, key, value);
    else
        rc = -PBPF_ENOTSUPP;
    pbpf_epoch_exit();
    return rc;
}

int pbpf_map_lookup_elem(struct pbpf_map *m, const void *key, void *value)
{
    return pbpf_map_lookup_elem_flags(m, key, value, 0);
}

int pbpf_map_update_elem(struct pbpf_map *m, const void *key, const void *value, uint64_t flags)
{
    if (!m || (!value && m->type != PBPF_MAP_TYPE_RINGBUF))
        return -EINVAL;
    if (!can_write(m))
        return -EPERM;
    if ((flags & PBPF_F_LOCK) && m->spin_lock_off < 0)
        return -EINVAL;
    if (!key && m->key_size && !is_queue_like(m->type))
        return -EINVAL;
    int rc = write_begin(m);
    if (rc)
        return rc;
    pbpf_epoch_enter();
    if (pbpf_map_has_fields(m))
        rc = lock_map_update(m, key, value, flags, -1);
    else if (is_queue_like(m->type))
        rc = m->ops->push ? m->ops->push(m, value, flags) : -PBPF_ENOTSUPP;
    else
        rc = m->ops->update ? m->ops->update(m, key, value, flags, -1) : -PBPF_ENOTSUPP;
    pbpf_epoch_exit();
    write_end(m);
    return rc;
}

int pbpf_map_delete_elem(struct pbpf_map *m, const void *key)
{
    if (!m)
        return -EINVAL;
    if (!can_write(m))
        return -EPERM;
    if (!key && m->key_size)
        return -EINVAL;
    pbpf_epoch_enter();
    int rc = m->ops->delete ? m->ops->delete(m, key) : -PBPF_ENOTSUPP;
    pbpf_epoch_exit();
    return rc;
}

int pbpf_map_get_next_key(struct pbpf_map *m, const void *key, void *next_key)
{
    if (!m || (!next_key && m->key_size))
        return -EINVAL;
    if (!can_read(m))
        return -EPERM;
    pbpf_epoch_enter();
    int rc = m->ops->get_next_key ? m->ops->get_next_key(m, key, next_key) : -PBPF_ENOTSUPP;
    pbpf_epoch_exit();
    return rc;
}

int pbpf_map_lookup_and_delete_elem(struct pbpf_map *m, const void *key, void *value)
{
    if (!m || !value)
        return -EINVAL;
    if (!can_read(m) || !can_write(m))
        return -EPERM;
    int rc;
    pbpf_epoch_enter();
    if (m->type == PBPF_MAP_TYPE_QUEUE || m->type == PBPF_MAP_TYPE_STACK)
        rc = m->ops->pop(m, value);
    else if (m->ops->lookup_and_delete && key)
        rc = m->ops->lookup_and_delete(m, key, value);
    else if (!key && m->key_size)
        rc = -EINVAL;
    else
        rc = -PBPF_ENOTSUPP;
    pbpf_epoch_exit();
    return rc;
}

int pbpf_map_freeze(struct pbpf_map *m)
{
    if (!m)
        return -EINVAL;
    /* map_freeze(): maps with special fields (spin locks, timers) cannot
     * be frozen; a frozen map is no longer writable, so a second freeze
     * fails the permission check (EPERM) before the EBUSY tests; a
     * writable mapping or a write in progress gives EBUSY */
    if (pbpf_map_has_fields(m))
        return -PBPF_ENOTSUPP;
    if (!can_write(m))
        return -EPERM;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&m->frozen, &expected, FREEZING, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        return -EBUSY;
    int rc = __atomic_load_n(&m->write_active, __ATOMIC_SEQ_CST) ? -EBUSY : 0;
    if (!rc && m->ops->freeze)
        rc = m->ops->freeze(m);
    __atomic_store_n(&m->frozen, rc ? 0 : FROZEN, __ATOMIC_SEQ_CST);
    return rc;
}

int pbpf_map_is_rdonly(const struct pbpf_map *m)
{
    return (m->map_flags & PBPF_F_RDONLY_PROG) &&
           __atomic_load_n(&m->frozen, __ATOMIC_ACQUIRE) == FROZEN;
}

int pbpf_map_direct_read(const struct pbpf_map *m, uint32_t off, int size, int sx, uint64_t *val)
{
    /* array_map_direct_value_addr(): only an ARRAY of one element has a
     * value address the verifier can use */
    if (m->type != PBPF_MAP_TYPE_ARRAY || m->max_entries != 1)
        return -PBPF_ENOTSUPP;
    if (off >= m->value_size || size > (int)(m->value_size - off))
        return -EINVAL;
    uint32_t zero = 0;
    const uint8_t *p = m->ops->lookup((struct pbpf_map *)m, &zero, 0);
    if (!p)
        return -EINVAL;
    p += off;
    switch (size) {
    case 1: {
        uint8_t v = p[0];
        *val = sx ? (uint64_t)(int64_t)(int8_t)v : v;
        return 0;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        *val = sx ? (uint64_t)(int64_t)(int16_t)v : v;
        return 0;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        *val = sx ? (uint64_t)(int64_t)(int32_t)v : v;
        return 0;
    }
    case 8:
        memcpy(val, p, 8);
        return 0;
    default:
        return -EINVAL;
    }
}

/* --- program side -------------------------------------------------------- */

int pbpf_map_update_prog(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                         unsigned slot)
{
    if (m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == PBPF_MAP_TYPE_HASH_OF_MAPS ||
        m->type == PBPF_MAP_TYPE_PROG_ARRAY || m->type == PBPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return -EINVAL; /* the verifier refuses it; checked mode answers */
    if (is_redirect(m->type))
        return -EINVAL; /* only lookups and bpf_redirect_map (check_map_func_compatibility) */
    if (pbpf_map_has_fields(m))
        return lock_map_update(m, key, value, flags, (int)slot);
    if (flags & PBPF_F_LOCK)
        return -EINVAL;
    if (is_queue_like(m->type))
        return m->ops->push ? m->ops->push(m, value, flags) : -EINVAL;
    return m->ops->update ? m->ops->update(m, key, value, flags, (int)slot) : -EINVAL;
}

int pbpf_map_delete_prog(struct pbpf_map *m, const void *key)
{
    if (is_redirect(m->type) || m->type == PBPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return -EINVAL;
    return m->ops->delete ? m->ops->delete(m, key) : -EINVAL;
}

int pbpf_map_push_prog(struct pbpf_map *m, const void *value, uint64_t flags)
{
    return m->ops->push ? m->ops->push(m, value, flags) : -EINVAL;
}

int pbpf_map_pop_prog(struct pbpf_map *m, void *value)
{
    return m->ops->pop ? m->ops->pop(m, value) : -EINVAL;
}

int pbpf_map_peek_prog(struct pbpf_map *m, void *value)
{
    return m->ops->peek ? m->ops->peek(m, value) : -EINVAL;
}

/* --- batches ------------------------------------------------------------- */

#define BOPT(o, field) ((o) && (o)->sz >= offsetof(struct pbpf_map_batch_opts, field) + 8 ? (o)->field : 0)

/* generic_map_lookup_batch(): walks keys with get_next_key; the batch
 * token is the last key returned. */
static int generic_lookup_batch(struct pbpf_map *m, const void *in_batch, void *out_batch,
                                void *keys, void *values, uint32_t *count)
{
    uint32_t cap = *count, n = 0;
    size_t vsz = pbpf_map_user_value_size(m);
    uint8_t prev[PBPF_MAP_MAX_KEY + 8], cur[PBPF_MAP_MAX_KEY + 8];
    const void *pk = in_batch;
    if (in_batch)
        memcpy(prev, in_batch, m->key_size);
    int rc = 0;
    while (n < cap) {
        rc = m->ops->get_next_key(m, pk, cur);
        if (rc)
            break;
        int lr = m->ops->copy_value(m, cur, (uint8_t *)values + (size_t)n * vsz);
        memcpy(prev, cur, m->key_size);
        pk = prev;
        if (lr == -ENOENT)
            continue; /* deleted meanwhile: skip, as Linux retries */
        if (lr) {
            rc = lr;
            break;
        }
        memcpy((uint8_t *)keys + (size_t)n * m->key_size, cur, m->key_size);
        n++;
    }
    if (n && (rc == 0 || rc == -ENOENT))
        memcpy(out_batch, prev, m->key_size);
    *count = n;
    return rc;
}

int pbpf_map_lookup_batch(struct pbpf_map *m, const void *in_batch, void *out_batch, void *keys,
                          void *values, uint32_t *count, const struct pbpf_map_batch_opts *opts)
{
    if (!m || !count || !keys || !values || !out_batch)
        return -EINVAL;
    if (BOPT(opts, elem_flags) & ~(uint64_t)PBPF_F_LOCK || BOPT(opts, flags))
        return -EINVAL;
    if (BOPT(opts, elem_flags) & PBPF_F_LOCK)
        return -EINVAL;
    if (!can_read(m))
        return -EPERM;
    if (!*count)
        return 0;
    int rc;
    pbpf_epoch_enter();
    if (m->ops->lookup_batch)
        rc = m->ops->lookup_batch(m, in_batch, out_batch, keys, values, count, 0);
    else if (m->ops->get_next_key && m->ops->copy_value && !is_queue_like(m->type))
        rc = generic_lookup_batch(m, in_batch, out_batch, keys, values, count);
    else
        rc = -PBPF_ENOTSUPP;
    pbpf_epoch_exit();
    if (rc && rc != -ENOENT && rc != -ENOSPC)
        *count = rc == -PBPF_ENOTSUPP ? 0 : *count;
    return rc;
}

int pbpf_map_lookup_and_delete_batch(struct pbpf_map *m, const void *in_batch, void *out_batch,
                                     void *keys, void *values, uint32_t *count,
                                     const struct pbpf_map_batch_opts *opts)
{
    if (!m || !count || !keys || !values || !out_batch)
        return -EINVAL;
    if (BOPT(opts, elem_flags) || BOPT(opts, flags))
        return -EINVAL;
    if (!can_read(m) || !can_write(m))
        return -EPERM;
    if (!m->ops->lookup_batch)
        return -PBPF_ENOTSUPP;
    if (!*count)
        return 0;
    pbpf_epoch_enter();
    int rc = m->ops->lookup_batch(m, in_batch, out_batch, keys, values, count, 1);
    pbpf_epoch_exit();
    return rc;
}

int pbpf_map_update_batch(struct pbpf_map *m, const void *keys, const void *values,
                          uint32_t *count, const struct pbpf_map_batch_opts *opts)
{
    if (!m || !count || (*count && (!keys || !values)))
        return -EINVAL;
    if (BOPT(opts, flags))
        return -EINVAL;
    if (!can_write(m))
        return -EPERM;
    if (is_queue_like(m->type) || m->type == PBPF_MAP_TYPE_RINGBUF)
        return -PBPF_ENOTSUPP;
    uint64_t ef = BOPT(opts, elem_flags);
    /* generic_map_update_batch(): elem_flags may only be BPF_F_LOCK (and
     * that needs a spin lock in the value) */
    if (ef)
        return -EINVAL;
    size_t vsz = pbpf_map_user_value_size(m);
    if (m->type == PBPF_MAP_TYPE_PROG_ARRAY || m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS ||
        m->type == PBPF_MAP_TYPE_HASH_OF_MAPS || m->type == PBPF_MAP_TYPE_PERF_EVENT_ARRAY)
        vsz = sizeof(void *);
    uint32_t cap = *count, i;
    int rc = 0;
    for (i = 0; i < cap; i++) {
        rc = pbpf_map_update_elem(m, (const uint8_t *)keys + (size_t)i * m->key_size,
                                  (const uint8_t *)values + i * vsz, ef);
        if (rc)
            break;
    }
    *count = i;
    return rc;
}

int pbpf_map_delete_batch(struct pbpf_map *m, const void *keys, uint32_t *count,
                          const struct pbpf_map_batch_opts *opts)
{
    if (!m || !count || (*count && !keys))
        return -EINVAL;
    if (BOPT(opts, flags) || BOPT(opts, elem_flags))
        return -EINVAL;
    if (!can_write(m))
        return -EPERM;
    /* only hash maps have a delete batch (arrays cannot delete) */
    if (!m->ops->lookup_batch)
        return -PBPF_ENOTSUPP;
    uint32_t cap = *count, i;
    int rc = 0;
    for (i = 0; i < cap; i++) {
        rc = pbpf_map_delete_elem(m, (const uint8_t *)keys + (size_t)i * m->key_size);
        if (rc)
            break;
    }
    *count = i;
    return rc;
}

/* --- hashing ------------------------------------------------------------- */

/* A 32-bit hash in the spirit of Linux's jhash use for htab: any good mix
 * works; what matters is the seed (random unless BPF_F_ZERO_SEED). */
uint32_t pbpf_map_hash(const void *key, uint32_t len, uint32_t seed)
{
    return pbpf_map_hash_inline(key, len, seed);
}

/* Checked mode: the live ring buffer whose reserved, uncommitted sample
 * starts at p, or NULL. */
struct pbpf_map *pbpf_ringbuf_find_sample(const void *p)
{
    struct pbpf_map *found = NULL;
    pbpf_map_lock(&reg_lock);
    for (size_t i = 0; i < reg_cap && !found; i++) {
        if (reg_tab[i] <= 1)
            continue;
        struct pbpf_map *m = (struct pbpf_map *)reg_tab[i];
        if (m->type == PBPF_MAP_TYPE_RINGBUF && pbpf_ringbuf_is_reserved(m, p))
            found = m;
    }
    pbpf_map_unlock(&reg_lock);
    return found;
}

/* --- memory mapping ------------------------------------------------------ */

/* bpf_map_mmap(): maps with special fields have no mapping; a writable
 * one is refused for a frozen map (EPERM) and a BPF_F_RDONLY_PROG one
 * (EACCES: user space could change what the verifier takes as constant).
 * The fd of a BPF_F_RDONLY map is read-only: do_mmap refuses a writable
 * shared mapping of it (EACCES) and makes a read-only one private, which
 * bpf_map_mmap refuses (EINVAL); a BPF_F_WRONLY map's fd cannot be mapped
 * at all (EACCES).  A writable mapping counts as a writer until
 * pbpf_map_munmap. */
int pbpf_map_mmap_prot(struct pbpf_map *m, unsigned prot, void **ptr, size_t *size)
{
    if (!m || !ptr || !size || !prot || (prot & ~(PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE)))
        return -EINVAL;
    *ptr = NULL;
    *size = 0;
    if (m->map_flags & PBPF_F_WRONLY)
        return -EACCES;
    if (m->map_flags & PBPF_F_RDONLY)
        return prot & PBPF_MAP_PROT_WRITE ? -EACCES : -EINVAL;
    if (!m->ops->mmap || pbpf_map_has_fields(m))
        return -PBPF_ENOTSUPP;
    void *p;
    size_t sz;
    int rc = m->ops->mmap(m, &p, &sz);
    if (rc)
        return rc;
    if (prot & PBPF_MAP_PROT_WRITE) {
        if (m->map_flags & PBPF_F_RDONLY_PROG)
            return __atomic_load_n(&m->frozen, __ATOMIC_SEQ_CST) ? -EPERM : -EACCES;
        rc = write_begin(m);
        if (rc)
            return rc;
    }
    *ptr = p;
    *size = sz;
    return 0;
}

int pbpf_map_mmap(struct pbpf_map *m, void **ptr, size_t *size)
{
    return pbpf_map_mmap_prot(m, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, ptr, size);
}

int pbpf_map_munmap(struct pbpf_map *m, unsigned prot)
{
    if (!m || !m->ops->mmap || !prot || (prot & ~(PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE)))
        return -EINVAL;
    if (!(prot & PBPF_MAP_PROT_WRITE))
        return 0;
    uint32_t n = __atomic_load_n(&m->write_active, __ATOMIC_SEQ_CST);
    do {
        if (!n)
            return -EINVAL;
    } while (!__atomic_compare_exchange_n(&m->write_active, &n, n - 1, 0, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return 0;
}
