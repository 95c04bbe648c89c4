/* The PREVAIL verifier cases (../shared/verifier-cases/prevail/yaml, format
 * in its README): a reader for the subset of YAML the files use, and a
 * translation of a case into a program pbpf_verify can check.  Test code:
 * stdio is fine here.
 *
 * A case is a code fragment in PREVAIL's assembly (close to llvm-objdump's)
 * run from an abstract pre-state.  The translation verifies it as type 0
 * (r1 = PREVAIL_MEM bytes of memory, r10 = the stack) behind a prologue
 * that builds the pre-state:
 *   - unknown numbers are loads from the memory, intervals are branches
 *     around them to an exit (the "escape"), constants are moves;
 *   - stack pointers are r10 plus an offset, the context is the memory;
 *   - numeric stack cells are stores;
 *   - `assume C` becomes a branch to the escape when C does not hold;
 *   - a map (map_fd, map_fd_programs) is an lddw of a map the harness
 *     creates (struct prevail_prog.maps), like PREVAIL's test maps (4-byte
 *     key and value, 4 entries): a hash map, or a program array;
 *   - a shared region is the value of an array map of the region's size,
 *     looked up first (the call clobbers r0-r5) and null-checked unless the
 *     pre-state allows null;
 *   - a type set ("r1.type in {ctx, shared}") is a branch on an unknown,
 *     each side building one of the types (Linux walks both); two
 *     registers of one type ("r2.type=r3.type") share the branch.
 * In the code, PREVAIL's map forms (map_fd N, map_by_idx(N), map_val(N) +
 * K, mva(...)) are lddw instructions of the same maps; its bit tests are
 * JSET ("&==") and JSET with the targets swapped ("&!=", which BPF
 * lacks); "wN s32= rM", which PREVAIL decodes from the 32-bit MOVSX with
 * offset 32 (not an instruction of RFC 9669), is those bytes.
 * Equal numbers ("r2.svalue=r1.svalue") are a copy made once both are
 * set (Linux links the two registers).  A register with a value but no
 * type is the type set {number, ctx}, the context standing for pointers.
 * A region that may be null is the unchecked map value, except with an
 * offset, which Linux has no possibly-null pointer for: it is checked.
 * A pre-state with a packet is built as XDP instead: r1 is struct xdp_md
 * (data at 0, data_end at 4, data_meta at 8, as in PREVAIL's context),
 * packet pointers are data plus an offset with packet_size bytes proven
 * against data_end, pointers into the metadata are data_meta plus an
 * offset with -meta_offset bytes proven against data (Linux's pkt_meta
 * pointers), and the unknowns are loads from the value of an array map
 * addressed directly (lddw src=2).  A context at an offset in an interval
 * is built as XDP too (struct xdp_md has pointers where PREVAIL's
 * context has them).  Code with legacy packet loads (skb[...]) is built
 * as a socket filter the same way (r1 its __sk_buff).  Stack offsets and
 * cells are relative to the top of r10's frame, r10.stack_offset (512
 * unless given); PREVAIL's stack is 8 frames of 512 bytes, and a pointer
 * above r10's frame, into a caller's, is built by a chain of calls
 * (pv_chain).  Pre-states with relations between variables other than
 * those above, or constraints and code with no BPF form, have no
 * prologue: those cases are counted as not built, each with its reason
 * (none is, today).  Registers the pre-state does not name are
 * uninitialised in PREVAIL; here r1 still holds the memory pointer (the
 * context under XDP), r2 the memory size under type 0, and r10 the
 * frame. */
#ifndef PBPF_TEST_PREVAIL_CASES_H
#define PBPF_TEST_PREVAIL_CASES_H

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

#define PREVAIL_MEM 512
#define PV_FRAMES 8 /* PREVAIL's and Linux's deepest call chain */
#define PV_STACK_TOTAL (PV_FRAMES * 512) /* PREVAIL's stack: 8 frames of 512 bytes */
#define PV_XDP 6           /* Linux's BPF_PROG_TYPE_XDP */
#define PV_SOCKET_FILTER 1 /* BPF_PROG_TYPE_SOCKET_FILTER */

struct prevail_block {
    char label[64];
    char *text;
};

struct prevail_case {
    char name[256];
    int reject;        /* a message other than "Code becomes unreachable" */
    char reason[256];  /* the first such message, without its label */
    int expected_exception;
    int div_by_zero_error; /* option !allow_division_by_zero */
    char **pre;
    size_t npre;
    struct prevail_block *blocks;
    size_t nblocks;
};

struct prevail_file {
    struct prevail_case *v;
    size_t cnt;
};

/* A map the program refers to (lddw src=1, imm = its index here): the
 * harness creates it, pbpf_verify gets it in opts.maps, the kernel an fd. */
#define PV_MAXMAPS 8
struct prevail_map {
    uint32_t type, key_size, value_size, max_entries;
    int64_t tag; /* PREVAIL's map_fd number; -1 for a shared region's map */
};

struct prevail_prog {
    struct pbpf_insn *insns;
    size_t cnt;
    uint32_t prog_type, mem_size;
    struct prevail_map maps[PV_MAXMAPS];
    size_t nmaps;
    int mem_map;  /* XDP: the map whose value holds the unknowns; -1: r1 */
    int pkt_base; /* XDP: the register holding data, with the range proven */
    int meta_base; /* XDP: the register holding data_meta, its range proven */
    int64_t meta_off; /* PREVAIL's meta_offset (data_meta - data), when known */
    int meta_known;
    int nlabels; /* labels the translation made up */
    int64_t stack_top; /* PREVAIL's r10.stack_offset: the top of r10's frame */
};

/* --- a growing string -------------------------------------------------- */

struct pv_str {
    char *s;
    size_t len, cap;
};

