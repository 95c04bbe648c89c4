/* The skb room, protocol and checksum-state helpers (bpf_skb_adjust_room,
 * bpf_skb_change_proto, bpf_skb_change_type, bpf_csum_update,
 * bpf_csum_level, bpf_get_cgroup_classid) against Linux.
 *   run DIR   the programs of skb_room.bpf.o test-run on IPv4, IPv6, VLAN,
 *             ARP and minimal packets with their arguments in cb[]: the
 *             checked and verified interpreters and the JIT against each
 *             other and against the kernel's BPF_PROG_TEST_RUN (where
 *             bpf() works); retval, data_out and ctx_out compared; a few
 *             layouts checked against what the helpers' semantics say
 *   scope     each helper called from every program type: pbpf refuses it
 *             where Linux does, with Linux's error (skips, 77, without
 *             bpf()) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "pbpf/hooks.h"
#include "pbpf/object.h"
#include "pbpf/verifier.h"
#include "unit.h"

static struct pbpf_runtime *rt;
static int have_kernel;
static size_t runs_compared, kernel_compared;

/* --- packets ----------------------------------------------------------- */

#define MAXPKT 128
struct pkt {
    const char *name;
    uint8_t b[MAXPKT];
    uint32_t n;
};

static void eth(uint8_t *p, const uint8_t dst[6], uint16_t type)
{
    memcpy(p, dst, 6);
    const uint8_t src[6] = {2, 0, 0, 0, 0, 1};
    memcpy(p + 6, src, 6);
    p[12] = (uint8_t)(type >> 8), p[13] = (uint8_t)type;
}

static uint32_t ip4(uint8_t *ip, uint32_t payload)
{
    uint32_t tot = 20 + payload;
    ip[0] = 0x45, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[8] = 64, ip[9] = 17;
    const uint8_t a[8] = {192, 168, 0, 1, 10, 1, 2, 3};
    memcpy(ip + 12, a, 8);
    for (uint32_t i = 0; i < payload; i++)
        ip[20 + i] = (uint8_t)(i * 7 + 1);
    return tot;
}

static uint32_t ip6(uint8_t *ip, uint32_t payload)
{
    ip[0] = 0x60, ip[5] = (uint8_t)payload, ip[6] = 6, ip[7] = 64;
    for (int i = 0; i < 32; i++)
        ip[8 + i] = (uint8_t)(0x20 + i);
    for (uint32_t i = 0; i < payload; i++)
        ip[40 + i] = (uint8_t)(i * 5 + 3);
    return 40 + payload;
}

enum { P_UDP4, P_IP4MIN, P_IP6, P_IP6MIN, P_VLAN, P_ARP, NPKT };
static struct pkt pk[NPKT];

static void make_pkts(void)
{
    const uint8_t other[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56}, zero[6] = {0},
                  mcast[6] = {0x33, 0x33, 0, 0, 0, 1}, bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memset(pk, 0, sizeof pk);
    pk[P_UDP4].name = "ipv4";
    eth(pk[P_UDP4].b, other, 0x0800);
    pk[P_UDP4].n = 14 + ip4(pk[P_UDP4].b + 14, 20);
    pk[P_IP4MIN].name = "ipv4 header only";
    eth(pk[P_IP4MIN].b, zero, 0x0800);
    pk[P_IP4MIN].n = 14 + ip4(pk[P_IP4MIN].b + 14, 0);
    pk[P_IP6].name = "ipv6";
    eth(pk[P_IP6].b, mcast, 0x86dd);
    pk[P_IP6].n = 14 + ip6(pk[P_IP6].b + 14, 20);
    pk[P_IP6MIN].name = "ipv6 header only";
    eth(pk[P_IP6MIN].b, other, 0x86dd);
    pk[P_IP6MIN].n = 14 + ip6(pk[P_IP6MIN].b + 14, 0);
    pk[P_VLAN].name = "vlan ipv4";
    eth(pk[P_VLAN].b, bc, 0x8100);
    pk[P_VLAN].b[14] = 0x01, pk[P_VLAN].b[15] = 0x23, pk[P_VLAN].b[16] = 0x08;
    pk[P_VLAN].n = 18 + ip4(pk[P_VLAN].b + 18, 20);
    pk[P_ARP].name = "arp";
    eth(pk[P_ARP].b, bc, 0x0806);
    for (int i = 0; i < 28; i++)
        pk[P_ARP].b[14 + i] = (uint8_t)(i + 1);
    pk[P_ARP].n = 42;
}

