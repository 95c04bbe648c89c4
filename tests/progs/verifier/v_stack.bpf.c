/* The stack: reads of uninitialised slots, bounds (-512..-1 of r10),
 * alignment, spills and fills of registers, variable-offset access and
 * the combined stack size over bpf-to-bpf calls. */
#include "vdefs.h"

/* --- initialisation --- */
ASM_PROG("socket", stk_write_read_ok, "r1 = 1; *(u64 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); exit;")
ASM_PROG("socket", stk_read_uninit, "r0 = *(u64 *)(r10 - 8); exit;")
ASM_PROG("socket", stk_read_uninit_byte, "r0 = *(u8 *)(r10 - 1); exit;")
ASM_PROG("socket", stk_read_partly_init,
         "r1 = 1; *(u32 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); exit;")
ASM_PROG("socket", stk_read_other_slot,
         "r1 = 1; *(u64 *)(r10 - 16) = r1; r0 = *(u64 *)(r10 - 8); exit;")
ASM_PROG("socket", stk_byte_writes_ok,
         "r1 = 1; *(u8 *)(r10 - 1) = r1; *(u8 *)(r10 - 2) = r1; r0 = *(u16 *)(r10 - 2); exit;")
ASM_PROG("socket", stk_init_one_branch,
         "call %[bpf_get_prandom_u32]; if r0 > 3 goto l0_%=; r1 = 0; *(u64 *)(r10 - 8) = r1;"
         "l0_%=: r0 = *(u64 *)(r10 - 8); exit;", __imm(bpf_get_prandom_u32))
ASM_PROG("socket", stk_init_both_branches_ok,
         "call %[bpf_get_prandom_u32]; r1 = 1; *(u64 *)(r10 - 8) = r1; if r0 > 3 goto l0_%=;"
         "r1 = 0; *(u64 *)(r10 - 8) = r1; l0_%=: r0 = *(u64 *)(r10 - 8); exit;",
         __imm(bpf_get_prandom_u32))
ASM_PROG("socket", stk_imm_store_ok, ".8byte 0x00000005fff80a7a; r0 = *(u64 *)(r10 - 8); exit;")
ASM_PROG("socket", stk_imm_store_u32_ok, ".8byte 0x00000005fffc0a62; r0 = *(u32 *)(r10 - 4); exit;")
ASM_PROG("socket", stk_after_call_kept_ok,
         "r1 = 9; *(u64 *)(r10 - 8) = r1; call %[bpf_ktime_get_ns]; r0 = *(u64 *)(r10 - 8); exit;",
         __imm(bpf_ktime_get_ns))

