/* Kernel differential test: the same operation sequences on a pbpf map and
 * on a Linux map (raw bpf(2)), comparing return codes, errno and values.
 * Skips (77) where bpf() is unavailable. */
#include "maps_test.h"

#if !defined(__linux__)
int main(void)
{
    printf("maps_kdiff: SKIP: needs Linux bpf()\n");
    return 77;
}
#else
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

static int k_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
                    uint64_t extra)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = type;
    a.key_size = ks;
    a.value_size = vs;
    a.max_entries = max;
    a.map_flags = flags;
    a.map_extra = extra;
    long fd = sys_bpf(BPF_MAP_CREATE, &a);
    return fd < 0 ? -errno : (int)fd;
}

static int k_elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd;
    a.key = (uint64_t)(uintptr_t)key;
    a.value = (uint64_t)(uintptr_t)value;
    a.flags = flags;
    return sys_bpf(cmd, &a) < 0 ? -errno : 0;
}

static int k_next(int fd, const void *key, void *next)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd;
    a.key = (uint64_t)(uintptr_t)key;
    a.next_key = (uint64_t)(uintptr_t)next;
    return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0 ? -errno : 0;
}

static int k_freeze(int fd)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd;
    return sys_bpf(BPF_MAP_FREEZE, &a) < 0 ? -errno : 0;
}

static unsigned possible_cpus(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
    unsigned lo, hi, n = 0;
    if (!f)
        return 0;
    char buf[256];
    if (fgets(buf, sizeof buf, f)) {
        for (char *p = buf; *p;) {
            int used = 0;
            if (sscanf(p, "%u-%u%n", &lo, &hi, &used) == 2)
                n += hi - lo + 1;
            else if (sscanf(p, "%u%n", &lo, &used) == 1)
                n++;
            else
                break;
            p += used;
            if (*p == ',')
                p++;
            else
                break;
        }
    }
    fclose(f);
    return n;
}

static struct pbpf_runtime *rt;
static unsigned ncpus;
static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* --- creation: the same attributes give the same verdict ---------------- */

struct create_case {
    uint32_t type, ks, vs, max, flags;
    uint64_t extra;
};

