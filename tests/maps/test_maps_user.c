/* Map semantics from the user side, per type: every operation and the
 * errors Linux's bpf(2) gives for it. */
#include "maps/map.h"
#include "maps_test.h"

static struct pbpf_runtime *rt;
enum { SLOTS = 3 };

static void test_create_checks(void)
{
    /* generic */
    CHECK_EQ(mt_create_rc(rt, 999, 4, 4, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 1, PBPF_F_RDONLY | PBPF_F_WRONLY), -EINVAL);
    PBPF_OPTS(pbpf_map_create_opts, bad_name, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 4, .max_entries = 1, .name = "bad name!");
    struct pbpf_map *m = NULL;
    CHECK_EQ(pbpf_map_create(rt, &bad_name, &m), -EINVAL);
    CHECK(m == NULL);
    /* array */
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 8, 4, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 4, 0, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 0, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 1, PBPF_F_NO_PREALLOC), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 1, PBPF_F_RDONLY_PROG | PBPF_F_WRONLY_PROG), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 1, PBPF_F_MMAPABLE), 0);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, PBPF_F_MMAPABLE), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERCPU_ARRAY, 4, 32 * 1024 + 1, 1, 0), -E2BIG);
    /* hash */
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_HASH, 0, 4, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_HASH, 4, 0, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_HASH, 4, 4, 1, PBPF_F_NO_COMMON_LRU), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_HASH, 4, 4, 1, PBPF_F_MMAPABLE), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_LRU_HASH, 4, 4, 1, PBPF_F_NO_PREALLOC), -PBPF_ENOTSUPP);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_HASH, 4, 4, 1, PBPF_F_NO_PREALLOC | PBPF_F_ZERO_SEED), 0);
    /* lpm */
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_LPM_TRIE, 8, 4, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_LPM_TRIE, 4, 4, 1, PBPF_F_NO_PREALLOC), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_LPM_TRIE, 261, 4, 1, PBPF_F_NO_PREALLOC), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_LPM_TRIE, 260, 4, 1, PBPF_F_NO_PREALLOC), 0);
    /* queue, stack, bloom, ringbuf */
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_QUEUE, 4, 4, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_STACK, 0, 0, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 1, 0), -EINVAL);
    PBPF_OPTS(pbpf_map_create_opts, bloom_extra, .type = PBPF_MAP_TYPE_BLOOM_FILTER,
              .value_size = 4, .max_entries = 1, .map_extra = 0x10);
    CHECK_EQ(pbpf_map_create(rt, &bloom_extra, &m), -EINVAL);
    PBPF_OPTS(pbpf_map_create_opts, extra_on_array, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 4, .max_entries = 1, .map_extra = 1);
    CHECK_EQ(pbpf_map_create(rt, &extra_on_array, &m), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0), 0);
    /* fd arrays: the value is a 32-bit fd in Linux */
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PROG_ARRAY, 4, 8, 1, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, 0), -EBADF);
}

