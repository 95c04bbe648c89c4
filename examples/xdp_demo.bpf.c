/* xdp_demo: an XDP program of the kind people run in front of a server.
 *
 * For every frame it
 *   - parses Ethernet, up to two VLAN tags (802.1Q, 802.1ad QinQ), IPv4
 *     (options, fragments) or IPv6 (hop-by-hop, routing and destination
 *     options headers), then TCP, UDP or ICMP, checking every header
 *     against the end of the packet before reading it;
 *   - counts frames and bytes per protocol in a per-CPU array (`stats`);
 *   - keeps packets and bytes per source address in an LRU hash
 *     (`talkers`): the top talkers;
 *   - applies the rule for the source address, if any, from a hash map
 *     (`rules`, filled from user space): drop everything, let through at
 *     most `limit` packets per second, or send everything out of another
 *     interface (XDP_REDIRECT through the DEVMAP `tx_port`);
 *   - answers ICMP echo requests itself (when `reply_to_ping` is set):
 *     the frame is turned into the echo reply and sent back (XDP_TX);
 *   - drops malformed frames, passes the rest.
 *
 * Built with `clang -O2 -g -target bpf -c xdp_demo.bpf.c`; the declarations
 * below are those of Linux's UAPI headers (linux/bpf.h, linux/if_ether.h,
 * linux/ip.h, linux/ipv6.h, linux/tcp.h, linux/udp.h, linux/icmp.h) and of
 * libbpf's bpf_helpers.h, written out so the file needs no headers. */

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u16 __sum16;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __always_inline inline __attribute__((always_inline))

enum {
    BPF_MAP_TYPE_HASH = 1,
    BPF_MAP_TYPE_PERCPU_ARRAY = 6,
    BPF_MAP_TYPE_LRU_HASH = 9,
    BPF_MAP_TYPE_DEVMAP = 14,
};
enum xdp_action { XDP_ABORTED = 0, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };

struct xdp_md {
    __u32 data;
    __u32 data_end;
    __u32 data_meta;
    __u32 ingress_ifindex;
    __u32 rx_queue_index;
    __u32 egress_ifindex;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static long (*bpf_redirect_map)(void *map, __u64 key, __u64 flags) = (void *)51;

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60
#define IP_OFFSET 0x1fff
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

struct ethhdr {
    __u8 h_dest[ETH_ALEN];
    __u8 h_source[ETH_ALEN];
    __be16 h_proto;
} __attribute__((packed));

struct vlan_hdr {
    __be16 h_vlan_TCI;
    __be16 h_vlan_encapsulated_proto;
};

struct iphdr {
    __u8 ihl : 4, version : 4; /* little-endian bit order, as Linux on x86 and arm64 */
    __u8 tos;
    __be16 tot_len;
    __be16 id;
    __be16 frag_off;
    __u8 ttl;
    __u8 protocol;
    __sum16 check;
    __be32 saddr;
    __be32 daddr;
};

struct in6_addr {
    __u8 s6_addr[16];
};

struct ipv6hdr {
    __u8 priority : 4, version : 4;
    __u8 flow_lbl[3];
    __be16 payload_len;
    __u8 nexthdr;
    __u8 hop_limit;
    struct in6_addr saddr;
    struct in6_addr daddr;
};

struct tcphdr {
    __be16 source;
    __be16 dest;
    __be32 seq;
    __be32 ack_seq;
    __u16 res1 : 4, doff : 4, fin : 1, syn : 1, rst : 1, psh : 1, urg : 1, ack : 1, ece : 1,
        cwr : 1;
    __be16 window;
    __sum16 check;
    __be16 urg_ptr;
};

struct udphdr {
    __be16 source;
    __be16 dest;
    __be16 len;
    __sum16 check;
};

struct icmphdr {
    __u8 type;
    __u8 code;
    __sum16 checksum;
    __be16 id;
    __be16 sequence;
};

#define bpf_htons(x) ((__be16)__builtin_bswap16(x))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16(x))

/* --- maps ----------------------------------------------------------------- */

/* What `stats` counts, by index (a frame can count in several). */
enum stat_idx {
    STAT_NON_IP = 0,    /* an EtherType other than IPv4/IPv6 (ARP, LLDP...) */
    STAT_VLAN = 1,      /* at least one VLAN tag */
    STAT_QINQ = 2,      /* two VLAN tags */
    STAT_IPV4 = 3,
    STAT_IPV6 = 4,
    STAT_TCP = 5,
    STAT_UDP = 6,
    STAT_ICMP = 7,      /* ICMP or ICMPv6 */
    STAT_OTHER_L4 = 8,  /* another IP protocol (GRE, ESP, SCTP...) */
    STAT_FRAGMENT = 9,  /* an IPv4 fragment after the first: no L4 header */
    STAT_MALFORMED = 10, /* a header cut short or invalid: dropped */
    STAT_PING_REPLY = 11, /* echo requests answered with XDP_TX */
    STAT_RULE_DROP = 12,  /* dropped by a `drop` rule */
    STAT_RATE_DROP = 13,  /* dropped by a `limit` rule over its rate */
    STAT_REDIRECT = 14,   /* sent out of another interface by a `redirect` rule */
    STAT_MAX = 16,
};

struct counter {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, struct counter);
    __uint(max_entries, STAT_MAX);
} stats SEC(".maps");

