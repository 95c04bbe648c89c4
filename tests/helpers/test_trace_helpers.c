/* bpf_get_func_ip and bpf_get_attach_cookie: the values the caller of a
 * test run gives (pbpf_test_run_opts func_ip, attach_cookie) come back to
 * the program on every engine, 0 when none was given; which program types
 * may call them, and bpf_get_func_arg/_ret/_arg_cnt, agree with the
 * kernel's BPF_PROG_LOAD where bpf() works; a program without a type is
 * refused at load. */
#include "maps_test.h"
#include "pbpf/hooks.h"

#if defined(__linux__)
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>
#define HAVE_KERNEL 1
#endif

enum { PT_SOCKET_FILTER = 1, PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_TRACEPOINT = 5, PT_XDP = 6,
       PT_PERF_EVENT = 7, PT_RAW_TRACEPOINT = 17 };

#define I_RSH64_IMM(d, i) MT_INSN(PBPF_CLS_ALU64 | PBPF_ALU_RSH, d, 0, 0, i)

static struct pbpf_runtime *rt;

/* r0 = helper(ctx[, 0, fp-8]) [>> shift]; exit */
static size_t build(struct pbpf_insn *in, uint32_t helper, int shift)
{
    size_t n = 0;
    in[n++] = I_ST_DW(10, -8, 0);
    if (helper == 183) {
        in[n++] = I_MOV64_IMM(2, 0);
        in[n++] = I_MOV64_REG(3, 10);
        in[n++] = I_ADD64_IMM(3, -8);
    } else if (helper == 184) {
        in[n++] = I_MOV64_REG(2, 10);
        in[n++] = I_ADD64_IMM(2, -8);
    }
    in[n++] = I_CALL(helper);
    if (shift)
        in[n++] = I_RSH64_IMM(0, shift);
    in[n++] = I_EXIT();
    return n;
}

static int load(uint32_t type, uint32_t helper, int shift, const char *license,
                enum pbpf_engine engine, struct pbpf_prog **out, char *log, size_t log_size)
{
    struct pbpf_insn in[16];
    size_t n = build(in, helper, shift);
    PBPF_OPTS(pbpf_prog_opts, o, .engine = engine, .mode = PBPF_MODE_VERIFIED, .prog_type = type,
              .license = license, .log_buf = log, .log_size = log_size);
    log[0] = '\0';
    return pbpf_prog_load(rt, in, n, &o, out);
}

/* One run with the given attachment values; r0's low 32 bits. */
static uint32_t run(struct pbpf_prog *p, uint32_t type, uint64_t ip, uint64_t cookie, int *err)
{
    uint8_t ctx[184] = {0};
    PBPF_OPTS(pbpf_test_run_opts, o, .ctx_in = ctx, .func_ip = ip, .attach_cookie = cookie);
    o.ctx_size_in = type == PT_KPROBE ? 168 : type == PT_PERF_EVENT ? 184
                  : type == PT_RAW_TRACEPOINT ? 8 : 16;
    *err = pbpf_prog_test_run(p, &o);
    return o.retval;
}

/* The values come back whole (two runs: low and high halves), on the
 * interpreter and the JIT; no values, no answer but 0. */
static void test_values(enum pbpf_engine engine)
{
    const uint64_t ip = 0xffffffff81234560ull, cookie = 0x0123456789abcdefull;
    struct { uint32_t type, helper; uint64_t want; } cases[] = {
        {PT_KPROBE, 173, ip},
        {PT_KPROBE, 174, cookie},
        {PT_TRACEPOINT, 174, cookie},
        {PT_PERF_EVENT, 174, cookie},
        {PT_RAW_TRACEPOINT, 174, cookie},
    };
    char log[512];
    for (size_t i = 0; i < MT_LEN(cases); i++) {
        uint64_t got = 0;
        for (int half = 0; half < 2; half++) {
            struct pbpf_prog *p = NULL;
            int rc = load(cases[i].type, cases[i].helper, half ? 32 : 0, "GPL", engine, &p, log,
                          sizeof log);
            if (rc) {
                fprintf(stderr, "type %u helper %u: load %d: %s\n", cases[i].type,
                        cases[i].helper, rc, log);
                CHECK_EQ(rc, 0);
                continue;
            }
            int err;
            uint64_t give_ip = cases[i].type == PT_KPROBE ? ip : 0;
            uint32_t r = run(p, cases[i].type, give_ip, cookie, &err);
            CHECK_EQ(err, 0);
            got |= (uint64_t)r << (half ? 32 : 0);
            /* nothing given: 0 */
            CHECK_EQ(run(p, cases[i].type, 0, 0, &err), 0);
            CHECK_EQ(err, 0);
            pbpf_prog_free(p);
        }
        CHECK_EQ(got, cases[i].want);
    }
}