/* --- cases -------------------------------------------------------------- */

/* uapi values (include/uapi/linux/bpf.h) */
#define MAC 1u
#define NET 0u
#define FIXED_GSO 0x1u
#define ENC4 0x2u
#define ENC6 0x4u
#define GRE 0x8u
#define UDP 0x10u
#define NOCSUM 0x20u
#define L2ETH 0x40u
#define DEC4 0x80u
#define DEC6 0x100u
#define L2LEN(n) ((uint32_t)(n) << 24) /* BPF_F_ADJ_ROOM_ENCAP_L2(n), high word */
#define BE16(x) ((uint32_t)((((x) & 0xff) << 8) | (((x) >> 8) & 0xff)))

struct args {
    uint32_t cb[5];
    int gso; /* the context gives the skb a gso_size */
};

static const struct args room_args[] = {
    {{8, MAC, 0, 0, 0}, 0},
    {{8, NET, 0, 0, 0}, 0},
    {{0, MAC, 0, 0, 0}, 0},
    {{(uint32_t)-8, MAC, 0, 0, 0}, 0},
    {{(uint32_t)-8, NET, 0, 0, 0}, 0},
    {{(uint32_t)-20, NET, 0, 0, 0}, 0},
    {{(uint32_t)-21, NET, 0, 0, 0}, 0},
    {{(uint32_t)-20, MAC, 0, 0, 0}, 0},
    {{(uint32_t)-40, MAC, 0, 0, 0}, 0},
    {{0xfff, MAC, 0, 0, 0}, 0},
    {{0x1000, MAC, 0, 0, 0}, 0},
    {{(uint32_t)-0x1000, MAC, 0, 0, 0}, 0},
    {{0x80000000u, MAC, 0, 0, 0}, 0},
    {{8, 2, 0, 0, 0}, 0},
    {{8, 0xffffffffu, 0, 0, 0}, 0},
    {{8, MAC, 0x200, 0, 0}, 0},
    {{8, MAC, 0, 0x00800000, 0}, 0},
    {{8, MAC, FIXED_GSO, 0, 0}, 0},
    {{8, MAC, GRE, 0, 0}, 0},
    {{8, MAC, L2ETH, L2LEN(3), 0}, 0},
    {{20, MAC, ENC4, 0, 0}, 0},
    {{20, MAC, ENC4, 0, 2}, 0},
    {{40, MAC, ENC6, 0, 0}, 0},
    {{20, NET, ENC4, 0, 0}, 0},
    {{28, MAC, ENC4 | UDP, 0, 0}, 0},
    {{24, MAC, ENC4 | GRE, 0, 0}, 0},
    {{48, MAC, ENC6 | UDP, 0, 0}, 0},
    {{20, MAC, ENC4 | ENC6, 0, 0}, 0},
    {{28, MAC, ENC4 | GRE | UDP, 0, 0}, 0},
    {{38, MAC, ENC4 | GRE | L2ETH, L2LEN(14), 0}, 0},
    {{38, MAC, ENC4 | GRE, L2LEN(14), 0}, 0},
    {{30, MAC, ENC4 | L2ETH, L2LEN(10), 0}, 0},
    {{10, MAC, ENC4, L2LEN(14), 0}, 0},
    {{8, MAC, 0, 0, 1}, 0},
    {{8, MAC, NOCSUM, 0, 1}, 0},
    {{(uint32_t)-8, MAC, NOCSUM, 0, 1}, 0},
    {{(uint32_t)-8, MAC, ENC4, 0, 0}, 0},
    {{(uint32_t)-20, MAC, DEC4, 0, 0}, 0},
    {{(uint32_t)-20, MAC, DEC6, 0, 0}, 0},
    {{(uint32_t)-40, MAC, DEC4, 0, 0}, 0},
    {{(uint32_t)-40, MAC, DEC6, 0, 0}, 0},
    {{(uint32_t)-20, MAC, DEC4 | DEC6, 0, 0}, 0},
    {{8, MAC, DEC4, 0, 0}, 0},
    {{8, MAC, 0, 0, 0}, 1},
    {{8, MAC, FIXED_GSO, 0, 0}, 1},
    {{(uint32_t)-8, MAC, FIXED_GSO, 0, 0}, 1},
};

