/* `.BTF` parsing and validation (btf.rst §2), and the type queries built on
 * it.  The checks follow what Linux's btf_parse() enforces where that
 * protects a consumer (ids, offsets, sizes, chains); where Linux is stricter
 * only to keep its own options open we accept what clang and pahole emit. */
#include "btf/btf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

#define btf_err(err, size, code, ...) pbpf_btf_errf(err, size, code, "BTF: ", __VA_ARGS__)

int pbpf_btf_errf(char *err, size_t size, int code, const char *prefix, const char *fmt, ...)
{
    if (err && size) {
        va_list ap;
        int n = snprintf(err, size, "%s", prefix);
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < size)
            vsnprintf(err + n, size - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Linux's MAX_RESOLVE_DEPTH: longer modifier/pointer chains are rejected,
 * which also rejects loops. */
#define BTF_MAX_CHAIN 32
#define BTF_HDR_MIN 24

struct pbpf_btf {
    uint32_t *words; /* the type section, host order */
    size_t word_cnt;
    char *strs;
    uint32_t str_len;
    const struct pbpf_btf_type **types; /* types[0] == NULL (void) */
    uint32_t cnt;
};

uint32_t pbpf_btf_type_cnt(const struct pbpf_btf *btf)
{
    return btf->cnt;
}

const struct pbpf_btf_type *pbpf_btf_type_by_id(const struct pbpf_btf *btf, uint32_t id)
{
    return id && id < btf->cnt ? btf->types[id] : NULL;
}

const char *pbpf_btf_str(const struct pbpf_btf *btf, uint32_t off)
{
    return off < btf->str_len ? btf->strs + off : NULL;
}

const char *pbpf_btf_name(const struct pbpf_btf *btf, const struct pbpf_btf_type *t)
{
    const char *s = pbpf_btf_str(btf, t->name_off);
    return s ? s : "";
}

const char *pbpf_btf_kind_name(unsigned kind)
{
    static const char *const names[] = {
        "UNKN",     "INT",   "PTR",      "ARRAY",    "STRUCT",     "UNION",    "ENUM",
        "FWD",      "TYPEDEF", "VOLATILE", "CONST",  "RESTRICT",   "FUNC",     "FUNC_PROTO",
        "VAR",      "DATASEC", "FLOAT",  "DECL_TAG", "TYPE_TAG",   "ENUM64",
    };
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* Words of kind-specific data after the 3-word header, or -1 for an
 * unknown kind. */
static long extra_words(unsigned kind, unsigned vlen)
{
    switch (kind) {
    case PBPF_BTF_KIND_INT:
    case PBPF_BTF_KIND_VAR:
    case PBPF_BTF_KIND_DECL_TAG:
        return 1;
    case PBPF_BTF_KIND_ARRAY:
        return 3;
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION:
    case PBPF_BTF_KIND_DATASEC:
    case PBPF_BTF_KIND_ENUM64:
        return 3L * vlen;
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_FUNC_PROTO:
        return 2L * vlen;
    case PBPF_BTF_KIND_PTR:
    case PBPF_BTF_KIND_FWD:
    case PBPF_BTF_KIND_TYPEDEF:
    case PBPF_BTF_KIND_VOLATILE:
    case PBPF_BTF_KIND_CONST:
    case PBPF_BTF_KIND_RESTRICT:
    case PBPF_BTF_KIND_FUNC:
    case PBPF_BTF_KIND_FLOAT:
    case PBPF_BTF_KIND_TYPE_TAG:
        return 0;
    default:
        return -1;
    }
}

static int is_ident(const char *s, int allow_dot)
{
    if (!*s)
        return 0;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
          (allow_dot && *s == '.')))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (allow_dot && *s == '.')))
            return 0;
    return 1;
}

/* Kinds that name a value's type (may be a member, element, pointee...). */
static int is_data_kind(unsigned kind)
{
    return kind != PBPF_BTF_KIND_FUNC && kind != PBPF_BTF_KIND_VAR &&
           kind != PBPF_BTF_KIND_DATASEC && kind != PBPF_BTF_KIND_DECL_TAG &&
           kind != PBPF_BTF_KIND_FUNC_PROTO;
}

