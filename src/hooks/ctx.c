/* Context descriptors of the Linux program types pbpf has hooks for: the
 * UAPI layouts (include/uapi/linux/bpf.h: xdp_md, __sk_buff, bpf_sock,
 * bpf_sock_addr, bpf_sock_ops, bpf_perf_event_data; pt_regs of x86-64) and
 * the access rules of each type's is_valid_access in Linux
 * (net/core/filter.c, kernel/trace/bpf_trace.c, kernel/bpf/syscall.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hooks/ctx.h"
#include "pbpf/verifier.h"
#include "isa/insn.h"
#include "platform/platform.h"

#define W1 PBPF_CTX_W1
#define W2 PBPF_CTX_W2
#define W4 PBPF_CTX_W4
#define W8 PBPF_CTX_W8
/* Linux's bpf_ctx_narrow_access_ok for a 4-byte field */
#define NARROW4 (W1 | W2 | W4)
#define ANYW (W1 | W2 | W4 | W8)

/* Linux enum bpf_prog_type (spec/prog-types.tsv) */
enum {
    PT_SOCKET_FILTER = 1, PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_SCHED_ACT = 4,
    PT_TRACEPOINT = 5, PT_XDP = 6, PT_PERF_EVENT = 7, PT_CGROUP_SKB = 8,
    PT_CGROUP_SOCK = 9, PT_LWT_IN = 10, PT_LWT_OUT = 11, PT_LWT_XMIT = 12,
    PT_SOCK_OPS = 13, PT_SK_SKB = 14, PT_SK_MSG = 16, PT_RAW_TRACEPOINT = 17,
    PT_CGROUP_SOCK_ADDR = 18, PT_FLOW_DISSECTOR = 22, PT_SK_LOOKUP = 30, PT_SYSCALL = 31,
};
/* Linux enum bpf_attach_type (spec/attach-types.tsv) */
enum {
    AT_CGROUP_INET_SOCK_CREATE = 2, AT_CGROUP_INET4_BIND = 8, AT_CGROUP_INET6_BIND = 9,
    AT_CGROUP_INET4_CONNECT = 10, AT_CGROUP_INET6_CONNECT = 11, AT_CGROUP_INET4_POST_BIND = 12,
    AT_CGROUP_INET6_POST_BIND = 13, AT_CGROUP_UDP4_SENDMSG = 14, AT_CGROUP_UDP6_SENDMSG = 15,
    AT_CGROUP_UDP4_RECVMSG = 19, AT_CGROUP_UDP6_RECVMSG = 20, AT_CGROUP_INET4_GETPEERNAME = 29,
    AT_CGROUP_INET6_GETPEERNAME = 30, AT_CGROUP_INET4_GETSOCKNAME = 31,
    AT_CGROUP_INET6_GETSOCKNAME = 32, AT_XDP_DEVMAP = 33, AT_CGROUP_INET_SOCK_RELEASE = 34,
};

#define SCALAR(o, s, r, w) {(o), (s), (r), (w), PBPF_CTXF_SCALAR, (s), (o), 0}
/* a field whose narrow reads must start at its first byte */
#define SCALAR_S(o, s, r, w) {(o), (s), (r), (w), PBPF_CTXF_SCALAR, (s), (o), 1}

/* --- XDP: struct xdp_md ---------------------------------------------- */

static const struct pbpf_ctx_field xdp_fields[] = {
    {0, 4, W4, 0, PBPF_CTXF_PKT_DATA, 8, offsetof(struct pbpf_xdp_ctx, data), 0},
    {4, 4, W4, 0, PBPF_CTXF_PKT_END, 8, offsetof(struct pbpf_xdp_ctx, data_end), 0},
    {8, 4, W4, 0, PBPF_CTXF_PKT_META, 8, offsetof(struct pbpf_xdp_ctx, data_meta), 0},
    SCALAR(12, 4, W4, 0), /* ingress_ifindex */
    SCALAR(16, 4, W4, 0), /* rx_queue_index */
    SCALAR(20, 4, W4, 0), /* egress_ifindex */
};

/* xdp_is_valid_access: every field is read whole; egress_ifindex exists
 * only for programs run from a DEVMAP. */
