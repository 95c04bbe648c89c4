/* PERF_EVENT_ARRAY and perf buffers: the map's bpf(2) semantics (compared
 * with the kernel where bpf() works), bpf_perf_event_output from programs
 * in both modes, and the records read from the buffer memory by a reader
 * that follows Linux's layout (include/uapi/linux/perf_event.h), written
 * here independently of pbpf's consumer: samples, padding, wrapping,
 * PERF_RECORD_LOST, polling. */
#include "kbpf.h"
#include "maps_test.h"
#include "platform/platform.h"

enum { H_PERF_OUTPUT = 25 };

static struct pbpf_runtime *rt;

/* --- a reader of the mmap'ed layout ------------------------------------- */

struct rec {
    uint32_t type;
    uint16_t misc, size;
    uint8_t body[70000];
};

/* Reads the record at data_tail without consuming it: 1, or 0 if none. */
static int peek_record(struct pbpf_perf_buf *b, struct rec *r)
{
    void *base;
    size_t total;
    if (pbpf_perf_buf_mmap(b, &base, &total))
        return 0;
    const uint8_t *page = base;
    uint64_t head, tail, off, dsize;
    memcpy(&off, page + 1040, 8);
    memcpy(&dsize, page + 1048, 8);
    head = __atomic_load_n((const uint64_t *)(page + 1024), __ATOMIC_ACQUIRE);
    tail = *(const uint64_t *)(page + 1032);
    CHECK_EQ(off, 4096);
    CHECK_EQ(dsize + 4096, total);
    if (head == tail)
        return 0;
    const uint8_t *data = page + off;
    uint8_t hdr[8];
    for (int i = 0; i < 8; i++)
        hdr[i] = data[(tail + (uint64_t)i) % dsize];
    memcpy(&r->type, hdr, 4);
    memcpy(&r->misc, hdr + 4, 2);
    memcpy(&r->size, hdr + 6, 2);
    for (uint32_t i = 8; i < r->size; i++)
        r->body[i - 8] = data[(tail + i) % dsize];
    return 1;
}

static void drop_record(struct pbpf_perf_buf *b, const struct rec *r)
{
    void *base;
    size_t total;
    pbpf_perf_buf_mmap(b, &base, &total);
    uint64_t *tailp = (uint64_t *)((uint8_t *)base + 1032);
    __atomic_store_n(tailp, *tailp + r->size, __ATOMIC_RELEASE);
}

/* --- programs ------------------------------------------------------------ */

/* r1 = ctx (mem), output(ctx, map, flags, mem + 0, size) */
static int output(enum pbpf_mode mode, struct pbpf_map *m, uint64_t flags, void *data,
                  uint32_t size, int64_t *ret)
{
    struct pbpf_insn p[] = {
        I_MOV64_REG(4, 1), I_MAP(2, m), I_LDDW(3, flags), I_MOV64_IMM(5, (int32_t)size),
        I_CALL(H_PERF_OUTPUT), I_EXIT(),
    };
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = mode);
    struct pbpf_prog *prog = NULL;
    int rc = pbpf_prog_load(rt, p, MT_LEN(p), &po, &prog);
    if (rc)
        return rc;
    uint64_t r0 = 0;
    rc = pbpf_prog_run(prog, data, size ? size : 1, &r0, NULL);
    pbpf_prog_free(prog);
    *ret = (int64_t)r0;
    return rc;
}

