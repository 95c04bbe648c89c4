/* libFuzzer target: random operation sequences on one map, checked against
 * a simple reference model of Linux semantics (results, errno, values).
 * Input: byte 0 picks the map type, then 4 bytes per operation. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/epoch.h"
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


/* PERF_EVENT_ARRAY: slots hold perf buffers from a pool of three (one
 * data page each); samples written through the program-side output are
 * checked record by record (PERF_RECORD_SAMPLE data and padding,
 * PERF_RECORD_LOST counts) when a buffer is consumed. */
#define PF_SLOTS 4
#define PF_POOL 3
#define PF_DATA 4096u
#define PF_MAXREC 600

struct pf_rec {
    uint8_t lost; /* a PERF_RECORD_LOST */
    uint8_t seed;
    uint32_t size; /* sample: the program's size */
    uint64_t count; /* lost: samples dropped */
};

struct pf_model {
    struct pf_rec rec[PF_MAXREC];
    int head, len; /* records not yet consumed */
    uint64_t used; /* bytes written and not consumed */
    uint64_t lost; /* drops not yet reported */
};

static uint32_t pf_raw(uint32_t size) { return ((size + 4 + 7) & ~7u) - 4; }

struct pf_check {
    struct pf_model *pm;
    int seen;
};

static struct pf_rec *pf_next(struct pf_check *c)
{
    EXPECT(c->pm->len > 0);
    struct pf_rec *r = &c->pm->rec[c->pm->head];
    c->pm->head = (c->pm->head + 1) % PF_MAXREC;
    c->pm->len--;
    c->seen++;
    return r;
}

static int pf_sample(void *ctx, void *data, uint32_t size)
{
    struct pf_rec *r = pf_next(ctx);
    EXPECT(!r->lost);
    EXPECT(size == pf_raw(r->size));
    const uint8_t *p = data;
    for (uint32_t i = 0; i < size; i++)
        EXPECT(p[i] == (i < r->size ? (uint8_t)(r->seed + i) : 0));
    return 0;
}

static void pf_lost(void *ctx, uint64_t lost)
{
    struct pf_rec *r = pf_next(ctx);
    EXPECT(r->lost && r->count == lost);
}

static void pf_push(struct pf_model *pm, struct pf_rec r)
{
    EXPECT(pm->len < PF_MAXREC);
    pm->rec[(pm->head + pm->len) % PF_MAXREC] = r;
    pm->len++;
}

