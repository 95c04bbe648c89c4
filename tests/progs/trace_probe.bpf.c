/* Tracing in the style of connection-tracking probes: a kprobe that walks
 * a chain of kernel-like structures with bpf_probe_read_kernel (a request
 * points at its connection, which points at its socket, its peer
 * addresses, its owning task and that task's parent), and records what it
 * found; plus packet programs that walk TCP options (kind-length-value
 * records) with a bounded loop and with bpf_loop.
 *
 * The structures are this file's own (the program gets a pointer to a
 * `struct req` as the probed function's first argument, in pt_regs->di);
 * a test builds them in memory and checks the record. */
#include "datapath_defs.h"

struct task {
    __u32 pid;
    __u32 tgid;
    char comm[16];
    struct task *parent;
};

struct addr_pair {
    __u32 saddr, daddr;
    __u16 sport, dport;
};

struct sock {
    __u16 family;
    __u8 state;
    __u8 proto;
    __u32 rx_bytes;
    __u32 tx_bytes;
    struct addr_pair *addrs;
    struct task *owner;
};

struct conn {
    __u64 id;
    struct sock *sk;
    struct conn *next; /* the connections of the same owner */
    __u32 flags;
};

struct req {
    __u32 len;
    __u32 op;
    struct conn *conn;
};

struct record {
    __u64 conn_id;
    __u32 len, op;
    __u32 saddr, daddr;
    __u16 sport, dport;
    __u16 family;
    __u8 state, proto;
    __u32 rx_bytes, tx_bytes;
    __u32 pid, ppid;
    char comm[16];
    char parent_comm[16];
    __u32 chain_len;   /* connections on the owner's list, at most 8 */
    __u32 chain_flags; /* their flags, or'ed */
    __u64 chain_ids;   /* their ids, summed */
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct record);
} last_req SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32); /* op */
    __type(value, __u64);
} ops_seen SEC(".maps");

#define READ(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

SEC("kprobe/tcp_sendmsg")
int trace_req(struct pt_regs *ctx)
{
    struct req *rq = (struct req *)ctx->di;
    struct conn *c = 0;
    struct sock *sk = 0;
    struct addr_pair *ap = 0;
    struct task *t = 0, *parent = 0;
    __u32 zero = 0;
    struct record *r = bpf_map_lookup_elem(&last_req, &zero);
    if (!r || !rq)
        return 0;

    __builtin_memset(r, 0, sizeof(*r));
    if (READ(r->len, rq->len) || READ(r->op, rq->op) || READ(c, rq->conn) || !c)
        return 1;
    if (READ(r->conn_id, c->id) || READ(sk, c->sk) || !sk)
        return 2;
    READ(r->family, sk->family);
    READ(r->state, sk->state);
    READ(r->proto, sk->proto);
    READ(r->rx_bytes, sk->rx_bytes);
    READ(r->tx_bytes, sk->tx_bytes);
    if (!READ(ap, sk->addrs) && ap) {
        READ(r->saddr, ap->saddr);
        READ(r->daddr, ap->daddr);
        READ(r->sport, ap->sport);
        READ(r->dport, ap->dport);
    }
    if (!READ(t, sk->owner) && t) {
        READ(r->pid, t->pid);
        READ(r->comm, t->comm);
        if (!READ(parent, t->parent) && parent) {
            READ(r->ppid, parent->pid);
            READ(r->parent_comm, parent->comm);
        }
    }

    /* the owner's list of connections, starting at this one */
#pragma clang loop unroll(disable)
    for (int i = 0; i < 8 && c; i++) {
        __u32 fl = 0;
        __u64 id = 0;
        READ(fl, c->flags);
        READ(id, c->id);
        r->chain_flags |= fl;
        r->chain_ids += id;
        r->chain_len++;
        if (READ(c, c->next))
            break;
    }

    __u64 one = 1, *n = bpf_map_lookup_elem(&ops_seen, &r->op);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&ops_seen, &r->op, &one, BPF_ANY);
    return 0;
}

/* ------------------------------------------------- TCP option walkers */

struct opt_summary {
    __u32 mss;
    __u32 wscale;
    __u32 sack_ok;
    __u32 ts_val;
    __u32 count;
    __u32 bad;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32); /* 0: the bounded loop, 1: bpf_loop */
    __type(value, struct opt_summary);
} tcp_opts SEC(".maps");