static inline void pv_put(struct pv_str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (!ns)
            return;
        b->s = ns;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* --- reading ------------------------------------------------------------ */

static inline char *pv_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* A scalar as written: quotes removed. */
static inline char *pv_unquote(char *s)
{
    s = pv_trim(s);
    size_t n = strlen(s);
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

static inline void pv_list_add(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv)
        return;
    *v = nv;
    nv[(*n)++] = strdup(s);
}

/* Items of a flow list "[a, "b, c", d]" (the brackets included). */
static inline void pv_flow_items(const char *s, char ***v, size_t *n)
{
    const char *p = strchr(s, '[');
    if (!p)
        return;
    p++;
    char item[1024];
    size_t k = 0;
    char q = 0;
    for (; *p; p++) {
        if (q) {
            if (*p == q)
                q = 0;
            else if (k + 1 < sizeof item)
                item[k++] = *p;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            q = *p;
        } else if (*p == ',' || *p == ']') {
            item[k] = 0;
            char *t = pv_trim(item);
            if (*t)
                pv_list_add(v, n, t);
            k = 0;
            if (*p == ']')
                return;
        } else if (k + 1 < sizeof item) {
            item[k++] = *p;
        }
    }
}

/* Whether a flow list's text "[a, "b[1, 2]", ..." is complete: its
 * brackets, outside quotes, balance (a ']' inside an item, as in
 * "r1.svalue=[1, 2]", does not end the list). */
static inline int pv_flow_closed(const char *s)
{
    int depth = 0;
    char q = 0;
    for (; *s; s++) {
        if (q) {
            if (*s == q)
                q = 0;
        } else if (*s == '"' || *s == '\'') {
            q = *s;
        } else if (*s == '[') {
            depth++;
        } else if (*s == ']' && --depth == 0) {
            return 1;
        }
    }
    return 0;
}

static inline void prevail_case_free(struct prevail_case *c)
{
    for (size_t i = 0; i < c->npre; i++)
        free(c->pre[i]);
    free(c->pre);
    for (size_t i = 0; i < c->nblocks; i++)
        free(c->blocks[i].text);
    free(c->blocks);
}

static inline void prevail_file_free(struct prevail_file *f)
{
    for (size_t i = 0; i < f->cnt; i++)
        prevail_case_free(&f->v[i]);
    free(f->v);
    f->v = NULL;
    f->cnt = 0;
}

/* Parses one document (lines [0, n) of lines). */
static inline void pv_parse_doc(char **lines, size_t n, struct prevail_case *c)
{
    memset(c, 0, sizeof *c);
    char key[64] = "";
    char **msgs = NULL, **opts = NULL;
    size_t nmsgs = 0, nopts = 0;
    struct pv_str flow = {0};
    int in_flow = 0;
    for (size_t i = 0; i < n; i++) {
        char *l = lines[i];
        if (in_flow) {
            pv_put(&flow, " %s", l);
            if (pv_flow_closed(flow.s)) {
                in_flow = 0;
                if (!strcmp(key, "pre"))
                    pv_flow_items(flow.s, &c->pre, &c->npre);
                else if (!strcmp(key, "messages"))
                    pv_flow_items(flow.s, &msgs, &nmsgs);
                else if (!strcmp(key, "options"))
                    pv_flow_items(flow.s, &opts, &nopts);
            }
            continue;
        }
        if (l[0] == '#' || !*pv_trim(l))
            continue;
        if (l[0] != ' ' && l[0] != '-' && strchr(l, ':')) {
            /* a top-level key */
            char *colon = strchr(l, ':');
            *colon = 0;
            snprintf(key, sizeof key, "%s", pv_trim(l));
            char *val = pv_trim(colon + 1);
            if (!strcmp(key, "test-case")) {
                snprintf(c->name, sizeof c->name, "%s", pv_unquote(val));
            } else if (!strcmp(key, "expected-exception")) {
                c->expected_exception = 1;
            } else if (val[0] == '[') {
                free(flow.s);
                memset(&flow, 0, sizeof flow);
                pv_put(&flow, "%s", val);
                if (pv_flow_closed(flow.s)) {
                    if (!strcmp(key, "pre"))
                        pv_flow_items(flow.s, &c->pre, &c->npre);
                    else if (!strcmp(key, "messages"))
                        pv_flow_items(flow.s, &msgs, &nmsgs);
                    else if (!strcmp(key, "options"))
                        pv_flow_items(flow.s, &opts, &nopts);
                } else {
                    in_flow = 1;
                }
            }
            continue;
        }
        char *t = pv_trim(l);
        if (t[0] == '-' && (t[1] == ' ' || !t[1])) {
            /* a block list item of the current key */
            char *item = pv_unquote(t + 1);
            if (!strcmp(key, "pre"))
                pv_list_add(&c->pre, &c->npre, item);
            else if (!strcmp(key, "messages"))
                pv_list_add(&msgs, &nmsgs, item);
            else if (!strcmp(key, "options"))
                pv_list_add(&opts, &nopts, item);
            continue;
        }
        if (!strcmp(key, "code") && t[0] == '<') {
            /* "<label>: |" and the more indented lines after it */
            size_t ind = (size_t)(t - l);
            char *gt = strchr(t, '>');
            if (!gt)
                continue;
            struct prevail_block *nb = realloc(c->blocks, (c->nblocks + 1) * sizeof *nb);
            if (!nb)
                continue;
            c->blocks = nb;
            struct prevail_block *b = &nb[c->nblocks++];
            snprintf(b->label, sizeof b->label, "%.*s", (int)(gt - t - 1), t + 1);
            struct pv_str body = {0};
            pv_put(&body, "%s", "");
            char *rest = gt + 1;
            if (*rest == ':')
                rest++;
            rest = pv_trim(rest);
            if (*rest && *rest != '|' && *rest != '>')
                pv_put(&body, "%s\n", rest);
            while (i + 1 < n) {
                char *nl = lines[i + 1];
                size_t k = 0;
                while (nl[k] == ' ')
                    k++;
                if (nl[k] && nl[k] != '\r' && k <= ind)
                    break;
                pv_put(&body, "%s\n", nl);
                i++;
            }
            b->text = body.s;
        }
    }
    free(flow.s);
    for (size_t i = 0; i < nmsgs; i++) {
        if (!c->reject && !strstr(msgs[i], "unreachable")) {
            c->reject = 1;
            const char *m = msgs[i];
            /* "12: text" or "1:4: text" */
            const char *p = m;
            while (*p && (isdigit((unsigned char)*p) || *p == ':'))
                p++;
            snprintf(c->reason, sizeof c->reason, "%s", p > m ? pv_trim((char *)p) : m);
        }
        free(msgs[i]);
    }
    free(msgs);
    for (size_t i = 0; i < nopts; i++) {
        if (!strcmp(opts[i], "!allow_division_by_zero"))
            c->div_by_zero_error = 1;
        free(opts[i]);
    }
    free(opts);
}

static inline int prevail_file_read(const char *path, struct prevail_file *pf, char *err,
                                    size_t esz)
{
    memset(pf, 0, sizeof *pf);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, esz, "cannot open");
        return -1;
    }
    char **lines = NULL;
    size_t n = 0;
    char buf[4096];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = 0;
        pv_list_add(&lines, &n, buf);
    }
    fclose(f);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && strcmp(lines[i], "---"))
            continue;
        int has_case = 0;
        for (size_t k = start; k < i; k++)
            has_case |= !strncmp(lines[k], "test-case:", 10);
        if (has_case) {
            struct prevail_case *nv = realloc(pf->v, (pf->cnt + 1) * sizeof *nv);
            if (nv) {
                pf->v = nv;
                pv_parse_doc(lines + start, i - start, &pf->v[pf->cnt++]);
            }
        }
        start = i + 1;
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    if (!pf->cnt) {
        snprintf(err, esz, "no test cases");
        return -1;
    }
    return 0;
}

/* --- translation --------------------------------------------------------- */

/* "5", "-3", "0x10", "[a, b]": *lo, *hi as signed or unsigned 64-bit text */
static inline int pv_range(const char *v, int is_unsigned, int64_t *lo, int64_t *hi)
{
    char a[64], b[64];
    if (v[0] == '[') {
        if (sscanf(v, "[%63[^,], %63[^]]]", a, b) != 2)
            return -1;
    } else {
        snprintf(a, sizeof a, "%.63s", v);
        snprintf(b, sizeof b, "%.63s", v);
    }
    char *e1, *e2;
    errno = 0;
    if (is_unsigned && a[0] != '-') {
        *lo = (int64_t)strtoull(pv_trim(a), &e1, 0);
        *hi = (int64_t)strtoull(pv_trim(b), &e2, 0);
    } else {
        *lo = strtoll(pv_trim(a), &e1, 0);
        *hi = strtoll(pv_trim(b), &e2, 0);
    }
    return errno || *e1 || *e2 ? -1 : 0;
}

/* Register kinds of a pre-state (PREVAIL's types). */
enum { PV_NONE, PV_NUM, PV_STACK, PV_CTX, PV_MAPFD, PV_PROGS, PV_SHARED, PV_PACKET, PV_SET };

struct pv_reg {
    int kind;     /* PV_*; PV_SET: one of set[0..nset) */
    int set[4], nset;
    int has_s, has_u;
    int64_t slo, shi, ulo, uhi;
    int64_t stack_off, ctx_off, shared_off, region, map_fd;
    int has_region, has_map_fd;
    int64_t pkt_off, stack_hi; /* stack_hi: stack_offset=[stack_off, stack_hi] */
    int64_t ctx_hi;            /* ctx_offset=[ctx_off, ctx_hi] */
    int pkt_meta;              /* meta_offset=rN.packet_offset: data_meta itself */
    int type_with;             /* 1 + the register whose type (of a set) this one has */
    int64_t num_size;          /* stack_numeric_size, when a constant */
    int carried;               /* set by the chain of calls (pv_chain) */
    int pkt_end, pkt_range; /* packet_offset=packet_size; an interval */
    int copy_of;            /* 1 + the register whose value this one has */
    int home; /* shared: the register the map lookup left the value in */
};

static inline int pv_fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* A value into register r: a constant, or an unknown load (slot k) with
 * branches to the escape for the interval. */
/* "if rR OP BOUND goto L___out", through the scratch register (lddw) when
 * the bound does not fit an immediate (sign-extended to 64 bits). */
static inline int pv_bound(struct pv_str *o, int r, const char *op, int64_t bound, int scratch,
                           char *err, size_t esz)
{
    if (pv_fits32(bound)) {
        pv_put(o, "if r%d %s %" PRId64 " goto L___out\n", r, op, bound);
        return 0;
    }
    if (scratch < 0) {
        snprintf(err, esz, "no free register for a bound of r%d beyond 32 bits", r);
        return -1;
    }
    pv_put(o, "r%d = %" PRId64 " ll\nif r%d %s r%d goto L___out\n", scratch, bound, r, op,
           scratch);
    return 0;
}

/* An unknown 64-bit number into register r, read from the memory at off:
 * type 0's r1, or (mm >= 0) the value of map mm, addressed directly. */
static inline void pv_unknown(struct pv_str *o, int r, int off, int mm)
{
    if (mm < 0)
        pv_put(o, "r%d = *(u64 *)(r1 + %d)\n", r, off);
    else
        pv_put(o, "r%d = map_value(%d) ll\nr%d = *(u64 *)(r%d + %d)\n", r, mm, r, r, off);
}

