/* pbpf run OBJ: a program of an ELF object run as BPF_PROG_TEST_RUN runs
 * it (pbpf_prog_test_run), once on given bytes, or over every packet of a
 * capture file (pbpf_packet_run) with the verdicts applied.
 *
 * Capture files are read and written with libpcap when the tool is built
 * with it (PBPF_HAVE_PCAP); the library itself never sees a file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "cli.h"
#include "objcli.h"
#include "pbpf/hooks.h"
#include "pbpf/packet.h"
#include "platform/platform.h"

#ifdef PBPF_HAVE_PCAP
#include <pcap/pcap.h>
#include <unistd.h>
#endif

#define PT_SOCKET_FILTER 1
#define PT_SCHED_CLS 3
#define PT_SCHED_ACT 4
#define PT_XDP 6

static void run_object_usage(void)
{
    printf("Usage: pbpf run OBJ [--prog NAME] [--engine interp|jit] [--mode checked|verified]\n"
           "                    [--repeat N] [--json]\n"
           "                    [--data-in HEX | --pcap IN [--out OUT] [--tx-out OUT]\n"
           "                                      [--redirect-out PREFIX] [--progress]\n"
           "                                      [--netdev DEV]... [--ifindex N]]\n\n"
           "Runs a program of the ELF object OBJ as Linux's BPF_PROG_TEST_RUN does, after\n"
           "loading the object (maps created, programs relocated).\n\n"
           "  --prog NAME     the program (needed when the object has several)\n"
           "  --engine E      interp (default) or jit\n"
           "  --mode M        checked (default for interp: every access checked) or\n"
           "                  verified (default for jit: no checks, for trusted programs)\n"
           "  --data-in HEX   one run on these packet bytes (\"45 00 ...\"): prints the\n"
           "                  return value, what it means for the program type, the packet\n"
           "                  afterwards and the time per run (--repeat N runs)\n"
           "  --pcap IN       every packet of the capture IN (pcap or pcapng, Ethernet),\n"
           "                  through an XDP, tc or socket filter program; prints the\n"
           "                  count of each verdict, what was passed, transmitted,\n"
           "                  redirected and dropped, packets/s and ns/packet.  During\n"
           "                  the run bpf_ktime_get_ns() is the capture's clock.\n"
           "                  --repeat N goes over the file N times\n"
           "  --out OUT       write the packets passed on (after any rewrite; socket\n"
           "                  filters: truncated to their length) to the pcap file OUT\n"
           "  --tx-out OUT    write the packets sent back (XDP_TX) or redirected to OUT\n"
           "  --redirect-out PREFIX  write the packets redirected to an interface\n"
           "                  (bpf_redirect, a DEVMAP entry) to PREFIX-ifN.pcap, one file\n"
           "                  per interface index N, instead of to --tx-out; the counts\n"
           "                  per interface are printed (JSON: redirected_to)\n"
           "  --progress      a progress line on stderr (default: only on a terminal)\n"
           "  --netdev DEV    a network device besides the loopback (ifindex 1), as\n"
           "                  IFINDEX,NAME,MAC[,MTU] (\"3,eth0,02:00:00:00:00:03,1500\");\n"
           "                  up to 16\n"
           "  --ifindex N     the device the packets arrive on (default: the loopback)\n"
           "  --json          one JSON object on stdout\n");
}

static const char *verdict_name(uint32_t type, unsigned slot)
{
    static const char *const xdp[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
                                      "XDP_REDIRECT"};
    static const char *const tc[] = {"TC_ACT_UNSPEC", "TC_ACT_OK",     "TC_ACT_RECLASSIFY",
                                     "TC_ACT_SHOT",   "TC_ACT_PIPE",   "TC_ACT_STOLEN",
                                     "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT",
                                     "TC_ACT_TRAP"};
    static const char *const sf[] = {"dropped (0)", "truncated", "whole"};
    if (type == PT_XDP)
        return slot < 5 ? xdp[slot] : "other";
    if (type == PT_SCHED_CLS || type == PT_SCHED_ACT)
        return slot < 10 ? tc[slot] : "other";
    if (type == PT_SOCKET_FILTER)
        return slot < 3 ? sf[slot] : "other";
    return NULL;
}

/* The meaning of one return value (for --data-in). */
static const char *retval_name(uint32_t type, uint32_t ret)
{
    if (type == PT_XDP)
        return verdict_name(type, ret < 5 ? ret : 99);
    if (type == PT_SCHED_CLS || type == PT_SCHED_ACT) {
        int32_t a = (int32_t)ret;
        return verdict_name(type, a >= -1 && a <= 8 ? (unsigned)(a + 1) : 99);
    }
    return NULL;
}

