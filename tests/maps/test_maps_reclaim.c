/* Hash map updates and deferred reclamation: values of up to 8 bytes and
 * the values of preallocated maps are replaced in place; BPF_F_NO_PREALLOC
 * maps insert a new element whose predecessor stays readable until every
 * section that could see it has ended.  Deleted elements wait likewise,
 * however many pile up meanwhile (the element pool grows, then the heap
 * covers).  A reader on another thread never sees a torn value through a
 * copy, nor through a pointer to an 8-byte or a NO_PREALLOC value. */
#include "maps_test.h"

#include "maps/epoch.h"
#include "maps/map.h"
#include "platform/platform.h"

static struct pbpf_runtime *rt;

static struct pbpf_map *hash_map_f(uint32_t vs, uint32_t max, uint32_t flags)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_HASH, .key_size = 4,
              .value_size = vs, .max_entries = max, .map_flags = flags);
    struct pbpf_map *m = NULL;
    CHECK_EQ(pbpf_map_create(rt, &o, &m), 0);
    return m;
}

static struct pbpf_map *hash_map(uint32_t vs, uint32_t max) { return hash_map_f(vs, max, 0); }

/* An 8-byte value and a preallocated 16-byte one keep their place; a
 * NO_PREALLOC 16-byte one moves, and the old copy still holds the old
 * value while the section lasts. */
static void test_in_place_and_replace(void)
{
    struct pbpf_map *m8 = hash_map(8, 4), *m16 = hash_map(16, 4);
    struct pbpf_map *np = hash_map_f(16, 4, PBPF_F_NO_PREALLOC);
    if (!m8 || !m16 || !np)
        return;
    uint32_t k = 1;
    uint64_t v[2] = {1, 2};
    CHECK_EQ(pbpf_map_update_elem(m8, &k, v, 0), 0);
    CHECK_EQ(pbpf_map_update_elem(m16, &k, v, 0), 0);
    CHECK_EQ(pbpf_map_update_elem(np, &k, v, 0), 0);
    pbpf_epoch_enter();
    uint64_t *p8 = pbpf_map_lookup_prog(m8, &k, 0), *p16 = pbpf_map_lookup_prog(m16, &k, 0);
    uint64_t *pn = pbpf_map_lookup_prog(np, &k, 0);
    CHECK(p8 && p16 && pn);
    v[0] = 3, v[1] = 4;
    CHECK_EQ(pbpf_map_update_prog(m8, &k, v, 0, 0), 0);
    CHECK_EQ(pbpf_map_update_prog(m16, &k, v, 0, 0), 0);
    CHECK_EQ(pbpf_map_update_prog(np, &k, v, 0, 0), 0);
    CHECK(pbpf_map_lookup_prog(m8, &k, 0) == p8);
    CHECK(pbpf_map_lookup_prog(m16, &k, 0) == p16);
    CHECK(pbpf_map_lookup_prog(np, &k, 0) != pn);
    if (p8 && p16 && pn) {
        CHECK_EQ(p8[0], 3);
        CHECK_EQ(p16[0], 3);
        CHECK_EQ(p16[1], 4);
        CHECK_EQ(pn[0], 1);
        CHECK_EQ(pn[1], 2);
    }
    /* a value whose size is not a multiple of 8: the padding stays zero
     * and the bytes past value_size are not the caller's */
    struct pbpf_map *m12 = hash_map(12, 4);
    if (m12) {
        uint8_t b[12], out12[16];
        memset(b, 0xab, sizeof b);
        CHECK_EQ(pbpf_map_update_elem(m12, &k, b, 0), 0);
        const uint8_t *p12 = pbpf_map_lookup_prog(m12, &k, 0);
        memset(b, 0xcd, sizeof b);
        CHECK_EQ(pbpf_map_update_prog(m12, &k, b, 0, 0), 0);
        CHECK(pbpf_map_lookup_prog(m12, &k, 0) == p12);
        memset(out12, 0x11, sizeof out12);
        CHECK_EQ(pbpf_map_lookup_elem(m12, &k, out12), 0);
        CHECK_EQ(memcmp(out12, b, sizeof b), 0);
        CHECK_EQ(out12[12], 0x11); /* nothing written past the value */
        if (p12)
            CHECK_EQ(p12[12] | p12[13] | p12[14] | p12[15], 0);
        pbpf_map_free(m12);
    }
    /* flags still apply to the in-place path */
    CHECK_EQ(pbpf_map_update_prog(m8, &k, v, PBPF_NOEXIST, 0), -EEXIST);
    uint32_t k2 = 2;
    CHECK_EQ(pbpf_map_update_prog(m8, &k2, v, PBPF_EXIST, 0), -ENOENT);
    pbpf_epoch_exit();
    uint64_t out[2] = {0, 0};
    CHECK_EQ(pbpf_map_lookup_elem(m8, &k, out), 0);
    CHECK_EQ(out[0], 3);
    CHECK_EQ(pbpf_map_lookup_elem(m16, &k, out), 0);
    CHECK_EQ(out[0], 3);
    CHECK_EQ(out[1], 4);
    CHECK_EQ(pbpf_map_lookup_elem(np, &k, out), 0);
    CHECK_EQ(out[0], 3);
    CHECK_EQ(out[1], 4);
    pbpf_map_free(m8);
    pbpf_map_free(m16);
    pbpf_map_free(np);
}

/* Inside one section nothing retired can be reused: 20000 deletes and
 * re-inserts of a key exhaust the pool's spare elements and its growth,
 * and must all still succeed; the value first looked up stays intact. */
