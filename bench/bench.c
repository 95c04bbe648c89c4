/* pbpf_bench: each benchmark program (bench/progs) run by every engine at
 * hand — pbpf's interpreter (checked and verified mode), pbpf's JIT when
 * this build has one, the Linux kernel's JIT through BPF_PROG_TEST_RUN, and
 * the same C compiled natively — with one row per program.
 *
 * Every engine first runs the program once and must give the same r0 as the
 * checked interpreter (the kernel reports 32 bits of it); any difference
 * fails the run.  Times are the median of several batches, each long
 * enough for the clock's resolution not to matter. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_elf.h"
#include "bench_kernel.h"
#include "exec/exec.h"
#include "pbpf/pbpf.h"
#include "platform/platform.h"
#include "progs/bench_prog.h"

#include "bench_progs.def"

#ifndef PBPF_BENCH_OBJDIR
#define PBPF_BENCH_OBJDIR ""
#endif
#ifndef PBPF_BENCH_NATIVE_CC
#define PBPF_BENCH_NATIVE_CC "cc"
#endif

#define BENCH_DECLARE(name, input, what) BENCH_PROG(name);
BENCH_PROGS(BENCH_DECLARE)
#undef BENCH_DECLARE

enum bench_input { INPUT_RANDOM, INPUT_RECORDS, INPUT_COUNT };

struct bench_def {
    const char *name;
    enum bench_input input;
    const char *what;
    u64 (*native)(const u8 *p, const u8 *end);
};

static const struct bench_def bench_defs[] = {
#define BENCH_DEF(name, input, what) {#name, input, what, bench_##name},
    BENCH_PROGS(BENCH_DEF)
#undef BENCH_DEF
};
#define BENCH_COUNT (sizeof bench_defs / sizeof bench_defs[0])

/* --- options and timing --------------------------------------------------- */

static struct {
    const char *objdir;
    const char *only;
    unsigned batches;
    double batch_ms;
    int quick; /* one short batch: checks agreement, times are rough */
} opt = {PBPF_BENCH_OBJDIR, NULL, 7, 25.0, 0};

/* An engine as the timer sees it: n runs of one program; returns 0 or a
 * negative errno, and folds the r0s into *sink so nothing is optimised out.
 * An engine that measures itself (the kernel) reports its time in *self_ns;
 * the others leave it 0 and are timed from outside. */
typedef int (*bench_run_fn)(void *state, uint64_t n, uint64_t *sink, uint64_t *self_ns);

/* The clock: this thread's CPU time where there is one, so that time the
 * thread spends descheduled (other jobs on a busy machine) is not counted. */
static uint64_t bench_clock_ns(void)
{
#if defined(CLOCK_THREAD_CPUTIME_ID) && !defined(_WIN32)
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
    return pbpf_time_mono_ns();
}

/* n runs; their time in ns. */
static int bench_batch(bench_run_fn fn, void *state, uint64_t n, uint64_t *sink, uint64_t *ns)
{
    uint64_t self = 0, t = bench_clock_ns();
    int err = fn(state, n, sink, &self);
    t = bench_clock_ns() - t;
    *ns = self ? self : t;
    return err;
}
volatile uint64_t bench_sink;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median ns per run over opt.batches batches of about opt.batch_ms each;
 * the batch size comes from a calibration that doubles n until one batch
 * takes a tenth of the target.  Negative errno on failure. */
