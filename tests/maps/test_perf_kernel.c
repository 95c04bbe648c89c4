/* bpf_perf_event_output compared with the kernel: the same raw tracepoint
 * program runs on pbpf (PBPF_F_TEST_RUN_ON_CPU, slot 0) and on Linux
 * (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU, CPU 0), writing into
 * a PERF_EVENT_ARRAY whose entries are, on Linux, perf events the test
 * opens per CPU with perf_event_open (PERF_COUNT_SW_BPF_OUTPUT,
 * PERF_SAMPLE_RAW) and mmaps, and on pbpf, buffers bound to slots.
 * Compared: the helper's return for BPF_F_CURRENT_CPU, the own index,
 * another CPU's index, an empty index, an index past the end, bits past
 * the index; the records (type, size, raw size, data; misc is the
 * kernel's or user's mode, which differ by design); and a full ring: how
 * many samples fit, -ENOSPC, and the PERF_RECORD_LOST that precedes the
 * next sample with its count. */
#include "kbpf.h"
#include "maps/map.h"
#include "maps_test.h"
#include "pbpf/hooks.h"

#if defined(__linux__)
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#define HAVE_KERNEL 1
#endif

#define PT_RAW_TRACEPOINT 17
#define BUF_PAGES 1
#define RING (BUF_PAGES * 4096u)

static struct pbpf_runtime *rt;

/* A ring in Linux's mmap layout, pbpf's or the kernel's. */
struct ring {
    uint8_t *page;
};

static uint64_t ring_head(struct ring *r)
{
    return __atomic_load_n((uint64_t *)(r->page + 1024), __ATOMIC_ACQUIRE);
}

static uint64_t ring_tail(struct ring *r) { return *(uint64_t *)(r->page + 1032); }

static void ring_skip_all(struct ring *r)
{
    __atomic_store_n((uint64_t *)(r->page + 1032), ring_head(r), __ATOMIC_RELEASE);
}

/* The record at the tail (bytes copied out of the ring); 0 if none. */
static int ring_next(struct ring *r, uint8_t *rec, uint32_t *size)
{
    uint64_t head = ring_head(r), tail = ring_tail(r);
    if (head == tail)
        return 0;
    const uint8_t *data = r->page + 4096;
    for (uint32_t i = 0; i < 8; i++)
        rec[i] = data[(tail + i) % RING];
    uint16_t sz;
    memcpy(&sz, rec + 6, 2);
    for (uint32_t i = 8; i < sz; i++)
        rec[i] = data[(tail + i) % RING];
    *size = sz;
    __atomic_store_n((uint64_t *)(r->page + 1032), tail + sz, __ATOMIC_RELEASE);
    return 1;
}

/* output(ctx, map, flags, fp - 8 * n8, size) with the stack filled with a
 * pattern; r0 is the helper's result.  map_ref: for the kernel, the map
 * fd with src=1; for pbpf, index 0 of the program's maps with src=1. */
static size_t build(struct pbpf_insn *in, int map_ref, uint64_t flags, uint32_t size)
{
    size_t n = 0;
    uint32_t n8 = size ? (size + 7) / 8 : 1; /* size 0 still points into the stack */
    for (uint32_t i = 0; i < n8; i++)
        in[n++] = I_ST_DW(10, -8 * (int)(i + 1), (int32_t)(0x01020304u * (i + 1) + 0x51));
    in[n++] = MT_INSN(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, 2, 1, 0, map_ref);
    in[n++] = MT_INSN(0, 0, 0, 0, 0);
    const struct pbpf_insn ld[] = {I_LDDW(3, flags)};
    in[n++] = ld[0];
    in[n++] = ld[1];
    in[n++] = I_MOV64_REG(4, 10);
    in[n++] = I_ADD64_IMM(4, -8 * (int32_t)n8);
    in[n++] = I_MOV64_IMM(5, (int32_t)size);
    in[n++] = I_CALL(25);
    in[n++] = I_EXIT();
    return n;
}

#ifdef HAVE_KERNEL
struct side {
    /* pbpf */
    struct pbpf_map *map;
    struct pbpf_perf_buf *bufs[2];
    /* kernel */
    int kmap, efd[2];
    void *kmem[2];
    struct ring pr[2], kr[2];
    uint32_t max; /* entries: 2 filled, the rest empty */
};