static int is_modifier(unsigned kind)
{
    return kind == PBPF_BTF_KIND_VOLATILE || kind == PBPF_BTF_KIND_CONST ||
           kind == PBPF_BTF_KIND_RESTRICT || kind == PBPF_BTF_KIND_TYPE_TAG;
}

#define NAME_NONE 0  /* name_off must be 0 */
#define NAME_ANY 1   /* any string */
#define NAME_IDENT 2 /* empty or a C identifier */
#define NAME_REQ 3   /* a C identifier */
#define NAME_SEC 4   /* non-empty, identifier characters and dots */
#define NAME_TAG 5   /* non-empty, anything */

static int check_name(const struct pbpf_btf *btf, uint32_t off, int rule, uint32_t id,
                      const char *what, char *err, size_t err_size)
{
    const char *s = pbpf_btf_str(btf, off);
    if (!s)
        return btf_err(err, err_size, -EINVAL, "type [%u]: %s name offset %u past string section",
                       id, what, off);
    switch (rule) {
    case NAME_NONE:
        if (off)
            return btf_err(err, err_size, -EINVAL, "type [%u]: %s must be anonymous", id, what);
        break;
    case NAME_IDENT:
        if (*s && !is_ident(s, 0))
            return btf_err(err, err_size, -EINVAL, "type [%u]: %s name '%s' is not an identifier",
                           id, what, s);
        break;
    case NAME_REQ:
        if (!is_ident(s, 0))
            return btf_err(err, err_size, -EINVAL, "type [%u]: %s needs an identifier name", id,
                           what);
        break;
    case NAME_SEC:
        if (!is_ident(s, 1))
            return btf_err(err, err_size, -EINVAL, "type [%u]: %s name '%s' is invalid", id, what,
                           s);
        break;
    case NAME_TAG:
        if (!*s)
            return btf_err(err, err_size, -EINVAL, "type [%u]: %s needs a name", id, what);
        break;
    default:
        break;
    }
    return 0;
}

