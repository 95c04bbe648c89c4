/* Agreement of pbpf_verify with a reference verdict, per suite:
 *
 *   verifier_agree cases MANIFEST OBJDIR JUSTIFIED FLOOR
 *       the verifier test programs (tests/verifier/cases.tsv: Linux's
 *       verdicts and reasons), each loaded with the object loader so maps
 *       and relocations are resolved;
 *   verifier_agree conformance DIR KERNEL_TSV JUSTIFIED FLOOR
 *       the ISA conformance vectors (the .data files of DIR) with the kernel's verdicts
 *       (KERNEL_TSV), verified as prog_type 0 with r1 = the test's memory;
 *   verifier_agree prevail DIR JUSTIFIED FLOOR
 *       the PREVAIL cases (the .yaml files of DIR/yaml, prevail_cases.h), against
 *       PREVAIL's verdicts.
 *
 * For every case it counts: both accept, both reject (and of those, whether
 * pbpf's reason contains the reference's), pbpf accepts what the reference
 * rejects (UNSOUND where the reference is Linux) and pbpf rejects what the
 * reference accepts (incomplete).  JUSTIFIED (tests/verifier/justified.tsv)
 * lists known differences with their reasons.  The test fails when an
 * unjustified unsound case exists (Linux suites), when any difference of
 * either direction is not listed (prevail: its verdicts are PREVAIL's, and
 * every departure from them needs Linux's word, which prevail_kernel.c
 * checks), or when fewer cases agree than FLOOR
 * (tests/verifier/agree-floor.txt) records for the suite.  A listed line
 * that no longer differs is printed as a note. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"
#include "prevail_cases.h"
#include "vcases.h"
#include "vload.h"

static char logbuf[1 << 20];

/* --- the justified-differences list and the floor ------------------------ */

static struct vjustified *just;
static size_t just_cnt;

static int justified_read(const char *path) { return vjustified_read(path, &just, &just_cnt); }

static struct vjustified *justified_find(const char *suite, const char *key, const char *kind)
{
    for (size_t i = 0; i < just_cnt; i++)
        if (!strcmp(just[i].suite, suite) && !strcmp(just[i].key, key) &&
            !strcmp(just[i].kind, kind)) {
            just[i].used = 1;
            return &just[i];
        }
    return NULL;
}

static long floor_read(const char *path, const char *suite)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    /* strict: a line that is neither a comment, blank nor "suite N" (a
     * merge conflict marker, say) or a suite named twice is an error, so
     * that a damaged file cannot lower a floor unnoticed */
    char line[256], name[64], rest[8];
    long v, found = -1;
    unsigned lineno = 0, seen = 0;
    int bad = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (sscanf(line, "%63s %ld %7s", name, &v, rest) != 2 || v < 0) {
            fprintf(stderr, "%s:%u: not a 'suite N' line: %s", path, lineno, line);
            bad = 1;
            continue;
        }
        if (!strcmp(name, suite)) {
            found = v;
            seen++;
        }
    }
    fclose(f);
    if (bad)
        return -1;
    if (seen > 1) {
        fprintf(stderr, "%s: '%s' is named %u times\n", path, suite, seen);
        return -1;
    }
    if (found < 0)
        fprintf(stderr, "%s: no line '%s N'\n", path, suite);
    return found;
}

/* --- counting ------------------------------------------------------------ */

struct tally {
    const char *suite;
    int linux_ref; /* the reference is Linux: pbpf accepting a rejection is unsound */
    int no_reasons; /* the reference's words are not Linux's: reasons not compared */
    int strict;     /* every difference, of either direction, must be listed */
    size_t total, both_accept, both_reject, reason_match, unsound, unsound_justified,
        unsound_gap, incomplete, incomplete_justified, loader_refused;
};

/* The last line of a log that is not a statistics line. */
static void last_line(const char *log, char *out, size_t size)
{
    vcase_log_reason(log, out, size);
    char *bar = strrchr(out, '|');
    if (bar && bar[1] == ' ')
        memmove(out, bar + 2, strlen(bar + 2) + 1);
}