/* --- bounds --- */
ASM_PROG("socket", stk_deepest_ok, "r1 = 1; *(u64 *)(r10 - 512) = r1; r0 = *(u64 *)(r10 - 512); exit;")
ASM_PROG("socket", stk_below_512, "r1 = 1; *(u64 *)(r10 - 520) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_straddle_512, "r1 = 1; *(u64 *)(r10 - 516) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_write_at_r10, "r1 = 1; *(u64 *)(r10 + 0) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_write_above_r10, "r1 = 1; *(u64 *)(r10 + 8) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_write_crossing_r10, "r1 = 1; *(u64 *)(r10 - 4) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_read_above_r10, "r0 = *(u32 *)(r10 + 4); exit;")
ASM_PROG("socket", stk_derived_ptr_ok,
         "r2 = r10; r2 += -16; r1 = 3; *(u64 *)(r2 + 8) = r1; r0 = *(u64 *)(r10 - 8); exit;")
ASM_PROG("socket", stk_derived_ptr_below,
         "r2 = r10; r2 += -512; r1 = 3; *(u64 *)(r2 - 8) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_derived_ptr_above,
         "r2 = r10; r2 += 8; r1 = 3; *(u64 *)(r2 + 0) = r1; r0 = 0; exit;")

/* --- alignment (the stack is always strictly aligned) --- */
ASM_PROG("socket", stk_misaligned_u64, "r1 = 1; *(u64 *)(r10 - 12) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_misaligned_u32, "r1 = 1; *(u32 *)(r10 - 6) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_misaligned_u16, "r1 = 1; *(u16 *)(r10 - 3) = r1; r0 = 0; exit;")
ASM_PROG("socket", stk_aligned_u16_ok, "r1 = 1; *(u16 *)(r10 - 6) = r1; r0 = *(u16 *)(r10 - 6); exit;")
ASM_PROG("socket", stk_misaligned_derived,
         "r2 = r10; r2 += -9; r1 = 1; *(u32 *)(r2 + 0) = r1; r0 = 0; exit;")

/* --- spills and fills --- */
ASM_PROG("socket", stk_spill_ctx_fill_ok,
         "*(u64 *)(r10 - 8) = r1; r2 = *(u64 *)(r10 - 8); r0 = *(u32 *)(r2 + 0); exit;")
ASM_PROG("socket", stk_spill_ctx_partial_fill,
         "*(u64 *)(r10 - 8) = r1; r2 = *(u32 *)(r10 - 8); r0 = *(u32 *)(r2 + 0); exit;")
ASM_PROG("socket", stk_spill_stackptr_fill_ok,
         "r2 = r10; r2 += -16; *(u64 *)(r10 - 8) = r2; r3 = *(u64 *)(r10 - 8); r1 = 1;"
         "*(u64 *)(r3 + 0) = r1; r0 = *(u64 *)(r10 - 16); exit;")
ASM_PROG("socket", stk_spill_overwritten_byte,
         "*(u64 *)(r10 - 8) = r1; r3 = 0; *(u8 *)(r10 - 8) = r3; r2 = *(u64 *)(r10 - 8);"
         "r0 = *(u32 *)(r2 + 0); exit;")
ASM_PROG("socket", stk_spill_scalar_bounds_ok,
         "call %[bpf_get_prandom_u32]; r0 &= 15; *(u64 *)(r10 - 8) = r0; r1 = *(u64 *)(r10 - 8);"
         "r2 = r10; r2 += -32; r2 += r1; r3 = 0; *(u8 *)(r2 + 0) = r3; r0 = 0; exit;",
         __imm(bpf_get_prandom_u32))
ASM_PROG("socket", stk_spill32_ok,
         "w1 = 7; *(u32 *)(r10 - 4) = r1; r0 = *(u32 *)(r10 - 4); exit;")
ASM_PROG("socket", stk_pointer_arith_on_fill_ok,
         "r2 = r10; *(u64 *)(r10 - 8) = r2; r3 = *(u64 *)(r10 - 8); r3 += -16; r1 = 0;"
         "*(u64 *)(r3 + 0) = r1; r0 = 0; exit;")

/* --- variable offsets --- */
ASM_PROG("socket", stk_var_off_write_ok,
         "call %[bpf_get_prandom_u32]; r0 &= 7; r1 = r10; r1 += -16; r1 += r0; r2 = 0;"
         "*(u8 *)(r1 + 0) = r2; r0 = 0; exit;", __imm(bpf_get_prandom_u32))
ASM_PROG("socket", stk_var_off_unbounded,
         "call %[bpf_get_prandom_u32]; r1 = r10; r1 += -16; r1 += r0; r2 = 0;"
         "*(u8 *)(r1 + 0) = r2; r0 = 0; exit;", __imm(bpf_get_prandom_u32))
ASM_PROG("socket", stk_var_off_too_far,
         "call %[bpf_get_prandom_u32]; r0 &= 31; r1 = r10; r1 += -16; r1 += r0; r2 = 0;"
         "*(u8 *)(r1 + 0) = r2; r0 = 0; exit;", __imm(bpf_get_prandom_u32))
ASM_PROG("socket", stk_var_off_read_uninit,
         "call %[bpf_get_prandom_u32]; r0 &= 7; r1 = r10; r1 += -16; r1 += r0;"
         "r0 = *(u8 *)(r1 + 0); exit;", __imm(bpf_get_prandom_u32))

/* --- bpf-to-bpf calls: each frame ≤ 512, all frames together ≤ 512 --- */
static __noinline int stk_big_callee(int x)
{
    volatile char buf[320];
    buf[x & 255] = 1;
    return buf[(x + 1) & 255];
}

SEC("socket") int stk_combined_too_big(void *ctx)
{
    volatile char buf[320];
    buf[0] = (char)bpf_get_prandom_u32();
    buf[bpf_get_prandom_u32() & 255] = 2;
    return stk_big_callee(buf[0]) + buf[1];
}

static __noinline int stk_small_callee(int x)
{
    volatile char buf[64];
    buf[x & 63] = 1;
    return buf[(x + 1) & 63];
}

SEC("socket") int stk_combined_ok(void *ctx)
{
    volatile char buf[256];
    buf[0] = (char)bpf_get_prandom_u32();
    buf[bpf_get_prandom_u32() & 255] = 2;
    return stk_small_callee(buf[0]) + buf[1];
}

SEC("socket") int stk_c_array_ok(void *ctx)
{
    __u64 a[8];
    for (int i = 0; i < 8; i++)
        a[i] = i * 3;
    __u32 k = bpf_get_prandom_u32() & 7;
    return (int)a[k];
}

char _license[] SEC("license") = "GPL";