/* Pass 1: per-type shape, names and sizes (no references followed yet). */
static int check_type_meta(const struct pbpf_btf *btf, uint32_t id, char *err, size_t err_size)
{
    const struct pbpf_btf_type *t = btf->types[id];
    unsigned kind = pbpf_btf_kind(t), vlen = pbpf_btf_vlen(t), kflag = pbpf_btf_kflag(t);
    const char *kn = pbpf_btf_kind_name(kind);
    uint32_t size = t->size_type;
    int rc;

    if (t->info & 0x60ff0000u)
        return btf_err(err, err_size, -EINVAL, "type [%u]: reserved info bits set (0x%08x)", id,
                       t->info);
    if (kflag && kind != PBPF_BTF_KIND_STRUCT && kind != PBPF_BTF_KIND_UNION &&
        kind != PBPF_BTF_KIND_FWD && kind != PBPF_BTF_KIND_ENUM &&
        kind != PBPF_BTF_KIND_ENUM64 && kind != PBPF_BTF_KIND_DECL_TAG &&
        kind != PBPF_BTF_KIND_TYPE_TAG)
        return btf_err(err, err_size, -EINVAL, "type [%u] %s: kind_flag must be 0", id, kn);

    switch (kind) {
    case PBPF_BTF_KIND_INT: {
        uint32_t v = *(const uint32_t *)pbpf_btf_extra(t);
        unsigned enc = (v >> 24) & 0x0f, bits = v & 0xff, off = (v >> 16) & 0xff;
        if ((rc = check_name(btf, t->name_off, NAME_ANY, id, kn, err, err_size)))
            return rc;
        if (vlen || (v & 0xf000ff00u))
            return btf_err(err, err_size, -EINVAL, "type [%u] INT: reserved bits set", id);
        if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16)
            return btf_err(err, err_size, -EINVAL, "type [%u] INT: size %u", id, size);
        if (bits == 0 || bits > 128 || bits + off > size * 8)
            return btf_err(err, err_size, -EINVAL, "type [%u] INT: %u bits at offset %u in %u bytes",
                           id, bits, off, size);
        if (enc & (enc - 1))
            return btf_err(err, err_size, -EINVAL, "type [%u] INT: more than one encoding", id);
        return 0;
    }
    case PBPF_BTF_KIND_FLOAT:
        if ((rc = check_name(btf, t->name_off, NAME_ANY, id, kn, err, err_size)))
            return rc;
        if (vlen || (size != 2 && size != 4 && size != 8 && size != 12 && size != 16))
            return btf_err(err, err_size, -EINVAL, "type [%u] FLOAT: size %u", id, size);
        return 0;
    case PBPF_BTF_KIND_PTR:
    case PBPF_BTF_KIND_VOLATILE:
    case PBPF_BTF_KIND_CONST:
    case PBPF_BTF_KIND_RESTRICT:
        if (vlen)
            return btf_err(err, err_size, -EINVAL, "type [%u] %s: vlen must be 0", id, kn);
        return check_name(btf, t->name_off, NAME_NONE, id, kn, err, err_size);
    case PBPF_BTF_KIND_TYPE_TAG:
        if (vlen)
            return btf_err(err, err_size, -EINVAL, "type [%u] %s: vlen must be 0", id, kn);
        return check_name(btf, t->name_off, NAME_TAG, id, kn, err, err_size);
    case PBPF_BTF_KIND_TYPEDEF:
        if (vlen)
            return btf_err(err, err_size, -EINVAL, "type [%u] %s: vlen must be 0", id, kn);
        return check_name(btf, t->name_off, NAME_REQ, id, kn, err, err_size);
    case PBPF_BTF_KIND_FWD:
        if (vlen || size)
            return btf_err(err, err_size, -EINVAL, "type [%u] FWD: vlen and type must be 0", id);
        return check_name(btf, t->name_off, NAME_REQ, id, kn, err, err_size);
    case PBPF_BTF_KIND_ARRAY:
        if (vlen || size)
            return btf_err(err, err_size, -EINVAL, "type [%u] ARRAY: vlen and size must be 0", id);
        return check_name(btf, t->name_off, NAME_NONE, id, kn, err, err_size);
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION: {
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        if ((rc = check_name(btf, t->name_off, NAME_IDENT, id, kn, err, err_size)))
            return rc;
        for (unsigned i = 0; i < vlen; i++) {
            uint64_t bit_off = pbpf_btf_member_bit_offset(t, &m[i]);
            if ((rc = check_name(btf, m[i].name_off, NAME_IDENT, id, "member", err, err_size)))
                return rc;
            if (kind == PBPF_BTF_KIND_UNION && bit_off)
                return btf_err(err, err_size, -EINVAL, "type [%u] UNION: member %u at bit %llu",
                               id, i, (unsigned long long)bit_off);
            if (bit_off + pbpf_btf_member_bitfield_size(t, &m[i]) > (uint64_t)size * 8)
                return btf_err(err, err_size, -EINVAL,
                               "type [%u] %s: member %u at bit %llu is past size %u", id, kn, i,
                               (unsigned long long)bit_off, size);
        }
        return 0;
    }
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64: {
        size_t rec = kind == PBPF_BTF_KIND_ENUM ? 2 : 3;
        const uint32_t *w = pbpf_btf_extra(t);
        if ((rc = check_name(btf, t->name_off, NAME_IDENT, id, kn, err, err_size)))
            return rc;
        if (size != 1 && size != 2 && size != 4 && size != 8)
            return btf_err(err, err_size, -EINVAL, "type [%u] %s: size %u", id, kn, size);
        for (unsigned i = 0; i < vlen; i++)
            if ((rc = check_name(btf, w[i * rec], NAME_REQ, id, "enumerator", err, err_size)))
                return rc;
        return 0;
    }
    case PBPF_BTF_KIND_FUNC:
        if (vlen > PBPF_BTF_VAR_EXTERN)
            return btf_err(err, err_size, -EINVAL, "type [%u] FUNC: linkage %u", id, vlen);
        return check_name(btf, t->name_off, NAME_REQ, id, kn, err, err_size);
    case PBPF_BTF_KIND_FUNC_PROTO: {
        const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
        if ((rc = check_name(btf, t->name_off, NAME_NONE, id, kn, err, err_size)))
            return rc;
        for (unsigned i = 0; i < vlen; i++) {
            if ((rc = check_name(btf, p[i].name_off, NAME_IDENT, id, "parameter", err, err_size)))
                return rc;
            /* `...` is a last parameter with neither name nor type */
            if (!p[i].type && (p[i].name_off || i + 1 != vlen))
                return btf_err(err, err_size, -EINVAL, "type [%u] FUNC_PROTO: parameter %u is void",
                               id, i);
        }
        return 0;
    }
    case PBPF_BTF_KIND_VAR:
        if (vlen)
            return btf_err(err, err_size, -EINVAL, "type [%u] VAR: vlen must be 0", id);
        if (PBPF_BTF_VAR_LINKAGE(t) > PBPF_BTF_VAR_EXTERN)
            return btf_err(err, err_size, -EINVAL, "type [%u] VAR: linkage %u", id,
                           PBPF_BTF_VAR_LINKAGE(t));
        return check_name(btf, t->name_off, NAME_SEC, id, kn, err, err_size);
    case PBPF_BTF_KIND_DATASEC: {
        const struct pbpf_btf_var_secinfo *v = PBPF_BTF_SECINFOS(t);
        uint64_t end = 0;
        if ((rc = check_name(btf, t->name_off, NAME_SEC, id, kn, err, err_size)))
            return rc;
        for (unsigned i = 0; i < vlen; i++) {
            uint64_t vend = (uint64_t)v[i].offset + v[i].size;
            /* size 0 is what clang writes for sections whose size the
             * loader fills in (btf.rst §2.2.15); externs have offset 0 */
            if (size && vend > size)
                return btf_err(err, err_size, -EINVAL,
                               "type [%u] DATASEC: variable %u [%u, %llu) past size %u", id, i,
                               v[i].offset, (unsigned long long)vend, size);
            if (size && v[i].offset < end)
                return btf_err(err, err_size, -EINVAL,
                               "type [%u] DATASEC: variable %u overlaps the previous one", id, i);
            if (vend > end)
                end = vend;
        }
        return 0;
    }
    case PBPF_BTF_KIND_DECL_TAG:
        if (vlen)
            return btf_err(err, err_size, -EINVAL, "type [%u] DECL_TAG: vlen must be 0", id);
        if (PBPF_BTF_DECL_TAG_IDX(t) < -1)
            return btf_err(err, err_size, -EINVAL, "type [%u] DECL_TAG: component index %d", id,
                           PBPF_BTF_DECL_TAG_IDX(t));
        return check_name(btf, t->name_off, NAME_TAG, id, kn, err, err_size);
    default:
        return btf_err(err, err_size, -EINVAL, "type [%u]: unknown kind %u", id, kind);
    }
}