static void test_create(void)
{
    static const struct create_case cases[] = {
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0},
        {BPF_MAP_TYPE_ARRAY, 8, 4, 1, 0, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 0, 1, 0, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 0, 0, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_MMAPABLE, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_PRESERVE_ELEMS, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_ZERO_SEED, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 1},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, BPF_F_MMAPABLE, 0},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1, 0, 0},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1, 0, 0},
        {BPF_MAP_TYPE_HASH, 4, 4, 1, 0, 0},
        {BPF_MAP_TYPE_HASH, 0, 4, 1, 0, 0},
        {BPF_MAP_TYPE_HASH, 4, 0, 1, 0, 0},
        {BPF_MAP_TYPE_HASH, 4, 4, 0, 0, 0},
        {BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_NO_COMMON_LRU, 0},
        {BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_MMAPABLE, 0},
        {BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, 0},
        {BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_RDONLY_PROG, 0},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 1, 0, 0},
        {BPF_MAP_TYPE_LRU_HASH, 4, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_LRU_HASH, 4, 4, 1, BPF_F_NO_COMMON_LRU, 0},
        {BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 8, BPF_F_NO_COMMON_LRU, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 1, 0, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 4, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 260, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 261, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 0, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 0, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_QUEUE, 0, 4, 1, 0, 0},
        {BPF_MAP_TYPE_QUEUE, 4, 4, 1, 0, 0},
        {BPF_MAP_TYPE_QUEUE, 0, 0, 1, 0, 0},
        {BPF_MAP_TYPE_QUEUE, 0, 4, 0, 0, 0},
        {BPF_MAP_TYPE_QUEUE, 0, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_STACK, 0, 4, 1, BPF_F_RDONLY_PROG, 0},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 1, 0, 0},
        {BPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 1, 0, 0},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 1, 0, 0x10},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 1, 0, 15},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0, 0},
        {BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 4, 4096, 0, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY_PROG, 0},
        {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0},
        {BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 1, 0, 0},
        {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, BPF_F_RDONLY_PROG, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 1, 0, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 8, 1, 0, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 12, 1, 0, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 0, 1, 0, 0},
        {BPF_MAP_TYPE_DEVMAP, 8, 4, 1, 0, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 0, 0, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 1, BPF_F_RDONLY_PROG, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 1, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 1, BPF_F_RDONLY, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 1, BPF_F_MMAPABLE, 0},
        {BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, 0, 0},
        {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, BPF_F_NO_PREALLOC, 0},
        {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, BPF_F_ZERO_SEED, 0},
        {BPF_MAP_TYPE_DEVMAP_HASH, 2, 4, 4, 0, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 12, 4, 0, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_RDONLY, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_WRONLY_PROG, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 4, 0, 0, 0},
        {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0, 0},
        {BPF_MAP_TYPE_XSKMAP, 4, 8, 4, 0, 0},
        {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, BPF_F_RDONLY, 0},
        {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, BPF_F_RDONLY_PROG, 0},
        {BPF_MAP_TYPE_XSKMAP, 8, 4, 4, 0, 0},
    };
    for (size_t i = 0; i < MT_LEN(cases); i++) {
        const struct create_case *c = &cases[i];
        int kfd = k_create(c->type, c->ks, c->vs, c->max, c->flags, c->extra);
        PBPF_OPTS(pbpf_map_create_opts, o, .type = c->type, .key_size = c->ks,
                  .value_size = c->vs, .max_entries = c->max, .map_flags = c->flags,
                  .map_extra = c->extra);
        struct pbpf_map *m = NULL;
        int prc = pbpf_map_create(rt, &o, &m);
        int krc = kfd < 0 ? kfd : 0;
        if (prc != krc)
            fprintf(stderr, "create case %zu (type %u ks %u vs %u max %u flags %#x): pbpf %d, "
                            "linux %d\n",
                    i, c->type, c->ks, c->vs, c->max, c->flags, prc, krc);
        CHECK_EQ(prc, krc);
        if (kfd >= 0)
            close(kfd);
        pbpf_map_free(m);
    }
}

/* --- element operations ---------------------------------------------------- */

struct pair {
    int kfd;
    struct pbpf_map *m;
    uint32_t type, ks, vs, max;
    int ordered_keys; /* get_next_key order is defined (arrays, tries) */
    uint32_t nkeys;   /* key space: 0..nkeys-1 (tries: a fixed prefix set) */
};

static void make_key(const struct pair *p, uint32_t i, uint8_t *k)
{
    memset(k, 0, p->ks);
    if (p->type == BPF_MAP_TYPE_LPM_TRIE) {
        /* a handful of nested and sibling prefixes of 10.x.y.z */
        static const uint32_t plen[] = {8, 16, 16, 24, 24, 32, 0, 12, 33};
        static const uint8_t b1[] = {0, 1, 2, 1, 2, 1, 0, 16, 1};
        uint32_t j = i % MT_LEN(plen);
        memcpy(k, &plen[j], 4);
        k[4] = 10;
        k[5] = b1[j];
        k[6] = j >= 3 ? 2 : 0;
        k[7] = j == 5 ? 9 : 0;
        return;
    }
    memcpy(k, &i, p->ks < 4 ? p->ks : 4);
}

static size_t mt_round8(size_t n) { return (n + 7) & ~(size_t)7; }

static size_t uvs(const struct pair *p) { return pbpf_map_user_value_size(p->m); }

