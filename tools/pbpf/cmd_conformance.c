/* pbpf conformance: run conformance test files (.data, README §1 of the
 * bpf_conformance suite) on one engine and report one line per test. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "cli.h"

static void conformance_usage(void)
{
    printf("Usage: pbpf conformance [--engine interp|jit] [--mode checked|verified] [--json]\n"
           "                        [--verbose] [--kernel-verdicts TSV] DIR|FILE...\n\n"
           "Runs every .data file given, or found directly in a directory given, and prints\n"
           "one line per test, \"PASS name\" or \"FAIL name: reason\", then\n"
           "\"N passed, N failed\".  Exits 1 if any test failed.\n\n"
           "A test with `-- result` passes when the program loads, runs and leaves that\n"
           "value in r0 (r1 = a private copy of `-- mem`, r2 = its length).  A test with\n"
           "`-- error` passes when loading or running fails (with a message containing\n"
           "the expected text, when the file gives one).\n\n"
           "  --engine E              interp (default) or jit\n"
           "  --mode M                checked (default for interp) or verified (default\n"
           "                          for jit)\n"
           "  --json                  one JSON object with every test and the totals\n"
           "  --verbose               also show why each rejected program was rejected\n"
           "  --kernel-verdicts TSV   note the tests the Linux verifier rejects, from a\n"
           "                          verdict file (VERDICT<TAB>file<TAB>reason per line)\n");
}

struct verdict {
    char *file;
    char *verdict; /* "PASS", "REJECT", ... */
    char *reason;
};

struct verdicts {
    struct verdict *v;
    size_t n;
    char *text;
};

/* Splits the verdict file in place: lines "VERDICT\tfile\treason", '#'
 * comments. */
static int verdicts_load(const char *path, struct verdicts *vs)
{
    size_t len;
    memset(vs, 0, sizeof *vs);
    int rc = cli_read_file(path, &vs->text, &len);
    if (rc)
        return cli_error("cannot read '%s': %s", path, strerror(-rc));
    size_t cap = 0;
    for (char *line = vs->text; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        char *tab1 = strchr(line, '\t');
        if (line[0] != '#' && tab1) {
            *tab1 = '\0';
            char *file = tab1 + 1, *tab2 = strchr(file, '\t');
            if (tab2)
                *tab2 = '\0';
            if (vs->n == cap) {
                cap = cap ? cap * 2 : 64;
                struct verdict *nv = realloc(vs->v, cap * sizeof *nv);
                if (!nv)
                    return cli_error("out of memory");
                vs->v = nv;
            }
            vs->v[vs->n].verdict = line;
            vs->v[vs->n].file = file;
            vs->v[vs->n].reason = tab2 ? tab2 + 1 : "";
            vs->n++;
        }
        line = next;
    }
    return 0;
}

static const struct verdict *verdicts_find(const struct verdicts *vs, const char *base)
{
    for (size_t i = 0; i < vs->n; i++)
        if (!strcmp(vs->v[i].file, base))
            return &vs->v[i];
    return NULL;
}

struct paths {
    char **p;
    size_t n, cap;
};

static int paths_add(struct paths *ps, const char *dir, const char *name)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 512;
        char **np = realloc(ps->p, cap * sizeof *np);
        if (!np)
            return -ENOMEM;
        ps->p = np;
        ps->cap = cap;
    }
    size_t dl = dir ? strlen(dir) : 0;
    char *s = malloc(dl + strlen(name) + 2);
    if (!s)
        return -ENOMEM;
    if (dir) {
        memcpy(s, dir, dl);
        s[dl] = '/';
        strcpy(s + dl + 1, name);
        /* "dir/" + "/name" would give "//": harmless, but keep it tidy */
        if (dl && (dir[dl - 1] == '/' || dir[dl - 1] == '\\'))
            memmove(s + dl, s + dl + 1, strlen(s + dl + 1) + 1);
    } else {
        strcpy(s, name);
    }
    ps->p[ps->n++] = s;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory contributes its *.data files (not its subdirectories), in
 * name order; anything else is taken as a test file. */