#define RUN_MAX_NETDEVS 16

struct run_args {
    const char *path, *prog, *data_hex, *pcap_in, *out, *tx_out, *redirect_out;
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    int mode_given, json, progress;
    uint64_t repeat;
    struct pbpf_netdev netdevs[RUN_MAX_NETDEVS];
    uint32_t netdev_cnt, ifindex;
};

/* --netdev IFINDEX,NAME,MAC[,MTU] */
static int parse_netdev(const char *v, struct pbpf_netdev *d)
{
    char name[64];
    unsigned ifindex, mtu = 0, mac[6];
    int used = 0;
    memset(d, 0, sizeof *d);
    int n = sscanf(v, "%u,%63[^,],%x:%x:%x:%x:%x:%x%n,%u%n", &ifindex, name, &mac[0], &mac[1],
                   &mac[2], &mac[3], &mac[4], &mac[5], &used, &mtu, &used);
    if ((n != 8 && n != 9) || v[used] != '\0')
        return cli_error("--netdev '%s': want IFINDEX,NAME,MAC[,MTU] "
                         "(3,eth0,02:00:00:00:00:03,1500)", v);
    if (ifindex < 2 || strlen(name) >= sizeof d->name)
        return cli_error("--netdev '%s': the ifindex must be 2 or more (1 is the loopback) and "
                         "the name at most %zu characters", v, sizeof d->name - 1);
    for (int i = 0; i < 6; i++) {
        if (mac[i] > 0xff)
            return cli_error("--netdev '%s': a MAC address byte over ff", v);
        d->mac[i] = (uint8_t)mac[i];
    }
    d->ifindex = ifindex;
    d->mtu = mtu;
    memcpy(d->name, name, strlen(name) + 1);
    return 0;
}

static int run_once(struct cli_obj *o, const struct pbpf_object_prog *p, struct pbpf_prog *prog,
                    const struct run_args *a)
{
    uint8_t *in = NULL, *out = NULL;
    size_t in_len = 0;
    char err[256] = "";
    int status = 1;
    if (a->data_hex) {
        int rc = pbpf_hex_parse(a->data_hex, &in, &in_len, err, sizeof err);
        if (rc)
            return cli_error("--data-in: %s", err[0] ? err : strerror(-rc));
        if (in_len > 65536) {
            free(in);
            return cli_error("--data-in: %zu bytes: at most 65536", in_len);
        }
    }
    size_t out_cap = in_len + 128 * 1024;
    out = malloc(out_cap);
    if (!out) {
        free(in);
        return cli_error("out of memory");
    }
    PBPF_OPTS(pbpf_test_run_opts, t, .data_in = in, .data_size_in = (uint32_t)in_len,
              .data_out = in ? out : NULL, .data_size_out = in ? (uint32_t)out_cap : 0,
              .repeat = (int)a->repeat, .err_buf = err, .err_size = sizeof err);
    int rc = pbpf_prog_test_run(prog, &t);
    if (rc) {
        cli_error("%s: %s: %s", o->path, p->name, err[0] ? err : strerror(-rc));
        goto out;
    }
    const char *meaning = retval_name(p->prog_type, t.retval);
    if (a->json) {
        printf("{\"prog\":");
        cli_json_string(stdout, p->name);
        printf(",\"retval\":%" PRIu32 ",", t.retval);
        if (meaning) {
            printf("\"verdict\":");
            cli_json_string(stdout, meaning);
            printf(",");
        }
        if (in) {
            printf("\"data_out\":");
            cli_json_hex(stdout, out, t.data_size_out);
            printf(",");
        }
        printf("\"duration_ns\":%" PRIu32 ",\"repeat\":%" PRIu64 "}\n", t.duration, a->repeat);
    } else {
        printf("retval: %" PRIu32, t.retval);
        if (meaning)
            printf(" (%s)", meaning);
        printf("\n");
        if (in) {
            printf("data_out (%" PRIu32 " bytes%s): ", t.data_size_out,
                   t.data_size_out == in_len && !memcmp(in, out, in_len) ? ", unchanged" : "");
            cli_print_hex(stdout, out, t.data_size_out);
            printf("\n");
        }
        printf("duration: %" PRIu32 " ns/run (%" PRIu64 " run%s, %s/%s)\n", t.duration, a->repeat,
               a->repeat == 1 ? "" : "s", cli_engine_name(a->engine), cli_mode_name(a->mode));
    }
    status = 0;
out:
    free(in);
    free(out);
    return status;
}

