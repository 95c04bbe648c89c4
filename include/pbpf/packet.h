/* pbpf: running a packet program over a stream of packets (a capture file,
 * a ring of frames), one BPF_PROG_TEST_RUN-style run per packet, with the
 * verdict applied the way the hook in Linux applies it:
 *
 *   XDP (BPF_PROG_TYPE_XDP): XDP_PASS → passed, XDP_TX → transmitted back,
 *     XDP_REDIRECT → redirected, XDP_DROP, XDP_ABORTED and unknown actions
 *     → dropped (net/core/filter.c bpf_warn_invalid_xdp_action);
 *   tc (SCHED_CLS / SCHED_ACT, direct action): TC_ACT_SHOT, TC_ACT_STOLEN,
 *     TC_ACT_QUEUED, TC_ACT_TRAP → dropped (consumed); TC_ACT_REDIRECT →
 *     redirected; TC_ACT_OK, TC_ACT_UNSPEC and the others → passed
 *     (net/core/dev.c sch_handle_ingress, tcx_action_code);
 *   socket filter (SOCKET_FILTER): the return value is how many bytes of
 *     the packet to keep, counted from the network header as the filter
 *     sees it: 0 drops, less than the packet truncates (net/core/filter.c
 *     sk_filter_trim_cap).
 *
 * Packets come from a callback and leave through another, so the library
 * reads and writes no files: the caller brings the capture format (the
 * pbpf tool uses libpcap).  Rewrites by the program are kept: the bytes
 * handed to `emit` are the packet as the program left it. */
#ifndef PBPF_PACKET_H
#define PBPF_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/hooks.h"
#include "pbpf/pbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pbpf_packet {
    const uint8_t *data; /* the captured bytes */
    uint32_t len;        /* captured length */
    uint32_t wire_len;   /* length on the wire (>= len; a capture may cut) */
    uint64_t ts_ns;      /* capture time */
    /* set by pbpf_packet_run before `emit` for a redirected packet: the
     * interface it leaves by (bpf_redirect's ifindex, or the DEVMAP /
     * DEVMAP_HASH entry's); 0 for other fates and other redirect targets
     * (CPUMAP, XSKMAP) */
    uint32_t out_ifindex;
};

/* Gives the next packet: returns 1 with *pkt filled (its bytes valid
 * until the next call), 0 at the end, or a negative errno to stop. */
typedef int (*pbpf_packet_next_fn)(void *user, struct pbpf_packet *pkt);

enum pbpf_packet_fate {
    PBPF_PACKET_PASSED = 0,      /* on to the stack / the socket */
    PBPF_PACKET_TRANSMITTED = 1, /* XDP_TX: out of the interface it came in */
    PBPF_PACKET_REDIRECTED = 2,  /* XDP_REDIRECT, TC_ACT_REDIRECT */
    PBPF_PACKET_DROPPED = 3,
    PBPF_PACKET_FATES = 4,
};

/* A packet the program let out (passed, transmitted or redirected): in is
 * the packet as it came, data/len as the program left it (rewritten,
 * grown, shrunk or truncated).  0, or a negative errno to stop. */
typedef int (*pbpf_packet_emit_fn)(void *user, const struct pbpf_packet *in,
                                   enum pbpf_packet_fate fate, const uint8_t *data,
                                   uint32_t len);

/* Return values counted one by one (XDP actions 0-4, TC_ACT_* -1..8 + 1);
 * the last slot counts every other value. */
#define PBPF_PACKET_VERDICTS 16

struct pbpf_packet_stats {
    uint64_t packets; /* run through the program */
    uint64_t bytes;   /* their captured bytes */
    /* by return value: XDP: verdicts[action]; tc: verdicts[action + 1]
     * (TC_ACT_UNSPEC = -1 in slot 0); socket filter: verdicts[0] = 0
     * (dropped), verdicts[1] = truncated, verdicts[2] = whole */
    uint64_t verdicts[PBPF_PACKET_VERDICTS];
    uint64_t fates[PBPF_PACKET_FATES];
    /* packets the hook cannot take, dropped before the program: frames
     * shorter than an Ethernet header (a NIC drops such runts), packets
     * the test run refuses as input (-EINVAL: an skb whose IP header is
     * cut) */
    uint64_t skipped;
    char skip_reason[128]; /* the first one's */
    uint64_t run_ns; /* time in the hook: context, program, verdict */
};

struct pbpf_packet_run_opts {
    size_t sz;
    pbpf_packet_next_fn next; /* required */
    pbpf_packet_emit_fn emit; /* NULL: nothing is handed back */
    void *user;
    /* called with the counts so far every `progress_every` packets */
    void (*progress)(void *user, const struct pbpf_packet_stats *stats);
    uint64_t progress_every;
    /* receives a one-line reason when the run stops on an error */
    char *err_buf;
    size_t err_size;
    /* the devices besides the loopback (pbpf_netdev of pbpf/hooks.h), and
     * the one the packets arrive on (0: the loopback, as a test run):
     * XDP's ingress_ifindex, an skb's ifindex and ingress_ifindex, the
     * packet type by the device's address, bpf_check_mtu's default */
    const struct pbpf_netdev *netdevs;
    uint32_t netdev_cnt;
    uint32_t ifindex;
};

/* Runs prog (XDP, SCHED_CLS, SCHED_ACT or SOCKET_FILTER) on every packet
 * `next` gives, applies the verdict, hands out what leaves to `emit` and
 * counts into *stats (zeroed first).  Returns 0 at the end of the packets,
 * or the first error: the callbacks' own, -EOPNOTSUPP for another program
 * type, or a run that failed (checked mode: -EFAULT ...), with "packet N:
 * <reason>" in err_buf.  Packets the hook refuses are skipped and counted. */
int pbpf_packet_run(struct pbpf_prog *prog, const struct pbpf_packet_run_opts *opts,
                    struct pbpf_packet_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