static double bench_time(bench_run_fn fn, void *state, int *err)
{
    uint64_t sink = 0, n = 1, t;
    double target_ns = opt.batch_ms * 1e6;
    for (;;) {
        *err = bench_batch(fn, state, n, &sink, &t);
        if (*err)
            return -1;
        if (t >= target_ns / 10 || n >= (1ull << 31))
            break;
        n *= 2;
    }
    double per = (double)t / (double)n;
    uint64_t batch = per > 0 ? (uint64_t)(target_ns / per) : n;
    if (batch < 1)
        batch = 1;
    if (batch > 0xffffffffu)
        batch = 0xffffffffu; /* BPF_PROG_TEST_RUN's repeat is 32 bits */
    double samples[64];
    unsigned nb = opt.batches < 64 ? opt.batches : 64;
    for (unsigned b = 0; b < nb; b++) {
        *err = bench_batch(fn, state, batch, &sink, &t);
        if (*err)
            return -1;
        samples[b] = (double)t / (double)batch;
    }
    qsort(samples, nb, sizeof samples[0], cmp_double);
    bench_sink += sink;
    return samples[nb / 2];
}

/* --- engines ------------------------------------------------------------- */

struct pbpf_state {
    struct pbpf_prog *prog;
    uint8_t *mem;
    size_t len;
};

static int run_pbpf(void *state, uint64_t n, uint64_t *sink, uint64_t *self_ns)
{
    (void)self_ns;
    struct pbpf_state *s = state;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r0;
        int rc = pbpf_prog_run(s->prog, s->mem, s->len, &r0, NULL);
        if (rc)
            return rc;
        *sink += r0;
    }
    return 0;
}

/* The JIT's code called directly, without pbpf_prog_run: the entry of
 * code that calls nothing (src/exec/exec.h: leaf_entry), which stores r0
 * where its third argument points and returns 0.  pbpf_prog_run jumps to
 * the same entry; the difference is its own fixed cost. */
struct raw_state {
    int (*entry)(uint64_t r1, uint64_t r2, uint64_t *r0);
    uint8_t *mem;
    size_t len;
};

static int run_raw(void *state, uint64_t n, uint64_t *sink, uint64_t *self_ns)
{
    (void)self_ns;
    struct raw_state *s = state;
    int (*volatile fn)(uint64_t, uint64_t, uint64_t *) = s->entry;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r0;
        fn((uint64_t)(uintptr_t)s->mem, s->len, &r0);
        *sink += r0;
    }
    return 0;
}

struct native_state {
    u64 (*fn)(const u8 *p, const u8 *end);
    const uint8_t *mem;
    size_t len;
};

static int run_native(void *state, uint64_t n, uint64_t *sink, uint64_t *self_ns)
{
    (void)self_ns;
    struct native_state *s = state;
    /* through a volatile pointer, so the compiler cannot see which
     * function runs and hoist it out of the loop */
    u64 (*volatile fn)(const u8 *, const u8 *) = s->fn;
    for (uint64_t i = 0; i < n; i++)
        *sink += fn(s->mem, s->mem + s->len);
    return 0;
}

struct kernel_state {
    int fd;
    const uint8_t *mem;
    size_t len;
};

/* The kernel times its repeat loop itself (BPF_PROG_TEST_RUN's duration:
 * the mean ns per run, without the system call, the setup, or time spent
 * rescheduled); that is the time used.  Its resolution is 1 ns per run. */
static int run_kernel(void *state, uint64_t n, uint64_t *sink, uint64_t *self_ns)
{
    struct kernel_state *s = state;
    uint32_t retval, ns;
    int rc = bench_kernel_run(s->fd, s->mem, s->len, (uint32_t)n, &retval, &ns);
    *sink += retval;
    /* a mean below 1 ns reads 0: count it as 1 ns rather than "untimed" */
    *self_ns = (ns ? ns : 1) * n;
    return rc;
}

/* One BPF_PROG_TEST_RUN per run: what a single test run costs from user
 * space (with repeat > 1 the kernel also switches its XDP dispatcher, a
 * cost spread over the repetitions). */
static int run_kernel_once(void *state, uint64_t n, uint64_t *sink, uint64_t *self_ns)
{
    (void)self_ns;
    struct kernel_state *s = state;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t retval, ns;
        int rc = bench_kernel_run(s->fd, s->mem, s->len, 1, &retval, &ns);
        if (rc)
            return rc;
        *sink += retval;
    }
    return 0;
}