/* Records one verdict.  ref_reason: a substring of the reference's reason
 * (NULL: the reference accepts). */
static void tally_one(struct tally *t, const char *key, const char *ref_reason, int pbpf_rc,
                      const char *pbpf_log, int loader)
{
    char mine[512];
    last_line(pbpf_log, mine, sizeof mine);
    t->total++;
    t->loader_refused += loader;
    if (!ref_reason && !pbpf_rc) {
        t->both_accept++;
    } else if (ref_reason && pbpf_rc) {
        t->both_reject++;
        if (t->no_reasons)
            ;
        else if (vcase_log_has(pbpf_log, ref_reason))
            t->reason_match++;
        else if (!justified_find(t->suite, key, "reason"))
            printf("REASON     %s: reference \"%s\", pbpf%s \"%s\"\n", key, ref_reason,
                   loader ? " (loader)" : "", mine);
    } else if (ref_reason) {
        if (justified_find(t->suite, key, "unsound")) {
            t->unsound_justified++;
        } else if (justified_find(t->suite, key, "gap")) {
            t->unsound_gap++;
            printf("KNOWN GAP  %s: reference rejects (\"%s\"), pbpf accepts\n", key, ref_reason);
        } else {
            t->unsound++;
            printf("%s %s: reference rejects (\"%s\"), pbpf accepts\n",
                   t->linux_ref ? "UNSOUND   " : "ACCEPTS   ", key, ref_reason);
        }
    } else {
        t->incomplete++;
        if (justified_find(t->suite, key, "incomplete"))
            t->incomplete_justified++;
        else
            printf("INCOMPLETE %s: reference accepts, pbpf%s rejects: %s\n", key,
                   loader ? " (loader)" : "", mine);
    }
}

static int tally_report(const struct tally *t, long floor, const char *floor_path)
{
    size_t agree = t->both_accept + t->both_reject;
    printf("\n%s: %zu cases: %zu agree (%zu both accept, %zu both reject", t->suite, t->total,
           agree, t->both_accept, t->both_reject);
    if (t->no_reasons)
        printf("; reasons not compared: the reference's words are not Linux's)\n");
    else
        printf(", %zu of those with the reference's reason)\n", t->reason_match);
    printf("%s: pbpf accepts, reference rejects: %zu%s (+%zu justified, +%zu known gaps "
           "to fix)\n",
           t->suite, t->unsound, t->linux_ref ? " UNSOUND" : "", t->unsound_justified,
           t->unsound_gap);
    printf("%s: pbpf rejects, reference accepts: %zu (incomplete; %zu of them justified)\n",
           t->suite, t->incomplete, t->incomplete_justified);
    if (t->loader_refused)
        printf("%s: %zu of pbpf's rejections came from the loader, before the verifier\n",
               t->suite, t->loader_refused);
    for (size_t i = 0; i < just_cnt; i++)
        if (!just[i].used && !strcmp(just[i].suite, t->suite))
            printf("note: justified %s %s no longer differs: remove it from the list\n",
                   just[i].kind, just[i].key);
    int bad = 0;
    if (t->linux_ref && t->unsound) {
        printf("FAIL: %zu unsound verdicts (pbpf accepts what Linux rejects)\n", t->unsound);
        bad = 1;
    }
    if (t->strict && (t->unsound || t->incomplete > t->incomplete_justified)) {
        printf("FAIL: %zu differences from the reference are not listed in the justified "
               "differences (ACCEPTS/INCOMPLETE lines above)\n",
               t->unsound + t->incomplete - t->incomplete_justified);
        bad = 1;
    }
    if ((long)agree < floor) {
        printf("FAIL: %zu agree, below the floor of %ld in %s\n", agree, floor, floor_path);
        bad = 1;
    } else if ((long)agree > floor) {
        printf("%s: %zu agree, above the floor of %ld: raise it by setting the line "
               "'%s %zu' in %s\n",
               t->suite, agree, floor, t->suite, agree, floor_path);
    }
    return bad;
}

