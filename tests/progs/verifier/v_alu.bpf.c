/* Arithmetic: division and modulo by a register that may be zero are
 * allowed (defined to give 0 / keep the dividend), by the immediate 0 are
 * rejected; shifts by an immediate ≥ the width are rejected, by a
 * register are allowed; BPF_END widths; bounds tracking through ALU. */
#include "vdefs.h"

#define A(name, body) ASM_PROG("socket", name, body, __imm(bpf_get_prandom_u32))

A(div_reg_maybe_zero_ok, "call %[bpf_get_prandom_u32]; r1 = 100; r1 /= r0; r0 = r1; r0 = 0; exit;")
A(div32_reg_maybe_zero_ok, "call %[bpf_get_prandom_u32]; w1 = 100; w1 /= w0; r0 = 0; exit;")
A(mod_reg_maybe_zero_ok, "call %[bpf_get_prandom_u32]; r1 = 100; .8byte 0x000000000000019f; r0 = 0; exit;")
A(div_reg_zero_const_ok, "r1 = 100; r2 = 0; r1 /= r2; r0 = r1; exit;")
A(div_imm_zero, "r1 = 100; .8byte 0x0000000000000137; r0 = 0; exit;")
A(mod_imm_zero, "r1 = 100; .8byte 0x0000000000000197; r0 = 0; exit;")
A(div32_imm_zero, "r1 = 100; .8byte 0x0000000000000134; r0 = 0; exit;")
A(mod32_imm_zero, "r1 = 100; .8byte 0x0000000000000194; r0 = 0; exit;")
A(div_imm_ok, "call %[bpf_get_prandom_u32]; r0 /= 7; r0 = 0; exit;")
A(sdiv_v4_ok, "r1 = 100; .8byte 0x0000000700010137; r0 = 0; exit;")

A(lsh_imm_63_ok, "r1 = 1; r1 <<= 63; r0 = 0; exit;")
A(lsh_imm_64, "r1 = 1; .8byte 0x0000004000000167; r0 = 0; exit;")
A(rsh_imm_64, "r1 = 1; .8byte 0x0000004000000177; r0 = 0; exit;")
A(arsh_imm_64, "r1 = 1; .8byte 0x00000040000001c7; r0 = 0; exit;")
A(lsh32_imm_31_ok, "w1 = 1; w1 <<= 31; r0 = 0; exit;")
A(lsh32_imm_32, "w1 = 1; .8byte 0x0000002000000164; r0 = 0; exit;")
A(rsh32_imm_32, "w1 = 1; .8byte 0x0000002000000174; r0 = 0; exit;")
A(arsh32_imm_32, "w1 = 1; .8byte 0x00000020000001c4; r0 = 0; exit;")
A(lsh_imm_negative, "r1 = 1; .8byte 0xffffffff00000167; r0 = 0; exit;")
A(lsh_reg_unknown_ok, "call %[bpf_get_prandom_u32]; r1 = 1; r1 <<= r0; r0 = 0; exit;")
A(rsh_reg_64_ok, "r2 = 64; r1 = 1; r1 >>= r2; r0 = 0; exit;")
A(lsh32_reg_unknown_ok, "call %[bpf_get_prandom_u32]; w1 = 1; w1 <<= w0; r0 = 0; exit;")

A(end_be16_ok, "r1 = 0x1234; r1 = be16 r1; r0 = r1; r0 = 0; exit;")
A(end_le64_ok, "r1 = 0x1234; r1 = le64 r1; r0 = 0; exit;")
A(end_bad_width, "r1 = 1; .8byte 0x00000008000001d4; r0 = 0; exit;")

A(neg_imm_nonzero, "r1 = 1; .8byte 0x0000000100000187; r0 = 0; exit;")
A(mov_reserved_off, "r1 = 1; .8byte 0x00000000000212bf; r0 = 0; exit;")
A(alu_unknown_op, "r1 = 1; .8byte 0x00000001000001e7; r0 = 0; exit;")

