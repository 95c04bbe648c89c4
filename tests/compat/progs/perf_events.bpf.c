/* The shape of libbpf-tools' opensnoop: a tracepoint sends one event per
 * call to user space through a perf event array. */
#include "compat_defs.h"

#define BPF_MAP_TYPE_PERF_EVENT_ARRAY 4
#define BPF_F_CURRENT_CPU 0xffffffffULL

static long (*bpf_perf_event_output)(void *ctx, void *map, __u64 flags, void *data,
                                     __u64 size) = (void *)25;

struct event {
    int pid;
    int flags;
    __u64 seq;
    char fname[24];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events SEC(".maps");

__u64 seq;
long output_errors;

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint__syscalls__sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
    struct event e = {};
    e.pid = bpf_get_current_pid_tgid() >> 32;
    e.flags = (int)ctx->args[2];
    e.seq = ++seq;
    for (int i = 0; i < 23; i++)
        e.fname[i] = 'a' + (char)((e.seq + i) % 26);
    if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e)))
        output_errors++;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
