/* BTF as C declarations (see btf_dump_c.h).  The layout rules the
 * padding follows are the System V psABI's for x86-64, which clang's BPF
 * target shares: a member is placed at the next multiple of its
 * alignment; a bit-field is placed at the next bit unless it would cross
 * a unit of its declared type, then at the next unit; unnamed bit-fields
 * do not raise a struct's alignment; packed structs have alignment 1 and
 * place every bit-field at the next bit and every other member at the
 * next byte. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf_dump_c.h"

/* A growing string; on out of memory it stops growing and remembers it. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_putn(struct sbuf *s, const char *t, size_t n)
{
    if (s->oom)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *np = pbpf_realloc(s->p, cap);
        if (!np) {
            s->oom = 1;
            return;
        }
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->len, t, n);
    s->len += n;
    s->p[s->len] = 0;
}
static void sb_put(struct sbuf *s, const char *t)
{
    sb_putn(s, t, strlen(t));
}
static void sb_printf(struct sbuf *s, const char *fmt, ...) PBPF_PRINTF_FMT(2, 3);
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_putn(s, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
static void sb_indent(struct sbuf *s, int n)
{
    for (int i = 0; i < n; i++)
        sb_put(s, "\t");
}
/* Puts t before the string. */
static void sb_prefix(struct sbuf *s, const char *t)
{
    struct sbuf n = {0};
    sb_put(&n, t);
    if (s->p)
        sb_put(&n, s->p);
    n.oom |= s->oom;
    pbpf_free(s->p);
    *s = n;
}

/* A name -> count map (open addressing over names owned by the BTF). */
struct names {
    const char **key;
    uint32_t *cnt;
    size_t cap, used;
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* The count slot of name (created at 0); NULL on out of memory. */
static uint32_t *names_slot(struct names *m, const char *name)
{
    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        const char **key = pbpf_calloc(cap, sizeof *key);
        uint32_t *cnt = pbpf_calloc(cap, sizeof *cnt);
        if (!key || !cnt) {
            pbpf_free(key);
            pbpf_free(cnt);
            return NULL;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->key[i])
                continue;
            size_t j = name_hash(m->key[i]) & (cap - 1);
            while (key[j])
                j = (j + 1) & (cap - 1);
            key[j] = m->key[i];
            cnt[j] = m->cnt[i];
        }
        pbpf_free(m->key);
        pbpf_free(m->cnt);
        m->key = key;
        m->cnt = cnt;
        m->cap = cap;
    }
    size_t j = name_hash(name) & (m->cap - 1);
    while (m->key[j] && strcmp(m->key[j], name))
        j = (j + 1) & (m->cap - 1);
    if (!m->key[j]) {
        m->key[j] = name;
        m->used++;
    }
    return &m->cnt[j];
}

static void names_free(struct names *m)
{
    pbpf_free(m->key);
    pbpf_free(m->cnt);
}

enum { ST_NEW = 0, ST_BUSY = 1, ST_DONE = 2 };

struct pbpf_btf_cdump {
    const struct pbpf_btf *b;
    pbpf_btf_cdump_out out;
    void *ctx;
    uint32_t cnt;
    uint8_t *state;    /* ST_*: definition written */
    uint8_t *declared; /* a struct/union tag is known (forward or defined) */
    uint32_t *refs;    /* anonymous enums: how many places name them */
    char **name;       /* resolved names (NULL: anonymous or not yet) */
    uint8_t *layout;   /* struct/union: 0 not computed, 1 natural, 2 packed */
    uint32_t *align;   /* struct/union alignment as written */
    uint32_t *attr_align; /* union: __attribute__((aligned(N))) written, else 0 */
    struct names tags, idents;
    uint32_t ptr_size;
    int strip_mods; /* pbpf_btf_cdump_decl: const/volatile/restrict left out */
    int depth;      /* nesting of decl/body/need: bounded against cyclic BTF */
    int oom;
};

/* Valid C nests anonymous types and function-pointer parameters a few
 * levels deep; BTF can make them cycles (an anonymous struct pointing to
 * itself, two prototypes taking each other), which the dump cuts here. */
#define DUMP_MAX_DEPTH 256

static void emit(struct pbpf_btf_cdump *d, const char *fmt, ...) PBPF_PRINTF_FMT(2, 3);
static void emit(struct pbpf_btf_cdump *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->out(d->ctx, fmt, ap);
    va_end(ap);
}

