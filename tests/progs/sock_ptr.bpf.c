/* Socket pointers other than skb->sk's sock_common: bpf_sk_fullsock on a
 * tc program's skb->sk (a struct bpf_sock with type, protocol, mark and
 * priority too), and a cgroup connect4 program's ctx->sk (never NULL).
 * Each writes the fields it read into res[]; tests/ctxcb/test_ctx_cb.c
 * runs them (the tc one against the kernel too). */
#include "bpf_base.h"

struct bpf_sock {
    __u32 bound_dev_if, family, type, protocol, mark, priority;
    __u32 src_ip4, src_ip6[4], src_port;
    __u16 dst_port, pad;
    __u32 dst_ip4, dst_ip6[4], state;
    __s32 rx_queue_mapping;
};

/* include/uapi/linux/bpf.h: only what these programs read */
struct skb_head {
    __u32 head[42]; /* len .. gso_segs: 168 bytes */
    struct bpf_sock *sk;
};

struct sock_addr_head {
    __u32 user_family, user_ip4, user_ip6[4], user_port, family, type, protocol, msg_src_ip4;
    __u32 msg_src_ip6[4];
    struct bpf_sock *sk;
};

static struct bpf_sock *(*bpf_sk_fullsock)(struct bpf_sock *sk) = (void *)95;

__u64 res[16];

static __attribute__((always_inline)) void put(struct bpf_sock *s, int base)
{
    res[base + 0] = s->family;
    res[base + 1] = s->type;
    res[base + 2] = s->protocol;
    res[base + 3] = s->mark;
    res[base + 4] = s->priority;
    res[base + 5] = s->src_ip4;
    res[base + 6] = s->dst_ip4;
    res[base + 7] = s->state;
    res[base + 8] = (__u64)(__s64)s->rx_queue_mapping;
    res[base + 9] = s->bound_dev_if;
}

SEC("tc")
int tc_fullsock(struct skb_head *skb)
{
    struct bpf_sock *sk = skb->sk;
    res[10] = 1;
    if (!sk)
        return 0;
    res[10] = 2;
    struct bpf_sock *fs = bpf_sk_fullsock(sk);
    if (!fs)
        return 0;
    res[10] = 3;
    put(fs, 0);
    return 0;
}

SEC("cgroup/connect4")
int connect_sk(struct sock_addr_head *ctx)
{
    put(ctx->sk, 0);
    res[10] = 4;
    return 1;
}

char _license[] SEC("license") = "GPL";