/* --- inputs and programs ------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* INPUT_RANDOM: random bytes.  INPUT_RECORDS: [type][len][value] records
 * (types 0..3, lengths 0..31) up to the end, the last one cut short as a
 * parser must expect. */
static void make_input(enum bench_input kind, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)rng();
    if (kind == INPUT_RECORDS)
        for (size_t at = 0; at + 1 < len;) {
            buf[at] = (uint8_t)(rng() % 4);
            buf[at + 1] = (uint8_t)(rng() % 32);
            at += 2u + buf[at + 1];
        }
}

/* The program as an engine runs it: a prologue that sets up (p, end) in
 * r1, r2 from the engine's calling convention, then the object's code, with
 * a jump to the entry point when it is not the first function. */
static struct pbpf_insn *with_prologue(const struct pbpf_insn *pro, size_t npro,
                                       const struct pbpf_insn *code, size_t cnt, size_t entry,
                                       size_t *total)
{
    struct pbpf_insn *out = malloc((npro + 1 + cnt) * sizeof *out);
    if (!out)
        return NULL;
    memcpy(out, pro, npro * sizeof *out);
    if (entry) {
        struct pbpf_insn ja = {0x05, 0, (int16_t)entry, 0};
        out[npro++] = ja;
    }
    memcpy(out + npro, code, cnt * sizeof *out);
    *total = npro + cnt;
    return out;
}

/* pbpf: r1 = input, r2 = length  →  r2 += r1 */
static const struct pbpf_insn pro_raw[] = {{0x0f, 0x12, 0, 0}};
/* XDP: r1 = struct xdp_md *  →  r2 = ctx->data_end; r1 = ctx->data */
static const struct pbpf_insn pro_xdp[] = {{0x61, 0x12, 4, 0}, {0x61, 0x11, 0, 0}};

/* --- the table ----------------------------------------------------------- */

struct bench_env {
    struct pbpf_runtime *rt;
    int have_kernel;
    char kernel_why[200];
    int have_jit;
    char jit_why[200];
    int failures;
    /* the empty program's times: the fixed cost of a run */
    double fixed_interp, fixed_checked, fixed_native, fixed_kernel, fixed_syscall;
    /* the JIT through pbpf_prog_run, and its code called directly */
    double fixed_jit, fixed_raw;
    /* programs the kernel runs unchanged (but for the prologue) */
    int kernel_same, kernel_ran;
    /* per program: JIT load time (ns), instruction slots, native bytes */
    struct {
        double load_ns, per_k_ns;
        size_t slots, bytes;
    } jit_cost[BENCH_COUNT];
};

static void print_ns(double ns, double native)
{
    char buf[48];
    if (ns < 0) {
        printf(" %18s", "n/a");
        return;
    }
    if (native > 0)
        snprintf(buf, sizeof buf, "%.1f (%.1fx)", ns, ns / native);
    else
        snprintf(buf, sizeof buf, "%.1f", ns);
    printf(" %18s", buf);
}

static void fail(struct bench_env *env, const char *prog, const char *fmt, const char *a,
                 const char *b)
{
    fprintf(stderr, "pbpf_bench: %s: ", prog);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    env->failures++;
}

/* Whether the kernel runs the instructions we gave it: its verifier may
 * rewrite, patch or remove instructions before the JIT sees them.  The
 * prologue (context loads, which it rewrites) and the form in which it
 * reports bpf-to-bpf calls aside, the translated program must equal ours. */