static const struct pbpf_btf_type *T(const struct pbpf_btf_cdump *d, uint32_t id)
{
    return pbpf_btf_type_by_id(d->b, id);
}
static unsigned K(const struct pbpf_btf_cdump *d, uint32_t id)
{
    const struct pbpf_btf_type *t = T(d, id);
    return t ? pbpf_btf_kind(t) : PBPF_BTF_KIND_UNKN;
}
static int is_tag_kind(unsigned k)
{
    return k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION || k == PBPF_BTF_KIND_ENUM ||
           k == PBPF_BTF_KIND_ENUM64 || k == PBPF_BTF_KIND_FWD;
}
static int is_enum(unsigned k)
{
    return k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64;
}
static int is_record(unsigned k)
{
    return k == PBPF_BTF_KIND_STRUCT || k == PBPF_BTF_KIND_UNION;
}

/* "name" or "name___N" for the Nth type of that name in namespace m. */
static char *claim_name(struct pbpf_btf_cdump *d, struct names *m, const char *base)
{
    uint32_t *c = names_slot(m, base);
    if (!c) {
        d->oom = 1;
        return NULL;
    }
    ++*c;
    size_t n = strlen(base) + 16;
    char *s = pbpf_malloc(n);
    if (!s) {
        d->oom = 1;
        return NULL;
    }
    if (*c == 1)
        snprintf(s, n, "%s", base);
    else
        snprintf(s, n, "%s___%u", base, *c);
    return s;
}

/* Names in id order: structs, unions, enums and typedefs first claim
 * theirs; a forward declaration then names the type of that name if there
 * is one (the same struct seen incomplete), or claims the name itself. */
static void resolve_names(struct pbpf_btf_cdump *d)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t id = 1; id < d->cnt; id++) {
            unsigned k = K(d, id);
            const char *n = pbpf_btf_name(d->b, T(d, id));
            if (!n[0])
                continue;
            if ((k == PBPF_BTF_KIND_FWD) != (pass == 1))
                continue;
            if (k == PBPF_BTF_KIND_FWD) {
                uint32_t *c = names_slot(&d->tags, n);
                if (!c) {
                    d->oom = 1;
                    return;
                }
                if (*c) {
                    size_t len = strlen(n) + 1;
                    d->name[id] = pbpf_malloc(len);
                    if (d->name[id])
                        memcpy(d->name[id], n, len);
                    else
                        d->oom = 1;
                    continue;
                }
                d->name[id] = claim_name(d, &d->tags, n);
            } else if (is_tag_kind(k)) {
                d->name[id] = claim_name(d, &d->tags, n);
            } else if (k == PBPF_BTF_KIND_TYPEDEF) {
                d->name[id] = claim_name(d, &d->idents, n);
            }
        }
    }
}

/* Counts the places that name each anonymous enum as their type; only
 * members and typedefs are counted as places that can hold it inline. */
static void count_enum_refs(struct pbpf_btf_cdump *d)
{
    for (uint32_t id = 1; id < d->cnt; id++) {
        const struct pbpf_btf_type *t = T(d, id);
        unsigned k = pbpf_btf_kind(t);
        uint32_t vlen = pbpf_btf_vlen(t);
        if (is_record(k)) {
            const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
            for (uint32_t i = 0; i < vlen; i++)
                if (m[i].type < d->cnt)
                    d->refs[m[i].type]++;
        } else if (k == PBPF_BTF_KIND_TYPEDEF) {
            d->refs[t->size_type]++;
        } else if (k == PBPF_BTF_KIND_PTR || k == PBPF_BTF_KIND_CONST ||
                   k == PBPF_BTF_KIND_VOLATILE || k == PBPF_BTF_KIND_RESTRICT ||
                   k == PBPF_BTF_KIND_TYPE_TAG) {
            /* an anonymous enum reached through these cannot be inline
             * in a member at the same time: count it twice */
            d->refs[t->size_type] += 2;
        } else if (k == PBPF_BTF_KIND_ARRAY) {
            d->refs[PBPF_BTF_ARRAY(t)->type] += 2;
        } else if (k == PBPF_BTF_KIND_FUNC_PROTO) {
            const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
            d->refs[t->size_type] += 2;
            for (uint32_t i = 0; i < vlen; i++)
                d->refs[p[i].type] += 2;
        }
    }
}

