/* Tests of the FLOW_DISSECTOR, SK_LOOKUP, SK_SKB and SK_MSG hooks.
 *   run DIR   hooks_flow.bpf.o and hooks_sklookup.bpf.o test-run on every
 *             engine and, where bpf() works, in the kernel
 *             (BPF_PROG_TEST_RUN) on a set of frames and contexts, all
 *             results compared; hooks_sockmap.bpf.o (which Linux cannot
 *             test-run) on every engine; and results checked against what
 *             the C sources compute
 *   scope     helpers from each of these program types: pbpf refuses
 *             what Linux refuses, with Linux's message, and refuses the
 *             sockmap/socket helpers, which need sockets pbpf does not
 *             have, with its "not available" error (skips, 77, without
 *             bpf()) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook_run.h"
#include "kbpf.h"
#include "pbpf/hooks.h"
#include "pbpf/object.h"
#include "pbpf/verifier.h"
#include "unit.h"

static struct pbpf_runtime *rt;
static int have_kernel;
static const char *dir;

/* --- runs ------------------------------------------------------------------- */

static struct hr_counts counts;

static void run_prog(const struct pbpf_object_prog *op, const struct hr_input *ins, size_t nin,
                     struct hr_result *first, int kernel)
{
    hr_run_prog(rt, op, ins, nin, first, kernel && have_kernel, &counts);
}

static struct pbpf_object *open_obj(const char *name) { return hr_open_obj(dir, name); }

static const struct pbpf_object_prog *find_prog(struct pbpf_object *obj, const char *name)
{
    return hr_find_prog(obj, name);
}

/* --- frames ------------------------------------------------------------------- */

#define MAXIN 80
static struct hr_input ins[MAXIN];
static struct hr_result res[MAXIN];