static int check_ref(const struct pbpf_btf *btf, uint32_t id, uint32_t ref, int allow_void,
                     const char *what, char *err, size_t err_size)
{
    if (ref >= btf->cnt)
        return btf_err(err, err_size, -EINVAL, "type [%u]: %s refers to type %u of %u", id, what,
                       ref, btf->cnt - 1);
    if (!ref && !allow_void)
        return btf_err(err, err_size, -EINVAL, "type [%u]: %s is void", id, what);
    if (ref && !is_data_kind(pbpf_btf_kind(btf->types[ref])))
        return btf_err(err, err_size, -EINVAL, "type [%u]: %s refers to %s [%u]", id, what,
                       pbpf_btf_kind_name(pbpf_btf_kind(btf->types[ref])), ref);
    return 0;
}

/* The next id in a reference chain (what a loop would go through), or 0. */
static uint32_t chain_next(const struct pbpf_btf_type *t)
{
    unsigned kind = pbpf_btf_kind(t);
    if (kind == PBPF_BTF_KIND_ARRAY)
        return PBPF_BTF_ARRAY(t)->type;
    if (kind == PBPF_BTF_KIND_PTR || kind == PBPF_BTF_KIND_TYPEDEF || is_modifier(kind) ||
        kind == PBPF_BTF_KIND_VAR || kind == PBPF_BTF_KIND_DECL_TAG)
        return t->size_type;
    return 0;
}