static void test_create_and_user_ops(void)
{
    /* fd_array_map_alloc_check / array_map_alloc_check */
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0), 0);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 4, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 8, 4, 4, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, PBPF_F_PRESERVE_ELEMS), 0);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, PBPF_F_RDONLY_PROG),
             -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, PBPF_F_MMAPABLE), -EINVAL);
    CHECK_EQ(mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, PBPF_F_NO_PREALLOC),
             -EINVAL);

    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0);
    struct pbpf_perf_buf *b = NULL;
    CHECK_EQ(pbpf_perf_buf_new(3, &b), -EINVAL); /* not a power of two */
    CHECK_EQ(pbpf_perf_buf_new(0, &b), -EINVAL);
    CHECK_EQ(pbpf_perf_buf_new(2, &b), 0);
    uint32_t k = 0, next = 99, v;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_NOEXIST), -EINVAL);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_EXIST), -EINVAL);
    k = 4;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), -E2BIG);
    k = 0;
    struct pbpf_perf_buf *null_buf = NULL;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &null_buf, PBPF_ANY), -EBADF);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &v), -PBPF_ENOTSUPP);
    struct pbpf_perf_buf *got = NULL;
    CHECK_EQ(pbpf_perf_event_array_get(m, 0, &got), 0);
    CHECK(got == b);
    CHECK_EQ(pbpf_perf_event_array_get(m, 1, &got), -ENOENT);
    CHECK_EQ(pbpf_perf_event_array_get(m, 4, &got), -E2BIG);
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &next), 0);
    CHECK_EQ(next, 0);
    k = 3;
    CHECK_EQ(pbpf_map_get_next_key(m, &k, &next), -ENOENT);
    k = 1;
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -ENOENT);
    k = 4;
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -E2BIG);
    k = 0;
    CHECK_EQ(pbpf_map_delete_elem(m, &k), 0);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -ENOENT);
    /* the map's reference keeps a buffer the caller dropped */
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), 0);
    pbpf_perf_buf_free(b);
    int64_t ret = 1;
    uint64_t payload = 42;
    CHECK_EQ(output(PBPF_MODE_CHECKED, m, 0, &payload, 8, &ret), 0);
    CHECK_EQ(ret, 0);
    CHECK_EQ(pbpf_perf_event_array_get(m, 0, &got), 0);
    CHECK_EQ(pbpf_perf_buf_avail(got), 24);
    /* batch update takes buffer pointers too */
    struct pbpf_perf_buf *bb[2];
    CHECK_EQ(pbpf_perf_buf_new(1, &bb[0]), 0);
    CHECK_EQ(pbpf_perf_buf_new(1, &bb[1]), 0);
    uint32_t keys[2] = {2, 3}, cnt = 2;
    CHECK_EQ(pbpf_map_update_batch(m, keys, bb, &cnt, NULL), 0);
    CHECK_EQ(cnt, 2);
    CHECK_EQ(pbpf_perf_event_array_get(m, 3, &got), 0);
    CHECK(got == bb[1]);
    pbpf_perf_buf_free(bb[0]);
    pbpf_perf_buf_free(bb[1]);
    pbpf_map_free(m);
    pbpf_maps_reclaim();
}

/* The same bpf(2) sequence on the kernel: no perf event is needed for
 * these answers (flags and index are checked before the fd). */
static void test_against_kernel(void)
{
    char why[200];
    if (!kbpf_probe(why, sizeof why)) {
        printf("kernel comparison skipped: %s\n", why);
        return;
    }
    static const uint32_t flags[] = {0, PBPF_F_PRESERVE_ELEMS, PBPF_F_RDONLY_PROG, PBPF_F_MMAPABLE,
                                     PBPF_F_NO_PREALLOC, PBPF_F_RDONLY, PBPF_F_NUMA_NODE,
                                     PBPF_F_ZERO_SEED, PBPF_F_INNER_MAP, PBPF_F_WRONLY_PROG};
    for (size_t i = 0; i < MT_LEN(flags); i++) {
        int kfd = kbpf_map_create(PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, flags[i]);
        int ours = mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, flags[i]);
        if ((kfd >= 0) != (ours == 0) || (kfd < 0 && kfd != ours))
            fprintf(stderr, "flags %#x: pbpf %d, kernel %d\n", flags[i], ours, kfd);
        CHECK((kfd >= 0) == (ours == 0) && (kfd >= 0 || kfd == ours));
        kbpf_close(kfd);
    }
    static const uint32_t sizes[][3] = {{4, 8, 4}, {8, 4, 4}, {4, 4, 0}, {2, 4, 4}};
    for (size_t i = 0; i < MT_LEN(sizes); i++) {
        int kfd = kbpf_map_create(PBPF_MAP_TYPE_PERF_EVENT_ARRAY, sizes[i][0], sizes[i][1],
                                  sizes[i][2], 0);
        int ours = mt_create_rc(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, sizes[i][0], sizes[i][1],
                                sizes[i][2], 0);
        CHECK_EQ(ours, kfd < 0 ? kfd : 0);
        kbpf_close(kfd);
    }
    int kfd = kbpf_map_create(PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0);
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0);
    struct pbpf_perf_buf *b = NULL;
    pbpf_perf_buf_new(1, &b);
    uint32_t k, v = 0, kv, next, knext;
    /* Linux's value is an fd: any int will do for the checks before it */
    int fd_val = 0;
    k = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_NOEXIST), kbpf_map_update(kfd, &k, &fd_val, 1));
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_EXIST), kbpf_map_update(kfd, &k, &fd_val, 2));
    k = 4;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), kbpf_map_update(kfd, &k, &fd_val, 0));
    k = 0;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &v), kbpf_map_lookup(kfd, &k, &kv));
    CHECK_EQ(pbpf_map_delete_elem(m, &k), kbpf_map_delete(kfd, &k));
    k = 9;
    CHECK_EQ(pbpf_map_delete_elem(m, &k), kbpf_map_delete(kfd, &k));
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &next), kbpf_map_get_next_key(kfd, NULL, &knext));
    CHECK_EQ(next, knext);
    for (k = 0; k < 6; k++) {
        int a = pbpf_map_get_next_key(m, &k, &next), c = kbpf_map_get_next_key(kfd, &k, &knext);
        CHECK_EQ(a, c);
        if (!a && !c)
            CHECK_EQ(next, knext);
    }
    pbpf_perf_buf_free(b);
    pbpf_map_free(m);
    kbpf_close(kfd);
}

