/* Helper prototypes: what each helper takes and returns, written once and
 * read by both the verifier (argument and return types) and the runtime
 * (which helpers a program type may call).  The kinds follow Linux's
 * enum bpf_arg_type / bpf_return_type in meaning; the numbers are ours. */
#ifndef PBPF_HELPERS_PROTO_H
#define PBPF_HELPERS_PROTO_H

#include <stdint.h>

enum pbpf_arg_kind {
    PBPF_ARG_NONE = 0,              /* not an argument */
    PBPF_ARG_ANYTHING,              /* any initialised register */
    PBPF_ARG_CONST_MAP_PTR,         /* lddw of a map */
    PBPF_ARG_PTR_TO_MAP_KEY,        /* key_size readable bytes */
    PBPF_ARG_PTR_TO_MAP_VALUE,      /* value_size readable bytes */
    PBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size writable bytes (pop, peek) */
    PBPF_ARG_PTR_TO_MEM,            /* readable; size is the next argument */
    PBPF_ARG_PTR_TO_MEM_OR_NULL,    /* same, or NULL with size 0 */
    PBPF_ARG_PTR_TO_UNINIT_MEM,     /* written by the helper; size next */
    PBPF_ARG_CONST_SIZE,            /* size of the previous mem argument, > 0 */
    PBPF_ARG_CONST_SIZE_OR_ZERO,    /* same, may be 0 */
    PBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* size of the memory returned (ringbuf_reserve) */
    PBPF_ARG_PTR_TO_CTX,            /* the program's context */
    PBPF_ARG_PTR_TO_CTX_OR_NULL,
    PBPF_ARG_PTR_TO_FUNC,           /* a callback (lddw src=4) */
    PBPF_ARG_PTR_TO_STACK_OR_NULL,  /* callback context */
    PBPF_ARG_PTR_TO_ALLOC_MEM,      /* memory a helper returned (ringbuf record); released */
    PBPF_ARG_PTR_TO_LONG,           /* 8 writable bytes */
    PBPF_ARG_PTR_TO_INT,            /* 4 writable bytes */
    PBPF_ARG_PTR_TO_CONST_STR,      /* NUL-terminated string in a read-only map value */
    PBPF_ARG_PTR_TO_SPIN_LOCK,      /* struct bpf_spin_lock in a map value */
    PBPF_ARG_PTR_TO_TIMER,          /* struct bpf_timer in a map value */
    PBPF_ARG_PTR_TO_PERCPU_BTF_ID,
    PBPF_ARG_PTR_TO_BTF_ID,         /* a kernel object (tracing): not available here */
    PBPF_ARG_PTR_TO_SOCKET,         /* a socket reference */
    PBPF_ARG_PTR_TO_RW_MEM_OR_NULL, /* initialised, written by the helper (Linux:
                                       ARG_PTR_TO_MEM_OR_NULL without MEM_RDONLY);
                                       size next; NULL with size 0 */
};

enum pbpf_ret_kind {
    PBPF_RET_INTEGER = 0,
    PBPF_RET_VOID,
    PBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, /* value_size bytes of the map argument */
    PBPF_RET_PTR_TO_ALLOC_MEM_OR_NULL, /* size from the ALLOC_SIZE argument; acquired */
    PBPF_RET_PTR_TO_MEM_OR_NULL,
    PBPF_RET_PTR_TO_SOCKET_OR_NULL,
    PBPF_RET_PTR_TO_BTF_ID_OR_NULL,
};

/* Flags of a prototype. */
#define PBPF_PROTO_PKT_CHANGE 0x1u  /* may move packet data: packet pointers die */
#define PBPF_PROTO_GPL_ONLY 0x2u    /* needs a GPL-compatible license */
#define PBPF_PROTO_RELEASE 0x4u     /* releases the reference its ALLOC_MEM/SOCKET arg holds */
#define PBPF_PROTO_ACQUIRE 0x8u     /* its pointer result is a reference to release */
#define PBPF_PROTO_CALLBACK 0x10u   /* calls its PTR_TO_FUNC argument */
#define PBPF_PROTO_TAIL_CALL 0x20u
#define PBPF_PROTO_SLEEPABLE 0x40u  /* only sleepable programs may call it */

/* Which program types may call a helper. */
enum pbpf_proto_scope {
    PBPF_SCOPE_ANY = 0,  /* every program type */
    PBPF_SCOPE_NET,      /* programs with a packet (skb or xdp) */
    PBPF_SCOPE_SKB,      /* skb-based types (socket filter, tc, cgroup_skb, lwt) */
    PBPF_SCOPE_TC,       /* SCHED_CLS, SCHED_ACT */
    PBPF_SCOPE_XDP,
    PBPF_SCOPE_TRACING,  /* kprobe, tracepoint, raw_tp, perf_event, tracing */
    PBPF_SCOPE_CUSTOM,   /* a list in proto.c */
    PBPF_SCOPE_NOT_TRACING, /* every type but the TRACING ones */
    PBPF_SCOPE_TC_XMIT,     /* SCHED_CLS, SCHED_ACT, LWT_XMIT */
    PBPF_SCOPE_TC_XMIT_XDP, /* those and XDP */
    PBPF_SCOPE_TC_LWT,      /* SCHED_CLS, SCHED_ACT and the LWT types */
    PBPF_SCOPE_TC_LWT_XDP,  /* those and XDP */
    PBPF_SCOPE_TC_FILTER,   /* SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB */
    PBPF_SCOPE_SKB_FLOW,    /* the skb types and FLOW_DISSECTOR */
    PBPF_SCOPE_TC_XMIT_SK_SKB, /* SCHED_CLS, SCHED_ACT, LWT_XMIT, SK_SKB */
    PBPF_SCOPE_TC_LWT_SK_SKB,  /* SCHED_CLS, SCHED_ACT, the LWT types, SK_SKB */
    PBPF_SCOPE_TC_SK_SKB,      /* SCHED_CLS, SCHED_ACT, SK_SKB */
    PBPF_SCOPE_SK_MSG,         /* SK_MSG */
    PBPF_SCOPE_TC_XDP,         /* SCHED_CLS, SCHED_ACT, XDP */
    /* These three need what an attachment gives (the caller of the run
     * passes it): programs of no type (0) may not call them. */
    PBPF_SCOPE_FUNC_IP,       /* KPROBE, TRACING */
    PBPF_SCOPE_ATTACH_COOKIE, /* KPROBE, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT, TRACING */
    PBPF_SCOPE_TRAMPOLINE,    /* TRACING (fentry, fexit, fmod_ret) */
};

/* The name is pbpf_helper_name(id). */
struct pbpf_helper_proto {
    uint32_t id;
    uint8_t ret;           /* enum pbpf_ret_kind */
    uint8_t args[5];       /* enum pbpf_arg_kind */
    uint32_t flags;        /* PBPF_PROTO_* */
    uint8_t scope;         /* enum pbpf_proto_scope */
};

/* The prototype of a Linux helper id, or NULL when pbpf has none (the
 * helper is then not available to verified programs). */
const struct pbpf_helper_proto *pbpf_helper_proto(uint32_t id);

/* Whether a program of this Linux program type may call the helper
 * (1 yes, 0 no).  prog_type 0 (unspecified, pbpf's own programs) may call
 * every helper that has a prototype but those about an attachment
 * (PBPF_SCOPE_FUNC_IP, _ATTACH_COOKIE, _TRAMPOLINE). */
int pbpf_helper_allowed(const struct pbpf_helper_proto *p, uint32_t prog_type);

#endif