struct frame {
    uint8_t b[256];
    uint32_t n;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

/* Ethernet header with up to two VLAN tags; returns its length */
static uint32_t eth(uint8_t *p, const uint16_t *tags, int ntags, uint16_t type)
{
    memset(p, 0, 12);
    p[0] = 0x52, p[5] = 1, p[6] = 2, p[11] = 2;
    uint32_t n = 12;
    for (int i = 0; i < ntags; i++) {
        put16(p + n, i == 0 && ntags == 2 ? 0x88a8 : 0x8100);
        put16(p + n + 2, tags[i]);
        n += 4;
    }
    put16(p + n, type);
    return n + 2;
}

static uint32_t ip4(uint8_t *p, uint8_t proto, uint8_t ihl, uint16_t frag)
{
    memset(p, 0, (size_t)ihl * 4);
    p[0] = (uint8_t)(0x40 | ihl), p[8] = 64, p[9] = proto;
    put16(p + 6, frag);
    const uint8_t a[8] = {192, 168, 7, 1, 10, 20, 30, 40};
    memcpy(p + 12, a, 8);
    return (uint32_t)ihl * 4;
}

static uint32_t ip6(uint8_t *p, uint8_t next, uint32_t flow_label)
{
    memset(p, 0, 40);
    p[0] = 0x60, p[1] = (uint8_t)((flow_label >> 16) & 0xf), p[2] = (uint8_t)(flow_label >> 8);
    p[3] = (uint8_t)flow_label, p[6] = next, p[7] = 64;
    for (int i = 0; i < 32; i++)
        p[8 + i] = (uint8_t)(0x20 + i * 3);
    return 40;
}

static uint32_t l4(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t doff)
{
    uint32_t n = proto == 6 ? 20 : 8;
    memset(p, 0, n + 6);
    put16(p, sport), put16(p + 2, dport);
    if (proto == 6)
        p[12] = (uint8_t)(doff << 4);
    for (int i = 0; i < 6; i++)
        p[n + i] = (uint8_t)('a' + i);
    return n + 6;
}

enum {
    F_TCP4, F_UDP4_OPT, F_VLAN_TCP4, F_QINQ_UDP6, F_TCP6_LABEL, F_FRAG6_UDP, F_FRAG4_FIRST,
    F_FRAG4_LATER, F_IPIP, F_ARP, F_SHORT4, F_BAD_DOFF, F_HBH_TCP6, NFRAMES
};
static struct frame fr[NFRAMES];

static void make_frames(void)
{
    uint16_t tags[2] = {0x0064, 0x2005};
    struct frame *f;
    f = &fr[F_TCP4];
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += ip4(f->b + f->n, 6, 5, 0);
    f->n += l4(f->b + f->n, 6, 40000, 443, 5);
    f = &fr[F_UDP4_OPT];
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += ip4(f->b + f->n, 17, 6, 0);
    f->n += l4(f->b + f->n, 17, 5353, 53, 0);
    f = &fr[F_VLAN_TCP4];
    f->n = eth(f->b, tags, 1, 0x0800);
    f->n += ip4(f->b + f->n, 6, 5, 0x4000 /* DF */);
    f->n += l4(f->b + f->n, 6, 1234, 80, 5);
    f = &fr[F_QINQ_UDP6];
    f->n = eth(f->b, tags, 2, 0x86dd);
    f->n += ip6(f->b + f->n, 17, 0);
    f->n += l4(f->b + f->n, 17, 546, 547, 0);
    f = &fr[F_TCP6_LABEL];
    f->n = eth(f->b, NULL, 0, 0x86dd);
    f->n += ip6(f->b + f->n, 6, 0xabcde);
    f->n += l4(f->b + f->n, 6, 22, 51000, 8);
    f = &fr[F_FRAG6_UDP];
    f->n = eth(f->b, NULL, 0, 0x86dd);
    f->n += ip6(f->b + f->n, 44, 0);
    f->b[f->n] = 17, f->b[f->n + 3] = 1 /* M */, f->n += 8;
    f->n += l4(f->b + f->n, 17, 7, 9, 0);
    f = &fr[F_FRAG4_FIRST];
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += ip4(f->b + f->n, 17, 5, 0x2000 /* MF */);
    f->n += l4(f->b + f->n, 17, 1000, 2000, 0);
    f = &fr[F_FRAG4_LATER];
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += ip4(f->b + f->n, 17, 5, 0x0010);
    f->n += l4(f->b + f->n, 17, 1000, 2000, 0);
    f = &fr[F_IPIP];
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += ip4(f->b + f->n, 4, 5, 0);
    f->n += ip4(f->b + f->n, 6, 5, 0);
    f = &fr[F_ARP];
    f->n = eth(f->b, NULL, 0, 0x0806);
    memset(f->b + f->n, 1, 28), f->n += 28;
    f = &fr[F_SHORT4]; /* an IPv4 header cut short: bpf_skb_load_bytes has no skb */
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += 10;
    f->b[14] = 0x45;
    f = &fr[F_BAD_DOFF];
    f->n = eth(f->b, NULL, 0, 0x0800);
    f->n += ip4(f->b + f->n, 6, 5, 0);
    f->n += l4(f->b + f->n, 6, 1, 2, 4);
    f = &fr[F_HBH_TCP6];
    f->n = eth(f->b, tags, 1, 0x86dd);
    f->n += ip6(f->b + f->n, 0, 0x12345);
    memset(f->b + f->n, 0, 16);
    f->b[f->n] = 60, f->b[f->n + 1] = 1, f->n += 16;   /* hop-by-hop, 16 bytes */
    memset(f->b + f->n, 0, 8);
    f->b[f->n] = 6, f->n += 8;                        /* destination options */
    f->n += l4(f->b + f->n, 6, 8080, 443, 5);
}

/* struct bpf_flow_keys with flags set */
static uint8_t keys_flags[NFRAMES][56];
static uint8_t keys_bad[56], keys_long[60];

static size_t flow_inputs(void)
{
    size_t n = 0;
    for (int f = 0; f < NFRAMES; f++)
        ins[n++] = (struct hr_input){fr[f].b, fr[f].n, NULL, 0, 56, 0, 1};
    /* with each flag */
    uint32_t flags[3] = {1, 2, 4};
    for (int i = 0; i < 3; i++)
        memcpy(keys_flags[i] + 48, &flags[i], 4);
    ins[n++] = (struct hr_input){fr[F_FRAG6_UDP].b, fr[F_FRAG6_UDP].n, keys_flags[0], 56, 56, 56, 1};
    ins[n++] = (struct hr_input){fr[F_FRAG4_FIRST].b, fr[F_FRAG4_FIRST].n, keys_flags[0], 56, 56, 56, 1};
    ins[n++] = (struct hr_input){fr[F_TCP6_LABEL].b, fr[F_TCP6_LABEL].n, keys_flags[1], 56, 56, 56, 1};
    ins[n++] = (struct hr_input){fr[F_IPIP].b, fr[F_IPIP].n, keys_flags[2], 48, 56, 56, 1};
    /* errors and limits */
    ins[n++] = (struct hr_input){fr[F_TCP4].b, 13, NULL, 0, 56, 0, 1};
    keys_bad[2] = 1; /* thoff: only flags may be set */
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, keys_bad, 56, 56, 56, 1};
    keys_long[58] = 1;
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, keys_long, 60, 56, 56, 1};
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, keys_long, 56, 56, 56, 1};
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, NULL, 0, 10, 0, 1};
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, keys_flags[0], 56, 56, 8, 1};
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, NULL, 0, 56, 56, 1};
    ins[n++] = (struct hr_input){fr[F_VLAN_TCP4].b, fr[F_VLAN_TCP4].n, NULL, 0, 56, 0, 3};
    ins[n++] = (struct hr_input){fr[F_TCP4].b, 14, NULL, 0, 56, 0, 1};
    return n;
}

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void test_flow(void)
{
    struct pbpf_object *obj = open_obj("hooks_flow.bpf.o");
    if (!obj)
        return;
    size_t n = flow_inputs();
    const struct pbpf_object_prog *op = find_prog(obj, "flow_dissect");
    if (op) {
        run_prog(op, ins, n, res, 1);
        /* what the C source says of a few frames, independent of the kernel */
        const uint8_t *k = res[F_TCP4].data, *b = fr[F_TCP4].b;
        CHECK_EQ(res[F_TCP4].rc, 0);
        CHECK_EQ(res[F_TCP4].retval, 0);
        CHECK_EQ(res[F_TCP4].data_size_out, 56);
        CHECK_EQ(ld16(k + 0), 14);
        CHECK_EQ(ld16(k + 2), 34);
        CHECK_EQ(ld16(k + 4), 0x0800);
        CHECK_EQ(k[9], 6);
        CHECK(memcmp(k + 10, b + 12, 2) == 0);      /* n_proto */
        CHECK(memcmp(k + 12, b + 34, 4) == 0);      /* sport, dport */
        CHECK(memcmp(k + 16, b + 26, 8) == 0);      /* addresses */
        k = res[F_VLAN_TCP4].data;
        CHECK_EQ(ld16(k + 0), 18);
        CHECK_EQ(ld16(k + 2), 38);
        k = res[F_QINQ_UDP6].data, b = fr[F_QINQ_UDP6].b;
        CHECK_EQ(ld16(k + 0), 22);
        CHECK_EQ(ld16(k + 2), 62);
        CHECK(memcmp(k + 16, b + 22 + 8, 32) == 0);
        CHECK_EQ(res[F_ARP].retval, 2);              /* BPF_DROP */
        CHECK_EQ(res[F_SHORT4].retval, 2);           /* bpf_skb_load_bytes fails */
        CHECK_EQ(res[F_BAD_DOFF].retval, 2);
        k = res[F_FRAG4_LATER].data;
        CHECK_EQ(k[6], 1);
        CHECK_EQ(k[7], 0);
        CHECK_EQ(ld16(k + 12), 0);
        k = res[F_HBH_TCP6].data;
        CHECK_EQ(ld16(k + 2), 18 + 40 + 16 + 8);
        CHECK_EQ(k[9], 6);
        CHECK_EQ(res[NFRAMES + 4].rc, -EINVAL);      /* 13 bytes */
        CHECK_EQ(res[NFRAMES + 5].rc, -EINVAL);      /* thoff set */
        CHECK_EQ(res[NFRAMES + 6].rc, -E2BIG);
        CHECK_EQ(res[NFRAMES + 8].rc, -ENOSPC);
        CHECK_EQ(res[NFRAMES + 9].rc, -ENOSPC);
        CHECK_EQ(res[NFRAMES + 9].ctx_size_out, 56);
    }
    op = find_prog(obj, "flow_fields");
    if (op) {
        run_prog(op, ins, n, res, 1);
        /* the keys the run starts with, folded as the program does */
        for (size_t i = 0; i < n; i++) {
            if (res[i].rc)
                continue;
            uint32_t flags = 0;
            if (ins[i].ctx && ins[i].ctx_size >= 52)
                memcpy(&flags, (const uint8_t *)ins[i].ctx + 48, 4);
            uint32_t v = ins[i].size;
            v = v * 31 + 14;
            v = v * 31 + 14;
            v = v * 31 + ld16(ins[i].data + 12);
            v = v * 31 + flags;
            v = v * 31;
            v = v * 31;
            CHECK_EQ(res[i].retval, v & 0xff);
            const uint8_t *k = res[i].data;
            CHECK_EQ(ld16(k + 0), 14);               /* clamped up to the Ethernet header */
            CHECK_EQ(ld16(k + 2), ins[i].size);      /* clamped down to the frame */
            CHECK_EQ(ld16(k + 4), 0x1234);
            CHECK_EQ(k[8], 3);
        }
    }
    pbpf_object_close(obj);
}

