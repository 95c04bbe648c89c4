/* The datapath-style object (tests/progs/datapath.bpf.c) end to end: it
 * opens and loads in verified mode (every program through pbpf's
 * verifier), its tail-call arrays are filled (the BTF one by its `values`,
 * the legacy iproute2 one "2/N" here), and one sequence of packets runs
 * through the entry programs on the interpreter and the JIT, and, where
 * bpf() works, in the kernel (the same relocated programs, tests/kernel/
 * kobj.h).  Verdicts, output packets and map contents must agree; the
 * expected verdicts, rewritten packets and counters are computed here
 * from the C source's rules and the protocols' definitions.
 *
 *   test_datapath run OBJDIR
 *   test_datapath trace OBJDIR   the tracing object (trace_probe.bpf.o) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "kobj.h"
#include "pbpf/hooks.h"
#include "pbpf/loader.h"
#include "pbpf/maps.h"
#include "pbpf/verifier.h"
#include "unit.h"

#define PROG_SCHED_CLS 3
#define PROG_XDP 6
#define PROG_KPROBE 2
#define MAP_PERCPU_ARRAY 6
#define MAP_PROG_ARRAY 3

static const char *dir;
static int have_kernel;

static void *read_all(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* Opens name, gives the untyped iproute2 sections ("2/0", "2/1") tc's
 * type, as tc does when it loads them, and loads it. */
static struct pbpf_object *load_obj(struct pbpf_runtime *rt, const char *name,
                                    enum pbpf_engine engine, enum pbpf_mode mode,
                                    const char *leave_out)
{
    size_t len;
    void *buf = read_all(name, &len);
    if (!buf) {
        unit_fail(__FILE__, __LINE__, "cannot read %s/%s", dir, name);
        return NULL;
    }
    char msg[1024] = "";
    struct pbpf_object *obj = NULL;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = sizeof msg);
    if (pbpf_object_open_mem(buf, len, &oo, &obj)) {
        unit_fail(__FILE__, __LINE__, "open %s: %s", name, msg);
        return NULL;
    }
    for (size_t i = 0; i < pbpf_object_prog_cnt(obj); i++)
        if (!pbpf_object_prog(obj, i)->type_known)
            pbpf_object_set_prog_type(obj, i, PROG_SCHED_CLS, 0);
    if (leave_out)
        pbpf_object_set_autoload(obj, (size_t)pbpf_object_find_prog(obj, leave_out), false);
    PBPF_OPTS(pbpf_object_load_opts, lo, .engine = engine, .mode = mode, .log_buf = msg,
              .log_size = sizeof msg, .pin_root_path = "/test_datapath");
    int rc = pbpf_object_load(obj, rt, &lo);
    if (rc == -EOPNOTSUPP && engine == PBPF_ENGINE_JIT) {
        pbpf_object_close(obj);
        return NULL; /* no JIT for this CPU */
    }
    if (rc) {
        unit_fail(__FILE__, __LINE__, "load %s (%s): %d %s", name,
                  engine == PBPF_ENGINE_JIT ? "jit" : "interp", rc, msg);
        pbpf_object_close(obj);
        return NULL;
    }
    return obj;
}

/* ------------------------------------------------------- backends */

struct backend {
    const char *name;
    struct pbpf_object *obj;
    int kernel;
    struct kobj k;
};

static struct pbpf_map *pmap(struct backend *b, const char *name)
{
    int i = pbpf_object_find_map(b->obj, name);
    return i < 0 ? NULL : pbpf_object_map_handle(b->obj, (size_t)i);
}

static int be_update(struct backend *b, const char *map, const void *key, const void *val)
{
    if (b->kernel)
        return kbpf_map_update(kobj_map_fd(&b->k, map), key, val, 0);
    struct pbpf_map *m = pmap(b, map);
    return m ? pbpf_map_update_elem(m, key, val, 0) : -ENOENT;
}

static int be_set_slot(struct backend *b, const char *map, uint32_t slot, const char *prog)
{
    int pi = pbpf_object_find_prog(b->obj, prog);
    if (pi < 0)
        return -ENOENT;
    if (b->kernel) {
        int fd = b->k.prog_fd[pi];
        return kbpf_map_update(kobj_map_fd(&b->k, map), &slot, &fd, 0);
    }
    struct pbpf_prog *p = pbpf_object_prog_handle(b->obj, (size_t)pi);
    struct pbpf_map *m = pmap(b, map);
    return m ? pbpf_map_update_elem(m, &slot, &p, 0) : -ENOENT;
}

struct out {
    int rc;
    uint32_t retval, len;
    uint8_t data[512];
};

