/* Map definitions: legacy SEC("maps") (struct bpf_map_def and its longer
 * variants), BTF-defined SEC(".maps") (btf.rst §3.2, libbpf's field
 * conventions), global data sections as array maps, `.kconfig` and
 * `.ksyms` externs, and the initial `values` of prog arrays and maps of
 * maps.  Only definitions: creating maps is the loader's job. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf.h"
#include "platform/platform.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pbpf_elf_is_data_sec(const char *name, int *readonly)
{
    int ro = 0, ok = 0;
    if (strcmp(name, ".data") == 0 || strncmp(name, ".data.", 6) == 0 ||
        strcmp(name, ".bss") == 0)
        ok = 1;
    else if (strcmp(name, ".rodata") == 0 || strncmp(name, ".rodata.", 8) == 0)
        ok = ro = 1;
    if (readonly)
        *readonly = ro;
    return ok;
}

static struct pbpf_object_map *new_map(struct pbpf_object *obj, size_t cap)
{
    struct pbpf_object_map *m;
    if (obj->map_cnt >= cap)
        return NULL; /* counted beforehand: cannot happen */
    m = &obj->maps[obj->map_cnt];
    memset(m, 0, sizeof(*m));
    obj->map_locs[obj->map_cnt].values_off = -1;
    obj->map_cnt++;
    return m;
}

struct legacy_sym {
    uint64_t off;
    const char *name;
};

static int cmp_legacy(const void *a, const void *b)
{
    const struct legacy_sym *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* libbpf < 1.0 and iproute2: an array of fixed-size definitions, one per
 * symbol; the element size is the section size divided by the number of
 * symbols, so longer variants of struct bpf_map_def work. */
static int parse_legacy(struct pbpf_object *obj, size_t cap)
{
    const struct pbpf_elf_sec *s = &obj->secs[obj->legacy_maps_sec];
    struct legacy_sym *syms;
    size_t n = 0, def_sz;

    for (size_t i = 0; i < obj->sym_cnt; i++)
        if (obj->syms[i].shndx == (uint32_t)obj->legacy_maps_sec &&
            obj->syms[i].type != PBPF_STT_SECTION)
            n++;
    if (!n)
        return s->size ? pbpf_elf_err(obj, -EINVAL, "section 'maps': %llu bytes but no map symbols",
                                      (unsigned long long)s->size)
                       : 0;
    if (s->size % n || s->size / n < 4 || (s->size / n) % 4)
        return pbpf_elf_err(obj, -EINVAL,
                            "section 'maps': %llu bytes do not divide into %zu definitions",
                            (unsigned long long)s->size, n);
    def_sz = s->size / n;
    syms = pbpf_calloc(n, sizeof(*syms));
    if (!syms)
        return -ENOMEM;
    n = 0;
    for (size_t i = 0; i < obj->sym_cnt; i++) {
        const struct pbpf_elf_sym *sym = &obj->syms[i];
        if (sym->shndx != (uint32_t)obj->legacy_maps_sec || sym->type == PBPF_STT_SECTION)
            continue;
        if (sym->value % def_sz || sym->value >= s->size) {
            pbpf_free(syms);
            return pbpf_elf_err(obj, -EINVAL,
                                "section 'maps' offset 0x%llx: map '%s' is not at a definition "
                                "boundary (%zu bytes each)",
                                (unsigned long long)sym->value, sym->name, def_sz);
        }
        syms[n].off = sym->value;
        syms[n++].name = sym->name;
    }
    qsort(syms, n, sizeof(*syms), cmp_legacy);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d = s->data + syms[i].off;
        uint32_t f[5] = {0};
        struct pbpf_object_map *m;
        if (i && syms[i].off == syms[i - 1].off) {
            int rc = pbpf_elf_err(obj, -EINVAL, "section 'maps' offset 0x%llx: two maps '%s', '%s'",
                                  (unsigned long long)syms[i].off, syms[i - 1].name, syms[i].name);
            pbpf_free(syms);
            return rc;
        }
        /* struct bpf_map_def: type, key_size, value_size, max_entries,
         * map_flags; shorter old definitions leave the rest 0 */
        for (size_t k = 0; k < 5 && 4 * k + 4 <= def_sz; k++)
            f[k] = rd32(d + 4 * k);
        m = new_map(obj, cap);
        m->name = syms[i].name;
        m->kind = PBPF_OBJMAP_LEGACY;
        m->type = f[0];
        m->key_size = f[1];
        m->value_size = f[2];
        m->max_entries = f[3];
        m->map_flags = f[4];
        /* iproute2's struct bpf_elf_map continues with id, pinning */
        if (def_sz >= 28)
            m->pinning = rd32(d + 24);
        m->section = s->name;
        obj->map_locs[obj->map_cnt - 1].sec = (uint32_t)obj->legacy_maps_sec;
        obj->map_locs[obj->map_cnt - 1].off = syms[i].off;
        obj->map_locs[obj->map_cnt - 1].size = def_sz;
    }
    pbpf_free(syms);
    return 0;
}