/* Source addresses: IPv6, or IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
struct addr {
    __u8 a[16];
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, struct addr);
    __type(value, struct counter);
    __uint(max_entries, 4096);
} talkers SEC(".maps");

enum rule_action { RULE_DROP = 1, RULE_LIMIT = 2, RULE_REDIRECT = 3 };

/* A rule; user space sets action and limit, the program the rest. */
struct rule {
    __u32 action;       /* enum rule_action */
    __u32 limit;        /* RULE_LIMIT: packets per second; RULE_REDIRECT: tx_port slot */
    __u64 window_start; /* ns: start of the current one-second window */
    __u64 window_count; /* packets seen in it */
    __u64 dropped;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct addr);
    __type(value, struct rule);
    __uint(max_entries, 1024);
} rules SEC(".maps");

/* Interfaces `redirect` rules send to: slot -> ifindex, filled from user
 * space (Linux: the egress device of XDP_REDIRECT, net/core/filter.c
 * xdp_do_redirect; pbpf writes one capture per interface). */
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 8);
} tx_port SEC(".maps");

/* Set to 0 before loading to pass echo requests on instead. */
const volatile __u32 reply_to_ping = 1;

/* --- program -------------------------------------------------------------- */

static __always_inline void count(__u32 idx, __u64 bytes)
{
    struct counter *c = bpf_map_lookup_elem(&stats, &idx);
    if (c) {
        c->packets += 1; /* per-CPU: no other CPU writes this copy */
        c->bytes += bytes;
    }
}

static __always_inline void talk(const struct addr *src, __u64 bytes)
{
    struct counter *c = bpf_map_lookup_elem(&talkers, src);
    if (c) {
        __sync_fetch_and_add(&c->packets, 1);
        __sync_fetch_and_add(&c->bytes, bytes);
    } else {
        struct counter init = {1, bytes};
        bpf_map_update_elem(&talkers, src, &init, 0);
    }
}

/* The verdict of the rule for src, or -1 to go on with the packet. */
static __always_inline int apply_rule(const struct addr *src, __u64 bytes)
{
    struct rule *r = bpf_map_lookup_elem(&rules, src);
    if (!r)
        return -1;
    if (r->action == RULE_DROP) {
        __sync_fetch_and_add(&r->dropped, 1);
        count(STAT_RULE_DROP, 0);
        return XDP_DROP;
    }
    if (r->action == RULE_REDIRECT) {
        /* out of the interface in slot `limit`; an empty slot passes the
         * packet on (the low bits of the flags: the action on a miss) */
        int act = (int)bpf_redirect_map(&tx_port, r->limit, XDP_PASS);
        if (act == XDP_REDIRECT)
            count(STAT_REDIRECT, bytes);
        return act;
    }
    if (r->action != RULE_LIMIT)
        return -1;
    /* fixed one-second windows: the first `limit` packets of each pass */
    __u64 now = bpf_ktime_get_ns();
    if (now - r->window_start >= 1000000000ull) {
        r->window_start = now;
        r->window_count = 0;
    }
    r->window_count += 1;
    if (r->window_count <= r->limit)
        return -1;
    __sync_fetch_and_add(&r->dropped, 1);
    count(STAT_RATE_DROP, 0);
    return XDP_DROP;
}

/* RFC 1624 eqn. 3: the checksum after one 16-bit word changed. */
static __always_inline __sum16 csum_replace2(__sum16 check, __u16 old, __u16 new)
{
    __u32 sum = (__u16)~check + (__u16)~old + (__u32) new;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__sum16)~sum;
}