static void be_run(struct backend *b, const char *prog, const uint8_t *pkt, uint32_t len,
                   struct out *o)
{
    memset(o, 0, sizeof *o);
    int pi = pbpf_object_find_prog(b->obj, prog);
    if (pi < 0) {
        o->rc = -ENOENT;
        return;
    }
    if (b->kernel) {
        struct kbpf_test_run r = {.data_in = pkt, .data_size_in = len, .data_out = o->data,
                                  .data_size_out = sizeof o->data};
        o->rc = kbpf_prog_test_run(b->k.prog_fd[pi], &r);
        o->retval = r.retval;
        o->len = r.data_size_out;
        return;
    }
    char err[256] = "";
    PBPF_OPTS(pbpf_test_run_opts, r, .data_in = pkt, .data_size_in = len, .data_out = o->data,
              .data_size_out = sizeof o->data, .err_buf = err, .err_size = sizeof err);
    o->rc = pbpf_prog_test_run(pbpf_object_prog_handle(b->obj, (size_t)pi), &r);
    if (o->rc)
        unit_fail(__FILE__, __LINE__, "%s %s: %d %s", b->name, prog, o->rc, err);
    o->retval = r.retval;
    o->len = r.data_size_out;
}

/* A map's contents as sorted key+value records; per-CPU values summed
 * over the CPUs (u64 words), so that the kernel's and pbpf's numbers of
 * CPUs do not matter. */
struct dump {
    size_t n, rec;
    uint8_t *recs;
};

static int cmp_rec_size;
static int cmp_rec(const void *a, const void *b) { return memcmp(a, b, (size_t)cmp_rec_size); }

static int kernel_ncpus(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
    int lo = 0, hi = 0;
    if (!f)
        return 1;
    int n = fscanf(f, "%d-%d", &lo, &hi);
    fclose(f);
    return n == 2 ? hi + 1 : lo + 1;
}

static void be_dump(struct backend *b, const char *map, struct dump *d)
{
    memset(d, 0, sizeof *d);
    struct pbpf_map *m = pmap(b, map);
    if (!m) {
        unit_fail(__FILE__, __LINE__, "no map %s", map);
        return;
    }
    uint32_t ks = pbpf_map_key_size(m), vs = pbpf_map_value_size(m);
    int percpu = pbpf_map_type(m) == MAP_PERCPU_ARRAY;
    size_t slots = percpu ? (b->kernel ? (size_t)kernel_ncpus()
                                       : pbpf_map_user_value_size(m) / ((vs + 7) / 8 * 8))
                          : 1;
    size_t uvs = percpu ? slots * ((vs + 7) / 8 * 8) : vs;
    uint8_t key[64], next[64], *val = calloc(1, uvs);
    d->rec = ks + vs;
    d->recs = calloc(pbpf_map_max_entries(m) + 1, d->rec);
    int fd = b->kernel ? kobj_map_fd(&b->k, map) : -1;
    int first = 1;
    while (val && d->recs && d->n <= pbpf_map_max_entries(m)) {
        int rc = b->kernel ? kbpf_map_get_next_key(fd, first ? NULL : key, next)
                           : pbpf_map_get_next_key(m, first ? NULL : key, next);
        if (rc)
            break;
        first = 0;
        memcpy(key, next, ks);
        rc = b->kernel ? kbpf_map_lookup(fd, key, val) : pbpf_map_lookup_elem(m, key, val);
        if (rc)
            continue;
        uint8_t *r = d->recs + d->n * d->rec;
        memcpy(r, key, ks);
        if (percpu) {
            for (uint32_t w = 0; w + 8 <= vs; w += 8) {
                uint64_t sum = 0, x;
                for (size_t c = 0; c < slots; c++) {
                    memcpy(&x, val + c * ((vs + 7) / 8 * 8) + w, 8);
                    sum += x;
                }
                memcpy(r + ks + w, &sum, 8);
            }
        } else {
            memcpy(r + ks, val, vs);
        }
        d->n++;
    }
    free(val);
    cmp_rec_size = (int)d->rec;
    if (d->recs)
        qsort(d->recs, d->n, d->rec, cmp_rec);
}

/* ---------------------------------------------------- packets */

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const uint8_t mac_client[6] = {0x02, 0, 0, 0, 0, 0x05};
static const uint8_t mac_host[6] = {0x02, 0, 0, 0, 0, 0x01};
/* the router of the C source's .rodata */
static const uint8_t mac_router[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01};
#define ROUTER_IP IP4(10, 0, 1, 1)

struct flow {
    uint16_t vlan; /* 0: untagged */
    uint32_t saddr, daddr;
    uint8_t proto;
    uint16_t sport, dport; /* ICMP: id, type */
    uint8_t tcp_flags;
    size_t payload;
};