static int xdp_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off, uint32_t size,
                     int write)
{
    (void)size, (void)write, (void)off;
    return f->off != 20 || at == AT_XDP_DEVMAP;
}

/* --- skb types: struct __sk_buff --------------------------------------- */

enum {
    SKB_LEN = 0, SKB_PKT_TYPE = 4, SKB_MARK = 8, SKB_QUEUE_MAPPING = 12, SKB_PROTOCOL = 16,
    SKB_VLAN_PRESENT = 20, SKB_VLAN_TCI = 24, SKB_VLAN_PROTO = 28, SKB_PRIORITY = 32,
    SKB_INGRESS_IFINDEX = 36, SKB_IFINDEX = 40, SKB_TC_INDEX = 44, SKB_CB = 48, SKB_HASH = 68,
    SKB_TC_CLASSID = 72, SKB_DATA = 76, SKB_DATA_END = 80, SKB_NAPI_ID = 84, SKB_FAMILY = 88,
    SKB_REMOTE_IP4 = 92, SKB_LOCAL_IP4 = 96, SKB_REMOTE_IP6 = 100, SKB_LOCAL_IP6 = 116,
    SKB_REMOTE_PORT = 132, SKB_LOCAL_PORT = 136, SKB_DATA_META = 140, SKB_FLOW_KEYS = 144,
    SKB_TSTAMP = 152, SKB_WIRE_LEN = 160, SKB_GSO_SEGS = 164, SKB_SK = 168, SKB_GSO_SIZE = 176,
    SKB_TSTAMP_TYPE = 180, SKB_HWTSTAMP = 184,
};

/* The generic widths of bpf_skb_is_valid_access; each type narrows them. */
static const struct pbpf_ctx_field skb_fields[] = {
    SCALAR(SKB_LEN, 4, NARROW4, W4),
    SCALAR(SKB_PKT_TYPE, 4, NARROW4, W4),
    SCALAR(SKB_MARK, 4, NARROW4, W4),
    SCALAR(SKB_QUEUE_MAPPING, 4, NARROW4, W4),
    SCALAR(SKB_PROTOCOL, 4, NARROW4, W4),
    SCALAR(SKB_VLAN_PRESENT, 4, NARROW4, W4),
    SCALAR(SKB_VLAN_TCI, 4, NARROW4, W4),
    SCALAR(SKB_VLAN_PROTO, 4, NARROW4, W4),
    SCALAR(SKB_PRIORITY, 4, NARROW4, W4),
    SCALAR(SKB_INGRESS_IFINDEX, 4, NARROW4, W4),
    SCALAR(SKB_IFINDEX, 4, NARROW4, W4),
    SCALAR(SKB_TC_INDEX, 4, NARROW4, W4),
    SCALAR(SKB_CB, 20, ANYW, ANYW),
    SCALAR(SKB_HASH, 4, NARROW4, W4),
    SCALAR(SKB_TC_CLASSID, 4, NARROW4, W4),
    {SKB_DATA, 4, W4, 0, PBPF_CTXF_PKT_DATA, 8, offsetof(struct pbpf_skb_ctx, data), 0},
    {SKB_DATA_END, 4, W4, 0, PBPF_CTXF_PKT_END, 8, offsetof(struct pbpf_skb_ctx, data_end), 0},
    SCALAR(SKB_NAPI_ID, 4, NARROW4, W4),
    SCALAR(SKB_FAMILY, 4, NARROW4, W4),
    SCALAR(SKB_REMOTE_IP4, 4, W4, W4),
    SCALAR(SKB_LOCAL_IP4, 4, W4, W4),
    SCALAR(SKB_REMOTE_IP6, 16, W4, W4),
    SCALAR(SKB_LOCAL_IP6, 16, W4, W4),
    SCALAR(SKB_REMOTE_PORT, 4, NARROW4, W4),
    SCALAR(SKB_LOCAL_PORT, 4, NARROW4, W4),
    {SKB_DATA_META, 4, W4, 0, PBPF_CTXF_PKT_META, 8, offsetof(struct pbpf_skb_ctx, data_meta), 0},
    SCALAR(SKB_TSTAMP, 8, W8, W8),
    SCALAR(SKB_WIRE_LEN, 4, NARROW4, W4),
    SCALAR(SKB_GSO_SEGS, 4, NARROW4, W4),
    {SKB_SK, 8, W8, 0, PBPF_CTXF_SOCK, 8, SKB_SK, 0},
    SCALAR(SKB_GSO_SIZE, 4, NARROW4, W4),
    SCALAR(SKB_TSTAMP_TYPE, 1, W1, W1),
    SCALAR(SKB_HWTSTAMP, 8, W8, 0),
};

