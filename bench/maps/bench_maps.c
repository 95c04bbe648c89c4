/* Map benchmark: ns per map operation measured from inside an eBPF
 * program (16 operations per run, keys spread by a multiplicative hash of
 * a per-run counter), on pbpf's engines and, where bpf() works, on the
 * kernel with the same bytecode through BPF_PROG_TEST_RUN.
 *
 *   bench_maps [runs [filter]]  (default 200000 runs per case; filter: run
 *                               only the cases whose name contains it,
 *                               "2 threads" for the two-thread case) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/insn.h"
#include "platform/platform.h"
#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

#if defined(__linux__)
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>
#define HAVE_KERNEL 1
#endif

#define OPS_PER_RUN 16
/* bytes of each bpf_ringbuf_output record */
#define RB_RECORD 64

#define INSN(c, d, s, o, i)                                                                        \
    ((struct pbpf_insn){.code = (uint8_t)(c), .regs = PBPF_INSN_REGS(d, s), .off = (int16_t)(o),   \
                        .imm = (int32_t)(i)})
#define ALU64I(op, d, i) INSN(PBPF_CLS_ALU64 | (op), d, 0, 0, i)
#define ALU64R(op, d, s) INSN(PBPF_CLS_ALU64 | (op) | PBPF_SRC_X, d, s, 0, 0)
#define MOVI(d, i) ALU64I(PBPF_ALU_MOV, d, i)
#define MOVR(d, s) ALU64R(PBPF_ALU_MOV, d, s)
#define CALL(id) INSN(PBPF_CLS_JMP | PBPF_JMP_CALL, 0, 0, 0, id)
#define EXIT() INSN(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0)
#define STXW(d, s, o) INSN(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_W, d, s, o, 0)
#define STDW(d, o, i) INSN(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_DW, d, 0, o, i)
#define STW(d, o, i) INSN(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_W, d, 0, o, i)
#define LDXDW(d, s, o) INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_DW, d, s, o, 0)
#define XADDDW(d, s, o) INSN(PBPF_CLS_STX | PBPF_MODE_ATOMIC | PBPF_SIZE_DW, d, s, o, 0)
#define JEQI(d, i, o) INSN(PBPF_CLS_JMP | PBPF_JMP_JEQ, d, 0, o, i)
#define JLTI(d, i, o) INSN(PBPF_CLS_JMP | PBPF_JMP_JLT, d, 0, o, i)

/* A program under construction; map references are recorded so the same
 * bytecode can name pbpf maps (pointer immediate) or kernel maps (fd with
 * src=1, BPF_PSEUDO_MAP_FD). */
struct prog {
    struct pbpf_insn in[128];
    size_t n;
    int ref[128]; /* map index + 1 at lddw slots */
};
static void emit(struct prog *p, struct pbpf_insn i) { p->in[p->n++] = i; }
static void emit_map(struct prog *p, int reg, int map)
{
    p->ref[p->n] = map + 1;
    emit(p, INSN(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, reg, 0, 0, 0));
    emit(p, INSN(0, 0, 0, 0, 0));
}

enum op { OP_LOOKUP, OP_UPDATE, OP_DEL_UPD, OP_LPM, OP_RINGBUF };

/* maps[0] is the per-run counter array; maps[1] the map under test.
 * Updates write a value of vsize bytes (at most 64) from the zeroed stack. */
