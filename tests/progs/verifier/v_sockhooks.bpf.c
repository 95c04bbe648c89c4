/* Flow dissector, sk_lookup, sk_skb and sk_msg programs: their contexts
 * (which fields, widths and writes), the flow keys a flow dissector fills,
 * packet access, return values and helpers. */
#include "vdefs.h"

#define C(sec, name, ...) ASM_PROG(sec, name, __VA_ARGS__)

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} fd_arr SEC(".maps");


/* --- FLOW_DISSECTOR: __sk_buff's data, data_end, flow_keys --- */
C("flow_dissector", fd_keys_read_ok,
  "r2 = *(u64 *)(r1 + 144); r0 = *(u16 *)(r2 + 2); r0 = 0; exit;")
C("flow_dissector", fd_keys_write_ok,
  "r2 = *(u64 *)(r1 + 144); r3 = 14; *(u16 *)(r2 + 0) = r3; *(u32 *)(r2 + 52) = r3; r0 = 0; exit;")
C("flow_dissector", fd_keys_u64_ok,
  "r2 = *(u64 *)(r1 + 144); r3 = 0; *(u64 *)(r2 + 48) = r3; r0 = *(u64 *)(r2 + 16); r0 = 0; exit;")
C("flow_dissector", fd_keys_past_end,
  "r2 = *(u64 *)(r1 + 144); r0 = *(u32 *)(r2 + 56); r0 = 0; exit;")
C("flow_dissector", fd_keys_straddle_end,
  "r2 = *(u64 *)(r1 + 144); r0 = *(u64 *)(r2 + 52); r0 = 0; exit;")
C("flow_dissector", fd_keys_negative,
  "r2 = *(u64 *)(r1 + 144); r0 = *(u8 *)(r2 - 1); r0 = 0; exit;")
C("flow_dissector", fd_keys_moved_ok,
  "r2 = *(u64 *)(r1 + 144); r2 += 8; r0 = *(u32 *)(r2 + 8); r0 = 0; exit;")
C("flow_dissector", fd_keys_moved_past,
  "r2 = *(u64 *)(r1 + 144); r2 += 52; r0 = *(u32 *)(r2 + 4); r0 = 0; exit;")
C("flow_dissector", fd_keys_var_add,
  "r2 = *(u64 *)(r1 + 144); r3 = *(u16 *)(r2 + 0); r2 += r3; r0 = *(u8 *)(r2 + 0); r0 = 0; exit;")
C("flow_dissector", fd_keys_ptr_store,
  "r2 = *(u64 *)(r1 + 144); *(u64 *)(r2 + 16) = r2; r0 = 0; exit;")
C("flow_dissector", fd_keys_atomic,
  "r2 = *(u64 *)(r1 + 144); r3 = 1; lock *(u32 *)(r2 + 48) += r3; r0 = 0; exit;")
C("flow_dissector", fd_keys_u32_read, "r0 = *(u32 *)(r1 + 144); r0 = 0; exit;")
C("flow_dissector", fd_ctx_len, "r0 = *(u32 *)(r1 + 0); r0 = 0; exit;")
C("flow_dissector", fd_ctx_protocol, "r0 = *(u32 *)(r1 + 16); r0 = 0; exit;")
C("flow_dissector", fd_ctx_data_u16, "r0 = *(u16 *)(r1 + 76); r0 = 0; exit;")
C("flow_dissector", fd_ctx_write,
  "r2 = *(u64 *)(r1 + 144); *(u64 *)(r1 + 144) = r2; r0 = 0; exit;")
C("flow_dissector", fd_pkt_read_ok,
  "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 14; r0 = 2;"
  "if r4 > r3 goto l0_%=; r0 = *(u16 *)(r2 + 12); r0 = 0; l0_%=: exit;")
C("flow_dissector", fd_pkt_unchecked,
  "r2 = *(u32 *)(r1 + 76); r0 = *(u8 *)(r2 + 0); r0 = 0; exit;")
C("flow_dissector", fd_pkt_write,
  "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 14; r0 = 2;"
  "if r4 > r3 goto l0_%=; r5 = 0; *(u8 *)(r2 + 0) = r5; r0 = 0; l0_%=: exit;")
C("flow_dissector", fd_load_bytes_ok,
  "r2 = 0; r3 = r10; r3 += -16; r4 = 14; call %[bpf_skb_load_bytes];"
  "r0 = *(u8 *)(r10 - 16); r0 = 0; exit;", __imm(bpf_skb_load_bytes))
C("flow_dissector", fd_store_bytes,
  "r2 = 0; r3 = r10; r3 += -8; r4 = 0; *(u64 *)(r10 - 8) = r4; r4 = 4; r5 = 0;"
  "call 9; r0 = 0; exit;")
C("flow_dissector", fd_ret_any_ok, "r0 = 7; exit;")
C("flow_dissector", fd_map_lookup_ok,
  "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[fd_arr] ll;"
  "call %[bpf_map_lookup_elem]; r0 = 0; exit;", __imm_addr(fd_arr), __imm(bpf_map_lookup_elem))

/* --- SK_LOOKUP: struct bpf_sk_lookup, read-only, SK_DROP or SK_PASS --- */
C("sk_lookup", skl_fields_ok,
  "r0 = *(u32 *)(r1 + 8); r0 = *(u32 *)(r1 + 12); r0 = *(u16 *)(r1 + 36);"
  "r0 = *(u8 *)(r1 + 37); r0 = *(u32 *)(r1 + 36); r0 = *(u16 *)(r1 + 38);"
  "r0 = *(u32 *)(r1 + 60); r0 = *(u8 *)(r1 + 61); r0 = *(u16 *)(r1 + 54);"
  "r0 = *(u32 *)(r1 + 64); r0 = 1; exit;")
