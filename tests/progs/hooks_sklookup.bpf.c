/* sk_lookup programs: every field of struct bpf_sk_lookup, whole and
 * narrow.  A program may only answer SK_PASS or SK_DROP, so sk_fields
 * folds the fields into a 32-bit value and answers its bit number
 * (local_port & 31): 32 runs with local_ports 0..31 read the whole value. */
#include "hooks_defs.h"

struct bpf_sk_lookup {
    __u64 sk;
    __u32 family;
    __u32 protocol;
    __u32 remote_ip4;
    __u32 remote_ip6[4];
    __u16 remote_port;
    __u16 pad;
    __u32 local_ip4;
    __u32 local_ip6[4];
    __u32 local_port;
    __u32 ingress_ifindex;
};

#define SK_DROP 0
#define SK_PASS 1

SEC("sk_lookup")
int sk_fields(struct bpf_sk_lookup *ctx)
{
    __u32 v = ctx->family;
    v = v * 31 + ctx->protocol;
    v = v * 31 + ctx->remote_ip4;
    v = v * 31 + ctx->remote_ip6[0] + ctx->remote_ip6[1] * 3 + ctx->remote_ip6[3];
    v = v * 31 + ctx->remote_port;
    v = v * 31 + *(volatile __u32 *)&ctx->remote_port; /* the u32 read of old programs */
    v = v * 31 + ctx->pad;
    v = v * 31 + ctx->local_ip4;
    v = v * 31 + ctx->local_ip6[0] + ctx->local_ip6[2] * 5 + ctx->local_ip6[3];
    v = v * 31 + (ctx->local_port >> 5);
    v = v * 31 + ctx->ingress_ifindex;
    v = v * 31 + ((volatile __u8 *)&ctx->remote_ip4)[1];
    v = v * 31 + ((volatile __u16 *)&ctx->local_ip6)[3];
    v = v * 31 + ((volatile __u8 *)&ctx->remote_port)[1];
    v = v * 31 + (ctx->sk ? 7 : 0);
    return (v >> (ctx->local_port & 31)) & 1 ? SK_PASS : SK_DROP;
}

/* drops what goes to port 22 over TCP, passes the rest */
SEC("sk_lookup")
int sk_drop_ssh(struct bpf_sk_lookup *ctx)
{
    if (ctx->protocol == 6 && ctx->local_port == 22)
        return SK_DROP;
    return SK_PASS;
}

char _license[] SEC("license") = "GPL";
