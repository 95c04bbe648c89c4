/* Map values: lookups return map_value_or_null (null check required),
 * accesses within value_size, variable offsets bounded by the value size,
 * keys of the map's key size. */
#include "vdefs.h"

struct val16 {
    __u64 a;
    __u64 b;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct val16);
} arr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u64);
    __type(value, struct val16);
} hash SEC(".maps");

/* r0 = lookup(arr, &0) ... then BODY with r0 the result */
#define LOOKUP_ARR "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[arr] ll; call %[bpf_map_lookup_elem];"
#define LOOKUP_HASH "r1 = 0; *(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r1 = %[hash] ll; call %[bpf_map_lookup_elem];"
#define MV(name, body) ASM_PROG("socket", name, body, __imm_addr(arr), __imm_addr(hash), __imm(bpf_map_lookup_elem), __imm(bpf_get_prandom_u32))

MV(mv_null_checked_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 8); l0_%=: r0 = 0; exit;")
MV(mv_no_null_check, LOOKUP_HASH "r0 = *(u64 *)(r0 + 0); r0 = 0; exit;")
MV(mv_null_check_ne_ok, LOOKUP_HASH "if r0 != 0 goto l0_%=; exit; l0_%=: r1 = 1; *(u64 *)(r0 + 0) = r1; r0 = 0; exit;")
MV(mv_wrong_branch, LOOKUP_HASH "if r0 != 0 goto l0_%=; r0 = *(u64 *)(r0 + 0); l0_%=: r0 = 0; exit;")
MV(mv_null_check_copy_ok, LOOKUP_HASH "r6 = r0; if r0 == 0 goto l0_%=; r0 = *(u64 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_null_check_on_copy_ok, LOOKUP_HASH "r6 = r0; if r6 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 0); l0_%=: r0 = 0; exit;")
MV(mv_null_check_32bit, LOOKUP_HASH "if w0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 0); l0_%=: r0 = 0; exit;")
MV(mv_arith_before_check, LOOKUP_HASH "r0 += 8; if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 0); l0_%=: r0 = 0; exit;")
MV(mv_last_byte_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r0 = *(u8 *)(r0 + 15); l0_%=: r0 = 0; exit;")
MV(mv_past_end, LOOKUP_ARR "if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 16); l0_%=: r0 = 0; exit;")
MV(mv_straddle_end, LOOKUP_ARR "if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 12); l0_%=: r0 = 0; exit;")
MV(mv_negative_off, LOOKUP_ARR "if r0 == 0 goto l0_%=; r0 = *(u8 *)(r0 - 1); l0_%=: r0 = 0; exit;")
MV(mv_write_past_end, LOOKUP_ARR "if r0 == 0 goto l0_%=; r1 = 0; *(u32 *)(r0 + 16) = r1; l0_%=: r0 = 0; exit;")
MV(mv_hash_value_ok, LOOKUP_HASH "if r0 == 0 goto l0_%=; r0 = *(u32 *)(r0 + 12); l0_%=: r0 = 0; exit;")
MV(mv_hash_value_past, LOOKUP_HASH "if r0 == 0 goto l0_%=; r0 = *(u32 *)(r0 + 16); l0_%=: r0 = 0; exit;")
MV(mv_hash_key_uninit, "r2 = r10; r2 += -8; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
MV(mv_hash_key_short, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
MV(mv_key_scalar, "r2 = 0; r1 = %[arr] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
MV(mv_map_not_map, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = r10; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
MV(mv_var_off_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; r0 &= 7; r6 += r0; r0 = *(u64 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_too_big, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; r0 &= 15; r6 += r0; r0 = *(u64 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_unbounded, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_checked_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; if r0 > 15 goto l0_%=; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_check_off_by_one, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; if r0 > 16 goto l0_%=; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_signed_check, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; r0 <<= 32; r0 s>>= 32; if r0 s> 15 goto l0_%=; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_signed_both_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; r0 <<= 32; r0 s>>= 32; if r0 s> 15 goto l0_%=; if r0 s< 0 goto l0_%=; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_var_off_jmp32_upper_unknown, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; if w0 > 15 goto l0_%=; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_ptr_scalar_after_null, LOOKUP_HASH "if r0 == 0 goto l0_%=; exit; l0_%=: r0 = *(u64 *)(r0 + 0); exit;")
MV(mv_lookup_twice_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0;" LOOKUP_ARR "if r0 == 0 goto l0_%=; r1 = *(u64 *)(r6 + 0); *(u64 *)(r0 + 8) = r1; l0_%=: r0 = 0; exit;")
MV(mv_second_unchecked, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0;" LOOKUP_HASH "r1 = *(u64 *)(r6 + 0); *(u64 *)(r0 + 8) = r1; l0_%=: r0 = 0; exit;")
MV(mv_update_ok, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 24) = r1; *(u64 *)(r10 - 16) = r1; r2 = r10; r2 += -4; r3 = r10; r3 += -24; r4 = 0; r1 = %[arr] ll; call 2; r0 = 0; exit;")
MV(mv_update_value_short, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r2 = r10; r2 += -4; r3 = r10; r3 += -16; r4 = 0; r1 = %[arr] ll; call 2; r0 = 0; exit;")
MV(mv_update_value_from_map_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r3 = r0; r2 = r10; r2 += -4; r4 = 0; r1 = %[arr] ll; call 2; l0_%=: r0 = 0; exit;")
MV(mv_delete_ok, "r1 = 0; *(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r1 = %[hash] ll; call 3; r0 = 0; exit;")
MV(mv_key_from_map_value_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r2 = r0; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; l0_%=: r0 = 0; exit;")

/* an array lookup with a constant key below max_entries cannot fail */
MV(mv_array_const_key_no_check_ok, LOOKUP_ARR "r0 = *(u64 *)(r0 + 0); r0 = 0; exit;")
MV(mv_array_key_out_of_range, "r1 = 4; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[arr] ll; call %[bpf_map_lookup_elem]; r0 = *(u64 *)(r0 + 0); r0 = 0; exit;")
MV(mv_array_var_key_no_check, "call %[bpf_get_prandom_u32]; *(u32 *)(r10 - 4) = r0; r2 = r10; r2 += -4; r1 = %[arr] ll; call %[bpf_map_lookup_elem]; r0 = *(u64 *)(r0 + 0); r0 = 0; exit;")

/* A non-NULL map value compared with the constant 0 on the left: Linux
 * decides the branch as with the pointer on the left (is_branch_taken
 * swaps the operands), so the load through the scalar is never seen. */
MV(mv_null_cmp_const_left_eq_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r1 = 0; if r1 == r0 goto l1_%=; l0_%=: r0 = 0; exit; l1_%=: r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")
MV(mv_null_cmp_const_left_ne_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r1 = 0; if r1 != r0 goto l0_%=; r0 = *(u64 *)(r1 + 0); l0_%=: r0 = 0; exit;")

/* An atomic fetch into its own base register: Linux fills the register
 * with the fetched value before it checks the write, which then goes
 * through an unknown scalar (check_atomic_rmw); through another register
 * it is fine.  The same on the stack.  (A constant base is printed as
 * Linux's log prints numbers.)  An atomic without fetch on the stack
 * whose source is r10 itself leaves r10 the base. */
MV(mv_atomic_fetch_into_base, LOOKUP_ARR "if r0 == 0 goto l0_%=; .8byte 0x00000001000800db; l0_%=: r0 = 0; exit;")
MV(mv_atomic_cmpxchg_r0_base, LOOKUP_ARR "if r0 == 0 goto l0_%=; r1 = 0; .8byte 0x000000f1000810db; l0_%=: r0 = 0; exit;")
MV(mv_atomic_fetch_other_reg_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r1 = 1; .8byte 0x00000001000810db; l0_%=: r0 = 0; exit;")
MV(mv_atomic_scalar_base_misaligned, "r1 = 12; r2 = 0; .8byte 0x00000000000021db; r0 = 0; exit;")
MV(mv_atomic32_stack_src_fp_ok, "r1 = 0; *(u64 *)(r10 - 8) = r1; .8byte 0x00000050fff8aac3; r0 = *(u64 *)(r10 - 8); r0 = 0; exit;")
MV(mv_atomic32_fetch_into_stack_base, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; .8byte 0x00000001000011c3; r0 = 0; exit;")
MV(mv_var_off_jmp32_zext_ok, LOOKUP_ARR "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; w0 = w0; if w0 > 15 goto l0_%=; r6 += r0; r0 = *(u8 *)(r6 + 0); l0_%=: r0 = 0; exit;")
MV(mv_store_ptr_in_value, LOOKUP_ARR "if r0 == 0 goto l0_%=; *(u64 *)(r0 + 0) = r0; l0_%=: r0 = 0; exit;")

/* in C */
SEC("socket") int mv_c_counter_ok(void *ctx)
{
    __u32 k = 1;
    struct val16 *v = bpf_map_lookup_elem(&arr, &k);
    if (!v)
        return 0;
    __sync_fetch_and_add(&v->a, 1);
    v->b = bpf_ktime_get_ns();
    return 0;
}

SEC("socket") int mv_c_hash_insert_ok(void *ctx)
{
    __u64 k = bpf_get_prandom_u32();
    struct val16 one = {1, 0}, *p = bpf_map_lookup_elem(&hash, &k);
    if (p)
        p->a += 1;
    else
        bpf_map_update_elem(&hash, &k, &one, BPF_ANY);
    return 0;
}

char _license[] SEC("license") = "GPL";