/* Ethernet (+ 802.1Q) + IPv4 + TCP/UDP/ICMP echo, with valid checksums. */
static uint32_t make_ip4(uint8_t *p, const struct flow *f)
{
    size_t l3 = f->vlan ? 18 : 14;
    size_t l4len = f->proto == 6 ? 20 : 8;
    size_t tot = 20 + l4len + f->payload;
    memset(p, 0, l3 + tot);
    memcpy(p, mac_host, 6);
    memcpy(p + 6, mac_client, 6);
    if (f->vlan) {
        put16(p + 12, 0x8100);
        put16(p + 14, f->vlan);
        put16(p + 16, 0x0800);
    } else {
        put16(p + 12, 0x0800);
    }
    uint8_t *ip = p + l3, *l4 = ip + 20;
    ip[0] = 0x45, ip[8] = 64, ip[9] = f->proto;
    put16(ip + 2, (uint16_t)tot);
    put16(ip + 4, 0x1234);
    put32(ip + 12, f->saddr);
    put32(ip + 16, f->daddr);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    for (size_t i = 0; i < f->payload; i++)
        l4[l4len + i] = (uint8_t)(i * 13 + 5);
    uint32_t ph = csum_add(0, ip + 12, 8) + f->proto + (uint32_t)(l4len + f->payload);
    if (f->proto == 6) {
        put16(l4, f->sport), put16(l4 + 2, f->dport);
        put32(l4 + 4, 1000), put32(l4 + 8, f->tcp_flags & 0x10 ? 2000 : 0);
        l4[12] = 5 << 4, l4[13] = f->tcp_flags;
        put16(l4 + 14, 65535);
        put16(l4 + 16, csum_fold(csum_add(ph, l4, l4len + f->payload)));
    } else if (f->proto == 17) {
        put16(l4, f->sport), put16(l4 + 2, f->dport);
        put16(l4 + 4, (uint16_t)(8 + f->payload));
        put16(l4 + 6, csum_fold(csum_add(ph, l4, 8 + f->payload)));
    } else {
        l4[0] = (uint8_t)f->dport; /* type */
        put16(l4 + 4, f->sport);   /* id */
        put16(l4 + 6, 1);
        put16(l4 + 2, csum_fold(csum_add(0, l4, 8 + f->payload)));
    }
    return (uint32_t)(l3 + tot);
}

/* Ethernet + IPv6 + n_ext 8-byte extension headers (hop-by-hop first,
 * then destination options) + TCP/UDP ports or an ICMPv6 type. */
static uint32_t make_ip6(uint8_t *p, int n_ext, uint8_t proto, uint16_t dport)
{
    size_t l4len = proto == 6 ? 20 : 8, plen = (size_t)n_ext * 8 + l4len;
    memset(p, 0, 14 + 40 + plen);
    memcpy(p, mac_host, 6);
    memcpy(p + 6, mac_client, 6);
    put16(p + 12, 0x86dd);
    uint8_t *ip = p + 14;
    ip[0] = 0x60;
    put16(ip + 4, (uint16_t)plen);
    ip[7] = 64;
    for (int i = 0; i < 16; i++)
        ip[8 + i] = (uint8_t)(0xfd - (i == 15 ? 0xf8 : 0)), ip[24 + i] = (uint8_t)(0xfd + (i == 15));
    uint8_t *nh = ip + 6;
    uint8_t *h = ip + 40;
    for (int i = 0; i < n_ext; i++, h += 8) {
        *nh = i == 0 ? 0 : 60; /* hop-by-hop, then destination options */
        nh = h;
        h[1] = 0;                 /* 8 bytes */
        h[2] = 1, h[3] = 4;       /* PadN of 4 */
    }
    *nh = proto;
    if (proto == 58) {
        h[0] = (uint8_t)dport;
    } else {
        put16(h, 40000), put16(h + 2, dport);
        if (proto == 6)
            h[12] = 5 << 4, h[13] = 0x02;
        else
            put16(h + 4, 8);
    }
    return (uint32_t)(14 + 40 + plen);
}

static uint32_t make_arp(uint8_t *p, uint32_t target)
{
    memset(p, 0, 60);
    memset(p, 0xff, 6);
    memcpy(p + 6, mac_client, 6);
    put16(p + 12, 0x0806);
    uint8_t *a = p + 14;
    put16(a, 1), put16(a + 2, 0x0800), a[4] = 6, a[5] = 4, put16(a + 6, 1);
    memcpy(a + 8, mac_client, 6);
    put32(a + 14, IP4(10, 0, 0, 5));
    put32(a + 24, target);
    return 60;
}

/* The reply tail_arp must make of make_arp's request: RFC 826. */
static void arp_reply_of(uint8_t *p)
{
    uint8_t *a = p + 14;
    memcpy(p, mac_client, 6);
    memcpy(p + 6, mac_router, 6);
    put16(a + 6, 2);
    memcpy(a + 18, mac_client, 6);
    put32(a + 24, IP4(10, 0, 0, 5));
    memcpy(a + 8, mac_router, 6);
    put32(a + 14, ROUTER_IP);
}

/* ------------------------------------------------------- the scenario */

#define VIP IP4(10, 96, 0, 10)
#define BACKEND IP4(10, 0, 2, 20)
#define CLIENT IP4(10, 0, 0, 5)
#define CLIENT_RESTRICTED IP4(10, 0, 0, 7)
#define OTHER IP4(10, 0, 3, 3)
#define DENIED_SRC IP4(10, 0, 9, 9)
#define CONTAINER_IFINDEX 5 /* .rodata cfg_container_ifindex */

/* the C source's map layouts */
struct ipcache_key { uint32_t prefixlen, addr; };
struct remote_info { uint32_t identity, tunnel_ep; };
struct policy_key { uint32_t identity; uint16_t dport; uint8_t proto, egress; };
struct policy_entry { uint32_t deny, pad; uint64_t hits; };
struct lb4_key { uint32_t vip; uint16_t port; uint8_t proto, pad; };
struct lb4_backend { uint32_t addr; uint16_t port, index; };
struct lb4_rev { uint32_t vip; uint16_t port, pad; };
struct ct_tuple4 { uint32_t saddr, daddr; uint16_t sport, dport; uint8_t proto, dir; uint16_t pad; };
struct ct_entry { uint64_t packets, bytes; uint32_t lifetime; uint16_t rev_nat; uint8_t syn_seen, closing; };

