/* The SK_MSG helpers, SK_SKB's bpf_skb_adjust_room and the skb flow hash.
 *   skm_ops     runs up to 12 operations on the message, one per u32 of
 *               sk_msg_md from remote_ip4 to local_port (kind << 28 |
 *               a << 14 | b), and answers with what it sees at the end:
 *               the window's length (bits 0-11), its first byte (12-19),
 *               which operations failed (20-23: the first four, and bit
 *               23 for any later one) and the last error (24-31, its
 *               negation)
 *   sks_room    bpf_skb_adjust_room(skb, cb[0], cb[1], cb[2] | cb[3] << 32)
 *   tc_hash     the flow hash
 *   tc_hash_use the hash helpers' rules: bit 0 the hash is stable, 1 a
 *               set hash is returned, 2 clearing brings the flow's hash
 *               back, 3 a set 0 is kept, 4 the hash is not 0, 5 skb->hash
 *               shows it
 *   tc_dev      bpf_check_mtu(skb, cb[0], &cb[1], cb[2], cb[3]): cb[4]
 *               gets the MTU it reports; the answer is its result (low
 *               byte), pkt_type (next byte) and ifindex (high half)
 *   xdp_dev     bpf_check_mtu with the arguments in the four u32 after
 *               the Ethernet header: result (low byte), the MTU (next
 *               three bytes), or XDP_PASS when the flags are all ones; the
 *               rx queue and ingress device go into the Ethernet source
 *               address */
#include "hooks_defs.h"

struct sk_msg_md {
    __u64 data;
    __u64 data_end;
    __u32 family;
    __u32 ops[12]; /* remote_ip4 .. local_port */
    __u32 size;
    __u64 sk;
};

static long (*bpf_get_hash_recalc)(void *skb) = (void *)34;
static long (*bpf_set_hash_invalid)(void *skb) = (void *)41;
static long (*bpf_skb_adjust_room)(void *skb, __s32 len_diff, __u32 mode,
                                   __u64 flags) = (void *)50;
static long (*bpf_msg_apply_bytes)(void *msg, __u32 bytes) = (void *)61;
static long (*bpf_msg_cork_bytes)(void *msg, __u32 bytes) = (void *)62;
static long (*bpf_msg_pull_data)(void *msg, __u32 start, __u32 end, __u64 flags) = (void *)63;
static long (*bpf_msg_push_data)(void *msg, __u32 start, __u32 len, __u64 flags) = (void *)90;
static long (*bpf_msg_pop_data)(void *msg, __u32 start, __u32 len, __u64 flags) = (void *)91;
static long (*bpf_check_mtu)(void *ctx, __u32 ifindex, __u32 *mtu_len, __s32 len_diff,
                             __u64 flags) = (void *)163;

enum { OP_NONE, OP_PULL, OP_PUSH, OP_POP, OP_APPLY, OP_CORK, OP_MARK, OP_PULL_F, OP_PUSH_F,
       OP_POP_F, OP_PUSH_N };

static __always_inline long msg_op(struct sk_msg_md *msg, __u32 op)
{
    __u32 kind = op >> 28, a = (op >> 14) & 0x3fff, b = op & 0x3fff;
    switch (kind) {
    case OP_PULL: return bpf_msg_pull_data(msg, a, b, 0);
    case OP_PUSH: return bpf_msg_push_data(msg, a, b, 0);
    case OP_POP: return bpf_msg_pop_data(msg, a, b, 0);
    case OP_APPLY: return bpf_msg_apply_bytes(msg, a << 14 | b);
    case OP_CORK: return bpf_msg_cork_bytes(msg, a << 14 | b);
    case OP_PULL_F: return bpf_msg_pull_data(msg, a, b, 1);
    case OP_PUSH_F: return bpf_msg_push_data(msg, a, b, 2);
    case OP_POP_F: return bpf_msg_pop_data(msg, a, b, 4);
    case OP_MARK: {
        __u8 *d = (__u8 *)(long)msg->data, *e = (__u8 *)(long)msg->data_end;
        if (d + 1 > e)
            return -1;
        d[0] = 0xee;
        return 0;
    }
    case OP_PUSH_N:
        /* b pushes of one byte at a */
        for (int i = 0; i < 16; i++) {
            if (i >= b)
                break;
            long rc = bpf_msg_push_data(msg, a, 1, 0);
            if (rc)
                return rc;
        }
        return 0;
    default:
        return 0;
    }
}

SEC("sk_msg")
int skm_ops(struct sk_msg_md *msg)
{
    __u32 failed = 0, last = 0;
#pragma clang loop unroll(full)
    for (int k = 0; k < 12; k++) {
        long rc = msg_op(msg, msg->ops[k]);
        if (rc) {
            failed |= k < 4 ? 1u << k : 8u;
            last = (__u32)-rc & 0xff;
        }
    }
    __u8 *d = (__u8 *)(long)msg->data, *e = (__u8 *)(long)msg->data_end;
    __u32 first = d + 1 <= e ? d[0] : 0;
    return (int)(((__u32)(e - d) & 0xfff) | first << 12 | failed << 20 | last << 24);
}

SEC("sk_skb/stream_verdict")
int sks_room(struct __sk_buff *skb)
{
    return (int)bpf_skb_adjust_room(skb, (__s32)skb->cb[0], skb->cb[1],
                                    skb->cb[2] | (__u64)skb->cb[3] << 32);
}

SEC("tc")
int tc_hash(struct __sk_buff *skb)
{
    return (int)bpf_get_hash_recalc(skb);
}

SEC("tc")
int tc_hash_use(struct __sk_buff *skb)
{
    __u32 a = (__u32)bpf_get_hash_recalc(skb);
    __u32 shown = skb->hash;
    __u32 b = (__u32)bpf_get_hash_recalc(skb);
    bpf_set_hash(skb, 0x1234567);
    __u32 c = (__u32)bpf_get_hash_recalc(skb);
    bpf_set_hash_invalid(skb);
    __u32 d = (__u32)bpf_get_hash_recalc(skb);
    bpf_set_hash(skb, 0);
    __u32 e = (__u32)bpf_get_hash_recalc(skb);
    return (a == b) | (c == 0x1234567) << 1 | (d == a) << 2 | (e == 0) << 3 | (a != 0) << 4 |
           (shown == a) << 5;
}

SEC("tc")
int tc_dev(struct __sk_buff *skb)
{
    __u32 mtu = skb->cb[1];
    long rc = bpf_check_mtu(skb, skb->cb[0], &mtu, (__s32)skb->cb[2], skb->cb[3]);
    skb->cb[4] = mtu;
    return (int)(((__u32)rc & 0xff) | (skb->pkt_type & 0xff) << 8 | skb->ifindex << 16);
}

SEC("xdp")
int xdp_dev(struct xdp_md *ctx)
{
    __u8 *d = (__u8 *)(long)ctx->data, *e = (__u8 *)(long)ctx->data_end;
    if (d + 30 > e)
        return XDP_ABORTED;
    __u32 *a = (__u32 *)(d + 14);
    __u32 mtu = a[1];
    long rc = bpf_check_mtu(ctx, a[0], &mtu, (__s32)a[2], a[3]);
    __u32 q = ctx->rx_queue_index, dev = ctx->ingress_ifindex;
    d[6] = (__u8)q;
    d[7] = (__u8)dev;
    d[8] = (__u8)(dev >> 8);
    if (a[3] == 0xffffffff)
        return XDP_PASS; /* for the packet hook, which passes it on */
    return (int)(((__u32)rc & 0xff) | mtu << 8);
}

char _license[] SEC("license") = "GPL";