/* libbpf's __uint(name, val): a pointer to an array of val elements. */
static int field_int(struct pbpf_object *obj, const char *map, const struct pbpf_btf_member *mem,
                     uint32_t *val)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, mem->type));
    const struct pbpf_btf_type *a;
    if (!t || pbpf_btf_kind(t) != PBPF_BTF_KIND_PTR)
        return pbpf_elf_err(obj, -EINVAL, "section '.maps': map '%s' field '%s' is not __uint()",
                            map, pbpf_btf_str(obj->btf, mem->name_off));
    a = pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, t->size_type));
    if (!a || pbpf_btf_kind(a) != PBPF_BTF_KIND_ARRAY)
        return pbpf_elf_err(obj, -EINVAL, "section '.maps': map '%s' field '%s' is not __uint()",
                            map, pbpf_btf_str(obj->btf, mem->name_off));
    *val = PBPF_BTF_ARRAY(a)->nelems;
    return 0;
}

/* __type(name, T): a pointer to T; gives T's id and size. */
static int field_type(struct pbpf_object *obj, const char *map, const struct pbpf_btf_member *mem,
                      uint32_t *id, uint32_t *size)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, mem->type));
    uint64_t sz;
    if (!t || pbpf_btf_kind(t) != PBPF_BTF_KIND_PTR)
        return pbpf_elf_err(obj, -EINVAL, "section '.maps': map '%s' field '%s' is not __type()",
                            map, pbpf_btf_str(obj->btf, mem->name_off));
    if (pbpf_btf_type_size(obj->btf, t->size_type, &sz) || sz > UINT32_MAX)
        return pbpf_elf_err(obj, -EINVAL,
                            "section '.maps': map '%s' field '%s': type %u has no size", map,
                            pbpf_btf_str(obj->btf, mem->name_off), t->size_type);
    *id = t->size_type;
    *size = (uint32_t)sz;
    return 0;
}

/* One map definition struct.  inner: where to put an `__array(values,
 * struct {...})` template (NULL when parsing a template). */
