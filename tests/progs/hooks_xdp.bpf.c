/* XDP contexts and frame moves, one program per feature.  Each returns a
 * value computed from what it saw, so that test runs on pbpf and Linux can
 * be compared byte for byte (retval, data_out, ctx_out). */
#include "hooks_defs.h"

/* the xdp_md fields: packet and metadata lengths, the ingress queue */
SEC("xdp")
int xdp_ctx_fields(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    void *meta = (void *)(long)ctx->data_meta;
    return (int)((end - data) | (data - meta) << 12 | ctx->ingress_ifindex << 20 |
                 ctx->rx_queue_index << 24);
}

/* reads and writes packet bytes: swaps the MAC addresses */
SEC("xdp")
int xdp_swap_macs(struct xdp_md *ctx)
{
    __u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 14 > end)
        return XDP_DROP;
    for (int i = 0; i < 6; i++) {
        __u8 t = data[i];
        data[i] = data[i + 6];
        data[i + 6] = t;
    }
    return XDP_TX;
}

/* pushes an 8-byte header in front of the packet; returns the helper's
 * result and the new length */
SEC("xdp")
int xdp_push_head(struct xdp_md *ctx)
{
    long rc = bpf_xdp_adjust_head(ctx, -8);
    __u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (rc)
        return (int)rc;
    if (data + 8 > end)
        return XDP_DROP;
    for (int i = 0; i < 8; i++)
        data[i] = (__u8)(0xa0 + i);
    return (int)(end - data);
}

/* pops the first 14 bytes, then tries to move past the frame's start */
SEC("xdp")
int xdp_pop_head(struct xdp_md *ctx)
{
    long a = bpf_xdp_adjust_head(ctx, 14);
    long b = bpf_xdp_adjust_head(ctx, -4096);
    long c = bpf_xdp_adjust_head(ctx, 100000);
    return (int)((a & 0xff) | (b & 0xff) << 8 | (c & 0xff) << 16);
}

/* grows the tail by 16 (zeroed), writes the last byte, then shrinks by 4 */
SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
    long a = bpf_xdp_adjust_tail(ctx, 16);
    __u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 21 > end)
        return XDP_DROP;
    data[20] = 0x5a;
    long b = bpf_xdp_adjust_tail(ctx, -4);
    long c = bpf_xdp_adjust_tail(ctx, 8192);
    data = (void *)(long)ctx->data;
    end = (void *)(long)ctx->data_end;
    return (int)((a & 0xff) | (b & 0xff) << 8 | (c & 0xff) << 16) ^ (int)(end - data) << 24;
}

/* reserves 8 bytes of metadata, stores into it, and reports invalid sizes */
SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
    long bad = bpf_xdp_adjust_meta(ctx, -6);
    long big = bpf_xdp_adjust_meta(ctx, -40);
    long rc = bpf_xdp_adjust_meta(ctx, -8);
    __u32 *meta = (void *)(long)ctx->data_meta;
    void *data = (void *)(long)ctx->data;
    if (rc)
        return (int)rc;
    if ((void *)(meta + 2) > data)
        return XDP_DROP;
    meta[0] = 0x11223344;
    meta[1] = ctx->rx_queue_index + 7;
    return (int)((bad & 0xff) | (big & 0xff) << 8 | (data - (void *)meta) << 16);
}

/* bpf_redirect: the target becomes the test run's redirect result */
SEC("xdp")
int xdp_redirect_if(struct xdp_md *ctx)
{
    (void)ctx;
    return (int)bpf_redirect(7, 0);
}

char LICENSE[] SEC("license") = "GPL";