static int perf_open(int cpu)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_BPF_OUTPUT;
    a.sample_type = PERF_SAMPLE_RAW;
    a.sample_period = 1;
    a.wakeup_events = 1;
    return (int)syscall(__NR_perf_event_open, &a, -1, cpu, -1, 0);
}

static int side_open(struct side *s, char *why, size_t why_size)
{
    memset(s, 0, sizeof *s);
    s->max = 4;
    s->kmap = kbpf_map_create(PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, s->max, 0);
    if (s->kmap < 0) {
        snprintf(why, why_size, "PERF_EVENT_ARRAY: %d", s->kmap);
        return 0;
    }
    for (int c = 0; c < 2; c++) {
        s->efd[c] = perf_open(c);
        if (s->efd[c] < 0) {
            snprintf(why, why_size, "perf_event_open on CPU %d: %s", c, strerror(errno));
            return 0;
        }
        s->kmem[c] = mmap(NULL, 4096 + RING, PROT_READ | PROT_WRITE, MAP_SHARED, s->efd[c], 0);
        if (s->kmem[c] == MAP_FAILED) {
            s->kmem[c] = NULL;
            snprintf(why, why_size, "mmap of the perf event: %s", strerror(errno));
            return 0;
        }
        ioctl(s->efd[c], PERF_EVENT_IOC_ENABLE, 0);
        uint32_t k = (uint32_t)c;
        if (kbpf_map_update(s->kmap, &k, &s->efd[c], 0) != 0) {
            snprintf(why, why_size, "perf event fd into the map refused");
            return 0;
        }
        s->kr[c].page = s->kmem[c];
    }
    s->map = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, s->max, 0);
    for (int c = 0; c < 2; c++) {
        uint32_t k = (uint32_t)c;
        CHECK_EQ(pbpf_perf_buf_new(BUF_PAGES, &s->bufs[c]), 0);
        CHECK_EQ(pbpf_perf_buf_bind(s->bufs[c], c), 0);
        CHECK_EQ(pbpf_map_update_elem(s->map, &k, &s->bufs[c], PBPF_ANY), 0);
        void *base;
        size_t total;
        pbpf_perf_buf_mmap(s->bufs[c], &base, &total);
        s->pr[c].page = base;
    }
    return 1;
}

static void side_close(struct side *s)
{
    for (int c = 0; c < 2; c++) {
        if (s->kmem[c])
            munmap(s->kmem[c], 4096 + RING);
        if (s->efd[c] > 0)
            close(s->efd[c]);
        pbpf_perf_buf_free(s->bufs[c]);
    }
    kbpf_close(s->kmap);
    pbpf_map_free(s->map);
}

/* One run on CPU/slot 0 each; the helper's results (-errno as int). */
static int run_both(struct side *s, uint64_t flags, uint32_t size, int *kret, int *pret)
{
    struct pbpf_insn in[80];
    size_t n = build(in, s->kmap, flags, size);
    struct kbpf_load_opts lo = {.prog_type = PT_RAW_TRACEPOINT, .insns = in, .insn_cnt = n};
    int pfd = kbpf_prog_load(&lo);
    if (pfd < 0) {
        fprintf(stderr, "kernel load: %d %s\n", pfd, lo.reason);
        return 0;
    }
    uint64_t args[1] = {0};
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.test.prog_fd = (uint32_t)pfd;
    a.test.ctx_in = (uintptr_t)args;
    a.test.ctx_size_in = sizeof args;
    a.test.flags = BPF_F_TEST_RUN_ON_CPU;
    a.test.cpu = 0;
    int rc = (int)syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof a);
    close(pfd);
    if (rc) {
        fprintf(stderr, "kernel test run: %s\n", strerror(errno));
        return 0;
    }
    *kret = (int)a.test.retval;

    n = build(in, 0, flags, size);
    char log[256];
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_VERIFIED, .prog_type = PT_RAW_TRACEPOINT,
              .license = "GPL", .maps = &s->map, .map_cnt = 1, .log_buf = log,
              .log_size = sizeof log);
    struct pbpf_prog *p = NULL;
    if (pbpf_prog_load(rt, in, n, &po, &p)) {
        fprintf(stderr, "pbpf load: %s\n", log);
        return 0;
    }
    PBPF_OPTS(pbpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof args,
              .flags = PBPF_F_TEST_RUN_ON_CPU, .cpu = 0);
    rc = pbpf_prog_test_run(p, &o);
    pbpf_prog_free(p);
    if (rc) {
        fprintf(stderr, "pbpf test run: %d\n", rc);
        return 0;
    }
    *pret = (int)o.retval;
    return 1;
}

