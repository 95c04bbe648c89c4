/* pbpf btf dump OBJ [--format raw|c] [--json]: the .BTF of an ELF object
 * (or a raw BTF file such as /sys/kernel/btf/vmlinux), as bpftool prints it:
 * raw, one type per line with its members; or c, the types as C
 * declarations a program could include. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "cli.h"
#include "elf/elf.h"
#include "objcli.h"

static void btf_usage(void)
{
    printf("Usage: pbpf btf dump FILE [--format raw|c] [--json]\n\n"
           "Prints the BTF of FILE: an ELF object's .BTF section, or a raw BTF file\n"
           "(/sys/kernel/btf/vmlinux).\n\n"
           "  --format raw   every type as [id] KIND 'name' and its fields (default)\n"
           "  --format c     the named structs, unions, enums and typedefs as C\n"
           "  --json         raw format as one JSON document\n");
}

static const char *nm(const struct pbpf_btf *b, const struct pbpf_btf_type *t)
{
    const char *s = pbpf_btf_name(b, t);
    return s && s[0] ? s : "(anon)";
}

static const char *int_encoding(unsigned e)
{
    switch (e) {
    case 1: return "SIGNED";
    case 2: return "CHAR";
    case 4: return "BOOL";
    default: return "(none)";
    }
}

static const char *linkage(uint32_t l)
{
    return l == 0 ? "static" : l == 1 ? "global" : l == 2 ? "extern" : "unknown";
}

/* --- raw ----------------------------------------------------------------- */

static void raw_one(const struct pbpf_btf *b, uint32_t id, int json, int first)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
    unsigned k = pbpf_btf_kind(t), vlen = pbpf_btf_vlen(t);
    if (json) {
        printf("%s{\"id\":%u,\"kind\":\"%s\",\"name\":", first ? "" : ",", id,
               pbpf_btf_kind_name(k));
        cli_json_string(stdout, nm(b, t));
    } else {
        printf("[%u] %s '%s'", id, pbpf_btf_kind_name(k), nm(b, t));
    }
