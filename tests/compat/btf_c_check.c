/* btf_c_check FILE HEADER: reads the BTF of FILE (an ELF object's .BTF or
 * a raw BTF file) and writes a C program that includes HEADER and checks,
 * with the compiler's own sizeof/offsetof, that the header defines every
 * named struct, union, enum and typedef of the BTF with the BTF's sizes,
 * member offsets and enumerator values; bit-fields are checked when the
 * program runs (all ones stored, the bits found in memory).  Names that
 * occur more than once in the BTF are only checked to exist (as NAME and
 * NAME___2 ...: libbpf's names for the copies).  The counts of what is
 * checked go to stderr as "checks: ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "pbpf/object.h"

static const struct pbpf_btf *b;
static uint32_t cnt;
static unsigned long n_types, n_members, n_bitfields, n_enumvals, n_dups;

/* Names and how often each occurs, by namespace: tags (struct, union,
 * enum: 0), typedefs (1) and enumerators (2; they share C's identifier
 * namespace with typedefs). */
struct nm {
    const char *name;
    int ns;
};
static struct nm *names;
static size_t n_names;

static int nm_cmp(const void *x, const void *y)
{
    const struct nm *a = x, *b2 = y;
    if (a->ns != b2->ns)
        return a->ns - b2->ns;
    return strcmp(a->name, b2->name);
}

static void add_name(const char *n, int ns)
{
    names[n_names].name = n;
    names[n_names].ns = ns;
    n_names++;
}

static void collect_names(void)
{
    size_t cap = 0;
    for (uint32_t id = 1; id < cnt; id++)
        cap += 1 + pbpf_btf_vlen(pbpf_btf_type_by_id(b, id));
    names = calloc(cap + 1, sizeof *names);
    for (uint32_t id = 1; id < cnt; id++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
        unsigned k = pbpf_btf_kind(t);
        const char *n = pbpf_btf_name(b, t);
        if (n[0] && (k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION ||
                     k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64))
            add_name(n, 0);
        if (n[0] && k == PBPF_BTF_KIND_TYPEDEF)
            add_name(n, 1);
        for (unsigned i = 0; k == PBPF_BTF_KIND_ENUM && i < pbpf_btf_vlen(t); i++)
            add_name(pbpf_btf_str(b, ((const struct pbpf_btf_enum *)(t + 1))[i].name_off), 2);
        for (unsigned i = 0; k == PBPF_BTF_KIND_ENUM64 && i < pbpf_btf_vlen(t); i++)
            add_name(pbpf_btf_str(b, ((const struct pbpf_btf_enum64 *)(t + 1))[i].name_off), 2);
    }
    qsort(names, n_names, sizeof *names, nm_cmp);
}

static unsigned name_count(const char *n, int ns)
{
    struct nm key = {n, ns};
    struct nm *hit = bsearch(&key, names, n_names, sizeof *names, nm_cmp);
    if (!hit)
        return 0;
    struct nm *lo = hit, *hi = hit;
    while (lo > names && !nm_cmp(lo - 1, &key))
        lo--;
    while (hi + 1 < names + n_names && !nm_cmp(hi + 1, &key))
        hi++;
    return (unsigned)(hi - lo + 1);
}

/* Whether this is the first type (in id order) of its name and namespace. */
static int first_of_name(uint32_t id, const char *n, int ident)
{
    for (uint32_t j = 1; j < id; j++) {
        const struct pbpf_btf_type *u = pbpf_btf_type_by_id(b, j);
        unsigned k = pbpf_btf_kind(u);
        int same_ns = ident ? k == PBPF_BTF_KIND_TYPEDEF
                            : (k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION ||
                               k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64);
        if (same_ns && !strcmp(pbpf_btf_name(b, u), n))
            return 0;
    }
    return 1;
}

/* Whether type id holds a __builtin_va_list by value: its size is the
 * target's (24 bytes on x86-64, 8 for BPF), so its checks are left to
 * the host compiler. */
static uint8_t *va_memo; /* 0 unknown, 1 no, 2 yes, 3 being computed */
static int has_va_list(uint32_t id)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
    if (!t)
        return 0;
    if (va_memo[id])
        return va_memo[id] == 2;
    va_memo[id] = 3;
    int r = 0;
    unsigned k = pbpf_btf_kind(t);
    if (k == PBPF_BTF_KIND_TYPEDEF && !strncmp(pbpf_btf_name(b, t), "__builtin_", 10))
        r = 1;
    else if (k == PBPF_BTF_KIND_TYPEDEF || k == PBPF_BTF_KIND_CONST ||
             k == PBPF_BTF_KIND_VOLATILE || k == PBPF_BTF_KIND_RESTRICT ||
             k == PBPF_BTF_KIND_TYPE_TAG)
        r = has_va_list(t->size_type);
    else if (k == PBPF_BTF_KIND_ARRAY)
        r = has_va_list(PBPF_BTF_ARRAY(t)->type);
    else if (k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION)
        for (unsigned i = 0; i < pbpf_btf_vlen(t) && !r; i++)
            r = has_va_list(PBPF_BTF_MEMBERS(t)[i].type);
    va_memo[id] = r ? 2 : 1;
    return r;
}

