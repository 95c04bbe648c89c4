/* libFuzzer target: random operation sequences on one map, checked against
 * a simple reference model of Linux semantics (results, errno, values).
 * Input: byte 0 picks the map type, then 4 bytes per operation. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/map.h"
#include "pbpf/maps.h"

#define NK 16 /* key space */
#define MAXE 8

static struct pbpf_runtime *rt;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_maps: model mismatch at %s:%d: %s\n", __FILE__, __LINE__,       \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const uint64_t flag_set[] = {PBPF_ANY, PBPF_NOEXIST, PBPF_EXIST, 3, PBPF_F_LOCK, PBPF_ANY};

static int update_rc(uint64_t f, int present, int full)
{
    if (f & PBPF_F_LOCK)
        return -EINVAL;
    if (f > PBPF_EXIST)
        return -EINVAL;
    if (f == PBPF_NOEXIST && present)
        return -EEXIST;
    if (f == PBPF_EXIST && !present)
        return -ENOENT;
    if (!present && full)
        return -E2BIG;
    return 0;
}

/* HASH / ARRAY / LRU with u32 keys and u64 values */
static void fuzz_keyed(uint32_t type, const uint8_t *d, size_t n)
{
    uint32_t flags = (type == PBPF_MAP_TYPE_HASH && (d[0] & 0x80)) ? PBPF_F_NO_PREALLOC : 0;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4, .value_size = 8,
              .max_entries = MAXE, .map_flags = flags);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    int present[NK] = {0}, count = 0;
    uint64_t val[NK] = {0};
    int is_array = type == PBPF_MAP_TYPE_ARRAY, lru = type == PBPF_MAP_TYPE_LRU_HASH;
    if (is_array) {
        for (int k = 0; k < MAXE; k++)
            present[k] = 1;
        count = MAXE;
    }
    for (size_t i = 1; i + 4 <= n; i += 4) {
        uint32_t op = d[i] % 6, k = d[i + 1] % NK;
        uint64_t f = flag_set[d[i + 2] % 6], v = d[i + 3] * 0x0101010101010101ull, out = 0;
        int rc;
        switch (op) {
        case 0:
        case 1:
            rc = pbpf_map_update_elem(m, &k, &v, f);
            if (is_array) {
                int want = (f & PBPF_F_LOCK) || f > PBPF_EXIST ? -EINVAL
                           : k >= MAXE                        ? -E2BIG
                           : f == PBPF_NOEXIST                 ? -EEXIST
                                                               : 0;
                EXPECT(rc == want);
            } else if (lru) {
                int want = update_rc(f, present[k], 0);
                EXPECT(rc == want);
            } else {
                EXPECT(rc == update_rc(f, present[k], count >= MAXE));
            }
            if (rc == 0) {
                if (!present[k])
                    count++;
                present[k] = 1;
                val[k] = v;
                EXPECT(pbpf_map_lookup_elem(m, &k, &out) == 0 && out == v);
            }
            break;
        case 2:
            rc = pbpf_map_lookup_elem(m, &k, &out);
            if (lru) {
                EXPECT(rc == 0 || rc == -ENOENT);
                EXPECT(rc != 0 || (present[k] && out == val[k]));
            } else {
                EXPECT(rc == (present[k] ? 0 : -ENOENT));
                EXPECT(rc != 0 || out == val[k]);
            }
            break;
        case 3:
            rc = pbpf_map_delete_elem(m, &k);
            if (is_array) {
                EXPECT(rc == -EINVAL);
            } else {
                if (!lru)
                    EXPECT(rc == (present[k] ? 0 : -ENOENT));
                if (rc == 0 || present[k]) {
                    if (present[k])
                        count--;
                    present[k] = 0;
                }
            }
            break;
        case 4:
            rc = pbpf_map_lookup_and_delete_elem(m, &k, &out);
            if (is_array) {
                EXPECT(rc == -PBPF_ENOTSUPP);
            } else {
                if (!lru) {
                    EXPECT(rc == (present[k] ? 0 : -ENOENT));
                    EXPECT(rc != 0 || out == val[k]);
                }
                if (present[k])
                    count--;
                present[k] = 0;
            }
            break;
        case 5: {
            uint32_t nk = 0;
            rc = pbpf_map_get_next_key(m, (d[i + 2] & 1) ? NULL : &k, &nk);
            if (is_array) {
                uint32_t want = (d[i + 2] & 1) || k >= MAXE ? 0 : k + 1;
                EXPECT(rc == (want >= MAXE ? -ENOENT : 0));
                EXPECT(rc != 0 || nk == want);
            } else {
                EXPECT(rc == 0 || rc == -ENOENT);
                if (rc == 0)
                    EXPECT(nk < NK && (lru || present[nk]));
                if (!lru && count == 0)
                    EXPECT(rc == -ENOENT);
            }
            break;
        }
        }
        if (lru) {
            /* evictions: the model follows the map */
            count = 0;
            for (uint32_t kk = 0; kk < NK; kk++) {
                present[kk] = pbpf_map_lookup_elem(m, &kk, &out) == 0;
                count += present[kk];
            }
            EXPECT(count <= MAXE);
        }
    }
    /* a full walk sees every present key once */
    int walked = 0;
    uint32_t cur, nk;
    for (int rc = pbpf_map_get_next_key(m, NULL, &cur); rc == 0 && walked <= NK; walked++) {
        EXPECT(cur < NK && present[cur]);
        rc = pbpf_map_get_next_key(m, &cur, &nk);
        cur = nk;
    }
    EXPECT(walked == count);
    pbpf_map_free(m);
}

