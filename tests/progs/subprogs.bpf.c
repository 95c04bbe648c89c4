/* bpf-to-bpf calls: static and global subprograms in .text, a subprogram
 * calling another, several programs in one section. */
#include "bpf_defs.h"

static __noinline int square(int x)
{
    return x * x;
}

__noinline int sum_squares(int a, int b)
{
    return square(a) + square(b);
}

static __noinline int twice(int x)
{
    return x + x;
}

SEC("tc")
int cls_a(struct __sk_buff *skb)
{
    return sum_squares(skb->len, 2);
}

SEC("tc")
int cls_b(struct __sk_buff *skb)
{
    return twice(skb->mark) + square(skb->len);
}

SEC("tc")
int cls_plain(struct __sk_buff *skb)
{
    return skb->len > 100;
}

char LICENSE[] SEC("license") = "GPL";