/* --- sk_lookup ------------------------------------------------------------------ */

struct sk_lookup {
    uint64_t sk;
    uint32_t family, protocol, remote_ip4, remote_ip6[4];
    uint16_t remote_port, pad;
    uint32_t local_ip4, local_ip6[4], local_port, ingress_ifindex;
};

static struct sk_lookup skl[64 + 8];

/* the fold of sk_fields over the fields a run shows: the other family's
 * addresses read 0, protocol is a u16 */
static uint32_t skl_fold(const struct sk_lookup *c)
{
    struct sk_lookup s = *c;
    if (s.family == 2) {
        memset(s.remote_ip6, 0, 16), memset(s.local_ip6, 0, 16);
    } else {
        s.remote_ip4 = s.local_ip4 = 0;
    }
    s.protocol &= 0xffff;
    uint32_t v = s.family;
    v = v * 31 + s.protocol;
    v = v * 31 + s.remote_ip4;
    v = v * 31 + s.remote_ip6[0] + s.remote_ip6[1] * 3 + s.remote_ip6[3];
    v = v * 31 + s.remote_port;
    v = v * 31 + s.remote_port;
    v = v * 31 + 0;
    v = v * 31 + s.local_ip4;
    v = v * 31 + s.local_ip6[0] + s.local_ip6[2] * 5 + s.local_ip6[3];
    v = v * 31 + (s.local_port >> 5);
    v = v * 31 + 0;
    v = v * 31 + (uint8_t)(s.remote_ip4 >> 8);
    v = v * 31 + (uint16_t)(s.local_ip6[1] >> 16);
    v = v * 31 + (uint8_t)(s.remote_port >> 8);
    return v * 31;
}

