/* The packet loop (pbpf/packet.h): one test run per packet, the verdict
 * applied as the program type's hook in Linux applies it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "pbpf/hooks.h"
#include "hooks/pkt.h"
#include "pbpf/packet.h"
#include "platform/platform.h"

#define OPT(opts, type, field, def)                                                                \
    ((opts) && (opts)->sz >= offsetof(type, field) + sizeof((opts)->field) ? (opts)->field : (def))

/* Linux enum bpf_prog_type */
#define PR_SOCKET_FILTER 1
#define PR_SCHED_CLS 3
#define PR_SCHED_ACT 4
#define PR_XDP 6

/* XDP actions and tc action codes (include/uapi/linux/bpf.h, pkt_cls.h) */
enum { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };
enum {
    TC_ACT_UNSPEC = -1,
    TC_ACT_OK = 0,
    TC_ACT_SHOT = 2,
    TC_ACT_STOLEN = 4,
    TC_ACT_QUEUED = 5,
    TC_ACT_REDIRECT = 7,
    TC_ACT_TRAP = 8,
};

#define ETH_HLEN 14
/* room for what a program can make of a frame: an XDP page plus its
 * fragments, an skb grown by the change_tail/adjust_room helpers */
#define PACKET_OUT_MAX (128u * 1024)

static int loop_fail(char *buf, size_t size, int err, const char *fmt, ...)
    PBPF_PRINTF_FMT(4, 5);
