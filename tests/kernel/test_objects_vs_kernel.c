/* The object loader's audit: every program of every object built from
 * tests/progs (*.bpf.c), loaded by pbpf (the object loader in verified mode,
 * the program type its section gives) and by the Linux kernel, must get
 * the same verdict (accepted or rejected), or be listed in `expected`
 * below with the reason the two differ.  The test fails on a difference
 * not listed and on a listed one that has gone (the table must be kept
 * true both ways).
 *
 *   test_objects_vs_kernel [--dump] OBJ...
 *
 * A program is loaded with the programs the object's prog arrays start
 * with (`values` initialisers), on both sides: libbpf, like pbpf's loader,
 * refuses a slot whose program is not loaded.  The kernel side is libbpf
 * (BTF, func info, map BTF, CO-RE and global data as a libbpf user gets
 * them); objects libbpf 1.x does not open (legacy SEC("maps"), iproute2's
 * sections) go through tests/kernel/kobj.h, the object as pbpf's loader
 * made it, copied into the kernel.  --dump prints every program's two
 * verdicts and reasons.  Exits 77 where bpf() is unavailable. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "klog.h"
#include "kobj.h"
#include "pbpf/loader.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"

/* Known differences: object, program, pbpf's verdict ('a'ccept or
 * 'r'eject; the kernel's is the other), and why. */
static const struct expected {
    const char *obj, *prog;
    char pbpf;
    const char *why;
} expected[] = {
#include "objects_vs_kernel.inc"
};
#define N_EXPECTED (sizeof expected / sizeof expected[0])

static char klog[1 << 20];
static unsigned loads;

/* Maps pinned by name live in a name space of the process: each load gets
 * its own, as each libbpf load of the kernel side makes its own maps. */
static const char *pin_root(char *buf, size_t n)
{
    snprintf(buf, n, "/objects_vs_kernel/%u", ++loads);
    return buf;
}
static int dump_mode;

/* The kernel side creates its maps without pinning them: a map with
 * LIBBPF_PIN_BY_NAME would otherwise be pinned under /sys/fs/bpf (left
 * behind, shared by the next load, and refused where no BPF file system is
 * mounted there), none of which the verifier's verdict depends on. */
static void no_pins(struct bpf_object *o)
{
    struct bpf_map *m;
    bpf_object__for_each_map(m, o)
        bpf_map__set_pin_path(m, NULL);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc(n > 0 ? (size_t)n : 1);
    if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*data);
        return -EIO;
    }
    fclose(f);
    *len = (size_t)n;
    return 0;
}

/* Whether program i is loaded with program want: it is want, or one of
 * the object's prog arrays starts with it. */
static bool in_load_set(const struct pbpf_object *o, size_t i, size_t want)
{
    if (i == want)
        return true;
    for (size_t m = 0; m < pbpf_object_map_cnt(o); m++) {
        const struct pbpf_object_map *om = pbpf_object_map(o, m);
        if (om->type != PBPF_MAP_TYPE_PROG_ARRAY)
            continue;
        for (size_t s = 0; s < om->init_slot_cnt; s++)
            if (om->init_slots[s].target == i)
                return true;
    }
    return false;
}

#define SCHED_CLS 3 /* BPF_PROG_TYPE_SCHED_CLS */

/* Sections that name no type ("2/1", "from-netdev") are loaded as tc
 * loads a whole object: as the classifier it is told to load. */
static void tc_types(struct pbpf_object *o)
{
    for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
        if (!pbpf_object_prog(o, i)->type_known)
            pbpf_object_set_prog_type(o, i, SCHED_CLS, 0);
}

/* pbpf: program want of the object in buf, verified, in a runtime of its
 * own (maps pinned by an earlier load would otherwise be shared).  0 or
 * the error. */
static int pbpf_load(const char *buf, size_t len, size_t want, char *why, size_t wn)
{
    struct pbpf_runtime *rt;
    struct pbpf_object *o;
    if (pbpf_runtime_new(NULL, &rt))
        return -ENOMEM;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = why, .log_size = wn);
    int rc = pbpf_object_open_mem(buf, len, &oo, &o);
    if (rc) {
        pbpf_runtime_free(rt);
        return rc;
    }
    tc_types(o);
    for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
        pbpf_object_set_autoload(o, i, in_load_set(o, i, want));
    char pins[64];
    PBPF_OPTS(pbpf_object_load_opts, lo, .mode = PBPF_MODE_VERIFIED, .log_buf = why,
              .log_size = wn, .pin_root_path = pin_root(pins, sizeof pins));
    rc = pbpf_object_load(o, rt, &lo);
    pbpf_object_close(o);
    pbpf_runtime_free(rt);
    return rc;
}