static void test_many_replacements_in_one_section(void)
{
    struct pbpf_map *m = hash_map(16, 8);
    if (!m)
        return;
    uint32_t k = 5;
    uint64_t v[2] = {7, ~7ull};
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, 0), 0);
    pbpf_epoch_enter();
    const uint64_t *first = pbpf_map_lookup_prog(m, &k, 0);
    int fails = 0;
    for (uint64_t i = 0; i < 20000; i++) {
        v[0] = i, v[1] = ~i;
        fails += pbpf_map_delete_prog(m, &k) != 0;
        fails += pbpf_map_update_prog(m, &k, v, PBPF_NOEXIST, 0) != 0;
        uint32_t other = (uint32_t)(i % 7);
        fails += pbpf_map_update_prog(m, &other, v, 0, 0) != 0;
    }
    CHECK_EQ(fails, 0);
    CHECK(first && first[0] == 7 && first[1] == ~7ull);
    pbpf_epoch_exit();
    pbpf_maps_reclaim();
    uint64_t out[2];
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    CHECK_EQ(out[0], 19999);
    /* the keys written: 0..6 (5 among them) */
    int n = 0;
    uint32_t cur, next;
    for (int rc = pbpf_map_get_next_key(m, NULL, &cur); rc == 0 && n < 20; n++) {
        rc = pbpf_map_get_next_key(m, &cur, &next);
        cur = next;
    }
    CHECK_EQ(n, 7);
    pbpf_map_free(m);
}

/* One thread replaces values of keys 0..15 as fast as it can; the other
 * reads them in sections of a few lookups.  Each value is {x, ~x} (or
 * x * 0x0101.. for the 8-byte map, read with one 8-byte load like a
 * program's): a torn value would break the pattern.  The 16-byte values
 * of a preallocated map change in place, so they are read by copy. */
struct race {
    struct pbpf_map *m;
    uint32_t vs;
    int by_copy;
    int stop;
    long torn, reads;
};

static void *writer(void *arg)
{
    struct race *r = arg;
    for (uint64_t i = 1; !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE); i++) {
        uint32_t k = (uint32_t)(i % 16);
        uint64_t v[2] = {(i & 0xff) * 0x0101010101010101ull, ~i};
        if (r->vs == 16)
            v[0] = i;
        pbpf_epoch_enter();
        pbpf_map_update_prog(r->m, &k, v, 0, (unsigned)(i & 1));
        pbpf_epoch_exit();
    }
    return NULL;
}

static void race(uint32_t vs, uint32_t flags)
{
    int by_copy = vs > 8 && !(flags & PBPF_F_NO_PREALLOC);
    struct race r = {hash_map_f(vs, 16, flags), vs, by_copy, 0, 0, 0};
    if (!r.m)
        return;
    for (uint32_t k = 0; k < 16; k++) {
        uint64_t v[2] = {0, ~0ull};
        CHECK_EQ(pbpf_map_update_elem(r.m, &k, v, 0), 0);
    }
    struct pbpf_thread *t;
    CHECK_EQ(pbpf_thread_start(&t, writer, &r), 0);
    /* at least one pass, however late this thread runs again */
    uint64_t end = pbpf_time_mono_ns() + 300000000u;
    do {
        pbpf_epoch_enter();
        for (uint32_t k = 0; k < 16; k++) {
            uint64_t c[2];
            if (r.by_copy) {
                r.torn += pbpf_map_lookup_elem(r.m, &k, c) != 0 || c[1] != ~c[0];
                r.reads++;
                continue;
            }
            const uint64_t *p = pbpf_map_lookup_prog(r.m, &k, 0);
            if (!p) {
                r.torn++;
                continue;
            }
            uint64_t a = __atomic_load_n(&p[0], __ATOMIC_RELAXED);
            if (vs == 8)
                r.torn += a % 0x0101010101010101ull != 0;
            else
                r.torn += p[1] != ~a;
            r.reads++;
        }
        pbpf_epoch_exit();
    } while (pbpf_time_mono_ns() < end);
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    pbpf_thread_join(t);
    CHECK_EQ(r.torn, 0);
    CHECK(r.reads > 0);
    pbpf_maps_reclaim();
    pbpf_map_free(r.m);
}

/* A thread that retires elements and ends leaves them to be reclaimed by
 * another thread (or freed with their map). */
static void *retire_and_exit(void *arg)
{
    struct pbpf_map *m = arg;
    uint64_t v[2] = {0, 0};
    for (uint32_t i = 0; i < 10; i++) {
        uint32_t k = i % 2;
        v[0] = i;
        pbpf_map_delete_elem(m, &k);
        pbpf_map_update_elem(m, &k, v, 0);
    }
    return NULL;
}

static void test_exited_thread(void)
{
    struct pbpf_map *m = hash_map(16, 2);
    if (!m)
        return;
    struct pbpf_thread *t;
    CHECK_EQ(pbpf_thread_start(&t, retire_and_exit, m), 0);
    pbpf_thread_join(t);
    pbpf_maps_reclaim();
    uint32_t k = 1;
    uint64_t out[2];
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, out), 0);
    CHECK_EQ(out[0], 9);
    pbpf_map_free(m);
    /* and again, with the map freed while the nodes wait */
    m = hash_map(16, 2);
    if (!m)
        return;
    CHECK_EQ(pbpf_thread_start(&t, retire_and_exit, m), 0);
    pbpf_thread_join(t);
    pbpf_map_free(m);
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_in_place_and_replace();
    test_many_replacements_in_one_section();
    race(8, 0);
    race(16, 0);
    race(16, PBPF_F_NO_PREALLOC);
    test_exited_thread();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_reclaim");
}