/* QUEUE / STACK against a deque */
static void fuzz_qs(uint32_t type, const uint8_t *d, size_t n)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .value_size = 2, .max_entries = 5);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    uint16_t dq[5];
    int len = 0;
    for (size_t i = 1; i + 3 <= n; i += 3) {
        uint16_t v = (uint16_t)(d[i + 1] | d[i + 2] << 8), out = 0;
        uint64_t f = flag_set[d[i + 2] % 6];
        int rc;
        switch (d[i] % 3) {
        case 0:
            rc = pbpf_map_update_elem(m, NULL, &v, f);
            if ((f & PBPF_F_LOCK))
                EXPECT(rc == -EINVAL);
            else if (f == PBPF_NOEXIST || f > PBPF_EXIST)
                EXPECT(rc == -EINVAL);
            else if (len == 5 && f != PBPF_EXIST)
                EXPECT(rc == -E2BIG);
            else {
                EXPECT(rc == 0);
                if (len == 5) { /* drop the oldest */
                    memmove(dq, dq + 1, 4 * sizeof dq[0]);
                    len--;
                }
                dq[len++] = v;
            }
            break;
        case 1:
        case 2: {
            int del = d[i] % 3 == 2;
            rc = del ? pbpf_map_lookup_and_delete_elem(m, NULL, &out)
                     : pbpf_map_lookup_elem(m, NULL, &out);
            EXPECT(rc == (len ? 0 : -ENOENT));
            if (rc == 0) {
                int at = type == PBPF_MAP_TYPE_QUEUE ? 0 : len - 1;
                EXPECT(out == dq[at]);
                if (del) {
                    memmove(dq + at, dq + at + 1, (size_t)(len - at - 1) * sizeof dq[0]);
                    len--;
                }
            }
            break;
        }
        }
    }
    pbpf_map_free(m);
}

/* LPM_TRIE with 2-byte data against a list of prefixes */
struct pfx {
    uint32_t plen;
    uint8_t data[2];
    uint32_t val;
};

static int pfx_match(const struct pfx *p, uint32_t plen, const uint8_t *data)
{
    if (p->plen > plen)
        return 0;
    for (uint32_t b = 0; b < p->plen; b++)
        if (((p->data[b / 8] ^ data[b / 8]) >> (7 - b % 8)) & 1)
            return 0;
    return 1;
}

