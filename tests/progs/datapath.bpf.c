/* A container-networking datapath in the style of the large objects real
 * deployments load (one object, many programs, tail calls between stages):
 *
 *   from_netdev (tc ingress)   Ethernet / VLAN parse, metrics, tail call by
 *                              EtherType into cilium-style stages:
 *     tail_ipv4   (calls[0])   IPv4 + TCP/UDP/ICMP parse, source identity
 *                              from the LPM ipcache, conntrack lookup; a
 *                              hit is forwarded (DNAT'ed again when the flow
 *                              was), a miss goes to the policy stage
 *     tail_ipv6   (calls[1])   IPv6 with an extension-header walk, policy
 *     tail_arp    (calls[2])   answers ARP requests for the router address
 *     policy      ("2/1")      identity x port x protocol verdicts from a
 *                              legacy map; allowed flows go on to "2/0"
 *     ct_create   ("2/0")      creates the conntrack entries, applies the
 *                              service DNAT (address and port rewrite with
 *                              l3/l4 checksum updates) and redirects to the
 *                              container's interface
 *   to_container (tc egress)   reverse NAT of replies from a backend
 *   xdp_prefilter (xdp)        drops sources whose identity is denied
 *
 * Maps are both BTF-defined (.maps) and legacy (SEC("maps"), iproute2's
 * struct bpf_elf_map); configuration is in .rodata, tunables in .data,
 * counters in .bss.  The tail-call slots of the BTF prog array are filled
 * by its `values`; the legacy one ("2/N" sections) by whoever loads the
 * object, as iproute2 does.
 *
 * State between stages travels in skb->cb[]: cb[0] = offset of the L3
 * header, cb[1] = source identity, cb[2] = reason of the last drop. */
#include "datapath_defs.h"

/* ------------------------------------------------------------ constants */

#define CALL_IPV4 0
#define CALL_IPV6 1
#define CALL_ARP 2
#define CALL_MAX 8

#define LEG_CT_CREATE 0
#define LEG_POLICY 1

#define ID_WORLD 2
#define ID_HOST 1

enum {
    METRIC_INGRESS = 0,
    METRIC_EGRESS,
    METRIC_XDP_DROP,
    METRIC_POLICY_DROP,
    METRIC_CT_HIT,
    METRIC_CT_NEW,
    METRIC_DNAT,
    METRIC_ARP,
    METRIC_IPV6,
    METRIC_BAD,
    METRIC_MAX = 16,
};

enum {
    DROP_NONE = 0,
    DROP_SHORT,
    DROP_BAD_L3,
    DROP_POLICY,
    DROP_TAIL_CALL,
    DROP_EXT_HDRS,
};

/* -------------------------------------------------------------- config */

const volatile __u32 cfg_router_ip = 0x0101000a;      /* 10.0.1.1, network order */
const volatile __u8 cfg_router_mac[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01};
const volatile __u32 cfg_container_ifindex = 5;
const volatile __u32 cfg_deny_identity = 666;
const volatile __u32 cfg_max_ext_hdrs = 6;

__u32 ct_lifetime_tcp = 21600;
__u32 ct_lifetime_other = 60;

__u64 stat_tail_missed;
__u64 stat_policy_denied;
__u64 stat_ct_created;
__u64 stat_arp_replies;
__u64 stat_ext_hdrs;

/* ---------------------------------------------------------------- maps */

struct ct_tuple4 {
    __u32 saddr;
    __u32 daddr;
    __u16 sport;
    __u16 dport;
    __u8 proto;
    __u8 dir; /* 0: original direction, 1: reply */
    __u16 pad;
};

struct ct_entry {
    __u64 packets;
    __u64 bytes;
    __u32 lifetime;
    __u16 rev_nat; /* service index + 1, 0: none */
    __u8 syn_seen;
    __u8 closing;
};

struct ipcache_key {
    __u32 prefixlen;
    __u32 addr;
};

struct remote_info {
    __u32 identity;
    __u32 tunnel_ep;
};

struct policy_key {
    __u32 identity;
    __u16 dport; /* network order, 0: any port */
    __u8 proto;
    __u8 egress;
};

struct policy_entry {
    __u32 deny;
    __u32 pad;
    __u64 hits;
};

struct lb4_key {
    __u32 vip;
    __u16 port;
    __u8 proto;
    __u8 pad;
};

struct lb4_backend {
    __u32 addr;
    __u16 port;
    __u16 index; /* service index, 1-based */
};

