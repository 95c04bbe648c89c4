/* CO-RE ("compile once, run everywhere") relocations: the value one
 * `.BTF.ext` CO-RE record asks for, computed against a target BTF (the
 * running kernel's, /sys/kernel/btf/vmlinux on Linux).  Follows libbpf's
 * relocation semantics: a type matches a target type of the same kind whose
 * name equals the local name without any "___flavour" suffix; fields are
 * matched by name along the access path; arrays by index.  When several
 * candidates exist the first that matches the whole path wins (libbpf
 * additionally insists that all matching candidates agree). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf.h"

#define core_err(err, size, code, ...) pbpf_btf_errf(err, size, code, "", __VA_ARGS__)

#define CORE_MAX_ACCESS 64

/* Length of a name without its "___flavour" suffix. */
static size_t essential_len(const char *name)
{
    const char *s = strstr(name, "___");
    return s ? (size_t)(s - name) : strlen(name);
}

static int same_essential(const char *a, const char *b)
{
    size_t la = essential_len(a), lb = essential_len(b);
    return la == lb && strncmp(a, b, la) == 0;
}

static int kinds_compatible(unsigned a, unsigned b)
{
    if (a == b)
        return 1;
    return (a == PBPF_BTF_KIND_ENUM || a == PBPF_BTF_KIND_ENUM64) &&
           (b == PBPF_BTF_KIND_ENUM || b == PBPF_BTF_KIND_ENUM64);
}

static int parse_access(const char *s, uint32_t *acc, int *n)
{
    *n = 0;
    if (!s || !*s)
        return -EINVAL;
    while (*s) {
        uint64_t v = 0;
        if (*s < '0' || *s > '9' || *n >= CORE_MAX_ACCESS)
            return -EINVAL;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (uint64_t)(*s++ - '0');
            if (v > UINT32_MAX)
                return -EINVAL;
        }
        acc[(*n)++] = (uint32_t)v;
        if (*s == ':')
            s++;
        else if (*s)
            return -EINVAL;
    }
    return 0;
}

/* A named member of struct/union id, looked for through anonymous members
 * too; gives the containing type (for bitfield sizes) and the offset. */
static const struct pbpf_btf_member *find_field(const struct pbpf_btf *btf, uint32_t id,
                                                const char *name,
                                                const struct pbpf_btf_type **container,
                                                uint64_t *bit_off, int depth, unsigned *steps)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(btf, pbpf_btf_skip_mods(btf, id));
    const struct pbpf_btf_member *m;
    if (!t || depth > 32 || ++*steps > 100000 ||
        (pbpf_btf_kind(t) != PBPF_BTF_KIND_STRUCT && pbpf_btf_kind(t) != PBPF_BTF_KIND_UNION))
        return NULL;
    m = PBPF_BTF_MEMBERS(t);
    for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
        const char *mn = pbpf_btf_str(btf, m[i].name_off);
        if (mn && *mn && strcmp(mn, name) == 0) {
            *container = t;
            *bit_off = pbpf_btf_member_bit_offset(t, &m[i]);
            return &m[i];
        }
        if (mn && !*mn) {
            uint64_t inner;
            const struct pbpf_btf_member *r =
                find_field(btf, m[i].type, name, container, &inner, depth + 1, steps);
            if (r) {
                *bit_off = inner + pbpf_btf_member_bit_offset(t, &m[i]);
                return r;
            }
        }
    }
    return NULL;
}

struct field {
    uint32_t type;     /* the field's type in the target */
    uint64_t bit_off;  /* from the start of the root object */
    uint32_t bit_size; /* bitfield size, or 0 */
};