static const struct args proto_args[] = {
    {{BE16(0x86dd), 0, 0, 0, 0}, 0},
    {{BE16(0x0800), 0, 0, 0, 0}, 0},
    {{BE16(0x86dd), 1, 0, 0, 0}, 0},
    {{BE16(0x0800), 0, 1, 0, 0}, 0},
    {{0x10000 | BE16(0x86dd), 0, 0, 0, 0}, 0},
    {{BE16(0x0806), 0, 0, 0, 0}, 0},
    {{0x86dd, 0, 0, 0, 0}, 0},
    {{BE16(0x86dd), 0, 0, 0, 0}, 1},
};

static const struct args chain_args[] = {
    {{BE16(0x86dd), 8, MAC, 0, BE16(0x0800)}, 0},
    {{BE16(0x86dd), (uint32_t)-8, NET, 0, BE16(0x0800)}, 0},
    {{BE16(0x0800), 20, MAC, ENC4, BE16(0x86dd)}, 0},
    {{BE16(0x0800), 40, MAC, ENC6, BE16(0x0800)}, 0},
    {{0, 0, MAC, 0, 0}, 0},
};

static const struct args type_args[] = {
    {{0, 1, 0, 0, 0}, 0}, {{1, 2, 0, 0, 0}, 0}, {{2, 3, 0, 0, 0}, 0},
    {{3, 4, 0, 0, 0}, 0}, {{4, 0, 0, 0, 0}, 0}, {{7, 1, 0, 0, 0}, 0},
    {{0xffffffffu, 0, 0, 0, 0}, 0},
};

static const struct args limits_args[] = {
    {{100, 0, 0, 0, 0}, 0},      {{16064, 0, 0, 0, 0}, 0},   {{16065, 0, 0, 0, 0}, 0},
    {{65550, 0, 0, 0, 0}, 0},    {{65551, 0, 0, 0, 0}, 0},   {{10, 0, 0, 0, 0}, 0},
    {{60, 16000, 0, 0, 0}, 0},   {{60, 16010, 0, 0, 0}, 0},  {{60, 65000, 0, 0, 0}, 0},
    {{60, 0x80000000u, 0, 0, 0}, 0}, {{60, 0, 20, 0, 0}, 0}, {{16064, 4, 0, 0, 0}, 1},
    {{60, 16010, 0, 0, 0}, 1},
};

static const struct args replace_args[] = {
    {{24, 40, 0, 0, 0}, 0}, {{25, 41, 0, 0, 0}, 0}, {{40, 39, 0, 0, 0}, 0},
    {{0xffff, 0x10000, 0, 0, 0}, 0}, {{52, 72, 0, 0, 0}, 0}, {{53, 73, 0, 0, 0}, 0},
};

static const struct args trimmed_args[] = {
    {{20, 8, NET, BE16(0x0800), 0}, 0}, {{20, 8, MAC, BE16(0x86dd), 0}, 0},
    {{14, 40, NET, BE16(0x86dd), 0}, 0}, {{30, (uint32_t)-4, MAC, BE16(0x0800), 0}, 0},
    {{14, 0, MAC, BE16(0x0800), 0}, 0}, {{34, 8, NET, 0, 0}, 0},
    {{33, 8, NET, 0, 0}, 0},            {{54, 8, NET, 0, 0}, 0},
    {{53, 8, NET, 0, 0}, 0},            {{13, 0, MAC, BE16(0x86dd), 0}, 0},
};

static const struct args xmit_args[] = {
    {{0, 12, 0, 0, 0}, 0}, {{1, 16, 10, 0, 0}, 0}, {{5, 1, 100, 0, 0}, 0},
    {{2, 60, 0, 0, 0}, 0}, {{3, 0x10000, 16064, 0, 0}, 0},
};