static void make_val(const struct pair *p, uint8_t *v)
{
    size_t n = uvs(p);
    if (p->type == BPF_MAP_TYPE_DEVMAP || p->type == BPF_MAP_TYPE_DEVMAP_HASH ||
        p->type == BPF_MAP_TYPE_CPUMAP) {
        /* {ifindex: lo or none} / {qsize: none, small, too large}, then
         * no entry program (fd 0 or -1) */
        static const uint32_t dev[] = {1, 1, 1, 0}, qs[] = {0, 1, 64, 64, 16384, 16385};
        uint32_t w[2] = {p->type == BPF_MAP_TYPE_CPUMAP ? qs[rnd(MT_LEN(qs))] : dev[rnd(4)],
                         rnd(2) ? 0u : UINT32_MAX};
        memcpy(v, w, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)rnd(256);
    /* per-CPU padding is ignored by both; keep it zero to compare */
    if (n != p->vs)
        for (size_t s = 0; s < n / mt_round8(p->vs); s++)
            memset(v + s * mt_round8(p->vs) + p->vs, 0, mt_round8(p->vs) - p->vs);
}

static int mismatches;
#define DIFF(what, prc, krc, step)                                                                 \
    do {                                                                                           \
        mt_checks++;                                                                               \
        if ((prc) != (krc)) {                                                                      \
            mt_failures++;                                                                         \
            if (mismatches++ < 20)                                                                 \
                fprintf(stderr, "type %u step %d: %s: pbpf %d, linux %d\n", p->type, step, what,  \
                        prc, krc);                                                                 \
        }                                                                                          \
    } while (0)

static void run_sequence(struct pair *p, int steps)
{
    uint8_t key[64], kn[64], pn[64], v[4096], kv[4096], pv[4096];
    size_t n = uvs(p);
    for (int s = 0; s < steps; s++) {
        uint32_t op = rnd(p->type == BPF_MAP_TYPE_QUEUE || p->type == BPF_MAP_TYPE_STACK ? 3 : 5);
        make_key(p, rnd(p->nkeys), key);
        int prc, krc;
        if (p->type == BPF_MAP_TYPE_QUEUE || p->type == BPF_MAP_TYPE_STACK) {
            if (op == 0) {
                uint64_t fl = rnd(4);
                make_val(p, v);
                krc = k_elem(BPF_MAP_UPDATE_ELEM, p->kfd, NULL, v, fl);
                prc = pbpf_map_update_elem(p->m, NULL, v, fl);
                DIFF("push", prc, krc, s);
            } else {
                memset(kv, 0, n);
                memset(pv, 1, n);
                int cmd = op == 1 ? BPF_MAP_LOOKUP_ELEM : BPF_MAP_LOOKUP_AND_DELETE_ELEM;
                krc = k_elem(cmd, p->kfd, NULL, kv, 0);
                prc = op == 1 ? pbpf_map_lookup_elem(p->m, NULL, pv)
                              : pbpf_map_lookup_and_delete_elem(p->m, NULL, pv);
                DIFF(op == 1 ? "peek" : "pop", prc, krc, s);
                if (!prc && !krc)
                    DIFF("popped value", memcmp(pv, kv, n) != 0, 0, s);
            }
            continue;
        }
        switch (op) {
        case 0: {
            static const uint64_t fls[] = {BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_ANY, 3, BPF_F_LOCK};
            uint64_t fl = fls[rnd(MT_LEN(fls))];
            make_val(p, v);
            krc = k_elem(BPF_MAP_UPDATE_ELEM, p->kfd, key, v, fl);
            prc = pbpf_map_update_elem(p->m, key, v, fl);
            DIFF("update", prc, krc, s);
            break;
        }
        case 1:
            memset(kv, 0, n);
            memset(pv, 1, n);
            krc = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, key, kv, 0);
            prc = pbpf_map_lookup_elem(p->m, key, pv);
            DIFF("lookup", prc, krc, s);
            if (!prc && !krc)
                DIFF("looked-up value", memcmp(pv, kv, n) != 0, 0, s);
            break;
        case 2:
            krc = k_elem(BPF_MAP_DELETE_ELEM, p->kfd, key, NULL, 0);
            prc = pbpf_map_delete_elem(p->m, key);
            DIFF("delete", prc, krc, s);
            break;
        case 3: {
            int first = rnd(4) == 0;
            /* hash order differs: from a present key only "some key or
             * the end" is comparable; a missing key restarts in both */
            int present = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, key, kv, 0) == 0;
            krc = k_next(p->kfd, first ? NULL : key, kn);
            prc = pbpf_map_get_next_key(p->m, first ? NULL : key, pn);
            if (p->ordered_keys || first || !present)
                DIFF("get_next_key", prc, krc, s);
            if (!prc && !krc && p->ordered_keys)
                DIFF("next key", memcmp(pn, kn, p->ks) != 0, 0, s);
            break;
        }
        case 4:
            memset(kv, 0, n);
            memset(pv, 1, n);
            krc = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, p->kfd, key, kv, 0);
            prc = pbpf_map_lookup_and_delete_elem(p->m, key, pv);
            DIFF("lookup_and_delete", prc, krc, s);
            if (!prc && !krc)
                DIFF("deleted value", memcmp(pv, kv, n) != 0, 0, s);
            break;
        }
    }
    /* after the run both hold the same set of keys (hash order aside) */
    if (p->type != BPF_MAP_TYPE_QUEUE && p->type != BPF_MAP_TYPE_STACK) {
        for (uint32_t i = 0; i < p->nkeys; i++) {
            make_key(p, i, key);
            int krc = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, key, kv, 0);
            int prc = pbpf_map_lookup_elem(p->m, key, pv);
            DIFF("final lookup", prc, krc, (int)i);
        }
        /* a full walk visits as many keys in both */
        int kcount = 0, pcount = 0;
        for (int rc = k_next(p->kfd, NULL, kn); rc == 0 && kcount <= (int)p->max; kcount++) {
            memcpy(key, kn, p->ks);
            rc = k_next(p->kfd, key, kn);
        }
        for (int rc = pbpf_map_get_next_key(p->m, NULL, pn); rc == 0 && pcount <= (int)p->max;
             pcount++) {
            memcpy(key, pn, p->ks);
            rc = pbpf_map_get_next_key(p->m, key, pn);
        }
        DIFF("keys walked", pcount, kcount, -1);
        /* freezing: updates now fail alike; freezing again is refused */
        DIFF("freeze", pbpf_map_freeze(p->m), k_freeze(p->kfd), -1);
        DIFF("freeze again", pbpf_map_freeze(p->m), k_freeze(p->kfd), -1);
        make_key(p, 0, key);
        make_val(p, v);
        DIFF("update frozen", pbpf_map_update_elem(p->m, key, v, 0),
             k_elem(BPF_MAP_UPDATE_ELEM, p->kfd, key, v, 0), -1);
        DIFF("delete frozen", pbpf_map_delete_elem(p->m, key),
             k_elem(BPF_MAP_DELETE_ELEM, p->kfd, key, NULL, 0), -1);
    }
}


