/* Packet helpers (Linux: net/core/filter.c) on the packet of a hook run
 * (struct pbpf_pkt).  A program run without a hook (pbpf_prog_run's raw
 * convention) has no packet: these helpers then stop the run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "hooks/hooks.h"
#include "hooks/pkt.h"
#include "maps/map.h"
#include "pbpf/hooks.h"

#define ETH_HLEN 14
#define ETH_ALEN 6
#define VLAN_HLEN 4
/* struct xdp_frame at the head of an XDP frame; xdp_metalen_invalid: the
 * metadata length is a multiple of 4 that fits xdp_frame's 8-bit metasize */
#define XDP_FRAME_SIZE 40
#define XDP_META_MAX 255
/* XDP and tc actions */
#define XDP_ABORTED 0
#define XDP_REDIRECT 4
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
/* flags (include/uapi/linux/bpf.h) */
#define BPF_F_RECOMPUTE_CSUM 0x1ull
#define BPF_F_INVALIDATE_HASH 0x2ull
#define BPF_F_HDR_FIELD_MASK 0xfull
#define BPF_F_PSEUDO_HDR 0x10ull
#define BPF_F_MARK_MANGLED_0 0x20ull
#define BPF_F_MARK_ENFORCE 0x40ull
#define BPF_F_IPV6 0x80ull
#define BPF_F_INGRESS 0x1ull
#define BPF_F_BROADCAST 0x8ull
#define BPF_F_EXCLUDE_INGRESS 0x10ull
#define BPF_HDR_START_MAC 0
#define BPF_HDR_START_NET 1
#define CSUM_MANGLED_0 0xffff
#define BPF_ADJ_ROOM_NET 0
#define BPF_ADJ_ROOM_MAC 1
#define BPF_F_ADJ_ROOM_FIXED_GSO (1ull << 0)
#define BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 (1ull << 1)
#define BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 (1ull << 2)
#define BPF_F_ADJ_ROOM_ENCAP_L4_GRE (1ull << 3)
#define BPF_F_ADJ_ROOM_ENCAP_L4_UDP (1ull << 4)
#define BPF_F_ADJ_ROOM_NO_CSUM_RESET (1ull << 5)
#define BPF_F_ADJ_ROOM_ENCAP_L2_ETH (1ull << 6)
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ull << 7)
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV6 (1ull << 8)
#define BPF_ADJ_ROOM_ENCAP_L2_SHIFT 56
#define ADJ_ROOM_ENCAP_L3 (BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6)
#define ADJ_ROOM_ENCAP_L4 (BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP)
#define ADJ_ROOM_DECAP_L3 (BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6)
/* BPF_F_ADJ_ROOM_MASK of net/core/filter.c (Linux 6.18, with the DECAP
 * flags), and what a shrink accepts */
#define ADJ_ROOM_FLAGS                                                                             \
    (BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_ENCAP_L3 | ADJ_ROOM_ENCAP_L4 |                           \
     BPF_F_ADJ_ROOM_ENCAP_L2_ETH | 0xffull << BPF_ADJ_ROOM_ENCAP_L2_SHIFT | ADJ_ROOM_DECAP_L3 |    \
     BPF_F_ADJ_ROOM_NO_CSUM_RESET)
#define ADJ_ROOM_SHRINK_FLAGS                                                                      \
    (BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_DECAP_L3 | BPF_F_ADJ_ROOM_NO_CSUM_RESET)
enum { BPF_CSUM_LEVEL_QUERY, BPF_CSUM_LEVEL_INC, BPF_CSUM_LEVEL_DEC, BPF_CSUM_LEVEL_RESET };
#define SKB_MAX_CSUM_LEVEL 3
/* include/linux/if_packet.h: the pkt_type values bpf_skb_change_type
 * accepts, PACKET_HOST .. PACKET_OTHERHOST */
#define PACKET_OTHERHOST 3
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define IPV4_HLEN 20
#define IPV6_HLEN 40
/* BPF_SKB_MAX_LEN of net/core/filter.c: SKB_MAX_ALLOC, four 4 KiB pages
 * less the 320-byte skb_shared_info of x86-64 */
#define BPF_SKB_MAX_LEN (16384u - 320u)
/* __sk_buff offsets */
#define SKB_PROTOCOL 16
#define SKB_VLAN_PRESENT 20
#define SKB_VLAN_TCI 24
#define SKB_VLAN_PROTO 28
#define SKB_PKT_TYPE 4
#define SKB_GSO_SEGS 164
#define SKB_GSO_SIZE 176
#define SKB_HASH 68
/* Linux program types the helpers tell apart */
#define PT_SK_SKB 14

/* The packet of the hook run whose context is r1, or NULL after stopping
 * the run (the verifier guarantees r1 is the context for these helpers;
 * checked runs verify it here). */
static struct pbpf_pkt *pkt_of(struct pbpf_run_ctx *ctx, uint64_t r1, enum pbpf_pkt_kind kind,
                               const char *helper)
{
    struct pbpf_pkt *p = ctx->hook;
    char msg[128];
    if (!p || p->kind != kind) {
        snprintf(msg, sizeof msg, "bpf_%s: the program was not run on a %s by a hook", helper,
                 kind == PBPF_PKT_XDP ? "XDP frame" : "socket buffer");
        pbpf_run_ctx_abort(ctx, -EINVAL, msg);
        return NULL;
    }
    void *c = kind == PBPF_PKT_XDP ? (void *)p->ctx.xdp : (void *)p->ctx.skb;
    if ((uintptr_t)r1 != (uintptr_t)c) {
        snprintf(msg, sizeof msg, "bpf_%s: R1 is not the context", helper);
        pbpf_run_ctx_abort(ctx, -EFAULT, msg);
        return NULL;
    }
    return p;
}

/* A helper whose first argument is the context of an XDP frame or of a
 * socket buffer: XDP_HELPER(name) or SKB_HELPER(name) { body } defines
 * h_<name>, which finds the packet (or stops the run) and runs the body
 * with it as p and the other arguments as r2..r5. */
#define PKT_HELPER(name, kind)                                                                     \
    static uint64_t name##_pkt(struct pbpf_pkt *p, uint64_t r2, uint64_t r3, uint64_t r4,         \
                               uint64_t r5, struct pbpf_run_ctx *ctx);                            \
    static uint64_t h_##name(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,     \
                             struct pbpf_run_ctx *ctx)                                            \
    {                                                                                              \
        struct pbpf_pkt *p = pkt_of(ctx, r1, kind, #name);                                         \
        return p ? name##_pkt(p, r2, r3, r4, r5, ctx) : 0;                                         \
    }                                                                                              \
    static uint64_t name##_pkt(struct pbpf_pkt *p, uint64_t r2, uint64_t r3, uint64_t r4,         \
                               uint64_t r5, struct pbpf_run_ctx *ctx)
#define XDP_HELPER(name) PKT_HELPER(name, PBPF_PKT_XDP)
#define SKB_HELPER(name) PKT_HELPER(name, PBPF_PKT_SKB)

