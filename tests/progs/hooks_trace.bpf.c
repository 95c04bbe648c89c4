/* tracing and socket program types, run on caller-given contexts */
#include "hooks_defs.h"

SEC("kprobe/do_nothing")
int kp_regs(struct pt_regs *regs)
{
    return (int)(regs->di * 3 + regs->si + (regs->ip & 0xff) + *((__u8 *)regs + 113));
}

SEC("raw_tracepoint/sys_enter")
int rtp_args(struct bpf_raw_tracepoint_args *ctx)
{
    return (int)(ctx->args[0] + ctx->args[1] * 2 + ctx->args[11]);
}

SEC("perf_event")
int pe_sample(struct bpf_perf_event_data *ctx)
{
    return (int)(ctx->sample_period + ctx->addr + ctx->regs.ax + ((__u16 *)&ctx->addr)[1]);
}

SEC("tracepoint/sched/sched_switch")
int tp_fields(void *ctx)
{
    return (int)(*(__u32 *)((char *)ctx + 8) + *(__u64 *)((char *)ctx + 24));
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
    sk->mark = sk->family * 100 + sk->type * 10 + sk->protocol;
    sk->priority = 6;
    return 1;
}

SEC("cgroup/connect4")
int sa_connect4(struct bpf_sock_addr *ctx)
{
    if (ctx->user_port == 0x5000) /* port 80 */
        ctx->user_ip4 = 0x0100007f;
    ctx->user_port = ctx->user_port + 0x0100;
    return 1;
}

SEC("sockops")
int so_reply(struct bpf_sock_ops *ctx)
{
    ctx->args[0] = ctx->op + ctx->family + (__u32)ctx->bytes_received;
    return 1;
}

SEC("syscall")
int sc_args(__u32 *args)
{
    args[1] = args[0] * 2;
    return (int)(args[0] + 1);
}

char LICENSE[] SEC("license") = "GPL";