/* --- batches ----------------------------------------------------------- */

static int k_batch(int cmd, int fd, void *in, void *out, void *keys, void *vals, uint32_t *count,
                   uint64_t elem_flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.batch.map_fd = (uint32_t)fd;
    a.batch.in_batch = (uintptr_t)in;
    a.batch.out_batch = (uintptr_t)out;
    a.batch.keys = (uintptr_t)keys;
    a.batch.values = (uintptr_t)vals;
    a.batch.count = *count;
    a.batch.elem_flags = elem_flags;
    int rc = sys_bpf(cmd, &a) < 0 ? -errno : 0;
    *count = a.batch.count;
    return rc;
}

static void test_batches(void)
{
    struct pair pp = {.type = BPF_MAP_TYPE_ARRAY, .ks = 4}, *p = &pp;
    /* arrays: key-wise batches, identical call by call */
    int kfd = k_create(BPF_MAP_TYPE_ARRAY, 4, 8, 10, 0, 0);
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 10, 0);
    for (uint32_t i = 0; i < 10; i++) {
        uint64_t v = i * 11u;
        k_elem(BPF_MAP_UPDATE_ELEM, kfd, &i, &v, 0);
        pbpf_map_update_elem(m, &i, &v, 0);
    }
    uint32_t kin = 0, kout = 0, pin = 0, pout = 0, kkeys[16], pkeys[16];
    uint64_t kvals[16], pvals[16];
    int first = 1;
    for (int call = 0; call < 6; call++) {
        uint32_t kc = 3, pc = 3;
        int krc = k_batch(BPF_MAP_LOOKUP_BATCH, kfd, first ? NULL : &kin, &kout, kkeys, kvals, &kc, 0);
        int prc = pbpf_map_lookup_batch(m, first ? NULL : &pin, &pout, pkeys, pvals, &pc, NULL);
        DIFF("array lookup_batch", prc, krc, call);
        DIFF("array lookup_batch count", (int)pc, (int)kc, call);
        for (uint32_t i = 0; i < kc && i < pc; i++) {
            DIFF("array batch key", (int)pkeys[i], (int)kkeys[i], call);
            DIFF("array batch value", (int)pvals[i], (int)kvals[i], call);
        }
        if (krc)
            break;
        kin = kout, pin = pout, first = 0;
    }
    uint32_t kc = 4, pc = 4;
    DIFF("array lookup_and_delete_batch",
         pbpf_map_lookup_and_delete_batch(m, NULL, &pout, pkeys, pvals, &pc, NULL),
         k_batch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, kfd, NULL, &kout, kkeys, kvals, &kc, 0), 0);
    kc = pc = 4;
    DIFF("array delete_batch", pbpf_map_delete_batch(m, pkeys, &pc, NULL),
         k_batch(BPF_MAP_DELETE_BATCH, kfd, NULL, NULL, kkeys, NULL, &kc, 0), 0);
    close(kfd);
    pbpf_map_free(m);

    /* hash: update_batch/delete_batch stop at the first failure alike; a
     * bucket-wise lookup_and_delete_batch drains the same set of keys */
    pp.type = BPF_MAP_TYPE_HASH;
    kfd = k_create(BPF_MAP_TYPE_HASH, 4, 8, 16, 0, 0);
    m = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 8, 16, 0);
    uint32_t keys[20];
    uint64_t vals[20];
    for (uint32_t i = 0; i < 20; i++)
        keys[i] = i * 7u, vals[i] = i;
    kc = pc = 20; /* the 17th does not fit */
    DIFF("hash update_batch", pbpf_map_update_batch(m, keys, vals, &pc, NULL),
         k_batch(BPF_MAP_UPDATE_BATCH, kfd, NULL, NULL, keys, vals, &kc, 0), 0);
    DIFF("hash update_batch count", (int)pc, (int)kc, 0);
    kc = pc = 3;
    DIFF("hash update_batch NOEXIST",
         pbpf_map_update_batch(m, keys, vals, &pc, &(struct pbpf_map_batch_opts){.sz = sizeof(struct pbpf_map_batch_opts), .elem_flags = BPF_NOEXIST}),
         k_batch(BPF_MAP_UPDATE_BATCH, kfd, NULL, NULL, keys, vals, &kc, BPF_NOEXIST), 0);
    DIFF("hash update_batch NOEXIST count", (int)pc, (int)kc, 0);
    uint32_t dk[4] = {0, 7, 1000, 14};
    kc = pc = 4;
    DIFF("hash delete_batch", pbpf_map_delete_batch(m, dk, &pc, NULL),
         k_batch(BPF_MAP_DELETE_BATCH, kfd, NULL, NULL, dk, NULL, &kc, 0), 0);
    DIFF("hash delete_batch count", (int)pc, (int)kc, 0);
    uint32_t ksum = 0, psum = 0, ktotal = 0, ptotal = 0;
    int krc = 0, prc = 0;
    first = 1;
    while (krc == 0) {
        kc = 16;
        krc = k_batch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, kfd, first ? NULL : &kin, &kout, kkeys, kvals, &kc, 0);
        for (uint32_t i = 0; i < kc; i++)
            ksum += kkeys[i];
        ktotal += kc;
        kin = kout, first = 0;
    }
    first = 1;
    while (prc == 0) {
        pc = 16;
        prc = pbpf_map_lookup_and_delete_batch(m, first ? NULL : &pin, &pout, pkeys, pvals, &pc, NULL);
        for (uint32_t i = 0; i < pc; i++)
            psum += pkeys[i];
        ptotal += pc;
        pin = pout, first = 0;
    }
    DIFF("hash drain end", prc, krc, 0);
    DIFF("hash drained count", (int)ptotal, (int)ktotal, 0);
    DIFF("hash drained keys", (int)psum, (int)ksum, 0);
    close(kfd);
    pbpf_map_free(m);
}

