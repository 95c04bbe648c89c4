/* Verifier benchmark: the time pbpf_verify takes on each program of the
 * verifier test suite (tests/verifier/cases.tsv, objects built from
 * tests/progs/verifier), its processed instructions per second and peak
 * memory, beside the kernel's own verification time for the same program
 * of the same object (BPF_PROG_LOAD through libbpf, log_level BPF_LOG_STATS:
 * "verification time N usec") where bpf() works.
 *
 *   bench_verifier MANIFEST OBJDIR [--repeat N] [--all] [--no-kernel]
 *   bench_verifier --objects [--repeat N] [--no-kernel] FILE...
 *
 * --all prints one line per program; otherwise one line per object and the
 * totals.  Programs the loader refuses are counted, not timed.
 *
 * --objects: every program of each object (the test programs of
 * tests/progs, the datapath-style ones among them), one line each: pbpf's
 * time and peak memory beside the kernel's time for the same program.
 * The kernel gets it as a libbpf user gives it (column "via" = btf: the
 * object's BTF, func and line info, map BTF; the program with the
 * programs its object's prog arrays start with), which programs with
 * callbacks, global functions, timers or spin locks need: without BTF the
 * kernel refuses them early and its time says nothing.  Objects libbpf
 * 1.x refuses (legacy maps, iproute2 sections) go through
 * tests/kernel/kobj.h instead (via = nobtf: the object as pbpf's loader
 * made it, maps and relocated programs copied into the kernel, no BTF);
 * a row the kernel refused there for want of BTF is marked and left out
 * of the sums.  pbpf's object is loaded whole (its prog arrays may name
 * any of its programs); untyped sections ("2/1") get tc's type, as tc
 * gives them.
 *
 * Times are the fastest of the runs (pbpf: --repeat runs; the kernel: up
 * to 3 loads): on a shared machine a run that was preempted says nothing
 * about the verifier. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"
#include "platform/platform.h"
#include "vcases.h"
#include "vload.h"
#include "../tests/kernel/klog.h"
#ifdef BENCH_VERIFIER_KOBJ
#include "kbpf.h"
#include "kobj.h"
#endif

/* loads of the same program in the kernel; its fastest time counts */
#define KERNEL_RUNS 3

#ifdef BENCH_VERIFIER_KERNEL
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

static char klog[1 << 20];

/* Loads program prog of the object in path in the kernel through libbpf
 * (BTF, func info, map BTF as a libbpf user gives them), with the
 * programs named in also[] (prog array slots) loaded beside it.  Returns
 * 0 (accepted), the kernel's error, or 1 when libbpf cannot open the
 * object or refused it before the kernel's verifier saw the program.
 * *us = the kernel's verification time (the fastest of KERNEL_RUNS
 * loads), *insns its processed count (-1 when the log does not say);
 * why: the kernel's reason for a rejection. */
static int kernel_verify(const char *path, const char *prog, const char *const *also,
                         size_t nalso, long *us, long *insns, char *why, size_t wn)
{
    *us = *insns = -1;
    why[0] = 0;
    int err = 1;
    for (int run = 0; run < KERNEL_RUNS; run++) {
        struct bpf_object *obj = bpf_object__open_file(path, NULL);
        if (!obj)
            return 1;
        struct bpf_program *p, *want = NULL;
        bpf_object__for_each_program(p, obj)
        {
            const char *name = bpf_program__name(p);
            int me = !strcmp(name, prog), load = me;
            for (size_t i = 0; i < nalso && !load; i++)
                load = !strcmp(name, also[i]);
            bpf_program__set_autoload(p, load);
            if (me)
                want = p;
        }
        if (!want) {
            bpf_object__close(obj);
            return 1;
        }
        /* maps are made, not pinned (no /sys/fs/bpf state, none needed) */
        struct bpf_map *m;
        bpf_object__for_each_map(m, obj)
            bpf_map__set_pin_path(m, NULL);
        klog[0] = 0;
        bpf_program__set_log_buf(want, klog, sizeof klog);
        bpf_program__set_log_level(want, 4); /* BPF_LOG_STATS */
        err = bpf_object__load(obj);
        bpf_object__close(obj);
        if (err && !klog[0])
            return 1; /* libbpf refused it (a section it has no type for, ...) */
        long u, processed;
        klog_stats(klog, &u, &processed);
        if (u >= 0 && (*us < 0 || u < *us))
            *us = u;
        if (processed >= 0)
            *insns = processed;
        if (err) /* one line of the table: at most 120 characters */
            klog_reason(klog, why, wn < 121 ? wn : 121);
    }
    return err;
}

