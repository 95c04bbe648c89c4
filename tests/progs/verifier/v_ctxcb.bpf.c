/* The context pointer reached through callees and callbacks: a pointer to
 * it left on the caller's stack, read in a callee or in a bpf_loop
 * callback, is still PTR_TO_CTX there (Linux tracks spilled pointers in
 * every frame), with the usual rules (no access past the fields, no moved
 * pointer); one load instruction cannot go through the context on one call
 * and through the stack on another (save_aux_ptr_type: "same insn cannot
 * be used with different pointers"). */
#include "vdefs.h"

struct holder {
    struct __sk_buff *skb;
    __u64 v;
};

static __noinline __u32 rd(void *p)
{
    return *(volatile __u32 *)p;
}

SEC("socket") int ctxcb_sub_mixed(struct __sk_buff *skb)
{
    __u32 local = 5;
    return rd(skb) + rd(&local);
}

static __noinline __u32 rd_len(struct holder *h)
{
    return h->skb->len;
}

SEC("socket") int ctxcb_sub_spill_ok(struct __sk_buff *skb)
{
    struct holder h = {.skb = skb, .v = 0};
    return rd_len(&h);
}

static long step_len(__u32 i, struct holder *h)
{
    h->v += h->skb->len;
    return 0;
}

SEC("socket") int ctxcb_loop_ok(struct __sk_buff *skb)
{
    struct holder h = {.skb = skb, .v = 0};
    bpf_loop(2, step_len, &h, 0);
    return (int)h.v;
}

static long step_bad_field(__u32 i, struct holder *h)
{
    /* __sk_buff has nothing at 4096 */
    h->v += *(volatile __u32 *)((char *)h->skb + 4096);
    return 0;
}

SEC("socket") int ctxcb_loop_bad_field(struct __sk_buff *skb)
{
    struct holder h = {.skb = skb, .v = 0};
    bpf_loop(1, step_bad_field, &h, 0);
    return (int)h.v;
}

static long step_write_len(__u32 i, struct holder *h)
{
    h->skb->len = 1;
    return 0;
}

SEC("socket") int ctxcb_loop_write_ro(struct __sk_buff *skb)
{
    struct holder h = {.skb = skb, .v = 0};
    bpf_loop(1, step_write_len, &h, 0);
    return 0;
}

struct either {
    void *p;
    __u64 v;
};

static long step_rd(__u32 i, struct either *e)
{
    e->v += *(volatile __u32 *)e->p;
    return 0;
}

/* the callback's load sees the context in one call, the stack in the
 * other */
SEC("socket") int ctxcb_loop_mixed(struct __sk_buff *skb)
{
    __u64 local = 3;
    struct either a = {.p = skb, .v = 0}, b = {.p = &local, .v = 0};
    bpf_loop(1, step_rd, &a, 0);
    bpf_loop(1, step_rd, &b, 0);
    return (int)(a.v + b.v);
}

char _license[] SEC("license") = "GPL";