#ifdef PBPF_HAVE_PCAP
/* --redirect-out: one capture per interface packets are redirected to */
#define REDIRECT_IFS 64
struct redirect_if {
    uint32_t ifindex;
    uint64_t packets;
    pcap_dumper_t *d;
};

struct replay {
    pcap_t *in;
    pcap_dumper_t *out, *tx_out;
    const char *redirect_prefix;
    pcap_t **dead;
    struct redirect_if ifs[REDIRECT_IFS];
    size_t n_ifs;
    const char *in_path;
    long file_size;
    int show_progress, tty;
    uint64_t last_progress_ns, t0;
    char err[PCAP_ERRBUF_SIZE + 64];
};

static int replay_next(void *user, struct pbpf_packet *pkt)
{
    struct replay *r = user;
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(r->in, &h, &d);
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc != 1) {
        snprintf(r->err, sizeof r->err, "%s: %s", r->in_path, pcap_geterr(r->in));
        return -EIO;
    }
    pkt->data = d;
    pkt->len = h->caplen;
    pkt->wire_len = h->len > h->caplen ? h->len : h->caplen;
    /* opened with nanosecond precision: tv_usec holds nanoseconds */
    pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
    cli_replay_clock_ns = pkt->ts_ns;
    return 1;
}

static pcap_dumper_t *open_out(pcap_t **dead, const char *path, struct replay *r);