static int parse_btf_def(struct pbpf_object *obj, const char *name, uint32_t struct_id,
                         struct pbpf_object_map *m, struct pbpf_object_map **inner,
                         int64_t *values_off)
{
    const struct pbpf_btf_type *st = pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, struct_id));
    const struct pbpf_btf_member *mem;
    uint32_t key_size = 0, value_size = 0;
    int rc;

    if (!st || pbpf_btf_kind(st) != PBPF_BTF_KIND_STRUCT)
        return pbpf_elf_err(obj, -EINVAL, "section '.maps': map '%s' is not a struct", name);
    mem = PBPF_BTF_MEMBERS(st);
    m->kind = PBPF_OBJMAP_BTF;
    m->name = name;
    for (unsigned i = 0; i < pbpf_btf_vlen(st); i++) {
        const char *f = pbpf_btf_str(obj->btf, mem[i].name_off);
        uint32_t v = 0;
        if (strcmp(f, "type") == 0)
            rc = field_int(obj, name, &mem[i], &m->type);
        else if (strcmp(f, "max_entries") == 0)
            rc = field_int(obj, name, &mem[i], &m->max_entries);
        else if (strcmp(f, "map_flags") == 0)
            rc = field_int(obj, name, &mem[i], &m->map_flags);
        else if (strcmp(f, "numa_node") == 0)
            rc = field_int(obj, name, &mem[i], &m->numa_node);
        else if (strcmp(f, "map_extra") == 0)
            rc = field_int(obj, name, &mem[i], &v), m->map_extra = v;
        else if (strcmp(f, "pinning") == 0) {
            rc = field_int(obj, name, &mem[i], &m->pinning);
            /* libbpf knows LIBBPF_PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1) */
            if (!rc && m->pinning > 1)
                rc = pbpf_elf_err(obj, -ENOTSUP, "section '.maps': map '%s': pinning %u", name,
                                  m->pinning);
        } else if (strcmp(f, "key_size") == 0)
            rc = field_int(obj, name, &mem[i], &key_size);
        else if (strcmp(f, "value_size") == 0)
            rc = field_int(obj, name, &mem[i], &value_size);
        else if (strcmp(f, "key") == 0)
            rc = field_type(obj, name, &mem[i], &m->btf_key_type_id, &m->key_size);
        else if (strcmp(f, "value") == 0)
            rc = field_type(obj, name, &mem[i], &m->btf_value_type_id, &m->value_size);
        else if (strcmp(f, "values") == 0) {
            /* __array(values, T): T *values[]; T a struct (map of maps)
             * or a function type (prog array) */
            const struct pbpf_btf_type *a = pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, mem[i].type));
            const struct pbpf_btf_type *p, *e;
            if (!inner)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '.maps': map '%s': nested 'values' in an inner map",
                                    name);
            if (i + 1 != pbpf_btf_vlen(st))
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '.maps': map '%s': 'values' must be the last field",
                                    name);
            p = a && pbpf_btf_kind(a) == PBPF_BTF_KIND_ARRAY
                    ? pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, PBPF_BTF_ARRAY(a)->type))
                    : NULL;
            e = p && pbpf_btf_kind(p) == PBPF_BTF_KIND_PTR
                    ? pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, p->size_type))
                    : NULL;
            if (!e)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '.maps': map '%s': 'values' is not __array()", name);
            *values_off = pbpf_btf_member_bit_offset(st, &mem[i]) / 8;
            if (pbpf_btf_kind(e) == PBPF_BTF_KIND_STRUCT) {
                struct pbpf_object_map *im;
                size_t nl = strlen(name);
                /* a template has no `values` of its own: no default
                 * value size either (a ring buffer template has none) */
                int64_t dummy = -1;
                im = pbpf_calloc(1, sizeof(*im) + nl + sizeof(".inner"));
                if (!im)
                    return -ENOMEM;
                memcpy((char *)(im + 1), name, nl);
                memcpy((char *)(im + 1) + nl, ".inner", sizeof(".inner"));
                *inner = im;
                if ((rc = parse_btf_def(obj, (const char *)(im + 1),
                                        (uint32_t)(p->size_type), im, NULL, &dummy)))
                    return rc;
            } else if (pbpf_btf_kind(e) != PBPF_BTF_KIND_FUNC_PROTO) {
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '.maps': map '%s': 'values' of %s", name,
                                    pbpf_btf_kind_name(pbpf_btf_kind(e)));
            }
            rc = 0;
        } else {
            /* libbpf rejects fields it does not know, so that a newer
             * definition is not silently half-understood */
            return pbpf_elf_err(obj, -ENOTSUP, "section '.maps': map '%s': unknown field '%s'",
                                name, f);
        }
        if (rc)
            return rc;
    }
    if (key_size) {
        if (m->key_size && m->key_size != key_size)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '.maps': map '%s': key_size %u but key type of %u bytes",
                                name, key_size, m->key_size);
        m->key_size = key_size;
    }
    if (value_size) {
        if (m->value_size && m->value_size != value_size)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '.maps': map '%s': value_size %u but value type of %u "
                                "bytes",
                                name, value_size, m->value_size);
        m->value_size = value_size;
    }
    if (*values_off >= 0 || (inner && *inner)) {
        if (inner && *inner) {
            if (m->type != PBPF_MAP_TYPE_ARRAY_OF_MAPS && m->type != PBPF_MAP_TYPE_HASH_OF_MAPS)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '.maps': map '%s': inner map in a map of type %u",
                                    name, m->type);
            /* the value of a map-in-map is a map id/fd */
            if (!m->value_size)
                m->value_size = 4;
        } else if (inner && m->type != PBPF_MAP_TYPE_PROG_ARRAY) {
            return pbpf_elf_err(obj, -EINVAL,
                                "section '.maps': map '%s': program values in a map of type %u",
                                name, m->type);
        } else if (!m->value_size) {
            m->value_size = 4; /* a prog array's value is a program fd */
        }
    }
    return 0;
}