static int in_range(int64_t off, int64_t lo, int64_t end) { return off >= lo && off < end; }

/* family .. local_port: only SK_SKB programs */
static int skb_sock_fields(const struct pbpf_ctx_field *f)
{
    return in_range(f->off, SKB_FAMILY, SKB_LOCAL_PORT + 4);
}

/* sk_filter_is_valid_access */
static int sk_filter_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off,
                           uint32_t size, int write)
{
    (void)at, (void)off, (void)size;
    switch (f->off) {
    case SKB_TC_CLASSID: case SKB_DATA: case SKB_DATA_META: case SKB_DATA_END: case SKB_TSTAMP:
    case SKB_WIRE_LEN: case SKB_HWTSTAMP: case SKB_TSTAMP_TYPE:
        return 0;
    }
    if (skb_sock_fields(f))
        return 0;
    return !write || f->off == SKB_CB;
}

/* tc_cls_act_is_valid_access */
static int tc_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off, uint32_t size,
                    int write)
{
    (void)at, (void)off, (void)size;
    if (skb_sock_fields(f))
        return 0;
    if (write) {
        switch (f->off) {
        case SKB_MARK: case SKB_TC_INDEX: case SKB_PRIORITY: case SKB_TC_CLASSID: case SKB_CB:
        case SKB_TSTAMP: case SKB_QUEUE_MAPPING:
            return 1;
        default:
            return 0;
        }
    }
    return 1;
}

/* cg_skb_is_valid_access, for a loader with CAP_BPF (data, data_end and
 * tstamp writes need it in Linux) */
static int cg_skb_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off, uint32_t size,
                        int write)
{
    (void)at, (void)off, (void)size;
    switch (f->off) {
    case SKB_TC_CLASSID: case SKB_DATA_META: case SKB_WIRE_LEN: case SKB_TSTAMP_TYPE:
        return 0;
    }
    if (write)
        return f->off == SKB_MARK || f->off == SKB_PRIORITY || f->off == SKB_CB ||
               f->off == SKB_TSTAMP;
    return 1;
}

/* lwt_is_valid_access */
static int lwt_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off, uint32_t size,
                     int write)
{
    (void)at, (void)off, (void)size;
    switch (f->off) {
    case SKB_TC_CLASSID: case SKB_DATA_META: case SKB_TSTAMP: case SKB_WIRE_LEN:
    case SKB_HWTSTAMP: case SKB_TSTAMP_TYPE:
        return 0;
    }
    if (skb_sock_fields(f))
        return 0;
    if (write)
        return f->off == SKB_MARK || f->off == SKB_PRIORITY || f->off == SKB_CB;
    return 1;
}

/* sk_skb_is_valid_access: no tc_classid, data_meta, tstamp, wire_len,
 * hwtstamp or mark; only tc_index and priority are written; the socket's
 * family, addresses and ports are readable (bpf_skb_is_valid_access lets
 * only SK_SKB reach them).  tstamp_type is tc's alone. */
static int sk_skb_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off, uint32_t size,
                        int write)
{
    (void)at, (void)off, (void)size;
    switch (f->off) {
    case SKB_TC_CLASSID: case SKB_DATA_META: case SKB_TSTAMP: case SKB_WIRE_LEN:
    case SKB_HWTSTAMP: case SKB_MARK: case SKB_TSTAMP_TYPE:
        return 0;
    }
    if (write)
        return f->off == SKB_TC_INDEX || f->off == SKB_PRIORITY;
    return 1;
}

/* FLOW_DISSECTOR: flow_dissector_is_valid_access reads data, data_end
 * (u32 each) and flow_keys (a u64 pointer to struct bpf_flow_keys) and
 * nothing else; no writes.  The internal context is pbpf_skb_ctx with the
 * flow keys pointer at flow_keys' own offset. */