/* Walks the local access path in the target, starting at target type tid. */
static int walk_target(const struct pbpf_btf *local, uint32_t lid, const uint32_t *acc, int n,
                       const struct pbpf_btf *target, uint32_t tid, struct field *f)
{
    uint64_t sz;
    f->bit_size = 0;
    if (pbpf_btf_type_size(target, tid, &sz))
        return -ENOENT;
    f->bit_off = (uint64_t)acc[0] * sz * 8;
    for (int i = 1; i < n; i++) {
        const struct pbpf_btf_type *lt = pbpf_btf_type_by_id(local, pbpf_btf_skip_mods(local, lid));
        const struct pbpf_btf_type *tt = pbpf_btf_type_by_id(target, pbpf_btf_skip_mods(target, tid));
        if (!lt || !tt)
            return -ENOENT;
        f->bit_size = 0;
        if (pbpf_btf_kind(lt) == PBPF_BTF_KIND_STRUCT || pbpf_btf_kind(lt) == PBPF_BTF_KIND_UNION) {
            const struct pbpf_btf_member *lm, *tm;
            const struct pbpf_btf_type *cont;
            const char *name;
            uint64_t off;
            if (acc[i] >= pbpf_btf_vlen(lt))
                return -EINVAL;
            lm = &PBPF_BTF_MEMBERS(lt)[acc[i]];
            name = pbpf_btf_str(local, lm->name_off);
            lid = lm->type;
            if (!name || !*name)
                continue; /* anonymous: the next named member is searched through it */
            {
                unsigned steps = 0;
                tm = find_field(target, tid, name, &cont, &off, 0, &steps);
            }
            if (!tm)
                return -ENOENT;
            f->bit_off += off;
            f->bit_size = pbpf_btf_member_bitfield_size(cont, tm);
            if (!f->bit_size) {
                /* old-style bitfield: an int narrower than its size */
                const struct pbpf_btf_type *it = pbpf_btf_type_by_id(target, pbpf_btf_skip_mods(target, tm->type));
                if (it && pbpf_btf_kind(it) == PBPF_BTF_KIND_INT &&
                    PBPF_BTF_INT_BITS(it) != it->size_type * 8)
                    f->bit_size = PBPF_BTF_INT_BITS(it);
            }
            tid = tm->type;
        } else if (pbpf_btf_kind(lt) == PBPF_BTF_KIND_ARRAY) {
            const struct pbpf_btf_array *ta;
            if (pbpf_btf_kind(tt) != PBPF_BTF_KIND_ARRAY)
                return -ENOENT;
            ta = PBPF_BTF_ARRAY(tt);
            /* a flexible (0 or 1 element) array takes any index */
            if (ta->nelems > 1 && acc[i] >= ta->nelems)
                return -ENOENT;
            if (pbpf_btf_type_size(target, ta->type, &sz))
                return -ENOENT;
            f->bit_off += (uint64_t)acc[i] * sz * 8;
            lid = PBPF_BTF_ARRAY(lt)->type;
            tid = ta->type;
        } else {
            return -EINVAL;
        }
    }
    f->type = tid;
    return 0;
}