static int parse_btf_maps(struct pbpf_object *obj, size_t cap)
{
    const struct pbpf_elf_sec *s = &obj->secs[obj->btf_maps_sec];
    const struct pbpf_btf_type *ds;
    const struct pbpf_btf_var_secinfo *vi;
    int64_t id;

    if (!obj->btf)
        return pbpf_elf_err(obj, -EINVAL, "section '.maps' needs .BTF to describe its maps");
    id = pbpf_btf_find_by_name_kind(obj->btf, ".maps", PBPF_BTF_KIND_DATASEC);
    if (id < 0)
        return s->size ? pbpf_elf_err(obj, -EINVAL, "section '.maps': no BTF DATASEC '.maps'") : 0;
    ds = pbpf_btf_type_by_id(obj->btf, (uint32_t)id);
    vi = PBPF_BTF_SECINFOS(ds);
    for (unsigned i = 0; i < pbpf_btf_vlen(ds); i++) {
        const struct pbpf_btf_type *var = pbpf_btf_type_by_id(obj->btf, vi[i].type);
        const char *name = pbpf_btf_name(obj->btf, var);
        struct pbpf_object_map *m, *inner = NULL;
        struct pbpf_elf_map_loc *loc;
        int rc;
        uint64_t off = vi[i].offset, size = vi[i].size;
        if (pbpf_btf_kind(var) != PBPF_BTF_KIND_VAR)
            return pbpf_elf_err(obj, -EINVAL, "section '.maps': entry %u is not a variable", i);
        /* clang leaves DATASEC offsets for the loader to fill in from the
         * symbol table (libbpf does the same fix-up) */
        for (size_t k = 0; k < obj->sym_cnt; k++)
            if (obj->syms[k].shndx == (uint32_t)obj->btf_maps_sec &&
                obj->syms[k].type == PBPF_STT_OBJECT && strcmp(obj->syms[k].name, name) == 0) {
                off = obj->syms[k].value;
                if (obj->syms[k].size)
                    size = obj->syms[k].size;
            }
        if (off + size > s->size)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '.maps' offset 0x%llx: map '%s' of %llu bytes past the end",
                                (unsigned long long)off, name, (unsigned long long)size);
        m = new_map(obj, cap);
        if (!m)
            return pbpf_elf_err(obj, -EINVAL, "section '.maps': too many maps");
        loc = &obj->map_locs[obj->map_cnt - 1];
        loc->sec = (uint32_t)obj->btf_maps_sec;
        loc->off = off;
        loc->size = size;
        m->section = s->name;
        rc = parse_btf_def(obj, name, var->size_type, m, &inner, &loc->values_off);
        m->inner = inner;
        if (rc)
            return rc;
        for (size_t k = 0; k + 1 < obj->map_cnt; k++)
            if (obj->map_locs[k].sec == loc->sec && obj->map_locs[k].off == loc->off)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '.maps' offset 0x%llx: two maps '%s', '%s'",
                                    (unsigned long long)off, obj->maps[k].name, name);
    }
    return 0;
}

/* libbpf makes a data map mmap-able (so user space can read and write the
 * variables) only when its section holds a non-static variable; string
 * literal sections (.rodata.str1.1) have no DATASEC and are not. */
static int has_global_var(const struct pbpf_object *obj, uint32_t datasec)
{
    const struct pbpf_btf_type *t = datasec ? pbpf_btf_type_by_id(obj->btf, datasec) : NULL;
    const struct pbpf_btf_var_secinfo *vi;
    if (!t)
        return 0;
    vi = PBPF_BTF_SECINFOS(t);
    for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
        const struct pbpf_btf_type *v = pbpf_btf_type_by_id(obj->btf, vi[i].type);
        if (pbpf_btf_kind(v) == PBPF_BTF_KIND_VAR && PBPF_BTF_VAR_LINKAGE(v) != PBPF_BTF_VAR_STATIC)
            return 1;
    }
    return 0;
}