/* One option at *rel bytes into the options, which start at byte start
 * of the packet and are olen bytes long (at most 40); returns 1 to stop.
 * The new *rel is masked to 6 bits, which changes nothing (it stays
 * below olen) but lets the verifier see every path leave the same state
 * (an offset below 64), so that it walks 40 iterations, not 40 levels of
 * branches. */
static __always_inline int one_option(void *data, void *data_end, __u32 *rel, __u32 start,
                                      __u32 olen, struct opt_summary *s)
{
    if (*rel >= olen || start > 128)
        return 1;
    __u8 *o = data + start + *rel;
    if ((void *)(o + 1) > data_end)
        return 1;
    __u8 kind = o[0];
    if (kind == 0) /* end of options */
        return 1;
    if (kind == 1) { /* no-op */
        *rel = (*rel + 1) & 63;
        return 0;
    }
    if ((void *)(o + 2) > data_end)
        return 1;
    __u32 len = o[1];
    if (len < 2 || *rel + len > olen) {
        s->bad++;
        return 1;
    }
    s->count++;
    if (kind == 2 && len == 4 && (void *)(o + 4) <= data_end)
        s->mss = (__u32)o[2] << 8 | o[3];
    else if (kind == 3 && len == 3 && (void *)(o + 3) <= data_end)
        s->wscale = o[2];
    else if (kind == 4 && len == 2)
        s->sack_ok = 1;
    else if (kind == 8 && len == 10 && (void *)(o + 6) <= data_end)
        s->ts_val = (__u32)o[2] << 24 | (__u32)o[3] << 16 | (__u32)o[4] << 8 | o[5];
    *rel = (*rel + len) & 63;
    return 0;
}

/* The TCP header's offset and the end of its options, of an untagged
 * IPv4 packet; 0 when it is not one. */
static __always_inline int tcp_options(void *data, void *data_end, __u32 *start, __u32 *olen)
{
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
        return 0;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP)
        return 0;
    __u32 ihl = (ip->ihl_version & 0xf) * 4;
    if (ihl < 20)
        return 0;
    struct tcphdr *th = (void *)ip + ihl;
    if ((void *)(th + 1) > data_end)
        return 0;
    __u32 doff = (th->doff_res >> 4) * 4;
    if (doff < 20)
        return 0;
    *start = sizeof(*eth) + ihl + sizeof(*th);
    *olen = doff - sizeof(*th);
    return 1;
}

SEC("xdp")
int xdp_tcp_opts(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u32 key = 0, rel = 0, start, olen;
    struct opt_summary *s = bpf_map_lookup_elem(&tcp_opts, &key);
    if (!s)
        return XDP_ABORTED;
    __builtin_memset(s, 0, sizeof(*s));
    if (!tcp_options(data, data_end, &start, &olen))
        return XDP_PASS;
    /* at most 40 bytes of options: 40 records */
#pragma clang loop unroll(disable)
    for (int i = 0; i < 40; i++)
        if (one_option(data, data_end, &rel, start, olen, s))
            break;
    return s->bad ? XDP_DROP : XDP_PASS;
}

struct walk_ctx {
    struct xdp_md *xdp;
    __u32 rel, start, olen;
    struct opt_summary *s;
};

static long opt_step(__u32 i, struct walk_ctx *w)
{
    void *data = (void *)(long)w->xdp->data;
    void *data_end = (void *)(long)w->xdp->data_end;
    return one_option(data, data_end, &w->rel, w->start, w->olen, w->s);
}

SEC("xdp")
int xdp_tcp_opts_loop(struct xdp_md *ctx)
{
    __u32 key = 1;
    struct opt_summary *s = bpf_map_lookup_elem(&tcp_opts, &key);
    if (!s)
        return XDP_ABORTED;
    __builtin_memset(s, 0, sizeof(*s));
    struct walk_ctx w = {.xdp = ctx, .s = s};
    if (!tcp_options((void *)(long)ctx->data, (void *)(long)ctx->data_end, &w.start, &w.olen))
        return XDP_PASS;
    bpf_loop(40, opt_step, &w, 0);
    return s->bad ? XDP_DROP : XDP_PASS;
}

char __license[] SEC("license") = "GPL";