static void fuzz_perf(const uint8_t *d, size_t n)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_PERF_EVENT_ARRAY, .key_size = 4,
              .value_size = 4, .max_entries = PF_SLOTS);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    struct pbpf_perf_buf *pool[PF_POOL];
    static struct pf_model model[PF_POOL];
    memset(model, 0, sizeof model);
    for (int j = 0; j < PF_POOL; j++)
        EXPECT(pbpf_perf_buf_new(1, &pool[j]) == 0);
    int at[PF_SLOTS]; /* pool index in each slot, -1 empty */
    for (int k = 0; k < PF_SLOTS; k++)
        at[k] = -1;
    static uint8_t buf[0x10001];
    for (size_t i = 1; i + 4 <= n; i += 4) {
        uint32_t op = d[i] % 7, k = d[i + 1] % (PF_SLOTS + 2);
        uint8_t b = d[i + 2], c = d[i + 3];
        int rc;
        switch (op) {
        case 0: { /* update */
            uint64_t f = flag_set[c % 6];
            struct pbpf_perf_buf *v = b % 4 < PF_POOL ? pool[b % 4] : NULL;
            rc = pbpf_map_update_elem(m, &k, &v, f);
            /* bpf_fd_array_map_update_elem(): flags, then the index,
             * then the fd */
            EXPECT(rc == (f != PBPF_ANY       ? -EINVAL
                          : k >= PF_SLOTS      ? -E2BIG
                          : !v                 ? -EBADF
                                               : 0));
            if (rc == 0)
                at[k] = b % 4;
            break;
        }
        case 1: /* delete */
            rc = pbpf_map_delete_elem(m, &k);
            EXPECT(rc == (k >= PF_SLOTS ? -E2BIG : at[k] < 0 ? -ENOENT : 0));
            if (rc == 0)
                at[k] = -1;
            break;
        case 2: { /* user lookup: Linux has none for this type */
            uint32_t out;
            EXPECT(pbpf_map_lookup_elem(m, &k, &out) == -PBPF_ENOTSUPP);
            break;
        }
        case 3: { /* bpf_perf_event_output */
            uint64_t flags = c & 0x80   ? PBPF_F_CURRENT_CPU
                             : c & 0x40 ? (uint64_t)k | (1ull << 32)
                                        : k;
            unsigned slot = c & 1;
            uint32_t size = (c & 0x30) == 0x30 ? 0x10000u - (c & 0x0f) : (uint32_t)b * (c & 7);
            uint8_t seed = (uint8_t)(b ^ c);
            for (uint32_t j = 0; j < size && j < sizeof buf; j++)
                buf[j] = (uint8_t)(seed + j);
            uint64_t idx = flags == PBPF_F_CURRENT_CPU ? slot : (flags & 0xffffffffu);
            pbpf_epoch_enter();
            rc = pbpf_perf_event_output(m, flags, slot, buf, size);
            pbpf_epoch_exit();
            int want;
            uint32_t rec = 12 + pf_raw(size);
            struct pf_model *pm = idx < PF_SLOTS && at[idx] >= 0 ? &model[at[idx]] : NULL;
            if (flags >> 32)
                want = -EINVAL;
            else if (idx >= PF_SLOTS)
                want = -E2BIG;
            else if (!pm)
                want = -ENOENT;
            else if (size > 0xffff || rec > 0xffff)
                want = -E2BIG;
            else if (pm->used + rec + (pm->lost ? 24 : 0) > PF_DATA)
                want = -ENOSPC;
            else
                want = 0;
            EXPECT(rc == want);
            if (rc == -ENOSPC)
                pm->lost++;
            if (rc == 0) {
                if (pm->lost) {
                    pf_push(pm, (struct pf_rec){.lost = 1, .count = pm->lost});
                    pm->used += 24;
                    pm->lost = 0;
                }
                pf_push(pm, (struct pf_rec){.seed = seed, .size = size});
                pm->used += rec;
            }
            break;
        }
        case 4: { /* consume one buffer */
            struct pf_model *pm = &model[b % PF_POOL];
            struct pf_check chk = {pm, 0};
            int want = pm->len;
            rc = pbpf_perf_buf_consume(pool[b % PF_POOL], pf_sample, pf_lost, &chk);
            EXPECT(rc == want && chk.seen == want && pm->len == 0);
            pm->used = 0;
            break;
        }
        case 5: { /* get_next_key: array order */
            uint32_t nk = 0;
            rc = pbpf_map_get_next_key(m, (b & 1) ? NULL : &k, &nk);
            uint32_t want = (b & 1) || k >= PF_SLOTS ? 0 : k + 1;
            EXPECT(rc == (want >= PF_SLOTS ? -ENOENT : 0));
            EXPECT(rc != 0 || nk == want);
            break;
        }
        case 6: { /* poll without waiting, and what each slot holds */
            int ready = 0;
            for (int j = 0; j < PF_POOL; j++)
                ready += model[j].used != 0;
            EXPECT(pbpf_perf_buf_poll(pool, PF_POOL, 0) == ready);
            struct pbpf_perf_buf *got;
            rc = pbpf_perf_event_array_get(m, k, &got);
            EXPECT(rc == (k >= PF_SLOTS ? -E2BIG : at[k] < 0 ? -ENOENT : 0));
            EXPECT(rc != 0 || got == pool[at[k]]);
            break;
        }
        }
        for (int j = 0; j < PF_POOL; j++)
            EXPECT(pbpf_perf_buf_avail(pool[j]) == model[j].used);
    }
    pbpf_map_free(m);
    for (int j = 0; j < PF_POOL; j++)
        pbpf_perf_buf_free(pool[j]);
}

/* DEVMAP, CPUMAP, XSKMAP (arrays) and DEVMAP_HASH: the user-side
 * operations and the target bpf_redirect_map would see, against a table
 * of what each key holds (Linux devmap.c, cpumap.c, xskmap.c). */
#define RD_MAXE 4
#define RD_NK 8

