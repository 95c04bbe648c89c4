/* Global functions: a non-static function in .text (BTF FUNC linkage
 * global) is verified once, on its own, with arguments made from its BTF
 * signature (scalars: any value; a pointer to the program type's context
 * struct: the context; a pointer to another sized type: that many bytes of
 * memory, maybe NULL), and every call is checked against that signature
 * instead of walking the body with the caller's values.  Its result is an
 * unknown scalar. */
#include "vdefs.h"

#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))

struct pair {
    __u64 a;
    __u64 b;
};

/* --- scalar arguments --- */
__noinline int g_add(int a, int b)
{
    return a + b;
}

SEC("socket") int glob_scalar_ok(void *ctx)
{
    return g_add(bpf_get_prandom_u32(), 2) & 1;
}

/* The result is an unknown scalar whatever the body returns: the caller
 * cannot use it as a bound. */
__noinline int g_const3(int x)
{
    return 3;
}

ASM_PROG("socket", glob_result_unknown,
         "r1 = 1; call g_const3; r1 = r0; r3 = 0; *(u64 *)(r10 - 8) = r3;"
         "r2 = r10; r2 += -8; r2 += r1; r0 = *(u8 *)(r2 + 0); r0 = 0; exit;")

/* A body that is safe only for the caller's constant argument: verified
 * on its own, the argument is any int. */
/* byte i of an 8-byte stack buffer (the asm keeps the compiler from
 * folding the read) */
#define READ_BYTE(buf, i)                                                                   \
    ({                                                                                       \
        __u64 _r, _p = (__u64)(buf);                                                         \
        asm volatile("%[p] += %[i]; %[r] = *(u8 *)(%[p] + 0);"                               \
                     : [r] "=r"(_r), [p] "+r"(_p)                                            \
                     : [i] "r"((__u64)(i))                                                   \
                     : "memory");                                                            \
        _r;                                                                                  \
    })

__noinline int g_index(__u64 i)
{
    __u64 buf = 0;
    return READ_BYTE(&buf, i);
}

SEC("socket") int glob_body_needs_caller_const(void *ctx)
{
    return g_index(3);
}

__noinline int g_index_checked(__u64 i)
{
    __u64 buf = 0;
    if (i >= 8)
        return 0;
    return READ_BYTE(&buf, i);
}

SEC("socket") int glob_body_checks_ok(void *ctx)
{
    return g_index_checked(bpf_get_prandom_u32()) & 1;
}

/* A pointer where the signature says int. */
__noinline int g_scalar_arg(long x)
{
    return x & 1;
}

ASM_PROG("socket", glob_ptr_for_scalar, "r1 = r10; r1 += -8; call g_scalar_arg; r0 = 0; exit;")

/* --- context arguments --- */
__noinline int g_skb_len(struct __sk_buff *skb)
{
    return skb->len & 1;
}

SEC("socket") int glob_ctx_ok(struct __sk_buff *skb)
{
    return g_skb_len(skb);
}

SEC("tc") int glob_ctx_tc_ok(struct __sk_buff *skb)
{
    return g_skb_len(skb);
}

ASM_PROG("socket", glob_ctx_expected, "r1 = 0; call g_skb_len; r0 = 0; exit;")
ASM_PROG("socket", glob_ctx_stack, "r1 = r10; r1 += -8; call g_skb_len; r0 = 0; exit;")
ASM_PROG("socket", glob_ctx_modified, "r1 += 4; call g_skb_len; r0 = 0; exit;")

/* struct xdp_md is not the context of a socket filter: a pointer to 24
 * bytes of memory there */
__noinline int g_xdp_data(struct xdp_md *x)
{
    if (!x)
        return 0;
    return x->ingress_ifindex & 1;
}

SEC("xdp") int glob_xdp_ctx_ok(struct xdp_md *x)
{
    return g_xdp_data(x) ? XDP_PASS : XDP_DROP;
}

ASM_PROG("socket", glob_other_ctx_struct, "call g_xdp_data; r0 = 0; exit;")