struct lb4_rev {
    __u32 vip;
    __u16 port;
    __u16 pad;
};

struct metric {
    __u64 packets;
    __u64 bytes;
};

int tail_ipv4(struct __sk_buff *skb);
int tail_ipv6(struct __sk_buff *skb);
int tail_arp(struct __sk_buff *skb);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, CALL_MAX);
    __type(key, __u32);
    __array(values, int(struct __sk_buff *));
} cilium_calls SEC(".maps") = {
    .values =
        {
            [CALL_IPV4] = (void *)&tail_ipv4,
            [CALL_IPV6] = (void *)&tail_ipv6,
            [CALL_ARP] = (void *)&tail_arp,
        },
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 1024);
    __type(key, struct ct_tuple4);
    __type(value, struct ct_entry);
} ct4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 256);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct ipcache_key);
    __type(value, struct remote_info);
} ipcache SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, METRIC_MAX);
    __type(key, __u32);
    __type(value, struct metric);
} metrics SEC(".maps");

struct bpf_elf_map SEC("maps") jmp_legacy = {
    .type = BPF_MAP_TYPE_PROG_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .max_elem = 4,
    .id = 2,
};

struct bpf_elf_map SEC("maps") policy_map = {
    .type = BPF_MAP_TYPE_HASH,
    .size_key = sizeof(struct policy_key),
    .size_value = sizeof(struct policy_entry),
    .max_elem = 64,
};

struct bpf_elf_map SEC("maps") lb4_services = {
    .type = BPF_MAP_TYPE_HASH,
    .size_key = sizeof(struct lb4_key),
    .size_value = sizeof(struct lb4_backend),
    .max_elem = 32,
};

struct bpf_elf_map SEC("maps") lb4_reverse = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(struct lb4_rev),
    .max_elem = 32,
};

/* ------------------------------------------------------------- helpers */

static __noinline void metric_add(__u32 which, __u32 bytes)
{
    struct metric *m = bpf_map_lookup_elem(&metrics, &which);
    if (m) {
        m->packets += 1;
        m->bytes += bytes;
    }
}

static __always_inline int drop(struct __sk_buff *skb, __u32 reason)
{
    skb->cb[2] = reason;
    metric_add(reason == DROP_POLICY ? METRIC_POLICY_DROP : METRIC_BAD, skb->len);
    return TC_ACT_SHOT;
}

/* Source identity of an IPv4 address: the longest ipcache prefix, or
 * the world outside. */
static __noinline __u32 identity_of(__u32 addr)
{
    struct ipcache_key k = {.prefixlen = 32, .addr = addr};
    struct remote_info *ri = bpf_map_lookup_elem(&ipcache, &k);
    return ri ? ri->identity : ID_WORLD;
}

/* The L3 offset the entry program left in cb[0]: 14, or 18 after a VLAN
 * tag. */
static __always_inline int l3_off(struct __sk_buff *skb)
{
    __u32 off = skb->cb[0];
    if (off != sizeof(struct ethhdr) && off != sizeof(struct ethhdr) + sizeof(struct vlan_hdr))
        return -1;
    return (int)off;
}

/* Parses the IPv4 header at l3 and its transport header into *t; the
 * transport header's offset goes to *l4.  Returns 0 or a DROP_ reason.
 * A global function: verified once, on its own, for any skb. */
__noinline int parse_ipv4_tuple(struct __sk_buff *skb, struct ct_tuple4 *t)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    __u32 off = skb->cb[0];

    if (!t)
        return DROP_BAD_L3;
    if (off != 14 && off != 18)
        return DROP_BAD_L3;
    struct iphdr *ip = data + off;
    if ((void *)(ip + 1) > data_end)
        return DROP_SHORT;
    if ((ip->ihl_version >> 4) != 4)
        return DROP_BAD_L3;
    __u32 hlen = (ip->ihl_version & 0xf) * 4;
    if (hlen < sizeof(struct iphdr))
        return DROP_BAD_L3;
    t->saddr = ip->saddr;
    t->daddr = ip->daddr;
    t->proto = ip->protocol;
    t->dir = 0;
    t->pad = 0;
    t->sport = 0;
    t->dport = 0;
    void *l4 = (void *)ip + hlen;
    switch (ip->protocol) {
    case IPPROTO_TCP: {
        struct tcphdr *th = l4;
        if ((void *)(th + 1) > data_end)
            return DROP_SHORT;
        t->sport = th->source;
        t->dport = th->dest;
        break;
    }
    case IPPROTO_UDP: {
        struct udphdr *uh = l4;
        if ((void *)(uh + 1) > data_end)
            return DROP_SHORT;
        t->sport = uh->source;
        t->dport = uh->dest;
        break;
    }
    case IPPROTO_ICMP: {
        struct icmphdr *ih = l4;
        if ((void *)(ih + 1) > data_end)
            return DROP_SHORT;
        /* echo requests and replies are flows of their id */
        if (ih->type == 8 || ih->type == 0)
            t->sport = ih->id;
        t->dport = (__u16)ih->type;
        break;
    }
    default:
        break;
    }
    return 0;
}