/* An anonymous enum written inline where it is used (else on its own). */
static int enum_inline(const struct pbpf_btf_cdump *d, uint32_t id)
{
    return d->refs[id] == 1;
}

struct pbpf_btf_cdump *pbpf_btf_cdump_new(const struct pbpf_btf *b, pbpf_btf_cdump_out out,
                                          void *ctx)
{
    struct pbpf_btf_cdump *d = pbpf_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->b = b;
    d->out = out;
    d->ctx = ctx;
    d->cnt = pbpf_btf_type_cnt(b);
    d->state = pbpf_calloc(d->cnt, 1);
    d->declared = pbpf_calloc(d->cnt, 1);
    d->refs = pbpf_calloc(d->cnt, sizeof *d->refs);
    d->name = pbpf_calloc(d->cnt, sizeof *d->name);
    d->layout = pbpf_calloc(d->cnt, 1);
    d->align = pbpf_calloc(d->cnt, sizeof *d->align);
    d->attr_align = pbpf_calloc(d->cnt, sizeof *d->attr_align);
    if (!d->state || !d->declared || !d->refs || !d->name || !d->layout || !d->align ||
        !d->attr_align) {
        pbpf_btf_cdump_free(d);
        return NULL;
    }
    /* the pointer size: that of `long`, as libbpf guesses it; 8 if the
     * BTF has no long */
    d->ptr_size = 8;
    for (uint32_t id = 1; id < d->cnt; id++) {
        const struct pbpf_btf_type *t = T(d, id);
        const char *n = pbpf_btf_name(b, t);
        if (pbpf_btf_kind(t) == PBPF_BTF_KIND_INT &&
            (!strcmp(n, "long int") || !strcmp(n, "long unsigned int"))) {
            d->ptr_size = t->size_type;
            break;
        }
    }
    resolve_names(d);
    count_enum_refs(d);
    if (d->oom) {
        pbpf_btf_cdump_free(d);
        return NULL;
    }
    return d;
}

void pbpf_btf_cdump_free(struct pbpf_btf_cdump *d)
{
    if (!d)
        return;
    if (d->name)
        for (uint32_t i = 0; i < d->cnt; i++)
            pbpf_free(d->name[i]);
    pbpf_free(d->name);
    pbpf_free(d->state);
    pbpf_free(d->declared);
    pbpf_free(d->refs);
    pbpf_free(d->layout);
    pbpf_free(d->align);
    pbpf_free(d->attr_align);
    names_free(&d->tags);
    names_free(&d->idents);
    pbpf_free(d);
}

const char *pbpf_btf_cdump_name(struct pbpf_btf_cdump *d, uint32_t id)
{
    return id < d->cnt ? d->name[id] : NULL;
}

/* --- layout as written ------------------------------------------------ */

static uint64_t type_size(const struct pbpf_btf_cdump *d, uint32_t id)
{
    uint64_t sz = 0;
    if (pbpf_btf_type_size(d->b, id, &sz))
        return 0;
    return sz;
}

static void compute_layout(struct pbpf_btf_cdump *d, uint32_t id);

/* Alignment in bytes of type id as the dump writes it. */
static uint32_t type_align(struct pbpf_btf_cdump *d, uint32_t id)
{
    for (int depth = 0; depth < 64; depth++) {
        const struct pbpf_btf_type *t = T(d, id);
        if (!t)
            return 1;
        switch (pbpf_btf_kind(t)) {
        case PBPF_BTF_KIND_INT:
        case PBPF_BTF_KIND_FLOAT:
        case PBPF_BTF_KIND_ENUM:
        case PBPF_BTF_KIND_ENUM64: {
            uint32_t s = t->size_type;
            /* psABI: scalars are aligned to their size, __int128 and long
             * double to 16 */
            return s == 0 ? 1 : s > 16 ? 16 : s;
        }
        case PBPF_BTF_KIND_PTR:
            return d->ptr_size;
        case PBPF_BTF_KIND_ARRAY:
            id = PBPF_BTF_ARRAY(t)->type;
            continue;
        case PBPF_BTF_KIND_TYPEDEF:
        case PBPF_BTF_KIND_CONST:
        case PBPF_BTF_KIND_VOLATILE:
        case PBPF_BTF_KIND_RESTRICT:
        case PBPF_BTF_KIND_TYPE_TAG:
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_STRUCT:
        case PBPF_BTF_KIND_UNION:
            if (!d->layout[id] && d->depth >= DUMP_MAX_DEPTH)
                return 1;
            d->depth++;
            compute_layout(d, id);
            d->depth--;
            return d->align[id];
        default:
            return 1;
        }
    }
    return 1;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return a ? (v + a - 1) / a * a : v;
}

