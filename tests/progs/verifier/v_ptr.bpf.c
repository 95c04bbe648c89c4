/* Pointer arithmetic and pointer leaks: which operators are allowed on
 * which pointer types, 32-bit arithmetic on pointers, pointer - pointer,
 * comparisons of pointers, and pointers stored where they leak (maps,
 * ctx, r0) — the leak rules apply to loaders without CAP_PERFMON. */
#include "vdefs.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} pa SEC(".maps");

#define P(sec, name, body)                                                                     \
    ASM_PROG(sec, name, body, __imm_addr(pa), __imm(bpf_map_lookup_elem),                     \
             __imm(bpf_get_prandom_u32), __imm(bpf_map_update_elem))
#define VAL "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[pa] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto lx_%=;"
#define END "lx_%=: r0 = 0; exit;"

/* --- operators on pointers --- */
P("socket", ptr_stack_sub_const, "r2 = r10; r2 += -8; r2 -= 8; r1 = 0; *(u64 *)(r2 + 0) = r1; r0 = 0; exit;")
P("socket", ptr_mul, "r2 = r10; r2 *= 2; r0 = 0; exit;")
P("socket", ptr_div, "r2 = r10; r2 /= 2; r0 = 0; exit;")
P("socket", ptr_or, "r2 = r10; r2 |= 1; r0 = 0; exit;")
P("socket", ptr_and, "r2 = r10; r2 &= -8; r0 = 0; exit;")
P("socket", ptr_xor, "r2 = r10; r2 ^= 1; r0 = 0; exit;")
P("socket", ptr_lsh, "r2 = r10; r2 <<= 1; r0 = 0; exit;")
P("socket", ptr_rsh, "r2 = r10; r2 >>= 1; r0 = 0; exit;")
P("socket", ptr_arsh, "r2 = r10; r2 s>>= 1; r0 = 0; exit;")
P("socket", ptr_neg, "r2 = r10; r2 = -r2; r0 = 0; exit;")
P("socket", ptr_mod, "r2 = r10; .8byte 0x0000000300000297; r0 = 0; exit;")
P("socket", ptr_alu32_add, "r2 = r10; w2 += -8; r0 = 0; exit;")
P("socket", ptr_alu32_mov, "w2 = w10; r0 = 0; exit;")
P("socket", ptr_end_swap, "r2 = r10; r2 = be64 r2; r0 = 0; exit;")
P("socket", ptr_scalar_minus_ptr, "r2 = 8; r2 -= r10; r0 = 0; exit;")
P("socket", ptr_plus_ptr, "r2 = r10; r2 += r10; r0 = 0; exit;")
P("socket", ptr_minus_same_stack_ok, "r2 = r10; r2 += -8; r3 = r10; r3 -= r2; r0 = r3; r0 = 0; exit;")
P("socket", ptr_scalar_plus_ptr_ok, "r2 = -8; r2 += r10; r1 = 0; *(u64 *)(r2 + 0) = r1; r0 = 0; exit;")

P("socket", ptr_stack_add_neg_const_ok, "r2 = r10; r2 += -8; r2 += -8; r1 = 0; *(u64 *)(r2 + 0) = r1; r0 = 0; exit;")

/* --- the context pointer --- */
P("socket", ptr_ctx_add_const_ok, "r1 += 4; r1 += -4; r0 = *(u32 *)(r1 + 0); exit;")
P("socket", ptr_ctx_add_var, "r6 = r1; call %[bpf_get_prandom_u32]; r0 &= 4; r6 += r0; r0 = *(u32 *)(r6 + 0); exit;")
P("socket", ptr_ctx_minus_ctx, "r2 = r1; r2 -= r1; r0 = r2; exit;")

/* --- map values --- */
P("socket", ptr_mapval_add_ok, VAL "r0 += 4; r1 = *(u32 *)(r0 + 0);" END)
P("socket", ptr_mapval_minus_ok, VAL "r1 = r0; r1 += 4; r1 -= r0; r0 = r1;" END)
P("socket", ptr_mapval_mul, VAL "r0 *= 2;" END)
P("socket", ptr_map_ptr_arith, "r1 = %[pa] ll; r1 += 8; r0 = 0; exit;")
P("socket", ptr_map_ptr_deref, "r1 = %[pa] ll; r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")

/* --- comparisons --- */
P("socket", ptr_cmp_stack_scalar, "r2 = r10; r0 = 0; if r2 > 5 goto l0_%=; r0 = 1; l0_%=: exit;")
P("socket", ptr_cmp_two_stack_ok, "r2 = r10; r3 = r10; r3 += -8; r0 = 0; if r2 > r3 goto l0_%=; r0 = 1; l0_%=: exit;")
P("socket", ptr_cmp_ctx_stack, "r2 = r10; r0 = 0; if r1 > r2 goto l0_%=; r0 = 1; l0_%=: exit;")

/* --- leaks --- */
P("socket", ptr_leak_r0_stack, "r0 = r10; exit;")
P("socket", ptr_leak_r0_ctx, "r0 = r1; exit;")
P("socket", ptr_leak_into_map, VAL "r1 = r10; *(u64 *)(r0 + 0) = r1;" END)
P("socket", ptr_leak_map_update,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r10; r2 = r10; r2 += -4; r3 = r10; r3 += -16; r4 = 0; r1 = %[pa] ll; call %[bpf_map_update_elem]; r0 = 0; exit;")
P("socket", ptr_leak_into_ctx_cb, "*(u32 *)(r1 + 48) = r10; r0 = 0; exit;")
P("socket", ptr_leak_via_spill_ok, "*(u64 *)(r10 - 8) = r1; r0 = 0; exit;")
P("socket", ptr_leak_partial_spill, "*(u32 *)(r10 - 8) = r1; r0 = 0; exit;")
P("socket", ptr_leak_ptr_as_scalar_arith, "r0 = r10; r0 &= 1; exit;")
P("tc", ptr_leak_into_pkt,
  "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 8; r0 = 0; if r4 > r3 goto l0_%=; *(u64 *)(r2 + 0) = r2; l0_%=: exit;")

char _license[] SEC("license") = "GPL";
