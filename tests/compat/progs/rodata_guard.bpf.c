/* Global data of the three kinds for the read-only .rodata checks: a
 * length limit in .rodata (set before load, a constant for the verifier),
 * a bias in .data and what the program saw in .bss. */
#include "compat_defs.h"

const volatile __u32 limit = 100; /* .rodata */
__u32 bias = 1;                   /* .data */
__u64 seen;                       /* .bss */

SEC("xdp")
int guard(struct xdp_md *ctx)
{
    __u32 len = ctx->data_end - ctx->data;

    seen = (__u64)limit + bias;
    return len > limit ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
