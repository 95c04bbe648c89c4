/* The socket behind a context's sk field, by program type, as Linux types
 * it: sock_ops ctx->sk and sk_lookup ctx->sk are PTR_TO_SOCKET_OR_NULL,
 * cgroup sock_addr ctx->sk and sk_msg msg->sk PTR_TO_SOCKET (never NULL);
 * both read a whole struct bpf_sock (bpf_sock_is_valid_access: type,
 * protocol, mark and priority too, which skb->sk's PTR_TO_SOCK_COMMON has
 * not), read-only. */
#include "vdefs.h"

#define C(sec, name, ...) ASM_PROG(sec, name, __VA_ARGS__)

/* --- SOCK_OPS: struct bpf_sock_ops, sk at 184 --- */
C("sockops", sops_sk_deref_null,
  "r2 = *(u64 *)(r1 + 184); r0 = *(u32 *)(r2 + 4); r0 = 1; exit;")
C("sockops", sops_sk_type_ok,
  "r2 = *(u64 *)(r1 + 184); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 8);"
  "l0_%=: r0 = 1; exit;")
C("sockops", sops_sk_mark_prio_ok,
  "r2 = *(u64 *)(r1 + 184); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 16);"
  "r0 = *(u32 *)(r2 + 20); r0 = *(u8 *)(r2 + 12); l0_%=: r0 = 1; exit;")
C("sockops", sops_sk_write,
  "r2 = *(u64 *)(r1 + 184); if r2 == 0 goto l0_%=; r3 = 1; *(u32 *)(r2 + 16) = r3;"
  "l0_%=: r0 = 1; exit;")
C("sockops", sops_sk_past_end,
  "r2 = *(u64 *)(r1 + 184); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 80);"
  "l0_%=: r0 = 1; exit;")
C("sockops", sops_sk_u32, "r2 = *(u32 *)(r1 + 184); r0 = 1; exit;")

/* --- CGROUP_SOCK_ADDR: struct bpf_sock_addr, sk at 64 --- */
C("cgroup/connect4", sa_sk_type_ok,
  "r2 = *(u64 *)(r1 + 64); r0 = *(u32 *)(r2 + 8); r0 = *(u32 *)(r2 + 12); r0 = 1; exit;")
C("cgroup/connect4", sa_sk_fields_ok,
  "r2 = *(u64 *)(r1 + 64); r0 = *(u32 *)(r2 + 4); r0 = *(u32 *)(r2 + 72);"
  "r0 = *(u16 *)(r2 + 48); r0 = *(u32 *)(r2 + 76); r0 = 1; exit;")
C("cgroup/connect4", sa_sk_past_end,
  "r2 = *(u64 *)(r1 + 64); r0 = *(u32 *)(r2 + 80); r0 = 1; exit;")
C("cgroup/connect4", sa_sk_write,
  "r2 = *(u64 *)(r1 + 64); r3 = 1; *(u32 *)(r2 + 16) = r3; r0 = 1; exit;")
C("cgroup/connect4", sa_sk_u32, "r2 = *(u32 *)(r1 + 64); r0 = 1; exit;")
C("cgroup/connect4", sa_sk_ctx_write,
  "r2 = 0; *(u64 *)(r1 + 64) = r2; r0 = 1; exit;")
C("cgroup/connect4", sa_sk_moved,
  "r2 = *(u64 *)(r1 + 64); r2 += 4; r0 = *(u32 *)(r2 + 0); r0 = 1; exit;")

/* --- SK_MSG: struct sk_msg_md, sk at 72 --- */
C("sk_msg", skm_sk_type_ok,
  "r2 = *(u64 *)(r1 + 72); r0 = *(u32 *)(r2 + 8); r0 = *(u32 *)(r2 + 20); r0 = 1; exit;")
C("sk_msg", skm_sk_write,
  "r2 = *(u64 *)(r1 + 72); r3 = 1; *(u32 *)(r2 + 16) = r3; r0 = 1; exit;")

/* --- SK_LOOKUP: struct bpf_sk_lookup, sk at 0 --- */
C("sk_lookup", skl_sk_type_ok,
  "r2 = *(u64 *)(r1 + 0); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 8);"
  "r0 = *(u32 *)(r2 + 16); l0_%=: r0 = 1; exit;")
C("sk_lookup", skl_sk_past_end,
  "r2 = *(u64 *)(r1 + 0); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 80);"
  "l0_%=: r0 = 1; exit;")

/* --- tc: __sk_buff's sk (at 168) is PTR_TO_SOCK_COMMON_OR_NULL --- */
C("tc", tc_sk_type,
  "r2 = *(u64 *)(r1 + 168); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 8);"
  "l0_%=: r0 = 0; exit;")
C("tc", tc_sk_family_ok,
  "r2 = *(u64 *)(r1 + 168); if r2 == 0 goto l0_%=; r0 = *(u32 *)(r2 + 4);"
  "l0_%=: r0 = 0; exit;")

/* --- bpf_sk_fullsock (95): a socket pointer in, the full socket or NULL
 * out (tc and cgroup_skb) --- */
C("tc", fs_tc_ok,
  "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto l0_%=; call 95; if r0 == 0 goto l0_%=;"
  "r0 = *(u32 *)(r0 + 8); l0_%=: r0 = 0; exit;")
C("cgroup_skb/ingress", fs_cgskb_ok,
  "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto l0_%=; call 95; if r0 == 0 goto l0_%=;"
  "r0 = *(u32 *)(r0 + 16); l0_%=: r0 = 1; exit;")
C("tc", fs_arg_maybe_null,
  "r1 = *(u64 *)(r1 + 168); call 95; r0 = 0; exit;")
C("tc", fs_ret_unchecked,
  "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto l0_%=; call 95; r0 = *(u32 *)(r0 + 8);"
  "l0_%=: r0 = 0; exit;")
C("tc", fs_arg_stack, "r1 = r10; r1 += -8; call 95; r0 = 0; exit;")
C("tc", fs_arg_ctx, "call 95; r0 = 0; exit;")
C("tc", fs_ret_write,
  "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto l0_%=; call 95; if r0 == 0 goto l0_%=;"
  "r1 = 1; *(u32 *)(r0 + 16) = r1; l0_%=: r0 = 0; exit;")
C("socket", fs_socket_filter,
  "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto l0_%=; call 95; l0_%=: r0 = 0; exit;")
C("sockops", fs_sockops,
  "r1 = *(u64 *)(r1 + 184); if r1 == 0 goto l0_%=; call 95; l0_%=: r0 = 1; exit;")
C("cgroup/connect4", fs_sock_addr,
  "r1 = *(u64 *)(r1 + 64); call 95; r0 = 1; exit;")
C("xdp", fs_xdp, "call 95; r0 = 2; exit;")

char _license[] SEC("license") = "GPL";
