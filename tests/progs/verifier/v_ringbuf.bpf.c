/* Ring buffer records: bpf_ringbuf_reserve returns mem_or_null that must
 * be null-checked, accessed within the reserved size, and submitted or
 * discarded exactly once on every path (reference tracking). */
#include "vdefs.h"

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} rb SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} a SEC(".maps");

#define RB(name, body)                                                                         \
    ASM_PROG("socket", name, body, __imm_addr(rb), __imm_addr(a), __imm(bpf_ringbuf_reserve),  \
             __imm(bpf_ringbuf_submit), __imm(bpf_ringbuf_discard), __imm(bpf_ringbuf_output), \
             __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem))
#define RESERVE(n) "r1 = %[rb] ll; r2 = " #n "; r3 = 0; call %[bpf_ringbuf_reserve];"

RB(rb_submit_ok, RESERVE(8) "if r0 == 0 goto l0_%=; r1 = 1; *(u64 *)(r0 + 0) = r1; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_discard_ok, RESERVE(8) "if r0 == 0 goto l0_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; l0_%=: r0 = 0; exit;")
RB(rb_leak, RESERVE(8) "if r0 == 0 goto l0_%=; r1 = 1; *(u64 *)(r0 + 0) = r1; l0_%=: r0 = 0; exit;")
RB(rb_leak_one_path, RESERVE(8) "if r0 == 0 goto l0_%=; r6 = r0; call %[bpf_get_prandom_u32]; if r0 > 5 goto l0_%=; r1 = r6; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_both_paths_ok, RESERVE(8) "if r0 == 0 goto l1_%=; r6 = r0; call %[bpf_get_prandom_u32]; r1 = r6; r2 = 0; if r0 > 5 goto l0_%=; call %[bpf_ringbuf_submit]; goto l1_%=; l0_%=: call %[bpf_ringbuf_discard]; l1_%=: r0 = 0; exit;")
RB(rb_no_null_check, RESERVE(8) "r1 = 1; *(u64 *)(r0 + 0) = r1; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r0 = 0; exit;")
RB(rb_submit_unchecked, RESERVE(8) "r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r0 = 0; exit;")
RB(rb_double_submit, RESERVE(8) "if r0 == 0 goto l0_%=; r6 = r0; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r1 = r6; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_use_after_submit, RESERVE(8) "if r0 == 0 goto l0_%=; r6 = r0; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r0 = *(u64 *)(r6 + 0); l0_%=: r0 = 0; exit;")
RB(rb_write_past_size, RESERVE(8) "if r0 == 0 goto l0_%=; r1 = 1; *(u64 *)(r0 + 8) = r1; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_write_last_ok, RESERVE(16) "if r0 == 0 goto l0_%=; r1 = 1; *(u64 *)(r0 + 8) = r1; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_submit_offset_ptr, RESERVE(16) "if r0 == 0 goto l0_%=; r1 = r0; r1 += 8; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_submit_stack, "r1 = r10; r1 += -8; r2 = 0; call %[bpf_ringbuf_submit]; r0 = 0; exit;")
RB(rb_submit_map_value, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[a] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto l0_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_size_var, "call %[bpf_get_prandom_u32]; r2 = r0; r1 = %[rb] ll; r3 = 0; call %[bpf_ringbuf_reserve]; if r0 == 0 goto l0_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; l0_%=: r0 = 0; exit;")
RB(rb_reserve_wrong_map, "r1 = %[a] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve]; if r0 == 0 goto l0_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; l0_%=: r0 = 0; exit;")
RB(rb_spill_fill_ok, RESERVE(8) "if r0 == 0 goto l0_%=; *(u64 *)(r10 - 8) = r0; r1 = *(u64 *)(r10 - 8); r2 = 0; call %[bpf_ringbuf_submit]; l0_%=: r0 = 0; exit;")
RB(rb_two_records_ok, RESERVE(8) "if r0 == 0 goto l0_%=; r6 = r0;" RESERVE(8) "if r0 == 0 goto l1_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; l1_%=: r1 = r6; r2 = 0; call %[bpf_ringbuf_discard]; l0_%=: r0 = 0; exit;")
RB(rb_two_records_leak_one, RESERVE(8) "if r0 == 0 goto l0_%=; r6 = r0;" RESERVE(8) "if r0 == 0 goto l1_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; l1_%=: l0_%=: r0 = 0; exit;")
RB(rb_output_ok, "r1 = 0; *(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r1 = %[rb] ll; r3 = 8; r4 = 0; call %[bpf_ringbuf_output]; r0 = 0; exit;")
RB(rb_output_too_big, "r1 = 0; *(u64 *)(r10 - 8) = r1; r2 = r10; r2 += -8; r1 = %[rb] ll; r3 = 16; r4 = 0; call %[bpf_ringbuf_output]; r0 = 0; exit;")
RB(rb_r0_after_void_helper, RESERVE(8) "if r0 == 0 goto l0_%=; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; l0_%=: exit;")

SEC("socket") int rb_c_event_ok(void *ctx)
{
    __u64 *e = bpf_ringbuf_reserve(&rb, 16, 0);
    if (!e)
        return 0;
    e[0] = bpf_ktime_get_ns();
    e[1] = bpf_get_prandom_u32();
    if (e[1] & 1)
        bpf_ringbuf_discard(e, 0);
    else
        bpf_ringbuf_submit(e, 0);
    return 0;
}

char _license[] SEC("license") = "GPL";