static int collect(const char *arg, struct paths *ps)
{
    DIR *d = opendir(arg);
    if (!d) {
        FILE *f = fopen(arg, "rb");
        if (!f)
            return cli_error("cannot open '%s': %s", arg, strerror(errno));
        fclose(f);
        return paths_add(ps, NULL, arg) ? cli_error("out of memory") : 0;
    }
    size_t first = ps->n;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".data") && paths_add(ps, arg, e->d_name)) {
            closedir(d);
            return cli_error("out of memory");
        }
    }
    closedir(d);
    if (ps->n == first)
        return cli_error("no .data files in '%s'", arg);
    qsort(ps->p + first, ps->n - first, sizeof *ps->p, cmp_str);
    return 0;
}

struct outcome {
    int pass;
    int rejected; /* the engine refused the program (load or run) */
    int linux_rejects; /* verified mode: refused at load as Linux refuses it */
    int has_r0;
    uint64_t r0;
    char reason[400];
};

/* Whether a load error gives Linux's reason for refusing the program (the
 * verdict file's reason without its " [errno text]" suffix). */
static int same_reason(const char *ours, const char *linux_reason)
{
    const char *end = strstr(linux_reason, " [");
    size_t n = end ? (size_t)(end - linux_reason) : strlen(linux_reason);
    char want[256];
    if (!n || n >= sizeof want)
        return 0;
    memcpy(want, linux_reason, n);
    want[n] = '\0';
    return strstr(ours, want) != NULL;
}

/* The verifier log as one line of the report: its lines joined by " | ",
 * trailing newlines dropped. */
static void log_one_line(char *dst, size_t size, const char *prefix, const char *log)
{
    size_t n = (size_t)snprintf(dst, size, "%s", prefix);
    if (n >= size)
        n = size - 1;
    for (const char *s = log; *s && n + 1 < size; s++) {
        if (*s != '\n') {
            dst[n++] = *s;
            continue;
        }
        while (s[1] == '\n')
            s++;
        if (!s[1] || n + 4 >= size)
            break;
        memcpy(dst + n, " | ", 3);
        n += 3;
    }
    if (n < size)
        dst[n] = '\0';
}

static void run_one(struct pbpf_runtime *rt, const char *path, enum pbpf_engine engine,
                    enum pbpf_mode mode, const struct verdict *kv, struct outcome *o)
{
    struct pbpf_cfile cf;
    char err[256] = "";
    memset(o, 0, sizeof *o);
    int rc = pbpf_cfile_load(path, &cf, err, sizeof err);
    if (rc) {
        snprintf(o->reason, sizeof o->reason, "cannot read the test: %s",
                 err[0] ? err : strerror(-rc));
        return;
    }
    if (!cf.has_error && !cf.has_result) {
        snprintf(o->reason, sizeof o->reason, "the test has neither `-- result` nor `-- error`");
        pbpf_cfile_free(&cf);
        return;
    }
    struct pbpf_prog *prog = NULL;
    /* verified mode: the verifier proves the accesses against the
     * vector's memory (r1 = mem, r2 = its size) */
    PBPF_OPTS(pbpf_prog_opts, popts, .engine = engine, .mode = mode, .log_buf = err,
              .log_size = sizeof err, .mem_size = (uint32_t)cf.mem_len);
    rc = pbpf_prog_load(rt, cf.insns, cf.insn_cnt, &popts, &prog);
    if (rc) {
        o->rejected = 1;
        log_one_line(o->reason, sizeof o->reason, "load: ", err[0] ? err : strerror(-rc));
        /* Linux refuses the program too, for the same reason: in verified
         * mode that is the expected outcome, whatever the vector's result */
        if (mode == PBPF_MODE_VERIFIED && kv && !strcmp(kv->verdict, "REJECT") &&
            same_reason(o->reason, kv->reason)) {
            o->pass = 1;
            o->linux_rejects = 1;
            pbpf_cfile_free(&cf);
            return;
        }
    } else {
        uint8_t *mem = NULL;
        if (cf.mem_len) {
            mem = malloc(cf.mem_len);
            if (mem)
                memcpy(mem, cf.mem, cf.mem_len);
        }
        if (cf.mem_len && !mem) {
            rc = -ENOMEM;
            snprintf(err, sizeof err, "out of memory");
        } else {
            PBPF_OPTS(pbpf_run_opts, ropts, .err_buf = err, .err_size = sizeof err);
            rc = pbpf_prog_run(prog, mem, cf.mem_len, &o->r0, &ropts);
        }
        free(mem);
        pbpf_prog_free(prog);
        if (rc) {
            o->rejected = 1;
            snprintf(o->reason, sizeof o->reason, "run: %s", err[0] ? err : strerror(-rc));
        } else {
            o->has_r0 = 1;
        }
    }

