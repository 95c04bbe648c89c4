/* The XDP context reached through paths other than r1 of the program:
 * a pointer to it left on the caller's stack and read by a callee, by a
 * callee of a callee, by a bpf_loop or bpf_for_each_map_elem callback
 * through its callback context, stored into the caller's frame by a
 * callee, or passed on from a callback to a subprogram.  Each program
 * writes what it read into res[] (a packet byte through data and
 * data_end, ingress_ifindex and
 * rx_queue_index, which BPF_PROG_TEST_RUN gives as 1 and 0 without a
 * ctx_in) and returns XDP_PASS; tests/hooks/test_ctx_cb.c runs them on the
 * kernel and on pbpf's engines, checked and verified, and compares res. */
#include "datapath_defs.h"

static long (*bpf_for_each_map_elem)(void *map, void *callback_fn, void *callback_ctx,
                                     __u64 flags) = (void *)164;

__u64 res[8];

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} vals SEC(".maps");

struct walk {
    struct xdp_md *x;
    __u64 sum;
};

/* a packet byte (the test's packets have PKT_LEN - 50 at offset 7), read
 * through data and data_end of the context */
static __always_inline __u64 pkt_len(struct xdp_md *x)
{
    __u8 *d = (void *)(long)x->data;
    void *e = (void *)(long)x->data_end;
    if ((void *)(d + 8) > e)
        return 1;
    return d[7] + 50;
}

static long loop_step(__u32 i, struct walk *w)
{
    w->sum += pkt_len(w->x) + i;
    return 0;
}

/* bpf_loop: the context in the callback context, on the caller's stack */
SEC("xdp")
int loop_ctx(struct xdp_md *ctx)
{
    struct walk w = {.x = ctx, .sum = 0};
    bpf_loop(3, loop_step, &w, 0);
    res[0] = w.sum;
    return XDP_PASS;
}

/* a callee reads the context through a pointer to the caller's spill */
static __noinline __u64 read_via(struct xdp_md **pp)
{
    struct xdp_md *x = *pp;
    return pkt_len(x) * 1000 + x->ingress_ifindex;
}

SEC("xdp")
int sub_ctx(struct xdp_md *ctx)
{
    struct xdp_md *volatile c = ctx;
    res[1] = read_via((struct xdp_md **)&c);
    return XDP_PASS;
}

/* two levels down: the grandparent's frame */
static __noinline __u64 inner(struct walk *w)
{
    return pkt_len(w->x) + w->x->rx_queue_index * 7 + w->sum;
}

static __noinline __u64 outer(struct walk *w)
{
    w->sum += 100;
    return inner(w) + 1;
}

SEC("xdp")
int nested_ctx(struct xdp_md *ctx)
{
    struct walk w = {.x = ctx, .sum = 5};
    res[2] = outer(&w);
    return XDP_PASS;
}

/* a callee stores the context into its caller's frame */
static __noinline void keep(struct walk *w, struct xdp_md *ctx)
{
    w->x = ctx;
}

SEC("xdp")
int stored_by_callee(struct xdp_md *ctx)
{
    struct walk w = {.x = 0, .sum = 0};
    keep(&w, ctx);
    if (!w.x)
        return XDP_DROP;
    res[3] = pkt_len(w.x) + w.x->ingress_ifindex;
    return XDP_PASS;
}

/* bpf_for_each_map_elem: the context in its callback context */
static long each(void *map, __u32 *key, __u64 *val, struct walk *w)
{
    w->sum += *val * pkt_len(w->x) + w->x->ingress_ifindex;
    return 0;
}

SEC("xdp")
int each_ctx(struct xdp_md *ctx)
{
    struct walk w = {.x = ctx, .sum = 0};
    bpf_for_each_map_elem(&vals, each, &w, 0);
    res[4] = w.sum;
    return XDP_PASS;
}

/* from a callback on to a subprogram, in a register */
static __noinline __u64 len_of(struct xdp_md *x)
{
    return pkt_len(x);
}

static long loop_call(__u32 i, struct walk *w)
{
    w->sum += len_of(w->x) << i;
    return 0;
}

SEC("xdp")
int loop_to_sub(struct xdp_md *ctx)
{
    struct walk w = {.x = ctx, .sum = 0};
    bpf_loop(4, loop_call, &w, 0);
    res[5] = w.sum;
    return XDP_PASS;
}

/* a subprogram that runs bpf_loop on its caller's callback context */
static __noinline __u64 loop_in_sub(struct walk *w)
{
    bpf_loop(2, loop_step, w, 0);
    return w->sum;
}

SEC("xdp")
int sub_loop_ctx(struct xdp_md *ctx)
{
    struct walk w = {.x = ctx, .sum = 1};
    res[6] = loop_in_sub(&w);
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
