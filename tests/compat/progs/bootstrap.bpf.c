/* The shape of libbpf-bootstrap's "bootstrap" example: process start and
 * exit tracepoints, a hash map of start times, events to user space
 * through a ring buffer, a minimum duration set in .rodata. */
#include "compat_defs.h"

#define TASK_COMM_LEN 16

struct event {
    int pid;
    int ppid;
    unsigned exit_code;
    unsigned pad;
    unsigned long long duration_ns;
    char comm[TASK_COMM_LEN];
    _Bool exit_event;
};

/* the records the two tracepoints get here (a test-defined layout) */
struct exec_ctx {
    __u64 common;
    int pid;
    int ppid;
    char comm[TASK_COMM_LEN];
};
struct exit_ctx {
    __u64 common;
    int pid;
    int ppid;
    unsigned exit_code;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, int);
    __type(value, __u64);
} exec_start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} rb SEC(".maps");

const volatile unsigned long long min_duration_ns = 0;

SEC("tp/sched/sched_process_exec")
int handle_exec(struct exec_ctx *ctx)
{
    int pid = ctx->pid;
    __u64 ts = bpf_ktime_get_ns();
    struct event *e;

    bpf_map_update_elem(&exec_start, &pid, &ts, BPF_ANY);
    if (min_duration_ns)
        return 0;
    e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
    if (!e)
        return 0;
    e->exit_event = 0;
    e->pid = pid;
    e->ppid = ctx->ppid;
    e->exit_code = 0;
    e->duration_ns = 0;
    for (int i = 0; i < TASK_COMM_LEN; i++)
        e->comm[i] = ctx->comm[i];
    bpf_ringbuf_submit(e, 0);
    return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(struct exit_ctx *ctx)
{
    int pid = ctx->pid;
    __u64 *start_ts, duration_ns = 0;
    struct event *e;

    start_ts = bpf_map_lookup_elem(&exec_start, &pid);
    if (start_ts)
        duration_ns = bpf_ktime_get_ns() - *start_ts;
    else if (min_duration_ns)
        return 0;
    bpf_map_delete_elem(&exec_start, &pid);
    if (min_duration_ns && duration_ns < min_duration_ns)
        return 0;
    e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
    if (!e)
        return 0;
    e->exit_event = 1;
    e->duration_ns = duration_ns;
    e->pid = pid;
    e->ppid = ctx->ppid;
    e->exit_code = (ctx->exit_code >> 8) & 0xff;
    for (int i = 0; i < TASK_COMM_LEN; i++)
        e->comm[i] = 0;
    bpf_ringbuf_submit(e, 0);
    return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