static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }
static uint16_t be16(uint16_t v) { return __builtin_bswap16(v); }

static void setup(struct backend *b)
{
    static const struct { uint32_t plen, addr, id; } ipc[] = {
        {24, IP4(10, 0, 0, 0), 100}, {32, CLIENT_RESTRICTED, 200}, {24, IP4(10, 0, 9, 0), 666}};
    for (size_t i = 0; i < sizeof ipc / sizeof ipc[0]; i++) {
        struct ipcache_key k = {ipc[i].plen, be32(ipc[i].addr)};
        struct remote_info v = {ipc[i].id, 0};
        CHECK_EQ(be_update(b, "ipcache", &k, &v), 0);
    }
    static const struct { uint32_t id; uint16_t port; uint8_t proto; uint32_t deny; } pol[] = {
        {100, 80, 6, 0}, {100, 53, 17, 0}, {100, 0, 1, 0}, {100, 9999, 17, 1},
        {200, 0, 6, 1},  {2, 443, 6, 0}};
    for (size_t i = 0; i < sizeof pol / sizeof pol[0]; i++) {
        struct policy_key k = {pol[i].id, be16(pol[i].port), pol[i].proto, 0};
        struct policy_entry v = {pol[i].deny, 0, 0};
        CHECK_EQ(be_update(b, "policy_map", &k, &v), 0);
    }
    struct lb4_key sk = {be32(VIP), be16(80), 6, 0};
    struct lb4_backend sv = {be32(BACKEND), be16(8080), 1};
    CHECK_EQ(be_update(b, "lb4_services", &sk, &sv), 0);
    uint32_t zero = 0;
    struct lb4_rev rv = {be32(VIP), be16(80), 0};
    CHECK_EQ(be_update(b, "lb4_reverse", &zero, &rv), 0);
    /* iproute2 fills "ID/SLOT" sections: map id 2 is jmp_legacy */
    CHECK_EQ(be_set_slot(b, "jmp_legacy", 0, "ct_create"), 0);
    CHECK_EQ(be_set_slot(b, "jmp_legacy", 1, "policy"), 0);
    if (b->kernel) { /* pbpf's loader filled these from `values` */
        CHECK_EQ(be_set_slot(b, "cilium_calls", 0, "tail_ipv4"), 0);
        CHECK_EQ(be_set_slot(b, "cilium_calls", 1, "tail_ipv6"), 0);
        CHECK_EQ(be_set_slot(b, "cilium_calls", 2, "tail_arp"), 0);
    }
}

struct step {
    const char *prog;
    uint8_t in[256];
    uint32_t len;
    uint32_t want;       /* verdict */
    uint8_t out[256];    /* the packet it must leave, when it differs */
    int rewritten;
};

#define MAXSTEP 32
static struct step steps[MAXSTEP];
static size_t nsteps;

static struct step *add(const char *prog, uint32_t want)
{
    struct step *s = &steps[nsteps++];
    memset(s, 0, sizeof *s);
    s->prog = prog;
    s->want = want;
    return s;
}

static void flow_step(const char *prog, const struct flow *f, uint32_t want,
                      const struct flow *rewritten)
{
    struct step *s = add(prog, want);
    s->len = make_ip4(s->in, f);
    if (rewritten) {
        s->rewritten = 1;
        CHECK_EQ(make_ip4(s->out, rewritten), s->len);
    }
}

enum { ACT_OK = 0, ACT_SHOT = 2, ACT_REDIRECT = 7, X_DROP = 1, X_PASS = 2 };