static int mem_ok(struct pbpf_run_ctx *ctx, uint64_t ptr, uint64_t len, int write,
                  const char *helper)
{
    if (pbpf_run_ctx_check_mem(ctx, ptr, len, write))
        return 1;
    char msg[128];
    snprintf(msg, sizeof msg, "bpf_%s: %llu bytes at 0x%llx are not %s by the program", helper,
             (unsigned long long)len, (unsigned long long)ptr, write ? "writable" : "readable");
    pbpf_run_ctx_abort(ctx, -EFAULT, msg);
    return 0;
}

/* --- XDP ------------------------------------------------------------- */

/* bpf_xdp_adjust_head: data moves by delta; metadata moves with it; the
 * frame keeps room for struct xdp_frame and the packet an Ethernet header. */
XDP_HELPER(xdp_adjust_head)
{
    int64_t delta = (int32_t)r2;
    size_t metalen = (size_t)(p->data - p->meta);
    uint8_t *start = p->head + XDP_FRAME_SIZE + metalen;
    if (delta < start - p->data || delta > (p->data_end - ETH_HLEN) - p->data)
        return (uint64_t)-EINVAL;
    uint8_t *data = p->data + delta;
    if (metalen)
        memmove(p->meta + delta, p->meta, metalen);
    p->meta += delta;
    p->data = data;
    pbpf_pkt_sync(p);
    return 0;
}

/* bpf_xdp_adjust_meta */
XDP_HELPER(xdp_adjust_meta)
{
    int64_t delta = (int32_t)r2;
    if (delta < (p->head + XDP_FRAME_SIZE) - p->meta || delta > p->data - p->meta)
        return (uint64_t)-EINVAL;
    uint8_t *meta = p->meta + delta;
    size_t metalen = (size_t)(p->data - meta);
    if ((metalen & 3) || metalen > XDP_META_MAX)
        return (uint64_t)-EACCES;
    p->meta = meta;
    pbpf_pkt_sync(p);
    return 0;
}

/* bpf_xdp_adjust_tail: grown bytes are zeroed */
XDP_HELPER(xdp_adjust_tail)
{
    int64_t delta = (int32_t)r2;
    if (p->nr_frags) {
        /* bpf_xdp_frags_increase_tail / _shrink_tail: the last fragment
         * grows within its page; shrinking frees fragments from the end,
         * then the linear part once none is left */
        uint32_t *last = &p->frag_len[p->nr_frags - 1];
        if (delta > 0) {
            if ((uint64_t)delta > PBPF_XDP_FRAG_SIZE - *last)
                return (uint64_t)-EINVAL;
            memset(p->frags + p->frags_len, 0, (size_t)delta);
            *last += (uint32_t)delta;
            p->frags_len += (size_t)delta;
            return 0;
        }
        int64_t shrink = -delta;
        if (shrink > (int64_t)(p->data_end - p->data) + (int64_t)p->frags_len - ETH_HLEN)
            return (uint64_t)-EINVAL;
        while (shrink > 0 && p->nr_frags) {
            uint32_t *f = &p->frag_len[p->nr_frags - 1];
            uint32_t n = shrink < *f ? (uint32_t)shrink : *f;
            *f -= n;
            p->frags_len -= n;
            shrink -= n;
            if (!*f)
                p->nr_frags--;
        }
        if (!p->nr_frags)
            p->data_end -= shrink;
        pbpf_pkt_sync(p);
        return 0;
    }
    if (delta > p->hard_end - p->data_end || delta < (p->data + ETH_HLEN) - p->data_end)
        return (uint64_t)-EINVAL;
    if (delta > 0)
        memset(p->data_end, 0, (size_t)delta);
    p->data_end += delta;
    pbpf_pkt_sync(p);
    return 0;
}

/* bpf_redirect: XDP (bpf_xdp_redirect) and skb (bpf_redirect) forms; the
 * hook reads the target from the run's result. */
static uint64_t h_redirect(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                           struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = ctx->hook;
    if (!p) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_redirect: the program was not run by a hook");
        return 0;
    }
    if (p->kind == PBPF_PKT_XDP) {
        if (r2)
            return XDP_ABORTED;
    } else if (r2 & ~BPF_F_INGRESS) {
        return TC_ACT_SHOT;
    }
    p->redirect_type = PBPF_REDIRECT_IFINDEX;
    p->redirect_ifindex = (uint32_t)r1;
    p->redirect_flags = r2;
    return p->kind == PBPF_PKT_XDP ? XDP_REDIRECT : TC_ACT_REDIRECT;
}

/* bpf_redirect_map (XDP): the low two flag bits are the action when the
 * key has no entry; DEVMAPs also take BPF_F_BROADCAST (the whole map, key
 * ignored) and BPF_F_EXCLUDE_INGRESS. */
static uint64_t h_redirect_map(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = ctx->hook;
    struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)r1;
    if (!p || p->kind != PBPF_PKT_XDP) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_redirect_map: the program was not run on an XDP "
                                         "frame by a hook");
        return 0;
    }
    const uint64_t actions = 3;
    int devmap = m->type == PBPF_MAP_TYPE_DEVMAP || m->type == PBPF_MAP_TYPE_DEVMAP_HASH;
    uint64_t allowed = actions | (devmap ? BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS : 0);
    if (r3 & ~allowed)
        return XDP_ABORTED;
    struct pbpf_redirect_target t;
    memset(&t, 0, sizeof t);
    if (devmap && (r3 & BPF_F_BROADCAST)) {
        t.map_type = m->type;
    } else {
        int rc = r2 > UINT32_MAX ? -ENOENT : pbpf_map_redirect_lookup(m, (uint32_t)r2, &t);
        if (rc == -ENOENT)
            return r3 & actions;
        if (rc) {
            pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_redirect_map: not a DEVMAP, DEVMAP_HASH, "
                                             "CPUMAP or XSKMAP");
            return 0;
        }
    }
    p->redirect_type = PBPF_REDIRECT_MAP;
    p->redirect_target = t;
    p->redirect_flags = r3 & ~actions;
    return XDP_REDIRECT;
}

/* --- checksums ----------------------------------------------------------
 * One's complement arithmetic on values as they lie in the packet (network
 * order loaded little-endian): the sums are the same in either byte order
 * (RFC 1071 §2(B)). */

static uint32_t csum_add(uint32_t a, uint32_t b)
{
    uint32_t r = a + b;
    return r + (r < b);
}

static uint32_t csum_sub(uint32_t a, uint32_t b) { return csum_add(a, ~b); }

static uint16_t csum_fold(uint32_t s)
{
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* csum_partial's sum: 16-bit little-endian words (a last odd byte as the
 * low byte), folded with end-around carry into 16 bits */
static uint32_t csum_partial16(const uint8_t *b, uint64_t n, uint32_t seed)
{
    uint64_t sum = (uint64_t)(seed & 0xffff) + (seed >> 16);
    for (uint64_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] | b[i + 1] << 8);
    if (n & 1)
        sum += b[n - 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint32_t)sum;
}

