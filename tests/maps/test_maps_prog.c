/* Map helpers from programs: raw instruction arrays that name maps with a
 * 64-bit immediate (what the loader patches lddw src=1 into), run in
 * checked and verified mode; and checked mode refusing bad arguments. */
#include "maps_test.h"

enum {
    H_LOOKUP = 1, H_UPDATE = 2, H_DELETE = 3, H_SMP_ID = 8, H_PUSH = 87, H_POP = 88, H_PEEK = 89,
    H_RB_OUTPUT = 130, H_RB_RESERVE = 131, H_RB_SUBMIT = 132, H_RB_DISCARD = 133, H_RB_QUERY = 134,
};

static struct pbpf_runtime *rt;

static int run_mode(const struct pbpf_insn *insns, size_t n, enum pbpf_mode mode, uint64_t *r0)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = mode);
    char log[256] = "";
    po.log_buf = log;
    po.log_size = sizeof log;
    struct pbpf_prog *prog = NULL;
    int rc = pbpf_prog_load(rt, insns, n, &po, &prog);
    if (rc) {
        fprintf(stderr, "load failed: %d %s\n", rc, log);
        return rc;
    }
    char err[200] = "";
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    rc = pbpf_prog_run(prog, NULL, 0, r0, &ro);
    pbpf_prog_free(prog);
    return rc;
}

#define RUN(mode, r0, ...)                                                                         \
    ({                                                                                             \
        const struct pbpf_insn mt_p[] = {__VA_ARGS__};                                             \
        run_mode(mt_p, MT_LEN(mt_p), mode, r0);                                                    \
    })

static const enum pbpf_mode modes[] = {PBPF_MODE_CHECKED, PBPF_MODE_VERIFIED};

/* key 0 on the stack at r10-4; r2 = &key */
#define KEY0_R2 I_ST_W(10, -4, 0), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -4)

static void test_array_counter(void)
{
    for (int mi = 0; mi < 2; mi++) {
        struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
        for (int i = 0; i < 10; i++) {
            uint64_t r0 = 99;
            int rc = RUN(modes[mi], &r0, KEY0_R2, I_MAP(1, m), I_CALL(H_LOOKUP),
                         I_JNE_IMM(0, 0, 2), I_MOV64_IMM(0, -1), I_EXIT(), I_MOV64_IMM(1, 1),
                         I_XADD_DW(0, 1, 0), I_LDX_DW(0, 0, 0), I_EXIT());
            CHECK_EQ(rc, 0);
            CHECK_EQ(r0, i + 1);
        }
        uint32_t k = 0;
        uint64_t v;
        CHECK_EQ(pbpf_map_lookup_elem(m, &k, &v), 0);
        CHECK_EQ(v, 10);
        pbpf_map_free(m);
    }
}

static void test_hash_update_delete(void)
{
    for (int mi = 0; mi < 2; mi++) {
        struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 8, 4, 0);
        /* update(map, &key=0, &val=1234, flags) */
        for (int flags = PBPF_NOEXIST, i = 0; i < 2; i++) {
            uint64_t r0 = 1;
            int rc = RUN(modes[mi], &r0, KEY0_R2, I_ST_DW(10, -16, 1234), I_MOV64_REG(3, 10),
                         I_ADD64_IMM(3, -16), I_MOV64_IMM(4, flags), I_MAP(1, m),
                         I_CALL(H_UPDATE), I_EXIT());
            CHECK_EQ(rc, 0);
            CHECK_EQ((int64_t)r0, i == 0 ? 0 : -EEXIST);
        }
        uint32_t k = 0;
        uint64_t v = 0;
        CHECK_EQ(pbpf_map_lookup_elem(m, &k, &v), 0);
        CHECK_EQ(v, 1234);
        for (int i = 0; i < 2; i++) {
            uint64_t r0 = 1;
            int rc = RUN(modes[mi], &r0, KEY0_R2, I_MAP(1, m), I_CALL(H_DELETE), I_EXIT());
            CHECK_EQ(rc, 0);
            CHECK_EQ((int64_t)r0, i == 0 ? 0 : -ENOENT);
        }
        CHECK_EQ(pbpf_map_lookup_elem(m, &k, &v), -ENOENT);
        pbpf_map_free(m);
    }
}

