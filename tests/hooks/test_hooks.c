/* Tests of the hooks (src/hooks): context descriptors, the context scan and
 * rewrite at load, pbpf_prog_test_run and the packet helpers.
 *   access        every (offset, size, read/write) of each program type's
 *                 context: pbpf's verdict against the Linux verifier's
 *                 (skips, 77, without bpf())
 *   scan          the context scan on hand-written programs
 *   run DIR       the hooks_*.bpf.o programs test-run on every engine with
 *                 a set of packets and contexts; each result compared with
 *                 the other engines, with the kernel's BPF_PROG_TEST_RUN
 *                 where bpf() works, and with what the C source computes */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "hooks/ctx.h"
#include "hook_run.h"
#include "kbpf.h"
#include "pbpf/hooks.h"
#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "unit.h"

static struct pbpf_runtime *rt;
static int have_kernel;

/* --- access: pbpf's context rules against Linux's ---------------------- */

struct access_type {
    uint32_t prog_type, attach_type;
    const char *name;
};

static const struct access_type access_types[] = {
    {1, 0, "socket_filter"}, {2, 0, "kprobe"}, {3, 0, "sched_cls"}, {4, 0, "sched_act"},
    {5, 0, "tracepoint"}, {6, 0, "xdp"}, {7, 0, "perf_event"}, {8, 0, "cgroup_skb"},
    {10, 0, "lwt_in"}, {11, 0, "lwt_out"}, {12, 0, "lwt_xmit"}, {17, 0, "raw_tracepoint"},
    {9, 2, "cgroup_sock(create)"}, {9, 12, "cgroup_sock(post_bind4)"},
    {9, 13, "cgroup_sock(post_bind6)"}, {13, 0, "sock_ops"},
    {18, 10, "sock_addr(connect4)"}, {18, 11, "sock_addr(connect6)"},
    {18, 14, "sock_addr(sendmsg4)"}, {18, 15, "sock_addr(sendmsg6)"},
    {22, 17, "flow_dissector"}, {30, 36, "sk_lookup"}, {14, 4, "sk_skb(stream_parser)"},
    {14, 5, "sk_skb(stream_verdict)"}, {16, 7, "sk_msg"},
};

static const uint8_t size_code[9] = {[1] = 0x10, [2] = 0x08, [4] = 0x00, [8] = 0x18};

/* r0 = *(uN *)(r1 + off) or *(uN *)(r1 + off) = r2; then r0 = 0; exit */
static size_t access_prog(struct pbpf_insn *p, int off, unsigned size, int write)
{
    size_t n = 0;
    if (write) {
        p[n++] = (struct pbpf_insn){0xb7, 2, 0, 0}; /* r2 = 0 */
        p[n++] = (struct pbpf_insn){(uint8_t)(0x63 | size_code[size]), 1 | 2 << 4, (int16_t)off, 0};
    } else {
        p[n++] = (struct pbpf_insn){(uint8_t)(0x61 | size_code[size]), 0 | 1 << 4, (int16_t)off, 0};
    }
    p[n++] = (struct pbpf_insn){0xb7, 0, 0, 0};
    p[n++] = (struct pbpf_insn){0x95, 0, 0, 0};
    return n;
}

