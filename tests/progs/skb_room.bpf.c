/* tc programs for the skb room, protocol and checksum-state helpers
 * (bpf_skb_adjust_room, bpf_skb_change_proto, bpf_skb_change_type,
 * bpf_csum_update, bpf_csum_level, bpf_get_cgroup_classid).  Each takes its
 * arguments from cb[] of the test run's context, so that one program runs
 * many cases, and leaves what the helpers changed in cb[] (ctx_out), the
 * return value and the packet (data_out). */
#include "hooks_defs.h"

static long (*bpf_get_cgroup_classid)(void *skb) = (void *)17;
static long (*bpf_skb_change_proto)(void *skb, __u16 proto, __u64 flags) = (void *)31;
static long (*bpf_skb_change_type)(void *skb, __u32 type) = (void *)32;
static __s64 (*bpf_csum_update)(void *skb, __u32 csum) = (void *)40;
static long (*bpf_skb_adjust_room)(void *skb, __s32 len_diff, __u32 mode,
                                   __u64 flags) = (void *)50;
static long (*bpf_csum_level)(void *skb, __u64 level) = (void *)135;

#define BPF_CSUM_LEVEL_QUERY 0
#define BPF_CSUM_LEVEL_INC 1

/* cb[0] len_diff, cb[1] mode, cb[2..3] flags (low, high word), cb[4]: bit 0
 * raises the checksum level first, bit 1 repeats the call.  Out: cb[0]
 * len, cb[1] protocol, cb[2] the checksum level (or its error), cb[3] the
 * hash, cb[4] what bpf_skb_change_tail to the same length answers (refused
 * once the packet is encapsulated); the two calls' results in r0. */
SEC("tc")
int room(struct __sk_buff *skb)
{
    __s32 diff = (__s32)skb->cb[0];
    __u32 mode = skb->cb[1], opt = skb->cb[4];
    __u64 flags = (__u64)skb->cb[3] << 32 | skb->cb[2];
    bpf_set_hash(skb, 0x5a5a);
    if (opt & 1)
        bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
    long a = bpf_skb_adjust_room(skb, diff, mode, flags);
    long b = 0;
    if (opt & 2)
        b = bpf_skb_adjust_room(skb, diff, mode, flags);
    skb->cb[0] = skb->len;
    skb->cb[1] = skb->protocol;
    skb->cb[2] = (__u32)bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
    skb->cb[3] = skb->hash;
    skb->cb[4] = (__u32)bpf_skb_change_tail(skb, skb->len, 0);
    return (int)((a & 0xffff) | (b & 0xffff) << 16);
}

/* cb[0] the protocol (network order, as a program passes it), cb[1..2]
 * flags.  Out: cb[0] len, cb[1] protocol, cb[2] hash (the helper clears
 * it), cb[3] vlan_present. */
SEC("tc")
int proto(struct __sk_buff *skb)
{
    bpf_set_hash(skb, 0x1234);
    long r = bpf_skb_change_proto(skb, (__u16)skb->cb[0], (__u64)skb->cb[2] << 32 | skb->cb[1]);
    skb->cb[0] = skb->len;
    skb->cb[1] = skb->protocol;
    skb->cb[2] = skb->hash;
    skb->cb[3] = skb->vlan_present;
    return (int)r;
}

/* the protocol changed there and back, with room adjusted in between:
 * cb[0] first protocol, cb[1] len_diff, cb[2] mode, cb[3] flags, cb[4]
 * second protocol; a VLAN tag in the packet is popped first.  The new
 * room and the IP header's first byte are written so that data_out shows
 * where each went. */
SEC("tc")
int chain(struct __sk_buff *skb)
{
    long a = bpf_skb_vlan_pop(skb);
    long b = bpf_skb_change_proto(skb, (__u16)skb->cb[0], 0);
    long c = bpf_skb_adjust_room(skb, (__s32)skb->cb[1], skb->cb[2], skb->cb[3]);
    __u8 mark = 0xab;
    long d = bpf_skb_store_bytes(skb, 14, &mark, 1, 0);
    long e = bpf_skb_change_proto(skb, (__u16)skb->cb[4], 0);
    skb->cb[0] = skb->len;
    skb->cb[1] = skb->protocol;
    skb->cb[2] = skb->vlan_present | skb->vlan_tci << 1;
    return (int)((a & 0xf) | (b & 0xfff) << 4 | (c & 0xfff) << 16 | (d & 0xf) << 28) ^ (int)e;
}

/* cb[0] and cb[1]: two pkt_type values set one after the other.  Out:
 * cb[0] pkt_type before, cb[1] after the first call, cb[2] at the end. */