static void test_percpu_slot(void)
{
    unsigned slots = 4;
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
    uint64_t slot = 0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &slot, I_CALL(H_SMP_ID), I_EXIT()), 0);
    /* store 77 into this slot's value */
    uint64_t r0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JEQ_IMM(0, 0, 1), I_ST_DW(0, 0, 77), I_EXIT()),
             0);
    uint64_t vals[4];
    uint32_t k = 0;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, vals), 0);
    for (unsigned s = 0; s < slots; s++)
        CHECK_EQ(vals[s], s == slot ? 77 : 0);
    pbpf_map_free(m);
}

static void test_queue_prog(void)
{
    struct pbpf_map *q = mt_map(rt, PBPF_MAP_TYPE_QUEUE, 0, 8, 2, 0);
    for (int i = 0; i < 3; i++) {
        uint64_t r0;
        CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, I_ST_DW(10, -8, 40 + i), I_MOV64_REG(2, 10),
                     I_ADD64_IMM(2, -8), I_MOV64_IMM(3, 0), I_MAP(1, q), I_CALL(H_PUSH), I_EXIT()),
                 0);
        CHECK_EQ((int64_t)r0, i < 2 ? 0 : -E2BIG);
    }
    /* peek then pop: r0 = peeked * 1000 + popped */
    uint64_t r0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, I_MOV64_REG(2, 10), I_ADD64_IMM(2, -8), I_MAP(1, q),
                 I_CALL(H_PEEK), I_LDX_DW(6, 10, -8), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -16),
                 I_MAP(1, q), I_CALL(H_POP), I_LDX_DW(0, 10, -16), I_ADD64_REG(0, 6), I_EXIT()),
             0);
    CHECK_EQ(r0, 80);
    pbpf_map_free(q);
}

struct rb_seen {
    uint64_t count, sum;
    int bad;
};

static int rb_cb(void *ctx, void *data, size_t size)
{
    struct rb_seen *s = ctx;
    const uint8_t *p = data;
    s->count++;
    for (size_t i = 0; i < size; i++) {
        if (p[i] != (uint8_t)(p[0] + i))
            s->bad++;
        s->sum += p[i];
    }
    return 0;
}

