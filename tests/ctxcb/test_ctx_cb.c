/* Context accesses reached through callees and callbacks
 * (tests/progs/ctx_cb.bpf.c): each program on the kernel (libbpf,
 * BPF_PROG_TEST_RUN) and on pbpf's checked interpreter (the context scan
 * finds the accesses), verified interpreter and JIT (the verifier does);
 * the results must be the kernel's, which must be what the C source
 * computes.  Then the scan's refusal of an instruction that sees the
 * context on one call path and the stack on another
 * (tests/progs/verifier/v_ctxcb.bpf.c, as Linux refuses it).  Then
 * trace_probe.bpf.o's xdp_tcp_opts_loop on the same engines and the
 * kernel, and sock_ptr.bpf.o: bpf_sk_fullsock's socket in a tc program
 * (against the kernel) and a cgroup connect4 program's ctx->sk.
 *
 *   test_ctx_cb PROGS_DIR VPROGS_DIR */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/hooks.h"
#include "pbpf/loader.h"
#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define NPROG 7
static const char *const progs[NPROG] = {"loop_ctx",    "sub_ctx", "nested_ctx",  "stored_by_callee",
                                         "each_ctx",    "loop_to_sub", "sub_loop_ctx"};
static const uint64_t vals[3] = {3, 5, 7};
#define PKT_LEN 64

static void *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static struct pbpf_object *pbpf_open(const char *path, struct pbpf_runtime *rt,
                                     enum pbpf_engine engine, enum pbpf_mode mode,
                                     const char *only, char *msg, size_t msg_size, int *rc)
{
    size_t len;
    void *buf = read_all(path, &len);
    *rc = -ENOENT;
    if (!buf) {
        snprintf(msg, msg_size, "cannot read %s", path);
        return NULL;
    }
    struct pbpf_object *obj = NULL;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = msg_size);
    *rc = pbpf_object_open_mem(buf, len, &oo, &obj);
    free(buf);
    if (*rc)
        return NULL;
    for (size_t i = 0; only && i < pbpf_object_prog_cnt(obj); i++)
        pbpf_object_set_autoload(obj, i, strcmp(pbpf_object_prog(obj, i)->name, only) == 0);
    PBPF_OPTS(pbpf_object_load_opts, lo, .engine = engine, .mode = mode, .log_buf = msg,
              .log_size = msg_size);
    *rc = pbpf_object_load(obj, rt, &lo);
    if (*rc) {
        pbpf_object_close(obj);
        return NULL;
    }
    return obj;
}

/* pbpf: res[] after running every program once; 0 or -1 (reported) */
static int pbpf_results(const char *path, enum pbpf_engine engine, enum pbpf_mode mode,
                        const char *what, uint64_t res[8])
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return -1;
    char msg[4096] = "";
    int rc;
    struct pbpf_object *obj = pbpf_open(path, rt, engine, mode, NULL, msg, sizeof msg, &rc);
    if (!obj) {
        pbpf_runtime_free(rt);
        if (rc == -EOPNOTSUPP && engine == PBPF_ENGINE_JIT)
            return 1; /* no JIT on this CPU */
        CHECK(0, "%s: load: %d %s", what, rc, msg);
        return -1;
    }
    struct pbpf_map *vm = pbpf_object_map_handle(obj, (size_t)pbpf_object_find_map(obj, "vals"));
    for (uint32_t k = 0; vm && k < 3; k++)
        pbpf_map_update_elem(vm, &k, &vals[k], 0);
    uint8_t pkt[PKT_LEN] = {0};
    pkt[7] = PKT_LEN - 50;
    for (int p = 0; p < NPROG; p++) {
        int i = pbpf_object_find_prog(obj, progs[p]);
        char err[256] = "";
        PBPF_OPTS(pbpf_test_run_opts, r, .data_in = pkt, .data_size_in = sizeof pkt,
                  .err_buf = err, .err_size = sizeof err);
        rc = i < 0 ? -ENOENT
                   : pbpf_prog_test_run(pbpf_object_prog_handle(obj, (size_t)i), &r);
        CHECK(rc == 0 && r.retval == 2, "%s %s: %d retval %u %s", what, progs[p], rc, r.retval,
              err);
    }
    int bi = pbpf_object_find_map(obj, ".bss");
    uint32_t zero = 0;
    rc = bi < 0 ? -ENOENT
                : pbpf_map_lookup_elem(pbpf_object_map_handle(obj, (size_t)bi), &zero, res);
    CHECK(rc == 0, "%s: .bss: %d", what, rc);
    pbpf_object_close(obj);
    pbpf_runtime_free(rt);
    return rc ? -1 : 0;
}

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
    (void)l, (void)f, (void)ap;
    return 0;
}

