/* Tests of the SK_MSG helpers, SK_SKB's bpf_skb_adjust_room and the skb
 * flow hash (tests/progs/hooks_msg.bpf.c).
 *   msg DIR   skm_ops and sks_room test-run on every engine (Linux cannot
 *             test-run SK_MSG or SK_SKB): the message, its size and the
 *             window against what the helpers' documented rules give
 *             (include/uapi/linux/bpf.h, net/core/filter.c), worked out
 *             here case by case
 *   hash DIR  tc_hash and tc_hash_use on a set of frames on every engine
 *             and in the kernel: the hash helpers' rules agree with
 *             Linux's, and two frames hash alike in pbpf exactly when
 *             they do in Linux (whose values are keyed at boot, so only
 *             their equalities can be compared); the kernel part skips
 *             (77) without bpf()
 *   netdev DIR  bpf_check_mtu from tc and XDP on the loopback, on every
 *             engine and in the kernel, against its rules; then devices
 *             the caller describes (pbpf only): XDP's ingress device and
 *             queue, an skb's ifindex and packet type, their MTUs */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook_run.h"
#include "kbpf.h"
#include "pbpf/hooks.h"
#include "pbpf/packet.h"
#include "unit.h"

static struct pbpf_runtime *rt;
static int have_kernel;
static const char *dir;
static struct hr_counts counts;

/* --- SK_MSG ------------------------------------------------------------------ */

enum { OP_NONE, OP_PULL, OP_PUSH, OP_POP, OP_APPLY, OP_CORK, OP_MARK, OP_PULL_F, OP_PUSH_F,
       OP_POP_F, OP_PUSH_N };
#define OP(k, a, b) ((uint32_t)(k) << 28 | (uint32_t)(a) << 14 | (uint32_t)(b))

#define MSG_N 100u

struct msg_case {
    const char *what;
    uint32_t ops[12];
    int repeat;
    /* the window after the last operation (every run's, when repeated),
     * from the rules of the elements: worked out in the comment */
    uint32_t win_off, win_len;
};

/* The message starts as one scatterlist element of MSG_N bytes. */
static const struct msg_case msg_cases[] = {
    {"nothing: the window is the message", {0}, 1, 0, MSG_N},
    {"pull 10..20: the window is those bytes", {OP(OP_PULL, 10, 20), OP(OP_MARK, 0, 0)}, 1, 10, 10},
    {"pull all", {OP(OP_PULL, 0, MSG_N), OP(OP_MARK, 0, 0)}, 1, 0, MSG_N},
    {"pulls out of range, reversed or empty: -EINVAL",
     {OP(OP_PULL, 0, MSG_N + 1), OP(OP_PULL, MSG_N, MSG_N + 1), OP(OP_PULL, 20, 10),
      OP(OP_PULL, 5, 5), OP(OP_MARK, 0, 0)}, 1, 0, MSG_N},
    {"push 8 at 0: the new bytes are the first element",
     {OP(OP_PUSH, 0, 8), OP(OP_MARK, 0, 0)}, 1, 0, 8},
    {"push 8 at 40: the element splits, its front is first",
     {OP(OP_PUSH, 40, 8), OP(OP_MARK, 0, 0)}, 1, 0, 40},
    {"push 8 at the end: a new last element", {OP(OP_PUSH, MSG_N, 8), OP(OP_MARK, 0, 0)}, 1, 0,
     MSG_N},
    {"push past the end, push nothing, push with flags",
     {OP(OP_PUSH, MSG_N + 1, 1), OP(OP_PUSH, 3, 0), OP(OP_PUSH_F, 0, 1)}, 1, 0, MSG_N},
    {"push 8 at 40 then pull 30..60: the three elements become one",
     {OP(OP_PUSH, 40, 8), OP(OP_PULL, 30, 60), OP(OP_MARK, 0, 0)}, 1, 30, 30},
    {"pop 10 at 0: the element loses its front", {OP(OP_POP, 0, 10), OP(OP_MARK, 0, 0)}, 1, 0,
     MSG_N - 10},
    {"pop 10 at 40: the element splits around the hole", {OP(OP_POP, 40, 10), OP(OP_MARK, 0, 0)},
     1, 0, 40},
    {"pop the last 10", {OP(OP_POP, MSG_N - 10, 10), OP(OP_MARK, 0, 0)}, 1, 0, MSG_N - 10},
    {"pop everything: no window (the mark fails)", {OP(OP_POP, 0, MSG_N), OP(OP_MARK, 0, 0)}, 1,
     0, 0},
    {"pops past the end, from the end, of nothing, with flags",
     {OP(OP_POP, MSG_N - 10, 11), OP(OP_POP, MSG_N, 1), OP(OP_POP, 5, 0), OP(OP_POP_F, 0, 1),
      OP(OP_MARK, 0, 0)}, 1, 0, MSG_N},
    {"push 8 at 40, pop 12 at 38: [40][8][60] becomes [38][58]",
     {OP(OP_PUSH, 40, 8), OP(OP_POP, 38, 12), OP(OP_MARK, 0, 0)}, 1, 0, 38},
    {"apply and cork bytes", {OP(OP_APPLY, 0, 50), OP(OP_CORK, 0, 200)}, 1, 0, MSG_N},
    /* [50][1][50], then 14 one-byte elements at 50: 17 elements, none
     * free: a push inside the first element copies it whole (55 bytes) */
    {"no free element: push copies",
     {OP(OP_PUSH, 50, 1), OP(OP_PUSH_N, 50, 14), OP(OP_PUSH, 10, 5), OP(OP_MARK, 0, 0)}, 1, 0,
     55},
    /* the same 17 elements: popping inside the first keeps front and
     * back in one element (10 + 35) */
    {"no free element: pop copies",
     {OP(OP_PUSH, 50, 1), OP(OP_PUSH_N, 50, 14), OP(OP_POP, 10, 5), OP(OP_MARK, 0, 0)}, 1, 0,
     45},
    {"one free element: a split push copies instead",
     {OP(OP_PUSH, 50, 1), OP(OP_PUSH_N, 50, 13), OP(OP_PUSH, 10, 5), OP(OP_MARK, 0, 0)}, 1, 0,
     55},
    {"one free element: a push at an element's start takes it",
     {OP(OP_PUSH, 50, 1), OP(OP_PUSH_N, 50, 13), OP(OP_PUSH, 0, 5), OP(OP_MARK, 0, 0)}, 1, 0, 5},
    /* [50][1][50]: bytes 45..60 span the three elements */
    {"pull across elements", {OP(OP_PUSH, 50, 1), OP(OP_PULL, 45, 60), OP(OP_MARK, 0, 0)}, 1, 45,
     15},
    /* [50][1][50]: bytes 60..70 lie in the third element */
    {"pull inside a later element", {OP(OP_PUSH, 50, 1), OP(OP_PULL, 60, 70), OP(OP_MARK, 0, 0)},
     1, 60, 10},
    {"three runs on the same message", {OP(OP_PUSH, 0, 4), OP(OP_MARK, 0, 0)}, 3, 0, 4},
};