static const struct pbpf_ctx_field flow_dissector_fields[] = {
    {SKB_DATA, 4, W4, 0, PBPF_CTXF_PKT_DATA, 8, offsetof(struct pbpf_skb_ctx, data), 0},
    {SKB_DATA_END, 4, W4, 0, PBPF_CTXF_PKT_END, 8, offsetof(struct pbpf_skb_ctx, data_end), 0},
    {SKB_FLOW_KEYS, 8, W8, 0, PBPF_CTXF_FLOW_KEYS, 8, SKB_FLOW_KEYS, 0},
};

/* --- tracing ----------------------------------------------------------- */

/* struct pt_regs of x86-64: 21 registers; kprobe_prog_is_valid_access
 * allows aligned reads of any width. */
static const struct pbpf_ctx_field kprobe_fields[] = {SCALAR(0, 168, ANYW, 0)};

/* tp_prog_is_valid_access: aligned reads past the common header's first
 * 8 bytes, below PERF_MAX_TRACE_SIZE (8192). */
static const struct pbpf_ctx_field tp_fields[] = {SCALAR(8, 8192 - 8, ANYW, 0)};

/* raw_tp_prog_is_valid_access: u64 args[MAX_BPF_FUNC_ARGS = 12] */
static const struct pbpf_ctx_field raw_tp_fields[] = {SCALAR(0, 96, ANYW, 0)};

/* struct bpf_perf_event_data: regs (pt_regs), sample_period, addr;
 * pe_prog_is_valid_access: regs read as longs, the others narrow too. */
static const struct pbpf_ctx_field perf_fields[] = {
    SCALAR(0, 168, W8, 0),
    SCALAR(168, 8, ANYW, 0),
    SCALAR(176, 8, ANYW, 0),
};

/* syscall_prog_is_valid_access: any aligned access below U16_MAX; the
 * context is the caller's memory, bounds-checked at run time. */
static const struct pbpf_ctx_field syscall_fields[] = {SCALAR(0, 65535, ANYW, ANYW)};

/* --- sockets ----------------------------------------------------------- */

/* struct bpf_sock (sock_filter_is_valid_access, bpf_sock_is_valid_access):
 * bound_dev_if, mark and priority whole and only where they can be set;
 * the others narrow, some only from their first byte; dst_port (__be16)
 * by byte, half or, for old programs, as a u32 at its offset. */
static const struct pbpf_ctx_field sock_fields[] = {
    SCALAR(0, 4, W4, W4),         /* bound_dev_if */
    SCALAR_S(4, 4, NARROW4, 0),   /* family */
    SCALAR_S(8, 4, NARROW4, 0),   /* type */
    SCALAR_S(12, 4, NARROW4, 0),  /* protocol */
    SCALAR(16, 4, W4, W4),        /* mark */
    SCALAR(20, 4, W4, W4),        /* priority */
    SCALAR(24, 4, NARROW4, 0),    /* src_ip4 */
    SCALAR(28, 16, NARROW4, 0),   /* src_ip6[4] */
    SCALAR_S(44, 4, NARROW4, 0),  /* src_port */
    SCALAR(48, 4, NARROW4, 0),    /* dst_port */
    SCALAR(52, 4, NARROW4, 0),    /* dst_ip4 */
    SCALAR(56, 16, NARROW4, 0),   /* dst_ip6[4] */
    SCALAR_S(72, 4, NARROW4, 0),  /* state */
    SCALAR_S(76, 4, NARROW4, 0),  /* rx_queue_mapping */
};

/* __sock_filter_check_attach_type: bound_dev_if, mark and priority exist
 * at socket creation and release; addresses and ports after bind. */
