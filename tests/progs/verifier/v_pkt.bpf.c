/* Packet access (XDP and TC): reads and writes only after a comparison
 * with data_end proves the range; no arithmetic on data_end; range
 * propagation to copies; variable offsets; data_meta. */
#include "vdefs.h"

/* XDP: r1 = struct xdp_md *, data at +0, data_end at +4, data_meta at +8 */
#define XDP_LOAD "r2 = *(u32 *)(r1 + 0); r3 = *(u32 *)(r1 + 4);"
/* TC: struct __sk_buff, data at +76, data_end at +80, data_meta at +140 */
#define TC_LOAD "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80);"

#define PKT_CASES(S, P, LOAD)                                                                  \
    ASM_PROG(S, P##_no_check, LOAD "r0 = *(u8 *)(r2 + 0); r0 = 0; exit;")                       \
    ASM_PROG(S, P##_checked_ok,                                                                 \
             LOAD "r4 = r2; r4 += 14; r0 = 0; if r4 > r3 goto l0_%=; r0 = *(u16 *)(r2 + 12);"   \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_past_checked,                                                               \
             LOAD "r4 = r2; r4 += 14; r0 = 0; if r4 > r3 goto l0_%=; r0 = *(u16 *)(r2 + 13);"   \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_wrong_branch,                                                               \
             LOAD "r4 = r2; r4 += 14; r0 = 0; if r4 <= r3 goto l0_%=; r0 = *(u8 *)(r2 + 0);"    \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_check_ge_ok,                                                                \
             LOAD "r4 = r2; r4 += 8; r0 = 0; if r3 < r4 goto l0_%=; r0 = *(u64 *)(r2 + 0);"     \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_check_ge_off_by_one,                                                        \
             LOAD "r4 = r2; r4 += 7; r0 = 0; if r3 < r4 goto l0_%=; r0 = *(u64 *)(r2 + 0);"     \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_check_gt_strict_ok,                                                         \
             LOAD "r4 = r2; r4 += 4; r0 = 0; if r3 > r4 goto l0_%=; exit;"                      \
                  "l0_%=: r0 = *(u8 *)(r2 + 4); r0 = 0; exit;")                                 \
    ASM_PROG(S, P##_check_gt_strict_past,                                                      \
             LOAD "r4 = r2; r4 += 4; r0 = 0; if r3 > r4 goto l0_%=; exit;"                      \
                  "l0_%=: r0 = *(u8 *)(r2 + 5); r0 = 0; exit;")                                 \
    ASM_PROG(S, P##_check_lt_strict_ok,                                                         \
             LOAD "r4 = r2; r4 += 6; r0 = 0; if r4 < r3 goto l0_%=; exit;"                      \
                  "l0_%=: r0 = *(u8 *)(r2 + 6); r0 = 0; exit;")                                 \
    ASM_PROG(S, P##_write_ok,                                                                   \
             LOAD "r4 = r2; r4 += 4; r0 = 0; if r4 > r3 goto l0_%=; r5 = 0;"                    \
                  "*(u32 *)(r2 + 0) = r5; l0_%=: exit;")                                        \
    ASM_PROG(S, P##_write_unchecked, LOAD "r5 = 0; *(u32 *)(r2 + 0) = r5; r0 = 0; exit;")       \
    ASM_PROG(S, P##_negative_off,                                                               \
             LOAD "r4 = r2; r4 += 4; r0 = 0; if r4 > r3 goto l0_%=; r0 = *(u8 *)(r2 - 1);"      \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_end_arith, LOAD "r3 += -4; r0 = 0; exit;")                                  \
    ASM_PROG(S, P##_end_deref, LOAD "r0 = *(u8 *)(r3 + 0); r0 = 0; exit;")                      \
    ASM_PROG(S, P##_copy_range_ok,                                                              \
             LOAD "r5 = r2; r4 = r2; r4 += 8; r0 = 0; if r4 > r3 goto l0_%=;"                   \
                  "r0 = *(u32 *)(r5 + 4); r0 = 0; l0_%=: exit;")                                \
    ASM_PROG(S, P##_var_off_ok,                                                                 \
             LOAD "r0 = 0; r4 = r2; r4 += 1; if r4 > r3 goto l0_%=; r5 = *(u8 *)(r2 + 0);"      \
                  "r5 &= 15; r2 += r5; r4 = r2; r4 += 4; if r4 > r3 goto l0_%=;"                \
                  "r0 = *(u32 *)(r2 + 0); r0 = 0; l0_%=: exit;")                                \
    ASM_PROG(S, P##_var_off_unchecked,                                                          \
             LOAD "r0 = 0; r4 = r2; r4 += 20; if r4 > r3 goto l0_%=; r5 = *(u8 *)(r2 + 0);"     \
                  "r5 &= 15; r2 += r5; r0 = *(u32 *)(r2 + 0); r0 = 0; l0_%=: exit;")            \
    ASM_PROG(S, P##_var_off_unbounded,                                                          \
             LOAD "r0 = 0; r4 = r2; r4 += 8; if r4 > r3 goto l0_%=; r5 = *(u32 *)(r2 + 0);"     \
                  "r2 += r5; r4 = r2; r4 += 4; if r4 > r3 goto l0_%=;"                          \
                  "r0 = *(u32 *)(r2 + 0); r0 = 0; l0_%=: exit;")                                \
    ASM_PROG(S, P##_cmp_pkt_vs_scalar,                                                          \
             LOAD "r4 = 100; r0 = 0; if r2 > r4 goto l0_%=; r0 = *(u8 *)(r2 + 0);"              \
                  "r0 = 0; l0_%=: exit;")                                                       \
    ASM_PROG(S, P##_range_lost_after_add,                                                       \
             LOAD "r4 = r2; r4 += 8; r0 = 0; if r4 > r3 goto l0_%=; r2 += 8;"                   \
                  "r0 = *(u8 *)(r2 + 0); r0 = 0; l0_%=: exit;")                                 \
    ASM_PROG(S, P##_big_const_off,                                                              \
             LOAD "r2 += 0x10000; r4 = r2; r4 += 1; r0 = 0; if r4 > r3 goto l0_%=;"             \
                  "r0 = *(u8 *)(r2 + 0); r0 = 0; l0_%=: exit;")

PKT_CASES("xdp", xdp, XDP_LOAD)
PKT_CASES("tc", tc, TC_LOAD)

/* data_meta: readable up to data after a comparison with data */
ASM_PROG("xdp", xdp_meta_ok,
         "r2 = *(u32 *)(r1 + 8); r3 = *(u32 *)(r1 + 0); r4 = r2; r4 += 4; r0 = 0;"
         "if r4 > r3 goto l0_%=; r0 = *(u32 *)(r2 + 0); r0 = 0; l0_%=: exit;")
ASM_PROG("xdp", xdp_meta_unchecked,
         "r2 = *(u32 *)(r1 + 8); r0 = *(u32 *)(r2 + 0); r0 = 0; exit;")
ASM_PROG("tc", tc_meta_ok,
         "r2 = *(u32 *)(r1 + 140); r3 = *(u32 *)(r1 + 76); r4 = r2; r4 += 4; r0 = 0;"
         "if r4 > r3 goto l0_%=; r0 = *(u32 *)(r2 + 0); r0 = 0; l0_%=: exit;")

/* socket filters may not read the packet directly */
ASM_PROG("socket", sock_data_read, "r2 = *(u32 *)(r1 + 76); r0 = 0; exit;")

/* the same in C, as clang writes it */
SEC("xdp") int xdp_c_parse_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_PASS;
    if (eth->h_proto != 0x0008)
        return XDP_PASS;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end)
        return XDP_PASS;
    return ip->ttl > 1 ? XDP_PASS : XDP_DROP;
}

SEC("xdp") int xdp_c_ihl_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct iphdr *ip = data + sizeof(struct ethhdr);
    if ((void *)(ip + 1) > end)
        return XDP_PASS;
    __u32 hl = (ip->ihl_version & 0xf) * 4;
    __u8 *l4 = (void *)ip + hl;
    if ((void *)(l4 + 4) > end)
        return XDP_PASS;
    return l4[3] & 1;
}

SEC("tc") int tc_c_write_ok(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return TC_ACT_OK;
    eth->h_dest[0] = 0xff;
    return TC_ACT_OK;
}

SEC("xdp") int xdp_c_adjust_head_ok(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_head(ctx, -4))
        return XDP_DROP;
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 4 > end)
        return XDP_DROP;
    *(__u32 *)data = 0;
    return XDP_PASS;
}

/* a packet pointer loaded before bpf_xdp_adjust_head is invalid after it */
ASM_PROG("xdp", xdp_stale_after_adjust,
         "r6 = r1; r7 = *(u32 *)(r6 + 0); r8 = *(u32 *)(r6 + 4); r1 = r7; r1 += 4;"
         "if r1 > r8 goto l0_%=; r1 = r6; r2 = 0; call %[bpf_xdp_adjust_head];"
         "r0 = *(u8 *)(r7 + 0); l0_%=: r0 = 2; exit;", __imm(bpf_xdp_adjust_head))

char _license[] SEC("license") = "GPL";