/* the kernel: 0 with res filled, or a negative errno with why (skip) */
static int kernel_results(const char *path, uint64_t res[8], char *why, size_t why_size)
{
    if (!getenv("PBPF_TEST_VERBOSE"))
        libbpf_set_print(quiet);
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    long err = libbpf_get_error(o);
    if (err) {
        snprintf(why, why_size, "libbpf cannot open %.200s: %ld", path, err);
        return (int)err;
    }
    int rc = bpf_object__load(o);
    if (rc) {
        snprintf(why, why_size, "the kernel refused %.200s: %d (needs Linux, root)", path, rc);
        bpf_object__close(o);
        return rc;
    }
    struct bpf_map *vm = bpf_object__find_map_by_name(o, "vals"), *bss = NULL, *m;
    for (uint32_t k = 0; vm && k < 3; k++)
        bpf_map__update_elem(vm, &k, sizeof k, &vals[k], sizeof vals[k], 0);
    bpf_object__for_each_map(m, o)
    {
        const char *nm = bpf_map__name(m);
        if (strlen(nm) >= 4 && strcmp(nm + strlen(nm) - 4, ".bss") == 0)
            bss = m;
    }
    uint8_t pkt[PKT_LEN] = {0};
    pkt[7] = PKT_LEN - 50;
    for (int p = 0; p < NPROG && !rc; p++) {
        struct bpf_program *bp = bpf_object__find_program_by_name(o, progs[p]);
        LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof pkt,
                    .repeat = 1);
        rc = bp ? bpf_prog_test_run_opts(bpf_program__fd(bp), &t) : -ENOENT;
        if (rc)
            snprintf(why, why_size, "BPF_PROG_TEST_RUN of %s: %d", progs[p], rc);
        else
            CHECK(t.retval == 2, "kernel %s: retval %u", progs[p], t.retval);
    }
    uint32_t k = 0;
    if (!rc && !bss) {
        snprintf(why, why_size, "libbpf made no .bss map");
        rc = -ENOENT;
    }
    if (!rc)
        rc = bpf_map__lookup_elem(bss, &k, sizeof k, res, 8 * sizeof *res, 0);
    bpf_object__close(o);
    return rc;
}

/* What ctx_cb.bpf.c computes, for a packet byte L (+ 50), ingress_ifindex
 * ifx and rx_queue_index rxq. */
static void expected(uint64_t L, uint64_t ifx, uint64_t rxq, uint64_t e[8])
{
    memset(e, 0, 8 * sizeof *e);
    e[0] = 3 * L + (0 + 1 + 2);
    e[1] = L * 1000 + ifx;
    e[2] = L + rxq * 7 + (5 + 100) + 1;
    e[3] = L + ifx;
    for (int i = 0; i < 3; i++)
        e[4] += vals[i] * L + ifx;
    e[5] = (L << 0) + (L << 1) + (L << 2) + (L << 3);
    e[6] = 1 + (L + 0) + (L + 1);
}

/* --- trace_probe.bpf.o's xdp_tcp_opts_loop ------------------------------- */

/* Ethernet + IPv4 + TCP with the given options (a multiple of 4 bytes), or
 * UDP without them. */
static uint32_t make_pkt(uint8_t *p, int tcp, const uint8_t *opt, uint32_t olen)
{
    memset(p, 0, 128);
    p[12] = 0x08; /* ETH_P_IP */
    uint8_t *ip = p + 14;
    uint32_t l4 = tcp ? 20 + olen : 8;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + l4) >> 8);
    ip[3] = (uint8_t)(20 + l4);
    ip[8] = 64;
    ip[9] = tcp ? 6 : 17;
    uint8_t *th = ip + 20;
    th[0] = 0x9c, th[1] = 0x40, th[3] = 80;
    if (tcp) {
        th[12] = (uint8_t)((5 + olen / 4) << 4);
        th[13] = 0x02;
        if (olen)
            memcpy(th + 20, opt, olen);
    }
    return 14 + 20 + l4;
}