static void test_array(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 12, 4, 0);
    uint32_t k = 2, nk;
    uint8_t v[12], out[12];
    memset(v, 0xab, sizeof v);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    CHECK_EQ(out[0], 0); /* elements exist, zeroed */
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_EXIST), 0);
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_NOEXIST), -EEXIST);
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, 3), -EINVAL);
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_F_LOCK), -EINVAL);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    CHECK(memcmp(out, v, sizeof v) == 0);
    k = 4;
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_ANY), -E2BIG);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), -ENOENT);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -EINVAL);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(m, &k, out), -PBPF_ENOTSUPP);
    CHECK_EQ(pbpf_map_lookup_elem_flags(m, &k, out, 8), -EINVAL);
    /* get_next_key: 0,1,2,3 then ENOENT; an out-of-range key restarts */
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &nk), 0);
    CHECK_EQ(nk, 0);
    k = 2;
    CHECK_EQ(pbpf_map_get_next_key(m, &k, &nk), 0);
    CHECK_EQ(nk, 3);
    k = 3;
    CHECK_EQ(pbpf_map_get_next_key(m, &k, &nk), -ENOENT);
    k = 100;
    CHECK_EQ(pbpf_map_get_next_key(m, &k, &nk), 0);
    CHECK_EQ(nk, 0);
    /* batch lookup over the whole array */
    uint32_t keys[8], cnt = 8, token;
    uint8_t vals[8 * 12];
    CHECK_EQ(pbpf_map_lookup_batch(m, NULL, &token, keys, vals, &cnt, NULL), -ENOENT);
    CHECK_EQ(cnt, 4);
    CHECK_EQ(keys[3], 3);
    CHECK(memcmp(vals + 2 * 12, v, 12) == 0);
    cnt = 3;
    CHECK_EQ(pbpf_map_lookup_batch(m, NULL, &token, keys, vals, &cnt, NULL), 0);
    CHECK_EQ(cnt, 3);
    cnt = 3;
    CHECK_EQ(pbpf_map_lookup_batch(m, &token, &token, keys, vals, &cnt, NULL), -ENOENT);
    CHECK_EQ(cnt, 1);
    CHECK_EQ(keys[0], 3);
    /* freeze: no more writes from user space; a second freeze is refused
     * like any write (EPERM, as Linux) */
    CHECK_EQ(pbpf_map_freeze(m), 0);
    k = 1;
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_ANY), -EPERM);
    CHECK_EQ(pbpf_map_freeze(m), -EPERM);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    pbpf_map_free(m);

    m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 1, PBPF_F_RDONLY);
    k = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &k, PBPF_ANY), -EPERM);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    pbpf_map_free(m);
    m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 1, PBPF_F_WRONLY);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &k, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), -EPERM);
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &nk), -EPERM);
    pbpf_map_free(m);
}