/* Where the compiler would place member m (bit offset) after cur bits. */
static uint64_t natural_pos(struct pbpf_btf_cdump *d, uint64_t cur, uint32_t type, uint32_t bf,
                            int packed)
{
    if (bf) {
        uint64_t unit = type_size(d, type) * 8;
        if (packed || !unit || (cur % unit) + bf <= unit)
            return cur;
        return round_up(cur, unit);
    }
    return round_up(cur, packed ? 8 : (uint64_t)type_align(d, type) * 8);
}

/* Decides whether struct/union id needs __attribute__((packed)): when the
 * natural layout of its members would put one after where the BTF has it,
 * or round its size past the BTF's. */
static void compute_layout(struct pbpf_btf_cdump *d, uint32_t id)
{
    if (d->layout[id])
        return;
    const struct pbpf_btf_type *t = T(d, id);
    const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
    uint32_t vlen = pbpf_btf_vlen(t);
    int is_union = pbpf_btf_kind(t) == PBPF_BTF_KIND_UNION;
    /* a provisional answer for (invalid) by-value cycles */
    d->layout[id] = 1;
    d->align[id] = 1;
    uint32_t align = 1;
    int packed = 0;
    uint64_t cur = 0, end = 0;
    for (uint32_t i = 0; i < vlen; i++) {
        uint32_t bf = pbpf_btf_member_bitfield_size(t, &m[i]);
        uint64_t off = pbpf_btf_member_bit_offset(t, &m[i]);
        uint32_t a = type_align(d, m[i].type);
        if (a > align)
            align = a;
        uint64_t start = is_union ? 0 : cur;
        uint64_t np = natural_pos(d, start, m[i].type, bf, 0);
        if (np > off)
            packed = 1;
        if (bf) {
            uint64_t unit = type_size(d, m[i].type) * 8;
            if (unit && (off % unit) + bf > unit)
                packed = 1;
        } else if (off % ((uint64_t)a * 8)) {
            packed = 1;
        }
        uint64_t mend = off + (bf ? bf : type_size(d, m[i].type) * 8);
        if (!is_union)
            cur = mend;
        if (mend > end)
            end = mend;
    }
    if (t->size_type % align)
        packed = 1;
    d->layout[id] = packed ? 2 : 1;
    d->align[id] = packed ? 1 : align;
    /* A union larger than its members had an alignment attribute (a
     * struct gets padding bits instead; a union cannot): the smallest
     * power of two that rounds its members' size up to its size. */
    uint64_t size = t->size_type;
    if (is_union && !packed && round_up(round_up(end, 8) / 8, align) < size) {
        for (uint64_t n = (uint64_t)align * 2; n <= size && n <= (1u << 28); n *= 2) {
            if (round_up(round_up(end, 8) / 8, n) == size) {
                d->attr_align[id] = (uint32_t)n;
                d->align[id] = (uint32_t)n;
                break;
            }
        }
    }
}

/* --- declarations ------------------------------------------------------- */

static void body(struct pbpf_btf_cdump *d, struct sbuf *s, uint32_t id, int indent);

/* An integer type of the size and signedness of an enum written apart. */
static const char *enum_int(const struct pbpf_btf_type *t)
{
    int sign = pbpf_btf_kflag(t);
    switch (t->size_type) {
    case 1: return sign ? "signed char" : "unsigned char";
    case 2: return sign ? "short" : "unsigned short";
    case 8: return sign ? "long long" : "unsigned long long";
    default: return sign ? "int" : "unsigned int";
    }
}

/* Appends the declaration of `name` of type id to s: base type, then the
 * declarator built inside out. */