/* The TCP flags of the packet's transport header, 0 for other protocols. */
static __noinline __u8 tcp_flags(struct __sk_buff *skb, __u32 l3)
{
    __u8 ihl_version, proto, flags = 0;
    if (bpf_skb_load_bytes(skb, l3, &ihl_version, 1) < 0)
        return 0;
    if (bpf_skb_load_bytes(skb, l3 + 9, &proto, 1) < 0 || proto != IPPROTO_TCP)
        return 0;
    __u32 l4 = l3 + (ihl_version & 0xf) * 4;
    if (bpf_skb_load_bytes(skb, l4 + 13, &flags, 1) < 0)
        return 0;
    return flags;
}

struct nat_args {
    __u32 l3;       /* IPv4 header offset */
    __u32 addr_off; /* 12: source, 16: destination */
    __u32 port_off; /* 0: source, 2: destination (in the L4 header) */
    __u32 old_addr, new_addr;
    __u16 old_port, new_port;
    __u8 proto;
};

/* Rewrites one address and one port of an IPv4 packet, fixing the IP
 * checksum and the transport checksum (pseudo header included). */
static __noinline int nat_rewrite(struct __sk_buff *skb, struct nat_args *a)
{
    __u8 ihl_version;
    if (a->l3 > 64 || a->addr_off > 16 || a->port_off > 2)
        return -1;
    if (bpf_skb_load_bytes(skb, a->l3, &ihl_version, 1) < 0)
        return -1;
    __u32 l4 = a->l3 + (ihl_version & 0xf) * 4;
    __u32 csum_off = 0;
    if (a->proto == IPPROTO_TCP)
        csum_off = l4 + 16;
    else if (a->proto == IPPROTO_UDP)
        csum_off = l4 + 6;

    if (bpf_l3_csum_replace(skb, a->l3 + 10, a->old_addr, a->new_addr, 4) < 0)
        return -1;
    if (csum_off) {
        if (bpf_l4_csum_replace(skb, csum_off, a->old_addr, a->new_addr,
                                BPF_F_PSEUDO_HDR | 4) < 0)
            return -1;
        if (bpf_l4_csum_replace(skb, csum_off, a->old_port, a->new_port, 2) < 0)
            return -1;
    }
    if (bpf_skb_store_bytes(skb, a->l3 + a->addr_off, &a->new_addr, 4, 0) < 0)
        return -1;
    if (csum_off && bpf_skb_store_bytes(skb, l4 + a->port_off, &a->new_port, 2, 0) < 0)
        return -1;
    return 0;
}

/* DNAT to the service's backend, when the destination is a service. */
static __noinline int service_dnat(struct __sk_buff *skb, struct ct_tuple4 *t, __u16 *rev_nat)
{
    struct lb4_key k = {.vip = t->daddr, .port = t->dport, .proto = t->proto};
    struct lb4_backend *be = bpf_map_lookup_elem(&lb4_services, &k);
    if (!be)
        return 0;
    struct nat_args a = {
        .l3 = skb->cb[0],
        .addr_off = 16,
        .port_off = 2,
        .old_addr = t->daddr,
        .new_addr = be->addr,
        .old_port = t->dport,
        .new_port = be->port,
        .proto = t->proto,
    };
    *rev_nat = be->index;
    if (nat_rewrite(skb, &a))
        return -1;
    metric_add(METRIC_DNAT, skb->len);
    return 1;
}

/* ------------------------------------------------------ ingress entry */