    if (cf.has_error) {
        if (!o->rejected)
            snprintf(o->reason, sizeof o->reason,
                     "expected an error, but the program ran (r0 = 0x%" PRIx64 ")", o->r0);
        else if (cf.error_text && cf.error_text[0] && !strstr(o->reason, cf.error_text)) {
            char got[sizeof o->reason];
            snprintf(got, sizeof got, "%s", o->reason);
            snprintf(o->reason, sizeof o->reason, "expected the error '%.100s', got '%.250s'",
                     cf.error_text, got);
        } else
            o->pass = 1;
    } else if (o->has_r0) {
        if (o->r0 == cf.result)
            o->pass = 1;
        else
            snprintf(o->reason, sizeof o->reason,
                     "r0 = 0x%" PRIx64 ", expected 0x%" PRIx64, o->r0, cf.result);
    }
    pbpf_cfile_free(&cf);
}

/* Test name: the file name without directories and without ".data". */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

/* Whether the engine can load anything at all (the JIT may not exist on
 * this host): one clear message instead of a failure per test. */
static int probe_engine(struct pbpf_runtime *rt, enum pbpf_engine engine, enum pbpf_mode mode)
{
    static const struct pbpf_insn ret0[] = {
        {.code = 0xb7, .regs = 0, .off = 0, .imm = 0}, /* mov r0, 0 */
        {.code = 0x95, .regs = 0, .off = 0, .imm = 0}, /* exit */
    };
    char log[256] = "";
    struct pbpf_prog *prog;
    PBPF_OPTS(pbpf_prog_opts, popts, .engine = engine, .mode = mode, .log_buf = log,
              .log_size = sizeof log);
    int rc = pbpf_prog_load(rt, ret0, 2, &popts, &prog);
    if (rc)
        return cli_error("engine %s in %s mode is not available: %s", cli_engine_name(engine),
                         cli_mode_name(mode), log[0] ? log : strerror(-rc));
    pbpf_prog_free(prog);
    return 0;
}

