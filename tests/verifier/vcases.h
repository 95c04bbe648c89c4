/* The manifest of the verifier test programs (tests/verifier/cases.tsv)
 * and the expected-differences list, shared by the kernel and pbpf
 * runners.  Test code: stdio is fine here. */
#ifndef PBPF_TEST_VCASES_H
#define PBPF_TEST_VCASES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/klog.h"
#include "pbpf/object.h"

/* Linux's verdict depends on the loader's privileges: `root` is
 * CAP_SYS_ADMIN (pointer leaks and uninitialised stack reads allowed, no
 * Spectre v1 sanitation), `bpf` is CAP_BPF + CAP_NET_ADMIN without
 * CAP_PERFMON/CAP_SYS_ADMIN (they are rejected). */
enum vcase_caps { VCASE_ROOT = 0, VCASE_BPF = 1 };

struct vcase {
    char object[64];
    char program[64];
    int caps;
    int accept;
    char message[256];
};

struct vcases {
    struct vcase *v;
    size_t cnt;
};

static inline void close_fd(int fd) { close(fd); }

static inline void vcases_free(struct vcases *cs)
{
    free(cs->v);
    cs->v = NULL;
    cs->cnt = 0;
}

/* Splits line at tabs into at most n fields (in place). */
static inline int vcase_split(char *line, char **f, int n)
{
    int k = 0;
    line[strcspn(line, "\r\n")] = 0;
    f[k++] = line;
    for (char *p = line; *p && k < n; p++) {
        if (*p == '\t') {
            *p = 0;
            f[k++] = p + 1;
        }
    }
    return k;
}

/* Lines: object TAB program TAB root|bpf TAB accept|reject [TAB message];
 * '#' starts a comment line.  A reject needs a message.  A program may be
 * listed once per privilege class. */
static inline int vcases_read(const char *path, struct vcases *cs)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    char line[1024];
    size_t cap = 0, ln = 0;
    cs->v = NULL;
    cs->cnt = 0;
    while (fgets(line, sizeof(line), f)) {
        ln++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *fl[5] = {0};
        int k = vcase_split(line, fl, 5);
        if (k < 4 || (strcmp(fl[2], "root") && strcmp(fl[2], "bpf")) ||
            (strcmp(fl[3], "accept") && strcmp(fl[3], "reject")) ||
            (!strcmp(fl[3], "reject") && (k < 5 || !fl[4][0]))) {
            fprintf(stderr, "%s:%zu: malformed line\n", path, ln);
            fclose(f);
            vcases_free(cs);
            return -1;
        }
        if (cs->cnt == cap) {
            cap = cap ? cap * 2 : 256;
            struct vcase *nv = realloc(cs->v, cap * sizeof(*nv));
            if (!nv) {
                fclose(f);
                vcases_free(cs);
                return -1;
            }
            cs->v = nv;
        }
        struct vcase *c = &cs->v[cs->cnt++];
        snprintf(c->object, sizeof(c->object), "%s", fl[0]);
        snprintf(c->program, sizeof(c->program), "%s", fl[1]);
        c->caps = strcmp(fl[2], "bpf") == 0 ? VCASE_BPF : VCASE_ROOT;
        c->accept = strcmp(fl[3], "accept") == 0;
        snprintf(c->message, sizeof(c->message), "%s", k >= 5 ? fl[4] : "");
        for (size_t j = 0; j + 1 < cs->cnt; j++) {
            if (!strcmp(cs->v[j].object, c->object) && !strcmp(cs->v[j].program, c->program) &&
                cs->v[j].caps == c->caps) {
                fprintf(stderr, "%s:%zu: %s %s listed twice\n", path, ln, c->object, c->program);
                fclose(f);
                vcases_free(cs);
                return -1;
            }
        }
    }
    fclose(f);
    return 0;
}

static inline void *vcase_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static inline const struct vcase *vcases_find(const struct vcases *cs, const char *obj,
                                              const char *prog)
{
    for (size_t i = 0; i < cs->cnt; i++)
        if (!strcmp(cs->v[i].object, obj) && !strcmp(cs->v[i].program, prog))
            return &cs->v[i];
    return NULL;
}

/* Every program of every object the manifest names is listed, and every
 * listed program exists.  Returns the number of problems. */
static inline int vcases_check_listed(const struct vcases *cs, const char *objdir)
{
    int bad = 0;
    for (size_t i = 0; i < cs->cnt; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= !strcmp(cs->v[j].object, cs->v[i].object);
        if (seen)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", objdir, cs->v[i].object);
        size_t len;
        void *buf = vcase_read_file(path, &len);
        struct pbpf_object *o = NULL;
        char msg[256] = "";
        struct pbpf_object_opts oo = {.sz = sizeof(oo), .log_buf = msg, .log_size = sizeof(msg)};
        if (!buf || pbpf_object_open_mem(buf, len, &oo, &o) != 0) {
            printf("FAIL %s: cannot open: %s\n", path, msg);
            free(buf);
            bad++;
            continue;
        }
        free(buf);
        for (size_t p = 0; p < pbpf_object_prog_cnt(o); p++) {
            const char *name = pbpf_object_prog(o, p)->name;
            if (!vcases_find(cs, cs->v[i].object, name)) {
                printf("FAIL %s %s: program not in the manifest\n", cs->v[i].object, name);
                bad++;
            }
        }
        for (size_t j = i; j < cs->cnt; j++) {
            if (!strcmp(cs->v[j].object, cs->v[i].object) &&
                !pbpf_object_prog_by_name(o, cs->v[j].program)) {
                printf("FAIL %s %s: listed but not in the object\n", cs->v[j].object,
                       cs->v[j].program);
                bad++;
            }
        }
        pbpf_object_close(o);
    }
    return bad;
}

