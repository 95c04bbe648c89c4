/* bpf_map_lookup_elem on the JIT, which indexes ARRAY, PERCPU_ARRAY and
 * ARRAY_OF_MAPS itself when r1 is one of the program's maps, against the
 * interpreter (which always calls the helper) and against what the map
 * holds (hash maps, which the JIT looks up by a direct call, too): keys in and out of range (u32 indexes: 0, the last, max_entries,
 * "negative" and huge ones), max_entries that are not powers of two, value
 * sizes that are not multiples of 8, read-only and mmapable arrays, r1
 * that is not one known map at the call, and an embedder's own helper 1
 * (which the JIT must call). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/insn.h"
#include "maps/map.h"
#include "platform/platform.h"
#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define INSN(c, d, s, o, i)                                                                        \
    ((struct pbpf_insn){.code = (uint8_t)(c), .regs = PBPF_INSN_REGS(d, s), .off = (int16_t)(o),   \
                        .imm = (int32_t)(i)})
#define MOVI(d, i) INSN(PBPF_CLS_ALU64 | PBPF_ALU_MOV, d, 0, 0, i)
#define MOVR(d, s) INSN(PBPF_CLS_ALU64 | PBPF_ALU_MOV | PBPF_SRC_X, d, s, 0, 0)
#define ADDI(d, i) INSN(PBPF_CLS_ALU64 | PBPF_ALU_ADD, d, 0, 0, i)
#define ORR(d, s) INSN(PBPF_CLS_ALU64 | PBPF_ALU_OR | PBPF_SRC_X, d, s, 0, 0)
#define LSHI(d, i) INSN(PBPF_CLS_ALU64 | PBPF_ALU_LSH, d, 0, 0, i)
#define LDXW(d, s, o) INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_W, d, s, o, 0)
#define LDXB(d, s, o) INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_B, d, s, o, 0)
#define STXW(d, s, o) INSN(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_W, d, s, o, 0)
#define STXB(d, s, o) INSN(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_B, d, s, o, 0)
#define STXDW(d, s, o) INSN(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_DW, d, s, o, 0)
#define STDW(d, o, i) INSN(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_DW, d, 0, o, i)
#define CALL(id) INSN(PBPF_CLS_JMP | PBPF_JMP_CALL, 0, 0, 0, id)
#define EXIT() INSN(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0)
#define JEQI(d, i, o) INSN(PBPF_CLS_JMP | PBPF_JMP_JEQ, d, 0, o, i)
#define JA(o) INSN(PBPF_CLS_JMP | PBPF_JMP_JA, 0, 0, o, 0)
#define LDMAP(d, idx) INSN(PBPF_OPCODE_LDDW, d, PBPF_PSEUDO_MAP_FD, 0, idx), INSN(0, 0, 0, 0, 0)

/* Memory of a run: NKEYS u32 keys, then one u64 result per key. */
#define NKEYS 12
#define MEM_SIZE (NKEYS * 4 + NKEYS * 8)
#define RES_OFF (NKEYS * 4)
/* result of a NULL lookup */
#define MISS 0xffffffffu

static struct pbpf_runtime *rt;

/* The byte at offset b of index i's value (slot s for per-CPU maps). */
static uint8_t pattern(uint32_t i, uint32_t b, uint32_t s)
{
    return (uint8_t)(i * 131u + b * 7u + s * 61u + 1u);
}

struct prog_buf {
    struct pbpf_insn in[1024];
    size_t n;
};
static void put(struct prog_buf *p, struct pbpf_insn i) { p->in[p->n++] = i; }
static void put2(struct prog_buf *p, struct pbpf_insn a, struct pbpf_insn b)
{
    put(p, a);
    put(p, b);
}

/* For each key k: v = lookup(map 0, keys[k]); result[k] = v ? 1 << 32 |
 * first byte << 8 | last byte : MISS.  With `write`, the last byte of a
 * found value is incremented.  With `outer`, map 0 is an ARRAY_OF_MAPS
 * and the inner map found is looked up again with index 0. */