SEC("tc")
int from_netdev(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    __u32 off = sizeof(*eth);

    skb->cb[0] = 0;
    skb->cb[1] = ID_WORLD;
    skb->cb[2] = DROP_NONE;
    if ((void *)(eth + 1) > data_end)
        return drop(skb, DROP_SHORT);
    __u16 proto = eth->h_proto;
    if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
        struct vlan_hdr *vh = (void *)(eth + 1);
        if ((void *)(vh + 1) > data_end)
            return drop(skb, DROP_SHORT);
        proto = vh->encap_proto;
        off += sizeof(*vh);
    }
    skb->cb[0] = off;
    metric_add(METRIC_INGRESS, skb->len);

    switch (proto) {
    case bpf_htons(ETH_P_IP):
        bpf_tail_call(skb, &cilium_calls, CALL_IPV4);
        break;
    case bpf_htons(ETH_P_IPV6):
        bpf_tail_call(skb, &cilium_calls, CALL_IPV6);
        break;
    case bpf_htons(ETH_P_ARP):
        bpf_tail_call(skb, &cilium_calls, CALL_ARP);
        break;
    default:
        return TC_ACT_OK;
    }
    __sync_fetch_and_add(&stat_tail_missed, 1);
    return drop(skb, DROP_TAIL_CALL);
}

/* ------------------------------------------------------------ IPv4 */

SEC("tc")
int tail_ipv4(struct __sk_buff *skb)
{
    struct ct_tuple4 t;
    int rc = parse_ipv4_tuple(skb, &t);
    if (rc)
        return drop(skb, (__u32)rc);
    skb->cb[1] = identity_of(t.saddr);

    struct ct_entry *ce = bpf_map_lookup_elem(&ct4, &t);
    if (!ce) {
        bpf_tail_call(skb, &jmp_legacy, LEG_POLICY);
        __sync_fetch_and_add(&stat_tail_missed, 1);
        return drop(skb, DROP_TAIL_CALL);
    }
    metric_add(METRIC_CT_HIT, skb->len);
    __sync_fetch_and_add(&ce->packets, 1);
    __sync_fetch_and_add(&ce->bytes, skb->len);
    int l3 = l3_off(skb);
    if (l3 < 0)
        return drop(skb, DROP_BAD_L3);
    __u8 fl = tcp_flags(skb, (__u32)l3);
    if (fl & (TCP_FIN | TCP_RST))
        ce->closing = 1;
    if (ce->rev_nat) {
        __u16 idx = 0;
        rc = service_dnat(skb, &t, &idx);
        if (rc < 0)
            return drop(skb, DROP_BAD_L3);
        return bpf_redirect(cfg_container_ifindex, 0);
    }
    return TC_ACT_OK;
}

/* "2/1": identity x port x protocol.  An exact port entry wins over the
 * any-port one; no entry means deny. */
SEC("2/1")
int policy(struct __sk_buff *skb)
{
    struct ct_tuple4 t;
    int rc = parse_ipv4_tuple(skb, &t);
    if (rc)
        return drop(skb, (__u32)rc);
    struct policy_key k = {.identity = skb->cb[1], .dport = t.dport, .proto = t.proto};
    struct policy_entry *pe = bpf_map_lookup_elem(&policy_map, &k);
    if (!pe) {
        k.dport = 0;
        pe = bpf_map_lookup_elem(&policy_map, &k);
    }
    if (!pe || pe->deny) {
        if (pe)
            __sync_fetch_and_add(&pe->hits, 1);
        __sync_fetch_and_add(&stat_policy_denied, 1);
        return drop(skb, DROP_POLICY);
    }
    __sync_fetch_and_add(&pe->hits, 1);
    bpf_tail_call(skb, &jmp_legacy, LEG_CT_CREATE);
    __sync_fetch_and_add(&stat_tail_missed, 1);
    return drop(skb, DROP_TAIL_CALL);
}

/* "2/0": a new flow passed policy.  Service traffic is DNAT'ed; its
 * reply direction gets an entry keyed as the backend will answer, for
 * to_container's reverse NAT. */
