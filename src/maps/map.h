/* Maps inside pbpf: the object every map type shares, the per-type
 * operations table, and what helpers and the loader call. */
#ifndef PBPF_MAPS_MAP_H
#define PBPF_MAPS_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "maps/epoch.h"
#include "pbpf/maps.h"

/* Linux limits: BPF_OBJ_NAME_LEN, MAX_BPF_STACK, PCPU_MIN_UNIT_SIZE,
 * KMALLOC_MAX_SIZE (4 MiB pages << 10 on x86-64). */
#define PBPF_MAP_NAME_LEN 16
#define PBPF_MAP_MAX_KEY 512
#define PBPF_MAP_PCPU_MAX_VALUE (32u * 1024)
#define PBPF_MAP_KMALLOC_MAX ((uint64_t)1 << 22)
/* values with a bpf_spin_lock: the largest a program builds on its stack */
#define PBPF_MAP_LOCK_VALUE_MAX 512

struct pbpf_map;

/* Per-type operations.  `slot` selects the per-CPU value a program sees;
 * update's slot < 0 means the user-space view (every slot's value, each
 * rounded up to 8 bytes).  Entries may be NULL: the generic code then
 * answers as Linux does for a type without the operation. */
struct pbpf_map_ops {
    /* validates (Linux: map_alloc_check) and allocates; *out's first
     * member is the struct pbpf_map, the rest is zeroed by the type */
    int (*alloc)(const struct pbpf_map_create_opts *o, unsigned slots, struct pbpf_map **out);
    void (*destroy)(struct pbpf_map *m);
    /* program view: the value (for the slot), or NULL; lock-free */
    void *(*lookup)(struct pbpf_map *m, const void *key, unsigned slot);
    int (*update)(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                  int slot);
    int (*delete)(struct pbpf_map *m, const void *key);
    int (*get_next_key)(struct pbpf_map *m, const void *key, void *next);
    /* user view: copies the value(s) out */
    int (*copy_value)(struct pbpf_map *m, const void *key, void *value);
    int (*lookup_and_delete)(struct pbpf_map *m, const void *key, void *value);
    int (*push)(struct pbpf_map *m, const void *value, uint64_t flags);
    int (*pop)(struct pbpf_map *m, void *value);
    int (*peek)(struct pbpf_map *m, void *value);
    /* BPF_F_MMAPABLE: the value memory itself */
    int (*mmap)(struct pbpf_map *m, void **ptr, size_t *size);
    /* called once the map is frozen and, when it is BPF_F_RDONLY_PROG,
     * nothing may write its values any more: the mapped memory becomes
     * read-only (0 or a negative errno; the freeze is then undone) */
    int (*freeze)(struct pbpf_map *m);
    /* hash maps: bucket-wise batches; NULL means key-wise (Linux's
     * generic_map_lookup_batch) */
    int (*lookup_batch)(struct pbpf_map *m, const void *in_batch, void *out_batch, void *keys,
                        void *values, uint32_t *count, int and_delete);
};

struct pbpf_map {
    const struct pbpf_map_ops *ops;
    uint32_t type, key_size, value_size, max_entries, map_flags, id;
    uint64_t map_extra;
    unsigned slots;
    uint32_t refcnt;
    /* how many of the references are programs using it (the rest are the
     * user's or outer maps': when only programs are left, a PROG_ARRAY's
     * slots are cleared and the timers in values are freed, Linux's
     * last-uref rule), and for a PROG_ARRAY the type and engine of the
     * programs it takes (0 until the first: calls.c) */
    uint32_t prog_holders;
    uint64_t prog_owner;
    int frozen;
    /* Linux's writecnt (bpf_map_write_active): writable user mappings
     * and user-space updates in progress; freezing waits for none */
    uint32_t write_active;
    /* offset of the struct bpf_spin_lock in each value, or -1 */
    int32_t spin_lock_off;
    /* offset of the struct bpf_timer in each value, or -1 */
    int32_t timer_off;
    uint32_t btf_value_type_id; /* 0: created without BTF */
    char name[PBPF_MAP_NAME_LEN];
    /* ARRAY_OF_MAPS / HASH_OF_MAPS: what an inner map must look like */
    struct {
        uint32_t type, key_size, value_size, max_entries, map_flags;
    } inner;
    /* and the same as a map the verifier can type inner map pointers
     * with (Linux's inner_map_meta): the template's type, sizes, flags
     * and special fields, no storage; never registered, so no helper or
     * bpf(2) call takes it.  NULL for other maps. */
    struct pbpf_map *inner_meta;
    /* deferred destruction when the last reference goes from a program-
     * visible place (an outer map) */
    struct pbpf_epoch_node free_node;
};