static void make_steps(void)
{
    nsteps = 0;
    struct flow syn = {0, CLIENT, VIP, 6, 40000, 80, 0x02, 0};
    struct flow syn_nat = syn;
    syn_nat.daddr = BACKEND, syn_nat.dport = 8080;
    flow_step("from_netdev", &syn, ACT_REDIRECT, &syn_nat); /* new flow: policy, DNAT */
    struct flow ack = syn, ack_nat = syn_nat;
    ack.tcp_flags = ack_nat.tcp_flags = 0x10, ack.payload = ack_nat.payload = 24;
    flow_step("from_netdev", &ack, ACT_REDIRECT, &ack_nat); /* conntrack hit */
    struct flow reply = {0, BACKEND, CLIENT, 6, 8080, 40000, 0x12, 0};
    struct flow reply_nat = reply;
    reply_nat.saddr = VIP, reply_nat.sport = 80;
    flow_step("to_container", &reply, ACT_OK, &reply_nat); /* reverse NAT */
    struct flow dns = {0, CLIENT, OTHER, 17, 5353, 53, 0, 30};
    flow_step("from_netdev", &dns, ACT_OK, NULL);
    flow_step("from_netdev", &dns, ACT_OK, NULL); /* conntrack hit */
    struct flow denied = {0, CLIENT, OTHER, 17, 5353, 9999, 0, 4};
    flow_step("from_netdev", &denied, ACT_SHOT, NULL); /* explicit deny */
    denied.dport = 7777;
    flow_step("from_netdev", &denied, ACT_SHOT, NULL); /* no entry */
    struct flow ping = {0, CLIENT, OTHER, 1, 0x4242, 8, 0, 16};
    flow_step("from_netdev", &ping, ACT_OK, NULL); /* any-port entry */
    struct flow ssh = {0, CLIENT_RESTRICTED, OTHER, 6, 50000, 22, 0x02, 0};
    flow_step("from_netdev", &ssh, ACT_SHOT, NULL); /* identity 200: TCP denied */
    struct flow vlan_dns = {42, CLIENT, OTHER, 17, 5354, 53, 0, 10};
    flow_step("from_netdev", &vlan_dns, ACT_OK, NULL);
    struct flow fin = ack, fin_nat = ack_nat;
    fin.tcp_flags = fin_nat.tcp_flags = 0x11, fin.payload = fin_nat.payload = 0;
    flow_step("from_netdev", &fin, ACT_REDIRECT, &fin_nat);

    struct step *s = add("from_netdev", ACT_OK);
    s->len = make_ip6(s->in, 2, 6, 443); /* world → 443: allowed */
    s = add("from_netdev", ACT_SHOT);
    s->len = make_ip6(s->in, 0, 17, 1234);
    s = add("from_netdev", ACT_OK);
    s->len = make_ip6(s->in, 1, 58, 128); /* echo request */
    s = add("from_netdev", ACT_OK);
    s->len = make_ip6(s->in, 6, 6, 443); /* six headers: the most it walks */
    s = add("from_netdev", ACT_SHOT);
    s->len = make_ip6(s->in, 7, 6, 443); /* one too many */

    s = add("from_netdev", ACT_REDIRECT);
    s->len = make_arp(s->in, ROUTER_IP);
    s->rewritten = 1;
    memcpy(s->out, s->in, s->len);
    arp_reply_of(s->out);
    s = add("from_netdev", ACT_OK);
    s->len = make_arp(s->in, IP4(10, 0, 1, 99));
    s = add("from_netdev", ACT_OK);
    s->len = 60;
    memset(s->in, 0, 60);
    put16(s->in + 12, 0x88cc); /* LLDP: not ours */

    struct flow bad = {0, DENIED_SRC, OTHER, 17, 1, 53, 0, 0};
    flow_step("xdp_prefilter", &bad, X_DROP, NULL);
    flow_step("xdp_prefilter", &dns, X_PASS, NULL);
    bad.vlan = 7;
    s = add("xdp_prefilter", X_DROP);
    s->len = make_ip4(s->in + 4, &bad) + 4; /* 802.1ad + 802.1Q */
    memmove(s->in, s->in + 4, 12);
    put16(s->in + 12, 0x88a8);
    put16(s->in + 14, 3);
    s = add("xdp_prefilter", X_PASS);
    s->len = make_ip6(s->in, 0, 17, 53);
}

struct run {
    struct out o[MAXSTEP];
};

static void run_steps(struct backend *b, struct run *r)
{
    for (size_t i = 0; i < nsteps; i++) {
        be_run(b, steps[i].prog, steps[i].in, steps[i].len, &r->o[i]);
        const struct out *o = &r->o[i];
        if (o->rc || o->retval != steps[i].want)
            unit_fail(__FILE__, __LINE__, "%s step %zu (%s): rc %d verdict %u, want %u", b->name,
                      i, steps[i].prog, o->rc, o->retval, steps[i].want);
        const uint8_t *want = steps[i].rewritten ? steps[i].out : steps[i].in;
        if (o->len != steps[i].len || memcmp(o->data, want, steps[i].len)) {
            size_t at = 0;
            while (at < steps[i].len && o->data[at] == want[at])
                at++;
            unit_fail(__FILE__, __LINE__, "%s step %zu (%s): output packet differs at byte %zu",
                      b->name, i, steps[i].prog, at);
        }
    }
}

static const char *const dumped[] = {"ct4", "policy_map", "metrics", "ipcache", NULL};

static const char *data_map(struct backend *b, const char *sec)
{
    for (size_t i = 0; i < pbpf_object_map_cnt(b->obj); i++) {
        const struct pbpf_object_map *m = pbpf_object_map(b->obj, i);
        if (m->section && !strcmp(m->section, sec))
            return m->name;
    }
    return NULL;
}

static void compare_maps(struct backend *a, struct backend *b)
{
    const char *names[8];
    size_t n = 0;
    for (size_t i = 0; dumped[i]; i++)
        names[n++] = dumped[i];
    names[n++] = data_map(a, ".bss");
    names[n++] = data_map(a, ".data");
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        struct dump da, db;
        be_dump(a, names[i], &da);
        be_dump(b, names[i], &db);
        if (da.n != db.n || da.rec != db.rec ||
            (da.recs && db.recs && memcmp(da.recs, db.recs, da.n * da.rec)))
            unit_fail(__FILE__, __LINE__, "map %s: %s and %s differ (%zu and %zu entries)",
                      names[i], a->name, b->name, da.n, db.n);
        free(da.recs);
        free(db.recs);
    }
}