static void diff_type(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
                      uint32_t nkeys, int steps)
{
    struct pair pp = {.type = type, .ks = ks, .vs = vs, .max = max, .nkeys = nkeys}, *p = &pp;
    p->kfd = k_create(type, ks, vs, max, flags, 0);
    if (p->kfd < 0) {
        fprintf(stderr, "linux refused map type %u: %d\n", type, p->kfd);
        CHECK(0);
        return;
    }
    p->m = mt_map(rt, type, ks, vs, max, flags);
    p->ordered_keys = type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
                      type == BPF_MAP_TYPE_LPM_TRIE || type == BPF_MAP_TYPE_DEVMAP ||
                      type == BPF_MAP_TYPE_CPUMAP;
    run_sequence(p, steps);
    close(p->kfd);
    pbpf_map_free(p->m);
}

/* --- which error an update gets when several apply ---------------------- */

/* One update on both sides: the kernel's value names fds, pbpf's the
 * objects they stand for (kv and pv). */
static void diff_update(const char *what, int kfd, struct pbpf_map *m, uint32_t key,
                        const void *kv, const void *pv, uint64_t flags)
{
    int krc = k_elem(BPF_MAP_UPDATE_ELEM, kfd, &key, (void *)kv, flags);
    int prc = pbpf_map_update_elem(m, &key, pv, flags);
    mt_checks++;
    if (krc != prc) {
        mt_failures++;
        fprintf(stderr, "update order: %s: pbpf %d, linux %d\n", what, prc, krc);
    }
}