static void build_lookup(struct prog_buf *p, uint32_t vs, int write, int outer)
{
    p->n = 0;
    put(p, MOVR(6, 1));
    for (int k = 0; k < NKEYS; k++) {
        put(p, LDXW(1, 6, 4 * k));
        put(p, STXW(10, 1, -4));
        put(p, MOVR(2, 10));
        put(p, ADDI(2, -4));
        put2(p, LDMAP(1, 0));
        put(p, CALL(1));
        size_t jnull = p->n;
        put(p, JEQI(0, 0, 0));
        size_t j2 = 0;
        if (outer) {
            put(p, MOVR(1, 0));
            put(p, MOVI(2, 0));
            put(p, STXW(10, 2, -8));
            put(p, MOVR(2, 10));
            put(p, ADDI(2, -8));
            put(p, CALL(1));
            j2 = p->n;
            put(p, JEQI(0, 0, 0));
        }
        put(p, LDXB(1, 0, 0));
        put(p, LDXB(3, 0, (int)vs - 1));
        if (write) {
            put(p, MOVR(4, 3));
            put(p, ADDI(4, 1));
            put(p, STXB(0, 4, (int)vs - 1));
        }
        put(p, LSHI(1, 8));
        put(p, ORR(1, 3));
        put(p, MOVI(3, 1));
        put(p, LSHI(3, 32));
        put(p, ORR(1, 3));
        put(p, STXDW(6, 1, RES_OFF + 8 * k));
        put(p, JA(3));
        p->in[jnull].off = (int16_t)(p->n - jnull - 1);
        if (outer)
            p->in[j2].off = (int16_t)(p->n - j2 - 1);
        /* MISS: mov sign-extends, mov32 keeps the low half */
        put(p, MOVI(1, (int32_t)MISS));
        put(p, INSN(PBPF_CLS_ALU | PBPF_ALU_MOV | PBPF_SRC_X, 1, 1, 0, 0));
        put(p, STXDW(6, 1, RES_OFF + 8 * k));
    }
    put(p, MOVI(0, 0));
    put(p, EXIT());
}

static int load(struct prog_buf *p, struct pbpf_map **maps, size_t n, enum pbpf_engine e,
                int preverified, struct pbpf_prog **out)
{
    char log[4096];
    PBPF_OPTS(pbpf_prog_opts, o, .engine = e, .mode = PBPF_MODE_VERIFIED, .maps = maps,
              .map_cnt = n, .mem_size = MEM_SIZE, .log_buf = log, .log_size = sizeof log,
              .preverified = preverified);
    int rc = pbpf_prog_load(rt, p->in, p->n, &o, out);
    if (rc)
        fprintf(stderr, "load (%s): %d\n%s\n", e == PBPF_ENGINE_JIT ? "jit" : "interp", rc, log);
    return rc;
}

/* Runs both engines over keys; res[e][k] are the results. */
static int run_both(struct prog_buf *p, struct pbpf_map **maps, size_t n, int preverified,
                    const uint32_t keys[NKEYS], uint64_t res[2][NKEYS])
{
    for (int e = 0; e < 2; e++) {
        struct pbpf_prog *prog;
        if (load(p, maps, n, e ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP, preverified, &prog)) {
            failures++;
            return -1;
        }
        uint8_t mem[MEM_SIZE];
        memset(mem, 0xa5, sizeof mem);
        memcpy(mem, keys, NKEYS * 4);
        uint64_t r0 = 1;
        int rc = pbpf_prog_run(prog, mem, sizeof mem, &r0, NULL);
        CHECK(rc == 0 && r0 == 0, "run on engine %d: rc %d r0 %" PRIu64, e, rc, r0);
        memcpy(res[e], mem + RES_OFF, NKEYS * 8);
        pbpf_prog_free(prog);
    }
    return 0;
}

static void keys_for(uint32_t max, uint32_t keys[NKEYS])
{
    const uint32_t k[NKEYS] = {0,          max - 1,    max / 2,     max,
                               max + 1,    0x7fffffff, 0x80000000u, 0xffffffffu,
                               (uint32_t)-max, max * 2 + 3, 1 % max, 0xfffffffeu};
    memcpy(keys, k, sizeof k);
}

static struct pbpf_map *array(uint32_t type, uint32_t vs, uint32_t max, uint32_t flags)
{
    struct pbpf_map *m;
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4, .value_size = vs,
              .max_entries = max, .map_flags = flags);
    int rc = pbpf_map_create(rt, &o, &m);
    CHECK(rc == 0, "create type %u vs %u max %u flags %#x: %d", type, vs, max, flags, rc);
    return rc ? NULL : m;
}