static void test_access(void)
{
    size_t checked = 0, mismatches = 0;
    for (size_t t = 0; t < sizeof access_types / sizeof access_types[0]; t++) {
        const struct access_type *at = &access_types[t];
        const struct pbpf_ctx_desc *d = pbpf_ctx_desc(at->prog_type);
        CHECK(d != NULL);
        if (!d)
            continue;
        int limit = d->size > 256 ? 256 : (int)d->size;
        for (int off = -8; off < limit + 16; off++) {
            for (unsigned size = 1; size <= 8; size *= 2) {
                for (int write = 0; write <= 1; write++) {
                    struct pbpf_insn p[4];
                    size_t n = access_prog(p, off, size, write);
                    struct kbpf_load_opts lo = {.prog_type = at->prog_type,
                                                .expected_attach_type = at->attach_type,
                                                .insns = p,
                                                .insn_cnt = n};
                    int kfd = kbpf_prog_load(&lo);
                    int kok = kfd >= 0;
                    kbpf_close(kfd);
                    char log[256];
                    struct pbpf_prog *prog = NULL;
                    PBPF_OPTS(pbpf_prog_opts, po, .prog_type = at->prog_type,
                              .expected_attach_type = at->attach_type, .log_buf = log,
                              .log_size = sizeof log);
                    int prc = pbpf_prog_load(rt, p, n, &po, &prog);
                    pbpf_prog_free(prog);
                    int pok = prc == 0;
                    checked++;
                    if (kok != pok) {
                        mismatches++;
                        if (mismatches <= 600)
                            fprintf(stderr,
                                    "%s: %s off=%d size=%u: kernel %s (%s), pbpf %s (%s)\n",
                                    at->name, write ? "write" : "read", off, size,
                                    kok ? "accepts" : "refuses", lo.reason,
                                    pok ? "accepts" : "refuses", pok ? "" : log);
                    } else if (!pok) {
                        /* pbpf's reason is Linux's */
                        CHECK(strstr(log, "invalid bpf_context access") != NULL);
                    }
                }
            }
        }
    }
    printf("context accesses compared with Linux: %zu, differing: %zu\n", checked, mismatches);
    CHECK_EQ(mismatches, 0);
}

/* --- scan ----------------------------------------------------------------- */

static int load_typed(const struct pbpf_insn *p, size_t n, uint32_t type, char *log, size_t lsz,
                      struct pbpf_prog **out)
{
    PBPF_OPTS(pbpf_prog_opts, po, .prog_type = type, .log_buf = log, .log_size = lsz);
    return pbpf_prog_load(rt, p, n, &po, out);
}