/* The caller may give a value only to the types whose helpers read it. */
static void test_run_opts_checked(void)
{
    char log[512];
    struct pbpf_prog *p = NULL;
    CHECK_EQ(load(PT_TRACEPOINT, 174, 0, "GPL", PBPF_ENGINE_INTERP, &p, log, sizeof log), 0);
    if (p) {
        int err;
        run(p, PT_TRACEPOINT, 0x1000, 0, &err);
        CHECK_EQ(err, -EINVAL);
        pbpf_prog_free(p);
    }
    /* an XDP program that calls nothing: a cookie is refused */
    struct pbpf_insn in[] = {I_MOV64_IMM(0, 2), I_EXIT()};
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_VERIFIED, .prog_type = PT_XDP);
    CHECK_EQ(pbpf_prog_load(rt, in, MT_LEN(in), &po, &p), 0);
    if (p) {
        uint8_t pkt[64] = {0};
        PBPF_OPTS(pbpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof pkt,
                  .attach_cookie = 1);
        CHECK_EQ(pbpf_prog_test_run(p, &o), -EINVAL);
        pbpf_prog_free(p);
    }
}

/* A program without a type has no attachment: refused at load, checked
 * mode included. */
static void test_untyped_refused(void)
{
    struct pbpf_insn in[16];
    size_t n = build(in, 173, 0);
    char log[512] = "";
    PBPF_OPTS(pbpf_prog_opts, o, .mode = PBPF_MODE_CHECKED, .log_buf = log,
              .log_size = sizeof log);
    struct pbpf_prog *p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, in, n, &o, &p), -EINVAL);
    CHECK(strstr(log, "bpf_get_func_ip#173") != NULL);
    n = build(in, 174, 0);
    CHECK_EQ(pbpf_prog_load(rt, in, n, &o, &p), -EINVAL);
    /* a helper with no attachment in it still loads */
    n = build(in, 5, 0);
    CHECK_EQ(pbpf_prog_load(rt, in, n, &o, &p), 0);
    pbpf_prog_free(p);
}

#ifdef HAVE_KERNEL
static int kernel_load(uint32_t type, uint32_t helper, const char *license)
{
    struct pbpf_insn in[16];
    size_t n = build(in, helper, 0);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = type;
    a.insns = (uintptr_t)in;
    a.insn_cnt = (uint32_t)n;
    a.license = (uintptr_t)license;
    int fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}
#endif

/* Which types may call which helper, and GPL-only: as the kernel says. */
static void test_against_kernel(void)
{
#ifdef HAVE_KERNEL
    if (!kernel_load(PT_KPROBE, 5, "GPL")) {
        printf("kernel comparison skipped: BPF_PROG_LOAD of a kprobe program failed\n");
        return;
    }
    const uint32_t types[] = {PT_SOCKET_FILTER, PT_KPROBE, PT_SCHED_CLS, PT_TRACEPOINT,
                              PT_XDP, PT_PERF_EVENT, PT_RAW_TRACEPOINT};
    const uint32_t helpers[] = {173, 174, 183, 184, 185};
    const char *licenses[] = {"GPL", "MIT"};
    int compared = 0;
    for (size_t t = 0; t < MT_LEN(types); t++)
        for (size_t h = 0; h < MT_LEN(helpers); h++)
            for (size_t l = 0; l < 2; l++) {
                char log[512];
                struct pbpf_prog *p = NULL;
                int ours = load(types[t], helpers[h], 0, licenses[l], PBPF_ENGINE_INTERP, &p,
                                log, sizeof log) == 0;
                pbpf_prog_free(p);
                int theirs = kernel_load(types[t], helpers[h], licenses[l]);
                if (ours != theirs)
                    fprintf(stderr, "type %u helper %u license %s: pbpf %s, kernel %s (%s)\n",
                            types[t], helpers[h], licenses[l], ours ? "loads" : "refuses",
                            theirs ? "loads" : "refuses", log);
                CHECK_EQ(ours, theirs);
                compared++;
            }
    printf("kernel comparison: %d loads agree\n", compared);
#else
    printf("kernel comparison skipped: not Linux\n");
#endif
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_values(PBPF_ENGINE_INTERP);
    test_values(PBPF_ENGINE_JIT);
    test_run_opts_checked();
    test_untyped_refused();
    test_against_kernel();
    pbpf_runtime_free(rt);
    return mt_report("trace_helpers");
}