/* csum_from32to16: a 32-bit sum folded to 16 bits */
static uint32_t csum_from32to16(uint32_t s)
{
    s += (s >> 16) | (s << 16);
    return s >> 16;
}

/* bpf_csum_diff as Linux computes it since 6.13 (net/core/filter.c, "for
 * all archs"): the sum of `to` minus the sum of `from`, plus seed, folded
 * to 16 bits; sizes need not be multiples of 4 any more. */
static uint64_t h_csum_diff(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct pbpf_run_ctx *ctx)
{
    uint64_t from_size = (uint32_t)r2, to_size = (uint32_t)r4;
    uint32_t seed = (uint32_t)r5;
    if (!mem_ok(ctx, r1, from_size, 0, "csum_diff") || !mem_ok(ctx, r3, to_size, 0, "csum_diff"))
        return 0;
    const uint8_t *f = (const uint8_t *)(uintptr_t)r1, *t = (const uint8_t *)(uintptr_t)r3;
    if (from_size && to_size)
        return csum_from32to16(csum_sub(csum_partial16(t, to_size, seed),
                                        csum_partial16(f, from_size, 0)));
    if (to_size)
        return csum_from32to16(csum_partial16(t, to_size, seed));
    if (from_size)
        return csum_from32to16(~csum_partial16(f, from_size, ~seed));
    return seed;
}

/* --- socket buffers ----------------------------------------------------- */

static size_t skb_len(const struct pbpf_pkt *p) { return (size_t)(p->data_end - p->data); }

static uint32_t skb_get32(const struct pbpf_pkt *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p->ctx.skb->uapi + off, 4);
    return v;
}

static void skb_set32(struct pbpf_pkt *p, size_t off, uint32_t v)
{
    memcpy(p->ctx.skb->uapi + off, &v, 4);
}

/* skb->protocol in host order */
static uint16_t skb_proto_host(const struct pbpf_pkt *p)
{
    uint16_t be = (uint16_t)skb_get32(p, SKB_PROTOCOL);
    return (uint16_t)(be >> 8 | be << 8);
}

/* skb_is_gso: a test run's skb is GSO when the caller gave it a gso_size
 * (programs cannot write the field).  Its gso_type is then 0, neither TCP
 * nor UDP_L4, so the room helpers refuse it as Linux does. */
static int skb_is_gso(const struct pbpf_pkt *p) { return skb_get32(p, SKB_GSO_SIZE) != 0; }


/* The n bytes at off in the skb's data, or NULL when they are not all in
 * the packet or off is over the helper's limit (Linux checks offsets
 * against 0xffff or INT_MAX before the packet's length). */
static uint8_t *skb_bytes(const struct pbpf_pkt *p, uint32_t off, uint64_t n, uint32_t off_max)
{
    return off <= off_max && off + n <= skb_len(p) ? p->data + off : NULL;
}

/* bpf_skb_load_bytes; in a flow dissector bpf_flow_dissector_load_bytes,
 * which reads the skb the dissector runs for: a test run has none, so the
 * buffer is zeroed and the call fails (Linux: "if (!ctx->skb) goto
 * err_clear"), as every flow dissector run of pbpf's is such a run. */
static uint64_t skb_load_bytes_pkt(struct pbpf_pkt *p, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct pbpf_run_ctx *ctx);
static uint64_t h_skb_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *f = ctx->hook;
    if (f && f->kind == PBPF_PKT_FLOW) {
        if ((uintptr_t)r1 != (uintptr_t)f->ctx.skb) {
            pbpf_run_ctx_abort(ctx, -EFAULT, "bpf_skb_load_bytes: R1 is not the context");
            return 0;
        }
        if (!mem_ok(ctx, r3, r4, 1, "skb_load_bytes"))
            return 0;
        memset((void *)(uintptr_t)r3, 0, r4);
        return (uint64_t)-EFAULT;
    }
    struct pbpf_pkt *p = pkt_of(ctx, r1, PBPF_PKT_SKB, "skb_load_bytes");
    return p ? skb_load_bytes_pkt(p, r2, r3, r4, r5, ctx) : 0;
}
static uint64_t skb_load_bytes_pkt(struct pbpf_pkt *p, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct pbpf_run_ctx *ctx)
{
    (void)r5;
    if (!mem_ok(ctx, r3, r4, 1, "skb_load_bytes"))
        return 0;
    uint8_t *to = (uint8_t *)(uintptr_t)r3;
    const uint8_t *from = skb_bytes(p, (uint32_t)r2, r4, 0xffff);
    if (!from) {
        memset(to, 0, r4);
        return (uint64_t)-EFAULT;
    }
    memcpy(to, from, r4);
    return 0;
}

/* bpf_skb_load_bytes_relative: from the MAC or the network header */
SKB_HELPER(skb_load_bytes_relative)
{
    if (!mem_ok(ctx, r3, r4, 1, "skb_load_bytes_relative"))
        return 0;
    uint8_t *to = (uint8_t *)(uintptr_t)r3;
    uint32_t off = (uint32_t)r2;
    const uint8_t *start = r5 == BPF_HDR_START_MAC   ? p->head + p->mac_off
                           : r5 == BPF_HDR_START_NET ? p->head + p->net_off
                                                     : NULL;
    if (!start || off > 0xffff || start + off + r4 > p->data_end) {
        memset(to, 0, r4);
        return (uint64_t)-EFAULT;
    }
    memcpy(to, start + off, r4);
    return 0;
}

static void skb_clear_hash(struct pbpf_pkt *p)
{
    memset(p->ctx.skb->uapi + SKB_HASH, 0, 4);
    p->hash_valid = 0;
}

/* bpf_skb_store_bytes: the test run's skb has no checksum state to
 * recompute (CHECKSUM_NONE), so BPF_F_RECOMPUTE_CSUM changes nothing. */