/* The counters and conntrack entries the C source must have produced. */
static void check_state(struct backend *b)
{
    const char *bss = data_map(b, ".bss");
    struct pbpf_map *m = bss ? pmap(b, bss) : NULL;
    uint64_t st[5] = {0};
    uint32_t zero = 0;
    CHECK(m && pbpf_map_value_size(m) == sizeof st);
    if (m && pbpf_map_value_size(m) == sizeof st)
        CHECK_EQ(pbpf_map_lookup_elem(m, &zero, st), 0);
    /* stat_tail_missed, policy_denied, ct_created, arp_replies, ext_hdrs */
    CHECK_EQ(st[0], 0);
    CHECK_EQ(st[1], 4); /* 9999, 7777, identity 200, IPv6 UDP 1234 */
    CHECK_EQ(st[2], 4); /* the service flow, DNS, ping, DNS over VLAN */
    CHECK_EQ(st[3], 1);
    CHECK_EQ(st[4], 2 + 1 + 6 + 6); /* headers walked; the 7-header packet stops after 6 */

    struct ct_tuple4 k = {be32(CLIENT), be32(VIP), be16(40000), be16(80), 6, 0, 0};
    struct ct_entry e;
    CHECK_EQ(pbpf_map_lookup_elem(pmap(b, "ct4"), &k, &e), 0);
    CHECK_EQ(e.packets, 3); /* SYN, ACK, FIN */
    CHECK_EQ(e.rev_nat, 1);
    CHECK_EQ(e.syn_seen, 1);
    CHECK_EQ(e.closing, 1);
    CHECK_EQ(e.lifetime, 21600);
    struct ct_tuple4 rk = {be32(BACKEND), be32(CLIENT), be16(8080), be16(40000), 6, 1, 0};
    CHECK_EQ(pbpf_map_lookup_elem(pmap(b, "ct4"), &rk, &e), 0);
    CHECK_EQ(e.packets, 1);
    CHECK_EQ(e.rev_nat, 1);
}

static void test_run(void)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        unit_fail(__FILE__, __LINE__, "runtime");
        return;
    }
    make_steps();
    static struct run interp_run, jit_run, k_run;
    struct backend bi = {.name = "interp", .obj = load_obj(rt, "datapath.bpf.o",
                                                          PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL)};
    struct backend bj = {.name = "jit", .obj = load_obj(rt, "datapath.bpf.o", PBPF_ENGINE_JIT,
                                                       PBPF_MODE_VERIFIED, NULL)};
    struct backend bk = {.name = "kernel", .kernel = 1};
    if (have_kernel) {
        /* the kernel copies a freshly loaded object's maps */
        bk.obj = load_obj(rt, "datapath.bpf.o", PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL);
        char why[256];
        if (bk.obj && kobj_open(&bk.k, bk.obj, why, sizeof why)) {
            unit_fail(__FILE__, __LINE__, "kernel maps: %s", why);
            pbpf_object_close(bk.obj);
            bk.obj = NULL;
        }
        for (size_t i = 0; bk.obj && i < pbpf_object_prog_cnt(bk.obj); i++) {
            const struct pbpf_object_prog *op = pbpf_object_prog(bk.obj, i);
            uint32_t type = op->type_known ? op->prog_type : PROG_SCHED_CLS;
            if (kobj_load_prog(&bk.k, i, type, op->expected_attach_type, NULL, NULL, why,
                               sizeof why) < 0)
                unit_fail(__FILE__, __LINE__, "the kernel refuses %s: %s", op->name, why);
        }
    }
    if (bi.obj) {
        setup(&bi);
        run_steps(&bi, &interp_run);
        check_state(&bi);
    }
    if (bj.obj) {
        setup(&bj);
        run_steps(&bj, &jit_run);
        check_state(&bj);
        if (bi.obj)
            compare_maps(&bi, &bj);
    }
    if (bk.obj) {
        setup(&bk);
        run_steps(&bk, &k_run);
        if (bi.obj)
            compare_maps(&bi, &bk);
        kobj_close(&bk.k);
        pbpf_object_close(bk.obj);
    } else if (!have_kernel) {
        printf("kernel comparison skipped: bpf() unavailable\n");
    }
    printf("%zu packets through interp%s%s\n", nsteps, bj.obj ? ", jit" : "",
           bk.obj ? ", kernel (verdicts, packets and maps compared)" : "");
    if (bi.obj)
        pbpf_object_close(bi.obj);
    if (bj.obj)
        pbpf_object_close(bj.obj);
    pbpf_runtime_free(rt);
}

/* ------------------------------------------------------ tracing object */

struct t_task { uint32_t pid, tgid; char comm[16]; struct t_task *parent; };
struct t_addr { uint32_t saddr, daddr; uint16_t sport, dport; };
struct t_sock { uint16_t family; uint8_t state, proto; uint32_t rx, tx; struct t_addr *addrs;
                struct t_task *owner; };
struct t_conn { uint64_t id; struct t_sock *sk; struct t_conn *next; uint32_t flags; };
struct t_req { uint32_t len, op; struct t_conn *conn; };
struct t_record {
    uint64_t conn_id;
    uint32_t len, op, saddr, daddr;
    uint16_t sport, dport, family;
    uint8_t state, proto;
    uint32_t rx_bytes, tx_bytes, pid, ppid;
    char comm[16], parent_comm[16];
    uint32_t chain_len, chain_flags;
    uint64_t chain_ids;
};
struct t_opts { uint32_t mss, wscale, sack_ok, ts_val, count, bad; };

