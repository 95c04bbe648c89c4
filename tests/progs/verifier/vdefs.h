/* Declarations for the verifier test programs: Linux's context layouts
 * (include/uapi/linux/bpf.h, arch pt_regs), helpers by their Linux ids and
 * macros for programs written in BPF assembly.  Each case is one SEC()
 * program; its expected verdict and Linux's reason are in
 * tests/verifier/cases.tsv. */
#ifndef PBPF_VDEFS_H
#define PBPF_VDEFS_H

/* the integer types, SEC() and BTF-map macros, map types, the map and
 * tail-call helpers and struct xdp_md all test programs share */
#include "../bpf_base.h"

typedef signed char __s8;
typedef short __s16;

#define __naked __attribute__((naked))

/* A program in BPF assembly: `body` is the whole program; operands name
 * maps (__imm_addr) and helpers (__imm).  Labels: l0_%= ... (unique per
 * program). */
#define __imm(name) [name] "i"(name)
#define __imm_addr(name) [name] "i"(&name)
#define __imm_const(name, v) [name] "i"(v)
#define ASM_PROG(sec, name, body, ...)                                                   \
    SEC(sec) __naked int name(void)                                                       \
    {                                                                                     \
        asm volatile(body ::__VA_ARGS__ : "memory");                                      \
    }

struct bpf_spin_lock {
    __u32 val;
};

#define XDP_DROP 1
#define XDP_PASS 2
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static long (*bpf_probe_read)(void *dst, __u32 size, const void *src) = (void *)4;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static long (*bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)6;
static __u32 (*bpf_get_prandom_u32)(void) = (void *)7;
static __u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_get_current_comm)(void *buf, __u32 size_of_buf) = (void *)16;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 offset, void *to, __u32 len) = (void *)26;
static __s64 (*bpf_csum_diff)(__u32 *from, __u32 from_size, __u32 *to, __u32 to_size,
                              __u32 seed) = (void *)28;
static long (*bpf_xdp_adjust_head)(void *xdp_md, int delta) = (void *)44;
static long (*bpf_spin_lock)(struct bpf_spin_lock *lock) = (void *)93;
static long (*bpf_spin_unlock)(struct bpf_spin_lock *lock) = (void *)94;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;
static long (*bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size, __u64 flags) = (void *)130;
static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *)132;
static void (*bpf_ringbuf_discard)(void *data, __u64 flags) = (void *)133;
static long (*bpf_for_each_map_elem)(void *map, void *callback_fn, void *callback_ctx,
                                     __u64 flags) = (void *)164;

struct __sk_buff {
    __u32 len;
    __u32 pkt_type;
    __u32 mark;
    __u32 queue_mapping;
    __u32 protocol;
    __u32 vlan_present;
    __u32 vlan_tci;
    __u32 vlan_proto;
    __u32 priority;
    __u32 ingress_ifindex;
    __u32 ifindex;
    __u32 tc_index;
    __u32 cb[5];
    __u32 hash;
    __u32 tc_classid;
    __u32 data;
    __u32 data_end;
    __u32 napi_id;
    __u32 family;
    __u32 remote_ip4;
    __u32 local_ip4;
    __u32 remote_ip6[4];
    __u32 local_ip6[4];
    __u32 remote_port;
    __u32 local_port;
    __u32 data_meta;
    __u64 flow_keys;
    __u64 tstamp;
    __u32 wire_len;
    __u32 gso_segs;
    __u64 sk;
    __u32 gso_size;
    __u8 tstamp_type;
    __u8 pad0[3];
    __u64 hwtstamp;
};

/* x86-64 struct pt_regs (kprobe context) */
struct pt_regs {
    unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip,
        cs, flags, sp, ss;
};

struct ethhdr {
    __u8 h_dest[6];
    __u8 h_source[6];
    __u16 h_proto;
};

struct iphdr {
    __u8 ihl_version;
    __u8 tos;
    __u16 tot_len;
    __u16 id;
    __u16 frag_off;
    __u8 ttl;
    __u8 protocol;
    __u16 check;
    __u32 saddr;
    __u32 daddr;
};

#endif