SKB_HELPER(skb_store_bytes)
{
    if (!mem_ok(ctx, r3, r4, 0, "skb_store_bytes"))
        return 0;
    if (r5 & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
        return (uint64_t)-EINVAL;
    uint8_t *to = skb_bytes(p, (uint32_t)r2, r4, INT32_MAX);
    if (!to)
        return (uint64_t)-EFAULT;
    memmove(to, (const void *)(uintptr_t)r3, r4);
    if (r5 & BPF_F_INVALIDATE_HASH)
        skb_clear_hash(p);
    pbpf_pkt_sync(p);
    return 0;
}

static uint16_t ld16(const uint8_t *a)
{
    uint16_t v;
    memcpy(&v, a, 2);
    return v;
}

static void st16(uint8_t *a, uint16_t v) { memcpy(a, &v, 2); }

/* The checksum at ptr after a field changed from `from` to `to`: a 2- or
 * 4-byte field (csum_replace2/4), or size 0 with `to` a checksum
 * difference (csum_replace_by_diff, `from` must be 0).  -EINVAL for other
 * sizes. */
static int csum_replace(uint8_t *ptr, uint64_t size, uint64_t from, uint64_t to)
{
    uint32_t sum = (uint16_t)~ld16(ptr);
    switch (size) {
    case 0:
        if (from)
            return -EINVAL;
        st16(ptr, csum_fold(csum_add((uint32_t)to, sum)));
        return 0;
    case 2:
        st16(ptr, csum_fold(csum_add(csum_sub(sum, (uint16_t)from), (uint16_t)to)));
        return 0;
    case 4:
        st16(ptr, csum_fold(csum_add(csum_sub(sum, (uint32_t)from), (uint32_t)to)));
        return 0;
    default:
        return -EINVAL;
    }
}

/* The 16-bit checksum at off for bpf_l3/l4_csum_replace: off at most
 * 0xffff and even (Linux 6.18: a __sum16 is 2-aligned), then in
 * the packet; NULL otherwise (-EFAULT for the helpers). */
static uint8_t *skb_csum_field(const struct pbpf_pkt *p, uint32_t off)
{
    return off & 1 ? NULL : skb_bytes(p, off, 2, 0xffff);
}

/* bpf_l3_csum_replace: csum_replace_by_diff / csum_replace2 / 4 */
SKB_HELPER(l3_csum_replace)
{
    if (r5 & ~BPF_F_HDR_FIELD_MASK)
        return (uint64_t)-EINVAL;
    uint8_t *ptr = skb_csum_field(p, (uint32_t)r2);
    if (!ptr)
        return (uint64_t)-EFAULT;
    if (csum_replace(ptr, r5 & BPF_F_HDR_FIELD_MASK, r3, r4))
        return (uint64_t)-EINVAL;
    return 0;
}

/* bpf_l4_csum_replace: as l3 for the test run's CHECKSUM_NONE skb (the
 * pseudo-header flag only changes skb->csum of CHECKSUM_COMPLETE ones);
 * BPF_F_MARK_MANGLED_0 keeps a zero (no UDP checksum) as it is and writes
 * a computed zero as 0xffff. */
SKB_HELPER(l4_csum_replace)
{
    if (r5 & ~(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_IPV6 |
               BPF_F_HDR_FIELD_MASK))
        return (uint64_t)-EINVAL;
    uint8_t *ptr = skb_csum_field(p, (uint32_t)r2);
    if (!ptr)
        return (uint64_t)-EFAULT;
    int mmzero = (r5 & BPF_F_MARK_MANGLED_0) != 0, mforce = (r5 & BPF_F_MARK_ENFORCE) != 0;
    if (mmzero && !mforce && !ld16(ptr))
        return 0;
    if (csum_replace(ptr, r5 & BPF_F_HDR_FIELD_MASK, r3, r4))
        return (uint64_t)-EINVAL;
    if (mmzero && !ld16(ptr))
        st16(ptr, CSUM_MANGLED_0);
    return 0;
}

/* bpf_skb_pull_data: the test run's skb is linear, so this only checks the
 * length (Linux: pskb_may_pull fails with -ENOMEM past the end). */
SKB_HELPER(skb_pull_data)
{
    if ((uint32_t)r2 > skb_len(p))
        return (uint64_t)-ENOMEM;
    pbpf_pkt_sync(p);
    return 0;
}

/* __bpf_skb_min_len: the network header offset (no transport header is set
 * in a test run) */
static size_t skb_min_len(const struct pbpf_pkt *p)
{
    ptrdiff_t n = (p->head + p->net_off) - p->data;
    return n > 0 ? (size_t)n : 0;
}

/* bpf_skb_change_tail: trims, or grows with zeros; refused once a tunnel
 * header was pushed; a GSO skb stops being one (skb_gso_reset) */
SKB_HELPER(skb_change_tail)
{
    uint32_t new_len = (uint32_t)r2;
    if (r3 || new_len > BPF_SKB_MAX_LEN || new_len < skb_min_len(p))
        return (uint64_t)-EINVAL;
    if (p->encapsulation)
        return (uint64_t)-PBPF_ENOTSUPP;
    size_t len = skb_len(p);
    if (new_len > len) {
        if (pbpf_pkt_reserve(p, 0, new_len - len))
            return (uint64_t)-ENOMEM;
        memset(p->data_end, 0, new_len - len);
    }
    p->data_end = p->data + new_len;
    if (skb_is_gso(p)) {
        /* skb_gso_reset */
        skb_set32(p, SKB_GSO_SIZE, 0);
        skb_set32(p, SKB_GSO_SEGS, 0);
    }
    pbpf_pkt_sync(p);
    return 0;
}

/* bpf_skb_change_head: zeroed room before the packet, which becomes its
 * MAC header */
SKB_HELPER(skb_change_head)
{
    uint32_t room = (uint32_t)r2;
    if (r3 || room > INT32_MAX || (!skb_is_gso(p) && skb_len(p) + room > BPF_SKB_MAX_LEN))
        return (uint64_t)-EINVAL;
    if (pbpf_pkt_reserve(p, room, 0))
        return (uint64_t)-ENOMEM;
    p->data -= room;
    p->meta = p->data;
    memset(p->data, 0, room);
    p->mac_off = (size_t)(p->data - p->head);
    pbpf_pkt_sync(p);
    return 0;
}

static int eth_type_vlan(uint16_t proto_be)
{
    return proto_be == 0x0081 || proto_be == 0xa888; /* 0x8100, 0x88a8 in network order */
}

/* bpf_skb_vlan_push: the tag goes to the skb's accelerated tag (vlan_*
 * fields); a tag already there is first written into the packet. */
SKB_HELPER(skb_vlan_push)
{
    uint16_t proto = (uint16_t)r2;
    if (!eth_type_vlan(proto))
        proto = 0x0081;
    if (skb_get32(p, SKB_VLAN_PRESENT)) {
        if (p->data != p->head + p->mac_off)
            return (uint64_t)-EINVAL;
        if (pbpf_pkt_reserve(p, VLAN_HLEN, 0))
            return (uint64_t)-ENOMEM;
        p->data -= VLAN_HLEN;
        p->meta = p->data;
        memmove(p->data, p->data + VLAN_HLEN, 2 * ETH_ALEN);
        uint16_t old_proto = (uint16_t)skb_get32(p, SKB_VLAN_PROTO);
        uint16_t tci = (uint16_t)skb_get32(p, SKB_VLAN_TCI);
        memcpy(p->data + 2 * ETH_ALEN, &old_proto, 2);
        p->data[14] = (uint8_t)(tci >> 8);
        p->data[15] = (uint8_t)tci;
        p->mac_off -= VLAN_HLEN;
        skb_set32(p, SKB_PROTOCOL, old_proto);
    }
    skb_set32(p, SKB_VLAN_PRESENT, 1);
    skb_set32(p, SKB_VLAN_PROTO, proto);
    skb_set32(p, SKB_VLAN_TCI, (uint16_t)r3);
    pbpf_pkt_sync(p);
    return 0;
}

/* __skb_vlan_pop: the tag in the packet after the MAC addresses */
static int vlan_pop_data(struct pbpf_pkt *p, uint16_t *tci)
{
    if (p->data != p->head + p->mac_off)
        return -EINVAL;
    if (skb_len(p) < ETH_HLEN + VLAN_HLEN)
        return -ENOMEM;
    uint8_t *v = p->data + ETH_HLEN;
    *tci = (uint16_t)(v[0] << 8 | v[1]);
    uint16_t encap;
    memcpy(&encap, v + 2, 2);
    memmove(p->data + VLAN_HLEN, p->data, 2 * ETH_ALEN);
    p->data += VLAN_HLEN;
    p->meta = p->data;
    p->mac_off += VLAN_HLEN;
    if (p->net_off < p->mac_off + ETH_HLEN)
        p->net_off = p->mac_off + ETH_HLEN;
    /* vlan_set_encap_proto: an 802.3 length means LLC (ETH_P_802_2) */
    uint16_t host = (uint16_t)(encap >> 8 | encap << 8);
    skb_set32(p, SKB_PROTOCOL, host >= 0x600 ? encap : 0x0400);
    return 0;
}

/* bpf_skb_vlan_pop: the accelerated tag goes first; the next tag in the
 * packet, if any, moves up into it (skb_vlan_pop). */
SKB_HELPER(skb_vlan_pop)
{
    uint16_t tci;
    int err;
    if (skb_get32(p, SKB_VLAN_PRESENT)) {
        skb_set32(p, SKB_VLAN_PRESENT, 0);
        skb_set32(p, SKB_VLAN_TCI, 0);
        skb_set32(p, SKB_VLAN_PROTO, 0);
    } else {
        if (!eth_type_vlan((uint16_t)skb_get32(p, SKB_PROTOCOL)))
            return 0;
        if ((err = vlan_pop_data(p, &tci)))
            return (uint64_t)(int64_t)err;
    }
    if (eth_type_vlan((uint16_t)skb_get32(p, SKB_PROTOCOL))) {
        uint16_t proto = (uint16_t)skb_get32(p, SKB_PROTOCOL);
        if ((err = vlan_pop_data(p, &tci))) {
            pbpf_pkt_sync(p);
            return (uint64_t)(int64_t)err;
        }
        skb_set32(p, SKB_VLAN_PRESENT, 1);
        skb_set32(p, SKB_VLAN_PROTO, proto);
        skb_set32(p, SKB_VLAN_TCI, tci);
    }
    pbpf_pkt_sync(p);
    return 0;
}

/* bpf_get_hash_recalc: skb_get_hash.  Linux computes the hash once per
 * skb from the keys its flow dissector finds (net/core/flow_dissector.c,
 * flow_keys_dissector with FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL), made
 * symmetric (__flow_hash_consistentify: both directions of a connection
 * hash alike) and hashed with a key drawn at boot (hashrnd), so its
 * values differ from boot to boot and cannot be reproduced.  pbpf keys
 * the flow on the same fields and hashes them with 32-bit FNV-1a and a
 * fixed seed: the same flow gives the same hash in every run on every
 * machine, other flows other hashes (up to collisions), 0 is never a
 * computed hash (Linux: 0 becomes 1).  The keys:
 *   - the network protocol (skb->protocol, through up to two VLAN tags,
 *     the accelerated tag first) and the outer VLAN's id and protocol;
 *   - IPv4 and IPv6: the addresses, ordered so that both directions
 *     agree, and the transport protocol after IPv6's hop-by-hop, routing
 *     and destination options headers; IP in IP (4, 41): the inner
 *     header's instead (the dissector goes through);
 *   - a non-zero IPv6 flow label ends the keys (no ports);
 *   - the ports (ordered as the addresses) of TCP, UDP, UDP-Lite, SCTP
 *     and DCCP, the SPI of ESP and AH, unless the packet is a fragment
 *     (first or not: skb_get_hash does not ask for the first fragment's
 *     ports);
 *   - any other protocol: the network protocol alone.
 * GRE, MPLS and the other tunnels the dissector also enters are keyed
 * by their outer header. */
struct flow_keys {
    uint16_t n_proto, vlan, vlan_tpid;
    uint8_t ip_proto, has_ports;
    uint32_t label;
    uint8_t a[16], b[16];
    uint8_t pa[2], pb[2];
};

static uint16_t be16at(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

static int proto_has_ports(uint8_t proto, size_t *off)
{
    switch (proto) {
    case 6: case 17: case 136: case 132: case 33: case 50:
        *off = 0;
        return 1;
    case 51: /* AH: the SPI after next header, length and reserved */
        *off = 4;
        return 1;
    default:
        return 0;
    }
}

static void skb_flow_keys(const struct pbpf_pkt *p, struct flow_keys *k)
{
    memset(k, 0, sizeof *k);
    const uint8_t *end = p->data_end, *n = p->head + p->net_off;
    uint16_t proto = skb_proto_host(p);
    int vlans = 0;
    if (skb_get32(p, SKB_VLAN_PRESENT)) {
        uint16_t tpid = (uint16_t)skb_get32(p, SKB_VLAN_PROTO);
        k->vlan = (uint16_t)(skb_get32(p, SKB_VLAN_TCI) & 0xfff);
        k->vlan_tpid = (uint16_t)(tpid >> 8 | tpid << 8);
        vlans = 1;
    }
    while ((proto == 0x8100 || proto == 0x88a8) && vlans < 2 && n + 4 <= end) {
        if (!vlans) {
            k->vlan = be16at(n) & 0xfff;
            k->vlan_tpid = proto;
        }
        proto = be16at(n + 2);
        n += 4;
        vlans++;
    }
    k->n_proto = proto;
    for (int depth = 0; depth < 4; depth++) {
        uint8_t next;
        const uint8_t *l4;
        int frag = 0;
        if (proto == ETH_P_IP) {
            if (n + 20 > end || (n[0] >> 4) != 4 || (n[0] & 15) < 5)
                return;
            memcpy(k->a, n + 12, 4);
            memcpy(k->b, n + 16, 4);
            memset(k->a + 4, 0, 12);
            memset(k->b + 4, 0, 12);
            next = n[9];
            frag = (be16at(n + 6) & 0x3fff) != 0; /* MF or an offset */
            l4 = n + (n[0] & 15) * 4;
        } else if (proto == ETH_P_IPV6) {
            if (n + 40 > end || (n[0] >> 4) != 6)
                return;
            memcpy(k->a, n + 8, 16);
            memcpy(k->b, n + 24, 16);
            next = n[6];
            k->label = (uint32_t)(n[1] & 15) << 16 | (uint32_t)n[2] << 8 | n[3];
            l4 = n + 40;
            k->ip_proto = next;
            if (k->label)
                return;
            /* hop-by-hop, routing, destination options; a fragment
             * header ends the walk with its next header */
            for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60 || next == 44); i++) {
                if (l4 + 8 > end)
                    return;
                if (next == 44) {
                    next = l4[0];
                    frag = 1;
                    break;
                }
                next = l4[0];
                l4 += ((size_t)l4[1] + 1) * 8;
            }
        } else {
            return;
        }
        k->ip_proto = next;
        if ((next == 4 || next == 41) && !frag) {
            proto = next == 4 ? ETH_P_IP : ETH_P_IPV6;
            n = l4;
            continue;
        }
        size_t off;
        if (!frag && proto_has_ports(next, &off) && l4 + off + 4 <= end) {
            memcpy(k->pa, l4 + off, 2);
            memcpy(k->pb, l4 + off + 2, 2);
            k->has_ports = 1;
        }
        return;
    }
}