/* pt_regs (x86-64 UAPI layout): di is the 15th word */
#define REGS_SIZE 168
#define REGS_DI 14

static uint32_t run_kprobe(struct pbpf_prog *p, const void *arg, const char *what)
{
    uint64_t regs[REGS_SIZE / 8] = {0};
    regs[REGS_DI] = (uint64_t)(uintptr_t)arg;
    char err[256] = "";
    PBPF_OPTS(pbpf_test_run_opts, o, .ctx_in = regs, .ctx_size_in = REGS_SIZE, .err_buf = err,
              .err_size = sizeof err);
    int rc = pbpf_prog_test_run(p, &o);
    if (rc)
        unit_fail(__FILE__, __LINE__, "%s: %d %s", what, rc, err);
    return o.retval;
}

static void check_trace(struct pbpf_object *obj, const char *engine)
{
    struct pbpf_prog *p = pbpf_object_prog_handle(obj, (size_t)pbpf_object_find_prog(obj, "trace_req"));
    struct pbpf_map *rec = pbpf_object_map_handle(obj, (size_t)pbpf_object_find_map(obj, "last_req"));
    struct pbpf_map *ops = pbpf_object_map_handle(obj, (size_t)pbpf_object_find_map(obj, "ops_seen"));
    if (!p || !rec || !ops) {
        unit_fail(__FILE__, __LINE__, "%s: trace_req or its maps missing", engine);
        return;
    }
    static struct t_task parent = {1, 1, "init", NULL}, task = {4242, 4240, "curl", &parent};
    static struct t_addr ap = {0x0500000a, 0x0a00600a, 0xc69c, 0x5000};
    static struct t_sock sk = {2, 1, 6, 1000, 2500, &ap, &task};
    static struct t_conn c3 = {300, &sk, NULL, 0x4}, c2 = {200, &sk, &c3, 0x2},
                         c1 = {100, &sk, &c2, 0x1};
    static struct t_req rq = {512, 7, &c1};
    uint32_t zero = 0;
    struct t_record r;
    CHECK_EQ(run_kprobe(p, &rq, engine), 0);
    CHECK_EQ(pbpf_map_lookup_elem(rec, &zero, &r), 0);
    CHECK_EQ(r.conn_id, c1.id);
    CHECK_EQ(r.len, rq.len);
    CHECK_EQ(r.op, rq.op);
    CHECK_EQ(r.saddr, ap.saddr);
    CHECK_EQ(r.daddr, ap.daddr);
    CHECK_EQ(r.sport, ap.sport);
    CHECK_EQ(r.dport, ap.dport);
    CHECK_EQ(r.family, sk.family);
    CHECK_EQ(r.state, sk.state);
    CHECK_EQ(r.proto, sk.proto);
    CHECK_EQ(r.rx_bytes, sk.rx);
    CHECK_EQ(r.tx_bytes, sk.tx);
    CHECK_EQ(r.pid, task.pid);
    CHECK_EQ(r.ppid, parent.pid);
    CHECK_STR(r.comm, task.comm);
    CHECK_STR(r.parent_comm, parent.comm);
    CHECK_EQ(r.chain_len, 3);
    CHECK_EQ(r.chain_flags, 0x7);
    CHECK_EQ(r.chain_ids, 600);
    /* a request without a connection, then one whose connection pointer
     * cannot be read: the probe stops where the C source says */
    static struct t_req none = {1, 7, NULL}, wild = {1, 9, (struct t_conn *)(uintptr_t)8};
    CHECK_EQ(run_kprobe(p, &none, engine), 1);
    CHECK_EQ(run_kprobe(p, &wild, engine), 2);
    uint64_t n = 0;
    uint32_t op = 7;
    CHECK_EQ(pbpf_map_lookup_elem(ops, &op, &n), 0);
    CHECK_EQ(n, 1); /* the one that got to the end */
}

/* Ethernet + IPv4 + TCP with the given options (a multiple of 4 bytes). */
static uint32_t make_tcp_opts(uint8_t *p, const uint8_t *opt, size_t olen)
{
    struct flow f = {0, CLIENT, OTHER, 6, 40000, 80, 0x02, olen};
    uint32_t n = make_ip4(p, &f);
    p[14 + 20 + 12] = (uint8_t)((5 + olen / 4) << 4);
    memcpy(p + 14 + 20 + 20, opt, olen);
    return n;
}

