/* bpf-to-bpf calls: arguments in r1-r5, callee-saved r6-r9, the caller's
 * stack reachable through pointers, frames (depth ≤ 8), recursion,
 * returned pointers, r0 of the callee. */
#include "vdefs.h"

/* --- C --- */
static __noinline int add3(int a, int b, int c)
{
    return a + b + c;
}

SEC("socket") int call_c_args_ok(void *ctx)
{
    return add3(bpf_get_prandom_u32(), 2, 3) & 1;
}

static __noinline void fill(__u64 *p, int n)
{
    for (int i = 0; i < 4 && i < n; i++)
        p[i] = i;
}

SEC("socket") int call_c_caller_stack_ok(void *ctx)
{
    __u64 buf[4] = {};
    fill(buf, 4);
    return buf[3] & 1;
}

static __noinline int d7(int x) { return x + 1; }
static __noinline int d6(int x) { return d7(x) + 1; }
static __noinline int d5(int x) { return d6(x) + 1; }
static __noinline int d4(int x) { return d5(x) + 1; }
static __noinline int d3(int x) { return d4(x) + 1; }
static __noinline int d2(int x) { return d3(x) + 1; }
static __noinline int d1(int x) { return d2(x) + 1; }

SEC("socket") int call_c_depth8_ok(void *ctx)
{
    return d1(bpf_get_prandom_u32()) & 1;
}

static __noinline int e8(int x) { return x + 1; }
static __noinline int e7(int x) { return e8(x) + 1; }
static __noinline int e6(int x) { return e7(x) + 1; }
static __noinline int e5(int x) { return e6(x) + 1; }
static __noinline int e4(int x) { return e5(x) + 1; }
static __noinline int e3(int x) { return e4(x) + 1; }
static __noinline int e2(int x) { return e3(x) + 1; }
static __noinline int e1(int x) { return e2(x) + 1; }

SEC("socket") int call_c_depth9(void *ctx)
{
    return e1(bpf_get_prandom_u32()) & 1;
}

/* --- assembly: subprograms are static naked functions called by name
 * (a relocated `call pc+N`, src_reg = 1) --- */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} cm SEC(".maps");

#define SUB(name, body)                                                                         \
    static __naked __noinline __attribute__((used)) int name(void)                              \
    {                                                                                           \
        asm volatile(body::__imm_addr(cm), __imm(bpf_map_lookup_elem), __imm(bpf_ktime_get_ns) \
                     : "memory");                                                               \
    }
#define CP(name, body) ASM_PROG("socket", name, body, __imm(bpf_get_prandom_u32))

static int call_asm_ok_s0(void);
SUB(call_asm_ok_s0, "r0 = r1; r0 += 1; exit;")
CP(call_asm_ok, "r1 = 1; call call_asm_ok_s0; exit;")

static int call_r6_preserved_ok_s0(void);
SUB(call_r6_preserved_ok_s0, "r6 = 9; r0 = 0; exit;")
CP(call_r6_preserved_ok, "r6 = 3; call call_r6_preserved_ok_s0; r0 = r6; exit;")

static int call_r1_clobbered_s0(void);
SUB(call_r1_clobbered_s0, "r0 = 0; exit;")
CP(call_r1_clobbered, "r1 = 3; call call_r1_clobbered_s0; r0 = r1; exit;")

static int call_callee_reads_r2_uninit_s0(void);
SUB(call_callee_reads_r2_uninit_s0, "r0 = r2; exit;")
CP(call_callee_reads_r2_uninit, "r1 = 3; call call_callee_reads_r2_uninit_s0; exit;")

static int call_callee_r0_uninit_s0(void);
SUB(call_callee_r0_uninit_s0, "exit;")
CP(call_callee_r0_uninit, "r1 = 3; call call_callee_r0_uninit_s0; exit;")

static int call_callee_reads_r6_s0(void);
SUB(call_callee_reads_r6_s0, "r0 = r6; exit;")
CP(call_callee_reads_r6, "r6 = 1; call call_callee_reads_r6_s0; exit;")