static void decl(struct pbpf_btf_cdump *d, struct sbuf *s, uint32_t id, const char *name,
                 int indent)
{
    if (d->depth >= DUMP_MAX_DEPTH) {
        sb_put(s, "void /* type nested too deep */");
        return;
    }
    d->depth++;
    struct sbuf dc = {0}, quals = {0};
    sb_put(&dc, name);
    for (int depth = 0;; depth++) {
        const struct pbpf_btf_type *t = T(d, id);
        unsigned k = t ? pbpf_btf_kind(t) : PBPF_BTF_KIND_UNKN;
        if (depth >= 64) {
            k = PBPF_BTF_KIND_UNKN; /* parsing bounds chains; be safe */
            t = NULL;
        }
        switch (k) {
        case PBPF_BTF_KIND_PTR: {
            if (quals.len) {
                sb_prefix(&dc, quals.p);
                quals.len = 0;
                quals.p[0] = 0;
            }
            sb_prefix(&dc, "*");
            id = t->size_type;
            uint32_t to = id;
            while (K(d, to) == PBPF_BTF_KIND_TYPE_TAG)
                to = T(d, to)->size_type;
            unsigned tk = K(d, to);
            if (tk == PBPF_BTF_KIND_ARRAY || tk == PBPF_BTF_KIND_FUNC_PROTO) {
                sb_prefix(&dc, "(");
                sb_put(&dc, ")");
            }
            continue;
        }
        case PBPF_BTF_KIND_CONST:
            if (!d->strip_mods)
                sb_put(&quals, "const ");
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_VOLATILE:
            if (!d->strip_mods)
                sb_put(&quals, "volatile ");
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_RESTRICT:
            if (!d->strip_mods)
                sb_put(&quals, "restrict ");
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_TYPE_TAG:
            /* type tags are clang attributes on pointers; they do not
             * change the type's C meaning or layout */
            id = t->size_type;
            continue;
        case PBPF_BTF_KIND_ARRAY:
            sb_printf(&dc, "[%u]", PBPF_BTF_ARRAY(t)->nelems);
            id = PBPF_BTF_ARRAY(t)->type;
            continue;
        case PBPF_BTF_KIND_FUNC_PROTO: {
            const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
            uint32_t vlen = pbpf_btf_vlen(t);
            /* qualifiers of a function type mean nothing in C */
            if (quals.len) {
                quals.len = 0;
                quals.p[0] = 0;
            }
            sb_put(&dc, "(");
            if (vlen == 0)
                sb_put(&dc, "void");
            for (uint32_t i = 0; i < vlen; i++) {
                if (i)
                    sb_put(&dc, ", ");
                if (p[i].type == 0 && i == vlen - 1) {
                    sb_put(&dc, "...");
                    continue;
                }
                const char *pn = pbpf_btf_str(d->b, p[i].name_off);
                decl(d, &dc, p[i].type, pn ? pn : "", indent);
            }
            sb_put(&dc, ")");
            id = t->size_type;
            continue;
        }
        default:
            break;
        }
        /* the base type */
        if (quals.len)
            sb_put(s, quals.p);
        switch (k) {
        case PBPF_BTF_KIND_STRUCT:
        case PBPF_BTF_KIND_UNION:
            sb_put(s, k == PBPF_BTF_KIND_STRUCT ? "struct" : "union");
            if (d->name[id]) {
                sb_put(s, " ");
                sb_put(s, d->name[id]);
            } else {
                sb_put(s, " ");
                body(d, s, id, indent);
            }
            break;
        case PBPF_BTF_KIND_ENUM:
        case PBPF_BTF_KIND_ENUM64:
            if (d->name[id]) {
                sb_put(s, "enum ");
                sb_put(s, d->name[id]);
            } else if (enum_inline(d, id)) {
                sb_put(s, "enum ");
                body(d, s, id, indent);
            } else {
                sb_put(s, enum_int(t));
            }
            break;
        case PBPF_BTF_KIND_FWD:
            sb_put(s, pbpf_btf_kflag(t) ? "union " : "struct ");
            sb_put(s, d->name[id] ? d->name[id] : "");
            break;
        case PBPF_BTF_KIND_TYPEDEF:
            sb_put(s, d->name[id] ? d->name[id] : "int");
            break;
        case PBPF_BTF_KIND_INT:
        case PBPF_BTF_KIND_FLOAT:
            sb_put(s, pbpf_btf_name(d->b, t));
            break;
        default:
            sb_put(s, "void");
            break;
        }
        if (dc.len) {
            sb_put(s, " ");
            sb_put(s, dc.p);
        }
        s->oom |= dc.oom | quals.oom;
        pbpf_free(dc.p);
        pbpf_free(quals.p);
        d->depth--;
        return;
    }
}

/* Unnamed bit-fields from bit cur to bit to (each within one long, so
 * each is placed exactly where the previous one ended). */