/* Fills every value (every slot's) with pattern(); slots of per-CPU maps. */
static void fill(struct pbpf_map *m, unsigned *slots)
{
    uint32_t vs = pbpf_map_value_size(m), max = pbpf_map_max_entries(m);
    size_t uvs = pbpf_map_user_value_size(m);
    *slots = (unsigned)(uvs / pbpf_map_round8(vs));
    if (pbpf_map_type(m) != PBPF_MAP_TYPE_PERCPU_ARRAY)
        *slots = 1;
    uint8_t *v = calloc(1, uvs);
    for (uint32_t i = 0; i < max; i++) {
        for (unsigned s = 0; s < *slots; s++)
            for (uint32_t b = 0; b < vs; b++)
                v[s * pbpf_map_round8(vs) + b] = pattern(i, b, s);
        CHECK(pbpf_map_update_elem(m, &i, v, 0) == 0, "fill %u", i);
    }
    free(v);
}

/* What the program stores for key (slot s), with `bumped` increments of
 * the last byte made before. */
static uint64_t expect(uint32_t key, uint32_t max, uint32_t vs, unsigned s, unsigned bumped)
{
    if (key >= max)
        return MISS;
    uint8_t first = pattern(key, 0, s), last = (uint8_t)(pattern(key, vs - 1, s) + bumped);
    if (vs == 1)
        first = last;
    return (uint64_t)1 << 32 | (uint64_t)first << 8 | last;
}

static void test_arrays(void)
{
    static const uint32_t sizes[] = {1, 3, 4, 8, 12, 20, 61};
    static const uint32_t maxes[] = {1, 3, 7, 100, 1000, 1024};
    static const uint32_t types[] = {PBPF_MAP_TYPE_ARRAY, PBPF_MAP_TYPE_PERCPU_ARRAY};
    static const uint32_t flagsets[] = {0, PBPF_F_RDONLY_PROG, PBPF_F_MMAPABLE};
    for (size_t t = 0; t < 2; t++)
        for (size_t fi = 0; fi < 3; fi++)
            for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
                for (size_t mi = 0; mi < sizeof maxes / sizeof *maxes; mi++) {
                    uint32_t type = types[t], vs = sizes[si], max = maxes[mi];
                    uint32_t flags = flagsets[fi];
                    if (type == PBPF_MAP_TYPE_PERCPU_ARRAY && flags == PBPF_F_MMAPABLE)
                        continue;
                    struct pbpf_map *m = array(type, vs, max, flags);
                    if (!m)
                        continue;
                    unsigned slots;
                    fill(m, &slots);
                    int write = !(flags & PBPF_F_RDONLY_PROG);
                    struct prog_buf p;
                    build_lookup(&p, vs, write, 0);
                    uint32_t keys[NKEYS];
                    keys_for(max, keys);
                    uint64_t res[2][NKEYS];
                    if (run_both(&p, &m, 1, 0, keys, res)) {
                        pbpf_map_free(m);
                        continue;
                    }
                    /* the slot the runs used: the one the first key's
                     * value matches */
                    unsigned s = 0;
                    while (s + 1 < slots && expect(0, max, vs, s, 0) != res[0][0])
                        s++;
                    for (int e = 0; e < 2; e++) {
                        for (int k = 0; k < NKEYS; k++) {
                            unsigned bumped = 0;
                            for (int j = 0; j < k; j++)
                                bumped += write && keys[j] == keys[k];
                            /* the interpreter's run bumped every key once */
                            if (e && write && keys[k] < max)
                                for (int j = 0; j < NKEYS; j++)
                                    bumped += keys[j] == keys[k];
                            uint64_t want = expect(keys[k], max, vs, s, bumped);
                            CHECK(res[e][k] == want,
                                  "type %u vs %u max %u flags %#x %s key %#x: got %#" PRIx64
                                  " want %#" PRIx64,
                                  type, vs, max, flags, e ? "jit" : "interp", keys[k], res[e][k],
                                  want);
                        }
                    }
                    pbpf_map_free(m);
                }
}

/* Other maps the JIT knows are looked up by a direct call of their type's
 * lookup: hash maps (plain, per-CPU, LRU) with keys present and absent. */