static void test_record_layout(void)
{
    static struct rec r;
    for (int mi = 0; mi < 2; mi++) {
        enum pbpf_mode mode = mi ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED;
        struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0);
        struct pbpf_perf_buf *b = NULL;
        CHECK_EQ(pbpf_perf_buf_new(1, &b), 0);
        /* the runtime has one slot: BPF_F_CURRENT_CPU is index 0 */
        uint32_t k = 0;
        CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), 0);
        for (uint32_t size = 0; size <= 17; size++) {
            uint8_t data[32];
            for (uint32_t i = 0; i < sizeof data; i++)
                data[i] = (uint8_t)(0xa0 + i + size);
            int64_t ret = -1;
            CHECK_EQ(output(mode, m, PBPF_F_CURRENT_CPU, data, size, &ret), 0);
            CHECK_EQ(ret, 0);
            CHECK(peek_record(b, &r));
            /* perf_prepare_sample: u32 size + data rounded up to 8 */
            uint32_t raw = ((size + 4 + 7) & ~7u) - 4;
            CHECK_EQ(r.type, PBPF_PERF_RECORD_SAMPLE);
            CHECK_EQ(r.size, 8 + 4 + raw);
            CHECK_EQ(r.size % 8, 0);
            uint32_t rs;
            memcpy(&rs, r.body, 4);
            CHECK_EQ(rs, raw);
            CHECK(memcmp(r.body + 4, data, size) == 0);
            for (uint32_t i = size; i < raw; i++)
                CHECK_EQ(r.body[4 + i], 0);
            drop_record(b, &r);
        }
        /* errors: index past the map, an empty index, other flag bits */
        uint64_t x = 1;
        int64_t ret = 0;
        CHECK_EQ(output(mode, m, 2, &x, 8, &ret), 0);
        CHECK_EQ(ret, -E2BIG);
        CHECK_EQ(output(mode, m, 1, &x, 8, &ret), 0);
        CHECK_EQ(ret, -ENOENT);
        CHECK_EQ(output(mode, m, 1ull << 32, &x, 8, &ret), 0);
        CHECK_EQ(ret, -EINVAL);
        CHECK_EQ(pbpf_perf_buf_avail(b), 0);
        pbpf_perf_buf_free(b);
        pbpf_map_free(m);
    }
    pbpf_maps_reclaim();
}

struct seen {
    uint64_t next_seq;
    int samples, bad;
    uint64_t lost;
};

static int on_sample(void *ctx, void *data, uint32_t size)
{
    struct seen *s = ctx;
    uint64_t seq;
    memcpy(&seq, data, 8);
    /* every byte after the sequence number is derived from it */
    for (uint32_t i = 8; i + 1 < size && i < 8 + (seq % 200); i++)
        if (((uint8_t *)data)[i] != (uint8_t)(seq + i))
            s->bad++;
    if (seq < s->next_seq)
        s->bad++;
    s->next_seq = seq + 1;
    s->samples++;
    return 0;
}

static void on_lost(void *ctx, uint64_t n)
{
    struct seen *s = ctx;
    s->lost += n;
}

/* Records of odd sizes wrap the ring many times; some do not fit and are
 * reported as lost; the consumer sees every other one intact, in order. */
