/* pbpf_prog_test_run: Linux's BPF_PROG_TEST_RUN (net/bpf/test_run.c) for
 * pbpf's program types.
 *   XDP                 bpf_prog_test_run_xdp: a 4096-byte frame with 256
 *                       bytes of headroom and 320 of tailroom; ctx xdp_md
 *                       carries the metadata length in data
 *   SOCKET_FILTER, SCHED_CLS/ACT, CGROUP_SKB, LWT_*
 *                       bpf_prog_test_run_skb: the Ethernet header is
 *                       parsed (protocol, pkt_type) and stays visible only
 *                       to tc programs; ctx __sk_buff with the fields Linux
 *                       lets the caller set
 *   RAW_TRACEPOINT, SYSCALL
 *                       as Linux: the arguments / the caller's context
 *   FLOW_DISSECTOR      bpf_prog_test_run_flow_dissector: data_in is the
 *                       frame, ctx_in an optional struct bpf_flow_keys
 *                       with only flags set; data_out gets the flow keys
 *   SK_LOOKUP           bpf_prog_test_run_sk_lookup: ctx_in is struct
 *                       bpf_sk_lookup, no packet
 *   KPROBE, TRACEPOINT, PERF_EVENT, CGROUP_SOCK, CGROUP_SOCK_ADDR, SOCK_OPS
 *                       Linux has no test run for these (-ENOTSUPP); pbpf
 *                       runs them on the UAPI context given in ctx_in,
 *                       zero-padded, with its pointer fields cleared.
 *   SK_SKB, SK_MSG      no test run in Linux either (their bpf_prog_ops
 *                       have none: -ENOTSUPP); pbpf runs them on the
 *                       message in data_in with the socket's fields from
 *                       ctx_in (__sk_buff, sk_msg_md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "hooks/ctx.h"
#include "hooks/pkt.h"
#include "pbpf/hooks.h"
#include "platform/platform.h"

enum {
    PT_SOCKET_FILTER = 1, PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_SCHED_ACT = 4,
    PT_TRACEPOINT = 5, PT_XDP = 6, PT_PERF_EVENT = 7, PT_CGROUP_SKB = 8,
    PT_CGROUP_SOCK = 9, PT_LWT_IN = 10, PT_LWT_OUT = 11, PT_LWT_XMIT = 12,
    PT_SOCK_OPS = 13, PT_SK_SKB = 14, PT_SK_MSG = 16, PT_RAW_TRACEPOINT = 17,
    PT_CGROUP_SOCK_ADDR = 18, PT_FLOW_DISSECTOR = 22, PT_SK_LOOKUP = 30, PT_SYSCALL = 31,
};
enum { AT_XDP_DEVMAP = 33, AT_XDP_CPUMAP = 35 };

#define ETH_HLEN 14
#define PAGE 4096u
/* XDP_PACKET_HEADROOM; SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on
 * x86-64; NET_SKB_PAD + NET_IP_ALIGN on x86-64 */
#define XDP_HEADROOM 256u
#define TAILROOM 320u
#define SKB_HEADROOM 64u
/* struct xdp_frame at the start of an XDP frame's headroom (Linux keeps
 * it clear of metadata and adjust_head) */
#define XDP_FRAME_SIZE 40u
#define XDP_META_MAX 255u
/* MAX_BPF_FUNC_ARGS u64 arguments of a raw tracepoint */
#define RAW_TP_ARGS_SIZE 96u
/* GSO_MAX_SEGS, GSO_LEGACY_MAX_SIZE */
#define GSO_MAX_SEGS 65535u
#define GSO_LEGACY_MAX_SIZE 65536u

#define OPT(opts, field, def)                                                                      \
    ((opts)->sz >= offsetof(struct pbpf_test_run_opts, field) + sizeof((opts)->field)              \
         ? (opts)->field                                                                           \
         : (def))

static int fail(struct pbpf_test_run_opts *o, int err, const char *fmt, ...)
    PBPF_PRINTF_FMT(3, 4);