static void kernel_same_code(struct bench_env *env, const struct bench_def *d, int fd,
                             const struct pbpf_insn *insns, size_t cnt, size_t prologue)
{
    struct pbpf_insn *x = malloc((cnt + 1) * sizeof *x);
    size_t n = 0, differ = 0;
    if (!x || bench_kernel_xlated(fd, x, cnt + 1, &n) != 0) {
        printf("%-6s (could not read the kernel's translated program back)\n", d->name);
        free(x);
        return;
    }
    for (size_t i = prologue; i < n && i < cnt; i++) {
        int pseudo_call = insns[i].code == 0x85 && (insns[i].regs >> 4) == 1;
        if (x[i].code != insns[i].code || x[i].regs != insns[i].regs ||
            (!pseudo_call && (x[i].off != insns[i].off || x[i].imm != insns[i].imm)))
            differ++;
    }
    if (n != cnt || differ)
        printf("%-6s note: the kernel runs a rewritten program (%zu instructions, %zu of ours "
               "changed)\n",
               d->name, n, differ);
    else
        env->kernel_same++;
    free(x);
}

static int load_pbpf(struct bench_env *env, const struct bench_def *d, const struct pbpf_insn *insns,
                     size_t cnt, enum pbpf_engine engine, enum pbpf_mode mode,
                     struct pbpf_prog **out, char *log, size_t log_size)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1,
              .engine = engine, .mode = mode, .name = d->name, .log_buf = log,
              .log_size = log_size);
    return pbpf_prog_load(env->rt, insns, cnt, &po, out);
}

/* Time of pbpf_prog_load on the JIT engine (validation, preparation and
 * compilation), averaged over at least 20 ms of loads; < 0 on failure. */
static double time_jit_load(struct bench_env *env, const struct bench_def *d,
                            const struct pbpf_insn *insns, size_t cnt)
{
    uint64_t loads = 0, t0 = bench_clock_ns(), t = t0;
    double budget = opt.quick ? 0 : 20e6;
    do {
        struct pbpf_prog *p = NULL;
        char log[200];
        if (load_pbpf(env, d, insns, cnt, PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, &p, log,
                      sizeof log))
            return -1;
        pbpf_prog_free(p);
        loads++;
        t = bench_clock_ns();
    } while ((double)(t - t0) < budget || loads < 3);
    return (double)(t - t0) / (double)loads;
}

/* What the JIT costs: the load time of the program, the time per 1,000
 * more instructions (the difference to a program of JIT_COPIES copies of
 * it, so that fixed costs such as mapping the code pages cancel out), and
 * the size of the native code. */
#define JIT_COPIES 50
static void measure_jit_cost(struct bench_env *env, const struct bench_def *d,
                             const struct pbpf_insn *insns, size_t cnt, const struct pbpf_prog *jit)
{
    size_t i = (size_t)(d - bench_defs);
    const void *code;
    size_t size;
    if (pbpf_prog_jited(jit, &code, &size))
        return;
    struct pbpf_insn *many = malloc(JIT_COPIES * cnt * sizeof *many);
    if (!many)
        return;
    for (size_t k = 0; k < JIT_COPIES; k++)
        memcpy(many + k * cnt, insns, cnt * sizeof *insns);
    double one = time_jit_load(env, d, insns, cnt);
    double all = time_jit_load(env, d, many, JIT_COPIES * cnt);
    free(many);
    if (one < 0 || all < 0)
        return;
    env->jit_cost[i].load_ns = one;
    env->jit_cost[i].per_k_ns = (all - one) / (double)((JIT_COPIES - 1) * cnt) * 1000.0;
    env->jit_cost[i].slots = cnt;
    env->jit_cost[i].bytes = size;
}