#define F(fmt, jname, ...)                                                                         \
    do {                                                                                           \
        if (json)                                                                                  \
            printf(",\"" jname "\":" fmt, __VA_ARGS__);                                           \
        else                                                                                       \
            printf(" " jname "=" fmt, __VA_ARGS__);                                               \
    } while (0)
    switch (k) {
    case PBPF_BTF_KIND_INT:
        F("%u", "size", t->size_type);
        F("%u", "bits_offset", PBPF_BTF_INT_OFFSET(t));
        F("%u", "nr_bits", PBPF_BTF_INT_BITS(t));
        if (json)
            printf(",\"encoding\":\"%s\"", int_encoding(PBPF_BTF_INT_ENCODING(t)));
        else
            printf(" encoding=%s", int_encoding(PBPF_BTF_INT_ENCODING(t)));
        break;
    case PBPF_BTF_KIND_PTR:
    case PBPF_BTF_KIND_TYPEDEF:
    case PBPF_BTF_KIND_VOLATILE:
    case PBPF_BTF_KIND_CONST:
    case PBPF_BTF_KIND_RESTRICT:
    case PBPF_BTF_KIND_TYPE_TAG:
        F("%u", "type_id", t->size_type);
        break;
    case PBPF_BTF_KIND_ARRAY: {
        const struct pbpf_btf_array *a = PBPF_BTF_ARRAY(t);
        F("%u", "type_id", a->type);
        F("%u", "index_type_id", a->index_type);
        F("%u", "nr_elems", a->nelems);
        break;
    }
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION: {
        F("%u", "size", t->size_type);
        F("%u", "vlen", vlen);
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        if (json)
            printf(",\"members\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const char *mn = pbpf_btf_str(b, m[i].name_off);
            uint32_t bits = pbpf_btf_member_bit_offset(t, &m[i]);
            uint32_t bf = pbpf_btf_member_bitfield_size(t, &m[i]);
            if (json) {
                printf("%s{\"name\":", i ? "," : "");
                cli_json_string(stdout, mn && mn[0] ? mn : "(anon)");
                printf(",\"type_id\":%u,\"bits_offset\":%u", m[i].type, bits);
                if (bf)
                    printf(",\"bitfield_size\":%u", bf);
                printf("}");
            } else {
                printf("\n\t'%s' type_id=%u bits_offset=%u", mn && mn[0] ? mn : "(anon)",
                       m[i].type, bits);
                if (bf)
                    printf(" bitfield_size=%u", bf);
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64: {
        int sign = pbpf_btf_kflag(t);
        if (json)
            printf(",\"encoding\":\"%s\"", sign ? "SIGNED" : "UNSIGNED");
        else
            printf(" encoding=%s", sign ? "SIGNED" : "UNSIGNED");
        F("%u", "size", t->size_type);
        F("%u", "vlen", vlen);
        if (json)
            printf(",\"values\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const char *en;
            char val[32];
            if (k == PBPF_BTF_KIND_ENUM) {
                const struct pbpf_btf_enum *e = (const struct pbpf_btf_enum *)pbpf_btf_extra(t) + i;
                en = pbpf_btf_str(b, e->name_off);
                if (sign)
                    snprintf(val, sizeof val, "%d", e->val);
                else
                    snprintf(val, sizeof val, "%u", (uint32_t)e->val);
            } else {
                const struct pbpf_btf_enum64 *e =
                    (const struct pbpf_btf_enum64 *)pbpf_btf_extra(t) + i;
                uint64_t v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
                en = pbpf_btf_str(b, e->name_off);
                if (sign)
                    snprintf(val, sizeof val, "%" PRId64, (int64_t)v);
                else
                    snprintf(val, sizeof val, "%" PRIu64, v);
            }
            if (json) {
                printf("%s{\"name\":", i ? "," : "");
                cli_json_string(stdout, en ? en : "");
                printf(",\"val\":%s}", val);
            } else {
                printf("\n\t'%s' val=%s", en ? en : "", val);
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_FWD:
        if (json)
            printf(",\"fwd_kind\":\"%s\"", pbpf_btf_kflag(t) ? "union" : "struct");
        else
            printf(" fwd_kind=%s", pbpf_btf_kflag(t) ? "union" : "struct");
        break;
    case PBPF_BTF_KIND_FUNC:
        F("%u", "type_id", t->size_type);
        if (json)
            printf(",\"linkage\":\"%s\"", linkage(vlen));
        else
            printf(" linkage=%s", linkage(vlen));
        break;
    case PBPF_BTF_KIND_FUNC_PROTO: {
        const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
        F("%u", "ret_type_id", t->size_type);
        F("%u", "vlen", vlen);
        if (json)
            printf(",\"params\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const char *pn = pbpf_btf_str(b, p[i].name_off);
            if (json) {
                printf("%s{\"name\":", i ? "," : "");
                cli_json_string(stdout, pn && pn[0] ? pn : "(anon)");
                printf(",\"type_id\":%u}", p[i].type);
            } else {
                printf("\n\t'%s' type_id=%u", pn && pn[0] ? pn : "(anon)", p[i].type);
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_VAR:
        F("%u", "type_id", t->size_type);
        if (json)
            printf(",\"linkage\":\"%s\"", linkage(PBPF_BTF_VAR_LINKAGE(t)));
        else
            printf(", linkage=%s", linkage(PBPF_BTF_VAR_LINKAGE(t)));
        break;
    case PBPF_BTF_KIND_DATASEC: {
        const struct pbpf_btf_var_secinfo *s = PBPF_BTF_SECINFOS(t);
        F("%u", "size", t->size_type);
        F("%u", "vlen", vlen);
        if (json)
            printf(",\"vars\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const struct pbpf_btf_type *v = pbpf_btf_type_by_id(b, s[i].type);
            if (json) {
                printf("%s{\"type_id\":%u,\"offset\":%u,\"size\":%u}", i ? "," : "", s[i].type,
                       s[i].offset, s[i].size);
            } else {
                printf("\n\ttype_id=%u offset=%u size=%u", s[i].type, s[i].offset, s[i].size);
                if (v)
                    printf(" (%s '%s')", pbpf_btf_kind_name(pbpf_btf_kind(v)), nm(b, v));
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_FLOAT:
        F("%u", "size", t->size_type);
        break;
    case PBPF_BTF_KIND_DECL_TAG:
        F("%u", "type_id", t->size_type);
        F("%d", "component_idx", PBPF_BTF_DECL_TAG_IDX(t));
        break;
    default:
        break;
    }
#undef F
    printf(json ? "}" : "\n");
}

/* --- C ------------------------------------------------------------------- */

struct cdump {
    const struct pbpf_btf *b;
    uint8_t *state; /* per id: 0 new, 1 in progress, 2 emitted */
    int err;
};

/* Appends to a growing string (declarators are built inside out). */
struct str {
    char *p;
    size_t len, cap;
};
static void sput(struct str *s, const char *t)
{
    size_t n = strlen(t);
    if (s->len + n + 1 > s->cap) {
        size_t cap = (s->len + n + 1) * 2;
        char *np = realloc(s->p, cap);
        if (!np)
            return;
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->len, t, n + 1);
    s->len += n;
}
static void sprefix(struct str *s, const char *t)
{
    struct str n = {0};
    sput(&n, t);
    sput(&n, s->p ? s->p : "");
    free(s->p);
    *s = n;
}

static void c_body(struct cdump *d, uint32_t id, int indent);

/* Prints the declaration of `decl` (a name, or "" for an abstract type)
 * of type id: the base type first, then the declarator. */
static void c_decl(struct cdump *d, uint32_t id, const char *name, int indent)
{
    struct str decl = {0};
    sput(&decl, name);
    const struct pbpf_btf *b = d->b;
    for (int depth = 0; depth < 64; depth++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
        if (!t) {
            printf("void%s%s", decl.p && decl.p[0] && decl.p[0] != '*' ? " " : "",
                   decl.p ? decl.p : "");
            free(decl.p);
            return;
        }
        unsigned k = pbpf_btf_kind(t);
        const char *n = pbpf_btf_name(b, t);
        switch (k) {
        case PBPF_BTF_KIND_PTR:
            sprefix(&decl, "*");
            id = t->size_type;
            {
                const struct pbpf_btf_type *to = pbpf_btf_type_by_id(b, id);
                unsigned tk = to ? pbpf_btf_kind(to) : 0;
                if (tk == PBPF_BTF_KIND_ARRAY || tk == PBPF_BTF_KIND_FUNC_PROTO) {
                    sprefix(&decl, "(");
                    sput(&decl, ")");
                }
            }
            continue;
        case PBPF_BTF_KIND_CONST:
        case PBPF_BTF_KIND_VOLATILE:
        case PBPF_BTF_KIND_RESTRICT: {
            const char *q = k == PBPF_BTF_KIND_CONST      ? "const "
                            : k == PBPF_BTF_KIND_VOLATILE ? "volatile "
                                                          : "restrict ";
            const struct pbpf_btf_type *to = pbpf_btf_type_by_id(b, t->size_type);
            if (to && pbpf_btf_kind(to) == PBPF_BTF_KIND_PTR) {
                sprefix(&decl, q);
            } else {
                printf("%s", q);
            }
            id = t->size_type;
            continue;
        }
        case PBPF_BTF_KIND_TYPE_TAG:
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_ARRAY: {
            char dim[24];
            snprintf(dim, sizeof dim, "[%u]", PBPF_BTF_ARRAY(t)->nelems);
            sput(&decl, dim);
            id = PBPF_BTF_ARRAY(t)->type;
            continue;
        }
        case PBPF_BTF_KIND_FUNC_PROTO: {
            const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
            unsigned vlen = pbpf_btf_vlen(t);
            /* parameters are printed into a temporary string: redirect by
             * building them as text */
            sput(&decl, "(");
            if (vlen == 0)
                sput(&decl, "void");
            for (unsigned i = 0; i < vlen; i++) {
                if (i)
                    sput(&decl, ", ");
                if (p[i].type == 0 && i == vlen - 1) {
                    sput(&decl, "...");
                    continue;
                }
                const struct pbpf_btf_type *pt = pbpf_btf_type_by_id(b, p[i].type);
                /* parameters: base name only (pointers and typedefs cover
                 * what programs use) */
                int ptrs = 0;
                while (pt && pbpf_btf_kind(pt) == PBPF_BTF_KIND_PTR && ptrs < 8) {
                    ptrs++;
                    pt = pbpf_btf_type_by_id(b, pt->size_type);
                }
                while (pt && (pbpf_btf_kind(pt) == PBPF_BTF_KIND_CONST ||
                              pbpf_btf_kind(pt) == PBPF_BTF_KIND_VOLATILE))
                    pt = pbpf_btf_type_by_id(b, pt->size_type);
                const char *pn = pt ? pbpf_btf_name(b, pt) : "void";
                unsigned pk = pt ? pbpf_btf_kind(pt) : 0;
                if (pk == PBPF_BTF_KIND_STRUCT)
                    sput(&decl, "struct ");
                else if (pk == PBPF_BTF_KIND_UNION)
                    sput(&decl, "union ");
                else if (pk == PBPF_BTF_KIND_ENUM || pk == PBPF_BTF_KIND_ENUM64)
                    sput(&decl, "enum ");
                sput(&decl, pn && pn[0] ? pn : "void");
                if (ptrs)
                    sput(&decl, " ");
                for (int s = 0; s < ptrs; s++)
                    sput(&decl, "*");
                const char *an = pbpf_btf_str(b, p[i].name_off);
                if (an && an[0]) {
                    if (!ptrs)
                        sput(&decl, " ");
                    sput(&decl, an);
                }
            }
            sput(&decl, ")");
            id = t->size_type;
            continue;
        }
        case PBPF_BTF_KIND_STRUCT:
        case PBPF_BTF_KIND_UNION:
            printf("%s ", k == PBPF_BTF_KIND_STRUCT ? "struct" : "union");
            if (n[0])
                printf("%s", n);
            else
                c_body(d, id, indent);
            break;
        case PBPF_BTF_KIND_ENUM:
        case PBPF_BTF_KIND_ENUM64:
            printf("enum ");
            if (n[0])
                printf("%s", n);
            else
                c_body(d, id, indent);
            break;
        case PBPF_BTF_KIND_FWD:
            printf("%s %s", pbpf_btf_kflag(t) ? "union" : "struct", n);
            break;
        default:
            printf("%s", n[0] ? n : "void");
            break;
        }
        if (decl.p && decl.p[0])
            printf(" %s", decl.p);
        free(decl.p);
        return;
    }
    printf("void /* type chain too deep */");
    free(decl.p);
}

/* The braces of a struct, union or enum. */
static void c_body(struct cdump *d, uint32_t id, int indent)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(d->b, id);
    unsigned k = pbpf_btf_kind(t), vlen = pbpf_btf_vlen(t);
    printf("{\n");
    if (k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64) {
        for (unsigned i = 0; i < vlen; i++) {
            const char *en;
            long long v;
            if (k == PBPF_BTF_KIND_ENUM) {
                const struct pbpf_btf_enum *e = (const struct pbpf_btf_enum *)pbpf_btf_extra(t) + i;
                en = pbpf_btf_str(d->b, e->name_off);
                v = pbpf_btf_kflag(t) ? (long long)e->val : (long long)(uint32_t)e->val;
            } else {
                const struct pbpf_btf_enum64 *e =
                    (const struct pbpf_btf_enum64 *)pbpf_btf_extra(t) + i;
                en = pbpf_btf_str(d->b, e->name_off);
                v = (long long)((uint64_t)e->val_hi32 << 32 | e->val_lo32);
            }
            printf("%*s%s = %lld,\n", indent + 8, "", en ? en : "", v);
        }
    } else {
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        for (unsigned i = 0; i < vlen; i++) {
            const char *mn = pbpf_btf_str(d->b, m[i].name_off);
            printf("%*s", indent + 8, "");
            c_decl(d, m[i].type, mn ? mn : "", indent + 8);
            uint32_t bf = pbpf_btf_member_bitfield_size(t, &m[i]);
            if (bf)
                printf(": %u", bf);
            printf(";\n");
        }
    }
    printf("%*s}", indent, "");
}

/* The named types that must be complete before id can be defined. */
static void c_emit(struct cdump *d, uint32_t id);
static void c_deps(struct cdump *d, uint32_t id, int by_value)
{
    for (int depth = 0; depth < 64; depth++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(d->b, id);
        if (!t)
            return;
        unsigned k = pbpf_btf_kind(t);
        const char *n = pbpf_btf_name(d->b, t);
        switch (k) {
        case PBPF_BTF_KIND_PTR:
            by_value = 0;
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_CONST:
        case PBPF_BTF_KIND_VOLATILE:
        case PBPF_BTF_KIND_RESTRICT:
        case PBPF_BTF_KIND_TYPE_TAG:
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_ARRAY:
            id = PBPF_BTF_ARRAY(t)->type;
            continue;
        case PBPF_BTF_KIND_FUNC_PROTO: {
            const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
            for (unsigned i = 0; i < pbpf_btf_vlen(t); i++)
                c_deps(d, p[i].type, 0);
            id = t->size_type;
            by_value = 0;
            continue;
        }
        case PBPF_BTF_KIND_TYPEDEF:
            /* used by value: what it names must be complete too */
            if (by_value)
                c_deps(d, t->size_type, 1);
            c_emit(d, id);
            return;
        case PBPF_BTF_KIND_ENUM:
        case PBPF_BTF_KIND_ENUM64:
            c_emit(d, id);
            return;
        case PBPF_BTF_KIND_STRUCT:
        case PBPF_BTF_KIND_UNION:
            if (!n[0]) {
                /* anonymous: defined inline, so its members count */
                const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
                for (unsigned i = 0; i < pbpf_btf_vlen(t); i++)
                    c_deps(d, m[i].type, by_value);
            } else if (by_value) {
                c_emit(d, id);
            }
            return;
        default:
            return;
        }
    }
}

static void c_emit(struct cdump *d, uint32_t id)
{
    if (d->state[id])
        return; /* emitted, or in progress: a forward declaration covers it */
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(d->b, id);
    unsigned k = pbpf_btf_kind(t);
    const char *n = pbpf_btf_name(d->b, t);
    if (!n[0])
        return;
    d->state[id] = 1;
    switch (k) {
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION: {
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        for (unsigned i = 0; i < pbpf_btf_vlen(t); i++)
            c_deps(d, m[i].type, 1);
        printf("%s %s ", k == PBPF_BTF_KIND_STRUCT ? "struct" : "union", n);
        c_body(d, id, 0);
        printf(";\n\n");
        break;
    }
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64:
        printf("enum %s ", n);
        c_body(d, id, 0);
        printf(";\n\n");
        break;
    case PBPF_BTF_KIND_TYPEDEF:
        c_deps(d, t->size_type, 0);
        {
            /* a typedef of an anonymous struct defines it here: its members first */
            const struct pbpf_btf_type *to = pbpf_btf_type_by_id(d->b, t->size_type);
            if (to && !pbpf_btf_name(d->b, to)[0])
                c_deps(d, t->size_type, 1);
        }
        printf("typedef ");
        c_decl(d, t->size_type, n, 0);
        printf(";\n\n");
        break;
    default:
        break;
    }
    d->state[id] = 2;
}

static int dump_c(const struct pbpf_btf *b)
{
    uint32_t cnt = pbpf_btf_type_cnt(b);
    struct cdump d = {b, calloc(cnt ? cnt : 1, 1), 0};
    if (!d.state)
        return cli_error("out of memory");
    printf("/* BTF types as C (pbpf btf dump --format c) */\n\n");
    /* every named struct and union declared first: pointers need no more */
    int any = 0;
    for (uint32_t id = 1; id < cnt; id++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
        unsigned k = pbpf_btf_kind(t);
        if ((k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION || k == PBPF_BTF_KIND_FWD) &&
            pbpf_btf_name(b, t)[0]) {
            int is_union = k == PBPF_BTF_KIND_UNION || (k == PBPF_BTF_KIND_FWD && pbpf_btf_kflag(t));
            printf("%s %s;\n", is_union ? "union" : "struct", pbpf_btf_name(b, t));
            any = 1;
        }
    }
    if (any)
        printf("\n");
    for (uint32_t id = 1; id < cnt; id++) {
        unsigned k = pbpf_btf_kind(pbpf_btf_type_by_id(b, id));
        if (k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION || k == PBPF_BTF_KIND_ENUM ||
            k == PBPF_BTF_KIND_ENUM64 || k == PBPF_BTF_KIND_TYPEDEF)
            c_emit(&d, id);
    }
    free(d.state);
    return 0;
}

int cli_cmd_btf(int argc, char **argv)
{
    const char *verb = NULL, *path = NULL, *format = "raw";
    int json = 0;
    const struct cli_optspec opts[] = {
        {"--format", NULL, &format, NULL, NULL},
        {"--json", &json, NULL, NULL, NULL},
    };
    struct cli_slots pos = {{&verb, &path}, 2};
    int pr = cli_parse_args(argc, argv, opts, 2, cli_take_slot, &pos, btf_usage);
    if (pr)
        return pr == 2 ? 0 : 1;
    if (!verb)
        return cli_error("missing verb: dump (see 'pbpf btf --help')");
    if (strcmp(verb, "dump"))
        return cli_error("unknown verb '%s' (expected dump)", verb);
    if (!path)
        return cli_error("missing file (see 'pbpf btf --help')");
    int c = !strcmp(format, "c");
    if (!c && strcmp(format, "raw"))
        return cli_error("unknown format '%s' (expected raw or c)", format);
    if (c && json)
        return cli_error("--json goes with --format raw only");

    struct pbpf_btf *own = NULL;
    const struct pbpf_btf *b;
    char *data;
    size_t len;
    if (cli_read_file_or_fail(path, &data, &len))
        return 1;
    if (cli_data_is_elf(data, len)) {
        /* the object's .BTF as parsed by the object reader; the object is
         * not loaded (BTF is there to read, whatever its programs need) */
        char log[256] = "";
        struct pbpf_object *obj;
        PBPF_OPTS(pbpf_object_opts, oo, .log_buf = log, .log_size = sizeof log);
        int rc = pbpf_object_open_mem(data, len, &oo, &obj);
        free(data);
        if (rc)
            return cli_error("%s: not a BPF object: %s", path, log[0] ? log : strerror(-rc));
        if (!obj->btf) {
            pbpf_object_close(obj);
            return cli_error("%s: the object has no .BTF section (build it with clang -g)", path);
        }
        /* keep the BTF: take it from the object */
        own = obj->btf;
        obj->btf = NULL;
        pbpf_btf_ext_free(obj->btf_ext);
        obj->btf_ext = NULL;
        pbpf_object_close(obj);
    } else {
        char err[256] = "";
        int rc = pbpf_btf_parse(data, len, &own, err, sizeof err);
        free(data);
        if (rc)
            return cli_error("%s: %s", path, err[0] ? err : strerror(-rc));
    }
    b = own;
    int status = 0;
    if (c) {
        status = dump_c(b);
    } else {
        if (json)
            printf("[");
        for (uint32_t id = 1; id < pbpf_btf_type_cnt(b); id++)
            raw_one(b, id, json, id == 1);
        if (json)
            printf("]\n");
    }
    pbpf_btf_free(own);
    if (!status && fflush(stdout))
        return cli_error("cannot write the output");
    return status;
}
