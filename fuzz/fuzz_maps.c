/* libFuzzer target: random operation sequences on one map, checked against
 * a simple reference model of Linux semantics (results, errno, values).
 * Input: byte 0 picks the map type (and a few options in its high bits),
 * then a few bytes per operation. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/insn.h"
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

/* A value of vs bytes, each the byte b */
static int all_bytes(const uint8_t *p, size_t vs, uint8_t b)
{
    for (size_t i = 0; i < vs; i++)
        if (p[i] != b)
            return 0;
    return 1;
}

/* HASH / ARRAY / LRU with u32 keys and 8- or 12-byte values (a hash map
 * replaces values of up to 8 bytes in place, larger ones by a new element:
 * both ways are exercised); a value is one byte repeated */
static void fuzz_keyed(uint32_t type, const uint8_t *d, size_t n)
{
    uint32_t flags = (type == PBPF_MAP_TYPE_HASH && (d[0] & 0x80)) ? PBPF_F_NO_PREALLOC : 0;
    uint32_t vs = (d[0] & 0x40) ? 12 : 8;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4, .value_size = vs,
              .max_entries = MAXE, .map_flags = flags);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    int present[NK] = {0}, count = 0;
    uint8_t val[NK] = {0};
    int is_array = type == PBPF_MAP_TYPE_ARRAY, lru = type == PBPF_MAP_TYPE_LRU_HASH;
    if (is_array) {
        for (int k = 0; k < MAXE; k++)
            present[k] = 1;
        count = MAXE;
    }
    for (size_t i = 1; i + 4 <= n; i += 4) {
        uint32_t op = d[i] % 6, k = d[i + 1] % NK;
        uint64_t f = flag_set[d[i + 2] % 6];
        uint8_t vb = d[i + 3], v[12], out[12];
        memset(v, vb, sizeof v);
        int rc;
        switch (op) {
        case 0:
        case 1:
            rc = pbpf_map_update_elem(m, &k, v, f);
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
                val[k] = vb;
                EXPECT(pbpf_map_lookup_elem(m, &k, out) == 0 && all_bytes(out, vs, vb));
            }
            break;
        case 2:
            rc = pbpf_map_lookup_elem(m, &k, out);
            if (lru) {
                EXPECT(rc == 0 || rc == -ENOENT);
                EXPECT(rc != 0 || (present[k] && all_bytes(out, vs, val[k])));
            } else {
                EXPECT(rc == (present[k] ? 0 : -ENOENT));
                EXPECT(rc != 0 || all_bytes(out, vs, val[k]));
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
            rc = pbpf_map_lookup_and_delete_elem(m, &k, out);
            if (is_array) {
                EXPECT(rc == -PBPF_ENOTSUPP);
            } else {
                if (!lru) {
                    EXPECT(rc == (present[k] ? 0 : -ENOENT));
                    EXPECT(rc != 0 || all_bytes(out, vs, val[k]));
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
        /* now and then, let replaced and deleted elements go back to the
         * pool at once, so that the next ones created reuse them */
        if ((d[i + 2] & 0xc0) == 0xc0)
            pbpf_maps_reclaim();
        if (lru) {
            /* evictions: the model follows the map */
            count = 0;
            for (uint32_t kk = 0; kk < NK; kk++) {
                present[kk] = pbpf_map_lookup_elem(m, &kk, out) == 0;
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
            /* ring_buffer_has_space(): one byte of the ring stays free */
            else if (pm->used + rec + (pm->lost ? 24 : 0) >= PF_DATA)
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
                /* __dev_map_hash_update_elem(): ifindex 0, then
                 * BPF_NOEXIST on an existing key, then the entry program
                 * (no program fds here: any is refused), then a full map */
                if (v[0] == 0)
                    want = -EINVAL;
                else if (present[k] && f == PBPF_NOEXIST)
                    want = -EEXIST;
                else if (fd > 0)
                    want = -EINVAL;
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

/* PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH: one value per execution
 * slot.  User updates and lookups carry every slot's value (each padded to
 * 8 bytes, the padding reading as zero); a program's update and lookup
 * touch its own slot, and an element a program creates starts at zero in
 * the other slots (Linux: pcpu_init_value).  A value is one byte repeated. */
#define PC_SLOTS 2 /* the runtime's */

static void fuzz_percpu(uint32_t type, const uint8_t *d, size_t n)
{
    uint32_t vs = (d[0] & 0x40) ? 12 : 4, stride = (vs + 7) & ~7u;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4, .value_size = vs,
              .max_entries = MAXE);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    EXPECT(pbpf_map_user_value_size(m) == (size_t)stride * PC_SLOTS);
    int is_array = type == PBPF_MAP_TYPE_PERCPU_ARRAY, lru = type == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
    int present[NK] = {0}, count = 0;
    uint8_t val[NK][PC_SLOTS];
    memset(val, 0, sizeof val);
    if (is_array) {
        for (int k = 0; k < MAXE; k++)
            present[k] = 1;
        count = MAXE;
    }
    uint8_t buf[16 * PC_SLOTS], one[16];
    for (size_t i = 1; i + 4 <= n; i += 4) {
        uint32_t op = d[i] % 7, k = d[i + 1] % NK, slot = d[i + 3] & 1;
        uint64_t f = flag_set[d[i + 2] % 6];
        uint8_t b = d[i + 3];
        int rc;
        switch (op) {
        case 0:   /* user update: every slot */
        case 1: { /* program update: its own slot */
            int prog = op == 1;
            if (prog) {
                memset(one, b, sizeof one);
                pbpf_epoch_enter();
                rc = pbpf_map_update_prog(m, &k, one, f, slot);
                pbpf_epoch_exit();
            } else {
                memset(buf, 0, sizeof buf);
                for (unsigned s = 0; s < PC_SLOTS; s++)
                    memset(buf + s * stride, (uint8_t)(b + s), vs);
                rc = pbpf_map_update_elem(m, &k, buf, f);
            }
            int want;
            if (is_array)
                want = (f & PBPF_F_LOCK) || f > PBPF_EXIST ? -EINVAL
                       : k >= MAXE                        ? -E2BIG
                       : f == PBPF_NOEXIST                 ? -EEXIST
                                                           : 0;
            else
                want = update_rc(f, present[k], !lru && count >= MAXE);
            EXPECT(rc == want);
            if (rc == 0) {
                if (!present[k]) {
                    count++;
                    memset(val[k], 0, sizeof val[k]);
                }
                present[k] = 1;
                for (unsigned s = 0; s < PC_SLOTS; s++)
                    if (!prog)
                        val[k][s] = (uint8_t)(b + s);
                if (prog)
                    val[k][slot] = b;
            }
            break;
        }
        case 2: /* user lookup */
            memset(buf, 0xa5, sizeof buf);
            rc = pbpf_map_lookup_elem(m, &k, buf);
            if (lru)
                EXPECT(rc == 0 || rc == -ENOENT);
            else
                EXPECT(rc == (present[k] && k < (is_array ? MAXE : NK) ? 0 : -ENOENT));
            if (rc == 0) {
                EXPECT(present[k]);
                for (unsigned s = 0; s < PC_SLOTS; s++) {
                    EXPECT(all_bytes(buf + s * stride, vs, val[k][s]));
                    EXPECT(all_bytes(buf + s * stride + vs, stride - vs, 0));
                }
            }
            break;
        case 3: { /* program lookup */
            pbpf_epoch_enter();
            const uint8_t *p = pbpf_map_lookup_prog(m, &k, slot);
            if (lru)
                EXPECT(!p || present[k]);
            else
                EXPECT(!p == !present[k]);
            if (p)
                EXPECT(all_bytes(p, vs, val[k][slot]));
            pbpf_epoch_exit();
            break;
        }
        case 4:
            rc = pbpf_map_delete_elem(m, &k);
            if (is_array) {
                EXPECT(rc == -EINVAL);
            } else {
                if (!lru)
                    EXPECT(rc == (present[k] ? 0 : -ENOENT));
                if (present[k])
                    count--;
                present[k] = 0;
            }
            break;
        case 5:
            memset(buf, 0xa5, sizeof buf);
            rc = pbpf_map_lookup_and_delete_elem(m, &k, buf);
            if (is_array) {
                EXPECT(rc == -PBPF_ENOTSUPP);
            } else {
                if (!lru)
                    EXPECT(rc == (present[k] ? 0 : -ENOENT));
                if (rc == 0)
                    for (unsigned s = 0; s < PC_SLOTS; s++)
                        EXPECT(all_bytes(buf + s * stride, vs, val[k][s]));
                if (present[k])
                    count--;
                present[k] = 0;
            }
            break;
        case 6: {
            uint32_t nk = 0;
            rc = pbpf_map_get_next_key(m, (b & 2) ? NULL : &k, &nk);
            if (is_array) {
                uint32_t want = (b & 2) || k >= MAXE ? 0 : k + 1;
                EXPECT(rc == (want >= MAXE ? -ENOENT : 0));
                EXPECT(rc != 0 || nk == want);
            } else {
                EXPECT(rc == 0 || rc == -ENOENT);
                EXPECT(rc != 0 || (nk < NK && (lru || present[nk])));
                if (!lru && count == 0)
                    EXPECT(rc == -ENOENT);
            }
            break;
        }
        }
        if ((d[i + 2] & 0xc0) == 0xc0)
            pbpf_maps_reclaim(); /* reuse of freed elements, as in fuzz_keyed */
        if (lru) {
            /* evictions: the model follows the map */
            count = 0;
            for (uint32_t kk = 0; kk < NK; kk++) {
                present[kk] = pbpf_map_lookup_elem(m, &kk, buf) == 0;
                count += present[kk];
            }
            EXPECT(count <= MAXE);
        }
    }
    pbpf_map_free(m);
}

/* PROG_ARRAY: slots hold programs from a pool of three, two of one kind
 * (program type, engine, mode) and one of another; the array takes the
 * kind of the first program offered (Linux: bpf_prog_map_compatible).  A
 * bpf(2) lookup finds no program id here (-EOPNOTSUPP for a full slot);
 * programs see the slot through the tail-call lookup. */
#define PA_MAXE 4
#define PA_POOL 3
static struct pbpf_prog *pa_progs[PA_POOL];
static const int pa_kind[PA_POOL] = {0, 0, 1};

static void pa_init(void)
{
    static const struct pbpf_insn ret0[] = {
        {.code = PBPF_CLS_ALU64 | PBPF_ALU_MOV, .regs = PBPF_INSN_REGS(0, 0)},
        {.code = PBPF_CLS_JMP | PBPF_JMP_EXIT},
    };
    for (int j = 0; j < PA_POOL; j++) {
        /* two returns-0 programs need no verifier: preverified */
        PBPF_OPTS(pbpf_prog_opts, po, .engine = PBPF_ENGINE_INTERP, .preverified = 1,
                  .mode = pa_kind[j] ? PBPF_MODE_CHECKED : PBPF_MODE_VERIFIED);
        if (pbpf_prog_load(rt, ret0, 2, &po, &pa_progs[j]))
            abort();
    }
}

static void fuzz_prog_array(const uint8_t *d, size_t n)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_PROG_ARRAY, .key_size = 4,
              .value_size = 4, .max_entries = PA_MAXE);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    int at[PA_MAXE], owner = -1;
    for (int k = 0; k < PA_MAXE; k++)
        at[k] = -1;
    for (size_t i = 1; i + 3 <= n; i += 3) {
        uint32_t k = d[i + 1] % (PA_MAXE + 2);
        uint8_t b = d[i + 2];
        int rc;
        switch (d[i] % 5) {
        case 0:
        case 1: { /* update */
            uint64_t f = flag_set[(b >> 2) % 6];
            int j = b & 3;
            struct pbpf_prog *v = j < PA_POOL ? pa_progs[j] : NULL;
            rc = pbpf_map_update_elem(m, &k, &v, f);
            /* bpf_fd_array_map_update_elem(): flags, index, the fd */
            int want;
            if (f != PBPF_ANY)
                want = -EINVAL;
            else if (k >= PA_MAXE)
                want = -E2BIG;
            else if (!v)
                want = -EBADF;
            else {
                if (owner < 0)
                    owner = pa_kind[j];
                want = owner == pa_kind[j] ? 0 : -EINVAL;
            }
            EXPECT(rc == want);
            if (rc == 0)
                at[k] = j;
            break;
        }
        case 2: /* delete */
            rc = pbpf_map_delete_elem(m, &k);
            EXPECT(rc == (k >= PA_MAXE ? -E2BIG : at[k] < 0 ? -ENOENT : 0));
            if (rc == 0)
                at[k] = -1;
            break;
        case 3: { /* lookups: bpf(2) and the tail call's */
            uint32_t out;
            rc = pbpf_map_lookup_elem(m, &k, &out);
            EXPECT(rc == (k >= PA_MAXE || at[k] < 0 ? -ENOENT : -EOPNOTSUPP));
            pbpf_epoch_enter();
            struct pbpf_prog *p = pbpf_map_prog_array_get(m, k);
            EXPECT(p == (k < PA_MAXE && at[k] >= 0 ? pa_progs[at[k]] : NULL));
            pbpf_epoch_exit();
            break;
        }
        case 4: { /* get_next_key: array order */
            uint32_t nk = 0;
            rc = pbpf_map_get_next_key(m, (b & 1) ? NULL : &k, &nk);
            uint32_t want = (b & 1) || k >= PA_MAXE ? 0 : k + 1;
            EXPECT(rc == (want >= PA_MAXE ? -ENOENT : 0));
            EXPECT(rc != 0 || nk == want);
            break;
        }
        }
    }
    pbpf_map_free(m);
}

/* ARRAY_OF_MAPS / HASH_OF_MAPS: entries hold inner maps from a pool of
 * three, two that fit the template and one that does not (a NULL value
 * stands for a bad fd).  bpf(2) lookups give the inner map's id, programs
 * the inner map.  Order of checks: the array's flags and index come
 * before the fd (bpf_fd_array_map_update_elem); the hash resolves the fd
 * first (bpf_fd_htab_map_update_elem), then the flags. */
#define MM_MAXE 4
#define MM_NK 8
#define MM_POOL 3

static void fuzz_map_in_map(uint32_t type, const uint8_t *d, size_t n)
{
    struct pbpf_map *pool[MM_POOL];
    for (int j = 0; j < MM_POOL; j++) {
        PBPF_OPTS(pbpf_map_create_opts, io, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
                  .value_size = 4, .max_entries = j == 2 ? 2 : 1);
        EXPECT(pbpf_map_create(rt, &io, &pool[j]) == 0);
    }
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4, .value_size = 4,
              .max_entries = MM_MAXE, .inner_map = pool[0]);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    int is_hash = type == PBPF_MAP_TYPE_HASH_OF_MAPS;
    int at[MM_NK], count = 0;
    for (int k = 0; k < MM_NK; k++)
        at[k] = -1;
    for (size_t i = 1; i + 3 <= n; i += 3) {
        uint32_t k = d[i + 1] % MM_NK;
        uint8_t b = d[i + 2];
        int rc;
        switch (d[i] % 6) {
        case 0:
        case 1: { /* update */
            uint64_t f = flag_set[(b >> 2) % 6];
            int j = b & 3;
            struct pbpf_map *v = j < MM_POOL ? pool[j] : NULL;
            rc = pbpf_map_update_elem(m, &k, &v, f);
            int want;
            if (f & PBPF_F_LOCK)
                want = -EINVAL; /* no bpf_spin_lock in the value */
            else if (!is_hash)
                want = f != PBPF_ANY ? -EINVAL : k >= MM_MAXE ? -E2BIG : !v ? -EBADF
                       : j == 2                                        ? -EINVAL
                                                                       : 0;
            else if (!v)
                want = -EBADF;
            else if (j == 2 || f > PBPF_EXIST)
                want = -EINVAL;
            else if (f == PBPF_NOEXIST && at[k] >= 0)
                want = -EEXIST;
            else if (f == PBPF_EXIST && at[k] < 0)
                want = -ENOENT;
            else if (at[k] < 0 && count >= MM_MAXE)
                want = -E2BIG;
            else
                want = 0;
            EXPECT(rc == want);
            if (rc == 0) {
                count += at[k] < 0;
                at[k] = j;
            }
            break;
        }
        case 2: /* delete */
            rc = pbpf_map_delete_elem(m, &k);
            if (is_hash)
                EXPECT(rc == (at[k] >= 0 ? 0 : -ENOENT));
            else
                EXPECT(rc == (k >= MM_MAXE ? -E2BIG : at[k] < 0 ? -ENOENT : 0));
            if (rc == 0) {
                count--;
                at[k] = -1;
            }
            break;
        case 3: { /* lookups: bpf(2) and a program's */
            uint32_t id = 0;
            rc = pbpf_map_lookup_elem(m, &k, &id);
            EXPECT(rc == (at[k] >= 0 ? 0 : -ENOENT));
            EXPECT(rc != 0 || id == pbpf_map_id(pool[at[k]]));
            pbpf_epoch_enter();
            void *p = pbpf_map_lookup_prog(m, &k, 0);
            EXPECT(p == (at[k] >= 0 ? (void *)pool[at[k]] : NULL));
            pbpf_epoch_exit();
            break;
        }
        case 4: { /* lookup_and_delete: neither type has it */
            uint32_t id;
            EXPECT(pbpf_map_lookup_and_delete_elem(m, &k, &id) == -PBPF_ENOTSUPP);
            break;
        }
        case 5: { /* get_next_key */
            uint32_t nk = 0;
            rc = pbpf_map_get_next_key(m, (b & 1) ? NULL : &k, &nk);
            if (is_hash) {
                EXPECT(rc == 0 || rc == -ENOENT);
                EXPECT(rc != 0 || (nk < MM_NK && at[nk] >= 0));
                if (count == 0)
                    EXPECT(rc == -ENOENT);
            } else {
                uint32_t want = (b & 1) || k >= MM_MAXE ? 0 : k + 1;
                EXPECT(rc == (want >= MM_MAXE ? -ENOENT : 0));
                EXPECT(rc != 0 || nk == want);
            }
            break;
        }
        }
    }
    if (is_hash) {
        int walked = 0;
        uint32_t cur, nk;
        for (int rc = pbpf_map_get_next_key(m, NULL, &cur); rc == 0 && walked <= MM_NK;
             walked++) {
            EXPECT(cur < MM_NK && at[cur] >= 0);
            rc = pbpf_map_get_next_key(m, &cur, &nk);
            cur = nk;
        }
        EXPECT(walked == count);
    }
    pbpf_map_free(m);
    for (int j = 0; j < MM_POOL; j++)
        pbpf_map_free(pool[j]);
}

/* BLOOM_FILTER: every value pushed is found afterwards (no false
 * negatives); a value never pushed may be found (false positives).  Only
 * BPF_ANY pushes; there is no delete, pop or key walk. */
#define BF_VALS 1024

static void fuzz_bloom(const uint8_t *d, size_t n)
{
    uint32_t vs = (d[0] & 0x40) ? 5 : 4;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_BLOOM_FILTER, .value_size = vs,
              .max_entries = 1 + (d[0] & 0x80 ? 100 : 8), .map_extra = (d[0] >> 1) & 0xF);
    struct pbpf_map *m = NULL;
    EXPECT(pbpf_map_create(rt, &o, &m) == 0);
    static uint8_t pushed[BF_VALS];
    memset(pushed, 0, sizeof pushed);
    for (size_t i = 1; i + 3 <= n; i += 3) {
        uint32_t x = (d[i + 1] | (uint32_t)d[i + 2] << 8) % BF_VALS;
        uint8_t v[8] = {0};
        memcpy(v, &x, 4);
        v[4] = (uint8_t)(x * 7);
        uint64_t f = flag_set[d[i + 2] % 6];
        int rc;
        switch (d[i] % 6) {
        case 0: /* bpf(2) update: a push */
            rc = pbpf_map_update_elem(m, NULL, v, f);
            EXPECT(rc == (f == PBPF_ANY ? 0 : -EINVAL));
            if (rc == 0)
                pushed[x] = 1;
            break;
        case 1: /* bpf_map_push_elem from a program */
            pbpf_epoch_enter();
            rc = pbpf_map_push_prog(m, v, f & 3);
            pbpf_epoch_exit();
            EXPECT(rc == ((f & 3) == PBPF_ANY ? 0 : -EINVAL));
            if (rc == 0)
                pushed[x] = 1;
            break;
        case 2: /* bpf(2) lookup: a peek */
            rc = pbpf_map_lookup_elem(m, NULL, v);
            EXPECT(rc == 0 || rc == -ENOENT);
            EXPECT(!pushed[x] || rc == 0);
            break;
        case 3: /* bpf_map_peek_elem from a program */
            pbpf_epoch_enter();
            rc = pbpf_map_peek_prog(m, v);
            pbpf_epoch_exit();
            EXPECT(rc == 0 || rc == -ENOENT);
            EXPECT(!pushed[x] || rc == 0);
            break;
        case 4: /* what a bloom filter cannot do */
            EXPECT(pbpf_map_delete_elem(m, NULL) == -EOPNOTSUPP);
            EXPECT(pbpf_map_lookup_and_delete_elem(m, NULL, v) == -PBPF_ENOTSUPP);
            break;
        case 5: {
            uint8_t nk[8];
            EXPECT(pbpf_map_get_next_key(m, NULL, nk) == -EOPNOTSUPP);
            break;
        }
        }
    }
    /* no false negatives, whatever happened in between */
    for (uint32_t x = 0; x < BF_VALS; x++) {
        if (!pushed[x])
            continue;
        uint8_t v[8] = {0};
        memcpy(v, &x, 4);
        v[4] = (uint8_t)(x * 7);
        EXPECT(pbpf_map_lookup_elem(m, NULL, v) == 0);
    }
    pbpf_map_free(m);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rt) {
        PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
        if (pbpf_runtime_new(&ro, &rt))
            abort();
        pa_init();
    }
    if (size < 1)
        return 0;
    switch (data[0] % 19) {
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
    case 11: fuzz_ringbuf(data, size); break;
    case 12: fuzz_percpu(PBPF_MAP_TYPE_PERCPU_ARRAY, data, size); break;
    case 13: fuzz_percpu(PBPF_MAP_TYPE_PERCPU_HASH, data, size); break;
    case 14: fuzz_percpu(PBPF_MAP_TYPE_LRU_PERCPU_HASH, data, size); break;
    case 15: fuzz_prog_array(data, size); break;
    case 16: fuzz_map_in_map(PBPF_MAP_TYPE_ARRAY_OF_MAPS, data, size); break;
    case 17: fuzz_map_in_map(PBPF_MAP_TYPE_HASH_OF_MAPS, data, size); break;
    default: fuzz_bloom(data, size); break;
    }
    pbpf_maps_reclaim();
    return 0;
}
