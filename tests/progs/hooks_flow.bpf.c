/* A flow dissector in the manner of the Linux selftests' (bpf_flow.c),
 * written as one program: Ethernet, up to two VLAN tags, IPv4 (options,
 * fragments, IP-in-IP), IPv6 (hop-by-hop, routing, destination options and
 * fragment headers, the flow label), TCP and UDP ports, into struct
 * bpf_flow_keys.  Headers past the linear data would come from
 * bpf_skb_load_bytes. */
#include "hooks_defs.h"

struct bpf_flow_keys {
    __u16 nhoff;
    __u16 thoff;
    __u16 addr_proto;
    __u8 is_frag;
    __u8 is_first_frag;
    __u8 is_encap;
    __u8 ip_proto;
    __u16 n_proto;
    __u16 sport;
    __u16 dport;
    union {
        struct {
            __u32 ipv4_src;
            __u32 ipv4_dst;
        };
        struct {
            __u32 ipv6_src[4];
            __u32 ipv6_dst[4];
        };
    };
    __u32 flags;
    __u32 flow_label;
};

#define BPF_OK 0
#define BPF_DROP 2
#define F_PARSE_1ST_FRAG 0x1
#define F_STOP_AT_FLOW_LABEL 0x2
#define F_STOP_AT_ENCAP 0x4

/* network order on a little-endian target */
#define N16(x) ((__u16)((((x) & 0xff) << 8) | ((x) >> 8)))
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8

struct vlan_hdr {
    __u16 tci;
    __u16 proto;
};

struct ip4_hdr {
    __u8 vihl, tos;
    __u16 tot_len, id, frag_off;
    __u8 ttl, protocol;
    __u16 check;
    __u32 saddr, daddr;
};

struct ip6_hdr {
    __u32 vtcfl;
    __u16 payload_len;
    __u8 nexthdr, hop_limit;
    __u32 saddr[4], daddr[4];
};

struct ip6_opt {
    __u8 nexthdr, hdrlen;
    __u16 rest;
};

struct ip6_frag {
    __u8 nexthdr, reserved;
    __u16 frag_off;
    __u32 id;
};

struct tcp_hdr {
    __u16 source, dest;
    __u32 seq, ack;
    __u8 res_doff, flags;
    __u16 window, check, urg;
};

struct udp_hdr {
    __u16 source, dest, len, check;
};

static __always_inline struct bpf_flow_keys *keys_of(struct __sk_buff *skb)
{
    return (struct bpf_flow_keys *)(long)skb->flow_keys;
}

/* len bytes at the transport offset: from the packet when they are in it,
 * else copied into buf by bpf_skb_load_bytes; NULL when neither works */
static __always_inline void *header(struct __sk_buff *skb, __u16 len, void *buf)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    __u16 off = keys_of(skb)->thoff;
    /* keeps the packet offset below 64 KiB, which the verifier needs to
     * know the bytes checked against data_end */
    if (off > 0xffff - len)
        return 0;
    __u8 *h = (__u8 *)data + off;
    if (h + len <= (__u8 *)data_end)
        return h;
    if (bpf_skb_load_bytes(skb, off, buf, len))
        return 0;
    return buf;
}

static __always_inline int ports(struct __sk_buff *skb, __u8 proto)
{
    struct bpf_flow_keys *k = keys_of(skb);
    if (proto == 6) {
        struct tcp_hdr tbuf, *t = header(skb, sizeof tbuf, &tbuf);
        if (!t)
            return BPF_DROP;
        if ((t->res_doff >> 4) < 5)
            return BPF_DROP;
        k->sport = t->source;
        k->dport = t->dest;
        return BPF_OK;
    }
    if (proto == 17) {
        struct udp_hdr ubuf, *u = header(skb, sizeof ubuf, &ubuf);
        if (!u)
            return BPF_DROP;
        k->sport = u->source;
        k->dport = u->dest;
        return BPF_OK;
    }
    return BPF_OK;
}

static __always_inline int ipv4(struct __sk_buff *skb)
{
    struct bpf_flow_keys *k = keys_of(skb);
    struct ip4_hdr buf, *ip = header(skb, sizeof buf, &buf);
    if (!ip)
        return BPF_DROP;
    __u8 ihl = ip->vihl & 0xf;
    if (ihl < 5 || (ip->vihl >> 4) != 4)
        return BPF_DROP;
    k->addr_proto = ETH_P_IP;
    k->ipv4_src = ip->saddr;
    k->ipv4_dst = ip->daddr;
    k->ip_proto = ip->protocol;
    k->thoff += ihl << 2;
    if (ip->frag_off & N16(0x3fff)) {
        k->is_frag = 1;
        if (ip->frag_off & N16(0x1fff))
            return BPF_OK; /* a later fragment: no transport header */
        k->is_first_frag = 1;
        if (!(k->flags & F_PARSE_1ST_FRAG))
            return BPF_OK;
    }
    if (ip->protocol == 4) { /* IP in IP */
        k->is_encap = 1;
        return BPF_OK;
    }
    return ports(skb, ip->protocol);
}

