/* LPM_TRIE against a list of prefixes searched the slow way: random
 * inserts, replacements and deletes over data sizes of 1 to 20 bytes (the
 * widths the matcher compares in 8, 4 and 1-byte steps), each followed by
 * lookups whose answer is the value of the longest stored prefix that is
 * no longer than the key's and agrees with it bit by bit. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

#define MAX_DATA 20
#define MAX_ENTRIES 200

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            if (++failures > 20)                                                                   \
                exit(1);                                                                           \
        }                                                                                          \
    } while (0)

static uint64_t rng = 0x853c49e6748fea9bull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

struct entry {
    uint32_t plen;
    uint8_t data[MAX_DATA];
    uint64_t value;
};

static struct entry model[MAX_ENTRIES];
static size_t n_model;

static int bit(const uint8_t *d, uint32_t i) { return d[i / 8] >> (7 - i % 8) & 1; }

static int prefix_matches(const uint8_t *a, const uint8_t *b, uint32_t plen)
{
    for (uint32_t i = 0; i < plen; i++)
        if (bit(a, i) != bit(b, i))
            return 0;
    return 1;
}

static long find(uint32_t plen, const uint8_t *data)
{
    for (size_t i = 0; i < n_model; i++)
        if (model[i].plen == plen && prefix_matches(model[i].data, data, plen))
            return (long)i;
    return -1;
}

/* The longest stored prefix no longer than kp matching data, or -1. */
static long best(uint32_t kp, const uint8_t *data)
{
    long b = -1;
    for (size_t i = 0; i < n_model; i++)
        if (model[i].plen <= kp && prefix_matches(model[i].data, data, model[i].plen) &&
            (b < 0 || model[i].plen > model[b].plen))
            b = (long)i;
    return b;
}

/* Data near the pool's: most keys share long prefixes with others. */
static uint8_t pool[4][MAX_DATA];
static void make_data(uint8_t *d, uint32_t ds)
{
    memcpy(d, pool[rnd() % 4], ds);
    unsigned flips = rnd() % 4;
    for (unsigned f = 0; f < flips; f++) {
        uint32_t b = rnd() % (ds * 8);
        d[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
    }
}

static void key_of(uint8_t *k, uint32_t plen, const uint8_t *data, uint32_t ds)
{
    memcpy(k, &plen, 4);
    memcpy(k + 4, data, ds);
}

static void run(struct pbpf_runtime *rt, uint32_t ds)
{
    struct pbpf_map *m;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_LPM_TRIE, .key_size = 4 + ds,
              .value_size = 8, .max_entries = MAX_ENTRIES, .map_flags = PBPF_F_NO_PREALLOC);
    if (pbpf_map_create(rt, &o, &m)) {
        CHECK(0, "create ds %u", ds);
        return;
    }
    n_model = 0;
    for (int i = 0; i < 4; i++)
        for (uint32_t b = 0; b < ds; b++)
            pool[i][b] = (uint8_t)rnd();
    uint32_t maxp = ds * 8;
    uint8_t k[4 + MAX_DATA], data[MAX_DATA];
    for (int op = 0; op < 3000; op++) {
        uint32_t plen = rnd() % (maxp + 1);
        make_data(data, ds);
        key_of(k, plen, data, ds);
        long at = find(plen, data);
        if (rnd() % 4 == 0) {
            int rc = pbpf_map_delete_elem(m, k);
            CHECK(rc == (at >= 0 ? 0 : -ENOENT), "ds %u delete /%u: %d (in model: %ld)", ds, plen,
                  rc, at);
            if (at >= 0)
                model[at] = model[--n_model];
        } else {
            uint64_t v = ((uint64_t)op << 8) | plen;
            int rc = pbpf_map_update_elem(m, k, &v, 0);
            if (at < 0 && n_model == MAX_ENTRIES) {
                CHECK(rc == -ENOSPC, "ds %u full: %d", ds, rc);
            } else {
                CHECK(rc == 0, "ds %u update /%u: %d", ds, plen, rc);
                if (at < 0)
                    at = (long)n_model++;
                model[at].plen = plen;
                memcpy(model[at].data, data, ds);
                model[at].value = v;
            }
        }
        for (int q = 0; q < 6; q++) {
            uint32_t kp = q == 0 ? maxp : rnd() % (maxp + 2); /* maxp + 1: too long */
            make_data(data, ds);
            key_of(k, kp, data, ds);
            uint64_t got = 0;
            int rc = pbpf_map_lookup_elem(m, k, &got);
            long b = kp > maxp ? -1 : best(kp, data);
            if (b < 0)
                CHECK(rc == -ENOENT, "ds %u lookup /%u: %d (%#" PRIx64 "), none expected", ds, kp,
                      rc, got);
            else
                CHECK(rc == 0 && got == model[b].value,
                      "ds %u lookup /%u: %d %#" PRIx64 ", want /%u %#" PRIx64, ds, kp, rc, got,
                      model[b].plen, model[b].value);
        }
    }
    /* every stored prefix once in a get_next_key walk */
    size_t walked = 0;
    uint8_t cur[4 + MAX_DATA], next[4 + MAX_DATA];
    const void *prev = NULL;
    while (walked <= n_model && pbpf_map_get_next_key(m, prev, next) == 0) {
        uint32_t plen;
        memcpy(&plen, next, 4);
        CHECK(find(plen, next + 4) >= 0, "ds %u walk: /%u not stored", ds, plen);
        walked++;
        memcpy(cur, next, sizeof cur);
        prev = cur;
    }
    CHECK(walked == n_model, "ds %u walk: %zu keys, %zu stored", ds, walked, n_model);
    pbpf_map_free(m);
}

int main(void)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    static const uint32_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        run(rt, sizes[i]);
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("lpm model: ok\n");
    return 0;
}