/* --- suites --------------------------------------------------------------- */

static int run_cases(char **argv)
{
    const char *manifest = argv[0], *objdir = argv[1], *floor_path = argv[3];
    struct vcases cs;
    if (justified_read(argv[2]) || vcases_read(manifest, &cs))
        return 2;
    long floor = floor_read(floor_path, "cases");
    /* the rejections both make for Linux's reason: its own floor, so that
     * a message that drifts from Linux's words is noticed too */
    long reason_floor = floor_read(floor_path, "cases-reasons");
    if (floor < 0 || reason_floor < 0)
        return 2;
    if (vcases_check_listed(&cs, objdir)) {
        vcases_free(&cs);
        return 1;
    }
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        vcases_free(&cs);
        return 2;
    }
    struct tally t = {.suite = "cases", .linux_ref = 1};
    size_t bpf_only = 0, bpf_only_accepted = 0;
#ifdef PBPF_VERIFIER_CAP_BPF
    /* the verifier takes the loader's privileges: each class is compared
     * with Linux's verdict for it (bpf-class keys end in ":bpf") */
    const int with_caps = 1;
#else
    /* a verifier without privilege classes is compared with the privileged
     * (root) verdict; the bpf class is only counted */
    const int with_caps = 0;
#endif
    for (size_t i = 0; i < cs.cnt; i++) {
        const struct vcase *c = &cs.v[i];
        if (!with_caps && c->caps != VCASE_ROOT)
            continue;
        char path[4096], key[200], msg[512];
        snprintf(path, sizeof path, "%s/%s", objdir, c->object);
        snprintf(key, sizeof key, "%s:%s%s", c->object, c->program,
                 c->caps == VCASE_BPF ? ":bpf" : "");
        size_t len;
        void *buf = vcase_read_file(path, &len);
        struct pbpf_object *obj = NULL;
        struct vload vl = {0};
        int rc = buf ? vload_object(buf, len, &obj, msg, sizeof msg) : -ENOENT;
        free(buf);
        int idx = rc ? -1 : pbpf_object_find_prog(obj, c->program);
        if (!rc && idx < 0) {
            pbpf_object_close(obj);
            rc = -ENOENT;
        }
        if (!rc)
            rc = vload_prog(rt, obj, (size_t)idx, 0, &vl, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "%s: cannot open or find the program", key);
        int loader = rc != 0;
        if (rc) {
            snprintf(logbuf, sizeof logbuf, "%s\n", msg);
        } else {
            PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = logbuf, .log_size = sizeof logbuf,
                      .log_level = 1);
            vload_verifier_opts(&vl, &o);
#ifdef PBPF_VERIFIER_CAP_BPF
            o.caps = c->caps == VCASE_BPF ? PBPF_VERIFIER_CAP_BPF : PBPF_VERIFIER_CAP_ROOT;
#endif
            rc = pbpf_verify(vl.insns, vl.cnt, &o, NULL);
        }
        vload_close(&vl);
        tally_one(&t, key, c->accept ? NULL : c->message, rc, logbuf, loader);
        for (size_t j = 0; !with_caps && j < cs.cnt; j++) {
            if (cs.v[j].caps == VCASE_BPF && !cs.v[j].accept && c->accept &&
                !strcmp(cs.v[j].object, c->object) && !strcmp(cs.v[j].program, c->program)) {
                bpf_only++;
                bpf_only_accepted += rc == 0;
            }
        }
    }
    pbpf_runtime_free(rt);
    vcases_free(&cs);
    long fl = floor;
    int bad = tally_report(&t, fl, floor_path);
    if ((long)t.reason_match < reason_floor) {
        printf("FAIL: %zu rejections with the reference's reason, below the floor of %ld in %s\n",
               t.reason_match, reason_floor, floor_path);
        bad = 1;
    } else if ((long)t.reason_match > reason_floor) {
        printf("cases: %zu rejections with the reference's reason, above the floor of %ld: raise "
               "it by setting the line 'cases-reasons %zu' in %s\n",
               t.reason_match, reason_floor, t.reason_match, floor_path);
    }
    if (!with_caps)
        printf("cases: %zu programs Linux rejects only without CAP_SYS_ADMIN (bpf class); pbpf, "
               "compared as root, accepts %zu of them\n",
               bpf_only, bpf_only_accepted);
    return bad;
}