extern const struct pbpf_map_ops pbpf_map_array_ops, pbpf_map_percpu_array_ops,
    pbpf_map_prog_array_ops, pbpf_map_array_of_maps_ops, pbpf_map_hash_ops,
    pbpf_map_percpu_hash_ops, pbpf_map_lru_hash_ops, pbpf_map_lru_percpu_hash_ops,
    pbpf_map_hash_of_maps_ops, pbpf_map_lpm_ops, pbpf_map_queue_ops, pbpf_map_stack_ops,
    pbpf_map_bloom_ops, pbpf_map_ringbuf_ops, pbpf_map_devmap_ops, pbpf_map_cpumap_ops,
    pbpf_map_xskmap_ops, pbpf_map_perf_event_array_ops;
/* DEVMAP_HASH: the hash map's operations behind devmap checks */
const struct pbpf_map_ops *pbpf_map_devmap_hash_ops_get(void);

static inline uint32_t pbpf_map_round8(uint32_t n) { return (n + 7u) & ~7u; }

static inline int pbpf_map_is_percpu(uint32_t type)
{
    return type == PBPF_MAP_TYPE_PERCPU_ARRAY || type == PBPF_MAP_TYPE_PERCPU_HASH ||
           type == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* bpf_map_flags_access_ok(): RDONLY_PROG and WRONLY_PROG exclude each other. */
static inline int pbpf_map_access_ok(uint32_t flags)
{
    return (flags & (PBPF_F_RDONLY_PROG | PBPF_F_WRONLY_PROG)) !=
           (PBPF_F_RDONLY_PROG | PBPF_F_WRONLY_PROG);
}
#define PBPF_MAP_ACCESS_MASK                                                                       \
    (PBPF_F_RDONLY | PBPF_F_WRONLY | PBPF_F_RDONLY_PROG | PBPF_F_WRONLY_PROG)

/* Array-style maps, whose keys are the u32 indexes of [0, max_entries)
 * (ARRAY and its kin, PERF_EVENT_ARRAY, DEVMAP, CPUMAP, XSKMAP). */
static inline uint32_t pbpf_map_key_index(const void *key)
{
    uint32_t i;
    memcpy(&i, key, 4);
    return i;
}
/* array_map_get_next_key(): the index after key; a missing or out-of-range
 * key restarts at 0, the last index ends the walk (-ENOENT). */
int pbpf_map_array_get_next_key(struct pbpf_map *m, const void *key, void *next);

/* The memory behind ARRAY, PERCPU_ARRAY and ARRAY_OF_MAPS, fixed for the
 * map's life, for engines that index it themselves (Linux: the verifier's
 * map_gen_lookup).  The value of index i (i < max_entries) starts at
 * values + i * elem_size; for PERCPU_ARRAY the value of slot s is a
 * further (s % slots) * stride on; ARRAY_OF_MAPS holds one inner map
 * pointer per index (elem_size is a pointer's size).  0, or -EINVAL for
 * other map types. */
struct pbpf_map_array_layout {
    uint8_t *values;
    uint32_t elem_size;
    uint32_t stride;
};
int pbpf_map_array_layout(const struct pbpf_map *m, struct pbpf_map_array_layout *out);

/* References: an outer map holds one on each inner map. */
void pbpf_map_get(struct pbpf_map *m);
/* Drops a reference a program may still see through: destruction waits
 * for the epoch. */
void pbpf_map_put_deferred(struct pbpf_map *m);

/* Whether p is a live map (checked mode validates program arguments). */
int pbpf_map_is_live(const void *p);

/* Map-in-map: whether inner fits the outer map's template. */
int pbpf_map_inner_ok(const struct pbpf_map *outer, const struct pbpf_map *inner);

/* Linux's bpf_map_is_rdonly(): the map was created BPF_F_RDONLY_PROG and
 * has been frozen, so neither programs nor user space can change a value
 * again and the verifier may read values as constants. */
int pbpf_map_is_rdonly(const struct pbpf_map *m);
/* Linux's bpf_map_direct_read() (map_direct_value_addr: single-element
 * ARRAY maps only): the size-byte value (1, 2, 4 or 8; sign-extended when
 * sx) at byte off of the map's value.  0, -EINVAL (off or size out of the
 * value) or -PBPF_ENOTSUPP (another map type or more than one element). */
int pbpf_map_direct_read(const struct pbpf_map *m, uint32_t off, int size, int sx, uint64_t *val);

/* Program side (helpers).  Callers are inside an epoch section. */
static inline void *pbpf_map_lookup_prog(struct pbpf_map *m, const void *key, unsigned slot)
{
    return m->ops->lookup ? m->ops->lookup(m, key, slot) : NULL;
}
int pbpf_map_update_prog(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                         unsigned slot);
int pbpf_map_delete_prog(struct pbpf_map *m, const void *key);
int pbpf_map_push_prog(struct pbpf_map *m, const void *value, uint64_t flags);
int pbpf_map_pop_prog(struct pbpf_map *m, void *value);
int pbpf_map_peek_prog(struct pbpf_map *m, void *value);

/* Tail calls: the program at index, or NULL. */
struct pbpf_prog *pbpf_map_prog_array_get(struct pbpf_map *m, uint32_t index);

/* Redirect maps (DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP): the target stored
 * at key, for bpf_redirect_map.  0, -ENOENT (no entry), or -EINVAL (not a
 * redirect map).  Call inside an epoch section (a program run is one). */
struct pbpf_redirect_target {
    uint32_t map_type;
    uint32_t key;     /* CPUMAP: the execution slot; XSKMAP: the queue index */
    uint32_t ifindex; /* DEVMAP, DEVMAP_HASH */
    uint32_t qsize;   /* CPUMAP */
    uint32_t xsk;     /* XSKMAP: the socket handle stored by the user */
};
int pbpf_map_redirect_lookup(struct pbpf_map *m, uint32_t key, struct pbpf_redirect_target *t);

/* bpf_spin_lock in map values: the lock word is a u32 (struct
 * bpf_spin_lock).  Copies of values skip it (Linux: copy_map_value). */
void pbpf_map_spin_lock(void *lock);
void pbpf_map_spin_unlock(void *lock);
void pbpf_map_copy_value_nolock(const struct pbpf_map *m, void *dst, const void *src);
/* Whether values have fields that copies skip (a lock, a timer). */
static inline int pbpf_map_has_fields(const struct pbpf_map *m)
{
    return m->spin_lock_off >= 0 || m->timer_off >= 0;
}

/* bpf_timer in map values (exec/timer.c).  The timer of the value at
 * value, if one was initialised, is cancelled and freed: when the value is
 * deleted, replaced or overwritten (arrays), or the map goes.  wait: a
 * callback running on another thread is waited for (the value's memory
 * goes too); otherwise it finishes first (epoch-protected memory). */
void pbpf_timer_free_field(struct pbpf_map *m, void *value, int wait);
/* Every timer of the map's values (the map goes, or only programs hold
 * it any more). */
void pbpf_map_free_timers(struct pbpf_map *m);
/* The key of the value at value (bpf_timer callbacks get it): 0, or
 * -EINVAL when value is not one of m's values (checked mode asks). */
int pbpf_map_key_of_value(struct pbpf_map *m, const void *value, void *key);
int pbpf_map_array_index_of(struct pbpf_map *m, const void *value, uint32_t *index);
int pbpf_map_hash_key_of(struct pbpf_map *m, const void *value, void *key);

/* Ring buffers, program side (bpf_ringbuf_*). */
void *pbpf_ringbuf_reserve(struct pbpf_map *m, uint64_t size, uint64_t flags);
void pbpf_ringbuf_commit(void *sample, int discard);
/* Whether p is the start of a reserved, not yet committed sample of any
 * ring buffer (checked mode). */
int pbpf_ringbuf_is_reserved(struct pbpf_map *m, const void *p);
struct pbpf_map *pbpf_ringbuf_find_sample(const void *p);
int pbpf_ringbuf_output(struct pbpf_map *m, const void *data, uint64_t size, uint64_t flags);
uint64_t pbpf_ringbuf_query(struct pbpf_map *m, uint64_t flags);

/* PERF_EVENT_ARRAY, program side (bpf_perf_event_output): flags are the
 * index (or BPF_F_CURRENT_CPU, meaning slot) and nothing else. */
int pbpf_perf_event_output(struct pbpf_map *m, uint64_t flags, unsigned slot, const void *data,
                           uint64_t size);

/* Spin lock for writers (bucket locks): short critical sections. */
static inline void pbpf_map_lock(int *l)
{
    extern void pbpf_map_lock_slow(int *l);
    if (__builtin_expect(__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0, 0))
        pbpf_map_lock_slow(l);
}
static inline void pbpf_map_unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

/* Hash of a key (seeded unless BPF_F_ZERO_SEED).  The inline form lets a
 * caller that knows the key size (a hash map's lookup of 4- and 8-byte
 * keys) have it computed without a loop; both give the same value. */
static inline uint32_t pbpf_map_hash_inline(const void *key, uint32_t len, uint32_t seed)
{
    const uint8_t *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 32) ^ len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * 0xbf58476d1ce4e5b9ull)) * 0x94d049bb133111ebull;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    if (len == 4) {
        uint32_t w4;
        memcpy(&w4, p, 4); /* the bytes of the loop below, little-endian */
        w = w4;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap32(w4);
#endif
    } else {
        for (uint32_t i = 0; i < len; i++)
            w |= (uint64_t)p[i] << (8 * i);
    }
    h = (h ^ (w * 0xbf58476d1ce4e5b9ull)) * 0x94d049bb133111ebull;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return (uint32_t)h;
}
uint32_t pbpf_map_hash(const void *key, uint32_t len, uint32_t seed);

#endif