static void test_ringbuf_prog(void)
{
    struct pbpf_map *rb = mt_map(rt, PBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
    struct rb_seen seen = {0};
    /* reserve 16 bytes, fill, submit; reserve again and discard; output 8 */
    uint64_t r0;
    int rc = RUN(PBPF_MODE_CHECKED, &r0, I_MAP(1, rb), I_MOV64_IMM(2, 16), I_MOV64_IMM(3, 0),
                 I_CALL(H_RB_RESERVE), I_JNE_IMM(0, 0, 2), I_MOV64_IMM(0, -1), I_EXIT(),
                 I_LDDW(1, 0x0706050403020100ull), I_STX_DW(0, 1, 0),
                 I_LDDW(1, 0x0f0e0d0c0b0a0908ull), I_STX_DW(0, 1, 8), I_MOV64_REG(1, 0),
                 I_MOV64_IMM(2, 0), I_CALL(H_RB_SUBMIT), I_MAP(1, rb), I_MOV64_IMM(2, 8),
                 I_MOV64_IMM(3, 0), I_CALL(H_RB_RESERVE), I_JEQ_IMM(0, 0, 3), I_MOV64_REG(1, 0),
                 I_MOV64_IMM(2, 0), I_CALL(H_RB_DISCARD), I_LDDW(1, 0x2726252423222120ull),
                 I_STX_DW(10, 1, -8), I_MAP(1, rb), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -8),
                 I_MOV64_IMM(3, 8), I_MOV64_IMM(4, 0), I_CALL(H_RB_OUTPUT), I_JNE_IMM(0, 0, 3),
                 I_MAP(1, rb), I_MOV64_IMM(2, 0), I_CALL(H_RB_QUERY), I_EXIT());
    CHECK_EQ(rc, 0);
    /* avail data = 3 records: (16+8) + (8+8) + (8+8) */
    CHECK_EQ(r0, 56);
    CHECK_EQ(pbpf_ringbuf_consume(rb, rb_cb, &seen), 2); /* the discarded one is skipped */
    CHECK_EQ(seen.count, 2);
    CHECK_EQ(seen.bad, 0);
    uint64_t want = 0;
    for (int i = 0; i < 16; i++)
        want += i;
    for (int i = 0; i < 8; i++)
        want += 0x20 + i;
    CHECK_EQ(seen.sum, want);

    /* many records of awkward sizes wrap around: content stays intact for a
     * consumer reading contiguously (like libbpf over the double mapping) */
    struct pbpf_ringbuf_area a;
    CHECK_EQ(pbpf_ringbuf_area(rb, &a), 0);
    uint8_t buf[1000];
    uint64_t produced = 0, consumed = 0, full = 0;
    for (int i = 0; i < 400; i++) {
        size_t len = 1 + (size_t)(i * 37) % 700;
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)(i + j);
        rc = RUN(PBPF_MODE_CHECKED, &r0, I_MAP(1, rb), I_LDDW(2, (uintptr_t)buf),
                 I_MOV64_IMM(3, (int)len), I_MOV64_IMM(4, 0), I_CALL(H_RB_OUTPUT), I_EXIT());
        /* buf is not memory the checked program may read: it is refused */
        CHECK_EQ(rc, -EFAULT);
        rc = RUN(PBPF_MODE_VERIFIED, &r0, I_MAP(1, rb), I_LDDW(2, (uintptr_t)buf),
                 I_MOV64_IMM(3, (int)len), I_MOV64_IMM(4, 0), I_CALL(H_RB_OUTPUT), I_EXIT());
        CHECK_EQ(rc, 0);
        if ((int64_t)r0 == -EAGAIN) {
            full++;
        } else {
            CHECK_EQ(r0, 0);
            produced++;
        }
        if (i % 8 == 7) {
            /* the libbpf way: header at data + (cons & mask), sample read
             * contiguously after it */
            uint64_t cons = __atomic_load_n(a.consumer_pos, __ATOMIC_ACQUIRE);
            uint64_t prod = __atomic_load_n(a.producer_pos, __ATOMIC_ACQUIRE);
            while (cons < prod) {
                const uint32_t *hdr = (const uint32_t *)(a.data + (cons & (a.size - 1)));
                uint32_t len32 = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
                CHECK(!(len32 & PBPF_RINGBUF_BUSY_BIT));
                struct rb_seen one = {0};
                rb_cb(&one, (void *)(hdr + 2), len32 & ~PBPF_RINGBUF_DISCARD_BIT);
                CHECK_EQ(one.bad, 0);
                consumed++;
                cons += ((len32 & ~PBPF_RINGBUF_DISCARD_BIT) + 8 + 7) & ~7u;
                __atomic_store_n(a.consumer_pos, cons, __ATOMIC_RELEASE);
            }
        }
    }
    seen = (struct rb_seen){0};
    int n = pbpf_ringbuf_consume(rb, rb_cb, &seen);
    CHECK(n >= 0);
    CHECK_EQ(seen.bad, 0);
    CHECK_EQ(consumed + (uint64_t)n, produced);
    CHECK(full > 0);
    CHECK(produced > 100);

    /* checked mode: submitting something that is not a reservation */
    rc = RUN(PBPF_MODE_CHECKED, &r0, I_MOV64_REG(1, 10), I_ADD64_IMM(1, -16), I_MOV64_IMM(2, 0),
             I_CALL(H_RB_SUBMIT), I_MOV64_IMM(0, 0), I_EXIT());
    CHECK_EQ(rc, -EFAULT);
    pbpf_map_free(rb);
}

static void test_checked_refusals(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    uint64_t r0;
    /* not a map */
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_LDDW(1, 0x1234), I_CALL(H_LOOKUP), I_EXIT()),
             -EFAULT);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_LDDW(1, (uintptr_t)&r0), I_CALL(H_UPDATE),
                 I_EXIT()),
             -EFAULT);
    /* key pointer outside every region */
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, I_MAP(1, m), I_LDDW(2, 0x10), I_CALL(H_LOOKUP), I_EXIT()),
             -EFAULT);
    /* the value is 8 bytes: reading at +8 is outside it */
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JEQ_IMM(0, 0, 1), I_LDX_DW(0, 0, 8), I_EXIT()),
             -EFAULT);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JEQ_IMM(0, 0, 1), I_LDX_DW(0, 0, 0), I_EXIT()),
             0);
    /* a freed map is no longer a map */
    struct pbpf_map *gone = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 4, 1, 0);
    pbpf_map_free(gone);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_MAP(1, gone), I_CALL(H_LOOKUP), I_EXIT()),
             -EFAULT);
    /* a read-only-for-programs map refuses program writes */
    struct pbpf_map *ro = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 1, PBPF_F_RDONLY_PROG);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_MAP(1, ro), I_CALL(H_LOOKUP),
                 I_JEQ_IMM(0, 0, 1), I_ST_DW(0, 0, 1), I_EXIT()),
             -EFAULT);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY0_R2, I_ST_DW(10, -16, 0), I_MOV64_REG(3, 10),
                 I_ADD64_IMM(3, -16), I_MOV64_IMM(4, 0),
                 I_MAP(1, ro), I_CALL(H_UPDATE), I_EXIT()),
             0);
    CHECK_EQ((int64_t)r0, -EPERM);
    pbpf_map_free(ro);
    pbpf_map_free(m);
}

