/* Hash maps: HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS
 * (Linux kernel/bpf/hashtab.c).
 *
 * Concurrency: each bucket is a singly linked chain that readers walk with
 * acquire loads and no lock; writers lock the bucket (LRU maps first take
 * the map's LRU lock, which orders eviction across buckets).  An element
 * that is unlinked or replaced goes to the epoch reclaimer, so a program
 * still holding its value pointer never reads reused memory: the memory
 * it was given stays its key's value for the whole run.
 *
 * Replacing the value of a key that exists is done in place, without a
 * new element, in three cases: per-CPU values (as Linux); values of at
 * most 8 bytes, with one 8-byte atomic store (a reader sees the old or
 * the new value); and the values of preallocated maps, word by word under
 * the element's sequence count (a 64-bit count after the value: see
 * maps/seqcount.h for why that width).  For the last, Linux gives a reader no
 * more: htab_map_update_elem() fills the CPU's spare element
 * (alloc_htab_elem(): "use per-cpu extra elems to avoid
 * freelist_pop/push") and makes the replaced one the spare, so the next
 * replacement on that CPU overwrites memory a program may still hold with
 * another key's value, and array maps copy in place (array_map_update_elem,
 * copy_map_value).  Here a program holding the value may see a mix of the
 * old and new bytes while an update runs, never another key's; copies to
 * the caller (lookups by key, lookup-and-delete, batches) retry on the
 * sequence count (or copy under the bucket lock) and never see a mix.
 * Maps with BPF_F_NO_PREALLOC keep inserting a new element (readers see
 * the old or the new value), as Linux's allocate-and-free-after-RCU does,
 * and so do LRU maps (the update moves the key to the front of the list),
 * maps of maps and values with special fields (spin lock, timer).
 *
 * Preallocated maps (the default) draw elements from a pool of
 * max_entries + spare elements; BPF_F_NO_PREALLOC allocates per update.
 * If the pool is empty because freed elements still wait for readers,
 * the heap covers the gap. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "maps/seqcount.h"
#include "platform/platform.h"

struct htab_elem {
    struct htab_elem *next; /* bucket chain; free list when unused */
    uint32_t hash;
    uint8_t ref;  /* LRU: looked up since last considered for eviction */
    uint8_t heap; /* allocated outside the pool */
    /* an element leaves the LRU list before it is retired, so the two
     * never need the same memory (and the header stays 48 bytes: a small
     * key and value share its cache line) */
    union {
        struct {
            struct htab_elem *lru_prev, *lru_next;
        };
        struct pbpf_epoch_node en;
    };
    /* key, padded to 8, then value(s); then, in maps whose values are
     * replaced in place word by word (htab.seq), the 64-bit sequence count
     * of the value, odd while an update writes it (words_store) */
    _Alignas(8) uint8_t data[];
};

struct htab_bucket {
    struct htab_elem *head;
    int lock;
};

struct htab_freelist {
    _Alignas(64) int lock;
    struct htab_elem *head;
};

/* Pool elements added when the pool ran dry (see pool_grow) */
struct htab_chunk {
    struct htab_chunk *next;
    _Alignas(8) uint8_t elems[];
};

struct htab {
    struct pbpf_map m;
    struct htab_bucket *buckets;
    uint32_t n_buckets; /* power of two */
    uint32_t seed;
    uint32_t key_off8; /* round_up(key_size, 8) */
    uint32_t stride;   /* round_up(value_size, 8) */
    uint32_t val_bytes; /* stored value bytes: stride, × slots if per-CPU */
    size_t elem_size;
    int percpu, lru, of_maps, prealloc;
    int inplace; /* values replaced in place (see the top of the file) */
    int word;    /* ... with one 8-byte store */
    int seq;     /* ... word by word, under the element's sequence count */
    uint32_t count;
    /* free elements of the pool, one list per thread home (Linux's
     * pcpu_freelist): a thread pops from and returns to its own list and
     * takes from the others only when its own is empty */
    struct htab_freelist *free;
    uint32_t n_free;
    /* the pool's elements start on a cache line (pool_mem is what was
     * allocated): an element of 64 bytes, the header with a key and a
     * value of up to 8 bytes, is then one line, not two */
    uint8_t *pool, *pool_mem;
    int grow_lock;
    uint32_t grown; /* elements in chunks */
    struct htab_chunk *chunks;
    int lru_lock;
    struct htab_elem lru_head; /* sentinel of the LRU list (most recent first) */
};