/* The kernel through libbpf: program `name` and its load set.  0, the
 * kernel's error, or 1 when libbpf cannot open the object or refuses the
 * program itself (the kernel then gets it through kobj). */
static int libbpf_load(const char *path, const struct pbpf_object *po, size_t want, char *why,
                       size_t wn)
{
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    if (!o)
        return 1;
    struct bpf_program *wp = NULL;
    for (size_t i = 0; i < pbpf_object_prog_cnt(po); i++) {
        const char *name = pbpf_object_prog(po, i)->name;
        struct bpf_program *p = bpf_object__find_program_by_name(o, name);
        if (!p)
            continue;
        bpf_program__set_autoload(p, in_load_set(po, i, want));
        if (i == want)
            wp = p;
    }
    struct bpf_program *p;
    bpf_object__for_each_program(p, o)
    {
        bool known = false;
        for (size_t i = 0; i < pbpf_object_prog_cnt(po); i++)
            known |= !strcmp(pbpf_object_prog(po, i)->name, bpf_program__name(p));
        if (!known)
            bpf_program__set_autoload(p, false);
    }
    if (!wp) {
        bpf_object__close(o);
        snprintf(why, wn, "libbpf does not see the program");
        return -ENOENT;
    }
    no_pins(o);
    klog[0] = 0;
    bpf_program__set_log_buf(wp, klog, sizeof klog);
    bpf_program__set_log_level(wp, 1);
    int err = bpf_object__load(o);
    bpf_object__close(o);
    if (err && !klog[0]) {
        /* libbpf refused before the kernel's verifier saw the program
         * (a section libbpf 1.x has no type for, ...) */
        snprintf(why, wn, "libbpf: %s", strerror(-err));
        return 1;
    }
    if (err)
        klog_reason(klog, why, wn < 201 ? wn : 201);
    return err;
}

/* The kernel through kobj, for programs libbpf does not take: program
 * want and its load set as pbpf's loader relocates them (checked mode),
 * copied into the kernel.  0, the kernel's error, or 1 when the copy
 * cannot be made (why says why). */
static int kobj_verdict(const char *buf, size_t len, size_t want, char *why, size_t wn)
{
    struct pbpf_runtime *rt;
    struct pbpf_object *o;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    int rc = 1;
    if (!pbpf_object_open_mem(buf, len, NULL, &o)) {
        tc_types(o);
        for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
            pbpf_object_set_autoload(o, i, in_load_set(o, i, want));
        char pins[64];
        PBPF_OPTS(pbpf_object_load_opts, lo, .mode = PBPF_MODE_CHECKED, .log_buf = why,
                  .log_size = wn, .pin_root_path = pin_root(pins, sizeof pins));
        struct kobj ko;
        if (!pbpf_object_load(o, rt, &lo) && !kobj_open(&ko, o, why, wn)) {
            const struct pbpf_object_prog *p = pbpf_object_prog(o, want);
            int fd = kobj_load_prog(&ko, want, p->prog_type, p->expected_attach_type, NULL, NULL,
                                    why, wn);
            rc = fd < 0 ? fd : 0;
            kobj_close(&ko);
        }
        pbpf_object_close(o);
    }
    pbpf_runtime_free(rt);
    return rc;
}

struct tally {
    size_t objects, programs, agree, listed, failures;
    bool *seen;
};

static const struct expected *find_expected(const char *obj, const char *prog)
{
    for (size_t i = 0; i < N_EXPECTED; i++)
        if (!strcmp(expected[i].obj, obj) && !strcmp(expected[i].prog, prog))
            return &expected[i];
    return NULL;
}