/* Pass 2: references between types. */
static int check_type_refs(const struct pbpf_btf *btf, uint32_t id, char *err, size_t err_size)
{
    const struct pbpf_btf_type *t = btf->types[id];
    unsigned kind = pbpf_btf_kind(t), vlen = pbpf_btf_vlen(t);
    int rc;

    switch (kind) {
    case PBPF_BTF_KIND_PTR:
        /* a function pointer points to a FUNC_PROTO */
        if (t->size_type && t->size_type < btf->cnt &&
            pbpf_btf_kind(btf->types[t->size_type]) == PBPF_BTF_KIND_FUNC_PROTO)
            break;
        if ((rc = check_ref(btf, id, t->size_type, 1, "pointee", err, err_size)))
            return rc;
        break;
    case PBPF_BTF_KIND_TYPEDEF:
    case PBPF_BTF_KIND_VOLATILE:
    case PBPF_BTF_KIND_CONST:
    case PBPF_BTF_KIND_RESTRICT:
    case PBPF_BTF_KIND_TYPE_TAG:
        /* typedef of a function type, const void: both legal C */
        if (t->size_type >= btf->cnt)
            return btf_err(err, err_size, -EINVAL, "type [%u] %s: refers to type %u of %u", id,
                           pbpf_btf_kind_name(kind), t->size_type, btf->cnt - 1);
        if (t->size_type && !is_data_kind(pbpf_btf_kind(btf->types[t->size_type])) &&
            pbpf_btf_kind(btf->types[t->size_type]) != PBPF_BTF_KIND_FUNC_PROTO)
            return btf_err(err, err_size, -EINVAL, "type [%u] %s: refers to %s", id,
                           pbpf_btf_kind_name(kind),
                           pbpf_btf_kind_name(pbpf_btf_kind(btf->types[t->size_type])));
        break;
    case PBPF_BTF_KIND_ARRAY: {
        const struct pbpf_btf_array *a = PBPF_BTF_ARRAY(t);
        if ((rc = check_ref(btf, id, a->type, 0, "element", err, err_size)))
            return rc;
        if ((rc = check_ref(btf, id, a->index_type, 0, "index", err, err_size)))
            return rc;
        break;
    }
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION: {
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        for (unsigned i = 0; i < vlen; i++) {
            if ((rc = check_ref(btf, id, m[i].type, 0, "member", err, err_size)))
                return rc;
            if (pbpf_btf_member_bitfield_size(t, &m[i]) || !pbpf_btf_kflag(t)) {
                uint64_t sz;
                uint32_t bits = pbpf_btf_member_bitfield_size(t, &m[i]);
                uint32_t r = pbpf_btf_skip_mods(btf, m[i].type);
                unsigned rk = r ? pbpf_btf_kind(btf->types[r]) : 0;
                if (bits && rk != PBPF_BTF_KIND_INT && rk != PBPF_BTF_KIND_ENUM &&
                    rk != PBPF_BTF_KIND_ENUM64)
                    return btf_err(err, err_size, -EINVAL,
                                   "type [%u]: bitfield member %u is not an int or enum", id, i);
                if (!bits && pbpf_btf_type_size(btf, m[i].type, &sz) == 0 &&
                    pbpf_btf_member_bit_offset(t, &m[i]) / 8 + sz > t->size_type &&
                    !(rk == PBPF_BTF_KIND_INT && PBPF_BTF_INT_BITS(btf->types[r]) < sz * 8))
                    return btf_err(err, err_size, -EINVAL,
                                   "type [%u]: member %u (%llu bytes) ends past size %u", id, i,
                                   (unsigned long long)sz, t->size_type);
            }
        }
        break;
    }
    case PBPF_BTF_KIND_FUNC:
        if (!t->size_type || t->size_type >= btf->cnt ||
            pbpf_btf_kind(btf->types[t->size_type]) != PBPF_BTF_KIND_FUNC_PROTO)
            return btf_err(err, err_size, -EINVAL, "type [%u] FUNC: type %u is not a FUNC_PROTO",
                           id, t->size_type);
        break;
    case PBPF_BTF_KIND_FUNC_PROTO: {
        const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
        if ((rc = check_ref(btf, id, t->size_type, 1, "return type", err, err_size)))
            return rc;
        for (unsigned i = 0; i < vlen; i++)
            if ((rc = check_ref(btf, id, p[i].type, 1, "parameter", err, err_size)))
                return rc;
        break;
    }
    case PBPF_BTF_KIND_VAR:
        if ((rc = check_ref(btf, id, t->size_type, 0, "variable type", err, err_size)))
            return rc;
        break;
    case PBPF_BTF_KIND_DATASEC: {
        const struct pbpf_btf_var_secinfo *v = PBPF_BTF_SECINFOS(t);
        for (unsigned i = 0; i < vlen; i++) {
            const struct pbpf_btf_type *vt = pbpf_btf_type_by_id(btf, v[i].type);
            if (!vt || (pbpf_btf_kind(vt) != PBPF_BTF_KIND_VAR &&
                        pbpf_btf_kind(vt) != PBPF_BTF_KIND_FUNC))
                return btf_err(err, err_size, -EINVAL,
                               "type [%u] DATASEC: entry %u (type %u) is not a VAR", id, i,
                               v[i].type);
        }
        break;
    }
    case PBPF_BTF_KIND_DECL_TAG: {
        const struct pbpf_btf_type *tt = pbpf_btf_type_by_id(btf, t->size_type);
        int32_t idx = PBPF_BTF_DECL_TAG_IDX(t);
        unsigned tk = tt ? pbpf_btf_kind(tt) : 0;
        if (!tt || (tk != PBPF_BTF_KIND_STRUCT && tk != PBPF_BTF_KIND_UNION &&
                    tk != PBPF_BTF_KIND_FUNC && tk != PBPF_BTF_KIND_VAR &&
                    tk != PBPF_BTF_KIND_TYPEDEF))
            return btf_err(err, err_size, -EINVAL, "type [%u] DECL_TAG: bad target %u", id,
                           t->size_type);
        if (idx >= 0) {
            unsigned n = 0;
            if (tk == PBPF_BTF_KIND_STRUCT || tk == PBPF_BTF_KIND_UNION)
                n = pbpf_btf_vlen(tt);
            else if (tk == PBPF_BTF_KIND_FUNC)
                n = pbpf_btf_vlen(btf->types[tt->size_type]);
            if ((unsigned)idx >= n)
                return btf_err(err, err_size, -EINVAL,
                               "type [%u] DECL_TAG: component %d of a target with %u", id, idx, n);
        }
        break;
    }
    default:
        break;
    }

    return 0;
}

