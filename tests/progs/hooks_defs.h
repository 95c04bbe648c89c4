/* UAPI context layouts and packet helpers (Linux ids, include/uapi/linux/bpf.h)
 * for the hook test programs (hooks_*.bpf.c), on bpf_base.h. */
#ifndef PBPF_TEST_HOOKS_DEFS_H
#define PBPF_TEST_HOOKS_DEFS_H

#include "bpf_base.h"

struct __sk_buff {
    __u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto;
    __u32 priority, ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end;
    __u32 napi_id, family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port;
    __u32 local_port, data_meta;
    __u64 flow_keys;
    __u64 tstamp;
    __u32 wire_len, gso_segs;
    __u64 sk;
    __u32 gso_size;
    __u8 tstamp_type;
    __u64 hwtstamp __attribute__((aligned(8)));
};

struct pt_regs {
    unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip,
        cs, flags, sp, ss;
};

struct bpf_perf_event_data {
    struct pt_regs regs;
    __u64 sample_period;
    __u64 addr;
};

struct bpf_raw_tracepoint_args {
    __u64 args[0];
};

struct bpf_sock {
    __u32 bound_dev_if, family, type, protocol, mark, priority, src_ip4, src_ip6[4], src_port;
    __u16 dst_port, pad;
    __u32 dst_ip4, dst_ip6[4], state;
    __s32 rx_queue_mapping;
};

struct bpf_sock_addr {
    __u32 user_family, user_ip4, user_ip6[4], user_port, family, type, protocol, msg_src_ip4;
    __u32 msg_src_ip6[4];
    __u64 sk;
};

struct bpf_sock_ops {
    __u32 op;
    __u32 args[4];
    __u32 family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port;
    __u32 is_fullsock, snd_cwnd, srtt_us, bpf_sock_ops_cb_flags, state, rtt_min, snd_ssthresh;
    __u32 rcv_nxt, snd_nxt, snd_una, mss_cache, ecn_flags, rate_delivered, rate_interval_us;
    __u32 packets_out, retrans_out, total_retrans, segs_in, data_segs_in, segs_out;
    __u32 data_segs_out, lost_out, sacked_out, sk_txhash;
    __u64 bytes_received, bytes_acked;
};

enum { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };

static long (*bpf_skb_store_bytes)(void *skb, __u32 off, const void *from, __u32 len,
                                   __u64 flags) = (void *)9;
static long (*bpf_l3_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to,
                                   __u64 flags) = (void *)10;
static long (*bpf_l4_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to,
                                   __u64 flags) = (void *)11;
static long (*bpf_skb_vlan_push)(void *skb, __u16 proto, __u16 tci) = (void *)18;
static long (*bpf_skb_vlan_pop)(void *skb) = (void *)19;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)23;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 off, void *to, __u32 len) = (void *)26;
static __s64 (*bpf_csum_diff)(__u32 *from, __u32 from_size, __u32 *to, __u32 to_size,
                              __u32 seed) = (void *)28;
static long (*bpf_skb_change_tail)(void *skb, __u32 len, __u64 flags) = (void *)38;
static long (*bpf_skb_pull_data)(void *skb, __u32 len) = (void *)39;
static long (*bpf_skb_change_head)(void *skb, __u32 len, __u64 flags) = (void *)43;
static long (*bpf_xdp_adjust_head)(struct xdp_md *xdp, int delta) = (void *)44;
static long (*bpf_set_hash)(void *skb, __u32 hash) = (void *)48;
static long (*bpf_xdp_adjust_meta)(struct xdp_md *xdp, int delta) = (void *)54;
static long (*bpf_xdp_adjust_tail)(struct xdp_md *xdp, int delta) = (void *)65;
static long (*bpf_skb_load_bytes_relative)(const void *skb, __u32 off, void *to, __u32 len,
                                           __u32 start) = (void *)68;

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

#define BPF_F_PSEUDO_HDR 0x10
#define BPF_F_MARK_MANGLED_0 0x20
#define BPF_F_INVALIDATE_HASH 0x2

#endif
