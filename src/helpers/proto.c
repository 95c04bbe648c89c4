/* The helper prototype table (helper_proto.def) and program-type scopes. */
#include <stddef.h>

#include "helpers/helper_proto.def"
#include "helpers/helper_proto_calls.def"
#include "helpers/helper_proto_net.def"
#include "helpers/helpers.h"
#include "helpers/proto.h"

/* Indexed by id; a row with id 0 and no return kind is "no prototype"
 * (helper 0, unspec, has none). */
static const struct pbpf_helper_proto protos[PBPF_LINUX_HELPER_MAX + 1] = {
#define PBPF_X_PROTO(id, ret, a1, a2, a3, a4, a5, flags, scope)                                   \
    [id] = {(id),                                                                                  \
            PBPF_RET_##ret,                                                                        \
            {PBPF_ARG_##a1, PBPF_ARG_##a2, PBPF_ARG_##a3, PBPF_ARG_##a4, PBPF_ARG_##a5},          \
            (flags),                                                                               \
            PBPF_SCOPE_##scope},
    PBPF_HELPER_PROTOS(PBPF_X_PROTO)
    PBPF_HELPER_PROTOS_CALLS(PBPF_X_PROTO)
    PBPF_HELPER_PROTOS_NET(PBPF_X_PROTO)
#undef PBPF_X_PROTO
};

const struct pbpf_helper_proto *pbpf_helper_proto(uint32_t id)
{
    return id != 0 && id <= PBPF_LINUX_HELPER_MAX && protos[id].id == id ? &protos[id] : NULL;
}

/* Linux program type numbers used by the scopes (spec/prog-types.tsv). */
enum {
    PT_SOCKET_FILTER = 1, PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_SCHED_ACT = 4,
    PT_TRACEPOINT = 5, PT_XDP = 6, PT_PERF_EVENT = 7, PT_CGROUP_SKB = 8,
    PT_LWT_IN = 10, PT_LWT_OUT = 11, PT_LWT_XMIT = 12, PT_SK_SKB = 14,
    PT_SK_MSG = 16, PT_RAW_TRACEPOINT = 17, PT_LWT_SEG6LOCAL = 19, PT_FLOW_DISSECTOR = 22,
    PT_RAW_TRACEPOINT_WRITABLE = 24,
    PT_TRACING = 26,
};

static int is_skb_type(uint32_t t)
{
    switch (t) {
    case PT_SOCKET_FILTER: case PT_SCHED_CLS: case PT_SCHED_ACT: case PT_CGROUP_SKB:
    case PT_LWT_IN: case PT_LWT_OUT: case PT_LWT_XMIT: case PT_SK_SKB: case PT_LWT_SEG6LOCAL:
        return 1;
    default:
        return 0;
    }
}

static int is_tc_type(uint32_t t) { return t == PT_SCHED_CLS || t == PT_SCHED_ACT; }

static int is_lwt_type(uint32_t t)
{
    return t == PT_LWT_IN || t == PT_LWT_OUT || t == PT_LWT_XMIT || t == PT_LWT_SEG6LOCAL;
}

static int is_tracing_type(uint32_t t)
{
    return t == PT_KPROBE || t == PT_TRACEPOINT || t == PT_PERF_EVENT ||
           t == PT_RAW_TRACEPOINT || t == PT_RAW_TRACEPOINT_WRITABLE || t == PT_TRACING;
}

int pbpf_helper_allowed(const struct pbpf_helper_proto *p, uint32_t prog_type)
{
    if (!p)
        return 0;
    if (prog_type == 0)
        return p->scope != PBPF_SCOPE_FUNC_IP && p->scope != PBPF_SCOPE_ATTACH_COOKIE &&
               p->scope != PBPF_SCOPE_TRAMPOLINE;
    switch (p->scope) {
    case PBPF_SCOPE_ANY:
        return 1;
    case PBPF_SCOPE_NET:
        return is_skb_type(prog_type) || prog_type == PT_XDP;
    case PBPF_SCOPE_SKB:
        return is_skb_type(prog_type);
    case PBPF_SCOPE_TC_XMIT_SK_SKB:
        return is_tc_type(prog_type) || prog_type == PT_LWT_XMIT || prog_type == PT_SK_SKB;
    case PBPF_SCOPE_TC_LWT_SK_SKB:
        return is_tc_type(prog_type) || is_lwt_type(prog_type) || prog_type == PT_SK_SKB;
    case PBPF_SCOPE_TC_SK_SKB:
        return is_tc_type(prog_type) || prog_type == PT_SK_SKB;
    case PBPF_SCOPE_SK_MSG:
        return prog_type == PT_SK_MSG;
    case PBPF_SCOPE_TC_XDP:
        return is_tc_type(prog_type) || prog_type == PT_XDP;
    case PBPF_SCOPE_SKB_FLOW:
        return is_skb_type(prog_type) || prog_type == PT_FLOW_DISSECTOR;
    case PBPF_SCOPE_TC:
        return is_tc_type(prog_type);
    case PBPF_SCOPE_XDP:
        return prog_type == PT_XDP;
    case PBPF_SCOPE_TRACING:
        return is_tracing_type(prog_type);
    case PBPF_SCOPE_NOT_TRACING:
        return !is_tracing_type(prog_type);
    case PBPF_SCOPE_TC_XMIT:
        return is_tc_type(prog_type) || prog_type == PT_LWT_XMIT;
    case PBPF_SCOPE_TC_XMIT_XDP:
        return is_tc_type(prog_type) || prog_type == PT_LWT_XMIT || prog_type == PT_XDP;
    case PBPF_SCOPE_TC_LWT:
        return is_tc_type(prog_type) || is_lwt_type(prog_type);
    case PBPF_SCOPE_TC_LWT_XDP:
        return is_tc_type(prog_type) || is_lwt_type(prog_type) || prog_type == PT_XDP;
    case PBPF_SCOPE_TC_FILTER:
        return is_tc_type(prog_type) || prog_type == PT_SOCKET_FILTER ||
               prog_type == PT_CGROUP_SKB;
    case PBPF_SCOPE_FUNC_IP:
        return prog_type == PT_KPROBE || prog_type == PT_TRACING;
    case PBPF_SCOPE_ATTACH_COOKIE:
        return prog_type == PT_KPROBE || prog_type == PT_TRACEPOINT ||
               prog_type == PT_PERF_EVENT || prog_type == PT_RAW_TRACEPOINT ||
               prog_type == PT_TRACING;
    case PBPF_SCOPE_TRAMPOLINE:
        return prog_type == PT_TRACING;
    default:
        return 0;
    }
}