static uint32_t fnv1a(uint32_t h, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static uint32_t skb_flow_hash(const struct pbpf_pkt *p)
{
    struct flow_keys k;
    skb_flow_keys(p, &k);
    /* both directions alike: the smaller address first, the smaller
     * port first (each pair on its own, as __flow_hash_consistentify) */
    if (memcmp(k.a, k.b, 16) > 0) {
        uint8_t t[16];
        memcpy(t, k.a, 16), memcpy(k.a, k.b, 16), memcpy(k.b, t, 16);
    }
    if (memcmp(k.pa, k.pb, 2) > 0) {
        uint8_t t[2];
        memcpy(t, k.pa, 2), memcpy(k.pa, k.pb, 2), memcpy(k.pb, t, 2);
    }
    uint8_t buf[52];
    size_t n = 0;
    buf[n++] = (uint8_t)(k.n_proto >> 8), buf[n++] = (uint8_t)k.n_proto;
    buf[n++] = (uint8_t)(k.vlan >> 8), buf[n++] = (uint8_t)k.vlan;
    buf[n++] = (uint8_t)(k.vlan_tpid >> 8), buf[n++] = (uint8_t)k.vlan_tpid;
    buf[n++] = k.ip_proto;
    buf[n++] = (uint8_t)(k.label >> 16), buf[n++] = (uint8_t)(k.label >> 8);
    buf[n++] = (uint8_t)k.label;
    memcpy(buf + n, k.a, 16), n += 16;
    memcpy(buf + n, k.b, 16), n += 16;
    memcpy(buf + n, k.pa, 2), n += 2;
    memcpy(buf + n, k.pb, 2), n += 2;
    uint32_t h = fnv1a(2166136261u, buf, n);
    return h ? h : 1;
}

SKB_HELPER(get_hash_recalc)
{
    if (!p->hash_valid) {
        skb_set32(p, SKB_HASH, skb_flow_hash(p));
        p->hash_valid = 1;
    }
    return skb_get32(p, SKB_HASH);
}

/* bpf_set_hash: __skb_set_sw_hash, a hash that stays (0 included) */
SKB_HELPER(set_hash)
{
    skb_set32(p, SKB_HASH, (uint32_t)r2);
    p->hash_valid = 1;
    return 0;
}

/* bpf_set_hash_invalid */
SKB_HELPER(set_hash_invalid)
{
    skb_clear_hash(p);
    return 0;
}

/* --- protocol and header room (net/core/filter.c) ------------------------ */

/* bpf_skb_change_protocol: skb->protocol from a host-order value */
static void skb_set_proto(struct pbpf_pkt *p, uint16_t proto)
{
    skb_set32(p, SKB_PROTOCOL, (uint16_t)(proto >> 8 | proto << 8));
}

/* skb_mac_header_len */
static size_t skb_mac_len(const struct pbpf_pkt *p) { return p->net_off - p->mac_off; }

/* bpf_skb_net_base_len: the IPv4 or IPv6 header without options */
static uint32_t skb_net_base_len(const struct pbpf_pkt *p)
{
    uint16_t proto = skb_proto_host(p);
    return proto == ETH_P_IP ? IPV4_HLEN : proto == ETH_P_IPV6 ? IPV6_HLEN : UINT32_MAX;
}

/* bpf_skb_net_hdr_push: len zeroed bytes inserted off bytes into the
 * packet; the bytes before them, and the MAC and network headers, move to
 * the front.  tc programs see the packet from its MAC header, so off
 * counts from there.  An off past the packet's end (a packet trimmed below
 * its IP header, then grown at BPF_ADJ_ROOM_NET) is refused with -ENOMEM,
 * as the Linux 6.18 kernel does (pskb_may_pull of the bytes to move). */
static int skb_hdr_push(struct pbpf_pkt *p, size_t off, size_t len)
{
    if (off > skb_len(p))
        return -ENOMEM;
    if (pbpf_pkt_reserve(p, len, 0))
        return -ENOMEM;
    p->data -= len;
    p->meta = p->data;
    memmove(p->data, p->data + len, off);
    memset(p->data + off, 0, len);
    p->mac_off -= len;
    p->net_off -= len;
    return 0;
}

/* bpf_skb_net_hdr_pop: the len bytes at off removed; pskb_may_pull fails
 * with -ENOMEM when the packet has fewer than off + len bytes. */
static int skb_hdr_pop(struct pbpf_pkt *p, size_t off, size_t len)
{
    if (off + len > skb_len(p))
        return -ENOMEM;
    memmove(p->data + len, p->data, off);
    p->data += len;
    p->meta = p->data;
    p->mac_off += len;
    p->net_off += len;
    return 0;
}

/* bpf_skb_change_proto: IPv4 <-> IPv6 only; the network header room
 * grows or shrinks by the 20 bytes the two headers differ in, right after
 * the MAC header, and the program writes the new header itself.  The hash
 * is cleared (skb_clear_hash). */
SKB_HELPER(skb_change_proto)
{
    uint16_t to_be = (uint16_t)r2, to = (uint16_t)(to_be >> 8 | to_be << 8);
    uint16_t from = skb_proto_host(p);
    const size_t diff = IPV6_HLEN - IPV4_HLEN;
    int err;
    if (r3)
        return (uint64_t)-EINVAL;
    if (from == ETH_P_IP && to == ETH_P_IPV6)
        err = skb_hdr_push(p, skb_mac_len(p), diff);
    else if (from == ETH_P_IPV6 && to == ETH_P_IP)
        err = skb_hdr_pop(p, skb_mac_len(p), diff);
    else
        return (uint64_t)-PBPF_ENOTSUPP;
    if (!err) {
        skb_set_proto(p, to);
        skb_clear_hash(p);
    }
    pbpf_pkt_sync(p);
    return (uint64_t)(int64_t)err;
}

/* bpf_skb_change_type: only between PACKET_HOST, _BROADCAST, _MULTICAST
 * and _OTHERHOST (skb_pkt_type_ok) */
SKB_HELPER(skb_change_type)
{
    if (skb_get32(p, SKB_PKT_TYPE) > PACKET_OTHERHOST || (uint32_t)r2 > PACKET_OTHERHOST)
        return (uint64_t)-EINVAL;
    skb_set32(p, SKB_PKT_TYPE, (uint32_t)r2);
    return 0;
}

/* bpf_skb_net_grow: room after the MAC header (or after the network
 * header), optionally marking the packet as encapsulated.  The inner
 * header offsets Linux records are not visible to programs; the network
 * header stays after the MAC header, which is now the outer one. */
static int skb_net_grow(struct pbpf_pkt *p, size_t off, uint32_t len, uint64_t flags)
{
    uint8_t inner_mac_len = (uint8_t)(flags >> BPF_ADJ_ROOM_ENCAP_L2_SHIFT);
    int encap = (flags & ADJ_ROOM_ENCAP_L3) != 0;
    if (skb_is_gso(p))
        return -PBPF_ENOTSUPP;
    if (encap) {
        if ((flags & ADJ_ROOM_ENCAP_L3) == ADJ_ROOM_ENCAP_L3 ||
            (flags & ADJ_ROOM_ENCAP_L4) == ADJ_ROOM_ENCAP_L4 ||
            ((flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH) && inner_mac_len < ETH_HLEN))
            return -EINVAL;
        if (p->encapsulation)
            return -EALREADY;
        if (inner_mac_len > len)
            return -EINVAL;
    }
    int err = skb_hdr_push(p, off, len);
    if (err || !encap)
        return err;
    p->encapsulation = 1;
    /* the outer L3 protocol */
    if (skb_proto_host(p) == ETH_P_IP && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
        skb_set_proto(p, ETH_P_IPV6);
    else if (skb_proto_host(p) == ETH_P_IPV6 && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
        skb_set_proto(p, ETH_P_IP);
    return 0;
}

/* bpf_skb_net_shrink: the DECAP flags name the inner L3 protocol */
static int skb_net_shrink(struct pbpf_pkt *p, size_t off, uint32_t len, uint64_t flags)
{
    if (flags & ~ADJ_ROOM_SHRINK_FLAGS)
        return -EINVAL;
    if (skb_is_gso(p))
        return -PBPF_ENOTSUPP;
    int err = skb_hdr_pop(p, off, len);
    if (err)
        return err;
    if (skb_proto_host(p) == ETH_P_IP && (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV6))
        skb_set_proto(p, ETH_P_IPV6);
    else if (skb_proto_host(p) == ETH_P_IPV6 && (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4))
        skb_set_proto(p, ETH_P_IP);
    return 0;
}

/* __skb_reset_checksum_unnecessary */
static void skb_csum_reset(struct pbpf_pkt *p)
{
    p->csum_unnecessary = 0;
    p->csum_level = 0;
}

/* SK_SKB's bpf_skb_adjust_room (Linux 6.18 net/core/filter.c
 * sk_skb_adjust_room): the message grows or shrinks at its front, there
 * being no headers to keep: no mode but BPF_ADJ_ROOM_NET (0) and no flags
 * (-EINVAL), at most 0xfff bytes (-EFAULT), grown bytes zeroed, a shrink
 * past the message's end refused by pskb_may_pull (-ENOMEM).  No length
 * limit applies to growing. */
static int sk_skb_adjust_room(struct pbpf_pkt *p, int32_t len_diff, uint32_t len_abs,
                              uint32_t mode, uint64_t flags)
{
    if (flags || mode)
        return -EINVAL;
    if (len_abs > 0xfff)
        return -EFAULT;
    if (len_diff >= 0) {
        if (pbpf_pkt_reserve(p, len_abs, 0))
            return -ENOMEM;
        p->data -= len_abs;
        memset(p->data, 0, len_abs);
    } else {
        if (len_abs > skb_len(p))
            return -ENOMEM;
        p->data += len_abs;
    }
    p->meta = p->data;
    pbpf_pkt_sync(p);
    return 0;
}

/* bpf_skb_adjust_room(skb, len_diff, mode, flags): len_diff bytes of room
 * at the MAC header's end (BPF_ADJ_ROOM_MAC) or the IP header's end
 * (BPF_ADJ_ROOM_NET) of an IPv4 or IPv6 packet, added or removed; the
 * checks and their order are Linux 6.18's. */
SKB_HELPER(skb_adjust_room)
{
    int32_t len_diff = (int32_t)r2;
    uint32_t mode = (uint32_t)r3;
    uint32_t len_abs = len_diff < 0 ? 0u - (uint32_t)len_diff : (uint32_t)len_diff;
    uint64_t flags = r4;
    if (p->prog_type == PT_SK_SKB)
        return (uint64_t)(int64_t)sk_skb_adjust_room(p, len_diff, len_abs, mode, flags);
    uint32_t len_min = skb_net_base_len(p);
    int shrink = len_diff < 0;
    if (flags & ~ADJ_ROOM_FLAGS)
        return (uint64_t)-EINVAL;
    if (len_abs > 0xfff)
        return (uint64_t)-EFAULT;
    if (skb_proto_host(p) != ETH_P_IP && skb_proto_host(p) != ETH_P_IPV6)
        return (uint64_t)-PBPF_ENOTSUPP;
    size_t off = skb_mac_len(p);
    if (mode == BPF_ADJ_ROOM_NET)
        off += skb_net_base_len(p);
    else if (mode != BPF_ADJ_ROOM_MAC)
        return (uint64_t)-PBPF_ENOTSUPP;
    if (flags & ADJ_ROOM_DECAP_L3) {
        if (!shrink)
            return (uint64_t)-EINVAL;
        switch (flags & ADJ_ROOM_DECAP_L3) {
        case BPF_F_ADJ_ROOM_DECAP_L3_IPV4: len_min = IPV4_HLEN; break;
        case BPF_F_ADJ_ROOM_DECAP_L3_IPV6: len_min = IPV6_HLEN; break;
        default: return (uint64_t)-EINVAL;
        }
    }
    /* skb->len less the network header's offset, in u32 as Linux counts */
    uint32_t len = (uint32_t)skb_len(p);
    uint32_t len_cur = len - (uint32_t)((p->head + p->net_off) - p->data);
    if ((shrink && (len_abs >= len_cur || len_cur - len_abs < len_min)) ||
        (!shrink && len + len_abs > BPF_SKB_MAX_LEN && !skb_is_gso(p)))
        return (uint64_t)-PBPF_ENOTSUPP;
    int err = shrink ? skb_net_shrink(p, off, len_abs, flags)
                     : skb_net_grow(p, off, len_abs, flags);
    if (!err && !(flags & BPF_F_ADJ_ROOM_NO_CSUM_RESET))
        skb_csum_reset(p);
    pbpf_pkt_sync(p);
    return (uint64_t)(int64_t)err;
}

/* --- bpf_check_mtu (Linux 6.18 net/core/filter.c bpf_skb_check_mtu,
 * bpf_xdp_check_mtu) ------------------------------------------------------ */

#define BPF_MTU_CHK_SEGS 1u
#define BPF_MTU_CHK_RET_SUCCESS 0
#define BPF_MTU_CHK_RET_FRAG_NEEDED 1
#define BPF_MTU_CHK_RET_SEGS_TOOBIG 2
/* dev->hard_header_len of Ethernet devices and of the loopback */
#define DEV_HARD_HEADER_LEN 14

static uint32_t netdev_mtu(const struct pbpf_netdev *d) { return d->mtu ? d->mtu : 1500; }

/* bpf_check_mtu(ctx, ifindex, *mtu_len, len_diff, flags): whether the
 * packet, len_diff bytes longer (or *mtu_len, an L3 length, when not 0),
 * fits the MTU of device ifindex (0: the packet's own); *mtu_len gets
 * that MTU.  An skb over the MTU that is GSO passes unless
 * BPF_MTU_CHK_SEGS asks for its segments to be checked. */
static uint64_t h_check_mtu(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = ctx->hook;
    if (!p || (p->kind != PBPF_PKT_XDP && p->kind != PBPF_PKT_SKB)) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_check_mtu: the program was not run on a packet "
                                         "by a hook");
        return 0;
    }
    p = pkt_of(ctx, r1, p->kind, "check_mtu");
    if (!p || !mem_ok(ctx, r3, 4, 1, "check_mtu"))
        return 0;
    uint32_t ifindex = (uint32_t)r2, mtu_len;
    int32_t len_diff = (int32_t)r4;
    memcpy(&mtu_len, (void *)(uintptr_t)r3, 4);
    int xdp = p->kind == PBPF_PKT_XDP;
    if (xdp ? r5 != 0
            : (r5 & ~(uint64_t)BPF_MTU_CHK_SEGS) ||
                  ((r5 & BPF_MTU_CHK_SEGS) && (len_diff || mtu_len)))
        return (uint64_t)-EINVAL;
    const struct pbpf_netdev *dev = p->dev ? p->dev : &pbpf_loopback;
    if (ifindex && !(dev = pbpf_netdev_find(p->devs, p->ndevs, ifindex)))
        return (uint64_t)-ENODEV;
    uint32_t mtu = netdev_mtu(dev);
    int64_t dev_len = (int64_t)mtu + DEV_HARD_HEADER_LEN;
    int64_t len = mtu_len ? (int64_t)mtu_len + DEV_HARD_HEADER_LEN : (int64_t)skb_len(p);
    /* Linux adds in int: the same in 32 bits */
    len = (int32_t)((uint32_t)len + (uint32_t)len_diff);
    int ret = len > dev_len ? BPF_MTU_CHK_RET_FRAG_NEEDED : BPF_MTU_CHK_RET_SUCCESS;
    if (!xdp && ret && skb_is_gso(p)) {
        ret = BPF_MTU_CHK_RET_SUCCESS;
        if (r5 & BPF_MTU_CHK_SEGS) {
            /* skb_gso_validate_network_len: the transport header of a
             * test run's skb is unset (offset 0xffff from the head), the
             * gso_type none of TCP, SCTP or UDP_L4 */
            uint32_t seg = (uint16_t)(0xffffu - (uint32_t)p->net_off) +
                           skb_get32(p, SKB_GSO_SIZE);
            if (seg > mtu)
                ret = BPF_MTU_CHK_RET_SEGS_TOOBIG;
        }
    }
    memcpy((void *)(uintptr_t)r3, &mtu, 4);
    return (uint64_t)(int64_t)ret;
}

/* --- checksum state and classid ----------------------------------------- */

/* bpf_csum_update adds to skb->csum of a CHECKSUM_COMPLETE skb; a test
 * run's skb never is one (see struct pbpf_pkt), so Linux answers
 * -ENOTSUPP, as here. */
SKB_HELPER(csum_update) { return (uint64_t)-PBPF_ENOTSUPP; }

/* bpf_csum_level: __skb_incr/decr/reset_checksum_unnecessary, or the
 * level of a CHECKSUM_UNNECESSARY skb (-EACCES for any other) */
SKB_HELPER(csum_level)
{
    switch (r2) {
    case BPF_CSUM_LEVEL_INC:
        if (!p->csum_unnecessary) {
            p->csum_unnecessary = 1;
            p->csum_level = 0;
        } else if (p->csum_level < SKB_MAX_CSUM_LEVEL) {
            p->csum_level++;
        }
        return 0;
    case BPF_CSUM_LEVEL_DEC:
        if (p->csum_unnecessary) {
            if (p->csum_level)
                p->csum_level--;
            else
                p->csum_unnecessary = 0;
        }
        return 0;
    case BPF_CSUM_LEVEL_RESET:
        skb_csum_reset(p);
        return 0;
    case BPF_CSUM_LEVEL_QUERY:
        return p->csum_unnecessary ? p->csum_level : (uint64_t)-EACCES;
    default:
        return (uint64_t)-EINVAL;
    }
}

/* bpf_get_cgroup_classid: the net_cls classid of the current task (tc and
 * lwt programs: of the skb, which in process context such as a test run
 * is also the current task's; other types get bpf_get_cgroup_classid_curr
 * from bpf_base_func_proto).  pbpf has no cgroups: the answer is the one
 * Linux gives a task in no net_cls cgroup with a classid, 0, which is
 * also what a kernel without CONFIG_CGROUP_NET_CLASSID returns. */
static uint64_t h_get_cgroup_classid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct pbpf_run_ctx *ctx)
{
    return 0;
}