/* The message as a plain byte string under the helpers' documented rules
 * (the bytes, and which calls fail with what): push inserts zeroed bytes,
 * pop removes bytes, pull moves no byte; MARK writes 0xee at the window
 * (the case's).  Returns the run's answer as skm_ops computes it. */
static uint32_t msg_model(const struct msg_case *c, uint8_t *m, uint32_t *size, uint32_t *apply,
                          uint32_t *cork)
{
    uint32_t failed = 0, last = 0;
    for (int run = 0; run < c->repeat; run++) {
        failed = last = 0;
        for (int k = 0; k < 12; k++) {
            uint32_t op = c->ops[k], kind = op >> 28, a = op >> 14 & 0x3fff, b = op & 0x3fff;
            int err = 0;
            switch (kind) {
            case OP_PULL:
                err = b <= a || a >= *size || b > *size ? -EINVAL : 0;
                break;
            case OP_PUSH:
            case OP_PUSH_N: {
                uint32_t times = kind == OP_PUSH ? 1 : b, len = kind == OP_PUSH ? b : 1;
                if (a > *size) {
                    err = -EINVAL;
                    break;
                }
                for (uint32_t t = 0; t < times; t++) {
                    memmove(m + a + len, m + a, *size - a);
                    memset(m + a, 0, len);
                    *size += len;
                }
                break;
            }
            case OP_POP:
                if (!b)
                    break;
                if (a >= *size || a + b > *size) {
                    err = -EINVAL;
                    break;
                }
                memmove(m + a, m + a + b, *size - a - b);
                *size -= b;
                break;
            case OP_APPLY:
                *apply = a << 14 | b;
                break;
            case OP_CORK:
                *cork = a << 14 | b;
                break;
            case OP_PULL_F:
            case OP_PUSH_F:
            case OP_POP_F:
                err = -EINVAL;
                break;
            case OP_MARK:
                if (!c->win_len)
                    err = -1;
                else
                    m[c->win_off] = 0xee;
                break;
            }
            if (err) {
                failed |= k < 4 ? 1u << k : 8u;
                last = (uint32_t)-err & 0xff;
            }
        }
    }
    uint32_t first = c->win_len ? m[c->win_off] : 0;
    return (c->win_len & 0xfff) | first << 12 | failed << 20 | last << 24;
}

