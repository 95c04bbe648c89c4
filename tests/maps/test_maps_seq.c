/* Values of preallocated hash maps are replaced in place word by word
 * under a sequence count, and copies to the caller retry on it (or take
 * the bucket lock after a few tries).  Two checks:
 *
 * - the count itself (maps/seqcount.h): a reader that started before N
 *   writes sees that a write ran for every N the count could wrap at if it
 *   were 16 or 32 bits wide (2^15, 2^16 writes, and across the top of the
 *   64-bit range);
 * - the map: one thread replaces a value whose words all hold the same
 *   counter while others copy it out (lookups, batches); a copy with two
 *   different words is torn, and since the writer only counts up, a copy
 *   older than one seen before is not linearizable.  Bounded in time. */
#include "maps_test.h"

#include "maps/map.h"
#include "maps/seqcount.h"
#include "platform/platform.h"

static struct pbpf_runtime *rt;

static void writes(uint64_t *seq, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pbpf_seq_write_begin(seq);
        pbpf_seq_write_end(seq);
    }
}

static void test_count(void)
{
    const uint64_t counts[] = {1, 2, 1u << 15, 1u << 16, 1u << 17, 3u << 15};
    for (size_t i = 0; i < MT_LEN(counts); i++) {
        uint64_t seq = 0;
        uint64_t s = pbpf_seq_read_begin(&seq);
        CHECK_EQ(s & 1, 0);
        CHECK_EQ(pbpf_seq_read_retry(&seq, s), 0);
        writes(&seq, counts[i]);
        if (pbpf_seq_read_retry(&seq, s) != 1)
            fprintf(stderr, "  %llu writes went unseen\n", (unsigned long long)counts[i]);
        CHECK_EQ(pbpf_seq_read_retry(&seq, s), 1);
        CHECK_EQ(seq, s + 2 * counts[i]);
    }
    /* a count near the top of its range: a write that wraps it is seen */
    uint64_t seq = UINT64_MAX - 1;
    uint64_t s = pbpf_seq_read_begin(&seq);
    pbpf_seq_write_begin(&seq);
    CHECK_EQ(pbpf_seq_read_begin(&seq) & 1, 1); /* odd while the write runs */
    pbpf_seq_write_end(&seq);
    CHECK_EQ(pbpf_seq_read_retry(&seq, s), 1);
    CHECK_EQ(seq, 0);
}

/* --- the map ---------------------------------------------------------------- */

#define READERS 1
#define SECONDS 0.4

struct shared {
    struct pbpf_map *m;
    uint32_t vs;
    int stop;
    int batch; /* readers use lookup_batch instead of lookup */
};

struct reader {
    struct shared *sh;
    uint64_t copies, torn, backwards;
    int copied; /* set (atomically) at the first copy */
};

/* The value for counter x: every full word is x, the tail holds x's low
 * bytes (value sizes that are not a multiple of 8). */
static void fill(uint8_t *v, uint32_t vs, uint64_t x)
{
    for (uint32_t i = 0; i < vs; i += 8)
        memcpy(v + i, &x, vs - i < 8 ? vs - i : 8);
}

/* The counter of a consistent value, or -1 when its words disagree. */
static int64_t counter_of(const uint8_t *v, uint32_t vs)
{
    uint64_t x;
    memcpy(&x, v, 8);
    for (uint32_t i = 8; i < vs; i += 8) {
        uint64_t w = 0;
        memcpy(&w, v + i, vs - i < 8 ? vs - i : 8);
        uint64_t mask = vs - i < 8 ? ((uint64_t)1 << (8 * (vs - i))) - 1 : UINT64_MAX;
        if (w != (x & mask))
            return -1;
    }
    return (int64_t)x;
}

static void *writer(void *arg)
{
    struct shared *sh = arg;
    uint8_t v[128];
    uint32_t k = 7;
    for (uint64_t x = 1; !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); x++) {
        fill(v, sh->vs, x);
        if (pbpf_map_update_elem(sh->m, &k, v, PBPF_EXIST)) {
            fprintf(stderr, "update failed\n");
            return (void *)1;
        }
    }
    return NULL;
}

static void *reader(void *arg)
{
    struct reader *r = arg;
    struct shared *sh = r->sh;
    uint8_t v[128 * 4];
    uint32_t keys[4], out_batch = 0;
    int64_t last = 0;
    while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
        uint32_t k = 7, count = 4;
        int rc;
        if (sh->batch)
            rc = pbpf_map_lookup_batch(sh->m, NULL, &out_batch, keys, v, &count, NULL);
        else
            rc = pbpf_map_lookup_elem(sh->m, &k, v);
        if (sh->batch ? (rc != 0 && rc != -ENOENT) || count != 1 : rc != 0) {
            r->torn++; /* the key is always there */
            continue;
        }
        int64_t x = counter_of(v, sh->vs);
        if (r->copies++ == 0)
            __atomic_store_n(&r->copied, 1, __ATOMIC_RELAXED);
        if (x < 0)
            r->torn++;
        else if (x < last)
            r->backwards++;
        else
            last = x;
    }
    return NULL;
}

static void race(uint32_t vs, int batch)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, vs, 4, 0);
    struct shared sh = {m, vs, 0, batch};
    uint8_t v[128];
    uint32_t k = 7;
    fill(v, vs, 0);
    CHECK_EQ(pbpf_map_update_elem(m, &k, v, 0), 0);
    struct reader rd[READERS];
    struct pbpf_thread *tw, *tr[READERS];
    CHECK_EQ(pbpf_thread_start(&tw, writer, &sh), 0);
    for (int i = 0; i < READERS; i++) {
        rd[i] = (struct reader){&sh, 0, 0, 0, 0};
        CHECK_EQ(pbpf_thread_start(&tr[i], reader, &rd[i]), 0);
    }
    /* SECONDS, and on a machine so loaded (an emulator, other jobs) that a
     * reader has not run yet, until every reader has made a copy (at most
     * 30 s more): the checks below are about the copies, not about speed */
    uint64_t now = pbpf_time_mono_ns(), end = now + (uint64_t)(SECONDS * 1e9),
             cap = end + 30ull * 1000 * 1000 * 1000;
    for (;; now = pbpf_time_mono_ns()) {
        int all = 1;
        for (int i = 0; i < READERS; i++)
            all &= __atomic_load_n(&rd[i].copied, __ATOMIC_RELAXED);
        if ((now >= end && all) || now >= cap)
            break;
        pbpf_sleep_ns(10 * 1000 * 1000);
    }
    __atomic_store_n(&sh.stop, 1, __ATOMIC_RELAXED);
    CHECK(pbpf_thread_join(tw) == NULL);
    for (int i = 0; i < READERS; i++) {
        pbpf_thread_join(tr[i]);
        printf("  value %3u bytes, %-6s: %llu copies, %llu torn, %llu older than one seen\n", vs,
               batch ? "batch" : "lookup", (unsigned long long)rd[i].copies,
               (unsigned long long)rd[i].torn, (unsigned long long)rd[i].backwards);
        CHECK(rd[i].copies > 0); /* readers are not starved by the writer */
        CHECK_EQ(rd[i].torn, 0);
        CHECK_EQ(rd[i].backwards, 0);
    }
    pbpf_map_free(m);
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_count();
    race(16, 0);
    race(64, 0);
    race(100, 0);
    race(64, 1);
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_seq");
}
