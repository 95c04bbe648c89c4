/* The object loader: from an opened object (src/elf, src/btf) to live maps
 * and loaded programs, in the order libbpf's bpf_object__load() uses:
 * externs checked, CO-RE target found, maps created (or reused: caller's,
 * pinned), global data and .kconfig filled (read-only ones frozen),
 * programs relocated (CO-RE, map references) and loaded, then the initial
 * `values` of prog arrays and maps of maps set. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf.h"
#include "elf/elf.h"
#include "exec/exec.h"
#include "isa/insn.h"
#include "loader/loader.h"
#include "maps/map.h"
#include "pbpf/loader.h"
#include "platform/platform.h"

#define OPT(opts, type, field, def)                                                                \
    ((opts) && (opts)->sz >= offsetof(type, field) + sizeof((opts)->field) ? (opts)->field : (def))

/* Linux numbers the loader refuses by name. */
#define LD_PROG_TYPE_STRUCT_OPS 27
#define LD_PROG_TYPE_EXT 28
#define LD_PROG_TYPE_LSM 29
#define LD_LIBBPF_PIN_BY_NAME 1
#define LD_IPROUTE2_PIN_GLOBAL_NS 2

struct ld_prog {
    bool noload; /* autoload off */
    struct pbpf_prog *prog;
    struct pbpf_insn *xlated;
    size_t cnt;
    struct pbpf_map **maps;
    size_t map_cnt;
};

struct ld_map {
    struct pbpf_map *map;   /* live, one reference owned by the object */
    struct pbpf_map *reuse; /* given by the caller (reference held) */
    uint8_t *init;          /* pbpf_object_set_map_initial_value */
};

struct pbpf_loader_state {
    bool loaded;
    struct ld_prog *progs;
    struct ld_map *maps;
};