/* bounds tracking: the result must stay within a 16-byte stack buffer */
#define BUF "r1 = 0; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 8) = r1; call %[bpf_get_prandom_u32];"
#define USE "r1 = r10; r1 += -16; r1 += r0; r0 = *(u8 *)(r1 + 0); r0 = 0; exit;"
A(bounds_and_ok, BUF "r0 &= 15;" USE)
A(bounds_and_too_big, BUF "r0 &= 16;" USE)
A(bounds_mod_untracked, BUF ".8byte 0x0000001000000097;" USE)
A(bounds_rsh_ok, BUF "r0 <<= 32; r0 >>= 60;" USE)
A(bounds_rsh_too_big, BUF "r0 <<= 32; r0 >>= 59;" USE)
A(bounds_mul_ok, BUF "r0 &= 3; r0 *= 5;" USE)
A(bounds_mul_too_big, BUF "r0 &= 3; r0 *= 6;" USE)
A(bounds_sub_ok, BUF "r0 &= 7; r1 = 15; r1 -= r0; r0 = r1;" USE)
A(bounds_sub_negative, BUF "r0 &= 7; r1 = 5; r1 -= r0; r0 = r1;" USE)
A(bounds_or_ok, BUF "r0 &= 7; r0 |= 8;" USE)
A(bounds_jlt_ok, BUF "if r0 < 16 goto l0_%=; r0 = 0; exit; l0_%=:" USE)
A(bounds_jle_off_by_one, BUF "if r0 <= 16 goto l0_%=; r0 = 0; exit; l0_%=:" USE)
A(bounds_jset_ok, BUF "r0 &= 31; .8byte 0x0000001000060045;" USE "r0 = 0; exit;")
A(bounds_jeq_const_ok, BUF "if r0 == 9 goto l0_%=; r0 = 0; exit; l0_%=:" USE)
A(bounds_32bit_wrap, BUF "w0 &= 15; w0 += -1;" USE)
A(bounds_signed_negative, BUF "r0 &= 15; r0 += -8;" USE)
A(bounds_arsh_ok, BUF "r0 <<= 60; r0 s>>= 60; r0 += 8;" USE)
A(bounds_xor_ok, BUF "r0 &= 7; r0 ^= 8;" USE)
A(bounds_swap_unknown, BUF "r0 &= 15; r0 = be16 r0;" USE)

/* Linux computes no value for div and mod, even of constants, nor for a
 * shift by a register that is unknown or not below the width in all 64
 * bits (is_safe_to_compute_dst_reg_range): the result is a scalar with
 * all 64 bits unknown, also after a 32-bit op.  The branch then cannot be
 * decided and the load through the scalar r0 on its other side is seen.
 * A shift by a constant below the width is computed exactly. */
#define BAD "r0 = *(u8 *)(r0 + 0); r0 = 0; exit;"
A(div_consts_unknown, "r0 = 0; r1 = 100; r1 /= 7; if r1 == 14 goto +1;" BAD)
A(mod_reg_zero_unknown, "r0 = 0; r1 = 100; r2 = 0; .8byte 0x000000000000219f; if r1 == 100 goto +1;" BAD)
A(sdiv_consts_unknown, "r0 = 0; r1 = -100; .8byte 0x0000000700010137; if r1 == -14 goto +1;" BAD)
A(div32_upper_unknown, "call %[bpf_get_prandom_u32]; w1 = w0; r0 = 0; w1 /= 7; r1 >>= 32; "
                       "if r1 == 0 goto +1;" BAD)
A(lsh_reg_64_unknown, "r0 = 0; r1 = 1; r2 = 64; r1 <<= r2; if r1 == 1 goto +1;" BAD)
A(lsh32_reg_upper_set_unknown, "r0 = 0; w1 = 1; r2 = 0x100000003 ll; w1 <<= w2; if w1 == 8 goto +1;" BAD)
A(lsh_reg_const_ok, "r0 = 0; r1 = 1; r2 = 3; r1 <<= r2; if r1 == 8 goto +1;" BAD)
/* A register compared with itself in a loop: Linux narrows [0, 255] by one
 * from each end per "r4 s> r4" taken, but keeps [127, 128] as it is, so
 * the loop comes back to an equal state: an infinite loop. */
A(same_reg_sgt_loop, "call %[bpf_get_prandom_u32]; r4 = r0; r4 &= 1; r4 += 127; "
                     "l0_%=: r5 = 0; if r4 s> r4 goto l0_%=; r0 = 0; exit;")
A(arsh32_reg_const_ok, "r0 = 0; w1 = -64; w2 = 3; w1 s>>= w2; if w1 == -8 goto +1;" BAD)

char _license[] SEC("license") = "GPL";