static void test_map_in_map_prog(void)
{
    struct pbpf_map *inner = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_HASH_OF_MAPS, .key_size = 4,
              .value_size = 4, .max_entries = 4, .inner_map = inner);
    struct pbpf_map *outer = NULL;
    CHECK_EQ(pbpf_map_create(rt, &o, &outer), 0);
    uint32_t k = 0;
    uint64_t v = 4242;
    CHECK_EQ(pbpf_map_update_elem(inner, &k, &v, 0), 0);
    CHECK_EQ(pbpf_map_update_elem(outer, &k, &inner, 0), 0);
    for (int mi = 0; mi < 2; mi++) {
        uint64_t r0 = 0;
        CHECK_EQ(RUN(modes[mi], &r0, KEY0_R2, I_MAP(1, outer), I_CALL(H_LOOKUP),
                     I_JEQ_IMM(0, 0, 6), I_MOV64_REG(1, 0), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -4),
                     I_CALL(H_LOOKUP), I_JEQ_IMM(0, 0, 1), I_LDX_DW(0, 0, 0), I_EXIT()),
                 0);
        CHECK_EQ(r0, 4242);
    }
    pbpf_map_free(outer);
    pbpf_map_free(inner);
}

static void test_lru_prog(void)
{
    /* a key programs keep using survives a flood of new keys */
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_LRU_HASH, 4, 8, 16, 0);
    uint32_t hot = 0;
    uint64_t v = 1, r0;
    CHECK_EQ(pbpf_map_update_elem(m, &hot, &v, 0), 0);
    for (uint32_t k = 1; k < 200; k++) {
        CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
        CHECK_EQ(RUN(PBPF_MODE_VERIFIED, &r0, KEY0_R2, I_MAP(1, m), I_CALL(H_LOOKUP), I_EXIT()), 0);
        CHECK(r0 != 0);
    }
    pbpf_map_free(m);
}

/* The map table of pbpf_prog_load: lddw src=1 (map by index) and src=2
 * (address inside the value of a single-element array, global data). */
#define I_LD_MAPIDX(d, src, idx, off)                                                              \
    MT_INSN(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, d, src, 0, idx), MT_INSN(0, 0, 0, 0, off)

static int run_table(const struct pbpf_insn *insns, size_t n, enum pbpf_mode mode,
                     struct pbpf_map **maps, size_t map_cnt, uint64_t *r0, char *log,
                     size_t log_size)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = mode, .maps = maps, .map_cnt = map_cnt,
              .log_buf = log, .log_size = log_size);
    struct pbpf_prog *prog = NULL;
    int rc = pbpf_prog_load(rt, insns, n, &po, &prog);
    if (rc)
        return rc;
    rc = pbpf_prog_run(prog, NULL, 0, r0, NULL);
    pbpf_prog_free(prog);
    return rc;
}