#define NOPT_PKT 3
#define OPT_VAL 64 /* room for struct opt_summary */
struct opt_result {
    uint32_t retval;
    uint8_t val[OPT_VAL];
};

static uint32_t opt_pkts(uint8_t pkt[NOPT_PKT][128], uint32_t len[NOPT_PKT])
{
    /* MSS 1460, NOP, window scale 7, SACK permitted, timestamps, EOL */
    static const uint8_t good[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4,
                                   0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t bad[] = {2, 4, 0x05, 0xb4, 3, 1, 0, 0}; /* length 1 */
    len[0] = make_pkt(pkt[0], 1, good, sizeof good);
    len[1] = make_pkt(pkt[1], 1, bad, sizeof bad);
    len[2] = make_pkt(pkt[2], 0, NULL, 0);
    return NOPT_PKT;
}

/* the engines every program runs on, compared with each other and the kernel */
static const struct {
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    const char *name;
} be[3] = {{PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "checked interpreter"},
           {PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "verified interpreter"},
           {PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, "JIT"}};

static int pbpf_opts(const char *path, enum pbpf_engine engine, enum pbpf_mode mode,
                     const char *what, struct opt_result out[NOPT_PKT], uint32_t *vsize)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return -1;
    char msg[4096] = "";
    int rc;
    struct pbpf_object *obj =
        pbpf_open(path, rt, engine, mode, "xdp_tcp_opts_loop", msg, sizeof msg, &rc);
    if (!obj) {
        pbpf_runtime_free(rt);
        if (rc == -EOPNOTSUPP && engine == PBPF_ENGINE_JIT)
            return 1;
        CHECK(0, "%s: load xdp_tcp_opts_loop: %d %s", what, rc, msg);
        return -1;
    }
    struct pbpf_prog *p =
        pbpf_object_prog_handle(obj, (size_t)pbpf_object_find_prog(obj, "xdp_tcp_opts_loop"));
    struct pbpf_map *m = pbpf_object_map_handle(obj, (size_t)pbpf_object_find_map(obj, "tcp_opts"));
    *vsize = m ? pbpf_map_value_size(m) : 0;
    uint8_t pkt[NOPT_PKT][128];
    uint32_t len[NOPT_PKT];
    opt_pkts(pkt, len);
    rc = 0;
    for (int k = 0; k < NOPT_PKT && p && m && *vsize <= OPT_VAL; k++) {
        char err[256] = "";
        PBPF_OPTS(pbpf_test_run_opts, r, .data_in = pkt[k], .data_size_in = len[k],
                  .err_buf = err, .err_size = sizeof err);
        memset(&out[k], 0, sizeof out[k]);
        int e = pbpf_prog_test_run(p, &r);
        CHECK(e == 0, "%s xdp_tcp_opts_loop packet %d: %d %s", what, k, e, err);
        out[k].retval = r.retval;
        uint32_t one = 1;
        CHECK(pbpf_map_lookup_elem(m, &one, out[k].val) == 0, "%s: tcp_opts[1]", what);
    }
    CHECK(p && m && *vsize && *vsize <= OPT_VAL, "%s: xdp_tcp_opts_loop or tcp_opts missing",
          what);
    pbpf_object_close(obj);
    pbpf_runtime_free(rt);
    return rc;
}

