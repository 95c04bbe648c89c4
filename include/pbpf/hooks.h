/* pbpf: running a program against a packet or a context, the way Linux's
 * BPF_PROG_TEST_RUN does (libbpf: bpf_prog_test_run_opts). */
#ifndef PBPF_HOOKS_H
#define PBPF_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Linux's BPF_F_TEST_RUN_ON_CPU: run on execution slot `cpu` (raw
 * tracepoints only, as in Linux). */
#define PBPF_F_TEST_RUN_ON_CPU 0x1u
/* Linux's BPF_F_TEST_XDP_LIVE_FRAMES: not supported (-EOPNOTSUPP). */
#define PBPF_F_TEST_XDP_LIVE_FRAMES 0x2u

/* A network device of a test run, as Linux's net_device shows itself to
 * programs and helpers: ingress_ifindex / ifindex in the contexts, the
 * packet type an skb gets (its address, and ff:ff:ff:ff:ff:ff as its
 * broadcast address), bpf_check_mtu (mtu, an Ethernet header of 14
 * bytes).  A test run always has the loopback, ifindex 1 ("lo", address
 * and broadcast address 00:00:00:00:00:00, MTU 65536, one receive queue);
 * the caller may describe others. */
struct pbpf_netdev {
    uint32_t ifindex;   /* 2 and up, each once */
    char name[16];      /* IFNAMSIZ, NUL-terminated */
    uint8_t mac[6];
    uint32_t mtu;       /* 0: 1500 */
    uint32_t rx_queues; /* 0: 1 */
};

/* The fields of libbpf's struct bpf_test_run_opts, same order and meaning,
 * then pbpf's message buffer.  Declare with PBPF_OPTS(pbpf_test_run_opts, o, ...). */
struct pbpf_test_run_opts {
    size_t sz;
    const void *data_in;    /* packet (packet types) or NULL */
    void *data_out;         /* packet after the run, or NULL */
    uint32_t data_size_in;
    uint32_t data_size_out; /* in: room in data_out; out: the packet's full size */
    const void *ctx_in;     /* UAPI context (__sk_buff, xdp_md, args...) or NULL */
    void *ctx_out;          /* context after the run, or NULL */
    uint32_t ctx_size_in;
    uint32_t ctx_size_out;  /* in: room in ctx_out; out: bytes written */
    uint32_t retval;        /* out: r0 of the last run (low 32 bits, as Linux) */
    int repeat;             /* runs (0 = 1) */
    uint32_t duration;      /* out: average ns per run */
    uint32_t flags;         /* PBPF_F_TEST_* */
    uint32_t cpu;
    uint32_t batch_size;
    /* receives a one-line reason when the call fails */
    char *err_buf;
    size_t err_size;
    /* out: where the program asked for the packet to go (bpf_redirect,
     * bpf_redirect_map) on its last run: PBPF_REDIRECT_* and the target */
    uint32_t redirect_type;
    uint32_t redirect_ifindex;  /* bpf_redirect; DEVMAP entries */
    uint64_t redirect_flags;    /* bpf_redirect's flags (BPF_F_INGRESS ...) */
    uint32_t redirect_map_type; /* bpf_redirect_map: Linux map type */
    uint32_t redirect_key;      /* bpf_redirect_map: key (CPU slot, queue, ...) */
    /* out (SK_MSG): the byte counts of the last run's bpf_msg_apply_bytes
     * and bpf_msg_cork_bytes (0: not called) */
    uint32_t msg_apply_bytes;
    uint32_t msg_cork_bytes;
    /* in: the devices besides the loopback (NULL: none).  XDP's ctx_in
     * ingress_ifindex and rx_queue_index and an skb's ctx_in ifindex may
     * name them (Linux: -ENODEV for an unknown device, -EINVAL for a
     * queue it does not have) */
    const struct pbpf_netdev *netdevs;
    uint32_t netdev_cnt;
    /* in: what an attachment would give the program, for the helpers
     * that read it: func_ip (KPROBE only) is bpf_get_func_ip's answer, the
     * probed function's address; attach_cookie (KPROBE, TRACEPOINT,
     * PERF_EVENT, RAW_TRACEPOINT) is bpf_get_attach_cookie's, the cookie
     * of Linux's perf or raw-tracepoint link.  Other types: must be 0. */
    uint64_t func_ip;
    uint64_t attach_cookie;
};

#define PBPF_REDIRECT_NONE 0u
#define PBPF_REDIRECT_IFINDEX 1u /* bpf_redirect(ifindex, flags) */
#define PBPF_REDIRECT_MAP 2u     /* bpf_redirect_map(map, key, flags) */

/* Runs prog as Linux's BPF_PROG_TEST_RUN runs a program of its type
 * (bpf_prog_test_run_xdp, _skb, _raw_tp, _syscall ...): builds the
 * context from data_in/ctx_in (with Linux's checks of which context fields
 * may be set), runs `repeat` times, fills retval, duration, data_out (with
 * -ENOSPC and the full size in data_size_out when data_out is too small)
 * and ctx_out.  Returns 0 or a negative errno; a run that faults (checked
 * mode) returns its error (-EFAULT, -ELOOP ...) with the reason in err_buf. */
int pbpf_prog_test_run(struct pbpf_prog *prog, struct pbpf_test_run_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