static size_t skl_inputs(void)
{
    size_t n = 0;
    for (int fam = 0; fam < 2; fam++) {
        for (uint32_t bit = 0; bit < 32; bit++) {
            struct sk_lookup *c = &skl[n];
            memset(c, 0, sizeof *c);
            c->family = fam ? 10 : 2;
            c->protocol = fam ? 17 : 0x10006; /* the high half is not seen */
            c->remote_ip4 = 0x0a0b0c0d;
            c->local_ip4 = 0x01020304;
            for (int i = 0; i < 4; i++) {
                c->remote_ip6[i] = 0x11111111u * (uint32_t)(i + 1);
                c->local_ip6[i] = 0x01010101u * (uint32_t)(i + 7);
            }
            c->remote_port = 0x3412;
            c->local_port = 0x1f40 + bit;
            ins[n] = (struct hr_input){NULL, 0, c, sizeof *c, 0, sizeof *c, 1};
            n++;
        }
    }
    /* errors: a cookie, a family, a port, ingress_ifindex, a packet, no context */
    struct sk_lookup *c = &skl[n];
    *c = skl[0], c->sk = 1;
    ins[n++] = (struct hr_input){NULL, 0, c, sizeof *c, 0, sizeof *c, 1};
    c = &skl[n], *c = skl[0], c->family = 1;
    ins[n++] = (struct hr_input){NULL, 0, c, sizeof *c, 0, sizeof *c, 1};
    c = &skl[n], *c = skl[0], c->local_port = 70000;
    ins[n++] = (struct hr_input){NULL, 0, c, sizeof *c, 0, sizeof *c, 1};
    c = &skl[n], *c = skl[0], c->ingress_ifindex = 1;
    ins[n++] = (struct hr_input){NULL, 0, c, sizeof *c, 0, sizeof *c, 1};
    ins[n++] = (struct hr_input){fr[F_TCP4].b, fr[F_TCP4].n, &skl[0], sizeof skl[0], 0, 72, 1};
    ins[n++] = (struct hr_input){NULL, 0, NULL, 0, 0, 0, 1};
    ins[n++] = (struct hr_input){NULL, 0, &skl[3], 60, 0, 72, 4};    /* a short ctx_in */
    ins[n++] = (struct hr_input){NULL, 0, &skl[40], 72, 0, 16, 1};   /* a short ctx_out */
    return n;
}