void pbpf_hooks_register_helpers(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 9, h_skb_store_bytes, NULL);
    pbpf_runtime_set_helper(rt, 10, h_l3_csum_replace, NULL);
    pbpf_runtime_set_helper(rt, 11, h_l4_csum_replace, NULL);
    pbpf_runtime_set_helper(rt, 17, h_get_cgroup_classid, NULL);
    pbpf_runtime_set_helper(rt, 18, h_skb_vlan_push, NULL);
    pbpf_runtime_set_helper(rt, 19, h_skb_vlan_pop, NULL);
    pbpf_runtime_set_helper(rt, 23, h_redirect, NULL);
    pbpf_runtime_set_helper(rt, 26, h_skb_load_bytes, NULL);
    pbpf_runtime_set_helper(rt, 28, h_csum_diff, NULL);
    pbpf_runtime_set_helper(rt, 31, h_skb_change_proto, NULL);
    pbpf_runtime_set_helper(rt, 32, h_skb_change_type, NULL);
    pbpf_runtime_set_helper(rt, 34, h_get_hash_recalc, NULL);
    pbpf_runtime_set_helper(rt, 38, h_skb_change_tail, NULL);
    pbpf_runtime_set_helper(rt, 39, h_skb_pull_data, NULL);
    pbpf_runtime_set_helper(rt, 40, h_csum_update, NULL);
    pbpf_runtime_set_helper(rt, 41, h_set_hash_invalid, NULL);
    pbpf_runtime_set_helper(rt, 43, h_skb_change_head, NULL);
    pbpf_runtime_set_helper(rt, 44, h_xdp_adjust_head, NULL);
    pbpf_runtime_set_helper(rt, 48, h_set_hash, NULL);
    pbpf_runtime_set_helper(rt, 50, h_skb_adjust_room, NULL);
    pbpf_runtime_set_helper(rt, 51, h_redirect_map, NULL);
    pbpf_runtime_set_helper(rt, 54, h_xdp_adjust_meta, NULL);
    pbpf_runtime_set_helper(rt, 65, h_xdp_adjust_tail, NULL);
    pbpf_runtime_set_helper(rt, 68, h_skb_load_bytes_relative, NULL);
    pbpf_runtime_set_helper(rt, 135, h_csum_level, NULL);
    pbpf_runtime_set_helper(rt, 163, h_check_mtu, NULL);
    pbpf_hooks_register_msg_helpers(rt);
}
