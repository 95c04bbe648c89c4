/* BLOOM_FILTER maps (Linux kernel/bpf/bloom_filter.c): push adds a value,
 * peek answers "maybe present" (0) or "absent" (-ENOENT); no false
 * negatives.  Bits are set with atomic OR, so no lock. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

struct bloom_map {
    struct pbpf_map m;
    uint32_t bitset_mask;
    uint32_t nr_hash_funcs;
    uint32_t seed;
    uint64_t *bits;
};

#define BLOOM_CREATE_FLAG_MASK (PBPF_F_NUMA_NODE | PBPF_F_ZERO_SEED | PBPF_MAP_ACCESS_MASK)

static struct bloom_map *B(struct pbpf_map *m) { return (struct bloom_map *)m; }

static int bloom_alloc(const struct pbpf_map_create_opts *o, unsigned slots,
                       struct pbpf_map **out)
{
    (void)slots;
    if (o->key_size != 0 || o->value_size == 0 || o->max_entries == 0 ||
        (o->map_flags & ~BLOOM_CREATE_FLAG_MASK) || !pbpf_map_access_ok(o->map_flags) ||
        (o->map_extra & ~(uint64_t)0xF))
        return -EINVAL;
    uint32_t k = (uint32_t)(o->map_extra & 0xF);
    if (!k)
        k = 5; /* Linux's default */
    /* bits ≈ entries × k / ln 2, rounded up to a power of two (>= 64) */
    uint64_t want = (uint64_t)o->max_entries * k * 7 / 5, nbits = 64;
    while (nbits < want && nbits < ((uint64_t)1 << 32))
        nbits <<= 1;
    struct bloom_map *b = pbpf_calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    b->bits = pbpf_calloc((size_t)(nbits / 64), 8);
    if (!b->bits) {
        pbpf_free(b);
        return -ENOMEM;
    }
    b->bitset_mask = (uint32_t)(nbits - 1);
    b->nr_hash_funcs = k;
    if (o->map_flags & PBPF_F_ZERO_SEED)
        b->seed = 0;
    else if (pbpf_random_bytes(&b->seed, sizeof b->seed) != 0)
        b->seed = (uint32_t)pbpf_time_mono_ns();
    *out = &b->m;
    return 0;
}

static void bloom_destroy(struct pbpf_map *m)
{
    pbpf_free(B(m)->bits);
    pbpf_free(m);
}

static uint32_t bit_of(struct bloom_map *b, const void *value, uint32_t i)
{
    return pbpf_map_hash(value, b->m.value_size, b->seed + i) & b->bitset_mask;
}

static int bloom_push(struct pbpf_map *m, const void *value, uint64_t flags)
{
    struct bloom_map *b = B(m);
    if (flags != PBPF_ANY)
        return -EINVAL;
    for (uint32_t i = 0; i < b->nr_hash_funcs; i++) {
        uint32_t bit = bit_of(b, value, i);
        __atomic_fetch_or(&b->bits[bit / 64], (uint64_t)1 << (bit % 64), __ATOMIC_RELAXED);
    }
    return 0;
}

static int bloom_peek(struct pbpf_map *m, void *value)
{
    struct bloom_map *b = B(m);
    for (uint32_t i = 0; i < b->nr_hash_funcs; i++) {
        uint32_t bit = bit_of(b, value, i);
        if (!(__atomic_load_n(&b->bits[bit / 64], __ATOMIC_RELAXED) & ((uint64_t)1 << (bit % 64))))
            return -ENOENT;
    }
    return 0;
}

static int bloom_pop(struct pbpf_map *m, void *value)
{
    (void)m, (void)value;
    return -EOPNOTSUPP;
}

static int bloom_delete(struct pbpf_map *m, const void *key)
{
    (void)m, (void)key;
    return -EOPNOTSUPP;
}

static int bloom_get_next_key(struct pbpf_map *m, const void *key, void *next)
{
    (void)m, (void)key, (void)next;
    return -EOPNOTSUPP;
}

const struct pbpf_map_ops pbpf_map_bloom_ops = {
    .alloc = bloom_alloc,
    .destroy = bloom_destroy,
    .delete = bloom_delete,
    .get_next_key = bloom_get_next_key,
    .push = bloom_push,
    .pop = bloom_pop,
    .peek = bloom_peek,
};