SEC("tc")
int type(struct __sk_buff *skb)
{
    __u32 before = skb->pkt_type;
    long a = bpf_skb_change_type(skb, skb->cb[0]);
    __u32 mid = skb->pkt_type;
    long b = bpf_skb_change_type(skb, skb->cb[1]);
    skb->cb[0] = before;
    skb->cb[1] = mid;
    skb->cb[2] = skb->pkt_type;
    return (int)((a & 0xff) | (b & 0xff) << 8);
}

/* cb[0]: eight 4-bit bpf_csum_level arguments, applied from the low end;
 * cb[1]: a csum_update argument.  Out: cb[0..1] the eight results (one
 * byte each), cb[2] bpf_csum_update's result, cb[3] the classid. */
SEC("tc")
int csum(struct __sk_buff *skb)
{
    __u32 ops = skb->cb[0], sum = skb->cb[1];
    __u64 res = 0;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        long r = bpf_csum_level(skb, (ops >> (4 * i)) & 0xf);
        res |= (__u64)(r & 0xff) << (8 * i);
    }
    skb->cb[0] = (__u32)res;
    skb->cb[1] = (__u32)(res >> 32);
    skb->cb[2] = (__u32)bpf_csum_update(skb, sum);
    skb->cb[3] = (__u32)bpf_get_cgroup_classid(skb);
    return (int)bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
}

/* the length limits of bpf_skb_change_tail (cb[0]: the new length) and
 * bpf_skb_change_head (cb[1]: the room), and change_tail after a tunnel
 * header was pushed with cb[2] bytes (0: none) */
SEC("tc")
int limits(struct __sk_buff *skb)
{
    long e = 0;
    if (skb->cb[2])
        e = bpf_skb_adjust_room(skb, (__s32)skb->cb[2], 1, 2 /* ENCAP_L3_IPV4 */);
    long a = bpf_skb_change_tail(skb, skb->cb[0], 0);
    long b = bpf_skb_change_head(skb, skb->cb[1], 0);
    skb->cb[0] = skb->len;
    return (int)((a & 0xfff) | (b & 0xfff) << 12 | (e & 0xff) << 24);
}

/* bpf_l3_csum_replace at cb[0] and bpf_l4_csum_replace at cb[1] (Linux
 * 6.18 refuses odd offsets), each replacing the 2 bytes 0x1111 by 0x2222
 * in the checksum there */
SEC("tc")
int replace(struct __sk_buff *skb)
{
    long a = bpf_l3_csum_replace(skb, skb->cb[0], 0x1111, 0x2222, 2);
    long b = bpf_l4_csum_replace(skb, skb->cb[1], 0x1111, 0x2222, 2);
    return (int)((a & 0xff) | (b & 0xff) << 8);
}

/* room adjusted after bpf_skb_change_tail trimmed the packet to cb[0]
 * bytes: cb[1] len_diff, cb[2] mode; then the protocol changed to cb[3] */
SEC("tc")
int trimmed(struct __sk_buff *skb)
{
    long a = bpf_skb_change_tail(skb, skb->cb[0], 0);
    long b = bpf_skb_adjust_room(skb, (__s32)skb->cb[1], skb->cb[2], 0);
    long c = bpf_skb_change_proto(skb, (__u16)skb->cb[3], 0);
    skb->cb[0] = skb->len;
    return (int)((a & 0xff) | (b & 0xfff) << 8 | (c & 0xfff) << 20);
}

static long (*bpf_set_hash_invalid)(void *skb) = (void *)41;

/* an lwt_xmit program (the packet starts at its IP header) with the
 * helpers tc shares with it: the checksum level cb[0] times raised, 2
 * bytes stored at cb[1], the IPv4 checksum fixed for them, the length
 * changed to cb[2] (0: kept) */
SEC("lwt_xmit")
int xmit(struct __sk_buff *skb)
{
    __u32 n = skb->cb[0], off = skb->cb[1], len = skb->cb[2];
    for (int i = 0; i < 4; i++)
        if (i < n)
            bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
    __u16 v = 0x4242, old = 0;
    long a = bpf_skb_load_bytes(skb, off, &old, 2);
    long b = bpf_skb_store_bytes(skb, off, &v, 2, 0);
    long c = bpf_l3_csum_replace(skb, 10, old, v, 2);
    long d = len ? bpf_skb_change_tail(skb, len, 0) : 0;
    bpf_set_hash_invalid(skb);
    skb->cb[0] = (__u32)bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
    skb->cb[1] = skb->len;
    skb->cb[2] = (__u32)bpf_csum_update(skb, 0);
    return (int)((a & 0xff) | (b & 0xff) << 8 | (c & 0xff) << 16 | (d & 0xff) << 24);
}

char LICENSE[] SEC("license") = "GPL";
