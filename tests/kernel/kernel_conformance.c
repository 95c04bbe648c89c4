/* Differential conformance test against Linux: every ISA vector of the
 * conformance suite runs in the kernel (kdiff: an XDP program run with
 * BPF_PROG_TEST_RUN) and in pbpf's checked interpreter; both r0 values must
 * equal the file's expected result, and the memory both leave behind must
 * be the same.  The vectors the kernel's verifier refuses are printed with
 * its reason and must be exactly those kernel-6.18.tsv records as refused.
 * Every malformed vector of negative/ must be refused by both.
 *
 *   kernel_conformance <conformance dir>
 *
 * Skips (77) where bpf() is unavailable. */
#include <stdio.h>

#if !defined(__linux__)
int main(void)
{
    printf("kernel_conformance: SKIP: needs Linux bpf()\n");
    return 77;
}
#else
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "kbpf.h"
#include "kdiff.h"

/* one line of kernel-6.18.tsv: verdict, file name, the kernel's reason */
struct verdict {
    char name[128];
    int rejected;
    char reason[256];
    int seen;
};

struct verdicts {
    struct verdict *v;
    size_t n, cap;
};

static struct pbpf_runtime *rt;
static int failures;

static void fail(const char *name, const char *fmt, const char *detail)
{
    printf("FAIL %s: ", name);
    printf(fmt, detail);
    printf("\n");
    failures++;
}

/* Reads the verdicts of the main section (the lines before the
 * "# negative/" comment). */
static int read_verdicts(const char *path, struct verdicts *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("cannot open %s: %s\n", path, strerror(errno));
        return -errno;
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "# negative/", 11) == 0)
            break;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *tab1 = strchr(line, '\t');
        if (!tab1)
            continue;
        *tab1 = '\0';
        char *name = tab1 + 1;
        char *tab2 = strchr(name, '\t');
        if (tab2)
            *tab2 = '\0';
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 256;
            struct verdict *nv = realloc(out->v, cap * sizeof *nv);
            if (!nv) {
                fclose(f);
                return -ENOMEM;
            }
            out->v = nv;
            out->cap = cap;
        }
        struct verdict *v = &out->v[out->n++];
        memset(v, 0, sizeof *v);
        snprintf(v->name, sizeof v->name, "%s", name);
        v->rejected = strcmp(line, "REJECT") == 0;
        snprintf(v->reason, sizeof v->reason, "%s", tab2 ? tab2 + 1 : "");
    }
    fclose(f);
    return 0;
}

static struct verdict *find_verdict(struct verdicts *vs, const char *name)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->v[i].name, name) == 0)
            return &vs->v[i];
    return NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the .data files in dir. */
static char **list_data(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".data") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* pbpf's checked interpreter on mem (modified in place) */
static int pbpf_r0(const struct pbpf_cfile *cf, uint8_t *mem, uint64_t *r0, char *err,
                   size_t err_size)
{
    struct pbpf_prog *prog;
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED, .log_buf = err,
              .log_size = err_size);
    int e = pbpf_prog_load(rt, cf->insns, cf->insn_cnt, &po, &prog);
    if (e)
        return e;
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = err_size);
    e = pbpf_prog_run(prog, mem, cf->mem_len, r0, &ro);
    pbpf_prog_free(prog);
    return e;
}

static void run_vector(const char *dir, const char *name, struct verdicts *vs, size_t *passed,
                       size_t *rejected)
{
    char path[8192], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct pbpf_cfile cf;
    if (pbpf_cfile_load(path, &cf, err, sizeof err) != 0) {
        fail(name, "cannot read: %s", err);
        return;
    }
    struct verdict *v = find_verdict(vs, name);
    if (!v) {
        fail(name, "%s", "not in kernel-6.18.tsv");
        pbpf_cfile_free(&cf);
        return;
    }
    v->seen = 1;

    uint8_t *pmem = NULL, *kmem = NULL;
    if (cf.mem) {
        pmem = malloc(cf.mem_len + 1);
        kmem = malloc(cf.mem_len + 1);
        if (!pmem || !kmem) {
            fail(name, "%s", "out of memory");
            goto out;
        }
        memcpy(pmem, cf.mem, cf.mem_len);
    }
    uint64_t pr0 = 0;
    int perr = pbpf_r0(&cf, pmem, &pr0, err, sizeof err);
    if (perr)
        fail(name, "pbpf: %s", err);
    else if (!cf.has_result || pr0 != cf.result)
        fail(name, "%s", "pbpf's r0 differs from the expected result");

    struct kdiff_result kr = {.mem_out = kmem};
    int kerr = kdiff_run(cf.insns, cf.insn_cnt, cf.mem, cf.mem_len, &kr);
    if (kerr && kr.rejected) {
        (*rejected)++;
        /* the form kernel-6.18.tsv records: "message [strerror(errno)]" */
        char full[512];
        snprintf(full, sizeof full, "%s [%s]", kr.reason, strerror(-kerr));
        printf("REJECT %s: %s\n", name, full);
        if (!v->rejected)
            fail(name, "the kernel rejects it, kernel-6.18.tsv says %s", "PASS");
        else if (strcmp(v->reason, full) != 0)
            fail(name, "kernel-6.18.tsv gives another reason: %s", v->reason);
    } else if (kerr) {
        fail(name, "kernel run failed: %s", kr.reason);
    } else {
        if (v->rejected)
            fail(name, "the kernel accepts it, kernel-6.18.tsv says: %s", v->reason);
        if (!cf.has_result || kr.r0 != cf.result) {
            char got[64];
            snprintf(got, sizeof got, "0x%llx", (unsigned long long)kr.r0);
            fail(name, "kernel r0 %s differs from the expected result", got);
        } else if (!perr && cf.mem && memcmp(pmem, kmem, cf.mem_len) != 0) {
            fail(name, "%s", "memory after the run differs between pbpf and the kernel");
        } else if (!perr && pr0 == kr.r0) {
            (*passed)++;
        }
    }
out:
    free(pmem);
    free(kmem);
    pbpf_cfile_free(&cf);
}