/* bpf_csum_level arguments, one per nibble from the low end: 0 query,
 * 1 inc, 2 dec, 3 reset, others invalid */
static const struct args csum_args[] = {
    {{0x00000000, 0x1234, 0, 0, 0}, 0}, {{0x01111110, 0, 0, 0, 0}, 0},
    {{0x02210110, 0xffff, 0, 0, 0}, 0}, {{0x30131010, 0, 0, 0, 0}, 0},
    {{0x41501220, 0, 0, 0, 0}, 0},      {{0xf1e1d1c1, 0, 0, 0, 0}, 0},
    {{0x02020201, 0, 0, 0, 0}, 0},
};

/* --- running ------------------------------------------------------------ */

#define ROOM 20000
#define CTX 192
struct result {
    int rc;
    uint32_t retval, data_size_out, ctx_size_out;
    uint8_t data[ROOM];
    uint8_t ctx[CTX];
};

static void make_ctx(uint8_t *c, const struct args *a)
{
    memset(c, 0, CTX);
    memcpy(c + 48, a->cb, sizeof a->cb);
    if (a->gso) {
        uint32_t segs = 2, size = 1400;
        memcpy(c + 164, &segs, 4);
        memcpy(c + 176, &size, 4);
    }
}

static void run_pbpf(struct pbpf_prog *prog, const struct pkt *p, const uint8_t *c,
                     struct result *r, char *err, size_t err_size)
{
    memset(r, 0, sizeof *r);
    PBPF_OPTS(pbpf_test_run_opts, o, .data_in = p->b, .data_size_in = p->n, .data_out = r->data,
              .data_size_out = ROOM, .ctx_in = c, .ctx_size_in = CTX, .ctx_out = r->ctx,
              .ctx_size_out = CTX, .err_buf = err, .err_size = err_size);
    r->rc = pbpf_prog_test_run(prog, &o);
    r->retval = o.retval;
    r->data_size_out = o.data_size_out;
    r->ctx_size_out = o.ctx_size_out;
}

static void run_kernel(int fd, const struct pkt *p, const uint8_t *c, struct result *r)
{
    memset(r, 0, sizeof *r);
    struct kbpf_test_run k = {.data_in = p->b, .data_size_in = p->n, .data_out = r->data,
                              .data_size_out = ROOM, .ctx_in = c, .ctx_size_in = CTX,
                              .ctx_out = r->ctx, .ctx_size_out = CTX};
    r->rc = kbpf_prog_test_run(fd, &k);
    r->retval = k.retval;
    r->data_size_out = k.data_size_out;
    r->ctx_size_out = k.ctx_size_out;
}

static int same(const struct result *a, const struct result *b, char *why, size_t why_size)
{
    if (a->rc != b->rc) {
        snprintf(why, why_size, "rc %d vs %d", a->rc, b->rc);
        return 0;
    }
    if (a->rc)
        return 1;
    if (a->retval != b->retval) {
        snprintf(why, why_size, "retval 0x%x vs 0x%x", a->retval, b->retval);
        return 0;
    }
    if (a->data_size_out != b->data_size_out) {
        snprintf(why, why_size, "data_size_out %u vs %u", a->data_size_out, b->data_size_out);
        return 0;
    }
    for (uint32_t i = 0; i < a->data_size_out && i < ROOM; i++)
        if (a->data[i] != b->data[i]) {
            snprintf(why, why_size, "data_out[%u] 0x%02x vs 0x%02x", i, a->data[i], b->data[i]);
            return 0;
        }
    if (a->ctx_size_out != b->ctx_size_out) {
        snprintf(why, why_size, "ctx_size_out %u vs %u", a->ctx_size_out, b->ctx_size_out);
        return 0;
    }
    for (uint32_t i = 0; i < a->ctx_size_out && i < CTX; i++)
        if (a->ctx[i] != b->ctx[i]) {
            snprintf(why, why_size, "ctx_out[%u] 0x%02x vs 0x%02x", i, a->ctx[i], b->ctx[i]);
            return 0;
        }
    return 1;
}