#define HTAB_CREATE_FLAG_MASK                                                                      \
    (PBPF_F_NO_PREALLOC | PBPF_F_NO_COMMON_LRU | PBPF_F_NUMA_NODE | PBPF_MAP_ACCESS_MASK |         \
     PBPF_F_ZERO_SEED)
/* Pool elements beyond max_entries: replaced and deleted elements wait
 * for readers before they are reused (Linux reuses at once), so each
 * thread home gets room for what its reclamation keeps waiting. */
#define HTAB_SPARE 64
#define HTAB_SPARE_PER_HOME 128
/* Growth of a pool that ran dry: chunks of up to HTAB_GROW elements (and
 * 256 KiB), at most HTAB_GROW_MAX elements or max_entries in all; past
 * that, elements come from the heap one by one and go back to it. */
#define HTAB_GROW 64
#define HTAB_GROW_MAX 4096u

static struct htab *H(struct pbpf_map *m) { return (struct htab *)m; }
static void *elem_key(struct htab_elem *e) { return e->data; }
static void *elem_val(struct htab *h, struct htab_elem *e) { return e->data + h->key_off8; }
static uint64_t *elem_seq(struct htab *h, struct htab_elem *e)
{
    return (uint64_t *)(e->data + h->key_off8 + h->val_bytes);
}

/* htab_map_alloc_check() */
static int htab_check(const struct pbpf_map_create_opts *o)
{
    int percpu = o->type == PBPF_MAP_TYPE_PERCPU_HASH || o->type == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
    int lru = o->type == PBPF_MAP_TYPE_LRU_HASH || o->type == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
    int percpu_lru = (o->map_flags & PBPF_F_NO_COMMON_LRU) != 0;
    int prealloc = !(o->map_flags & PBPF_F_NO_PREALLOC);
    if ((o->map_flags & ~HTAB_CREATE_FLAG_MASK) || !pbpf_map_access_ok(o->map_flags))
        return -EINVAL;
    if (!lru && percpu_lru)
        return -EINVAL;
    if (lru && !prealloc)
        return -PBPF_ENOTSUPP;
    if ((o->map_flags & PBPF_F_NUMA_NODE) && (percpu || percpu_lru))
        return -EINVAL;
    if (o->max_entries == 0 || o->key_size == 0 || o->value_size == 0)
        return -EINVAL;
    if ((uint64_t)o->key_size + o->value_size >= PBPF_MAP_KMALLOC_MAX - sizeof(struct htab_elem))
        return -E2BIG;
    if (percpu && pbpf_map_round8(o->value_size) > PBPF_MAP_PCPU_MAX_VALUE)
        return -E2BIG;
    return 0;
}