SEC("2/0")
int ct_create(struct __sk_buff *skb)
{
    struct ct_tuple4 t;
    int rc = parse_ipv4_tuple(skb, &t);
    if (rc)
        return drop(skb, (__u32)rc);
    int l3 = l3_off(skb);
    if (l3 < 0)
        return drop(skb, DROP_BAD_L3);
    __u8 fl = tcp_flags(skb, (__u32)l3);
    struct ct_entry ce = {
        .packets = 1,
        .bytes = skb->len,
        .lifetime = t.proto == IPPROTO_TCP ? ct_lifetime_tcp : ct_lifetime_other,
        .syn_seen = !!(fl & TCP_SYN),
    };
    struct ct_tuple4 orig = t;
    __u16 rev = 0;
    rc = service_dnat(skb, &t, &rev);
    if (rc < 0)
        return drop(skb, DROP_BAD_L3);
    ce.rev_nat = rev;
    bpf_map_update_elem(&ct4, &orig, &ce, BPF_ANY);
    __sync_fetch_and_add(&stat_ct_created, 1);
    metric_add(METRIC_CT_NEW, skb->len);
    if (rc == 0)
        return TC_ACT_OK;

    struct lb4_key k = {.vip = orig.daddr, .port = orig.dport, .proto = orig.proto};
    struct lb4_backend *be = bpf_map_lookup_elem(&lb4_services, &k);
    if (!be)
        return drop(skb, DROP_BAD_L3);
    struct ct_tuple4 reply = {
        .saddr = be->addr,
        .daddr = orig.saddr,
        .sport = be->port,
        .dport = orig.sport,
        .proto = orig.proto,
        .dir = 1,
    };
    struct ct_entry rce = {.lifetime = ce.lifetime, .rev_nat = rev};
    bpf_map_update_elem(&ct4, &reply, &rce, BPF_NOEXIST);
    return bpf_redirect(cfg_container_ifindex, 0);
}

/* ------------------------------------------------------------ IPv6 */

struct ext_walk {
    __u32 off;
    __u8 nexthdr;
    __u8 done;
};

static __always_inline int ipv6_ext(__u8 nh)
{
    return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
           nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH;
}

/* Walks the extension headers after the fixed IPv6 header: returns the
 * upper-layer protocol with w->off at its header, or -1. */
static __noinline int ipv6_skip_ext(struct __sk_buff *skb, struct ext_walk *w)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    __u32 max = cfg_max_ext_hdrs;

    if (max > 8)
        max = 8;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < 8; i++) {
        if (!ipv6_ext(w->nexthdr))
            return w->nexthdr;
        if (i >= max)
            return -1;
        if (w->off > 512)
            return -1;
        __u8 *h = data + w->off;
        if ((void *)(h + 2) > data_end)
            return -1;
        __u32 len;
        if (w->nexthdr == IPPROTO_FRAGMENT)
            len = 8;
        else if (w->nexthdr == IPPROTO_AH)
            len = ((__u32)h[1] + 2) * 4;
        else
            len = ((__u32)h[1] + 1) * 8;
        w->nexthdr = h[0];
        w->off += len;
        __sync_fetch_and_add(&stat_ext_hdrs, 1);
    }
    return ipv6_ext(w->nexthdr) ? -1 : w->nexthdr;
}

SEC("tc")
int tail_ipv6(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    int l3 = l3_off(skb);
    if (l3 < 0)
        return drop(skb, DROP_BAD_L3);
    struct ipv6hdr *ip6 = data + l3;
    if ((void *)(ip6 + 1) > data_end)
        return drop(skb, DROP_SHORT);
    if ((ip6->vtc_flow & 0xf0) != 0x60)
        return drop(skb, DROP_BAD_L3);
    metric_add(METRIC_IPV6, skb->len);

    struct ext_walk w = {.off = (__u32)l3 + sizeof(*ip6), .nexthdr = ip6->nexthdr};
    int nh = ipv6_skip_ext(skb, &w);
    if (nh < 0)
        return drop(skb, DROP_EXT_HDRS);

    /* re-read: the walk was a call */
    data = (void *)(long)skb->data;
    data_end = (void *)(long)skb->data_end;
    __u16 dport = 0;
    if (w.off > 1024)
        return drop(skb, DROP_EXT_HDRS);
    void *l4 = data + w.off;
    if (nh == IPPROTO_TCP || nh == IPPROTO_UDP) {
        __u16 *ports = l4;
        if ((void *)(ports + 2) > data_end)
            return drop(skb, DROP_SHORT);
        dport = ports[1];
    } else if (nh == IPPROTO_ICMPV6) {
        __u8 *ih = l4;
        if ((void *)(ih + 4) > data_end)
            return drop(skb, DROP_SHORT);
        /* neighbour discovery and echo always pass */
        if (ih[0] >= 128 && ih[0] <= 137)
            return TC_ACT_OK;
        dport = ih[0];
    } else if (nh == IPPROTO_NONE) {
        return TC_ACT_OK;
    }
    struct policy_key k = {.identity = ID_WORLD, .dport = dport, .proto = (__u8)nh};
    struct policy_entry *pe = bpf_map_lookup_elem(&policy_map, &k);
    if (!pe || pe->deny) {
        __sync_fetch_and_add(&stat_policy_denied, 1);
        return drop(skb, DROP_POLICY);
    }
    __sync_fetch_and_add(&pe->hits, 1);
    return TC_ACT_OK;
}

