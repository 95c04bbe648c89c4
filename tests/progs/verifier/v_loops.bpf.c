/* Loops: bounded loops are walked until they end (or the budget of 1M
 * processed instructions runs out), infinite loops are found, and
 * bpf_loop / bpf_for_each_map_elem callbacks are verified as calls. */
#include "vdefs.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} la SEC(".maps");

#define L(name, body) ASM_PROG("socket", name, body, __imm(bpf_get_prandom_u32), __imm(bpf_loop), __imm(bpf_ktime_get_ns))

/* --- bounded loops --- */
L(loop_const_ok, "r0 = 0; r1 = 0; l0_%=: r0 += 3; r1 += 1; if r1 < 100 goto l0_%=; exit;")
L(loop_down_ok, "r0 = 0; r1 = 50; l0_%=: r0 += r1; r1 += -1; if r1 != 0 goto l0_%=; exit;")
L(loop_var_bound_ok, "call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 63; r0 = 0; r1 = 0; l0_%=: r0 += 1; r1 += 1; if r1 < r2 goto l0_%=; exit;")
L(loop_unbounded, "call %[bpf_get_prandom_u32]; r2 = r0; r0 = 0; r1 = 0; l0_%=: r0 += 1; r1 += 1; if r1 != r2 goto l0_%=; exit;")
L(loop_infinite, "r0 = 0; l0_%=: if r0 == 0 goto l0_%=; exit;")
L(loop_infinite_body, "r0 = 0; r1 = 0; l0_%=: r1 = 0; r1 += 1; if r1 < 10 goto l0_%=; exit;")
L(loop_too_long, "r0 = 0; r1 = 0; l0_%=: r1 += 1; r0 += r1; r0 ^= 3; if r1 < 1000000 goto l0_%=; exit;")
L(loop_never_terminates_32, "r0 = 0; r1 = 0; l0_%=: w1 += 2; if w1 != 7 goto l0_%=; exit;")
L(loop_stack_writes_ok, "r1 = 0; l0_%=: r2 = r10; r2 += -64; r2 += r1; r3 = 0; *(u8 *)(r2 + 0) = r3; r1 += 1; if r1 < 64 goto l0_%=; r0 = *(u64 *)(r10 - 8); exit;")
L(loop_stack_writes_overrun, "r1 = 0; l0_%=: r2 = r10; r2 += -64; r2 += r1; r3 = 0; *(u8 *)(r2 + 0) = r3; r1 += 1; if r1 < 65 goto l0_%=; r0 = 0; exit;")
L(loop_nested_ok, "r0 = 0; r1 = 0; l0_%=: r2 = 0; l1_%=: r0 += 1; r2 += 1; if r2 < 10 goto l1_%=; r1 += 1; if r1 < 10 goto l0_%=; exit;")
L(loop_helper_in_body_ok, "r6 = 0; r7 = 0; l0_%=: call %[bpf_ktime_get_ns]; r7 += r0; r6 += 1; if r6 < 16 goto l0_%=; r0 = r7; r0 &= 1; exit;")
L(loop_back_edge_to_exit_ok, "r0 = 0; r1 = 3; l0_%=: r1 += -1; if r1 s> 0 goto l0_%=; exit;")

SEC("socket") int loop_c_sum_ok(void *ctx)
{
    __u32 s = 0;
    for (__u32 i = 0; i < 200; i++) {
        __u32 k = i & 7;
        __u64 *v = bpf_map_lookup_elem(&la, &k);
        if (v)
            s += (__u32)*v;
    }
    return s & 1;
}

/* --- bpf_loop callbacks: (index, ctx) -> 0 continue / 1 stop --- */
static int cb_count(__u32 idx, void *data)
{
    __u64 *n = data;
    *n += idx;
    return 0;
}

SEC("socket") int bpfloop_c_ok(void *ctx)
{
    __u64 n = 0;
    bpf_loop(100, cb_count, &n, 0);
    return n & 1;
}

static int cb_return_2(__u32 idx, void *data)
{
    return 2;
}