static int sock_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off, uint32_t size,
                      int write)
{
    int create = at == AT_CGROUP_INET_SOCK_CREATE || at == AT_CGROUP_INET_SOCK_RELEASE;
    if (f->off == 0 || f->off == 16 || f->off == 20)
        return create;
    if (write)
        return 0;
    if (f->off == 48) /* dst_port: bytes 48, 49; a half or a word at 48 */
        return size == 1 ? off < 50 : off == 48;
    if (in_range(off, 24, 28))
        return at == AT_CGROUP_INET4_POST_BIND;
    if (in_range(off, 28, 44))
        return at == AT_CGROUP_INET6_POST_BIND;
    if (in_range(off, 44, 48))
        return at == AT_CGROUP_INET4_POST_BIND || at == AT_CGROUP_INET6_POST_BIND;
    return 1;
}

/* struct bpf_sock_addr */
static const struct pbpf_ctx_field sock_addr_fields[] = {
    SCALAR(0, 4, W4, 0),            /* user_family */
    SCALAR(4, 4, NARROW4, W4),      /* user_ip4 */
    SCALAR(8, 16, NARROW4 | W8, W4 | W8), /* user_ip6[4] */
    SCALAR(24, 4, NARROW4, W4),     /* user_port */
    SCALAR(28, 4, W4, 0),           /* family */
    SCALAR(32, 4, W4, 0),           /* type */
    SCALAR(36, 4, W4, 0),           /* protocol */
    SCALAR(40, 4, NARROW4, W4),     /* msg_src_ip4 */
    SCALAR(44, 16, NARROW4 | W8, W4 | W8), /* msg_src_ip6[4] */
    /* sk: the socket being connected, bound or sent from, a full one
     * (sock_addr_is_valid_access: PTR_TO_SOCKET, never NULL) */
    {64, 8, W8, 0, PBPF_CTXF_SOCKET, 8, 64, 0},
};

static int is_inet4_at(uint32_t at)
{
    return at == AT_CGROUP_INET4_BIND || at == AT_CGROUP_INET4_CONNECT ||
           at == AT_CGROUP_INET4_GETPEERNAME || at == AT_CGROUP_INET4_GETSOCKNAME ||
           at == AT_CGROUP_UDP4_SENDMSG || at == AT_CGROUP_UDP4_RECVMSG;
}

static int is_inet6_at(uint32_t at)
{
    return at == AT_CGROUP_INET6_BIND || at == AT_CGROUP_INET6_CONNECT ||
           at == AT_CGROUP_INET6_GETPEERNAME || at == AT_CGROUP_INET6_GETSOCKNAME ||
           at == AT_CGROUP_UDP6_SENDMSG || at == AT_CGROUP_UDP6_RECVMSG;
}

/* sock_addr_is_valid_access: user_ip4 for the inet4 hooks, user_ip6 for
 * inet6, msg_src_ip* for sendmsg; 8-byte accesses of the ip6 arrays only
 * at 8-byte boundaries (bpf_ctx_wide_access_ok). */
static int sock_addr_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off,
                           uint32_t size, int write)
{
    (void)off;
    switch (f->off) {
    case 4:
        return is_inet4_at(at);
    case 8:
        return is_inet6_at(at) && (size != 8 || off % 8 == 0);
    case 40:
        return at == AT_CGROUP_UDP4_SENDMSG;
    case 44:
        return at == AT_CGROUP_UDP6_SENDMSG && (size != 8 || off % 8 == 0);
    default:
        return !write || f->off == 24;
    }
}

/* struct bpf_sock_ops (sock_ops_is_valid_access): u32 fields read whole;
 * reply/replylong and sk_txhash writable; the u64 counters, sk and the
 * skb_data pointers (already 64-bit in the UAPI) read as u64. */
static const struct pbpf_ctx_field sock_ops_fields[] = {
    SCALAR(0, 4, W4, 0),     /* op */
    SCALAR(4, 16, W4, W4),   /* args[4] / reply / replylong[4] */
    SCALAR(20, 144, W4, 0),  /* family .. sacked_out, u32 each */
    SCALAR(164, 4, W4, W4),  /* sk_txhash */
    SCALAR(168, 16, W8, 0),  /* bytes_received, bytes_acked */
    /* sk: a full socket or NULL (sock_ops_is_valid_access:
     * PTR_TO_SOCKET_OR_NULL) */
    {184, 8, W8, 0, PBPF_CTXF_SOCKET_OR_NULL, 8, 184, 0},
    {192, 8, W8, 0, PBPF_CTXF_SCALAR, 8, 192, 0}, /* skb_data: a packet pointer */
    {200, 8, W8, 0, PBPF_CTXF_SCALAR, 8, 200, 0}, /* skb_data_end */
    SCALAR(208, 4, W4, 0),   /* skb_len */
    SCALAR_S(212, 4, NARROW4, 0), /* skb_tcp_flags */
    SCALAR(216, 8, W8, 0),   /* skb_hwtstamp */
};