static void pad_bits(struct sbuf *s, uint64_t cur, uint64_t to, int indent)
{
    while (cur < to) {
        uint64_t w = 64 - cur % 64;
        if (w > to - cur)
            w = to - cur;
        sb_indent(s, indent);
        sb_printf(s, "long: %u;\n", (unsigned)w);
        cur += w;
    }
}

/* The enumerator's name, claimed in the identifier namespace (an enum's
 * values are written once, so each is claimed once). */
static void enum_value_name(struct pbpf_btf_cdump *d, struct sbuf *s, const char *n)
{
    char *c = claim_name(d, &d->idents, n ? n : "");
    if (c) {
        sb_put(s, c);
        pbpf_free(c);
    } else {
        s->oom = 1;
    }
}

/* Whether an enum's values need 64 bits (as the compiler sizes enums);
 * *neg: some value is negative. */
static int enum_needs_64(const struct pbpf_btf_type *t, int *neg)
{
    int64_t lo = 0, hi = 0;
    int big = 0;
    *neg = 0;
    for (uint32_t i = 0; i < pbpf_btf_vlen(t); i++) {
        int64_t v;
        if (pbpf_btf_kind(t) == PBPF_BTF_KIND_ENUM) {
            int32_t v32 = ((const struct pbpf_btf_enum *)pbpf_btf_extra(t))[i].val;
            v = pbpf_btf_kflag(t) ? (int64_t)v32 : (int64_t)(uint32_t)v32;
        } else {
            const struct pbpf_btf_enum64 *e = (const struct pbpf_btf_enum64 *)pbpf_btf_extra(t) + i;
            uint64_t u = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
            if (!pbpf_btf_kflag(t) && u > INT64_MAX)
                big = 1;
            v = (int64_t)u;
        }
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    *neg = lo < 0;
    return big || lo < INT32_MIN || hi > (int64_t)UINT32_MAX || (lo < 0 && hi > INT32_MAX);
}

/* "{ members }" of a struct, union or enum (plus its attributes). */
static void body(struct pbpf_btf_cdump *d, struct sbuf *s, uint32_t id, int indent)
{
    const struct pbpf_btf_type *t = T(d, id);
    unsigned k = pbpf_btf_kind(t);
    uint32_t vlen = pbpf_btf_vlen(t);
    sb_put(s, "{\n");
    if (is_enum(k)) {
        int sign = pbpf_btf_kflag(t);
        for (uint32_t i = 0; i < vlen; i++) {
            sb_indent(s, indent + 1);
            if (k == PBPF_BTF_KIND_ENUM) {
                const struct pbpf_btf_enum *e = (const struct pbpf_btf_enum *)pbpf_btf_extra(t) + i;
                enum_value_name(d, s, pbpf_btf_str(d->b, e->name_off));
                if (sign)
                    sb_printf(s, " = %d,\n", (int)e->val);
                else
                    sb_printf(s, " = %u,\n", (unsigned)(uint32_t)e->val);
            } else {
                const struct pbpf_btf_enum64 *e =
                    (const struct pbpf_btf_enum64 *)pbpf_btf_extra(t) + i;
                uint64_t v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
                enum_value_name(d, s, pbpf_btf_str(d->b, e->name_off));
                if (sign)
                    sb_printf(s, " = %lldLL,\n", (long long)v);
                else
                    sb_printf(s, " = %lluULL,\n", (unsigned long long)v);
            }
        }
        int neg;
        if (t->size_type == 8 && !enum_needs_64(t, &neg)) {
            /* 8 bytes whose values fit 32 bits (clang before 15 writes
             * 64-bit enums so, their values cut): only a value that needs
             * 64 bits gives the enum its size */
            sb_indent(s, indent + 1);
            sb_printf(s, "__PBPF_ENUM64_SIZE_%u = %s,\n", id,
                      neg ? "-0x7fffffffffffffffLL - 1" : "0xffffffffffffffffULL");
        }
        sb_indent(s, indent);
        sb_put(s, "}");
        /* a 1- or 2-byte enum is a packed one (an 8-byte enum gets its
         * size from its values) */
        if (t->size_type < 4)
            sb_put(s, " __attribute__((packed))");
        return;
    }
    compute_layout(d, id);
    int packed = d->layout[id] == 2, is_union = k == PBPF_BTF_KIND_UNION;
    const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
    uint64_t cur = 0, end = 0;
    for (uint32_t i = 0; i < vlen; i++) {
        uint32_t bf = pbpf_btf_member_bitfield_size(t, &m[i]);
        uint64_t off = pbpf_btf_member_bit_offset(t, &m[i]);
        uint64_t msize = bf ? bf : type_size(d, m[i].type) * 8;
        if (!is_union) {
            uint64_t np = natural_pos(d, cur, m[i].type, bf, packed);
            if (np < off) {
                /* pad to off; a bit-field still placed at off after the
                 * padding (it fits its unit there: compute_layout checked) */
                pad_bits(s, cur, off, indent + 1);
            } else if (np > off) {
                sb_indent(s, indent + 1);
                sb_printf(s, "/* member %u: BTF offset %llu is before the natural %llu */\n", i,
                          (unsigned long long)off, (unsigned long long)np);
            }
            cur = off + msize;
        } else if (off + msize > end) {
            end = off + msize;
        }
        const char *mn = pbpf_btf_str(d->b, m[i].name_off);
        sb_indent(s, indent + 1);
        decl(d, s, m[i].type, mn ? mn : "", indent + 1);
        if (bf)
            sb_printf(s, ": %u", bf);
        sb_put(s, ";\n");
    }
    uint64_t size_bits = (uint64_t)t->size_type * 8;
    uint64_t a = (uint64_t)d->align[id] * 8;
    if (!is_union && round_up(cur, a) < size_bits)
        pad_bits(s, cur, size_bits, indent + 1);
    if (is_union && round_up(end, a) < size_bits) {
        /* larger than its members and no alignment explains it: a member
         * that fills it (C has no padding bits in a union) */
        sb_indent(s, indent + 1);
        sb_printf(s, "char __pbpf_pad_%u[%u];\n", id, t->size_type);
    }
    sb_indent(s, indent);
    sb_put(s, "}");
    if (packed)
        sb_put(s, " __attribute__((packed))");
    if (d->attr_align[id])
        sb_printf(s, " __attribute__((aligned(%u)))", d->attr_align[id]);
}

/* --- ordering ----------------------------------------------------------- */

static void define(struct pbpf_btf_cdump *d, uint32_t id);

/* Writes "struct foo;" unless foo is already known. */
static void declare(struct pbpf_btf_cdump *d, uint32_t id)
{
    if (d->declared[id] || !d->name[id])
        return;
    d->declared[id] = 1;
    const struct pbpf_btf_type *t = T(d, id);
    unsigned k = pbpf_btf_kind(t);
    int is_union = k == PBPF_BTF_KIND_UNION || (k == PBPF_BTF_KIND_FWD && pbpf_btf_kflag(t));
    emit(d, "%s %s;\n\n", is_union ? "union" : "struct", d->name[id]);
}

/* Makes what a use of type id needs available: complete (strong: by
 * value) or only declared (through a pointer). */
static void need_at(struct pbpf_btf_cdump *d, uint32_t id, int strong);
static void need(struct pbpf_btf_cdump *d, uint32_t id, int strong)
{
    if (d->depth >= DUMP_MAX_DEPTH)
        return;
    d->depth++;
    need_at(d, id, strong);
    d->depth--;
}

static void need_at(struct pbpf_btf_cdump *d, uint32_t id, int strong)
{
    for (int depth = 0; depth < 64; depth++) {
        const struct pbpf_btf_type *t = T(d, id);
        if (!t)
            return;
        unsigned k = pbpf_btf_kind(t);
        switch (k) {
        case PBPF_BTF_KIND_PTR:
            strong = 0;
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
            for (uint32_t i = 0; i < pbpf_btf_vlen(t); i++)
                need(d, p[i].type, 0);
            strong = 0;
            id = t->size_type;
            continue;
        }
        case PBPF_BTF_KIND_TYPEDEF:
            define(d, id);
            if (strong) {
                id = t->size_type;
                continue;
            }
            return;
        case PBPF_BTF_KIND_ENUM:
        case PBPF_BTF_KIND_ENUM64:
            if (d->name[id] || !enum_inline(d, id))
                define(d, id);
            return;
        case PBPF_BTF_KIND_STRUCT:
        case PBPF_BTF_KIND_UNION:
            if (!d->name[id]) {
                /* written inline: its members are by value there */
                const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
                for (uint32_t i = 0; i < pbpf_btf_vlen(t); i++)
                    need(d, m[i].type, 1);
            } else if (strong) {
                define(d, id);
            } else if (d->state[id] != ST_DONE) {
                declare(d, id);
            }
            return;
        case PBPF_BTF_KIND_FWD:
            declare(d, id);
            return;
        default:
            return;
        }
    }
}