static int htab_alloc(const struct pbpf_map_create_opts *o, unsigned slots,
                      struct pbpf_map **out)
{
    int rc;
    if (o->type == PBPF_MAP_TYPE_HASH_OF_MAPS) {
        /* fd_htab_map_alloc_check() */
        if (o->value_size != 4)
            return -EINVAL;
    }
    rc = htab_check(o);
    if (rc)
        return rc;
    if (o->key_size > PBPF_MAP_MAX_KEY)
        return -E2BIG; /* programs build keys on their 512-byte stack */
    struct htab *h = pbpf_calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->percpu = o->type == PBPF_MAP_TYPE_PERCPU_HASH || o->type == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
    h->lru = o->type == PBPF_MAP_TYPE_LRU_HASH || o->type == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
    h->of_maps = o->type == PBPF_MAP_TYPE_HASH_OF_MAPS;
    h->prealloc = !(o->map_flags & PBPF_F_NO_PREALLOC);
    h->word = !h->percpu && !h->lru && !h->of_maps && o->value_size <= 8;
    h->inplace = h->word || (!h->percpu && !h->lru && !h->of_maps && h->prealloc);
    h->seq = h->inplace && !h->word;
    uint32_t max = o->max_entries;
    if (h->lru && (o->map_flags & PBPF_F_NO_COMMON_LRU)) {
        /* htab_map_alloc(): each CPU's LRU list gets the same number of
         * elements, at least one */
        uint64_t r = ((uint64_t)max + slots - 1) / slots * slots;
        max = r > UINT32_MAX ? max / slots * slots : (uint32_t)r;
    }
    h->m.max_entries = max;
    uint64_t nb = 1;
    while (nb < max)
        nb <<= 1;
    if (nb > ((uint64_t)1 << 31)) {
        pbpf_free(h);
        return -E2BIG;
    }
    h->n_buckets = (uint32_t)nb;
    h->key_off8 = pbpf_map_round8(o->key_size);
    h->stride = h->of_maps ? (uint32_t)sizeof(void *) : pbpf_map_round8(o->value_size);
    uint64_t vb = (uint64_t)h->stride * (h->percpu ? slots : 1);
    h->elem_size = sizeof(struct htab_elem) + h->key_off8 + (size_t)vb +
                   (h->seq ? sizeof(uint64_t) : 0);
    h->val_bytes = (uint32_t)vb;
    if (o->map_flags & PBPF_F_ZERO_SEED)
        h->seed = 0;
    else if (pbpf_random_bytes(&h->seed, sizeof h->seed) != 0)
        h->seed = (uint32_t)pbpf_time_mono_ns();
    h->lru_head.lru_next = h->lru_head.lru_prev = &h->lru_head;
    h->buckets = pbpf_calloc(h->n_buckets, sizeof *h->buckets);
    if (!h->buckets)
        goto nomem;
    if (h->prealloc) {
        uint64_t spare = (uint64_t)HTAB_SPARE_PER_HOME * (slots ? slots : 1);
        uint64_t n = (uint64_t)max + HTAB_SPARE + (spare < max ? spare : max);
        if (n * h->elem_size > ((uint64_t)1 << 34))
            goto nomem;
        h->n_free = slots ? slots : 1;
        h->free = pbpf_calloc(h->n_free, sizeof *h->free);
        h->pool_mem = h->free ? pbpf_calloc(1, (size_t)n * h->elem_size + 63) : NULL;
        if (!h->pool_mem)
            goto nomem;
        h->pool = h->pool_mem + (-(uintptr_t)h->pool_mem & 63);
        /* contiguous runs, one per list */
        uint64_t per = (n + h->n_free - 1) / h->n_free;
        for (uint64_t i = n; i-- > 0;) {
            struct htab_elem *e = (struct htab_elem *)(h->pool + i * h->elem_size);
            struct htab_freelist *f = &h->free[i / per];
            e->next = f->head;
            f->head = e;
        }
    }
    *out = &h->m;
    return 0;
nomem:
    pbpf_free(h->free);
    pbpf_free(h->buckets);
    pbpf_free(h);
    return -ENOMEM;
}

static void put_inner(struct htab *h, struct htab_elem *e, int deferred)
{
    struct pbpf_map *inner;
    memcpy(&inner, elem_val(h, e), sizeof inner);
    if (!inner)
        return;
    if (deferred)
        pbpf_map_put_deferred(inner);
    else
        pbpf_map_free(inner);
}

static void htab_destroy(struct pbpf_map *m)
{
    struct htab *h = H(m);
    for (uint32_t b = 0; b < h->n_buckets; b++) {
        struct htab_elem *e = h->buckets[b].head;
        while (e) {
            struct htab_elem *n = e->next;
            if (h->of_maps)
                put_inner(h, e, 0);
            if (e->heap)
                pbpf_free(e);
            e = n;
        }
    }
    pbpf_free(h->buckets);
    pbpf_free(h->pool_mem);
    pbpf_free(h->free);
    while (h->chunks) {
        struct htab_chunk *c = h->chunks;
        h->chunks = c->next;
        pbpf_free(c);
    }
    pbpf_free(h);
}

/* --- element allocation -------------------------------------------------- */

static struct htab_elem *pool_pop(struct htab *h)
{
    uint32_t home = pbpf_epoch_home() % h->n_free;
    for (uint32_t i = 0; i < h->n_free; i++) {
        struct htab_freelist *f = &h->free[(home + i) % h->n_free];
        if (i && !__atomic_load_n(&f->head, __ATOMIC_RELAXED))
            continue;
        pbpf_map_lock(&f->lock);
        struct htab_elem *e = f->head;
        if (e)
            __atomic_store_n(&f->head, e->next, __ATOMIC_RELAXED);
        pbpf_map_unlock(&f->lock);
        if (e)
            return e;
    }
    return NULL;
}

/* The pool is empty because replaced and deleted elements still wait for
 * readers (a reader that the host preempted inside a program holds back
 * every element retired since it entered): adds a chunk of elements to
 * the pool for good, so that the next stall is covered without the heap.
 * Returns one of them, or NULL when the growth limit is reached. */