static void test_hashes(void)
{
    static const uint32_t types[] = {PBPF_MAP_TYPE_HASH, PBPF_MAP_TYPE_PERCPU_HASH,
                                     PBPF_MAP_TYPE_LRU_HASH, PBPF_MAP_TYPE_LRU_PERCPU_HASH};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        struct pbpf_map *m = array(types[t], 12, 64, 0);
        if (!m)
            continue;
        int percpu = types[t] == PBPF_MAP_TYPE_PERCPU_HASH ||
                     types[t] == PBPF_MAP_TYPE_LRU_PERCPU_HASH;
        size_t uvs = pbpf_map_user_value_size(m);
        unsigned slots = percpu ? (unsigned)(uvs / 16) : 1;
        uint8_t *v = calloc(1, uvs);
        /* keys 0, 3, 6, ... 57 are present */
        for (uint32_t i = 0; i < 60; i += 3) {
            for (unsigned sl = 0; sl < slots; sl++)
                for (uint32_t b = 0; b < 12; b++)
                    v[sl * 16 + b] = pattern(i, b, sl);
            CHECK(pbpf_map_update_elem(m, &i, v, 0) == 0, "hash fill %u", i);
        }
        free(v);
        struct prog_buf p;
        build_lookup(&p, 12, 1, 0);
        const uint32_t keys[NKEYS] = {0, 3, 57, 1, 2, 60, 0xffffffffu, 0x80000000u, 30, 30, 58, 6};
        uint64_t res[2][NKEYS];
        if (!run_both(&p, &m, 1, 0, keys, res)) {
            unsigned s = 0;
            while (s + 1 < slots && expect(0, 60, 12, s, 0) != res[0][0])
                s++;
            for (int e = 0; e < 2; e++)
                for (int k = 0; k < NKEYS; k++) {
                    uint32_t key = keys[k];
                    unsigned bumped = 0;
                    for (int j = 0; j < k; j++)
                        bumped += keys[j] == key;
                    if (e)
                        for (int j = 0; j < NKEYS; j++)
                            bumped += keys[j] == key;
                    uint64_t want = key % 3 || key >= 60 ? MISS : expect(key, 60, 12, s, bumped);
                    CHECK(res[e][k] == want,
                          "type %u %s key %#x: got %#" PRIx64 " want %#" PRIx64, types[t],
                          e ? "jit" : "interp", key, res[e][k], want);
                }
        }
        pbpf_map_free(m);
    }
}

/* A value written through the mmap of an mmapable array is what the
 * program's lookup sees: the same memory. */
static void test_mmap(void)
{
    struct pbpf_map *m = array(PBPF_MAP_TYPE_ARRAY, 12, 5, PBPF_F_MMAPABLE);
    if (!m)
        return;
    void *area;
    size_t size;
    CHECK(m->ops->mmap(m, &area, &size) == 0 && size == 5 * 16, "mmap: size %zu", size);
    for (uint32_t i = 0; i < 5; i++)
        for (uint32_t b = 0; b < 12; b++)
            ((uint8_t *)area)[i * 16 + b] = pattern(i, b, 0);
    struct prog_buf p;
    build_lookup(&p, 12, 0, 0);
    uint32_t keys[NKEYS];
    keys_for(5, keys);
    uint64_t res[2][NKEYS];
    if (!run_both(&p, &m, 1, 0, keys, res))
        for (int e = 0; e < 2; e++)
            for (int k = 0; k < NKEYS; k++)
                CHECK(res[e][k] == expect(keys[k], 5, 12, 0, 0), "mmap %s key %#x: %#" PRIx64,
                      e ? "jit" : "interp", keys[k], res[e][k]);
    pbpf_map_free(m);
}

/* ARRAY_OF_MAPS: the lookup gives the inner map (or NULL for an empty or
 * out-of-range slot), whose index 0 is then looked up. */