static int loop_fail(char *buf, size_t size, int err, const char *fmt, ...)
{
    if (buf && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* The fate of a packet from the program's return value, and the slot it
 * is counted in. */
static enum pbpf_packet_fate fate_of(uint32_t type, uint32_t ret, uint32_t len_l3,
                                     unsigned *slot)
{
    if (type == PR_XDP) {
        *slot = ret < PBPF_PACKET_VERDICTS - 1 ? ret : PBPF_PACKET_VERDICTS - 1;
        switch (ret) {
        case XDP_PASS: return PBPF_PACKET_PASSED;
        case XDP_TX: return PBPF_PACKET_TRANSMITTED;
        case XDP_REDIRECT: return PBPF_PACKET_REDIRECTED;
        default: return PBPF_PACKET_DROPPED; /* XDP_DROP, XDP_ABORTED, unknown */
        }
    }
    if (type == PR_SCHED_CLS || type == PR_SCHED_ACT) {
        int32_t act = (int32_t)ret;
        *slot = act >= -1 && act < PBPF_PACKET_VERDICTS - 2 ? (unsigned)(act + 1)
                                                            : PBPF_PACKET_VERDICTS - 1;
        switch (act) {
        case TC_ACT_SHOT:
        case TC_ACT_STOLEN:
        case TC_ACT_QUEUED:
        case TC_ACT_TRAP: return PBPF_PACKET_DROPPED;
        case TC_ACT_REDIRECT: return PBPF_PACKET_REDIRECTED;
        default: return PBPF_PACKET_PASSED; /* TC_ACT_OK, UNSPEC, PIPE, RECLASSIFY... */
        }
    }
    /* socket filter: bytes to keep */
    *slot = ret == 0 ? 0 : ret < len_l3 ? 1 : 2;
    return ret == 0 ? PBPF_PACKET_DROPPED : PBPF_PACKET_PASSED;
}

int pbpf_packet_run(struct pbpf_prog *prog, const struct pbpf_packet_run_opts *opts,
                    struct pbpf_packet_stats *stats)
{
    char *eb = OPT(opts, struct pbpf_packet_run_opts, err_buf, NULL);
    size_t es = OPT(opts, struct pbpf_packet_run_opts, err_size, 0);
    pbpf_packet_next_fn next = OPT(opts, struct pbpf_packet_run_opts, next, NULL);
    pbpf_packet_emit_fn emit = OPT(opts, struct pbpf_packet_run_opts, emit, NULL);
    void *user = OPT(opts, struct pbpf_packet_run_opts, user, NULL);
    void (*progress)(void *, const struct pbpf_packet_stats *) =
        OPT(opts, struct pbpf_packet_run_opts, progress, NULL);
    uint64_t every = OPT(opts, struct pbpf_packet_run_opts, progress_every, 0);
    const struct pbpf_netdev *devs = OPT(opts, struct pbpf_packet_run_opts, netdevs, NULL);
    uint32_t ndevs = OPT(opts, struct pbpf_packet_run_opts, netdev_cnt, 0);
    uint32_t ifindex = OPT(opts, struct pbpf_packet_run_opts, ifindex, 0);
    if (eb && es)
        eb[0] = '\0';
    memset(stats, 0, sizeof *stats);
    if (!prog || !next)
        return loop_fail(eb, es, -EINVAL, "no program or no packet source");
    uint32_t type = prog->prog_type;
    if (type != PR_XDP && type != PR_SCHED_CLS && type != PR_SCHED_ACT &&
        type != PR_SOCKET_FILTER)
        return loop_fail(eb, es, -EOPNOTSUPP,
                         "program type %u does not run on packets (XDP, tc or socket filter)",
                         type);
    if (ifindex > 1 && !pbpf_netdev_find(devs, ndevs, ifindex))
        return loop_fail(eb, es, -ENODEV, "ifindex %u: no such device (the loopback, 1, or "
                         "netdevs)", ifindex);
    uint8_t *out = pbpf_malloc(PACKET_OUT_MAX);
    if (!out)
        return loop_fail(eb, es, -ENOMEM, "out of memory");
    char msg[200];
    int rc = 0;
    struct pbpf_packet pkt;
    for (uint64_t n = 1;; n++) {
        memset(&pkt, 0, sizeof pkt);
        rc = next(user, &pkt);
        if (rc <= 0) {
            if (rc < 0 && eb && es && !eb[0])
                loop_fail(eb, es, rc, "packet %llu: cannot read it", (unsigned long long)n);
            break;
        }
        rc = 0;
        if (pkt.len < ETH_HLEN) {
            /* Linux's test run refuses these (bpf_test_init); a NIC never
             * hands them to XDP or tc */
            if (!stats->skipped++)
                snprintf(stats->skip_reason, sizeof stats->skip_reason,
                         "packet %llu: %u bytes, shorter than an Ethernet header",
                         (unsigned long long)n, pkt.len);
            continue;
        }
        msg[0] = '\0';
        PBPF_OPTS(pbpf_test_run_opts, t, .data_in = pkt.data, .data_size_in = pkt.len,
                  .data_out = out, .data_size_out = PACKET_OUT_MAX, .repeat = 1,
                  .err_buf = msg, .err_size = sizeof msg, .netdevs = devs,
                  .netdev_cnt = ndevs);
        /* another device than the loopback: the packet arrives on it (XDP:
         * ingress_ifindex, queue 0; skb: ifindex and ingress_ifindex) */
        uint32_t md[6] = {0, pkt.len, 0, ifindex, 0, 0};
        uint8_t skb_ctx[192];
        if (ifindex > 1 && type == PR_XDP) {
            t.ctx_in = md;
            t.ctx_size_in = sizeof md;
        } else if (ifindex > 1) {
            memset(skb_ctx, 0, sizeof skb_ctx);
            memcpy(skb_ctx + 36, &ifindex, 4);
            memcpy(skb_ctx + 40, &ifindex, 4);
            t.ctx_in = skb_ctx;
            t.ctx_size_in = sizeof skb_ctx;
        }
        uint64_t t0 = pbpf_time_mono_ns();
        rc = pbpf_prog_test_run(prog, &t);
        stats->run_ns += pbpf_time_mono_ns() - t0;
        if (rc == -EINVAL) {
            /* refused as input before the program ran (the run's own
             * failures are faults: -EFAULT, -ELOOP ...) */
            if (!stats->skipped++)
                snprintf(stats->skip_reason, sizeof stats->skip_reason, "packet %llu: %.80s",
                         (unsigned long long)n, msg[0] ? msg : "refused by the hook");
            rc = 0;
            continue;
        }
        if (rc) {
            loop_fail(eb, es, rc, "packet %llu: %s", (unsigned long long)n,
                      msg[0] ? msg : "the run failed");
            break;
        }
        uint32_t out_len = t.data_size_out;
        unsigned slot;
        enum pbpf_packet_fate fate = fate_of(type, t.retval, pkt.len - ETH_HLEN, &slot);
        stats->packets++;
        stats->bytes += pkt.len;
        stats->verdicts[slot]++;
        stats->fates[fate]++;
        if (type == PR_SOCKET_FILTER && out_len >= ETH_HLEN) {
            /* the filter saw the packet from its network header and cannot
             * write it; the link header comes back zeroed (Linux's test
             * run), so it is the one that came in */
            memcpy(out, pkt.data, ETH_HLEN);
            if (t.retval < out_len - ETH_HLEN)
                out_len = ETH_HLEN + t.retval;
        }
        if (emit && fate != PBPF_PACKET_DROPPED) {
            pkt.out_ifindex = fate == PBPF_PACKET_REDIRECTED ? t.redirect_ifindex : 0;
            rc = emit(user, &pkt, fate, out, out_len);
            if (rc) {
                if (eb && es && !eb[0])
                    loop_fail(eb, es, rc, "packet %llu: cannot write it", (unsigned long long)n);
                break;
            }
        }
        if (progress && every && stats->packets % every == 0)
            progress(user, stats);
    }
    pbpf_free(out);
    return rc;
}