static struct htab_elem *pool_grow(struct htab *h)
{
    uint32_t limit = h->m.max_entries > HTAB_GROW_MAX ? h->m.max_entries : HTAB_GROW_MAX;
    size_t n = (256u * 1024) / h->elem_size;
    n = n < 1 ? 1 : n > HTAB_GROW ? HTAB_GROW : n;
    if (__atomic_add_fetch(&h->grown, (uint32_t)n, __ATOMIC_RELAXED) > limit) {
        __atomic_sub_fetch(&h->grown, (uint32_t)n, __ATOMIC_RELAXED);
        return NULL;
    }
    struct htab_chunk *c = pbpf_malloc(sizeof *c + n * h->elem_size);
    if (!c) {
        __atomic_sub_fetch(&h->grown, (uint32_t)n, __ATOMIC_RELAXED);
        return NULL;
    }
    pbpf_map_lock(&h->grow_lock);
    c->next = h->chunks;
    h->chunks = c;
    pbpf_map_unlock(&h->grow_lock);
    struct htab_elem *first = (struct htab_elem *)c->elems;
    if (n > 1) {
        struct htab_elem *head = (struct htab_elem *)(c->elems + h->elem_size), *tail = head;
        for (size_t i = 2; i < n; i++) {
            struct htab_elem *e = (struct htab_elem *)(c->elems + i * h->elem_size);
            tail->next = e;
            tail = e;
        }
        struct htab_freelist *f = &h->free[pbpf_epoch_home() % h->n_free];
        pbpf_map_lock(&f->lock);
        tail->next = f->head;
        __atomic_store_n(&f->head, head, __ATOMIC_RELAXED);
        pbpf_map_unlock(&f->lock);
    }
    return first;
}

static struct htab_elem *elem_alloc(struct htab *h)
{
    struct htab_elem *e = NULL;
    if (h->prealloc) {
        e = pool_pop(h);
        if (!e) {
            /* a reader that holds reclamation back (see pool_grow) holds it
             * for a while: trying at every allocation would only slow the
             * fallback down */
            static _Thread_local unsigned misses;
            if (misses++ % 32 == 0) {
                pbpf_epoch_reclaim();
                e = pool_pop(h);
            }
        }
        if (!e)
            e = pool_grow(h);
        if (e) {
            e->heap = 0;
            return e;
        }
    }
    e = pbpf_malloc(h->elem_size);
    if (e)
        e->heap = 1;
    return e;
}

static void elem_reclaimed(struct pbpf_epoch_node *n)
{
    struct htab_elem *e = (struct htab_elem *)((char *)n - offsetof(struct htab_elem, en));
    struct htab *h = n->owner;
    if (e->heap) {
        pbpf_free(e);
        return;
    }
    struct htab_freelist *f = &h->free[pbpf_epoch_home() % h->n_free];
    pbpf_map_lock(&f->lock);
    e->next = f->head;
    __atomic_store_n(&f->head, e, __ATOMIC_RELAXED);
    pbpf_map_unlock(&f->lock);
}

static void elem_retire(struct htab *h, struct htab_elem *e)
{
    /* free_htab_elem(): the element's timer goes with it */
    if (h->m.timer_off >= 0)
        pbpf_timer_free_field(&h->m, elem_val(h, e), 0);
    pbpf_epoch_retire(&e->en, h, elem_reclaimed);
}

static void *htab_lookup(struct pbpf_map *m, const void *key, unsigned slot);

int pbpf_map_hash_key_of(struct pbpf_map *m, const void *value, void *key)
{
    struct htab *h = H(m);
    if (h->percpu || h->of_maps)
        return -EINVAL;
    /* the key sits before the value in an element; a pointer that is not
     * a value of this map must not crash the check */
    const uint8_t *k = (const uint8_t *)value - h->key_off8;
    if ((uintptr_t)value < h->key_off8 || pbpf_mem_read(key, k, m->key_size))
        return -EINVAL;
    return htab_lookup(m, key, 0) == value ? 0 : -EINVAL;
}

/* --- lookups (no lock) --------------------------------------------------- */

static struct htab_bucket *bucket_of(struct htab *h, uint32_t hash)
{
    return &h->buckets[hash & (h->n_buckets - 1)];
}

static struct htab_elem *find(struct htab *h, struct htab_bucket *b, uint32_t hash,
                              const void *key)
{
    for (struct htab_elem *e = __atomic_load_n(&b->head, __ATOMIC_ACQUIRE); e;
         e = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE))
        if (e->hash == hash && memcmp(e->data, key, h->m.key_size) == 0)
            return e;
    return NULL;
}