static int kernel_available(void)
{
    struct bpf_insn prog[] = {
        {.code = 0xb7, .dst_reg = 0, .imm = 0},
        {.code = 0x95},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", prog, 2, NULL);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}
#endif

struct sums {
    size_t progs, accepted, refused, kernel_progs, kernel_accepted;
    double ns;         /* pbpf verification time, all programs the verifier saw */
    uint64_t insns;    /* pbpf processed insns */
    double kernel_us;  /* kernel verification time of the programs timed there */
    double pbpf_ns_k;  /* pbpf time of those same programs */
    size_t both;       /* programs both verifiers accepted, and their times */
    double both_ns, both_kernel_us;
    size_t peak_mem;
};

static void sums_line(const char *name, const struct sums *s, int kernel)
{
    printf("%-24s %5zu %5zu %5zu %11.1f %12" PRIu64 " %10.2f %8zu", name, s->progs, s->accepted,
           s->refused, s->ns / 1000.0, s->insns, s->ns > 0 ? (double)s->insns / s->ns * 1e3 : 0.0,
           s->peak_mem / 1024);
    if (kernel && s->kernel_progs)
        printf(" %5zu %11.1f %11.1f %7.2f", s->kernel_accepted, s->kernel_us,
               s->pbpf_ns_k / 1000.0, s->kernel_us > 0 ? s->pbpf_ns_k / 1000.0 / s->kernel_us : 0);
    printf("\n");
}

static void sums_add(struct sums *a, const struct sums *b)
{
    a->progs += b->progs;
    a->accepted += b->accepted;
    a->refused += b->refused;
    a->kernel_progs += b->kernel_progs;
    a->kernel_accepted += b->kernel_accepted;
    a->ns += b->ns;
    a->insns += b->insns;
    a->kernel_us += b->kernel_us;
    a->pbpf_ns_k += b->pbpf_ns_k;
    a->both += b->both;
    a->both_ns += b->both_ns;
    a->both_kernel_us += b->both_kernel_us;
    if (b->peak_mem > a->peak_mem)
        a->peak_mem = b->peak_mem;
}

#define SCHED_CLS 3 /* BPF_PROG_TYPE_SCHED_CLS */

/* pbpf_verify on vl, repeat times: the fastest run in ns; the stats and
 * the verdict of the last one. */
static double time_verify(const struct vload *vl, const struct pbpf_verifier_opts *vo,
                          struct pbpf_verifier_stats *st, int repeat, int *vrc)
{
    double best = 0;
    for (int r = 0; r < repeat; r++) {
        uint64_t t0 = pbpf_time_mono_ns();
        *vrc = pbpf_verify(vl->insns, vl->cnt, vo, st);
        double ns = (double)(pbpf_time_mono_ns() - t0);
        if (r == 0 || ns < best)
            best = ns;
    }
    return best;
}

/* Loads the object in path whole, in checked mode (relocation only: the
 * verifier runs below, timed). */
static struct pbpf_object *load_whole(struct pbpf_runtime *rt, const char *path, char *msg,
                                      size_t msz)
{
    size_t len;
    void *buf = vcase_read_file(path, &len);
    struct pbpf_object *o = NULL;
    int rc = buf ? vload_object(buf, len, &o, msg, msz) : -ENOENT;
    free(buf);
    if (rc)
        return NULL;
    for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
        if (!pbpf_object_prog(o, i)->type_known)
            pbpf_object_set_prog_type(o, i, SCHED_CLS, 0);
    PBPF_OPTS(pbpf_object_load_opts, lo, .mode = PBPF_MODE_CHECKED, .log_buf = msg,
              .log_size = msz, .pin_root_path = "/bench_verifier");
    if (pbpf_object_load(o, rt, &lo)) {
        pbpf_object_close(o);
        return NULL;
    }
    return o;
}

#ifdef BENCH_VERIFIER_KOBJ
struct kresult {
    int rc;          /* 0 accepted, the kernel's error, 1: not loaded */
    long us, insns;  /* -1: unknown */
    const char *via; /* "btf" (libbpf), "nobtf" (kobj), "-" */
    char why[200];
};

/* Program i of pbpf's object o (from path) in the kernel: through libbpf
 * with BTF when libbpf takes the object, else copied by kobj (opened on
 * first use: *have_ko 1 open, -1 failed). */
static struct kresult kernel_object_prog(const char *path, const struct pbpf_object *o, size_t i,
                                         struct kobj *ko, int *have_ko)
{
    struct kresult k = {.rc = 1, .us = -1, .insns = -1, .via = "-"};
    const struct pbpf_object_prog *op = pbpf_object_prog(o, i);
#ifdef BENCH_VERIFIER_KERNEL
    /* the programs prog arrays start with are loaded beside it: libbpf,
     * as pbpf's loader, refuses a slot whose program is not loaded */
    const char *also[64];
    size_t nalso = 0;
    for (size_t m = 0; m < pbpf_object_map_cnt(o); m++) {
        const struct pbpf_object_map *om = pbpf_object_map(o, m);
        if (om->type != PBPF_MAP_TYPE_PROG_ARRAY)
            continue;
        for (size_t s = 0; s < om->init_slot_cnt && nalso < 64; s++)
            if (om->init_slots[s].target < pbpf_object_prog_cnt(o))
                also[nalso++] = pbpf_object_prog(o, om->init_slots[s].target)->name;
    }
    k.rc = kernel_verify(path, op->name, also, nalso, &k.us, &k.insns, k.why, sizeof k.why);
    if (k.rc != 1) {
        k.via = "btf";
        return k;
    }
    k.us = k.insns = -1;
#endif
    if (!*have_ko) {
        *have_ko = kobj_open(ko, o, k.why, sizeof k.why) == 0 ? 1 : -1;
        if (*have_ko < 0)
            return k;
    }
    if (*have_ko < 0) {
        snprintf(k.why, sizeof k.why, "the object's maps were not copied");
        return k;
    }
    k.via = "nobtf";
    for (int run = 0; run < KERNEL_RUNS; run++) {
        long us = -1, insns = -1;
        int fd = kobj_load_prog(ko, i, op->prog_type, op->expected_attach_type, &us, &insns,
                                k.why, sizeof k.why);
        k.rc = fd < 0 ? fd : 0;
        if (us >= 0 && (k.us < 0 || us < k.us))
            k.us = us;
        k.insns = insns;
    }
    return k;
}
#endif

static int bench_objects(int argc, char **argv, int first, int repeat, int kernel)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 2;
#ifdef BENCH_VERIFIER_KOBJ
    char why[256];
    if (kernel && !kbpf_probe(why, sizeof why)) {
        printf("no kernel times: %s\n", why);
        kernel = 0;
    }
#ifdef BENCH_VERIFIER_KERNEL
    libbpf_set_print(quiet);
#endif
#else
    if (kernel)
        printf("built without the kernel harness: no kernel times\n");
    kernel = 0;
#endif
    static char log[1 << 16];
    printf("pbpf_verify on every program of %d objects (fastest of %d runs)%s\n\n",
           argc - first, repeat,
           kernel ? "; kernel: BPF_PROG_LOAD of the same program (fastest of 3), through "
                    "libbpf with BTF (via btf) or copied without it (via nobtf)"
                  : "");
    printf("%-22s %-24s %6s %-6s %10s %9s %8s", "object", "program", "insns", "pbpf", "us",
           "processed", "peak KiB");
    if (kernel)
        printf("  %-5s %-6s %10s %9s %7s", "via", "kernel", "us", "processed", "ratio");
    printf("\n");
    size_t progs = 0, timed = 0, both = 0, slower = 0;
    double ns_all = 0, ns_both = 0, kus_both = 0;
    size_t peak_all = 0;
    for (int a = first; a < argc; a++) {
        char msg[256] = "";
        const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        struct pbpf_object *o = load_whole(rt, argv[a], msg, sizeof msg);
        if (!o) {
            printf("%-22s %-24s %6s %-6s (%s)\n", base, "*", "-", "loader", msg);
            continue;
        }
#ifdef BENCH_VERIFIER_KOBJ
        struct kobj ko;
        int have_ko = 0; /* -1: kobj_open failed */
#endif
        for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++) {
            const struct pbpf_object_prog *op = pbpf_object_prog(o, i);
            struct vload vl = {0};
            if (pbpf_object_prog_xlated(o, i, &vl.insns, &vl.cnt) ||
                pbpf_object_prog_maps(o, i, &vl.maps, &vl.map_cnt))
                continue;
            vl.prog = op;
            vl.prog_type = op->prog_type;
            vl.attach_type = op->expected_attach_type;
            vl.gpl = vload_license_gpl(pbpf_object_license(o));
            PBPF_OPTS(pbpf_verifier_opts, vo, .log_buf = log, .log_size = sizeof log);
            vload_verifier_opts(&vl, &vo);
            struct pbpf_verifier_stats st = {0};
            int vrc = 0;
            double ns = time_verify(&vl, &vo, &st, repeat, &vrc);
            progs++;
            ns_all += ns;
            if (st.peak_mem > peak_all)
                peak_all = st.peak_mem;
            printf("%-22s %-24s %6zu %-6s %10.1f %9" PRIu64 " %8zu", base, op->name, vl.cnt,
                   vrc ? "reject" : "accept", ns / 1000.0, st.processed_insns,
                   (st.peak_mem + 1023) / 1024);
#ifdef BENCH_VERIFIER_KOBJ
            if (kernel) {
                struct kresult k = kernel_object_prog(argv[a], o, i, &ko, &have_ko);
                printf("  %-5s %-6s %10ld %9ld", k.via,
                       k.rc == 1 ? "-" : k.rc ? "reject" : "accept", k.us, k.insns);
                if (k.us > 0)
                    printf(" %7.2f", ns / 1000.0 / (double)k.us);
                /* refused for want of BTF: the kernel's time says nothing */
                bool nobtf = k.rc < 0 && !vrc && !strcmp(k.via, "nobtf") &&
                             (strstr(k.why, "BTF") || strstr(k.why, "btf"));
                if (nobtf)
                    printf("  (not compared: the kernel needs BTF here: %s)", k.why);
                else if (k.rc)
                    printf("  (%s)", k.why);
                if (k.us >= 0 && !nobtf)
                    timed++;
                if (!k.rc && !vrc && k.us >= 0) {
                    both++;
                    ns_both += ns;
                    kus_both += (double)k.us;
                    /* the kernel's clock has 1 us steps */
                    slower += ns / 1000.0 > (double)(k.us < 1 ? 1 : k.us);
                }
            }
#endif
            if (vrc)
                printf("  [%s]", log);
            printf("\n");
        }
#ifdef BENCH_VERIFIER_KOBJ
        if (have_ko > 0)
            kobj_close(&ko);
#endif
        pbpf_object_close(o);
    }
    printf("\n%zu programs, %.1f us of pbpf verification in all, peak verifier memory %zu KiB\n",
           progs, ns_all / 1000.0, (peak_all + 1023) / 1024);
    if (kernel)
        printf("kernel timed %zu; both accept %zu: pbpf %.1f us, kernel %.1f us (ratio %.2f); "
               "pbpf slower than the kernel on %zu of them\n",
               timed, both, ns_both / 1000.0, kus_both, kus_both > 0 ? ns_both / 1000.0 / kus_both : 0,
               slower);
    pbpf_runtime_free(rt);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--objects")) {
        int repeat = 20, kernel = 1, i = 2;
        for (; i < argc; i++) {
            if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
                repeat = atoi(argv[++i]);
            else if (!strcmp(argv[i], "--no-kernel"))
                kernel = 0;
            else
                break;
        }
        return bench_objects(argc, argv, i, repeat < 1 ? 1 : repeat, kernel);
    }
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s MANIFEST OBJDIR [--repeat N] [--all] [--no-kernel]\n"
                "       %s --objects [--repeat N] [--no-kernel] FILE...\n",
                argv[0], argv[0]);
        return 2;
    }
    int repeat = 20, all = 0, kernel = 1;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--all"))
            all = 1;
        else if (!strcmp(argv[i], "--no-kernel"))
            kernel = 0;
        else {
            fprintf(stderr, "unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (repeat < 1)
        repeat = 1;
#ifdef BENCH_VERIFIER_KERNEL
    libbpf_set_print(quiet);
    if (kernel && !kernel_available()) {
        printf("bpf() is not available here: no kernel times\n");
        kernel = 0;
    }
#else
    if (kernel)
        printf("built without libbpf: no kernel times\n");
    kernel = 0;
#endif
    struct vcases cs;
    if (vcases_read(argv[1], &cs))
        return 2;
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        vcases_free(&cs);
        return 2;
    }
    static char log[1 << 16];
    printf("pbpf_verify on %s (fastest of %d runs per program)%s\n\n", argv[2], repeat,
           kernel ? "; kernel: BPF_PROG_LOAD of the same program of the same object "
                    "(fastest of 3)"
                  : "");
    if (all)
        printf("%-22s %-34s %-6s %10s %9s %10s  %-6s %10s %9s\n", "object", "program", "pbpf",
               "us", "insns", "Minsn/s", "kernel", "us", "insns");
    struct sums total = {0}, obj = {0};
    char cur[64] = "";
    for (size_t i = 0; i <= cs.cnt; i++) {
        const struct vcase *c = i < cs.cnt ? &cs.v[i] : NULL;
        if (c && c->caps != VCASE_ROOT)
            continue;
        if (!c || strcmp(cur, c->object)) {
            if (cur[0]) {
                if (!all)
                    sums_line(cur, &obj, kernel);
                sums_add(&total, &obj);
            }
            if (!c)
                break;
            if (!cur[0] && !all) {
                printf("%-24s %5s %5s %5s %11s %12s %10s %8s", "object", "progs", "acc", "ldr",
                       "pbpf us", "insns", "Minsn/s", "peak KiB");
                if (kernel)
                    printf(" %5s %11s %11s %7s", "k.acc", "kernel us", "pbpf us*", "ratio");
                printf("\n");
            }
            snprintf(cur, sizeof cur, "%s", c->object);
            memset(&obj, 0, sizeof obj);
        }
        char path[4096], msg[256];
        snprintf(path, sizeof path, "%s/%s", argv[2], c->object);
        size_t len;
        void *buf = vcase_read_file(path, &len);
        struct pbpf_object *o = NULL;
        struct vload vl = {0};
        int rc = buf ? vload_object(buf, len, &o, msg, sizeof msg) : -ENOENT;
        free(buf);
        int idx = rc ? -1 : pbpf_object_find_prog(o, c->program);
        if (!rc && idx < 0) {
            pbpf_object_close(o);
            rc = -ENOENT;
        }
        if (!rc)
            rc = vload_prog(rt, o, (size_t)idx, 0, &vl, msg, sizeof msg);
        obj.progs++;
        double ns = 0;
        struct pbpf_verifier_stats st = {0};
        int vrc = rc;
        if (rc) {
            obj.refused++;
        } else {
            PBPF_OPTS(pbpf_verifier_opts, vo, .log_buf = log, .log_size = sizeof log);
            vload_verifier_opts(&vl, &vo);
            ns = time_verify(&vl, &vo, &st, repeat, &vrc);
            obj.ns += ns;
            obj.insns += st.processed_insns;
            obj.accepted += vrc == 0;
            if (st.peak_mem > obj.peak_mem)
                obj.peak_mem = st.peak_mem;
        }
        vload_close(&vl);
        long kus = -1, kinsns = -1;
        int krc = 0;
#ifdef BENCH_VERIFIER_KERNEL
        if (kernel) {
            char why[160];
            krc = kernel_verify(path, c->program, NULL, 0, &kus, &kinsns, why, sizeof why);
            if (krc == 1)
                kus = kinsns = -1; /* libbpf refused it: no kernel time */
            if (kus >= 0) {
                obj.kernel_progs++;
                obj.kernel_accepted += krc == 0;
                obj.kernel_us += (double)kus;
                obj.pbpf_ns_k += ns;
                if (!krc && !vrc) {
                    obj.both++;
                    obj.both_ns += ns;
                    obj.both_kernel_us += (double)kus;
                }
            }
        }
#endif
        if (all) {
            printf("%-22s %-34s %-6s %10.2f %9" PRIu64 " %10.2f", c->object, c->program,
                   rc ? "loader" : vrc ? "reject" : "accept", ns / 1000.0, st.processed_insns,
                   ns > 0 ? (double)st.processed_insns / ns * 1e3 : 0.0);
            if (kernel)
                printf("  %-6s %10ld %9ld", krc ? "reject" : "accept", kus, kinsns);
            printf("\n");
        }
    }
    printf("\n");
    sums_line("total", &total, kernel);
    printf("\n%zu programs: pbpf verified %zu (accepted %zu; the loader refused %zu) in %.1f us "
           "in all, %.2f M processed insns/s, peak verifier memory %zu KiB\n",
           total.progs, total.progs - total.refused, total.accepted, total.refused,
           total.ns / 1000.0, total.ns > 0 ? (double)total.insns / total.ns * 1e3 : 0.0,
           total.peak_mem / 1024);
    if (kernel)
        printf("kernel: %zu programs timed (accepted %zu), %.1f us of verification in all; pbpf "
               "on the same programs: %.1f us (ratio %.2f; the kernel's clock has 1 us steps)\n",
               total.kernel_progs, total.kernel_accepted, total.kernel_us,
               total.pbpf_ns_k / 1000.0,
               total.kernel_us > 0 ? total.pbpf_ns_k / 1000.0 / total.kernel_us : 0.0);
    if (kernel)
        printf("programs both accept: %zu; pbpf %.1f us, kernel %.1f us on them\n", total.both,
               total.both_ns / 1000.0, total.both_kernel_us);
    pbpf_runtime_free(rt);
    vcases_free(&cs);
    return 0;
}