static __always_inline int ipv6(struct __sk_buff *skb)
{
    struct bpf_flow_keys *k = keys_of(skb);
    struct ip6_hdr buf, *ip = header(skb, sizeof buf, &buf);
    if (!ip)
        return BPF_DROP;
    k->addr_proto = ETH_P_IPV6;
    for (int i = 0; i < 4; i++) {
        k->ipv6_src[i] = ip->saddr[i];
        k->ipv6_dst[i] = ip->daddr[i];
    }
    __u8 next = ip->nexthdr;
    k->thoff += sizeof(struct ip6_hdr);
    k->ip_proto = next;
    /* the low 20 bits of the first word, in network order */
    k->flow_label = ip->vtcfl & 0xffff0f00;
    if (k->flow_label && (k->flags & F_STOP_AT_FLOW_LABEL))
        return BPF_OK;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (next == 0 || next == 43 || next == 60) {
            struct ip6_opt obuf, *o = header(skb, sizeof obuf, &obuf);
            if (!o)
                return BPF_DROP;
            k->thoff += (o->hdrlen + 1) << 3;
            next = o->nexthdr;
            k->ip_proto = next;
        } else if (next == 44) {
            struct ip6_frag fbuf, *f = header(skb, sizeof fbuf, &fbuf);
            if (!f)
                return BPF_DROP;
            k->is_frag = 1;
            k->thoff += sizeof(struct ip6_frag);
            next = f->nexthdr;
            k->ip_proto = next;
            if (f->frag_off & N16(0xfff8))
                return BPF_OK;
            k->is_first_frag = 1;
            if (!(k->flags & F_PARSE_1ST_FRAG))
                return BPF_OK;
        }
    }
    return ports(skb, next);
}

SEC("flow_dissector")
int flow_dissect(struct __sk_buff *skb)
{
    struct bpf_flow_keys *k = keys_of(skb);
    __u16 proto = k->n_proto;
#pragma unroll
    for (int i = 0; i < 2; i++) {
        if (proto != N16(ETH_P_8021Q) && proto != N16(ETH_P_8021AD))
            break;
        struct vlan_hdr vbuf, *v = header(skb, sizeof vbuf, &vbuf);
        if (!v)
            return BPF_DROP;
        proto = v->proto;
        k->nhoff += sizeof(struct vlan_hdr);
        k->thoff += sizeof(struct vlan_hdr);
        k->n_proto = proto;
    }
    if (proto == N16(ETH_P_IP))
        return ipv4(skb);
    if (proto == N16(ETH_P_IPV6))
        return ipv6(skb);
    return BPF_DROP;
}

/* every readable field of the context and every flow key: the keys as
 * the run set them, folded into r0; writes each key */
SEC("flow_dissector")
int flow_fields(struct __sk_buff *skb)
{
    struct bpf_flow_keys *k = keys_of(skb);
    __u32 v = (__u32)(skb->data_end - skb->data);
    v = v * 31 + k->nhoff;
    v = v * 31 + k->thoff;
    v = v * 31 + k->n_proto;
    v = v * 31 + k->flags;
    v = v * 31 + k->addr_proto + k->is_frag + k->is_first_frag + k->is_encap + k->ip_proto;
    v = v * 31 + k->sport + k->dport + k->ipv6_src[0] + k->ipv6_dst[3] + k->flow_label;
    k->nhoff = 2;          /* below the Ethernet header: clamped to 14 */
    k->thoff = 0xfff0;     /* past the frame: clamped to its length */
    k->addr_proto = 0x1234;
    k->is_frag = 1;
    k->is_first_frag = 2;
    k->is_encap = 3;
    k->ip_proto = 4;
    k->n_proto = 0x5678;
    k->sport = 0x9abc;
    k->dport = 0xdef0;
    for (int i = 0; i < 4; i++) {
        k->ipv6_src[i] = v + i;
        k->ipv6_dst[i] = v ^ i;
    }
    k->flags = 0x11;
    k->flow_label = 0x22;
    return (int)(v & 0xff);
}

char _license[] SEC("license") = "GPL";