static void fuzz_redirect(uint32_t type, const uint8_t *d, size_t n)
{
    uint32_t vs = type == PBPF_MAP_TYPE_XSKMAP ? 4 : (d[0] & 0x80) ? 8 : 4;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4, .value_size = vs,
              .max_entries = RD_MAXE);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    int is_hash = type == PBPF_MAP_TYPE_DEVMAP_HASH;
    uint32_t val[RD_NK] = {0};
    int present[RD_NK] = {0}, count = 0;
    unsigned slots = 2; /* the runtime's */
    for (size_t i = 1; i + 4 <= n; i += 4) {
        uint32_t op = d[i] % 5, k = d[i + 1] % RD_NK;
        uint8_t b = d[i + 2], c = d[i + 3];
        int rc;
        switch (op) {
        case 0:
        case 1: { /* update */
            uint64_t f = flag_set[c % 6];
            uint32_t v[2] = {(b & 3) == 0 ? 0 : (b & 0x80) ? 16384u + (b & 3) : b, 0};
            v[1] = (c & 0x30) == 0x10 ? 3 : (c & 0x30) == 0x20 ? (uint32_t)-1 : 0;
            int32_t fd = vs == 8 ? (int32_t)v[1] : 0;
            rc = pbpf_map_update_elem(m, &k, v, f);
            int want;
            if (f & PBPF_F_LOCK)
                want = -EINVAL; /* no bpf_spin_lock in the value */
            else if (f > PBPF_EXIST)
                want = -EINVAL;
            else if (is_hash) {
                /* __dev_map_hash_update_elem(); a prog fd is refused
                 * before the key is looked at (no program fds here) */
                if (v[0] == 0 || fd > 0)
                    want = -EINVAL;
                else if (present[k] && f == PBPF_NOEXIST)
                    want = -EEXIST;
                else if (!present[k] && count >= RD_MAXE)
                    want = -E2BIG;
                else
                    want = 0;
            } else if (k >= RD_MAXE)
                want = -E2BIG;
            else if (type == PBPF_MAP_TYPE_XSKMAP)
                want = present[k] && f == PBPF_NOEXIST   ? -EEXIST
                       : !present[k] && f == PBPF_EXIST ? -ENOENT
                                                        : 0;
            else if (f == PBPF_NOEXIST)
                want = -EEXIST;
            else if (type == PBPF_MAP_TYPE_CPUMAP && v[0] > 16384)
                want = -EOVERFLOW;
            else if (type == PBPF_MAP_TYPE_CPUMAP && k >= slots)
                want = -ENODEV;
            else if (fd > 0)
                want = -EINVAL;
            else
                want = 0;
            EXPECT(rc == want);
            if (rc == 0) {
                int now = type == PBPF_MAP_TYPE_XSKMAP || v[0] != 0;
                count += now - present[k];
                present[k] = now;
                val[k] = v[0];
            }
            break;
        }
        case 2: { /* user lookup */
            uint32_t out[2] = {0xdeadbeef, 0xdeadbeef};
            rc = pbpf_map_lookup_elem(m, &k, out);
            if (type == PBPF_MAP_TYPE_XSKMAP) {
                EXPECT(rc == -EOPNOTSUPP);
            } else {
                EXPECT(rc == (present[k] ? 0 : -ENOENT));
                EXPECT(rc != 0 || (out[0] == val[k] && (vs == 4 || out[1] == 0)));
            }
            break;
        }
        case 3: { /* delete */
            rc = pbpf_map_delete_elem(m, &k);
            if (is_hash)
                EXPECT(rc == (present[k] ? 0 : -ENOENT));
            else
                EXPECT(rc == (k >= RD_MAXE ? -EINVAL : 0));
            if (rc == 0) {
                count -= present[k];
                present[k] = 0;
            }
            break;
        }
        case 4: { /* what bpf_redirect_map finds, and get_next_key */
            struct pbpf_redirect_target t;
            pbpf_epoch_enter();
            rc = pbpf_map_redirect_lookup(m, k, &t);
            pbpf_epoch_exit();
            EXPECT(rc == (present[k] ? 0 : -ENOENT));
            if (rc == 0) {
                uint32_t got = type == PBPF_MAP_TYPE_CPUMAP   ? t.qsize
                               : type == PBPF_MAP_TYPE_XSKMAP ? t.xsk
                                                              : t.ifindex;
                EXPECT(got == val[k] && t.key == k && t.map_type == type);
            }
            uint32_t nk = 0;
            rc = pbpf_map_get_next_key(m, (b & 1) ? NULL : &k, &nk);
            if (is_hash) {
                EXPECT(rc == 0 || rc == -ENOENT);
                EXPECT(rc != 0 || (nk < RD_NK && present[nk]));
                if (count == 0)
                    EXPECT(rc == -ENOENT);
            } else {
                uint32_t want = (b & 1) || k >= RD_MAXE ? 0 : k + 1;
                EXPECT(rc == (want >= RD_MAXE ? -ENOENT : 0));
                EXPECT(rc != 0 || nk == want);
            }
            break;
        }
        }
    }
    if (is_hash) {
        int walked = 0;
        uint32_t cur, nk;
        for (int rc = pbpf_map_get_next_key(m, NULL, &cur); rc == 0 && walked <= RD_NK; walked++) {
            EXPECT(cur < RD_NK && present[cur]);
            rc = pbpf_map_get_next_key(m, &cur, &nk);
            cur = nk;
        }
        EXPECT(walked == count);
    }
    pbpf_map_free(m);
}