/* The kernel's verdict of a conformance file: NULL (PASS) or its reason. */
static int kernel_verdict(const char *tsv, const char *file, char *reason, size_t size)
{
    FILE *f = fopen(tsv, "r");
    if (!f)
        return -1;
    char line[1024];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *fl[3] = {0};
        int k = vcase_split(line, fl, 3);
        if (k < 2 || strcmp(fl[1], file))
            continue;
        found = !strcmp(fl[0], "PASS") ? 0 : 1;
        reason[0] = 0;
        if (found && k == 3) {
            /* "invalid shift 48 [Invalid argument]": the verifier's words */
            char *br = strstr(fl[2], " [");
            if (br)
                *br = 0;
            snprintf(reason, size, "%s", fl[2]);
        }
    }
    fclose(f);
    return found;
}

static int run_conformance(char **argv)
{
    const char *dir = argv[0], *tsv = argv[1], *floor_path = argv[3];
    if (justified_read(argv[2]))
        return 2;
    long floor = floor_read(floor_path, "conformance");
    if (floor < 0)
        return 2;
    size_t n;
    char **files = vcase_list_dir(dir, ".data", &n);
    if (!files || !n) {
        fprintf(stderr, "%s: no .data files\n", dir);
        vcase_list_free(files);
        return 2;
    }
    struct tally t = {.suite = "conformance", .linux_ref = 1};
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096], err[256], reason[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        int kv = kernel_verdict(tsv, files[i], reason, sizeof reason);
        if (kv < 0) {
            printf("FAIL %s: no kernel verdict in %s\n", files[i], tsv);
            bad = 1;
            continue;
        }
        struct pbpf_cfile cf;
        if (pbpf_cfile_load(path, &cf, err, sizeof err)) {
            printf("FAIL %s: %s\n", files[i], err);
            bad = 1;
            continue;
        }
        /* the vectors' convention (README §3): r1 = the test's memory, r2 =
         * its length; prog_type 0 gives the verifier exactly that */
        PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = logbuf, .log_size = sizeof logbuf,
                  .log_level = 1, .mem_size = (uint32_t)cf.mem_len, .gpl = 1);
        int rc = pbpf_verify(cf.insns, cf.insn_cnt, &o, NULL);
        tally_one(&t, files[i], kv ? reason : NULL, rc, logbuf, 0);
        pbpf_cfile_free(&cf);
    }
    vcase_list_free(files);
    return tally_report(&t, floor, floor_path) | bad;
}