static void build(struct prog *p, enum op op, uint32_t mask, int spread, uint32_t vsize)
{
    memset(p, 0, sizeof *p);
    /* -88..-9: the record of OP_RINGBUF, the value and LPM key of others */
    for (int off = -88; off <= -16; off += 8)
        emit(p, STDW(10, off, 0));
    emit(p, STW(10, -4, 0));
    emit(p, MOVR(2, 10));
    emit(p, ALU64I(PBPF_ALU_ADD, 2, -4));
    emit_map(p, 1, 0);
    emit(p, CALL(1));
    emit(p, JEQI(0, 0, 0)); /* patched: to exit */
    size_t jnull = p->n - 1;
    emit(p, LDXDW(7, 0, 0));
    emit(p, MOVI(1, 1));
    emit(p, XADDDW(0, 1, 0));
    emit(p, ALU64I(PBPF_ALU_LSH, 7, 4));
    emit(p, MOVI(6, 0));
    size_t loop = p->n;
    emit(p, MOVR(1, 7));
    emit(p, ALU64R(PBPF_ALU_ADD, 1, 6));
    if (spread)
        emit(p, ALU64I(PBPF_ALU_MUL, 1, (int32_t)0x9E3779B1));
    if (mask != UINT32_MAX)
        emit(p, ALU64I(PBPF_ALU_AND, 1, (int32_t)mask));
    if (op == OP_LPM) {
        emit(p, STXW(10, 1, -12));
        emit(p, STW(10, -16, 32));
    } else {
        emit(p, STXW(10, 1, -8));
    }
    if (op == OP_DEL_UPD) {
        emit_map(p, 1, 1);
        emit(p, MOVR(2, 10));
        emit(p, ALU64I(PBPF_ALU_ADD, 2, -8));
        emit(p, CALL(3));
    }
    emit_map(p, 1, 1);
    emit(p, MOVR(2, 10));
    switch (op) {
    case OP_LOOKUP:
        emit(p, ALU64I(PBPF_ALU_ADD, 2, -8));
        emit(p, CALL(1));
        break;
    case OP_LPM:
        emit(p, ALU64I(PBPF_ALU_ADD, 2, -16));
        emit(p, CALL(1));
        break;
    case OP_UPDATE:
    case OP_DEL_UPD:
        emit(p, ALU64I(PBPF_ALU_ADD, 2, -8));
        emit(p, MOVR(3, 10));
        emit(p, ALU64I(PBPF_ALU_ADD, 3, vsize > 8 ? -88 : -24));
        emit(p, MOVI(4, 0));
        emit(p, CALL(2));
        break;
    case OP_RINGBUF:
        emit(p, ALU64I(PBPF_ALU_ADD, 2, -88));
        emit(p, MOVI(3, RB_RECORD));
        emit(p, MOVI(4, 0));
        emit(p, CALL(130));
        break;
    }
    emit(p, ALU64I(PBPF_ALU_ADD, 6, 1));
    emit(p, JLTI(6, OPS_PER_RUN, (int)(loop - p->n - 1)));
    p->in[jnull].off = (int16_t)(p->n - jnull - 1);
    emit(p, MOVI(0, 2));
    emit(p, EXIT());
}

/* --- pbpf side --------------------------------------------------------- */

/* The bytecode with its map references as a loader leaves them for
 * pbpf_prog_load: lddw src=1 (BPF_PSEUDO_MAP_FD) with the index into the
 * program's map table, resolved at load like an object's maps. */
static void pbpf_refs(struct pbpf_insn in[128], const struct prog *p)
{
    memcpy(in, p->in, p->n * sizeof in[0]);
    for (size_t i = 0; i < p->n; i++)
        if (p->ref[i]) {
            in[i].regs = PBPF_INSN_REGS(PBPF_INSN_DST(&in[i]), 1);
            in[i].imm = p->ref[i] - 1;
        }
}

/* CPU time of this thread where the host has it: the kernel measures with
 * preemption off, so wall time here would count other processes. */
#include <time.h>
static uint64_t now_ns(void)
{
#if !defined(_WIN32) && defined(CLOCK_THREAD_CPUTIME_ID)
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
    return pbpf_time_mono_ns();
}

static double pbpf_ns_per_op(struct pbpf_runtime *rt, const struct prog *p,
                             struct pbpf_map *maps[2], enum pbpf_engine engine, uint64_t runs,
                             struct pbpf_map *drain)
{
    struct pbpf_insn in[128];
    pbpf_refs(in, p);
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .engine = engine, .mode = PBPF_MODE_VERIFIED,
              .maps = maps, .map_cnt = 2);
    struct pbpf_prog *prog = NULL;
    if (pbpf_prog_load(rt, in, p->n, &po, &prog))
        return -1;
    uint64_t r0, t0 = now_ns(), spent = 0;
    for (uint64_t r = 0; r < runs; r++) {
        pbpf_prog_run(prog, NULL, 0, &r0, NULL);
        if (drain && (r & 1023) == 1023) {
            /* keep the ring from filling; not timed */
            spent += now_ns() - t0;
            struct pbpf_ringbuf_area a;
            pbpf_ringbuf_area(drain, &a);
            __atomic_store_n(a.consumer_pos, *a.producer_pos, __ATOMIC_RELEASE);
            t0 = now_ns();
        }
    }
    spent += now_ns() - t0;
    pbpf_prog_free(prog);
    return (double)spent / (double)(runs * OPS_PER_RUN);
}

