/* Registers: reads of uninitialised registers, writes to the frame
 * pointer r10, what r0 must hold at exit, caller-saved registers after a
 * call, and malformed control flow. */
#include "vdefs.h"

/* --- uninitialised registers --- */
ASM_PROG("socket", reg_r0_init_ok, "r0 = 0; exit;")
ASM_PROG("socket", reg_exit_r0_uninit, "exit;")
ASM_PROG("socket", reg_read_r2_uninit, "r0 = r2; exit;")
ASM_PROG("socket", reg_alu_r3_uninit, "r0 = 1; r0 += r3; exit;")
ASM_PROG("socket", reg_alu_dst_uninit, "r4 += 1; r0 = 0; exit;")
ASM_PROG("socket", reg_jmp_uninit, "r0 = 0; if r5 > 3 goto l0_%=; r0 = 1; l0_%=: exit;")
ASM_PROG("socket", reg_store_src_uninit, "*(u64 *)(r10 - 8) = r6; r0 = 0; exit;")
ASM_PROG("socket", reg_load_base_uninit, "r0 = *(u64 *)(r7 + 0); exit;")
ASM_PROG("socket", reg_r1_ctx_ok, "r0 = r1; r0 = 0; exit;")
ASM_PROG("socket", reg_mov_then_read_ok, "r2 = 5; r3 = r2; r0 = r3; r0 &= 1; exit;")
ASM_PROG("socket", reg_one_branch_init,
         "call %[bpf_get_prandom_u32]; if r0 > 7 goto l0_%=; r6 = 1; l0_%=: r0 = r6; exit;",
         __imm(bpf_get_prandom_u32))
ASM_PROG("socket", reg_both_branches_init_ok,
         "call %[bpf_get_prandom_u32]; r6 = 2; if r0 > 7 goto l0_%=; r6 = 1; l0_%=: r0 = r6; exit;",
         __imm(bpf_get_prandom_u32))
ASM_PROG("socket", reg_neg_uninit, "r8 = -r8; r0 = 0; exit;")
ASM_PROG("socket", reg_end_uninit_32, "w0 = w9; exit;")

/* --- caller-saved registers after a helper call --- */
ASM_PROG("socket", reg_r1_after_call, "call %[bpf_ktime_get_ns]; r0 = r1; exit;",
         __imm(bpf_ktime_get_ns))
ASM_PROG("socket", reg_r5_after_call, "r5 = 1; call %[bpf_ktime_get_ns]; r0 = r5; exit;",
         __imm(bpf_ktime_get_ns))
ASM_PROG("socket", reg_r6_after_call_ok,
         "r6 = 1; call %[bpf_ktime_get_ns]; r0 = r6; exit;", __imm(bpf_ktime_get_ns))
ASM_PROG("socket", reg_r9_after_call_ok,
         "r9 = 3; call %[bpf_get_prandom_u32]; r0 = r9; exit;", __imm(bpf_get_prandom_u32))

/* --- r10, the read-only frame pointer --- */
ASM_PROG("socket", r10_write_mov, "r10 = 0; r0 = 0; exit;")
ASM_PROG("socket", r10_write_add, "r10 += -8; r0 = 0; exit;")
ASM_PROG("socket", r10_write_load, "r10 = *(u64 *)(r1 + 0); r0 = 0; exit;")
ASM_PROG("socket", r10_write_32, "w10 = 1; r0 = 0; exit;")
ASM_PROG("socket", r10_write_neg, "r10 = -r10; r0 = 0; exit;")
ASM_PROG("socket", r10_copy_ok, "r1 = r10; r1 += -8; r2 = 0; *(u64 *)(r1 + 0) = r2; r0 = 0; exit;")
ASM_PROG("socket", r10_read_as_scalar_ok, "r0 = r10; r0 = 0; exit;")

/* --- r0 at exit --- */
ASM_PROG("socket", exit_r0_scalar_ok, "r0 = 7; exit;")
ASM_PROG("cgroup_skb/ingress", exit_cgroup_range_ok, "r0 = 1; exit;")
ASM_PROG("cgroup_skb/ingress", exit_cgroup_range_bad, "r0 = 5; exit;")
ASM_PROG("cgroup_skb/ingress", exit_cgroup_unknown,
         "call %[bpf_get_prandom_u32]; exit;", __imm(bpf_get_prandom_u32))
ASM_PROG("cgroup_skb/ingress", exit_cgroup_masked_ok,
         "call %[bpf_get_prandom_u32]; r0 &= 1; exit;", __imm(bpf_get_prandom_u32))
ASM_PROG("cgroup_skb/ingress", exit_cgroup_ctx_ptr, "r0 = r1; exit;")
ASM_PROG("cgroup_skb/ingress", exit_cgroup_stack_ptr, "r0 = r10; exit;")
ASM_PROG("xdp", exit_xdp_ctx_ptr, "r0 = r1; exit;")
ASM_PROG("xdp", exit_xdp_uninit, "exit;")
ASM_PROG("xdp", exit_xdp_ok, "r0 = 2; exit;")

/* --- control flow that Linux rejects before any state is tracked --- */
ASM_PROG("socket", cfg_unreachable, "r0 = 0; exit; r0 = 1; exit;")
ASM_PROG("socket", cfg_jump_out_of_range, "r0 = 0; if r1 == 0 goto +5; exit;")
ASM_PROG("socket", cfg_fall_off_end, "r0 = 0; if r0 == 0 goto l0_%=; exit; l0_%=: r0 = 1;")
ASM_PROG("socket", cfg_no_exit_loop, "r0 = 0; l0_%=: r0 += 1; goto l0_%=; exit;")
ASM_PROG("socket", cfg_dead_branch_ok,
         "r0 = 0; if r0 != 0 goto l0_%=; exit; l0_%=: r0 = r9; exit;")
ASM_PROG("socket", cfg_reserved_opcode, ".8byte 0x00000000000000f7; r0 = 0; exit;")
ASM_PROG("socket", cfg_bad_register, ".8byte 0x0000000000000bb7; r0 = 0; exit;")
ASM_PROG("socket", cfg_ldimm64_bad_second,
         "r0 = 0; .8byte 0x0000000000000018; .8byte 0x00000000000000b7; exit;")
ASM_PROG("socket", cfg_ldimm64_ok, "r0 = 0x100000000 ll; r0 >>= 32; exit;")
ASM_PROG("socket", cfg_jump_into_ldimm64,
         "r0 = 0; if r1 == 0 goto +1; r2 = 0x100000000 ll; exit;")

char _license[] SEC("license") = "GPL";