int pbpf_elf_parse_maps(struct pbpf_object *obj)
{
    size_t cap = 1; /* .kconfig */
    int rc;

    for (size_t i = 0; i < obj->sym_cnt; i++)
        if (obj->legacy_maps_sec > 0 && obj->syms[i].shndx == (uint32_t)obj->legacy_maps_sec)
            cap++;
    if (obj->btf) {
        int64_t id = pbpf_btf_find_by_name_kind(obj->btf, ".maps", PBPF_BTF_KIND_DATASEC);
        if (id > 0)
            cap += pbpf_btf_vlen(pbpf_btf_type_by_id(obj->btf, (uint32_t)id));
    }
    for (uint32_t i = 1; i < obj->sec_cnt; i++)
        if (pbpf_elf_is_data_sec(obj->secs[i].name, NULL))
            cap++;
    obj->maps = pbpf_calloc(cap, sizeof(*obj->maps));
    obj->map_locs = pbpf_calloc(cap, sizeof(*obj->map_locs));
    if (!obj->maps || !obj->map_locs)
        return -ENOMEM;

    if (obj->legacy_maps_sec > 0 && (rc = parse_legacy(obj, cap)))
        return rc;
    if (obj->btf_maps_sec > 0 && (rc = parse_btf_maps(obj, cap)))
        return rc;
    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        const struct pbpf_elf_sec *s = &obj->secs[i];
        struct pbpf_object_map *m;
        int ro;
        int64_t id;
        if (!pbpf_elf_is_data_sec(s->name, &ro) || !s->size)
            continue;
        if (s->type != PBPF_SHT_PROGBITS && s->type != PBPF_SHT_NOBITS)
            continue;
        if (s->size > UINT32_MAX)
            return pbpf_elf_err(obj, -E2BIG, "section '%s': %llu bytes", s->name,
                                (unsigned long long)s->size);
        /* libbpf's internal maps: a one-element array whose value is the
         * section; read-only for the program when the section is */
        m = new_map(obj, cap);
        m->name = s->name;
        m->kind = PBPF_OBJMAP_DATA;
        m->type = PBPF_MAP_TYPE_ARRAY;
        m->key_size = 4;
        m->value_size = (uint32_t)s->size;
        m->max_entries = 1;
        m->map_flags = ro ? PBPF_F_RDONLY_PROG : 0;
        m->data = s->data;
        m->data_size = (size_t)s->size;
        m->section = s->name;
        if (obj->btf && (id = pbpf_btf_find_by_name_kind(obj->btf, s->name,
                                                         PBPF_BTF_KIND_DATASEC)) > 0)
            m->btf_value_type_id = (uint32_t)id;
        if (has_global_var(obj, m->btf_value_type_id))
            m->map_flags |= PBPF_F_MMAPABLE;
        obj->map_locs[obj->map_cnt - 1].sec = i;
        obj->map_locs[obj->map_cnt - 1].off = 0;
        obj->map_locs[obj->map_cnt - 1].size = s->size;
    }
    return 0;
}

/* The BTF VAR or FUNC declaring an extern, and the DATASEC holding it. */
static uint32_t extern_btf(const struct pbpf_object *obj, const char *name, const char **datasec)
{
    uint32_t cnt = pbpf_btf_type_cnt(obj->btf);
    *datasec = NULL;
    for (uint32_t id = 1; id < cnt; id++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, id);
        unsigned k = pbpf_btf_kind(t);
        if (k == PBPF_BTF_KIND_DATASEC) {
            const struct pbpf_btf_var_secinfo *vi = PBPF_BTF_SECINFOS(t);
            for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
                const struct pbpf_btf_type *v = pbpf_btf_type_by_id(obj->btf, vi[i].type);
                if (strcmp(pbpf_btf_name(obj->btf, v), name) == 0) {
                    *datasec = pbpf_btf_name(obj->btf, t);
                    return vi[i].type;
                }
            }
        }
    }
    for (uint32_t id = 1; id < cnt; id++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, id);
        if (pbpf_btf_kind(t) == PBPF_BTF_KIND_FUNC && pbpf_btf_vlen(t) == PBPF_BTF_VAR_EXTERN &&
            strcmp(pbpf_btf_name(obj->btf, t), name) == 0)
            return id;
    }
    return 0;
}

#define KCONFIG_PLACED 0x80000000u

/* Alignment of a type as C lays it out on BPF (a 64-bit target). */
static uint32_t btf_align(const struct pbpf_object *obj, uint32_t id, int depth, unsigned *steps)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, id));
    uint32_t a = 1;
    /* bounded in depth and in total work: crafted BTF may nest wide */
    if (!t || depth > 32 || ++*steps > 100000)
        return 1;
    switch (pbpf_btf_kind(t)) {
    case PBPF_BTF_KIND_INT:
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64:
    case PBPF_BTF_KIND_FLOAT:
        return t->size_type < 8 ? (t->size_type ? t->size_type : 1) : 8;
    case PBPF_BTF_KIND_PTR:
        return 8;
    case PBPF_BTF_KIND_ARRAY:
        return btf_align(obj, PBPF_BTF_ARRAY(t)->type, depth + 1, steps);
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION:
        for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
            uint32_t m = btf_align(obj, PBPF_BTF_MEMBERS(t)[i].type, depth + 1, steps);
            if (m > a)
                a = m;
        }
        return a;
    default:
        return 1;
    }
}