static void test_percpu_array(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0);
    CHECK_EQ(pbpf_map_user_value_size(m), SLOTS * 8);
    uint8_t in[SLOTS * 8], out[SLOTS * 8];
    memset(in, 0xee, sizeof in);
    for (int s = 0; s < SLOTS; s++) {
        uint32_t x = 100 + s;
        memcpy(in + s * 8, &x, 4);
    }
    uint32_t k = 1;
    CHECK_EQ(pbpf_map_update_elem(m, &k, in, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    for (int s = 0; s < SLOTS; s++) {
        uint32_t x, pad;
        memcpy(&x, out + s * 8, 4);
        memcpy(&pad, out + s * 8 + 4, 4);
        CHECK_EQ(x, 100 + s);
        CHECK_EQ(pad, 0); /* padding reads as zero, not what was written */
    }
    pbpf_map_free(m);
}

static int key_seen(const uint32_t *seen, uint32_t n, uint32_t k)
{
    for (uint32_t i = 0; i < n; i++)
        if (seen[i] == k)
            return 1;
    return 0;
}

static void test_hash_flavour(uint32_t flags)
{
    enum { MAX = 64 };
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 8, MAX, flags);
    uint32_t k;
    uint64_t v, out;
    for (k = 0; k < MAX; k++) {
        v = k * 3u;
        CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_NOEXIST), 0);
    }
    k = MAX;
    v = 1;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_ANY), -E2BIG);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_EXIST), -ENOENT);
    k = 5;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_NOEXIST), -EEXIST);
    v = 555;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_EXIST), 0); /* replace works when full */
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), 0);
    CHECK_EQ(out, 555);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 3), -EINVAL);
    /* iteration visits every key once */
    uint32_t seen[MAX + 1], n = 0, cur, nk;
    int rc = pbpf_map_get_next_key(m, NULL, &cur);
    while (rc == 0 && n <= MAX) {
        CHECK(!key_seen(seen, n, cur));
        seen[n++] = cur;
        rc = pbpf_map_get_next_key(m, &cur, &nk);
        cur = nk;
    }
    CHECK_EQ(rc, -ENOENT);
    CHECK_EQ(n, MAX);
    /* a key not in the map restarts from the first key */
    uint32_t first, missing = 1000;
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &first), 0);
    CHECK_EQ(pbpf_map_get_next_key(m, &missing, &nk), 0);
    CHECK_EQ(nk, first);
    /* delete */
    k = 7;
    CHECK_EQ(pbpf_map_delete_elem(m, &k), 0);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -ENOENT);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), -ENOENT);
    v = 7;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_NOEXIST), 0); /* room again */
    /* lookup_and_delete */
    k = 9;
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(m, &k, &out), 0);
    CHECK_EQ(out, 27);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(m, &k, &out), -ENOENT);
    /* batches: lookup everything in pieces, every key once */
    uint32_t keys[MAX], token, total = 0;
    uint64_t vals[MAX];
    n = 0;
    const void *in = NULL;
    do {
        uint32_t cnt = 16;
        rc = pbpf_map_lookup_batch(m, in, &token, keys + total, vals + total, &cnt, NULL);
        CHECK(rc == 0 || rc == -ENOENT);
        total += cnt;
        in = &token;
    } while (rc == 0 && total < MAX);
    CHECK_EQ(total, MAX - 1);
    for (uint32_t i = 0; i < total; i++) {
        CHECK_EQ(vals[i], keys[i] == 5 ? 555 : keys[i] == 7 ? 7 : keys[i] * 3u);
        for (uint32_t j = 0; j < i; j++)
            CHECK(keys[i] != keys[j]);
    }
    /* lookup_and_delete_batch empties the map */
    uint32_t cnt = MAX;
    rc = pbpf_map_lookup_and_delete_batch(m, NULL, &token, keys, vals, &cnt, NULL);
    CHECK_EQ(rc, -ENOENT);
    CHECK_EQ(cnt, MAX - 1);
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &nk), -ENOENT);
    /* update_batch / delete_batch */
    for (uint32_t i = 0; i < 10; i++) {
        keys[i] = i + 500;
        vals[i] = i;
    }
    cnt = 10;
    CHECK_EQ(pbpf_map_update_batch(m, keys, vals, &cnt, NULL), 0);
    CHECK_EQ(cnt, 10);
    k = 509;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), 0);
    CHECK_EQ(out, 9);
    cnt = 10;
    keys[5] = 42; /* missing: delete_batch stops there */
    CHECK_EQ(pbpf_map_delete_batch(m, keys, &cnt, NULL), -ENOENT);
    CHECK_EQ(cnt, 5);
    pbpf_map_free(m);
}

static void test_percpu_hash(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0);
    uint8_t in[SLOTS * 8], out[SLOTS * 8];
    memset(in, 0x55, sizeof in);
    for (int s = 0; s < SLOTS; s++) {
        uint32_t x = 7 * s + 1;
        memcpy(in + s * 8, &x, 4);
    }
    uint32_t k = 77;
    CHECK_EQ(pbpf_map_update_elem(m, &k, in, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    for (int s = 0; s < SLOTS; s++) {
        uint32_t x, pad;
        memcpy(&x, out + s * 8, 4);
        memcpy(&pad, out + s * 8 + 4, 4);
        CHECK_EQ(x, 7 * s + 1);
        CHECK_EQ(pad, 0);
    }
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(m, &k, out), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), -ENOENT);
    pbpf_map_free(m);
}