/* The element of key, with the key size a constant where the caller
 * names one: the hash and the key compare of 4- and 8-byte keys (most
 * maps') then need no loop and no call. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline struct htab_elem *find_key(struct htab *h, const void *key, uint32_t ks)
{
    uint32_t hash = pbpf_map_hash_inline(key, ks, h->seed);
    for (struct htab_elem *e = __atomic_load_n(&bucket_of(h, hash)->head, __ATOMIC_ACQUIRE); e;
         e = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE))
        if (e->hash == hash && memcmp(e->data, key, ks) == 0)
            return e;
    return NULL;
}

/* The program's lookup (the JIT calls it directly).  An LRU hit only sets
 * the element's reference bit, as Linux's bpf_lru_node_set_ref(): the
 * list is not touched, eviction gives the element its second chance. */
static void *htab_lookup(struct pbpf_map *m, const void *key, unsigned slot)
{
    struct htab *h = H(m);
    struct htab_elem *e;
    switch (m->key_size) {
    case 4:
        e = find_key(h, key, 4);
        break;
    case 8:
        e = find_key(h, key, 8);
        break;
    default:
        e = find_key(h, key, m->key_size);
        break;
    }
    if (!e)
        return NULL;
    if (h->lru && !__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
        __atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
    uint8_t *v = elem_val(h, e);
    if (__builtin_expect(h->of_maps, 0)) {
        void *inner;
        memcpy(&inner, v, sizeof inner);
        return inner;
    }
    if (h->percpu) {
        unsigned n = m->slots; /* runs' slots are below it: no division then */
        v += (size_t)(slot < n ? slot : slot % n) * h->stride;
    }
    return v;
}

/* --- LRU list (lru_lock held) -------------------------------------------- */

static void lru_unlink(struct htab_elem *e)
{
    e->lru_prev->lru_next = e->lru_next;
    e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push(struct htab *h, struct htab_elem *e)
{
    e->lru_next = h->lru_head.lru_next;
    e->lru_prev = &h->lru_head;
    h->lru_head.lru_next->lru_prev = e;
    h->lru_head.lru_next = e;
}

/* Unlinks e from its bucket, whose lock the caller holds. */
static void chain_remove(struct htab_bucket *b, struct htab_elem *e)
{
    struct htab_elem **pp = &b->head;
    while (*pp != e)
        pp = &(*pp)->next;
    __atomic_store_n(pp, e->next, __ATOMIC_RELEASE);
}

/* Evicts the least recently used element, giving looked-up ones a second
 * chance (Linux's LRU clears a ref bit and rotates likewise).  `held` is
 * the bucket the caller has locked already. */
static int lru_evict(struct htab *h, struct htab_bucket *held)
{
    unsigned budget = 2 * __atomic_load_n(&h->count, __ATOMIC_RELAXED) + 2;
    while (budget--) {
        struct htab_elem *e = h->lru_head.lru_prev;
        if (e == &h->lru_head)
            return -E2BIG;
        if (__atomic_load_n(&e->ref, __ATOMIC_RELAXED)) {
            __atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
            lru_unlink(e);
            lru_push(h, e);
            continue;
        }
        struct htab_bucket *b = bucket_of(h, e->hash);
        if (b != held)
            pbpf_map_lock(&b->lock);
        chain_remove(b, e);
        if (b != held)
            pbpf_map_unlock(&b->lock);
        lru_unlink(e);
        __atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
        elem_retire(h, e);
        return 0;
    }
    return -E2BIG;
}

/* --- updates ------------------------------------------------------------- */

static void fill_value(struct htab *h, uint8_t *dst, const void *value, int slot, int fresh)
{
    struct pbpf_map *m = &h->m;
    if (h->of_maps) {
        memcpy(dst, value, sizeof(void *));
    } else if (!h->percpu) {
        memcpy(dst, value, m->value_size);
        if (fresh && h->stride > m->value_size)
            memset(dst + m->value_size, 0, h->stride - m->value_size);
    } else if (slot >= 0) {
        /* a program writes its own slot; a new element starts at zero
         * elsewhere (pcpu_init_value) */
        if (fresh)
            memset(dst, 0, h->val_bytes);
        memcpy(dst + (size_t)((unsigned)slot % m->slots) * h->stride, value, m->value_size);
    } else {
        for (unsigned s = 0; s < m->slots; s++) {
            uint8_t *d = dst + (size_t)s * h->stride;
            memcpy(d, (const uint8_t *)value + (size_t)s * h->stride, m->value_size);
            if (h->stride > m->value_size)
                memset(d + m->value_size, 0, h->stride - m->value_size);
        }
    }
}

/* In-place replacement of a value larger than 8 bytes (bucket lock held,
 * so one writer per element): the sequence count is odd while the words
 * change (a seqlock; copy_words is the reader).  Stores are 8-byte atomics
 * because lock-free readers load the same words; the padding after
 * value_size stays zero. */
static void words_store(struct htab *h, struct htab_elem *e, const void *value)
{
    uint64_t *dst = (uint64_t *)elem_val(h, e), *seq = elem_seq(h, e);
    const uint8_t *src = value;
    uint32_t n = h->m.value_size, full = n / 8;
    pbpf_seq_write_begin(seq);
    for (uint32_t i = 0; i < full; i++) {
        uint64_t w;
        memcpy(&w, src + (size_t)i * 8, 8);
        __atomic_store_n(&dst[i], w, __ATOMIC_RELAXED);
    }
    if (n % 8) {
        uint64_t w = 0;
        memcpy(&w, src + (size_t)full * 8, n % 8);
        __atomic_store_n(&dst[full], w, __ATOMIC_RELAXED);
    }
    pbpf_seq_write_end(seq);
}

/* Lock-free copies that found an update running (or finished) try again
 * this many times; then the copy takes the bucket lock, which updates
 * hold, so a stream of updates to one key cannot starve it. */
#define HTAB_SEQ_TRIES 8

static void words_load(struct htab *h, struct htab_elem *e, void *value)
{
    const uint64_t *v = (const uint64_t *)elem_val(h, e);
    uint8_t *dst = value;
    uint32_t n = h->m.value_size;
    for (uint32_t i = 0; i < n; i += 8) {
        uint64_t w = __atomic_load_n(&v[i / 8], __ATOMIC_RELAXED);
        memcpy(dst + i, &w, n - i < 8 ? n - i : 8);
    }
}

/* Copies a value that words_store may be replacing.  locked: the caller
 * holds e's bucket lock, so no update runs.  Without it, a copy that fell
 * between two updates (same even count before and after) is kept; see
 * maps/seqcount.h for why a 64-bit count makes that sound.  An element
 * that left its bucket meanwhile is not updated any more: the copy under
 * the lock is then its last value, which a lookup racing with the update
 * that replaced it may return. */
static void copy_words(struct htab *h, struct htab_elem *e, void *value, int locked)
{
    const uint64_t *seq = elem_seq(h, e);
    if (!locked) {
        for (unsigned tries = 0; tries < HTAB_SEQ_TRIES; tries++) {
            uint64_t s = pbpf_seq_read_begin(seq);
            if (s & 1) {
                pbpf_thread_yield();
                continue;
            }
            words_load(h, e, value);
            if (!pbpf_seq_read_retry(seq, s))
                return;
        }
        struct htab_bucket *b = &h->buckets[e->hash & (h->n_buckets - 1)];
        pbpf_map_lock(&b->lock);
        words_load(h, e, value);
        pbpf_map_unlock(&b->lock);
        return;
    }
    words_load(h, e, value);
}

static int htab_update(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                       int slot)
{
    struct htab *h = H(m);
    struct pbpf_map *inner = NULL;
    if (h->of_maps) {
        /* the value is the inner map (an fd in Linux), which
         * bpf_fd_htab_map_update_elem() resolves before the flags are
         * looked at */
        memcpy(&inner, value, sizeof inner);
        if (!inner || !pbpf_map_is_live(inner))
            return -EBADF;
        if (!pbpf_map_inner_ok(m, inner))
            return -EINVAL;
        if (flags != PBPF_ANY && flags != PBPF_NOEXIST && flags != PBPF_EXIST)
            return -EINVAL;
    }
    if ((flags & ~(uint64_t)PBPF_F_LOCK) > PBPF_EXIST)
        return -EINVAL;
    uint32_t hash = pbpf_map_hash(key, m->key_size, h->seed);
    struct htab_bucket *b = bucket_of(h, hash);
    int rc = 0;
    if (h->lru)
        pbpf_map_lock(&h->lru_lock);
    pbpf_map_lock(&b->lock);
    struct htab_elem *old = find(h, b, hash, key);
    if (old && (flags & 3) == PBPF_NOEXIST) {
        rc = -EEXIST;
        goto out;
    }
    if (!old && (flags & 3) == PBPF_EXIST) {
        rc = -ENOENT;
        goto out;
    }
    if (old && h->inplace && !pbpf_map_has_fields(m)) {
        if (h->word) {
            uint64_t v = 0;
            memcpy(&v, value, m->value_size);
            __atomic_store_n((uint64_t *)elem_val(h, old), v, __ATOMIC_RELAXED);
        } else {
            words_store(h, old, value);
        }
        goto out;
    }
    if (old && h->percpu) {
        fill_value(h, elem_val(h, old), value, slot, 0);
        if (h->lru) {
            lru_unlink(old);
            lru_push(h, old);
        }
        goto out;
    }
    if (!old && h->lru && __atomic_load_n(&h->count, __ATOMIC_RELAXED) >= m->max_entries) {
        rc = lru_evict(h, b); /* under the LRU lock: count cannot grow */
        if (rc)
            goto out;
    } else if (!old && !h->lru &&
               __atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED) > m->max_entries) {
        __atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
        rc = -E2BIG;
        goto out;
    }
    struct htab_elem *e = elem_alloc(h);
    if (!e) {
        if (!old && !h->lru)
            __atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
        rc = -ENOMEM;
        goto out;
    }
    e->hash = hash;
    e->ref = 0;
    if (h->seq)
        *elem_seq(h, e) = 0; /* no reader can see e yet */
    memcpy(elem_key(e), key, m->key_size);
    fill_value(h, elem_val(h, e), value, slot, 1);
    if (inner)
        pbpf_map_get(inner);
    if (old) {
        e->next = old->next;
        struct htab_elem **pp = &b->head;
        while (*pp != old)
            pp = &(*pp)->next;
        __atomic_store_n(pp, e, __ATOMIC_RELEASE);
        if (h->lru)
            lru_unlink(old);
        if (h->of_maps)
            put_inner(h, old, 1);
        elem_retire(h, old);
    } else {
        e->next = b->head;
        __atomic_store_n(&b->head, e, __ATOMIC_RELEASE);
        if (h->lru)
            __atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED);
    }
    if (h->lru)
        lru_push(h, e);
out:
    pbpf_map_unlock(&b->lock);
    if (h->lru)
        pbpf_map_unlock(&h->lru_lock);
    return rc;
}