/* The capture of interface ifindex (opened on its first packet). */
static int redirect_to(struct replay *r, uint32_t ifindex, pcap_dumper_t **to)
{
    size_t i;
    for (i = 0; i < r->n_ifs && r->ifs[i].ifindex != ifindex; i++)
        ;
    if (i == r->n_ifs) {
        if (r->n_ifs == REDIRECT_IFS) {
            snprintf(r->err, sizeof r->err,
                     "--redirect-out: more than %d interfaces redirected to", REDIRECT_IFS);
            return -E2BIG;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s-if%u.pcap", r->redirect_prefix, ifindex);
        r->ifs[i].ifindex = ifindex;
        if (!(r->ifs[i].d = open_out(r->dead, path, r)))
            return -EIO;
        r->n_ifs++;
    }
    r->ifs[i].packets++;
    *to = r->ifs[i].d;
    return 0;
}

static int replay_emit(void *user, const struct pbpf_packet *in, enum pbpf_packet_fate fate,
                       const uint8_t *data, uint32_t len)
{
    struct replay *r = user;
    pcap_dumper_t *to = fate == PBPF_PACKET_PASSED ? r->out : r->tx_out;
    if (fate == PBPF_PACKET_REDIRECTED && r->redirect_prefix && in->out_ifindex) {
        int rc = redirect_to(r, in->out_ifindex, &to);
        if (rc)
            return rc;
    }
    if (!to)
        return 0;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(in->ts_ns / 1000000000u);
    h.ts.tv_usec = (suseconds_t)(in->ts_ns % 1000000000u);
    h.caplen = len;
    /* what the capture had cut stays cut */
    h.len = len + (in->wire_len - in->len);
    pcap_dump((u_char *)to, &h, data);
    return 0;
}

static void replay_progress(void *user, const struct pbpf_packet_stats *st)
{
    struct replay *r = user;
    uint64_t now = pbpf_time_mono_ns();
    if (!r->show_progress || now - r->last_progress_ns < 500000000u)
        return;
    r->last_progress_ns = now;
    long pos = ftell(pcap_file(r->in));
    double pct = r->file_size > 0 && pos >= 0 ? 100.0 * (double)pos / (double)r->file_size : 0;
    double s = (double)(now - r->t0) / 1e9;
    fprintf(stderr, "%s%" PRIu64 " packets, %.0f%% of %s, %.2f Mpps%s", r->tty ? "\r" : "",
            st->packets, pct, r->in_path, s > 0 ? (double)st->packets / s / 1e6 : 0.0,
            r->tty ? "  " : "\n");
}

static pcap_dumper_t *open_out(pcap_t **dead, const char *path, struct replay *r)
{
    if (!*dead)
        *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144,
                                                     PCAP_TSTAMP_PRECISION_NANO);
    if (!*dead) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return NULL;
    }
    pcap_dumper_t *d = pcap_dump_open(*dead, path);
    if (!d)
        snprintf(r->err, sizeof r->err, "cannot write '%.120s': %.160s", path, pcap_geterr(*dead));
    return d;
}

