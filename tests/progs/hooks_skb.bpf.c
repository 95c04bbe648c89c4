/* socket filter (LD_ABS / LD_IND), cgroup skb and lwt programs */
#include "hooks_defs.h"

/* LD_ABS / LD_IND: the IPv4 protocol and addresses, big-endian, from the
 * network header (a socket filter sees the packet without its Ethernet
 * header); an out-of-range load ends the program with 0 */
SEC("socket")
int sf_ldabs(struct __sk_buff *skb)
{
    __u32 ver = load_byte(skb, 0) >> 4;
    __u32 proto = load_byte(skb, 9);
    __u32 saddr = load_word(skb, 12);
    __u32 tot = load_half(skb, 2);
    __u32 ihl = (load_byte(skb, 0) & 15) * 4;
    __u32 sport = load_half(skb, ihl);
    skb->cb[0] = saddr;
    return (int)(ver << 28 ^ proto << 20 ^ tot ^ sport << 8 ^ skb->len << 16);
}

SEC("socket")
int sf_ldabs_oob(struct __sk_buff *skb)
{
    __u32 a = load_byte(skb, 0);
    __u32 b = load_word(skb, skb->len - 2);
    return (int)(a + b + 1000);
}

/* socket filter fields */
SEC("socket")
int sf_fields(struct __sk_buff *skb)
{
    skb->cb[2] = skb->mark + skb->priority;
    return (int)(skb->len ^ skb->protocol << 8 ^ skb->pkt_type << 24 ^ skb->ifindex << 28 ^
                 skb->ingress_ifindex << 4);
}

/* cgroup skb: direct packet access and the socket's addresses */
SEC("cgroup_skb/ingress")
int cg_fields(struct __sk_buff *skb)
{
    __u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    if (data + 1 > end)
        return 0;
    skb->mark = data[0] ^ skb->len ^ skb->family << 8;
    skb->cb[3] = skb->remote_ip4 ^ skb->local_ip4;
    return 1;
}

/* lwt: packet bytes and fields */
SEC("lwt_in")
int lwt_fields(struct __sk_buff *skb)
{
    __u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    if (data + 20 > end)
        return 2;
    skb->cb[0] = data[9] | data[19] << 8;
    return (int)(skb->len ^ skb->protocol << 16) & 0x7fffffff;
}

char LICENSE[] SEC("license") = "GPL";