static inline int pv_number(struct pv_str *o, int r, const struct pv_reg *g, int *slot, int mm,
                            int *escape, int scratch, char *err, size_t esz)
{
    if (g->has_s && g->slo == g->shi) {
        if (pv_fits32(g->slo))
            pv_put(o, "r%d = %" PRId64 "\n", r, g->slo);
        else
            pv_put(o, "r%d = %" PRId64 " ll\n", r, g->slo);
        return 0;
    }
    if (g->has_u && g->ulo == g->uhi) {
        pv_put(o, "r%d = %" PRIu64 " ll\n", r, (uint64_t)g->ulo);
        return 0;
    }
    pv_unknown(o, r, 8 * (*slot)++, mm);
    int rc = 0;
    if (g->has_s && g->slo != INT64_MIN)
        rc |= pv_bound(o, r, "s<", g->slo, scratch, err, esz), *escape = 1;
    if (g->has_s && g->shi != INT64_MAX)
        rc |= pv_bound(o, r, "s>", g->shi, scratch, err, esz), *escape = 1;
    if (g->has_u && g->ulo != 0)
        rc |= pv_bound(o, r, "<", g->ulo, scratch, err, esz), *escape = 1;
    if (g->has_u && g->uhi != -1)
        rc |= pv_bound(o, r, ">", g->uhi, scratch, err, esz), *escape = 1;
    return rc ? -1 : 0;
}

/* Stack bytes [a, b] (PREVAIL's s[a...b], in r10's frame: the 512 bytes
 * below top, its r10.stack_offset) become numbers: value when known, else
 * unknown loads; stored in naturally aligned pieces. */
static inline int pv_stack_cells(struct pv_str *o, int a, int b, int64_t top, int known,
                                 int64_t value, int *slot, int mm, char *err, size_t esz)
{
    if (a < top - 512 || b >= top || a > b) {
        snprintf(err, esz, "stack cells [%d...%d] outside r10's frame [%" PRId64 "...%" PRId64 "]",
                 a, b, top - 512, top - 1);
        return -1;
    }
    a -= (int)(top - 512);
    b -= (int)(top - 512);
    if (known) {
        /* the value's bytes, little-endian, in naturally aligned pieces */
        if (b - a + 1 > 8) {
            snprintf(err, esz, "a known value in stack cells [%d...%d], wider than 8 bytes", a, b);
            return -1;
        }
        for (int p = a; p <= b;) {
            int s = 8;
            while (s > 1 && (p % s || p + s - 1 > b))
                s /= 2;
            uint64_t piece = (uint64_t)value >> (8 * (p - a));
            if (s < 8)
                piece &= ((uint64_t)1 << (8 * s)) - 1;
            pv_put(o, "r0 = %" PRIu64 " ll\n*(u%d *)(r10 - %d) = r0\n", piece, s * 8, 512 - p);
            p += s;
        }
        return 0;
    }
    for (int p = a; p <= b;) {
        int s = 8;
        while (s > 1 && (p % s || p + s - 1 > b))
            s /= 2;
        pv_unknown(o, 0, 8 * (*slot)++, mm);
        pv_put(o, "*(u%d *)(r10 - %d) = r0\n", s * 8,
               512 - p);
        p += s;
    }
    return 0;
}

