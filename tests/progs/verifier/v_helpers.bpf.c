/* Helper calls: argument kinds from the prototype table (map pointer,
 * key/value memory of the map's sizes, mem + size pairs, ctx, constant
 * flags), which program types may call which helper, return types. */
#include "vdefs.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} h SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} jmp SEC(".maps");

#define H(sec, name, body)                                                                      \
    ASM_PROG(sec, name, body, __imm_addr(h), __imm_addr(jmp), __imm(bpf_map_lookup_elem),       \
             __imm(bpf_probe_read_kernel), __imm(bpf_get_current_comm), __imm(bpf_csum_diff),   \
             __imm(bpf_skb_load_bytes), __imm(bpf_tail_call), __imm(bpf_get_prandom_u32),       \
             __imm(bpf_trace_printk), __imm(bpf_xdp_adjust_head), __imm(bpf_get_current_pid_tgid))

/* --- unknown / disallowed helpers --- */
H("socket", hlp_unknown_id, "call 100000; r0 = 0; exit;")
H("socket", hlp_id_zero, "call 0; r0 = 0; exit;")
H("socket", hlp_not_for_socket, "r1 = 0; call %[bpf_xdp_adjust_head]; r0 = 0; exit;")
H("socket", hlp_pid_tgid_socket, "call %[bpf_get_current_pid_tgid]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_pid_tgid_kprobe_ok, "call %[bpf_get_current_pid_tgid]; r0 = 0; exit;")
H("socket", hlp_skb_load_bytes_ok,
  "r2 = 0; r3 = r10; r3 += -8; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("xdp", hlp_skb_load_bytes_xdp,
  "r2 = 0; r3 = r10; r3 += -8; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")

/* --- ARG_PTR_TO_CTX --- */
H("socket", hlp_ctx_is_stack, "r1 = r10; r2 = 0; r3 = r10; r3 += -8; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_ctx_is_scalar, "r1 = 0; r2 = 0; r3 = r10; r3 += -8; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_ctx_modified, "r1 += 4; r2 = 0; r3 = r10; r3 += -8; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")

/* --- mem + size pairs (ARG_PTR_TO_UNINIT_MEM / ARG_CONST_SIZE) --- */
H("socket", hlp_size_exceeds_stack, "r2 = 0; r3 = r10; r3 += -8; r4 = 16; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_size_zero, "r2 = 0; r3 = r10; r3 += -8; r4 = 0; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_size_negative, "r2 = 0; r3 = r10; r3 += -8; r4 = -1; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_size_unbounded,
  "r6 = r1; call %[bpf_get_prandom_u32]; r4 = r0; r1 = r6; r2 = 0; r3 = r10; r3 += -64; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_size_bounded_ok,
  "r6 = r1; call %[bpf_get_prandom_u32]; r4 = r0; r4 &= 63; r4 += 1; r1 = r6; r2 = 0; r3 = r10; r3 += -64; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_size_bounded_too_big,
  "r6 = r1; call %[bpf_get_prandom_u32]; r4 = r0; r4 &= 127; r4 += 1; r1 = r6; r2 = 0; r3 = r10; r3 += -64; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_mem_is_scalar, "r2 = 0; r3 = 0; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_mem_is_ctx, "r2 = 0; r3 = r1; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
H("socket", hlp_mem_map_value_ok,
  "r6 = r1; r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[h] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto l0_%=;"
  "r1 = r6; r2 = 0; r3 = r0; r4 = 8; call %[bpf_skb_load_bytes]; l0_%=: r0 = 0; exit;")
H("socket", hlp_mem_map_value_too_big,
  "r6 = r1; r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[h] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto l0_%=;"
  "r1 = r6; r2 = 0; r3 = r0; r4 = 9; call %[bpf_skb_load_bytes]; l0_%=: r0 = 0; exit;")
H("socket", hlp_mem_map_value_null,
  "r6 = r1; r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[h] ll; call %[bpf_map_lookup_elem];"
  "r1 = r6; r2 = 0; r3 = r0; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")

/* ARG_PTR_TO_MEM (read) + size: csum_diff(from, from_size, to, to_size, seed) */
H("tc", hlp_readmem_ok,
  "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 8; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
H("tc", hlp_readmem_uninit,
  "r1 = r10; r1 += -8; r2 = 8; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
H("tc", hlp_readmem_null_zero_ok,
  "r1 = 0; r2 = 0; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
H("tc", hlp_readmem_null_nonzero,
  "r1 = 0; r2 = 8; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
H("tc", hlp_readmem_size_uninit,
  "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")

/* tracing: probe_read_kernel(dst, size, unsafe_ptr), get_current_comm(buf, size) */
H("kprobe/do_nanosleep", hlp_probe_read_ok,
  "r3 = *(u64 *)(r1 + 112); r1 = r10; r1 += -16; r2 = 16; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_probe_read_dst_ro,
  "r3 = *(u64 *)(r1 + 112); r2 = 8; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_probe_read_too_big,
  "r3 = *(u64 *)(r1 + 112); r1 = r10; r1 += -16; r2 = 24; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_comm_ok,
  "r1 = r10; r1 += -16; r2 = 16; call %[bpf_get_current_comm]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_comm_var_size,
  "call %[bpf_get_prandom_u32]; r2 = r0; r1 = r10; r1 += -16; call %[bpf_get_current_comm]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_printk_fmt_uninit,
  "r1 = r10; r1 += -8; r2 = 8; call %[bpf_trace_printk]; r0 = 0; exit;")
H("kprobe/do_nanosleep", hlp_printk_ok,
  "r1 = 0x0a6968; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 4; call %[bpf_trace_printk]; r0 = 0; exit;")

/* --- map arguments --- */
H("socket", hlp_lookup_key_ok,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[h] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
H("socket", hlp_lookup_map_is_scalar,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = 0; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
H("socket", hlp_lookup_key_past_stack,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -2; r1 = %[h] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
H("socket", hlp_lookup_prog_array,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[jmp] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
H("socket", hlp_lookup_key_in_ctx,
  "r2 = r1; r1 = %[h] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
H("socket", hlp_update_flags_var_ok,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; call %[bpf_get_prandom_u32]; r4 = r0; r2 = r10; r2 += -4; r3 = r10; r3 += -16; r1 = %[h] ll; call 2; r0 = 0; exit;")

/* --- tail calls --- */
H("socket", hlp_tail_call_ok, "r2 = %[jmp] ll; r3 = 1; call %[bpf_tail_call]; r0 = 0; exit;")
H("socket", hlp_tail_call_wrong_map, "r2 = %[h] ll; r3 = 1; call %[bpf_tail_call]; r0 = 0; exit;")
H("socket", hlp_tail_call_no_ctx, "r1 = 0; r2 = %[jmp] ll; r3 = 1; call %[bpf_tail_call]; r0 = 0; exit;")
H("socket", hlp_prog_array_update, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u32 *)(r10 - 8) = r1; r2 = r10; r2 += -4; r3 = r10; r3 += -8; r4 = 0; r1 = %[jmp] ll; call 2; r0 = 0; exit;")

/* --- return values --- */
H("socket", hlp_ret_is_scalar, "call %[bpf_get_prandom_u32]; r0 = *(u8 *)(r0 + 0); r0 = 0; exit;")
H("socket", hlp_ret_r0_used_ok, "call %[bpf_get_prandom_u32]; r0 &= 1; exit;")

char _license[] SEC("license") = "GPL";