static int kernel_opts(const char *path, struct opt_result out[NOPT_PKT], uint32_t vsize,
                       char *why, size_t why_size)
{
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    long err = libbpf_get_error(o);
    if (err) {
        snprintf(why, why_size, "libbpf cannot open %.200s: %ld", path, err);
        return (int)err;
    }
    struct bpf_program *bp;
    bpf_object__for_each_program(bp, o)
    {
        bpf_program__set_autoload(bp, strcmp(bpf_program__name(bp), "xdp_tcp_opts_loop") == 0);
    }
    int rc = bpf_object__load(o);
    if (rc) {
        snprintf(why, why_size, "the kernel refused xdp_tcp_opts_loop: %d", rc);
        bpf_object__close(o);
        return rc;
    }
    bp = bpf_object__find_program_by_name(o, "xdp_tcp_opts_loop");
    struct bpf_map *m = bpf_object__find_map_by_name(o, "tcp_opts");
    uint8_t pkt[NOPT_PKT][128];
    uint32_t len[NOPT_PKT];
    opt_pkts(pkt, len);
    for (int k = 0; k < NOPT_PKT && !rc; k++) {
        LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt[k], .data_size_in = len[k],
                    .repeat = 1);
        rc = bpf_prog_test_run_opts(bpf_program__fd(bp), &t);
        memset(&out[k], 0, sizeof out[k]);
        out[k].retval = t.retval;
        uint32_t one = 1;
        if (!rc)
            rc = bpf_map__lookup_elem(m, &one, sizeof one, out[k].val, vsize, 0);
        if (rc)
            snprintf(why, why_size, "xdp_tcp_opts_loop packet %d: %d", k, rc);
    }
    bpf_object__close(o);
    return rc;
}

/* The option walk in a bpf_loop callback that reads data and data_end
 * through the xdp_md pointer its caller left in the callback context: the
 * same verdicts and summaries as the kernel's, on every engine.  Returns
 * the number of engines compared, or -1. */
static int test_tcp_opts(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/trace_probe.bpf.o", dir);
    struct opt_result ours[3][NOPT_PKT], kern[NOPT_PKT];
    uint32_t vsize = 0;
    int have[3];
    for (int b = 0; b < 3; b++)
        have[b] = pbpf_opts(path, be[b].engine, be[b].mode, be[b].name, ours[b], &vsize) == 0;
    char why[256] = "";
    if (!vsize || kernel_opts(path, kern, vsize, why, sizeof why)) {
        printf("xdp_tcp_opts_loop: no kernel comparison: %s\n", why);
        for (int b = 1; b < 3; b++)
            for (int k = 0; have[0] && have[b] && k < NOPT_PKT; k++)
                CHECK(memcmp(&ours[b][k], &ours[0][k], sizeof ours[0][k]) == 0,
                      "%s xdp_tcp_opts_loop packet %d differs from the checked interpreter",
                      be[b].name, k);
        return 0;
    }
    int n = 0;
    for (int b = 0; b < 3; b++) {
        if (!have[b])
            continue;
        n++;
        for (int k = 0; k < NOPT_PKT; k++) {
            CHECK(ours[b][k].retval == kern[k].retval,
                  "%s xdp_tcp_opts_loop packet %d: verdict %u, kernel %u", be[b].name, k,
                  ours[b][k].retval, kern[k].retval);
            CHECK(memcmp(ours[b][k].val, kern[k].val, vsize) == 0,
                  "%s xdp_tcp_opts_loop packet %d: summary differs from the kernel's (count "
                  "%u, kernel %u)",
                  be[b].name, k, ours[b][k].val[16], kern[k].val[16]);
        }
    }
    /* the walk found options at all (the kernel's summary of the first
     * packet is not all zero) */
    int nonzero = 0;
    for (uint32_t i = 0; i < vsize; i++)
        nonzero |= kern[0].val[i];
    CHECK(nonzero, "the kernel's summary of the first packet is empty");
    return n;
}

/* --- sock_ptr.bpf.o: bpf_sk_fullsock and sock_addr's ctx->sk ------------ */