static void test_msg_ops(void)
{
    struct pbpf_object *obj = hr_open_obj(dir, "hooks_msg.bpf.o");
    const struct pbpf_object_prog *op = hr_find_prog(obj, "skm_ops");
    if (!op) {
        pbpf_object_close(obj);
        return;
    }
    size_t n = sizeof msg_cases / sizeof msg_cases[0];
    static uint8_t msg[MSG_N];
    for (uint32_t i = 0; i < MSG_N; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    static uint8_t md[sizeof msg_cases / sizeof msg_cases[0]][80];
    static struct hr_input in[sizeof msg_cases / sizeof msg_cases[0] + 2];
    static struct hr_result res[sizeof msg_cases / sizeof msg_cases[0] + 2];
    for (size_t i = 0; i < n; i++) {
        uint32_t fam = 2;
        memcpy(md[i] + 16, &fam, 4);
        memcpy(md[i] + 20, msg_cases[i].ops, sizeof msg_cases[i].ops);
        in[i] = (struct hr_input){msg, MSG_N, md[i], 80, 4096, 80, msg_cases[i].repeat};
    }
    /* size must be 0 or the message's; the pointers pbpf's */
    static uint8_t md_size[80], md_ptr[80];
    uint32_t v = MSG_N + 5;
    memcpy(md_size + 68, &v, 4);
    md_ptr[72] = 1;
    in[n] = (struct hr_input){msg, MSG_N, md_size, 80, 4096, 80, 1};
    in[n + 1] = (struct hr_input){msg, MSG_N, md_ptr, 80, 4096, 80, 1};
    hr_run_prog(rt, op, in, n + 2, res, 0, &counts);
    for (size_t i = 0; i < n; i++) {
        const struct msg_case *c = &msg_cases[i];
        static uint8_t want[MSG_N + 512];
        memcpy(want, msg, MSG_N);
        uint32_t size = MSG_N, apply = 0, cork = 0;
        uint32_t ret = msg_model(c, want, &size, &apply, &cork);
        const struct hr_result *r = &res[i];
        if (r->rc != 0) {
            unit_fail(__FILE__, __LINE__, "%s: rc %d", c->what, r->rc);
            continue;
        }
        if (r->retval != ret)
            unit_fail(__FILE__, __LINE__,
                      "%s: answer 0x%08x, want 0x%08x (window length, first byte, failures, "
                      "error)", c->what, r->retval, ret);
        CHECK_EQ(r->data_size_out, size);
        if (r->data_size_out == size && memcmp(r->data, want, size) != 0)
            unit_fail(__FILE__, __LINE__, "%s: the message differs", c->what);
        uint32_t ctx_size;
        memcpy(&ctx_size, r->ctx + 68, 4);
        CHECK_EQ(ctx_size, size);
        CHECK_EQ(r->msg_apply_bytes, apply);
        CHECK_EQ(r->msg_cork_bytes, cork);
    }
    CHECK_EQ(res[n].rc, -EINVAL);
    CHECK_EQ(res[n + 1].rc, -EINVAL);
    pbpf_object_close(obj);
}

/* --- SK_SKB: bpf_skb_adjust_room ------------------------------------------------ */

struct room_case {
    int32_t len_diff;
    uint32_t mode;
    uint64_t flags;
    int repeat;
    int want; /* Linux's sk_skb_adjust_room */
};

#define ROOM_N 40u

static const struct room_case room_cases[] = {
    {8, 0, 0, 1, 0},          /* 8 zeroed bytes in front */
    {-8, 0, 0, 1, 0},         /* the first 8 bytes gone */
    {-(int32_t)ROOM_N, 0, 0, 1, 0}, /* all of it */
    {-(int32_t)ROOM_N - 1, 0, 0, 1, -ENOMEM}, /* more than there is */
    {0xfff, 0, 0, 1, 0},      /* the most it grows at once */
    {0x1000, 0, 0, 1, -EFAULT},
    {-0x1000, 0, 0, 1, -EFAULT},
    {INT32_MIN, 0, 0, 1, -EFAULT},
    {-0xfff, 0, 0, 1, -ENOMEM},
    {4, 1, 0, 1, -EINVAL},    /* BPF_ADJ_ROOM_MAC */
    {4, 0, 1, 1, -EINVAL},    /* BPF_F_ADJ_ROOM_FIXED_GSO */
    {4, 0, 1ull << 40, 1, -EINVAL},
    {0, 0, 0, 1, 0},
    {4, 0, 0, 3, 0},          /* three runs: 12 bytes */
};

static void test_sk_skb_room(void)
{
    struct pbpf_object *obj = hr_open_obj(dir, "hooks_msg.bpf.o");
    const struct pbpf_object_prog *op = hr_find_prog(obj, "sks_room");
    if (!op) {
        pbpf_object_close(obj);
        return;
    }
    size_t n = sizeof room_cases / sizeof room_cases[0];
    static uint8_t msg[ROOM_N], ctx[sizeof room_cases / sizeof room_cases[0]][192];
    static struct hr_input in[sizeof room_cases / sizeof room_cases[0]];
    static struct hr_result res[sizeof room_cases / sizeof room_cases[0]];
    for (uint32_t i = 0; i < ROOM_N; i++)
        msg[i] = (uint8_t)(0x80 + i);
    for (size_t i = 0; i < n; i++) {
        const struct room_case *c = &room_cases[i];
        uint32_t cb[4] = {(uint32_t)c->len_diff, c->mode, (uint32_t)c->flags,
                          (uint32_t)(c->flags >> 32)};
        memcpy(ctx[i] + 48, cb, sizeof cb);
        in[i] = (struct hr_input){msg, ROOM_N, ctx[i], 192, 4096, 192,
                                  c->repeat};
    }
    hr_run_prog(rt, op, in, n, res, 0, &counts);
    for (size_t i = 0; i < n; i++) {
        const struct room_case *c = &room_cases[i];
        const struct hr_result *r = &res[i];
        /* the message after `repeat` calls: grown in front with zeros,
         * or its front removed; unchanged by a failed call */
        int64_t total = c->want ? 0 : (int64_t)c->len_diff * c->repeat;
        uint32_t size = (uint32_t)((int64_t)ROOM_N + total);
        if (size > 4096u) {
            CHECK_EQ(r->rc, -ENOSPC);
            CHECK_EQ(r->data_size_out, size);
            CHECK_EQ(r->retval, (uint32_t)c->want);
            continue;
        }
        CHECK_EQ(r->rc, 0);
        if ((int32_t)r->retval != c->want)
            unit_fail(__FILE__, __LINE__, "case %zu (len_diff %d mode %u flags 0x%llx): %d, "
                      "want %d", i, c->len_diff, c->mode, (unsigned long long)c->flags,
                      (int32_t)r->retval, c->want);
        CHECK_EQ(r->data_size_out, size);
        uint32_t len;
        memcpy(&len, r->ctx, 4);
        CHECK_EQ(len, size);
        if (total >= 0) {
            for (uint32_t b = 0; b < (uint32_t)total && b < r->data_size_out; b++)
                if (r->data[b]) {
                    unit_fail(__FILE__, __LINE__, "case %zu: byte %u is not zero", i, b);
                    break;
                }
            CHECK(memcmp(r->data + total, msg, ROOM_N) == 0);
        } else {
            CHECK(memcmp(r->data, msg - total, size) == 0);
        }
    }
    pbpf_object_close(obj);
}

/* --- the flow hash ---------------------------------------------------------- */

struct frame {
    uint8_t b[160];
    uint32_t n;
};

enum {
    H_TCP4, H_TCP4_REV, H_TCP4_SPORT, H_UDP4, H_TCP4_DST, H_FRAG4_A, H_FRAG4_B, H_TCP6,
    H_TCP6_REV, H_LABEL6_A, H_LABEL6_B, H_LABEL6_C, H_VLAN100, H_VLAN200, H_QINQ100, H_ARP_A,
    H_ARP_B, H_IPIP_A, H_IPIP_B, H_HBH6_A, H_HBH6_B, H_OPT4, H_FRAG6_A, H_FRAG6_B, H_ESP4_A,
    H_ESP4_B, H_ICMP4, NHASH
};
static struct frame hf[NHASH];

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

static uint32_t h_eth(uint8_t *p, uint16_t tag_tpid, uint16_t tag, uint16_t type)
{
    memset(p, 0, 12);
    p[5] = 1, p[11] = 2;
    uint32_t n = 12;
    if (tag_tpid) {
        put16(p + n, tag_tpid), put16(p + n + 2, tag);
        n += 4;
    }
    put16(p + n, type);
    return n + 2;
}

static uint32_t h_ip4(uint8_t *p, uint8_t proto, const uint8_t src[4], const uint8_t dst[4],
                      uint16_t frag, uint8_t ihl, uint16_t payload)
{
    memset(p, 0, (size_t)ihl * 4);
    p[0] = (uint8_t)(0x40 | ihl), p[8] = 64, p[9] = proto;
    put16(p + 2, (uint16_t)(ihl * 4 + payload));
    put16(p + 6, frag);
    memcpy(p + 12, src, 4), memcpy(p + 16, dst, 4);
    return (uint32_t)ihl * 4;
}

static uint32_t h_ip6(uint8_t *p, uint8_t next, uint8_t src, uint8_t dst, uint32_t label,
                      uint16_t payload)
{
    memset(p, 0, 40);
    p[0] = 0x60, p[1] = (uint8_t)(label >> 16 & 15), p[2] = (uint8_t)(label >> 8);
    p[3] = (uint8_t)label, p[6] = next, p[7] = 64;
    put16(p + 4, payload);
    p[8] = 0x20, p[9] = 1, p[23] = src;
    p[24] = 0x20, p[25] = 1, p[39] = dst;
    return 40;
}

static uint32_t h_l4(uint8_t *p, uint16_t sport, uint16_t dport)
{
    memset(p, 0, 20);
    put16(p, sport), put16(p + 2, dport);
    p[12] = 0x50;
    return 20;
}

static void make_hash_frames(void)
{
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2}, c[4] = {10, 0, 0, 3},
                         d[4] = {192, 168, 1, 1}, e[4] = {192, 168, 1, 2};
    struct frame *f;
#define IP4F(idx, proto, s, dd, frag, ihl, sp, dp)                                                \
    f = &hf[idx];                                                                                  \
    f->n = h_eth(f->b, 0, 0, 0x0800);                                                              \
    f->n += h_ip4(f->b + f->n, proto, s, dd, frag, ihl, 20);                                       \
    f->n += h_l4(f->b + f->n, sp, dp)
    IP4F(H_TCP4, 6, a, b, 0, 5, 1000, 80);
    IP4F(H_TCP4_REV, 6, b, a, 0, 5, 80, 1000);
    IP4F(H_TCP4_SPORT, 6, a, b, 0, 5, 1001, 80);
    IP4F(H_UDP4, 17, a, b, 0, 5, 1000, 80);
    IP4F(H_TCP4_DST, 6, a, c, 0, 5, 1000, 80);
    IP4F(H_FRAG4_A, 6, a, b, 0x2000, 5, 1000, 80);
    IP4F(H_FRAG4_B, 6, a, b, 0x2000, 5, 2000, 81);
    IP4F(H_OPT4, 6, a, b, 0, 6, 1000, 80);
    IP4F(H_ESP4_A, 50, a, b, 0, 5, 0x1234, 0x5678);
    IP4F(H_ESP4_B, 50, a, b, 0, 5, 0x1234, 0x5679);
    IP4F(H_ICMP4, 1, a, b, 0, 5, 0x0800, 0x1234);
#undef IP4F
#define IP6F(idx, next, s, dd, label, sp, dp)                                                     \
    f = &hf[idx];                                                                                  \
    f->n = h_eth(f->b, 0, 0, 0x86dd);                                                              \
    f->n += h_ip6(f->b + f->n, next, s, dd, label, 20);                                            \
    f->n += h_l4(f->b + f->n, sp, dp)
    IP6F(H_TCP6, 6, 1, 2, 0, 1000, 80);
    IP6F(H_TCP6_REV, 6, 2, 1, 0, 80, 1000);
    IP6F(H_LABEL6_A, 6, 1, 2, 0x12345, 1000, 80);
    IP6F(H_LABEL6_B, 6, 1, 2, 0x12345, 3000, 443);
    IP6F(H_LABEL6_C, 6, 1, 2, 0x54321, 1000, 80);
#undef IP6F
    /* hop-by-hop options (8 bytes), then TCP */
    for (int i = 0; i < 2; i++) {
        f = &hf[H_HBH6_A + i];
        f->n = h_eth(f->b, 0, 0, 0x86dd);
        f->n += h_ip6(f->b + f->n, 0, 1, 2, 0, 28);
        memset(f->b + f->n, 0, 8);
        f->b[f->n] = 6, f->n += 8;
        f->n += h_l4(f->b + f->n, (uint16_t)(1000 + i), 80);
    }
    /* a fragment header, then UDP: no ports */
    for (int i = 0; i < 2; i++) {
        f = &hf[H_FRAG6_A + i];
        f->n = h_eth(f->b, 0, 0, 0x86dd);
        f->n += h_ip6(f->b + f->n, 44, 1, 2, 0, 28);
        memset(f->b + f->n, 0, 8);
        f->b[f->n] = 17, f->b[f->n + 3] = 1, f->n += 8;
        f->n += h_l4(f->b + f->n, (uint16_t)(1000 + i), 53);
    }
    uint16_t tags[3][2] = {{0x8100, 100}, {0x8100, 200}, {0x88a8, 100}};
    for (int i = 0; i < 3; i++) {
        f = &hf[H_VLAN100 + i];
        f->n = h_eth(f->b, tags[i][0], tags[i][1], 0x0800);
        f->n += h_ip4(f->b + f->n, 6, a, b, 0, 5, 20);
        f->n += h_l4(f->b + f->n, 1000, 80);
    }
    for (int i = 0; i < 2; i++) {
        f = &hf[H_ARP_A + i];
        f->n = h_eth(f->b, 0, 0, 0x0806);
        memset(f->b + f->n, i + 1, 28), f->n += 28;
    }
    /* IP in IP: the outer addresses differ, the inner flow is the same */
    for (int i = 0; i < 2; i++) {
        f = &hf[H_IPIP_A + i];
        f->n = h_eth(f->b, 0, 0, 0x0800);
        f->n += h_ip4(f->b + f->n, 4, i ? d : a, i ? e : b, 0, 5, 40);
        f->n += h_ip4(f->b + f->n, 6, c, d, 0, 5, 20);
        f->n += h_l4(f->b + f->n, 1000, 80);
    }
}