/* The next record of each side: the same type, size and, for samples,
 * raw size and data; for lost records, the count. */
static void compare_next(struct side *s, int c, const char *what)
{
    static uint8_t kr[70000], pr[70000];
    uint32_t ks = 0, ps = 0;
    int kh = ring_next(&s->kr[c], kr, &ks), ph = ring_next(&s->pr[c], pr, &ps);
    if (kh != ph) {
        fprintf(stderr, "%s: kernel %s a record, pbpf %s\n", what, kh ? "has" : "has no",
                ph ? "has" : "has none");
        CHECK_EQ(kh, ph);
        return;
    }
    if (!kh)
        return;
    uint32_t kt, pt;
    memcpy(&kt, kr, 4);
    memcpy(&pt, pr, 4);
    CHECK_EQ(kt, pt);
    CHECK_EQ(ks, ps);
    if (kt != pt || ks != ps) {
        fprintf(stderr, "%s: kernel type %u size %u, pbpf type %u size %u\n", what, kt, ks, pt,
                ps);
        return;
    }
    if (kt == PBPF_PERF_RECORD_SAMPLE) {
        uint32_t kraw, praw;
        memcpy(&kraw, kr + 8, 4);
        memcpy(&praw, pr + 8, 4);
        CHECK_EQ(kraw, praw);
    } else if (kt == PBPF_PERF_RECORD_LOST) {
        uint64_t kl, pl;
        memcpy(&kl, kr + 16, 8);
        memcpy(&pl, pr + 16, 8);
        CHECK_EQ(kl, pl);
    }
}

static void compare_data(struct side *s, int c, uint32_t size, const char *what)
{
    static uint8_t kr[70000], pr[70000];
    uint32_t ks = 0, ps = 0;
    int kh = ring_next(&s->kr[c], kr, &ks), ph = ring_next(&s->pr[c], pr, &ps);
    CHECK(kh && ph);
    if (!kh || !ph) {
        fprintf(stderr, "%s: no record (kernel %d, pbpf %d)\n", what, kh, ph);
        return;
    }
    uint32_t kt, pt, kraw, praw;
    memcpy(&kt, kr, 4);
    memcpy(&pt, pr, 4);
    memcpy(&kraw, kr + 8, 4);
    memcpy(&praw, pr + 8, 4);
    CHECK_EQ(kt, PBPF_PERF_RECORD_SAMPLE);
    CHECK_EQ(pt, PBPF_PERF_RECORD_SAMPLE);
    CHECK_EQ(ks, ps);
    CHECK_EQ(kraw, praw);
    /* the data; the kernel's padding after it is whatever the ring held */
    if (ks >= 12 + size && ps >= 12 + size)
        CHECK_EQ(memcmp(kr + 12, pr + 12, size), 0);
}