#define NSOCK 11
static int pbpf_sock_run(const char *path, enum pbpf_engine engine, enum pbpf_mode mode,
                         const char *what, const char *prog, const void *data, uint32_t dlen,
                         const void *ctx_in, uint32_t clen, uint64_t res[16])
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return -1;
    char msg[4096] = "";
    int rc;
    struct pbpf_object *obj = pbpf_open(path, rt, engine, mode, prog, msg, sizeof msg, &rc);
    if (!obj) {
        pbpf_runtime_free(rt);
        if (rc == -EOPNOTSUPP && engine == PBPF_ENGINE_JIT)
            return 1;
        CHECK(0, "%s: load %s: %d %s", what, prog, rc, msg);
        return -1;
    }
    char err[256] = "";
    PBPF_OPTS(pbpf_test_run_opts, r, .data_in = data, .data_size_in = dlen, .ctx_in = ctx_in,
              .ctx_size_in = clen, .err_buf = err, .err_size = sizeof err);
    int i = pbpf_object_find_prog(obj, prog);
    rc = i < 0 ? -ENOENT : pbpf_prog_test_run(pbpf_object_prog_handle(obj, (size_t)i), &r);
    CHECK(rc == 0, "%s %s: %d %s", what, prog, rc, err);
    int bi = pbpf_object_find_map(obj, ".bss");
    uint32_t zero = 0;
    if (!rc)
        rc = bi < 0 ? -ENOENT
                    : pbpf_map_lookup_elem(pbpf_object_map_handle(obj, (size_t)bi), &zero, res);
    pbpf_object_close(obj);
    pbpf_runtime_free(rt);
    return rc ? -1 : 0;
}

static int kernel_sock(const char *path, const void *data, uint32_t dlen, uint64_t res[16],
                       char *why, size_t why_size)
{
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    long err = libbpf_get_error(o);
    if (err) {
        snprintf(why, why_size, "libbpf cannot open %.200s: %ld", path, err);
        return (int)err;
    }
    int rc = bpf_object__load(o);
    if (rc) {
        snprintf(why, why_size, "the kernel refused %.200s: %d", path, rc);
        bpf_object__close(o);
        return rc;
    }
    struct bpf_program *bp = bpf_object__find_program_by_name(o, "tc_fullsock");
    LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = dlen, .repeat = 1);
    rc = bp ? bpf_prog_test_run_opts(bpf_program__fd(bp), &t) : -ENOENT;
    struct bpf_map *m, *bss = NULL;
    bpf_object__for_each_map(m, o)
    {
        const char *nm = bpf_map__name(m);
        if (strlen(nm) >= 4 && strcmp(nm + strlen(nm) - 4, ".bss") == 0)
            bss = m;
    }
    uint32_t k = 0;
    if (!rc)
        rc = bss ? bpf_map__lookup_elem(bss, &k, sizeof k, res, 16 * sizeof *res, 0) : -ENOENT;
    if (rc)
        snprintf(why, why_size, "tc_fullsock on the kernel: %d", rc);
    bpf_object__close(o);
    return rc;
}