static void test_lru(uint32_t type, uint32_t flags)
{
    enum { MAX = 32 };
    struct pbpf_map *m = mt_map(rt, type, 4, 4, MAX, flags);
    uint32_t max = pbpf_map_max_entries(m);
    if (flags & PBPF_F_NO_COMMON_LRU)
        CHECK_EQ(max % SLOTS, 0);
    size_t vsz = pbpf_map_user_value_size(m);
    uint8_t v[SLOTS * 8] = {0}, out[SLOTS * 8];
    uint32_t hot = 0;
    /* far more keys than room: updates succeed by evicting; the key
     * programs keep looking up survives (bpf(2) lookups do not count as
     * use, as in Linux) */
    memcpy(v, &hot, 4);
    CHECK_EQ(pbpf_map_update_elem(m, &hot, v, PBPF_ANY), 0);
    for (uint32_t k = 1; k < 10 * max; k++) {
        memcpy(v, &k, 4);
        CHECK_EQ(pbpf_map_update_elem(m, &k, v, PBPF_ANY), 0);
        pbpf_epoch_enter();
        CHECK(pbpf_map_lookup_prog(m, &hot, 0) != NULL);
        pbpf_epoch_exit();
    }
    uint32_t n = 0, cur, nk;
    int rc = pbpf_map_get_next_key(m, NULL, &cur);
    while (rc == 0) {
        n++;
        rc = pbpf_map_get_next_key(m, &cur, &nk);
        cur = nk;
    }
    CHECK(n <= max);
    CHECK(n >= max / 2);
    uint32_t last = 10 * max - 1;
    CHECK_EQ(pbpf_map_lookup_elem(m, &last, out), 0); /* the newest is there */
    (void)vsz;
    pbpf_map_free(m);
}

static void lpm_key(uint8_t *k, uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    memcpy(k, &plen, 4);
    k[4] = a, k[5] = b, k[6] = c, k[7] = d;
}

static void test_lpm(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, PBPF_F_NO_PREALLOC);
    uint8_t k[8];
    uint32_t v, out;
    lpm_key(k, 8, 10, 0, 0, 0);
    v = 8;
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_ANY), 0);
    lpm_key(k, 16, 10, 1, 0, 0);
    v = 16;
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_NOEXIST), 0);
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_NOEXIST), -EEXIST);
    lpm_key(k, 24, 10, 1, 2, 0);
    v = 24;
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_ANY), 0);
    lpm_key(k, 24, 10, 2, 2, 0); /* sibling: creates an intermediate node */
    v = 99;
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_ANY), 0);
    lpm_key(k, 32, 1, 2, 3, 4);
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_ANY), -ENOSPC);
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_EXIST), -ENOENT);
    lpm_key(k, 33, 1, 2, 3, 4);
    CHECK_EQ(pbpf_map_update_elem(m, k, &v, PBPF_ANY), -EINVAL);
    /* longest prefix wins */
    lpm_key(k, 32, 10, 1, 2, 3);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), 0);
    CHECK_EQ(out, 24);
    lpm_key(k, 32, 10, 1, 9, 3);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), 0);
    CHECK_EQ(out, 16);
    lpm_key(k, 32, 10, 9, 9, 3);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), 0);
    CHECK_EQ(out, 8);
    lpm_key(k, 32, 11, 1, 2, 3);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), -ENOENT);
    /* the lookup key's prefix length bounds the match */
    lpm_key(k, 20, 10, 1, 2, 3);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), 0);
    CHECK_EQ(out, 16);
    /* post-order iteration: more specific prefixes first */
    uint8_t cur[8], nk[8];
    uint32_t order[4], n = 0;
    int rc = pbpf_map_get_next_key(m, NULL, cur);
    while (rc == 0 && n < 4) {
        memcpy(&order[n++], cur, 4);
        rc = pbpf_map_get_next_key(m, cur, nk);
        memcpy(cur, nk, 8);
    }
    CHECK_EQ(rc, -ENOENT);
    CHECK_EQ(n, 4);
    CHECK_EQ(order[0], 24);
    CHECK_EQ(order[1], 16); /* 10.1/16 comes after its child 10.1.2/24 */
    CHECK_EQ(order[2], 24); /* then the other branch, 10.2.2/24 */
    CHECK_EQ(order[3], 8);
    /* delete is exact */
    lpm_key(k, 20, 10, 1, 0, 0);
    CHECK_EQ(pbpf_map_delete_elem(m, k), -ENOENT);
    lpm_key(k, 16, 10, 1, 0, 0);
    CHECK_EQ(pbpf_map_delete_elem(m, k), 0);
    CHECK_EQ(pbpf_map_delete_elem(m, k), -ENOENT);
    lpm_key(k, 32, 10, 1, 9, 3);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), 0);
    CHECK_EQ(out, 8);
    lpm_key(k, 24, 10, 1, 2, 0);
    CHECK_EQ(pbpf_map_delete_elem(m, k), 0);
    lpm_key(k, 32, 10, 2, 2, 7);
    CHECK_EQ(pbpf_map_lookup_elem(m, k, &out), 0);
    CHECK_EQ(out, 99);
    pbpf_map_free(m);
}