static void test_map_table(void)
{
    PBPF_OPTS(pbpf_map_create_opts, ho, .type = PBPF_MAP_TYPE_HASH, .key_size = 4,
              .value_size = 8, .max_entries = 4);
    PBPF_OPTS(pbpf_map_create_opts, go, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 16, .max_entries = 1);
    PBPF_OPTS(pbpf_map_create_opts, ro_, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 8, .max_entries = 1, .map_flags = PBPF_F_RDONLY_PROG);
    struct pbpf_map *h = NULL, *g = NULL, *ro = NULL;
    CHECK_EQ(pbpf_map_create(rt, &ho, &h), 0);
    CHECK_EQ(pbpf_map_create(rt, &go, &g), 0);
    CHECK_EQ(pbpf_map_create(rt, &ro_, &ro), 0);
    if (!h || !g || !ro)
        return;
    uint32_t k0 = 0;
    uint64_t seven = 7, gv[2] = {0, 40};
    CHECK_EQ(pbpf_map_update_elem(h, &k0, &seven, 0), 0);
    CHECK_EQ(pbpf_map_update_elem(g, &k0, gv, 0), 0);
    struct pbpf_map *maps[] = {g, h, ro};
    const struct pbpf_insn prog[] = {
        /* r6 = &global[8]; *r6 += 2 */
        I_LD_MAPIDX(6, 2, 0, 8), I_LDX_DW(1, 6, 0), I_ADD64_IMM(1, 2), I_STX_DW(6, 1, 0),
        /* r0 = *lookup(hash, &0) + *r6 */
        KEY0_R2, I_LD_MAPIDX(1, 1, 1, 0), I_CALL(H_LOOKUP), I_JNE_IMM(0, 0, 2),
        I_MOV64_IMM(0, -1), I_EXIT(), I_LDX_DW(0, 0, 0), I_LDX_DW(1, 6, 0), I_ADD64_REG(0, 1),
        I_EXIT(),
    };
    char log[256];
    for (size_t i = 0; i < 2; i++) {
        uint64_t r0 = 0;
        CHECK_EQ(run_table(prog, MT_LEN(prog), modes[i], maps, 2, &r0, log, sizeof log), 0);
        CHECK_EQ(r0, 7 + 40 + 2 * (i + 1));
    }
    uint64_t out[2];
    CHECK_EQ(pbpf_map_lookup_elem(g, &k0, out), 0);
    CHECK_EQ(out[1], 44);

    uint64_t r0;
    /* an index past the table is a bad fd, as Linux says it */
    const struct pbpf_insn bad_idx[] = {I_LD_MAPIDX(1, 1, 3, 0), I_MOV64_IMM(0, 0), I_EXIT()};
    CHECK_EQ(run_table(bad_idx, MT_LEN(bad_idx), PBPF_MODE_CHECKED, maps, 3, &r0, log,
                       sizeof log), -EBADF);
    CHECK(strstr(log, "insn 0: fd 3 is not pointing to valid bpf_map") != NULL);
    /* direct value access: single-element arrays only, offset inside the value */
    const struct pbpf_insn on_hash[] = {I_LD_MAPIDX(1, 2, 1, 0), I_MOV64_IMM(0, 0), I_EXIT()};
    CHECK_EQ(run_table(on_hash, MT_LEN(on_hash), PBPF_MODE_CHECKED, maps, 3, &r0, log,
                       sizeof log), -EINVAL);
    CHECK(strstr(log, "single-element array") != NULL);
    const struct pbpf_insn past[] = {I_LD_MAPIDX(1, 2, 0, 16), I_MOV64_IMM(0, 0), I_EXIT()};
    CHECK_EQ(run_table(past, MT_LEN(past), PBPF_MODE_CHECKED, maps, 3, &r0, log, sizeof log),
             -EINVAL);
    CHECK(strstr(log, "value_size=16 off=16") != NULL);
    /* checked mode: a read-only-for-programs value cannot be written, and
     * the global data region ends with the value */
    const struct pbpf_insn ro_write[] = {I_LD_MAPIDX(1, 2, 2, 0), I_ST_DW(1, 0, 1),
                                         I_MOV64_IMM(0, 0), I_EXIT()};
    CHECK_EQ(run_table(ro_write, MT_LEN(ro_write), PBPF_MODE_CHECKED, maps, 3, &r0, log,
                       sizeof log), -EFAULT);
    const struct pbpf_insn ro_read[] = {I_LD_MAPIDX(1, 2, 2, 0), I_LDX_DW(0, 1, 0), I_EXIT()};
    CHECK_EQ(run_table(ro_read, MT_LEN(ro_read), PBPF_MODE_CHECKED, maps, 3, &r0, log,
                       sizeof log), 0);
    const struct pbpf_insn g_past[] = {I_LD_MAPIDX(1, 2, 0, 8), I_LDX_DW(0, 1, 8), I_EXIT()};
    CHECK_EQ(run_table(g_past, MT_LEN(g_past), PBPF_MODE_CHECKED, maps, 3, &r0, log,
                       sizeof log), -EFAULT);
    /* the programs held references: the maps outlive the caller's */
    pbpf_map_free(h);
    pbpf_map_free(g);
    pbpf_map_free(ro);
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 4);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_array_counter();
    test_hash_update_delete();
    test_percpu_slot();
    test_queue_prog();
    test_ringbuf_prog();
    test_checked_refusals();
    test_map_in_map_prog();
    test_lru_prog();
    test_map_table();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_prog");
}