/* --- kernel side ------------------------------------------------------- */

#ifdef HAVE_KERNEL
static long sys_bpf(int cmd, union bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof *a); }

static int k_map(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = type, a.key_size = ks, a.value_size = vs, a.max_entries = max,
    a.map_flags = flags;
    return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static int k_update(int fd, const void *k, const void *v)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd, a.key = (uintptr_t)k, a.value = (uintptr_t)v;
    return (int)sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static int kernel_load(const struct prog *p, int fds[2])
{
    struct pbpf_insn in[128];
    memcpy(in, p->in, p->n * sizeof in[0]);
    for (size_t i = 0; i < p->n; i++)
        if (p->ref[i]) {
            in[i].regs = PBPF_INSN_REGS(PBPF_INSN_DST(&in[i]), BPF_PSEUDO_MAP_FD);
            in[i].imm = fds[p->ref[i] - 1];
        }
    static char log[65536];
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_XDP;
    a.insns = (uintptr_t)in;
    a.insn_cnt = (uint32_t)p->n;
    a.license = (uintptr_t) "GPL";
    a.log_buf = (uintptr_t)log;
    a.log_size = sizeof log;
    a.log_level = 1;
    int pfd = (int)sys_bpf(BPF_PROG_LOAD, &a);
    if (pfd < 0)
        fprintf(stderr, "kernel refused the program: %s\n%.2000s\n", strerror(errno), log);
    return pfd;
}

/* BPF_PROG_TEST_RUN in chunks of 1000 runs: the kernel's average ns per
 * run times the runs, or -1 */
static double kernel_run(int pfd, uint64_t runs)
{
    union bpf_attr a;
    uint8_t pkt[64] = {0};
    double total = 0;
    uint64_t done = 0;
    while (done < runs) {
        uint64_t chunk = runs - done > 1000 ? 1000 : runs - done;
        memset(&a, 0, sizeof a);
        a.test.prog_fd = (uint32_t)pfd;
        a.test.data_in = (uintptr_t)pkt;
        a.test.data_size_in = sizeof pkt;
        a.test.repeat = (uint32_t)chunk;
        if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0) {
            fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
            return -1;
        }
        total += (double)a.test.duration * (double)chunk;
        done += chunk;
    }
    return total;
}

static double kernel_ns_per_op(const struct prog *p, int fds[2], uint64_t runs)
{
    int pfd = kernel_load(p, fds);
    if (pfd < 0)
        return -1;
    double total = kernel_run(pfd, runs);
    close(pfd);
    return total < 0 ? -1 : total / (double)(runs * OPS_PER_RUN);
}
#endif

/* --- cases --------------------------------------------------------------- */

struct bcase {
    const char *name;
    uint32_t type, ks, vs, max, flags, fill, mask;
    enum op op;
    int spread;
};