/* ------------------------------------------------------------- ARP */

SEC("tc")
int tail_arp(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    int l3 = l3_off(skb);
    if (l3 < 0)
        return drop(skb, DROP_BAD_L3);
    struct ethhdr *eth = data;
    struct arphdr_eth *arp = data + l3;
    if ((void *)(arp + 1) > data_end || (void *)(eth + 1) > data_end)
        return drop(skb, DROP_SHORT);
    if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 ||
        arp->plen != 4 || arp->op != bpf_htons(1))
        return TC_ACT_OK;
    __u32 tpa;
    __builtin_memcpy(&tpa, arp->tpa, 4);
    if (tpa != cfg_router_ip)
        return TC_ACT_OK;

    /* turn the request into the reply, in place */
    __u8 mac[6];
    for (int i = 0; i < 6; i++)
        mac[i] = cfg_router_mac[i];
    __builtin_memcpy(eth->h_dest, eth->h_source, 6);
    __builtin_memcpy(eth->h_source, mac, 6);
    arp->op = bpf_htons(2);
    __builtin_memcpy(arp->tha, arp->sha, 6);
    __builtin_memcpy(arp->tpa, arp->spa, 4);
    __builtin_memcpy(arp->sha, mac, 6);
    __u32 rip = cfg_router_ip;
    __builtin_memcpy(arp->spa, &rip, 4);
    __sync_fetch_and_add(&stat_arp_replies, 1);
    metric_add(METRIC_ARP, skb->len);
    return bpf_redirect(skb->ifindex, 0);
}

/* ---------------------------------------------------- egress (replies) */

SEC("tc")
int to_container(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return TC_ACT_OK;
    if (eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    skb->cb[0] = sizeof(*eth);
    metric_add(METRIC_EGRESS, skb->len);

    struct ct_tuple4 t;
    if (parse_ipv4_tuple(skb, &t))
        return TC_ACT_OK;
    t.dir = 1;
    struct ct_entry *ce = bpf_map_lookup_elem(&ct4, &t);
    if (!ce || !ce->rev_nat)
        return TC_ACT_OK;
    __sync_fetch_and_add(&ce->packets, 1);
    __sync_fetch_and_add(&ce->bytes, skb->len);
    __u32 idx = ce->rev_nat - 1;
    struct lb4_rev *rv = bpf_map_lookup_elem(&lb4_reverse, &idx);
    if (!rv)
        return TC_ACT_SHOT;
    struct nat_args a = {
        .l3 = sizeof(*eth),
        .addr_off = 12,
        .port_off = 0,
        .old_addr = t.saddr,
        .new_addr = rv->vip,
        .old_port = t.sport,
        .new_port = rv->port,
        .proto = t.proto,
    };
    if (nat_rewrite(skb, &a))
        return TC_ACT_SHOT;
    if (tcp_flags(skb, sizeof(*eth)) & (TCP_FIN | TCP_RST))
        ce->closing = 1;
    return TC_ACT_OK;
}

/* ------------------------------------------------------------ XDP */

SEC("xdp")
int xdp_prefilter(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_DROP;
    __u16 proto = eth->h_proto;
    __u32 off = sizeof(*eth);
    /* up to two VLAN tags (802.1ad outer, 802.1Q inner) */
#pragma clang loop unroll(full)
    for (int i = 0; i < 2; i++) {
        if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
            break;
        struct vlan_hdr *vh = data + off;
        if ((void *)(vh + 1) > data_end)
            return XDP_DROP;
        proto = vh->encap_proto;
        off += sizeof(*vh);
    }
    if (proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *ip = data + off;
    if ((void *)(ip + 1) > data_end)
        return XDP_DROP;
    __u32 id = identity_of(ip->saddr);
    if (id == cfg_deny_identity) {
        metric_add(METRIC_XDP_DROP, (__u32)(data_end - data));
        return XDP_DROP;
    }
    return XDP_PASS;
}

char __license[] SEC("license") = "GPL";