static void test_update_order(void)
{
    /* DEVMAP_HASH: __dev_map_hash_update_elem() checks BPF_NOEXIST on an
     * existing key before it tries the entry program (fd 1 is no program:
     * -EINVAL once it gets there), and the program before a full map */
    int kfd = k_create(BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 2, 0, 0);
    struct pbpf_map *m = mt_map(rt, BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 2, 0);
    CHECK(kfd >= 0 && m);
    if (kfd >= 0 && m) {
        uint32_t ok[2] = {1, UINT32_MAX}, prog[2] = {1, 1}, none[2] = {0, UINT32_MAX};
        diff_update("devmap_hash insert", kfd, m, 1, ok, ok, BPF_ANY);
        diff_update("devmap_hash NOEXIST, existing key, prog fd", kfd, m, 1, prog, prog,
                    BPF_NOEXIST);
        diff_update("devmap_hash NOEXIST, existing key, ifindex 0", kfd, m, 1, none, none,
                    BPF_NOEXIST);
        diff_update("devmap_hash NOEXIST, new key, prog fd", kfd, m, 2, prog, prog, BPF_NOEXIST);
        diff_update("devmap_hash EXIST, existing key, prog fd", kfd, m, 1, prog, prog, BPF_EXIST);
        diff_update("devmap_hash flags 3, existing key, prog fd", kfd, m, 1, prog, prog, 3);
        diff_update("devmap_hash second insert", kfd, m, 2, ok, ok, BPF_NOEXIST);
        diff_update("devmap_hash full, prog fd", kfd, m, 3, prog, prog, BPF_ANY);
        diff_update("devmap_hash full", kfd, m, 3, ok, ok, BPF_ANY);
    }
    if (kfd >= 0)
        close(kfd);
    pbpf_map_free(m);

    /* HASH_OF_MAPS: bpf_fd_htab_map_update_elem() resolves the inner map
     * fd before htab_map_update_elem() looks at the flags */
    int kin = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0);
    PBPF_OPTS(pbpf_map_create_opts, io, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 4, .max_entries = 1);
    struct pbpf_map *pin = NULL, *pother = NULL, *outer = NULL;
    CHECK(pbpf_map_create(rt, &io, &pin) == 0);
    io.max_entries = 2;
    CHECK(pbpf_map_create(rt, &io, &pother) == 0);
    int kother = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 2, 0, 0);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = BPF_MAP_TYPE_HASH_OF_MAPS;
    a.key_size = 4;
    a.value_size = 4;
    a.max_entries = 1;
    a.inner_map_fd = (uint32_t)kin;
    int kout = kin >= 0 ? (int)sys_bpf(BPF_MAP_CREATE, &a) : -1;
    PBPF_OPTS(pbpf_map_create_opts, oo, .type = PBPF_MAP_TYPE_HASH_OF_MAPS, .key_size = 4,
              .value_size = 4, .max_entries = 1, .inner_map = pin);
    CHECK(pin && pbpf_map_create(rt, &oo, &outer) == 0);
    CHECK(kout >= 0 && kother >= 0);
    if (kout >= 0 && kother >= 0 && outer && pother) {
        int32_t kbad = -1, kgood = kin, kwrong = kother;
        struct pbpf_map *pbad = NULL;
        diff_update("hash_of_maps flags 3, bad fd", kout, outer, 1, &kbad, &pbad, 3);
        diff_update("hash_of_maps flags 3, mismatched map", kout, outer, 1, &kwrong, &pother,
                    3);
        diff_update("hash_of_maps flags 3, good fd", kout, outer, 1, &kgood, &pin, 3);
        diff_update("hash_of_maps insert", kout, outer, 1, &kgood, &pin, BPF_ANY);
        diff_update("hash_of_maps NOEXIST, existing key, bad fd", kout, outer, 1, &kbad, &pbad,
                    BPF_NOEXIST);
        diff_update("hash_of_maps NOEXIST, existing key", kout, outer, 1, &kgood, &pin,
                    BPF_NOEXIST);
        diff_update("hash_of_maps full, bad fd", kout, outer, 2, &kbad, &pbad, BPF_ANY);
        diff_update("hash_of_maps full", kout, outer, 2, &kgood, &pin, BPF_ANY);
        diff_update("hash_of_maps EXIST, new key", kout, outer, 3, &kgood, &pin, BPF_EXIST);
    }
    if (kout >= 0)
        close(kout);
    if (kin >= 0)
        close(kin);
    if (kother >= 0)
        close(kother);
    pbpf_map_free(outer);
    pbpf_map_free(pin);
    pbpf_map_free(pother);
}