/* locked: the caller holds e's bucket lock */
static void copy_out(struct htab *h, struct htab_elem *e, void *value, int locked)
{
    const uint8_t *v = elem_val(h, e);
    if (h->of_maps) {
        struct pbpf_map *inner;
        memcpy(&inner, v, sizeof inner);
        uint32_t id = pbpf_map_id(inner);
        memcpy(value, &id, 4);
    } else if (h->percpu) {
        memcpy(value, v, h->val_bytes);
    } else if (h->word) {
        /* may be replaced in place while we read */
        uint64_t x = __atomic_load_n((const uint64_t *)v, __ATOMIC_RELAXED);
        memcpy(value, &x, h->m.value_size);
    } else if (h->seq) {
        copy_words(h, e, value, locked);
    } else {
        memcpy(value, v, h->m.value_size);
    }
}

/* Removes the element for key; copies its value out first when asked. */
static int remove_key(struct htab *h, const void *key, void *value)
{
    uint32_t hash = pbpf_map_hash(key, h->m.key_size, h->seed);
    struct htab_bucket *b = bucket_of(h, hash);
    if (h->lru)
        pbpf_map_lock(&h->lru_lock);
    pbpf_map_lock(&b->lock);
    struct htab_elem *e = find(h, b, hash, key);
    if (e) {
        if (value)
            copy_out(h, e, value, 1);
        chain_remove(b, e);
        __atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
        if (h->lru)
            lru_unlink(e);
        if (h->of_maps)
            put_inner(h, e, 1);
        elem_retire(h, e);
    }
    pbpf_map_unlock(&b->lock);
    if (h->lru)
        pbpf_map_unlock(&h->lru_lock);
    return e ? 0 : -ENOENT;
}