static int fail(struct pbpf_test_run_opts *o, int err, const char *fmt, ...)
{
    char *buf = OPT(o, err_buf, NULL);
    size_t size = OPT(o, err_size, 0);
    if (buf && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* bpf_ctx_init: a zeroed context of `size` bytes with ctx_in copied in; a
 * longer ctx_in must be zero past `size` (bpf_check_uarg_tail_zero). */
static int ctx_init(struct pbpf_test_run_opts *o, void *ctx, size_t size)
{
    memset(ctx, 0, size);
    const uint8_t *in = OPT(o, ctx_in, NULL);
    uint32_t n = OPT(o, ctx_size_in, 0);
    if (!in)
        return n ? fail(o, -EINVAL, "ctx_size_in without ctx_in") : 0;
    for (uint32_t i = (uint32_t)size; i < n; i++)
        if (in[i])
            return fail(o, -E2BIG, "ctx_in: byte %u past the %zu-byte context is not zero", i,
                        size);
    memcpy(ctx, in, n < size ? n : size);
    return 0;
}

/* bpf_ctx_finish */
static int ctx_finish(struct pbpf_test_run_opts *o, const void *ctx, uint32_t size)
{
    void *out = OPT(o, ctx_out, NULL);
    if (!out)
        return 0;
    uint32_t room = OPT(o, ctx_size_out, 0), n = size;
    int err = 0;
    if (n > room) {
        n = room;
        err = fail(o, -ENOSPC, "ctx_out holds %u bytes, the context has %u", room, size);
    }
    memcpy(out, ctx, n);
    o->ctx_size_out = size;
    return err;
}

/* bpf_test_finish: data_out gets the packet (data_size_out 0: no limit,
 * as in Linux), data_size_out its full size; -ENOSPC when it did not fit. */
static int data_finish(struct pbpf_test_run_opts *o, const uint8_t *data, uint32_t size,
                       uint32_t retval, uint32_t duration)
{
    void *out = OPT(o, data_out, NULL);
    uint32_t room = OPT(o, data_size_out, 0), n = size;
    int err = 0;
    if (out) {
        if (room && n > room) {
            n = room;
            err = fail(o, -ENOSPC, "data_out holds %u bytes, the packet has %u", room, size);
        }
        memcpy(out, data, n);
    }
    if (o->sz >= offsetof(struct pbpf_test_run_opts, data_size_out) + sizeof(uint32_t))
        o->data_size_out = size;
    o->retval = retval;
    o->duration = duration;
    return err;
}

static void add_region(struct pbpf_run_ctx *rc, const void *p, size_t n, int w)
{
    if (rc->nregions < PBPF_MAX_REGIONS && n) {
        rc->regions[rc->nregions].start = (uintptr_t)p;
        rc->regions[rc->nregions].end = (uintptr_t)p + n;
        rc->regions[rc->nregions].writable = w;
        rc->nregions++;
    }
}

const struct pbpf_netdev pbpf_loopback = {.ifindex = 1, .name = "lo", .mtu = 65536,
                                           .rx_queues = 1};

const struct pbpf_netdev *pbpf_netdev_find(const struct pbpf_netdev *devs, uint32_t n,
                                           uint32_t ifindex)
{
    if (ifindex == 1)
        return &pbpf_loopback;
    for (uint32_t i = 0; devs && i < n; i++)
        if (devs[i].ifindex == ifindex)
            return &devs[i];
    return NULL;
}

/* The caller's devices: each ifindex 2 or more and given once, each name
 * NUL-terminated. */
static int netdevs_check(struct pbpf_test_run_opts *o, const struct pbpf_netdev **devs,
                         uint32_t *n)
{
    *devs = OPT(o, netdevs, NULL);
    *n = *devs ? OPT(o, netdev_cnt, 0) : 0;
    if (!*devs && OPT(o, netdev_cnt, 0))
        return fail(o, -EINVAL, "netdev_cnt without netdevs");
    for (uint32_t i = 0; i < *n; i++) {
        const struct pbpf_netdev *d = &(*devs)[i];
        if (d->ifindex < 2)
            return fail(o, -EINVAL, "netdevs[%u]: ifindex %u (1 is the loopback, 0 none)", i,
                        d->ifindex);
        if (!memchr(d->name, 0, sizeof d->name))
            return fail(o, -EINVAL, "netdevs[%u]: the name is not NUL-terminated", i);
        for (uint32_t j = 0; j < i; j++)
            if ((*devs)[j].ifindex == d->ifindex)
                return fail(o, -EINVAL, "netdevs[%u]: ifindex %u given twice", i, d->ifindex);
    }
    return 0;
}

static uint32_t dev_rx_queues(const struct pbpf_netdev *d)
{
    return d->rx_queues ? d->rx_queues : 1;
}

/* The run of an skb program: the socket pointer in __sk_buff (offset
 * 168), the hook state, and the regions a checked run may touch: the
 * writable UAPI part, the read-only rest of the context, the socket view
 * and the packet (its region index kept for the packet helpers). */
static void skb_run_setup(struct pbpf_run_ctx *rc, struct pbpf_prog *prog, struct pbpf_pkt *p,
                          struct pbpf_skb_ctx *sc, struct pbpf_sock_view *sk)
{
    uint64_t skp = (uint64_t)(uintptr_t)sk;
    memcpy(sc->uapi + 168, &skp, 8);
    p->ctx.skb = sc;
    p->sk = sk;
    pbpf_run_ctx_init(rc, prog, NULL);
    rc->hook = p;
    p->run = rc;
    add_region(rc, sc, PBPF_SKB_UAPI_SIZE, 1);
    add_region(rc, (uint8_t *)sc + PBPF_SKB_UAPI_SIZE, PBPF_SKB_CTX_PUBLIC - PBPF_SKB_UAPI_SIZE,
               0);
    add_region(rc, sk, sizeof *sk, 0);
    p->region = rc->nregions;
    add_region(rc, p->meta, 1, 1);
    pbpf_pkt_sync(p);
}

/* Runs `repeat` times on the same context (Linux does not reset it
 * between runs); the average duration in ns. */
static int run_repeat(struct pbpf_prog *prog, struct pbpf_run_ctx *rc, void *ctx, int repeat,
                      uint32_t *retval, uint32_t *duration, struct pbpf_test_run_opts *o)
{
    if (repeat <= 0)
        repeat = 1;
    uint64_t t0 = pbpf_time_mono_ns(), r0 = 0;
    for (int i = 0; i < repeat; i++) {
        struct pbpf_pkt *p = rc->hook;
        if (p)
            p->redirect_type = PBPF_REDIRECT_NONE;
        int err = pbpf_run_ctx_exec(prog, rc, (uint64_t)(uintptr_t)ctx, 0, &r0);
        if (err)
            return fail(o, err, "%s", rc->msg[0] ? rc->msg : "the run failed");
    }
    uint64_t dt = (pbpf_time_mono_ns() - t0) / (uint64_t)repeat;
    *duration = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
    *retval = (uint32_t)r0;
    return 0;
}

static void report_redirect(struct pbpf_test_run_opts *o, const struct pbpf_pkt *p)
{
    if (o->sz < offsetof(struct pbpf_test_run_opts, redirect_key) + sizeof(uint32_t))
        return;
    o->redirect_type = p->redirect_type;
    o->redirect_ifindex = p->redirect_type == PBPF_REDIRECT_IFINDEX
                              ? p->redirect_ifindex
                              : p->redirect_target.ifindex;
    o->redirect_flags = p->redirect_flags;
    o->redirect_map_type = p->redirect_type == PBPF_REDIRECT_MAP ? p->redirect_target.map_type : 0;
    o->redirect_key = p->redirect_type == PBPF_REDIRECT_MAP ? p->redirect_target.key : 0;
}

void pbpf_pkt_sync(struct pbpf_pkt *p)
{
    if (p->kind == PBPF_PKT_XDP) {
        p->ctx.xdp->data = (uint64_t)(uintptr_t)p->data;
        p->ctx.xdp->data_end = (uint64_t)(uintptr_t)p->data_end;
        p->ctx.xdp->data_meta = (uint64_t)(uintptr_t)p->meta;
    } else {
        struct pbpf_skb_ctx *s = p->ctx.skb;
        s->data = (uint64_t)(uintptr_t)p->data;
        s->data_end = (uint64_t)(uintptr_t)p->data_end;
        s->data_meta = (uint64_t)(uintptr_t)p->meta;
        uint32_t len = (uint32_t)(p->data_end - p->data);
        memcpy(s->uapi + 0, &len, 4);
        /* LD_ABS / LD_IND read from skb->data */
        p->run->pkt = p->data;
        p->run->pkt_len = len;
    }
    if (p->region) {
        p->run->regions[p->region].start = (uintptr_t)p->meta;
        p->run->regions[p->region].end = (uintptr_t)p->data_end;
    }
}

int pbpf_pkt_reserve(struct pbpf_pkt *p, size_t head, size_t tail)
{
    size_t have_head = (size_t)(p->meta - p->head), have_tail = (size_t)(p->end - p->data_end);
    if (have_head >= head && have_tail >= tail)
        return 0;
    size_t nh = have_head > head ? have_head : head, nt = have_tail > tail ? have_tail : tail;
    size_t len = (size_t)(p->data_end - p->meta);
    uint8_t *nb = pbpf_calloc(1, nh + len + nt);
    if (!nb)
        return -ENOMEM;
    memcpy(nb + nh, p->meta, len);
    size_t data_off = (size_t)(p->data - p->meta);
    p->data = nb + nh + data_off;
    p->data_end = nb + nh + len;
    p->meta = nb + nh;
    p->mac_off = p->mac_off + nh - have_head;
    p->net_off = p->net_off + nh - have_head;
    pbpf_free(p->head);
    p->head = nb;
    p->end = nb + nh + len + nt;
    pbpf_pkt_sync(p);
    return 0;
}

/* --- XDP ------------------------------------------------------------- */

static int test_run_xdp(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    uint32_t flags = OPT(o, flags, 0), size = OPT(o, data_size_in, 0);
    const uint8_t *data_in = OPT(o, data_in, NULL);
    if (flags & PBPF_F_TEST_XDP_LIVE_FRAMES)
        return fail(o, -EOPNOTSUPP, "BPF_F_TEST_XDP_LIVE_FRAMES: pbpf has no devices to send "
                                    "frames to");
    if (flags || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0 for an XDP test run");
    if (prog->expected_attach_type == AT_XDP_DEVMAP || prog->expected_attach_type == AT_XDP_CPUMAP)
        return fail(o, -EINVAL, "XDP programs for DEVMAP or CPUMAP entries cannot be test-run");
    uint32_t md[PBPF_XDP_MD_SIZE / 4];
    int err = ctx_init(o, md, sizeof md);
    if (err)
        return err;
    int have_ctx = OPT(o, ctx_in, NULL) || OPT(o, ctx_out, NULL);
    uint32_t metalen = md[0];
    /* "There can't be user provided data before the meta data" */
    if (md[2] || md[1] > size || md[0] > md[1] || (metalen & 3) || metalen > XDP_META_MAX)
        return fail(o, -EINVAL,
                    "ctx_in: xdp_md needs data_meta = 0, data <= data_end <= data_size_in and "
                    "a metadata length (data) that is a multiple of 4 up to 252");
    if (md[5])
        return fail(o, -EINVAL, "ctx_in: egress_ifindex must be 0");
    /* xdp_convert_md_to_buff: the frame arrives on the loopback device
     * (ifindex 1, queue 0) unless the caller names another device and
     * one of its queues */
    const struct pbpf_netdev *devs, *dev = &pbpf_loopback;
    uint32_t ndevs;
    if ((err = netdevs_check(o, &devs, &ndevs)))
        return err;
    if (!md[3] && md[4])
        return fail(o, -EINVAL, "ctx_in: rx_queue_index without ingress_ifindex");
    if (md[3]) {
        dev = pbpf_netdev_find(devs, ndevs, md[3]);
        if (!dev)
            return fail(o, -ENODEV, "ctx_in: ingress_ifindex %u: no such device (the "
                                    "loopback, 1, or netdevs)", md[3]);
        if (md[4] >= dev_rx_queues(dev))
            return fail(o, -EINVAL, "ctx_in: rx_queue_index %u: %s has %u receive queues",
                        md[4], dev->name, dev_rx_queues(dev));
    }
    if (metalen > XDP_HEADROOM - XDP_FRAME_SIZE)
        return fail(o, -EINVAL, "ctx_in: %u bytes of metadata do not fit the headroom", metalen);
    uint32_t headroom = XDP_HEADROOM - metalen;
    uint32_t max_data = PAGE - headroom - TAILROOM;
    if (size < ETH_HLEN || !data_in)
        return fail(o, -EINVAL, "data_in must hold at least an Ethernet header (14 bytes)");
    /* the linear part: up to ctx's data_end when a context is given, at
     * most what the page holds; the rest goes to page-sized fragments */
    uint32_t linear = have_ctx ? md[1] : size;
    if (linear > max_data)
        linear = max_data;
    uint32_t rest = size - linear;
    if (rest > PBPF_XDP_MAX_FRAGS * PBPF_XDP_FRAG_SIZE)
        return fail(o, -ENOMEM, "data_size_in %u needs more than %u fragments", size,
                    PBPF_XDP_MAX_FRAGS);
    struct pbpf_pkt p;
    memset(&p, 0, sizeof p);
    struct pbpf_xdp_ctx xc;
    memset(&xc, 0, sizeof xc);
    p.kind = PBPF_PKT_XDP;
    p.prog_type = prog->prog_type;
    p.head = pbpf_calloc(1, PAGE);
    if (!p.head)
        return -ENOMEM;
    p.end = p.head + PAGE;
    p.hard_end = p.head + PAGE - TAILROOM;
    memcpy(p.head + headroom, data_in, linear);
    p.meta = p.head + headroom;
    p.data = p.meta + metalen;
    p.data_end = p.meta + linear;
    if (rest) {
        p.frags = pbpf_calloc(1, PBPF_XDP_MAX_FRAGS * PBPF_XDP_FRAG_SIZE);
        if (!p.frags) {
            pbpf_free(p.head);
            return -ENOMEM;
        }
        memcpy(p.frags, data_in + linear, rest);
        p.frags_len = rest;
        for (uint32_t left = rest; left; p.nr_frags++) {
            uint32_t n = left < PBPF_XDP_FRAG_SIZE ? left : PBPF_XDP_FRAG_SIZE;
            p.frag_len[p.nr_frags] = n;
            left -= n;
        }
    }
    memcpy(xc.uapi, md, sizeof md);
    xc.uapi[3] = dev->ifindex; /* ingress_ifindex: rxq->dev's */
    p.ctx.xdp = &xc;
    p.dev = dev;
    p.devs = devs;
    p.ndevs = ndevs;

    struct pbpf_run_ctx rc;
    pbpf_run_ctx_init(&rc, prog, NULL);
    rc.hook = &p;
    p.run = &rc;
    add_region(&rc, &xc, PBPF_XDP_CTX_PUBLIC, 0);
    p.region = rc.nregions;
    add_region(&rc, p.meta, 1, 1);
    pbpf_pkt_sync(&p);
    uint32_t retval = 0, duration = 0;
    err = run_repeat(prog, &rc, &xc, OPT(o, repeat, 0), &retval, &duration, o);
    if (!err) {
        report_redirect(o, &p);
        /* data_out: the linear part, then the fragments */
        size_t lin = (size_t)(p.data_end - p.meta);
        uint8_t *all = p.head;
        if (p.frags_len) {
            all = pbpf_malloc(lin + p.frags_len);
            if (!all) {
                err = -ENOMEM;
                goto out;
            }
            memcpy(all, p.meta, lin);
            memcpy(all + lin, p.frags, p.frags_len);
        }
        err = data_finish(o, p.frags_len ? all : p.meta, (uint32_t)(lin + p.frags_len), retval,
                          duration);
        if (p.frags_len)
            pbpf_free(all);
    }
    if (!err && have_ctx) {
        /* xdp_convert_buff_to_md */
        md[0] = (uint32_t)(p.data - p.meta);
        md[1] = (uint32_t)(p.data_end - p.meta);
        err = ctx_finish(o, md, sizeof md);
    }
out:
    pbpf_free(p.frags);
    pbpf_free(p.head);
    return err;
}

/* --- skb types --------------------------------------------------------- */

static int range_zero(const uint8_t *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (b[i])
            return 0;
    return 1;
}

static uint32_t rd32(const uint8_t *b, size_t off)
{
    uint32_t v;
    memcpy(&v, b + off, 4);
    return v;
}

static void wr32(uint8_t *b, size_t off, uint32_t v) { memcpy(b + off, &v, 4); }

/* convert___skb_to_skb: which __sk_buff fields a caller may set */
static int skb_ctx_check(struct pbpf_test_run_opts *o, const uint8_t *c)
{
    static const struct {
        uint16_t from, to;
    } zero[] = {
        {0, 8},     /* len .. queue_mapping ... before mark */
        {12, 32},   /* after mark, before priority */
        {44, 48},   /* after ifindex, before cb */
        {68, 152},  /* after cb, before tstamp */
        {168, 176}, /* after gso_segs, before gso_size */
        {180, 184}, /* after gso_size, before hwtstamp */
    };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (!range_zero(c, zero[i].from, zero[i].to))
            return fail(o, -EINVAL,
                        "ctx_in: __sk_buff bytes %u..%u must be 0 (only mark, priority, "
                        "ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size "
                        "and hwtstamp may be set)",
                        zero[i].from, zero[i].to - 1);
    return 0;
}

static int is_l2_type(uint32_t t) { return t == PT_SCHED_CLS || t == PT_SCHED_ACT; }

static int test_run_skb(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    uint32_t size = OPT(o, data_size_in, 0);
    const uint8_t *data_in = OPT(o, data_in, NULL);
    if (OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0 for an skb test run");
    if (size < ETH_HLEN || !data_in || size > PAGE - SKB_HEADROOM - TAILROOM)
        return fail(o, -EINVAL, "data_size_in must be 14..%u bytes (an Ethernet frame)",
                    PAGE - SKB_HEADROOM - TAILROOM);
    uint8_t c[PBPF_SKB_UAPI_SIZE];
    int err = ctx_init(o, c, sizeof c);
    if (err)
        return err;
    int have_ctx = OPT(o, ctx_in, NULL) || OPT(o, ctx_out, NULL);
    if ((err = skb_ctx_check(o, c)))
        return err;
    /* bpf_prog_test_run_skb: the packet is on the loopback unless
     * ctx_in's ifindex names another device */
    const struct pbpf_netdev *devs, *dev = &pbpf_loopback;
    uint32_t ndevs;
    if ((err = netdevs_check(o, &devs, &ndevs)))
        return err;
    if (rd32(c, 40) > 1 && !(dev = pbpf_netdev_find(devs, ndevs, rd32(c, 40))))
        return fail(o, -ENODEV, "ctx_in: ifindex %u: no such device (the loopback, 1, or "
                                "netdevs)", rd32(c, 40));
    uint32_t wire_len = rd32(c, 160), gso_segs = rd32(c, 164);
    if (gso_segs > GSO_MAX_SEGS)
        return fail(o, -EINVAL, "ctx_in: gso_segs over %u", GSO_MAX_SEGS);

    struct pbpf_pkt p;
    memset(&p, 0, sizeof p);
    struct pbpf_skb_ctx sc;
    memset(&sc, 0, sizeof sc);
    struct pbpf_sock_view sk;
    memset(&sk, 0, sizeof sk);
    /* Linux's test run socket (sk_alloc + sock_init_data): TCP_CLOSE, no
     * receive queue recorded (bpf_sock's rx_queue_mapping -1) */
    sk.state = 7;
    sk.rx_queue_mapping = -1;
    p.kind = PBPF_PKT_SKB;
    p.prog_type = prog->prog_type;
    p.is_l2 = is_l2_type(prog->prog_type);
    p.head = pbpf_calloc(1, PAGE);
    if (!p.head)
        return -ENOMEM;
    p.end = p.head + PAGE;
    memcpy(p.head + SKB_HEADROOM, data_in, size);
    p.mac_off = SKB_HEADROOM;
    p.net_off = SKB_HEADROOM + ETH_HLEN;
    const uint8_t *eth = p.head + SKB_HEADROOM;

    /* eth_type_trans on the device: its own address is PACKET_HOST, its
     * broadcast address PACKET_BROADCAST (the loopback's address and
     * broadcast address are both 00:00:00:00:00:00, so there
     * ff:ff:ff:ff:ff:ff is multicast), other group addresses
     * PACKET_MULTICAST, the rest PACKET_OTHERHOST */
    static const uint8_t all_ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t pkt_type;
    if (memcmp(eth, dev->mac, 6) == 0)
        pkt_type = 0; /* PACKET_HOST */
    else if (!(eth[0] & 1))
        pkt_type = 3; /* PACKET_OTHERHOST */
    else
        pkt_type = dev != &pbpf_loopback && memcmp(eth, all_ones, 6) == 0 ? 1 : 2;
    uint16_t proto_be;
    memcpy(&proto_be, eth + 12, 2);
    uint16_t proto = (uint16_t)(eth[12] << 8 | eth[13]);
    if (proto < 0x600) {
        /* 802.3 length field: raw IPX (0xFFFF) or 802.2 LLC */
        uint16_t p8023 = eth[14] == 0xff && eth[15] == 0xff && size >= 16 ? 0x0001 : 0x0004;
        proto_be = (uint16_t)((p8023 >> 8) | (p8023 << 8));
    }
    /* the test run's socket: family and addresses from the IP header */
    const uint8_t *nh = eth + ETH_HLEN;
    size_t nlen = size - ETH_HLEN;
    /* Linux refuses IP packets too short for their header */
    if ((proto == 0x0800 && nlen < 20) || (proto == 0x86dd && nlen < 40)) {
        pbpf_free(p.head);
        return fail(o, -EINVAL, "data_in: an IPv%d packet shorter than its header",
                    proto == 0x0800 ? 4 : 6);
    }
    if (proto == 0x0800) {
        sk.family = 2;
        memcpy(&sk.src_ip4, nh + 12, 4);
        memcpy(&sk.dst_ip4, nh + 16, 4);
    } else if (proto == 0x86dd) {
        sk.family = 10;
        memcpy(sk.src_ip6, nh + 8, 16);
        memcpy(sk.dst_ip6, nh + 24, 16);
    }
    p.data = p.head + (p.is_l2 ? p.mac_off : p.net_off);
    p.meta = p.data;
    p.data_end = p.head + SKB_HEADROOM + size;
    uint32_t len = (uint32_t)(p.data_end - p.data);
    if (wire_len && (wire_len < len || wire_len > GSO_LEGACY_MAX_SIZE)) {
        pbpf_free(p.head);
        return fail(o, -EINVAL, "ctx_in: wire_len %u is below the packet's %u bytes or over %u",
                    wire_len, len, GSO_LEGACY_MAX_SIZE);
    }
    uint8_t *u = sc.uapi;
    wr32(u, 4, pkt_type);
    wr32(u, 8, rd32(c, 8));                 /* mark */
    wr32(u, 16, proto_be);                  /* protocol (network order) */
    wr32(u, 32, rd32(c, 32));               /* priority */
    wr32(u, 36, rd32(c, 36));               /* ingress_ifindex */
    wr32(u, 40, dev->ifindex);              /* ifindex: skb->dev's */
    memcpy(u + 48, c + 48, 20);             /* cb */
    wr32(u, 88, sk.family);
    wr32(u, 92, sk.dst_ip4);                /* remote_ip4 */
    wr32(u, 96, sk.src_ip4);                /* local_ip4 */
    memcpy(u + 100, sk.dst_ip6, 16);
    memcpy(u + 116, sk.src_ip6, 16);
    memcpy(u + 152, c + 152, 8);            /* tstamp */
    /* qdisc_skb_cb's pkt_len is set only from a given context */
    wr32(u, 160, !have_ctx ? 0 : wire_len ? wire_len : len);
    wr32(u, 164, gso_segs);
    wr32(u, 176, rd32(c, 176));             /* gso_size */
    memcpy(u + 184, c + 184, 8);            /* hwtstamp */

    p.dev = dev;
    p.devs = devs;
    p.ndevs = ndevs;
    struct pbpf_run_ctx rc;
    skb_run_setup(&rc, prog, &p, &sc, &sk);
    uint32_t retval = 0, duration = 0;
    err = run_repeat(prog, &rc, &sc, OPT(o, repeat, 0), &retval, &duration, o);
    if (!err && !p.is_l2) {
        /* the Ethernet header comes back zeroed (Linux: memset of the
         * pushed hh_len bytes) */
        if ((size_t)(p.data - p.head) < ETH_HLEN)
            err = pbpf_pkt_reserve(&p, ETH_HLEN, 0);
        if (!err) {
            p.data -= ETH_HLEN;
            p.meta = p.data;
            memset(p.data, 0, ETH_HLEN);
        }
    }
    if (!err) {
        report_redirect(o, &p);
        err = data_finish(o, p.data, (uint32_t)(p.data_end - p.data), retval, duration);
    }
    if (!err && have_ctx) {
        /* convert_skb_to___skb */
        uint8_t out[PBPF_SKB_UAPI_SIZE];
        memset(out, 0, sizeof out);
        wr32(out, 8, rd32(u, 8));
        wr32(out, 32, rd32(u, 32));
        wr32(out, 36, rd32(u, 36));
        wr32(out, 40, rd32(u, 40));
        memcpy(out + 48, u + 48, 20);
        memcpy(out + 152, u + 152, 8);
        wr32(out, 160, rd32(u, 160));
        wr32(out, 164, rd32(u, 164));
        /* convert_skb_to___skb writes into the copy of ctx_in, and not
         * gso_size: that comes back as it went in */
        wr32(out, 176, rd32(c, 176));
        memcpy(out + 184, u + 184, 8);
        err = ctx_finish(o, out, sizeof out);
    }
    pbpf_free(p.head);
    return err;
}

/* --- types run on a caller-given context ------------------------------- */

static int test_run_ctx(struct pbpf_prog *prog, const struct pbpf_ctx_desc *d,
                        struct pbpf_test_run_opts *o)
{
    uint32_t n = OPT(o, ctx_size_in, 0), size = d->size;
    uint32_t t = prog->prog_type;
    if (OPT(o, data_in, NULL) || OPT(o, data_out, NULL) || OPT(o, data_size_in, 0))
        return fail(o, -EINVAL, "program type %u has no packet: data_in/data_out must be NULL", t);
    if (t == PT_RAW_TRACEPOINT) {
        /* bpf_prog_test_run_raw_tp */
        uint32_t flags = OPT(o, flags, 0);
        if (OPT(o, ctx_out, NULL) || OPT(o, repeat, 0) || (flags & ~PBPF_F_TEST_RUN_ON_CPU) ||
            OPT(o, batch_size, 0))
            return fail(o, -EINVAL, "raw tracepoint test runs take only ctx_in, flags and cpu");
        if (n > RAW_TP_ARGS_SIZE)
            return fail(o, -EINVAL, "ctx_size_in %u is over the 12 arguments (96 bytes)", n);
        if (!(flags & PBPF_F_TEST_RUN_ON_CPU) && OPT(o, cpu, 0))
            return fail(o, -EINVAL, "cpu without BPF_F_TEST_RUN_ON_CPU");
        if ((flags & PBPF_F_TEST_RUN_ON_CPU) && OPT(o, cpu, 0) >= prog->rt->slots)
            return fail(o, -ENXIO, "cpu %u: the runtime has %u slots", OPT(o, cpu, 0),
                        prog->rt->slots);
    } else if (t == PT_SYSCALL) {
        /* bpf_prog_test_run_syscall; ctx_out receives the context (Linux
         * writes it back into ctx_in, which is const here) */
        if (OPT(o, repeat, 0) || OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
            return fail(o, -EINVAL, "syscall test runs take only ctx_in and ctx_out");
        if (n > 65535)
            return fail(o, -EINVAL, "ctx_size_in %u is over U16_MAX", n);
        size = n;
    } else if (OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0)) {
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0");
    } else if (t == PT_TRACEPOINT) {
        /* a trace event record: as long as the caller's */
        if (n > d->size)
            return fail(o, -EINVAL, "ctx_size_in %u is over PERF_MAX_TRACE_SIZE (%u)", n, d->size);
        size = n;
    }
    uint8_t *ctx = pbpf_calloc(1, size ? size : 1);
    if (!ctx)
        return -ENOMEM;
    int err = ctx_init(o, ctx, size);
    if (err) {
        pbpf_free(ctx);
        return err;
    }
    /* pointers a caller could have given are not pbpf's to follow */
    for (size_t i = 0; i < d->nfields; i++)
        if (d->fields[i].kind == PBPF_CTXF_SOCK ||
            (t == PT_SOCK_OPS && (d->fields[i].off == 192 || d->fields[i].off == 200)))
            memset(ctx + d->fields[i].off, 0, d->fields[i].size);
    struct pbpf_run_ctx rc;
    pbpf_run_ctx_init(&rc, prog, NULL);
    rc.func_ip = OPT(o, func_ip, 0);
    rc.attach_cookie = OPT(o, attach_cookie, 0);
    int writable = 0;
    for (size_t i = 0; i < d->nfields; i++)
        writable |= d->fields[i].write != 0;
    add_region(&rc, ctx, size, writable);
    uint32_t retval = 0, duration = 0;
    err = run_repeat(prog, &rc, ctx, OPT(o, repeat, 0), &retval, &duration, o);
    if (!err) {
        o->retval = retval;
        o->duration = duration;
        if (t != PT_RAW_TRACEPOINT)
            err = ctx_finish(o, ctx, size);
    }
    pbpf_free(ctx);
    return err;
}

/* --- FLOW_DISSECTOR ------------------------------------------------------ */

/* struct bpf_flow_keys: the offsets the run sets and clamps */
#define FK_NHOFF 0
#define FK_THOFF 2
#define FK_N_PROTO 10
#define FK_FLAGS 48

static uint16_t rd16(const uint8_t *b, size_t off)
{
    uint16_t v;
    memcpy(&v, b + off, 2);
    return v;
}

static uint16_t clamp16(uint16_t v, uint16_t lo, uint16_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Runs the program as bpf_flow_dissect does: the flow keys start zeroed
 * but for n_proto (the Ethernet type, as it is in the frame), nhoff and
 * thoff (the Ethernet header's length) and flags; afterwards nhoff and
 * thoff are clamped into the frame, thoff past nhoff. */
static int flow_dissect(struct pbpf_prog *prog, struct pbpf_run_ctx *rc, struct pbpf_skb_ctx *sc,
                        uint8_t *keys, const uint8_t *frame, uint32_t size, uint32_t flags,
                        uint64_t *r0)
{
    memset(keys, 0, PBPF_FLOW_KEYS_SIZE);
    uint16_t nhoff = ETH_HLEN, hlen = (uint16_t)size;
    memcpy(keys + FK_N_PROTO, frame + 12, 2);
    memcpy(keys + FK_NHOFF, &nhoff, 2);
    memcpy(keys + FK_THOFF, &nhoff, 2);
    memcpy(keys + FK_FLAGS, &flags, 4);
    int err = pbpf_run_ctx_exec(prog, rc, (uint64_t)(uintptr_t)sc, 0, r0);
    if (err)
        return err;
    uint16_t nh = clamp16(rd16(keys, FK_NHOFF), nhoff, hlen);
    uint16_t th = clamp16(rd16(keys, FK_THOFF), nh, hlen);
    memcpy(keys + FK_NHOFF, &nh, 2);
    memcpy(keys + FK_THOFF, &th, 2);
    return 0;
}

/* bpf_prog_test_run_flow_dissector.  The program sees the frame from its
 * Ethernet header; bpf_skb_load_bytes reads an skb, which a test run does
 * not have, so it fails (bpf_flow_dissector_load_bytes: -EFAULT). */
static int test_run_flow_dissector(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    uint32_t size = OPT(o, data_size_in, 0);
    const uint8_t *data_in = OPT(o, data_in, NULL);
    if (OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0 for a flow dissector run");
    /* bpf_test_init with no headroom or tailroom */
    if (size < ETH_HLEN || !data_in || size > PAGE)
        return fail(o, -EINVAL, "data_size_in must be %u..%u bytes (an Ethernet frame)", ETH_HLEN,
                    PAGE);
    uint8_t user[PBPF_FLOW_KEYS_SIZE];
    int err = ctx_init(o, user, sizeof user);
    if (err)
        return err;
    int have_ctx = OPT(o, ctx_in, NULL) || OPT(o, ctx_out, NULL);
    /* verify_user_bpf_flow_keys: only flags may be set */
    if (!range_zero(user, 0, FK_FLAGS) || !range_zero(user, FK_FLAGS + 4, sizeof user))
        return fail(o, -EINVAL, "ctx_in: struct bpf_flow_keys may only have flags set");
    uint32_t flags = rd32(user, FK_FLAGS);
    uint8_t *frame = pbpf_malloc(size);
    if (!frame)
        return -ENOMEM;
    memcpy(frame, data_in, size);
    uint64_t keys_buf[PBPF_FLOW_KEYS_SIZE / 8];
    uint8_t *keys = (uint8_t *)keys_buf;
    struct pbpf_skb_ctx sc;
    memset(&sc, 0, sizeof sc);
    uint64_t kp = (uint64_t)(uintptr_t)keys;
    memcpy(sc.uapi + 144, &kp, 8); /* flow_keys */
    sc.data = (uint64_t)(uintptr_t)frame;
    sc.data_end = (uint64_t)(uintptr_t)(frame + size);
    sc.data_meta = sc.data;
    struct pbpf_pkt p;
    memset(&p, 0, sizeof p);
    p.kind = PBPF_PKT_FLOW;
    p.prog_type = prog->prog_type;
    p.head = p.meta = p.data = frame;
    p.data_end = p.end = frame + size;
    p.ctx.skb = &sc;
    struct pbpf_run_ctx rc;
    pbpf_run_ctx_init(&rc, prog, NULL);
    rc.hook = &p;
    p.run = &rc;
    add_region(&rc, &sc, PBPF_SKB_CTX_PUBLIC, 0);
    add_region(&rc, keys, PBPF_FLOW_KEYS_SIZE, 1);
    add_region(&rc, frame, size, 0); /* read-only: Linux refuses packet writes here */
    int repeat = OPT(o, repeat, 0);
    if (repeat <= 0)
        repeat = 1;
    uint64_t t0 = pbpf_time_mono_ns(), r0 = 0;
    for (int i = 0; i < repeat && !err; i++)
        err = flow_dissect(prog, &rc, &sc, keys, frame, size, flags, &r0);
    if (err) {
        err = fail(o, err, "%s", rc.msg[0] ? rc.msg : "the run failed");
    } else {
        uint64_t dt = (pbpf_time_mono_ns() - t0) / (uint64_t)repeat;
        err = data_finish(o, keys, PBPF_FLOW_KEYS_SIZE, (uint32_t)r0,
                          dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt);
        /* bpf_ctx_finish gives back the caller's keys, not the run's */
        if (!err && have_ctx)
            err = ctx_finish(o, user, sizeof user);
    }
    pbpf_free(frame);
    return err;
}

/* --- SK_LOOKUP ------------------------------------------------------------ */

#define AF_INET 2
#define AF_INET6 10
#define SK_DROP 0
#define SK_PASS 1

/* bpf_prog_test_run_sk_lookup: no packet; ctx_in (required) a struct
 * bpf_sk_lookup without a socket and with nothing past local_port; the
 * addresses of the other family read as 0.  No socket can be selected
 * (pbpf has none, and refuses bpf_sk_assign), so the cookie comes back 0
 * and the result is SK_DROP when the program drops, else SK_PASS
 * (BPF_PROG_SK_LOOKUP_RUN_ARRAY). */
static int test_run_sk_lookup(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    if (OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0 for an sk_lookup run");
    if (OPT(o, data_in, NULL) || OPT(o, data_size_in, 0) || OPT(o, data_out, NULL) ||
        OPT(o, data_size_out, 0))
        return fail(o, -EINVAL, "sk_lookup programs have no packet: data_* must be unset");
    if (!OPT(o, ctx_in, NULL) && !OPT(o, ctx_out, NULL))
        return fail(o, -EINVAL, "an sk_lookup run needs ctx_in (struct bpf_sk_lookup)");
    uint8_t user[PBPF_SK_LOOKUP_SIZE];
    int err = ctx_init(o, user, sizeof user);
    if (err)
        return err;
    if (!range_zero(user, 0, 8))
        return fail(o, -EINVAL, "ctx_in: bpf_sk_lookup's sk (cookie) must be 0");
    if (!range_zero(user, 64, sizeof user))
        return fail(o, -EINVAL, "ctx_in: nothing past local_port may be set");
    if (rd32(user, 60) > 0xffff)
        return fail(o, -ERANGE, "ctx_in: local_port %u is over 65535", rd32(user, 60));
    uint16_t family = (uint16_t)rd32(user, 8);
    if (family != AF_INET && family != AF_INET6)
        return fail(o, -EAFNOSUPPORT, "ctx_in: family %u is neither AF_INET nor AF_INET6",
                    family);
    uint64_t ctx_buf[PBPF_SK_LOOKUP_SIZE / 8];
    uint8_t *c = (uint8_t *)ctx_buf;
    memset(c, 0, sizeof ctx_buf);
    wr32(c, 8, family);
    wr32(c, 12, (uint16_t)rd32(user, 12)); /* protocol, a u16 in Linux */
    memcpy(c + 36, user + 36, 2);          /* remote_port */
    wr32(c, 60, rd32(user, 60));           /* local_port */
    if (family == AF_INET) {
        memcpy(c + 16, user + 16, 4);
        memcpy(c + 40, user + 40, 4);
    } else {
        memcpy(c + 20, user + 20, 16);
        memcpy(c + 44, user + 44, 16);
    }
    struct pbpf_run_ctx rc;
    pbpf_run_ctx_init(&rc, prog, NULL);
    add_region(&rc, c, sizeof ctx_buf, 0);
    uint32_t retval = 0, duration = 0;
    err = run_repeat(prog, &rc, c, OPT(o, repeat, 0), &retval, &duration, o);
    if (err)
        return err;
    retval = retval == SK_DROP ? SK_DROP : SK_PASS;
    err = data_finish(o, NULL, 0, retval, duration);
    if (!err)
        err = ctx_finish(o, user, sizeof user); /* the cookie stays 0 */
    return err;
}
/* --- SK_SKB and SK_MSG: runs on a caller-given message ------------------- */

/* The socket a message belongs to, as bpf_sock shows it: this end is the
 * source (local), the peer the destination (remote; its port a __be16). */
static void sock_view_from(struct pbpf_sock_view *sk, uint32_t family, const uint8_t *remote4,
                           const uint8_t *local4, const uint8_t *remote6, const uint8_t *local6,
                           uint32_t remote_port, uint32_t local_port)
{
    memset(sk, 0, sizeof *sk);
    sk->family = family;
    sk->type = 1;      /* SOCK_STREAM: sockmap sockets are TCP */
    sk->protocol = 6;
    memcpy(&sk->dst_ip4, remote4, 4);
    memcpy(&sk->src_ip4, local4, 4);
    memcpy(sk->dst_ip6, remote6, 16);
    memcpy(sk->src_ip6, local6, 16);
    sk->dst_port = (uint16_t)remote_port;
    sk->src_port = local_port;
    sk->state = 1;     /* BPF_TCP_ESTABLISHED */
    sk->rx_queue_mapping = -1;
}

/* SK_SKB (stream parser, stream verdict, skb verdict): data_in is the
 * message as skb->data shows it (the TCP payload); ctx_in a __sk_buff
 * whose readable fields the caller sets, all but len (the message's) and
 * the fields an SK_SKB program cannot read (mark, tc_classid, data_meta,
 * tstamp, wire_len, hwtstamp, tstamp_type) and the pointers; skb->sk is
 * the socket of family, addresses and ports.  data_out gets the message
 * after the run, ctx_out the __sk_buff without its pointers. */
static int test_run_sk_skb(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    uint32_t size = OPT(o, data_size_in, 0);
    const uint8_t *data_in = OPT(o, data_in, NULL);
    if (OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0 for an sk_skb run");
    if (!size || !data_in || size > PAGE - SKB_HEADROOM - TAILROOM)
        return fail(o, -EINVAL, "data_size_in must be 1..%u bytes (the message)",
                    PAGE - SKB_HEADROOM - TAILROOM);
    uint8_t c[PBPF_SKB_UAPI_SIZE];
    int err = ctx_init(o, c, sizeof c);
    if (err)
        return err;
    static const struct {
        uint16_t from, to;
    } zero[] = {{0, 4}, {8, 12}, {72, 88}, {140, 164}, {168, 176}, {180, 192}};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (!range_zero(c, zero[i].from, zero[i].to))
            return fail(o, -EINVAL,
                        "ctx_in: __sk_buff bytes %u..%u must be 0 (len is the message's; an "
                        "sk_skb program cannot read the others)",
                        zero[i].from, zero[i].to - 1);
    struct pbpf_pkt p;
    memset(&p, 0, sizeof p);
    struct pbpf_skb_ctx sc;
    memset(&sc, 0, sizeof sc);
    struct pbpf_sock_view sk;
    sock_view_from(&sk, rd32(c, 88), c + 92, c + 96, c + 100, c + 116, rd32(c, 132),
                   rd32(c, 136));
    p.kind = PBPF_PKT_SKB;
    p.prog_type = prog->prog_type;
    p.head = pbpf_calloc(1, PAGE);
    if (!p.head)
        return -ENOMEM;
    p.end = p.head + PAGE;
    memcpy(p.head + SKB_HEADROOM, data_in, size);
    p.mac_off = p.net_off = SKB_HEADROOM;
    p.data = p.meta = p.head + SKB_HEADROOM;
    p.data_end = p.data + size;
    memcpy(sc.uapi, c, sizeof c);
    struct pbpf_run_ctx rc;
    skb_run_setup(&rc, prog, &p, &sc, &sk);
    uint32_t retval = 0, duration = 0;
    err = run_repeat(prog, &rc, &sc, OPT(o, repeat, 0), &retval, &duration, o);
    if (!err)
        err = data_finish(o, p.data, (uint32_t)(p.data_end - p.data), retval, duration);
    if (!err && (OPT(o, ctx_in, NULL) || OPT(o, ctx_out, NULL))) {
        memset(sc.uapi + 168, 0, 8);
        err = ctx_finish(o, sc.uapi, PBPF_SKB_UAPI_SIZE);
    }
    pbpf_free(p.head);
    return err;
}

/* SK_MSG: data_in is the message a sendmsg gives the socket, in one
 * scatterlist element; ctx_in a struct sk_msg_md with the socket's
 * family, addresses and ports, and size 0 or data_size_in; data, data_end
 * and sk are pbpf's.  The bpf_msg_* helpers reshape the message
 * (src/hooks/sk_msg.c).  data_out gets the whole message after the run,
 * ctx_out the sk_msg_md without its pointers (size: the message's),
 * msg_apply_bytes and msg_cork_bytes what the program asked for. */
static int test_run_sk_msg(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    uint32_t size = OPT(o, data_size_in, 0);
    const uint8_t *data_in = OPT(o, data_in, NULL);
    if (OPT(o, flags, 0) || OPT(o, cpu, 0) || OPT(o, batch_size, 0))
        return fail(o, -EINVAL, "flags, cpu and batch_size must be 0 for an sk_msg run");
    if (!size || !data_in || size > PAGE)
        return fail(o, -EINVAL, "data_size_in must be 1..%u bytes (the message)", PAGE);
    uint64_t md_buf[PBPF_SK_MSG_MD_SIZE / 8];
    uint8_t *md = (uint8_t *)md_buf;
    int err = ctx_init(o, md, PBPF_SK_MSG_MD_SIZE);
    if (err)
        return err;
    if (!range_zero(md, 0, 16) || !range_zero(md, 72, 80))
        return fail(o, -EINVAL, "ctx_in: sk_msg_md's data, data_end and sk must be 0");
    if (rd32(md, 68) && rd32(md, 68) != size)
        return fail(o, -EINVAL, "ctx_in: size %u is not the %u bytes of data_in (the whole "
                                "message)", rd32(md, 68), size);
    struct pbpf_sock_view sk;
    sock_view_from(&sk, rd32(md, 16), md + 20, md + 24, md + 28, md + 44, rd32(md, 60),
                   rd32(md, 64));
    struct pbpf_msg m;
    if (pbpf_msg_init(&m, data_in, size))
        return -ENOMEM;
    m.md = md;
    uint64_t v = (uint64_t)(uintptr_t)&sk;
    memcpy(md + 72, &v, 8);
    struct pbpf_pkt p;
    memset(&p, 0, sizeof p);
    p.kind = PBPF_PKT_MSG;
    p.prog_type = prog->prog_type;
    p.msg = &m;
    p.sk = &sk;
    struct pbpf_run_ctx rc;
    pbpf_run_ctx_init(&rc, prog, NULL);
    rc.hook = &p;
    p.run = &rc;
    add_region(&rc, md, PBPF_SK_MSG_MD_SIZE, 0);
    add_region(&rc, &sk, sizeof sk, 0);
    p.region = rc.nregions;
    add_region(&rc, m.data, 1, 1);
    pbpf_msg_sync(&p);
    uint32_t retval = 0, duration = 0;
    err = run_repeat(prog, &rc, md, OPT(o, repeat, 0), &retval, &duration, o);
    if (!err) {
        uint8_t *all = pbpf_malloc(m.size ? m.size : 1);
        if (!all) {
            err = -ENOMEM;
        } else {
            pbpf_msg_copy_out(&m, all);
            err = data_finish(o, all, m.size, retval, duration);
            pbpf_free(all);
        }
    }
    if (!err && o->sz >= offsetof(struct pbpf_test_run_opts, msg_cork_bytes) + sizeof(uint32_t)) {
        o->msg_apply_bytes = m.apply_bytes;
        o->msg_cork_bytes = m.cork_bytes;
    }
    if (!err && (OPT(o, ctx_in, NULL) || OPT(o, ctx_out, NULL))) {
        memset(md, 0, 16);
        memset(md + 72, 0, 8);
        err = ctx_finish(o, md, PBPF_SK_MSG_MD_SIZE);
    }
    pbpf_msg_free(&m);
    return err;
}

int pbpf_prog_test_run(struct pbpf_prog *prog, struct pbpf_test_run_opts *o)
{
    if (!prog || !o || o->sz < offsetof(struct pbpf_test_run_opts, flags))
        return -EINVAL;
    const struct pbpf_ctx_desc *d = pbpf_ctx_desc(prog->prog_type);
    if (!d)
        return fail(o, -EOPNOTSUPP, "program type %u has no test run in pbpf", prog->prog_type);
    uint32_t t = prog->prog_type;
    if (OPT(o, func_ip, 0) && t != PT_KPROBE)
        return fail(o, -EINVAL, "func_ip is for kprobe programs (program type %u)", t);
    if (OPT(o, attach_cookie, 0) && t != PT_KPROBE && t != PT_TRACEPOINT && t != PT_PERF_EVENT &&
        t != PT_RAW_TRACEPOINT)
        return fail(o, -EINVAL,
                    "attach_cookie is for kprobe, tracepoint, perf_event and raw_tracepoint "
                    "programs (program type %u)",
                    t);
    switch (prog->prog_type) {
    case PT_XDP:
        return test_run_xdp(prog, o);
    case PT_SOCKET_FILTER: case PT_SCHED_CLS: case PT_SCHED_ACT: case PT_CGROUP_SKB:
    case PT_LWT_IN: case PT_LWT_OUT: case PT_LWT_XMIT:
        return test_run_skb(prog, o);
    case PT_FLOW_DISSECTOR:
        return test_run_flow_dissector(prog, o);
    case PT_SK_LOOKUP:
        return test_run_sk_lookup(prog, o);
    case PT_SK_SKB:
        return test_run_sk_skb(prog, o);
    case PT_SK_MSG:
        return test_run_sk_msg(prog, o);
    default:
        return test_run_ctx(prog, d, o);
    }
}