static int sock_ops_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off,
                          uint32_t size, int write)
{
    (void)at, (void)size;
    if (write)
        return off == 4 || off == 164; /* reply, sk_txhash */
    return 1;
}

/* struct bpf_sk_lookup (sk_lookup_is_valid_access): read-only; sk as a
 * u64 (PTR_TO_SOCKET_OR_NULL); the u32 fields narrow; remote_port (__be16)
 * by byte or half, or as a u32 for old programs, and the zero padding
 * after it by byte or half; nothing past ingress_ifindex. */
static const struct pbpf_ctx_field sk_lookup_fields[] = {
    {0, 8, W8, 0, PBPF_CTXF_SOCKET_OR_NULL, 8, 0, 0}, /* sk / cookie */
    SCALAR(8, 4, NARROW4, 0),   /* family */
    SCALAR(12, 4, NARROW4, 0),  /* protocol */
    SCALAR(16, 4, NARROW4, 0),  /* remote_ip4 */
    SCALAR(20, 16, NARROW4, 0), /* remote_ip6[4] */
    SCALAR(36, 4, NARROW4, 0),  /* remote_port, 2 bytes of padding */
    SCALAR(40, 4, NARROW4, 0),  /* local_ip4 */
    SCALAR(44, 16, NARROW4, 0), /* local_ip6[4] */
    SCALAR(60, 4, NARROW4, 0),  /* local_port */
    SCALAR(64, 4, NARROW4, 0),  /* ingress_ifindex */
};

/* a u32 read of remote_port's slot starts at the port; halves at 36 and
 * 38 and single bytes anywhere in it */
static int sk_lookup_allow(const struct pbpf_ctx_field *f, uint32_t at, int64_t off,
                           uint32_t size, int write)
{
    (void)at;
    if (write)
        return 0;
    return f->off != 36 || size != 4 || off == 36;
}

/* struct sk_msg_md (sk_msg_is_valid_access): read-only; data and data_end
 * are 64-bit packet pointers in the UAPI itself, sk a u64 PTR_TO_SOCKET;
 * the u32 fields only whole. */
static const struct pbpf_ctx_field sk_msg_fields[] = {
    {0, 8, W8, 0, PBPF_CTXF_PKT_DATA, 8, 0, 0},
    {8, 8, W8, 0, PBPF_CTXF_PKT_END, 8, 8, 0},
    SCALAR(16, 4, W4, 0),  /* family */
    SCALAR(20, 4, W4, 0),  /* remote_ip4 */
    SCALAR(24, 4, W4, 0),  /* local_ip4 */
    SCALAR(28, 16, W4, 0), /* remote_ip6[4] */
    SCALAR(44, 16, W4, 0), /* local_ip6[4] */
    SCALAR(60, 4, W4, 0),  /* remote_port */
    SCALAR(64, 4, W4, 0),  /* local_port */
    SCALAR(68, 4, W4, 0),  /* size */
    {72, 8, W8, 0, PBPF_CTXF_SOCKET, 8, 72, 0}, /* sk */
};

#define DESC(type, name, sz, isz, tab, allowfn, ident)                                             \
    {(type), (name), (sz), (isz), (tab), sizeof(tab) / sizeof((tab)[0]), (allowfn), (ident)}