static void flush(struct pbpf_btf_cdump *d, struct sbuf *s)
{
    if (s->oom)
        d->oom = 1;
    else if (s->p)
        emit(d, "%s", s->p);
    pbpf_free(s->p);
}

/* Writes the definition of a named struct, union, enum or typedef, or of
 * an anonymous enum written on its own, after what it needs. */
static void define(struct pbpf_btf_cdump *d, uint32_t id)
{
    if (d->state[id] != ST_NEW)
        return; /* written, or being written: a by-value cycle cannot be */
    const struct pbpf_btf_type *t = T(d, id);
    unsigned k = pbpf_btf_kind(t);
    struct sbuf s = {0};
    d->state[id] = ST_BUSY;
    switch (k) {
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION: {
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        for (uint32_t i = 0; i < pbpf_btf_vlen(t); i++)
            need(d, m[i].type, 1);
        sb_printf(&s, "%s %s ", k == PBPF_BTF_KIND_STRUCT ? "struct" : "union", d->name[id]);
        body(d, &s, id, 0);
        sb_put(&s, ";\n\n");
        d->declared[id] = 1;
        break;
    }
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64:
        if (pbpf_btf_vlen(t) == 0 && d->name[id]) {
            /* a forward-declared enum (GNU C accepts the declaration) */
            sb_printf(&s, "enum %s;\n\n", d->name[id]);
            break;
        }
        sb_put(&s, "enum ");
        if (d->name[id]) {
            sb_put(&s, d->name[id]);
            sb_put(&s, " ");
        }
        body(d, &s, id, 0);
        sb_put(&s, ";\n\n");
        break;
    case PBPF_BTF_KIND_TYPEDEF:
        /* the compiler's own type (gcc refuses a typedef of it); libbpf
         * leaves it out too */
        if (d->name[id] && !strcmp(d->name[id], "__builtin_va_list"))
            break;
        need(d, t->size_type, 0);
        sb_put(&s, "typedef ");
        decl(d, &s, t->size_type, d->name[id] ? d->name[id] : "", 0);
        sb_put(&s, ";\n\n");
        break;
    default:
        break;
    }
    flush(d, &s);
    d->state[id] = ST_DONE;
}