/* the context by the arg:ctx tag */
__noinline int g_tagged_ctx(void *ctx __arg_ctx)
{
    return ((struct __sk_buff *)ctx)->len & 1;
}

SEC("socket") int glob_tag_ctx_ok(struct __sk_buff *skb)
{
    return g_tagged_ctx(skb);
}

/* --- pointers to memory --- */
__noinline int g_sum_checked(struct pair *p)
{
    if (!p)
        return 0;
    return (p->a + p->b) & 1;
}

__noinline int g_sum_unchecked(struct pair *p)
{
    return (p->a + p->b) & 1;
}

__noinline int g_sum_nonnull(struct pair *p __arg_nonnull)
{
    return (p->a + p->b) & 1;
}

SEC("socket") int glob_mem_null_checked_ok(void *ctx)
{
    struct pair p = {bpf_get_prandom_u32(), 2};
    return g_sum_checked(&p);
}

SEC("socket") int glob_mem_null_passed_ok(void *ctx)
{
    return g_sum_checked((void *)0);
}

SEC("socket") int glob_mem_not_null_checked(void *ctx)
{
    struct pair p = {bpf_get_prandom_u32(), 2};
    return g_sum_unchecked(&p);
}

SEC("socket") int glob_mem_nonnull_tag_ok(void *ctx)
{
    struct pair p = {bpf_get_prandom_u32(), 2};
    return g_sum_nonnull(&p);
}

ASM_PROG("socket", glob_mem_nonnull_tag_null, "r1 = 0; call g_sum_nonnull; r0 = 0; exit;")

/* 16 bytes are asked for; only 8 are there */
ASM_PROG("socket", glob_mem_too_small, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; call g_sum_checked;"
         "r0 = 0; exit;")

/* uninitialised stack: Linux reads the bytes (root may, CAP_BPF may not) */
ASM_PROG("socket", glob_mem_uninit_stack, "r1 = r10; r1 += -16; call g_sum_checked; r0 = 0; exit;")

ASM_PROG("socket", glob_mem_scalar_arg, "r1 = 42; call g_sum_checked; r0 = 0; exit;")

ASM_PROG("socket", glob_mem_ctx_arg, "call g_sum_checked; r0 = 0; exit;")

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pair);
} gmap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} gsmall SEC(".maps");

SEC("socket") int glob_mem_map_value_ok(void *ctx)
{
    __u32 k = 0;
    struct pair *p = bpf_map_lookup_elem(&gmap, &k);
    return g_sum_checked(p);
}

SEC("socket") int glob_mem_map_value_small(void *ctx)
{
    __u32 k = 0;
    __u64 *p = bpf_map_lookup_elem(&gsmall, &k);
    return g_sum_checked((struct pair *)p);
}

/* The callee writes through the pointer: the caller's stack is unknown
 * after the call (Linux marks the bytes written). */
__noinline int g_store(__u64 *p)
{
    if (p)
        *p = 77;
    return 0;
}

ASM_PROG("socket", glob_mem_stack_clobbered, "r1 = r10; r1 += -16; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8;"
         "call g_store; r1 = *(u64 *)(r10 - 8); r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")

SEC("socket") int glob_mem_stack_written_ok(void *ctx)
{
    __u64 v = 0;
    g_store(&v);
    return v & 1;
}

/* --- return values --- */
__noinline void g_void(int *p)
{
    if (p)
        *p = 1;
}

SEC("socket") int glob_returns_void(void *ctx)
{
    int v = 0;
    g_void(&v);
    return v;
}

__noinline struct pair *g_ptr(__u32 k)
{
    return bpf_map_lookup_elem(&gmap, &k);
}

SEC("socket") int glob_returns_ptr(void *ctx)
{
    struct pair *q = g_ptr(bpf_get_prandom_u32());
    return q ? q->a & 1 : 0;
}

/* the body leaves a pointer in r0 of an int function */
__noinline long g_leak(struct __sk_buff *skb)
{
    return (long)skb;
}

SEC("socket") int glob_body_returns_ptr(struct __sk_buff *skb)
{
    return g_leak(skb) & 1;
}

/* --- unsupported arguments --- */
__noinline int g_void_ptr(void *p)
{
    return p != 0;
}