static void test_sk_lookup(void)
{
    struct pbpf_object *obj = open_obj("hooks_sklookup.bpf.o");
    if (!obj)
        return;
    size_t n = skl_inputs();
    const struct pbpf_object_prog *op = find_prog(obj, "sk_fields");
    if (op) {
        run_prog(op, ins, n, res, 1);
        for (int fam = 0; fam < 2; fam++) {
            uint32_t v = 0;
            for (uint32_t bit = 0; bit < 32; bit++) {
                CHECK_EQ(res[fam * 32 + bit].rc, 0);
                v |= res[fam * 32 + bit].retval << bit;
                /* ctx_out is ctx_in: no socket selected, cookie 0 */
                CHECK(memcmp(res[fam * 32 + bit].ctx, &skl[fam * 32 + bit], 72) == 0);
            }
            /* local_port >> 5 is the same for the 32 runs */
            CHECK_EQ(v, skl_fold(&skl[fam * 32]));
        }
        CHECK_EQ(res[64].rc, -EINVAL);
        CHECK_EQ(res[65].rc, -EAFNOSUPPORT);
        CHECK_EQ(res[66].rc, -ERANGE);
        CHECK_EQ(res[67].rc, -EINVAL);
        CHECK_EQ(res[68].rc, -EINVAL);
        CHECK_EQ(res[69].rc, -EINVAL);
        CHECK_EQ(res[71].rc, -ENOSPC);
    }
    op = find_prog(obj, "sk_drop_ssh");
    if (op) {
        struct sk_lookup c = skl[0];
        c.protocol = 6;
        struct hr_input in[3];
        for (int i = 0; i < 3; i++) {
            static struct sk_lookup cs[3];
            cs[i] = c;
            cs[i].local_port = i == 0 ? 22 : i == 1 ? 23 : 22;
            if (i == 2)
                cs[i].protocol = 17;
            in[i] = (struct hr_input){NULL, 0, &cs[i], sizeof cs[i], 0, 0, 1};
        }
        run_prog(op, in, 3, res, 1);
        CHECK_EQ(res[0].retval, 0);
        CHECK_EQ(res[1].retval, 1);
        CHECK_EQ(res[2].retval, 1);
    }
    pbpf_object_close(obj);
}

/* --- sk_skb and sk_msg: pbpf's runs, checked against the C source ------------ */

