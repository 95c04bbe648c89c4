/* tc (SCHED_CLS) programs: __sk_buff fields, writes, checksum helpers and
 * packet moves. */
#include "hooks_defs.h"

/* the __sk_buff fields a tc program reads, folded into one value; also
 * writes mark, priority, tc_index and cb */
SEC("tc")
int tc_ctx_fields(struct __sk_buff *skb)
{
    __u32 v = skb->len;
    v = v * 31 + skb->pkt_type;
    v = v * 31 + skb->mark;
    v = v * 31 + skb->protocol;
    v = v * 31 + skb->priority;
    v = v * 31 + skb->ingress_ifindex;
    v = v * 31 + skb->ifindex;
    v = v * 31 + skb->cb[0] + skb->cb[4];
    v = v * 31 + skb->vlan_present;
    v = v * 31 + skb->wire_len;
    v = v * 31 + skb->gso_segs;
    v = v * 31 + (__u32)skb->tstamp;
    v = v * 31 + (__u32)(skb->data_end - skb->data);
    v = v * 31 + (__u32)(skb->data - skb->data_meta);
    v = v * 31 + ((__u8 *)&skb->protocol)[1];
    skb->mark = v;
    skb->priority = 3;
    skb->cb[1] = skb->len;
    skb->tstamp = 12345;
    return (int)v;
}

/* rewrites the IPv4 destination of a UDP packet with the checksum helpers */
SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
    __u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    if (data + 14 + 20 + 8 > end)
        return -1;
    __u32 old;
    __builtin_memcpy(&old, data + 30, 4);
    __u32 new_ip = 0x0a00000a ^ old;
    long a = bpf_l3_csum_replace(skb, 24, old, new_ip, 4);
    long b = bpf_l4_csum_replace(skb, 40, old, new_ip, 4 | BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0);
    long c = bpf_skb_store_bytes(skb, 30, &new_ip, 4, BPF_F_INVALIDATE_HASH);
    long d = bpf_skb_store_bytes(skb, 100000, &new_ip, 4, 0);
    __u16 port = 0x3412;
    long e = bpf_l4_csum_replace(skb, 40, 0x3500, port, 2);
    long f = bpf_skb_store_bytes(skb, 36, &port, 2, 0);
    return (int)((a & 0xf) | (b & 0xf) << 4 | (c & 0xf) << 8 | (d & 0xff) << 12 | (e & 0xf) << 20 |
                 (f & 0xf) << 24);
}

/* csum_diff over two 8-byte arrays, folded */
SEC("tc")
int tc_csum_diff(struct __sk_buff *skb)
{
    __u32 from[2] = {skb->len, 0x01020304}, to[2] = {0xdeadbeef, skb->protocol};
    __s64 d = bpf_csum_diff(from, 8, to, 8, 0x1234);
    __s64 e = bpf_csum_diff(0, 0, to, 8, 0);
    __s64 bad = bpf_csum_diff(from, 6, to, 8, 0);
    __u32 s = (__u32)d;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    __u32 t = (__u32)e;
    t = (t & 0xffff) + (t >> 16);
    t = (t & 0xffff) + (t >> 16);
    return (int)((s & 0xffff) ^ (t & 0xffff) << 16 ^ ((__u32)bad & 0xff) << 24);
}

/* skb_load_bytes and the relative form, in and out of range */
SEC("tc")
int tc_load_bytes(struct __sk_buff *skb)
{
    __u8 buf[8];
    long a = bpf_skb_load_bytes(skb, 6, buf, 8);
    __u32 v = buf[0] | buf[7] << 8;
    long b = bpf_skb_load_bytes(skb, skb->len - 2, buf, 4);
    __u8 n[4];
    long c = bpf_skb_load_bytes_relative(skb, 12, n, 4, 1);
    long d = bpf_skb_load_bytes_relative(skb, 0, n, 4, 0);
    return (int)(v ^ (a & 0xff) << 16 ^ (b & 0xff) << 24 ^ n[0] ^ (c & 0xf) << 4 ^ (d & 0xf));
}

/* grows the tail by 10 zero bytes, then writes its last byte */
SEC("tc")
int tc_change_tail(struct __sk_buff *skb)
{
    __u32 len = skb->len;
    long a = bpf_skb_change_tail(skb, len + 10, 0);
    long b = bpf_skb_change_tail(skb, 2, 0);
    long c = bpf_skb_change_tail(skb, len, 1);
    __u8 x = 0x77;
    long d = bpf_skb_store_bytes(skb, len + 9, &x, 1, 0);
    return (int)((a & 0xf) | (b & 0xf) << 4 | (c & 0xf) << 8 | (d & 0xf) << 12 | skb->len << 16);
}

/* prepends 4 zero bytes and fills them; trims 1 byte with pull_data
 * checks in between */
SEC("tc")
int tc_change_head(struct __sk_buff *skb)
{
    long a = bpf_skb_change_head(skb, 4, 0);
    long b = bpf_skb_change_head(skb, 4, 1);
    long c = bpf_skb_pull_data(skb, 0);
    long d = bpf_skb_pull_data(skb, 60000);
    __u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    if (data + 4 > end)
        return -1;
    data[0] = 0xee;
    data[3] = 0xdd;
    return (int)((a & 0xf) | (b & 0xf) << 4 | (c & 0xf) << 8 | (d & 0xff) << 12 | skb->len << 20);
}

/* a VLAN tag pushed twice (the first one goes into the packet), one
 * popped; the vlan fields after each step */
SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
    long a = bpf_skb_vlan_push(skb, 0x0081, 5);
    __u32 v = skb->vlan_present | skb->vlan_tci << 1 | skb->vlan_proto << 16;
    long b = bpf_skb_vlan_push(skb, 0xa888, 9);
    __u32 w = skb->vlan_present | skb->vlan_tci << 1 | skb->len << 16;
    long c = bpf_skb_vlan_pop(skb);
    __u32 x = skb->vlan_present | skb->vlan_tci << 1 | skb->protocol << 16;
    skb->cb[0] = v;
    skb->cb[1] = w;
    skb->cb[2] = x;
    return (int)((a & 0xf) | (b & 0xf) << 4 | (c & 0xf) << 8 | skb->len << 16);
}

/* bpf_redirect and the hash helpers */
SEC("tc")
int tc_redirect(struct __sk_buff *skb)
{
    bpf_set_hash(skb, 0xabcdef);
    skb->cb[0] = skb->hash;
    return (int)bpf_redirect(3, 1);
}

char LICENSE[] SEC("license") = "GPL";