static int call_caller_stack_ptr_ok_s0(void);
SUB(call_caller_stack_ptr_ok_s0, "r2 = 5; *(u64 *)(r1 + 0) = r2; r0 = 0; exit;")
CP(call_caller_stack_ptr_ok, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; call call_caller_stack_ptr_ok_s0; r0 = *(u64 *)(r10 - 8); exit;")

static int call_caller_stack_past_s0(void);
SUB(call_caller_stack_past_s0, "r2 = 5; *(u64 *)(r1 + 8) = r2; r0 = 0; exit;")
CP(call_caller_stack_past, "r1 = r10; r1 += -8; call call_caller_stack_past_s0; r0 = 0; exit;")

static int call_return_stack_ptr_s0(void);
SUB(call_return_stack_ptr_s0, "r0 = r10; r0 += -8; exit;")
CP(call_return_stack_ptr, "call call_return_stack_ptr_s0; r1 = 0; *(u64 *)(r0 + 0) = r1; r0 = 0; exit;")

static int call_recursion_s0(void);
SUB(call_recursion_s0, "call call_recursion_s0; r0 = 0; exit;")
CP(call_recursion, "r1 = 1; call call_recursion_s0; exit;")

static int call_mutual_recursion_s0(void);
static int call_mutual_recursion_s1(void);
SUB(call_mutual_recursion_s0, "call call_mutual_recursion_s1; r0 = 0; exit;")
SUB(call_mutual_recursion_s1, "call call_mutual_recursion_s0; r0 = 0; exit;")
CP(call_mutual_recursion, "call call_mutual_recursion_s0; exit;")

static int call_callee_own_stack_ok_s0(void);
SUB(call_callee_own_stack_ok_s0, "r1 = 1; *(u64 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); exit;")
CP(call_callee_own_stack_ok, "call call_callee_own_stack_ok_s0; exit;")

static int call_callee_own_stack_uninit_s0(void);
SUB(call_callee_own_stack_uninit_s0, "r0 = *(u64 *)(r10 - 8); exit;")
CP(call_callee_own_stack_uninit, "r1 = 1; *(u64 *)(r10 - 8) = r1; call call_callee_own_stack_uninit_s0; exit;")

static int call_pass_ctx_ok_s0(void);
SUB(call_pass_ctx_ok_s0, "r0 = *(u32 *)(r1 + 0); exit;")
CP(call_pass_ctx_ok, "call call_pass_ctx_ok_s0; exit;")

static int call_scalar_bounds_kept_ok_s0(void);
SUB(call_scalar_bounds_kept_ok_s0, "r1 += r2; r0 = *(u8 *)(r1 + 0); exit;")
CP(call_scalar_bounds_kept_ok, "r1 = 0; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -16; r6 = r1; call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 15; r1 = r6; call call_scalar_bounds_kept_ok_s0; r0 = 0; exit;")

static int call_scalar_bounds_too_big_s0(void);
SUB(call_scalar_bounds_too_big_s0, "r1 += r2; r0 = *(u8 *)(r1 + 0); exit;")
CP(call_scalar_bounds_too_big, "r1 = 0; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -16; r6 = r1; call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 31; r1 = r6; call call_scalar_bounds_too_big_s0; r0 = 0; exit;")

static int call_scalar_bounds_lost_s0(void);
SUB(call_scalar_bounds_lost_s0, "r2 = r10; r2 += -16; r2 += r1; r3 = 0; *(u8 *)(r2 + 0) = r3; r0 = 0; exit;")
CP(call_scalar_bounds_lost, "call %[bpf_get_prandom_u32]; r1 = r0; call call_scalar_bounds_lost_s0; r0 = 0; exit;")

static int call_scalar_checked_in_callee_ok_s0(void);
SUB(call_scalar_checked_in_callee_ok_s0, "r0 = 0; if r1 > 15 goto +5; r2 = r10; r2 += -16; r2 += r1; r3 = 0; *(u8 *)(r2 + 0) = r3; exit;")
CP(call_scalar_checked_in_callee_ok, "call %[bpf_get_prandom_u32]; r1 = r0; call call_scalar_checked_in_callee_ok_s0; r0 = 0; exit;")

static int call_map_value_from_callee_ok_s0(void);
SUB(call_map_value_from_callee_ok_s0, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[cm] ll; call %[bpf_map_lookup_elem]; exit;")
CP(call_map_value_from_callee_ok, "call call_map_value_from_callee_ok_s0; if r0 == 0 goto +1; r0 = *(u64 *)(r0 + 0); r0 = 0; exit;")

static int call_map_value_from_callee_unchecked_s0(void);
SUB(call_map_value_from_callee_unchecked_s0, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[cm] ll; call %[bpf_map_lookup_elem]; exit;")
CP(call_map_value_from_callee_unchecked, "call call_map_value_from_callee_unchecked_s0; r0 = *(u64 *)(r0 + 0); r0 = 0; exit;")

static int call_callee_helper_clobbers_ok_s0(void);
SUB(call_callee_helper_clobbers_ok_s0, "call %[bpf_ktime_get_ns]; r0 = 0; exit;")
CP(call_callee_helper_clobbers_ok, "r6 = 1; call call_callee_helper_clobbers_ok_s0; r0 = r6; exit;")

static int call_r0_scalar_from_callee_ok_s0(void);
SUB(call_r0_scalar_from_callee_ok_s0, "r0 = 5; exit;")
CP(call_r0_scalar_from_callee_ok, "call call_r0_scalar_from_callee_ok_s0; r0 &= 1; exit;")

char _license[] SEC("license") = "GPL";