static int run_pcap(struct cli_obj *o, const struct pbpf_object_prog *p, struct pbpf_prog *prog,
                    const struct run_args *a)
{
    if (p->prog_type != PT_XDP && p->prog_type != PT_SCHED_CLS && p->prog_type != PT_SCHED_ACT &&
        p->prog_type != PT_SOCKET_FILTER) {
        const char *tn = pbpf_prog_type_name(p->prog_type);
        return cli_error("%s: program '%s' is of type %s: --pcap runs xdp, sched_cls, sched_act "
                         "and socket_filter programs",
                         o->path, p->name, tn ? tn : "unknown");
    }
    struct replay r;
    memset(&r, 0, sizeof r);
    r.in_path = a->pcap_in;
    r.redirect_prefix = a->redirect_out;
    r.tty = isatty(2);
    r.show_progress = a->progress || r.tty;
    pcap_t *dead = NULL;
    r.dead = &dead;
    struct pbpf_packet_stats total, st;
    memset(&total, 0, sizeof total);
    int status = 1;
    char err[256] = "";
    uint64_t wall0 = pbpf_time_mono_ns();
    r.t0 = wall0;
    if (a->out && !(r.out = open_out(&dead, a->out, &r))) {
        cli_error("%s", r.err);
        goto out;
    }
    if (a->tx_out && !(r.tx_out = open_out(&dead, a->tx_out, &r))) {
        cli_error("%s", r.err);
        goto out;
    }
    for (uint64_t pass = 0; pass < a->repeat; pass++) {
        char perr[PCAP_ERRBUF_SIZE] = "";
        r.in = pcap_open_offline_with_tstamp_precision(a->pcap_in, PCAP_TSTAMP_PRECISION_NANO,
                                                       perr);
        if (!r.in) {
            cli_error("cannot read '%s': %s", a->pcap_in, perr);
            goto out;
        }
        if (pcap_datalink(r.in) != DLT_EN10MB) {
            cli_error("%s: link type %s: only Ethernet captures (EN10MB) can be run",
                      a->pcap_in, pcap_datalink_val_to_name(pcap_datalink(r.in)));
            goto out;
        }
        FILE *f = fopen(a->pcap_in, "rb"); /* its size, for the progress line */
        if (f) {
            if (fseek(f, 0, SEEK_END) == 0)
                r.file_size = ftell(f);
            fclose(f);
        }
        PBPF_OPTS(pbpf_packet_run_opts, po, .next = replay_next, .emit = replay_emit,
                  .user = &r, .progress = replay_progress, .progress_every = 4096,
                  .err_buf = err, .err_size = sizeof err,
                  .netdevs = a->netdev_cnt ? a->netdevs : NULL, .netdev_cnt = a->netdev_cnt,
                  .ifindex = a->ifindex);
        int rc = pbpf_packet_run(prog, &po, &st);
        cli_replay_clock_ns = 0;
        pcap_close(r.in);
        r.in = NULL;
        if (r.show_progress && r.tty && r.last_progress_ns)
            fprintf(stderr, "\r%*s\r", 70, "");
        if (rc) {
            cli_error("%s: %s", p->name, r.err[0] ? r.err : err[0] ? err : strerror(-rc));
            goto out;
        }
        total.packets += st.packets;
        total.bytes += st.bytes;
        if (!total.skipped && st.skipped)
            memcpy(total.skip_reason, st.skip_reason, sizeof total.skip_reason);
        total.skipped += st.skipped;
        total.run_ns += st.run_ns;
        for (int i = 0; i < PBPF_PACKET_VERDICTS; i++)
            total.verdicts[i] += st.verdicts[i];
        for (int i = 0; i < PBPF_PACKET_FATES; i++)
            total.fates[i] += st.fates[i];
    }
    double wall = (double)(pbpf_time_mono_ns() - wall0) / 1e9;
    /* interfaces in index order, for the report */
    for (size_t i = 1; i < r.n_ifs; i++)
        for (size_t j = i; j > 0 && r.ifs[j - 1].ifindex > r.ifs[j].ifindex; j--) {
            struct redirect_if tmp = r.ifs[j];
            r.ifs[j] = r.ifs[j - 1];
            r.ifs[j - 1] = tmp;
        }
    double ns_pp = total.packets ? (double)total.run_ns / (double)total.packets : 0;
    double pps = total.run_ns ? (double)total.packets * 1e9 / (double)total.run_ns : 0;
    if (a->json) {
        printf("{\"prog\":");
        cli_json_string(stdout, p->name);
        printf(",\"type\":");
        cli_json_string(stdout, pbpf_prog_type_name(p->prog_type));
        printf(",\"engine\":\"%s\",\"mode\":\"%s\",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
               ",\"skipped\":%" PRIu64 ",",
               cli_engine_name(a->engine), cli_mode_name(a->mode), total.packets, total.bytes,
               total.skipped);
        if (total.skipped) {
            printf("\"skip_reason\":");
            cli_json_string(stdout, total.skip_reason);
            printf(",");
        }
        printf("\"verdicts\":{");
        int first = 1;
        for (unsigned i = 0; i < PBPF_PACKET_VERDICTS; i++) {
            const char *vn = verdict_name(p->prog_type, i);
            if (!total.verdicts[i] || !vn)
                continue;
            printf("%s\"%s\":%" PRIu64, first ? "" : ",", vn, total.verdicts[i]);
            first = 0;
        }
        printf("}");
        if (a->redirect_out) {
            printf(",\"redirected_to\":{");
            for (size_t i = 0; i < r.n_ifs; i++)
                printf("%s\"%u\":%" PRIu64, i ? "," : "", r.ifs[i].ifindex, r.ifs[i].packets);
            printf("}");
        }
        printf(",\"passed\":%" PRIu64 ",\"transmitted\":%" PRIu64 ",\"redirected\":%" PRIu64
               ",\"dropped\":%" PRIu64 ",\"hook_ns\":%" PRIu64
               ",\"ns_per_packet\":%.1f,\"packets_per_s\":%.0f,\"wall_s\":%.3f}\n",
               total.fates[PBPF_PACKET_PASSED], total.fates[PBPF_PACKET_TRANSMITTED],
               total.fates[PBPF_PACKET_REDIRECTED], total.fates[PBPF_PACKET_DROPPED],
               total.run_ns, ns_pp, pps, wall);

    } else {
        printf("%s: %" PRIu64 " packets (%" PRIu64 " bytes) from %s%s on %s/%s\n", p->name,
               total.packets, total.bytes, a->pcap_in, a->repeat > 1 ? " (repeated)" : "",
               cli_engine_name(a->engine), cli_mode_name(a->mode));
        printf("verdicts:");
        for (unsigned i = 0; i < PBPF_PACKET_VERDICTS; i++) {
            const char *vn = verdict_name(p->prog_type, i);
            if (total.verdicts[i] && vn)
                printf("  %s %" PRIu64, vn, total.verdicts[i]);
        }
        printf("\n");
        printf("passed %" PRIu64 ", transmitted %" PRIu64 ", redirected %" PRIu64
               ", dropped %" PRIu64 "\n",
               total.fates[PBPF_PACKET_PASSED], total.fates[PBPF_PACKET_TRANSMITTED],
               total.fates[PBPF_PACKET_REDIRECTED], total.fates[PBPF_PACKET_DROPPED]);
        for (size_t i = 0; i < r.n_ifs; i++)
            printf("redirected to interface %u: %" PRIu64 " (%s-if%u.pcap)\n", r.ifs[i].ifindex,
                   r.ifs[i].packets, a->redirect_out, r.ifs[i].ifindex);
        if (total.skipped)
            printf("skipped %" PRIu64 " that the hook does not take (first: %s)\n",
                   total.skipped, total.skip_reason);
        printf("speed: %.2f Mpps, %.1f ns/packet in the hook (%.2f s with reading and "
               "writing the files)\n",
               pps / 1e6, ns_pp, wall);
    }
    status = 0;
out:
    if (r.in)
        pcap_close(r.in);
    if (r.out)
        pcap_dump_close(r.out);
    if (r.tx_out)
        pcap_dump_close(r.tx_out);
    for (size_t i = 0; i < r.n_ifs; i++)
        if (r.ifs[i].d)
            pcap_dump_close(r.ifs[i].d);
    if (dead)
        pcap_close(dead);
    return status;
}
#else
static int run_pcap(struct cli_obj *o, const struct pbpf_object_prog *p, struct pbpf_prog *prog,
                    const struct run_args *a)
{
    (void)o, (void)p, (void)prog, (void)a;
    return cli_error("--pcap: this pbpf was built without libpcap (Debian: libpcap-dev)");
}
#endif