static uint32_t cb_out(const struct result *r, int i)
{
    uint32_t v;
    memcpy(&v, r->ctx + 48 + 4 * i, 4);
    return v;
}

/* What the helpers' semantics say, independent of the kernel: room of
 * `room` zero bytes at `at`, the rest of the packet around it unchanged. */
static void check_grown(const struct result *r, const struct pkt *p, uint32_t at, uint32_t room,
                        const char *what)
{
    int ok = r->rc == 0 && r->data_size_out == p->n + room && memcmp(r->data, p->b, at) == 0 &&
             memcmp(r->data + at + room, p->b + at, p->n - at) == 0;
    for (uint32_t i = 0; ok && i < room; i++)
        ok = r->data[at + i] == 0;
    if (!ok)
        unit_fail(__FILE__, __LINE__, "%s on %s: the packet is not the input with %u zero bytes "
                  "at %u", what, p->name, room, at);
}

static void check_shrunk(const struct result *r, const struct pkt *p, uint32_t at, uint32_t len,
                         const char *what)
{
    int ok = r->rc == 0 && r->data_size_out == p->n - len && memcmp(r->data, p->b, at) == 0 &&
             memcmp(r->data + at, p->b + at + len, p->n - at - len) == 0;
    if (!ok)
        unit_fail(__FILE__, __LINE__, "%s on %s: the packet is not the input less %u bytes at %u",
                  what, p->name, len, at);
}

/* Semantic checks of single cases (their arguments, the packet, what came
 * out of the checked interpreter). */
static void check_semantics(const char *prog, const struct args *a, const struct pkt *p,
                            const struct result *r)
{
    int v4 = p == &pk[P_UDP4] || p == &pk[P_IP4MIN];
    int v6 = p == &pk[P_IP6] || p == &pk[P_IP6MIN];
    int32_t diff = (int32_t)a->cb[0];
    if (strcmp(prog, "room") == 0 && (v4 || v6) && !a->gso && a->cb[2] == 0 && a->cb[3] == 0) {
        uint32_t at = 14 + (a->cb[1] == NET ? (v4 ? 20u : 40u) : 0u);
        int16_t rv = (int16_t)r->retval;
        if (diff > 0 && diff <= 0xfff && a->cb[1] <= MAC) {
            CHECK_EQ(rv, 0);
            check_grown(r, p, at, (uint32_t)diff, "adjust_room");
            CHECK_EQ(cb_out(r, 0), p->n + (uint32_t)diff); /* skb->len */
            CHECK_EQ(cb_out(r, 3), 0x5a5a);                 /* the hash stays */
        } else if (diff < 0 && diff >= -0xfff && a->cb[1] <= MAC &&
                   0u - (uint32_t)diff + (v4 ? 20u : 40u) <= p->n - 14) {
            CHECK_EQ(rv, 0);
            check_shrunk(r, p, at, 0u - (uint32_t)diff, "adjust_room");
        } else if (diff < 0 && diff >= -0xfff && a->cb[1] <= MAC) {
            CHECK_EQ(rv, -524); /* -ENOTSUPP: the IP header would not fit */
        }
    }
    if (strcmp(prog, "room") == 0 && (a->cb[2] & ~0x1ffu)) /* unknown flag */
        CHECK_EQ((int16_t)r->retval, -EINVAL);
    if (strcmp(prog, "room") == 0 && !(v4 || v6) && a->cb[2] == 0 && a->cb[3] == 0 && a->cb[0] == 8)
        CHECK_EQ((int16_t)r->retval, -524); /* neither IPv4 nor IPv6 */
    if (strcmp(prog, "proto") == 0 && !a->gso && a->cb[1] == 0 && a->cb[2] == 0) {
        uint16_t to = (uint16_t)(a->cb[0] << 8 | (a->cb[0] >> 8 & 0xff));
        if (v4 && to == 0x86dd) {
            CHECK_EQ(r->retval, 0);
            check_grown(r, p, 14, 20, "change_proto 4 to 6");
            CHECK_EQ(cb_out(r, 1), BE16(0x86dd));
            CHECK_EQ(cb_out(r, 2), 0); /* hash cleared */
        } else if (v6 && to == 0x0800) {
            CHECK_EQ(r->retval, 0);
            check_shrunk(r, p, 14, 20, "change_proto 6 to 4");
            CHECK_EQ(cb_out(r, 1), BE16(0x0800));
        } else {
            CHECK_EQ(r->retval, (uint32_t)-524);
        }
    }
    if (strcmp(prog, "type") == 0) {
        uint32_t t0 = cb_out(r, 0), want = t0;
        if (t0 <= 3 && a->cb[0] <= 3)
            want = a->cb[0];
        CHECK_EQ(cb_out(r, 1), want);
    }
    if (strcmp(prog, "csum") == 0) {
        /* the Linux checksum-level rules (skbuff.h) replayed on a
         * CHECKSUM_NONE skb */
        int unnecessary = 0, level = 0;
        uint64_t want = 0;
        for (int i = 0; i < 8; i++) {
            int op = (int)(a->cb[0] >> (4 * i) & 0xf), res = 0;
            if (op == 0)
                res = unnecessary ? level : -EACCES;
            else if (op == 1 && !unnecessary)
                unnecessary = 1, level = 0;
            else if (op == 1)
                level += level < 3;
            else if (op == 2 && unnecessary && level)
                level--;
            else if (op == 2)
                unnecessary = 0;
            else if (op == 3)
                unnecessary = 0, level = 0;
            else
                res = -EINVAL;
            want |= (uint64_t)(res & 0xff) << (8 * i);
        }
        CHECK_EQ(cb_out(r, 0), (uint32_t)want);
        CHECK_EQ(cb_out(r, 1), (uint32_t)(want >> 32));
        CHECK_EQ(cb_out(r, 2), (uint32_t)-524); /* csum_update: not CHECKSUM_COMPLETE */
        CHECK_EQ(cb_out(r, 3), 0);              /* no classid */
    }
}