int pbpf_core_resolve(const struct pbpf_btf *local, uint32_t type_id, const char *access,
                      uint32_t kind, const struct pbpf_btf *target, struct pbpf_core_result *res,
                      char *err, size_t err_size)
{
    const struct pbpf_btf_type *lt = pbpf_btf_type_by_id(local, type_id);
    const struct pbpf_btf_type *root;
    uint32_t acc[CORE_MAX_ACCESS], lroot;
    const char *lname;
    int n = 0;

    memset(res, 0, sizeof(*res));
    if (!lt)
        return core_err(err, err_size, -EINVAL, "CO-RE: local type %u does not exist", type_id);
    if (kind > PBPF_CORE_RELO_KIND_MAX)
        return core_err(err, err_size, -ENOTSUP, "CO-RE: relocation kind %u", kind);
    if (kind == PBPF_CORE_TYPE_ID_LOCAL) {
        res->exists = 1;
        res->value = type_id;
        return 0;
    }
    if (parse_access(access, acc, &n))
        return core_err(err, err_size, -EINVAL, "CO-RE: bad access string '%s'",
                        access ? access : "");
    lroot = pbpf_btf_skip_mods(local, type_id);
    root = pbpf_btf_type_by_id(local, lroot);
    if (!root)
        return core_err(err, err_size, -EINVAL, "CO-RE: type %u is void", type_id);
    lname = pbpf_btf_name(local, root);
    if (!*lname)
        return core_err(err, err_size, -ENOTSUP, "CO-RE: anonymous root type %u", lroot);

    for (uint32_t tid = 1; tid < pbpf_btf_type_cnt(target); tid++) {
        const struct pbpf_btf_type *tt = pbpf_btf_type_by_id(target, tid);
        struct field f;
        uint64_t sz;
        if (!kinds_compatible(pbpf_btf_kind(root), pbpf_btf_kind(tt)) ||
            !same_essential(lname, pbpf_btf_name(target, tt)))
            continue;
        switch (kind) {
        case PBPF_CORE_TYPE_EXISTS:
        case PBPF_CORE_TYPE_MATCHES:
            res->exists = 1;
            res->value = 1;
            res->target_id = tid;
            return 0;
        case PBPF_CORE_TYPE_ID_TARGET:
            res->exists = 1;
            res->value = tid;
            res->target_id = tid;
            return 0;
        case PBPF_CORE_TYPE_SIZE:
            if (pbpf_btf_type_size(target, tid, &sz))
                continue;
            res->exists = 1;
            res->value = sz;
            res->target_id = tid;
            return 0;
        case PBPF_CORE_ENUMVAL_EXISTS:
        case PBPF_CORE_ENUMVAL_VALUE: {
            unsigned lk = pbpf_btf_kind(root), tk = pbpf_btf_kind(tt);
            const uint32_t *lw = pbpf_btf_extra(root), *tw = pbpf_btf_extra(tt);
            size_t lrec = lk == PBPF_BTF_KIND_ENUM ? 2 : 3, trec = tk == PBPF_BTF_KIND_ENUM ? 2 : 3;
            const char *en;
            if ((lk != PBPF_BTF_KIND_ENUM && lk != PBPF_BTF_KIND_ENUM64) || n != 1 ||
                acc[0] >= pbpf_btf_vlen(root))
                return core_err(err, err_size, -EINVAL, "CO-RE: enum access '%s' of type %u",
                                access, type_id);
            en = pbpf_btf_str(local, lw[acc[0] * lrec]);
            for (unsigned i = 0; en && i < pbpf_btf_vlen(tt); i++) {
                const char *tn = pbpf_btf_str(target, tw[i * trec]);
                if (tn && same_essential(en, tn)) {
                    res->exists = 1;
                    res->target_id = tid;
                    if (tk == PBPF_BTF_KIND_ENUM)
                        res->value = (uint64_t)(int64_t)(int32_t)tw[i * trec + 1];
                    else
                        res->value = (uint64_t)tw[i * trec + 1] | (uint64_t)tw[i * trec + 2] << 32;
                    if (kind == PBPF_CORE_ENUMVAL_EXISTS)
                        res->value = 1;
                    return 0;
                }
            }
            continue;
        }
        default:
            break;
        }
        /* field relocations */
        if (walk_target(local, lroot, acc, n, target, tid, &f))
            continue;
        res->exists = 1;
        res->target_id = tid;
        {
            const struct pbpf_btf_type *ft = pbpf_btf_type_by_id(target, pbpf_btf_skip_mods(target, f.type));
            uint64_t byte_sz = 0, byte_off;
            if (pbpf_btf_type_size(target, f.type, &byte_sz) && kind != PBPF_CORE_FIELD_EXISTS)
                return core_err(err, err_size, -EINVAL, "CO-RE: field of type %u has no size",
                                f.type);
            byte_off = f.bit_off / 8;
            if (f.bit_size) {
                /* the smallest load, of at least the field's declared size,
                 * that covers the bitfield (libbpf's rule) */
                if (!byte_sz)
                    byte_sz = 1;
                byte_off = f.bit_off / 8 / byte_sz * byte_sz;
                while (f.bit_off + f.bit_size - byte_off * 8 > byte_sz * 8) {
                    if (byte_sz >= 8)
                        return core_err(err, err_size, -E2BIG, "CO-RE: bitfield too wide");
                    byte_sz *= 2;
                    byte_off = f.bit_off / 8 / byte_sz * byte_sz;
                }
            }
            switch (kind) {
            case PBPF_CORE_FIELD_BYTE_OFFSET:
                res->value = byte_off;
                break;
            case PBPF_CORE_FIELD_BYTE_SIZE:
                res->value = byte_sz;
                break;
            case PBPF_CORE_FIELD_EXISTS:
                res->value = 1;
                break;
            case PBPF_CORE_FIELD_SIGNED:
                res->value = ft && ((pbpf_btf_kind(ft) == PBPF_BTF_KIND_INT &&
                                     (PBPF_BTF_INT_ENCODING(ft) & 1)) ||
                                    ((pbpf_btf_kind(ft) == PBPF_BTF_KIND_ENUM ||
                                      pbpf_btf_kind(ft) == PBPF_BTF_KIND_ENUM64) &&
                                     pbpf_btf_kflag(ft)));
                break;
            case PBPF_CORE_FIELD_LSHIFT_U64: {
                /* little-endian: bits above the field shifted out */
                uint64_t bits = f.bit_size ? f.bit_size : byte_sz * 8;
                res->value = 64 - (f.bit_off + bits - byte_off * 8);
                break;
            }
            case PBPF_CORE_FIELD_RSHIFT_U64:
                res->value = 64 - (f.bit_size ? f.bit_size : byte_sz * 8);
                break;
            default:
                return core_err(err, err_size, -ENOTSUP, "CO-RE: relocation kind %u", kind);
            }
        }
        return 0;
    }
    /* no candidate: existence questions get 0, the others fail (libbpf
     * then poisons the instruction so that it fails verification if it is
     * reachable) */
    res->exists = 0;
    res->value = 0;
    return 0;
}