static const struct bcase cases[] = {
    {"array lookup", PBPF_MAP_TYPE_ARRAY, 4, 8, 1024, 0, 0, 1023, OP_LOOKUP, 1},
    {"array update", PBPF_MAP_TYPE_ARRAY, 4, 8, 1024, 0, 0, 1023, OP_UPDATE, 1},
    {"hash 1K lookup", PBPF_MAP_TYPE_HASH, 4, 8, 1024, 0, 1024, 1023, OP_LOOKUP, 1},
    {"hash 1K update", PBPF_MAP_TYPE_HASH, 4, 8, 1024, 0, 1024, 1023, OP_UPDATE, 1},
    {"hash 1K update 16B", PBPF_MAP_TYPE_HASH, 4, 16, 1024, 0, 1024, 1023, OP_UPDATE, 1},
    {"hash 1K update 64B", PBPF_MAP_TYPE_HASH, 4, 64, 1024, 0, 1024, 1023, OP_UPDATE, 1},
    {"hash 1K delete+update", PBPF_MAP_TYPE_HASH, 4, 8, 1024, 0, 1024, 1023, OP_DEL_UPD, 1},
    {"hash 64K lookup", PBPF_MAP_TYPE_HASH, 4, 8, 65536, 0, 65536, 65535, OP_LOOKUP, 1},
    {"hash 64K update", PBPF_MAP_TYPE_HASH, 4, 8, 65536, 0, 65536, 65535, OP_UPDATE, 1},
    {"percpu hash lookup", PBPF_MAP_TYPE_PERCPU_HASH, 4, 8, 1024, 0, 1024, 1023, OP_LOOKUP, 1},
    {"lru hash hit", PBPF_MAP_TYPE_LRU_HASH, 4, 8, 4096, 0, 1024, 1023, OP_LOOKUP, 1},
    {"lru hash miss (evict)", PBPF_MAP_TYPE_LRU_HASH, 4, 8, 4096, 0, 0, UINT32_MAX, OP_UPDATE, 0},
    {"lpm 1K prefixes lookup", PBPF_MAP_TYPE_LPM_TRIE, 8, 8, 1024, PBPF_F_NO_PREALLOC, 1024,
     UINT32_MAX, OP_LPM, 1},
    {"ringbuf output 64B", PBPF_MAP_TYPE_RINGBUF, 0, 0, 1u << 26, 0, 0, UINT32_MAX, OP_RINGBUF,
     0},
};

/* --- two threads updating one hash map ----------------------------------- */

struct worker {
    struct pbpf_prog *prog;
    int pfd;
    uint64_t runs;
    double busy; /* ns the thread spent running programs (see below) */
};

/* busy: the thread's CPU time */
static void *pbpf_worker(void *arg)
{
    struct worker *w = arg;
    uint64_t r0, t0 = now_ns();
    for (uint64_t r = 0; r < w->runs; r++)
        pbpf_prog_run(w->prog, NULL, 0, &r0, NULL);
    w->busy = (double)(now_ns() - t0);
    return NULL;
}

#ifdef HAVE_KERNEL
/* busy: the kernel's own measure of the runs (BPF_PROG_TEST_RUN's
 * duration, which leaves out the time the thread was rescheduled) */
static void *kernel_worker(void *arg)
{
    struct worker *w = arg;
    w->busy = kernel_run(w->pfd, w->runs);
    return w->busy < 0 ? (void *)1 : NULL;
}
#endif

