/* For the object API test: .kconfig externs the loader gives values to, a
 * map whose size the loader changes, a raw tracepoint to attach, an XDP
 * program (no automatic attach point) and a program left unloaded. */
#include "compat_defs.h"

extern int CONFIG_PBPF_TEST_NUMBER __kconfig;
extern _Bool CONFIG_PBPF_TEST_FLAG __kconfig __weak;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} values SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} pairs SEC(".maps");

__u64 runs;

SEC("raw_tp/sys_enter")
int count_raw(void *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&values, &k);
    runs++;
    if (v)
        *v += CONFIG_PBPF_TEST_NUMBER;
    return CONFIG_PBPF_TEST_FLAG ? 7 : 3;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("kprobe/do_nanosleep")
int not_loaded(void *ctx)
{
    return 1;
}

SEC("kretprobe/do_nanosleep")
int on_return(void *ctx)
{
    return 2;
}

SEC("tp/sched/sched_switch")
int on_switch(void *ctx)
{
    return 4;
}

char LICENSE[] SEC("license") = "GPL";