int main(void)
{
    int probe = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0);
    if (probe < 0) {
        printf("maps_kdiff: SKIP: bpf(BPF_MAP_CREATE) fails here (%s)\n", strerror(-probe));
        return 77;
    }
    close(probe);
    ncpus = possible_cpus();
    if (!ncpus) {
        printf("maps_kdiff: SKIP: cannot read the possible CPUs\n");
        return 77;
    }
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = ncpus);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_create();
    test_batches();
    test_update_order();
    diff_type(BPF_MAP_TYPE_ARRAY, 4, 12, 8, 0, 12, 3000);
    diff_type(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 8, 0, 12, 2000);
    diff_type(BPF_MAP_TYPE_HASH, 4, 8, 8, 0, 16, 3000);
    diff_type(BPF_MAP_TYPE_HASH, 4, 8, 8, BPF_F_NO_PREALLOC, 16, 3000);
    diff_type(BPF_MAP_TYPE_HASH, 12, 3, 64, 0, 40, 2000);
    diff_type(BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 8, 0, 16, 2000);
    /* LRU: a key space that fits, so eviction policy does not matter */
    diff_type(BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0, 16, 2000);
    diff_type(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 64, 0, 16, 2000);
    diff_type(BPF_MAP_TYPE_LPM_TRIE, 8, 8, 6, BPF_F_NO_PREALLOC, 9, 3000);
    diff_type(BPF_MAP_TYPE_QUEUE, 0, 8, 5, 0, 1, 2000);
    diff_type(BPF_MAP_TYPE_STACK, 0, 8, 5, 0, 1, 2000);
    diff_type(BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, 12, 2000);
    diff_type(BPF_MAP_TYPE_DEVMAP, 4, 8, 8, 0, 12, 2000);
    diff_type(BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 8, 0, 16, 2000);
    diff_type(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 8, 0, 16, 2000);
    diff_type(BPF_MAP_TYPE_CPUMAP, 4, 8, ncpus + 2, 0, ncpus + 4, 2000);
    diff_type(BPF_MAP_TYPE_CPUMAP, 4, 4, ncpus + 2, 0, ncpus + 4, 2000);
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_kdiff");
}
#endif