/* Wall time of two threads each making `runs` runs; ns, or -1. */
static double two_threads(struct worker w[2], void *(*fn)(void *))
{
    struct pbpf_thread *t[2];
    uint64_t t0 = pbpf_time_mono_ns();
    if (pbpf_thread_start(&t[0], fn, &w[0]))
        return -1;
    if (pbpf_thread_start(&t[1], fn, &w[1])) {
        pbpf_thread_join(t[0]);
        return -1;
    }
    void *e0 = pbpf_thread_join(t[0]), *e1 = pbpf_thread_join(t[1]);
    double ns = (double)(pbpf_time_mono_ns() - t0);
    return e0 || e1 ? -1 : ns;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define TWO_THREAD_ROUNDS 5

/* Update throughput of a 1K-entry HASH of vsize-byte values with two
 * threads at once.  pbpf and
 * the kernel take turns, TWO_THREAD_ROUNDS rounds each, and the medians are
 * printed: wall time (which other load on the host disturbs: the host must
 * have two CPUs free for it to mean much) and busy time per thread (CPU
 * time for pbpf, the kernel's BPF_PROG_TEST_RUN duration for Linux). */
static void bench_two_threads(struct pbpf_runtime *rt, int have_kernel, uint64_t runs,
                              uint32_t vsize)
{
    struct pbpf_map *maps[2];
    PBPF_OPTS(pbpf_map_create_opts, co, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 8, .max_entries = 1);
    PBPF_OPTS(pbpf_map_create_opts, mo, .type = PBPF_MAP_TYPE_HASH, .key_size = 4,
              .value_size = vsize, .max_entries = 1024);
    if (pbpf_map_create(rt, &co, &maps[0]) || pbpf_map_create(rt, &mo, &maps[1]))
        return;
    static const uint8_t zero[64];
    for (uint32_t i = 0; i < 1024; i++)
        pbpf_map_update_elem(maps[1], &i, zero, 0);
    struct prog p;
    build(&p, OP_UPDATE, 1023, 1, vsize);
    struct pbpf_insn in[128];
    pbpf_refs(in, &p);
    double ops = 2.0 * (double)runs * OPS_PER_RUN;
    double wall[2][TWO_THREAD_ROUNDS], busy[2][TWO_THREAD_ROUNDS];
    int got[2] = {0, 0};
    const char *engine = "jit";
    struct pbpf_prog *prog = NULL;
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1,
              .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED, .maps = maps, .map_cnt = 2);
    if (pbpf_prog_load(rt, in, p.n, &po, &prog)) {
        po.engine = PBPF_ENGINE_INTERP;
        engine = "interp";
        if (pbpf_prog_load(rt, in, p.n, &po, &prog))
            prog = NULL;
    }
    int pfd = -1, fds[2] = {-1, -1};
    (void)fds;
#ifdef HAVE_KERNEL
    if (have_kernel) {
        fds[0] = k_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
        fds[1] = k_map(BPF_MAP_TYPE_HASH, 4, vsize, 1024, 0);
        for (uint32_t i = 0; fds[1] >= 0 && i < 1024; i++)
            k_update(fds[1], &i, zero);
        pfd = fds[0] >= 0 && fds[1] >= 0 ? kernel_load(&p, fds) : -1;
    }
#else
    (void)have_kernel;
#endif
    for (int round = 0; round < TWO_THREAD_ROUNDS; round++) {
        if (prog) {
            struct worker w[2] = {{prog, -1, runs, 0}, {prog, -1, runs, 0}};
            double ns = two_threads(w, pbpf_worker);
            if (ns > 0) {
                wall[0][got[0]] = ns;
                busy[0][got[0]++] = (w[0].busy + w[1].busy) / 2;
            }
        }
#ifdef HAVE_KERNEL
        if (pfd >= 0) {
            struct worker w[2] = {{NULL, pfd, runs, 0}, {NULL, pfd, runs, 0}};
            double ns = two_threads(w, kernel_worker);
            if (ns > 0) {
                wall[1][got[1]] = ns;
                busy[1][got[1]++] = (w[0].busy + w[1].busy) / 2;
            }
        }
#endif
    }
    if (prog)
        pbpf_prog_free(prog);
#ifdef HAVE_KERNEL
    if (pfd >= 0)
        close(pfd);
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
#endif
    printf("\n2 threads, hash 1K update, %u-byte values (%.0f updates a round; medians of %d "
           "rounds):\n",
           vsize, ops, TWO_THREAD_ROUNDS);
    double mw = got[0] ? median(wall[0], got[0]) : -1, kw = got[1] ? median(wall[1], got[1]) : -1;
    double mb = got[0] ? median(busy[0], got[0]) : -1, kb = got[1] ? median(busy[1], got[1]) : -1;
    double per_thread = ops / 2;
    if (mw > 0)
        printf("  pbpf %-6s %8.2f M updates/s wall  (busy %.1f ns per update per thread)\n", engine,
               ops / mw * 1e3, mb / per_thread);
    if (kw > 0)
        printf("  linux       %8.2f M updates/s wall  (busy %.1f ns per update per thread)\n",
               ops / kw * 1e3, kb / per_thread);
    if (mw > 0 && kw > 0)
        printf("  throughput ratio pbpf / linux: wall %.2f, busy %.2f (above 1 is faster)\n",
               kw / mw, kb / mb);
    pbpf_map_free(maps[0]);
    pbpf_map_free(maps[1]);
}

/* LPM: 1K /24 prefixes spread over the address space */
static void lpm_key(uint32_t i, uint8_t k[8])
{
    uint32_t plen = 24, addr = i * 0x9E3779B1u;
    memcpy(k, &plen, 4);
    memcpy(k + 4, &addr, 4);
}