static const struct {
    enum pbpf_engine e;
    enum pbpf_mode m;
    const char *name;
} engines[] = {{PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "interp/checked"},
               {PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "interp/verified"},
               {PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, "jit"}};
#define NENG (sizeof engines / sizeof engines[0])

static void run_cases(const struct pbpf_object_prog *op, const struct args *args, size_t nargs)
{
    struct pbpf_prog *progs[NENG] = {0};
    for (size_t e = 0; e < NENG; e++) {
        char log[512] = "";
        PBPF_OPTS(pbpf_prog_opts, po, .engine = engines[e].e, .mode = engines[e].m,
                  .prog_type = op->prog_type, .log_buf = log, .log_size = sizeof log);
        int rc = pbpf_prog_load(rt, op->insns, op->insn_cnt, &po, &progs[e]);
        if (rc == -EOPNOTSUPP && engines[e].e == PBPF_ENGINE_JIT)
            continue;
        if (rc)
            unit_fail(__FILE__, __LINE__, "%s on %s: load: %s", op->name, engines[e].name, log);
    }
    /* the verifier that PBPF_MODE_VERIFIED loads will run accepts what
     * Linux accepts */
    char vlog[512] = "";
    PBPF_OPTS(pbpf_verifier_opts, vo, .prog_type = op->prog_type, .gpl = 1, .log_buf = vlog,
              .log_size = sizeof vlog);
    if (pbpf_verify(op->insns, op->insn_cnt, &vo, NULL))
        unit_fail(__FILE__, __LINE__, "%s: pbpf's verifier refuses it: %s", op->name, vlog);
    int kfd = -1;
    if (have_kernel) {
        struct kbpf_load_opts lo = {.prog_type = op->prog_type, .insns = op->insns,
                                    .insn_cnt = op->insn_cnt, .name = op->name};
        kfd = kbpf_prog_load(&lo);
        if (kfd < 0)
            unit_fail(__FILE__, __LINE__, "%s: the kernel refuses it: %s", op->name, lo.reason);
    }
    static struct result first, r, k;
    uint8_t c[CTX];
    for (size_t i = 0; i < nargs; i++) {
        make_ctx(c, &args[i]);
        for (size_t pi = 0; pi < NPKT; pi++) {
            const struct pkt *p = &pk[pi];
            char err[200] = "", why[160];
            for (size_t e = 0; e < NENG; e++) {
                if (!progs[e])
                    continue;
                run_pbpf(progs[e], p, c, e ? &r : &first, err, sizeof err);
                runs_compared++;
                if (e && !same(&first, &r, why, sizeof why))
                    unit_fail(__FILE__, __LINE__, "%s args %zu on %s: %s differs from "
                              "interp/checked: %s", op->name, i, p->name, engines[e].name, why);
            }
            if (kfd >= 0) {
                run_kernel(kfd, p, c, &k);
                kernel_compared++;
                if (!same(&k, &first, why, sizeof why))
                    unit_fail(__FILE__, __LINE__, "%s args %zu (cb %d %u 0x%x 0x%x %u%s) on %s: "
                              "pbpf differs from Linux: %s (%s)", op->name, i,
                              (int)args[i].cb[0], args[i].cb[1], args[i].cb[2], args[i].cb[3],
                              args[i].cb[4], args[i].gso ? " gso" : "", p->name, why, err);
            }
            if (progs[0])
                check_semantics(op->name, &args[i], p, &first);
        }
    }
    for (size_t e = 0; e < NENG; e++)
        pbpf_prog_free(progs[e]);
    kbpf_close(kfd);
}