static void bench_one(struct bench_env *env, const struct bench_def *d)
{
    char objpath[1024], err[256];
    uint8_t mem[BENCH_INPUT_LEN];
    make_input(d->input, mem, sizeof mem);

    snprintf(objpath, sizeof objpath, "%s/%s.bpf.o", opt.objdir, d->name);
    struct pbpf_insn *code = NULL, *raw = NULL, *xdp = NULL;
    size_t cnt, entry, nraw = 0, nxdp = 0;
    char sym[64];
    snprintf(sym, sizeof sym, "bench_%s", d->name);
    int rc = bench_elf_load(objpath, sym, &code, &cnt, &entry, err, sizeof err);
    if (rc) {
        fail(env, d->name, "cannot read the program: %s%s", err, "");
        return;
    }
    raw = with_prologue(pro_raw, 1, code, cnt, entry, &nraw);
    xdp = with_prologue(pro_xdp, 2, code, cnt, entry, &nxdp);
    struct pbpf_prog *checked = NULL, *verified = NULL, *jit = NULL;
    struct kernel_state ks = {-1, mem, sizeof mem};
    if (!raw || !xdp) {
        fail(env, d->name, "%s%s", "out of memory", "");
        goto out;
    }

    /* Reference: the checked interpreter, which also counts instructions. */
    rc = load_pbpf(env, d, raw, nraw, PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, &checked, err,
                   sizeof err);
    if (!rc)
        rc = load_pbpf(env, d, raw, nraw, PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, &verified, err,
                       sizeof err);
    if (rc) {
        fail(env, d->name, "pbpf_prog_load: %s%s", err, "");
        goto out;
    }
    PBPF_OPTS(pbpf_run_opts, ro, .count_insns = 1, .err_buf = err, .err_size = sizeof err);
    uint64_t r0_ref, r0;
    rc = pbpf_prog_run(checked, mem, sizeof mem, &r0_ref, &ro);
    if (rc) {
        fail(env, d->name, "checked run failed: %s%s", err, "");
        goto out;
    }
    uint64_t insns = ro.insns_executed;

    char a[32], b[32];
    snprintf(a, sizeof a, "0x%" PRIx64, r0_ref);
#define EXPECT_R0(engine, value, width_mask)                                                       \
    do {                                                                                           \
        if (((value) & (width_mask)) != (r0_ref & (width_mask))) {                                 \
            snprintf(b, sizeof b, "0x%" PRIx64, (uint64_t)(value));                                \
            fail(env, d->name, "r0 MISMATCH: checked interpreter %s, " engine " %s", a, b);        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

    rc = pbpf_prog_run(verified, mem, sizeof mem, &r0, NULL);
    if (rc) {
        fail(env, d->name, "verified run failed: %s%s", strerror(-rc), "");
        goto out;
    }
    EXPECT_R0("verified interpreter", r0, UINT64_MAX);
    u64 r0_native = d->native(mem, mem + sizeof mem);
    EXPECT_R0("native", r0_native, UINT64_MAX);

    char jit_log[200];
    if (load_pbpf(env, d, raw, nraw, PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, &jit, jit_log,
                  sizeof jit_log) == 0) {
        env->have_jit = 1;
        rc = pbpf_prog_run(jit, mem, sizeof mem, &r0, NULL);
        if (rc) {
            fail(env, d->name, "JIT run failed: %s%s", strerror(-rc), "");
            goto out;
        }
        EXPECT_R0("pbpf JIT", r0, UINT64_MAX);
        measure_jit_cost(env, d, raw, nraw, jit);
    } else if (!env->jit_why[0]) {
        snprintf(env->jit_why, sizeof env->jit_why, "%s", jit_log);
    }

    char klog[200] = "";
    if (env->have_kernel) {
        ks.fd = bench_kernel_load_xdp(xdp, nxdp, klog, sizeof klog);
    }
    if (ks.fd < 0 && env->have_kernel) {
        /* not a disagreement: an older verifier may be stricter */
        printf("%-6s the kernel refuses it (%s): no kernel time\n", d->name, klog);
    } else if (ks.fd >= 0) {
        uint32_t kr0, kns;
        rc = bench_kernel_run(ks.fd, mem, sizeof mem, 1, &kr0, &kns);
        if (rc) {
            fail(env, d->name, "BPF_PROG_TEST_RUN: %s%s", strerror(-rc), "");
            goto out;
        }
        EXPECT_R0("kernel", (uint64_t)kr0, UINT64_C(0xffffffff));
        env->kernel_ran++;
        kernel_same_code(env, d, ks.fd, xdp, nxdp, 2);
    }
#undef EXPECT_R0

    /* All engines agree; now the times. */
    int terr = 0;
    struct native_state ns_state = {d->native, mem, sizeof mem};
    double t_native = bench_time(run_native, &ns_state, &terr);
    struct pbpf_state vs = {verified, mem, sizeof mem};
    double t_interp = bench_time(run_pbpf, &vs, &terr);
    struct pbpf_state cs = {checked, mem, sizeof mem};
    double t_checked = bench_time(run_pbpf, &cs, &terr);
    double t_jit = -1, t_kernel = -1;
    if (jit) {
        struct pbpf_state js = {jit, mem, sizeof mem};
        t_jit = bench_time(run_pbpf, &js, &terr);
    }
    if (ks.fd >= 0)
        t_kernel = bench_time(run_kernel, &ks, &terr);
    if (terr) {
        fail(env, d->name, "a timed run failed: %s%s", strerror(-terr), "");
        goto out;
    }

    if (!strcmp(d->name, "empty")) {
        if (jit) {
            if (jit->leaf_entry) {
                struct raw_state rs = {jit->leaf_entry, mem, sizeof mem};
                env->fixed_raw = bench_time(run_raw, &rs, &terr);
            }
            env->fixed_jit = t_jit;
        }
        env->fixed_interp = t_interp;
        env->fixed_checked = t_checked;
        env->fixed_native = t_native;
        env->fixed_kernel = t_kernel;
        if (ks.fd >= 0)
            env->fixed_syscall = bench_time(run_kernel_once, &ks, &terr);
    }
    printf("%-6s %10" PRIu64, d->name, insns);
    print_ns(t_interp, t_native);
    printf(" %7.2f %7.2f", t_interp / (double)insns, t_checked / (double)insns);
    printf(" %10.1f", t_native);
    print_ns(t_kernel, t_native);
    print_ns(t_jit, t_native);
    printf("\n");
    fflush(stdout);

out:
    if (ks.fd >= 0)
        bench_kernel_close(ks.fd);
    pbpf_prog_free(jit);
    pbpf_prog_free(verified);
    pbpf_prog_free(checked);
    free(xdp);
    free(raw);
    free(code);
}

static void usage(void)
{
    fprintf(stderr, "usage: pbpf_bench [--objdir DIR] [--only NAME] [--batches N] [--batch-ms MS] "
                    "[--quick]\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--objdir") && i + 1 < argc)
            opt.objdir = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            opt.only = argv[++i];
        else if (!strcmp(argv[i], "--batches") && i + 1 < argc)
            opt.batches = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--batch-ms") && i + 1 < argc)
            opt.batch_ms = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--quick"))
            opt.quick = 1;
        else {
            usage();
            return 2;
        }
    }
    if (opt.quick) {
        opt.batches = 1;
        opt.batch_ms = 1;
    }
    if (opt.batches == 0 || opt.batch_ms <= 0) {
        usage();
        return 2;
    }

    if (!opt.objdir[0]) {
        /* the build found no clang: there is no bytecode to run */
        printf("pbpf_bench: clang was not found when building: the eBPF programs were not "
               "compiled, nothing to run\n");
        return opt.quick ? 77 : 0;
    }

    struct bench_env env = {0};
    int rc = pbpf_runtime_new(NULL, &env.rt);
    if (rc) {
        fprintf(stderr, "pbpf_bench: pbpf_runtime_new: %s\n", strerror(-rc));
        return 1;
    }
    env.have_kernel = bench_kernel_probe(env.kernel_why, sizeof env.kernel_why) == 0;

    printf("pbpf_bench: ns per run, median of %u batches of ~%.0f ms; (x) = ratio to native\n",
           opt.batches, opt.batch_ms);
    printf("  interp = pbpf interpreter, verified mode (no checks, no counting)\n"
           "  ns/insn = interp ns per executed instruction; chk/insn = the same in checked mode\n"
           "  native = the same C, %s -O2; kernel = Linux JIT via BPF_PROG_TEST_RUN "
           "(repeat), XDP\n\n",
           PBPF_BENCH_NATIVE_CC);
    printf("%-6s %10s %18s %7s %7s %10s %18s %18s\n", "prog", "insns/run", "interp", "ns/insn",
           "chk/ins", "native", "kernel JIT", "pbpf JIT");
    for (size_t i = 0; i < BENCH_COUNT; i++)
        if (!opt.only || !strcmp(opt.only, bench_defs[i].name))
            bench_one(&env, &bench_defs[i]);

    printf("\n");
    for (size_t i = 0; i < BENCH_COUNT; i++)
        printf("  %-6s %s\n", bench_defs[i].name, bench_defs[i].what);
    if (env.fixed_interp > 0) {
        printf("fixed cost of a run (the empty program), ns: interp %.1f, checked %.1f, "
               "native call %.1f",
               env.fixed_interp, env.fixed_checked, env.fixed_native);
        if (env.fixed_kernel > 0)
            printf(", kernel %.1f per test-run repetition, %.0f per BPF_PROG_TEST_RUN call",
                   env.fixed_kernel, env.fixed_syscall);
        printf("\n");
        if (env.fixed_jit > 0 && env.fixed_raw > 0)
            printf("fixed cost of a JIT run, ns: %.1f through pbpf_prog_run, %.1f calling the "
                   "JIT code directly (%.2fx, %+.1f ns); kernel %.1f per BPF_PROG_TEST_RUN "
                   "repetition\n",
                   env.fixed_jit, env.fixed_raw, env.fixed_jit / env.fixed_raw,
                   env.fixed_jit - env.fixed_raw, env.fixed_kernel > 0 ? env.fixed_kernel : 0.0);
        else if (env.fixed_jit > 0)
            printf("fixed cost of a JIT run, ns: %.1f through pbpf_prog_run (the JIT code has "
                   "no entry that stores r0 itself: not timed alone)\n",
                   env.fixed_jit);
    }
    if (!env.have_kernel)
        printf("kernel: unavailable (%s)\n", env.kernel_why);
    else if (env.kernel_ran)
        printf("kernel: after its verifier, %d of %d programs are our instructions unchanged "
               "(but for the XDP prologue)\n",
               env.kernel_same, env.kernel_ran);
    if (!env.have_jit) {
        printf("pbpf JIT: n/a (%s)\n", env.jit_why[0] ? env.jit_why : "not tried");
    } else {
        /* load time and code size of each program on the JIT */
        printf("\npbpf JIT load (validate + compile) and code size; us per 1k slots from %d "
               "copies of the program, without the fixed cost:\n",
               JIT_COPIES);
        printf("%-6s %8s %12s %16s %10s %12s\n", "prog", "slots", "load us", "us per 1k slots",
               "bytes", "bytes/slot");
        double all_k = 0;
        size_t all_slots = 0, all_bytes = 0;
        for (size_t i = 0; i < BENCH_COUNT; i++) {
            if (!env.jit_cost[i].slots)
                continue;
            size_t n = env.jit_cost[i].slots, b = env.jit_cost[i].bytes;
            printf("%-6s %8zu %12.1f %16.1f %10zu %12.2f\n", bench_defs[i].name, n,
                   env.jit_cost[i].load_ns / 1e3, env.jit_cost[i].per_k_ns / 1e3, b,
                   (double)b / (double)n);
            all_k += env.jit_cost[i].per_k_ns * (double)n;
            all_slots += n;
            all_bytes += b;
        }
        if (all_slots)
            printf("%-6s %8zu %12s %16.1f %10zu %12.2f\n", "all", all_slots, "",
                   all_k / (double)all_slots / 1e3, all_bytes,
                   (double)all_bytes / (double)all_slots);
    }
    pbpf_runtime_free(env.rt);
    if (env.failures) {
        fprintf(stderr, "pbpf_bench: %d program(s) FAILED\n", env.failures);
        return 1;
    }
    return 0;
}
