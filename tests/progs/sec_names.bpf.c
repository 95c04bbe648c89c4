/* Program types from section names: libbpf's SEC() names, legacy prefixes
 * and names only other loaders know (iproute2 tail-call slots, Cilium). */
#include "bpf_defs.h"

#define PROG(sec, name)                                                                          \
    SEC(sec) int name(void *ctx) { return 0; }

PROG("kprobe/do_unlinkat", kp)
PROG("kretprobe/do_unlinkat", krp)
PROG("uprobe//bin/true:main", up)
PROG("tracepoint/sched/sched_switch", tp)
PROG("tp/sched/sched_wakeup", tp_short)
PROG("raw_tp/sys_enter", rtp)
PROG("fentry/do_nanosleep", fent)
PROG("fexit.s/do_nanosleep", fexit_s)
PROG("lsm/file_open", lsm_prog)
PROG("cgroup/connect4", conn4)
PROG("cgroup_skb/ingress", skb_in)
PROG("cgroup/sock_create", sock_create)
PROG("sockops", sops)
PROG("sk_msg", skmsg)
PROG("sk_skb/stream_verdict", skverdict)
PROG("xdp.frags", xdp_frags)
PROG("xdp/devmap", xdp_dev)
PROG("tcx/ingress", tcx_in)
PROG("perf_event", perf)
PROG("iter/task", iter_task)
PROG("syscall", sys)
PROG("flow_dissector", flow)
PROG("socket1", legacy_socket)
PROG("xdp_prog", legacy_xdp)
PROG("classifier", cls)
PROG("action", act)
PROG("2/1", tail_slot)
PROG("from-netdev", cilium_from_netdev)

char LICENSE[] SEC("license") = "GPL";