static void test_sockmap(void)
{
    struct pbpf_object *obj = open_obj("hooks_sockmap.bpf.o");
    if (!obj)
        return;
    static const uint8_t msg[] = "\x05hello, sockmap world";
    uint32_t msg_n = (uint32_t)sizeof msg - 1;
    static uint8_t sk[192], sk_bad[192], md[80], md_bad[80];
    uint32_t v;
    v = 5, memcpy(sk + 4, &v, 4);       /* pkt_type */
    v = 0x0008, memcpy(sk + 16, &v, 4); /* protocol */
    v = 9, memcpy(sk + 32, &v, 4);      /* priority */
    v = 4, memcpy(sk + 44, &v, 4);      /* tc_index */
    v = 0x77, memcpy(sk + 48, &v, 4);   /* cb[0] */
    v = 2, memcpy(sk + 88, &v, 4);      /* family */
    v = 0x0100000a, memcpy(sk + 92, &v, 4);
    v = 0x0200000a, memcpy(sk + 96, &v, 4);
    v = 0x5000, memcpy(sk + 132, &v, 4);
    v = 43210, memcpy(sk + 136, &v, 4);
    v = 3, memcpy(sk_bad + 8, &v, 4);   /* mark: not an sk_skb field */
    v = 10, memcpy(md + 16, &v, 4);
    for (int i = 0; i < 16; i++)
        md[28 + i] = (uint8_t)(0xa0 + i), md[44 + i] = (uint8_t)(0xc0 + i);
    v = 0x5000, memcpy(md + 60, &v, 4);
    v = 8080, memcpy(md + 64, &v, 4);
    md_bad[0] = 1;                      /* data: pbpf's */
    const struct pbpf_object_prog *op = find_prog(obj, "sks_parser");
    if (op) {
        struct hr_input in[] = {{msg, msg_n, NULL, 0, 0, 0, 1}, {msg + 1, msg_n - 1, NULL, 0, 0, 0, 1}};
        run_prog(op, in, 2, res, 0);
        CHECK_EQ(res[0].retval, msg[0]);
        CHECK_EQ(res[1].retval, msg[1]);
    }
    op = find_prog(obj, "sks_verdict");
    if (op) {
        struct hr_input in[] = {{msg, msg_n, sk, 192, 4096, 192, 1},
                             {msg, msg_n, sk_bad, 192, 4096, 192, 1},
                             {msg, 0, sk, 192, 4096, 192, 1}};
        run_prog(op, in, 3, res, 0);
        CHECK_EQ(res[0].rc, 0);
        uint32_t w[48];
        memcpy(w, sk, sizeof w);
        uint32_t f = msg_n;
        f = f * 31 + w[1];
        f = f * 31 + w[3];
        f = f * 31 + w[4];
        f = f * 31 + w[5] + w[6] + w[7];
        f = f * 31 + w[8];
        f = f * 31 + w[9] + w[10];
        f = f * 31 + w[11];
        f = f * 31 + w[12] + w[16];
        f = f * 31 + w[17];
        f = f * 31 + w[21];
        f = f * 31 + w[22];
        f = f * 31 + w[23] + w[24];
        f = f * 31 + w[25] + w[28] + w[30];
        f = f * 31 + w[33] + w[34];
        f = f * 31 + w[41] + w[44];
        f = f * 31 + (w[34] & 0xff);
        f = f * 31 + 1; /* skb->sk: the socket */
        CHECK_EQ(res[0].retval, f & 1);
        uint32_t out[48];
        memcpy(out, res[0].ctx, sizeof out);
        CHECK_EQ(out[8], f);          /* priority */
        CHECK_EQ(out[11], f >> 16);   /* tc_index */
        CHECK_EQ(out[0], msg_n);      /* len */
        CHECK_EQ(res[0].data[0], (uint8_t)(msg[3] ^ (uint8_t)f));
        CHECK_EQ(res[0].data[3], msg[0]);
        CHECK(memcmp(res[0].data + 4, msg + 4, msg_n - 4) == 0);
        CHECK_EQ(res[1].rc, -EINVAL);
        CHECK_EQ(res[2].rc, -EINVAL);
    }
    op = find_prog(obj, "sks_rewrite");
    if (op) {
        struct hr_input in[] = {{msg, msg_n, sk, 192, 4096, 192, 1}};
        run_prog(op, in, 1, res, 0);
        CHECK_EQ(res[0].rc, 0);
        CHECK_EQ(res[0].retval, msg_n + 6);
        CHECK_EQ(res[0].data_size_out, msg_n + 6);
        CHECK_EQ(res[0].data[0], 0);
        CHECK_EQ(res[0].data[1], 0);
        CHECK(memcmp(res[0].data + 2, msg, msg_n) == 0);
        CHECK(memcmp(res[0].data + 2 + msg_n, "END!", 4) == 0);
    }
    op = find_prog(obj, "skm_verdict");
    if (op) {
        struct hr_input in[] = {{msg, msg_n, md, 80, 4096, 80, 1},
                             {msg, msg_n, NULL, 0, 4096, 80, 1},
                             {msg, msg_n, md_bad, 80, 4096, 80, 1},
                             {msg, 3, md, 80, 4096, 80, 1}};
        run_prog(op, in, 4, res, 0);
        for (int i = 0; i < 4; i++) {
            if (i == 2) {
                CHECK_EQ(res[i].rc, -EINVAL);
                continue;
            }
            CHECK_EQ(res[i].rc, 0);
            CHECK_EQ(res[i].retval, 1);
            uint32_t w[20];
            memcpy(w, in[i].ctx ? in[i].ctx : (const void *)md_bad, 80);
            if (!in[i].ctx)
                memset(w, 0, sizeof w);
            uint32_t size = in[i].size;
            uint32_t f = w[4];
            f = f * 31 + w[5];
            f = f * 31 + w[6];
            f = f * 31 + w[7] + w[8] + w[9] + w[10];
            f = f * 31 + w[11] + w[12] + w[13] + w[14];
            f = f * 31 + w[15];
            f = f * 31 + w[16];
            f = f * 31 + size;
            f = f * 31 + size;
            uint8_t want[64];
            for (uint32_t b = 0; b < size; b++)
                want[b] = (uint8_t)(msg[b] >= 'a' && msg[b] <= 'z' ? msg[b] - 32 : msg[b]);
            if (size >= 4)
                memcpy(want, &f, 4);
            CHECK(memcmp(res[i].data, want, size) == 0);
            CHECK_EQ(res[i].data_size_out, size);
            /* ctx_out: the context with size filled in, no pointers */
            w[17] = size;
            CHECK(memcmp(res[i].ctx, w, 80) == 0);
        }
    }
    pbpf_object_close(obj);
}