int pbpf_btf_cdump_type(struct pbpf_btf_cdump *d, uint32_t id)
{
    if (id == 0 || id >= d->cnt)
        return -EINVAL;
    unsigned k = K(d, id);
    switch (k) {
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION:
        if (d->name[id])
            define(d, id);
        else
            need(d, id, 1);
        break;
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64:
    case PBPF_BTF_KIND_TYPEDEF:
        if (d->name[id] || !enum_inline(d, id) || d->refs[id] == 0)
            define(d, id);
        break;
    case PBPF_BTF_KIND_FWD:
        declare(d, id);
        break;
    case PBPF_BTF_KIND_FUNC:
    case PBPF_BTF_KIND_VAR:
        need(d, T(d, id)->size_type, k == PBPF_BTF_KIND_VAR);
        break;
    case PBPF_BTF_KIND_DATASEC:
    case PBPF_BTF_KIND_DECL_TAG:
        break;
    default:
        need(d, id, 1);
        break;
    }
    return d->oom ? -ENOMEM : 0;
}

int pbpf_btf_cdump_all(struct pbpf_btf_cdump *d)
{
    for (uint32_t id = 1; id < d->cnt; id++) {
        unsigned k = K(d, id);
        if (is_tag_kind(k) || k == PBPF_BTF_KIND_TYPEDEF) {
            int rc = pbpf_btf_cdump_type(d, id);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int pbpf_btf_cdump_decl(struct pbpf_btf_cdump *d, uint32_t id, const char *name, int indent,
                        int strip_mods)
{
    if (id >= d->cnt)
        return -EINVAL;
    struct sbuf s = {0};
    d->strip_mods = strip_mods;
    decl(d, &s, id, name ? name : "", indent);
    d->strip_mods = 0;
    flush(d, &s);
    return d->oom ? -ENOMEM : 0;
}