int pbpf_elf_parse_externs(struct pbpf_object *obj)
{
    size_t n = 0;
    uint64_t kconfig_end = 0;

    for (size_t i = 1; i < obj->sym_cnt; i++) {
        const struct pbpf_elf_sym *s = &obj->syms[i];
        if (s->shndx == PBPF_SHN_UNDEF && s->name[0] &&
            (s->bind == PBPF_STB_GLOBAL || s->bind == PBPF_STB_WEAK))
            n++;
    }
    if (!n)
        return 0;
    obj->externs = pbpf_calloc(n, sizeof(*obj->externs));
    if (!obj->externs)
        return -ENOMEM;
    for (size_t i = 1; i < obj->sym_cnt; i++) {
        const struct pbpf_elf_sym *s = &obj->syms[i];
        struct pbpf_object_extern *e;
        const char *ds = NULL;
        if (!(s->shndx == PBPF_SHN_UNDEF && s->name[0] &&
              (s->bind == PBPF_STB_GLOBAL || s->bind == PBPF_STB_WEAK)))
            continue;
        e = &obj->externs[obj->extern_cnt++];
        e->name = s->name;
        e->is_weak = s->bind == PBPF_STB_WEAK;
        e->is_func = s->type == PBPF_STT_FUNC;
        if (obj->btf)
            e->btf_id = extern_btf(obj, s->name, &ds);
        if (e->btf_id) {
            const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, e->btf_id);
            uint64_t sz = 0;
            if (pbpf_btf_kind(t) == PBPF_BTF_KIND_FUNC) {
                e->is_func = 1;
            } else if (pbpf_btf_type_size(obj->btf, t->size_type, &sz) == 0 && sz <= UINT32_MAX) {
                e->size = (uint32_t)sz;
            }
        }
        if (ds && strcmp(ds, ".kconfig") == 0 && !e->is_func) {
            if (!e->size)
                return pbpf_elf_err(obj, -EINVAL, "extern '%s' in .kconfig has no size", e->name);
            unsigned steps = 0;
            e->is_kconfig = 1;
            e->off = btf_align(obj, pbpf_btf_type_by_id(obj->btf, e->btf_id)->size_type, 0, &steps);
        }
    }
    /* libbpf's layout of the .kconfig value: by alignment (largest
     * first), then size (smallest first), then name; e->off held the
     * alignment until here */
    for (;;) {
        struct pbpf_object_extern *best = NULL;
        for (size_t i = 0; i < obj->extern_cnt; i++) {
            struct pbpf_object_extern *e = &obj->externs[i];
            if (!e->is_kconfig || e->off >= KCONFIG_PLACED)
                continue;
            if (!best || e->off > best->off ||
                (e->off == best->off &&
                 (e->size < best->size || (e->size == best->size && strcmp(e->name, best->name) < 0))))
                best = e;
        }
        if (!best)
            break;
        kconfig_end = (kconfig_end + best->off - 1) / best->off * best->off;
        best->off = (uint32_t)kconfig_end + KCONFIG_PLACED;
        kconfig_end += best->size;
        if (kconfig_end > UINT32_MAX / 2)
            return pbpf_elf_err(obj, -E2BIG, ".kconfig: externs too large");
    }
    for (size_t i = 0; i < obj->extern_cnt; i++)
        if (obj->externs[i].is_kconfig)
            obj->externs[i].off -= KCONFIG_PLACED;
    if (kconfig_end) {
        struct pbpf_object_map *m = &obj->maps[obj->map_cnt];
        /* reserved in pbpf_elf_parse_maps */
        memset(m, 0, sizeof(*m));
        obj->map_locs[obj->map_cnt].values_off = -1;
        obj->map_locs[obj->map_cnt].sec = 0;
        obj->kconfig_map = (int)obj->map_cnt++;
        m->name = ".kconfig";
        m->section = ".kconfig";
        m->kind = PBPF_OBJMAP_KCONFIG;
        m->type = PBPF_MAP_TYPE_ARRAY;
        m->key_size = 4;
        m->value_size = (uint32_t)kconfig_end;
        m->max_entries = 1;
        m->map_flags = PBPF_F_MMAPABLE | PBPF_F_RDONLY_PROG;
        if (obj->btf) {
            int64_t id = pbpf_btf_find_by_name_kind(obj->btf, ".kconfig", PBPF_BTF_KIND_DATASEC);
            if (id > 0)
                m->btf_value_type_id = (uint32_t)id;
        }
    }
    return 0;
}

