/* An XDP counter: packets and bytes per IP protocol in a per-CPU array, a
 * total in .bss, drops of one protocol chosen in .rodata. */
#include "compat_defs.h"

struct datarec {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, struct datarec);
} proto_stats SEC(".maps");

const volatile __u32 drop_proto = 0; /* 0: drop nothing */
__u64 total_packets;

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
    unsigned char *data = (unsigned char *)(long)ctx->data;
    unsigned char *end = (unsigned char *)(long)ctx->data_end;
    __u32 proto = 0;

    total_packets++;
    /* Ethernet, then IPv4's protocol byte at offset 14 + 9 */
    if (data + 14 + 20 <= end && data[12] == 0x08 && data[13] == 0x00)
        proto = data[14 + 9];
    struct datarec *rec = bpf_map_lookup_elem(&proto_stats, &proto);
    if (rec) {
        rec->packets++;
        rec->bytes += end - data;
    }
    if (drop_proto && proto == drop_proto)
        return XDP_DROP;
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