static void test_hash(void)
{
    struct pbpf_object *obj = hr_open_obj(dir, "hooks_msg.bpf.o");
    const struct pbpf_object_prog *use = hr_find_prog(obj, "tc_hash_use");
    const struct pbpf_object_prog *op = hr_find_prog(obj, "tc_hash");
    if (!use || !op) {
        pbpf_object_close(obj);
        return;
    }
    make_hash_frames();
    static struct hr_input in[NHASH];
    static struct hr_result res[NHASH], kres;
    for (int i = 0; i < NHASH; i++)
        in[i] = (struct hr_input){hf[i].b, hf[i].n, NULL, 0, 0, 0, 1};
    /* the rules, on every engine and in the kernel: all six hold */
    hr_run_prog(rt, use, in, NHASH, res, have_kernel, &counts);
    for (int i = 0; i < NHASH; i++)
        if (res[i].retval != 0x3f)
            unit_fail(__FILE__, __LINE__, "frame %d: the hash rules give 0x%x", i,
                      res[i].retval);
    /* the hash: the same on every engine and in every run (pbpf's own,
     * so not compared with the kernel's values) */
    hr_run_prog(rt, op, in, NHASH, res, 0, &counts);
    static struct hr_result again[NHASH];
    hr_run_prog(rt, op, in, NHASH, again, 0, &counts);
    for (int i = 0; i < NHASH; i++)
        CHECK_EQ(res[i].retval, again[i].retval);
    /* the flows pbpf's frames fall into, against Linux's */
    size_t pairs = 0, same_flow = 0;
    if (have_kernel) {
        struct kbpf_load_opts lo = {.prog_type = op->prog_type,
                                    .expected_attach_type = op->expected_attach_type,
                                    .insns = op->insns, .insn_cnt = op->insn_cnt,
                                    .name = op->name};
        int kfd = kbpf_prog_load(&lo);
        if (kfd < 0) {
            unit_fail(__FILE__, __LINE__, "tc_hash: the kernel refuses it: %s", lo.reason);
        } else {
            static uint32_t kh[NHASH];
            for (int i = 0; i < NHASH; i++) {
                hr_kernel_test(kfd, &in[i], &kres);
                CHECK_EQ(kres.rc, 0);
                kh[i] = kres.retval;
                counts.kernel++;
            }
            for (int i = 0; i < NHASH; i++)
                for (int j = i + 1; j < NHASH; j++) {
                    int k_eq = kh[i] == kh[j], p_eq = res[i].retval == res[j].retval;
                    pairs++;
                    same_flow += k_eq;
                    if (k_eq != p_eq)
                        unit_fail(__FILE__, __LINE__, "frames %d and %d: Linux hashes them %s, "
                                  "pbpf %s", i, j, k_eq ? "alike" : "apart",
                                  p_eq ? "alike" : "apart");
                }
            kbpf_close(kfd);
        }
    }
    /* what the keys say, independent of the kernel */
    CHECK_EQ(res[H_TCP4].retval, res[H_TCP4_REV].retval);
    CHECK(res[H_TCP4].retval != res[H_TCP4_SPORT].retval);
    CHECK(res[H_TCP4].retval != res[H_UDP4].retval);
    CHECK_EQ(res[H_FRAG4_A].retval, res[H_FRAG4_B].retval);
    CHECK_EQ(res[H_TCP6].retval, res[H_TCP6_REV].retval);
    CHECK_EQ(res[H_LABEL6_A].retval, res[H_LABEL6_B].retval);
    CHECK(res[H_LABEL6_A].retval != res[H_LABEL6_C].retval);
    CHECK_EQ(res[H_IPIP_A].retval, res[H_IPIP_B].retval);
    printf("frame pairs whose flows agree with Linux: %zu (%zu the same flow)\n", pairs,
           same_flow);
    pbpf_object_close(obj);
}