int cli_cmd_conformance(int argc, char **argv)
{
    const char *v = NULL, *verdict_path = NULL;
    enum pbpf_engine engine = PBPF_ENGINE_INTERP;
    enum pbpf_mode mode = PBPF_MODE_CHECKED;
    int mode_given = 0, json = 0, verbose = 0, status = 1;
    struct paths ps = {0};
    struct verdicts vs = {0};
    struct pbpf_runtime *rt = NULL;
    const char **args = malloc((size_t)argc * sizeof *args);
    int nargs = 0;
    if (!args)
        return cli_error("out of memory");

    for (int i = 1; i < argc; i++) {
        int m = 0;
        if (cli_is_help(argv[i])) {
            conformance_usage();
            status = 0;
            goto out;
        }
        if ((m = cli_opt(argc, argv, &i, "--engine", &v))) {
            if (m > 0 && cli_parse_engine(v, &engine))
                goto out;
        } else if ((m = cli_opt(argc, argv, &i, "--mode", &v))) {
            if (m > 0 && cli_parse_mode(v, &mode))
                goto out;
            mode_given = 1;
        } else if ((m = cli_opt(argc, argv, &i, "--kernel-verdicts", &v))) {
            verdict_path = v;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
            verbose = 1;
        } else if (argv[i][0] == '-') {
            cli_bad_arg(argv[i]);
            goto out;
        } else {
            args[nargs++] = argv[i];
        }
        if (m < 0)
            goto out;
    }
    if (!nargs) {
        cli_error("missing test files or directories (see 'pbpf conformance --help')");
        goto out;
    }
    if (engine == PBPF_ENGINE_JIT && !mode_given)
        mode = PBPF_MODE_VERIFIED;

    for (int i = 0; i < nargs; i++)
        if (collect(args[i], &ps))
            goto out;
    if (verdict_path && verdicts_load(verdict_path, &vs))
        goto out;
    int rc = pbpf_runtime_new(NULL, &rt);
    if (rc) {
        cli_error("cannot create a runtime: %s", strerror(-rc));
        goto out;
    }
    if (probe_engine(rt, engine, mode))
        goto out;

    size_t passed = 0, failed = 0;
    if (json)
        printf("{\"engine\": \"%s\", \"mode\": \"%s\", \"tests\": [", cli_engine_name(engine),
               cli_mode_name(mode));
    for (size_t t = 0; t < ps.n; t++) {
        const char *base = base_name(ps.p[t]);
        char name[256];
        snprintf(name, sizeof name, "%s", base);
        size_t nl = strlen(name);
        if (nl > 5 && !strcmp(name + nl - 5, ".data"))
            name[nl - 5] = '\0';
        struct outcome o;
        const struct verdict *kv = vs.n ? verdicts_find(&vs, base) : NULL;
        run_one(rt, ps.p[t], engine, mode, kv, &o);
        if (o.pass)
            passed++;
        else
            failed++;
        if (json) {
            printf("%s\n  {\"name\": ", t ? "," : "");
            cli_json_string(stdout, name);
            printf(", \"file\": ");
            cli_json_string(stdout, ps.p[t]);
            printf(", \"result\": \"%s\"", o.pass ? "pass" : "fail");
            if (o.has_r0)
                printf(", \"r0\": \"0x%" PRIx64 "\"", o.r0);
            if (o.reason[0]) {
                printf(", \"%s\": ", o.pass ? "rejected" : "reason");
                cli_json_string(stdout, o.reason);
            }
            if (kv) {
                printf(", \"linux\": {\"verdict\": ");
                cli_json_string(stdout, kv->verdict);
                printf(", \"reason\": ");
                cli_json_string(stdout, kv->reason);
                printf("}");
            }
            printf("}");
            continue;
        }
        if (o.pass)
            printf("PASS %s", name);
        else
            printf("FAIL %s: %s", name, o.reason);
        if (o.linux_rejects)
            printf(" (refused at load, as by Linux: %s)", o.reason);
        else if (o.pass && verbose && o.rejected)
            printf(" (rejected: %s)", o.reason);
        if (kv && strcmp(kv->verdict, "PASS") && !o.linux_rejects)
            printf(" (linux: %s%s%s)", kv->verdict, kv->reason[0] ? " " : "", kv->reason);
        printf("\n");
    }
    if (json)
        printf("\n], \"passed\": %zu, \"failed\": %zu}\n", passed, failed);
    else
        printf("%zu passed, %zu failed\n", passed, failed);
    if (fflush(stdout) != 0)
        cli_error("cannot write the output");
    else
        status = failed ? 1 : 0;
out:
    free(args);
    for (size_t i = 0; i < ps.n; i++)
        free(ps.p[i]);
    free(ps.p);
    free(vs.v);
    free(vs.text);
    pbpf_runtime_free(rt);
    return status;
}