static void test_queue_stack(void)
{
    struct pbpf_map *q = mt_map(rt, PBPF_MAP_TYPE_QUEUE, 0, 4, 3, 0);
    struct pbpf_map *s = mt_map(rt, PBPF_MAP_TYPE_STACK, 0, 4, 3, 0);
    uint32_t v, out;
    for (v = 1; v <= 3; v++) {
        CHECK_EQ(pbpf_map_update_elem(q, NULL, &v, PBPF_ANY), 0);
        CHECK_EQ(pbpf_map_update_elem(s, NULL, &v, PBPF_ANY), 0);
    }
    CHECK_EQ(pbpf_map_update_elem(q, NULL, &v, PBPF_ANY), -E2BIG);
    CHECK_EQ(pbpf_map_update_elem(q, NULL, &v, PBPF_NOEXIST), -EINVAL);
    CHECK_EQ(pbpf_map_update_elem(q, NULL, &v, PBPF_EXIST), 0); /* drops the oldest (1) */
    CHECK_EQ(pbpf_map_lookup_elem(q, NULL, &out), 0);
    CHECK_EQ(out, 2);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(q, NULL, &out), 0);
    CHECK_EQ(out, 2);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(q, NULL, &out), 0);
    CHECK_EQ(out, 3);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(q, NULL, &out), 0);
    CHECK_EQ(out, 4);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(q, NULL, &out), -ENOENT);
    CHECK_EQ(pbpf_map_lookup_elem(q, NULL, &out), -ENOENT);
    CHECK_EQ(pbpf_map_delete_elem(q, NULL), -EINVAL);
    CHECK_EQ(pbpf_map_get_next_key(q, NULL, NULL), -EINVAL);
    /* stack: last in, first out; EXIST when full drops the oldest (bottom) */
    CHECK_EQ(pbpf_map_update_elem(s, NULL, &v, PBPF_EXIST), 0);
    uint32_t want[] = {4, 3, 2};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(pbpf_map_lookup_and_delete_elem(s, NULL, &out), 0);
        CHECK_EQ(out, want[i]);
    }
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(s, NULL, &out), -ENOENT);
    pbpf_map_free(q);
    pbpf_map_free(s);
}

static void test_bloom(void)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_BLOOM_FILTER, .value_size = 8,
              .max_entries = 1000, .map_extra = 3);
    struct pbpf_map *m = NULL;
    CHECK_EQ(pbpf_map_create(rt, &o, &m), 0);
    for (uint64_t v = 0; v < 1000; v++)
        CHECK_EQ(pbpf_map_update_elem(m, NULL, &v, PBPF_ANY), 0);
    uint64_t v = 1;
    CHECK_EQ(pbpf_map_update_elem(m, NULL, &v, PBPF_NOEXIST), -EINVAL);
    int misses = 0, fp = 0;
    for (v = 0; v < 1000; v++)
        misses += pbpf_map_lookup_elem(m, NULL, &v) != 0;
    for (v = 1000000; v < 1010000; v++)
        fp += pbpf_map_lookup_elem(m, NULL, &v) == 0;
    CHECK_EQ(misses, 0);  /* no false negatives */
    CHECK(fp < 10000 / 5); /* and a filter that filters */
    CHECK_EQ(pbpf_map_delete_elem(m, NULL), -EOPNOTSUPP);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(m, NULL, &v), -PBPF_ENOTSUPP);
    pbpf_map_free(m);
}

