/* The packet a hook runs a program on (XDP frame or socket buffer), as the
 * packet helpers and the test run see it.  The run context's `hook` points
 * here; the internal context (struct pbpf_xdp_ctx / pbpf_skb_ctx) mirrors
 * the pointers for the program, but these copies are the ones helpers
 * trust (a program cannot store to the context's pointer fields). */
#ifndef PBPF_HOOKS_PKT_H
#define PBPF_HOOKS_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"
#include "hooks/ctx.h"
#include "maps/map.h"
#include "pbpf/hooks.h"

/* MAX_SKB_FRAGS, and the page each fragment of a test run has */
#define PBPF_XDP_MAX_FRAGS 17
#define PBPF_XDP_FRAG_SIZE 4096u

/* FLOW: a flow dissector's frame (read-only; a test run has no skb);
 * MSG: an sk_msg program's message (struct pbpf_msg) */
enum pbpf_pkt_kind { PBPF_PKT_XDP = 1, PBPF_PKT_SKB = 2, PBPF_PKT_FLOW = 3, PBPF_PKT_MSG = 4 };

/* MAX_MSG_FRAGS: the scatterlist elements an sk_msg holds */
#define PBPF_MSG_MAX_FRAGS 17

/* An SK_MSG message as Linux keeps it (struct sk_msg): a list of
 * scatterlist elements, each here a buffer of its own, in order.  The
 * program sees one window, [data, data_end), inside one element (the
 * first, unless bpf_msg_pull_data chose another); size is the whole
 * message's length. */
struct pbpf_msg_elem {
    uint8_t *buf;
    uint32_t len;
};

struct pbpf_msg {
    struct pbpf_msg_elem el[PBPF_MSG_MAX_FRAGS];
    unsigned n;
    uint32_t size;
    /* bpf_msg_apply_bytes, bpf_msg_cork_bytes */
    uint32_t apply_bytes, cork_bytes;
    uint8_t *data, *data_end;
    /* the struct sk_msg_md the program reads (data, data_end, size) */
    uint8_t *md;
};

/* Linux's struct bpf_sock as skb->sk shows it (UAPI layout, 80 bytes). */
struct pbpf_sock_view {
    uint32_t bound_dev_if, family, type, protocol, mark, priority;
    uint32_t src_ip4, src_ip6[4], src_port;
    uint16_t dst_port, pad;
    uint32_t dst_ip4, dst_ip6[4], state;
    int32_t rx_queue_mapping;
};

struct pbpf_pkt {
    enum pbpf_pkt_kind kind;
    uint32_t prog_type;
    struct pbpf_run_ctx *run;
    /* the buffer: [head, end) */
    uint8_t *head, *end;
    /* the packet: [data, data_end), metadata [meta, data) */
    uint8_t *meta, *data, *data_end;
    /* XDP: the frame's usable end (Linux: xdp_data_hard_end), and the
     * fragments past the linear part (multi-buffer frames): their bytes
     * one after another, the program sees them only through data_out */
    uint8_t *hard_end;
    uint8_t *frags;
    size_t frags_len;
    unsigned nr_frags;
    uint32_t frag_len[PBPF_XDP_MAX_FRAGS];
    /* SKB: the MAC header offset from head, and whether the program sees
     * the packet from its MAC header (tc: is_l2 in Linux's test run) */
    size_t mac_off, net_off;
    int is_l2;
    /* SKB: the checksum state as Linux keeps it in ip_summed/csum_level.
     * A test run's skb starts CHECKSUM_NONE; bpf_csum_level can make it
     * CHECKSUM_UNNECESSARY (csum_unnecessary 1, csum_level 0..3), the
     * only other state a program can reach.  encapsulation: a tunnel
     * header was pushed by bpf_skb_adjust_room (skb->encapsulation). */
    uint8_t csum_unnecessary, csum_level, encapsulation;
    /* SKB: skb->hash holds a hash (Linux: sw_hash or l4_hash set), which
     * bpf_get_hash_recalc returns as it is: set by bpf_set_hash or by an
     * earlier bpf_get_hash_recalc, cleared by skb_clear_hash */
    uint8_t hash_valid;
    union {
        struct pbpf_xdp_ctx *xdp;
        struct pbpf_skb_ctx *skb;
    } ctx;
    struct pbpf_sock_view *sk;
    /* MSG: the message */
    struct pbpf_msg *msg;
    /* the device the packet is on (XDP: its receive queue's; skb:
     * skb->dev), and the run's other devices */
    const struct pbpf_netdev *dev;
    const struct pbpf_netdev *devs;
    uint32_t ndevs;
    /* checked runs: index of the packet's region, 0 if none */
    unsigned region;
    /* bpf_redirect / bpf_redirect_map */
    uint32_t redirect_type; /* PBPF_REDIRECT_* of pbpf/hooks.h */
    uint32_t redirect_ifindex;
    uint64_t redirect_flags;
    struct pbpf_redirect_target redirect_target;
};

/* The loopback every run has (ifindex 1). */
extern const struct pbpf_netdev pbpf_loopback;

/* The device of that ifindex among the loopback and devs, or NULL. */
const struct pbpf_netdev *pbpf_netdev_find(const struct pbpf_netdev *devs, uint32_t n,
                                           uint32_t ifindex);

/* After the packet moved: the context's pointers, the skb's len, the
 * LD_ABS window and the checked run's packet region follow. */
void pbpf_pkt_sync(struct pbpf_pkt *p);

/* SK_MSG: the message of one element with a copy of the n bytes, its
 * window the whole element (0 or -ENOMEM); the message's bytes one after
 * another into out (at least msg->size bytes); freeing the elements. */
int pbpf_msg_init(struct pbpf_msg *m, const uint8_t *bytes, uint32_t n);
void pbpf_msg_copy_out(const struct pbpf_msg *m, uint8_t *out);
void pbpf_msg_free(struct pbpf_msg *m);

/* After the window moved: sk_msg_md's data, data_end and size, and the
 * checked run's packet region follow. */
void pbpf_msg_sync(struct pbpf_pkt *p);

/* Registers the bpf_msg_* helpers (src/hooks/sk_msg.c). */
void pbpf_hooks_register_msg_helpers(struct pbpf_runtime *rt);

/* Makes room: at least `head` bytes before data and `tail` bytes after
 * data_end, moving the packet to a new buffer if needed.  0 or -ENOMEM. */
int pbpf_pkt_reserve(struct pbpf_pkt *p, size_t head, size_t tail);

#endif