static inline const char *pv_negate(const char *op)
{
    static const char *const pairs[][2] = {{"<", ">="},   {"<=", ">"},   {">", "<="},
                                           {">=", "<"},   {"==", "!="},  {"!=", "=="},
                                           {"s<", "s>="}, {"s<=", "s>"}, {"s>", "s<="},
                                           {"s>=", "s<"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (!strcmp(op, pairs[i][0]))
            return pairs[i][1];
    return NULL;
}

/* One line of PREVAIL assembly into pbpf's assembler's syntax (appended to
 * o).  Returns -1 with err for a form that has no pbpf equivalent. */
static inline int pv_map(struct prevail_prog *pp, uint32_t type, uint32_t value_size,
                         uint32_t max_entries, int64_t tag);
static inline int pv_line(struct pv_str *o, const char *line, int *escape,
                          struct prevail_prog *pp, char *err, size_t esz)
{
    char l[512];
    snprintf(l, sizeof l, "%s", line);
    char *semi = strchr(l, ';');
    if (semi)
        *semi = 0;
    char *t = pv_trim(l);
    if (!*t)
        return 0;
    /* PREVAIL's map forms: "map_fd N" and "map_by_idx(N)" (its one map
     * is index 0) are an lddw of the map; "map_val(N) + K" and
     * "mva(map_by_idx(N)) + K" the address of its value plus K */
    int md, mn, mk, mlen = 0, idx;
    if ((sscanf(t, "r%d = map_fd %d%n", &md, &mn, &mlen) == 2 && !t[mlen]) ||
        (sscanf(t, "r%d = map_by_idx(%d)%n", &md, &mn, &mlen) == 2 && !t[mlen])) {
        int by_idx = strstr(t, "map_by_idx") != NULL;
        if (by_idx && mn != 0)
            idx = PV_MAXMAPS + mn; /* no such map */
        else if ((idx = pv_map(pp, PBPF_MAP_TYPE_HASH, 4, 4, mn)) < 0)
            goto nomap;
        pv_put(o, "r%d = map_fd(%d) ll\n", md, idx);
        return 0;
    }
    if ((sscanf(t, "r%d = map_val(%d) + %d%n", &md, &mn, &mk, &mlen) == 3 && !t[mlen]) ||
        (sscanf(t, "r%d = mva(map_by_idx(%d)) + %d%n", &md, &mn, &mk, &mlen) == 3 && !t[mlen])) {
        if ((idx = pv_map(pp, PBPF_MAP_TYPE_HASH, 4, 4, mn)) < 0)
            goto nomap;
        pv_put(o, "r%d = map_value(%d, %d) ll\n", md, idx, mk);
        return 0;
    }
    if (0) {
    nomap:
        snprintf(err, esz, "'%s': too many maps", t);
        return -1;
    }
    static const char *const none[] = {"map_", "mva("};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        if (strstr(t, none[i])) {
            snprintf(err, esz, "'%s': no pbpf form for PREVAIL's '%s'", t, none[i]);
            return -1;
        }
    }
    /* labels: <name> -> L_name */
    char u[512];
    size_t k = 0;
    for (const char *p = t; *p && k + 4 < sizeof u; p++) {
        if (*p == '<' && isalpha((unsigned char)p[1]) && strchr(p, '>')) {
            const char *gt = strchr(p, '>');
            int ok = 1;
            for (const char *q = p + 1; q < gt; q++)
                ok &= isalnum((unsigned char)*q) || *q == '_';
            if (ok) {
                k += (size_t)snprintf(u + k, sizeof u - k, "L_%.*s", (int)(gt - p - 1), p + 1);
                p = gt;
                continue;
            }
        }
        u[k++] = *p;
    }
    u[k] = 0;
    char a[32], op[8], b[64], sz[8], kw[16];
    int d, s, off, n;
    if (sscanf(u, "assume %31s %7s %63s%n", a, op, b, &n) == 3 && !u[n]) {
        const char *neg = pv_negate(op);
        if (!neg) {
            snprintf(err, esz, "'%s': unknown comparison", t);
            return -1;
        }
        if (a[0] == 'w' && b[0] == 'r')
            b[0] = 'w';
        pv_put(o, "if %s %s %s goto L___out\n", a, neg, b);
        *escape = 1;
        return 0;
    }
    /* lock *(uSZ *)(rD + OFF) OP= rS [fetch] */
    if (sscanf(u, "lock *(u%7[0-9] *)(r%d + %d) %15s r%d%n", sz, &d, &off, kw, &s, &n) == 5) {
        const char *rest = pv_trim(u + n);
        int fetch = !strcmp(rest, "fetch");
        const char *name = !strcmp(kw, "+=")   ? "add"
                           : !strcmp(kw, "&=") ? "and"
                           : !strcmp(kw, "|=") ? "or"
                           : !strcmp(kw, "^=") ? "xor"
                           : !strcmp(kw, "x=") ? "xchg"
                           : !strcmp(kw, "cx=") ? "cmpxchg"
                                                : NULL;
        if (!name || (*rest && !fetch)) {
            snprintf(err, esz, "'%s': unknown atomic operation", t);
            return -1;
        }
        int w32 = !strcmp(sz, "32");
        if (!w32 && strcmp(sz, "64")) {
            snprintf(err, esz, "'%s': atomics are 32 or 64 bits wide", t);
            return -1;
        }
        int always = !strcmp(name, "xchg") || !strcmp(name, "cmpxchg");
        pv_put(o, "lock %s%s%s [%%r%d%+d], %%r%d\n", fetch && !always ? "fetch " : "", name,
               w32 ? "32" : "", d, off, s);
        return 0;
    }
    /* rD sN= rS, wD sN= rS: sign-extending moves */
    char dk;
    if (sscanf(u, "%c%d s%7[0-9]= r%d%n", &dk, &d, sz, &s, &n) == 4 && !u[n] &&
        (dk == 'r' || dk == 'w')) {
        if (dk == 'w' && !strcmp(sz, "32") && d >= 0 && d <= 10 && s >= 0 && s <= 10) {
            /* "wD s32= rS": PREVAIL decodes it from the 32-bit MOVSX
             * encoding (ALU | MOV | X, 0xbc) with offset 32, a 32-bit
             * sign extension of 32 bits, that is a plain 32-bit move.
             * RFC 9669 §4.1 defines 32-bit MOVSX for offsets 8 and 16 only,
             * so the instruction has no mnemonic: it is given as those
             * bytes, and whether it is valid is the verifier's to say */
            pv_put(o, ".insn 0x%016" PRIx64 "\n",
                   (uint64_t)0xbc | (uint64_t)(d | s << 4) << 8 | (uint64_t)32 << 16);
            return 0;
        }
        pv_put(o, "movsx%s%s %%r%d, %%r%d\n", sz, dk == 'w' ? "32" : "64", d, s);
        return 0;
    }
    /* PREVAIL writes the source of 32-bit operations as rN: pbpf's
     * assembler wants wN (not in memory operands) */
    if ((u[0] == 'w' || !strncmp(u, "if w", 4)) && !strstr(u, "*(")) {
        for (char *p = u + 1; *p; p++)
            if (*p == 'r' && isdigit((unsigned char)p[1]) && (p[-1] == ' ' || p[-1] == '-'))
                *p = 'w';
    }
    /* "skb[r7]" is "skb[r7 + 0]" */
    char *sk = strstr(u, "skb[r");
    if (sk && strlen(u) + 8 < sizeof u) {
        char *close = strchr(sk, ']');
        if (close && !strchr(sk, '+') && !strchr(sk, '-')) {
            memmove(close + 4, close, strlen(close) + 1);
            memcpy(close, " + 0", 4);
        }
    }
    /* "swapN" is llvm's "bswapN"; "123ll" is "123 ll" */
    char v[512];
    k = 0;
    for (const char *p = u; *p && k + 3 < sizeof v; p++) {
        if (!strncmp(p, "swap", 4) && (p == u || p[-1] == ' '))
            v[k++] = 'b';
        if (p[0] == 'l' && p[1] == 'l' && !p[2] && p > u && isxdigit((unsigned char)p[-1]))
            v[k++] = ' ';
        v[k++] = *p;
    }
    v[k] = 0;
    /* PREVAIL's bit tests: "&==" is its name for JSET (jump when the AND
     * of the operands is not zero), "&!=" for the negation, which BPF
     * lacks: JSET with its targets swapped (jump over a goto to L when a
     * bit is set) */
    char *set = strstr(v, " &== ");
    if (set) {
        memmove(set + 2, set + 4, strlen(set + 4) + 1);
    } else if ((set = strstr(v, " &!= "))) {
        char *go = strstr(v, " goto ");
        if (strncmp(v, "if ", 3) || !go || go < set) {
            snprintf(err, esz, "'%s': '&!=' outside a conditional jump", t);
            return -1;
        }
        *go = 0;
        memmove(set + 2, set + 4, strlen(set + 4) + 1);
        int lab = pp->nlabels++;
        pv_put(o, "%s goto L___nset%d\ngoto %s\nL___nset%d:\n", v, lab, go + 6, lab);
        return 0;
    }
    pv_put(o, "%s\n", v);
    return 0;
}

static inline void prevail_prog_free(struct prevail_prog *p)
{
    pbpf_free_insns(p->insns);
    p->insns = NULL;
}

/* Slots an assembled line takes (lddw: 2). */
static inline int pv_slots(const char *line) { return strstr(line, " ll") ? 2 : 1; }

/* A PREVAIL type name as a PV_* kind (PV_NONE: none we can build). */
static inline int pv_kind(const char *t)
{
    return !strcmp(t, "number")            ? PV_NUM
           : !strcmp(t, "stack")           ? PV_STACK
           : !strcmp(t, "ctx")             ? PV_CTX
           : !strcmp(t, "map_fd")          ? PV_MAPFD
           : !strcmp(t, "map_fd_programs") ? PV_PROGS
           : !strcmp(t, "shared")          ? PV_SHARED
           : !strcmp(t, "packet")          ? PV_PACKET
                                           : PV_NONE;
}

/* The index of a map of pp (added when new): PREVAIL's maps are all alike
 * (its test platform: key and value of 4 bytes, 4 entries, a type that is
 * not an array), told apart by their map_fd number (tag); a shared
 * region is the value of an array map of its size (tag -1). */
static inline int pv_map(struct prevail_prog *pp, uint32_t type, uint32_t value_size,
                         uint32_t max_entries, int64_t tag)
{
    for (size_t i = 0; i < pp->nmaps; i++)
        if (pp->maps[i].type == type && pp->maps[i].value_size == value_size &&
            pp->maps[i].tag == tag)
            return (int)i;
    if (pp->nmaps == PV_MAXMAPS)
        return -1;
    struct prevail_map *m = &pp->maps[pp->nmaps];
    m->type = type;
    m->key_size = 4;
    m->value_size = value_size;
    m->max_entries = max_entries;
    m->tag = tag;
    return (int)pp->nmaps++;
}

/* Register r made of kind k with g's properties. */
static inline int pv_emit_kind(struct pv_str *o, int r, int k, const struct pv_reg *g,
                               struct prevail_prog *pp, int *slot, int *escape, int scratch,
                               char *err, size_t esz)
{
    int idx;
    switch (k) {
    case PV_NONE:
        return 0;
    case PV_NUM:
        return pv_number(o, r, g, slot, pp->mem_map, escape, scratch, err, esz);
    case PV_STACK:
        if (g->stack_hi > g->stack_off) {
            /* an offset in an interval: the frame plus an unknown within
             * it (Linux tracks the variable offset) */
            if (scratch < 0) {
                snprintf(err, esz, "r%d: no free register for its variable stack offset", r);
                return -1;
            }
            pv_unknown(o, scratch, 8 * (*slot)++, pp->mem_map);
            pv_put(o,
                   "if r%d > %" PRId64 " goto L___out\nr%d = r10\nr%d += %" PRId64
                   "\nr%d += r%d\n",
                   scratch, g->stack_hi - g->stack_off, r, r, g->stack_off - pp->stack_top, r,
                   scratch);
            *escape = 1;
            return 0;
        }
        pv_put(o, "r%d = r10\nr%d += %" PRId64 "\n", r, r, g->stack_off - pp->stack_top);
        return 0;
    case PV_CTX:
        if (g->ctx_hi > g->ctx_off) {
            /* an offset in an interval: the context plus an unknown
             * within it (the unknown is read before r1 moves) */
            if (scratch < 0) {
                snprintf(err, esz, "r%d: no free register for its variable context offset", r);
                return -1;
            }
            pv_unknown(o, scratch, 8 * (*slot)++, pp->mem_map);
            pv_put(o, "if r%d > %" PRId64 " goto L___out\n", scratch, g->ctx_hi - g->ctx_off);
            *escape = 1;
        }
        if (r != 1)
            pv_put(o, "r%d = r1\n", r);
        if (g->ctx_off)
            pv_put(o, "r%d += %" PRId64 "\n", r, g->ctx_off);
        if (g->ctx_hi > g->ctx_off)
            pv_put(o, "r%d += r%d\n", r, scratch);
        return 0;
    case PV_MAPFD:
    case PV_PROGS:
        /* without its number: any of PREVAIL's maps, which are all alike */
        idx = pv_map(pp, k == PV_MAPFD ? PBPF_MAP_TYPE_HASH : PBPF_MAP_TYPE_PROG_ARRAY, 4, 4,
                     g->has_map_fd ? g->map_fd : -2);
        if (idx < 0) {
            snprintf(err, esz, "too many maps");
            return -1;
        }
        pv_put(o, "r%d = map_fd(%d) ll\n", r, idx);
        return 0;
    case PV_PACKET:
        if (g->pkt_end) {
            /* r1 is still the context: it is set last */
            pv_put(o, "r%d = *(u32 *)(r1 + 4)\n", r);
            return 0;
        }
        if (g->pkt_meta && pp->meta_base >= 0) {
            /* meta_offset=rN.packet_offset: data_meta */
            pv_put(o, "r%d = r%d\n", r, pp->meta_base);
            return 0;
        }
        if (!g->pkt_range && g->pkt_off < 0 && pp->meta_known && g->pkt_off >= pp->meta_off &&
            pp->meta_base >= 0) {
            /* in the metadata, which starts at meta_offset */
            pv_put(o, "r%d = r%d\n", r, pp->meta_base);
            if (g->pkt_off != pp->meta_off)
                pv_put(o, "r%d += %" PRId64 "\n", r, g->pkt_off - pp->meta_off);
            return 0;
        }
        if (g->pkt_range || g->pkt_off < 0 || pp->pkt_base < 0) {
            snprintf(err, esz, "r%d: only a constant offset into the packet or into metadata of a "
                               "constant size has a prologue",
                     r);
            return -1;
        }
        pv_put(o, "r%d = r%d\n", r, pp->pkt_base);
        if (g->pkt_off)
            pv_put(o, "r%d += %" PRId64 "\n", r, g->pkt_off);
        return 0;
    case PV_SHARED:
        if (g->home != r)
            pv_put(o, "r%d = r%d\n", r, g->home);
        if (g->shared_off)
            pv_put(o, "r%d += %" PRId64 "\n", r, g->shared_off);
        return 0;
    default:
        snprintf(err, esz, "r%d: no prologue for that type", r);
        return -1;
    }
}

/* A pre-state with pointers into a caller's frame (above r10's, within
 * PREVAIL's stack of PV_STACK_TOTAL bytes) as a chain of bpf-to-bpf
 * calls, which is how Linux gets such a pointer: the program starts in
 * the outermost frame needed, k frames above r10's (the frame of bytes
 * [top + 512(k-1), top + 512k)), stores that frame's numeric cells
 * (lvl[k]) and makes the pointers there, r10 plus the offset from that
 * frame's top, into argument registers (the register itself when it is
 * one of r1-r5, else a free one, moved to it in r10's frame), then calls
 * one frame deeper; each frame below calls the next and exits with the
 * callee's r0, and the code runs in the innermost, r10's frame.  The
 * pointers' stack_numeric_size bytes are stored as unknown numbers.  Only
 * numbers, map descriptors and stack pointers travel with it (a call
 * clobbers r1-r5, so no map lookups; r1 is not the context).  hdr gets
 * the frames above r10's; the caller appends r10's frame. */
static inline int pv_chain(struct pv_str *hdr, struct pv_str *lvl, struct pv_reg *regs,
                           const int *is_free, int scratch, struct prevail_prog *pp, int *slot,
                           char *err, size_t esz)
{
    int64_t top = pp->stack_top;
    int up = 0, via[10];
    for (int r = 0; r <= 9; r++) {
        struct pv_reg *g = &regs[r];
        via[r] = -1;
        if (g->kind != PV_NONE && g->kind != PV_NUM && g->kind != PV_STACK &&
            g->kind != PV_MAPFD && g->kind != PV_PROGS) {
            snprintf(err, esz, "r%d: a pointer into a caller's frame with a register of a type "
                               "other than number, map or stack",
                     r);
            return -1;
        }
        if (g->kind != PV_STACK)
            continue;
        int64_t lo = g->stack_off, hi = g->stack_hi > lo ? g->stack_hi : lo;
        if (hi <= top)
            continue;
        int64_t k = lo < top ? -1 : (lo - top) / 512 + 1;
        if (k < 0 || hi > top + 512 * k || top + 512 * k > PV_STACK_TOTAL) {
            snprintf(err, esz, "r%d: stack offsets [%" PRId64 ", %" PRId64 "] across two frames",
                     r, lo, hi);
            return -1;
        }
        if ((up && k != up) || r == 0) {
            snprintf(err, esz, "r%d: no prologue for this pointer into a caller's frame", r);
            return -1;
        }
        up = (int)k;
        g->carried = 1;
        via[r] = r;
        for (int a = 5; a >= 1 && r > 5 && via[r] == r; a--) {
            int taken = !is_free[a] || regs[a].kind != PV_NONE;
            for (int q = 0; q <= 9; q++)
                taken |= q != r && via[q] == a;
            if (!taken)
                via[r] = a;
        }
        if (via[r] == r && r > 5) {
            snprintf(err, esz, "r%d: no argument register to carry it to r10's frame", r);
            return -1;
        }
    }
    for (int k = up; k >= 1; k--) {
        if (k < up)
            pv_put(hdr, "L___f%d:\n", k);
        pv_put(hdr, "%s", lvl[k].s ? lvl[k].s : "");
        for (int r = 0; k == up && r <= 9; r++) {
            struct pv_reg *g = &regs[r];
            if (via[r] < 0)
                continue;
            int64_t ftop = top + 512 * k, span = g->stack_hi > g->stack_off
                                                     ? g->stack_hi - g->stack_off
                                                     : 0;
            if (g->num_size) {
                /* the bytes every offset of the pointer reaches, up to
                 * the top of the frame */
                int64_t end = g->stack_off + span + g->num_size - 1;
                if (pv_stack_cells(hdr, (int)g->stack_off, (int)(end < ftop ? end : ftop - 1),
                                   ftop, 0, 0, slot, pp->mem_map, err, esz))
                    return -1;
            }
            if (span) {
                if (scratch < 0) {
                    snprintf(err, esz, "r%d: no free register for its variable stack offset", r);
                    return -1;
                }
                pv_unknown(hdr, scratch, 8 * (*slot)++, pp->mem_map);
                pv_put(hdr, "if r%d > %" PRId64 " goto L___hout\n", scratch, span);
            }
            pv_put(hdr, "r%d = r10\nr%d += %" PRId64 "\n", via[r], via[r], g->stack_off - ftop);
            if (span)
                pv_put(hdr, "r%d += r%d\n", via[r], scratch);
        }
        pv_put(hdr, "call L___f%d\nexit\n", k - 1);
        if (k == up)
            pv_put(hdr, "L___hout:\nr0 = 0\nexit\n");
    }
    pv_put(hdr, "L___f0:\n");
    for (int r = 6; r <= 9; r++)
        if (via[r] >= 0)
            pv_put(hdr, "r%d = r%d\n", r, via[r]);
    return 0;
}

static inline int prevail_build(const struct prevail_case *c, struct prevail_prog *pp, char *err,
                                size_t esz)
{
    memset(pp, 0, sizeof *pp);
    pp->prog_type = 0;
    pp->mem_size = PREVAIL_MEM;
    pp->mem_map = -1;
    pp->pkt_base = -1;
    /* a pre-state with a packet is built as XDP: r1 is struct xdp_md
     * (data at 0 and data_end at 4, as PREVAIL's context), and the
     * unknowns come from the value of an array map */
    int xdp = 0;
    int64_t pkt_size = 0, meta_hi = 0;
    pp->meta_base = -1;
    /* r10's frame: PREVAIL's stack is PV_STACK_TOTAL bytes, frames of 512
     * nested downwards from its top; r10.stack_offset names the top of
     * the frame the code runs in (512 when the pre-state does not say),
     * and every stack offset and cell is relative to it */
    pp->stack_top = 512;
    for (size_t i = 0; i < c->npre; i++) {
        const char *q = c->pre[i];
        char *e;
        if (strncmp(q, "r10.stack_offset=", 17))
            continue;
        int64_t top = strtoll(q + 17, &e, 0);
        if (*e || top < 512 || top > PV_STACK_TOTAL || top % 512) {
            snprintf(err, esz, "'%s': r10 other than the top of a frame", q);
            return -1;
        }
        pp->stack_top = top;
    }
    /* a stack pointer above r10's frame points into a caller's frame
     * (PREVAIL checks stack accesses against the whole stack, callers'
     * frames included): such a pre-state is built as a chain of calls,
     * see pv_chain */
    int chain = 0;
    for (size_t i = 0; i < c->npre; i++) {
        int r, n = 0;
        int64_t lo, hi;
        if (sscanf(c->pre[i], "r%d.stack_offset=%n", &r, &n) == 1 && n && r != 10 &&
            !pv_range(c->pre[i] + n, 0, &lo, &hi) && hi > pp->stack_top &&
            pp->stack_top < PV_STACK_TOTAL)
            chain = 1;
    }
    for (size_t i = 0; i < c->npre; i++)
        xdp |= strstr(c->pre[i], "packet") || !strncmp(c->pre[i], "meta_offset", 11);
    /* so is a context at an offset in an interval: struct xdp_md holds
     * pointers at 0 and 4 as PREVAIL's context does, and what a load
     * through such a pointer may reach is what the case is about (type
     * 0's memory has no pointers in it) */
    for (size_t i = 0; i < c->npre; i++)
        xdp |= strstr(c->pre[i], ".ctx_offset=[") != NULL;
    /* code with legacy packet loads (LD_ABS/LD_IND: skb[...]) is built as a
     * socket filter, whose context is the __sk_buff those loads need in r6 */
    int skb = 0;
    for (size_t i = 0; i < c->nblocks; i++)
        skb |= c->blocks[i].text && strstr(c->blocks[i].text, "skb[");
    if (skb && xdp) {
        snprintf(err, esz, "legacy packet loads with a packet pre-state");
        return -1;
    }
    if (chain && (skb || xdp)) {
        snprintf(err, esz, "a pointer into a caller's frame with a packet or legacy packet loads");
        return -1;
    }
    /* a chain is built as XDP with the unknowns in a map: its r1 may be
     * carried from a caller, and the kernel loads XDP unchanged (type 0
     * gets a wrapper, one more frame, and a chain may need all 8) */
    xdp |= chain;
    if (skb) {
        pp->prog_type = PV_SOCKET_FILTER;
        pp->mem_size = 0;
        pp->mem_map = pv_map(pp, PBPF_MAP_TYPE_ARRAY, PREVAIL_MEM, 1, -3);
    }
    if (xdp) {
        pp->prog_type = PV_XDP;
        pp->mem_size = 0;
        pp->mem_map = pv_map(pp, PBPF_MAP_TYPE_ARRAY, PREVAIL_MEM, 1, -3);
    }
    struct pv_reg regs[11];
    memset(regs, 0, sizeof regs);
    struct pv_str o = {0}, lvl[PV_FRAMES];
    memset(lvl, 0, sizeof lvl);
    pv_put(&o, "%s", "");
    int slot = 0, escape = 0, rc = 0;
    /* stack cells first (r0 is their scratch register) */
    for (size_t i = 0; i < c->npre && !rc; i++) {
        const char *p = c->pre[i];
        int a, b, m;
        char what[32], val[128];
        if (sscanf(p, "s[%d...%d].%31[a-z_]=%127[^\n]%n", &a, &b, what, val, &m) == 4) {
            if (!strcmp(what, "type")) {
                if (strcmp(val, "number")) {
                    snprintf(err, esz, "'%s': no prologue for stack cells of that type", p);
                    rc = -1;
                    break;
                }
                int64_t lo = 0, hi = 1;
                int known = 0;
                for (size_t j = 0; j < c->npre; j++) {
                    char pfx[64];
                    snprintf(pfx, sizeof pfx, "s[%d...%d].svalue=", a, b);
                    if (!strncmp(c->pre[j], pfx, strlen(pfx)) &&
                        !pv_range(c->pre[j] + strlen(pfx), 0, &lo, &hi) && lo == hi)
                        known = 1;
                }
                if (chain && a >= pp->stack_top) {
                    /* in a caller's frame: stored there (k frames up) */
                    int64_t k = (a - pp->stack_top) / 512 + 1;
                    rc = k >= PV_FRAMES ? -1
                                        : pv_stack_cells(&lvl[k], a, b, pp->stack_top + 512 * k,
                                                         known, lo, &slot, pp->mem_map, err, esz);
                    if (k >= PV_FRAMES)
                        snprintf(err, esz, "'%s': beyond the stack", p);
                } else {
                    rc = pv_stack_cells(&o, a, b, pp->stack_top, known, lo, &slot, pp->mem_map,
                                        err, esz);
                }
            } else if (strcmp(what, "svalue") && strcmp(what, "uvalue")) {
                snprintf(err, esz, "'%s': no prologue for that stack property", p);
                rc = -1;
            }
        }
    }
    for (size_t i = 0; i < c->npre && !rc; i++) {
        const char *p = c->pre[i];
        int r, m = 0;
        char what[32], val[128];
        if (p[0] == 's' && p[1] == '[')
            continue;
        if (!strncmp(p, "meta_offset=", 12)) {
            /* data_meta - data: a constant or an interval up to 0 (the
             * bytes proven are its negated upper bound), or equal to a
             * register's packet offset (that register is data_meta) */
            int64_t lo, hi;
            int q, ql = 0;
            if (sscanf(p + 12, "r%d.packet_offset%n", &q, &ql) == 1 && !p[12 + ql] && q >= 0 &&
                q <= 9) {
                regs[q].pkt_meta = 1;
            } else if (pv_range(p + 12, 0, &lo, &hi) || lo > hi || hi > 0 || lo < -0xffff) {
                snprintf(err, esz, "'%s': no prologue for that packet metadata", p);
                rc = -1;
            } else {
                meta_hi = hi;
                if (lo == hi) {
                    pp->meta_known = 1;
                    pp->meta_off = lo;
                }
            }
            continue;
        }
        if (!strncmp(p, "packet_size=", 12)) {
            /* the bytes proven readable: its lower bound */
            int64_t hi;
            if (pv_range(p + 12, 0, &pkt_size, &hi) || pkt_size < 0 || pkt_size > 0xffff) {
                snprintf(err, esz, "'%s': no prologue for that packet size", p);
                rc = -1;
            }
            continue;
        }
        /* "rN.type in {a, b}": one of the types, chosen by an unknown */
        if (sscanf(p, "r%d.type in {%127[^}]}", &r, val) == 2 && r >= 0 && r <= 9) {
            struct pv_reg *g = &regs[r];
            g->kind = PV_SET;
            g->nset = 0;
            for (char *tok = strtok(val, ", "); tok && !rc; tok = strtok(NULL, ", ")) {
                int k = pv_kind(tok);
                if (k == PV_NONE || g->nset == 4) {
                    snprintf(err, esz, "'%s': no prologue for that type set", p);
                    rc = -1;
                } else {
                    g->set[g->nset++] = k;
                }
            }
            continue;
        }
        if (sscanf(p, "r%d.%31[a-z_]=%127[^\n]%n", &r, what, val, &m) != 3 || r < 0 || r > 10) {
            snprintf(err, esz, "'%s': no prologue for this constraint", p);
            rc = -1;
            break;
        }
        struct pv_reg *g = &regs[r];
        int tq, tql = 0;
        if (!strcmp(what, "type") && sscanf(val, "r%d.type%n", &tq, &tql) == 1 && !val[tql]) {
            /* "r2.type=r3.type": the two (of the same type set) are
             * built together, one unknown choosing the type of both */
            if (tq < 0 || tq > 9 || tq == r || r == 10) {
                snprintf(err, esz, "'%s': no prologue for that relation", p);
                rc = -1;
            } else if (tq < r) {
                regs[r].type_with = tq + 1;
            } else {
                regs[tq].type_with = r + 1;
            }
        } else if (!strcmp(what, "type")) {
            g->kind = pv_kind(val);
            if (g->kind == PV_NONE) {
                snprintf(err, esz, "'%s': no prologue for that type", p);
                rc = -1;
            }
        } else if (!strcmp(what, "svalue") || !strcmp(what, "uvalue")) {
            int is_u = what[0] == 'u';
            if (val[0] == 'r') {
                /* "r2.svalue=r1.svalue": equal numbers, a copy made after
                 * both are set (Linux links the two) */
                int q, ql = 0;
                char qk;
                if (sscanf(val, "r%d.%cvalue%n", &q, &qk, &ql) != 2 || val[ql] || q < 0 ||
                    q > 9 || (qk != 's' && qk != 'u')) {
                    snprintf(err, esz, "'%s': relations have no prologue", p);
                    rc = -1;
                } else if (q != r) {
                    g->copy_of = q + 1;
                } else if (!is_u) {
                    snprintf(err, esz, "'%s': relations have no prologue", p);
                    rc = -1;
                }
            } else if (pv_range(val, is_u, is_u ? &g->ulo : &g->slo, is_u ? &g->uhi : &g->shi)) {
                snprintf(err, esz, "'%s': cannot read the value", p);
                rc = -1;
            } else if (is_u) {
                g->has_u = 1;
            } else {
                g->has_s = 1;
            }
        } else if ((!strcmp(what, "stack_offset") || !strcmp(what, "ctx_offset")) &&
                   val[0] == '[') {
            /* an offset in an interval: a pointer plus an unknown */
            int64_t lo, hi;
            if (pv_range(val, 0, &lo, &hi) || lo < 0 || lo > hi || hi - lo > 0xffff) {
                snprintf(err, esz, "'%s': no prologue for that offset", p);
                rc = -1;
            } else if (what[0] == 's') {
                g->stack_off = lo;
                g->stack_hi = hi;
            } else {
                g->ctx_off = lo;
                g->ctx_hi = hi;
            }
        } else if (!strcmp(what, "stack_offset") || !strcmp(what, "ctx_offset") ||
                   !strcmp(what, "shared_offset") || !strcmp(what, "shared_region_size") ||
                   !strcmp(what, "map_fd") || !strcmp(what, "map_fd_programs")) {
            char *e;
            int64_t v = strtoll(val, &e, 0);
            if (*e) {
                snprintf(err, esz, "'%s': only a constant %s has a prologue", p,
                         what[0] == 's' && what[1] == 'h' && what[7] == 'r' ? "size"
                                                                              : "offset");
                rc = -1;
            } else if (what[0] == 's' && what[1] == 't') {
                g->stack_off = v;
            } else if (what[0] == 'c') {
                g->ctx_off = v;
            } else if (!strcmp(what, "shared_offset")) {
                g->shared_off = v;
            } else if (!strncmp(what, "map_fd", 6)) {
                g->map_fd = v;
                g->has_map_fd = 1;
            } else {
                g->region = v;
                g->has_region = 1;
            }
        } else if (!strcmp(what, "packet_offset")) {
            int64_t lo, hi;
            if (!strcmp(val, "packet_size"))
                g->pkt_end = 1;
            else if (!pv_range(val, 0, &lo, &hi) && lo == hi)
                g->pkt_off = lo;
            else
                g->pkt_range = 1;
        } else if (!strcmp(what, "stack_numeric_size")) {
            /* bytes of numbers at the pointer: built for a pointer into a
             * caller's frame (pv_chain) */
            char *e;
            int64_t v = strtoll(val, &e, 0);
            if (!*e && v > 0 && v <= 512)
                g->num_size = v;
        } else {
            snprintf(err, esz, "'%s': no prologue for that property", p);
            rc = -1;
        }
    }
    /* a register with a value but no type may be of any type: a number
     * or (standing for the pointers) the context */
    for (int r = 0; r <= 9 && !rc; r++) {
        struct pv_reg *g = &regs[r];
        if (g->kind == PV_NONE && (g->has_s || g->has_u) && !g->copy_of) {
            g->kind = PV_SET;
            g->set[0] = PV_NUM;
            g->set[1] = PV_CTX;
            g->nset = 2;
        }
    }
    /* registers the prologue may use for itself: named neither by the
     * pre-state nor by the code (the highest is the scratch register for
     * wide bounds and type sets) */
    int is_free[11] = {0}, scratch = -1;
    for (int r = 9; r >= 0; r--) {
        if (regs[r].kind || r == 1)
            continue;
        char rn[8], wn[8];
        snprintf(rn, sizeof rn, "r%d", r);
        snprintf(wn, sizeof wn, "w%d", r);
        int used = 0;
        for (size_t i = 0; i < c->nblocks; i++) {
            const char *t = c->blocks[i].text ? c->blocks[i].text : "";
            for (const char *q = t; (q = strpbrk(q, "rw")); q++)
                if ((!strncmp(q, rn, 2) || !strncmp(q, wn, 2)) && !isdigit((unsigned char)q[2]))
                    used = 1;
        }
        is_free[r] = !used;
        if (!used && scratch < 0 && r >= 2)
            scratch = r;
    }
    struct pv_str hdr = {0};
    pv_put(&hdr, "%s", "");
    if (chain && !rc)
        rc = pv_chain(&hdr, lvl, regs, is_free, scratch, pp, &slot, err, esz);
    /* shared regions: map values, looked up before the registers are set
     * (the call clobbers r0-r5), each left in a callee-saved home: the
     * register itself when it is one, else a free one; the key is 4
     * bytes at the end of the memory, which r1 holds again afterwards */
    int nshared = 0;
    for (int r = 0; r <= 9 && !rc; r++) {
        struct pv_reg *g = &regs[r];
        int shared = g->kind == PV_SHARED;
        for (int k = 0; g->kind == PV_SET && k < g->nset; k++)
            shared |= g->set[k] == PV_SHARED;
        g->home = -1;
        if (!shared)
            continue;
        if (!g->has_region || g->region <= 0 || g->region > 4096) {
            snprintf(err, esz, "r%d: a shared region needs a constant size", r);
            rc = -1;
            break;
        }
        if (r >= 6)
            g->home = r;
        for (int h = 6; h <= 9 && g->home < 0; h++) {
            int taken = h == scratch || !is_free[h];
            for (int q = 0; q <= 9; q++)
                taken |= regs[q].home == h;
            if (!taken)
                g->home = h;
        }
        if (g->home < 0) {
            snprintf(err, esz, "r%d: no free callee-saved register for its map value", r);
            rc = -1;
        }
        nshared++;
    }
    if (nshared && !rc) {
        int save = -1;
        for (int h = 6; h <= 9 && save < 0; h++) {
            int taken = 0;
            for (int q = 0; q <= 9; q++)
                taken |= regs[q].home == h;
            if (!taken)
                save = h;
        }
        if (save < 0) {
            snprintf(err, esz, "no callee-saved register left to keep r1 in");
            rc = -1;
        }
        for (int r = 0; r <= 9 && !rc; r++) {
            struct pv_reg *g = &regs[r];
            if (g->home < 0)
                continue;
            int idx = pv_map(pp, PBPF_MAP_TYPE_ARRAY, (uint32_t)g->region, 1, -1);
            if (idx < 0) {
                snprintf(err, esz, "too many maps");
                rc = -1;
                break;
            }
            /* a region that may be null is left unchecked (Linux's
             * map_value_or_null), except when it carries an offset: Linux
             * refuses arithmetic on a pointer that may be null, so there
             * is no such pointer with an offset, and the case is built
             * with the region present (a narrower pre-state: PREVAIL's
             * pointer is a shared one either way) */
            int nonnull = (g->has_s && g->slo >= 1) || (g->has_u && (uint64_t)g->ulo >= 1) ||
                          g->shared_off;
            /* the key: 4 bytes at the end of the memory */
            if (pp->mem_map < 0)
                pv_put(&o, "r%d = r1\nr2 = r%d\nr2 += %d\n", save, save, PREVAIL_MEM - 8);
            else
                pv_put(&o, "r%d = r1\nr2 = map_value(%d) ll\nr2 += %d\n", save, pp->mem_map,
                       PREVAIL_MEM - 8);
            pv_put(&o, "r1 = map_fd(%d) ll\ncall 1\n%sr%d = r0\nr1 = r%d\n", idx,
                   nonnull ? "if r0 == 0 goto L___out\n" : "", g->home, save);
            escape |= nonnull;
        }
    }
    /* packet pointers: data in a free register (the base), with
     * packet_size bytes proven by a comparison with data_end through two
     * registers the prologue sets later or the code never reads; pointers
     * into the metadata (a negative packet offset, or the register equal
     * to meta_offset) are built from data_meta in a second free register
     * (Linux's pkt_meta pointers), with the metadata bytes the pre-state
     * has (-meta_offset) proven by a comparison with data */
    int need_base = 0, need_meta = meta_hi < 0;
    for (int r = 0; r <= 9; r++) {
        struct pv_reg *g = &regs[r];
        for (int k = 0; k < (g->kind == PV_SET ? g->nset : 1); k++) {
            int kind = g->kind == PV_SET ? g->set[k] : g->kind;
            need_base |= kind == PV_PACKET && !g->pkt_end;
            need_meta |= kind == PV_PACKET && (g->pkt_meta || (!g->pkt_range && g->pkt_off < 0));
        }
    }
    need_base |= need_meta;
    if (need_base && !rc) {
        /* the bases first: free registers; then any other free one, or
         * one the prologue sets later (not r1, not the home of a map
         * value) */
        int nbase = need_meta ? 2 : 1;
        int want = nbase + (pkt_size ? 2 : meta_hi < 0 ? 1 : 0);
        int tmp[4], nt = 0;
        for (int pass = 0; pass < 2 && nt < want; pass++)
            for (int r = 0; r <= 9 && nt < want; r++) {
                int ok = r != 1 && r != scratch && regs[r].home != r &&
                         (pass == 0 ? is_free[r] : (!is_free[r] && regs[r].kind != PV_NONE));
                for (int q = 0; q < nt; q++)
                    ok &= tmp[q] != r;
                for (int q = 0; q <= 9; q++)
                    ok &= regs[q].home != r;
                if (ok && (nt >= nbase || is_free[r]))
                    tmp[nt++] = r;
            }
        if (nt < want) {
            snprintf(err, esz, "no free registers to build the packet pointers with");
            rc = -1;
        } else {
            pp->pkt_base = tmp[0];
            pv_put(&o, "r%d = *(u32 *)(r1 + 0)\n", tmp[0]);
            if (pkt_size) {
                pv_put(&o,
                       "r%d = r%d\nr%d += %" PRId64 "\nr%d = *(u32 *)(r1 + 4)\n"
                       "if r%d > r%d goto L___out\n",
                       tmp[nbase], tmp[0], tmp[nbase], pkt_size, tmp[nbase + 1], tmp[nbase],
                       tmp[nbase + 1]);
                escape = 1;
            }
            if (need_meta) {
                /* struct xdp_md's data_meta, at 8 */
                pp->meta_base = tmp[1];
                pv_put(&o, "r%d = *(u32 *)(r1 + 8)\n", tmp[1]);
            }
            if (meta_hi < 0) {
                pv_put(&o, "r%d = r%d\nr%d += %" PRId64 "\nif r%d > r%d goto L___out\n",
                       tmp[nbase], tmp[1], tmp[nbase], -meta_hi, tmp[nbase], tmp[0]);
                escape = 1;
            }
        }
    }
    /* registers: r2..r9, r0, then r1 (the base of the unknown loads) */
    static const int order[] = {2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 10};
    for (size_t i = 0; i < 11 && !rc; i++) {
        int r = order[i];
        struct pv_reg *g = &regs[r];
        if (r == 10) {
            if (g->kind && g->kind != PV_STACK) {
                snprintf(err, esz, "r10 other than the frame pointer");
                rc = -1;
            }
            continue;
        }
        /* a register whose type is another's: equal single types need
         * nothing more, equal type sets are built with the other */
        int lead = g->type_with - 1, with = -1;
        if (lead >= 0 && regs[lead].kind != g->kind) {
            snprintf(err, esz, "r%d.type=r%d.type: the two have different types", r, lead);
            rc = -1;
            break;
        }
        if (lead >= 0 && g->kind == PV_SET)
            continue;
        for (int q = 0; q <= 9; q++)
            if (regs[q].type_with == r + 1 && g->kind == PV_SET)
                with = q;
        if (with >= 0 && (with == 1 || r == 1 || regs[with].nset != g->nset ||
                          memcmp(regs[with].set, g->set, sizeof g->set[0] * (size_t)g->nset))) {
            snprintf(err, esz, "r%d.type=r%d.type: no prologue for those type sets", with, r);
            rc = -1;
            break;
        }
        if (g->carried)
            continue;
        if (g->kind != PV_SET) {
            rc = pv_emit_kind(&o, r, g->kind, g, pp, &slot, &escape, scratch, err, esz);
            continue;
        }
        /* a type set: an unknown in the scratch register picks the type
         * (of r, and of the register whose type is r's) */
        if (scratch < 0) {
            snprintf(err, esz, "r%d: no free register to choose its type with", r);
            rc = -1;
            break;
        }
        pv_unknown(&o, scratch, 8 * slot++, pp->mem_map);
        for (int k = 0; k + 1 < g->nset; k++)
            pv_put(&o, "if r%d == %d goto L___t%d_%d\n", scratch, k, r, k);
        for (int k = g->nset - 1; k >= 0 && !rc; k--) {
            if (k + 1 < g->nset)
                pv_put(&o, "L___t%d_%d:\n", r, k);
            rc = pv_emit_kind(&o, r, g->set[k], g, pp, &slot, &escape, scratch, err, esz);
            if (with >= 0 && !rc)
                rc = pv_emit_kind(&o, with, g->set[k], &regs[with], pp, &slot, &escape, scratch,
                                  err, esz);
            pv_put(&o, "goto L___t%d_end\n", r);
        }
        pv_put(&o, "L___t%d_end:\n", r);
    }
    /* equal numbers: copies, once every register is set */
    for (int r = 0; r <= 9 && !rc; r++) {
        int q = regs[r].copy_of - 1;
        if (q < 0)
            continue;
        if (regs[r].kind != PV_NUM || regs[q].kind != PV_NUM || regs[q].copy_of) {
            snprintf(err, esz, "r%d: a relation other than an equality of numbers", r);
            rc = -1;
        } else {
            pv_put(&o, "r%d = r%d\n", r, q);
        }
    }
    if (slot * 8 > PREVAIL_MEM - (nshared ? 8 : 0)) {
        snprintf(err, esz, "the prologue needs more than %d bytes of memory", PREVAIL_MEM);
        rc = -1;
    }
    /* the code, block by block */
    const char *last = NULL;
    struct pv_str code = {0};
    pv_put(&code, "%s", "");
    for (size_t i = 0; i < c->nblocks && !rc; i++) {
        pv_put(&code, "L_%s:\n", c->blocks[i].label);
        last = NULL;
        const char *text = c->blocks[i].text ? c->blocks[i].text : "";
        size_t last_at = (size_t)-1;
        while (*text && !rc) {
            const char *e = strchr(text, '\n');
            size_t ln = e ? (size_t)(e - text) : strlen(text);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)ln, text);
            text += ln + (e ? 1 : 0);
            size_t before = code.len;
            rc = pv_line(&code, line, &escape, pp, err, esz);
            if (code.len > before)
                last_at = before;
        }
        last = last_at != (size_t)-1 ? strdup(code.s + last_at) : NULL;
        if (i + 1 < c->nblocks) {
            free((char *)last);
            last = NULL;
        }
    }
    int ends = last && (!strncmp(last, "exit", 4) || !strncmp(last, "goto", 4));
    free((char *)last);
    if (!rc) {
        pv_put(&o, "%s", code.s);
        if (escape || !ends)
            pv_put(&o, "L___out:\nr0 = 0\nexit\n");
        pv_put(&hdr, "%s", o.s);
        free(o.s);
        o = hdr;
        hdr.s = NULL;
    }
    free(hdr.s);
    for (int k = 0; k < PV_FRAMES; k++)
        free(lvl[k].s);
    free(code.s);
    /* local calls by label: "call L_x" -> "call pc+N" (slots counted per line) */
    if (!rc && strstr(o.s, "call L_")) {
        char labels[64][80];
        int label_slot[64], nl = 0, idx = 0;
        for (const char *line = o.s; *line;) {
            const char *e = strchr(line, '\n');
            size_t ln = e ? (size_t)(e - line) : strlen(line);
            if (ln && line[ln - 1] == ':') {
                if (nl < 64 && ln < 80) {
                    snprintf(labels[nl], 80, "%.*s", (int)(ln - 1), line);
                    label_slot[nl++] = idx;
                }
            } else if (ln) {
                char tmp[512];
                snprintf(tmp, sizeof tmp, "%.*s", (int)ln, line);
                idx += pv_slots(tmp);
            }
            line += ln + (e ? 1 : 0);
        }
        struct pv_str f = {0};
        pv_put(&f, "%s", "");
        idx = 0;
        for (const char *line = o.s; *line && !rc;) {
            const char *e = strchr(line, '\n');
            size_t ln = e ? (size_t)(e - line) : strlen(line);
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%.*s", (int)ln, line);
            line += ln + (e ? 1 : 0);
            if (!strncmp(tmp, "call L_", 7)) {
                int target = -1;
                for (int j = 0; j < nl; j++)
                    if (!strcmp(labels[j], pv_trim(tmp + 5)))
                        target = label_slot[j];
                if (target < 0) {
                    snprintf(err, esz, "call of an unknown label %.100s", tmp + 5);
                    rc = -1;
                    break;
                }
                pv_put(&f, "call pc%+d\n", target - (idx + 1));
                idx++;
                continue;
            }
            if (ln && tmp[ln - 1] != ':')
                idx += pv_slots(tmp);
            pv_put(&f, "%s\n", tmp);
        }
        free(o.s);
        o = f;
    }
    if (!rc) {
        char aerr[256];
        int arc = pbpf_asm(o.s, &pp->insns, &pp->cnt, aerr, sizeof aerr);
        if (arc) {
            snprintf(err, esz, "assembler: %.200s", aerr);
            rc = -1;
        }
    }
    free(o.s);
    return rc;
}

#endif