static void fuzz_lpm(const uint8_t *d, size_t n)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_LPM_TRIE, .key_size = 6,
              .value_size = 4, .max_entries = 6, .map_flags = PBPF_F_NO_PREALLOC);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    struct pfx set[6];
    int cnt = 0;
    for (size_t i = 1; i + 5 <= n; i += 5) {
        uint8_t key[6];
        uint32_t plen = d[i + 1] % 18, val = d[i + 4], out = 0;
        uint8_t data[2] = {d[i + 2], d[i + 3]};
        /* canonical prefix: bits past plen cleared, so equal prefixes
         * compare equal in the model as in the trie */
        for (uint32_t b = plen; b < 16; b++)
            data[b / 8] &= (uint8_t) ~(1u << (7 - b % 8));
        memcpy(key, &plen, 4);
        memcpy(key + 4, data, 2);
        int found = -1;
        for (int j = 0; j < cnt; j++)
            if (set[j].plen == plen && !memcmp(set[j].data, data, 2))
                found = j;
        uint64_t f = flag_set[d[i + 4] % 4];
        int rc;
        switch (d[i] % 3) {
        case 0:
            rc = pbpf_map_update_elem(m, key, &val, f);
            if (f > PBPF_EXIST || plen > 16)
                EXPECT(rc == -EINVAL);
            else if (found >= 0)
                EXPECT(rc == (f == PBPF_NOEXIST ? -EEXIST : 0));
            else if (f == PBPF_EXIST)
                EXPECT(rc == -ENOENT);
            else if (cnt == 6)
                EXPECT(rc == -ENOSPC);
            else
                EXPECT(rc == 0);
            if (rc == 0) {
                if (found < 0) {
                    found = cnt++;
                    set[found].plen = plen;
                    memcpy(set[found].data, data, 2);
                }
                set[found].val = val;
            }
            break;
        case 1:
            rc = pbpf_map_delete_elem(m, key);
            EXPECT(rc == (plen > 16 ? -EINVAL : found >= 0 ? 0 : -ENOENT));
            if (rc == 0)
                set[found] = set[--cnt];
            break;
        case 2: {
            /* longest prefix match of an arbitrary address */
            uint8_t addr[6];
            uint32_t ql = 16;
            memcpy(addr, &ql, 4);
            addr[4] = d[i + 2], addr[5] = d[i + 3] ^ d[i + 4];
            int best = -1;
            for (int j = 0; j < cnt; j++)
                if (pfx_match(&set[j], ql, addr + 4) && (best < 0 || set[j].plen > set[best].plen))
                    best = j;
            rc = pbpf_map_lookup_elem(m, addr, &out);
            EXPECT(rc == (best >= 0 ? 0 : -ENOENT));
            EXPECT(rc != 0 || out == set[best].val);
            break;
        }
        }
    }
    /* the walk visits every prefix once */
    int walked = 0;
    uint8_t cur[6], nk[6];
    for (int rc = pbpf_map_get_next_key(m, NULL, cur); rc == 0 && walked <= 6; walked++) {
        rc = pbpf_map_get_next_key(m, cur, nk);
        memcpy(cur, nk, 6);
    }
    EXPECT(walked == cnt);
    pbpf_map_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rt) {
        PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
        if (pbpf_runtime_new(&ro, &rt))
            abort();
    }
    if (size < 1)
        return 0;
    switch (data[0] % 7) {
    case 0: fuzz_keyed(PBPF_MAP_TYPE_HASH, data, size); break;
    case 1: fuzz_keyed(PBPF_MAP_TYPE_ARRAY, data, size); break;
    case 2: fuzz_keyed(PBPF_MAP_TYPE_LRU_HASH, data, size); break;
    case 3: fuzz_qs(PBPF_MAP_TYPE_QUEUE, data, size); break;
    case 4: fuzz_qs(PBPF_MAP_TYPE_STACK, data, size); break;
    case 5: fuzz_lpm(data, size); break;
    default: fuzz_keyed(PBPF_MAP_TYPE_HASH, data, size); break;
    }
    pbpf_maps_reclaim();
    return 0;
}