/* `.values = { [1] = &prog, ... }` in .maps: R_BPF_64_ABS64 relocations
 * inside the `values` array of a definition. */
int pbpf_elf_map_init_slots(struct pbpf_object *obj)
{
    struct pbpf_elf_rel *rels;
    size_t cnt;
    int rc;

    if (obj->btf_maps_sec <= 0)
        return 0;
    if ((rc = pbpf_elf_rels_for(obj, (uint32_t)obj->btf_maps_sec, &rels, &cnt)))
        return rc;
    for (size_t r = 0; r < cnt; r++) {
        const struct pbpf_elf_sym *sym = &obj->syms[rels[r].sym];
        struct pbpf_object_map *m = NULL;
        struct pbpf_elf_map_loc *loc = NULL;
        struct pbpf_object_map_slot *slots;
        uint64_t rel_off = rels[r].offset, slot;
        uint32_t target = UINT32_MAX;
        for (size_t i = 0; i < obj->map_cnt; i++) {
            struct pbpf_elf_map_loc *l = &obj->map_locs[i];
            if (obj->maps[i].kind == PBPF_OBJMAP_BTF && rel_off >= l->off &&
                rel_off < l->off + l->size) {
                m = &obj->maps[i];
                loc = l;
            }
        }
        if (!m || loc->values_off < 0 || rel_off < loc->off + (uint64_t)loc->values_off ||
            (rel_off - loc->off - (uint64_t)loc->values_off) % 8 ||
            rels[r].type != PBPF_R_BPF_64_ABS64) {
            rc = pbpf_elf_err(obj, -EINVAL,
                              "section '.rel.maps': relocation at '.maps' offset 0x%llx (type %u) "
                              "is not in a map's 'values'",
                              (unsigned long long)rel_off, rels[r].type);
            goto out;
        }
        slot = (rel_off - loc->off - (uint64_t)loc->values_off) / 8;
        if (slot >= m->max_entries) {
            rc = pbpf_elf_err(obj, -EINVAL, "section '.maps': map '%s': value %llu past max_entries %u",
                              m->name, (unsigned long long)slot, m->max_entries);
            goto out;
        }
        if (m->type == PBPF_MAP_TYPE_PROG_ARRAY) {
            for (size_t i = 0; i < obj->prog_cnt; i++) {
                const struct pbpf_object_prog *p = &obj->progs[i];
                if (sym->type == PBPF_STT_FUNC && strcmp(p->name, sym->name) == 0 &&
                    strcmp(p->section, obj->secs[sym->shndx < obj->sec_cnt ? sym->shndx : 0].name) == 0)
                    target = (uint32_t)i;
            }
        } else {
            for (size_t i = 0; i < obj->map_cnt; i++)
                if (obj->maps[i].kind == PBPF_OBJMAP_BTF &&
                    obj->map_locs[i].sec == sym->shndx && obj->map_locs[i].off == sym->value)
                    target = (uint32_t)i;
        }
        if (target == UINT32_MAX) {
            rc = pbpf_elf_err(obj, -EINVAL, "section '.maps': map '%s' value %llu: '%s' is not a %s",
                              m->name, (unsigned long long)slot, sym->name,
                              m->type == PBPF_MAP_TYPE_PROG_ARRAY ? "program" : "map");
            goto out;
        }
        slots = pbpf_realloc((void *)m->init_slots, (m->init_slot_cnt + 1) * sizeof(*slots));
        if (!slots) {
            rc = -ENOMEM;
            goto out;
        }
        slots[m->init_slot_cnt].slot = (uint32_t)slot;
        slots[m->init_slot_cnt].target = target;
        m->init_slots = slots;
        m->init_slot_cnt++;
    }
    rc = 0;
out:
    pbpf_free(rels);
    return rc;
}