static const struct pbpf_ctx_desc descs[] = {
    DESC(PT_SOCKET_FILTER, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields,
         sk_filter_allow, 0),
    DESC(PT_KPROBE, "pt_regs", 168, 168, kprobe_fields, NULL, 1),
    DESC(PT_SCHED_CLS, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields, tc_allow,
         0),
    DESC(PT_SCHED_ACT, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields, tc_allow,
         0),
    DESC(PT_TRACEPOINT, "trace_event_raw", 8192, 8192, tp_fields, NULL, 1),
    DESC(PT_XDP, "xdp_md", PBPF_XDP_MD_SIZE, PBPF_XDP_CTX_PUBLIC, xdp_fields, xdp_allow, 0),
    DESC(PT_PERF_EVENT, "bpf_perf_event_data", 184, 184, perf_fields, NULL, 1),
    DESC(PT_CGROUP_SKB, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields,
         cg_skb_allow, 0),
    DESC(PT_CGROUP_SOCK, "bpf_sock", 80, 80, sock_fields, sock_allow, 1),
    DESC(PT_LWT_IN, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields, lwt_allow,
         0),
    DESC(PT_LWT_OUT, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields, lwt_allow,
         0),
    DESC(PT_LWT_XMIT, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields,
         lwt_allow, 0),
    DESC(PT_SOCK_OPS, "bpf_sock_ops", 224, 224, sock_ops_fields, sock_ops_allow, 1),
    DESC(PT_SK_SKB, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC, skb_fields, sk_skb_allow,
         0),
    DESC(PT_SK_MSG, "sk_msg_md", PBPF_SK_MSG_MD_SIZE, PBPF_SK_MSG_MD_SIZE, sk_msg_fields, NULL, 1),
    DESC(PT_RAW_TRACEPOINT, "bpf_raw_tracepoint_args", 96, 96, raw_tp_fields, NULL, 1),
    DESC(PT_CGROUP_SOCK_ADDR, "bpf_sock_addr", 72, 72, sock_addr_fields, sock_addr_allow, 1),
    DESC(PT_FLOW_DISSECTOR, "__sk_buff", PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC,
         flow_dissector_fields, NULL, 0),
    DESC(PT_SK_LOOKUP, "bpf_sk_lookup", PBPF_SK_LOOKUP_SIZE, PBPF_SK_LOOKUP_SIZE, sk_lookup_fields,
         sk_lookup_allow, 1),
    DESC(PT_SYSCALL, "syscall", 65535, 65535, syscall_fields, NULL, 1),
};

const struct pbpf_ctx_desc *pbpf_ctx_desc(uint32_t prog_type)
{
    for (size_t i = 0; i < sizeof descs / sizeof descs[0]; i++)
        if (descs[i].prog_type == prog_type)
            return &descs[i];
    return NULL;
}

int pbpf_ctx_access(const struct pbpf_ctx_desc *d, uint32_t attach_type, int64_t off,
                    uint32_t size, int write, const struct pbpf_ctx_field **field, char *msg,
                    size_t msg_size)
{
    const struct pbpf_ctx_field *f = NULL;
    if (field)
        *field = NULL;
    /* Linux: off < 0 || off >= sizeof(ctx) → refused; off % size != 0 too */
    int width_ok = size == 1 || size == 2 || size == 4 || size == 8;
    /* tp_prog_is_valid_access compares the int offset with sizeof(void *),
     * so negative offsets pass its lower bound: Linux accepts aligned reads
     * before a tracepoint's record, and so does pbpf (checked runs still
     * bound them to the record) */
    if (d->prog_type == PT_TRACEPOINT && off < 0 && width_ok && off % size == 0 && !write) {
        if (field)
            *field = &d->fields[0];
        return 0;
    }
    if (off >= 0 && off < (int64_t)d->size && width_ok && off % size == 0) {
        for (size_t i = 0; i < d->nfields; i++) {
            const struct pbpf_ctx_field *c = &d->fields[i];
            if (off >= c->off && off + size <= (int64_t)c->off + c->size) {
                f = c;
                break;
            }
        }
    }
    if (f) {
        uint8_t widths = write ? f->write : f->read;
        if (!(widths & size) || (d->allow && !d->allow(f, attach_type, off, size, write)) ||
            (f->narrow_at_start && size < f->size && off != f->off))
            f = NULL;
    }
    if (!f) {
        if (msg && msg_size)
            snprintf(msg, msg_size, "invalid bpf_context access off=%lld size=%u", (long long)off,
                     size);
        return -EACCES;
    }
    if (field)
        *field = f;
    return 0;
}