static int ld_err(char *log, size_t size, int code, const char *fmt, ...) PBPF_PRINTF_FMT(4, 5);
static int ld_err(char *log, size_t size, int code, const char *fmt, ...)
{
    if (log && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(log, size, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* --- state ------------------------------------------------------------- */

static void unload(struct pbpf_object *obj);

static void state_free(struct pbpf_object *obj)
{
    struct pbpf_loader_state *st = obj->loader;
    if (!st)
        return;
    unload(obj);
    for (size_t i = 0; i < obj->map_cnt; i++) {
        if (st->maps[i].reuse)
            pbpf_map_free(st->maps[i].reuse);
        pbpf_free(st->maps[i].init);
    }
    pbpf_free(st->progs);
    pbpf_free(st->maps);
    pbpf_free(st);
    obj->loader = NULL;
}

static struct pbpf_loader_state *state(struct pbpf_object *obj)
{
    if (obj->loader)
        return obj->loader;
    struct pbpf_loader_state *st = pbpf_calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->progs = pbpf_calloc(obj->prog_cnt ? obj->prog_cnt : 1, sizeof *st->progs);
    st->maps = pbpf_calloc(obj->map_cnt ? obj->map_cnt : 1, sizeof *st->maps);
    if (!st->progs || !st->maps) {
        pbpf_free(st->progs);
        pbpf_free(st->maps);
        pbpf_free(st);
        return NULL;
    }
    obj->loader = st;
    obj->loader_free = state_free;
    return st;
}

/* Releases what a load created; the caller's settings stay. */
static void unload(struct pbpf_object *obj)
{
    struct pbpf_loader_state *st = obj->loader;
    if (!st)
        return;
    /* a prog array that outlives the object (pinned) must not keep
     * pointers to programs freed here */
    for (size_t i = 0; i < obj->map_cnt; i++) {
        struct pbpf_map *m = st->maps[i].map;
        if (!m || m->type != PBPF_MAP_TYPE_PROG_ARRAY)
            continue;
        for (uint32_t k = 0; k < m->max_entries; k++) {
            struct pbpf_prog *p = pbpf_map_prog_array_get(m, k);
            for (size_t j = 0; p && j < obj->prog_cnt; j++)
                if (st->progs[j].prog == p) {
                    pbpf_map_delete_elem(m, &k);
                    break;
                }
        }
    }
    for (size_t i = 0; i < obj->prog_cnt; i++) {
        struct ld_prog *lp = &st->progs[i];
        pbpf_prog_free(lp->prog);
        pbpf_free(lp->xlated);
        pbpf_free(lp->maps);
        lp->prog = NULL;
        lp->xlated = NULL;
        lp->maps = NULL;
        lp->cnt = lp->map_cnt = 0;
    }
    for (size_t i = 0; i < obj->map_cnt; i++) {
        if (st->maps[i].map)
            pbpf_map_free(st->maps[i].map);
        st->maps[i].map = NULL;
    }
    st->loaded = false;
}

/* --- settings before loading ---------------------------------------------- */

static int settable(struct pbpf_object *obj, size_t idx, size_t cnt, struct pbpf_loader_state **st)
{
    if (!obj || idx >= cnt)
        return -EINVAL;
    *st = state(obj);
    if (!*st)
        return -ENOMEM;
    return (*st)->loaded ? -EBUSY : 0;
}

int pbpf_object_set_prog_type(struct pbpf_object *obj, size_t prog_idx, uint32_t prog_type,
                              uint32_t expected_attach_type)
{
    struct pbpf_loader_state *st;
    int rc = settable(obj, prog_idx, obj ? obj->prog_cnt : 0, &st);
    if (rc)
        return rc;
    obj->progs[prog_idx].prog_type = prog_type;
    obj->progs[prog_idx].expected_attach_type = expected_attach_type;
    obj->progs[prog_idx].type_known = 1;
    return 0;
}

int pbpf_object_set_autoload(struct pbpf_object *obj, size_t prog_idx, bool autoload)
{
    struct pbpf_loader_state *st;
    int rc = settable(obj, prog_idx, obj ? obj->prog_cnt : 0, &st);
    if (rc)
        return rc;
    st->progs[prog_idx].noload = !autoload;
    return 0;
}

int pbpf_object_set_map_max_entries(struct pbpf_object *obj, size_t map_idx, uint32_t v)
{
    struct pbpf_loader_state *st;
    int rc = settable(obj, map_idx, obj ? obj->map_cnt : 0, &st);
    if (rc)
        return rc;
    /* global data maps hold exactly one value (libbpf refuses too) */
    if (obj->maps[map_idx].kind == PBPF_OBJMAP_DATA ||
        obj->maps[map_idx].kind == PBPF_OBJMAP_KCONFIG)
        return v == 1 ? 0 : -EINVAL;
    obj->maps[map_idx].max_entries = v;
    return 0;
}

int pbpf_object_set_map_value_size(struct pbpf_object *obj, size_t map_idx, uint32_t v)
{
    struct pbpf_loader_state *st;
    int rc = settable(obj, map_idx, obj ? obj->map_cnt : 0, &st);
    if (rc)
        return rc;
    /* resizing a data section would move the variables the code addresses */
    if (obj->maps[map_idx].kind == PBPF_OBJMAP_DATA ||
        obj->maps[map_idx].kind == PBPF_OBJMAP_KCONFIG)
        return v == obj->maps[map_idx].value_size ? 0 : -EINVAL;
    obj->maps[map_idx].value_size = v;
    return 0;
}

int pbpf_object_set_map_initial_value(struct pbpf_object *obj, size_t map_idx, const void *data,
                                      size_t size)
{
    struct pbpf_loader_state *st;
    int rc = settable(obj, map_idx, obj ? obj->map_cnt : 0, &st);
    if (rc)
        return rc;
    struct pbpf_object_map *m = &obj->maps[map_idx];
    if (m->kind != PBPF_OBJMAP_DATA || size != m->value_size || (!data && size))
        return -EINVAL;
    uint8_t *copy = pbpf_malloc(size ? size : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, data, size);
    pbpf_free(st->maps[map_idx].init);
    st->maps[map_idx].init = copy;
    return 0;
}

int pbpf_object_reuse_map(struct pbpf_object *obj, size_t map_idx, struct pbpf_map *map)
{
    struct pbpf_loader_state *st;
    int rc = settable(obj, map_idx, obj ? obj->map_cnt : 0, &st);
    if (rc)
        return rc;
    if (!map)
        return -EINVAL;
    pbpf_map_get(map);
    if (st->maps[map_idx].reuse)
        pbpf_map_free(st->maps[map_idx].reuse);
    st->maps[map_idx].reuse = map;
    return 0;
}

/* --- after loading --------------------------------------------------------- */

bool pbpf_object_loaded(const struct pbpf_object *obj)
{
    return obj && obj->loader && obj->loader->loaded;
}

struct pbpf_map *pbpf_object_map_handle(const struct pbpf_object *obj, size_t map_idx)
{
    if (!pbpf_object_loaded(obj) || map_idx >= obj->map_cnt)
        return NULL;
    return obj->loader->maps[map_idx].map;
}

struct pbpf_prog *pbpf_object_prog_handle(const struct pbpf_object *obj, size_t prog_idx)
{
    if (!pbpf_object_loaded(obj) || prog_idx >= obj->prog_cnt)
        return NULL;
    return obj->loader->progs[prog_idx].prog;
}

int pbpf_object_prog_xlated(const struct pbpf_object *obj, size_t prog_idx,
                            const struct pbpf_insn **insns, size_t *cnt)
{
    if (!pbpf_object_prog_handle(obj, prog_idx))
        return -ENOENT;
    *insns = obj->loader->progs[prog_idx].xlated;
    *cnt = obj->loader->progs[prog_idx].cnt;
    return 0;
}

int pbpf_object_prog_maps(const struct pbpf_object *obj, size_t prog_idx,
                          struct pbpf_map *const **maps, size_t *cnt)
{
    if (!pbpf_object_prog_handle(obj, prog_idx))
        return -ENOENT;
    *maps = obj->loader->progs[prog_idx].maps;
    *cnt = obj->loader->progs[prog_idx].map_cnt;
    return 0;
}

int pbpf_object_find_map(const struct pbpf_object *obj, const char *name)
{
    for (size_t i = 0; obj && name && i < obj->map_cnt; i++)
        if (strcmp(obj->maps[i].name, name) == 0)
            return (int)i;
    return -ENOENT;
}

int pbpf_object_find_prog(const struct pbpf_object *obj, const char *name)
{
    for (size_t i = 0; obj && name && i < obj->prog_cnt; i++)
        if (strcmp(obj->progs[i].name, name) == 0)
            return (int)i;
    return -ENOENT;
}

/* --- loading --------------------------------------------------------------- */

struct ld {
    struct pbpf_object *obj;
    struct pbpf_loader_state *st;
    struct pbpf_runtime *rt;
    const struct pbpf_object_load_opts *opts;
    char *log;
    size_t log_size;
    struct pbpf_btf *target; /* CO-RE target, or NULL */
    const char *pin_root;
};

/* Unsupported features, named before anything is created. */
static int check_supported(struct ld *l)
{
    struct pbpf_object *obj = l->obj;
    for (size_t i = 0; i < obj->prog_cnt; i++) {
        const struct pbpf_object_prog *p = &obj->progs[i];
        if (l->st->progs[i].noload)
            continue;
        if (p->prog_type == LD_PROG_TYPE_STRUCT_OPS || strncmp(p->section, "struct_ops", 10) == 0)
            return ld_err(l->log, l->log_size, -ENOTSUP,
                          "program '%s': struct_ops programs are not supported", p->name);
        if (p->prog_type == LD_PROG_TYPE_EXT || p->prog_type == LD_PROG_TYPE_LSM)
            return ld_err(l->log, l->log_size, -ENOTSUP,
                          "program '%s': %s programs are not supported", p->name,
                          pbpf_prog_type_name(p->prog_type));
        for (size_t r = 0; r < p->relo_cnt; r++) {
            const struct pbpf_object_relo *rl = &p->relos[r];
            if (rl->kind == PBPF_RELO_KFUNC)
                return ld_err(l->log, l->log_size, -ENOTSUP,
                              "program '%s': insn %u: call of kfunc '%s' (kernel functions are "
                              "not supported)",
                              p->name, rl->insn_idx, rl->name ? rl->name : "?");
            if (rl->kind == PBPF_RELO_KSYM)
                return ld_err(l->log, l->log_size, -ENOTSUP,
                              "program '%s': insn %u: address of .ksyms extern '%s' (kernel "
                              "symbols are not supported)",
                              p->name, rl->insn_idx, rl->name ? rl->name : "?");
        }
    }
    for (size_t i = 0; i < obj->map_cnt; i++)
        if (obj->maps[i].type == PBPF_MAP_TYPE_STRUCT_OPS)
            return ld_err(l->log, l->log_size, -ENOTSUP,
                          "map '%s': struct_ops maps are not supported", obj->maps[i].name);
    for (size_t i = 0; i < obj->extern_cnt; i++) {
        const struct pbpf_object_extern *e = &obj->externs[i];
        if (e->is_kconfig)
            continue;
        if (e->is_func)
            return ld_err(l->log, l->log_size, -ENOTSUP,
                          "extern function '%s': kfuncs are not supported", e->name);
        return ld_err(l->log, l->log_size, -ENOTSUP,
                      "extern '%s': .ksyms (kernel variables) are not supported", e->name);
    }
    return 0;
}

/* --- CO-RE target BTF --- */

static uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The .BTF section of an ELF64 little-endian file, bounds-checked. */
static int elf_find_btf(const uint8_t *b, size_t len, const uint8_t **btf, size_t *btf_len)
{
    if (len < 64 || b[4] != 2 || b[5] != 1)
        return -EINVAL;
    uint64_t shoff = rd_le(b + 40, 8);
    uint64_t shentsize = rd_le(b + 58, 2), shnum = rd_le(b + 60, 2), shstrndx = rd_le(b + 62, 2);
    if (shentsize < 64 || shoff > len || shnum > (len - shoff) / shentsize || shstrndx >= shnum)
        return -EINVAL;
    const uint8_t *strsh = b + shoff + shstrndx * shentsize;
    uint64_t stroff = rd_le(strsh + 24, 8), strsize = rd_le(strsh + 32, 8);
    if (stroff > len || strsize > len - stroff)
        return -EINVAL;
    for (uint64_t i = 0; i < shnum; i++) {
        const uint8_t *sh = b + shoff + i * shentsize;
        uint64_t name = rd_le(sh, 4), off = rd_le(sh + 24, 8), size = rd_le(sh + 32, 8);
        if (name + 5 > strsize || memcmp(b + stroff + name, ".BTF", 5) != 0)
            continue;
        if (rd_le(sh + 4, 4) == PBPF_SHT_NOBITS || off > len || size > len - off)
            return -EINVAL;
        *btf = b + off;
        *btf_len = (size_t)size;
        return 0;
    }
    return -ENOENT;
}

static int load_target_btf(struct ld *l, const char *prog_name)
{
    const char *custom = OPT(l->opts, struct pbpf_object_load_opts, btf_custom_path, NULL);
    const char *path = custom ? custom : "/sys/kernel/btf/vmlinux";
    uint8_t *buf;
    size_t len;
    int rc = pbpf_read_file(path, &buf, &len);
    if (rc) {
        if (!custom)
            return ld_err(l->log, l->log_size, -ENOENT,
                          "program '%s' has CO-RE relocations but there is no target BTF: %s: "
                          "%s (give btf_custom_path)",
                          prog_name, path, strerror(-rc));
        return ld_err(l->log, l->log_size, rc, "CO-RE target BTF %s: %s", path, strerror(-rc));
    }
    const uint8_t *data = buf;
    size_t dlen = len;
    if (len >= 4 && memcmp(buf, "\x7f" "ELF", 4) == 0) {
        rc = elf_find_btf(buf, len, &data, &dlen);
        if (rc) {
            pbpf_free(buf);
            return ld_err(l->log, l->log_size, -EINVAL, "CO-RE target %s: %s", path,
                          rc == -ENOENT ? "ELF file without a .BTF section"
                                        : "malformed ELF section headers");
        }
    }
    char err[192] = "";
    rc = pbpf_btf_parse(data, dlen, &l->target, err, sizeof err);
    pbpf_free(buf);
    if (rc)
        return ld_err(l->log, l->log_size, rc, "CO-RE target %s: %s", path, err);
    return 0;
}

/* --- maps --- */

/* Map names: at most 15 characters of [A-Za-z0-9_.] (bpf_obj_name_cpy). */
static void map_name(const char *in, char out[16])
{
    size_t n = 0;
    for (; in[n] && n < 15; n++) {
        char c = in[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.';
        out[n] = ok ? c : '_';
    }
    out[n] = '\0';
}

static int def_matches(const struct pbpf_map *m, const struct pbpf_object_map *d)
{
    return m->type == d->type && m->key_size == d->key_size && m->value_size == d->value_size &&
           m->max_entries == d->max_entries && m->map_flags == d->map_flags;
}

/* Maps pinned by name live in the process's pin name space (pbpf_map_pin,
 * src/maps/pin.c), where bpf_obj_get and `pbpf map ... pinned` find them,
 * as they find maps that libbpf pins on a bpffs mount. */
int pbpf_loader_unpin(const char *path) { return pbpf_map_unpin(path); }

struct pbpf_map *pbpf_loader_pinned(const char *path)
{
    struct pbpf_map *m;
    return pbpf_map_get_pinned(path, &m) ? NULL : m;
}

static int map_pinned_by_name(const struct pbpf_object_map *d)
{
    if (d->kind == PBPF_OBJMAP_BTF)
        return d->pinning == LD_LIBBPF_PIN_BY_NAME;
    /* iproute2's PIN_GLOBAL_NS shares by name too; its PIN_OBJECT_NS
     * (per-object directory) is not a name space here: not pinned */
    if (d->kind == PBPF_OBJMAP_LEGACY)
        return d->pinning == LD_IPROUTE2_PIN_GLOBAL_NS;
    return 0;
}

/* Linux's btf_parse_fields for the fields pbpf takes from BTF: the
 * struct `name` (bpf_timer, bpf_spin_lock) among the members of the
 * value's struct (its offset in bytes, -1 for none).  Two of one kind:
 * -E2BIG, as Linux refuses them. */
static int btf_field_off(const struct pbpf_btf *btf, uint32_t value_type_id, const char *field,
                         int32_t *off)
{
    *off = -1;
    if (!btf || !value_type_id)
        return 0;
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(btf, pbpf_btf_skip_mods(btf, value_type_id));
    if (!t || pbpf_btf_kind(t) != PBPF_BTF_KIND_STRUCT)
        return 0;
    const struct pbpf_btf_member *mem = PBPF_BTF_MEMBERS(t);
    for (unsigned i = 0; i < pbpf_btf_vlen(t); i++) {
        const struct pbpf_btf_type *mt =
            pbpf_btf_type_by_id(btf, pbpf_btf_skip_mods(btf, mem[i].type));
        const char *name = mt ? pbpf_btf_name(btf, mt) : NULL;
        if (!mt || pbpf_btf_kind(mt) != PBPF_BTF_KIND_STRUCT || !name || strcmp(name, field) != 0)
            continue;
        uint32_t bit = pbpf_btf_member_bit_offset(t, &mem[i]);
        if (*off >= 0)
            return -E2BIG;
        if (bit % 8)
            return -EINVAL;
        *off = (int32_t)(bit / 8);
    }
    return 0;
}

static int create_from_def(struct ld *l, const struct pbpf_object_map *d, const char *what,
                           struct pbpf_map **out)
{
    struct pbpf_map *inner = NULL;
    char name[16];
    int rc;
    *out = NULL;
    if (d->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS || d->type == PBPF_MAP_TYPE_HASH_OF_MAPS) {
        if (!d->inner)
            return ld_err(l->log, l->log_size, -EINVAL,
                          "map '%s': a map of maps needs an inner map definition (__array(values, "
                          "...))",
                          what);
        rc = create_from_def(l, d->inner, what, &inner);
        if (rc)
            return rc;
    }
    map_name(d->name ? d->name : "", name);
    int32_t timer_off, lock_off;
    const char *field = "bpf_timer";
    rc = btf_field_off(l->obj->btf, d->btf_value_type_id, field, &timer_off);
    if (!rc) {
        field = "bpf_spin_lock";
        rc = btf_field_off(l->obj->btf, d->btf_value_type_id, field, &lock_off);
    }
    if (rc) {
        if (inner)
            pbpf_map_free(inner);
        return ld_err(l->log, l->log_size, rc, "map '%s': %s struct %s", what,
                      rc == -E2BIG ? "more than one" : "a misaligned", field);
    }
    PBPF_OPTS(pbpf_map_create_opts, co, .type = d->type, .key_size = d->key_size,
              .value_size = d->value_size, .max_entries = d->max_entries,
              .map_flags = d->map_flags, .inner_map = inner, .map_extra = d->map_extra,
              .name = name[0] ? name : NULL, .timer_off = timer_off,
              .has_timer = timer_off >= 0, .spin_lock_off = lock_off,
              .has_spin_lock = lock_off >= 0,
              .btf_value_type_id = l->obj->btf ? d->btf_value_type_id : 0);
    rc = pbpf_map_create(l->rt, &co, out);
    if (inner)
        pbpf_map_free(inner);
    if (rc)
        return ld_err(l->log, l->log_size, rc,
                      "map '%s': cannot create (type %u, key %u, value %u, max_entries %u, "
                      "flags 0x%x): %s",
                      what, d->type, d->key_size, d->value_size, d->max_entries,
                      d->map_flags, strerror(-rc));
    return 0;
}

/* .kconfig: "NAME=value" lines, as libbpf's kconfig option and a kernel
 * .config file (comments and "# CONFIG_X is not set" count as n). */
static const char *kconfig_find(const char *text, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = text;
    while (p && *p) {
        const char *end = strchr(p, '\n');
        size_t ll = end ? (size_t)(end - p) : strlen(p);
        while (ll && (p[ll - 1] == '\r' || p[ll - 1] == ' '))
            ll--;
        if (ll > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            *vlen = ll - nl - 1;
            return p + nl + 1;
        }
        if (ll > 2 + nl && strncmp(p, "# ", 2) == 0 && strncmp(p + 2, name, nl) == 0 &&
            strncmp(p + 2 + nl, " is not set", 11) == 0) {
            *vlen = 1;
            return "n";
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

enum kcfg_kind { KCFG_BOOL, KCFG_TRISTATE, KCFG_INT, KCFG_CHARS, KCFG_OTHER };

static enum kcfg_kind kcfg_kind_of(const struct pbpf_object *obj, const struct pbpf_object_extern *e,
                                   int *is_signed)
{
    *is_signed = 0;
    if (!obj->btf || !e->btf_id)
        return e->size == 1 ? KCFG_BOOL : KCFG_INT;
    const struct pbpf_btf_type *v = pbpf_btf_type_by_id(obj->btf, e->btf_id);
    if (!v || pbpf_btf_kind(v) != PBPF_BTF_KIND_VAR)
        return KCFG_OTHER;
    uint32_t tid = pbpf_btf_skip_mods(obj->btf, v->size_type);
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, tid);
    if (!t)
        return KCFG_OTHER;
    switch (pbpf_btf_kind(t)) {
    case PBPF_BTF_KIND_INT:
        if (PBPF_BTF_INT_ENCODING(t) & 4)
            return KCFG_BOOL;
        if (t->size_type == 1 && (PBPF_BTF_INT_ENCODING(t) & 2))
            return KCFG_CHARS; /* a lone char takes one character */
        *is_signed = PBPF_BTF_INT_ENCODING(t) & 1;
        return KCFG_INT;
    case PBPF_BTF_KIND_ENUM:
        return strcmp(pbpf_btf_name(obj->btf, t), "libbpf_tristate") == 0 ? KCFG_TRISTATE
                                                                          : KCFG_INT;
    case PBPF_BTF_KIND_ARRAY: {
        const struct pbpf_btf_type *el =
            pbpf_btf_type_by_id(obj->btf, pbpf_btf_skip_mods(obj->btf, PBPF_BTF_ARRAY(t)->type));
        if (el && pbpf_btf_kind(el) == PBPF_BTF_KIND_INT && el->size_type == 1)
            return KCFG_CHARS;
        return KCFG_OTHER;
    }
    default:
        return KCFG_OTHER;
    }
}

static int parse_num(const char *s, size_t n, int64_t *out)
{
    char buf[32];
    if (!n || n >= sizeof buf)
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *p = buf;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    uint64_t v = 0;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return -EINVAL;
    for (; *p; p++) {
        int d = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                         : 99;
        if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -EINVAL;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static int kconfig_fill(struct ld *l, uint8_t *val, size_t size)
{
    struct pbpf_object *obj = l->obj;
    const char *text = OPT(l->opts, struct pbpf_object_load_opts, kconfig, NULL);
    uint32_t kver = OPT(l->opts, struct pbpf_object_load_opts, kern_version, 0);
    if (!kver)
        kver = obj->kern_version;
    for (size_t i = 0; i < obj->extern_cnt; i++) {
        const struct pbpf_object_extern *e = &obj->externs[i];
        if (!e->is_kconfig)
            continue;
        if (e->off > size || e->size > size - e->off)
            return ld_err(l->log, l->log_size, -EINVAL,
                          "extern '%s': outside the .kconfig map", e->name);
        uint8_t *dst = val + e->off;
        if (strcmp(e->name, "LINUX_KERNEL_VERSION") == 0) {
            if (e->size != 4)
                return ld_err(l->log, l->log_size, -EINVAL,
                              "extern 'LINUX_KERNEL_VERSION': must be a 32-bit integer");
            if (!kver && !e->is_weak)
                return ld_err(l->log, l->log_size, -EINVAL,
                              "extern 'LINUX_KERNEL_VERSION': no kernel version known (set "
                              "kern_version)");
            memcpy(dst, &kver, 4);
            continue;
        }
        size_t vlen = 0;
        const char *v = text ? kconfig_find(text, e->name, &vlen) : NULL;
        if (!v) {
            if (e->is_weak)
                continue; /* stays 0 */
            return ld_err(l->log, l->log_size, -ESRCH,
                          "extern '%s' (.kconfig): no value given and not __weak (set it in the "
                          "kconfig option)",
                          e->name);
        }
        int is_signed;
        enum kcfg_kind k = kcfg_kind_of(obj, e, &is_signed);
        int tri = vlen == 1 ? (v[0] == 'y' ? 1 : v[0] == 'n' ? 0 : v[0] == 'm' ? 2 : -1) : -1;
        switch (k) {
        case KCFG_BOOL:
        case KCFG_TRISTATE:
            if (tri < 0 || (k == KCFG_BOOL && tri == 2))
                return ld_err(l->log, l->log_size, -EINVAL,
                              "extern '%s' (.kconfig): value '%.*s' is not %s", e->name, (int)vlen,
                              v, k == KCFG_BOOL ? "y or n" : "y, n or m");
            if (k == KCFG_BOOL)
                dst[0] = (uint8_t)tri;
            else {
                uint32_t t32 = (uint32_t)tri;
                memcpy(dst, &t32, e->size < 4 ? e->size : 4);
            }
            break;
        case KCFG_CHARS:
            if (vlen < 2 || v[0] != '"' || v[vlen - 1] != '"')
                return ld_err(l->log, l->log_size, -EINVAL,
                              "extern '%s' (.kconfig): value %.*s is not a \"string\"", e->name,
                              (int)vlen, v);
            {
                size_t n = vlen - 2 < e->size - 1 ? vlen - 2 : e->size - 1;
                memcpy(dst, v + 1, n);
                dst[n] = 0;
            }
            break;
        case KCFG_INT: {
            int64_t n;
            if (parse_num(v, vlen, &n))
                return ld_err(l->log, l->log_size, -EINVAL,
                              "extern '%s' (.kconfig): value '%.*s' is not a number", e->name,
                              (int)vlen, v);
            if (e->size > 8 || (e->size & (e->size - 1)))
                return ld_err(l->log, l->log_size, -EINVAL,
                              "extern '%s' (.kconfig): %u-byte integer", e->name, e->size);
            if (e->size < 8) {
                int64_t lim = (int64_t)1 << (e->size * 8 - (is_signed ? 1 : 0));
                if ((is_signed && (n >= lim || n < -lim)) ||
                    (!is_signed && (n < 0 || n >= lim)))
                    return ld_err(l->log, l->log_size, -ERANGE,
                                  "extern '%s' (.kconfig): value %.*s does not fit in %u bytes",
                                  e->name, (int)vlen, v, e->size);
            }
            uint64_t u = (uint64_t)n;
            for (uint32_t b = 0; b < e->size; b++)
                dst[b] = (uint8_t)(u >> (8 * b));
            break;
        }
        default:
            return ld_err(l->log, l->log_size, -EINVAL,
                          "extern '%s' (.kconfig): unsupported type", e->name);
        }
    }
    return 0;
}

static int create_map(struct ld *l, size_t idx)
{
    struct pbpf_object *obj = l->obj;
    const struct pbpf_object_map *d = &obj->maps[idx];
    struct ld_map *lm = &l->st->maps[idx];
    char path[288];
    int pinned = map_pinned_by_name(d), rc;

    if (lm->reuse) {
        if (!def_matches(lm->reuse, d))
            return ld_err(l->log, l->log_size, -EINVAL,
                          "map '%s': the map given to reuse does not match the definition "
                          "(type, key/value size, max_entries, flags)",
                          d->name);
        pbpf_map_get(lm->reuse);
        lm->map = lm->reuse;
        return 0;
    }
    if (pinned) {
        snprintf(path, sizeof path, "%s/%s", l->pin_root, d->name);
        struct pbpf_map *m;
        rc = pbpf_map_get_pinned(path, &m);
        if (rc == -EINVAL)
            return ld_err(l->log, l->log_size, rc, "map '%s': %s is pinned, but not as a map",
                          d->name, path);
        if (!rc) {
            if (!def_matches(m, d) || m->slots != l->rt->slots) {
                pbpf_map_free(m);
                return ld_err(l->log, l->log_size, -EINVAL,
                              "map '%s': the map pinned at %s does not match the definition "
                              "(type, key/value size, max_entries, flags)",
                              d->name, path);
            }
            lm->map = m;
            return 0;
        }
    }
    rc = create_from_def(l, d, d->name, &lm->map);
    if (rc)
        return rc;

    if (d->kind == PBPF_OBJMAP_DATA || d->kind == PBPF_OBJMAP_KCONFIG) {
        uint8_t *val = pbpf_calloc(1, d->value_size ? d->value_size : 1);
        uint32_t zero = 0;
        if (!val)
            return -ENOMEM;
        if (lm->init)
            memcpy(val, lm->init, d->value_size);
        else if (d->data && d->data_size)
            memcpy(val, d->data, d->data_size < d->value_size ? d->data_size : d->value_size);
        rc = d->kind == PBPF_OBJMAP_KCONFIG ? kconfig_fill(l, val, d->value_size) : 0;
        if (!rc) {
            rc = pbpf_map_update_elem(lm->map, &zero, val, PBPF_ANY);
            if (rc)
                ld_err(l->log, l->log_size, rc, "map '%s': cannot set its initial value: %s",
                       d->name, strerror(-rc));
        }
        pbpf_free(val);
        if (rc)
            return rc;
        /* libbpf freezes .rodata* and .kconfig: constant for programs and
         * for user space from now on */
        if (d->map_flags & PBPF_F_RDONLY_PROG) {
            rc = pbpf_map_freeze(lm->map);
            if (rc)
                return ld_err(l->log, l->log_size, rc, "map '%s': cannot freeze: %s", d->name,
                              strerror(-rc));
        }
    }
    if (pinned) {
        rc = pbpf_map_pin(lm->map, path);
        if (rc)
            return ld_err(l->log, l->log_size, rc, "map '%s': cannot pin at %s: %s", d->name,
                          path, strerror(-rc));
    }
    return 0;
}

/* --- programs --- */

static const char *core_kind_name(uint32_t k)
{
    static const char *const names[] = {
        "byte_off",    "byte_sz",     "field_exists", "signed",    "lshift_u64",
        "rshift_u64",  "local_type_id", "target_type_id", "type_exists", "type_size",
        "enumval_exists", "enumval_value", "type_matches",
    };
    return k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

/* libbpf's rule for a relocation without a target match: existence and
 * type-based questions answer 0, field and enum values poison. */
static int core_poisons(uint32_t kind)
{
    switch (kind) {
    case PBPF_CORE_FIELD_BYTE_OFFSET:
    case PBPF_CORE_FIELD_BYTE_SIZE:
    case PBPF_CORE_FIELD_SIGNED:
    case PBPF_CORE_FIELD_LSHIFT_U64:
    case PBPF_CORE_FIELD_RSHIFT_U64:
    case PBPF_CORE_ENUMVAL_VALUE:
        return 1;
    default:
        return 0;
    }
}

static void poison(struct pbpf_insn *in)
{
    in->code = PBPF_OPCODE_CALL;
    in->regs = 0;
    in->off = 0;
    in->imm = (int32_t)PBPF_CORE_POISON_ID;
}

static int apply_core(struct ld *l, const struct pbpf_object_prog *p, struct pbpf_insn *insns,
                      size_t cnt, size_t *poisoned)
{
    char err[192];
    for (size_t r = 0; r < p->core_relo_cnt; r++) {
        const struct pbpf_object_core_relo *cr = &p->core_relos[r];
        size_t i = cr->insn_idx;
        struct pbpf_core_result res;
        int rc;
        if (i >= cnt)
            return ld_err(l->log, l->log_size, -EINVAL,
                          "program '%s': CO-RE relocation #%zu: insn %zu out of range", p->name,
                          r, i);
        if (!l->obj->btf)
            return ld_err(l->log, l->log_size, -EINVAL,
                          "program '%s': insn %zu: CO-RE relocation without .BTF", p->name, i);
        if (cr->kind == PBPF_CORE_TYPE_ID_LOCAL) {
            res.exists = 1;
            res.value = cr->type_id;
        } else {
            err[0] = '\0';
            rc = pbpf_core_resolve(l->obj->btf, cr->type_id, cr->access, cr->kind, l->target, &res,
                                   err, sizeof err);
            if (rc)
                return ld_err(l->log, l->log_size, rc, "program '%s': insn %zu: %s", p->name, i,
                              err);
        }
        struct pbpf_insn *in = &insns[i];
        unsigned cls = in->code & 7;
        if (!res.exists && core_poisons(cr->kind)) {
            const struct pbpf_btf_type *t = pbpf_btf_type_by_id(l->obj->btf, cr->type_id);
            int ld64 = in->code == PBPF_OPCODE_LDDW && i + 1 < cnt;
            ld_err(l->log, l->log_size, 0,
                   "program '%s': insn %zu: CO-RE relocation %s of '%s' access %s could not be "
                   "resolved: instruction poisoned",
                   p->name, i, core_kind_name(cr->kind),
                   t ? pbpf_btf_name(l->obj->btf, t) : "?", cr->access ? cr->access : "");
            poison(in);
            if (ld64)
                poison(in + 1);
            (*poisoned)++;
            continue;
        }
        uint64_t v = res.value;
        if (in->code == PBPF_OPCODE_LDDW) {
            if (i + 1 >= cnt)
                return ld_err(l->log, l->log_size, -EINVAL,
                              "program '%s': insn %zu: truncated lddw", p->name, i);
            in[0].imm = (int32_t)(uint32_t)v;
            in[1].imm = (int32_t)(uint32_t)(v >> 32);
        } else if (cls == 4 || cls == 7) { /* ALU, ALU64 with an immediate */
            if (in->code & 0x08)
                return ld_err(l->log, l->log_size, -EINVAL,
                              "program '%s': insn %zu: CO-RE relocation on an ALU instruction "
                              "without an immediate",
                              p->name, i);
            if (v > UINT32_MAX && (int64_t)v < INT32_MIN)
                return ld_err(l->log, l->log_size, -ERANGE,
                              "program '%s': insn %zu: CO-RE value %llu does not fit in imm",
                              p->name, i, (unsigned long long)v);
            in->imm = (int32_t)(uint32_t)v;
        } else if (cls == 1 || cls == 2 || cls == 3) { /* LDX, ST, STX: the offset */
            if (cr->kind != PBPF_CORE_FIELD_BYTE_OFFSET)
                return ld_err(l->log, l->log_size, -EINVAL,
                              "program '%s': insn %zu: CO-RE %s relocation on a memory access",
                              p->name, i, core_kind_name(cr->kind));
            if (v > INT16_MAX)
                return ld_err(l->log, l->log_size, -ERANGE,
                              "program '%s': insn %zu: CO-RE field offset %llu does not fit in "
                              "the instruction",
                              p->name, i, (unsigned long long)v);
            in->off = (int16_t)v;
            /* a field whose size differs in the target: the access size
             * follows for loads (libbpf's rule), others cannot change */
            struct pbpf_core_result lsz, tsz;
            if (!pbpf_core_resolve(l->obj->btf, cr->type_id, cr->access,
                                   PBPF_CORE_FIELD_BYTE_SIZE, l->obj->btf, &lsz, NULL, 0) &&
                !pbpf_core_resolve(l->obj->btf, cr->type_id, cr->access,
                                   PBPF_CORE_FIELD_BYTE_SIZE, l->target, &tsz, NULL, 0) &&
                lsz.exists && tsz.exists && lsz.value != tsz.value) {
                static const uint8_t size_bits[9] = {0, 0x10, 0x08, 0, 0x00, 0, 0, 0, 0x18};
                unsigned cur = in->code & 0x18;
                uint64_t cur_bytes = cur == 0x00 ? 4 : cur == 0x08 ? 2 : cur == 0x10 ? 1 : 8;
                if (cls != 1 || cur_bytes != lsz.value || tsz.value > 8 ||
                    (tsz.value & (tsz.value - 1)))
                    return ld_err(l->log, l->log_size, -EINVAL,
                                  "program '%s': insn %zu: field is %llu bytes in the target, "
                                  "%llu here: cannot adjust the access",
                                  p->name, i, (unsigned long long)tsz.value,
                                  (unsigned long long)lsz.value);
                in->code = (uint8_t)((in->code & ~0x18) | size_bits[tsz.value]);
            }
        } else {
            return ld_err(l->log, l->log_size, -EINVAL,
                          "program '%s': insn %zu: CO-RE relocation on an instruction (0x%02x) "
                          "that takes no constant",
                          p->name, i, in->code);
        }
    }
    return 0;
}

/* lddw src=5/6 (object map index) → src=1/2 with the index in the
 * program's own map table. */
static int relocate_maps(struct ld *l, size_t pi, struct pbpf_insn *insns, size_t cnt)
{
    const struct pbpf_object_prog *p = &l->obj->progs[pi];
    struct ld_prog *lp = &l->st->progs[pi];
    int *slot = pbpf_malloc((l->obj->map_cnt ? l->obj->map_cnt : 1) * sizeof *slot);
    if (!slot)
        return -ENOMEM;
    for (size_t i = 0; i < l->obj->map_cnt; i++)
        slot[i] = -1;
    int rc = 0;
    for (size_t i = 0; i < cnt; i++) {
        struct pbpf_insn *in = &insns[i];
        if (in->code != PBPF_OPCODE_LDDW)
            continue;
        unsigned src = PBPF_INSN_SRC(in);
        if (src == PBPF_PSEUDO_MAP_IDX || src == PBPF_PSEUDO_MAP_IDX_VALUE) {
            uint32_t mi = (uint32_t)in->imm;
            if (mi >= l->obj->map_cnt || i + 1 >= cnt) {
                rc = ld_err(l->log, l->log_size, -EINVAL,
                            "program '%s': insn %zu: reference to map index %u of %zu", p->name,
                            i, mi, l->obj->map_cnt);
                break;
            }
            if (slot[mi] < 0) {
                struct pbpf_map **nm =
                    pbpf_realloc(lp->maps, (lp->map_cnt + 1) * sizeof *lp->maps);
                if (!nm) {
                    rc = -ENOMEM;
                    break;
                }
                lp->maps = nm;
                slot[mi] = (int)lp->map_cnt;
                lp->maps[lp->map_cnt++] = l->st->maps[mi].map;
            }
            in->regs = (uint8_t)((in->regs & 0x0f) |
                                 (src == PBPF_PSEUDO_MAP_IDX ? PBPF_PSEUDO_MAP_FD
                                                             : PBPF_PSEUDO_MAP_VALUE)
                                     << 4);
            in->imm = slot[mi];
        }
        i++;
    }
    pbpf_free(slot);
    return rc;
}

static int load_prog(struct ld *l, size_t pi, size_t *poisoned)
{
    const struct pbpf_object_prog *p = &l->obj->progs[pi];
    struct ld_prog *lp = &l->st->progs[pi];
    char msg[1024];
    int rc;
    if (!p->insn_cnt)
        return ld_err(l->log, l->log_size, -EINVAL, "program '%s': no instructions", p->name);
    lp->xlated = pbpf_malloc(p->insn_cnt * sizeof *lp->xlated);
    if (!lp->xlated)
        return -ENOMEM;
    memcpy(lp->xlated, p->insns, p->insn_cnt * sizeof *lp->xlated);
    lp->cnt = p->insn_cnt;
    rc = apply_core(l, p, lp->xlated, lp->cnt, poisoned);
    if (rc)
        return rc;
    rc = relocate_maps(l, pi, lp->xlated, lp->cnt);
    if (rc)
        return rc;
    msg[0] = '\0';
    size_t btf_size;
    const void *btf = pbpf_object_btf_data(l->obj, &btf_size);
    PBPF_OPTS(pbpf_prog_opts, po,
              .engine = OPT(l->opts, struct pbpf_object_load_opts, engine, PBPF_ENGINE_INTERP),
              .mode = OPT(l->opts, struct pbpf_object_load_opts, mode, PBPF_MODE_CHECKED),
              .name = p->name,
              .insn_budget = OPT(l->opts, struct pbpf_object_load_opts, insn_budget, 0),
              .log_buf = msg, .log_size = sizeof msg,
              .jit_flags = OPT(l->opts, struct pbpf_object_load_opts, jit_flags, 0u),
              .untrusted = OPT(l->opts, struct pbpf_object_load_opts, untrusted, 0),
              .maps = lp->maps, .map_cnt = lp->map_cnt, .prog_type = p->prog_type,
              .expected_attach_type = p->expected_attach_type,
              .license = pbpf_object_license(l->obj), .line_info = p->line_info,
              .line_info_cnt = p->line_info_cnt,
              .verifier_caps = OPT(l->opts, struct pbpf_object_load_opts, verifier_caps, 0),
              .log_level = OPT(l->opts, struct pbpf_object_load_opts, log_level, 0),
              .btf = btf, .btf_size = btf_size, .func_info = p->func_info,
              .func_info_cnt = p->func_info_cnt);
    rc = pbpf_prog_load(l->rt, lp->xlated, lp->cnt, &po, &lp->prog);
    if (rc)
        return ld_err(l->log, l->log_size, rc, "program '%s' (section %s): %s", p->name,
                      p->section, msg[0] ? msg : strerror(-rc));
    return 0;
}

static int fill_slots(struct ld *l)
{
    struct pbpf_object *obj = l->obj;
    for (size_t i = 0; i < obj->map_cnt; i++) {
        const struct pbpf_object_map *d = &obj->maps[i];
        struct pbpf_map *m = l->st->maps[i].map;
        for (size_t s = 0; s < d->init_slot_cnt; s++) {
            const struct pbpf_object_map_slot *sl = &d->init_slots[s];
            void *target;
            const char *tname;
            if (d->type == PBPF_MAP_TYPE_PROG_ARRAY) {
                if (sl->target >= obj->prog_cnt)
                    return ld_err(l->log, l->log_size, -EINVAL,
                                  "map '%s': slot %u: program index %u out of range", d->name,
                                  sl->slot, sl->target);
                tname = obj->progs[sl->target].name;
                target = l->st->progs[sl->target].prog;
                if (!target)
                    return ld_err(l->log, l->log_size, -EINVAL,
                                  "map '%s': slot %u: program '%s' is not loaded (autoload off)",
                                  d->name, sl->slot, tname);
            } else {
                if (sl->target >= obj->map_cnt)
                    return ld_err(l->log, l->log_size, -EINVAL,
                                  "map '%s': slot %u: map index %u out of range", d->name,
                                  sl->slot, sl->target);
                tname = obj->maps[sl->target].name;
                target = l->st->maps[sl->target].map;
            }
            int rc = pbpf_map_update_elem(m, &sl->slot, &target, PBPF_ANY);
            if (rc)
                return ld_err(l->log, l->log_size, rc, "map '%s': slot %u = '%s': %s", d->name,
                              sl->slot, tname, strerror(-rc));
        }
    }
    return 0;
}

int pbpf_object_load(struct pbpf_object *obj, struct pbpf_runtime *rt,
                     const struct pbpf_object_load_opts *opts)
{
    struct ld l = {0};
    int rc = 0;
    l.log = OPT(opts, struct pbpf_object_load_opts, log_buf, NULL);
    l.log_size = OPT(opts, struct pbpf_object_load_opts, log_size, 0);
    if (l.log && l.log_size)
        l.log[0] = '\0';
    if (!obj || !rt)
        return ld_err(l.log, l.log_size, -EINVAL, "no object or no runtime");
    l.obj = obj;
    l.rt = rt;
    l.opts = opts;
    l.st = state(obj);
    if (!l.st)
        return -ENOMEM;
    if (l.st->loaded)
        return ld_err(l.log, l.log_size, -EBUSY, "object already loaded");
    l.pin_root = OPT(opts, struct pbpf_object_load_opts, pin_root_path, NULL);
    if (!l.pin_root)
        l.pin_root = "/sys/fs/bpf";

    rc = check_supported(&l);
    if (rc)
        return rc;
    for (size_t i = 0; i < obj->prog_cnt && !l.target; i++) {
        const struct pbpf_object_prog *p = &obj->progs[i];
        if (l.st->progs[i].noload)
            continue;
        for (size_t r = 0; r < p->core_relo_cnt; r++)
            if (p->core_relos[r].kind != PBPF_CORE_TYPE_ID_LOCAL) {
                rc = load_target_btf(&l, p->name);
                if (rc)
                    return rc;
                break;
            }
    }
    for (size_t i = 0; i < obj->map_cnt && !rc; i++)
        rc = create_map(&l, i);
    size_t poisoned = 0;
    char first_poison[256] = "";
    for (size_t i = 0; i < obj->prog_cnt && !rc; i++) {
        if (l.st->progs[i].noload)
            continue;
        size_t before = poisoned;
        rc = load_prog(&l, i, &poisoned);
        /* keep the first poisoning note: it is the load's log on success */
        if (!rc && poisoned > before && !first_poison[0] && l.log && l.log_size)
            snprintf(first_poison, sizeof first_poison, "%s", l.log);
    }
    if (!rc)
        rc = fill_slots(&l);
    pbpf_btf_free(l.target);
    if (rc) {
        if (rc == -ENOMEM && l.log && l.log_size && !l.log[0])
            ld_err(l.log, l.log_size, rc, "out of memory");
        unload(obj);
        return rc;
    }
    if (l.log && l.log_size)
        snprintf(l.log, l.log_size, "%s", first_poison);
    l.st->loaded = true;
    return 0;
}