static void test_of_maps(void)
{
    static const uint32_t maxes[] = {1, 5, 1000};
    for (size_t mi = 0; mi < 3; mi++) {
        uint32_t max = maxes[mi];
        struct pbpf_map *inner[3], *outer;
        for (int i = 0; i < 3; i++) {
            inner[i] = array(PBPF_MAP_TYPE_ARRAY, 5, 2, 0);
            if (!inner[i])
                return;
            uint32_t zero = 0;
            uint8_t v[5];
            for (uint32_t b = 0; b < 5; b++)
                v[b] = pattern((uint32_t)i + 100, b, 0);
            pbpf_map_update_elem(inner[i], &zero, v, 0);
        }
        PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4,
                  .value_size = 4, .max_entries = max, .inner_map = inner[0]);
        if (pbpf_map_create(rt, &o, &outer)) {
            CHECK(0, "create ARRAY_OF_MAPS");
            return;
        }
        /* index i holds inner[i % 3] for even i below max; odd ones stay
         * empty */
        for (uint32_t i = 0; i < max; i += 2) {
            void *obj = inner[i % 3];
            CHECK(pbpf_map_update_elem(outer, &i, &obj, 0) == 0, "outer update %u", i);
        }
        struct prog_buf p;
        build_lookup(&p, 5, 0, 1);
        uint32_t keys[NKEYS];
        keys_for(max, keys);
        uint64_t res[2][NKEYS];
        /* verified: the outer lookup's result, null-checked, is the
         * inner map (a map pointer shaped as the template) */
        if (!run_both(&p, &outer, 1, 0, keys, res))
            for (int e = 0; e < 2; e++)
                for (int k = 0; k < NKEYS; k++) {
                    uint32_t key = keys[k];
                    uint64_t want = key >= max || key % 2 ? MISS
                                                          : expect(key % 3 + 100, 1000, 5, 0, 0);
                    CHECK(res[e][k] == want, "of maps max %u %s key %#x: got %#" PRIx64
                          " want %#" PRIx64, max, e ? "jit" : "interp", key, res[e][k], want);
                }
        pbpf_map_free(outer);
        for (int i = 0; i < 3; i++)
            pbpf_map_free(inner[i]);
    }
}

/* r1 at the call is not one map the JIT can see: the lddw of map A is
 * followed by a branch to the call from where r1 was set to map B, so
 * the call is a jump target and the helper runs.  Hand-built and loaded
 * preverified: it checks the JIT's analysis, not the verifier (which
 * may refuse two maps at one call site). */
static void test_not_constant(void)
{
    struct pbpf_map *ms[2] = {array(PBPF_MAP_TYPE_ARRAY, 8, 4, 0),
                              array(PBPF_MAP_TYPE_ARRAY, 8, 9, 0)};
    if (!ms[0] || !ms[1])
        return;
    for (int i = 0; i < 2; i++) {
        unsigned slots;
        fill(ms[i], &slots);
    }
    /* r0 = *lookup(keys[0] odd ? B : A, keys[0] >> 1) or MISS */
    struct prog_buf p = {.n = 0};
    put(&p, LDXW(3, 1, 0));
    put(&p, MOVR(4, 3));
    put(&p, INSN(PBPF_CLS_ALU64 | PBPF_ALU_RSH, 4, 0, 0, 1));
    put(&p, STXW(10, 4, -4));
    put(&p, MOVR(2, 10));
    put(&p, ADDI(2, -4));
    put(&p, INSN(PBPF_CLS_ALU64 | PBPF_ALU_AND, 3, 0, 0, 1));
    put2(&p, LDMAP(1, 0));
    put(&p, JEQI(3, 0, 2));
    put2(&p, LDMAP(1, 1));
    put(&p, CALL(1));
    put(&p, JEQI(0, 0, 2));
    put(&p, LDXB(0, 0, 0));
    put(&p, EXIT());
    put(&p, MOVI(0, -1));
    put(&p, EXIT());
    for (uint32_t key = 0; key < 24; key++) {
        uint64_t r0[2];
        for (int e = 0; e < 2; e++) {
            struct pbpf_prog *prog;
            if (load(&p, ms, 2, e ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP, 1, &prog)) {
                failures++;
                break;
            }
            uint8_t mem[MEM_SIZE] = {0};
            memcpy(mem, &key, 4);
            pbpf_prog_run(prog, mem, sizeof mem, &r0[e], NULL);
            pbpf_prog_free(prog);
            uint32_t idx = key >> 1, max = key & 1 ? 9 : 4;
            uint64_t want = idx < max ? pattern(idx, 0, 0) : (uint64_t)-1;
            CHECK(r0[e] == want, "two maps %s key %u: %#" PRIx64 " want %#" PRIx64,
                  e ? "jit" : "interp", key, r0[e], want);
        }
    }
    pbpf_map_free(ms[0]);
    pbpf_map_free(ms[1]);
}

/* PERCPU_ARRAY of a runtime with 3 slots used by programs of one with 8:
 * a run's slot s sees the value of slot s % 3, as the helper computes.
 * Each thread started gets the next slot, so some runs need the modulo. */