static unsigned size_bytes(uint8_t code)
{
    switch (PBPF_SIZE(code)) {
    case PBPF_SIZE_B: return 1;
    case PBPF_SIZE_H: return 2;
    case PBPF_SIZE_W: return 4;
    default: return 8;
    }
}

int pbpf_ctx_rewrite(const struct pbpf_ctx_desc *d, uint32_t attach_type, struct pbpf_insn *insns,
                     size_t cnt, size_t idx, int64_t base_off, char *msg, size_t msg_size)
{
    if (idx >= cnt) {
        snprintf(msg, msg_size, "context access at insn %zu: out of the program", idx);
        return -EINVAL;
    }
    struct pbpf_insn *in = &insns[idx];
    uint8_t cls = PBPF_CLASS(in->code), mode = PBPF_MODE(in->code);
    int write = cls == PBPF_CLS_ST || cls == PBPF_CLS_STX;
    if (!(cls == PBPF_CLS_LDX && (mode == PBPF_MODE_MEM || mode == PBPF_MODE_MEMSX)) &&
        !(write && mode == PBPF_MODE_MEM)) {
        snprintf(msg, msg_size, "insn %zu: not a load or store of the context", idx);
        return -EINVAL;
    }
    unsigned size = size_bytes(in->code);
    int64_t off = base_off + in->off;
    const struct pbpf_ctx_field *f;
    char reason[96];
    int rc = pbpf_ctx_access(d, attach_type, off, size, write, &f, reason, sizeof reason);
    if (rc) {
        snprintf(msg, msg_size, "insn %zu: %s", idx, reason);
        return rc;
    }
    if (d->identity)
        return 0;
    int64_t new_off = (int64_t)f->internal_off + (off - f->off) - base_off;
    if (f->internal_size != f->size) {
        /* a 32-bit UAPI pointer: the whole 64-bit pointer is loaded */
        if (mode == PBPF_MODE_MEMSX || write) {
            snprintf(msg, msg_size, "insn %zu: invalid bpf_context access off=%lld size=%u", idx,
                     (long long)off, size);
            return -EACCES;
        }
        in->code = (uint8_t)(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_DW);
        new_off = (int64_t)f->internal_off - base_off;
    }
    if (new_off < INT16_MIN || new_off > INT16_MAX) {
        snprintf(msg, msg_size, "insn %zu: context offset %lld out of range", idx,
                 (long long)new_off);
        return -EINVAL;
    }
    in->off = (int16_t)new_off;
    return 0;
}

int pbpf_ctx_apply(uint32_t prog_type, uint32_t attach_type, struct pbpf_insn *insns, size_t cnt,
                   char *msg, size_t msg_size)
{
    struct pbpf_ctx_site *sites = NULL;
    size_t n = 0;
    int rc = pbpf_ctx_scan(insns, cnt, &sites, &n, msg, msg_size);
    if (rc)
        return rc;
    const struct pbpf_ctx_desc *d = pbpf_ctx_desc(prog_type);
    if (!d && n) {
        snprintf(msg, msg_size,
                 "insn %u: the context of program type %u is not supported by pbpf",
                 sites[0].insn_idx, prog_type);
        pbpf_free(sites);
        return -EOPNOTSUPP;
    }
    for (size_t i = 0; i < n && !rc; i++)
        rc = pbpf_ctx_rewrite(d, attach_type, insns, cnt, sites[i].insn_idx, sites[i].base_off,
                              msg, msg_size);
    pbpf_free(sites);
    return rc;
}

int pbpf_ctx_apply_sites(uint32_t prog_type, uint32_t attach_type, struct pbpf_insn *insns,
                         size_t cnt, const struct pbpf_verifier_ctx_access *sites, size_t n,
                         char *msg, size_t msg_size)
{
    const struct pbpf_ctx_desc *d = pbpf_ctx_desc(prog_type);
    if (!d && n) {
        snprintf(msg, msg_size,
                 "insn %u: the context of program type %u is not supported by pbpf",
                 sites[0].insn_idx, prog_type);
        return -EOPNOTSUPP;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = pbpf_ctx_rewrite(d, attach_type, insns, cnt, sites[i].insn_idx, sites[i].base_off,
                              msg, msg_size);
    return rc;
}