static void test_ringbuf(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
    struct pbpf_ringbuf_area a;
    CHECK_EQ(pbpf_ringbuf_area(m, &a), 0);
    CHECK_EQ(a.size, 4096);
    uint8_t out[8];
    CHECK_EQ(pbpf_map_lookup_elem(m, NULL, out), -PBPF_ENOTSUPP);
    CHECK_EQ(pbpf_map_update_elem(m, NULL, out, 0), -PBPF_ENOTSUPP);
    CHECK_EQ(pbpf_map_delete_elem(m, NULL), -PBPF_ENOTSUPP);
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, out), -PBPF_ENOTSUPP);
    pbpf_map_free(m);
}

static void test_map_in_map(void)
{
    struct pbpf_map *tmpl = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
    struct pbpf_map *inner = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
    struct pbpf_map *wrong = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 5, 0);
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4,
              .value_size = 4, .max_entries = 2, .inner_map = tmpl);
    struct pbpf_map *outer = NULL, *houter = NULL;
    CHECK_EQ(pbpf_map_create(rt, &o, &outer), 0);
    o.type = PBPF_MAP_TYPE_HASH_OF_MAPS;
    CHECK_EQ(pbpf_map_create(rt, &o, &houter), 0);
    o.inner_map = outer;
    struct pbpf_map *nested = NULL;
    CHECK(pbpf_map_create(rt, &o, &nested) != 0);
    uint32_t k = 1, id;
    CHECK_EQ(pbpf_map_update_elem(outer, &k, &wrong, PBPF_ANY), -EINVAL);
    CHECK_EQ(pbpf_map_update_elem(outer, &k, &inner, PBPF_NOEXIST), -EINVAL);
    CHECK_EQ(pbpf_map_update_elem(outer, &k, &inner, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_lookup_elem(outer, &k, &id), 0);
    CHECK_EQ(id, pbpf_map_id(inner));
    k = 7;
    CHECK_EQ(pbpf_map_update_elem(houter, &k, &inner, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_lookup_elem(houter, &k, &id), 0);
    CHECK_EQ(id, pbpf_map_id(inner));
    void *junk = &k;
    CHECK_EQ(pbpf_map_update_elem(houter, &k, &junk, PBPF_ANY), -EBADF);
    /* the outer maps keep the inner one alive after its creator lets go */
    pbpf_map_free(inner);
    CHECK_EQ(pbpf_map_lookup_elem(houter, &k, &id), 0);
    CHECK_EQ(pbpf_map_delete_elem(houter, &k), 0);
    CHECK_EQ(pbpf_map_delete_elem(houter, &k), -ENOENT);
    k = 1;
    CHECK_EQ(pbpf_map_delete_elem(outer, &k), 0);
    CHECK_EQ(pbpf_map_delete_elem(outer, &k), -ENOENT);
    k = 2;
    CHECK_EQ(pbpf_map_delete_elem(outer, &k), -E2BIG);
    pbpf_maps_reclaim();
    pbpf_map_free(outer);
    pbpf_map_free(houter);
    pbpf_map_free(tmpl);
    pbpf_map_free(wrong);
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = SLOTS);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_create_checks();
    test_array();
    test_percpu_array();
    test_hash_flavour(0);
    test_hash_flavour(PBPF_F_NO_PREALLOC);
    test_percpu_hash();
    test_lru(PBPF_MAP_TYPE_LRU_HASH, 0);
    test_lru(PBPF_MAP_TYPE_LRU_HASH, PBPF_F_NO_COMMON_LRU);
    test_lru(PBPF_MAP_TYPE_LRU_PERCPU_HASH, 0);
    test_lpm();
    test_queue_stack();
    test_bloom();
    test_ringbuf();
    test_map_in_map();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_user");
}