static void test_sock(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/sock_ptr.bpf.o", dir);
    uint8_t pkt[128];
    uint32_t len = make_pkt(pkt, 1, NULL, 0);
    pkt[14 + 12] = 10, pkt[14 + 15] = 7;  /* saddr 10.0.0.7 */
    pkt[14 + 16] = 192, pkt[14 + 19] = 9; /* daddr 192.0.0.9 */
    uint64_t kern[16], ours[3][16];
    char why[256] = "";
    int krc = kernel_sock(path, pkt, len, kern, why, sizeof why);
    if (krc)
        printf("sock_ptr: no kernel comparison: %s\n", why);
    else
        CHECK(kern[10] == 3, "the kernel's tc_fullsock got no full socket: %llu",
              (unsigned long long)kern[10]);
    for (int b = 0; b < 3; b++) {
        if (pbpf_sock_run(path, be[b].engine, be[b].mode, be[b].name, "tc_fullsock", pkt, len,
                          NULL, 0, ours[b]))
            continue;
        CHECK(ours[b][10] == 3, "%s tc_fullsock: no full socket (%llu)", be[b].name,
              (unsigned long long)ours[b][10]);
        for (int i = 0; !krc && i < NSOCK; i++)
            CHECK(ours[b][i] == kern[i], "%s tc_fullsock res[%d] = %llu, kernel %llu",
                  be[b].name, i, (unsigned long long)ours[b][i], (unsigned long long)kern[i]);
    }
    /* cgroup connect4 (no test run on Linux): the socket the context
     * describes, read without a NULL check */
    uint32_t sa[18];
    memset(sa, 0, sizeof sa);
    sa[0] = 2, sa[7] = 2, sa[8] = 1, sa[9] = 6; /* user_family, family, type, protocol */
    for (int b = 0; b < 3; b++) {
        if (pbpf_sock_run(path, be[b].engine, be[b].mode, be[b].name, "connect_sk", NULL, 0, sa,
                          sizeof sa, ours[b]))
            continue;
        CHECK(ours[b][10] == 4 && ours[b][0] == sa[7] && ours[b][1] == sa[8] &&
                  ours[b][2] == sa[9],
              "%s connect_sk: ran %llu, family %llu type %llu protocol %llu", be[b].name,
              (unsigned long long)ours[b][10], (unsigned long long)ours[b][0],
              (unsigned long long)ours[b][1], (unsigned long long)ours[b][2]);
        CHECK(b == 0 || memcmp(ours[b], ours[0], sizeof ours[0]) == 0,
              "%s connect_sk differs from the checked interpreter", be[b].name);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PROGS_DIR VPROGS_DIR\n", argv[0]);
        return 2;
    }
    char path[1024], vpath[1024];
    snprintf(path, sizeof path, "%s/ctx_cb.bpf.o", argv[1]);
    snprintf(vpath, sizeof vpath, "%s/v_ctxcb.bpf.o", argv[2]);
    uint64_t ours[3][8];
    int have[3];
    for (int b = 0; b < 3; b++)
        have[b] = pbpf_results(path, be[b].engine, be[b].mode, be[b].name, ours[b]) == 0;

    /* the scan refuses what Linux refuses: one load through the context
     * in one call of a subprogram and through the stack in the other */
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt) == 0) {
        char msg[4096] = "";
        int rc;
        struct pbpf_object *o = pbpf_open(vpath, rt, PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED,
                                          "ctxcb_sub_mixed", msg, sizeof msg, &rc);
        CHECK(!o && rc == -EACCES && strstr(msg, "same insn cannot be used with different pointers"),
              "checked load of ctxcb_sub_mixed: %d %s", rc, msg);
        pbpf_object_close(o);
        o = pbpf_open(vpath, rt, PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "ctxcb_loop_mixed", msg,
                      sizeof msg, &rc);
        CHECK(!o && rc == -EACCES && strstr(msg, "same insn cannot be used with different pointers"),
              "checked load of ctxcb_loop_mixed: %d %s", rc, msg);
        pbpf_object_close(o);
        pbpf_runtime_free(rt);
    }

    if (!getenv("PBPF_TEST_VERBOSE"))
        libbpf_set_print(quiet);
    int opt_engines = test_tcp_opts(argv[1]);
    test_sock(argv[1]);

    uint64_t kern[8];
    char why[256] = "";
    int krc = kernel_results(path, kern, why, sizeof why);
    if (krc) {
        /* without the kernel: what the C source computes, with the
         * ifindex and queue pbpf's test run gives (lo's, queue 0) */
        uint64_t e[8];
        expected(PKT_LEN, 1, 0, e);
        for (int b = 0; b < 3; b++)
            for (int i = 0; have[b] && i < 8; i++)
                CHECK(ours[b][i] == e[i], "%s res[%d] = %llu, the source says %llu", be[b].name,
                      i, (unsigned long long)ours[b][i], (unsigned long long)e[i]);
        if (failures) {
            fprintf(stderr, "ctx_cb: %d of %d checks failed\n", failures, checks);
            return 1;
        }
        printf("SKIP: kernel comparison: %s (%d checks passed without it)\n", why, checks);
        return 77;
    }
    uint64_t e[8];
    expected(PKT_LEN, 1, 0, e);
    for (int i = 0; i < 8; i++)
        CHECK(kern[i] == e[i], "kernel res[%d] = %llu, the source says %llu", i,
              (unsigned long long)kern[i], (unsigned long long)e[i]);
    int runs = 0;
    for (int b = 0; b < 3; b++) {
        if (!have[b])
            continue;
        runs++;
        for (int i = 0; i < 8; i++)
            CHECK(ours[b][i] == kern[i], "%s res[%d] = %llu, kernel %llu", be[b].name, i,
                  (unsigned long long)ours[b][i], (unsigned long long)kern[i]);
    }
    if (failures) {
        fprintf(stderr, "ctx_cb: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("ctx_cb: %d programs equal to the kernel on %d engines, xdp_tcp_opts_loop on %d "
           "(%d checks)\n",
           NPROG, runs, opt_engines, checks);
    return 0;
}
