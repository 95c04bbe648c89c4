/* Declarations for the datapath-style test programs (datapath.bpf.c,
 * trace_probe.bpf.c): bpf_base.h, iproute2's map definition, the UAPI
 * contexts (__sk_buff up to data_end), protocol headers and more helpers
 * by their Linux ids (include/uapi/linux/bpf.h). */
#ifndef PBPF_TEST_DATAPATH_DEFS_H
#define PBPF_TEST_DATAPATH_DEFS_H

#include "bpf_base.h"

#define bpf_htons(x) ((__u16)__builtin_bswap16(x))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16(x))
#define bpf_htonl(x) ((__u32)__builtin_bswap32(x))
#define bpf_ntohl(x) ((__u32)__builtin_bswap32(x))

/* iproute2's map definition in SEC("maps"): `id` names the map for the
 * numeric tail-call sections "ID/SLOT". */
struct bpf_elf_map {
    __u32 type;
    __u32 size_key;
    __u32 size_value;
    __u32 max_elem;
    __u32 flags;
    __u32 id;
    __u32 pinning;
    __u32 inner_id;
    __u32 inner_idx;
};

struct __sk_buff {
    __u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto;
    __u32 priority, ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end;
};

struct pt_regs {
    unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip,
        cs, flags, sp, ss;
};

enum { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static long (*bpf_skb_store_bytes)(void *skb, __u32 off, const void *from, __u32 len,
                                   __u64 flags) = (void *)9;
static long (*bpf_l3_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to,
                                   __u64 size) = (void *)10;
static long (*bpf_l4_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to,
                                   __u64 flags) = (void *)11;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)23;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 off, void *to, __u32 len) = (void *)26;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)113;

#define BPF_F_PSEUDO_HDR 0x10

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_IPV6 0x86DD

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_AH 51
#define IPPROTO_ICMPV6 58
#define IPPROTO_NONE 59
#define IPPROTO_DSTOPTS 60

struct ethhdr {
    __u8 h_dest[6];
    __u8 h_source[6];
    __u16 h_proto;
};

struct vlan_hdr {
    __u16 tci;
    __u16 encap_proto;
};

struct iphdr {
    __u8 ihl_version; /* version << 4 | ihl */
    __u8 tos;
    __u16 tot_len;
    __u16 id;
    __u16 frag_off;
    __u8 ttl;
    __u8 protocol;
    __u16 check;
    __u32 saddr;
    __u32 daddr;
};

struct ipv6hdr {
    __u32 vtc_flow;
    __u16 payload_len;
    __u8 nexthdr;
    __u8 hop_limit;
    __u32 saddr[4];
    __u32 daddr[4];
};

struct tcphdr {
    __u16 source;
    __u16 dest;
    __u32 seq;
    __u32 ack_seq;
    __u8 doff_res; /* data offset << 4 */
    __u8 flags;    /* CWR ECE URG ACK PSH RST SYN FIN */
    __u16 window;
    __u16 check;
    __u16 urg_ptr;
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

struct udphdr {
    __u16 source;
    __u16 dest;
    __u16 len;
    __u16 check;
};

struct icmphdr {
    __u8 type;
    __u8 code;
    __u16 checksum;
    __u16 id;
    __u16 seq;
};

struct arphdr_eth {
    __u16 htype;
    __u16 ptype;
    __u8 hlen;
    __u8 plen;
    __u16 op;
    __u8 sha[6];
    __u8 spa[4];
    __u8 tha[6];
    __u8 tpa[4];
};

#endif