int pbpf_btf_parse(const void *data, size_t len, struct pbpf_btf **out, char *err,
                   size_t err_size)
{
    const uint8_t *p = data;
    struct pbpf_btf *btf;
    uint32_t hdr_len, type_off, type_len, str_off, str_len;
    uint64_t body;
    size_t n = 0, i;
    int rc;

    *out = NULL;
    if (!p || len < BTF_HDR_MIN)
        return btf_err(err, err_size, -EINVAL, "%zu bytes: shorter than the 24-byte header", len);
    if ((uint16_t)(p[0] | p[1] << 8) != PBPF_BTF_MAGIC)
        return btf_err(err, err_size, -EINVAL, "bad magic 0x%02x%02x (big-endian BTF?)", p[1],
                       p[0]);
    if (p[2] != 1)
        return btf_err(err, err_size, -ENOTSUP, "version %u (only 1 is known)", p[2]);
    if (p[3])
        return btf_err(err, err_size, -ENOTSUP, "flags 0x%x (none are known)", p[3]);
    hdr_len = pbpf_btf_rd32(p + 4);
    if (hdr_len < BTF_HDR_MIN || hdr_len > len || hdr_len % 4)
        return btf_err(err, err_size, -EINVAL, "header length %u in %zu bytes", hdr_len, len);
    /* a longer header is a newer format: fine if what we don't know is 0 */
    for (i = BTF_HDR_MIN; i < hdr_len; i++)
        if (p[i])
            return btf_err(err, err_size, -ENOTSUP, "unknown non-zero header byte at %zu", i);
    type_off = pbpf_btf_rd32(p + 8);
    type_len = pbpf_btf_rd32(p + 12);
    str_off = pbpf_btf_rd32(p + 16);
    str_len = pbpf_btf_rd32(p + 20);
    body = len - hdr_len;
    if (type_off % 4 || type_len % 4 || (uint64_t)type_off + type_len > body)
        return btf_err(err, err_size, -EINVAL, "type section [%u, +%u) outside %llu bytes",
                       type_off, type_len, (unsigned long long)body);
    if ((uint64_t)str_off + str_len > body || !str_len)
        return btf_err(err, err_size, -EINVAL, "string section [%u, +%u) outside %llu bytes",
                       str_off, str_len, (unsigned long long)body);
    if (type_off < (uint64_t)str_off + str_len && str_off < (uint64_t)type_off + type_len)
        return btf_err(err, err_size, -EINVAL, "type and string sections overlap");
    p += hdr_len;
    if (p[str_off] || p[str_off + str_len - 1])
        return btf_err(err, err_size, -EINVAL,
                       "string section must start and end with a NUL (offset %u)", str_off);

    btf = pbpf_calloc(1, sizeof(*btf));
    if (!btf)
        return -ENOMEM;
    btf->word_cnt = type_len / 4;
    btf->str_len = str_len;
    btf->words = pbpf_malloc(type_len ? type_len : 4);
    btf->strs = pbpf_malloc(str_len);
    if (!btf->words || !btf->strs) {
        rc = -ENOMEM;
        goto fail;
    }
    for (i = 0; i < btf->word_cnt; i++)
        btf->words[i] = pbpf_btf_rd32(p + type_off + 4 * i);
    memcpy(btf->strs, p + str_off, str_len);

    /* count types, checking each fits */
    for (i = 0; i < btf->word_cnt; n++) {
        long extra;
        if (btf->word_cnt - i < 3) {
            rc = btf_err(err, err_size, -EINVAL, "type [%zu] at byte %zu: truncated header", n + 1,
                         4 * i);
            goto fail;
        }
        extra = extra_words((btf->words[i + 1] >> 24) & 0x1f, btf->words[i + 1] & 0xffff);
        if (extra < 0) {
            rc = btf_err(err, err_size, -EINVAL, "type [%zu] at byte %zu: unknown kind %u", n + 1,
                         4 * i, (btf->words[i + 1] >> 24) & 0x1f);
            goto fail;
        }
        if ((size_t)extra > btf->word_cnt - i - 3) {
            rc = btf_err(err, err_size, -EINVAL, "type [%zu] at byte %zu: %ld bytes of %s data cut",
                         n + 1, 4 * i, extra * 4,
                         pbpf_btf_kind_name((btf->words[i + 1] >> 24) & 0x1f));
            goto fail;
        }
        i += 3 + (size_t)extra;
    }
    if (n >= 0x7fffffff) {
        rc = btf_err(err, err_size, -E2BIG, "%zu types", n);
        goto fail;
    }
    btf->cnt = (uint32_t)n + 1;
    btf->types = pbpf_calloc(btf->cnt, sizeof(*btf->types));
    if (!btf->types) {
        rc = -ENOMEM;
        goto fail;
    }
    for (i = 0, n = 1; i < btf->word_cnt; n++) {
        btf->types[n] = (const struct pbpf_btf_type *)&btf->words[i];
        i += 3 + (size_t)extra_words(pbpf_btf_kind(btf->types[n]), pbpf_btf_vlen(btf->types[n]));
    }
    for (uint32_t id = 1; id < btf->cnt; id++)
        if ((rc = check_type_meta(btf, id, err, err_size)))
            goto fail;
    /* bounded chains (catches loops like `typedef A B; typedef B A`), checked
     * first so that the size queries of pass 2 always end */
    for (uint32_t id = 1; id < btf->cnt; id++) {
        uint32_t cur = id;
        for (int depth = 0; cur; depth++) {
            if (depth > BTF_MAX_CHAIN) {
                rc = btf_err(err, err_size, -EINVAL,
                             "type [%u]: reference chain longer than %d (loop?)", id,
                             BTF_MAX_CHAIN);
                goto fail;
            }
            cur = chain_next(btf->types[cur]);
            if (cur >= btf->cnt) {
                rc = btf_err(err, err_size, -EINVAL, "type [%u]: refers to type %u of %u", id, cur,
                             btf->cnt - 1);
                goto fail;
            }
        }
    }
    for (uint32_t id = 1; id < btf->cnt; id++)
        if ((rc = check_type_refs(btf, id, err, err_size)))
            goto fail;
    *out = btf;
    return 0;
fail:
    pbpf_btf_free(btf);
    return rc;
}

