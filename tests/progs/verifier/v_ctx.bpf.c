/* Context access per program type: which offsets and widths are readable,
 * which fields are writable, no access through a modified or variable
 * context pointer. */
#include "vdefs.h"

#define C(sec, name, body) ASM_PROG(sec, name, body)

/* --- socket filter: struct __sk_buff --- */
C("socket", ctx_sock_len_ok, "r0 = *(u32 *)(r1 + 0); exit;")
C("socket", ctx_sock_len_u16_ok, "r0 = *(u16 *)(r1 + 0); exit;")
C("socket", ctx_sock_len_u8_ok, "r0 = *(u8 *)(r1 + 0); exit;")
C("socket", ctx_sock_len_u64, "r0 = *(u64 *)(r1 + 0); exit;")
C("socket", ctx_sock_mark_ok, "r0 = *(u32 *)(r1 + 8); exit;")
C("socket", ctx_sock_mark_write, "r2 = 1; *(u32 *)(r1 + 8) = r2; r0 = 0; exit;")
C("socket", ctx_sock_len_write, "r2 = 1; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;")
C("socket", ctx_sock_cb_write_ok, "r2 = 1; *(u32 *)(r1 + 48) = r2; r0 = *(u32 *)(r1 + 48); exit;")
C("socket", ctx_sock_cb_u64_ok, "r2 = 1; *(u64 *)(r1 + 56) = r2; r0 = 0; exit;")
C("socket", ctx_sock_cb_last_ok, "r0 = *(u32 *)(r1 + 64); exit;")
C("socket", ctx_sock_misaligned, "r0 = *(u32 *)(r1 + 2); exit;")
C("socket", ctx_sock_past_end, "r0 = *(u32 *)(r1 + 192); exit;")
C("socket", ctx_sock_negative, "r0 = *(u32 *)(r1 - 4); exit;")
C("socket", ctx_sock_tc_classid, "r0 = *(u32 *)(r1 + 72); exit;")
C("socket", ctx_sock_family, "r0 = *(u32 *)(r1 + 88); exit;")
C("socket", ctx_sock_tstamp, "r0 = *(u64 *)(r1 + 152); exit;")
C("socket", ctx_sock_tstamp_u32, "r0 = *(u32 *)(r1 + 152); exit;")
C("socket", ctx_sock_hash_ok, "r0 = *(u32 *)(r1 + 68); exit;")
C("socket", ctx_sock_modified_ptr, "r1 += 8; r0 = *(u32 *)(r1 + 0); exit;")
C("socket", ctx_sock_stx_atomic,
  "r2 = 1; lock *(u32 *)(r1 + 48) += r2; r0 = 0; exit;")

/* --- TC: struct __sk_buff --- */
C("tc", ctx_tc_mark_write_ok, "r2 = 1; *(u32 *)(r1 + 8) = r2; r0 = 0; exit;")
C("tc", ctx_tc_priority_write_ok, "r2 = 1; *(u32 *)(r1 + 32) = r2; r0 = 0; exit;")
C("tc", ctx_tc_tc_index_write_ok, "r2 = 1; *(u32 *)(r1 + 44) = r2; r0 = 0; exit;")
C("tc", ctx_tc_len_write, "r2 = 1; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;")
C("tc", ctx_tc_protocol_write, "r2 = 1; *(u32 *)(r1 + 16) = r2; r0 = 0; exit;")
C("tc", ctx_tc_classid_ok, "r0 = *(u32 *)(r1 + 72); r0 = 0; exit;")
C("tc", ctx_tc_data_u16, "r0 = *(u16 *)(r1 + 76); r0 = 0; exit;")
C("tc", ctx_tc_data_write, "r2 = 0; *(u32 *)(r1 + 76) = r2; r0 = 0; exit;")
C("tc", ctx_tc_tstamp_write_ok, "r2 = 0; *(u64 *)(r1 + 152) = r2; r0 = 0; exit;")
C("tc", ctx_tc_wire_len_ok, "r0 = *(u32 *)(r1 + 160); r0 = 0; exit;")
C("tc", ctx_tc_sk_ok, "r0 = *(u64 *)(r1 + 168); r0 = 0; exit;")
C("tc", ctx_tc_sk_deref_null, "r2 = *(u64 *)(r1 + 168); r0 = *(u32 *)(r2 + 0); r0 = 0; exit;")
C("tc", ctx_tc_sk_deref_checked_ok,
  "r2 = *(u64 *)(r1 + 168); r0 = 0; if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 4); r0 = 0; l0_%=: exit;")
