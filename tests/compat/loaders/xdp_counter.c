/* An XDP packet counter with a skeleton: the protocol to drop is set in
 * .rodata before load, packets are run through the program with
 * bpf_prog_test_run_opts (XDP has no automatic attach point: the skeleton
 * attaches nothing, as libbpf's), and the per-CPU statistics are read
 * back with bpf_map__lookup_elem, summed over libbpf_num_possible_cpus().
 * The expected counts and verdicts are computed here from the packets. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdp_counter.skel.h"

#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define XDP_DROP 1
#define XDP_PASS 2

struct datarec {
    __u64 packets;
    __u64 bytes;
};

/* Ethernet + IPv4 header with protocol proto, padded to len bytes; ARP
 * frames when proto is 0 */
static size_t make_packet(unsigned char *p, size_t len, int proto)
{
    memset(p, 0, len);
    memset(p, 0xff, 6);
    p[6] = 0x02;
    p[12] = proto ? 0x08 : 0x08;
    p[13] = proto ? 0x00 : 0x06;
    if (proto) {
        p[14] = 0x45;
        p[14 + 9] = (unsigned char)proto;
    }
    return len;
}

int main(void)
{
    struct xdp_counter_bpf *skel = xdp_counter_bpf__open();
    int err = 0, failed = 0;
    if (!skel) {
        fprintf(stderr, "Failed to open BPF skeleton: %s\n", strerror(errno));
        return 1;
    }
    skel->rodata->drop_proto = IPPROTO_UDP;
    if ((err = xdp_counter_bpf__load(skel)) || (err = xdp_counter_bpf__attach(skel))) {
        fprintf(stderr, "Failed to load/attach BPF skeleton: %d\n", err);
        xdp_counter_bpf__destroy(skel);
        return 1;
    }
    if (skel->links.xdp_count)
        failed = 1; /* libbpf attaches no XDP program by itself */

    static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP, 0, IPPROTO_TCP, 1 /* ICMP */};
    unsigned long long want_pkts[256] = {0}, want_bytes[256] = {0};
    int prog_fd = bpf_program__fd(skel->progs.xdp_count);
    unsigned char pkt[256];
    for (int i = 0; i < 40; i++) {
        int proto = protos[i % 5];
        size_t len = make_packet(pkt, 60 + (size_t)i, proto);
        LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = (__u32)len,
                    .repeat = 1);
        err = bpf_prog_test_run_opts(prog_fd, &topts);
        if (err == -EOPNOTSUPP && errno == EOPNOTSUPP) {
            printf("SKIP: bpf_prog_test_run_opts is not available in this pbpf build\n");
            xdp_counter_bpf__destroy(skel);
            return 77;
        }
        if (err) {
            fprintf(stderr, "test run %d: %d\n", i, err);
            failed = 1;
            break;
        }
        __u32 want = proto == IPPROTO_UDP ? XDP_DROP : XDP_PASS;
        if (topts.retval != want) {
            fprintf(stderr, "packet %d (proto %d): verdict %u, expected %u\n", i, proto,
                    topts.retval, want);
            failed = 1;
        }
        want_pkts[proto]++;
        want_bytes[proto] += len;
    }

    int ncpu = libbpf_num_possible_cpus();
    struct datarec *vals = calloc((size_t)ncpu, sizeof *vals);
    for (__u32 proto = 0; vals && proto < 256; proto++) {
        unsigned long long pk = 0, by = 0;
        err = bpf_map__lookup_elem(skel->maps.proto_stats, &proto, sizeof proto, vals,
                                   (size_t)ncpu * sizeof *vals, 0);
        if (err) {
            fprintf(stderr, "lookup %u: %d\n", proto, err);
            failed = 1;
            break;
        }
        for (int c = 0; c < ncpu; c++) {
            pk += vals[c].packets;
            by += vals[c].bytes;
        }
        if (pk != want_pkts[proto] || by != want_bytes[proto]) {
            fprintf(stderr, "proto %u: %llu packets %llu bytes, expected %llu %llu\n", proto, pk,
                    by, want_pkts[proto], want_bytes[proto]);
            failed = 1;
        }
    }
    free(vals);
    printf("total_packets %llu (expected 40)\n", (unsigned long long)skel->bss->total_packets);
    if (skel->bss->total_packets != 40)
        failed = 1;
    xdp_counter_bpf__destroy(skel);
    return failed;
}