static void test_scan(void)
{
    char log[256];
    struct pbpf_prog *prog;
    /* XDP: data (u32 at 0) through a spilled and refilled context becomes
     * a 64-bit load at the internal offset; scalars keep theirs */
    struct pbpf_insn spill[] = {
        {0x7b, 10 | 1 << 4, -8, 0},  /* *(u64 *)(r10 - 8) = r1 */
        {0xb7, 1, 0, 0},             /* r1 = 0 */
        {0x79, 6 | 10 << 4, -8, 0},  /* r6 = *(u64 *)(r10 - 8) */
        {0x61, 2 | 6 << 4, 0, 0},    /* r2 = *(u32 *)(r6 + 0): data */
        {0x61, 3 | 6 << 4, 12, 0},   /* r3 = ingress_ifindex */
        {0xb7, 0, 0, 0},
        {0x95, 0, 0, 0},
    };
    CHECK_EQ(load_typed(spill, 7, 6, log, sizeof log, &prog), 0);
    if (prog) {
        const struct pbpf_insn *x = pbpf_prog_insns(prog);
        CHECK_EQ(x[3].code, 0x79);
        CHECK_EQ(x[3].off, offsetof(struct pbpf_xdp_ctx, data));
        CHECK_EQ(x[4].code, 0x61);
        CHECK_EQ(x[4].off, 12);
        pbpf_prog_free(prog);
    }
    /* a register that is the context on one path only */
    struct pbpf_insn mixed[] = {
        {0xbf, 6 | 1 << 4, 0, 0},    /* r6 = r1 */
        {0x15, 2, 1, 0},             /* if r2 == 0 goto +1 */
        {0xbf, 6 | 10 << 4, 0, 0},   /* r6 = r10 */
        {0x61, 0 | 6 << 4, -8, 0},   /* r0 = *(u32 *)(r6 - 8) */
        {0x95, 0, 0, 0},
    };
    CHECK(load_typed(mixed, 5, 6, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "same insn cannot be used with different pointers");
    /* a moved context pointer */
    struct pbpf_insn moved[] = {
        {0x07, 1, 0, 4},             /* r1 += 4 */
        {0x61, 0 | 1 << 4, 0, 0},
        {0x95, 0, 0, 0},
    };
    CHECK(load_typed(moved, 3, 6, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "dereference of modified ctx ptr R1 off=4 disallowed");
    /* moved and back (r1 += 8; r1 -= 8, through a spill): offset 0 again,
     * the access is the context's and is rewritten */
    struct pbpf_insn back[] = {
        {0x07, 1, 0, 8},             /* r1 += 8 */
        {0x7b, 10 | 1 << 4, -8, 0},  /* *(u64 *)(r10 - 8) = r1 */
        {0x79, 6 | 10 << 4, -8, 0},  /* r6 = *(u64 *)(r10 - 8) */
        {0x17, 6, 0, 8},             /* r6 -= 8 */
        {0x61, 2 | 6 << 4, 4, 0},    /* r2 = *(u32 *)(r6 + 4): data_end */
        {0xb7, 0, 0, 0},
        {0x95, 0, 0, 0},
    };
    CHECK_EQ(load_typed(back, 7, 6, log, sizeof log, &prog), 0);
    if (prog) {
        const struct pbpf_insn *x = pbpf_prog_insns(prog);
        CHECK_EQ(x[4].code, 0x79);
        CHECK_EQ(x[4].off, offsetof(struct pbpf_xdp_ctx, data_end));
        pbpf_prog_free(prog);
    }
    /* below the context */
    struct pbpf_insn below[] = {{0x07, 1, 0, -4}, {0x61, 0 | 1 << 4, 4, 0}, {0x95, 0, 0, 0}};
    CHECK(load_typed(below, 3, 6, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "negative offset ctx ptr R1 off=-4 disallowed");
    /* moved by different amounts on two paths, then by the same */
    struct pbpf_insn paths[] = {
        {0x15, 2, 1, 0},             /* if r2 == 0 goto +1 */
        {0x07, 1, 0, 4},             /* r1 += 4 */
        {0x07, 1, 0, -4},            /* r1 += -4 */
        {0x61, 0 | 1 << 4, 4, 0},
        {0x95, 0, 0, 0},
    };
    CHECK(load_typed(paths, 5, 6, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "dereference of modified ctx ptr R1");
    /* the context plus a register */
    struct pbpf_insn var[] = {{0x0f, 1 | 2 << 4, 0, 0}, {0x61, 0 | 1 << 4, 0, 0},
                              {0x95, 0, 0, 0}};
    CHECK(load_typed(var, 3, 6, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "variable ctx access");
    /* an illegal access: xdp_md has 24 bytes */
    struct pbpf_insn past[] = {{0x61, 0 | 1 << 4, 24, 0}, {0x95, 0, 0, 0}};
    CHECK(load_typed(past, 2, 6, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "invalid bpf_context access off=24 size=4");
    /* the context passed to a subprogram */
    struct pbpf_insn sub[] = {
        {0x85, 1 << 4, 0, 1},        /* call +1 */
        {0x95, 0, 0, 0},
        {0x61, 0 | 1 << 4, 4, 0},    /* r0 = data_end */
        {0x95, 0, 0, 0},
    };
    CHECK_EQ(load_typed(sub, 4, 6, log, sizeof log, &prog), 0);
    if (prog) {
        CHECK_EQ(pbpf_prog_insns(prog)[2].off, offsetof(struct pbpf_xdp_ctx, data_end));
        pbpf_prog_free(prog);
    }
    /* an atomic on the context */
    struct pbpf_insn atomic[] = {{0xb7, 2, 0, 1}, {0xc3, 1 | 2 << 4, 8, 0}, {0xb7, 0, 0, 0},
                                 {0x95, 0, 0, 0}};
    CHECK(load_typed(atomic, 4, 3, log, sizeof log, &prog) == -EACCES);
    CHECK_CONTAINS(log, "BPF_ATOMIC stores into R1 ctx is not allowed");
    /* no type: the raw convention, nothing rewritten */
    CHECK_EQ(load_typed(past, 2, 0, log, sizeof log, &prog), 0);
    if (prog) {
        CHECK_EQ(pbpf_prog_insns(prog)[0].off, 24);
        pbpf_prog_free(prog);
    }
    /* a type without a descriptor that reads its context */
    CHECK(load_typed(past, 2, 21 /* SK_REUSEPORT */, log, sizeof log, &prog) == -EOPNOTSUPP);
    /* a program run without a hook cannot use packet helpers */
    struct pbpf_insn adj[] = {{0xb7, 2, 0, 0}, {0x85, 0, 0, 44}, {0x95, 0, 0, 0}};
    CHECK_EQ(load_typed(adj, 3, 6, log, sizeof log, &prog), 0);
    if (prog) {
        uint8_t mem[48] = {0};
        uint64_t r0;
        char err[160] = "";
        PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
        CHECK(pbpf_prog_run(prog, mem, sizeof mem, &r0, &ro) == -EINVAL);
        CHECK_CONTAINS(err, "not run on a XDP frame by a hook");
        pbpf_prog_free(prog);
    }
}

/* bpf_redirect_map on a DEVMAP: an entry redirects (XDP_REDIRECT with the
 * entry's ifindex in the result), a missing key gives the flags' action */
static void test_redirect_map(void)
{
    struct pbpf_map *m = NULL;
    PBPF_OPTS(pbpf_map_create_opts, mo, .type = PBPF_MAP_TYPE_DEVMAP, .key_size = 4,
              .value_size = 4, .max_entries = 8);
    CHECK_EQ(pbpf_map_create(rt, &mo, &m), 0);
    if (!m)
        return;
    uint32_t key = 5, ifindex = 42;
    CHECK_EQ(pbpf_map_update_elem(m, &key, &ifindex, 0), 0);
    for (uint32_t k = 4; k <= 5; k++) {
        struct pbpf_insn p[] = {
            {0x18, 1 | PBPF_PSEUDO_MAP_FD << 4, 0, 0}, {0, 0, 0, 0}, /* r1 = map 0 */
            {0xb7, 2, 0, (int32_t)k},                                /* r2 = key */
            {0xb7, 3, 0, 2},                                         /* r3 = XDP_PASS */
            {0x85, 0, 0, 51},                                        /* redirect_map */
            {0x95, 0, 0, 0},
        };
        struct pbpf_prog *prog = NULL;
        char log[200] = "";
        PBPF_OPTS(pbpf_prog_opts, po, .prog_type = 6, .maps = &m, .map_cnt = 1, .log_buf = log,
                  .log_size = sizeof log);
        CHECK_EQ(pbpf_prog_load(rt, p, sizeof p / sizeof p[0], &po, &prog), 0);
        if (!prog)
            continue;
        uint8_t pkt[64] = {0};
        PBPF_OPTS(pbpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof pkt);
        CHECK_EQ(pbpf_prog_test_run(prog, &o), 0);
        if (k == 5) {
            CHECK_EQ(o.retval, 4);
            CHECK_EQ(o.redirect_type, PBPF_REDIRECT_MAP);
            CHECK_EQ(o.redirect_map_type, PBPF_MAP_TYPE_DEVMAP);
            CHECK_EQ(o.redirect_key, 5);
            CHECK_EQ(o.redirect_ifindex, 42);
        } else {
            CHECK_EQ(o.retval, 2);
            CHECK_EQ(o.redirect_type, PBPF_REDIRECT_NONE);
        }
        pbpf_prog_free(prog);
    }
    pbpf_map_free(m);
}

/* --- run: test runs on every engine and in the kernel -------------------- */

static const char *dir;

/* Internet checksum (RFC 1071) of a buffer, with a starting sum */
static uint16_t inet_csum(const uint8_t *b, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP with valid checksums; payload of plen bytes */
static size_t make_udp4(uint8_t *p, const uint8_t dst_mac[6], size_t plen, int udp_csum)
{
    memset(p, 0, 42 + plen);
    memcpy(p, dst_mac, 6);
    const uint8_t src_mac[6] = {2, 0, 0, 0, 0, 1};
    memcpy(p + 6, src_mac, 6);
    p[12] = 0x08, p[13] = 0x00;
    uint8_t *ip = p + 14;
    size_t tot = 20 + 8 + plen;
    ip[0] = 0x45, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[8] = 64, ip[9] = 17;
    const uint8_t saddr[4] = {192, 168, 0, 1}, daddr[4] = {10, 1, 2, 3};
    memcpy(ip + 12, saddr, 4);
    memcpy(ip + 16, daddr, 4);
    uint16_t c = inet_csum(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    uint8_t *udp = ip + 20;
    udp[0] = 0x12, udp[1] = 0x34, udp[2] = 0x00, udp[3] = 0x35;
    udp[4] = (uint8_t)((8 + plen) >> 8), udp[5] = (uint8_t)(8 + plen);
    for (size_t i = 0; i < plen; i++)
        udp[8 + i] = (uint8_t)(i * 7 + 1);
    if (udp_csum) {
        uint32_t ph = 0;
        for (int i = 0; i < 4; i += 2)
            ph += (uint32_t)(saddr[i] << 8 | saddr[i + 1]) + (uint32_t)(daddr[i] << 8 | daddr[i + 1]);
        ph += 17 + (uint32_t)(8 + plen);
        c = inet_csum(udp, 8 + plen, ph);
        udp[6] = (uint8_t)(c >> 8), udp[7] = (uint8_t)c;
    }
    return 42 + plen;
}

static size_t make_ip6(uint8_t *p)
{
    memset(p, 0, 14 + 40 + 20);
    p[0] = 0x33, p[1] = 0x33, p[5] = 1; /* IPv6 multicast MAC */
    p[12] = 0x86, p[13] = 0xdd;
    uint8_t *ip = p + 14;
    ip[0] = 0x60, ip[5] = 20, ip[6] = 6, ip[7] = 64;
    for (int i = 0; i < 32; i++)
        ip[8 + i] = (uint8_t)(0x20 + i);
    ip[40] = 0x1f, ip[41] = 0x90, ip[42] = 0x00, ip[43] = 0x50;
    return 14 + 40 + 20;
}

struct pkts {
    uint8_t udp[128], bcast[128], ip6[128], eth[14], big[1500];
    size_t udp_n, bcast_n, ip6_n, big_n;
};

static void make_pkts(struct pkts *k)
{
    const uint8_t zero[6] = {0}, other[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56},
                  bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    k->udp_n = make_udp4(k->udp, other, 12, 1);
    k->bcast_n = make_udp4(k->bcast, bc, 20, 0);
    k->ip6_n = make_ip6(k->ip6);
    memset(k->eth, 0, sizeof k->eth);
    k->eth[12] = 0x08;
    k->big_n = make_udp4(k->big, zero, 1500 - 42, 1);
}

static struct hr_counts counts;

static void run_prog(const struct pbpf_object_prog *op, const struct hr_input *ins, size_t nin,
                     struct hr_result *first)
{
    hr_run_prog(rt, op, ins, nin, first, have_kernel, &counts);
}

static struct pbpf_object *open_obj(const char *name) { return hr_open_obj(dir, name); }

#define MAXIN 24
static struct hr_input ins[MAXIN];
static struct hr_result res[MAXIN];

static size_t xdp_inputs(const struct pkts *k)
{
    static uint32_t md_meta[6], md_plain[6], md_bad[6], md_rxq[6], md_long[7];
    size_t n = 0;
    md_plain[1] = (uint32_t)k->udp_n;
    md_meta[0] = 8, md_meta[1] = (uint32_t)k->udp_n;
    md_bad[2] = 4, md_bad[1] = (uint32_t)k->udp_n;
    md_rxq[4] = 1;
    md_long[6] = 1;
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, md_plain, 24, 4096, 24, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, md_meta, 24, 4096, 24, 1};
    ins[n++] = (struct hr_input){k->ip6, (uint32_t)k->ip6_n, NULL, 0, 4096, 24, 1};
    ins[n++] = (struct hr_input){k->eth, 14, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->eth, 13, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->big, (uint32_t)k->big_n, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->big, (uint32_t)k->big_n, NULL, 0, 10, 0, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, md_bad, 24, 4096, 24, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, md_rxq, 24, 4096, 24, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, md_long, 28, 4096, 24, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, md_meta, 24, 4096, 8, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, NULL, 0, 4096, 0, 3};
    return n;
}

static size_t skb_inputs(const struct pkts *k)
{
    static uint8_t c_set[192], c_bad[192], c_wire[192], c_if[192];
    size_t n = 0;
    uint32_t v;
    v = 7, memcpy(c_set + 8, &v, 4);      /* mark */
    v = 2, memcpy(c_set + 32, &v, 4);     /* priority */
    v = 3, memcpy(c_set + 36, &v, 4);     /* ingress_ifindex */
    for (int i = 0; i < 5; i++)
        v = (uint32_t)(0x100 + i), memcpy(c_set + 48 + 4 * i, &v, 4);
    uint64_t ts = 99;
    memcpy(c_set + 152, &ts, 8);
    v = 2, memcpy(c_set + 164, &v, 4);    /* gso_segs */
    v = 5, memcpy(c_bad + 0, &v, 4);      /* len: not settable */
    v = (uint32_t)k->udp_n + 10, memcpy(c_wire + 160, &v, 4);
    v = 1, memcpy(c_if + 40, &v, 4);
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, c_set, 192, 4096, 192, 1};
    ins[n++] = (struct hr_input){k->bcast, (uint32_t)k->bcast_n, c_wire, 192, 4096, 192, 1};
    ins[n++] = (struct hr_input){k->ip6, (uint32_t)k->ip6_n, c_if, 192, 4096, 192, 1};
    ins[n++] = (struct hr_input){k->eth, 14, NULL, 0, 4096, 192, 1};
    ins[n++] = (struct hr_input){k->eth, 13, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->big, (uint32_t)k->big_n, NULL, 0, 4096, 0, 1};
    ins[n++] = (struct hr_input){k->big, (uint32_t)k->big_n, NULL, 0, 20, 0, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, c_bad, 192, 4096, 192, 1};
    ins[n++] = (struct hr_input){k->udp, (uint32_t)k->udp_n, c_set, 192, 4096, 100, 1};
    return n;
}

static void run_object(const char *file, size_t (*inputs)(const struct pkts *),
                       const struct pkts *k)
{
    struct pbpf_object *obj = open_obj(file);
    if (!obj)
        return;
    for (size_t i = 0; i < pbpf_object_prog_cnt(obj); i++) {
        const struct pbpf_object_prog *op = pbpf_object_prog(obj, i);
        size_t n = inputs(k);
        run_prog(op, ins, n, res);
        /* what the C sources say, independent of the kernel */
        if (strcmp(op->name, "xdp_ctx_fields") == 0) {
            CHECK_EQ(res[0].rc, 0);
            CHECK_EQ(res[0].retval, k->udp_n | 1 << 20); /* ingress: the loopback */
            CHECK_EQ(res[2].retval, (k->udp_n - 8) | 8 << 12 | 1 << 20);
            CHECK_EQ(res[5].rc, -EINVAL);
            CHECK_EQ(res[7].rc, -ENOSPC);
            CHECK_EQ(res[7].data_size_out, k->big_n);
        } else if (strcmp(op->name, "xdp_push_head") == 0) {
            CHECK_EQ(res[0].retval, k->udp_n + 8);
            CHECK_EQ(res[0].data_size_out, k->udp_n + 8);
            CHECK(memcmp(res[0].data + 8, k->udp, k->udp_n) == 0);
            CHECK_EQ(res[0].data[0], 0xa0);
            CHECK_EQ(res[12].data_size_out, k->udp_n + 24); /* three runs, three pushes */
        } else if (strcmp(op->name, "xdp_redirect_if") == 0) {
            /* bpf_redirect(7, 0): XDP_REDIRECT, the target in the result */
            CHECK_EQ(res[0].retval, 4);
            CHECK_EQ(res[0].redirect_type, PBPF_REDIRECT_IFINDEX);
            CHECK_EQ(res[0].redirect_ifindex, 7);
        } else if (strcmp(op->name, "tc_redirect") == 0) {
            /* bpf_redirect(3, BPF_F_INGRESS): TC_ACT_REDIRECT */
            CHECK_EQ(res[0].retval, 7);
            CHECK_EQ(res[0].redirect_type, PBPF_REDIRECT_IFINDEX);
            CHECK_EQ(res[0].redirect_ifindex, 3);
            CHECK_EQ(res[0].redirect_flags, 1);
        } else if (strcmp(op->name, "xdp_ctx_fields") == 0 || strcmp(op->name, "sf_fields") == 0) {
            CHECK_EQ(res[0].redirect_type, PBPF_REDIRECT_NONE);
        } else if (strcmp(op->name, "tc_nat") == 0) {
            /* the rewritten packet's checksums verify */
            CHECK_EQ(res[0].rc, 0);
            CHECK_EQ(inet_csum(res[0].data + 14, 20, 0), 0);
            CHECK_EQ(res[0].data[30] ^ k->udp[30], 0x0a);
        } else if (strcmp(op->name, "sf_ldabs") == 0) {
            uint32_t want = 4u << 28 ^ 17u << 20 ^ (uint32_t)(k->udp_n - 14) ^ 0x1234u << 8 ^
                            (uint32_t)(k->udp_n - 14) << 16;
            CHECK_EQ(res[0].retval, want);
        } else if (strcmp(op->name, "sf_ldabs_oob") == 0) {
            CHECK_EQ(res[0].retval, 0); /* out of range: the program ends with 0 */
        }
    }
    pbpf_object_close(obj);
}

static struct pkts pk;

static void test_run_xdp(void) { run_object("hooks_xdp.bpf.o", xdp_inputs, &pk); }
static void test_run_tc(void) { run_object("hooks_tc.bpf.o", skb_inputs, &pk); }
static void test_run_skb(void) { run_object("hooks_skb.bpf.o", skb_inputs, &pk); }

/* the types Linux cannot test-run: caller-given contexts, results from
 * the C source */
static void test_run_trace(void)
{
    struct pbpf_object *obj = open_obj("hooks_trace.bpf.o");
    if (!obj)
        return;
    for (size_t i = 0; i < pbpf_object_prog_cnt(obj); i++) {
        const struct pbpf_object_prog *op = pbpf_object_prog(obj, i);
        struct pbpf_prog *prog = NULL;
        char log[256] = "", err[200] = "";
        PBPF_OPTS(pbpf_prog_opts, po, .prog_type = op->prog_type,
                  .expected_attach_type = op->expected_attach_type, .log_buf = log,
                  .log_size = sizeof log);
        if (pbpf_prog_load(rt, op->insns, op->insn_cnt, &po, &prog)) {
            unit_fail(__FILE__, __LINE__, "%s: %s", op->name, log);
            continue;
        }
        uint8_t ctx[256], out[256];
        memset(ctx, 0, sizeof ctx);
        memset(out, 0, sizeof out);
        for (size_t b = 0; b < sizeof ctx; b++)
            ctx[b] = (uint8_t)(b * 13 + 1);
        uint64_t q[32];
        memcpy(q, ctx, sizeof q);
        uint32_t w[64];
        memcpy(w, ctx, sizeof w);
        PBPF_OPTS(pbpf_test_run_opts, o, .ctx_in = ctx, .ctx_out = out, .ctx_size_out = 256,
                  .err_buf = err, .err_size = sizeof err);
        uint32_t size = 0, want = 0;
        int check_out = 0;
        if (strcmp(op->name, "kp_regs") == 0) {
            size = 168, want = (uint32_t)(q[14] * 3 + q[13] + (q[16] & 0xff) + ctx[113]);
        } else if (strcmp(op->name, "rtp_args") == 0) {
            size = 96, want = (uint32_t)(q[0] + q[1] * 2 + q[11]);
            o.ctx_out = NULL, o.ctx_size_out = 0;
        } else if (strcmp(op->name, "pe_sample") == 0) {
            uint16_t h;
            memcpy(&h, ctx + 178, 2);
            size = 184, want = (uint32_t)(q[21] + q[22] + q[10] + h);
        } else if (strcmp(op->name, "tp_fields") == 0) {
            size = 64, want = w[2] + (uint32_t)q[3];
        } else if (strcmp(op->name, "sock_create") == 0) {
            size = 80, want = 1, check_out = 1;
            uint32_t mark = w[1] * 100 + w[2] * 10 + w[3];
            memcpy(w + 4, &mark, 4);
            w[5] = 6;
        } else if (strcmp(op->name, "sa_connect4") == 0) {
            w[6] = 0x5000;
            memcpy(ctx + 24, &w[6], 4);
            size = 72, want = 1, check_out = 1;
            w[1] = 0x0100007f;
            w[6] = 0x5100;
            memset(w + 16, 0, 8); /* sk: cleared */
        } else if (strcmp(op->name, "so_reply") == 0) {
            size = 224, want = 1, check_out = 1;
            w[1] = w[0] + w[5] + (uint32_t)q[21];
            memset(w + 46, 0, 24); /* sk, skb_data, skb_data_end: cleared */
        } else if (strcmp(op->name, "sc_args") == 0) {
            size = 8, want = w[0] + 1, check_out = 1;
            w[1] = w[0] * 2;
        }
        o.ctx_size_in = size;
        int rc = pbpf_prog_test_run(prog, &o);
        if (rc)
            unit_fail(__FILE__, __LINE__, "%s: %s", op->name, err);
        CHECK_EQ(o.retval, want);
        if (check_out) {
            CHECK_EQ(o.ctx_size_out, size);
            if (memcmp(out, w, size) != 0)
                unit_fail(__FILE__, __LINE__, "%s: ctx_out differs from the C source's result",
                          op->name);
        }
        pbpf_prog_free(prog);
    }
    pbpf_object_close(obj);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_hooks access | scan | run DIR\n");
        return 2;
    }
    pbpf_runtime_new(NULL, &rt);
    char why[256];
    have_kernel = kbpf_probe(why, sizeof why);
    if (strcmp(argv[1], "access") == 0) {
        if (!have_kernel) {
            printf("skipped: %s\n", why);
            pbpf_runtime_free(rt);
            return 77;
        }
        UNIT_RUN(test_access);
    } else if (strcmp(argv[1], "scan") == 0) {
        UNIT_RUN(test_scan);
        UNIT_RUN(test_redirect_map);
    } else if (strcmp(argv[1], "run") == 0 && argc > 2) {
        dir = argv[2];
        if (!have_kernel)
            printf("no kernel comparison: %s\n", why);
        make_pkts(&pk);
        UNIT_RUN(test_run_xdp);
        UNIT_RUN(test_run_tc);
        UNIT_RUN(test_run_skb);
        UNIT_RUN(test_run_trace);
        printf("test runs compared between engines: %zu, with Linux: %zu\n", counts.runs,
               counts.kernel);
    } else {
        fprintf(stderr, "unknown test %s\n", argv[1]);
        return 2;
    }
    pbpf_runtime_free(rt);
    return unit_finish();
}