/* --- devices and bpf_check_mtu ---------------------------------------------------- */

#define DEV_N 100u
#define NO_DEV 0x7ffffff0u /* an ifindex neither pbpf nor the kernel has */

struct mtu_case {
    uint32_t ifindex, mtu_len;
    int32_t len_diff;
    uint32_t flags, gso_size;
};

/* Linux's rules (net/core/filter.c bpf_skb_check_mtu, bpf_xdp_check_mtu)
 * for a packet of `len` bytes on a device of `mtu` with an Ethernet
 * header; -1 for cases these rules leave to the skb's segments. */
static int mtu_rule(const struct mtu_case *c, uint32_t len, uint32_t mtu, int xdp,
                    uint32_t *mtu_out)
{
    if (xdp ? c->flags != 0 : (c->flags & ~1u) || ((c->flags & 1) && (c->len_diff || c->mtu_len)))
        return -EINVAL;
    if (c->ifindex > 1 && c->ifindex != 5)
        return -ENODEV;
    if (c->ifindex == 5)
        mtu = 1500;
    *mtu_out = mtu;
    int64_t l = (c->mtu_len ? (int64_t)c->mtu_len + 14 : len) + c->len_diff;
    if (l <= (int64_t)mtu + 14)
        return 0;
    if (!xdp && c->gso_size)
        return (c->flags & 1) ? -1 : 0;
    return 1;
}

