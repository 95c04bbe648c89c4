/* BTF-defined maps: key/value types, sizes, flags, pinning, numa node,
 * a map of maps with initial values and a prog array of tail calls. */
#include "bpf_defs.h"

struct flow_key {
    __u32 saddr;
    __u32 daddr;
    __u16 sport;
    __u16 dport;
};

struct flow_stats {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct flow_key);
    __type(value, struct flow_stats);
    __uint(max_entries, 1024);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, 24);
    __uint(max_entries, 8);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
    __uint(numa_node, 0);
} pinned_stats SEC(".maps");

struct inner_map {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 2);
};

struct inner_map inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, struct inner_map);
} outer SEC(".maps") = {
    .values = {[0] = &inner_a, [2] = &inner_b},
};

int tail_one(struct xdp_md *ctx);
int tail_two(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 3);
    __uint(key_size, sizeof(__u32));
    __array(values, int(struct xdp_md *));
} jump_table SEC(".maps") = {
    .values = {[1] = (void *)&tail_one, [2] = (void *)&tail_two},
};

SEC("xdp")
int tail_one(struct xdp_md *ctx)
{
    return 1;
}

SEC("xdp")
int tail_two(struct xdp_md *ctx)
{
    return 2;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
    struct flow_key k = {.saddr = ctx->ingress_ifindex};
    struct flow_stats *st = bpf_map_lookup_elem(&flows, &k);
    __u32 key = 0, *inner_v;
    void *inner;

    if (st)
        st->packets++;
    inner = bpf_map_lookup_elem(&outer, &key);
    if (inner) {
        inner_v = bpf_map_lookup_elem(inner, &key);
        if (inner_v)
            return *inner_v;
    }
    if (bpf_map_lookup_elem(&pinned_stats, &key))
        bpf_tail_call(ctx, &jump_table, 1);
    return 2;
}

char LICENSE[] SEC("license") = "GPL";