static int run_prevail(char **argv)
{
    const char *dir = argv[0], *floor_path = argv[2];
    if (justified_read(argv[1]))
        return 2;
    long floor = floor_read(floor_path, "prevail");
    if (floor < 0)
        return 2;
    char ydir[4096];
    snprintf(ydir, sizeof ydir, "%s/yaml", dir);
    size_t n;
    char **files = vcase_list_dir(ydir, ".yaml", &n);
    if (!files || !n) {
        fprintf(stderr, "%s: no .yaml files\n", ydir);
        vcase_list_free(files);
        return 2;
    }
    /* PREVAIL's verdicts are not Linux's: a difference is decided by
     * Linux's behaviour, and each must be listed with its reason (kind
     * unsound: Linux accepts too; incomplete: Linux rejects too, or pbpf
     * lacks what the case uses; gap: pbpf accepts what Linux rejects) */
    struct tally t = {.suite = "prevail", .linux_ref = 0, .no_reasons = 1, .strict = 1};
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        vcase_list_free(files);
        return 2;
    }
    /* VAGREE_SHOW=text: the translation and the log of the cases whose
     * name contains text */
    const char *show = getenv("VAGREE_SHOW");
    size_t malformed = 0, unbuilt = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%.3000s/%.500s", ydir, files[i]);
        struct prevail_file pf;
        char err[256];
        if (prevail_file_read(path, &pf, err, sizeof err)) {
            printf("FAIL %s: %s\n", files[i], err);
            bad = 1;
            continue;
        }
        for (size_t k = 0; k < pf.cnt; k++) {
            const struct prevail_case *pc = &pf.v[k];
            char key[400];
            snprintf(key, sizeof key, "%s:%s", files[i], pc->name);
            if (pc->expected_exception) {
                /* deliberately malformed for PREVAIL's own harness */
                malformed++;
                continue;
            }
            struct prevail_prog pp;
            if (prevail_build(pc, &pp, err, sizeof err)) {
                unbuilt++;
                printf("UNBUILT    %s: %s\n", key, err);
                continue;
            }
            struct pbpf_map *maps[PV_MAXMAPS] = {0};
            int rc = 0;
            for (size_t m = 0; m < pp.nmaps && !rc; m++) {
                PBPF_OPTS(pbpf_map_create_opts, mo, .type = pp.maps[m].type,
                          .key_size = pp.maps[m].key_size, .value_size = pp.maps[m].value_size,
                          .max_entries = pp.maps[m].max_entries);
                rc = pbpf_map_create(rt, &mo, &maps[m]);
                if (rc)
                    snprintf(logbuf, sizeof logbuf, "the case's map %zu: %d\n", m, rc);
            }
            PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = logbuf, .log_size = sizeof logbuf,
                      .log_level = 1, .prog_type = pp.prog_type, .mem_size = pp.mem_size,
                      .gpl = 1, .maps = maps, .map_cnt = pp.nmaps);
            if (!rc)
                rc = pbpf_verify(pp.insns, pp.cnt, &o, NULL);
            for (size_t m = 0; m < pp.nmaps; m++)
                if (maps[m])
                    pbpf_map_free(maps[m]);
            if (show && strstr(key, show)) {
                printf("--- %s (PREVAIL: %s%s%s)\n", key, pc->reject ? "reject: " : "accept",
                       pc->reason, pc->div_by_zero_error ? ", division by zero is an error" : "");
                for (size_t pcx = 0; pcx < pp.cnt;) {
                    char txt[128];
                    int sl = pbpf_disasm_insn(pp.insns, pp.cnt, pcx, PBPF_DISASM_LLVM, txt,
                                              sizeof txt);
                    printf("%4zu: %s\n", pcx, sl > 0 ? txt : "?");
                    pcx += sl > 0 ? (size_t)sl : 1;
                }
                printf("pbpf: %d\n%s", rc, logbuf);
            }
            tally_one(&t, key, pc->reject ? pc->reason : NULL, rc, logbuf, 0);
            prevail_prog_free(&pp);
        }
        prevail_file_free(&pf);
    }
    vcase_list_free(files);
    pbpf_runtime_free(rt);
    printf("prevail: %zu cases left out as malformed on purpose (expected-exception), %zu "
           "whose pre-state or code has no pbpf equivalent\n",
           malformed, unbuilt);
    return tally_report(&t, floor, floor_path) | bad;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 6 && !strcmp(argv[1], "cases"))
        return run_cases(argv + 2);
    if (argc == 6 && !strcmp(argv[1], "conformance"))
        return run_conformance(argv + 2);
    if (argc == 5 && !strcmp(argv[1], "prevail"))
        return run_prevail(argv + 2);
    fprintf(stderr,
            "usage: %s cases MANIFEST OBJDIR JUSTIFIED FLOOR\n"
            "       %s conformance DIR KERNEL_TSV JUSTIFIED FLOOR\n"
            "       %s prevail DIR JUSTIFIED FLOOR\n",
            argv[0], argv[0], argv[0]);
    return 2;
}