int cli_run_object(int argc, char **argv)
{
    struct run_args a = {0};
    const char *v;
    a.engine = PBPF_ENGINE_INTERP;
    a.mode = PBPF_MODE_CHECKED;
    a.repeat = 1;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            run_object_usage();
            return 0;
        }
        if ((m = cli_opt(argc, argv, &i, "--prog", &v))) {
            if (m < 0)
                return 1;
            a.prog = v;
        } else if ((m = cli_opt(argc, argv, &i, "--engine", &v))) {
            if (m < 0 || cli_parse_engine(v, &a.engine))
                return 1;
        } else if ((m = cli_opt(argc, argv, &i, "--mode", &v))) {
            if (m < 0 || cli_parse_mode(v, &a.mode))
                return 1;
            a.mode_given = 1;
        } else if ((m = cli_opt(argc, argv, &i, "--repeat", &v))) {
            if (m < 0)
                return 1;
            if (cli_parse_u64(v, &a.repeat) || a.repeat == 0 || a.repeat > 100000000)
                return cli_error("--repeat needs a count from 1 to 100000000, not '%s'", v);
        } else if ((m = cli_opt(argc, argv, &i, "--data-in", &v))) {
            if (m < 0)
                return 1;
            a.data_hex = v;
        } else if ((m = cli_opt(argc, argv, &i, "--pcap", &v))) {
            if (m < 0)
                return 1;
            a.pcap_in = v;
        } else if ((m = cli_opt(argc, argv, &i, "--out", &v))) {
            if (m < 0)
                return 1;
            a.out = v;
        } else if ((m = cli_opt(argc, argv, &i, "--tx-out", &v))) {
            if (m < 0)
                return 1;
            a.tx_out = v;
        } else if ((m = cli_opt(argc, argv, &i, "--redirect-out", &v))) {
            if (m < 0)
                return 1;
            a.redirect_out = v;
        } else if ((m = cli_opt(argc, argv, &i, "--netdev", &v))) {
            if (m < 0)
                return 1;
            if (a.netdev_cnt == RUN_MAX_NETDEVS)
                return cli_error("--netdev: at most %d devices", RUN_MAX_NETDEVS);
            if (parse_netdev(v, &a.netdevs[a.netdev_cnt]))
                return 1;
            a.netdev_cnt++;
        } else if ((m = cli_opt(argc, argv, &i, "--ifindex", &v))) {
            uint64_t ifi;
            if (m < 0)
                return 1;
            if (cli_parse_u64(v, &ifi) || ifi > UINT32_MAX)
                return cli_error("--ifindex needs a device index, not '%s'", v);
            a.ifindex = (uint32_t)ifi;
        } else if (!strcmp(argv[i], "--json")) {
            a.json = 1;
        } else if (!strcmp(argv[i], "--progress")) {
            a.progress = 1;
        } else if (argv[i][0] == '-' || a.path) {
            return cli_bad_arg(argv[i]);
        } else {
            a.path = argv[i];
        }
    }
    if (!a.path)
        return cli_error("missing object file (see 'pbpf run --help')");
    if (a.data_hex && a.pcap_in)
        return cli_error("--data-in and --pcap exclude each other");
    if ((a.out || a.tx_out || a.redirect_out) && !a.pcap_in)
        return cli_error("--out, --tx-out and --redirect-out go with --pcap");
    if ((a.netdev_cnt || a.ifindex) && !a.pcap_in)
        return cli_error("--netdev and --ifindex go with --pcap");
    if (a.engine == PBPF_ENGINE_JIT && !a.mode_given)
        a.mode = PBPF_MODE_VERIFIED;
    struct cli_obj *o;
    if (cli_obj_get(a.path, &o))
        return 1;
    int idx = cli_obj_find_prog(o, a.prog);
    if (idx < 0)
        return 1;
    const struct pbpf_object_prog *p = pbpf_object_prog(o->obj, (size_t)idx);
    struct pbpf_prog *prog = pbpf_object_prog_handle(o->obj, (size_t)idx), *own = NULL;
    if (!prog)
        return cli_error("%s: program '%s' is not loaded", a.path, p->name);
    if (a.engine != PBPF_ENGINE_INTERP || a.mode != PBPF_MODE_CHECKED) {
        /* the same relocated instructions and maps, on the engine asked for */
        const struct pbpf_insn *insns;
        size_t cnt, map_cnt;
        struct pbpf_map *const *maps;
        char log[1024] = "";
        pbpf_object_prog_xlated(o->obj, (size_t)idx, &insns, &cnt);
        pbpf_object_prog_maps(o->obj, (size_t)idx, &maps, &map_cnt);
        PBPF_OPTS(pbpf_prog_opts, po, .engine = a.engine, .mode = a.mode, .name = p->name,
                  .log_buf = log, .log_size = sizeof log, .maps = maps, .map_cnt = map_cnt,
                  .prog_type = p->prog_type, .expected_attach_type = p->expected_attach_type,
                  .license = pbpf_object_license(o->obj), .line_info = p->line_info,
                  .line_info_cnt = p->line_info_cnt);
        int rc = pbpf_prog_load(o->rt, insns, cnt, &po, &own);
        if (rc)
            return cli_error("%s: cannot load '%s' on %s/%s: %s", a.path, p->name,
                             cli_engine_name(a.engine), cli_mode_name(a.mode),
                             log[0] ? log : strerror(-rc));
        prog = own;
    }
    int status = a.pcap_in ? run_pcap(o, p, prog, &a) : run_once(o, p, prog, &a);
    pbpf_prog_free(own);
    if (!status && fflush(stdout))
        return cli_error("cannot write the output");
    return status;
}