static const char *dir;

static void test_room_helpers(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/skb_room.bpf.o", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        unit_fail(__FILE__, __LINE__, "cannot open %s", path);
        return;
    }
    static uint8_t buf[1 << 18];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct pbpf_object *obj = NULL;
    char msg[256];
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = sizeof msg);
    if (pbpf_object_open_mem(buf, n, &oo, &obj)) {
        unit_fail(__FILE__, __LINE__, "%s: %s", path, msg);
        return;
    }
    static const struct {
        const char *name;
        const struct args *args;
        size_t n;
    } progs[] = {
        {"room", room_args, sizeof room_args / sizeof room_args[0]},
        {"proto", proto_args, sizeof proto_args / sizeof proto_args[0]},
        {"chain", chain_args, sizeof chain_args / sizeof chain_args[0]},
        {"type", type_args, sizeof type_args / sizeof type_args[0]},
        {"csum", csum_args, sizeof csum_args / sizeof csum_args[0]},
        {"limits", limits_args, sizeof limits_args / sizeof limits_args[0]},
        {"replace", replace_args, sizeof replace_args / sizeof replace_args[0]},
        {"trimmed", trimmed_args, sizeof trimmed_args / sizeof trimmed_args[0]},
        {"xmit", xmit_args, sizeof xmit_args / sizeof xmit_args[0]},
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        const struct pbpf_object_prog *op = NULL;
        for (size_t j = 0; j < pbpf_object_prog_cnt(obj); j++)
            if (strcmp(pbpf_object_prog(obj, j)->name, progs[i].name) == 0)
                op = pbpf_object_prog(obj, j);
        CHECK(op != NULL);
        if (op)
            run_cases(op, progs[i].args, progs[i].n);
    }
    pbpf_object_close(obj);
}

/* --- scope: which program types may call each helper --------------------- */