/* Turns the echo request in place into its reply, back to the sender. */
static __always_inline void make_echo_reply(struct ethhdr *eth, struct iphdr *ip,
                                            struct icmphdr *icmp)
{
    __u8 mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
    /* swapping the addresses leaves the IP header checksum as it is */
    __be32 a = ip->saddr;
    ip->saddr = ip->daddr;
    ip->daddr = a;
    __u16 old = *(__u16 *)icmp;
    icmp->type = ICMP_ECHOREPLY;
    icmp->checksum = csum_replace2(icmp->checksum, old, *(__u16 *)icmp);
}

SEC("xdp")
int xdp_demo(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u64 bytes = data_end - data;
    struct ethhdr *eth = data;
    void *cur;
    __u16 proto;

    if ((void *)(eth + 1) > data_end)
        goto malformed;
    proto = bpf_ntohs(eth->h_proto);
    cur = eth + 1;

    /* VLAN tags: an outer 802.1ad or 802.1Q tag, then possibly an inner one */
    if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
        struct vlan_hdr *vh = cur;
        if ((void *)(vh + 1) > data_end)
            goto malformed;
        proto = bpf_ntohs(vh->h_vlan_encapsulated_proto);
        cur = vh + 1;
        count(STAT_VLAN, bytes);
        if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
            vh = cur;
            if ((void *)(vh + 1) > data_end)
                goto malformed;
            proto = bpf_ntohs(vh->h_vlan_encapsulated_proto);
            cur = vh + 1;
            count(STAT_QINQ, bytes);
        }
    }

    struct addr src = {};
    struct iphdr *ip = 0;
    __u8 l4proto;
    if (proto == ETH_P_IP) {
        ip = cur;
        if ((void *)(ip + 1) > data_end)
            goto malformed;
        if (ip->version != 4 || ip->ihl < 5)
            goto malformed;
        cur = (void *)ip + ip->ihl * 4;
        if (cur > data_end)
            goto malformed;
        count(STAT_IPV4, bytes);
        src.a[10] = 0xff;
        src.a[11] = 0xff;
        __builtin_memcpy(&src.a[12], &ip->saddr, 4);
        l4proto = ip->protocol;
    } else if (proto == ETH_P_IPV6) {
        struct ipv6hdr *ip6 = cur;
        if ((void *)(ip6 + 1) > data_end)
            goto malformed;
        if (ip6->version != 6)
            goto malformed;
        cur = ip6 + 1;
        count(STAT_IPV6, bytes);
        __builtin_memcpy(src.a, ip6->saddr.s6_addr, 16);
        l4proto = ip6->nexthdr;
        /* extension headers before the transport header: at most three */
#pragma unroll
        for (int i = 0; i < 3; i++) {
            if (l4proto != IPPROTO_HOPOPTS && l4proto != IPPROTO_ROUTING &&
                l4proto != IPPROTO_DSTOPTS)
                break;
            __u8 *ext = cur;
            if ((void *)(ext + 2) > data_end)
                goto malformed;
            l4proto = ext[0];
            cur = ext + (ext[1] + 1) * 8;
        }
    } else {
        count(STAT_NON_IP, bytes);
        return XDP_PASS;
    }

    talk(&src, bytes);
    int act = apply_rule(&src, bytes);
    if (act >= 0)
        return act;

    if (ip && (bpf_ntohs(ip->frag_off) & IP_OFFSET)) {
        count(STAT_FRAGMENT, bytes);
        return XDP_PASS;
    }
    if (l4proto == IPPROTO_TCP) {
        struct tcphdr *th = cur;
        if ((void *)(th + 1) > data_end || th->doff < 5)
            goto malformed;
        count(STAT_TCP, bytes);
    } else if (l4proto == IPPROTO_UDP) {
        if (cur + sizeof(struct udphdr) > data_end)
            goto malformed;
        count(STAT_UDP, bytes);
    } else if (l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6) {
        struct icmphdr *icmp = cur;
        if ((void *)(icmp + 1) > data_end)
            goto malformed;
        count(STAT_ICMP, bytes);
        if (ip && reply_to_ping && l4proto == IPPROTO_ICMP && icmp->type == ICMP_ECHO &&
            icmp->code == 0) {
            make_echo_reply(eth, ip, icmp);
            count(STAT_PING_REPLY, bytes);
            return XDP_TX;
        }
    } else {
        count(STAT_OTHER_L4, bytes);
    }
    return XDP_PASS;

malformed:
    count(STAT_MALFORMED, bytes);
    return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