static void test_against_kernel(void)
{
    char why[200];
    if (!kbpf_probe(why, sizeof why)) {
        printf("kernel comparison skipped: %s\n", why);
        return;
    }
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        printf("kernel comparison skipped: one CPU (another CPU's event is compared)\n");
        return;
    }
    struct side s;
    if (!side_open(&s, why, sizeof why)) {
        printf("kernel comparison skipped: %s\n", why);
        side_close(&s);
        return;
    }
    /* the helper's answers */
    struct {
        uint64_t flags;
        uint32_t size;
        const char *what;
    } cases[] = {
        {PBPF_F_CURRENT_CPU, 13, "BPF_F_CURRENT_CPU"},
        {0, 8, "own index"},
        {1, 8, "another CPU's index"},
        {2, 8, "empty index"},
        {4, 8, "index past the end"},
        {PBPF_F_CURRENT_CPU + 1, 8, "bit past the index mask"},
        {0, 0, "size 0"},
    };
    for (size_t i = 0; i < MT_LEN(cases); i++) {
        int kret = 1, pret = 2;
        if (!run_both(&s, cases[i].flags, cases[i].size, &kret, &pret)) {
            CHECK(0);
            continue;
        }
        if (kret != pret)
            fprintf(stderr, "%s: kernel %d, pbpf %d\n", cases[i].what, kret, pret);
        CHECK_EQ(kret, pret);
        if (kret == 0)
            compare_data(&s, 0, cases[i].size, cases[i].what);
    }
    for (int c = 0; c < 2; c++)
        compare_next(&s, c, "nothing more"); /* none on either side */

    /* a full ring: records of 504 and 512 bytes (eight of the second
     * would fill the ring exactly), then the lost count before the next
     * sample */
    const uint32_t sizes[] = {490, 496};
    for (size_t z = 0; z < MT_LEN(sizes); z++) {
        int kok = 0, pok = 0, kfail = 0, pfail = 0;
        for (int i = 0; i < 12; i++) {
            int kret, pret;
            if (!run_both(&s, 0, sizes[z], &kret, &pret)) {
                CHECK(0);
                break;
            }
            kok += kret == 0, pok += pret == 0;
            kfail += kret == -ENOSPC, pfail += pret == -ENOSPC;
        }
        if (kok != pok)
            fprintf(stderr, "ring of %u bytes, samples of %u: kernel took %d, pbpf %d\n", RING,
                    sizes[z], kok, pok);
        CHECK_EQ(kok, pok);
        CHECK_EQ(kfail, pfail);
        CHECK_EQ(kok + kfail, 12);
        ring_skip_all(&s.kr[0]);
        ring_skip_all(&s.pr[0]);
        int kret, pret;
        if (run_both(&s, 0, 8, &kret, &pret)) {
            CHECK_EQ(kret, 0);
            CHECK_EQ(pret, 0);
            compare_next(&s, 0, "lost record"); /* PERF_RECORD_LOST, count */
            compare_data(&s, 0, 8, "sample after the lost record");
        }
    }
    printf("kernel comparison: perf_event_output answers and records agree\n");
    side_close(&s);
}
#endif

/* Without the kernel too: a bound buffer takes samples from its slot only;
 * an unbound one from any; the ring keeps one byte free. */
static void test_bind(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0);
    struct pbpf_perf_buf *b = NULL;
    CHECK_EQ(pbpf_perf_buf_new(1, &b), 0);
    CHECK_EQ(pbpf_perf_buf_bind(b, -2), -EINVAL);
    CHECK_EQ(pbpf_perf_buf_bind(NULL, 0), -EINVAL);
    uint32_t k = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &b, PBPF_ANY), 0);
    uint8_t data[496] = {1};
    CHECK_EQ(pbpf_perf_event_output(m, 0, 1, data, 8), 0);
    CHECK_EQ(pbpf_perf_buf_bind(b, 0), 0);
    CHECK_EQ(pbpf_perf_event_output(m, 0, 1, data, 8), -EOPNOTSUPP);
    CHECK_EQ(pbpf_perf_event_output(m, PBPF_F_CURRENT_CPU, 0, data, 8), 0);
    CHECK_EQ(pbpf_perf_buf_bind(b, -1), 0);
    CHECK_EQ(pbpf_perf_event_output(m, 0, 1, data, 8), 0);
    /* 3 x 24 bytes written; 512-byte records: 7 more fit in 4096 - 1 */
    int ok = 0;
    for (int i = 0; i < 9; i++)
        ok += pbpf_perf_event_output(m, 0, 0, data, sizeof data) == 0;
    CHECK_EQ(pbpf_perf_buf_avail(b), 3 * 24 + (size_t)ok * 512);
    CHECK_EQ(ok, (4096 - 1 - 3 * 24) / 512);
    pbpf_perf_buf_free(b);
    pbpf_map_free(m);
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_bind();
#ifdef HAVE_KERNEL
    test_against_kernel();
#else
    printf("kernel comparison skipped: not Linux\n");
#endif
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_perf_kernel");
}
