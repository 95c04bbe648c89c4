/* Every vector in conformance/negative/ sets one field that RFC 9669 says
 * must be zero; its name says which: unused-<insn>-<field>.data with field
 * offset, src, imm or dst.  Each must be rejected at load time (structural
 * validation, RFC 9669 §3 and the per-class sections of §4-§5), and the
 * message must name that field: some vectors fail for other reasons too
 * (README §5), which would otherwise hide a validator that ignores the
 * field. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "pbpf/pbpf.h"

/* The message names `field` as the culprit: "<field> must be 0" or
 * "invalid <field>" (the validator's two phrasings). */
static int names_field(const char *msg, const char *field)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "%s must be 0", field);
    snprintf(b, sizeof b, "invalid %s", field);
    return strstr(msg, a) || strstr(msg, b);
}

static int check_one(struct pbpf_runtime *rt, const char *dir, const char *file)
{
    char path[1024], err[256] = "", field[32];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    /* unused-<insn>-<field>.data: the field is after the last '-' */
    const char *dash = strrchr(file, '-');
    const char *dot = strrchr(file, '.');
    if (!dash || !dot || dot < dash || (size_t)(dot - dash - 1) >= sizeof field) {
        printf("FAIL %s: name is not unused-<insn>-<field>.data\n", file);
        return 1;
    }
    memcpy(field, dash + 1, (size_t)(dot - dash - 1));
    field[dot - dash - 1] = '\0';
    if (strcmp(field, "offset") && strcmp(field, "src") && strcmp(field, "imm") &&
        strcmp(field, "dst")) {
        printf("FAIL %s: unknown field '%s' in the name\n", file, field);
        return 1;
    }

    struct pbpf_cfile cf;
    if (pbpf_cfile_load(path, &cf, err, sizeof err)) {
        printf("FAIL %s: cannot read: %s\n", file, err);
        return 1;
    }
    int bad = 0;
    if (!cf.has_error) {
        printf("FAIL %s: the vector has no `-- error` section\n", file);
        bad = 1;
    }
    for (enum pbpf_mode mode = PBPF_MODE_CHECKED; !bad && mode <= PBPF_MODE_VERIFIED; mode++) {
        struct pbpf_prog *prog = NULL;
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, opts, .preverified = 1,
                  .mode = mode, .log_buf = err, .log_size = sizeof err);
        err[0] = '\0';
        int rc = pbpf_prog_load(rt, cf.insns, cf.insn_cnt, &opts, &prog);
        if (rc == 0) {
            printf("FAIL %s: loaded, but its %s field is not zero\n", file, field);
            pbpf_prog_free(prog);
            bad = 1;
        } else if (!names_field(err, field)) {
            printf("FAIL %s: rejected for another reason than its %s field: %s\n", file, field,
                   err);
            bad = 1;
        } else if (strncmp(err, "insn 0: ", 8) != 0) {
            /* the faulty instruction is always the first of the two */
            printf("FAIL %s: the message does not point at insn 0: %s\n", file, err);
            bad = 1;
        } else if (mode == PBPF_MODE_CHECKED) {
            printf("PASS %s: %s\n", file, err);
        }
    }
    pbpf_cfile_free(&cf);
    return bad;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s NEGATIVE_DIR\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256)
        if (!strncmp(e->d_name, "unused-", 7) && strstr(e->d_name, ".data"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);

    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        fprintf(stderr, "cannot create a runtime\n");
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        failed += check_one(rt, argv[1], names[i]);
        free(names[i]);
    }
    pbpf_runtime_free(rt);
    printf("%zu vectors, %d failed\n", n, failed);
    /* README §5 of the suite: 45 vectors; fewer means the directory is wrong */
    if (n < 45) {
        printf("FAIL: expected the 45 vectors of negative/, found %zu\n", n);
        return 1;
    }
    return failed ? 1 : 0;
}
