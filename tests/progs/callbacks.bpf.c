/* Callbacks passed by function pointer (ld_imm64 src=4 after linking). */
#include "bpf_defs.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} counters SEC(".maps");

struct loop_ctx {
    __u64 sum;
};

static int add_index(__u32 index, void *data)
{
    struct loop_ctx *c = data;
    c->sum += index;
    return 0;
}

static __u64 sum_elem(void *map, __u32 *key, __u64 *val, void *data)
{
    struct loop_ctx *c = data;
    c->sum += *val;
    return 0;
}

SEC("xdp")
int loop_sum(struct xdp_md *ctx)
{
    struct loop_ctx c = {0};
    bpf_loop(10, add_index, &c, 0);
    return c.sum == 45 ? 2 : 1;
}

SEC("xdp")
int map_sum(struct xdp_md *ctx)
{
    struct loop_ctx c = {0};
    bpf_for_each_map_elem(&counters, sum_elem, &c, 0);
    bpf_loop(3, add_index, &c, 0);
    return (int)c.sum;
}

char LICENSE[] SEC("license") = "GPL";