void pbpf_btf_free(struct pbpf_btf *btf)
{
    if (!btf)
        return;
    pbpf_free(btf->words);
    pbpf_free(btf->strs);
    pbpf_free(btf->types);
    pbpf_free(btf);
}

uint32_t pbpf_btf_skip_qualifiers(const struct pbpf_btf *btf, uint32_t id)
{
    for (int depth = 0; depth <= BTF_MAX_CHAIN; depth++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(btf, id);
        if (!t || !is_modifier(pbpf_btf_kind(t)))
            return id;
        id = t->size_type;
    }
    return id;
}

uint32_t pbpf_btf_skip_mods(const struct pbpf_btf *btf, uint32_t id)
{
    for (int depth = 0; depth <= BTF_MAX_CHAIN; depth++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(btf, id);
        if (!t || !(is_modifier(pbpf_btf_kind(t)) || pbpf_btf_kind(t) == PBPF_BTF_KIND_TYPEDEF))
            return id;
        id = t->size_type;
    }
    return id;
}

int pbpf_btf_type_size(const struct pbpf_btf *btf, uint32_t id, uint64_t *size)
{
    uint64_t mult = 1;
    for (int depth = 0; depth <= BTF_MAX_CHAIN; depth++) {
        const struct pbpf_btf_type *t;
        id = pbpf_btf_skip_mods(btf, id);
        t = pbpf_btf_type_by_id(btf, id);
        if (!t)
            return -EINVAL;
        switch (pbpf_btf_kind(t)) {
        case PBPF_BTF_KIND_INT:
        case PBPF_BTF_KIND_ENUM:
        case PBPF_BTF_KIND_ENUM64:
        case PBPF_BTF_KIND_STRUCT:
        case PBPF_BTF_KIND_UNION:
        case PBPF_BTF_KIND_FLOAT:
        case PBPF_BTF_KIND_DATASEC:
            if (t->size_type && mult > UINT64_MAX / t->size_type)
                return -E2BIG;
            *size = mult * t->size_type;
            return 0;
        case PBPF_BTF_KIND_PTR:
            *size = mult * 8; /* BPF is a 64-bit target */
            return 0;
        case PBPF_BTF_KIND_VAR:
            id = t->size_type;
            break;
        case PBPF_BTF_KIND_ARRAY: {
            uint32_t ne = PBPF_BTF_ARRAY(t)->nelems;
            if (ne && mult > UINT64_MAX / ne)
                return -E2BIG;
            mult *= ne;
            id = PBPF_BTF_ARRAY(t)->type;
            break;
        }
        default:
            return -EINVAL;
        }
    }
    return -ELOOP;
}