int main(int argc, char **argv)
{
    uint64_t runs = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    const char *filter = argc > 2 ? argv[2] : NULL;
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    int have_kernel = 0;
    (void)have_kernel;
#ifdef HAVE_KERNEL
    int probe = k_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
    if (probe >= 0) {
        have_kernel = 1;
        close(probe);
    }
#endif
    printf("%-24s %10s %10s %10s %9s %9s   (ns per map operation, %d per program run;\n"
           "%-24s %10s %10s %10s %9s %9s    ratio = pbpf / linux, below 1 is faster)\n",
           "case", "interp", "jit", "linux", "interp/l", "jit/l", OPS_PER_RUN, "", "", "", "",
           "", "");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct bcase *b = &cases[c];
        if (filter && !strstr(b->name, filter))
            continue;
        struct pbpf_map *maps[2];
        PBPF_OPTS(pbpf_map_create_opts, co, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
                  .value_size = 8, .max_entries = 1);
        PBPF_OPTS(pbpf_map_create_opts, mo, .type = b->type, .key_size = b->ks,
                  .value_size = b->vs, .max_entries = b->max, .map_flags = b->flags);
        if (pbpf_map_create(rt, &co, &maps[0]) || pbpf_map_create(rt, &mo, &maps[1]))
            return 1;
        int fds[2] = {-1, -1};
        (void)fds;
#ifdef HAVE_KERNEL
        if (have_kernel) {
            fds[0] = k_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
            fds[1] = k_map(b->type, b->ks, b->vs, b->max, b->flags);
        }
#endif
        uint8_t key[8], val[64] = {0};
        for (uint32_t i = 0; i < b->fill; i++) {
            if (b->type == PBPF_MAP_TYPE_LPM_TRIE)
                lpm_key(i, key);
            else
                memcpy(key, &i, 4);
            uint8_t *v = val;
            uint8_t pv[8 * 1024];
            if (b->type == PBPF_MAP_TYPE_PERCPU_HASH) {
                memset(pv, 0, pbpf_map_user_value_size(maps[1]));
                v = pv;
            }
            pbpf_map_update_elem(maps[1], key, v, 0);
#ifdef HAVE_KERNEL
            if (fds[1] >= 0) {
                static uint8_t kv[8 * 4096];
                k_update(fds[1], key, kv);
            }
#endif
        }
        struct prog p;
        build(&p, b->op, b->mask, b->spread, b->vs);
        struct pbpf_map *drain = b->type == PBPF_MAP_TYPE_RINGBUF ? maps[1] : NULL;
        uint64_t n = b->type == PBPF_MAP_TYPE_RINGBUF ? (runs < 30000 ? runs : 30000) : runs;
        double ti = pbpf_ns_per_op(rt, &p, maps, PBPF_ENGINE_INTERP, n, drain);
        double tj = pbpf_ns_per_op(rt, &p, maps, PBPF_ENGINE_JIT, n, drain);
        double tk = -1;
#ifdef HAVE_KERNEL
        if (fds[0] >= 0 && fds[1] >= 0)
            tk = kernel_ns_per_op(&p, fds, n);
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
#endif
        char si[16], sj[16], sk[16], ri[16], rj[16];
        snprintf(si, sizeof si, ti < 0 ? "-" : "%.1f", ti);
        snprintf(sj, sizeof sj, tj < 0 ? "-" : "%.1f", tj);
        snprintf(sk, sizeof sk, tk < 0 ? "-" : "%.1f", tk);
        snprintf(ri, sizeof ri, ti < 0 || tk <= 0 ? "-" : "%.2f", ti / tk);
        snprintf(rj, sizeof rj, tj < 0 || tk <= 0 ? "-" : "%.2f", tj / tk);
        printf("%-24s %10s %10s %10s %9s %9s\n", b->name, si, sj, sk, ri, rj);
        fflush(stdout);
        pbpf_map_free(maps[0]);
        pbpf_map_free(maps[1]);
    }
    if (!filter || strstr("2 threads", filter))
        for (uint32_t vsize = 8; vsize <= 64; vsize *= vsize == 8 ? 2 : 4)
            bench_two_threads(rt, have_kernel, runs, vsize);
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return 0;
}
