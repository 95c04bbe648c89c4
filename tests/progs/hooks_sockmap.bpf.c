/* sk_skb and sk_msg programs (sockmap parsers and verdicts): the
 * __sk_buff fields an sk_skb program reads and writes, sk_msg_md's fields,
 * reads and writes of the message. */
#include "hooks_defs.h"

struct sk_msg_md {
    __u64 data;
    __u64 data_end;
    __u32 family;
    __u32 remote_ip4;
    __u32 local_ip4;
    __u32 remote_ip6[4];
    __u32 local_ip6[4];
    __u32 remote_port;
    __u32 local_port;
    __u32 size;
    __u64 sk;
};

#define SK_DROP 0
#define SK_PASS 1

/* a stream parser: the message is as long as its first byte says, or
 * the whole skb when that is 0 */
SEC("sk_skb/stream_parser")
int sks_parser(struct __sk_buff *skb)
{
    __u8 *data = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end;
    if (data + 1 > end)
        return 0;
    return data[0] ? data[0] : (int)skb->len;
}

/* a verdict reading every field an sk_skb program may read, folded into
 * cb-less outputs: priority and tc_index (the two writable fields) and
 * the first bytes of the message; passes odd folds, drops even ones */
SEC("sk_skb/stream_verdict")
int sks_verdict(struct __sk_buff *skb)
{
    __u32 v = skb->len;
    v = v * 31 + skb->pkt_type;
    v = v * 31 + skb->queue_mapping;
    v = v * 31 + skb->protocol;
    v = v * 31 + skb->vlan_present + skb->vlan_tci + skb->vlan_proto;
    v = v * 31 + skb->priority;
    v = v * 31 + skb->ingress_ifindex + skb->ifindex;
    v = v * 31 + skb->tc_index;
    v = v * 31 + skb->cb[0] + skb->cb[4];
    v = v * 31 + skb->hash;
    v = v * 31 + skb->napi_id;
    v = v * 31 + skb->family;
    v = v * 31 + skb->remote_ip4 + skb->local_ip4;
    v = v * 31 + skb->remote_ip6[0] + skb->remote_ip6[3] + skb->local_ip6[1];
    v = v * 31 + skb->remote_port + skb->local_port;
    v = v * 31 + skb->gso_segs + skb->gso_size;
    v = v * 31 + ((__u8 *)&skb->local_port)[0];
    v = v * 31 + (skb->sk ? 1 : 0);
    skb->priority = v;
    skb->tc_index = v >> 16;
    __u8 *data = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end;
    if (data + 4 <= end) {
        __u8 buf[4];
        if (bpf_skb_load_bytes(skb, 0, buf, 4) == 0) {
            data[0] = buf[3] ^ (__u8)v;
            data[3] = buf[0];
        }
    }
    return v & 1 ? SK_PASS : SK_DROP;
}

/* the packet helpers an sk_skb program has: the message pulled, grown by
 * 4 bytes written with bpf_skb_store_bytes, and 2 zeroed bytes pushed in
 * front; the answer is the new length */
SEC("sk_skb/stream_verdict")
int sks_rewrite(struct __sk_buff *skb)
{
    __u32 len = skb->len;
    const char tail[4] = {'E', 'N', 'D', '!'};
    if (bpf_skb_pull_data(skb, len))
        return -1;
    if (bpf_skb_change_tail(skb, len + 4, 0))
        return -2;
    if (bpf_skb_store_bytes(skb, len, tail, 4, 0))
        return -3;
    if (bpf_skb_change_head(skb, 2, 0))
        return -4;
    return (int)skb->len;
}

/* an sk_msg verdict: every field, the message upper-cased in place where
 * it is ASCII lower case (at most 64 bytes) */
SEC("sk_msg")
int skm_verdict(struct sk_msg_md *msg)
{
    __u32 v = msg->family;
    v = v * 31 + msg->remote_ip4;
    v = v * 31 + msg->local_ip4;
    v = v * 31 + msg->remote_ip6[0] + msg->remote_ip6[1] + msg->remote_ip6[2] + msg->remote_ip6[3];
    v = v * 31 + msg->local_ip6[0] + msg->local_ip6[1] + msg->local_ip6[2] + msg->local_ip6[3];
    v = v * 31 + msg->remote_port;
    v = v * 31 + msg->local_port;
    v = v * 31 + msg->size;
    __u8 *data = (__u8 *)(long)msg->data, *end = (__u8 *)(long)msg->data_end;
    v = v * 31 + (__u32)(end - data);
    for (int i = 0; i < 64; i++) {
        if (data + i + 1 > end)
            break;
        if (data[i] >= 'a' && data[i] <= 'z')
            data[i] -= 32;
    }
    if (data + 4 <= end)
        *(__u32 *)data = v;
    return SK_PASS;
}

char _license[] SEC("license") = "GPL";