SEC("socket") int bpfloop_cb_bad_return(void *ctx)
{
    bpf_loop(10, cb_return_2, 0, 0);
    return 0;
}

static int cb_deref_null_ctx(__u32 idx, void *data)
{
    return *(volatile int *)data & 1;
}

SEC("socket") int bpfloop_cb_ctx_null(void *ctx)
{
    bpf_loop(10, cb_deref_null_ctx, 0, 0);
    return 0;
}

static int cb_stack_ok(__u32 idx, void *data)
{
    volatile __u64 buf[4];
    buf[idx & 3] = idx;
    *(__u64 *)data += buf[0];
    return 0;
}

SEC("socket") int bpfloop_cb_own_stack_ok(void *ctx)
{
    __u64 n = 0;
    bpf_loop(8, cb_stack_ok, &n, 0);
    return n & 1;
}

static int cb_map_ok(__u32 idx, void *data)
{
    __u32 k = idx & 7;
    __u64 *v = bpf_map_lookup_elem(&la, &k);
    if (v)
        *v += 1;
    return 0;
}

SEC("socket") int bpfloop_cb_map_ok(void *ctx)
{
    bpf_loop(1000, cb_map_ok, 0, 0);
    return 0;
}

static int cb_map_unchecked(__u32 idx, void *data)
{
    __u32 k = idx;
    __u64 *v = bpf_map_lookup_elem(&la, &k);
    asm volatile("" : "+r"(v));
    *v += 1;
    return 0;
}

SEC("socket") int bpfloop_cb_map_unchecked(void *ctx)
{
    bpf_loop(1000, cb_map_unchecked, 0, 0);
    return 0;
}

/* callbacks in assembly: the callback is a subprogram referenced by a
 * ld_imm64 with src_reg = BPF_PSEUDO_FUNC */
#define CB_PROG(name, setup, cbbody)                                                            \
    SEC("socket") __naked int name(void)                                                        \
    {                                                                                           \
        asm volatile(setup "r2 = %[cb_" #name "] ll; call %[bpf_loop]; r0 = 0; exit;" ::[cb_##name] "i"(cb_##name##_fn), \
                     __imm(bpf_loop) : "memory");                                               \
    }
#define CB_FN(name, body)                                                                       \
    static __naked __noinline __attribute__((used)) int cb_##name##_fn(void)                    \
    {                                                                                           \
        asm volatile(body ::: "memory");                                                        \
    }

CB_FN(bpfloop_asm_ok, "r0 = 0; exit;")
CB_PROG(bpfloop_asm_ok, "r1 = 5; r3 = 0; r4 = 0;", )
CB_FN(bpfloop_flags_nonzero, "r0 = 0; exit;")
CB_PROG(bpfloop_flags_nonzero, "r1 = 5; r3 = 0; r4 = 1;", )
CB_FN(bpfloop_cb_uninit_r0, "exit;")
CB_PROG(bpfloop_cb_uninit_r0, "r1 = 5; r3 = 0; r4 = 0;", )
CB_FN(bpfloop_cb_reads_r3, "r0 = r3; r0 = 0; exit;")
CB_PROG(bpfloop_cb_reads_r3, "r1 = 5; r3 = 0; r4 = 0;", )
CB_FN(bpfloop_cb_ctx_stack_ok, "r0 = *(u64 *)(r2 + 0); r0 = 0; exit;")
CB_PROG(bpfloop_cb_ctx_stack_ok, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = 5; r3 = r10; r3 += -8; r4 = 0;", )
CB_FN(bpfloop_cb_ctx_past, "r0 = *(u64 *)(r2 + 8); r0 = 0; exit;")
CB_PROG(bpfloop_cb_ctx_past, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = 5; r3 = r10; r3 += -8; r4 = 0;", )
CB_FN(bpfloop_cb_idx_scalar, "r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")
CB_PROG(bpfloop_cb_idx_scalar, "r1 = 5; r3 = 0; r4 = 0;", )

L(bpfloop_cb_not_func, "r1 = 5; r2 = 0; r3 = 0; r4 = 0; call %[bpf_loop]; r0 = 0; exit;")

char _license[] SEC("license") = "GPL";