/* One line of tests/verifier/justified.tsv: suite TAB case TAB kind TAB
 * reason, kind = unsound | gap | incomplete | reason (a verdict both
 * share, with a different message).  A gap is an unsound verdict that is a
 * known defect, not a justified departure: listed so that only new
 * unsound verdicts fail.  used: set by whoever matches the line. */
struct vjustified {
    char suite[16], key[400], kind[16], reason[800];
    int used;
};

/* Reads the list into *out (malloc'd, *cnt lines).  Returns 0, or -1 after
 * saying on stderr which line is malformed or that the file is missing. */
static inline int vjustified_read(const char *path, struct vjustified **out, size_t *cnt)
{
    *out = NULL;
    *cnt = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    char line[2048];
    size_t ln = 0, cap = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *fl[4] = {0};
        if (vcase_split(line, fl, 4) != 4 || !fl[3][0] ||
            (strcmp(fl[2], "unsound") && strcmp(fl[2], "gap") && strcmp(fl[2], "incomplete") &&
             strcmp(fl[2], "reason"))) {
            fprintf(stderr, "%s:%zu: malformed line (suite, case, kind, reason)\n", path, ln);
            fclose(f);
            return -1;
        }
        if (*cnt == cap) {
            cap = cap ? cap * 2 : 64;
            struct vjustified *nj = realloc(*out, cap * sizeof *nj);
            if (!nj) {
                fclose(f);
                return -1;
            }
            *out = nj;
        }
        struct vjustified *j = &(*out)[(*cnt)++];
        snprintf(j->suite, sizeof j->suite, "%s", fl[0]);
        snprintf(j->key, sizeof j->key, "%s", fl[1]);
        snprintf(j->kind, sizeof j->kind, "%s", fl[2]);
        snprintf(j->reason, sizeof j->reason, "%s", fl[3]);
        j->used = 0;
    }
    fclose(f);
    return 0;
}

/* The reason of a rejection: the last four non-statistics lines of the
 * log (Linux states the reason on one line and may add detail, such as
 * the states of an infinite loop, after it), joined with " | ". */
#define VCASE_REASON_LINES 4
static inline void vcase_log_reason(const char *log, char *out, size_t size)
{
    const char *lines[VCASE_REASON_LINES] = {0};
    size_t lens[VCASE_REASON_LINES] = {0};
    const char *p = log;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t full = e ? (size_t)(e - p) : strlen(p), n = full;
        /* a reason printed without a newline runs into the statistics */
        for (size_t k = 1; k + 11 < n; k++) {
            if (!strncmp(p + k, "processed ", 10) && p[k + 10] >= '0' && p[k + 10] <= '9') {
                n = k;
                break;
            }
        }
        if (n && !klog_is_stats_line(p, n)) {
            for (int i = 0; i + 1 < VCASE_REASON_LINES; i++) {
                lines[i] = lines[i + 1];
                lens[i] = lens[i + 1];
            }
            lines[VCASE_REASON_LINES - 1] = p;
            lens[VCASE_REASON_LINES - 1] = n;
        }
        p += full + (e ? 1 : 0);
    }
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < VCASE_REASON_LINES; i++) {
        if (!lines[i] || o + 4 >= size)
            continue;
        int w = snprintf(out + o, size - o, "%s%.*s", o ? " | " : "", (int)lens[i], lines[i]);
        if (w < 0)
            break;
        o += (size_t)w < size - o ? (size_t)w : size - o - 1;
    }
    if (!o)
        snprintf(out, size, "(empty log)");
}

/* Whether the reason (as vcase_log_reason extracts it) contains msg. */
static inline int vcase_log_has(const char *log, const char *msg)
{
    char reason[4096];
    vcase_log_reason(log, reason, sizeof(reason));
    return strstr(reason, msg) != NULL;
}

static inline int vcase_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir ending in suffix (NULL-terminated; free both). */
static inline char **vcase_list_dir(const char *dir, const char *suffix, size_t *cnt)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **v = NULL;
    size_t n = 0, cap = 0, sl = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix))
            continue;
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv)
                break;
            v = nv;
        }
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (v) {
        qsort(v, n, sizeof *v, vcase_name_cmp);
        v[n] = NULL;
    }
    *cnt = n;
    return v;
}

static inline void vcase_list_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

#endif
