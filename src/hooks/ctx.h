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
    uint8_t internal_size; /* of the internal field (8 for pointers) */
    uint32_t internal_off; /* in the internal context */
};

struct pbpf_ctx_desc {
    uint32_t prog_type;       /* Linux enum bpf_prog_type */
    const char *uapi_name;    /* "xdp_md" */
    uint32_t size;            /* sizeof the UAPI struct */
    uint32_t internal_size;   /* sizeof the internal context */
    const struct pbpf_ctx_field *fields;
    size_t nfields;
};

/* The descriptor of a program type, or NULL when pbpf has no hook for it. */
const struct pbpf_ctx_desc *pbpf_ctx_desc(uint32_t prog_type);

/* Checks a context access of `size` bytes at UAPI offset `off`: returns the
 * field (and 0), or a negative errno with a Linux-shaped reason in msg
 * ("invalid bpf_context access off=76 size=4"). */
int pbpf_ctx_access(const struct pbpf_ctx_desc *d, int64_t off, uint32_t size, int write,
                    const struct pbpf_ctx_field **field, char *msg, size_t msg_size);

/* Rewrites instruction `idx` (an LDX, STX or ST whose base register holds
 * the context plus `base_off`, a constant the caller proved) into the
 * access of the internal context.  0 or -EINVAL with a reason in msg. */
int pbpf_ctx_rewrite(const struct pbpf_ctx_desc *d, struct pbpf_insn *insns, size_t cnt,
                     size_t idx, int64_t base_off, char *msg, size_t msg_size);

#endif