/* --- scope: helpers from each of the types ---------------------------------------- */

static void test_scope(void)
{
    /* the packet helpers, the sockmap and socket helpers of these types
     * (sk_redirect_map 52, sk_redirect_hash 72, msg_redirect_map 60,
     * msg_apply_bytes 61, msg_cork_bytes 62, msg_pull_data 63,
     * msg_push_data 90, msg_pop_data 91, sk_release 86, sk_assign 124,
     * get_socket_cookie 46, skb_adjust_room 50, get_hash_recalc 34) and a
     * few common ones */
    static const uint32_t helpers[] = {1,  5,  7,  8,  9,  10, 18, 23, 26, 28, 34, 38, 39, 43,
                                       44, 46, 50, 52, 60, 61, 62, 63, 68, 72, 86, 90, 91, 124};
    static const struct {
        uint32_t type, attach;
        const char *name;
    } types[] = {{22, 17, "flow_dissector"}, {30, 36, "sk_lookup"},
                 {14, 5, "sk_skb"}, {16, 7, "sk_msg"}};
    size_t checked = 0, unavailable = 0;
    for (size_t h = 0; h < sizeof helpers / sizeof helpers[0]; h++) {
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
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
            int refused = kfd < 0 && strstr(lo.reason, "cannot use helper") != NULL;
            for (int mode = 0; mode < 2; mode++) {
                char log[256] = "";
                struct pbpf_prog *prog = NULL;
                PBPF_OPTS(pbpf_prog_opts, po,
                          .mode = mode ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED,
                          .prog_type = types[t].type, .expected_attach_type = types[t].attach,
                          .log_buf = log, .log_size = sizeof log);
                int rc = pbpf_prog_load(rt, p, n, &po, &prog);
                pbpf_prog_free(prog);
                checked++;
                int prefused = rc != 0 && strstr(log, "cannot use helper") != NULL;
                /* a helper pbpf does not have (or has no prototype for) */
                int missing = rc != 0 && (strstr(log, "not available for this runtime") ||
                                          strstr(log, "is not supported by pbpf"));
                if (missing) {
                    /* pbpf has no such helper at all (it knows no sockets
                     * or sockmaps): refused for every type, with the
                     * loader's standard error when nothing verifies */
                    unavailable++;
                    if (mode == 0)
                        CHECK_CONTAINS(log, "not available for this runtime");
                    continue;
                }
                if (refused != prefused)
                    unit_fail(__FILE__, __LINE__, "helper %u in %s (mode %d): kernel %s (%s), "
                              "pbpf %s (%s)", helpers[h], types[t].name, mode,
                              refused ? "refuses" : "allows", lo.reason,
                              prefused ? "refuses" : "allows", log);
                else if (refused && mode == 1 && !strstr(log, lo.reason))
                    unit_fail(__FILE__, __LINE__, "helper %u in %s: Linux says \"%s\", pbpf "
                              "\"%s\"", helpers[h], types[t].name, lo.reason, log);
            }
        }
    }
    printf("helper/program-type pairs compared with Linux: %zu (%zu refused as not available "
           "in pbpf)\n", checked, unavailable);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_sockhooks run DIR | scope\n");
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
        make_frames();
        UNIT_RUN(test_flow);
        UNIT_RUN(test_sk_lookup);
        UNIT_RUN(test_sockmap);
        printf("test runs on pbpf engines: %zu, compared with Linux: %zu\n", counts.runs,
               counts.kernel);
    } else {
        fprintf(stderr, "unknown test %s\n", argv[1]);
        return 2;
    }
    pbpf_runtime_free(rt);
    return unit_finish();
}