static int htab_delete(struct pbpf_map *m, const void *key) { return remove_key(H(m), key, NULL); }

static int htab_lookup_and_delete(struct pbpf_map *m, const void *key, void *value)
{
    return remove_key(H(m), key, value);
}

static int htab_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    struct htab *h = H(m);
    uint32_t hash = pbpf_map_hash(key, m->key_size, h->seed);
    struct htab_elem *e = find(h, bucket_of(h, hash), hash, key);
    if (!e)
        return -ENOENT;
    copy_out(h, e, value, 0);
    return 0;
}

/* htab_map_get_next_key(): the next element of the key's bucket, else the
 * first of the following buckets; a key not found restarts at bucket 0. */
static int htab_get_next_key(struct pbpf_map *m, const void *key, void *next)
{
    struct htab *h = H(m);
    uint32_t i = 0;
    if (key) {
        uint32_t hash = pbpf_map_hash(key, m->key_size, h->seed);
        struct htab_elem *e = find(h, bucket_of(h, hash), hash, key);
        if (e) {
            struct htab_elem *n = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE);
            if (n) {
                memcpy(next, elem_key(n), m->key_size);
                return 0;
            }
            i = (hash & (h->n_buckets - 1)) + 1;
        }
    }
    for (; i < h->n_buckets; i++) {
        struct htab_elem *e = __atomic_load_n(&h->buckets[i].head, __ATOMIC_ACQUIRE);
        if (e) {
            memcpy(next, elem_key(e), m->key_size);
            return 0;
        }
    }
    return -ENOENT;
}