/* RINGBUF: reserve / submit / discard / output from the program side and
 * the consumer, against a list of records with their positions (Linux
 * kernel/bpf/ringbuf.c: a reservation fails when the new producer
 * position would be more than size - 1 past the consumer). */
#define RB_SIZE 4096u
#define RB_MAXREC 1024

struct rb_rec {
    uint64_t pos;
    uint32_t size;
    uint8_t seed;
    uint8_t state; /* 0 busy, 1 submitted, 2 discarded */
    uint8_t *p;
};

struct rb_model {
    struct rb_rec rec[RB_MAXREC];
    int head, len; /* records past the consumer position */
    uint64_t prod, cons;
};

static struct rb_rec *rb_at(struct rb_model *rm, int i) { return &rm->rec[(rm->head + i) % RB_MAXREC]; }

static int rb_sample(void *ctx, void *data, size_t size)
{
    struct rb_model *rm = ctx;
    /* skip what the consumer passes over: discarded records */
    while (rm->len && rb_at(rm, 0)->state == 2) {
        rm->head = (rm->head + 1) % RB_MAXREC;
        rm->len--;
    }
    EXPECT(rm->len > 0);
    struct rb_rec *r = rb_at(rm, 0);
    EXPECT(r->state == 1 && size == r->size && data == r->p);
    for (size_t i = 0; i < size; i++)
        EXPECT(((uint8_t *)data)[i] == (uint8_t)(r->seed + i));
    rm->head = (rm->head + 1) % RB_MAXREC;
    rm->len--;
    return 0;
}

static uint32_t rb_len(uint32_t size) { return (size + PBPF_RINGBUF_HDR_SZ + 7) & ~7u; }

static void rb_reserve_one(struct pbpf_map *m, struct rb_model *rm, uint32_t size, uint8_t seed,
                           int output)
{
    uint64_t len = rb_len(size);
    int fits = len <= RB_SIZE && rm->prod + len - rm->cons <= RB_SIZE - 1 && rm->len < RB_MAXREC;
    uint8_t *p = NULL;
    static uint8_t src[2 * RB_SIZE];
    if (output) {
        for (uint32_t j = 0; j < size && j < sizeof src; j++)
            src[j] = (uint8_t)(seed + j);
        int rc = pbpf_ringbuf_output(m, src, size, 0);
        EXPECT(rc == (fits ? 0 : -EAGAIN));
        if (rc)
            return;
    } else {
        p = pbpf_ringbuf_reserve(m, size, 0);
        EXPECT(!p == !fits);
        if (!p)
            return;
        EXPECT(pbpf_ringbuf_is_reserved(m, p));
        for (uint32_t j = 0; j < size; j++)
            p[j] = (uint8_t)(seed + j);
    }
    struct rb_rec *r = rb_at(rm, rm->len++);
    *r = (struct rb_rec){rm->prod, size, seed, output ? 1 : 0, p};
    if (output) {
        struct pbpf_ringbuf_area a;
        EXPECT(pbpf_ringbuf_area(m, &a) == 0);
        r->p = (uint8_t *)a.data + (rm->prod & (RB_SIZE - 1)) + PBPF_RINGBUF_HDR_SZ;
    }
    rm->prod += len;
}

