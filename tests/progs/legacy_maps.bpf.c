/* Legacy map definitions in SEC("maps") (libbpf < 1.0, iproute2), and the
 * version section. */
#include "bpf_defs.h"

struct bpf_map_def SEC("maps") legacy_hash = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 128,
    .map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_array = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = 16,
    .max_entries = 4,
};

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
    __u32 key = 0;
    __u64 one = 1, *v = bpf_map_lookup_elem(&legacy_hash, &key);
    if (v)
        *v += 1;
    else
        bpf_map_update_elem(&legacy_hash, &key, &one, BPF_ANY);
    return bpf_map_lookup_elem(&legacy_array, &key) ? 0 : -1;
}

char _license[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0x060100;
