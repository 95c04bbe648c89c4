/* Array updates from programs copy 4- and 8-byte values on their own
 * path too: every value size reads back as written, neighbours intact.
 *
 * The program-side hash lookup handles 4- and 8-byte keys on their own
 * path (hash and compare with the size a constant) and other sizes on the
 * general one: whatever the key size and hash map type, a program finds
 * each key user space inserted, with its value, and no key it did not.
 * And an LRU hit only marks the element referenced: the next eviction
 * passes over it. */
#include "maps_test.h"

#include "maps/epoch.h"
#include "maps/map.h"

static struct pbpf_runtime *rt;

#define KEYS 300

static void make_key(uint8_t *k, uint32_t ks, uint32_t i, uint32_t salt)
{
    for (uint32_t b = 0; b < ks; b++)
        k[b] = (uint8_t)((i * 0x9E3779B1u + salt) >> (8 * (b % 4))) ^ (uint8_t)(b * 31);
    /* distinct keys even where the size is 1 or 2 bytes: i in the front */
    k[0] = (uint8_t)i;
    if (ks > 1)
        k[1] = (uint8_t)(i >> 8);
}

static void keys_of_size(uint32_t type, uint32_t ks)
{
    struct pbpf_map *m = mt_map(rt, type, ks, 8, KEYS, 0);
    unsigned slots = m->slots;
    uint32_t n = ks == 1 ? 256 : KEYS;
    if (n > KEYS)
        n = KEYS;
    uint8_t k[64], pv[8 * 64];
    int percpu = pbpf_map_is_percpu(type);
    for (uint32_t i = 0; i < n; i++) {
        make_key(k, ks, i, 0);
        uint64_t v = (uint64_t)i * 1000 + ks;
        if (percpu) {
            for (unsigned s = 0; s < slots; s++) {
                uint64_t sv = v + s;
                memcpy(pv + 8 * s, &sv, 8);
            }
            CHECK_EQ(pbpf_map_update_elem(m, k, pv, 0), 0);
        } else {
            CHECK_EQ(pbpf_map_update_elem(m, k, &v, 0), 0);
        }
    }
    unsigned wrong = 0;
    pbpf_epoch_enter();
    for (uint32_t i = 0; i < n; i++) {
        make_key(k, ks, i, 0);
        unsigned slot = i % (slots ? slots : 1);
        const uint64_t *p = pbpf_map_lookup_prog(m, k, slot);
        uint64_t want = (uint64_t)i * 1000 + ks + (percpu ? slot : 0);
        if (!p || *p != want)
            wrong++;
        /* the same key with its last byte changed is not there (unless
         * that makes another inserted key: only possible for 1-2 bytes) */
        if (ks > 2) {
            k[ks - 1] ^= 0x80;
            if (pbpf_map_lookup_prog(m, k, 0))
                wrong++;
        }
    }
    pbpf_epoch_exit();
    if (wrong)
        fprintf(stderr, "  type %u, %u-byte keys: %u wrong lookups\n", type, ks, wrong);
    CHECK_EQ(wrong, 0);
    pbpf_map_free(m);
}

static void lru_hit_is_a_mark(void)
{
    /* a common LRU list of 4: k0..k3 in, k0 looked up by a program, then
     * k4 in: the eviction passes over k0 (referenced) and takes another */
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0);
    for (uint32_t k = 0; k < 4; k++) {
        uint64_t v = k;
        CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
    }
    uint32_t k0 = 0, k4 = 4;
    pbpf_epoch_enter();
    CHECK(pbpf_map_lookup_prog(m, &k0, 0) != NULL);
    pbpf_epoch_exit();
    uint64_t v = 4, out;
    CHECK_EQ(pbpf_map_update_elem(m, &k4, &v, 0), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k0, &out), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k4, &out), 0);
    unsigned left = 0;
    for (uint32_t k = 1; k < 4; k++)
        left += pbpf_map_lookup_elem(m, &k, &out) == 0;
    CHECK_EQ(left, 2);
    pbpf_map_free(m);
}

static void array_update_sizes(void)
{
    const uint32_t sizes[] = {1, 3, 4, 5, 8, 12, 16, 24};
    for (size_t z = 0; z < MT_LEN(sizes); z++) {
        uint32_t vs = sizes[z];
        struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, vs, 3, 0);
        uint8_t v[32], out[32], zero[32] = {0};
        for (uint32_t b = 0; b < vs; b++)
            v[b] = (uint8_t)(0xa0 + b);
        uint32_t k = 1, k0 = 0, k2 = 2;
        pbpf_epoch_enter();
        CHECK_EQ(pbpf_map_update_prog(m, &k, v, 0, 0), 0);
        pbpf_epoch_exit();
        CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
        CHECK_EQ(memcmp(out, v, vs), 0);
        CHECK_EQ(pbpf_map_lookup_elem(m, &k0, out), 0);
        CHECK_EQ(memcmp(out, zero, vs), 0);
        CHECK_EQ(pbpf_map_lookup_elem(m, &k2, out), 0);
        CHECK_EQ(memcmp(out, zero, vs), 0);
        pbpf_map_free(m);
    }
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 3);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    const uint32_t types[] = {PBPF_MAP_TYPE_HASH, PBPF_MAP_TYPE_LRU_HASH, PBPF_MAP_TYPE_PERCPU_HASH,
                              PBPF_MAP_TYPE_LRU_PERCPU_HASH};
    const uint32_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 40};
    for (size_t t = 0; t < MT_LEN(types); t++)
        for (size_t s = 0; s < MT_LEN(sizes); s++)
            keys_of_size(types[t], sizes[s]);
    lru_hit_is_a_mark();
    array_update_sizes();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_lookup_keys");
}