/* three copies of a frame for pbpf_packet_run; the ingress device the
 * program wrote into the frame (byte 7) of the last one out */
struct pkt_src {
    const uint8_t *frame;
    int given;
    uint8_t dev;
};

static int pkt_next(void *user, struct pbpf_packet *pkt)
{
    struct pkt_src *s = user;
    if (s->given == 3)
        return 0;
    s->given++;
    pkt->data = s->frame;
    pkt->len = pkt->wire_len = DEV_N;
    return 1;
}

static int pkt_emit(void *user, const struct pbpf_packet *in, enum pbpf_packet_fate fate,
                    const uint8_t *data, uint32_t len)
{
    (void)in, (void)fate;
    struct pkt_src *s = user;
    if (len > 7)
        s->dev = data[7];
    return 0;
}

static void test_netdev(void)
{
    struct pbpf_object *obj = hr_open_obj(dir, "hooks_msg.bpf.o");
    const struct pbpf_object_prog *tc = hr_find_prog(obj, "tc_dev");
    const struct pbpf_object_prog *xdp = hr_find_prog(obj, "xdp_dev");
    if (!tc || !xdp) {
        pbpf_object_close(obj);
        return;
    }
    /* the loopback's MTU is 65536: on it, the cases sit around 65550 */
    static const struct mtu_case cases[] = {
        {0, 0, 0, 0, 0}, {1, 0, 0, 0, 0}, {0, 0, 65550 - DEV_N, 0, 0},
        {0, 0, 65551 - DEV_N, 0, 0}, {0, 65536, 0, 0, 0}, {0, 65537, 0, 0, 0},
        {1, 65537, -1, 0, 0}, {0, 0, -200, 0, 0}, {NO_DEV, 0, 0, 0, 0}, {0, 0, 0, 2, 0},
        {0, 0, 4, 1, 0}, {0, 100, 0, 1, 0}, {0, 0, 0, 1, 0},
        {0, 0, 65551 - DEV_N, 0, 1000}, /* GSO: over the MTU but segmentable */
    };
    size_t n = sizeof cases / sizeof cases[0];
    static uint8_t frame[DEV_N], frames[sizeof cases / sizeof cases[0]][DEV_N];
    static uint8_t ctx[sizeof cases / sizeof cases[0]][192];
    static struct hr_input in[sizeof cases / sizeof cases[0]];
    static struct hr_result res[sizeof cases / sizeof cases[0]];
    memset(frame, 0, sizeof frame);
    frame[12] = 0x08;
    h_ip4(frame + 14, 17, (const uint8_t[4]){1, 2, 3, 4}, (const uint8_t[4]){5, 6, 7, 8}, 0, 5,
          DEV_N - 34);
    /* tc: on every engine and in the kernel (the loopback) */
    for (size_t i = 0; i < n; i++) {
        uint32_t cb[4] = {cases[i].ifindex, cases[i].mtu_len, (uint32_t)cases[i].len_diff,
                          cases[i].flags};
        memcpy(ctx[i] + 48, cb, sizeof cb);
        memcpy(ctx[i] + 176, &cases[i].gso_size, 4);
        in[i] = (struct hr_input){frame, DEV_N, ctx[i], 192, 4096, 192, 1};
    }
    hr_run_prog(rt, tc, in, n, res, have_kernel, &counts);
    for (size_t i = 0; i < n; i++) {
        uint32_t mtu = cases[i].mtu_len, cb4;
        int want = mtu_rule(&cases[i], DEV_N, 65536, 0, &mtu);
        memcpy(&cb4, res[i].ctx + 64, 4);
        CHECK_EQ(res[i].rc, 0);
        if (want != -1 && (int8_t)(res[i].retval & 0xff) != want)
            unit_fail(__FILE__, __LINE__, "tc case %zu: bpf_check_mtu %d, want %d", i,
                      (int8_t)(res[i].retval & 0xff), want);
        CHECK_EQ(cb4, want == -EINVAL || want == -ENODEV ? cases[i].mtu_len : 65536);
        CHECK_EQ(res[i].retval >> 16, 1); /* ifindex: the loopback */
    }
    /* XDP: the arguments in the frame */
    for (size_t i = 0; i < n; i++) {
        memcpy(frames[i], frame, DEV_N);
        uint32_t a[4] = {cases[i].ifindex, cases[i].mtu_len, (uint32_t)cases[i].len_diff,
                         cases[i].flags};
        memcpy(frames[i] + 14, a, sizeof a);
        in[i] = (struct hr_input){frames[i], DEV_N, NULL, 0, 4096, 0, 1};
    }
    hr_run_prog(rt, xdp, in, n, res, have_kernel, &counts);
    for (size_t i = 0; i < n; i++) {
        uint32_t mtu = cases[i].mtu_len;
        int want = mtu_rule(&cases[i], DEV_N, 65536, 1, &mtu);
        CHECK_EQ(res[i].rc, 0);
        if ((int8_t)(res[i].retval & 0xff) != want)
            unit_fail(__FILE__, __LINE__, "xdp case %zu: bpf_check_mtu %d, want %d", i,
                      (int8_t)(res[i].retval & 0xff), want);
        CHECK_EQ(res[i].retval >> 8, mtu & 0xffffff);
        CHECK_EQ(res[i].data[7], 1); /* the loopback, queue 0 */
        CHECK_EQ(res[i].data[6], 0);
    }

    /* a device of the caller's: ifindex 5, MTU 1500, four queues (pbpf
     * only: the kernel's devices are not the test's to describe) */
    static const struct pbpf_netdev devs[] = {
        {.ifindex = 5, .name = "eth5", .mac = {0x02, 0, 0, 0, 0, 5}, .rx_queues = 4},
        {.ifindex = 9, .name = "eth9", .mac = {0x02, 0, 0, 0, 0, 9}, .mtu = 9000},
    };
    char log[256];
    struct pbpf_prog *prog = NULL;
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_VERIFIED, .prog_type = xdp->prog_type,
              .license = "GPL", .log_buf = log, .log_size = sizeof log);
    if (pbpf_prog_load(rt, xdp->insns, xdp->insn_cnt, &po, &prog)) {
        unit_fail(__FILE__, __LINE__, "xdp_dev: %s", log);
        pbpf_object_close(obj);
        return;
    }
    struct {
        uint32_t ingress, queue, ifindex, mtu_len;
        int32_t len_diff;
        int rc, result;
        uint32_t mtu;
        uint8_t dev;
    } xc[] = {
        {5, 3, 0, 0, 0, 0, 0, 1500, 5},         /* on eth5's last queue */
        {5, 3, 0, 0, 1415, 0, 1, 1500, 5},      /* 100 + 1415 > 1514 */
        {5, 3, 0, 0, 1414, 0, 0, 1500, 5},
        {0, 0, 5, 1501, 0, 0, 1, 1500, 1},      /* on the loopback, asking about eth5 */
        {0, 0, 9, 9000, 0, 0, 0, 9000, 1},      /* eth9: its MTU */
        {5, 4, 0, 0, 0, -EINVAL, 0, 0, 0},      /* no queue 4 */
        {6, 0, 0, 0, 0, -ENODEV, 0, 0, 0},      /* no device 6 */
        {1, 1, 0, 0, 0, -EINVAL, 0, 0, 0},      /* the loopback has one queue */
    };
    for (size_t i = 0; i < sizeof xc / sizeof xc[0]; i++) {
        uint8_t f[DEV_N], out[DEV_N];
        memcpy(f, frame, DEV_N);
        uint32_t a[4] = {xc[i].ifindex, xc[i].mtu_len, (uint32_t)xc[i].len_diff, 0};
        memcpy(f + 14, a, sizeof a);
        uint32_t md[6] = {0, DEV_N, 0, xc[i].ingress, xc[i].queue, 0};
        char err[200] = "";
        PBPF_OPTS(pbpf_test_run_opts, o, .data_in = f, .data_size_in = DEV_N, .data_out = out,
                  .data_size_out = DEV_N, .ctx_in = md, .ctx_size_in = sizeof md,
                  .netdevs = devs, .netdev_cnt = 2, .err_buf = err, .err_size = sizeof err);
        int rc = pbpf_prog_test_run(prog, &o);
        counts.runs++;
        if (rc != xc[i].rc) {
            unit_fail(__FILE__, __LINE__, "eth case %zu: rc %d (%s), want %d", i, rc, err,
                      xc[i].rc);
            continue;
        }
        if (rc)
            continue;
        CHECK_EQ(o.retval & 0xff, (uint32_t)xc[i].result);
        CHECK_EQ(o.retval >> 8, xc[i].mtu);
        CHECK_EQ(out[7], xc[i].dev);
        CHECK_EQ(out[6], xc[i].queue);
    }
    /* the packet hook: packets arrive on the device it names */
    uint8_t pass[DEV_N];
    memcpy(pass, frame, DEV_N);
    memset(pass + 26, 0xff, 4); /* flags all ones: XDP_PASS */
    struct pkt_src src = {pass, 0, 0};
    PBPF_OPTS(pbpf_packet_run_opts, pr, .next = pkt_next, .emit = pkt_emit, .user = &src,
              .netdevs = devs, .netdev_cnt = 2, .ifindex = 5);
    struct pbpf_packet_stats st;
    CHECK_EQ(pbpf_packet_run(prog, &pr, &st), 0);
    CHECK_EQ(st.packets, 3);
    CHECK_EQ(src.dev, 5);
    src = (struct pkt_src){pass, 0, 0};
    pr.ifindex = 6;
    CHECK_EQ(pbpf_packet_run(prog, &pr, &st), -ENODEV);
    src = (struct pkt_src){pass, 0, 0};
    pr.ifindex = 0;
    CHECK_EQ(pbpf_packet_run(prog, &pr, &st), 0);
    CHECK_EQ(src.dev, 1); /* the loopback, as before */
    /* the caller's devices must be well formed */
    static const struct pbpf_netdev bad[][2] = {
        {{.ifindex = 1, .name = "lo2"}, {.ifindex = 2, .name = "x"}},
        {{.ifindex = 3, .name = "a"}, {.ifindex = 3, .name = "b"}},
    };
    for (int i = 0; i < 2; i++) {
        PBPF_OPTS(pbpf_test_run_opts, o, .data_in = frame, .data_size_in = DEV_N,
                  .netdevs = bad[i], .netdev_cnt = 2);
        CHECK_EQ(pbpf_prog_test_run(prog, &o), -EINVAL);
    }
    pbpf_prog_free(prog);

    /* skb on eth5: ifindex, and the packet type by eth5's address */
    prog = NULL;
    PBPF_OPTS(pbpf_prog_opts, pt, .mode = PBPF_MODE_VERIFIED, .prog_type = tc->prog_type,
              .license = "GPL", .log_buf = log, .log_size = sizeof log);
    if (pbpf_prog_load(rt, tc->insns, tc->insn_cnt, &pt, &prog)) {
        unit_fail(__FILE__, __LINE__, "tc_dev: %s", log);
        pbpf_object_close(obj);
        return;
    }
    static const uint8_t dst[][6] = {{0x02, 0, 0, 0, 0, 5}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                                     {0x01, 0, 0x5e, 0, 0, 1}, {0x02, 0, 0, 0, 0, 6}};
    for (uint32_t on = 1; on <= 5; on += 4) {
        for (uint32_t i = 0; i < 4; i++) {
            uint8_t f[DEV_N], c[192], cout[192];
            memcpy(f, frame, DEV_N);
            memcpy(f, dst[i], 6);
            memset(c, 0, sizeof c);
            memcpy(c + 40, &on, 4);
            PBPF_OPTS(pbpf_test_run_opts, o, .data_in = f, .data_size_in = DEV_N, .ctx_in = c,
                      .ctx_size_in = sizeof c, .ctx_out = cout, .ctx_size_out = sizeof cout,
                      .netdevs = devs, .netdev_cnt = 2);
            CHECK_EQ(pbpf_prog_test_run(prog, &o), 0);
            counts.runs++;
            /* eth_type_trans: the device's address is PACKET_HOST; the
             * loopback's is 00:..:00, so all four are others there, and
             * its broadcast address is 00:..:00 too */
            uint32_t want = on == 5 ? i : (dst[i][0] & 1 ? 2 : 3);
            CHECK_EQ(o.retval >> 8 & 0xff, want);
            CHECK_EQ(o.retval >> 16, on);
            uint32_t ifi;
            memcpy(&ifi, cout + 40, 4);
            CHECK_EQ(ifi, on);
            uint32_t mtu;
            memcpy(&mtu, cout + 64, 4);
            CHECK_EQ(mtu, on == 5 ? 1500u : 65536u);
        }
    }
    uint8_t c[192] = {0};
    uint32_t six = 6;
    memcpy(c + 40, &six, 4);
    PBPF_OPTS(pbpf_test_run_opts, o6, .data_in = frame, .data_size_in = DEV_N, .ctx_in = c,
              .ctx_size_in = sizeof c, .netdevs = devs, .netdev_cnt = 2);
    CHECK_EQ(pbpf_prog_test_run(prog, &o6), -ENODEV);
    pbpf_prog_free(prog);
    pbpf_object_close(obj);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_msg msg|hash|netdev DIR\n");
        return 2;
    }
    pbpf_runtime_new(NULL, &rt);
    char why[256];
    have_kernel = kbpf_probe(why, sizeof why);
    dir = argv[2];
    if (strcmp(argv[1], "msg") == 0) {
        UNIT_RUN(test_msg_ops);
        UNIT_RUN(test_sk_skb_room);
    } else if (strcmp(argv[1], "netdev") == 0) {
        if (!have_kernel)
            printf("no kernel comparison: %s\n", why);
        UNIT_RUN(test_netdev);
    } else if (strcmp(argv[1], "hash") == 0) {
        if (!have_kernel)
            printf("no kernel comparison: %s\n", why);
        UNIT_RUN(test_hash);
    } else {
        fprintf(stderr, "unknown test %s\n", argv[1]);
        pbpf_runtime_free(rt);
        return 2;
    }
    printf("test runs on pbpf engines: %zu, compared with Linux: %zu\n", counts.runs,
           counts.kernel);
    pbpf_runtime_free(rt);
    return unit_finish();
}