/* Members of struct/union id (reached as `ref`), anonymous members
 * followed, at bit offset base from the outer type. */
static void members(FILE *o, FILE *rt, const char *ref, uint32_t id, uint64_t base, int depth)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
    const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
    for (unsigned i = 0; i < pbpf_btf_vlen(t) && depth < 16; i++) {
        const char *mn = pbpf_btf_str(b, m[i].name_off);
        uint64_t off = base + pbpf_btf_member_bit_offset(t, &m[i]);
        uint32_t bf = pbpf_btf_member_bitfield_size(t, &m[i]);
        if (!mn || !mn[0]) {
            uint32_t mt = pbpf_btf_skip_qualifiers(b, m[i].type);
            const struct pbpf_btf_type *at = pbpf_btf_type_by_id(b, mt);
            unsigned ak = at ? pbpf_btf_kind(at) : 0;
            if ((ak == PBPF_BTF_KIND_STRUCT || ak == PBPF_BTF_KIND_UNION) &&
                !pbpf_btf_name(b, at)[0])
                members(o, rt, ref, mt, off, depth + 1);
            continue;
        }
        if (bf) {
            fprintf(rt, "\tBITS(%s, %s, %llu, %u);\n", ref, mn, (unsigned long long)off, bf);
            n_bitfields++;
        } else {
            fprintf(o, "_Static_assert(offsetof(%s, %s) * 8 == %llu, \"%s.%s\");\n", ref, mn,
                    (unsigned long long)off, ref, mn);
            n_members++;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: btf_c_check FILE HEADER\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char buf[64 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct pbpf_btf *own = NULL;
    char err[256] = "";
    if (len > 4 && !memcmp(buf, "\177ELF", 4)) {
        struct pbpf_object *obj;
        PBPF_OPTS(pbpf_object_opts, oo, .log_buf = err, .log_size = sizeof err);
        size_t blen = 0;
        const void *bdata;
        if (pbpf_object_open_mem(buf, len, &oo, &obj) ||
            !(bdata = pbpf_object_btf_data(obj, &blen))) {
            fprintf(stderr, "%s: no BTF: %s\n", argv[1], err);
            return 1;
        }
        int rc = pbpf_btf_parse(bdata, blen, &own, err, sizeof err);
        pbpf_object_close(obj);
        if (rc) {
            fprintf(stderr, "%s: %s\n", argv[1], err);
            return 1;
        }
    } else if (pbpf_btf_parse(buf, len, &own, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    b = own;
    cnt = pbpf_btf_type_cnt(b);
    collect_names();
    va_memo = calloc(cnt, 1);
    FILE *o = stdout;
    char *rtbuf = NULL;
    size_t rtlen = 0;
    FILE *rt = open_memstream(&rtbuf, &rtlen);
    fprintf(o, "#include \"%s\"\n#define offsetof(T, M) __builtin_offsetof(T, M)\n\n", argv[2]);
    for (uint32_t id = 1; id < cnt; id++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
        unsigned k = pbpf_btf_kind(t);
        const char *n = pbpf_btf_name(b, t);
        if (!n[0])
            continue;
        const char *kw = k == PBPF_BTF_KIND_STRUCT  ? "struct "
                         : k == PBPF_BTF_KIND_UNION ? "union "
                         : (k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64) ? "enum "
                         : k == PBPF_BTF_KIND_TYPEDEF ? ""
                                                      : NULL;
        if (!kw || !strncmp(n, "__builtin_", 10))
            continue; /* the compiler's own types (__builtin_va_list) */
        char ref[512];
        int ident = k == PBPF_BTF_KIND_TYPEDEF;
        unsigned dups = name_count(n, ident);
        if (dups > 1) {
            /* each copy's name exists (NAME, NAME___2, ...): checked once,
             * at the first of them */
            if (first_of_name(id, n, ident)) {
                /* libbpf's rule: the Nth type of the name in id order is
                 * NAME___N, whatever its kind */
                n_dups++;
                unsigned c = 0;
                for (uint32_t j = id; j < cnt; j++) {
                    const struct pbpf_btf_type *u = pbpf_btf_type_by_id(b, j);
                    unsigned uk = pbpf_btf_kind(u);
                    const char *ukw = uk == PBPF_BTF_KIND_STRUCT  ? "struct "
                                      : uk == PBPF_BTF_KIND_UNION ? "union "
                                      : (uk == PBPF_BTF_KIND_ENUM || uk == PBPF_BTF_KIND_ENUM64)
                                          ? "enum "
                                      : uk == PBPF_BTF_KIND_TYPEDEF ? ""
                                                                    : NULL;
                    if (!ukw || (uk == PBPF_BTF_KIND_TYPEDEF) != ident ||
                        strcmp(pbpf_btf_name(b, u), n))
                        continue;
                    if (++c == 1)
                        fprintf(o, "typedef %s%s __exists_%u;\n", ukw, n, j);
                    else
                        fprintf(o, "typedef %s%s___%u __exists_%u;\n", ukw, n, c, j);
                }
            }
            continue;
        }
        snprintf(ref, sizeof ref, "%s%s", kw, n);
        int va = has_va_list(id);
        if (va)
            fprintf(o, "#ifndef __bpf__ /* holds a va_list */\n");
        uint64_t size;
        n_types++;
        if ((k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64) && pbpf_btf_vlen(t) == 0) {
            fprintf(o, "typedef %s __exists_%u;\n", ref, id);
            continue;
        }
        if (pbpf_btf_type_size(b, id, &size) == 0)
            fprintf(o, "_Static_assert(sizeof(%s) == %llu, \"sizeof(%s)\");\n", ref,
                    (unsigned long long)size, ref);
        else
            fprintf(o, "typedef %s __exists_%u;\n", ref, id);
        if (k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION)
            members(o, rt, ref, id, 0, 0);
        if (va)
            fprintf(o, "#endif\n");
        if (k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64) {
            for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
                const char *en;
                char val[48];
                if (k == PBPF_BTF_KIND_ENUM) {
                    const struct pbpf_btf_enum *e = (const struct pbpf_btf_enum *)(t + 1) + i;
                    en = pbpf_btf_str(b, e->name_off);
                    if (pbpf_btf_kflag(t))
                        snprintf(val, sizeof val, "%dLL", e->val);
                    else
                        snprintf(val, sizeof val, "%uLL", (uint32_t)e->val);
                } else {
                    const struct pbpf_btf_enum64 *e = (const struct pbpf_btf_enum64 *)(t + 1) + i;
                    en = pbpf_btf_str(b, e->name_off);
                    snprintf(val, sizeof val, "%lluULL",
                             (unsigned long long)((uint64_t)e->val_hi32 << 32 | e->val_lo32));
                }
                if (name_count(en, 1) + name_count(en, 2) != 1)
                    continue;
                fprintf(o, "_Static_assert((unsigned long long)(%s) == (unsigned long long)(%s), "
                           "\"%s\");\n", en, val, en);
                n_enumvals++;
            }
        }
    }
    fclose(rt);
    fprintf(o, "\n#ifdef RUN_BITS\n/* no libc header: the dumped types may clash with its typedefs */\n"
               "int printf(const char *, ...);\n"
               "static int bad;\n"
               "static void bits(const unsigned char *p, unsigned long n, unsigned long long off, "
               "unsigned w, const char *what)\n{\n"
               "\tunsigned long long first = ~0ull, c = 0;\n"
               "\tfor (unsigned long i = 0; i < n * 8; i++)\n"
               "\t\tif (p[i / 8] >> (i %% 8) & 1) { if (first == ~0ull) first = i; c++; }\n"
               "\tif (first != off || c != w) { printf(\"%%s: bits %%llu+%%llu, BTF %%llu+%%u\\n\", "
               "what, first, c, off, w); bad = 1; }\n}\n"
               "#define BITS(T, M, OFF, W) do { union { T x; unsigned char b[sizeof(T)]; } u; "
               "__builtin_memset(&u, 0, sizeof u); u.x.M = -1; bits(u.b, sizeof u, OFF, W, #T \".\" #M); } "
               "while (0)\n"
               "int main(void)\n{\n%s\treturn bad;\n}\n#endif\n",
            rtbuf ? rtbuf : "");
    free(rtbuf);
    fprintf(stderr, "checks: %lu named types, %lu member offsets, %lu bit-fields, %lu enumerator "
                    "values; %lu names of more than one type checked for existence\n",
            n_types, n_members, n_bitfields, n_enumvals, n_dups);
    free(names);
    pbpf_btf_free(own);
    return 0;
}