/* __htab_map_lookup_and_delete_batch(): whole buckets at a time; the
 * batch token is the next bucket index. */
static int htab_lookup_batch(struct pbpf_map *m, const void *in_batch, void *out_batch,
                             void *keys, void *values, uint32_t *count, int and_delete)
{
    struct htab *h = H(m);
    uint32_t batch = 0, cap = *count, total = 0;
    size_t vsz = pbpf_map_user_value_size(m);
    if (in_batch)
        memcpy(&batch, in_batch, 4);
    if (batch >= h->n_buckets)
        return -ENOENT;
    int rc = 0;
    while (batch < h->n_buckets) {
        struct htab_bucket *b = &h->buckets[batch];
        if (h->lru && and_delete)
            pbpf_map_lock(&h->lru_lock);
        pbpf_map_lock(&b->lock);
        uint32_t n = 0;
        for (struct htab_elem *e = b->head; e; e = e->next)
            n++;
        if (n > cap - total) {
            pbpf_map_unlock(&b->lock);
            if (h->lru && and_delete)
                pbpf_map_unlock(&h->lru_lock);
            if (total == 0)
                rc = -ENOSPC;
            break;
        }
        for (struct htab_elem *e = b->head; e;) {
            struct htab_elem *nx = e->next;
            memcpy((uint8_t *)keys + (size_t)total * m->key_size, elem_key(e), m->key_size);
            copy_out(h, e, (uint8_t *)values + (size_t)total * vsz, 1);
            total++;
            if (and_delete) {
                chain_remove(b, e);
                __atomic_sub_fetch(&h->count, 1, __ATOMIC_RELAXED);
                if (h->lru)
                    lru_unlink(e);
                if (h->of_maps)
                    put_inner(h, e, 1);
                elem_retire(h, e);
            }
            e = nx;
        }
        pbpf_map_unlock(&b->lock);
        if (h->lru && and_delete)
            pbpf_map_unlock(&h->lru_lock);
        batch++;
        if (batch >= h->n_buckets) {
            rc = -ENOENT;
            break;
        }
    }
    if (rc != -ENOSPC)
        memcpy(out_batch, &batch, 4);
    *count = total;
    return rc;
}

#define HTAB_OPS(name)                                                                             \
    const struct pbpf_map_ops name = {                                                             \
        .alloc = htab_alloc,                                                                       \
        .destroy = htab_destroy,                                                                   \
        .lookup = htab_lookup,                                                                     \
        .update = htab_update,                                                                     \
        .delete = htab_delete,                                                                     \
        .get_next_key = htab_get_next_key,                                                         \
        .copy_value = htab_copy_value,                                                             \
        .lookup_and_delete = htab_lookup_and_delete,                                               \
        .lookup_batch = htab_lookup_batch,                                                         \
    }

HTAB_OPS(pbpf_map_hash_ops);
HTAB_OPS(pbpf_map_percpu_hash_ops);
HTAB_OPS(pbpf_map_lru_hash_ops);
HTAB_OPS(pbpf_map_lru_percpu_hash_ops);

/* HASH_OF_MAPS has no lookup_and_delete in bpf(2) (it answers ENOTSUPP). */
const struct pbpf_map_ops pbpf_map_hash_of_maps_ops = {
    .alloc = htab_alloc,
    .destroy = htab_destroy,
    .lookup = htab_lookup,
    .update = htab_update,
    .delete = htab_delete,
    .get_next_key = htab_get_next_key,
    .copy_value = htab_copy_value,
    .lookup_batch = htab_lookup_batch,
};