/* Anonymous members can nest and repeat: depth and total steps are both
 * bounded so that crafted BTF cannot make a lookup exponential. */
#define BTF_MAX_STEPS 100000

static int find_member(const struct pbpf_btf *btf, uint32_t id, const char *name,
                       const struct pbpf_btf_member **mo, uint64_t *bit_off, int depth,
                       unsigned *steps)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(btf, pbpf_btf_skip_mods(btf, id));
    const struct pbpf_btf_member *m;
    if (!t || (pbpf_btf_kind(t) != PBPF_BTF_KIND_STRUCT && pbpf_btf_kind(t) != PBPF_BTF_KIND_UNION))
        return -EINVAL;
    if (depth > BTF_MAX_CHAIN || ++*steps > BTF_MAX_STEPS)
        return -ELOOP;
    m = PBPF_BTF_MEMBERS(t);
    for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
        const char *mn = pbpf_btf_str(btf, m[i].name_off);
        if (mn && *mn && strcmp(mn, name) == 0) {
            *mo = &m[i];
            *bit_off = pbpf_btf_member_bit_offset(t, &m[i]);
            return 0;
        }
        if (mn && !*mn) { /* anonymous struct/union: its members are ours */
            uint64_t inner;
            if (find_member(btf, m[i].type, name, mo, &inner, depth + 1, steps) == 0) {
                *bit_off = pbpf_btf_member_bit_offset(t, &m[i]) + inner;
                return 0;
            }
        }
    }
    return -ENOENT;
}

int pbpf_btf_find_member(const struct pbpf_btf *btf, uint32_t id, const char *name,
                         const struct pbpf_btf_member **m, uint64_t *bit_off)
{
    unsigned steps = 0;
    return find_member(btf, id, name, m, bit_off, 0, &steps);
}

int64_t pbpf_btf_find_by_name_kind(const struct pbpf_btf *btf, const char *name, unsigned kind)
{
    for (uint32_t id = 1; id < btf->cnt; id++) {
        const struct pbpf_btf_type *t = btf->types[id];
        if (pbpf_btf_kind(t) == kind && strcmp(pbpf_btf_name(btf, t), name) == 0)
            return id;
    }
    return -ENOENT;
}