static void fuzz_ringbuf(const uint8_t *d, size_t n)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_RINGBUF, .max_entries = RB_SIZE);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    static struct rb_model rm;
    memset(&rm, 0, sizeof rm);
    for (size_t i = 1; i + 3 <= n; i += 3) {
        uint8_t b = d[i + 1], c = d[i + 2];
        uint32_t size = (c & 0xc0) == 0xc0 ? RB_SIZE - (b & 15) * 4 : (uint32_t)b * (c & 7);
        switch (d[i] % 6) {
        case 0: /* bpf_ringbuf_reserve */
            rb_reserve_one(m, &rm, size, (uint8_t)(b ^ c), 0);
            break;
        case 1: /* bpf_ringbuf_output */
            rb_reserve_one(m, &rm, size, (uint8_t)(b ^ c), 1);
            break;
        case 2:
        case 3: { /* submit or discard the k-th reservation still busy */
            int k = b % 4, j;
            for (j = 0; j < rm.len; j++)
                if (rb_at(&rm, j)->state == 0 && k-- == 0)
                    break;
            if (j == rm.len)
                break;
            struct rb_rec *r = rb_at(&rm, j);
            int discard = d[i] % 6 == 3;
            pbpf_ringbuf_commit(r->p, discard);
            EXPECT(!pbpf_ringbuf_is_reserved(m, r->p));
            r->state = discard ? 2 : 1;
            break;
        }
        case 4: { /* the consumer: every record up to the first busy one */
            int want = 0, j;
            uint64_t cons = rm.cons;
            for (j = 0; j < rm.len && rb_at(&rm, j)->state; j++) {
                want += rb_at(&rm, j)->state == 1;
                cons = rb_at(&rm, j)->pos + rb_len(rb_at(&rm, j)->size);
            }
            int rc = pbpf_ringbuf_consume(m, rb_sample, &rm);
            EXPECT(rc == want);
            while (rm.len && rb_at(&rm, 0)->state == 2) { /* trailing discards */
                rm.head = (rm.head + 1) % RB_MAXREC;
                rm.len--;
            }
            rm.cons = cons;
            EXPECT(rm.len == 0 || rb_at(&rm, 0)->state == 0);
            break;
        }
        case 5: /* bpf_ringbuf_query, and bad output flags */
            EXPECT(pbpf_ringbuf_query(m, PBPF_RB_AVAIL_DATA) == rm.prod - rm.cons);
            EXPECT(pbpf_ringbuf_query(m, PBPF_RB_RING_SIZE) == RB_SIZE);
            EXPECT(pbpf_ringbuf_query(m, PBPF_RB_CONS_POS) == rm.cons);
            EXPECT(pbpf_ringbuf_query(m, PBPF_RB_PROD_POS) == rm.prod);
            EXPECT(pbpf_ringbuf_output(m, &c, 1, 4u << (b & 7)) == -EINVAL);
            break;
        }
    }
    /* a program never ends with a reservation held */
    for (int j = 0; j < rm.len; j++)
        if (rb_at(&rm, j)->state == 0)
            pbpf_ringbuf_commit(rb_at(&rm, j)->p, 1);
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
    switch (data[0] % 12) {
    case 0: fuzz_keyed(PBPF_MAP_TYPE_HASH, data, size); break;
    case 1: fuzz_keyed(PBPF_MAP_TYPE_ARRAY, data, size); break;
    case 2: fuzz_keyed(PBPF_MAP_TYPE_LRU_HASH, data, size); break;
    case 3: fuzz_qs(PBPF_MAP_TYPE_QUEUE, data, size); break;
    case 4: fuzz_qs(PBPF_MAP_TYPE_STACK, data, size); break;
    case 5: fuzz_lpm(data, size); break;
    case 6: fuzz_perf(data, size); break;
    case 7: fuzz_redirect(PBPF_MAP_TYPE_DEVMAP, data, size); break;
    case 8: fuzz_redirect(PBPF_MAP_TYPE_DEVMAP_HASH, data, size); break;
    case 9: fuzz_redirect(PBPF_MAP_TYPE_CPUMAP, data, size); break;
    case 10: fuzz_redirect(PBPF_MAP_TYPE_XSKMAP, data, size); break;
    default: fuzz_ringbuf(data, size); break;
    }
    pbpf_maps_reclaim();
    return 0;
}
