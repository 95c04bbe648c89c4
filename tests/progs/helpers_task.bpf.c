/* Helpers about the current task and process memory, and
 * bpf_perf_event_output: what they return depends on the process running
 * the program, so the test computes the expected values itself. */
#include "bpf_defs.h"

static long (*bpf_probe_read)(void *dst, __u32 size, const void *src) = (void *)4;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static __u64 (*bpf_get_current_uid_gid)(void) = (void *)15;
static long (*bpf_get_current_comm)(void *buf, __u32 size) = (void *)16;
static long (*bpf_perf_event_output)(void *ctx, void *map, __u64 flags, void *data,
                                     __u64 size) = (void *)25;
static long (*bpf_probe_read_str)(void *dst, __u32 size, const void *src) = (void *)45;
static long (*bpf_probe_read_user)(void *dst, __u32 size, const void *src) = (void *)112;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;
static long (*bpf_probe_read_user_str)(void *dst, __u32 size, const void *src) = (void *)114;
static long (*bpf_probe_read_kernel_str)(void *dst, __u32 size, const void *src) = (void *)115;
static __u64 (*bpf_jiffies64)(void) = (void *)118;

#define BPF_F_CURRENT_CPU 0xffffffffULL

struct {
    __uint(type, 4); /* BPF_MAP_TYPE_PERF_EVENT_ARRAY */
    __uint(key_size, 4);
    __uint(value_size, 4);
    __uint(max_entries, 64);
} events SEC(".maps");

/* What the test passes as the context: addresses in its own memory. */
struct task_ctx {
    __u64 common; /* a tracepoint's common fields: programs may not read them */
    __u64 good;   /* 16 readable bytes */
    __u64 bad;   /* an unmapped address */
    __u64 str;   /* "pbpf-str" */
    __u64 empty; /* index with no perf buffer */
};

struct task_res {
    long long pid_tgid, uid_gid, comm_rc, jiffies;
    char comm[16];
    char comm4[4];
    long long rd_rc[6];
    char rd[6][16];
    long long str_rc[8];
    char str[8][12];
    long long perf_rc[4];
};
struct task_res res;

SEC("tracepoint/pbpf/task")
int run_task(struct task_ctx *c)
{
    res.pid_tgid = bpf_get_current_pid_tgid();
    res.uid_gid = bpf_get_current_uid_gid();
    res.comm_rc = bpf_get_current_comm(res.comm, sizeof(res.comm));
    bpf_get_current_comm(res.comm4, sizeof(res.comm4));
    res.jiffies = bpf_jiffies64();

    const void *good = (const void *)(long)c->good, *bad = (const void *)(long)c->bad;
    const void *str = (const void *)(long)c->str;
    res.rd_rc[0] = bpf_probe_read(res.rd[0], 16, good);
    res.rd_rc[1] = bpf_probe_read_user(res.rd[1], 16, good);
    res.rd_rc[2] = bpf_probe_read_kernel(res.rd[2], 16, good);
    __builtin_memset(res.rd[3], 0x55, 16);
    res.rd_rc[3] = bpf_probe_read_user(res.rd[3], 16, bad);
    __builtin_memset(res.rd[4], 0x55, 16);
    res.rd_rc[4] = bpf_probe_read_kernel(res.rd[4], 16, bad);
    res.rd_rc[5] = bpf_probe_read(res.rd[5], 0, bad);

    res.str_rc[0] = bpf_probe_read_str(res.str[0], 12, str);
    res.str_rc[1] = bpf_probe_read_user_str(res.str[1], 12, str);
    res.str_rc[2] = bpf_probe_read_kernel_str(res.str[2], 12, str);
    res.str_rc[3] = bpf_probe_read_kernel_str(res.str[3], 5, str);
    __builtin_memset(res.str[4], 0x55, 12);
    res.str_rc[4] = bpf_probe_read_user_str(res.str[4], 12, bad);
    res.str_rc[5] = bpf_probe_read_user_str(res.str[5], 0, str);
    res.str_rc[6] = bpf_probe_read_kernel_str(res.str[6], 1, str);
    res.str_rc[7] = bpf_probe_read_str(res.str[7], 9, str);

    __u64 sample[2] = {0x1122334455667788ull, res.pid_tgid};
    res.perf_rc[0] = bpf_perf_event_output(c, &events, BPF_F_CURRENT_CPU, sample, sizeof(sample));
    res.perf_rc[1] = bpf_perf_event_output(c, &events, c->empty, sample, sizeof(sample));
    res.perf_rc[2] = bpf_perf_event_output(c, &events, 1ull << 32, sample, sizeof(sample));
    res.perf_rc[3] = bpf_perf_event_output(c, &events, 64, sample, sizeof(sample));
    return 0;
}


long long printk_rc[3];

SEC("tracepoint/pbpf/printk")
int run_printk(void *ctx)
{
    static const char ok[] = "%d %u %x|%%|";
    static const char bad[] = "%o";
    static const char many[] = "%d %d %d %d";
    printk_rc[0] = bpf_trace_printk(ok, sizeof(ok), -5, -5, 255);
    printk_rc[1] = bpf_trace_printk(bad, sizeof(bad), 1);
    printk_rc[2] = bpf_trace_printk(many, sizeof(many), 1, 2, 3);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