static struct pbpf_map *pcpu3;
static void *pcpu_thread(void *arg)
{
    (void)arg;
    struct prog_buf p;
    build_lookup(&p, 12, 0, 0);
    uint32_t keys[NKEYS];
    keys_for(7, keys);
    uint64_t res[2][NKEYS];
    if (run_both(&p, &pcpu3, 1, 0, keys, res))
        return NULL;
    unsigned s = 0;
    while (s < 3 && expect(0, 7, 12, s, 0) != res[0][0])
        s++;
    CHECK(s < 3, "per-CPU: key 0 gave %#" PRIx64 ", no slot's value", res[0][0]);
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < NKEYS; k++)
            CHECK(res[e][k] == expect(keys[k], 7, 12, s, 0),
                  "per-CPU slot %u %s key %#x: %#" PRIx64, s, e ? "jit" : "interp", keys[k],
                  res[e][k]);
    return NULL;
}

static void test_percpu_slots(void)
{
    struct pbpf_runtime *three, *eight, *saved = rt;
    PBPF_OPTS(pbpf_runtime_opts, o3, .slots = 3);
    PBPF_OPTS(pbpf_runtime_opts, o8, .slots = 8);
    if (pbpf_runtime_new(&o3, &three) || pbpf_runtime_new(&o8, &eight)) {
        CHECK(0, "runtimes");
        return;
    }
    rt = three;
    pcpu3 = array(PBPF_MAP_TYPE_PERCPU_ARRAY, 12, 7, 0);
    rt = eight;
    if (pcpu3) {
        unsigned slots;
        fill(pcpu3, &slots);
        CHECK(slots == 3, "slots %u", slots);
        for (int i = 0; i < 9; i++) {
            struct pbpf_thread *t;
            if (pbpf_thread_start(&t, pcpu_thread, NULL) == 0)
                pbpf_thread_join(t);
        }
        pbpf_map_free(pcpu3);
    }
    rt = saved;
    pbpf_runtime_free(three);
    pbpf_runtime_free(eight);
}

/* An embedder's own bpf_map_lookup_elem is called, not bypassed. */
static unsigned own_calls;
static uint64_t own_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                           struct pbpf_run_ctx *ctx)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)ctx;
    own_calls++;
    return 0;
}

static void test_own_helper(void)
{
    struct pbpf_runtime *mine;
    if (pbpf_runtime_new(NULL, &mine)) {
        CHECK(0, "runtime");
        return;
    }
    pbpf_runtime_set_helper(mine, 1, own_lookup, "map_lookup_elem");
    struct pbpf_runtime *saved = rt;
    rt = mine;
    struct pbpf_map *m = array(PBPF_MAP_TYPE_ARRAY, 8, 16, 0);
    if (m) {
        unsigned slots;
        fill(m, &slots);
        struct prog_buf p;
        build_lookup(&p, 8, 0, 0);
        uint32_t keys[NKEYS];
        keys_for(16, keys);
        uint64_t res[2][NKEYS];
        own_calls = 0;
        if (!run_both(&p, &m, 1, 0, keys, res)) {
            CHECK(own_calls == 2 * NKEYS, "own helper called %u times, want %u", own_calls,
                  2 * NKEYS);
            for (int k = 0; k < NKEYS; k++)
                CHECK(res[1][k] == MISS, "own helper: jit key %#x gave %#" PRIx64, keys[k],
                      res[1][k]);
        }
        pbpf_map_free(m);
    }
    rt = saved;
    pbpf_runtime_free(mine);
}

int main(void)
{
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    struct pbpf_prog *probe;
    struct prog_buf p = {.n = 0};
    put(&p, MOVI(0, 0));
    put(&p, EXIT());
    PBPF_OPTS(pbpf_prog_opts, o, .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
              .mem_size = MEM_SIZE);
    if (pbpf_prog_load(rt, p.in, p.n, &o, &probe) == -EOPNOTSUPP) {
        printf("SKIP: no JIT on this host\n");
        pbpf_runtime_free(rt);
        return 77;
    }
    pbpf_prog_free(probe);
    test_arrays();
    test_hashes();
    test_mmap();
    test_of_maps();
    test_not_constant();
    test_percpu_slots();
    test_own_helper();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("jit map lookups: ok\n");
    return 0;
}