static void verdicts(struct tally *t, const char *base, const char *prog, int prc,
                     const char *pwhy, int krc, const char *kwhy)
{
    t->programs++;
    bool pa = prc == 0, ka = krc == 0;
    const struct expected *x = find_expected(base, prog);
    if (x)
        t->seen[x - expected] = true;
    if (dump_mode)
        printf("%-22s %-26s pbpf %-6s kernel %-6s%s\n    pbpf: %s\n    kernel: %s\n", base,
               prog, pa ? "accept" : "reject", ka ? "accept" : "reject",
               pa == ka ? "" : "  DIFFER", pa ? "" : pwhy, ka ? "" : kwhy);
    if (pa == ka) {
        t->agree++;
        if (x) {
            printf("FAIL: %s %s: listed as a difference, but both %s now: drop it from "
                   "objects_vs_kernel.inc\n",
                   base, prog, pa ? "accept" : "reject");
            t->failures++;
        }
        return;
    }
    if (x && x->pbpf == (pa ? 'a' : 'r')) {
        t->listed++;
        return;
    }
    printf("FAIL: %s %s: pbpf %s, kernel %s\n    pbpf: %s\n    kernel: %s\n", base, prog,
           pa ? "accepts" : "rejects", ka ? "accepts" : "rejects", pa ? "-" : pwhy,
           ka ? "-" : kwhy);
    t->failures++;
}

static void audit_object(struct tally *t, const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *buf = NULL;
    size_t len = 0;
    char pwhy[512], kwhy[512];
    if (read_file(path, &buf, &len)) {
        printf("FAIL: cannot read %s\n", path);
        t->failures++;
        return;
    }
    t->objects++;
    struct pbpf_object *po;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = pwhy, .log_size = sizeof pwhy);
    if (pbpf_object_open_mem(buf, len, &oo, &po)) {
        /* the whole object: one verdict, against libbpf's open */
        struct bpf_object *ko = bpf_object__open_file(path, NULL);
        if (ko)
            no_pins(ko);
        int krc = ko ? bpf_object__load(ko) : -EINVAL;
        snprintf(kwhy, sizeof kwhy, "libbpf: %s", ko ? strerror(-krc) : "cannot open");
        if (ko)
            bpf_object__close(ko);
        verdicts(t, base, "*", -EINVAL, pwhy, krc, kwhy);
        free(buf);
        return;
    }
    for (size_t i = 0; i < pbpf_object_prog_cnt(po); i++) {
        const struct pbpf_object_prog *op = pbpf_object_prog(po, i);
        pwhy[0] = kwhy[0] = 0;
        int prc = pbpf_load(buf, len, i, pwhy, sizeof pwhy);
        int krc = libbpf_load(path, po, i, kwhy, sizeof kwhy);
        if (krc == 1) {
            /* libbpf refused it: the kernel gets it from another loader
             * (kobj); when pbpf's loader cannot relocate it either, no
             * loader at hand gets it into the kernel: refused */
            char lwhy[512];
            snprintf(lwhy, sizeof lwhy, "%s", kwhy);
            krc = kobj_verdict(buf, len, i, kwhy, sizeof kwhy);
            if (krc == 1) {
                snprintf(kwhy, sizeof kwhy, "%.200s (and no kernel copy: %.200s)", lwhy, pwhy);
                krc = -EINVAL;
            }
        }
        verdicts(t, base, op->name, prc, pwhy, krc, kwhy);
    }
    pbpf_object_close(po);
    free(buf);
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && !strcmp(argv[1], "--dump")) {
        dump_mode = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--dump] OBJ...\n", argv[0]);
        return 2;
    }
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("SKIP: no bpf() to compare with: %s\n", why);
        return 77;
    }
    libbpf_set_print(quiet_print);
    struct tally t = {0};
    t.seen = calloc(N_EXPECTED + 1, sizeof *t.seen);
    if (!t.seen)
        return 2;
    for (int a = first; a < argc; a++)
        audit_object(&t, argv[a]);
    /* a listed program that is not in the objects any more */
    for (size_t i = 0; i < N_EXPECTED; i++) {
        bool audited = false;
        for (int a = first; a < argc; a++) {
            const char *b = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
            audited |= !strcmp(b, expected[i].obj);
        }
        if (audited && !t.seen[i]) {
            printf("FAIL: %s %s is listed but was not audited\n", expected[i].obj,
                   expected[i].prog);
            t.failures++;
        }
    }
    printf("%zu objects, %zu programs: %zu same verdict, %zu listed differences, %zu "
           "failures\n",
           t.objects, t.programs, t.agree, t.listed, t.failures);
    free(t.seen);
    return t.failures ? 1 : 0;
}
