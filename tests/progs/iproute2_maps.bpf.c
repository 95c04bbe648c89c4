/* iproute2's (tc) conventions: struct bpf_elf_map, longer than libbpf's
 * struct bpf_map_def, in SEC("maps"); a pinned prog array; programs in
 * "classifier" and in a numeric tail-call section "1/0". */
#include "bpf_defs.h"

struct bpf_elf_map {
    __u32 type;
    __u32 size_key;
    __u32 size_value;
    __u32 max_elem;
    __u32 flags;
    __u32 id;
    __u32 pinning;
    __u32 inner_id;
    __u32 inner_idx;
};

#define PIN_GLOBAL_NS 2

struct bpf_elf_map SEC("maps") jmp_tc = {
    .type = BPF_MAP_TYPE_PROG_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .max_elem = 2,
    .pinning = PIN_GLOBAL_NS,
    .id = 1,
};

struct bpf_elf_map SEC("maps") counts = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .max_elem = 1,
};

SEC("1/0")
int tail_count(struct __sk_buff *skb)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&counts, &k);
    if (v)
        __sync_fetch_and_add(v, 1);
    return 0;
}

SEC("classifier")
int cls_entry(struct __sk_buff *skb)
{
    bpf_tail_call(skb, &jmp_tc, 0);
    return 0;
}

char __license[] SEC("license") = "GPL";