SEC("socket") int glob_void_ptr_arg(void *ctx)
{
    __u64 v = 0;
    return g_void_ptr(&v);
}

/* --- global functions calling each other, reached or not --- */
__noinline int g_inner(int x)
{
    return x & 3;
}

__noinline int g_outer(int x)
{
    return g_inner(x + 1);
}

SEC("socket") int glob_nested_ok(void *ctx)
{
    return g_outer(bpf_get_prandom_u32()) & 1;
}

/* dereferences its scalar argument */
__noinline long g_deref(long x)
{
    return *(long *)x;
}

__noinline int g_calls_bad(int x)
{
    return g_deref(x & 1);
}

SEC("socket") int glob_nested_bad(void *ctx)
{
    return g_calls_bad(bpf_get_prandom_u32()) & 1;
}

/* An unsafe global function called only on a branch the verifier proves
 * dead: Linux verifies the global functions a walk reached. */
ASM_PROG("socket", glob_bad_not_reached_ok, "r1 = 0; if r1 == 0 goto +1; call g_deref; r0 = 0; exit;")

SEC("socket") int glob_bad_reached(void *ctx)
{
    return g_deref(bpf_get_prandom_u32() & 7) & 1;
}

/* Never called: no program holds it (libbpf appends the functions a
 * program calls), and Linux would not verify it anyway. */
__noinline long g_unused_bad(long x)
{
    return *(long *)x;
}

/* --- packet pointers across a global function that may move the packet --- */
__noinline int g_adjust(struct xdp_md *x)
{
    return bpf_xdp_adjust_head(x, 0) ? 1 : 0;
}

SEC("xdp") int glob_pkt_changed(struct xdp_md *x)
{
    void *data = (void *)(long)x->data, *end = (void *)(long)x->data_end;
    if (data + 1 > end)
        return XDP_PASS;
    g_adjust(x);
    return *(__u8 *)data ? XDP_PASS : XDP_DROP;
}

__noinline int g_no_adjust(struct xdp_md *x)
{
    return x->ingress_ifindex & 1;
}

SEC("xdp") int glob_pkt_kept_ok(struct xdp_md *x)
{
    void *data = (void *)(long)x->data, *end = (void *)(long)x->data_end;
    if (data + 1 > end)
        return XDP_PASS;
    g_no_adjust(x);
    return *(__u8 *)data ? XDP_PASS : XDP_DROP;
}

/* --- a global function as a bpf_loop callback --- */
__noinline int g_cb(__u32 i, void *c)
{
    return 0;
}

SEC("socket") int glob_as_callback(void *ctx)
{
    bpf_loop(4, g_cb, 0, 0);
    return 0;
}

/* --- a map value with a bpf_spin_lock: the callee may not touch the lock --- */
struct lockval {
    struct bpf_spin_lock lock;
    __u32 v;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct lockval);
} glock SEC(".maps");

__noinline int g_lockval(struct lockval *p)
{
    return p ? p->v & 1 : 0;
}

SEC("tc") int glob_mem_spin_lock_value(void *ctx)
{
    __u32 k = 0;
    struct lockval *p = bpf_map_lookup_elem(&glock, &k);
    return g_lockval(p);
}

__noinline int g_u32(__u32 *p)
{
    return p ? *p & 1 : 0;
}

SEC("tc") int glob_mem_spin_lock_field_ok(void *ctx)
{
    __u32 k = 0;
    struct lockval *p = bpf_map_lookup_elem(&glock, &k);
    return p ? g_u32(&p->v) : 0;
}

/* --- a global function calling itself: walked once, but the call chain
 * has no end (Linux's check_max_stack_depth) --- */
__noinline int g_rec(int x)
{
    if (x <= 0)
        return 0;
    int r = g_rec(x - 1);
    asm volatile("" : "+r"(r)); /* no tail call to make a loop of */
    return r;
}

SEC("socket") int glob_recursion(void *ctx)
{
    return g_rec(bpf_get_prandom_u32() & 3) & 1;
}

char _license[] SEC("license") = "GPL";