C("sk_lookup", skl_ip6_u64, "r0 = *(u64 *)(r1 + 24); r0 = 1; exit;")
C("sk_lookup", skl_port_u32_mid, "r0 = *(u32 *)(r1 + 38); r0 = 1; exit;")
C("sk_lookup", skl_past_ifindex, "r0 = *(u32 *)(r1 + 68); r0 = 1; exit;")
C("sk_lookup", skl_sk_u32, "r0 = *(u32 *)(r1 + 0); r0 = 1; exit;")
C("sk_lookup", skl_write, "r2 = 1; *(u32 *)(r1 + 60) = r2; r0 = 1; exit;")
C("sk_lookup", skl_ret_2, "r0 = 2; exit;")
C("sk_lookup", skl_ret_unknown, "r0 = *(u32 *)(r1 + 60); exit;")
C("sk_lookup", skl_ret_drop_ok, "r0 = 0; exit;")
C("sk_lookup", skl_sk_deref_null,
  "r2 = *(u64 *)(r1 + 0); r0 = *(u32 *)(r2 + 4); r0 = 1; exit;")
C("sk_lookup", skl_sk_checked_ok,
  "r2 = *(u64 *)(r1 + 0); r0 = 1; if r2 == 0 goto l0_%=; r0 = 0; l0_%=: exit;")
C("sk_lookup", skl_load_bytes,
  "r2 = 0; r3 = r10; r3 += -16; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 1; exit;",
  __imm(bpf_skb_load_bytes))

/* --- SK_SKB: __sk_buff with the socket's addresses, tc_index and
 * priority writable, direct packet writes --- */
C("sk_skb/stream_verdict", sks_fields_ok,
  "r0 = *(u32 *)(r1 + 0); r0 = *(u32 *)(r1 + 88); r0 = *(u32 *)(r1 + 92);"
  "r0 = *(u32 *)(r1 + 104); r0 = *(u16 *)(r1 + 136); r0 = *(u32 *)(r1 + 44);"
  "r2 = 3; *(u32 *)(r1 + 32) = r2; *(u32 *)(r1 + 44) = r2; r0 = 1; exit;")
C("sk_skb/stream_verdict", sks_mark_read, "r0 = *(u32 *)(r1 + 8); r0 = 1; exit;")
C("sk_skb/stream_verdict", sks_mark_write, "r2 = 1; *(u32 *)(r1 + 8) = r2; r0 = 1; exit;")
C("sk_skb/stream_verdict", sks_cb_write, "r2 = 1; *(u32 *)(r1 + 48) = r2; r0 = 1; exit;")
C("sk_skb/stream_verdict", sks_ip4_u16, "r0 = *(u16 *)(r1 + 92); r0 = 1; exit;")
C("sk_skb/stream_verdict", sks_data_meta, "r0 = *(u32 *)(r1 + 140); r0 = 1; exit;")
C("sk_skb/stream_verdict", sks_tstamp, "r0 = *(u64 *)(r1 + 152); r0 = 1; exit;")
C("sk_skb/stream_parser", sks_pkt_write_ok,
  "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 4; r0 = 0;"
  "if r4 > r3 goto l0_%=; r5 = 1; *(u8 *)(r2 + 0) = r5; r0 = *(u32 *)(r1 + 0); l0_%=: exit;")
C("sk_skb/stream_verdict", sks_load_bytes_ok,
  "r2 = 0; r3 = r10; r3 += -16; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 1; exit;",
  __imm(bpf_skb_load_bytes))
C("sk_skb/stream_verdict", sks_xdp_adjust_head,
  "r2 = 0; call %[bpf_xdp_adjust_head]; r0 = 1; exit;", __imm(bpf_xdp_adjust_head))

/* --- SK_MSG: struct sk_msg_md, read-only, 64-bit packet pointers --- */
C("sk_msg", skm_fields_ok,
  "r0 = *(u32 *)(r1 + 16); r0 = *(u32 *)(r1 + 20); r0 = *(u32 *)(r1 + 40);"
  "r0 = *(u32 *)(r1 + 60); r0 = *(u32 *)(r1 + 64); r0 = *(u32 *)(r1 + 68); r0 = 1; exit;")
C("sk_msg", skm_pkt_rw_ok,
  "r2 = *(u64 *)(r1 + 0); r3 = *(u64 *)(r1 + 8); r4 = r2; r4 += 2; r0 = 1;"
  "if r4 > r3 goto l0_%=; r5 = *(u8 *)(r2 + 1); *(u8 *)(r2 + 0) = r5; l0_%=: exit;")
C("sk_msg", skm_pkt_unchecked, "r2 = *(u64 *)(r1 + 0); r0 = *(u8 *)(r2 + 0); r0 = 1; exit;")
C("sk_msg", skm_data_u32, "r0 = *(u32 *)(r1 + 0); r0 = 1; exit;")
C("sk_msg", skm_family_u16, "r0 = *(u16 *)(r1 + 16); r0 = 1; exit;")
C("sk_msg", skm_past_end, "r0 = *(u32 *)(r1 + 80); r0 = 1; exit;")
C("sk_msg", skm_write, "r2 = 1; *(u32 *)(r1 + 68) = r2; r0 = 1; exit;")
C("sk_msg", skm_sk_u32, "r0 = *(u32 *)(r1 + 72); r0 = 1; exit;")
C("sk_msg", skm_load_bytes,
  "r2 = 0; r3 = r10; r3 += -16; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 1; exit;",
  __imm(bpf_skb_load_bytes))

char _license[] SEC("license") = "GPL";