C("tc", ctx_tc_flow_keys, "r0 = *(u64 *)(r1 + 144); r0 = 0; exit;")
C("tc", ctx_tc_ptr_store, "*(u32 *)(r1 + 8) = r1; r0 = 0; exit;")

/* --- XDP: struct xdp_md --- */
C("xdp", ctx_xdp_ifindex_ok, "r0 = *(u32 *)(r1 + 12); r0 = 2; exit;")
C("xdp", ctx_xdp_rxq_ok, "r0 = *(u32 *)(r1 + 16); r0 = 2; exit;")
C("xdp", ctx_xdp_egress_needs_devmap, "r0 = *(u32 *)(r1 + 20); r0 = 2; exit;")
C("xdp", ctx_xdp_past_end, "r0 = *(u32 *)(r1 + 24); r0 = 2; exit;")
C("xdp", ctx_xdp_data_u64, "r0 = *(u64 *)(r1 + 0); r0 = 2; exit;")
C("xdp", ctx_xdp_ifindex_u16, "r0 = *(u16 *)(r1 + 12); r0 = 2; exit;")
C("xdp", ctx_xdp_write, "r2 = 1; *(u32 *)(r1 + 12) = r2; r0 = 2; exit;")
C("xdp", ctx_xdp_data_write, "r2 = 1; *(u32 *)(r1 + 0) = r2; r0 = 2; exit;")

/* --- kprobe: struct pt_regs, read-only, any aligned width --- */
C("kprobe/do_nanosleep", ctx_kprobe_di_ok, "r0 = *(u64 *)(r1 + 112); r0 = 0; exit;")
C("kprobe/do_nanosleep", ctx_kprobe_di_u32_ok, "r0 = *(u32 *)(r1 + 112); r0 = 0; exit;")
C("kprobe/do_nanosleep", ctx_kprobe_last_ok, "r0 = *(u64 *)(r1 + 160); r0 = 0; exit;")
C("kprobe/do_nanosleep", ctx_kprobe_past_end, "r0 = *(u64 *)(r1 + 168); r0 = 0; exit;")
C("kprobe/do_nanosleep", ctx_kprobe_write, "r2 = 0; *(u64 *)(r1 + 112) = r2; r0 = 0; exit;")
C("kprobe/do_nanosleep", ctx_kprobe_misaligned, "r0 = *(u64 *)(r1 + 4); r0 = 0; exit;")
C("kprobe/do_nanosleep", ctx_kprobe_deref_field,
  "r2 = *(u64 *)(r1 + 112); r0 = *(u64 *)(r2 + 0); r0 = 0; exit;")

/* --- tracepoint: raw record, read-only --- */
C("tracepoint/syscalls/sys_enter_nanosleep", ctx_tp_read_ok, "r0 = *(u64 *)(r1 + 16); r0 = 0; exit;")
C("tracepoint/syscalls/sys_enter_nanosleep", ctx_tp_write, "r2 = 0; *(u64 *)(r1 + 16) = r2; r0 = 0; exit;")

/* --- cgroup_skb --- */
C("cgroup_skb/ingress", ctx_cgskb_len_ok, "r0 = *(u32 *)(r1 + 0); r0 = 1; exit;")
C("cgroup_skb/ingress", ctx_cgskb_mark_write_ok, "r2 = 1; *(u32 *)(r1 + 8) = r2; r0 = 1; exit;")
C("cgroup_skb/ingress", ctx_cgskb_tc_index, "r0 = *(u32 *)(r1 + 44); r0 = 1; exit;")

/* C, as clang writes it */
SEC("tc") int ctx_c_tc_fields_ok(struct __sk_buff *skb)
{
    skb->mark = skb->len + skb->protocol;
    skb->cb[2] = skb->ifindex;
    return skb->pkt_type == 0 ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("kprobe/do_nanosleep") int ctx_c_kprobe_args_ok(struct pt_regs *regs)
{
    return (int)(regs->di + regs->si);
}

char _license[] SEC("license") = "GPL";