static void test_trace(void)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        unit_fail(__FILE__, __LINE__, "runtime");
        return;
    }
    /* Every program is loaded verified: xdp_tcp_opts (a 40-iteration
     * bounded loop, which needs the verifier's precision tracking to prune
     * its iterations, as Linux's does) runs on every engine, the kernel's
     * included; xdp_tcp_opts_loop (bpf_loop, its callback reading
     * xdp->data and data_end through the ctx pointer the caller left on
     * its stack; tests/ctxcb compares it with the kernel's through libbpf)
     * on pbpf's: the kernel copy cannot take it, a callback needs BTF
     * func_info there, which kobj does not give. */
    struct backend bi = {.name = "interp", .obj = load_obj(rt, "trace_probe.bpf.o",
                                                          PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED,
                                                          NULL)};
    struct backend bj = {.name = "jit", .obj = load_obj(rt, "trace_probe.bpf.o", PBPF_ENGINE_JIT,
                                                       PBPF_MODE_VERIFIED, NULL)};
    struct backend bk = {.name = "kernel", .kernel = 1};
    if (bi.obj)
        check_trace(bi.obj, "interp");
    if (bj.obj)
        check_trace(bj.obj, "jit");
    if (have_kernel) {
        /* relocation only: the kernel verifies */
        bk.obj = load_obj(rt, "trace_probe.bpf.o", PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, NULL);
        char why[256];
        if (bk.obj && kobj_open(&bk.k, bk.obj, why, sizeof why)) {
            unit_fail(__FILE__, __LINE__, "kernel maps: %s", why);
            pbpf_object_close(bk.obj);
            bk.obj = NULL;
        }
        /* every program but the bpf_loop one must load there; kprobes
         * cannot be test-run */
        for (size_t i = 0; bk.obj && i < pbpf_object_prog_cnt(bk.obj); i++) {
            const struct pbpf_object_prog *op = pbpf_object_prog(bk.obj, i);
            if (!strcmp(op->name, "xdp_tcp_opts_loop"))
                continue;
            if (kobj_load_prog(&bk.k, i, op->prog_type, op->expected_attach_type, NULL, NULL, why,
                               sizeof why) < 0)
                unit_fail(__FILE__, __LINE__, "the kernel refuses %s: %s", op->name, why);
        }
    }
    /* MSS 1460, NOP, window scale 7, SACK permitted, timestamps, EOL */
    static const uint8_t good[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4,
                                   0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t bad[] = {2, 4, 0x05, 0xb4, 3, 1, 0, 0}; /* length 1 */
    static const struct t_opts want_good = {1460, 7, 1, 0x01020304, 4, 0},
                               want_bad = {1460, 0, 0, 0, 1, 1}, want_none = {0};
    static uint8_t pkt[3][128];
    uint32_t len[3];
    len[0] = make_tcp_opts(pkt[0], good, sizeof good);
    len[1] = make_tcp_opts(pkt[1], bad, sizeof bad);
    struct flow udp = {0, CLIENT, OTHER, 17, 1, 53, 0, 8};
    len[2] = make_ip4(pkt[2], &udp);
    const struct t_opts *want[3] = {&want_good, &want_bad, &want_none};
    const uint32_t verdict[3] = {X_PASS, X_DROP, X_PASS};
    static const char *const progs[2] = {"xdp_tcp_opts", "xdp_tcp_opts_loop"};
    struct backend *bes[3] = {&bi, &bj, &bk};
    size_t runs = 0;
    for (size_t b = 0; b < 3; b++) {
        if (!bes[b]->obj)
            continue;
        for (uint32_t pi = 0; pi < 2; pi++)
            for (size_t k = 0; k < 3; k++) {
                if (bes[b]->kernel && pi == 1)
                    continue; /* see above */
                struct out o;
                be_run(bes[b], progs[pi], pkt[k], len[k], &o);
                if (o.rc || o.retval != verdict[k])
                    unit_fail(__FILE__, __LINE__, "%s %s packet %zu: rc %d verdict %u, want %u",
                              bes[b]->name, progs[pi], k, o.rc, o.retval, verdict[k]);
                struct t_opts got;
                memset(&got, 0xee, sizeof got);
                int rc = bes[b]->kernel ? kbpf_map_lookup(kobj_map_fd(&bes[b]->k, "tcp_opts"),
                                                          &pi, &got)
                                        : pbpf_map_lookup_elem(pmap(bes[b], "tcp_opts"), &pi, &got);
                if (rc || memcmp(&got, want[k], sizeof got))
                    unit_fail(__FILE__, __LINE__,
                              "%s %s packet %zu: options mss %u ws %u sack %u ts 0x%x count %u "
                              "bad %u",
                              bes[b]->name, progs[pi], k, got.mss, got.wscale, got.sack_ok,
                              got.ts_val, got.count, got.bad);
                runs++;
            }
    }
    printf("%zu option-walk runs (interp%s%s)\n", runs, bj.obj ? ", jit" : "",
           bk.obj ? ", kernel" : "");
    if (bk.obj) {
        kobj_close(&bk.k);
        pbpf_object_close(bk.obj);
    }
    if (bi.obj)
        pbpf_object_close(bi.obj);
    if (bj.obj)
        pbpf_object_close(bj.obj);
    pbpf_runtime_free(rt);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s run|trace OBJDIR\n", argv[0]);
        return 2;
    }
    dir = argv[2];
    char why[256];
    have_kernel = kbpf_probe(why, sizeof why);
    if (!have_kernel)
        printf("no kernel comparison: %s\n", why);
    if (!strcmp(argv[1], "run"))
        UNIT_RUN(test_run);
    else if (!strcmp(argv[1], "trace"))
        UNIT_RUN(test_trace);
    else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return unit_finish();
}