static void test_scope(void)
{
    static const uint32_t helpers[] = {9,  10, 11, 17, 18, 19, 23, 26, 28, 31, 32, 34, 38, 39, 40, 41,
                                       43, 44, 48, 50, 51, 54, 61, 62, 63, 65, 68, 90, 91, 135, 163};
    static const struct {
        uint32_t type, attach;
        const char *name;
    } types[] = {
        {1, 0, "socket_filter"}, {2, 0, "kprobe"},      {3, 0, "sched_cls"},
        {4, 0, "sched_act"},     {5, 0, "tracepoint"},  {6, 0, "xdp"},
        {7, 0, "perf_event"},    {8, 0, "cgroup_skb"},  {10, 0, "lwt_in"},
        {11, 0, "lwt_out"},      {12, 0, "lwt_xmit"},   {17, 0, "raw_tracepoint"},
        {9, 2, "cgroup_sock"},   {13, 0, "sock_ops"},   {18, 10, "sock_addr"},
    };
    size_t checked = 0;
    for (size_t h = 0; h < sizeof helpers / sizeof helpers[0]; h++) {
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            /* r2..r5 = 0; call helper; r0 = 0; exit (r1 is the context) */
            struct pbpf_insn p[] = {
                {0xb7, 2, 0, 0}, {0xb7, 3, 0, 0}, {0xb7, 4, 0, 0}, {0xb7, 5, 0, 0},
                {0x85, 0, 0, (int32_t)helpers[h]}, {0xb7, 0, 0, 0}, {0x95, 0, 0, 0},
            };
            size_t n = sizeof p / sizeof p[0];
            struct kbpf_load_opts lo = {.prog_type = types[t].type,
                                        .expected_attach_type = types[t].attach, .insns = p,
                                        .insn_cnt = n};
            int kfd = kbpf_prog_load(&lo);
            kbpf_close(kfd);
            /* Linux's verdict on the helper for this type: allowed (the
             * program loads, or fails on an argument: zeros are not the
             * pointers some helpers take), or refused */
            int refused = kfd < 0 && strstr(lo.reason, "cannot use helper") != NULL;
            /* the loader in each mode, and the verifier itself */
            for (size_t e = 0; e < 3; e++) {
                char log[256] = "";
                int rc;
                if (e < 2) {
                    struct pbpf_prog *prog = NULL;
                    PBPF_OPTS(pbpf_prog_opts, po, .mode = engines[e].m,
                              .prog_type = types[t].type,
                              .expected_attach_type = types[t].attach, .log_buf = log,
                              .log_size = sizeof log);
                    rc = pbpf_prog_load(rt, p, n, &po, &prog);
                    pbpf_prog_free(prog);
                } else {
                    PBPF_OPTS(pbpf_verifier_opts, vo, .prog_type = types[t].type,
                              .expected_attach_type = types[t].attach, .gpl = 1,
                              .log_buf = log, .log_size = sizeof log);
                    rc = pbpf_verify(p, n, &vo, NULL);
                }
                const char *who = e < 2 ? engines[e].name : "pbpf_verify";
                int prefused = rc != 0 && strstr(log, "cannot use helper") != NULL;
                checked++;
                if (refused != prefused) {
                    unit_fail(__FILE__, __LINE__, "helper %u in %s (%s): kernel %s (%s), pbpf %s "
                              "(%s)", helpers[h], types[t].name, who,
                              refused ? "refuses" : "allows", lo.reason,
                              prefused ? "refuses" : "allows", log);
                } else if (refused) {
                    /* the same errno and Linux's message */
                    CHECK_EQ(rc, kfd);
                    if (!strstr(log, lo.reason))
                        unit_fail(__FILE__, __LINE__, "helper %u in %s (%s): Linux says \"%s\", "
                                  "pbpf \"%s\"", helpers[h], types[t].name, who,
                                  lo.reason, log);
                } else if (kfd >= 0 && rc) {
                    unit_fail(__FILE__, __LINE__, "helper %u in %s (%s): Linux loads it, pbpf "
                              "refuses (%s)", helpers[h], types[t].name, who, log);
                }
            }
        }
    }
    printf("helper/program-type pairs compared with Linux: %zu\n", checked);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_skb_room run DIR | scope\n");
        return 2;
    }
    pbpf_runtime_new(NULL, &rt);
    char why[256];
    have_kernel = kbpf_probe(why, sizeof why);
    if (strcmp(argv[1], "scope") == 0) {
        if (!have_kernel) {
            printf("skipped: %s\n", why);
            pbpf_runtime_free(rt);
            return 77;
        }
        UNIT_RUN(test_scope);
    } else if (strcmp(argv[1], "run") == 0 && argc > 2) {
        dir = argv[2];
        if (!have_kernel)
            printf("no kernel comparison: %s\n", why);
        make_pkts();
        UNIT_RUN(test_room_helpers);
        printf("test runs on pbpf engines: %zu, compared with Linux: %zu\n", runs_compared,
               kernel_compared);
    } else {
        fprintf(stderr, "unknown test %s\n", argv[1]);
        return 2;
    }
    pbpf_runtime_free(rt);
    return unit_finish();
}