static void test_wrap_and_lost(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0);
    struct pbpf_perf_buf *b = NULL;
    CHECK_EQ(pbpf_perf_buf_new(1, &b), 0);
    uint32_t k = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), 0);
    struct seen s = {0};
    uint8_t data[8 + 200];
    int ok = 0, dropped = 0;
    for (uint64_t seq = 0; seq < 3000; seq++) {
        uint32_t size = 8 + (uint32_t)(seq % 200);
        memcpy(data, &seq, 8);
        for (uint32_t i = 8; i < size; i++)
            data[i] = (uint8_t)(seq + i);
        int64_t ret = 0;
        CHECK_EQ(output(PBPF_MODE_CHECKED, m, 0, data, size, &ret), 0);
        if (ret == 0)
            ok++;
        else if (ret == -ENOSPC)
            dropped++;
        else
            CHECK_EQ(ret, 0);
        /* drain only now and then, so the ring fills up */
        if (seq % 37 == 36)
            CHECK(pbpf_perf_buf_consume(b, on_sample, on_lost, &s) >= 0);
    }
    CHECK(pbpf_perf_buf_consume(b, on_sample, on_lost, &s) >= 0);
    CHECK(dropped > 0);
    CHECK_EQ(s.samples, ok);
    CHECK_EQ(s.bad, 0);
    /* a drop is reported before the next sample that fits, so the last
     * drops are reported only after one more sample */
    uint64_t seq = 99999;
    memcpy(data, &seq, 8);
    int64_t ret = 0;
    CHECK_EQ(output(PBPF_MODE_CHECKED, m, 0, data, 8, &ret), 0);
    CHECK_EQ(ret, 0);
    CHECK(pbpf_perf_buf_consume(b, on_sample, on_lost, &s) >= 0);
    CHECK_EQ(s.lost, (uint64_t)dropped);
    /* a sample larger than the ring is lost too; one over 16 bits is E2BIG */
    static uint8_t big[70000];
    CHECK_EQ(output(PBPF_MODE_CHECKED, m, 0, big, 5000, &ret), 0);
    CHECK_EQ(ret, -ENOSPC);
    CHECK_EQ(output(PBPF_MODE_CHECKED, m, 0, big, 65530, &ret), 0);
    CHECK_EQ(ret, -E2BIG);
    pbpf_perf_buf_free(b);
    pbpf_map_free(m);
    pbpf_maps_reclaim();
}

struct producer {
    struct pbpf_map *m;
    uint64_t delay_ns;
};

static void *produce_later(void *arg)
{
    struct producer *p = arg;
    pbpf_sleep_ns(p->delay_ns);
    uint64_t v = 7;
    int64_t ret = 0;
    output(PBPF_MODE_CHECKED, p->m, 0, &v, 8, &ret);
    return (void *)(intptr_t)ret;
}

static void test_poll(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0);
    struct pbpf_perf_buf *b[2] = {NULL, NULL};
    CHECK_EQ(pbpf_perf_buf_new(1, &b[0]), 0);
    uint32_t k = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b[0], PBPF_ANY), 0);
    uint64_t t0 = pbpf_time_mono_ns();
    CHECK_EQ(pbpf_perf_buf_poll(b, 2, 20), 0);
    CHECK(pbpf_time_mono_ns() - t0 >= 20000000u);
    CHECK_EQ(pbpf_perf_buf_poll(b, 2, 0), 0);
    struct producer p = {m, 30000000u};
    struct pbpf_thread *t;
    CHECK_EQ(pbpf_thread_start(&t, produce_later, &p), 0);
    t0 = pbpf_time_mono_ns();
    CHECK_EQ(pbpf_perf_buf_poll(b, 2, -1), 1);
    uint64_t waited = pbpf_time_mono_ns() - t0;
    CHECK((intptr_t)pbpf_thread_join(t) == 0);
    CHECK(waited < 2000000000u);
    struct seen s = {0};
    CHECK_EQ(pbpf_perf_buf_consume(b[0], on_sample, on_lost, &s), 1);
    CHECK_EQ(pbpf_perf_buf_poll(b, 2, 0), 0);
    pbpf_perf_buf_free(b[0]);
    pbpf_map_free(m);
    pbpf_maps_reclaim();
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 1);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_create_and_user_ops();
    test_against_kernel();
    test_record_layout();
    test_wrap_and_lost();
    test_poll();
    pbpf_runtime_free(rt);
    return mt_report("maps_perf");
}