/* A malformed vector: both the kernel and pbpf must refuse to load it. */
static int run_negative(const char *dir, const char *name)
{
    char path[8192], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct pbpf_cfile cf;
    if (pbpf_cfile_load(path, &cf, err, sizeof err) != 0) {
        fail(name, "cannot read: %s", err);
        return 0;
    }
    int ok = 1;
    if (!cf.has_error) {
        fail(name, "%s", "has no -- error section");
        ok = 0;
    }
    struct pbpf_prog *prog = NULL;
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED, .log_buf = err,
              .log_size = sizeof err);
    if (pbpf_prog_load(rt, cf.insns, cf.insn_cnt, &po, &prog) == 0) {
        pbpf_prog_free(prog);
        fail(name, "%s", "pbpf_prog_load accepts it");
        ok = 0;
    }
    struct kdiff_result kr = {0};
    int kerr = kdiff_run(cf.insns, cf.insn_cnt, cf.mem, cf.mem_len, &kr);
    if (!kerr || !kr.rejected) {
        fail(name, "the kernel does not reject it (%s)", kerr ? kr.reason : "ran");
        ok = 0;
    } else {
        printf("REJECT negative/%s: kernel: %s; pbpf: %s\n", name, kr.reason, err);
    }
    pbpf_cfile_free(&cf);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <conformance dir>\n", argv[0]);
        return 2;
    }
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("kernel_conformance: SKIP: %s\n", why);
        return 77;
    }
    const char *dir = argv[1];
    char path[4096];
    struct verdicts vs = {0};
    snprintf(path, sizeof path, "%s/kernel-6.18.tsv", dir);
    if (read_verdicts(path, &vs) != 0 || !vs.n) {
        printf("no verdicts in %s\n", path);
        return 1;
    }
    if (pbpf_runtime_new(NULL, &rt) != 0) {
        printf("pbpf_runtime_new failed\n");
        return 1;
    }

    size_t n = 0, passed = 0, rejected = 0;
    char **names = list_data(dir, &n);
    for (size_t i = 0; i < n; i++)
        run_vector(dir, names[i], &vs, &passed, &rejected);
    free_names(names, n);

    /* the kernel's refusals must be exactly the recorded ones: every vector
     * recorded has to have been run, and refused ones agreed above */
    size_t want_rejected = 0;
    for (size_t i = 0; i < vs.n; i++) {
        want_rejected += (size_t)vs.v[i].rejected;
        if (!vs.v[i].seen)
            fail(vs.v[i].name, "%s", "listed in kernel-6.18.tsv but not found");
    }
    if (n != vs.n || rejected != want_rejected) {
        printf("FAIL: %zu vectors (%zu recorded), %zu rejected by the kernel (%zu recorded)\n", n,
               vs.n, rejected, want_rejected);
        failures++;
    }

    snprintf(path, sizeof path, "%s/negative", dir);
    size_t nneg = 0, neg_ok = 0;
    char **neg = list_data(path, &nneg);
    for (size_t i = 0; i < nneg; i++)
        neg_ok += (size_t)run_negative(path, neg[i]);
    free_names(neg, nneg);
    if (!nneg) {
        printf("FAIL: no vectors in %s\n", path);
        failures++;
    }

    printf("kernel_conformance: %zu vectors: %zu agree (kernel = pbpf = expected), %zu rejected "
           "by the kernel; negative/: %zu of %zu rejected by both; %d failures\n",
           n, passed, rejected, neg_ok, nneg, failures);
    free(vs.v);
    pbpf_runtime_free(rt);
    return failures ? 1 : 0;
}
#endif
