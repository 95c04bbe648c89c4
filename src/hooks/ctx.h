/* Program contexts: for each Linux program type, the layout a program sees
 * (the UAPI struct: xdp_md, __sk_buff, bpf_sock_addr, pt_regs, ...), which
 * fields it may read or write at which widths, and where each field lives
 * in pbpf's internal context, the struct the hook really passes in r1.
 *
 * Rewrites are one instruction for one: every UAPI field has an internal
 * counterpart that a single load or store of the same or a wider size
 * reaches (pointers are stored as full 64-bit pointers), so jump offsets
 * never change.  The verifier (or, for programs run unverified, the
 * context scan) finds the accesses; pbpf_ctx_rewrite() patches them. */
#ifndef PBPF_HOOKS_CTX_H
#define PBPF_HOOKS_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

/* What a load of the field gives the verifier. */
enum pbpf_ctx_field_kind {
    PBPF_CTXF_SCALAR = 0,    /* a number */
    PBPF_CTXF_PKT_DATA,      /* PTR_TO_PACKET */
    PBPF_CTXF_PKT_END,       /* PTR_TO_PACKET_END */
    PBPF_CTXF_PKT_META,      /* PTR_TO_PACKET_META */
    PBPF_CTXF_SOCK,          /* PTR_TO_SOCK_COMMON_OR_NULL (skb->sk) */
    PBPF_CTXF_FLOW_KEYS,     /* PTR_TO_FLOW_KEYS */
    PBPF_CTXF_SOCKET,        /* PTR_TO_SOCKET (sk_msg_md->sk) */
    PBPF_CTXF_SOCKET_OR_NULL, /* PTR_TO_SOCKET_OR_NULL (bpf_sk_lookup->sk) */
};

/* Access widths as a bit mask: 1 << log2(bytes). */
#define PBPF_CTX_W1 0x1u
#define PBPF_CTX_W2 0x2u
#define PBPF_CTX_W4 0x4u
#define PBPF_CTX_W8 0x8u

struct pbpf_ctx_field {
    uint16_t off;          /* in the UAPI struct */
    uint16_t size;         /* of the UAPI field (an array: its whole size) */
    uint8_t read;          /* widths a program may load (PBPF_CTX_W*) */
    uint8_t write;         /* widths it may store (0: read-only) */
    uint8_t kind;          /* enum pbpf_ctx_field_kind */
    uint16_t internal_size; /* of the internal field (8 for pointers) */
    uint32_t internal_off; /* in the internal context */
    uint8_t narrow_at_start; /* narrow reads only from the field's first byte */
};

struct pbpf_ctx_desc {
    uint32_t prog_type;       /* Linux enum bpf_prog_type */
    const char *uapi_name;    /* "xdp_md" */
    uint32_t size;            /* sizeof the UAPI struct */
    uint32_t internal_size;   /* sizeof the internal context (its public part) */
    const struct pbpf_ctx_field *fields;
    size_t nfields;
    /* The program type's own rule over the generic field widths (Linux:
     * the type's is_valid_access before bpf_skb_is_valid_access), or NULL:
     * 1 allowed, 0 refused. */
    int (*allow)(const struct pbpf_ctx_field *f, uint32_t attach_type, int64_t off,
                 uint32_t size, int write);
    /* the internal context is the UAPI struct itself (tracing, sock, ...):
     * accesses are checked but never move */
    uint8_t identity;
};

/* The descriptor of a program type, or NULL when pbpf has no hook for it. */
const struct pbpf_ctx_desc *pbpf_ctx_desc(uint32_t prog_type);

/* Checks a context access of `size` bytes at UAPI offset `off` by a program
 * of the descriptor's type with the given expected attach type: returns the
 * field (and 0), or -EACCES with Linux's reason in msg
 * ("invalid bpf_context access off=76 size=4"). */
int pbpf_ctx_access(const struct pbpf_ctx_desc *d, uint32_t attach_type, int64_t off,
                    uint32_t size, int write, const struct pbpf_ctx_field **field, char *msg,
                    size_t msg_size);

/* Rewrites instruction `idx` (an LDX, STX or ST whose base register holds
 * the context plus `base_off`, a constant the caller proved) into the
 * access of the internal context.  0 or -EINVAL with a reason in msg. */
int pbpf_ctx_rewrite(const struct pbpf_ctx_desc *d, uint32_t attach_type, struct pbpf_insn *insns,
                     size_t cnt, size_t idx, int64_t base_off, char *msg, size_t msg_size);

/* Finds the context accesses of a program without the verifier: a forward
 * data-flow pass over every path (jumps, bpf-to-bpf calls, callbacks)
 * that tracks which registers and 8-byte stack slots hold the unmodified
 * context pointer.  Each load or store through such a register is
 * recorded in *out (allocated, free with pbpf_free; *n entries, ascending).
 * An access through a register that is the context on one path and not on
 * another, through a context pointer moved by arithmetic, or an atomic on
 * the context is refused as Linux refuses it ("dereference of modified ctx
 * ptr R1 off=8 disallowed").  0 or a negative errno with the reason. */
struct pbpf_ctx_site {
    uint32_t insn_idx;
    int32_t base_off; /* always 0: Linux refuses modified context pointers */
};
int pbpf_ctx_scan(const struct pbpf_insn *insns, size_t cnt, struct pbpf_ctx_site **out,
                  size_t *n, char *msg, size_t msg_size);

/* What pbpf_prog_load does for a program with a type: scan, check every
 * access against the type's descriptor and rewrite it.  A program type
 * without a descriptor may be loaded only if it never touches its context
 * (-EOPNOTSUPP otherwise).  0 or a negative errno with the reason. */
int pbpf_ctx_apply(uint32_t prog_type, uint32_t attach_type, struct pbpf_insn *insns, size_t cnt,
                   char *msg, size_t msg_size);

/* --- internal contexts -------------------------------------------------
 * Scalar fields stay at their UAPI offsets (a program run with a raw
 * buffer laid out as the UAPI struct reads the same scalars); the 32-bit
 * packet pointers get 64-bit slots after the UAPI part. */
#define PBPF_XDP_MD_SIZE 24u
#define PBPF_SKB_UAPI_SIZE 192u

struct pbpf_xdp_ctx {
    uint32_t uapi[PBPF_XDP_MD_SIZE / 4]; /* ingress_ifindex at 12, ... */
    uint64_t data;                       /* 24 */
    uint64_t data_end;                   /* 32 */
    uint64_t data_meta;                  /* 40 */
};
#define PBPF_XDP_CTX_PUBLIC 48u

struct pbpf_skb_ctx {
    uint8_t uapi[PBPF_SKB_UAPI_SIZE]; /* __sk_buff's scalars at their offsets */
    uint64_t data;                    /* 192 */
    uint64_t data_end;                /* 200 */
    uint64_t data_meta;               /* 208 */
};
#define PBPF_SKB_CTX_PUBLIC 216u

/* struct bpf_flow_keys, struct bpf_sk_lookup, struct sk_msg_md: their
 * sizes (the last two are their own internal contexts) */
#define PBPF_FLOW_KEYS_SIZE 56u
#define PBPF_SK_LOOKUP_SIZE 72u
#define PBPF_SK_MSG_MD_SIZE 80u

#endif
